//! The messages the accounts part of the portal sends.
use crate::{accounts::Role, mail::Email};

pub fn sign_in_link(to: &str, name: &str, link: &str) -> Email {
    Email::compose(
        to,
        "Your link to sign in to Tenant Voice",
        &format!("Hello {name},"),
        &[
            "Use the button below to sign in. The link works once, for the next 15 minutes.".into(),
            "If you did not ask to sign in, you can ignore this email: nobody can sign in without the link.".into(),
        ],
        Some(("Sign in to Tenant Voice", link)),
        "someone asked for a sign-in link for this email address on Tenant Voice.",
    )
}

pub fn welcome(to: &str, name: &str, link: &str) -> Email {
    Email::compose(
        to,
        "Finish creating your Tenant Voice account",
        &format!("Hello {name},"),
        &[
            "Thank you for joining Tenant Voice. Use the button below to confirm your email address and sign in. The link works once, for the next 15 minutes.".into(),
            "After that, you can ask to join your landlord as a resident.".into(),
        ],
        Some(("Confirm and sign in", link)),
        "someone created a Tenant Voice account with this email address. If it was not you, ignore this email and the account stays unused.",
    )
}

/// Sent instead of a welcome when the address already has an account, so the
/// registration page never reveals who is registered.
pub fn already_registered(to: &str, name: &str, link: &str) -> Email {
    Email::compose(
        to,
        "You already have a Tenant Voice account",
        &format!("Hello {name},"),
        &[
            "Someone, probably you, tried to create a Tenant Voice account with this email address. You already have one, so nothing new was created.".into(),
            "Use the button below to sign in. The link works once, for the next 15 minutes.".into(),
        ],
        Some(("Sign in to Tenant Voice", link)),
        "someone tried to register this email address on Tenant Voice.",
    )
}

pub fn join_approved(to: &str, name: &str, landlord: &str, link: &str) -> Email {
    Email::compose(
        to,
        &format!("You are now a verified resident of {landlord}"),
        &format!("Hello {name},"),
        &[format!(
            "{landlord} has checked your tenancy and approved your request. You can now propose scrutiny topics and vote, as well as comment."
        )],
        Some(("Go to your landlord's page", link)),
        &format!("you asked to join {landlord} on Tenant Voice."),
    )
}

pub fn join_declined(to: &str, name: &str, landlord: &str, reason: &str) -> Email {
    Email::compose(
        to,
        &format!("Your request to join {landlord} was not approved"),
        &format!("Hello {name},"),
        &[
            format!("{landlord} did not approve your request to join as a resident. They gave this reason:"),
            reason.to_string(),
            "You can still read everything that is published and comment. If you think this is a mistake, contact your landlord or ask to join again with the right tenancy reference.".into(),
        ],
        None,
        &format!("you asked to join {landlord} on Tenant Voice."),
    )
}

pub fn invitation(to: &str, landlord: &str, role: Role, inviter: &str, link: &str) -> Email {
    Email::compose(
        to,
        &format!("{inviter} invited you to {landlord} on Tenant Voice"),
        "Hello,",
        &[
            format!(
                "{inviter} invited you to join {landlord} on Tenant Voice as {}.",
                role.label().to_lowercase()
            ),
            "Use the button below to accept. The invitation works once and ends after 7 days."
                .into(),
        ],
        Some(("Accept the invitation", link)),
        &format!("{inviter} of {landlord} entered this email address to invite you."),
    )
}

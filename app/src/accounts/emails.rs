//! The messages the accounts part of the portal sends.
use crate::{identity::Role, mail::Email};

pub fn sign_in_link(to: &str, name: &str, link: &str) -> Email {
    Email::compose(
        to,
        "Your link to sign in to Tenant Voice",
        &format!("Hello {name},"),
        &[
            "Use the link below to sign in. The link works once, for the next 15 minutes.".into(),
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
            "Thank you for joining Tenant Voice. Use the link below to confirm your email address and sign in. The link works once, for the next 15 minutes.".into(),
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
            "Use the link below to sign in. The link works once, for the next 15 minutes.".into(),
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
            "Use the link below to accept. The invitation works once and ends after 7 days.".into(),
        ],
        Some(("Accept the invitation", link)),
        &format!("{inviter} of {landlord} entered this email address to invite you."),
    )
}

pub fn password_changed(to: &str, name: &str, added: bool) -> Email {
    let what = if added { "added to" } else { "changed on" };
    Email::compose(
        to,
        "Your Tenant Voice password was changed",
        &format!("Hello {name},"),
        &[
            format!("A password was just {what} your Tenant Voice account. You were signed out on every other device."),
            "If that was not you, sign in with an emailed link, choose \"Sign out of every device\" on your account page, and set a new password.".into(),
        ],
        None,
        "we tell you about every change to how you sign in.",
    )
}

pub fn password_removed(to: &str, name: &str) -> Email {
    Email::compose(
        to,
        "Your Tenant Voice password was removed",
        &format!("Hello {name},"),
        &["The password on your Tenant Voice account was removed. You now sign in with a link sent to this address. You were signed out on every other device.".into()],
        None,
        "we tell you about every change to how you sign in.",
    )
}

pub fn confirm_new_email(to: &str, name: &str, link: &str) -> Email {
    Email::compose(
        to,
        "Confirm your new email address for Tenant Voice",
        &format!("Hello {name},"),
        &[
            "You asked to use this address for your Tenant Voice account. Use the link below to confirm it. The link works once, for the next 15 minutes.".into(),
            "Until you confirm, your account keeps its old address.".into(),
        ],
        Some(("Confirm this address", link)),
        "someone asked to move a Tenant Voice account to this email address. If it was not you, ignore this email and nothing changes.",
    )
}

pub fn new_email_taken(to: &str) -> Email {
    Email::compose(
        to,
        "This address already has a Tenant Voice account",
        "Hello,",
        &["Someone asked to move another Tenant Voice account to this address, but this address already has its own account, so nothing changed.".into()],
        None,
        "someone typed this email address on their Tenant Voice account page.",
    )
}

pub fn email_changed(to: &str, name: &str, new_email: &str) -> Email {
    Email::compose(
        to,
        "Your Tenant Voice email address was changed",
        &format!("Hello {name},"),
        &[
            format!("Your Tenant Voice account now uses {new_email}. Emails will go there from now on. You were signed out on your other devices."),
            "If that was not you, contact your landlord or the portal's administrator straight away.".into(),
        ],
        None,
        "this was the email address of your Tenant Voice account until now.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain-text part has no button: it must not ask for one, and it
    /// must carry the link itself.
    #[test]
    fn plain_text_emails_speak_of_the_link_not_a_button() {
        let link = "https://portal.test/sign-in/link?token=abc";
        let emails = [
            sign_in_link("a@example.org", "Aisha", link),
            welcome("a@example.org", "Aisha", link),
            already_registered("a@example.org", "Aisha", link),
            join_approved("a@example.org", "Aisha", "Test Homes", link),
            join_declined("a@example.org", "Aisha", "Test Homes", "Not a tenant"),
            invitation("a@example.org", "Test Homes", Role::Resident, "Sam", link),
            password_changed("a@example.org", "Aisha", true),
            password_removed("a@example.org", "Aisha"),
            confirm_new_email("a@example.org", "Aisha", link),
            new_email_taken("a@example.org"),
            email_changed("a@example.org", "Aisha", "b@example.org"),
        ];
        for email in emails {
            assert!(
                !email.text.to_lowercase().contains("button"),
                "{}: {}",
                email.subject,
                email.text
            );
            if email.html.contains("href=") {
                assert!(email.text.contains(link), "{}", email.subject);
            }
        }
    }
}

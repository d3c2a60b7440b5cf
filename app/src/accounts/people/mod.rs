//! A landlord's people, for its staff: requests to join, invitations by
//! email into any role, the members and their roles, and the audit log.
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use pages::{AcceptInvitationPage, AuditLogPage, PeoplePage};

use super::joining::JoinRequestView;
use crate::identity::Role;
use crate::{error::AppError, site::paging::Paging};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// An invitation sent and not yet used, withdrawn or lapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub sent_on: String,
    pub ends_on: String,
    /// Whether the person looking may withdraw it.
    pub can_withdraw: bool,
}

/// The most invitations the people page lists at once.
pub const INVITATIONS_SHOWN: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeoplePageData {
    pub landlord_name: String,
    pub slug: String,
    pub requests: Vec<JoinRequestView>,
    pub requests_paging: Paging,
    pub members: Vec<MemberView>,
    pub members_paging: Paging,
    /// Roles this person may invite into.
    pub invitable: Vec<Role>,
    /// Invitations not yet used, shown to those who may invite.
    pub invitations: Vec<PendingInvitation>,
    pub can_manage_members: bool,
    pub can_see_audit_log: bool,
}

/// `page` is the page of members, `requests_page` that of requests to join,
/// as the address gives them.
#[server]
pub async fn people_page(
    slug: String,
    page: Option<String>,
    requests_page: Option<String>,
) -> Result<PeoplePageData, AppError> {
    use crate::permissions::{allows, require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, landlord_name) =
        crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    require(user.as_ref(), Action::SeeMembers, organisation_id)?;
    let user = user.as_ref();
    let (requests, requests_paging) = if allows(user, Action::ReviewJoinRequests, organisation_id) {
        super::joining::queries::pending(&state.db, organisation_id, requests_page.as_deref())
            .await?
    } else {
        (Vec::new(), Paging::clamp(None, 0))
    };
    let (members, members_paging) =
        queries::members(&state.db, organisation_id, page.as_deref()).await?;
    let invitable: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|role| allows(user, Action::Invite(*role), organisation_id))
        .collect();
    let invitations = if invitable.is_empty() {
        Vec::new()
    } else {
        queries::pending_invitations(&state.db, organisation_id)
            .await?
            .into_iter()
            .map(|mut invitation| {
                invitation.can_withdraw =
                    allows(user, Action::Invite(invitation.role), organisation_id);
                invitation
            })
            .collect()
    };
    Ok(PeoplePageData {
        landlord_name,
        slug,
        requests,
        requests_paging,
        members,
        members_paging,
        invitable,
        invitations,
        can_manage_members: allows(user, Action::ManageMembers, organisation_id),
        can_see_audit_log: allows(user, Action::SeeAuditLog, organisation_id),
    })
}

#[server]
pub async fn invite(slug: String, email: String, role: String) -> Result<(), AppError> {
    use crate::permissions::{authorise, Action, Authorised};
    let role = Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Choose a role"))?;
    let Authorised {
        state,
        person: user,
        actor,
        ..
    } = authorise(&slug, Action::Invite(role)).await?;
    let email = super::normalise_email(&email)?;
    if email == user.email && user.role_at(actor.organisation_id) != Some(role) {
        return Err(AppError::invalid(
            "email",
            "You cannot invite yourself into a different role. Ask an administrator to change your role.",
        ));
    }
    queries::invite(&state, &actor, &user.name, &email, role).await?;
    crate::site::confirm(
        format!("The invitation is sent. Its link works once, for {INVITATION_DAYS} days, and you can withdraw it below."),
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/people"));
    Ok(())
}

/// Changes a member's role, or removes them when `role` is "none".
#[server]
pub async fn change_role(slug: String, user_id: i64, role: String) -> Result<(), AppError> {
    use crate::permissions::{authorise, Action, Authorised};
    let Authorised { state, actor, .. } = authorise(&slug, Action::ManageMembers).await?;
    let role = match role.as_str() {
        "none" => None,
        other => {
            Some(Role::parse(other).ok_or_else(|| AppError::invalid("role", "Choose a role"))?)
        }
    };
    queries::change_role(&state.db, &actor, user_id, role).await?;
    crate::site::confirm(match role {
        None => "They are removed. They keep their account, and what they wrote stays.".to_string(),
        Some(role) => format!("Saved: their role is now {}.", role.label().to_lowercase()),
    });
    leptos_axum::redirect(&format!("/landlords/{slug}/people"));
    Ok(())
}

/// Takes back an invitation that has not been used.
#[server]
pub async fn withdraw_invitation(slug: String, invitation_id: i64) -> Result<(), AppError> {
    use crate::permissions::{authorise, Action, Authorised};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    // Who may withdraw it depends on the role it offers.
    let role = queries::invitation_role(&state.db, organisation_id, invitation_id).await?;
    let Authorised { actor, .. } = authorise(&slug, Action::Invite(role)).await?;
    queries::withdraw_invitation(&state.db, &actor, invitation_id).await?;
    crate::site::confirm("The invitation is withdrawn. Its link no longer works.");
    leptos_axum::redirect(&format!("/landlords/{slug}/people"));
    Ok(())
}

/// What the person opening an invitation needs to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStep {
    /// No account yet: give a name, and the account is made and signed in.
    NewAccount,
    /// The address has an account: sign in to it as usual first.
    SignInFirst,
    /// Signed in to another account than the one invited.
    WrongAccount,
    /// Signed in as the person invited.
    Accept,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub landlord_name: String,
    pub role: Role,
    pub email: String,
    pub step: InvitationStep,
}

#[server]
pub async fn invitation(token: String) -> Result<InvitationView, AppError> {
    let state = crate::state::app_state()?;
    let signed_in = crate::identity::session::current_user().await?;
    queries::open_invitation(&state.db, &token, signed_in.as_ref()).await
}

/// Uses an invitation. A new address gets an account and is signed in (the
/// link proves the mailbox); an existing account must already be signed in,
/// since a forwarded link must not sign anyone in to someone else's account.
#[server]
pub async fn accept_invitation(token: String, name: Option<String>) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let source = crate::identity::session::client_address().await;
    let signed_in = crate::identity::session::current_user().await?;
    let accepted = queries::accept_invitation(
        &state.db,
        &token,
        name.as_deref(),
        signed_in.as_ref(),
        &source,
    )
    .await?;
    if accepted.new_account {
        crate::identity::session::start(accepted.user_id, accepted.generation, false).await?;
    }
    crate::site::confirm("Welcome. You have accepted the invitation, and your new role is ready.");
    leptos_axum::redirect(&format!("/landlords/{}", accepted.slug));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub when: String,
    pub who: String,
    pub action: String,
    pub subject: String,
    pub source: String,
}

/// One page of the audit log, newest first; `page` as in `?page=2`.
#[server]
pub async fn audit_log(
    slug: String,
    page: Option<String>,
) -> Result<(String, Vec<AuditLine>, Paging), AppError> {
    use crate::permissions::{require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, landlord_name) =
        crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    require(user.as_ref(), Action::SeeAuditLog, organisation_id)?;
    let (lines, paging) = queries::audit_log(&state.db, organisation_id, page.as_deref()).await?;
    Ok((landlord_name, lines, paging))
}

//! A landlord's people, for its staff: requests to join, invitations by
//! email into any role, the members and their roles, and the audit log.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use super::{joining::JoinRequestView, Role};
use crate::{
    error::AppError,
    site::{
        forms::{last_error, ErrorSummary, Field, PostForm, TextArea},
        ErrorPage,
    },
};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

use crate::site::paging::{pager, Paging};

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
    let user = super::session::current_user().await?;
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
    use crate::permissions::{require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    let role = Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Choose a role"))?;
    require(user.as_ref(), Action::Invite(role), organisation_id)?;
    let user = user.ok_or(AppError::NotSignedIn)?;
    let email = super::normalise_email(&email)?;
    if email == user.email && user.role_at(organisation_id) != Some(role) {
        return Err(AppError::invalid(
            "email",
            "You cannot invite yourself into a different role. Ask an administrator to change your role.",
        ));
    }
    let source = super::session::client_address().await;
    queries::invite(&state, organisation_id, &user, &email, role, &source).await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/people?invited=1"));
    Ok(())
}

/// Changes a member's role, or removes them when `role` is "none".
#[server]
pub async fn change_role(slug: String, user_id: i64, role: String) -> Result<(), AppError> {
    use crate::permissions::{require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    let actor = super::session::current_user().await?;
    require(actor.as_ref(), Action::ManageMembers, organisation_id)?;
    let actor = actor.ok_or(AppError::NotSignedIn)?;
    let role = match role.as_str() {
        "none" => None,
        other => {
            Some(Role::parse(other).ok_or_else(|| AppError::invalid("role", "Choose a role"))?)
        }
    };
    let source = super::session::client_address().await;
    queries::change_role(&state.db, organisation_id, actor.id, user_id, role, &source).await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/people"));
    Ok(())
}

/// Takes back an invitation that has not been used.
#[server]
pub async fn withdraw_invitation(slug: String, invitation_id: i64) -> Result<(), AppError> {
    use crate::permissions::{require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    let role = queries::invitation_role(&state.db, organisation_id, invitation_id).await?;
    require(user.as_ref(), Action::Invite(role), organisation_id)?;
    let user = user.ok_or(AppError::NotSignedIn)?;
    let source = super::session::client_address().await;
    queries::withdraw_invitation(&state.db, organisation_id, invitation_id, user.id, &source)
        .await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/people?withdrawn=1#invitations"));
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
    let signed_in = super::session::current_user().await?;
    queries::open_invitation(&state.db, &token, signed_in.as_ref()).await
}

/// Uses an invitation. A new address gets an account and is signed in (the
/// link proves the mailbox); an existing account must already be signed in,
/// since a forwarded link must not sign anyone in to someone else's account.
#[server]
pub async fn accept_invitation(token: String, name: Option<String>) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let source = super::session::client_address().await;
    let signed_in = super::session::current_user().await?;
    let accepted = queries::accept_invitation(
        &state.db,
        &token,
        name.as_deref(),
        signed_in.as_ref(),
        &source,
    )
    .await?;
    if accepted.new_account {
        super::session::start(accepted.user_id, accepted.generation, false).await?;
    }
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
    let user = super::session::current_user().await?;
    require(user.as_ref(), Action::SeeAuditLog, organisation_id)?;
    let (lines, paging) = queries::audit_log(&state.db, organisation_id, page.as_deref()).await?;
    Ok((landlord_name, lines, paging))
}

#[cfg(feature = "ssr")]
pub mod queries {
    use super::{
        AuditLine, InvitationStep, InvitationView, MemberView, Paging, PendingInvitation,
        INVITATIONS_SHOWN, INVITATION_DAYS,
    };
    use crate::{
        accounts::{check_display_name, emails, session::load_user, tokens, CurrentUser, Role},
        audit::{self, AuditEntry},
        error::AppError,
        mail,
        site::paging::PAGE_SIZE,
        state::{AppState, Db},
        time::Timestamp,
    };

    /// One page of members by name. The page is picked from the index on
    /// (landlord, name) alone, then only its 50 people are read.
    pub async fn members(
        db: &Db,
        organisation_id: i64,
        asked: Option<&str>,
    ) -> Result<(Vec<MemberView>, Paging), AppError> {
        let (total, _) = crate::accounts::counts(db, organisation_id).await?;
        let paging = Paging::clamp(asked, total);
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.email, m.role FROM \
             (SELECT user_id, role, sort_name FROM memberships WHERE organisation_id = $1 \
              ORDER BY sort_name, user_id LIMIT $2 OFFSET $3) m \
             JOIN users u ON u.id = m.user_id ORDER BY m.sort_name, m.user_id",
        )
        .bind(organisation_id)
        .bind(PAGE_SIZE)
        .bind(paging.offset())
        .fetch_all(db.pool())
        .await?;
        let members = rows
            .into_iter()
            .filter_map(|(user_id, name, email, role)| {
                Some(MemberView {
                    user_id,
                    name,
                    email,
                    role: Role::parse(&role)?,
                })
            })
            .collect();
        Ok((members, paging))
    }

    pub async fn invite(
        state: &AppState,
        organisation_id: i64,
        inviter: &CurrentUser,
        email: &str,
        role: Role,
        source: &str,
    ) -> Result<(), AppError> {
        let token = tokens::new_token();
        let now = Timestamp::now();
        let mut tx = state.db.begin_write().await?;
        let (invitation_id, landlord): (i64, String) = sqlx::query_as(
            "INSERT INTO invitations (organisation_id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING id, (SELECT name FROM organisations WHERE id = $1)",
        )
        .bind(organisation_id)
        .bind(email)
        .bind(role.as_str())
        .bind(tokens::hash_token(&token))
        .bind(inviter.id)
        .bind(now)
        .bind(now.millis() + INVITATION_DAYS * 24 * 3_600_000)
        .fetch_one(&mut *tx)
        .await?;
        let link = state.link(&format!("/invitations/accept?token={token}"));
        mail::enqueue(
            &mut *tx,
            &emails::invitation(email, &landlord, role, &inviter.name, &link),
        )
        .await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(inviter.id),
                organisation_id: Some(organisation_id),
                action: "invitation_sent",
                subject: format!("invitation:{invitation_id} {email} as {}", role.as_str()),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn invitation_refused() -> AppError {
        AppError::invalid(
            "token",
            "This invitation has expired or has already been used. Ask the person who invited you to send a new one.",
        )
    }

    /// A usable invitation: not used, withdrawn or expired, and its sender
    /// still allowed to invite into its role (one who lost that right, or
    /// whose account is gone, takes their invitations with them).
    struct Usable {
        id: i64,
        organisation_id: i64,
        landlord_name: String,
        email: String,
        role: Role,
        /// The sender may also manage members, so may change a role.
        sender_manages_members: bool,
    }

    async fn usable_invitation(db: &Db, token: &str) -> Result<Usable, AppError> {
        use crate::permissions::{allows, Action};
        if !tokens::looks_like_token(token) {
            return Err(invitation_refused());
        }
        let row: Option<(i64, i64, String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT i.id, i.organisation_id, o.name, i.email, i.role, i.invited_by \
             FROM invitations i JOIN organisations o ON o.id = i.organisation_id \
             WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.withdrawn_at IS NULL \
             AND i.expires_at > $2",
        )
        .bind(tokens::hash_token(token))
        .bind(Timestamp::now())
        .fetch_optional(db.pool())
        .await?;
        let (id, organisation_id, landlord_name, email, role, invited_by) =
            row.ok_or_else(invitation_refused)?;
        let role = Role::parse(&role).ok_or_else(invitation_refused)?;
        let sender = match invited_by {
            Some(sender) => load_user(db, sender).await?.map(|(user, _)| user),
            None => None,
        };
        if !allows(sender.as_ref(), Action::Invite(role), organisation_id) {
            return Err(invitation_refused());
        }
        Ok(Usable {
            id,
            organisation_id,
            landlord_name,
            email,
            role,
            sender_manages_members: allows(sender.as_ref(), Action::ManageMembers, organisation_id),
        })
    }

    pub async fn open_invitation(
        db: &Db,
        token: &str,
        signed_in: Option<&CurrentUser>,
    ) -> Result<InvitationView, AppError> {
        let invitation = usable_invitation(db, token).await?;
        let account: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL")
                .bind(&invitation.email)
                .fetch_optional(db.pool())
                .await?;
        let step = match (account, signed_in) {
            (None, _) => InvitationStep::NewAccount,
            (Some(_), None) => InvitationStep::SignInFirst,
            (Some((id,)), Some(user)) if user.id == id => InvitationStep::Accept,
            (Some(_), Some(_)) => InvitationStep::WrongAccount,
        };
        Ok(InvitationView {
            landlord_name: invitation.landlord_name,
            role: invitation.role,
            email: invitation.email,
            step,
        })
    }

    pub struct Accepted {
        pub user_id: i64,
        pub generation: i64,
        pub slug: String,
        /// A new account was made, so the person is to be signed in.
        pub new_account: bool,
    }

    /// Uses an invitation: the invited address's account (created if need
    /// be) gets the role. An existing account must be the one signed in, and
    /// keeps a different role it holds unless the sender may manage members.
    pub async fn accept_invitation(
        db: &Db,
        token: &str,
        name: Option<&str>,
        signed_in: Option<&CurrentUser>,
        source: &str,
    ) -> Result<Accepted, AppError> {
        let invitation = usable_invitation(db, token).await?;
        let now = Timestamp::now();
        let mut tx = db.begin_write().await?;
        let existing: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, session_generation FROM users WHERE email = $1 AND deleted_at IS NULL",
        )
        .bind(&invitation.email)
        .fetch_optional(&mut *tx)
        .await?;
        let (user_id, generation, new_account) = match existing {
            Some((id, generation)) => {
                match signed_in {
                    Some(user) if user.id == id => {}
                    Some(_) => {
                        return Err(AppError::invalid(
                            "token",
                            "This invitation is for another email address. Sign out, then sign in with the address it was sent to.",
                        ))
                    }
                    None => {
                        return Err(AppError::invalid(
                            "token",
                            "This address already has an account. Sign in as usual first, then open the invitation link again.",
                        ))
                    }
                }
                (id, generation, false)
            }
            None => {
                let name = check_display_name(name.unwrap_or_default())?;
                let (id, generation): (i64, i64) = sqlx::query_as(
                    "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, $3) \
                     RETURNING id, session_generation",
                )
                .bind(&invitation.email)
                .bind(name)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                (id, generation, true)
            }
        };
        let current: Option<(String,)> = sqlx::query_as(
            "SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2",
        )
        .bind(user_id)
        .bind(invitation.organisation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let role = invitation.role.as_str();
        if let Some((current,)) = &current {
            if current != role && !invitation.sender_manages_members {
                return Err(AppError::Conflict(format!(
                    "You are already part of {} as {}. This invitation would change your role, which only an administrator can do, so nothing was changed.",
                    invitation.landlord_name,
                    Role::parse(current).map(Role::label).unwrap_or("a member").to_lowercase()
                )));
            }
        }
        // Taken in the same write, so a second use at the same moment fails.
        let taken: Option<(i64,)> = sqlx::query_as(
            "UPDATE invitations SET accepted_at = $1, accepted_by = $2 \
             WHERE id = $3 AND accepted_at IS NULL AND withdrawn_at IS NULL RETURNING id",
        )
        .bind(now)
        .bind(user_id)
        .bind(invitation.id)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_none() {
            return Err(invitation_refused());
        }
        sqlx::query(
            "INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = excluded.role",
        )
        .bind(user_id)
        .bind(invitation.organisation_id)
        .bind(role)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(user_id),
                organisation_id: Some(invitation.organisation_id),
                action: "invitation_accepted",
                subject: format!("invitation:{} as {role}", invitation.id),
                source,
            },
        )
        .await?;
        let (slug,): (String,) = sqlx::query_as("SELECT slug FROM organisations WHERE id = $1")
            .bind(invitation.organisation_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Accepted {
            user_id,
            generation,
            slug,
            new_account,
        })
    }

    /// The invitations of this landlord waiting to be used, newest first,
    /// leaving out those whose sender may no longer invite into their role.
    pub async fn pending_invitations(
        db: &Db,
        organisation_id: i64,
    ) -> Result<Vec<PendingInvitation>, AppError> {
        use crate::permissions::{allows, Action};
        type Row = (
            i64,
            String,
            String,
            Option<i64>,
            Option<String>,
            Timestamp,
            Timestamp,
        );
        let rows: Vec<Row> =
            sqlx::query_as(
                "SELECT i.id, i.email, i.role, i.invited_by, u.display_name, i.created_at, i.expires_at \
                 FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
                 WHERE i.organisation_id = $1 AND i.accepted_at IS NULL AND i.withdrawn_at IS NULL \
                 AND i.expires_at > $2 ORDER BY i.created_at DESC, i.id DESC LIMIT $3",
            )
            .bind(organisation_id)
            .bind(Timestamp::now())
            .bind(INVITATIONS_SHOWN)
            .fetch_all(db.pool())
            .await?;
        let mut senders = std::collections::HashMap::new();
        let mut pending = Vec::new();
        for (id, email, role, invited_by, sender_name, sent, ends) in rows {
            let Some(role) = Role::parse(&role) else {
                continue;
            };
            let sender = match invited_by {
                Some(sender_id) => match senders.get(&sender_id) {
                    Some(sender) => sender,
                    None => {
                        let sender = load_user(db, sender_id).await?.map(|(user, _)| user);
                        senders.entry(sender_id).or_insert(sender)
                    }
                },
                None => &None,
            };
            if !allows(sender.as_ref(), Action::Invite(role), organisation_id) {
                continue;
            }
            pending.push(PendingInvitation {
                id,
                email,
                role,
                invited_by: sender_name.unwrap_or_default(),
                sent_on: sent.to_chrono().format("%-d %B %Y").to_string(),
                ends_on: ends.to_chrono().format("%-d %B %Y").to_string(),
                can_withdraw: false,
            });
        }
        Ok(pending)
    }

    /// The role an invitation of this landlord is for; another landlord's
    /// invitation is "not found".
    pub async fn invitation_role(
        db: &Db,
        organisation_id: i64,
        invitation_id: i64,
    ) -> Result<Role, AppError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT role FROM invitations WHERE id = $1 AND organisation_id = $2")
                .bind(invitation_id)
                .bind(organisation_id)
                .fetch_optional(db.pool())
                .await?;
        row.and_then(|(role,)| Role::parse(&role))
            .ok_or(AppError::NotFound)
    }

    pub async fn withdraw_invitation(
        db: &Db,
        organisation_id: i64,
        invitation_id: i64,
        actor_id: i64,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        let withdrawn: Option<(String, String)> = sqlx::query_as(
            "UPDATE invitations SET withdrawn_at = $1, withdrawn_by = $2 \
             WHERE id = $3 AND organisation_id = $4 AND accepted_at IS NULL AND withdrawn_at IS NULL \
             RETURNING email, role",
        )
        .bind(Timestamp::now())
        .bind(actor_id)
        .bind(invitation_id)
        .bind(organisation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((email, role)) = withdrawn else {
            return Err(AppError::Conflict(
                "That invitation has already been used or withdrawn.".into(),
            ));
        };
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(actor_id),
                organisation_id: Some(organisation_id),
                action: "invitation_withdrawn",
                subject: format!("invitation:{invitation_id} {email} as {role}"),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn change_role(
        db: &Db,
        organisation_id: i64,
        actor_id: i64,
        user_id: i64,
        role: Option<Role>,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        let current: Option<(String,)> = sqlx::query_as(
            "SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2",
        )
        .bind(user_id)
        .bind(organisation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((current,)) = current else {
            return Err(AppError::NotFound);
        };
        if current == "landlord_admin" && role != Some(Role::LandlordAdmin) {
            let (admins,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 AND role = 'landlord_admin'",
            )
            .bind(organisation_id)
            .fetch_one(&mut *tx)
            .await?;
            if admins <= 1 {
                return Err(AppError::Conflict(
                    "This is the landlord's only administrator. Make someone else an administrator first.".into(),
                ));
            }
        }
        match role {
            Some(role) => {
                sqlx::query(
                    "UPDATE memberships SET role = $1 WHERE user_id = $2 AND organisation_id = $3",
                )
                .bind(role.as_str())
                .bind(user_id)
                .bind(organisation_id)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2")
                    .bind(user_id)
                    .bind(organisation_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(actor_id),
                organisation_id: Some(organisation_id),
                action: if role.is_some() {
                    "role_changed"
                } else {
                    "member_removed"
                },
                subject: format!(
                    "user:{user_id} {current} -> {}",
                    role.map(Role::as_str).unwrap_or("none")
                ),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit_log(
        db: &Db,
        organisation_id: i64,
        asked: Option<&str>,
    ) -> Result<(Vec<AuditLine>, Paging), AppError> {
        // Counted from the index on (landlord, time), which the page reads too.
        let (total,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE organisation_id = $1")
                .bind(organisation_id)
                .fetch_one(db.pool())
                .await?;
        let paging = Paging::clamp(asked, total);
        let rows: Vec<(Timestamp, Option<String>, String, String, String)> = sqlx::query_as(
            "SELECT a.occurred_at, u.display_name, a.action, a.subject, a.source FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor_user_id \
             WHERE a.organisation_id = $1 ORDER BY a.occurred_at DESC, a.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(organisation_id)
        .bind(PAGE_SIZE)
        .bind(paging.offset())
        .fetch_all(db.pool())
        .await?;
        let lines = rows
            .into_iter()
            .map(|(when, who, action, subject, source)| AuditLine {
                when: crate::time::format_moment(when),
                who: who.unwrap_or_else(|| "(nobody signed in)".into()),
                action: action.replace('_', " "),
                subject,
                source,
            })
            .collect();
        Ok((lines, paging))
    }
}

/// `/landlords/:slug/people`, for the landlord's staff.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let actions = PeopleActions {
        decide: ServerAction::new(),
        invite: ServerAction::new(),
        change_role: ServerAction::new(),
        withdraw: ServerAction::new(),
    };
    // Asked again after each change, since the page itself shows the result.
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("page"),
                query.read().get("requests_page"),
                actions.decide.version().get()
                    + actions.invite.version().get()
                    + actions.change_role.version().get()
                    + actions.withdraw.version().get(),
            )
        },
        |(slug, page, requests_page, _)| people_page(slug, page, requests_page),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <PeopleView data actions/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page's forms, made once so the page can refresh after each.
#[derive(Clone, Copy)]
struct PeopleActions {
    decide: ServerAction<super::joining::DecideJoinRequest>,
    invite: ServerAction<Invite>,
    change_role: ServerAction<ChangeRole>,
    withdraw: ServerAction<WithdrawInvitation>,
}

#[component]
fn PeopleView(data: PeoplePageData, actions: PeopleActions) -> impl IntoView {
    let decide_error = Signal::derive(move || last_error(actions.decide.value().get()));
    let query = use_query_map();
    let invited = move || query.read().get("invited").is_some();
    let slug = data.slug.clone();
    let audit_link = format!("/landlords/{}/audit", data.slug);
    // Each list's links keep the other list where it was.
    let (members_at, requests_at) = (data.members_paging.page, data.requests_paging.page);
    let address = {
        let slug = data.slug.clone();
        move |members: i64, requests: i64, anchor: &str| {
            let mut query = Vec::new();
            if members > 1 {
                query.push(format!("page={members}"));
            }
            if requests > 1 {
                query.push(format!("requests_page={requests}"));
            }
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{}", query.join("&"))
            };
            format!("/landlords/{slug}/people{query}#{anchor}")
        }
    };
    let requests_pager = {
        let address = address.clone();
        pager(data.requests_paging, "requests", move |n| {
            address(members_at, n, "requests")
        })
    };
    let members_pager = pager(data.members_paging, "members", move |n| {
        address(n, requests_at, "members")
    });
    view! {
        <Title text=format!("People at {}", data.landlord_name)/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li><a href=format!("/landlords/{}", data.slug)>{data.landlord_name.clone()}</a></li>
                <li aria-current="page">"People"</li>
            </ol>
        </nav>
        <h1>"People at "{data.landlord_name.clone()}</h1>
        {data.can_see_audit_log.then(|| view! { <p><a href=audit_link>"Read the audit log"</a></p> })}

        <h2 id="requests">"Requests to join"</h2>
        <ErrorSummary form="decide" error=decide_error/>
        {if data.requests.is_empty() {
            view! { <p>"No requests are waiting."</p> }.into_any()
        } else {
            view! {
                <p>{data.requests_paging.showing("requests")}</p>
                <ul class="card-list">
                    {data.requests.into_iter().map(|request| view! { <RequestCard slug=slug.clone() request action=actions.decide/> }).collect_view()}
                </ul>
                {requests_pager}
            }.into_any()
        }}

        {(!data.invitable.is_empty()).then(|| view! {
            {move || invited().then(|| view! { <p class="notice" role="status">"Invitation sent."</p> })}
            <InviteForm slug=data.slug.clone() roles=data.invitable.clone() action=actions.invite/>
            <InvitationList slug=data.slug.clone() invitations=data.invitations.clone() action=actions.withdraw/>
        })}

        <h2 id="members">"Members"</h2>
        <p>{data.members_paging.showing("members")}</p>
        <MemberTable slug=data.slug.clone() members=data.members can_manage=data.can_manage_members action=actions.change_role/>
        {members_pager}
    }
}

#[component]
fn RequestCard(
    slug: String,
    request: JoinRequestView,
    action: ServerAction<super::joining::DecideJoinRequest>,
) -> impl IntoView {
    let JoinRequestView {
        id,
        name,
        email,
        tenancy_reference,
        asked_on,
    } = request;
    let reason_id = format!("reason-{id}");
    let (slug_a, slug_b) = (slug.clone(), slug);
    let (name_a, name_b, name_c) = (name.clone(), name.clone(), name.clone());
    view! {
        <li class="card">
            <h3>{name}</h3>
            <dl class="facts">
                <dt>"Email"</dt><dd>{email}</dd>
                <dt>"Tenancy reference"</dt><dd>{tenancy_reference}</dd>
                <dt>"Asked on"</dt><dd>{asked_on}</dd>
            </dl>
            <PostForm action>
                <input type="hidden" name="slug" value=slug_a/>
                <input type="hidden" name="request_id" value=id/>
                <input type="hidden" name="decision" value="approve"/>
                <button type="submit" class="button">"Approve "{name_a}</button>
            </PostForm>
            <PostForm action>
                <input type="hidden" name="slug" value=slug_b/>
                <input type="hidden" name="request_id" value=id/>
                <input type="hidden" name="decision" value="decline"/>
                <TextArea form="decline" name="reason" id=reason_id label=format!("Reason for declining {name_b}") hint="The person is sent this reason." rows=3 required=false error=Signal::derive(|| None)/>
                <button type="submit" class="button secondary">"Decline "{name_c}</button>
            </PostForm>
        </li>
    }
}

#[component]
fn InviteForm(slug: String, roles: Vec<Role>, action: ServerAction<Invite>) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <h2>"Invite someone"</h2>
        <p>"They get an email with a link that works once, for 7 days."</p>
        <ErrorSummary form="invite" error/>
        <PostForm action>
            <input type="hidden" name="slug" value=slug/>
            <Field form="invite" name="email" label="Their email address" kind="email" error/>
            <div class="field">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">
                    {roles.into_iter().map(|role| view! { <option value=role.as_str()>{role.label()}</option> }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button">"Send invitation"</button>
        </PostForm>
    }
}

/// The invitations waiting to be used, each with a button to withdraw it.
#[component]
fn InvitationList(
    slug: String,
    invitations: Vec<PendingInvitation>,
    action: ServerAction<WithdrawInvitation>,
) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    let query = use_query_map();
    let withdrawn = move || query.read().get("withdrawn").is_some();
    let rows = invitations
        .into_iter()
        .map(|invitation| {
            let slug = slug.clone();
            let (id, email) = (invitation.id, invitation.email.clone());
            let withdraw = invitation.can_withdraw.then(move || {
                view! {
                    <PostForm action>
                        <input type="hidden" name="slug" value=slug/>
                        <input type="hidden" name="invitation_id" value=id/>
                        <button type="submit" class="button small secondary">"Withdraw"<span class="visually-hidden">{format!(" the invitation to {email}")}</span></button>
                    </PostForm>
                }
            });
            view! {
                <tr>
                    <td>{invitation.email}</td>
                    <td>{invitation.role.label()}</td>
                    <td>{invitation.invited_by}</td>
                    <td>{invitation.sent_on}</td>
                    <td>{invitation.ends_on}</td>
                    <td>{withdraw}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <h2 id="invitations">"Invitations waiting"</h2>
        {move || withdrawn().then(|| view! { <p class="notice" role="status">"Invitation withdrawn. Its link no longer works."</p> })}
        <ErrorSummary form="withdraw" error/>
        {if rows.is_empty() {
            view! { <p>"No invitations are waiting to be used."</p> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <caption class="visually-hidden">"Invitations waiting to be used"</caption>
                    <thead><tr>
                        <th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Sent by"</th>
                        <th scope="col">"Sent on"</th><th scope="col">"Works until"</th><th scope="col"><span class="visually-hidden">"Withdraw"</span></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
    }
}

#[component]
fn MemberTable(
    slug: String,
    members: Vec<MemberView>,
    can_manage: bool,
    action: ServerAction<ChangeRole>,
) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    let rows = members
        .into_iter()
        .map(|member| {
            let role_cell = if can_manage {
                view! { <RoleForm action slug=slug.clone() member=member.clone()/> }.into_any()
            } else {
                view! { <span>{member.role.label()}</span> }.into_any()
            };
            view! { <tr><td>{member.name}</td><td>{member.email}</td><td>{role_cell}</td></tr> }
        })
        .collect_view();
    view! {
        <ErrorSummary form="role" error/>
        <table class="data-table">
            <caption class="visually-hidden">"Members and their roles"</caption>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn RoleForm(action: ServerAction<ChangeRole>, slug: String, member: MemberView) -> impl IntoView {
    let select_id = format!("role-{}", member.user_id);
    let (name_a, name_b) = (member.name.clone(), member.name);
    let current = member.role;
    view! {
        <PostForm action>
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="user_id" value=member.user_id/>
            <label class="visually-hidden" for=select_id.clone()>"Role of "{name_a}</label>
            <select id=select_id name="role">
                {Role::ALL.into_iter().map(|role| view! {
                    <option value=role.as_str() selected=role == current>{role.label()}</option>
                }).collect_view()}
                <option value="none">"Remove from this landlord"</option>
            </select>
            <button type="submit" class="button small">"Change"<span class="visually-hidden">" role of "{name_b}</span></button>
        </PostForm>
    }
}

/// `/invitations/accept?token=…`
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let details = Resource::new(token, invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Accept an invitation"/>
        <h1>"Accept an invitation"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Err(error) => view! {
                        <div class="error-summary" role="alert">
                            <h2>"This invitation did not work"</h2>
                            <p>{error.to_string()}</p>
                        </div>
                    }.into_any(),
                    Ok(view_data) => {
                        let intro = view! {
                            <p>"You are invited to join "<strong>{view_data.landlord_name.clone()}</strong>" as "{view_data.role.label().to_lowercase()}", with the email address "<strong>{view_data.email.clone()}</strong>"."</p>
                        };
                        let next = match view_data.step {
                            InvitationStep::SignInFirst => view! {
                                <p class="notice">"This address already has an account. "<a href="/sign-in">"Sign in as usual"</a>", then open the invitation link from your email again to accept it."</p>
                            }.into_any(),
                            InvitationStep::WrongAccount => view! {
                                <p class="notice">"You are signed in to a different account. Sign out, sign in with the address the invitation was sent to, then open the link again."</p>
                            }.into_any(),
                            step => {
                                let new_account = step == InvitationStep::NewAccount;
                                view! {
                                    <ErrorSummary form="accept" error/>
                                    <PostForm action>
                                        <input type="hidden" name="token" value=token/>
                                        {new_account.then(|| view! {
                                            <Field form="accept" name="name" label="Your name" hint="Shown beside your comments and proposals." autocomplete="name" error/>
                                        })}
                                        <button type="submit" class="button">{if new_account { "Accept and sign in" } else { "Accept the invitation" }}</button>
                                    </PostForm>
                                }.into_any()
                            }
                        };
                        view! { {intro}{next} }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// `/landlords/:slug/audit`, for the landlord's administrators.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("page"),
            )
        },
        |(slug, page)| audit_log(slug, page),
    );
    let slug = move || params.read().get("slug").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok((landlord_name, lines, paging)) => {
                        let slug = slug();
                        let pages = pager(paging, "the audit log", move |n| format!("/landlords/{slug}/audit?page={n}"));
                        view! {
                        <Title text=format!("Audit log of {landlord_name}")/>
                        <h1>"Audit log of "{landlord_name}</h1>
                        <p>"Security events at this landlord, newest first: who did what, when, and from which network address."</p>
                        <p>{paging.showing("events")}</p>
                        <table class="data-table">
                            <caption class="visually-hidden">"Audit log"</caption>
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                <th scope="col">"About"</th><th scope="col">"From"</th>
                            </tr></thead>
                            <tbody>
                                {lines.into_iter().map(|line| view! {
                                    <tr><td>{line.when}</td><td>{line.who}</td><td>{line.action}</td><td>{line.subject}</td><td>{line.source}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {pages}
                    }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

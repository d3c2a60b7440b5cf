//! The people page's data access: members and their roles, invitations
//! (sending, opening, accepting, withdrawing) and the audit log.
use super::{
    AuditLine, InvitationStep, InvitationView, MemberView, PendingInvitation, INVITATIONS_SHOWN,
    INVITATION_DAYS,
};
use crate::identity::Actor;
use crate::{
    accounts::{check_display_name, emails, tokens},
    audit::{self, AuditEntry},
    error::AppError,
    identity::{session::load_user, CurrentUser, Role},
    mail,
    site::paging::{Paging, PAGE_SIZE},
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
    actor: &Actor,
    inviter_name: &str,
    email: &str,
    role: Role,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id,
        user_id: inviter_id,
        ..
    } = actor;
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
    .bind(inviter_id)
    .bind(now)
    .bind(now.millis() + INVITATION_DAYS * 24 * 3_600_000)
    .fetch_one(&mut *tx)
    .await?;
    let link = state.link(&format!("/invitations/accept?token={token}"));
    mail::enqueue(
        &mut *tx,
        &emails::invitation(email, &landlord, role, inviter_name, &link),
    )
    .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "invitation_sent",
        format!("invitation:{invitation_id} {email} as {}", role.as_str()),
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
    let current: Option<(String,)> =
        sqlx::query_as("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2")
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
    let rows: Vec<Row> = sqlx::query_as(
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
    actor: &Actor,
    invitation_id: i64,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id,
        user_id: actor_id,
        ..
    } = actor;
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
    audit::by_actor(
        &mut *tx,
        actor,
        "invitation_withdrawn",
        format!("invitation:{invitation_id} {email} as {role}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_role(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    role: Option<Role>,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id, ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let current: Option<(String,)> =
        sqlx::query_as("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2")
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
    audit::by_actor(
        &mut *tx,
        actor,
        if role.is_some() {
            "role_changed"
        } else {
            "member_removed"
        },
        format!(
            "user:{user_id} {current} -> {}",
            role.map(Role::as_str).unwrap_or("none")
        ),
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

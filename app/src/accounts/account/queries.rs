//! The account page's data access: changing the address and password,
//! the export of everything held, and deleting the account.
use super::{
    AccountExport, ExportedEvent, ExportedInvitation, ExportedJoinRequest, ExportedMembership,
    FORMER_RESIDENT,
};
use crate::{
    accounts::{emails, sign_in::LINK_MINUTES, tokens},
    audit::{self, AuditEntry},
    error::AppError,
    identity::CurrentUser,
    mail,
    state::{AppState, Db},
    time::Timestamp,
};

fn day(at: Timestamp) -> String {
    at.to_chrono().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub async fn start_email_change(
    state: &AppState,
    user: &CurrentUser,
    new_email: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin_write().await?;
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(new_email)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        mail::enqueue(&mut *tx, &emails::new_email_taken(new_email)).await?;
    } else {
        let token = tokens::new_token();
        let now = Timestamp::now();
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, purpose, user_id, new_email, created_at, expires_at) \
             VALUES ($1, 'confirm_email', $2, $3, $4, $5)",
        )
        .bind(tokens::hash_token(&token))
        .bind(user.id)
        .bind(new_email)
        .bind(now)
        .bind(now.millis() + LINK_MINUTES * 60_000)
        .execute(&mut *tx)
        .await?;
        let link = state.link(&format!("/account/confirm-email?token={token}"));
        mail::enqueue(
            &mut *tx,
            &emails::confirm_new_email(new_email, &user.name, &link),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Moves the account to its new address and ends its sessions; returns
/// the account and its new session generation.
pub async fn confirm_email_change(
    db: &Db,
    token: &str,
    source: &str,
) -> Result<(i64, i64), AppError> {
    let refused = || {
        AppError::invalid(
            "token",
            "This confirmation link has expired or has already been used. Ask for a new one on your account page.",
        )
    };
    if !tokens::looks_like_token(token) {
        return Err(refused());
    }
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, Option<String>)> = sqlx::query_as(
        "UPDATE email_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = 'confirm_email' AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id, new_email",
    )
    .bind(Timestamp::now())
    .bind(tokens::hash_token(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user_id, Some(new_email))) = row else {
        return Err(refused());
    };
    let old: Option<(String, String)> = sqlx::query_as(
        "SELECT email, display_name FROM users WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (old_email, name) = old.ok_or_else(refused)?;
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(&new_email)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(
            "Another account started using that address meanwhile, so your address did not change."
                .into(),
        ));
    }
    let (generation,): (i64,) = sqlx::query_as(
        "UPDATE users SET email = $1, session_generation = session_generation + 1 \
         WHERE id = $2 RETURNING session_generation",
    )
    .bind(&new_email)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    mail::enqueue(
        &mut *tx,
        &emails::email_changed(&old_email, &name, &new_email),
    )
    .await?;
    audit::record(
        &mut *tx,
        AuditEntry {
            actor_user_id: Some(user_id),
            organisation_id: None,
            action: "email_changed",
            subject: format!("user:{user_id}"),
            source,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((user_id, generation))
}

/// Sets or removes the password and ends the person's sessions; returns
/// the new session generation, for the session that made the change.
pub async fn store_password(
    db: &Db,
    user: &CurrentUser,
    hash: Option<String>,
    source: &str,
) -> Result<i64, AppError> {
    let mut tx = db.begin_write().await?;
    let (had,): (Option<String>,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
    let removing = hash.is_none();
    let (generation,): (i64,) = sqlx::query_as(
        "UPDATE users SET password_hash = $1, session_generation = session_generation + 1 \
         WHERE id = $2 RETURNING session_generation",
    )
    .bind(hash)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    let message = if removing {
        emails::password_removed(&user.email, &user.name)
    } else {
        emails::password_changed(&user.email, &user.name, had.is_none())
    };
    mail::enqueue(&mut *tx, &message).await?;
    audit::record(
        &mut *tx,
        AuditEntry {
            actor_user_id: Some(user.id),
            organisation_id: None,
            action: if removing {
                "password_removed"
            } else {
                "password_set"
            },
            subject: format!("user:{}", user.id),
            source,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(generation)
}

pub async fn export(db: &Db, user: &CurrentUser) -> Result<AccountExport, AppError> {
    let (created_at, hash): (Timestamp, Option<String>) =
        sqlx::query_as("SELECT created_at, password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(db.pool())
            .await?;
    let memberships: Vec<(String, String, Timestamp)> = sqlx::query_as(
        "SELECT o.name, m.role, m.created_at FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.user_id = $1 ORDER BY o.name",
    )
    .bind(user.id)
    .fetch_all(db.pool())
    .await?;
    let requests: Vec<(String, String, String, Option<String>, Timestamp)> = sqlx::query_as(
        "SELECT o.name, r.tenancy_reference, r.status, r.decline_reason, r.created_at \
         FROM join_requests r JOIN organisations o ON o.id = r.organisation_id \
         WHERE r.user_id = $1 ORDER BY r.id",
    )
    .bind(user.id)
    .fetch_all(db.pool())
    .await?;
    let invitations: Vec<(String, String, Timestamp, Option<i64>)> = sqlx::query_as(
        "SELECT o.name, i.role, i.created_at, i.accepted_at FROM invitations i \
         JOIN organisations o ON o.id = i.organisation_id \
         WHERE i.email = $1 OR i.accepted_by = $2 ORDER BY i.id",
    )
    .bind(&user.email)
    .bind(user.id)
    .fetch_all(db.pool())
    .await?;
    let events: Vec<(Timestamp, String, String, String)> = sqlx::query_as(
        "SELECT occurred_at, action, subject, source FROM audit_log \
         WHERE actor_user_id = $1 OR subject = $2 OR subject LIKE $3 ORDER BY id",
    )
    .bind(user.id)
    .bind(format!("user:{}", user.id))
    .bind(format!("user:{} %", user.id))
    .fetch_all(db.pool())
    .await?;
    Ok(AccountExport {
        name: user.name.clone(),
        email: user.email.clone(),
        created_at: day(created_at),
        has_password: hash.is_some(),
        is_platform_admin: user.is_platform_admin,
        memberships: memberships
            .into_iter()
            .map(|(landlord, role, since)| ExportedMembership {
                landlord,
                role,
                since: day(since),
            })
            .collect(),
        join_requests: requests
            .into_iter()
            .map(
                |(landlord, tenancy_reference, status, decline_reason, at)| ExportedJoinRequest {
                    landlord,
                    tenancy_reference,
                    status,
                    decline_reason,
                    asked_at: day(at),
                },
            )
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|(landlord, role, sent, accepted)| ExportedInvitation {
                landlord,
                role,
                sent_at: day(sent),
                accepted: accepted.is_some(),
            })
            .collect(),
        activity: events
            .into_iter()
            .map(|(at, action, subject, from)| ExportedEvent {
                at: day(at),
                action,
                subject,
                from,
            })
            .collect(),
    })
}

/// Empties the account but keeps its row, so whatever the person wrote
/// stays, shown as by "Former resident". Their memberships, requests,
/// links and sessions go.
pub async fn delete(db: &Db, user_id: i64, source: &str) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE users SET email = $1, display_name = $2, password_hash = NULL, is_platform_admin = 0, \
         deleted_at = $3, session_generation = session_generation + 1 WHERE id = $4",
    )
    .bind(format!("deleted-{user_id}@deleted.invalid"))
    .bind(FORMER_RESIDENT)
    .bind(Timestamp::now())
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    for table in ["memberships", "join_requests", "email_tokens"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut *tx,
        AuditEntry {
            actor_user_id: Some(user_id),
            organisation_id: None,
            action: "account_deleted",
            subject: format!("user:{user_id}"),
            source,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

//! The work behind the sign-in server functions, as plain functions that
//! tests, the email worker and the demo sign-in can call.
use super::LINK_MINUTES;
use crate::{
    accounts::{emails, tokens},
    audit::{self, AuditEntry},
    error::AppError,
    mail,
    state::{AppState, Db},
    time::Timestamp,
};

/// Queues a request for a sign-in link. The same few writes whether or
/// not the address has an account; the email worker does the rest.
pub async fn queue_sign_in_link(db: &Db, email: &str, source: &str) -> Result<(), AppError> {
    sqlx::query("INSERT INTO sign_in_requests (email, source, created_at) VALUES ($1, $2, $3)")
        .bind(email)
        .bind(source)
        .bind(Timestamp::now())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Handles the queued requests for sign-in links, oldest first: emails
/// a link to each address that has an account, and drops the others.
/// Each request is taken by one worker only, in the transaction that
/// queues its email. Returns how many were handled.
pub async fn handle_sign_in_requests(db: &Db, base_url: &str) -> Result<usize, AppError> {
    let mut handled = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let taken: Option<(String, String)> = sqlx::query_as(
            "DELETE FROM sign_in_requests WHERE id = (SELECT MIN(id) FROM sign_in_requests) \
             RETURNING email, source",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some((email, source)) = taken else {
            tx.rollback().await?;
            return Ok(handled);
        };
        send_sign_in_link(&mut tx, base_url, &email, &source).await?;
        tx.commit().await?;
        handled += 1;
    }
}

/// Emails a sign-in link if the address has an account; does nothing
/// otherwise.
async fn send_sign_in_link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    base_url: &str,
    email: &str,
    source: &str,
) -> Result<(), AppError> {
    let user: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, display_name FROM users WHERE email = $1 AND deleted_at IS NULL",
    )
    .bind(email)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((user_id, name)) = user {
        let link = issue_sign_in_link(tx, base_url, user_id).await?;
        mail::enqueue(&mut **tx, &emails::sign_in_link(email, &name, &link)).await?;
        audit::record(
            &mut **tx,
            AuditEntry {
                actor_user_id: Some(user_id),
                organisation_id: None,
                action: "sign_in_link_sent",
                subject: format!("user:{user_id}"),
                source,
            },
        )
        .await?;
    }
    Ok(())
}

/// The account a sign-in link would sign in to, partly hidden.
pub async fn link_account(db: &Db, token: &str) -> Result<super::LinkAccount, AppError> {
    let refused = || {
        AppError::invalid(
            "token",
            "This sign-in link has expired or has already been used. Links work once, for 15 minutes. Ask for a new one below.",
        )
    };
    if !tokens::looks_like_token(token) {
        return Err(refused());
    }
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT u.display_name, u.email FROM email_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.purpose = 'sign_in' AND t.used_at IS NULL \
         AND t.expires_at > $2 AND u.deleted_at IS NULL",
    )
    .bind(tokens::hash_token(token))
    .bind(Timestamp::now())
    .fetch_optional(db.pool())
    .await?;
    let (name, email) = row.ok_or_else(refused)?;
    Ok(super::LinkAccount {
        name: super::mask_name(&name),
        email: super::mask_email(&email),
    })
}

/// Creates an account and emails a link to confirm it; if the address is
/// taken, emails the owner a sign-in link instead. Either way the page
/// says the same thing.
pub async fn register(
    state: &AppState,
    name: &str,
    email: &str,
    source: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin_write().await?;
    let existing: Option<(i64, String)> =
        sqlx::query_as("SELECT id, display_name FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
    match existing {
        Some((user_id, existing_name)) => {
            let link = issue_sign_in_link(&mut tx, &state.base_url, user_id).await?;
            mail::enqueue(
                &mut *tx,
                &emails::already_registered(email, &existing_name, &link),
            )
            .await?;
        }
        None => {
            let (user_id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(email)
            .bind(name)
            .bind(Timestamp::now())
            .fetch_one(&mut *tx)
            .await?;
            let link = issue_sign_in_link(&mut tx, &state.base_url, user_id).await?;
            mail::enqueue(&mut *tx, &emails::welcome(email, name, &link)).await?;
            audit::record(
                &mut *tx,
                AuditEntry {
                    actor_user_id: Some(user_id),
                    organisation_id: None,
                    action: "registered",
                    subject: format!("user:{user_id}"),
                    source,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Stores a new single-use sign-in token for `user_id` and returns the
/// link that carries it.
pub async fn issue_sign_in_link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    base_url: &str,
    user_id: i64,
) -> Result<String, AppError> {
    let token = tokens::new_token();
    let now = Timestamp::now();
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, purpose, user_id, created_at, expires_at) \
         VALUES ($1, 'sign_in', $2, $3, $4)",
    )
    .bind(tokens::hash_token(&token))
    .bind(user_id)
    .bind(now)
    .bind(now.millis() + LINK_MINUTES * 60_000)
    .execute(&mut **tx)
    .await?;
    Ok(format!(
        "{}/sign-in/link?token={token}",
        base_url.trim_end_matches('/')
    ))
}

/// Uses up a sign-in token, returning whom it signs in and their session
/// generation. Expired, used, forged and unknown tokens all fail the same
/// way, and the failure is audited.
pub async fn redeem_sign_in_link(
    db: &Db,
    token: &str,
    source: &str,
) -> Result<(i64, i64), AppError> {
    let refused = || {
        AppError::invalid(
            "token",
            "This sign-in link has expired or has already been used. Links work once, for 15 minutes. Ask for a new one below.",
        )
    };
    let mut tx = db.begin_write().await?;
    let redeemed: Option<(i64,)> = if tokens::looks_like_token(token) {
        sqlx::query_as(
            "UPDATE email_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND purpose = 'sign_in' AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id",
        )
        .bind(Timestamp::now())
        .bind(tokens::hash_token(token))
        .fetch_optional(&mut *tx)
        .await?
    } else {
        None
    };
    let user: Option<(i64, i64)> = match redeemed {
        Some((user_id,)) => {
            sqlx::query_as(
                "SELECT id, session_generation FROM users WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    let Some((user_id, generation)) = user else {
        // The failed attempt is recorded even though nothing else changes.
        tx.rollback().await?;
        audit::record(
            db.pool(),
            AuditEntry {
                actor_user_id: None,
                organisation_id: None,
                action: "sign_in_failed",
                subject: "link".into(),
                source,
            },
        )
        .await?;
        return Err(refused());
    };
    audit::record(
        &mut *tx,
        AuditEntry {
            actor_user_id: Some(user_id),
            organisation_id: None,
            action: "signed_in",
            subject: format!("user:{user_id}"),
            source,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((user_id, generation))
}

/// Checks an email and password. A wrong password and an unknown address
/// get the same answer, after the same amount of work.
pub async fn check_password(
    db: &Db,
    email: &str,
    password: String,
    source: &str,
) -> Result<(i64, i64), AppError> {
    let row: Option<(i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, password_hash, session_generation FROM users WHERE email = $1 AND deleted_at IS NULL",
    )
    .bind(email)
    .fetch_optional(db.pool())
    .await?;
    let stored = row.as_ref().and_then(|(_, hash, _)| hash.clone());
    let matches = crate::accounts::password::verify(password, stored).await?;
    let user_id = row.as_ref().map(|(id, _, _)| *id);
    audit::record(
        db.pool(),
        AuditEntry {
            actor_user_id: user_id,
            organisation_id: None,
            action: if matches {
                "signed_in"
            } else {
                "sign_in_failed"
            },
            subject: match user_id {
                Some(id) => format!("user:{id} by password"),
                None => "password".into(),
            },
            source,
        },
    )
    .await?;
    match row {
        Some((id, _, generation)) if matches => Ok((id, generation)),
        _ => Err(AppError::invalid(
            "password",
            "That email address and password do not match. Check them, or get an emailed link instead.",
        )),
    }
}

/// "Sign out of every device": every session made before now stops
/// counting at its next request.
pub async fn end_every_session(db: &Db, user_id: i64, source: &str) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET session_generation = session_generation + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        AuditEntry {
            actor_user_id: Some(user_id),
            organisation_id: None,
            action: "signed_out_everywhere",
            subject: format!("user:{user_id}"),
            source,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

//! Who is making this request, read from the session on the server.
//!
//! The session holds the person's id and the "session generation" current
//! when they signed in; "sign out of every device" raises the generation, so
//! every older session stops counting at its next request.
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{CurrentUser, Membership, Role};
use crate::{error::AppError, state::Db};

const AUTH_KEY: &str = "auth";

#[derive(Debug, Serialize, Deserialize)]
struct SessionAuth {
    user_id: i64,
    generation: i64,
}

fn session_error(error: impl std::fmt::Display) -> AppError {
    AppError::internal("session", error)
}

/// The session of the current request.
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(session_error)
}

/// The signed-in person, or None.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = crate::state::app_state()?;
    user_of(&session().await?, &state.db).await
}

/// The person signed in to `session`, or None; for handlers outside Leptos.
pub async fn user_of(session: &Session, db: &Db) -> Result<Option<CurrentUser>, AppError> {
    let Some(auth) = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    match load_user(db, auth.user_id).await? {
        Some((user, generation)) if generation == auth.generation => Ok(Some(user)),
        // Signed out everywhere, or the account is gone: this session ends.
        _ => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

/// The signed-in person, or the error that asks them to sign in.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::NotSignedIn)
}

/// Starts a signed-in session for `user_id`. The session id changes, so an
/// id planted before sign-in is worthless after it.
pub async fn start(user_id: i64, generation: i64) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(
            AUTH_KEY,
            SessionAuth {
                user_id,
                generation,
            },
        )
        .await
        .map_err(session_error)
}

/// Ends this session: its record is deleted and the cookie cleared.
pub async fn end() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_error)
}

/// Where the request came from, for the audit log.
pub async fn client_address() -> String {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// A person who has not deleted their account, with their memberships and
/// current session generation.
pub async fn load_user(db: &Db, user_id: i64) -> Result<Option<(CurrentUser, i64)>, sqlx::Error> {
    let row: Option<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, display_name, email, is_platform_admin, session_generation \
         FROM users WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    let Some((id, name, email, is_platform_admin, generation)) = row else {
        return Ok(None);
    };
    let memberships = memberships_of(db, id).await?;
    Ok(Some((
        CurrentUser {
            id,
            name,
            email,
            is_platform_admin: is_platform_admin == 1,
            memberships,
        },
        generation,
    )))
}

pub async fn memberships_of(db: &Db, user_id: i64) -> Result<Vec<Membership>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT o.id, o.slug, o.name, m.role FROM memberships m \
         JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.user_id = $1 ORDER BY o.name",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(organisation_id, slug, organisation_name, role)| {
            Some(Membership {
                organisation_id,
                slug,
                organisation_name,
                role: Role::parse(&role)?,
            })
        })
        .collect())
}

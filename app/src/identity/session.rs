//! Who is making this request, read from the session on the server.
//!
//! The session holds the person's id and the "session generation" current
//! when they signed in; "sign out of every device" raises the generation, so
//! every older session stops counting at its next request. It also holds
//! when the person signed in, so changes to how they sign in can ask for a
//! recent sign-in, and whether they said the computer is shared.
use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, Session};

use super::{CurrentUser, Membership, Role};
use crate::{error::AppError, network::ClientAddress, state::Db, time::Timestamp};

const AUTH_KEY: &str = "auth";

/// How recent a sign-in must be to change one's email address or password.
pub const FRESH_SIGN_IN_MINUTES: i64 = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionAuth {
    user_id: i64,
    generation: i64,
    /// Milliseconds; sessions from before this was kept count as old.
    #[serde(default)]
    signed_in_at: i64,
    /// "This is a shared computer": the cookie ends with the browser.
    #[serde(default)]
    shared: bool,
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
/// id planted before sign-in is worthless after it. On a shared computer the
/// cookie carries no lifetime, so the browser forgets it when it closes.
pub async fn start(user_id: i64, generation: i64, shared: bool) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    store(
        &session,
        SessionAuth {
            user_id,
            generation,
            signed_in_at: Timestamp::now().millis(),
            shared,
        },
    )
    .await
}

async fn store(session: &Session, auth: SessionAuth) -> Result<(), AppError> {
    // The layer's expiry applies afresh to each request, so a shared
    // computer's choice is set again whenever the session is written.
    if auth.shared {
        session.set_expiry(Some(Expiry::OnSessionEnd));
    }
    session.insert(AUTH_KEY, auth).await.map_err(session_error)
}

/// Whether the person signed in to this session (by link or password)
/// within the last few minutes.
pub async fn signed_in_recently() -> Result<bool, AppError> {
    let auth = session()
        .await?
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?;
    Ok(auth.is_some_and(|auth| {
        Timestamp::now().millis() - auth.signed_in_at <= FRESH_SIGN_IN_MINUTES * 60_000
    }))
}

/// Refuses a change to how someone signs in unless they signed in lately,
/// so a session left open on someone else's computer cannot take the
/// account over. The refusal is shown against `field` of the form.
pub async fn require_recent_sign_in(field: &str) -> Result<(), AppError> {
    if signed_in_recently().await? {
        return Ok(());
    }
    Err(AppError::invalid(
        field,
        format!(
            "To keep your account safe, sign out and sign in again first (with an emailed link or your password), \
             then make this change within {FRESH_SIGN_IN_MINUTES} minutes."
        ),
    ))
}

/// After the person's other sessions were ended (by raising the session
/// generation to `generation`), keeps this one signed in.
pub async fn keep_after_ending_others(generation: i64) -> Result<(), AppError> {
    let session = session().await?;
    let Some(mut auth) = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(());
    };
    auth.generation = generation;
    store(&session, auth).await
}

/// The id of the person signed in to this session, without checking that
/// the session is still current.
pub async fn signed_in_user_id() -> Result<Option<i64>, AppError> {
    Ok(session()
        .await?
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?
        .map(|auth| auth.user_id))
}

/// Ends this session: its record is deleted and the cookie cleared.
pub async fn end() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_error)
}

/// A request's session and where it comes from: what the one
/// authorisation step (`permissions::authorise_caller`) starts from. An
/// axum extractor, so server functions (through `leptos_axum::extract`) and
/// plain handlers (uploads, downloads) read it the same way.
pub struct Caller {
    pub session: Session,
    /// An IP address, for the audit log and rate limits.
    pub source: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = (http::StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        Ok(Caller {
            session,
            source: source_of(parts),
        })
    }
}

impl Caller {
    /// The caller of the server function being run.
    pub async fn current() -> Result<Caller, AppError> {
        leptos_axum::extract::<Caller>()
            .await
            .map_err(session_error)
    }

    /// The signed-in person, or None.
    pub async fn person(&self, db: &Db) -> Result<Option<CurrentUser>, AppError> {
        user_of(&self.session, db).await
    }
}

/// Where a request came from: the address the router worked out (see
/// `crate::network`), else the connection's own.
fn source_of(parts: &Parts) -> String {
    if let Some(ClientAddress(address)) = parts.extensions.get() {
        return address.to_string();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_canonical().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Where the request of the server function being run came from, for the
/// audit log and rate limits.
pub async fn client_address() -> String {
    match leptos_axum::extract::<Caller>().await {
        Ok(caller) => caller.source,
        Err(_) => "unknown".into(),
    }
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

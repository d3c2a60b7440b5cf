//! A form sent twice does its work once. Every form carries a one-time key
//! (`app::site::forms::ONCE_FIELD`); when the same form arrives again with
//! the same fields (a second press while the first was on its way, or the
//! back button and Send again), it gets the first answer, replayed: the
//! same page and the same confirmation, and nothing is posted twice. The
//! keys live in the database, so two servers behind one address agree.
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::{
    accounts::tokens::hash_token,
    site::{confirmation::DONE_COOKIE, forms::ONCE_FIELD},
    state::AppState,
    time::Timestamp,
};

/// How long a key is remembered: a day covers the back button.
const REMEMBERED_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a repeat waits for the first to finish before saying so.
const WAIT_FOR_FIRST_MS: u64 = 10_000;

/// The middleware. It sits inside `remember_typed_fields`, which reads the
/// (possibly replayed) answer's address for a refusal's cookies.
pub async fn answer_repeats_once(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_form_post = request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    if !is_form_post {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // `limit_server_fn_bodies`, further out, has already bounded the size.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let key = url::form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == ONCE_FIELD)
        .map(|(_, value)| value.into_owned())
        .filter(|key| (16..=64).contains(&key.len()));
    let Some(key) = key else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    let key_hash = hash_token(&key);
    let body_hash = hash_token(&String::from_utf8_lossy(&bytes));
    let db = &state.db;
    let now = Timestamp::now().0;
    // The first to insert the key does the work; the unique key decides a
    // race between two presses, on one server or two.
    let first = sqlx::query(
        "INSERT INTO form_posts (key_hash, body_hash, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key_hash) DO NOTHING",
    )
    .bind(key_hash.clone())
    .bind(body_hash.clone())
    .bind(now)
    .execute(db.pool())
    .await;
    match first {
        Ok(done) if done.rows_affected() == 1 => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            remember_answer(&state, &key_hash, response.headers()).await;
            prune(&state, now).await;
            response
        }
        Ok(_) => replay(&state, &key_hash, &body_hash, parts, bytes, next).await,
        Err(error) => {
            // Without the table the form still works, only unguarded.
            tracing::warn!(%error, "cannot record a form's key; sent on unguarded");
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}

/// Keeps where the first answer sent the browser, and its confirmation.
async fn remember_answer(state: &AppState, key_hash: &str, headers: &HeaderMap) {
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let done_cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|cookie| cookie.starts_with(&format!("{DONE_COOKIE}=")))
        .map(str::to_string);
    let saved =
        sqlx::query("UPDATE form_posts SET location = $1, done_cookie = $2 WHERE key_hash = $3")
            .bind(location)
            .bind(done_cookie)
            .bind(key_hash.to_string())
            .execute(state.db.pool())
            .await;
    if let Err(error) = saved {
        tracing::warn!(%error, "cannot record a form's answer");
    }
}

async fn prune(state: &AppState, now: i64) {
    // Now and then is enough: the table only needs to forget eventually.
    if rand::random::<u8>() != 0 {
        return;
    }
    let _ = sqlx::query("DELETE FROM form_posts WHERE created_at < $1")
        .bind(now - REMEMBERED_MS)
        .execute(state.db.pool())
        .await;
}

/// The same key again: the same fields get the first answer; different
/// fields (the form was changed and sent again) are a new post.
async fn replay(
    state: &AppState,
    key_hash: &str,
    body_hash: &str,
    parts: axum::http::request::Parts,
    bytes: axum::body::Bytes,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    loop {
        let row = sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
            "SELECT body_hash, location, done_cookie FROM form_posts WHERE key_hash = $1",
        )
        .bind(key_hash.to_string())
        .fetch_optional(state.db.pool())
        .await;
        match row {
            Ok(Some((first_body, _, _))) if first_body != body_hash => {
                return next
                    .run(Request::from_parts(parts, Body::from(bytes)))
                    .await;
            }
            Ok(Some((_, Some(location), done_cookie))) if !location.is_empty() => {
                tracing::info!("a form sent again was answered as the first time");
                let mut response =
                    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
                if let Some(cookie) = done_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
                return response;
            }
            Ok(Some((_, Some(_), _))) => {
                // The first answered without a redirect (a client reading
                // JSON): say plainly that it was already done.
                return already_sent();
            }
            Ok(_) if started.elapsed().as_millis() < u128::from(WAIT_FOR_FIRST_MS) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Ok(_) => return already_sent(),
            Err(error) => {
                tracing::warn!(%error, "cannot read a form's key");
                return already_sent();
            }
        }
    }
}

fn already_sent() -> Response {
    (
        StatusCode::CONFLICT,
        "This form was already sent, so it was not sent again. Go back and reload the page to see it.",
    )
        .into_response()
}

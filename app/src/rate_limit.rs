//! Rate limits as fixed-window counters in the database, so that every app
//! server sharing the database shares the count.
use std::time::Duration;

use crate::{error::AppError, state::Db, time::Timestamp};

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window: Duration,
}

impl Limit {
    /// At most `max` in any window of `minutes`.
    pub const fn per_minutes(max: i64, minutes: u64) -> Self {
        Limit {
            max,
            window: Duration::from_secs(minutes * 60),
        }
    }
}

/// Sign-in links asked for one email address from one network address.
/// Counted per address too, so that someone else asking for your address
/// again and again fills only their own bucket, never yours.
pub const SIGN_IN_PER_EMAIL: Limit = Limit::per_minutes(5, 15);
/// Sign-in attempts (links or passwords) from one network address. Generous,
/// because a whole tenants' meeting may share one connection.
pub const SIGN_IN_PER_ADDRESS: Limit = Limit::per_minutes(100, 15);
/// Wrong passwords for one account.
pub const PASSWORD_PER_EMAIL: Limit = Limit::per_minutes(10, 15);

/// Comments and replies by one person: plenty for a lively discussion,
/// too few for a flood.
pub const COMMENTS_PER_PERSON: Limit = Limit::per_minutes(30, 10);

/// Proposals for scrutiny by one person.
pub const PROPOSALS_PER_PERSON: Limit = Limit::per_minutes(10, 60);

/// Reports of comments by one person: moderators read every one.
pub const REPORTS_PER_PERSON: Limit = Limit::per_minutes(20, 60);

/// Requests to join a landlord by one person; each one emails its staff.
pub const JOIN_REQUESTS_PER_PERSON: Limit = Limit::per_minutes(5, 60);

/// The bucket of `kind` for a network address: an IPv6 client counts by
/// its /64 (see `crate::network::rate_limit_key`).
pub fn address_bucket(kind: &str, source: &str) -> String {
    format!("{kind}:address:{}", crate::network::rate_limit_key(source))
}

/// The bucket for links asked for `email` from `source`.
pub fn email_bucket(kind: &str, email: &str, source: &str) -> String {
    format!(
        "{kind}:email:{email}:from:{}",
        crate::network::rate_limit_key(source)
    )
}

/// Counts one attempt in `bucket`; refuses it, saying how long to wait, once
/// the limit is reached in the current window.
pub async fn hit(db: &Db, bucket: &str, limit: Limit) -> Result<(), AppError> {
    let now = Timestamp::now().millis();
    let window = limit.window.as_millis() as i64;
    let (window_start, hits): (i64, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING window_start, hits",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - window)
    .fetch_one(db.pool())
    .await?;
    if hits > limit.max {
        let retry_after_ms = (window_start + window - now).max(1000);
        return Err(AppError::RateLimited {
            retry_after_secs: (retry_after_ms as u64).div_ceil(1000),
        });
    }
    Ok(())
}

//! Sessions live in the same database as everything else (SQLite or
//! PostgreSQL), so several app servers behind a load balancer share them.
//!
//! The database keeps only the SHA-256 hash of each session id, as it does
//! for emailed tokens: a copy of the database holds no live session.
use std::time::Duration;

use app::{accounts::tokens::hash_token, state::Db, time::Timestamp};
use async_trait::async_trait;
use tower_sessions::{
    cookie::{time::OffsetDateTime, SameSite},
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    Expiry, SessionManagerLayer, SessionStore,
};

/// The name of the session cookie.
pub const COOKIE_NAME: &str = "tenant_voice_session";

#[derive(Clone, Debug)]
pub struct DatabaseSessionStore {
    db: Db,
    /// No record outlives this without a request, whatever its cookie says:
    /// a "shared computer" session's cookie ends with the browser, and its
    /// record after this idle time.
    idle: Duration,
}

impl DatabaseSessionStore {
    pub fn new(db: Db, idle: Duration) -> Self {
        Self { db, idle }
    }

    fn expires_at(&self, record: &Record) -> i64 {
        let idle_end = Timestamp::now().millis() + self.idle.as_millis() as i64;
        millis(record.expiry_date).min(idle_end)
    }
}

/// The form a session id is stored and looked up in.
fn stored_id(id: &Id) -> String {
    hash_token(&id.to_string())
}

/// The session layer: HttpOnly cookie, SameSite=Lax, Secure when the portal is
/// served over https, ending after `idle` without a request.
pub fn layer(db: Db, base_url: &str, idle: Duration) -> SessionManagerLayer<DatabaseSessionStore> {
    let store = DatabaseSessionStore::new(db, idle);
    let idle = tower_sessions::cookie::time::Duration::seconds(idle.as_secs() as i64);
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(base_url.starts_with("https://"))
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

fn millis(moment: OffsetDateTime) -> i64 {
    (moment.unix_timestamp_nanos() / 1_000_000) as i64
}

fn backend_error(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for DatabaseSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // Ids are 128 random bits; on the freak chance of a clash, draw again.
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(stored_id(&record.id))
            .bind(&data)
            .bind(self.expires_at(record))
            .execute(self.db.pool())
            .await
            .map_err(backend_error)?
            .rows_affected();
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(stored_id(&record.id))
        .bind(data)
        .bind(self.expires_at(record))
        .execute(self.db.pool())
        .await
        .map_err(backend_error)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(stored_id(id))
        .bind(Timestamp::now())
        .fetch_optional(self.db.pool())
        .await
        .map_err(backend_error)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(stored_id(id))
            .execute(self.db.pool())
            .await
            .map_err(backend_error)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DatabaseSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(Timestamp::now())
            .execute(self.db.pool())
            .await
            .map_err(backend_error)?;
        Ok(())
    }
}

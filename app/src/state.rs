//! What every server function and server-side page can reach: the database
//! and the site settings. Provided to Leptos as context by the server.
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::AnyPool;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool that knows which database is behind it, for the few
/// places where SQL must differ.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    pub fn new(pool: AnyPool, backend: Backend) -> Self {
        Self { pool, backend }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction that will write. On SQLite it takes the write lock at
    /// the start (BEGIN IMMEDIATE), so two writers queue up instead of one
    /// failing half-way when it upgrades a read lock.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub leptos_options: LeptosOptions,
    /// The address people use to reach the portal, for links in emails.
    pub base_url: String,
    /// Demo mode: shows the demo banner and the demo personas' sign-in.
    pub demo: bool,
}

impl AppState {
    /// An absolute link into the portal, for emails.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path_and_query)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The application state inside a server function or server-rendered page.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        AppError::internal("reading application state", "AppState missing from context")
    })
}

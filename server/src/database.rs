//! Opening the database (SQLite by default, PostgreSQL by URL) and running the
//! migrations that belong to it. Both backends hold the same tables, built by
//! the same numbered steps in migrations/sqlite and migrations/postgres.
use std::{path::Path, time::Duration};

use app::state::{Backend, Db};
use sqlx::{any::AnyPoolOptions, migrate::Migrator, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the folder for the SQLite database '{path}': {source}")]
    CreateFolder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot bring the database up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub fn backend_of(url: &str) -> Backend {
    if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

/// Opens a pool. For SQLite the file (and its folder) is created when missing,
/// and every connection gets foreign keys, a busy timeout and WAL.
pub async fn connect(url: &str) -> Result<Db, DbError> {
    sqlx::any::install_default_drivers();
    let backend = backend_of(url);
    let url = match backend {
        Backend::Sqlite => prepare_sqlite_url(url)?,
        Backend::Postgres => url.to_string(),
    };
    let options = AnyPoolOptions::new()
        .max_connections(match backend {
            // SQLite allows one writer at a time; a few readers are plenty.
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                }
                Ok(())
            })
        });
    let pool = options.connect(&url).await.map_err(DbError::Connect)?;
    if backend == Backend::Sqlite {
        // WAL is a property of the file: set once, kept by every later connection.
        pool.execute("PRAGMA journal_mode = WAL")
            .await
            .map_err(DbError::Connect)?;
    }
    Ok(Db::new(pool, backend))
}

pub async fn migrate(db: &Db) -> Result<(), DbError> {
    let migrator = match db.backend() {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator.run(db.pool()).await?;
    Ok(())
}

/// Creates the folder that will hold the SQLite file and asks SQLite to create
/// the file itself when it is missing.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| DbError::CreateFolder {
            path: path.to_string(),
            source,
        })?;
    }
    let query = if query.split('&').any(|pair| pair.starts_with("mode=")) {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// Answers whether the database responds, within two seconds.
pub async fn is_healthy(db: &Db) -> bool {
    let ping = sqlx::query("SELECT 1").execute(db.pool());
    matches!(
        tokio::time::timeout(Duration::from_secs(2), ping).await,
        Ok(Ok(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_ask_for_the_file_to_be_created() {
        let dir = std::env::temp_dir().join(format!("tv-url-{}", std::process::id()));
        let url = format!("sqlite://{}/nested/portal.db", dir.display());
        let prepared = prepare_sqlite_url(&url).unwrap();
        assert_eq!(prepared, format!("{url}?mode=rwc"));
        assert!(dir.join("nested").is_dir());
        std::fs::remove_dir_all(dir).unwrap();
        assert_eq!(
            prepare_sqlite_url("sqlite:x.db?mode=ro").unwrap(),
            "sqlite://x.db?mode=ro"
        );
    }
}

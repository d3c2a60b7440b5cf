//! A throwaway database on either backend, for the tests and the
//! benchmarks alike (the benchmarks include this file by its path).
use std::sync::atomic::{AtomicU32, Ordering};

use app::state::Backend;

/// The server that test databases are created on. The test command sets it;
/// the default is this machine's local PostgreSQL.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A throwaway database: a file in a temporary folder, or a PostgreSQL
/// database created for this test and dropped when it ends.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    postgres_name: Option<String>,
    _folder: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let folder = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite://{}/tenant-voice.db", folder.path().display());
                TestDatabase {
                    url,
                    backend,
                    postgres_name: None,
                    _folder: Some(folder),
                }
            }
            Backend::Postgres => {
                let name = format!(
                    "tv_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                let admin = admin_connection().await;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create a PostgreSQL test database");
                admin.close().await;
                let mut url =
                    url::Url::parse(&postgres_admin_url()).expect("TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                TestDatabase {
                    url: url.to_string(),
                    backend,
                    postgres_name: Some(name),
                    _folder: None,
                }
            }
        }
    }
}

async fn admin_connection() -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = postgres_admin_url();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(&url)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "PostgreSQL is needed for these tests and cannot be reached at {url}: {error}. \
                 Start it (see README, Testing) or set TEST_POSTGRES_URL."
            )
        })
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (Backend::Postgres, Some(name)) = (self.backend, self.postgres_name.take()) else {
            return;
        };
        // Drop runs outside any async context that could be awaited, so use a
        // small runtime of its own; FORCE ends the pool's open connections.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let admin = admin_connection().await;
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
                admin.close().await;
            });
        })
        .join();
    }
}

//! The test harness: the real router (built by the same function the binary
//! uses) over a fresh database, on SQLite or on PostgreSQL.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use app::state::{AppState, Backend, Db};
use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use tenant_voice::{database, router};
use tower::ServiceExt;

/// The server that test databases are created on. The test command sets it;
/// the default is this machine's local PostgreSQL.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    _database: TestDatabase,
}

pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with(backend, false).await
    }

    pub async fn start_with(backend: Backend, demo: bool) -> TestApp {
        let database = TestDatabase::create(backend).await;
        let db = database::connect(&database.url)
            .await
            .expect("connect to the test database");
        database::migrate(&db)
            .await
            .expect("migrate the test database");
        let state = AppState {
            db: db.clone(),
            leptos_options: router::leptos_options(
                std::path::Path::new("target/site"),
                "127.0.0.1:0".parse().unwrap(),
            ),
            base_url: "http://portal.test".into(),
            demo,
        };
        TestApp {
            router: router::build_app(state),
            db,
            _database: database,
        }
    }

    pub fn url(&self) -> &str {
        &self._database.url
    }

    pub async fn get(&self, path: &str) -> Page {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read the body")
            .to_bytes();
        Page {
            status,
            content_type,
            body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
        }
    }
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

/// Writes each test once and runs it on both databases:
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_databases {
    ($(#[doc = $doc:literal])* async fn $name:ident($backend:ident: Backend) $body:block $($rest:tt)*) => {
        $(#[doc = $doc])*
        async fn $name($backend: app::state::Backend) $body

        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(app::state::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(app::state::Backend::Postgres).await
            }
        }

        $crate::on_both_databases! { $($rest)* }
    };
    () => {};
}

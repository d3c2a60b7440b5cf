//! What the benchmarks share: a throwaway database on either backend.
use app::state::{Backend, Db};
use tenant_voice::database;

/// A fresh, migrated database, dropped (PostgreSQL) or deleted (SQLite,
/// with `folder`) when the benchmark calls `drop_database`.
pub struct BenchDatabase {
    pub db: Db,
    postgres: Option<(Db, String)>,
}

impl BenchDatabase {
    /// PostgreSQL is taken from TEST_POSTGRES_URL (default: this machine's
    /// local server).
    pub async fn create(backend: Backend, folder: &std::path::Path, label: &str) -> BenchDatabase {
        let (url, postgres) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/bench.db", folder.display()), None),
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("tv_bench_{label}_{}", std::process::id());
                let admin = database::connect(&admin_url)
                    .await
                    .expect("PostgreSQL for the benchmark");
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(admin.pool())
                    .await
                    .unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(admin.pool())
                    .await
                    .unwrap();
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&name);
                (url.to_string(), Some((admin, name)))
            }
        };
        let db = database::connect(&url).await.unwrap();
        database::migrate(&db).await.unwrap();
        BenchDatabase { db, postgres }
    }

    pub async fn drop_database(self) {
        self.db.pool().close().await;
        if let Some((admin, name)) = self.postgres {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(admin.pool())
                .await
                .unwrap();
        }
    }
}

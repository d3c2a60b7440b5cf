//! The foundation through HTTP and the data layer, on SQLite and PostgreSQL.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::{identity::Role, state::Backend, time::Timestamp};
use common::{Setup, TestApp};
use tenant_voice::{
    admin::{create_admin, AdminError, AdminOutcome},
    database,
    demo::{self, DemoError, DemoOutcome},
};

on_both_databases! {
    async fn health_check_answers_when_the_database_does(backend: Backend) {
        let app = TestApp::start(backend).await;
        let page = app.get("/healthz").await;
        assert_eq!((page.status, page.body.as_str()), (200, "ok\n"));

        app.db.pool().close().await;
        let page = app.get("/healthz").await;
        assert_eq!(page.status, 503);
        assert_eq!(page.body, "database unavailable\n");
    }

    async fn home_page_lists_every_hosted_landlord(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let page = app.get("/").await;
        assert_eq!(page.status, 200);
        assert!(page.content_type().starts_with("text/html"), "{}", page.content_type());
        for landlord in demo::LANDLORDS {
            let link = format!("href=\"/landlords/{}\"", landlord.slug);
            assert!(page.body.contains(&link), "home page should link to {}", landlord.slug);
            assert!(page.body.contains(landlord.name));
        }
        // Rendered in full on the server: no loading placeholder left for JavaScript.
        assert!(!page.body.contains("Loading"), "the page should arrive complete");
    }

    async fn home_page_says_so_when_no_landlord_has_joined(backend: Backend) {
        let app = TestApp::start(backend).await;
        let page = app.get("/").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("No landlords have joined this portal yet."));
    }

    async fn every_page_has_the_accessible_shell(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        for path in ["/", "/about", "/landlords/brackenmoor-homes", "/no-such-page"] {
            let body = app.get(path).await.body;
            for part in [
                "<html lang=\"en-GB\"",
                "name=\"viewport\"",
                "class=\"skip-link\"",
                "href=\"#main\"",
                "<header class=\"site-header\"",
                "<nav aria-label=\"Main\"",
                "<main id=\"main\"",
                "<footer class=\"site-footer\"",
                "<title>",
                "/pkg/tenant_voice.css",
            ] {
                assert!(body.contains(part), "{path} should contain {part}");
            }
            // A page without an island loads no code: no script file, no
            // WebAssembly (Leptos writes two tiny inline scripts of empty lists).
            for code in ["<script type=\"module\"", "modulepreload", ".wasm", "<script src"] {
                assert!(!body.contains(code), "{path} should load no code, but has {code}");
            }
            assert_eq!(body.matches("<h1").count(), 1, "{path} should have exactly one h1");
        }
    }

    async fn landlord_page_shows_its_name_and_sections(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let page = app.get("/landlords/fernhill-vale-housing").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("<h1>Fernhill Vale Housing</h1>"));
        assert!(page.body.contains("<title>Fernhill Vale Housing · Tenant Voice</title>"));
        for section in ["Commitments", "Performance", "Scrutiny", "Annual reviews"] {
            assert!(page.body.contains(&format!(">{section}</h2>")), "missing section {section}");
        }
        assert!(!page.body.contains("Brackenmoor Homes</h1>"));
    }

    async fn unknown_pages_get_a_friendly_404(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        for path in ["/landlords/no-such-landlord", "/landlords/NOT..a..slug", "/nothing/here"] {
            let page = app.get(path).await;
            assert_eq!(page.status, 404, "{path}");
            assert!(page.body.contains("<h1>Page not found</h1>"), "{path}");
            assert!(page.body.contains("href=\"/\""), "{path} should offer a way back");
        }
    }

    async fn a_failing_query_gives_a_friendly_500_with_a_reference(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        sqlx::query("ALTER TABLE organisations RENAME TO organisations_moved").execute(app.db.pool()).await.unwrap();
        let page = app.get("/landlords/brackenmoor-homes").await;
        assert_eq!(page.status, 500);
        assert!(page.body.contains("Sorry, something went wrong"));
        assert!(page.body.contains("please quote reference"));
        // The driver's own words never reach the page.
        assert!(!page.body.contains("organisations"), "the database error leaked into the page");
    }

    async fn an_unreachable_database_gives_a_503_page(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        app.db.pool().close().await;
        let page = app.get("/").await;
        assert_eq!(page.status, 503);
        assert!(page.body.contains("not available just now"));
    }

    async fn every_response_is_logged_and_carries_safety_headers(backend: Backend) {
        let app = TestApp::start(backend).await;
        let request = axum::http::Request::get("/about").body(axum::body::Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "same-origin");
    }

    async fn migrations_run_twice_without_change(backend: Backend) {
        let app = TestApp::start(backend).await;
        database::migrate(&app.db).await.expect("a second run is a no-op");
        for table in ["organisations", "users", "memberships", "audit_log", "installation"] {
            let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(app.db.pool())
                .await
                .unwrap_or_else(|e| panic!("{table}: {e}"));
            assert_eq!(count, 0);
        }
    }

    async fn timestamps_are_stored_as_utc_milliseconds(backend: Backend) {
        let app = TestApp::start(backend).await;
        let moment = Timestamp(1_775_035_815_250);
        sqlx::query("INSERT INTO organisations (slug, name, created_at) VALUES ('ts-test', 'Timestamp Test', $1)")
            .bind(moment)
            .execute(app.db.pool())
            .await
            .unwrap();
        let (stored, raw): (Timestamp, i64) =
            sqlx::query_as("SELECT created_at, created_at FROM organisations WHERE slug = 'ts-test'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(stored, moment);
        assert_eq!(raw, 1_775_035_815_250);
        assert_eq!(stored.to_chrono().to_rfc3339(), "2026-04-01T09:30:15.250+00:00");
    }

    async fn the_database_enforces_its_rules(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let pool = app.db.pool();
        let org: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE slug = 'brackenmoor-homes'").fetch_one(pool).await.unwrap();
        let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'grace.mensah@example.org'").fetch_one(pool).await.unwrap();
        let now = Timestamp::now();
        let refused = [
            sqlx::query("INSERT INTO organisations (slug, name, created_at) VALUES ('brackenmoor-homes', 'Copy', $1)").bind(now),
            sqlx::query("INSERT INTO users (email, display_name, created_at) VALUES ('Upper@Example.org', 'Upper', $1)").bind(now),
            sqlx::query("INSERT INTO users (email, display_name, created_at) VALUES ('aisha.rahman@example.org', 'Twin', $1)").bind(now),
            sqlx::query("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, 'owner', $3)").bind(user).bind(org).bind(now),
            sqlx::query("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES (999999, $1, 'resident', $2)").bind(org).bind(now),
        ];
        for (number, query) in refused.into_iter().enumerate() {
            assert!(query.execute(pool).await.is_err(), "statement {number} should have been refused");
        }
        // One role per person per landlord.
        let twice = sqlx::query("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, 'resident', $3)")
            .bind(user).bind(org).bind(now);
        twice.execute(pool).await.expect("first membership at this landlord");
        let again = sqlx::query("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, 'panel_member', $3)")
            .bind(user).bind(org).bind(now);
        assert!(again.execute(pool).await.is_err(), "a second role at the same landlord");
    }

    async fn demo_data_has_someone_in_every_role_at_every_landlord(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        for landlord in demo::LANDLORDS {
            let roles: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT m.role FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = $1",
            )
            .bind(landlord.slug)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
            for role in Role::ALL {
                assert!(roles.iter().any(|r| r == role.as_str()), "{} has no {}", landlord.slug, role.as_str());
            }
        }
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_platform_admin = 1")
            .fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(admins, 1);
        let multi: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT user_id FROM memberships GROUP BY user_id HAVING COUNT(*) > 1) AS several",
        )
        .fetch_one(app.db.pool()).await.unwrap();
        assert!(multi >= 1, "someone should hold roles at two landlords");
    }

    async fn demo_loads_once_and_never_over_real_data(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        assert_eq!(demo::load(&app.db).await.unwrap(), DemoOutcome::AlreadyLoaded);
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(app.db.pool()).await.unwrap();

        let real = TestApp::start(backend).await;
        sqlx::query("INSERT INTO organisations (slug, name, created_at) VALUES ('real-homes', 'Real Homes', 1)")
            .execute(real.db.pool())
            .await
            .unwrap();
        let error = demo::load(&real.db).await.unwrap_err();
        assert!(matches!(error, DemoError::HoldsRealData(_)));
        assert!(error.to_string().contains("already holds real data"));
        let landlords: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations").fetch_one(real.db.pool()).await.unwrap();
        let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(real.db.pool()).await.unwrap();
        assert_eq!((landlords, people), (1, 0), "nothing was written to the real database");
        assert_eq!(users, 12, "the demo set has 11 people in landlord roles and one administrator");
    }

    async fn admin_create_makes_promotes_and_audits(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let pool = app.db.pool();
        assert_eq!(create_admin(&app.db, " New.Admin@Example.org ", Some("New Admin")).await.unwrap(), AdminOutcome::Created);
        assert_eq!(create_admin(&app.db, "new.admin@example.org", None).await.unwrap(), AdminOutcome::AlreadyAdmin);
        assert_eq!(create_admin(&app.db, "priya.shah@example.org", None).await.unwrap(), AdminOutcome::Promoted);
        let (name, flag): (String, i64) = sqlx::query_as("SELECT display_name, is_platform_admin FROM users WHERE email = 'new.admin@example.org'")
            .fetch_one(pool).await.unwrap();
        assert_eq!((name.as_str(), flag), ("New Admin", 1));
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'platform_admin.granted' AND source = 'cli'")
            .fetch_one(pool).await.unwrap();
        assert_eq!(audited, 2);

        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await.unwrap();
        for (email, name) in [("not-an-email", None), ("ok@example.org", Some("  "))] {
            let error = create_admin(&app.db, email, name).await.unwrap_err();
            assert!(matches!(error, AdminError::Invalid { .. }), "{email}");
        }
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await.unwrap();
        assert_eq!(before, after);
    }

    async fn demo_mode_shows_the_demo_banner_only_when_on(backend: Backend) {
        let demo = TestApp::start_with(backend, Setup { demo_mode: true, ..Setup::default() }).await;
        assert!(demo.get("/").await.body.contains("Demo portal."));
        let real = TestApp::start(backend).await;
        assert!(!real.get("/").await.body.contains("Demo portal."));
    }
}

#[tokio::test]
async fn sqlite_files_use_wal_and_foreign_keys() {
    let app = TestApp::start(Backend::Sqlite).await;
    let mut conn = app.db.pool().acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!((mode.as_str(), keys), ("wal", 1));
}

/// The SQLite and PostgreSQL migrations must build the same database: the
/// same numbered steps, and after them the same tables with the same
/// columns, so one SQL text serves both.
#[tokio::test]
async fn both_databases_hold_the_same_steps_tables_and_columns() {
    let steps = |backend: &str| -> Vec<String> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        steps("sqlite"),
        steps("postgres"),
        "the same numbered steps"
    );

    let sqlite = TestApp::start(Backend::Sqlite).await;
    let postgres = TestApp::start(Backend::Postgres).await;
    let mut in_sqlite: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(sqlite.db.pool())
    .await
    .unwrap();
    let mut in_postgres: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
         AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(postgres.db.pool())
    .await
    .unwrap();
    in_sqlite.sort();
    in_postgres.sort();
    let only_in = |these: &[(String, String)], those: &[(String, String)]| -> Vec<String> {
        these
            .iter()
            .filter(|column| !those.contains(column))
            .map(|(table, column)| format!("{table}.{column}"))
            .collect()
    };
    assert!(in_sqlite.len() > 100, "{in_sqlite:?}");
    assert_eq!(
        (
            only_in(&in_sqlite, &in_postgres),
            only_in(&in_postgres, &in_sqlite)
        ),
        (Vec::new(), Vec::new()),
        "(only in SQLite, only in PostgreSQL)"
    );
}

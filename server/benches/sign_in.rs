//! How many sign-in requests per second the real router handles, on SQLite
//! and on PostgreSQL: "email me a link" and "use the link", each through
//! HTTP with the same-origin check, rate limits, audit log and outbox.
//!
//! Run with `cargo bench -p tenant-voice --bench sign_in`. It prints figures;
//! it asserts nothing about speed. PostgreSQL is taken from TEST_POSTGRES_URL
//! (default: this machine's local server), in a throwaway database.
// A benchmark stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::{
    accounts::sign_in::{RequestSignInLink, UseSignInLink},
    state::{AppState, Backend},
};
use axum::Router;
use leptos::server_fn::ServerFn;
use tenant_voice::router;

mod common;
use common::{link_token, post};

const PEOPLE: usize = 400;
const CONCURRENCY: usize = 16;

#[tokio::main]
async fn main() {
    println!("sign-in benchmark: {PEOPLE} people, {CONCURRENCY} requests at a time, release build");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        run(backend).await;
    }
}

async fn run(backend: Backend) {
    let (database, db) = common::fresh_database(backend).await;
    for n in 0..PEOPLE {
        sqlx::query("INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, 0)")
            .bind(format!("person{n}@example.org"))
            .bind(format!("Person {n}"))
            .execute(db.pool())
            .await
            .unwrap();
    }
    let app = router::build_app(AppState {
        db: db.clone(),
        leptos_options: router::leptos_options(
            std::path::Path::new("target/site"),
            "127.0.0.1:0".parse().unwrap(),
        ),
        base_url: "http://portal.test".into(),
        demo: false,
    });

    let asks: Vec<(usize, String)> = (0..PEOPLE)
        .map(|n| (n, format!("email=person{n}%40example.org")))
        .collect();
    let ask_rate = fire(&app, RequestSignInLink::PATH, asks).await;
    // The email worker's part: look each address up and write its link.
    app::accounts::sign_in::queries::handle_sign_in_requests(&db, "http://portal.test")
        .await
        .unwrap();

    let bodies: Vec<(String,)> = sqlx::query_as("SELECT body_text FROM outbox ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(
        bodies.len(),
        PEOPLE,
        "every request should have queued a link"
    );
    let uses: Vec<(usize, String)> = bodies
        .iter()
        .enumerate()
        .map(|(n, (body,))| (n, format!("token={}", link_token(body))))
        .collect();
    let use_rate = fire(&app, UseSignInLink::PATH, uses).await;
    let (sessions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(
        sessions as usize, PEOPLE,
        "every link should have made a session"
    );

    println!("{backend:?}: email me a link {ask_rate:.0} requests/s; use the link (sign in) {use_rate:.0} requests/s");
    db.pool().close().await;
    drop(database);
}

/// Sends every form body to `path`, `CONCURRENCY` at a time, each from its
/// own network address (as many tenants would be); returns requests/second.
async fn fire(app: &Router, path: &'static str, bodies: Vec<(usize, String)>) -> f64 {
    let queue = Arc::new(tokio::sync::Mutex::new(bodies));
    let count = queue.lock().await.len();
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let queue = queue.clone();
            let app = app.clone();
            tokio::spawn(async move {
                loop {
                    let Some((n, body)) = queue.lock().await.pop() else {
                        break;
                    };
                    let response = post(&app, path, n, None, body).await;
                    assert!(
                        response.status().is_success(),
                        "{path}: {}",
                        response.status()
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed: Duration = started.elapsed();
    count as f64 / elapsed.as_secs_f64()
}

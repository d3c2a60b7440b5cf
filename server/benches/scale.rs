//! Whether pages cost the same as a landlord grows: the round page, the
//! scrutiny page, the dashboard and the people page, served at demo size and
//! again after 200,000 residents and 400,000 votes in the open round are
//! added at one landlord. Prints each page's median and p99 at both sizes
//! and the ratio between them.
//!
//! Requests go through the whole router in process, one at a time, so each
//! figure is the page's own cost. Signed-out requests carry a cookie of no
//! meaning, so the public page cache passes them by and every page is
//! rendered from the database. The open round shows its running totals, so
//! the totals are read on every view.
//!
//! Run with `cargo bench -p tenant-voice --bench scale` (SQLite), or with
//! `BENCH_POSTGRES=1` for PostgreSQL (TEST_POSTGRES_URL, default this
//! machine's). It prints figures; it asserts nothing about speed.
// A benchmark stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::time::{Duration, Instant};

use app::{
    accounts::sign_in::{RequestSignInLink, UseSignInLink},
    state::{AppState, Backend, Db},
};
use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use leptos::server_fn::ServerFn;
use tenant_voice::{demo, router, sessions::COOKIE_NAME};
use tower::ServiceExt;

mod common;
use common::{count, link_token, post, session_cookie};

const RESIDENTS: i64 = 200_000;
const REQUESTS: usize = 300;
const WARM_UP: usize = 20;
const SLUG: &str = "brackenmoor-homes";

#[tokio::main]
async fn main() {
    let backend = if std::env::var("BENCH_POSTGRES").is_ok_and(|v| v == "1") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    println!(
        "scale benchmark ({backend:?}): each page {REQUESTS} times, one at a time, after {WARM_UP} to warm up, through the router in process"
    );
    let (database, db) = common::fresh_database(backend).await;
    demo::load(&db).await.unwrap();
    let round: i64 = sqlx::query_scalar(
        "SELECT r.id FROM voting_rounds r JOIN organisations o ON o.id = r.organisation_id \
         WHERE o.slug = $1 AND r.title = 'Spring topics'",
    )
    .bind(SLUG)
    .fetch_one(db.pool())
    .await
    .unwrap();
    // Shown, so every view of the round reads the totals.
    sqlx::query("UPDATE voting_rounds SET show_running_totals = 1 WHERE id = $1")
        .bind(round)
        .execute(db.pool())
        .await
        .unwrap();
    let app = router::build_app(AppState {
        db: db.clone(),
        leptos_options: router::leptos_options(
            std::path::Path::new("target/site"),
            "127.0.0.1:0".parse().unwrap(),
        ),
        base_url: "http://portal.test".into(),
        demo: false,
    });
    let resident = sign_in(&app, &db, "aisha.rahman@example.org", 1).await;
    let staff = sign_in(&app, &db, "priya.shah@example.org", 2).await;

    let round_page = format!("/landlords/{SLUG}/scrutiny/rounds/{round}");
    let scrutiny = format!("/landlords/{SLUG}/scrutiny");
    let dashboard = format!("/landlords/{SLUG}/performance");
    let people = format!("/landlords/{SLUG}/people");
    let last_people = format!("/landlords/{SLUG}/people?page=999999");
    let pages: [(&str, &str, Option<&str>); 7] = [
        ("round page", &round_page, None),
        (
            "round page, signed in as a resident",
            &round_page,
            Some(&resident),
        ),
        ("scrutiny page", &scrutiny, None),
        (
            "scrutiny page, signed in as a resident",
            &scrutiny,
            Some(&resident),
        ),
        ("dashboard", &dashboard, None),
        ("people page, first page (staff)", &people, Some(&staff)),
        ("people page, last page (staff)", &last_people, Some(&staff)),
    ];

    let mut small = Vec::new();
    for (_, path, cookie) in pages {
        small.push(measure(&app, path, cookie).await);
    }
    let shown = String::from_utf8(get(&app, &round_page, None).await).unwrap();
    assert!(shown.contains("2 residents have voted"), "{shown}");

    let started = Instant::now();
    grow(&db, round).await;
    let grown = started.elapsed();
    println!(
        "  added {} residents, {} ballots and {} votes by bulk SQL (500 residents a transaction) in {:.1} s; {} users, {} memberships and {} votes in all",
        grouped(RESIDENTS),
        grouped(RESIDENTS),
        grouped(2 * RESIDENTS),
        grown.as_secs_f64(),
        grouped(count(&db, "SELECT COUNT(*) FROM users").await),
        grouped(count(&db, "SELECT COUNT(*) FROM memberships").await),
        grouped(count(&db, "SELECT COUNT(*) FROM votes").await),
    );
    let shown = String::from_utf8(get(&app, &round_page, None).await).unwrap();
    assert!(shown.contains("200,002 residents have voted"), "{shown}");

    let mut large = Vec::new();
    for (_, path, cookie) in pages {
        large.push(measure(&app, path, cookie).await);
    }

    println!(
        "  {:<40} {:>22} {:>22} {:>15}",
        "page", "demo size p50 / p99", "200,000 p50 / p99", "ratio p50 / p99"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (((name, _, _), small), large) in pages.iter().zip(&small).zip(&large) {
        println!(
            "  {:<40} {:>10.2} / {:>6.2} ms {:>10.2} / {:>6.2} ms {:>7.2} / {:>5.2}",
            name,
            ms(small.0),
            ms(small.1),
            ms(large.0),
            ms(large.1),
            large.0.as_secs_f64() / small.0.as_secs_f64(),
            large.1.as_secs_f64() / small.1.as_secs_f64(),
        );
    }
    db.pool().close().await;
    drop(database);
}

/// 200,000 residents at the landlord, each with two of the open round's
/// three votes, then the running totals brought up to date, as the vote's
/// own code would have left them. Written `BATCH` residents to a
/// transaction, as an import would, so no one transaction holds every row.
async fn grow(db: &Db, round: i64) {
    const BATCH: i64 = 500;
    let organisation: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE slug = $1")
        .bind(SLUG)
        .fetch_one(db.pool())
        .await
        .unwrap();
    let topics: Vec<i64> = sqlx::query_scalar(
        "SELECT proposal_id FROM round_topics WHERE round_id = $1 ORDER BY proposal_id",
    )
    .bind(round)
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(topics.len(), 3);
    let now = app::time::Timestamp::now().millis();
    for first in (1..=RESIDENTS).step_by(BATCH as usize) {
        let mut tx = db.begin_write().await.unwrap();
        let before: i64 = sqlx::query_scalar("SELECT MAX(id) FROM users")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
             INSERT INTO users (email, display_name, created_at) \
             SELECT 'scale' || i || '@example.net', 'Resident ' || i, 0 FROM n",
        )
        .bind(first)
        .bind(first + BATCH - 1)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO memberships (user_id, organisation_id, role, created_at) \
             SELECT id, $1, 'resident', 0 FROM users WHERE id > $2",
        )
        .bind(organisation)
        .bind(before)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO ballots (round_id, user_id, votes_used) SELECT $1, id, 2 FROM users WHERE id > $2",
        )
        .bind(round)
        .bind(before)
        .execute(&mut *tx)
        .await
        .unwrap();
        for (k, topic) in topics.iter().enumerate() {
            // Everyone votes for two topics of three: all but the one their id picks.
            sqlx::query(
                "INSERT INTO votes (round_id, proposal_id, user_id, cast_at) \
                 SELECT $1, $2, id, $3 FROM users WHERE id > $4 AND id % 3 <> $5",
            )
            .bind(round)
            .bind(topic)
            .bind(now)
            .bind(before)
            .bind(k as i64)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let mut tx = db.begin_write().await.unwrap();
    sqlx::query(
        "UPDATE topic_tallies SET votes = (SELECT COUNT(*) FROM votes v \
         WHERE v.round_id = topic_tallies.round_id AND v.proposal_id = topic_tallies.proposal_id) \
         WHERE round_id = $1",
    )
    .bind(round)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE round_tallies SET voters = \
         (SELECT COUNT(*) FROM ballots b WHERE b.round_id = $1 AND b.votes_used > 0) WHERE round_id = $1",
    )
    .bind(round)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // PostgreSQL's autovacuum would gather statistics on its own soon after
    // a load like this; do it now rather than wait.
    if db.backend() == Backend::Postgres {
        sqlx::raw_sql("VACUUM ANALYZE")
            .execute(db.pool())
            .await
            .unwrap();
    }
}

fn grouped(n: i64) -> String {
    app::site::paging::grouped(n)
}

/// Signs `email` in through the emailed link; returns the session cookie.
async fn sign_in(app: &Router, db: &Db, email: &str, n: usize) -> String {
    let body = format!("email={}", email.replace('@', "%40"));
    let response = post(app, RequestSignInLink::PATH, n, None, body).await;
    assert!(response.status().is_success(), "{}", response.status());
    let text: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(db.pool())
    .await
    .unwrap();
    let token = link_token(&text);
    let response = post(app, UseSignInLink::PATH, n, None, format!("token={token}")).await;
    session_cookie(&response)
}

async fn get(app: &Router, path: &str, cookie: Option<&str>) -> Vec<u8> {
    let cookie = match cookie {
        Some(cookie) => format!("{COOKIE_NAME}={cookie}"),
        // Any cookie at all keeps the page cache out of the measurement.
        None => "bench=uncached".to_string(),
    };
    let request = Request::get(path)
        .header("host", "portal.test")
        .header("cookie", cookie);
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

/// GETs `path` `REQUESTS` times, one after another, reading each body in
/// full; returns the median and the 99th percentile.
async fn measure(app: &Router, path: &str, cookie: Option<&str>) -> (Duration, Duration) {
    for _ in 0..WARM_UP {
        get(app, path, cookie).await;
    }
    let mut latencies = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let start = Instant::now();
        get(app, path, cookie).await;
        latencies.push(start.elapsed());
    }
    latencies.sort_unstable();
    let at = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

//! A burst of residents voting at once, through the whole router (session,
//! same-origin check, permission, the vote's transaction): votes per second
//! and latency percentiles, on SQLite and on PostgreSQL.
//!
//! Each of 600 residents signs in by emailed link first (not timed), then
//! all cast two votes each, 32 requests at a time.
//!
//! Run with `cargo bench -p tenant-voice --bench votes`. It prints figures;
//! it asserts only that every vote was counted once.
// A benchmark stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::{sync::Arc, time::Instant};

use app::{
    accounts::sign_in::{RequestSignInLink, UseSignInLink},
    scrutiny::CastVote,
    state::{AppState, Backend, Db},
    time::Timestamp,
};
use axum::Router;
use leptos::server_fn::ServerFn;
use tenant_voice::router;

mod common;
use common::{link_token, post, session_cookie, Timings};

const RESIDENTS: usize = 600;
const CONCURRENCY: usize = 32;

#[tokio::main]
async fn main() {
    println!("voting benchmark: {RESIDENTS} residents, 2 votes each, {CONCURRENCY} requests at a time, through the router");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        run(backend).await;
    }
}

async fn run(backend: Backend) {
    let (database, db) = common::fresh_database(backend).await;
    let (round, topics) = setup(&db).await;
    let app = router::build_app(AppState {
        db: db.clone(),
        leptos_options: router::leptos_options(
            std::path::Path::new("target/site"),
            "127.0.0.1:0".parse().unwrap(),
        ),
        base_url: "http://portal.test".into(),
        demo: false,
    });
    let cookies = sign_everyone_in(&app, &db).await;

    let mut requests = Vec::new();
    for (n, cookie) in cookies.iter().enumerate() {
        for topic in [topics[n % 3], topics[(n + 1) % 3]] {
            requests.push((
                n,
                cookie.clone(),
                format!("slug=bench-homes&round_id={round}&proposal_id={topic}&vote=true"),
            ));
        }
    }
    let timings = fire(&app, requests).await;
    let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM votes")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(counted as usize, RESIDENTS * 2, "every vote counted once");
    println!("{backend:?}: {}", timings.summary("votes"));
    db.pool().close().await;
    drop(database);
}

/// A landlord, its residents, and an open round on three topics.
async fn setup(db: &Db) -> (i64, Vec<i64>) {
    let organisation: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, summary, created_at) VALUES ('bench-homes', 'Bench Homes', '', 0) RETURNING id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let mut first = None;
    for n in 0..RESIDENTS {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, 0) RETURNING id",
        )
        .bind(format!("voter{n}@example.org"))
        .bind(format!("Voter {n}"))
        .fetch_one(db.pool())
        .await
        .unwrap();
        sqlx::query("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, 'resident', 0)")
            .bind(user)
            .bind(organisation)
            .execute(db.pool())
            .await
            .unwrap();
        first.get_or_insert(user);
    }
    let proposer = app::identity::Actor {
        user_id: first.unwrap(),
        organisation_id: organisation,
        source: "bench".into(),
    };
    let mut topics = Vec::new();
    for n in 0..3u8 {
        let text = app::scrutiny::ProposalText {
            title: format!("Topic {n}"),
            problem: "A problem.".into(),
            why_it_matters: "It matters.".into(),
        };
        let id = app::scrutiny::queries::propose(
            db,
            &proposer,
            &format!("{n:02x}").repeat(32),
            &text,
            "",
        )
        .await
        .unwrap();
        sqlx::query("UPDATE proposals SET status = 'put_forward' WHERE id = $1")
            .bind(id)
            .execute(db.pool())
            .await
            .unwrap();
        topics.push(id);
    }
    let now = Timestamp::now().millis();
    let round = app::scrutiny::queries::open_round(
        db,
        &proposer,
        "Bench round",
        (now - 1000, now + 3_600_000),
        2,
        false,
    )
    .await
    .unwrap();
    (round, topics)
}

/// Signs every resident in through the emailed link; returns their session cookies.
async fn sign_everyone_in(app: &Router, db: &Db) -> Vec<String> {
    for n in 0..RESIDENTS {
        let response = post(
            app,
            RequestSignInLink::PATH,
            n,
            None,
            format!("email=voter{n}%40example.org"),
        )
        .await;
        assert!(response.status().is_success());
    }
    let bodies: Vec<(String, String)> =
        sqlx::query_as("SELECT recipient, body_text FROM outbox ORDER BY id")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let mut cookies = vec![String::new(); RESIDENTS];
    for (recipient, body) in bodies {
        let n: usize = recipient
            .trim_start_matches("voter")
            .trim_end_matches("@example.org")
            .parse()
            .unwrap();
        let token = link_token(&body);
        let response = post(app, UseSignInLink::PATH, n, None, format!("token={token}")).await;
        cookies[n] = session_cookie(&response);
    }
    cookies
}

async fn fire(app: &Router, requests: Vec<(usize, String, String)>) -> Timings {
    let queue = Arc::new(tokio::sync::Mutex::new(requests));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let queue = queue.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let Some((n, cookie, body)) = queue.lock().await.pop() else {
                        break;
                    };
                    let start = Instant::now();
                    let response = post(&app, CastVote::PATH, n, Some(&cookie), body).await;
                    assert!(
                        response.status().is_success(),
                        "vote: {}",
                        response.status()
                    );
                    latencies.push(start.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    Timings::new(latencies, started.elapsed())
}

//! How fast the public performance pages are served, next to a static file
//! of the same size from the same server: requests per second and latency
//! percentiles, on SQLite and on PostgreSQL.
//!
//! The data is the demo set (22 measures and a local one, five years, two
//! landlords) with the charter grown to 30 commitments. Requests go through
//! the whole router in process, 16 at a time, so the static file pays for the
//! same middleware and only the page's own work differs.
//!
//! Run with `cargo bench -p tenant-voice --bench dashboard`. It prints
//! figures; it asserts nothing about speed.
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::state::{AppState, Backend};
use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use tenant_voice::{demo, router};
use tower::ServiceExt;

mod common;
use common::BenchDatabase;

const REQUESTS: usize = 2_000;
const CONCURRENCY: usize = 16;
const DASHBOARD: &str = "/landlords/brackenmoor-homes/performance";
const COMMITMENTS: &str = "/landlords/brackenmoor-homes/commitments";

#[tokio::main]
async fn main() {
    println!(
        "public pages benchmark: {REQUESTS} requests per page, {CONCURRENCY} at a time, through the router in process"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        run(backend).await;
    }
}

async fn run(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();
    let bench = BenchDatabase::create(backend, folder.path(), "dashboard").await;
    let db = bench.db.clone();
    demo::load(&db).await.unwrap();
    grow_charter_to_30(&db).await;

    // A site folder of its own, holding the static copy of the dashboard.
    let site = folder.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let app = router::build_app(AppState {
        db: db.clone(),
        leptos_options: router::leptos_options(&site, "127.0.0.1:0".parse().unwrap()),
        base_url: "http://portal.test".into(),
        demo: false,
    });
    let page = get(&app, DASHBOARD).await;
    std::fs::write(site.join("static-copy.html"), &page).unwrap();
    let commitments_size = get(&app, COMMITMENTS).await.len();

    println!(
        "{backend:?}: dashboard {} bytes, commitments page {commitments_size} bytes, {} figures, {} commitments",
        page.len(),
        count(&db, "SELECT COUNT(*) FROM figures").await,
        count(&db, "SELECT COUNT(*) FROM commitments c JOIN charters h ON h.id = c.charter_id JOIN organisations o ON o.id = h.organisation_id WHERE o.slug = 'brackenmoor-homes'").await,
    );
    for (name, path) in [
        ("dashboard", DASHBOARD),
        ("commitments", COMMITMENTS),
        ("static file of the dashboard's size", "/static-copy.html"),
    ] {
        let timings = fire(&app, path).await;
        println!("  {name}: {}", timings.summary());
    }

    bench.drop_database().await;
}

async fn count(db: &app::state::Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

/// The demo charter has six commitments; add a second charter of 24 so the
/// landlord has 30, each linked to two measures.
async fn grow_charter_to_30(db: &app::state::Db) {
    let (organisation_id, user_id): (i64, i64) = sqlx::query_as(
        "SELECT o.id, m.user_id FROM organisations o JOIN memberships m ON m.organisation_id = o.id \
         WHERE o.slug = 'brackenmoor-homes' AND m.role = 'landlord_staff'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let charter = app::charter::queries::create_charter(
        db,
        organisation_id,
        user_id,
        "Local service standards",
        "Our own standards, agreed with the tenant panel.",
        None,
        "bench",
    )
    .await
    .unwrap();
    let codes = app::performance::catalogue::TSMS;
    for n in 0..24 {
        let text = app::charter::CommitmentText {
            title: format!("Standard {}", n + 1),
            expectation: "We will answer your call within two minutes and fix what we promised, when we promised.".into(),
            responsible_team: "Customer services".into(),
            measure_codes: format!("{}, {}", codes[n % 22].code, codes[(n + 5) % 22].code),
        };
        app::charter::queries::add_commitment(
            db,
            organisation_id,
            charter,
            user_id,
            &text,
            "bench",
        )
        .await
        .unwrap();
    }
}

async fn get(app: &Router, path: &str) -> Vec<u8> {
    let request = Request::get(path)
        .header("host", "portal.test")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
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

struct Timings {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Timings {
    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }

    fn summary(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{:.0} requests/s, latency p50 {:.2} ms, p99 {:.2} ms",
            self.latencies.len() as f64 / self.elapsed.as_secs_f64(),
            ms(self.percentile(0.50)),
            ms(self.percentile(0.99)),
        )
    }
}

/// GETs `path` `REQUESTS` times, `CONCURRENCY` at a time, reading each body
/// in full; records each request's latency.
async fn fire(app: &Router, path: &'static str) -> Timings {
    // Warm up: the first requests fill caches and the connection pool.
    for _ in 0..20 {
        get(app, path).await;
    }
    let remaining = Arc::new(std::sync::atomic::AtomicUsize::new(REQUESTS));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let app = app.clone();
            let remaining = remaining.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while remaining
                    .fetch_update(
                        std::sync::atomic::Ordering::SeqCst,
                        std::sync::atomic::Ordering::SeqCst,
                        |n| n.checked_sub(1),
                    )
                    .is_ok()
                {
                    let start = Instant::now();
                    get(&app, path).await;
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
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Timings { latencies, elapsed }
}

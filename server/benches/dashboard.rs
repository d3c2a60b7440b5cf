//! How fast the public pages are served, next to a static file of the
//! same bytes from the same server: requests per second (as a ratio of the
//! static file's) and latency percentiles, on SQLite and on PostgreSQL.
//!
//! The data is the demo set (22 measures and a local one, five years, two
//! landlords) with the charter grown to 30 commitments. Pages measured: the
//! dashboard, the commitments page and a published annual review, each as a
//! signed-out visitor gets it (from the public page cache) and as it costs
//! when rendered every time (a visitor sending a cookie, which the cache
//! passes by). Each page's static twin is its own brotli bytes written under
//! `/pkg`, served pre-compressed by the same router. Every request asks for
//! `Accept-Encoding: br` and goes through the whole router in process,
//! `CONCURRENCY` at a time, so the static file pays for the same middleware
//! and only the page's own work differs.
//!
//! Run with `cargo bench -p tenant-voice --bench dashboard`. It prints
//! figures; it asserts nothing about speed.
// A benchmark stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::{sync::Arc, time::Instant};

use app::state::{AppState, Backend};
use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use tenant_voice::{demo, router};
use tower::ServiceExt;

mod common;
use common::{count, Timings};

const REQUESTS: usize = 4_000;
const CONCURRENCY: usize = 64;
const SLUG: &str = "brackenmoor-homes";

#[tokio::main]
async fn main() {
    println!(
        "public pages benchmark: {REQUESTS} requests per page, {CONCURRENCY} at a time, Accept-Encoding: br, through the router in process"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        run(backend).await;
    }
}

async fn run(backend: Backend) {
    let (database, db) = common::fresh_database(backend).await;
    let folder = tempfile::tempdir().unwrap();
    demo::load(&db).await.unwrap();
    grow_charter_to_30(&db).await;
    let (review_slug, year): (String, i64) = sqlx::query_as(
        "SELECT o.slug, a.year FROM annual_reviews a JOIN organisations o ON o.id = a.organisation_id \
         WHERE a.published_at IS NOT NULL ORDER BY a.year DESC LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();

    // A site folder of its own, holding the static twins.
    let site = folder.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    let app = router::build_app(AppState {
        db: db.clone(),
        leptos_options: router::leptos_options(&site, "127.0.0.1:0".parse().unwrap()),
        base_url: "http://portal.test".into(),
        demo: false,
    });
    println!(
        "{backend:?}: {} figures, {} commitments at {SLUG}",
        count(&db, "SELECT COUNT(*) FROM figures").await,
        count(&db, "SELECT COUNT(*) FROM commitments c JOIN charters h ON h.id = c.charter_id JOIN organisations o ON o.id = h.organisation_id WHERE o.slug = 'brackenmoor-homes'").await,
    );
    let pages = [
        ("dashboard", format!("/landlords/{SLUG}/performance")),
        ("commitments page", format!("/landlords/{SLUG}/commitments")),
        (
            "published annual review",
            format!("/landlords/{review_slug}/annual-reviews/{year}"),
        ),
    ];
    for (n, (name, path)) in pages.iter().enumerate() {
        // The page's brotli bytes as a visitor gets them, as a file.
        let (bytes, encoding) = get(&app, path, false).await;
        assert_eq!(encoding.as_deref(), Some("br"), "{path}");
        let twin = format!("page-{n}.html");
        std::fs::write(
            site.join("pkg").join(&twin),
            b"unused: the .br twin is served",
        )
        .unwrap();
        std::fs::write(site.join("pkg").join(format!("{twin}.br")), &bytes).unwrap();
        let twin = format!("/pkg/{twin}");
        let (twin_bytes, twin_encoding) = get(&app, &twin, false).await;
        assert_eq!(
            (twin_bytes.len(), twin_encoding.as_deref()),
            (bytes.len(), Some("br"))
        );

        let static_file = fire(&app, &twin, false).await;
        let cached = fire(&app, path, false).await;
        let rendered = fire(&app, path, true).await;
        println!("  {name}: {} bytes as sent (brotli)", bytes.len());
        println!(
            "    static file of the same bytes: {}",
            static_file.summary("requests")
        );
        println!(
            "    the page, signed out (page cache): {}; {:.0}% of the static file's requests/s",
            cached.summary("requests"),
            100.0 * cached.rate() / static_file.rate()
        );
        println!(
            "    the page, rendered every time:     {}; {:.0}% of the static file's requests/s",
            rendered.summary("requests"),
            100.0 * rendered.rate() / static_file.rate()
        );
    }

    db.pool().close().await;
    drop(database);
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
    let staff = app::identity::Actor {
        user_id,
        organisation_id,
        source: "bench".into(),
    };
    let charter = app::charter::queries::create_charter(
        db,
        &staff,
        "Local service standards",
        "Our own standards, agreed with the tenant panel.",
        None,
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
        app::charter::queries::add_commitment(db, &staff, charter, &text)
            .await
            .unwrap();
    }
}

/// One GET with `Accept-Encoding: br`; `cookie` sends a cookie of no
/// meaning, which the page cache passes by. The body as sent, and its
/// encoding.
async fn get(app: &Router, path: &str, cookie: bool) -> (Vec<u8>, Option<String>) {
    let mut request = Request::get(path)
        .header("host", "portal.test")
        .header("accept-encoding", "br");
    if cookie {
        request = request.header("cookie", "bench=1");
    }
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
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|value| value.to_str().unwrap().to_string());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (body.to_vec(), encoding)
}

/// GETs `path` `REQUESTS` times, `CONCURRENCY` at a time, reading each body
/// in full; records each request's latency.
async fn fire(app: &Router, path: &str, cookie: bool) -> Timings {
    // Warm up: the first requests fill caches and the connection pool.
    for _ in 0..50 {
        get(app, path, cookie).await;
    }
    let remaining = Arc::new(std::sync::atomic::AtomicUsize::new(REQUESTS));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let app = app.clone();
            let remaining = remaining.clone();
            let path = path.to_string();
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
                    get(&app, &path, cookie).await;
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

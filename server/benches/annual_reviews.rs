//! Annual reviews: how long saving a section's revision takes (straight on
//! top of the current revision, and merged with a change saved in between),
//! and how long the published review takes to render with 20 sections of
//! about 3,000 characters each (with the commitments' figures as charts and
//! tables, and the landlord's response to each section), and a section's
//! page, on SQLite and on PostgreSQL.
//!
//! Saves call the same function the server function calls (transaction,
//! merge, conditional update); pages go through the whole router.
//!
//! Run with `cargo bench -p tenant-voice --bench annual_reviews`. It prints
//! figures; it asserts only that every save made a revision.
// A benchmark stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::time::{Duration, Instant};

use app::{
    annual_reviews::queries,
    charter::queries::last_full_year,
    identity::session::load_user,
    landlords::queries::record,
    state::{AppState, Backend, Db},
};
use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use tenant_voice::router;
use tower::ServiceExt;

mod common;

const SAVES: usize = 300;
const PAGE_LOADS: usize = 300;

#[tokio::main]
async fn main() {
    println!("annual review benchmark: {SAVES} saves of each kind, {PAGE_LOADS} loads of each page, one at a time");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        run(backend).await;
    }
}

/// A section's text: `n` varies one paragraph so each save differs.
fn text(n: usize, paragraph: usize) -> String {
    (0..20)
        .map(|p| {
            if p == paragraph {
                format!("Paragraph {p}, version {n}: the panel checked the repairs records and spoke to residents on every estate.")
            } else {
                format!("Paragraph {p}: the panel checked the repairs records and spoke to residents on *every* estate, and the landlord's staff explained the figures.")
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn replace_paragraph(text: &str, index: usize, with: &str) -> String {
    let mut paragraphs: Vec<&str> = text.split("\n\n").collect();
    paragraphs[index] = with;
    paragraphs.join("\n\n")
}

fn summary(label: &str, mut latencies: Vec<Duration>, extra: &str) -> String {
    latencies.sort_unstable();
    let ms = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    format!(
        "  {label}: p50 {:.2} ms, p99 {:.2} ms{extra}",
        ms(0.5),
        ms(0.99)
    )
}

async fn run(backend: Backend) {
    let (database, db) = common::fresh_database(backend).await;
    let (year, sections, writer) = setup(&db).await;
    let landlord = record(&db, "bench-homes").await.unwrap();
    println!(
        "{backend:?} (sections of {} characters):",
        text(0, 99).chars().count()
    );

    // Straight saves: each from the current revision.
    let section = sections[0];
    let mut base = 1;
    let mut latencies = Vec::new();
    for n in 0..SAVES {
        let body = text(n, n % 20);
        let start = Instant::now();
        let saved = queries::revisions::save(&db, &landlord, year, section, &writer, base, &body)
            .await
            .unwrap();
        latencies.push(start.elapsed());
        base = match saved {
            queries::revisions::Saved::New(number) => number,
            other => panic!("expected a new revision, got {other:?}"),
        };
    }
    println!("{}", summary("saving a revision", latencies, ""));

    // Merged saves: someone else saved a change to another paragraph first.
    let section = sections[1];
    let mut latencies = Vec::new();
    let mut current = 1;
    for n in 0..SAVES {
        let base_body: String = sqlx::query_scalar(
            "SELECT body FROM section_revisions WHERE section_id = $1 AND number = $2",
        )
        .bind(section)
        .bind(current)
        .fetch_one(db.pool())
        .await
        .unwrap();
        let theirs = replace_paragraph(&base_body, 0, &format!("Paragraph 0, their version {n}."));
        let mine = replace_paragraph(&base_body, 11, &format!("Paragraph 11, my version {n}."));
        let after_theirs =
            queries::revisions::save(&db, &landlord, year, section, &writer, current, &theirs)
                .await
                .unwrap();
        let start = Instant::now();
        let saved =
            queries::revisions::save(&db, &landlord, year, section, &writer, current, &mine)
                .await
                .unwrap();
        latencies.push(start.elapsed());
        current = match saved {
            queries::revisions::Saved::Merged(number) => number,
            other => panic!("expected a merge after {after_theirs:?}, got {other:?}"),
        };
    }
    println!(
        "{}",
        summary("saving a revision merged with another", latencies, "")
    );

    // Pages, published so that anyone may read them, with the landlord's
    // response to every section.
    sqlx::query("UPDATE annual_reviews SET signed_off_at = 1, published_at = 1, response = 'We accept the review.'")
        .execute(db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE review_sections SET response = 'We agree, and will report on this at the June meeting.'")
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
    for (label, path) in [
        (
            "the published review, 20 sections with their figures and responses",
            format!("/landlords/bench-homes/annual-reviews/{year}"),
        ),
        (
            "a section's page, with its text",
            format!(
                "/landlords/bench-homes/annual-reviews/{year}/sections/{}",
                sections[2]
            ),
        ),
    ] {
        let (latencies, page) = load(&app, &path).await;
        let extra = format!(
            " ({} bytes, {} charts, {} tables)",
            page.len(),
            page.matches("<svg").count(),
            page.matches("<table").count()
        );
        println!("{}", summary(label, latencies, &extra));
    }
    let revisions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM section_revisions")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(
        revisions as usize,
        20 + 3 * SAVES,
        "every save made a revision"
    );
    db.pool().close().await;
    drop(database);
}

/// Loads the page `PAGE_LOADS` times; returns the times and the last page.
async fn load(app: &Router, path: &str) -> (Vec<Duration>, String) {
    let mut latencies = Vec::new();
    let mut page = String::new();
    for _ in 0..PAGE_LOADS {
        let request = Request::get(path)
            .header("host", "portal.test")
            .body(Body::empty())
            .unwrap();
        let start = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        latencies.push(start.elapsed());
        page = String::from_utf8_lossy(&bytes).into_owned();
    }
    (latencies, page)
}

/// A landlord with the NHF charter, a chair and a panel member, and a
/// review of 20 sections, each with a first revision of about 3,000
/// characters. Returns the year, the sections and the writer.
async fn setup(db: &Db) -> (i32, Vec<i64>, app::identity::CurrentUser) {
    let organisation: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, summary, created_at) VALUES ('bench-homes', 'Bench Homes', '', 0) RETURNING id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let mut people = Vec::new();
    for (n, role) in ["panel_chair", "panel_member"].into_iter().enumerate() {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, 0) RETURNING id",
        )
        .bind(format!("panel{n}@example.org"))
        .bind(format!("Panel {n}"))
        .fetch_one(db.pool())
        .await
        .unwrap();
        sqlx::query("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, $3, 0)")
            .bind(user)
            .bind(organisation)
            .bind(role)
            .execute(db.pool())
            .await
            .unwrap();
        people.push(user);
    }
    let chair = app::identity::Actor {
        user_id: people[0],
        organisation_id: organisation,
        source: "bench".into(),
    };
    app::charter::queries::adopt_template(db, &chair)
        .await
        .unwrap();
    let landlord = record(db, "bench-homes").await.unwrap();
    let year = last_full_year();
    // Results and targets for every measure the charter links, this year
    // and the year before, so each commitment's section has its figures.
    let linked: Vec<String> = sqlx::query_scalar("SELECT measure_codes FROM commitments")
        .fetch_all(db.pool())
        .await
        .unwrap();
    for code in linked
        .iter()
        .flat_map(|codes| codes.split(','))
        .map(str::trim)
    {
        for (figure_year, result) in [(year - 1, 70_500), (year, 74_000)] {
            sqlx::query(
                "INSERT INTO figures (organisation_id, measure_code, part, tenure, year, quarter, result, target, responses, updated_at) \
                 VALUES ($1, $2, '', 'lcra', $3, 0, $4, 75000, 1000, 0) ON CONFLICT DO NOTHING",
            )
            .bind(organisation)
            .bind(code)
            .bind(i64::from(figure_year))
            .bind(result)
            .execute(db.pool())
            .await
            .unwrap();
        }
    }
    queries::review::start(db, &landlord, year, &chair)
        .await
        .unwrap();
    for n in 0..10 {
        queries::sections::add_section(db, &landlord, year, &format!("Extra section {n}"))
            .await
            .unwrap();
    }
    let (writer, _) = load_user(db, people[1]).await.unwrap().unwrap();
    let sections: Vec<i64> = sqlx::query_scalar("SELECT id FROM review_sections ORDER BY position")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(sections.len(), 20);
    for &section in &sections {
        queries::revisions::save(db, &landlord, year, section, &writer, 0, &text(0, 99))
            .await
            .unwrap();
    }
    (year, sections, writer)
}

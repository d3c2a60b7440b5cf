//! What the benchmarks share: a throwaway database on either backend,
//! requests through the router from many addresses, signing in through the
//! emailed link, and latency figures.
// Each benchmark uses some of these.
#![allow(dead_code)]
use std::{net::SocketAddr, time::Duration};

use app::state::{Backend, Db};
use axum::{body::Body, extract::ConnectInfo, http::Request, response::Response, Router};
use tenant_voice::{database, sessions::COOKIE_NAME};
use tower::ServiceExt;

#[path = "../../tests/common/test_database.rs"]
mod test_database;
use test_database::TestDatabase;

/// A fresh, migrated database on `backend`, made as the tests make theirs;
/// it is deleted or dropped when the returned `TestDatabase` is.
pub async fn fresh_database(backend: Backend) -> (TestDatabase, Db) {
    let database = TestDatabase::create(backend).await;
    let db = database::connect(&database.url).await.unwrap();
    database::migrate(&db).await.unwrap();
    (database, db)
}

pub async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

/// The `n`th of many made-up client addresses, so rate limits per address
/// see many tenants rather than one.
pub fn address(n: usize) -> SocketAddr {
    format!("10.1.{}.{}:40000", n / 250, n % 250 + 1)
        .parse()
        .unwrap()
}

/// A form POST to `path` from address `n`, signed in with `cookie` if given.
pub async fn post(
    app: &Router,
    path: &str,
    n: usize,
    cookie: Option<&str>,
    body: String,
) -> Response {
    let mut request = Request::post(path)
        .header("host", "portal.test")
        .header("origin", "http://portal.test")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("{COOKIE_NAME}={cookie}"));
    }
    let mut request = request.body(Body::from(body)).unwrap();
    request.extensions_mut().insert(ConnectInfo(address(n)));
    app.clone().oneshot(request).await.unwrap()
}

/// The sign-in token in an emailed link's text.
pub fn link_token(mail: &str) -> String {
    mail.split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The session cookie a response sets.
pub fn session_cookie(response: &Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{COOKIE_NAME}=")))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string()
}

/// Latencies of a run and how long it took in all.
pub struct Timings {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

impl Timings {
    pub fn new(mut latencies: Vec<Duration>, elapsed: Duration) -> Timings {
        latencies.sort_unstable();
        Timings { latencies, elapsed }
    }

    pub fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }

    /// Requests (or votes, or saves) per second.
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// "N {unit}/s, latency p50 … ms, p99 … ms".
    pub fn summary(&self, unit: &str) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{:.0} {unit}/s, latency p50 {:.2} ms, p99 {:.2} ms",
            self.rate(),
            ms(self.percentile(0.50)),
            ms(self.percentile(0.99)),
        )
    }
}

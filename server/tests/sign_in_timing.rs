//! Figures, not a check: how long "email me a sign-in link" takes to answer
//! for addresses with an account and for addresses without one, on both
//! databases. If the two differ, the answer's timing tells who is registered.
//!
//! Run with `cargo test -p tenant-voice --test sign_in_timing -- --ignored --nocapture`.
//! It prints the median of 1,000 requests each; it asserts nothing about time.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use std::{net::SocketAddr, time::Instant};

use app::{accounts::sign_in::RequestSignInLink, state::Backend};
use axum::{body::Body, extract::ConnectInfo, http::Request};
use common::TestApp;
use leptos::server_fn::ServerFn;

const REQUESTS: usize = 1_000;

async fn medians(backend: Backend) -> (f64, f64) {
    let app = TestApp::start(backend).await;
    for n in 0..REQUESTS {
        app.add_person(
            &format!("Person {n}"),
            &format!("known{n}@example.org"),
            None,
        )
        .await;
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    // Alternating, so both kinds meet the same warm-up and the same load.
    for n in 0..REQUESTS {
        for (is_known, times) in [(true, &mut known), (false, &mut unknown)] {
            let email = if is_known {
                format!("known{n}%40example.org")
            } else {
                format!("unknown{n}%40example.org")
            };
            // Each from its own address, as many tenants would be, so no
            // rate limit is reached.
            let k = n * 2 + usize::from(is_known);
            let address: SocketAddr = format!("10.{}.{}.1:40000", k / 250, k % 250)
                .parse()
                .unwrap();
            let mut request = Request::post(RequestSignInLink::PATH)
                .header("host", common::HOST)
                .header("origin", format!("http://{}", common::HOST))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("email={email}")))
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(address));
            let started = Instant::now();
            let reply = app.send(request).await;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(reply.status < 400, "{} {}", reply.status, reply.body);
        }
    }
    (median(known), median(unknown))
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "prints figures; run on purpose"]
async fn sign_in_link_request_timings_for_known_and_unknown_addresses() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (known, unknown) = medians(backend).await;
        println!(
            "{backend:?}: median of {REQUESTS} sign-in link requests: known address {known:.3} ms, unknown address {unknown:.3} ms"
        );
    }
}

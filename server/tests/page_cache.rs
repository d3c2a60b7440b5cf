//! Public pages are served from the page cache until what they show
//! changes: every kind of change shows on the next request, on both
//! databases and across two app servers sharing PostgreSQL; signed-in
//! pages never leak into it; failures are never kept; its size is capped.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::{
    comments::PostComment,
    state::{AppState, Backend},
};
use axum::{body::Body, http::Request, Router};
use common::{Reply, Setup, TestApp};
use tenant_voice::{database, page_cache, router};
use tower::ServiceExt;

const SLUG: &str = "brackenmoor-homes";

/// A signed-out visitor's request.
async fn load(app: &TestApp, path: &str) -> Reply {
    app.visitor().get(path).await
}

fn cache_state(reply: &Reply) -> &str {
    reply.header(page_cache::CACHE_HEADER).unwrap_or("none")
}

/// Loads `path` twice signed out (the second from the cache), runs `change`,
/// and returns the first page and the one after the change, which must
/// have been rendered again.
async fn around<F, Fut>(app: &TestApp, path: &str, change: F) -> (String, String)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let first = load(app, path).await;
    assert_eq!(first.status, 200, "{path}: {}", first.body);
    let again = load(app, path).await;
    assert_eq!(
        cache_state(&again),
        "hit",
        "{path} was not served from the cache"
    );
    assert_eq!(again.body, first.body);
    change().await;
    let after = load(app, path).await;
    assert_eq!(after.status, 200, "{path}: {}", after.body);
    assert_eq!(
        cache_state(&after),
        "miss",
        "{path} was served stale after a change"
    );
    (first.body, after.body)
}

async fn exec(app: &TestApp, sql: impl AsRef<str>) {
    let sql = sql.as_ref();
    let done = sqlx::query(sql).execute(app.db.pool()).await.unwrap();
    assert!(done.rows_affected() > 0, "changed nothing: {sql}");
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

fn org() -> String {
    format!("(SELECT id FROM organisations WHERE slug = '{SLUG}')")
}

/// A comment posted through the app by a resident, as the form does.
async fn post_comment(app: &TestApp, proposal: i64, body: &str) {
    let mut aisha = app.signed_in("aisha.rahman@example.org").await;
    let subject = format!("proposal:{proposal}");
    let key = format!("{:064x}", rand_key(body));
    let reply = aisha
        .call::<PostComment>(&[
            ("slug", SLUG),
            ("subject", &subject),
            ("submission_key", &key),
            ("body", body),
        ])
        .await;
    assert!(reply.status < 400, "{} {}", reply.status, reply.body);
}

fn rand_key(text: &str) -> u128 {
    text.bytes().fold(0x9e37_79b9_7f4a_7c15u128, |h, b| {
        h.wrapping_mul(31).wrapping_add(b as u128)
    })
}

async fn a_proposal(app: &TestApp) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT MIN(id) FROM proposals WHERE organisation_id = {} AND status <> 'pending'",
            org()
        ),
    )
    .await
}

on_both_databases! {
    /// Each kind of change shows on the next signed-out request.
    async fn every_kind_of_change_shows_on_the_next_request(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let org = org();

        // The landlords' list: a landlord renamed.
        let (_, after) = around(&app, "/", || exec(&app, format!(
            "UPDATE organisations SET name = 'Renamed Marker Homes' WHERE id = {org}"))).await;
        assert!(after.contains("Renamed Marker Homes"));

        // New figures.
        let path = format!("/landlords/{SLUG}/performance");
        let (before, after) = around(&app, &path, || exec(&app, format!(
            "UPDATE figures SET result = result + 7 WHERE organisation_id = {org} AND result IS NOT NULL"))).await;
        assert_ne!(before, after, "new figures did not show");

        // A published report.
        let review = scalar(&app, &format!(
            "SELECT MIN(id) FROM scrutiny_reviews WHERE organisation_id = {org} AND published_at IS NOT NULL")).await;
        let path = format!("/landlords/{SLUG}/scrutiny/reviews/{review}");
        let (_, after) = around(&app, &path, || exec(&app, format!(
            "UPDATE scrutiny_reviews SET title = 'Marker report title' WHERE id = {review}"))).await;
        assert!(after.contains("Marker report title"));

        // The landlord's answer to a recommendation.
        let recommendation = scalar(&app, &format!(
            "SELECT MIN(id) FROM recommendations WHERE review_id = {review}")).await;
        let path = format!("/landlords/{SLUG}/scrutiny/recommendations/{recommendation}");
        let (before, after) = around(&app, &path, || exec(&app, format!(
            "UPDATE recommendations SET response = 'accepted', reason = 'Marker answer reason', \
             action = 'Marker answer action', responded_at = 1 WHERE id = {recommendation}"))).await;
        assert_ne!(before, after, "the answer did not show");

        // A comment, through the app; then its moderation.
        let proposal = a_proposal(&app).await;
        let path = format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}");
        let (_, after) = around(&app, &path, || post_comment(&app, proposal, "Marker comment body")).await;
        assert!(after.contains("Marker comment body"), "{after}");
        let (_, after) = around(&app, &path, || exec(&app,
            "UPDATE comments SET hidden_at = 1, hidden_reason = 'Off topic' WHERE body = 'Marker comment body'")).await;
        assert!(!after.contains("Marker comment body"));

        // A charter edit.
        let path = format!("/landlords/{SLUG}/commitments");
        let (_, after) = around(&app, &path, || exec(&app, format!(
            "UPDATE commitments SET title = 'Marker commitment title' WHERE id = \
             (SELECT MIN(m.id) FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE c.organisation_id = {org})"))).await;
        assert!(after.contains("Marker commitment title"), "{after}");

        // A published annual review (the demo has them at one landlord).
        let (slug, year): (String, i64) = sqlx::query_as(
            "SELECT o.slug, a.year FROM annual_reviews a JOIN organisations o ON o.id = a.organisation_id \
             ORDER BY a.published_at IS NULL, a.id LIMIT 1",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        let path = format!("/landlords/{slug}/annual-reviews/{year}");
        let (before, after) = around(&app, &path, || {
            exec(
                &app,
                format!(
                    "UPDATE annual_reviews SET published_at = COALESCE(published_at, 1) + 1, \
                     signed_off_at = COALESCE(signed_off_at, 1), response = 'Marker landlord response' \
                     WHERE year = {year} AND organisation_id = (SELECT id FROM organisations WHERE slug = '{slug}')"
                ),
            )
        })
        .await;
        assert_ne!(before, after, "the annual review change did not show");
        let path = format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}");

        // A person's new name, shown beside their comment (a site-wide change).
        let (_, after) = around(&app, &path, || {
            exec(
                &app,
                "UPDATE users SET display_name = 'Marker Renamed Person' WHERE email = 'aisha.rahman@example.org'",
            )
        })
        .await;
        assert!(after.contains("Marker Renamed Person"), "{after}");
    }

    /// Signing in and loading public pages never puts the person's page in
    /// the cache: a signed-out visitor then sees no name and no "Sign out".
    async fn signed_in_pages_never_reach_visitors(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let proposal = a_proposal(&app).await;
        let pages = [
            "/".to_string(),
            format!("/landlords/{SLUG}"),
            format!("/landlords/{SLUG}/scrutiny"),
            format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}"),
            format!("/landlords/{SLUG}/commitments"),
        ];
        // Someone whose name shows on no public page.
        app.add_person(
            "Zebedee Leakcheck",
            "zebedee@example.org",
            Some((SLUG, app::identity::Role::Resident)),
        )
        .await;
        let mut aisha = app.signed_in("zebedee@example.org").await;
        for page in &pages {
            for _ in 0..2 {
                let reply = aisha.get(page).await;
                assert_eq!(reply.status, 200, "{page}");
                assert!(reply.body.contains("Zebedee Leakcheck"), "{page} does not name the person");
                assert!(reply.body.contains("Sign out"), "{page}");
                assert_eq!(cache_state(&reply), "none", "{page}: a signed-in page went through the cache");
            }
        }
        for page in &pages {
            for _ in 0..2 {
                let reply = load(&app, page).await;
                assert_eq!(reply.status, 200, "{page}");
                assert!(!reply.body.contains("Zebedee Leakcheck"), "{page} leaked the name");
                assert!(!reply.body.contains("Sign out"), "{page} leaked the session");
                assert_ne!(cache_state(&reply), "none", "{page} is not cached");
            }
        }
        // And the other way round: a cached public page is not served to her.
        let reply = aisha.get(&pages[1]).await;
        assert!(reply.body.contains("Zebedee Leakcheck"));
        // A form shown again (its typed fields in a cookie, its error in the
        // query) is never taken from nor put in the cache.
        let reply = load(&app, &format!("{}?__err=abc", pages[1])).await;
        assert_eq!(cache_state(&reply), "none");
    }

    /// Pages that fail are never kept.
    async fn failing_pages_are_never_cached(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        for path in [
            "/landlords/no-such-landlord".to_string(),
            format!("/landlords/{SLUG}/scrutiny/proposals/999999"),
            format!("/landlords/{SLUG}/commitments/999999"),
        ] {
            for _ in 0..2 {
                let reply = load(&app, &path).await;
                assert!(reply.status >= 400, "{path}: {}", reply.status);
                assert_eq!(cache_state(&reply), "none", "{path} was cached");
            }
        }
        // The landlord made afterwards shows at once.
        let reply = load(&app, "/landlords/no-such-landlord").await;
        assert_eq!(reply.status, 404);
        app.add_landlord("no-such-landlord", "Now Such Landlord").await;
        let reply = load(&app, "/landlords/no-such-landlord").await;
        assert_eq!(reply.status, 200);
        assert!(reply.body.contains("Now Such Landlord"));
    }

    /// Query strings that do not change a page fill the cache only up to its cap.
    async fn query_strings_never_grow_the_cache_past_its_cap(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let cache = page_cache::PageCache::with_limits(app.db.clone(), 50, 4 * 1024 * 1024);
        let capped: Router = Router::new()
            .fallback_service(app.router.clone())
            .layer(axum::middleware::from_fn_with_state(cache.clone(), page_cache::serve));
        for n in 0..1000 {
            let request = Request::get(format!("/about?n={n}&utm_source=x{n}"))
                .body(Body::empty())
                .unwrap();
            let response = capped.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), 200);
            assert!(cache.len() <= 50, "{} entries", cache.len());
            assert!(cache.bytes() <= 4 * 1024 * 1024, "{} bytes", cache.bytes());
        }
        assert_eq!(cache.len(), 50);
        // The order of a query string does not make another entry.
        for query in ["a=1&b=2", "b=2&a=1"] {
            let request = Request::get(format!("/about?{query}")).body(Body::empty()).unwrap();
            capped.clone().oneshot(request).await.unwrap();
        }
        let hits = cache.hits();
        let request = Request::get("/about?b=2&a=1").body(Body::empty()).unwrap();
        capped.clone().oneshot(request).await.unwrap();
        assert_eq!(cache.hits(), hits + 1);
    }

    /// The stored page is sent compressed as the client accepts, with the
    /// same headers as a fresh render.
    async fn cached_pages_are_compressed_once_and_keep_their_headers(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let path = format!("/landlords/{SLUG}");
        let mut visitor = app.visitor();
        visitor.extra.push(("accept-encoding", "br".into()));
        let fresh = visitor.get(&path).await;
        let cached = visitor.get(&path).await;
        assert_eq!(cache_state(&cached), "hit");
        for reply in [&fresh, &cached] {
            assert_eq!(reply.header("content-encoding"), Some("br"));
            assert_eq!(reply.header("vary"), Some("accept-encoding"));
            assert!(reply.header("content-type").unwrap().starts_with("text/html"));
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
            assert_eq!(reply.header("x-frame-options"), Some("DENY"));
            let policy = reply.header("content-security-policy").unwrap();
            assert!(!policy.contains("nonce"), "{policy}");
            assert!(reply.header("set-cookie").is_none());
        }
        let plain = load(&app, &path).await;
        assert_eq!(cache_state(&plain), "hit");
        assert!(plain.header("content-encoding").is_none());
        assert!(plain.body.contains("Brackenmoor Homes"));
        assert!(!plain.body.contains("nonce="));
        let mut gzip = app.visitor();
        gzip.extra.push(("accept-encoding", "gzip".into()));
        assert_eq!(gzip.get(&path).await.header("content-encoding"), Some("gzip"));
    }
}

/// Two app servers over one PostgreSQL database: a change through server A
/// shows on server B's next request, though B had the page cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_server_shows_on_another() {
    let app = TestApp::start_with(Backend::Postgres, Setup::demo_data()).await;
    let db = database::connect(app.url()).await.unwrap();
    let other: Router = router::build_app(AppState {
        db,
        leptos_options: router::leptos_options(
            std::path::Path::new("target/site"),
            "127.0.0.1:0".parse().unwrap(),
        ),
        base_url: "http://portal.test".into(),
        demo: false,
    });
    let on_b = |path: String| {
        let other = other.clone();
        async move {
            let response = other
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let state = response
                .headers()
                .get(page_cache::CACHE_HEADER)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (state, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let proposal = a_proposal(&app).await;
    let path = format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}");
    assert_eq!(on_b(path.clone()).await.0, "miss");
    assert_eq!(on_b(path.clone()).await.0, "hit");
    // On server A, through the app.
    post_comment(&app, proposal, "Marker from server A").await;
    let (state, body) = on_b(path.clone()).await;
    assert_eq!(state, "miss");
    assert!(body.contains("Marker from server A"));
    // A's own cache, filled before, sees it too; and a change on A's
    // landlords list shows on B.
    assert_eq!(on_b("/".into()).await.0, "miss");
    assert_eq!(on_b("/".into()).await.0, "hit");
    exec(
        &app,
        format!("UPDATE organisations SET name = 'Renamed On A' WHERE slug = '{SLUG}'"),
    )
    .await;
    let (state, body) = on_b("/".into()).await;
    assert_eq!(state, "miss");
    assert!(body.contains("Renamed On A"));
}

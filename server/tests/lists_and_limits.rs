//! Long lists come a page at a time, writers anyone can repeat are limited,
//! and behind a proxy each client is counted (and logged) as itself.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
#[macro_use]
mod common;

use app::accounts::sign_in::{RequestSignInLink, UseSignInLink};
use app::state::Backend;
use common::{
    cast::{Member, ADA, CATH, NORA, RITA, SLUG},
    Setup, TestApp, Visitor,
};

const PROXY: &str = "10.0.0.1";

async fn behind_proxy(backend: Backend) -> TestApp {
    let app = TestApp::start_with(
        backend,
        Setup {
            trusted_proxies: "10.0.0.0/8",
            ..Setup::default()
        },
    )
    .await;
    app.add_person("Vera Victim", "vera@example.org", None)
        .await;
    app
}

/// A visitor whose connection comes from `peer`, saying it forwards for
/// `forwarded_for` (if anything).
fn from<'a>(app: &'a TestApp, peer: &str, forwarded_for: Option<&str>) -> Visitor<'a> {
    let mut visitor = app.visitor();
    let ip: std::net::IpAddr = peer.parse().unwrap();
    visitor.peer = Some(std::net::SocketAddr::new(ip, 40_000));
    if let Some(forwarded) = forwarded_for {
        visitor
            .extra
            .push(("x-forwarded-for", forwarded.to_string()));
    }
    visitor
}

async fn buckets(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT bucket FROM rate_limits ORDER BY bucket")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn ask_link(visitor: &mut Visitor<'_>, email: &str) -> u16 {
    visitor
        .call::<RequestSignInLink>(&[("email", email)])
        .await
        .status
}

on_both_databases! {
    /// Anyone can write X-Forwarded-For: from a connection that is not a
    /// trusted proxy it changes nothing.
    async fn a_forwarded_address_from_an_untrusted_connection_is_ignored(backend: Backend) {
        let app = behind_proxy(backend).await;
        let mut visitor = from(&app, "198.51.100.7", Some("203.0.113.5"));
        assert_eq!(ask_link(&mut visitor, "vera@example.org").await, 200);
        let buckets = buckets(&app).await;
        assert!(buckets.iter().any(|b| b.contains("198.51.100.7")), "{buckets:?}");
        assert!(!buckets.iter().any(|b| b.contains("203.0.113.5")), "{buckets:?}");
        let sources: Vec<String> = sqlx::query_scalar("SELECT source FROM audit_log")
            .fetch_all(app.db.pool()).await.unwrap();
        assert!(sources.iter().all(|s| s == "198.51.100.7"), "{sources:?}");
    }

    /// Through the proxy, the client is the rightmost address the proxy did
    /// not add itself; that is the address limited and logged.
    async fn a_trusted_proxy_names_the_client_for_limits_and_the_audit_log(backend: Backend) {
        let app = behind_proxy(backend).await;
        // The client invented 6.6.6.6; the proxy appended the real address.
        let mut visitor = from(&app, PROXY, Some("6.6.6.6, 203.0.113.5"));
        assert_eq!(ask_link(&mut visitor, "vera@example.org").await, 200);
        let buckets = buckets(&app).await;
        assert!(buckets.iter().any(|b| b.contains("203.0.113.5")), "{buckets:?}");
        assert!(!buckets.iter().any(|b| b.contains(PROXY) || b.contains("6.6.6.6")), "{buckets:?}");
        let link = app.emailed_link("vera@example.org", "/sign-in/link?token=").await;
        let token = link.rsplit('=').next().unwrap().to_string();
        assert!(visitor.call::<UseSignInLink>(&[("token", &token)]).await.status < 400);
        let sources: Vec<String> = sqlx::query_scalar("SELECT source FROM audit_log ORDER BY id")
            .fetch_all(app.db.pool()).await.unwrap();
        assert!(!sources.is_empty());
        assert!(sources.iter().all(|s| s == "203.0.113.5"), "{sources:?}");
    }

    /// One IPv6 client usually holds a whole /64: two of its addresses
    /// count as one, and a neighbouring /64 is someone else.
    async fn two_ipv6_addresses_in_one_64_share_a_bucket(backend: Backend) {
        let app = behind_proxy(backend).await;
        for _ in 0..5 {
            let mut visitor = from(&app, "2001:db8:1:2::a", None);
            assert_eq!(ask_link(&mut visitor, "vera@example.org").await, 200);
        }
        let mut same_64 = from(&app, "2001:db8:1:2:ffff::b", None);
        assert_eq!(ask_link(&mut same_64, "vera@example.org").await, 429);
        let mut next_64 = from(&app, "2001:db8:1:3::a", None);
        assert_eq!(ask_link(&mut next_64, "vera@example.org").await, 200);
        // Forwarded IPv6 addresses are grouped the same way.
        let mut forwarded = from(&app, PROXY, Some("2001:db8:1:2:1234::c"));
        assert_eq!(ask_link(&mut forwarded, "vera@example.org").await, 429);
    }

    /// Someone asking for Vera's link again and again, from elsewhere,
    /// uses up only their own allowance: Vera can still ask from her own
    /// address, and a link she was sent still works.
    async fn someone_else_asking_for_your_link_does_not_lock_you_out(backend: Backend) {
        let app = behind_proxy(backend).await;
        let mut vera = from(&app, PROXY, Some("203.0.113.20"));
        assert_eq!(ask_link(&mut vera, "vera@example.org").await, 200);
        let earlier_link = app.emailed_link("vera@example.org", "/sign-in/link?token=").await;
        let mut attacker = from(&app, PROXY, Some("198.51.100.66"));
        let mut refused = false;
        for _ in 0..20 {
            refused |= ask_link(&mut attacker, "vera@example.org").await == 429;
        }
        assert!(refused, "the attacker is limited");
        let mails_before = app.outbox().await.len();
        assert_eq!(ask_link(&mut vera, "vera@example.org").await, 200);
        assert_eq!(app.outbox().await.len(), mails_before + 1, "Vera is sent her link");
        // The link sent before the flood still signs her in.
        let token = earlier_link.rsplit('=').next().unwrap().to_string();
        let reply = vera.call::<UseSignInLink>(&[("token", &token)]).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.body);
        assert!(vera.cookie.is_some());
    }
}

/// The people these stories need, from the one cast.
const PEOPLE: &[Member] = &[RITA, CATH, ADA, NORA];

/// Test Homes with a resident, a chair and an administrator; returns the
/// portal, the landlord's id and Rita's.
async fn landlord(backend: Backend) -> (TestApp, i64, i64) {
    let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
    let landlord = app
        .count(&format!(
            "SELECT id FROM organisations WHERE slug = '{SLUG}'"
        ))
        .await;
    let rita = app
        .count(&format!(
            "SELECT id FROM users WHERE email = '{}'",
            RITA.email
        ))
        .await;
    (app, landlord, rita)
}

fn key(n: usize) -> String {
    format!("{:064x}", n + 1)
}

/// `count` proposals, oldest first, titled "Topic 000" and on.
async fn seed_proposals(app: &TestApp, landlord: i64, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO proposals (organisation_id, title, problem, why_it_matters, created_at, submission_key) \
             VALUES ($1, $2, 'p', 'w', $3, $4) RETURNING id",
        )
        .bind(landlord).bind(format!("Topic {n:03}")).bind(1_000 + n as i64).bind(key(n))
        .fetch_one(app.db.pool()).await.unwrap();
        ids.push(id);
    }
    ids
}

async fn seed_comment(
    app: &TestApp,
    landlord: i64,
    proposal: i64,
    parent: Option<i64>,
    author: i64,
    n: usize,
    body: &str,
) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO comments (organisation_id, subject_kind, subject_id, parent_id, author_id, body, created_at, submission_key) \
         VALUES ($1, 'proposal', $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(landlord).bind(proposal).bind(parent).bind(author).bind(body).bind(2_000 + n as i64).bind(format!("c{}", key(n)))
    .fetch_one(app.db.pool()).await.unwrap()
}

/// Each of `labels` is on exactly one of the two pages.
fn each_once(first: &str, second: &str, labels: &[String]) {
    for label in labels {
        let on = [first, second]
            .iter()
            .filter(|page| page.contains(label.as_str()))
            .count();
        assert_eq!(on, 1, "{label} should be on exactly one page");
    }
}

on_both_databases! {
    async fn proposed_topics_come_fifty_to_a_page(backend: Backend) {
        let (app, landlord, _) = landlord(backend).await;
        seed_proposals(&app, landlord, 53).await;
        let mut visitor = app.visitor();
        let first = visitor.get(&format!("/landlords/{SLUG}/scrutiny")).await;
        assert_eq!(first.status, 200);
        assert!(first.body.contains("Showing 1 to 50 of 53"), "{}", first.body);
        assert!(first.body.contains("Topic 052") && !first.body.contains("Topic 002"), "newest first");
        assert!(first.body.contains("scrutiny?page=2"), "a Next page link");
        let second = visitor.get(&format!("/landlords/{SLUG}/scrutiny?page=2")).await.body;
        assert!(second.contains("Showing 51 to 53 of 53"), "{second}");
        let labels: Vec<String> = (0..53).map(|n| format!("Topic {n:03}")).collect();
        each_once(&first.body, &second, &labels);
    }

    async fn a_long_conversation_comes_fifty_comments_to_a_page_with_their_replies(backend: Backend) {
        let (app, landlord, rita) = landlord(backend).await;
        let proposal = seed_proposals(&app, landlord, 1).await[0];
        let mut first_comment = None;
        for n in 0..55 {
            let id = seed_comment(&app, landlord, proposal, None, rita, n, &format!("Comment number {n:03}")).await;
            first_comment.get_or_insert(id);
        }
        seed_comment(&app, landlord, proposal, first_comment, rita, 900, "A reply to the first").await;
        let path = format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}");
        let mut visitor = app.visitor();
        let first = visitor.get(&path).await;
        assert_eq!(first.status, 200);
        assert!(first.body.contains("56 comments"), "every comment and reply counted");
        assert!(first.body.contains("A reply to the first"), "replies stay with their comment");
        assert!(first.body.contains("comments_page=2"), "a Next page link");
        let second = visitor.get(&format!("{path}?comments_page=2")).await.body;
        assert!(second.contains("Comment number 054") && !second.contains("A reply to the first"));
        let labels: Vec<String> = (0..55).map(|n| format!("Comment number {n:03}")).collect();
        each_once(&first.body, &second, &labels);
    }

    async fn the_moderators_list_of_reported_comments_is_paged(backend: Backend) {
        let (app, landlord, rita) = landlord(backend).await;
        let proposal = seed_proposals(&app, landlord, 1).await[0];
        for n in 0..52 {
            let id = seed_comment(&app, landlord, proposal, None, rita, n, &format!("Reported remark {n:03}")).await;
            sqlx::query("INSERT INTO comment_reports (comment_id, user_id, reason, created_at) VALUES ($1, $2, 'rude', $3)")
                .bind(id).bind(rita).bind(5_000 + n as i64).execute(app.db.pool()).await.unwrap();
        }
        let mut chair = app.signed_in("chair@example.org").await;
        let path = format!("/landlords/{SLUG}/comments/reported");
        let first = chair.get(&path).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert!(first.body.contains("Showing 1 to 50 of 52 reported comments"), "{}", first.body);
        let second = chair.get(&format!("{path}?page=2&hidden_page=1")).await.body;
        let labels: Vec<String> = (0..52).map(|n| format!("Reported remark {n:03}")).collect();
        each_once(&first.body, &second, &labels);
    }

    async fn the_audit_log_is_paged_newest_first(backend: Backend) {
        let (app, landlord, _) = landlord(backend).await;
        for n in 0..60 {
            sqlx::query("INSERT INTO audit_log (occurred_at, organisation_id, action, subject, source) VALUES ($1, $2, 'test_event', $3, 'x')")
                .bind(10_000 + n as i64).bind(landlord).bind(format!("event-{n:03}")).execute(app.db.pool()).await.unwrap();
        }
        let mut ada = app.signed_in("ada@example.org").await;
        let path = format!("/landlords/{SLUG}/audit");
        let first = ada.get(&path).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert!(first.body.contains("event-059") && !first.body.contains("event-009"), "newest first");
        assert!(first.body.contains("audit?page=2"));
        let second = ada.get(&format!("{path}?page=2")).await.body;
        let labels: Vec<String> = (0..60).map(|n| format!("event-{n:03}")).collect();
        each_once(&first.body, &second, &labels);
    }

    /// Proposals are limited per person; a browser without JavaScript is
    /// told plainly and keeps what was typed.
    async fn proposing_again_and_again_is_refused_and_the_text_is_kept(backend: Backend) {
        use app::scrutiny::Propose;
        let (app, _, _) = landlord(backend).await;
        let mut rita = app.signed_in("rita@example.org").await;
        let fields = |n: usize, title: &str| vec![
            ("slug", SLUG.to_string()), ("submission_key", key(n)), ("title", title.to_string()),
            ("problem", "Repairs take weeks.".to_string()), ("why_it_matters", "Mould.".to_string()),
            ("concerns", String::new()),
        ];
        for n in 0..10 {
            let reply = rita.call::<Propose>(&common::pairs(&fields(n, &format!("Idea {n}")))).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        let refused = rita.call::<Propose>(&common::pairs(&fields(10, "One too many"))).await;
        assert_eq!(refused.status, 429, "{}", refused.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM proposals").await, 10, "nothing written");
        let mut browser = app.browser_without_javascript();
        browser.cookie = rita.cookie.clone();
        browser.on_page = format!("/landlords/{SLUG}/scrutiny/propose");
        let reply = browser.call::<Propose>(&common::pairs(&fields(11, "Bins left for a week"))).await;
        let location = reply.header("location").unwrap().trim_start_matches("http://portal.test").to_string();
        let page = browser.get(&location).await;
        assert!(page.body.contains("Too many attempts"), "{}", page.body);
        assert!(page.body.contains("Bins left for a week"), "the typed title is kept");
    }

    async fn reporting_comments_again_and_again_is_refused(backend: Backend) {
        use app::comments::ReportComment;
        let (app, landlord, rita) = landlord(backend).await;
        let proposal = seed_proposals(&app, landlord, 1).await[0];
        let ada: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.org'")
            .fetch_one(app.db.pool()).await.unwrap();
        let mut ids = Vec::new();
        for n in 0..21 {
            ids.push(seed_comment(&app, landlord, proposal, None, ada, n, "A remark").await);
        }
        let _ = rita;
        let mut rita = app.signed_in("rita@example.org").await;
        for (n, id) in ids.iter().enumerate() {
            let id = id.to_string();
            let reply = rita.call::<ReportComment>(&[("slug", SLUG), ("id", &id), ("reason", "Rude")]).await;
            let expected = if n < 20 { 200 } else { 429 };
            assert_eq!(reply.status, expected, "report {n}: {}", reply.body);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM comment_reports").await, 20);
    }

    async fn asking_to_join_again_and_again_is_refused(backend: Backend) {
        use app::accounts::joining::RequestToJoin;
        let (app, _, _) = landlord(backend).await;
        let mut nora = app.signed_in("nora@example.org").await;
        for n in 0..6 {
            let reply = nora.call::<RequestToJoin>(&[("slug", SLUG), ("tenancy_reference", "TH-1001")]).await;
            if n < 5 {
                assert_ne!(reply.status, 429, "request {n}: {}", reply.body);
            } else {
                assert_eq!(reply.status, 429, "{}", reply.body);
            }
        }
    }
}

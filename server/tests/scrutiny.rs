//! Scrutiny through HTTP on the real router, on SQLite and PostgreSQL:
//! proposing, supporting, screening, opening a vote, voting and changing a
//! vote, closing and choosing, who may do each, many voters at once, and
//! the running totals staying equal to a count of the votes.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::{
    identity::Role,
    scrutiny::{
        queries,
        reviews::{
            AddEvidence, AddProgress, AddRecommendation, AnswerRecommendation, PublishReport,
            SaveReviewText, SetResponseWeeks, StartReview,
        },
        CastVote, DecideRound, OpenRound, Propose, ScreenProposal, SupportProposal,
    },
    state::Backend,
    time::Timestamp,
};
use axum::{body::Body, extract::ConnectInfo, http::Request, Router};
use common::{
    cast::{key, open_vote, propose, uk_days, Member, CATH, NORA, OTTO, PAT, RITA, ROB, SLUG},
    pairs, Setup, TestApp, Visitor,
};
use http_body_util::BodyExt;
use leptos::server_fn::ServerFn;
use tower::ServiceExt;

/// The topics the votes in these stories are on.
const TOPICS: [&str; 3] = [
    "Damp and mould",
    "Communal cleaning",
    "Anti-social behaviour",
];

/// The people these stories need, from the one cast.
const PEOPLE: &[Member] = &[RITA, ROB, PAT, CATH, NORA, OTTO];

fn proposal_fields(title: &str, problem: &str, concerns: &str) -> Vec<(&'static str, String)> {
    vec![
        ("slug", SLUG.to_string()),
        ("submission_key", key(9)),
        ("title", title.to_string()),
        ("problem", problem.to_string()),
        ("why_it_matters", "Because".to_string()),
        ("concerns", concerns.to_string()),
    ]
}

async fn screen(visitor: &mut Visitor<'_>, id: i64, fields: &[(&str, &str)]) -> common::Reply {
    let id = id.to_string();
    let mut all = vec![("slug", SLUG), ("id", id.as_str())];
    all.extend_from_slice(fields);
    visitor.call::<ScreenProposal>(&all).await
}

async fn status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// A second report with one recommendation, published; returns its id.
async fn pat_adds_and_publishes(
    app: &TestApp,
    pat: &mut Visitor<'_>,
    chair: &mut Visitor<'_>,
) -> i64 {
    let reply = pat
        .call::<StartReview>(&[("slug", SLUG), ("title", "Cleaning")])
        .await;
    let review = reply
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    pat.call::<AddRecommendation>(&[("slug", SLUG), ("id", &review), ("text", "Clean weekly.")])
        .await;
    assert_eq!(
        chair
            .call::<PublishReport>(&[("slug", SLUG), ("id", &review)])
            .await
            .status,
        200
    );
    let _ = app;
    review.parse().unwrap()
}

async fn cast(visitor: &mut Visitor<'_>, round: i64, topic: i64, vote: bool) -> common::Reply {
    let (round, topic) = (round.to_string(), topic.to_string());
    visitor
        .call::<CastVote>(&[
            ("slug", SLUG),
            ("round_id", &round),
            ("proposal_id", &topic),
            ("vote", if vote { "true" } else { "false" }),
        ])
        .await
}

/// Checks every running total of the round against a count of the votes
/// themselves, and returns the votes per topic and the number who voted.
async fn tallies_match_a_recount(app: &TestApp, round: i64) -> (Vec<(i64, i64)>, i64) {
    let pool = app.db.pool();
    let tallied: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT proposal_id, votes FROM topic_tallies WHERE round_id = $1 ORDER BY proposal_id",
    )
    .bind(round)
    .fetch_all(pool)
    .await
    .unwrap();
    let counted: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT t.proposal_id, (SELECT COUNT(*) FROM votes v WHERE v.round_id = t.round_id AND v.proposal_id = t.proposal_id) \
         FROM round_topics t WHERE t.round_id = $1 ORDER BY t.proposal_id",
    )
    .bind(round)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(tallied, counted, "votes per topic");
    let voters: i64 = sqlx::query_scalar("SELECT voters FROM round_tallies WHERE round_id = $1")
        .bind(round)
        .fetch_one(pool)
        .await
        .unwrap();
    let distinct = app
        .count(&format!(
            "SELECT COUNT(DISTINCT user_id) FROM votes WHERE round_id = {round}"
        ))
        .await;
    let ballots = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballots WHERE round_id = {round} AND votes_used > 0"
        ))
        .await;
    assert_eq!((voters, voters), (distinct, ballots), "residents who voted");
    let wrong_ballots = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballots b WHERE b.round_id = {round} AND b.votes_used <> \
             (SELECT COUNT(*) FROM votes v WHERE v.round_id = b.round_id AND v.user_id = b.user_id)"
        ))
        .await;
    assert_eq!(wrong_ballots, 0, "each ballot's votes used");
    (counted, voters)
}

/// Signs resident `n` in through the emailed link, from an address of its
/// own (as a crowd of phones would be), and returns the session cookie.
async fn sign_in_from(app: &TestApp, email: &str, n: usize) -> String {
    use app::accounts::sign_in::{RequestSignInLink, UseSignInLink};
    let body = format!("email={}", email.replace('@', "%40"));
    let status = post_from(&app.router, None, n, RequestSignInLink::PATH, body)
        .await
        .0;
    assert!(status < 400, "asking for a link: {status}");
    let link = app.emailed_link(email, "/sign-in/link?token=").await;
    let token = link.rsplit('=').next().unwrap();
    let (status, cookie) = post_from(
        &app.router,
        None,
        n,
        UseSignInLink::PATH,
        format!("token={token}"),
    )
    .await;
    assert!(status < 400, "using the link: {status}");
    cookie.expect("a session cookie")
}

/// A form post as the app's JavaScript sends it, from address `n`; returns
/// the status and any new session cookie.
async fn post_from(
    router: &Router,
    cookie: Option<&str>,
    n: usize,
    path: &str,
    body: String,
) -> (u16, Option<String>) {
    let name = tenant_voice::sessions::COOKIE_NAME;
    let mut request = Request::post(path)
        .header("host", common::HOST)
        .header("origin", format!("http://{}", common::HOST))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("{name}={cookie}"));
    }
    let mut request = request.body(Body::from(body)).unwrap();
    let address: std::net::SocketAddr = format!("10.9.{}.{}:40000", n / 250, n % 250 + 1)
        .parse()
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let _ = response.into_body().collect().await;
    (status, cookie)
}

async fn votes_for(app: &TestApp, topic: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM votes WHERE proposal_id = $1")
        .bind(topic)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

on_both_databases! {
    async fn residents_propose_once_and_others_may_not(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut rita = app.signed_in("rita@example.org").await;
        let id = propose(&mut rita, 1, "Damp <script>alert(1)</script> and mould").await;
        // The same form posted again (a double click, a retry) makes no second proposal.
        assert_eq!(propose(&mut rita, 1, "Damp <script>alert(1)</script> and mould").await, id);
        assert_eq!(app.count("SELECT COUNT(*) FROM proposals").await, 1);

        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Damp &lt;script&gt;alert(1)&lt;/script&gt; and mould"), "{}", page.body);
        let breakout = propose(&mut rita, 7, "</title><script>alert(2)</script>").await;
        let probe = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{breakout}")).await;
        // Not even in the page title, where the server writes text unescaped.
        assert!(!probe.body.contains("<script>alert(2)"), "{}", probe.body);
        assert!(probe.body.contains("<title>\u{2039}/title\u{203a}\u{2039}script\u{203a}alert(2)"), "{}", probe.body);
        assert!(!page.body.contains("<script>alert(1)"));
        assert!(page.body.contains("Waiting for the panel"));
        assert!(page.body.contains("1 resident supports this proposal."));
        let list = app.get(&format!("/landlords/{SLUG}/scrutiny")).await;
        assert!(list.body.contains("and mould"), "{}", list.body);

        let long = "x".repeat(4001);
        for (title, problem, concerns, field) in [
            ("", "Problem", "", "title"),
            ("Title", "   ", "", "problem"),
            ("Title", long.as_str(), "", "problem"),
            ("Title", "Problem", "measure:XX99", "concerns"),
        ] {
            let fields = proposal_fields(title, problem, concerns);
            let reply = rita.call::<Propose>(&pairs(&fields)).await;
            assert_eq!(reply.status, 422, "{field}: {}", reply.body);
            assert!(reply.body.contains(field), "{}", reply.body);
        }
        let fields = proposal_fields("Title", "Problem", "");
        assert_eq!(app.visitor().call::<Propose>(&pairs(&fields)).await.status, 401);
        let reply = app.signed_in("nora@example.org").await.call::<Propose>(&pairs(&fields)).await;
        assert_eq!(reply.status, 403, "not yet a verified resident");
        let reply = app.signed_in("otto@example.org").await.call::<Propose>(&pairs(&fields)).await;
        assert_eq!(reply.status, 403, "another landlord's resident");
        assert_eq!(app.count("SELECT COUNT(*) FROM proposals").await, 2, "the first and the title probe");
    }

    async fn the_panel_screens_and_the_proposer_is_told(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut rita = app.signed_in("rita@example.org").await;
        let damp = propose(&mut rita, 1, "Damp").await;
        let mould = propose(&mut rita, 2, "Mould").await;
        let bins = propose(&mut rita, 3, "Bins").await;
        let mut rob = app.signed_in("rob@example.org").await;
        let reply = rob.call::<SupportProposal>(&[("slug", SLUG), ("id", &mould.to_string()), ("support", "true")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // Supporting twice counts once.
        rob.call::<SupportProposal>(&[("slug", SLUG), ("id", &mould.to_string()), ("support", "true")]).await;
        rob.call::<SupportProposal>(&[("slug", SLUG), ("id", &damp.to_string()), ("support", "true")]).await;

        assert_eq!(screen(&mut rob, damp, &[("decision", "put_forward")]).await.status, 403, "residents do not screen");
        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(screen(&mut pat, damp, &[("decision", "put_forward")]).await.status, 200);
        assert_eq!(status(&app, damp).await, "put_forward");

        // Merging carries supporters over; Rob backed both and counts once.
        let reply = screen(&mut pat, mould, &[("decision", "merge"), ("merge_into", &damp.to_string())]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(status(&app, mould).await, "merged");
        let supporters = app.count(&format!("SELECT COUNT(*) FROM proposal_supporters WHERE proposal_id = {damp}")).await;
        assert_eq!(supporters, 2, "Rita and Rob");

        let reply = screen(&mut pat, bins, &[("decision", "decline"), ("reason", "  ")]).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        let reply = screen(&mut pat, bins, &[("decision", "decline"), ("reason", "The council collects bins, not the landlord.")]).await;
        assert_eq!(reply.status, 200);
        let reply = screen(&mut pat, bins, &[("decision", "put_forward")]).await;
        assert_eq!(reply.status, 409, "already decided: {}", reply.body);

        let outbox = app.outbox().await;
        let to_rita: Vec<_> = outbox.iter().filter(|(to, subject, _)| to == "rita@example.org" && subject.starts_with("Your proposal")).collect();
        assert_eq!(to_rita.len(), 3, "{outbox:?}");
        assert!(to_rita.iter().any(|(_, _, body)| body.contains("put it forward for the next vote")));
        assert!(to_rita.iter().any(|(_, _, body)| body.contains("merged yours into it")));
        assert!(to_rita.iter().any(|(_, _, body)| body.contains("The council collects bins, not the landlord.")));
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{bins}")).await;
        assert!(page.body.contains("The council collects bins, not the landlord."));
    }

    async fn the_chair_opens_a_vote_on_what_was_put_forward(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut rita = app.signed_in("rita@example.org").await;
        let only = propose(&mut rita, 1, "Damp").await;
        let mut pat = app.signed_in("pat@example.org").await;
        screen(&mut pat, only, &[("decision", "put_forward")]).await;
        let (opens, closes) = uk_days(0, 7);
        let mut chair = app.signed_in("chair@example.org").await;
        let fields = |opens: &str, closes: &str, votes: &str| {
            vec![("slug", SLUG.to_string()), ("title", "Spring".to_string()), ("opens_on", opens.to_string()),
                 ("closes_on", closes.to_string()), ("votes_per_resident", votes.to_string())]
        };
        let reply = chair.call::<OpenRound>(&pairs(&fields(&opens, &closes, "1"))).await;
        assert_eq!(reply.status, 422, "one topic is not a vote: {}", reply.body);

        let second = propose(&mut rita, 2, "Mould").await;
        screen(&mut pat, second, &[("decision", "put_forward")]).await;
        let (yesterday, _) = uk_days(-1, 0);
        for (opens, closes, votes, field) in [
            (yesterday.as_str(), closes.as_str(), "1", "opens_on"),
            (opens.as_str(), yesterday.as_str(), "1", "closes_on"),
            (opens.as_str(), closes.as_str(), "3", "votes_per_resident"),
            (opens.as_str(), closes.as_str(), "none", "votes_per_resident"),
            ("1 December", closes.as_str(), "1", "opens_on"),
        ] {
            let reply = chair.call::<OpenRound>(&pairs(&fields(opens, closes, votes))).await;
            assert_eq!(reply.status, 422, "{field}: {}", reply.body);
            assert!(reply.body.contains(field), "{field}: {}", reply.body);
        }
        let fields = fields(&opens, &closes, "1");
        assert_eq!(pat.call::<OpenRound>(&pairs(&fields)).await.status, 403, "only the chair opens votes");
        let reply = chair.call::<OpenRound>(&pairs(&fields)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(status(&app, only).await, "in_vote");
        assert_eq!(app.count("SELECT COUNT(*) FROM round_topics").await, 2);
    }

    async fn residents_vote_change_their_votes_and_see_results_when_it_closes(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (round, topics) = open_vote(&app, &TOPICS, "2", false).await;
        let (a, b, c) = (topics[0], topics[1], topics[2]);
        let mut rob = app.signed_in("rob@example.org").await;
        assert_eq!(cast(&mut rob, round, a, true).await.status, 200);
        assert_eq!(cast(&mut rob, round, a, true).await.status, 200, "a second click is absorbed");
        assert_eq!(votes_for(&app, a).await, 1);
        assert_eq!(cast(&mut rob, round, b, true).await.status, 200);
        let reply = cast(&mut rob, round, c, true).await;
        assert_eq!(reply.status, 409, "a third vote of two: {}", reply.body);
        assert!(reply.body.contains("used all 2 of your votes"), "{}", reply.body);
        assert_eq!(votes_for(&app, c).await, 0);
        // Change a vote: take one back, give it to another topic.
        assert_eq!(cast(&mut rob, round, b, false).await.status, 200);
        assert_eq!(cast(&mut rob, round, c, true).await.status, 200);
        assert_eq!((votes_for(&app, b).await, votes_for(&app, c).await), (0, 1));

        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(cast(&mut pat, round, a, true).await.status, 200, "panel members are tenants and vote");
        assert_eq!(cast(&mut app.signed_in("nora@example.org").await, round, a, true).await.status, 403);
        assert_eq!(cast(&mut app.signed_in("otto@example.org").await, round, a, true).await.status, 403);
        assert_eq!(cast(&mut app.visitor(), round, a, true).await.status, 401);

        // Totals are hidden while the round is open, unless the chair chose otherwise.
        let page = rob.get(&format!("/landlords/{SLUG}/scrutiny/rounds/{round}")).await;
        assert!(page.body.contains("The totals are shown when the vote closes."), "{}", page.body);
        assert!(!page.body.contains(">Votes</th>"), "no column of counts not yet shown");
        assert!(page.body.contains("You have used 2 of your 2 votes"));

        // Close it: votes stop, results show with ties.
        sqlx::query("UPDATE voting_rounds SET closes_at = $1 WHERE id = $2")
            .bind(Timestamp::now().millis() - 1).bind(round).execute(app.db.pool()).await.unwrap();
        let reply = cast(&mut rob, round, b, true).await;
        assert_eq!(reply.status, 409);
        assert!(reply.body.contains("closed"), "{}", reply.body);
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/rounds/{round}")).await;
        assert!(page.body.contains("Final results: 2 residents voted."), "{}", page.body);
        assert!(page.body.contains("2 (1)"), "Damp and mould first with 2: {}", page.body);
        assert!(page.body.contains("1 (2)"));
        assert!(page.body.contains("0 (3)"));

        // The chair records the panel's choice, once.
        let mut chair = app.signed_in("chair@example.org").await;
        let (round_s, a_s) = (round.to_string(), a.to_string());
        assert_eq!(pat.call::<DecideRound>(&[("slug", SLUG), ("round_id", &round_s), ("proposal_id", &a_s)]).await.status, 403);
        assert_eq!(chair.call::<DecideRound>(&[("slug", SLUG), ("round_id", &round_s), ("proposal_id", &a_s)]).await.status, 200);
        assert_eq!(chair.call::<DecideRound>(&[("slug", SLUG), ("round_id", &round_s), ("finish", "yes")]).await.status, 200);
        assert_eq!(status(&app, a).await, "chosen");
        assert_eq!((status(&app, b).await, status(&app, c).await), ("not_chosen".into(), "not_chosen".into()));
        assert_eq!(chair.call::<DecideRound>(&[("slug", SLUG), ("round_id", &round_s), ("finish", "yes")]).await.status, 409);
    }

    async fn ties_and_running_totals_show_as_such(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (round, topics) = open_vote(&app, &TOPICS, "1", true).await;
        let mut rob = app.signed_in("rob@example.org").await;
        let mut rita = app.signed_in("rita@example.org").await;
        cast(&mut rob, round, topics[0], true).await;
        cast(&mut rita, round, topics[1], true).await;
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/rounds/{round}")).await;
        assert!(page.body.contains("Running totals so far: 2 residents have voted."), "{}", page.body);
        assert_eq!(page.body.matches("1 (tied 1)").count(), 2, "{}", page.body);
        // Not yet open: no votes.
        sqlx::query("UPDATE voting_rounds SET opens_at = $1, closes_at = $2 WHERE id = $3")
            .bind(Timestamp::now().millis() + 3_600_000).bind(Timestamp::now().millis() + 7_200_000).bind(round)
            .execute(app.db.pool()).await.unwrap();
        let reply = cast(&mut rob, round, topics[2], true).await;
        assert_eq!(reply.status, 409);
        assert!(reply.body.contains("has not started yet"), "{}", reply.body);
    }

    async fn five_hundred_residents_voting_at_once_give_exact_totals(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (round, topics) = open_vote(&app, &TOPICS, "2", false).await;
        let organisation: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE slug = $1")
            .bind(SLUG).fetch_one(app.db.pool()).await.unwrap();
        let mut residents = Vec::new();
        for n in 0..500 {
            residents.push(app.add_person(&format!("Voter {n}"), &format!("voter{n}@example.org"), Some((SLUG, Role::Resident))).await);
        }
        let now = Timestamp::now().millis();
        // Each resident votes for two topics (chosen by number), sends one of
        // them twice, and tries a third vote; all at once.
        let mut tasks = Vec::new();
        for (n, &user) in residents.iter().enumerate() {
            let plan = [topics[n % 3], topics[(n + 1) % 3], topics[n % 3], topics[(n + 2) % 3]];
            for topic in plan {
                let db = app.db.clone();
                tasks.push(tokio::spawn(async move {
                    queries::vote(&db, organisation, round, topic, user, now).await
                }));
            }
        }
        let mut refused = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => {}
                Err(app::error::AppError::Conflict(message)) => {
                    assert!(message.contains("used all 2"), "{message}");
                    refused += 1;
                }
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1000, "two votes each, no duplicates");
        assert_eq!(app.count("SELECT COUNT(*) FROM ballots WHERE votes_used <> 2").await, 0);
        assert_eq!(app.count("SELECT MAX(c) FROM (SELECT COUNT(*) AS c FROM votes GROUP BY user_id) AS per_person").await, 2);
        // Whichever two of three each resident got, totals add up exactly.
        let per_topic: i64 = app.count(&format!(
            "SELECT COUNT(*) FROM votes WHERE proposal_id IN ({}, {}, {})", topics[0], topics[1], topics[2]
        )).await;
        assert_eq!(per_topic, 1000);
        // One topic too many per resident is refused; when it is the topic
        // sent twice, both copies are.
        assert!((500..=1000).contains(&refused), "{refused}");
        let (_, voters) = tallies_match_a_recount(&app, round).await;
        assert_eq!(voters, 500);
    }

    async fn many_residents_voting_changing_and_taking_back_at_once_keep_exact_tallies(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (round, topics) = open_vote(&app, &TOPICS, "2", true).await;
        const RESIDENTS: usize = 60;
        let mut cookies = Vec::new();
        for n in 0..RESIDENTS {
            let email = format!("crowd{n}@example.org");
            app.add_person(&format!("Crowd {n}"), &email, Some((SLUG, Role::Resident))).await;
            cookies.push(sign_in_from(&app, &email, n).await);
        }
        // Every resident at once, each with their own sequence of votes,
        // double clicks, a vote over the allowance, changes of mind and
        // votes taken back.
        let tasks: Vec<_> = cookies.into_iter().enumerate().map(|(n, cookie)| {
            let router = app.router.clone();
            let (t1, t2, t3) = (topics[n % 3], topics[(n + 1) % 3], topics[(n + 2) % 3]);
            tokio::spawn(async move {
                let send = |topic: i64, vote: bool| {
                    let (router, cookie) = (router.clone(), cookie.clone());
                    async move {
                        let body = format!("slug={SLUG}&round_id={round}&proposal_id={topic}&vote={vote}");
                        post_from(&router, Some(&cookie), n, CastVote::PATH, body).await.0
                    }
                };
                let mut statuses = Vec::new();
                let (first, again) = tokio::join!(send(t1, true), send(t1, true));
                statuses.extend([first, again]);
                statuses.push(send(t2, true).await);
                let over = send(t3, true).await;
                assert_eq!(over, 409, "a third vote of two");
                statuses.push(send(t2, false).await);
                statuses.push(send(t3, true).await);
                if n % 3 == 0 {
                    statuses.push(send(t1, false).await);
                    statuses.push(send(t3, false).await);
                }
                if n % 5 == 0 {
                    let (first, again) = tokio::join!(send(t1, false), send(t1, false));
                    statuses.extend([first, again]);
                    statuses.push(send(t2, true).await);
                }
                assert!(statuses.iter().all(|&status| status == 200), "{statuses:?}");
                // What this resident's votes must be at the end.
                match (n % 3 == 0, n % 5 == 0) {
                    (false, false) => vec![t1, t3],
                    (true, false) => vec![],
                    (false, true) => vec![t3, t2],
                    (true, true) => vec![t2],
                }
            })
        }).collect();
        let mut expected = std::collections::BTreeMap::<i64, i64>::new();
        let mut voted = 0;
        for task in tasks {
            let votes = task.await.unwrap();
            voted += i64::from(!votes.is_empty());
            for topic in votes {
                *expected.entry(topic).or_default() += 1;
            }
        }
        let (counted, voters) = tallies_match_a_recount(&app, round).await;
        for (topic, votes) in &counted {
            assert_eq!(*votes, expected.get(topic).copied().unwrap_or(0), "topic {topic}");
        }
        assert_eq!(voters, voted);
        // The page shows the running totals as they are.
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/rounds/{round}")).await;
        assert!(page.body.contains(&format!("Running totals so far: {voted} residents have voted.")), "{}", page.body);
        for (_, votes) in &counted {
            assert!(page.body.contains(&format!(">{votes} (")), "{votes}: {}", page.body);
        }
    }

    async fn every_way_of_changing_a_vote_moves_the_tally(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (round, topics) = open_vote(&app, &TOPICS, "2", true).await;
        let (a, b, c) = (topics[0], topics[1], topics[2]);
        let mut rob = app.signed_in("rob@example.org").await;
        let mut rita = app.signed_in("rita@example.org").await;
        // Each step, then every total against a recount.
        let steps: [(&str, u16, i64, bool); 9] = [
            ("rob", 200, a, true),   // a first vote
            ("rob", 200, a, true),   // the same vote again
            ("rita", 200, a, true),  // someone else
            ("rob", 200, b, true),   // a second vote
            ("rob", 409, c, true),   // over the allowance
            ("rob", 200, b, false),  // changing: take one back...
            ("rob", 200, c, true),   // ...and give it elsewhere
            ("rob", 200, b, false),  // taking back a vote not cast
            ("rita", 200, a, false), // a last vote taken back
        ];
        for (number, (who, status, topic, vote)) in steps.into_iter().enumerate() {
            let visitor = if who == "rob" { &mut rob } else { &mut rita };
            let reply = cast(visitor, round, topic, vote).await;
            assert_eq!(reply.status, status, "step {number}: {}", reply.body);
            tallies_match_a_recount(&app, round).await;
        }
        let (counted, voters) = tallies_match_a_recount(&app, round).await;
        assert_eq!(counted.iter().map(|(_, votes)| *votes).collect::<Vec<_>>(), [1, 0, 1]);
        assert_eq!(voters, 1, "Rita took hers back");
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/rounds/{round}")).await;
        assert!(page.body.contains("Running totals so far: 1 resident has voted."), "{}", page.body);
    }

    async fn running_totals_are_backfilled_from_the_votes_already_cast(backend: Backend) {
        // A database as it was before the running totals, with votes in it.
        let database = common::TestDatabase::create(backend).await;
        let db = tenant_voice::database::connect(&database.url).await.unwrap();
        let folder = match backend {
            Backend::Sqlite => "../migrations/sqlite",
            Backend::Postgres => "../migrations/postgres",
        };
        let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(folder)).await.unwrap();
        before.migrations = before.migrations.iter().filter(|m| m.version < 12).cloned().collect::<Vec<_>>().into();
        before.run(db.pool()).await.unwrap();
        let pool = db.pool();
        for sql in [
            "INSERT INTO organisations (id, slug, name, created_at) VALUES (1, 'old-homes', 'Old Homes', 0)",
            "INSERT INTO users (id, email, display_name, created_at) VALUES (1, 'zoe@example.org', 'Zoe', 0), (2, 'al@example.org', 'Al', 0), (3, 'bo@example.org', 'Bo', 0)",
            "INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES (1, 1, 'resident', 0), (2, 1, 'resident', 0), (3, 1, 'panel_chair', 0)",
            "INSERT INTO join_requests (user_id, organisation_id, tenancy_reference, created_at) VALUES (1, 1, 'A-1', 0)",
            "INSERT INTO proposals (id, organisation_id, proposer_id, title, problem, why_it_matters, status, created_at, submission_key) \
             VALUES (1, 1, 1, 'Damp', 'p', 'w', 'in_vote', 0, 'k1'), (2, 1, 1, 'Bins', 'p', 'w', 'in_vote', 0, 'k2')",
            "INSERT INTO proposal_supporters (proposal_id, user_id, created_at) VALUES (1, 1, 0), (1, 2, 0), (2, 3, 0)",
            "INSERT INTO voting_rounds (id, organisation_id, title, opens_at, closes_at, votes_per_resident, created_at) VALUES (1, 1, 'Old', 0, 10, 2, 0)",
            "INSERT INTO round_topics (round_id, proposal_id) VALUES (1, 1), (1, 2)",
            "INSERT INTO votes (round_id, proposal_id, user_id, cast_at) VALUES (1, 1, 1, 1), (1, 1, 2, 1), (1, 2, 2, 1), (1, 1, 3, 1)",
            "INSERT INTO ballots (round_id, user_id, votes_used) VALUES (1, 1, 1), (1, 2, 2), (1, 3, 1)",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
        tenant_voice::database::migrate(&db).await.unwrap();
        let tallies: Vec<(i64, i64)> = sqlx::query_as("SELECT proposal_id, votes FROM topic_tallies ORDER BY proposal_id")
            .fetch_all(pool).await.unwrap();
        assert_eq!(tallies, [(1, 3), (2, 1)]);
        let voters: i64 = sqlx::query_scalar("SELECT voters FROM round_tallies WHERE round_id = 1").fetch_one(pool).await.unwrap();
        assert_eq!(voters, 3);
        let supporters: Vec<i64> = sqlx::query_scalar("SELECT supporters FROM proposals ORDER BY id").fetch_all(pool).await.unwrap();
        assert_eq!(supporters, [2, 1]);
        let counts: (i64, i64) = sqlx::query_as("SELECT members, pending_requests FROM organisation_counts WHERE organisation_id = 1")
            .fetch_one(pool).await.unwrap();
        assert_eq!(counts, (3, 1));
        let names: Vec<String> = sqlx::query_scalar("SELECT sort_name FROM memberships ORDER BY sort_name").fetch_all(pool).await.unwrap();
        assert_eq!(names, ["Al", "Bo", "Zoe"]);
        pool.close().await;
    }

    async fn supporter_counts_follow_support_and_merging(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut rita = app.signed_in("rita@example.org").await;
        let mut rob = app.signed_in("rob@example.org").await;
        let damp = propose(&mut rita, 1, "Damp").await;
        let mould = propose(&mut rob, 2, "Mould").await;
        let support = |id: i64, yes: bool| vec![("slug", SLUG.to_string()), ("id", id.to_string()), ("support", yes.to_string())];
        for (who, id, yes) in [("rob", damp, true), ("rob", damp, true), ("rita", mould, true), ("rita", mould, false), ("rita", mould, true)] {
            let visitor = if who == "rob" { &mut rob } else { &mut rita };
            assert_eq!(visitor.call::<SupportProposal>(&pairs(&support(id, yes))).await.status, 200);
        }
        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(screen(&mut pat, mould, &[("decision", "merge"), ("merge_into", &damp.to_string())]).await.status, 200);
        let wrong = app.count(
            "SELECT COUNT(*) FROM proposals p WHERE p.supporters <> (SELECT COUNT(*) FROM proposal_supporters s WHERE s.proposal_id = p.id)",
        ).await;
        assert_eq!(wrong, 0, "every proposal's count equals its supporters");
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{damp}")).await;
        assert!(page.body.contains("2 residents support this proposal."), "Rita and Rob, once each: {}", page.body);
    }

    async fn the_demo_has_proposals_in_every_state_and_two_votes(backend: Backend) {
        let app = TestApp::start(backend).await;
        tenant_voice::demo::load(&app.db).await.unwrap();
        for status in ["submitted", "put_forward", "merged", "declined", "in_vote", "chosen", "not_chosen"] {
            let n = app.count(&format!("SELECT COUNT(*) FROM proposals WHERE status = '{status}'")).await;
            assert!(n > 0, "no demo proposal is {status}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0, "the demo sends no email");
        let page = app.get("/landlords/brackenmoor-homes/scrutiny").await;
        assert!(page.body.contains("Spring topics"), "{}", page.body);
        assert!(page.body.contains("Open for voting"));
        let round: i64 = sqlx::query_scalar("SELECT id FROM voting_rounds WHERE title = 'Autumn topics' ORDER BY id LIMIT 1")
            .fetch_one(app.db.pool()).await.unwrap();
        let page = app.get(&format!("/landlords/brackenmoor-homes/scrutiny/rounds/{round}")).await;
        assert!(page.body.contains("Final results: 4 residents voted."), "{}", page.body);
        assert!(page.body.contains("Chosen for scrutiny"));
        assert_eq!(page.body.matches("2 (tied 2)").count(), 2, "{}", page.body);
        let next = app.get("/landlords/brackenmoor-homes/scrutiny/what-happened-next").await.body;
        for standing in ["Accepted, in progress", "Partly accepted, in progress", "Not accepted", "Answer overdue", "Accepted, action overdue", "Accepted, done"] {
            assert!(next.contains(standing), "no demo recommendation is {standing:?}: {next}");
        }
    }

    async fn the_panel_reports_and_the_landlord_answers_on_the_record(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        app.add_person("Sally Staff", "staff@example.org", Some((SLUG, Role::LandlordStaff))).await;
        app.add_person("Olga Otherstaff", "olga@example.org", Some(("other-homes", Role::LandlordStaff))).await;
        let mut pat = app.signed_in("pat@example.org").await;
        let mut chair = app.signed_in("chair@example.org").await;
        let mut rita = app.signed_in("rita@example.org").await;
        let mut staff = app.signed_in("staff@example.org").await;

        assert_eq!(rita.call::<StartReview>(&[("slug", SLUG), ("title", "Repairs")]).await.status, 403);
        let reply = pat.call::<StartReview>(&[("slug", SLUG), ("title", "Repairs")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let review = reply.header("location").unwrap().rsplit('/').next().unwrap().to_string();
        let page = format!("/landlords/{SLUG}/scrutiny/reviews/{review}");
        // A draft is for the panel and staff only.
        assert_eq!(app.get(&page).await.status, 401);
        assert_eq!(rita.get(&page).await.status, 404);
        assert_eq!(staff.get(&page).await.status, 200);

        let reply = pat.call::<SaveReviewText>(&[("slug", SLUG), ("id", &review), ("scope", "Repairs booking"), ("summary", "")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let (met, _) = uk_days(-3, 0);
        for (kind, title, url, held_on, status) in [
            ("link", "Policy", "javascript:alert(1)", "", 422),
            ("link", "Policy", "", "", 422),
            ("film", "Policy", "", "", 422),
            ("link", "Policy", "https://example.org/policy", "", 200),
            ("meeting", "Met the repairs manager", "", "", 422),
            ("meeting", "Met the repairs manager", "", "3 November", 422),
            ("meeting", "Met the repairs manager", "", "1999-11-03", 422),
            ("meeting", "Met the repairs manager", "", met.as_str(), 200),
        ] {
            let reply = pat.call::<AddEvidence>(&[("slug", SLUG), ("id", &review), ("kind", kind), ("title", title), ("body", ""), ("url", url), ("held_on", held_on)]).await;
            assert_eq!(reply.status, status, "{kind} {url} {held_on}: {}", reply.body);
        }
        let held: Option<String> = sqlx::query_scalar("SELECT held_on FROM review_evidence WHERE kind = 'meeting'")
            .fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(held.as_deref(), Some(met.as_str()));
        assert_eq!(chair.call::<PublishReport>(&[("slug", SLUG), ("id", &review)]).await.status, 409, "no recommendations yet");
        for text in ["Book second visits on the spot.", "Carry common parts."] {
            let reply = pat.call::<AddRecommendation>(&[("slug", SLUG), ("id", &review), ("text", text)]).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        assert_eq!(pat.call::<PublishReport>(&[("slug", SLUG), ("id", &review)]).await.status, 403, "the chair publishes");
        assert_eq!(chair.call::<PublishReport>(&[("slug", SLUG), ("id", &review)]).await.status, 200);
        assert_eq!(chair.call::<PublishReport>(&[("slug", SLUG), ("id", &review)]).await.status, 200, "twice is once");
        let reply = pat.call::<AddRecommendation>(&[("slug", SLUG), ("id", &review), ("text", "Late")]).await;
        assert_eq!(reply.status, 409, "the report is frozen: {}", reply.body);

        // Public now, with the answers due eight weeks on.
        let body = app.get(&page).await.body;
        assert!(body.contains("Report published on"), "{body}");
        assert!(body.contains("Waiting for the landlord&#x27;s answer") || body.contains("Waiting for the landlord's answer"), "{body}");
        assert!(body.contains("https://example.org/policy"));

        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM recommendations ORDER BY number").fetch_all(app.db.pool()).await.unwrap();
        let (first, second) = (ids[0].to_string(), ids[1].to_string());
        let (soon, _) = uk_days(30, 0);
        let answer = |id: &str, answer: &str, action: &str, owner: &str, due: &str| {
            vec![("slug", SLUG.to_string()), ("review_id", review.clone()), ("recommendation_id", id.to_string()),
                 ("answer", answer.to_string()), ("reason", "Because".to_string()), ("action", action.to_string()),
                 ("owner", owner.to_string()), ("due_on", due.to_string())]
        };
        assert_eq!(chair.call::<AnswerRecommendation>(&pairs(&answer(&first, "accepted", "Book on the spot", "Repairs", &soon))).await.status, 403);
        let mut olga = app.signed_in("olga@example.org").await;
        assert_eq!(olga.call::<AnswerRecommendation>(&pairs(&answer(&first, "accepted", "Book on the spot", "Repairs", &soon))).await.status, 403);
        let reply = staff.call::<AnswerRecommendation>(&pairs(&answer(&first, "accepted", "", "Repairs", &soon))).await;
        assert_eq!(reply.status, 422, "an accepted recommendation needs an action: {}", reply.body);
        let reply = staff.call::<AnswerRecommendation>(&pairs(&answer(&first, "accepted", "Book on the spot", "Repairs", "soon"))).await;
        assert_eq!(reply.status, 422, "a due date: {}", reply.body);
        let reply = staff.call::<AnswerRecommendation>(&pairs(&answer(&first, "accepted", "Book on the spot", "Head of repairs", &soon))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = staff.call::<AnswerRecommendation>(&pairs(&answer(&second, "not_accepted", "", "", ""))).await;
        assert_eq!(reply.status, 200, "not accepted needs only a reason: {}", reply.body);
        // The panel hears about each answer.
        let to_panel = app.outbox().await.into_iter().filter(|(to, subject, _)| to == "pat@example.org" && subject.contains("answered recommendation")).count();
        assert_eq!(to_panel, 2);

        let progress = |id: &str, body: &str, done: bool| {
            let mut fields = vec![("slug", SLUG.to_string()), ("review_id", review.clone()), ("recommendation_id", id.to_string()), ("progress", body.to_string())];
            if done { fields.push(("done", "yes".to_string())); }
            fields
        };
        assert_eq!(staff.call::<AddProgress>(&pairs(&progress(&second, "Nothing", false))).await.status, 409, "not accepted: nothing to report");
        assert_eq!(staff.call::<AddProgress>(&pairs(&progress(&first, "Handhelds ordered", false))).await.status, 200);
        assert_eq!(staff.call::<AddProgress>(&pairs(&progress(&first, "All operatives book on the spot", true))).await.status, 200);
        assert_eq!(staff.call::<AddProgress>(&pairs(&progress(&first, "More", false))).await.status, 409, "done is done");

        let next = app.get(&format!("/landlords/{SLUG}/scrutiny/what-happened-next")).await;
        assert_eq!(next.status, 200);
        assert!(next.body.contains("Accepted, done"), "{}", next.body);
        assert!(next.body.contains("Not accepted"));
        assert!(!next.body.contains("overdue."));

        // Past the answer deadline, an unanswered recommendation is overdue everywhere it appears.
        let third = pat_adds_and_publishes(&app, &mut pat, &mut chair).await;
        sqlx::query("UPDATE scrutiny_reviews SET response_due_at = $1 WHERE id = $2")
            .bind(Timestamp::now().millis() - 1).bind(third).execute(app.db.pool()).await.unwrap();
        let next = app.get(&format!("/landlords/{SLUG}/scrutiny/what-happened-next")).await;
        assert!(next.body.contains("Answer overdue"), "{}", next.body);
        assert!(next.body.contains("1 overdue."));
        let body = app.get(&format!("/landlords/{SLUG}/scrutiny/reviews/{third}")).await.body;
        assert!(body.contains("Answer overdue"));
    }

    async fn the_landlord_admin_sets_the_time_to_answer(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        app.add_person("Sally Staff", "staff@example.org", Some((SLUG, Role::LandlordStaff))).await;
        app.add_person("Ada Admin", "ada@example.org", Some((SLUG, Role::LandlordAdmin))).await;
        let mut staff = app.signed_in("staff@example.org").await;
        let mut ada = app.signed_in("ada@example.org").await;
        assert_eq!(staff.call::<SetResponseWeeks>(&[("slug", SLUG), ("weeks", "4")]).await.status, 403);
        for bad in ["0", "27", "four"] {
            assert_eq!(ada.call::<SetResponseWeeks>(&[("slug", SLUG), ("weeks", bad)]).await.status, 422, "{bad}");
        }
        assert_eq!(ada.call::<SetResponseWeeks>(&[("slug", SLUG), ("weeks", "4")]).await.status, 200);
        let mut pat = app.signed_in("pat@example.org").await;
        let mut chair = app.signed_in("chair@example.org").await;
        let review = pat_adds_and_publishes(&app, &mut pat, &mut chair).await;
        let (published, due): (i64, i64) = sqlx::query_as("SELECT published_at, response_due_at FROM scrutiny_reviews WHERE id = $1")
            .bind(review).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(due - published, 4 * 7 * 24 * 3600 * 1000);

        // Who is offered what on the scrutiny page.
        let page = format!("/landlords/{SLUG}/scrutiny");
        assert!(staff.get(&page).await.body.contains("Residents and the tenant panel propose topics and vote."));
        assert!(app.signed_in("nora@example.org").await.get(&page).await.body.contains("Ask to join as a resident"));
        assert!(app.signed_in("rita@example.org").await.get(&page).await.body.contains("Propose a topic"));
    }

    async fn the_panel_uploads_documents_that_are_checked_and_served_as_downloads(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut pat = app.signed_in("pat@example.org").await;
        let reply = pat.call::<StartReview>(&[("slug", SLUG), ("title", "Repairs")]).await;
        let review = reply.header("location").unwrap().rsplit('/').next().unwrap().to_string();
        let upload = format!("/landlords/{SLUG}/scrutiny/reviews/{review}/documents");
        let pdf = b"%PDF-1.7\nMinutes of the meeting with the repairs manager";
        let reply = pat.post_multipart(&upload, &[("title", "Meeting minutes")], "file", "minutes.pdf", pdf).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some(format!("/landlords/{SLUG}/scrutiny/reviews/{review}").as_str()));
        // The review page it lands on says so, with a link to the evidence.
        let page = pat.get(&format!("/landlords/{SLUG}/scrutiny/reviews/{review}")).await;
        assert!(page.body.contains("Your document is added to the evidence."), "{}", page.body);
        assert!(page.body.contains(&format!("href=\"/landlords/{SLUG}/scrutiny/reviews/{review}#evidence\"")));
        // The same file again is kept once.
        pat.post_multipart(&upload, &[("title", "Minutes again")], "file", "minutes.pdf", pdf).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM evidence_documents").await, 1);

        // Refusals say why and give the form back with the title as typed.
        for (title, name, bytes, status, says) in [
            ("A page", "page.pdf", &b"<html><script>alert(1)</script>"[..], 422, "it is not a PDF"),
            ("A program", "setup.exe", &b"MZ"[..], 422, "The portal accepts PDF"),
            ("", "minutes2.pdf", &b"%PDF-1.4"[..], 422, "Enter a title for the document"),
            ("Nothing", "", &b""[..], 422, "Choose the document to upload"),
        ] {
            let reply = pat.post_multipart(&upload, &[("title", title)], "file", name, bytes).await;
            assert_eq!(reply.status, status, "{name}: {}", reply.body);
            assert!(reply.body.contains(says), "{name}: {}", reply.body);
            assert!(reply.body.contains(&format!("value=\"{title}\"")), "the title comes back: {}", reply.body);
        }
        let big = vec![b'a'; 10 * 1024 * 1024 + 1];
        let reply = pat.post_multipart(&upload, &[("title", "Huge")], "file", "huge.txt", &big).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("largest document the portal accepts is 10 MB"), "{}", reply.body);
        // Only the panel adds evidence.
        let mut rita = app.signed_in("rita@example.org").await;
        assert_eq!(rita.post_multipart(&upload, &[("title", "Mine")], "file", "mine.pdf", b"%PDF-1.4").await.status, 403);
        assert_eq!(app.visitor().post_multipart(&upload, &[("title", "Mine")], "file", "mine.pdf", b"%PDF-1.4").await.status, 401);
        assert_eq!(app.count("SELECT COUNT(*) FROM evidence_documents").await, 1);

        // Listed in the evidence log; a draft's documents are for the panel and staff.
        let document: i64 = app.count("SELECT id FROM evidence_documents").await;
        let download = format!("/landlords/{SLUG}/scrutiny/reviews/{review}/documents/{document}");
        let page = pat.get(&format!("/landlords/{SLUG}/scrutiny/reviews/{review}")).await;
        assert!(page.body.contains(&download), "{}", page.body);
        assert!(page.body.contains("PDF, 1 KB"), "{}", page.body);
        assert_eq!(app.visitor().get(&download).await.status, 401);
        assert_eq!(rita.get(&download).await.status, 404);
        let file = pat.get(&download).await;
        assert_eq!(file.status, 200);
        assert_eq!(file.body.as_bytes(), pdf);
        assert_eq!(file.header("content-type"), Some("application/pdf"));
        assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
        assert!(file.header("content-disposition").unwrap().starts_with("attachment; filename=\"minutes.pdf\""));
        assert_eq!(pat.get(&format!("/landlords/other-homes/scrutiny/reviews/{review}/documents/{document}")).await.status, 404);

        // Published: public, and the log is closed.
        pat.call::<AddRecommendation>(&[("slug", SLUG), ("id", &review), ("text", "Fix it.")]).await;
        let mut chair = app.signed_in("chair@example.org").await;
        assert_eq!(chair.call::<PublishReport>(&[("slug", SLUG), ("id", &review)]).await.status, 200);
        assert_eq!(app.visitor().get(&download).await.status, 200);
        let reply = pat.post_multipart(&upload, &[("title", "Late")], "file", "late.pdf", b"%PDF-1.5").await;
        assert_eq!(reply.status, 409, "{}", reply.body);
    }

    async fn a_changed_answer_keeps_its_earlier_wording_and_reason_on_the_public_page(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        app.add_person("Sally Staff", "staff@example.org", Some((SLUG, Role::LandlordStaff))).await;
        let mut pat = app.signed_in("pat@example.org").await;
        let mut chair = app.signed_in("chair@example.org").await;
        let mut staff = app.signed_in("staff@example.org").await;
        let review = pat_adds_and_publishes(&app, &mut pat, &mut chair).await;
        // Overdue for forty days (and a little) before it is answered.
        let day = 24 * 3600 * 1000;
        sqlx::query("UPDATE scrutiny_reviews SET response_due_at = $1 WHERE id = $2")
            .bind(Timestamp::now().millis() - 40 * day - 3600 * 1000).bind(review).execute(app.db.pool()).await.unwrap();
        let rec: i64 = sqlx::query_scalar("SELECT id FROM recommendations WHERE review_id = $1").bind(review).fetch_one(app.db.pool()).await.unwrap();
        let (soon, later) = uk_days(30, 400);
        let answer = |answer: &str, reason: &str, owner: &str, due: &str, change: Option<&str>| {
            let mut fields = vec![("slug", SLUG.to_string()), ("review_id", review.to_string()), ("recommendation_id", rec.to_string()),
                 ("answer", answer.to_string()), ("reason", reason.to_string()), ("action", "Clean every week".to_string()),
                 ("owner", owner.to_string()), ("due_on", due.to_string())];
            if let Some(change) = change { fields.push(("change_reason", change.to_string())); }
            fields
        };
        let reply = staff.call::<AnswerRecommendation>(&pairs(&answer("accepted", "Tenants are right", "Estates team", &soon, None))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = staff.call::<AnswerRecommendation>(&pairs(&answer("accepted", "Tenants are right", "Estates team", &soon, None))).await;
        assert_eq!(reply.status, 200, "the same answer again changes nothing: {}", reply.body);
        // Changing a published answer needs a reason.
        let change = answer("partly_accepted", "Money is short", "Estates manager", &later, Some("  "));
        let reply = staff.call::<AnswerRecommendation>(&pairs(&change)).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("Say why you are changing this answer"), "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM answer_changes").await, 0, "nothing written");
        let reply = staff.call::<AnswerRecommendation>(&pairs(&answer("partly_accepted", "Money is short", "Estates manager", &later, Some("The budget was cut <b>in May</b>")))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);

        let (was, now) = (due_label(&soon), due_label(&later));
        for page in [format!("/landlords/{SLUG}/scrutiny/reviews/{review}"), format!("/landlords/{SLUG}/scrutiny/recommendations/{rec}")] {
            let body = app.get(&page).await.body;
            assert!(body.contains("Partly accepted"), "{body}");
            assert!(body.contains("Changed on "), "{body}");
            assert!(body.contains("The budget was cut &lt;b&gt;in May&lt;/b&gt;"), "the reason, escaped: {body}");
            assert!(body.contains("Tenants are right") && body.contains("Estates team"), "the earlier wording: {body}");
            assert!(body.contains(&format!("Due date moved from {was} to {now}")), "{body}");
            assert!(body.contains("Answered 40 days after it was due"), "{body}");
        }
    }

    async fn edits_racing_the_publication_of_a_report_never_land_after_it(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut pat = app.signed_in("pat@example.org").await;
        let mut chair = app.signed_in("chair@example.org").await;
        // A probe for the test only: notes any write to a report that is
        // already published, as the database sees it when the write runs.
        let probe: &[&str] = match backend {
            Backend::Sqlite => &[
                "CREATE TABLE late_writes (review_id BIGINT)",
                "CREATE TRIGGER late_text BEFORE UPDATE ON scrutiny_reviews \
                 WHEN OLD.published_at IS NOT NULL AND (NEW.scope <> OLD.scope OR NEW.summary <> OLD.summary) \
                 BEGIN INSERT INTO late_writes VALUES (NEW.id); END",
                "CREATE TRIGGER late_evidence AFTER INSERT ON review_evidence \
                 WHEN (SELECT published_at FROM scrutiny_reviews WHERE id = NEW.review_id) IS NOT NULL \
                 BEGIN INSERT INTO late_writes VALUES (NEW.review_id); END",
            ],
            Backend::Postgres => &[
                "CREATE TABLE late_writes (review_id BIGINT)",
                "CREATE FUNCTION late_text() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF OLD.published_at IS NOT NULL AND (NEW.scope <> OLD.scope OR NEW.summary <> OLD.summary) THEN \
                 INSERT INTO late_writes VALUES (NEW.id); END IF; RETURN NEW; END $$",
                "CREATE TRIGGER late_text BEFORE UPDATE ON scrutiny_reviews FOR EACH ROW EXECUTE FUNCTION late_text()",
                "CREATE FUNCTION late_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF EXISTS (SELECT 1 FROM scrutiny_reviews WHERE id = NEW.review_id AND published_at IS NOT NULL) THEN \
                 INSERT INTO late_writes VALUES (NEW.review_id); END IF; RETURN NEW; END $$",
                "CREATE TRIGGER late_evidence AFTER INSERT ON review_evidence FOR EACH ROW EXECUTE FUNCTION late_evidence()",
            ],
        };
        for sql in probe {
            sqlx::query(sql).execute(app.db.pool()).await.unwrap();
        }
        let mut writer = app.signed_in("pat@example.org").await;
        let (mut edits_refused, mut edits_saved) = (0, 0);
        for round in 0..60 {
            let reply = pat.call::<StartReview>(&[("slug", SLUG), ("title", "Lifts")]).await;
            let review = reply.header("location").unwrap().rsplit('/').next().unwrap().to_string();
            pat.call::<AddRecommendation>(&[("slug", SLUG), ("id", &review), ("text", "Fix lifts in a day.")]).await;
            let scope = format!("Scope, round {round}");
            let text_fields = [("slug", SLUG), ("id", &review), ("scope", &scope), ("summary", "Found")];
            let evidence_fields = [("slug", SLUG), ("id", &review), ("kind", "note"), ("title", "Met tenants"), ("body", ""), ("url", ""), ("held_on", "")];
            let publish_fields = [("slug", SLUG), ("id", &review)];
            let (text, evidence, publish) = tokio::join!(
                writer.call::<SaveReviewText>(&text_fields),
                pat.call::<AddEvidence>(&evidence_fields),
                chair.call::<PublishReport>(&publish_fields),
            );
            assert_eq!(publish.status, 200, "{}", publish.body);
            for reply in [&text, &evidence] {
                assert!(reply.status == 200 || reply.status == 409, "{}: {}", reply.status, reply.body);
                if reply.status == 409 { edits_refused += 1 } else { edits_saved += 1 }
            }
            // What the public page shows now is what it showed at publishing.
            let shown: String = sqlx::query_scalar("SELECT scope FROM scrutiny_reviews WHERE id = $1")
                .bind(review.parse::<i64>().unwrap()).fetch_one(app.db.pool()).await.unwrap();
            assert_eq!(shown == scope, text.status == 200, "round {round}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM late_writes").await, 0, "edits landed after publishing ({edits_saved} saved, {edits_refused} refused)");
    }
}

/// How a due date sent as "2027-03-12" reads on the page.
fn due_label(day: &str) -> String {
    let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    use chrono::Datelike;
    app::time::format_day((day.year(), day.month(), day.day()))
}

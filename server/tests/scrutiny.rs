//! Scrutiny through HTTP on the real router, on SQLite and PostgreSQL:
//! proposing, supporting, screening, opening a vote, voting and changing a
//! vote, closing and choosing, who may do each, and many voters at once.
mod common;

use app::{
    accounts::Role,
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
use common::{pairs, TestApp, Visitor};

const SLUG: &str = "test-homes";

async fn landlord(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    app.add_landlord(SLUG, "Test Homes").await;
    app.add_landlord("other-homes", "Other Homes").await;
    app.add_person(
        "Rita Resident",
        "rita@example.org",
        Some((SLUG, Role::Resident)),
    )
    .await;
    app.add_person(
        "Rob Resident",
        "rob@example.org",
        Some((SLUG, Role::Resident)),
    )
    .await;
    app.add_person(
        "Pat Panel",
        "pat@example.org",
        Some((SLUG, Role::PanelMember)),
    )
    .await;
    app.add_person(
        "Cath Chair",
        "chair@example.org",
        Some((SLUG, Role::PanelChair)),
    )
    .await;
    app.add_person("Nora Nobody", "nora@example.org", None)
        .await;
    app.add_person(
        "Otto Other",
        "otto@example.org",
        Some(("other-homes", Role::Resident)),
    )
    .await;
    app
}

fn key(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// Proposes a topic and returns its id.
async fn propose(visitor: &mut Visitor<'_>, n: u8, title: &str) -> i64 {
    let reply = visitor
        .call::<Propose>(&[
            ("slug", SLUG),
            ("submission_key", &key(n)),
            ("title", title),
            ("problem", "Repairs take weeks."),
            ("why_it_matters", "Families live with mould."),
            ("concerns", ""),
        ])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

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

/// Two proposals put forward and a vote opened on them today, for a week;
/// returns (round id, [topic ids]).
async fn open_vote(app: &TestApp, votes: &str, running_totals: bool) -> (i64, Vec<i64>) {
    let mut rita = app.signed_in("rita@example.org").await;
    let a = propose(&mut rita, 1, "Damp and mould").await;
    let b = propose(&mut rita, 2, "Communal cleaning").await;
    let c = propose(&mut rita, 3, "Anti-social behaviour").await;
    let mut pat = app.signed_in("pat@example.org").await;
    for id in [a, b, c] {
        let reply = screen(&mut pat, id, &[("decision", "put_forward")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let (opens, closes) = days(0, 7);
    let mut chair = app.signed_in("chair@example.org").await;
    let mut fields = vec![
        ("slug", SLUG),
        ("title", "Spring topics"),
        ("opens_on", opens.as_str()),
        ("closes_on", closes.as_str()),
        ("votes_per_resident", votes),
    ];
    if running_totals {
        fields.push(("show_running_totals", "yes"));
    }
    let reply = chair.call::<OpenRound>(&fields).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let round: i64 = reply
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (round, vec![a, b, c])
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

/// UK days from today, as the date fields send them.
fn days(from: i64, to: i64) -> (String, String) {
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    (
        (today + chrono::Duration::days(from)).to_string(),
        (today + chrono::Duration::days(to)).to_string(),
    )
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

async fn votes_for(app: &TestApp, topic: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM votes WHERE proposal_id = $1")
        .bind(topic)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

on_both_databases! {
    async fn residents_propose_once_and_others_may_not(backend: Backend) {
        let app = landlord(backend).await;
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
        let app = landlord(backend).await;
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
        let app = landlord(backend).await;
        let mut rita = app.signed_in("rita@example.org").await;
        let only = propose(&mut rita, 1, "Damp").await;
        let mut pat = app.signed_in("pat@example.org").await;
        screen(&mut pat, only, &[("decision", "put_forward")]).await;
        let (opens, closes) = days(0, 7);
        let mut chair = app.signed_in("chair@example.org").await;
        let fields = |opens: &str, closes: &str, votes: &str| {
            vec![("slug", SLUG.to_string()), ("title", "Spring".to_string()), ("opens_on", opens.to_string()),
                 ("closes_on", closes.to_string()), ("votes_per_resident", votes.to_string())]
        };
        let reply = chair.call::<OpenRound>(&pairs(&fields(&opens, &closes, "1"))).await;
        assert_eq!(reply.status, 422, "one topic is not a vote: {}", reply.body);

        let second = propose(&mut rita, 2, "Mould").await;
        screen(&mut pat, second, &[("decision", "put_forward")]).await;
        let (yesterday, _) = days(-1, 0);
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
        let app = landlord(backend).await;
        let (round, topics) = open_vote(&app, "2", false).await;
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
        assert!(page.body.contains("Hidden until the vote closes"), "{}", page.body);
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
        let app = landlord(backend).await;
        let (round, topics) = open_vote(&app, "1", true).await;
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
        let app = landlord(backend).await;
        let (round, topics) = open_vote(&app, "2", false).await;
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
        let app = landlord(backend).await;
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
        let (met, _) = days(-3, 0);
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
        let (soon, _) = days(30, 0);
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
        let app = landlord(backend).await;
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
        let app = landlord(backend).await;
        let mut pat = app.signed_in("pat@example.org").await;
        let reply = pat.call::<StartReview>(&[("slug", SLUG), ("title", "Repairs")]).await;
        let review = reply.header("location").unwrap().rsplit('/').next().unwrap().to_string();
        let upload = format!("/landlords/{SLUG}/scrutiny/reviews/{review}/documents");
        let pdf = b"%PDF-1.7\nMinutes of the meeting with the repairs manager";
        let reply = pat.post_multipart(&upload, &[("title", "Meeting minutes")], "file", "minutes.pdf", pdf).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some(format!("/landlords/{SLUG}/scrutiny/reviews/{review}#evidence").as_str()));
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
}

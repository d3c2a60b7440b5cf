//! Scheduled reminders on SQLite and PostgreSQL: residents who asked hear
//! when a vote opens and the day before it closes; staff hear a week before
//! answers are due and when they are overdue; each reminder goes out once,
//! even when several servers check at the same moment.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::{
    scrutiny::{
        reminders::{send_due, Sent},
        reviews::{AddRecommendation, AnswerRecommendation, PublishReport, StartReview},
        SetVoteEmails,
    },
    time::Timestamp,
};
use common::{
    cast::{last_number, open_vote, Member, ADA, CATH, PAT, RITA, ROB, SAM, SLUG},
    pairs, Setup, TestApp, Visitor,
};

/// The people these stories need, from the one cast.
const PEOPLE: &[Member] = &[RITA, ROB, PAT, CATH, SAM, ADA];

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

async fn sent_to(app: &TestApp, subject_start: &str) -> Vec<String> {
    app.outbox()
        .await
        .into_iter()
        .filter(|(_, subject, _)| subject.starts_with(subject_start))
        .map(|(to, _, _)| to)
        .collect()
}

async fn set_emails(visitor: &mut Visitor<'_>, wanted: bool) -> u16 {
    let mut fields = vec![("slug", SLUG)];
    if wanted {
        fields.push(("wanted", "yes"));
    }
    visitor.call::<SetVoteEmails>(&fields).await.status
}

on_both_databases! {
    async fn residents_who_asked_hear_when_a_vote_opens_and_the_day_before_it_closes(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut rita = app.signed_in("rita@example.org").await;
        assert_eq!(set_emails(&mut rita, true).await, 200);
        let page = rita.get(&format!("/landlords/{SLUG}/scrutiny")).await;
        assert!(page.body.contains("Stop these emails"), "{}", page.body);
        // Rob asked and changed his mind; staff do not vote, so cannot ask.
        let mut rob = app.signed_in("rob@example.org").await;
        assert_eq!(set_emails(&mut rob, true).await, 200);
        assert_eq!(set_emails(&mut rob, false).await, 200);
        assert_eq!(set_emails(&mut app.signed_in("sam@example.org").await, true).await, 403);
        assert_eq!(set_emails(&mut app.visitor(), true).await, 401);

        let round = open_vote(&app, &["Damp", "Bins"], "1", false).await.0;
        let (opens_at, closes_at): (i64, i64) = sqlx::query_as("SELECT opens_at, closes_at FROM voting_rounds WHERE id = $1")
            .bind(round).fetch_one(app.db.pool()).await.unwrap();
        let before = send_due(&app.db, "https://tv.example.org", opens_at - HOUR).await.unwrap();
        assert_eq!(before, Sent::default(), "nothing before it opens");
        let now = Timestamp::now().millis().max(opens_at);
        let sent = send_due(&app.db, "https://tv.example.org", now).await.unwrap();
        assert_eq!((sent.votes_opened, sent.votes_closing, sent.emails), (1, 0, 1));
        assert_eq!(sent_to(&app, "A vote has opened").await, ["rita@example.org"]);
        let (_, _, body) = app.outbox().await.into_iter().find(|(_, s, _)| s.starts_with("A vote has opened")).unwrap();
        assert!(body.contains(&format!("https://tv.example.org/landlords/{SLUG}/scrutiny/rounds/{round}")), "{body}");
        assert_eq!(send_due(&app.db, "https://tv.example.org", now + HOUR).await.unwrap(), Sent::default(), "once");

        let last_day = closes_at - 12 * HOUR;
        let sent = send_due(&app.db, "https://tv.example.org", last_day).await.unwrap();
        assert_eq!((sent.votes_opened, sent.votes_closing, sent.emails), (0, 1, 1));
        assert_eq!(sent_to(&app, "Last day to vote").await, ["rita@example.org"]);
        assert_eq!(send_due(&app.db, "https://tv.example.org", last_day + HOUR).await.unwrap(), Sent::default());
        assert_eq!(send_due(&app.db, "https://tv.example.org", closes_at + HOUR).await.unwrap(), Sent::default(), "nothing once closed");
    }

    async fn several_servers_checking_at_once_send_each_reminder_once(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        for email in ["rita@example.org", "rob@example.org", "pat@example.org"] {
            assert_eq!(set_emails(&mut app.signed_in(email).await, true).await, 200);
        }
        let round = open_vote(&app, &["Damp", "Bins"], "1", false).await.0;
        let opens_at: i64 = sqlx::query_scalar("SELECT opens_at FROM voting_rounds WHERE id = $1")
            .bind(round).fetch_one(app.db.pool()).await.unwrap();
        let now = Timestamp::now().millis().max(opens_at);
        let checks: Vec<_> = (0..6)
            .map(|_| {
                let db = app.db.clone();
                tokio::spawn(async move { send_due(&db, "", now).await.unwrap() })
            })
            .collect();
        let mut opened = 0;
        for check in checks {
            opened += check.await.unwrap().votes_opened;
        }
        assert_eq!(opened, 1);
        let mut told = sent_to(&app, "A vote has opened").await;
        told.sort();
        assert_eq!(told, ["pat@example.org", "rita@example.org", "rob@example.org"]);
    }

    async fn staff_hear_a_week_before_answers_are_due_and_when_they_are_overdue(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut pat = app.signed_in("pat@example.org").await;
        let mut chair = app.signed_in("chair@example.org").await;
        let mut reviews = Vec::new();
        for title in ["Repairs", "Cleaning"] {
            let reply = pat.call::<StartReview>(&[("slug", SLUG), ("title", title)]).await;
            let review = last_number(reply.header("location").unwrap()).to_string();
            for text in ["Book the second visit on the spot.", "Publish fix rates."] {
                let reply = pat.call::<AddRecommendation>(&[("slug", SLUG), ("id", &review), ("text", text)]).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
            }
            assert_eq!(chair.call::<PublishReport>(&[("slug", SLUG), ("id", &review)]).await.status, 200);
            reviews.push(review);
        }
        // Every recommendation of "Cleaning" is answered; one of "Repairs".
        let mut sam = app.signed_in("sam@example.org").await;
        let recommendations: Vec<(i64, i64)> = sqlx::query_as("SELECT id, review_id FROM recommendations ORDER BY id")
            .fetch_all(app.db.pool()).await.unwrap();
        for (n, (id, review)) in recommendations.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let fields = vec![("slug", SLUG.to_string()), ("review_id", review.to_string()), ("recommendation_id", id.to_string()),
                ("answer", "not_accepted".to_string()), ("reason", "Not this year.".to_string()), ("action", String::new()),
                ("owner", String::new()), ("due_on", String::new())];
            let reply = sam.call::<AnswerRecommendation>(&pairs(&fields)).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        let due: i64 = sqlx::query_scalar("SELECT response_due_at FROM scrutiny_reviews WHERE id = $1")
            .bind(reviews[0].parse::<i64>().unwrap()).fetch_one(app.db.pool()).await.unwrap();

        assert_eq!(send_due(&app.db, "", due - 8 * DAY).await.unwrap(), Sent::default(), "not yet a week before");
        let sent = send_due(&app.db, "", due - 3 * DAY).await.unwrap();
        assert_eq!((sent.answers_due_soon, sent.answers_overdue, sent.emails), (1, 0, 2), "{sent:?}");
        assert_eq!(sent_to(&app, "Due in a week").await, ["sam@example.org", "ada@example.org"]);
        let (_, subject, body) = app.outbox().await.into_iter().find(|(_, s, _)| s.starts_with("Due in a week")).unwrap();
        assert!(subject.contains("Repairs"), "{subject}");
        assert!(body.contains("1 of 2 recommendations have no answer"), "{body}");

        let sent = send_due(&app.db, "", due + HOUR).await.unwrap();
        assert_eq!((sent.answers_due_soon, sent.answers_overdue, sent.emails), (0, 1, 2), "{sent:?}");
        assert_eq!(sent_to(&app, "Overdue").await, ["sam@example.org", "ada@example.org"]);
        assert_eq!(send_due(&app.db, "", due + DAY).await.unwrap(), Sent::default(), "once");
    }
}

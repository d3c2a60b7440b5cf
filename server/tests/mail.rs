//! Email through the outbox: real SMTP delivery to a local server started by
//! the test, retries while the server is down or silent, two servers sharing
//! one outbox, shutdown during a hung send, and .eml files without SMTP.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use std::{
    collections::BTreeMap,
    process::{Command, Stdio},
    time::Duration,
};

use app::{
    accounts::sign_in::{RequestSignInLink, UseSignInLink},
    mail::{enqueue, Email},
    time::Timestamp,
};
use common::{
    smtp::{decode_quoted_printable, SmtpServer},
    TestApp, TestDatabase,
};
use tenant_voice::{
    database, demo,
    mail::{deliver_due, run_worker, Delivery, Mailer},
};
use tokio::sync::watch;

fn smtp_url(server: &SmtpServer) -> url::Url {
    url::Url::parse(&format!("smtp://{}", server.addr)).unwrap()
}

fn mailer_for(server: &SmtpServer) -> Mailer {
    Mailer::new(
        Some(&smtp_url(server)),
        std::path::Path::new("unused"),
        None,
        "http://portal.test",
    )
    .unwrap()
}

fn recipient(raw: &str) -> String {
    raw.lines()
        .find_map(|l| l.strip_prefix("To: "))
        .expect("a To: line")
        .to_string()
}

async fn enqueue_to(db: &app::state::Db, recipient: &str) {
    let email = Email::compose(recipient, "Hello", "Hello,", &[], None, "a test.");
    enqueue(db.pool(), &email).await.unwrap();
}

/// Two app servers, each with its own worker and connection pool, on one
/// PostgreSQL database (SQLite is one machine by design), and a mail server
/// so slow that a pass outlasts the lease: still, each message goes out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_and_a_slow_mail_server_send_each_message_once() {
    let app = TestApp::start(app::state::Backend::Postgres).await;
    const MESSAGES: usize = 40;
    for n in 1..=MESSAGES {
        enqueue_to(&app.db, &format!("person{n}@example.org")).await;
    }
    // A message waits for at least four replies (MAIL, RCPT, DATA, the final
    // dot): about half a second, well inside the 3 s send limit, and the
    // first server alone needs at least 16 s for all 40.
    let server = SmtpServer::slow(Duration::from_millis(100)).await;
    let mailer = || mailer_for(&server).with_send_limit(Duration::from_secs(3));
    let lease = mailer().lease();
    let (stop, stopped) = watch::channel(false);
    let mut workers = Vec::new();
    for second in [false, true] {
        if second {
            // The second server looks while the first is still in its first
            // pass, which by now has run longer than a lease.
            tokio::time::sleep(lease + Duration::from_secs(1)).await;
            let waiting = app
                .count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
                .await;
            assert!(waiting > 2, "the first server should still be busy");
        }
        let db = database::connect(app.url()).await.unwrap();
        workers.push(tokio::spawn(run_worker(db, mailer(), stopped.clone())));
    }
    let mut waited = Duration::ZERO;
    while app
        .count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
        .await
        > 0
    {
        assert!(
            waited < Duration::from_secs(180),
            "the outbox never emptied"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }
    let _ = stop.send(true);
    for worker in workers {
        worker.await.unwrap();
    }
    let received = server.stop().await;

    let mut times_received: BTreeMap<String, usize> = BTreeMap::new();
    for raw in &received {
        *times_received.entry(recipient(raw)).or_default() += 1;
    }
    let repeated: Vec<_> = times_received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "received more than once: {repeated:?}");
    assert_eq!(times_received.len(), MESSAGES, "every message arrives");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE attempts <> 1 OR last_error IS NOT NULL")
            .await,
        0,
        "each message was taken once and sent at the first try"
    );
}

/// A mail server that stops answering (at once, or at `silent_from`): the
/// send is given up after the limit and retried after the backoff, on a new
/// connection, since the cut-off one may be mid-dialogue.
async fn given_up_on_and_tried_again_later(
    backend: app::state::Backend,
    silent_from: &'static str,
) {
    let app = TestApp::start(backend).await;
    enqueue_to(&app.db, "patient@example.org").await;
    let server = SmtpServer::silent_from(silent_from).await;
    let limit = Duration::from_secs(1);
    let mailer = mailer_for(&server).with_send_limit(limit);

    let started = Timestamp::now();
    let first = tokio::time::timeout(
        Duration::from_secs(30),
        deliver_due(&app.db, &mailer, started),
    )
    .await
    .expect("a send to a mail server that never answers should be given up on")
    .unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    assert_eq!(server.connections(), 1);
    let (next_attempt_at, locked_until, last_error, attempts): (
        i64,
        Option<i64>,
        Option<String>,
        i64,
    ) = sqlx::query_as("SELECT next_attempt_at, locked_until, last_error, attempts FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    // The retry waits its full 30 s from the failure, which came after the limit ran out.
    let earliest_retry = started.millis() + limit.as_millis() as i64 + 30_000;
    assert!(
        next_attempt_at >= earliest_retry,
        "the retry should wait 30 s from the failure: due {next_attempt_at}, not before {earliest_retry}"
    );
    assert_eq!(locked_until, None);
    assert_eq!(attempts, 1);
    let last_error = last_error.expect("why it failed");
    assert!(last_error.contains("no answer"), "{last_error}");
    let early = deliver_due(&app.db, &mailer, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(early, Delivery::default(), "not due again straight away");

    // The server recovers; once the retry is due, the message goes out.
    server.answer();
    let second = tokio::time::timeout(
        Duration::from_secs(30),
        deliver_due(&app.db, &mailer, Timestamp(next_attempt_at)),
    )
    .await
    .expect("a working mail server is not given up on")
    .unwrap();
    assert_eq!((second.sent, second.failed), (1, 0));
    assert_eq!(server.connections(), 2);
    let received = server.stop().await;
    assert_eq!(
        received
            .iter()
            .map(|raw| recipient(raw))
            .collect::<Vec<_>>(),
        ["patient@example.org"]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            .await,
        0
    );
}

on_both_databases! {
    async fn a_sign_in_email_travels_over_smtp_and_its_link_works(backend: Backend) {
        let app = TestApp::start(backend).await;
        demo::load(&app.db).await.unwrap();
        let server = SmtpServer::start("127.0.0.1:0".parse().unwrap(), None).await;
        let mut visitor = app.visitor();
        visitor.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;

        let delivery = deliver_due(&app.db, &mailer_for(&server), Timestamp::now()).await.unwrap();
        assert_eq!((delivery.sent, delivery.failed), (1, 0));
        let received = server.stop().await;
        assert_eq!(received.len(), 1);
        let raw = &received[0];
        assert!(raw.contains("To: aisha.rahman@example.org"), "{raw}");
        assert!(raw.contains("From: \"Tenant Voice\" <noreply@portal.test>"), "{raw}");
        assert!(raw.contains("Subject: Your link to sign in to Tenant Voice"), "{raw}");
        assert!(raw.contains("Message-ID: <outbox-"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
        let text = decode_quoted_printable(raw);
        assert!(text.contains("Why you received this"));

        // Follow the link found in the message as received.
        let start = text.find("http://portal.test/sign-in/link?token=").expect("a sign-in link");
        let link: String = text[start..].chars().take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"').collect();
        let token = link.rsplit('=').next().unwrap();
        assert_eq!(token.len(), 64, "{link}");
        let reply = visitor.call::<UseSignInLink>(&[("token", token)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(visitor.get("/account").await.body.contains("Aisha Rahman"));

        // Once delivered, the message no longer holds the link.
        let (sent_at, body): (Option<i64>, String) = sqlx::query_as("SELECT sent_at, body_text FROM outbox")
            .fetch_one(app.db.pool()).await.unwrap();
        assert!(sent_at.is_some());
        assert_eq!(body, "");
    }

    async fn when_smtp_fails_mid_way_every_message_still_arrives_exactly_once(backend: Backend) {
        let app = TestApp::start(backend).await;
        for n in 1..=6 {
            let email = Email::compose(&format!("person{n}@example.org"), &format!("Message {n}"), "Hello,", &[], None, "a test.");
            enqueue(app.db.pool(), &email).await.unwrap();
        }
        // A worker that died holding message 6: its hold runs out later.
        sqlx::query("UPDATE outbox SET locked_until = $1, attempts = 1 WHERE subject = 'Message 6'")
            .bind(Timestamp::now().millis() + 120_000)
            .execute(app.db.pool()).await.unwrap();

        // The mail server takes two messages, then goes down.
        let server = SmtpServer::start("127.0.0.1:0".parse().unwrap(), Some(2)).await;
        let addr = server.addr;
        let mailer = mailer_for(&server);
        let first = deliver_due(&app.db, &mailer, Timestamp::now()).await.unwrap();
        assert_eq!((first.sent, first.failed), (2, 3));
        let before_restart = server.stop().await;
        assert_eq!(before_restart.len(), 2);
        let waiting: Vec<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT subject, next_attempt_at, last_error FROM outbox WHERE sent_at IS NULL ORDER BY id")
            .fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(waiting.len(), 4);
        for (subject, next_attempt_at, last_error) in &waiting[..3] {
            assert!(*next_attempt_at > Timestamp::now().millis(), "{subject} should wait before its retry");
            assert!(last_error.is_some(), "{subject} should say why it failed");
        }
        // A retry before its time does nothing.
        let early = deliver_due(&app.db, &mailer, Timestamp::now()).await.unwrap();
        assert_eq!((early.sent, early.failed), (0, 0));

        // The server comes back on the same address and a new worker starts.
        let server = SmtpServer::start(addr, None).await;
        let restarted = mailer_for(&server);
        let later = Timestamp(Timestamp::now().millis() + Duration::from_secs(3 * 3600).as_millis() as i64);
        let second = deliver_due(&app.db, &restarted, later).await.unwrap();
        assert_eq!((second.sent, second.failed), (4, 0));
        let after_restart = server.stop().await;

        let mut recipients: Vec<String> = before_restart.iter().chain(&after_restart).map(|raw| recipient(raw)).collect();
        recipients.sort();
        let expected: Vec<String> = (1..=6).map(|n| format!("person{n}@example.org")).collect();
        assert_eq!(recipients, expected, "every message exactly once");
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0);
    }

    async fn a_mail_server_that_never_answers_is_given_up_on_and_tried_again_later(backend: Backend) {
        given_up_on_and_tried_again_later(backend, "").await;
    }

    async fn a_mail_server_that_falls_silent_mid_message_is_tried_again_on_a_new_connection(backend: Backend) {
        given_up_on_and_tried_again_later(backend, "MAIL").await;
    }

    async fn sigterm_ends_the_server_while_a_send_hangs(backend: Backend) {
        let test_database = TestDatabase::create(backend).await;
        let db = database::connect(&test_database.url).await.unwrap();
        database::migrate(&db).await.unwrap();
        enqueue_to(&db, "waiting@example.org").await;
        db.pool().close().await;
        let server = SmtpServer::silent().await;

        let dir = tempfile::tempdir().unwrap();
        // `serve` checks that the built site is there; a stand-in is enough.
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(site.join("pkg/tenant_voice.js"), "").unwrap();
        let log_path = dir.path().join("server.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_tenant-voice"));
        for setting in ["BASE_URL", "MAIL_FROM", "OUTBOX_DIR", "SESSION_IDLE_MINUTES", "DEMO", "LEPTOS_SITE_ADDR"] {
            command.env_remove(setting);
        }
        let mut child = command
            .current_dir(dir.path())
            .env("DATABASE_URL", &test_database.url)
            .env("SMTP_URL", smtp_url(&server).as_str())
            .env("LEPTOS_SITE_ROOT", &site)
            .env("RUST_LOG", "info")
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .unwrap();
        let logs = || std::fs::read_to_string(&log_path).unwrap_or_default();

        // The worker has connected and waits for a greeting that never comes.
        let mut waited = Duration::ZERO;
        while server.connections() == 0 {
            if waited > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                panic!("the worker never reached the mail server: {}", logs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += Duration::from_millis(50);
        }
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(status.success());

        // A generous bound: it only shows that shutdown does not wait on the send.
        let mut waited = Duration::ZERO;
        let exit = loop {
            if let Some(exit) = child.try_wait().unwrap() {
                break exit;
            }
            if waited > Duration::from_secs(15) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("SIGTERM did not end the server while a send hung: {}", logs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += Duration::from_millis(50);
        };
        assert!(exit.success(), "{exit}: {}", logs());
        assert!(logs().contains("email worker still sending"), "{}", logs());
        server.stop().await;
    }

    async fn without_smtp_messages_become_eml_files(backend: Backend) {
        let app = TestApp::start(backend).await;
        let folder = tempfile::tempdir().unwrap();
        let email = Email::compose("aisha@example.org", "Hello", "Hello Aisha,", &["Welcome.".into()], Some(("Open", "http://portal.test/x")), "a test.");
        enqueue(app.db.pool(), &email).await.unwrap();
        let mailer = Mailer::new(None, &folder.path().join("outbox"), None, "http://portal.test").unwrap();
        let delivery = deliver_due(&app.db, &mailer, Timestamp::now()).await.unwrap();
        assert_eq!(delivery.sent, 1);
        let files: Vec<_> = std::fs::read_dir(folder.path().join("outbox")).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let raw = std::fs::read_to_string(&files[0]).unwrap();
        assert!(raw.contains("To: aisha@example.org") && raw.contains("Subject: Hello"));
        assert!(decode_quoted_printable(&raw).contains("Welcome."));
    }

    async fn an_action_and_its_email_are_written_together_or_not_at_all(backend: Backend) {
        let app = TestApp::start(backend).await;
        let email = Email::compose("a@example.org", "Hi", "Hello,", &[], None, "a test.");
        let mut tx = app.db.begin_write().await.unwrap();
        enqueue(&mut *tx, &email).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    }
}

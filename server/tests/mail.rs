//! Email through the outbox: real SMTP delivery to a local server started by
//! the test, retries while the server is down, and .eml files without one.
mod common;

use std::time::Duration;

use app::{
    accounts::sign_in::{RequestSignInLink, UseSignInLink},
    mail::{enqueue, Email},
    time::Timestamp,
};
use common::{
    smtp::{decode_quoted_printable, SmtpServer},
    TestApp,
};
use tenant_voice::{
    demo,
    mail::{deliver_due, Mailer},
};

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

        let mut recipients: Vec<String> = before_restart.iter().chain(&after_restart)
            .map(|raw| raw.lines().find_map(|l| l.strip_prefix("To: ")).unwrap().to_string())
            .collect();
        recipients.sort();
        let expected: Vec<String> = (1..=6).map(|n| format!("person{n}@example.org")).collect();
        assert_eq!(recipients, expected, "every message exactly once");
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0);
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

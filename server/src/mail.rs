//! Delivering the outbox. Work that sends email writes outbox rows in its own
//! transaction (see `app::mail`); this worker takes due rows one at a time,
//! sends them over SMTP (or, with no SMTP_URL, writes .eml files), and marks
//! them sent. A failure is retried later with growing gaps; a restart picks
//! up whatever is still waiting. Several servers may run workers on one
//! database: a row is held by one worker at a time.
use std::{
    path::{Path, PathBuf},
    sync::Mutex,
    time::{Duration, Instant},
};

use app::{state::Db, time::Timestamp};
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    transport::smtp::AsyncSmtpTransportBuilder,
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use tokio::sync::watch;

/// The longest one send may take, connection and SMTP dialogue together.
/// lettre's own timeout covers only the connect, so a server that accepts
/// and then says nothing would otherwise hold the worker for ever.
const SEND_LIMIT: Duration = Duration::from_secs(60);
/// A claim holds a message for this many send limits, counted from the
/// claim. So its send has ended, done or given up, long before another
/// server may take it; the rest covers the database writes either side and
/// clocks that differ a little between servers.
const LEASE_IN_SEND_LIMITS: u32 = 2;
const _: () = assert!(LEASE_IN_SEND_LIMITS >= 2);
/// The first retry waits this long; each later one twice as long as the last.
const FIRST_RETRY: Duration = Duration::from_secs(30);
const LONGEST_RETRY: Duration = Duration::from_secs(3600);
/// How often the worker looks for new messages.
const POLL: Duration = Duration::from_secs(2);

enum Transport {
    Smtp {
        builder: AsyncSmtpTransportBuilder,
        /// Replaced after a send is cut off: lettre would put that
        /// connection back in its pool mid-dialogue, and the next message
        /// would then read replies meant for the last one.
        pool: Mutex<AsyncSmtpTransport<Tokio1Executor>>,
    },
    Files(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The portal's host name, for Message-IDs.
    host: String,
    /// The portal's address, for links in the messages the worker writes.
    base_url: String,
    /// Whether the file writer may log the first link of each message (demo
    /// mode, or LOG_EMAIL_LINKS): a live sign-in link in a log is a way in
    /// for anyone who can read the log.
    log_links: bool,
    send_limit: Duration,
}

#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: i64,
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub failed: usize,
}

impl Mailer {
    /// SMTP when a URL is given (smtp:// plain or with ?tls=required for
    /// STARTTLS, smtps:// for TLS), else .eml files in `outbox_dir`.
    pub fn new(
        smtp_url: Option<&url::Url>,
        outbox_dir: &Path,
        from: Option<Mailbox>,
        base_url: &str,
    ) -> Result<Self, String> {
        let host = url::Url::parse(base_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into());
        let from = match from {
            Some(from) => from,
            None => format!("Tenant Voice <noreply@{host}>")
                .parse()
                .or_else(|_| "Tenant Voice <noreply@localhost>".parse())
                .map_err(|e| format!("cannot make a sender address: {e}"))?,
        };
        let transport = match smtp_url {
            Some(url) => {
                let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str())
                    .map_err(|e| format!("cannot use SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)));
                Transport::Smtp {
                    pool: Mutex::new(builder.clone().build()),
                    builder,
                }
            }
            None => Transport::Files(outbox_dir.to_path_buf()),
        };
        Ok(Self {
            transport,
            from,
            host,
            base_url: base_url.to_string(),
            log_links: false,
            send_limit: SEND_LIMIT,
        })
    }

    /// Sets the longest one send may take (tests use a second or two); the
    /// lease follows, at twice as long.
    pub fn with_send_limit(mut self, limit: Duration) -> Self {
        self.send_limit = limit;
        self
    }

    /// Lets the file writer log each message's first link, for demos and
    /// development.
    pub fn with_links_in_log(mut self, log_links: bool) -> Self {
        self.log_links = log_links;
        self
    }

    /// Whether messages go to files rather than a mail server.
    pub fn writes_files(&self) -> bool {
        matches!(self.transport, Transport::Files(_))
    }

    /// How long a claim holds a message against other workers.
    pub fn lease(&self) -> Duration {
        self.send_limit * LEASE_IN_SEND_LIMITS
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp { .. } => "SMTP".into(),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    fn build(&self, message: &OutboxMessage) -> Result<Message, String> {
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            // Stable per outbox row, so a receiver can spot a repeat.
            .message_id(Some(format!(
                "<outbox-{}-{}@{}>",
                message.id, message.created_at, self.host
            )))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(message.body_text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(message.body_html.clone()),
                    ),
            )
            .map_err(|e| format!("cannot build the message: {e}"))
    }

    /// Sends one message, giving up after the send limit.
    pub async fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        let email = self.build(message)?;
        match tokio::time::timeout(self.send_limit, self.send_now(message, email)).await {
            Ok(sent) => sent,
            Err(_) => {
                if let Transport::Smtp { builder, pool } = &self.transport {
                    *pool.lock().unwrap_or_else(|e| e.into_inner()) = builder.clone().build();
                }
                Err(format!(
                    "no answer from the mail server within {:?}",
                    self.send_limit
                ))
            }
        }
    }

    async fn send_now(&self, message: &OutboxMessage, email: Message) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp { pool, .. } => {
                let smtp = pool.lock().unwrap_or_else(|e| e.into_inner()).clone();
                smtp.send(email)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("SMTP: {e}"))
            }
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let path = dir.join(format!("{}-{}.eml", message.created_at, message.id));
                tokio::fs::write(&path, email.formatted())
                    .await
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                // With no mail server in a demo, the log is where a developer
                // finds the sign-in link; elsewhere it stays in the file.
                let link = if self.log_links {
                    first_link(&message.body_text).unwrap_or_default()
                } else {
                    "(not logged: see the file)"
                };
                tracing::info!(
                    to = %message.recipient,
                    subject = %message.subject,
                    file = %path.display(),
                    link,
                    "email written to a file (no SMTP_URL set)"
                );
                Ok(())
            }
        }
    }
}

fn first_link(text: &str) -> Option<&str> {
    text.split_whitespace()
        .find(|word| word.starts_with("http://") || word.starts_with("https://"))
}

/// The wait before retry number `attempts` (1 = the first failure).
pub fn retry_delay(attempts: i64) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(LONGEST_RETRY)
}

/// Sends every message that is due, one at a time. Returns what happened.
/// `now` is the time as the pass starts (tests move it forward); the clock is
/// read again at each claim and each failure, so leases and retry gaps count
/// from then, however long the pass has run.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    now: Timestamp,
) -> Result<Delivery, sqlx::Error> {
    let (_never, running) = watch::channel(false);
    deliver(db, mailer, now, &running).await
}

/// As `deliver_due`, but takes no new message once `stop` turns true.
async fn deliver(
    db: &Db,
    mailer: &Mailer,
    now: Timestamp,
    stop: &watch::Receiver<bool>,
) -> Result<Delivery, sqlx::Error> {
    let started = Instant::now();
    let clock = || Timestamp(now.millis() + started.elapsed().as_millis() as i64);
    let mut delivery = Delivery::default();
    // Requests for sign-in links are looked up here, away from the request
    // that asked, so the answer's timing says nothing about the address.
    if let Err(error) =
        app::accounts::sign_in::queries::handle_sign_in_requests(db, &mailer.base_url).await
    {
        tracing::warn!(%error, "could not handle requests for sign-in links");
    }
    while !*stop.borrow() {
        let Some((message, attempts)) = claim_next(db, clock(), mailer.lease()).await? else {
            break;
        };
        match mailer.send(&message).await {
            Ok(()) => {
                // The bodies may hold sign-in links: once sent, they go.
                sqlx::query(
                    "UPDATE outbox SET sent_at = $1, locked_until = NULL, last_error = NULL, \
                     body_text = '', body_html = '' WHERE id = $2",
                )
                .bind(clock())
                .bind(message.id)
                .execute(db.pool())
                .await?;
                delivery.sent += 1;
            }
            Err(error) => {
                let delay = retry_delay(attempts);
                tracing::warn!(
                    message = message.id,
                    attempts,
                    retry_in_secs = delay.as_secs(),
                    %error,
                    "email not delivered; will retry"
                );
                sqlx::query(
                    "UPDATE outbox SET locked_until = NULL, last_error = $1, next_attempt_at = $2 WHERE id = $3",
                )
                .bind(error)
                .bind(clock().millis() + delay.as_millis() as i64)
                .bind(message.id)
                .execute(db.pool())
                .await?;
                delivery.failed += 1;
            }
        }
    }
    Ok(delivery)
}

/// Takes the oldest due message nobody else holds, for `lease` from `now`.
async fn claim_next(
    db: &Db,
    now: Timestamp,
    lease: Duration,
) -> Result<Option<(OutboxMessage, i64)>, sqlx::Error> {
    let row: Option<(i64, String, String, String, String, i64, i64)> = sqlx::query_as(
        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $2 \
                     AND (locked_until IS NULL OR locked_until <= $2) ORDER BY id LIMIT 1) \
           AND sent_at IS NULL AND (locked_until IS NULL OR locked_until <= $2) \
         RETURNING id, recipient, subject, body_text, body_html, created_at, attempts",
    )
    .bind(now.millis() + lease.as_millis() as i64)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(
        |(id, recipient, subject, body_text, body_html, created_at, attempts)| {
            (
                OutboxMessage {
                    id,
                    recipient,
                    subject,
                    body_text,
                    body_html,
                    created_at,
                },
                attempts,
            )
        },
    ))
}

/// Clears what has expired: sessions, used or stale email tokens, old
/// rate-limit windows.
pub async fn housekeeping(db: &Db) -> Result<(), sqlx::Error> {
    let now = Timestamp::now().millis();
    let day_ago = now - 24 * 3_600_000;
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?;
    sqlx::query("DELETE FROM email_tokens WHERE expires_at <= $1")
        .bind(day_ago)
        .execute(db.pool())
        .await?;
    sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1")
        .bind(day_ago)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Runs until `stop` turns true: delivers what is due every couple of
/// seconds and tidies up every few minutes. Once stopped, it finishes the
/// message in hand (within the send limit) and takes no more.
pub async fn run_worker(db: Db, mailer: Mailer, mut stop: watch::Receiver<bool>) {
    tracing::info!(transport = %mailer.describe(), "email worker started");
    let mut passes: u64 = 0;
    loop {
        if let Err(error) = deliver(&db, &mailer, Timestamp::now(), &stop).await {
            tracing::warn!(%error, "email worker could not read the outbox");
        }
        if passes.is_multiple_of(150) {
            if let Err(error) = housekeeping(&db).await {
                tracing::warn!(%error, "housekeeping failed");
            }
        }
        passes += 1;
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
    tracing::info!("email worker stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_growing_at_an_hour() {
        assert_eq!(retry_delay(1), Duration::from_secs(30));
        assert_eq!(retry_delay(2), Duration::from_secs(60));
        assert_eq!(retry_delay(4), Duration::from_secs(240));
        assert_eq!(retry_delay(9), LONGEST_RETRY);
        assert_eq!(retry_delay(500), LONGEST_RETRY);
    }

    #[test]
    fn the_first_link_of_a_message_is_found_for_the_log() {
        assert_eq!(
            first_link("Sign in:\nhttp://portal.test/sign-in/link?token=ab\n\n-- "),
            Some("http://portal.test/sign-in/link?token=ab")
        );
        assert_eq!(first_link("no link here"), None);
    }
}

//! The scheduled check for reminders (votes opening and closing, answers
//! due and overdue), beside the email worker. Every app server runs it; the
//! check itself makes sure each reminder is sent once.
use std::time::Duration;

use app::{scrutiny::reminders, state::Db, time::Timestamp};
use tokio::sync::watch;

/// How often to look. Reminders are about days, so a few minutes late is fine.
const EVERY: Duration = Duration::from_secs(5 * 60);

/// Runs until `stop` turns true, checking at start and then every few minutes.
pub async fn run(db: Db, base_url: String, mut stop: watch::Receiver<bool>) {
    loop {
        match reminders::send_due(&db, &base_url, Timestamp::now().millis()).await {
            Ok(sent) if sent.emails > 0 => tracing::info!(?sent, "reminders queued"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "reminder check failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

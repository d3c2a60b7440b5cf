//! `tenant-voice serve`: migrate, then serve the built site (checked by `main`) until SIGINT or SIGTERM, letting
//! requests in flight finish.
use std::{net::SocketAddr, time::Duration};

use app::state::AppState;
use tokio::net::TcpListener;

use crate::{config::Settings, database, mail, reminders, router};

/// How long shutdown waits for the email worker to finish the message in
/// hand. A send cut off after that stays claimed, and any server retries it
/// once the claim runs out.
const WORKER_GRACE: Duration = Duration::from_secs(5);

pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    // Listened for from the start, so a stop asked for while the server is
    // still starting (the workers may already be busy) is a clean one.
    let stop_asked = shutdown_signal()?;
    let db = database::connect(&settings.database_url).await?;
    database::migrate(&db).await?;
    let listener = TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
    let local = listener.local_addr()?;
    let base_url = settings
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let state = AppState {
        db: db.clone(),
        leptos_options: router::leptos_options(&settings.site_root, local),
        base_url: base_url.clone(),
        demo: settings.demo,
    };
    let mailer = mail::Mailer::new(
        settings.smtp_url.as_ref(),
        &settings.outbox_dir,
        settings.mail_from.clone(),
        &base_url,
    )?
    .with_links_in_log(settings.log_email_links);
    if mailer.writes_files() && !settings.demo {
        tracing::warn!(
            folder = %settings.outbox_dir.display(),
            "SMTP_URL is not set: no email is being sent. Mail is being written to files in the outbox folder instead; set SMTP_URL to send it"
        );
    }
    let (stop_worker, stop) = tokio::sync::watch::channel(false);
    let mut worker = tokio::spawn(mail::run_worker(db.clone(), mailer, stop.clone()));
    let reminders = tokio::spawn(reminders::run(db.clone(), base_url.clone(), stop));
    let app = router::build_app_behind(
        state,
        settings.session_idle,
        settings.trusted_proxies.clone(),
    )
    .into_make_service_with_connect_info::<SocketAddr>();
    tracing::info!(address = %local, database = ?db.backend(), demo = settings.demo, "serving");
    println!("Tenant Voice is running. Open {base_url} in your browser (Ctrl+C stops it).");
    axum::serve(listener, app)
        .with_graceful_shutdown(stop_asked)
        .await?;
    // Let the workers finish what they have in hand, the email worker
    // within its grace, then stop.
    let _ = stop_worker.send(true);
    if tokio::time::timeout(WORKER_GRACE, &mut worker)
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = WORKER_GRACE.as_secs(),
            "email worker still sending; stopped it (the message will be retried)"
        );
        worker.abort();
        let _ = worker.await;
    }
    let _ = reminders.await;
    db.pool().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Registers for SIGINT and SIGTERM now; the future ends when either comes.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

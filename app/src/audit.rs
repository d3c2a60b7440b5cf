//! The audit log: who did what, when and from where. Written in the same
//! transaction as the change it records.
use sqlx::{Any, Executor};

use crate::time::Timestamp;

pub struct AuditEntry<'a> {
    pub actor_user_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub action: &'a str,
    pub subject: String,
    /// An IP address, or "cli" for commands run on the server.
    pub source: &'a str,
}

pub async fn record<'c>(
    executor: impl Executor<'c, Database = Any>,
    entry: AuditEntry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (occurred_at, actor_user_id, organisation_id, action, subject, source) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Timestamp::now())
    .bind(entry.actor_user_id)
    .bind(entry.organisation_id)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(entry.source)
    .execute(executor)
    .await?;
    Ok(())
}

/// Records what a signed-in person did at a landlord: the usual entry.
pub async fn by_person<'c>(
    executor: impl Executor<'c, Database = Any>,
    user_id: i64,
    organisation_id: i64,
    action: &str,
    subject: String,
    source: &str,
) -> Result<(), sqlx::Error> {
    record(
        executor,
        AuditEntry {
            actor_user_id: Some(user_id),
            organisation_id: Some(organisation_id),
            action,
            subject,
            source,
        },
    )
    .await
}

/// Records what `actor` did at their landlord.
pub async fn by_actor<'c>(
    executor: impl Executor<'c, Database = Any>,
    actor: &crate::identity::Actor,
    action: &str,
    subject: String,
) -> Result<(), sqlx::Error> {
    by_person(
        executor,
        actor.user_id,
        actor.organisation_id,
        action,
        subject,
        &actor.source,
    )
    .await
}

//! Requests to join: where a person stands, asking, the staff's list of
//! requests waiting, and deciding one.
use super::JoinStatus;
use crate::identity::Actor;
use crate::{
    accounts::emails,
    audit,
    error::AppError,
    identity::Role,
    mail,
    site::paging::{Paging, PAGE_SIZE},
    state::{AppState, Db},
    time::Timestamp,
};

pub async fn status(db: &Db, user_id: i64, organisation_id: i64) -> Result<JoinStatus, AppError> {
    let role: Option<(String,)> =
        sqlx::query_as("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2")
            .bind(user_id)
            .bind(organisation_id)
            .fetch_optional(db.pool())
            .await?;
    if let Some(role) = role.and_then(|(role,)| Role::parse(&role)) {
        return Ok(JoinStatus::Member(role));
    }
    let latest: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT status, tenancy_reference, decline_reason FROM join_requests \
         WHERE user_id = $1 AND organisation_id = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(organisation_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(match latest {
        Some((status, tenancy_reference, _)) if status == "pending" => {
            JoinStatus::Pending { tenancy_reference }
        }
        Some((status, _, reason)) if status == "declined" => JoinStatus::Declined {
            reason: reason.unwrap_or_default(),
        },
        _ => JoinStatus::CanAsk,
    })
}

pub async fn create_request(
    db: &Db,
    actor: &Actor,
    tenancy_reference: &str,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let mut tx = db.begin_write().await?;
    // The unique index allows one open request; a second (a double
    // click, a retry) is absorbed without a second effect.
    let created: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO join_requests (user_id, organisation_id, tenancy_reference, created_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, organisation_id) WHERE status = 'pending' DO NOTHING RETURNING id",
    )
    .bind(user_id)
    .bind(organisation_id)
    .bind(tenancy_reference)
    .bind(Timestamp::now())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((request_id,)) = created {
        audit::by_actor(
            &mut *tx,
            actor,
            "join_requested",
            format!("join_request:{request_id}"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One page of the requests waiting, oldest first. The page's ids come
/// from the index on (landlord, status, asked, id) alone; the total is
/// the count the database keeps.
pub async fn pending(
    db: &Db,
    organisation_id: i64,
    asked: Option<&str>,
) -> Result<(Vec<super::JoinRequestView>, Paging), AppError> {
    let (_, total) = crate::accounts::counts(db, organisation_id).await?;
    let paging = Paging::clamp(asked, total);
    let rows: Vec<(i64, String, String, String, crate::time::Timestamp)> = sqlx::query_as(
        "SELECT r.id, u.display_name, u.email, r.tenancy_reference, r.created_at \
         FROM (SELECT id FROM join_requests WHERE organisation_id = $1 AND status = 'pending' \
               ORDER BY created_at, id LIMIT $2 OFFSET $3) page \
         JOIN join_requests r ON r.id = page.id JOIN users u ON u.id = r.user_id \
         ORDER BY r.created_at, r.id",
    )
    .bind(organisation_id)
    .bind(PAGE_SIZE)
    .bind(paging.offset())
    .fetch_all(db.pool())
    .await?;
    let requests = rows
        .into_iter()
        .map(
            |(id, name, email, tenancy_reference, created_at)| super::JoinRequestView {
                id,
                name,
                email,
                tenancy_reference,
                asked_on: created_at.to_chrono().format("%-d %B %Y").to_string(),
            },
        )
        .collect();
    Ok((requests, paging))
}

pub enum Decision {
    Approve,
    Decline(String),
}

/// Decides a pending request of this landlord. A request of another
/// landlord, or one already decided, is "not found": nothing changes.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    request_id: i64,
    decision: Decision,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id,
        user_id: decided_by,
        ..
    } = actor;
    let mut tx = state.db.begin_write().await?;
    let (status, reason) = match &decision {
        Decision::Approve => ("approved", None),
        Decision::Decline(reason) => ("declined", Some(reason.as_str())),
    };
    let decided: Option<(i64,)> = sqlx::query_as(
        "UPDATE join_requests SET status = $1, decline_reason = $2, decided_at = $3, decided_by = $4 \
         WHERE id = $5 AND organisation_id = $6 AND status = 'pending' RETURNING user_id",
    )
    .bind(status)
    .bind(reason)
    .bind(Timestamp::now())
    .bind(decided_by)
    .bind(request_id)
    .bind(organisation_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user_id,)) = decided else {
        return Err(AppError::Conflict(
            "That request has already been decided, or does not exist.".into(),
        ));
    };
    let (name, email, landlord, slug): (String, String, String, String) = sqlx::query_as(
        "SELECT u.display_name, u.email, o.name, o.slug FROM users u, organisations o \
         WHERE u.id = $1 AND o.id = $2",
    )
    .bind(user_id)
    .bind(organisation_id)
    .fetch_one(&mut *tx)
    .await?;
    let message = match &decision {
        Decision::Approve => {
            // A person who became a member meanwhile (say, by invitation)
            // keeps the role they have.
            sqlx::query(
                "INSERT INTO memberships (user_id, organisation_id, role, created_at) \
                 VALUES ($1, $2, 'resident', $3) ON CONFLICT (user_id, organisation_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(organisation_id)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?;
            emails::join_approved(
                &email,
                &name,
                &landlord,
                &state.link(&format!("/landlords/{slug}")),
            )
        }
        Decision::Decline(reason) => emails::join_declined(&email, &name, &landlord, reason),
    };
    mail::enqueue(&mut *tx, &message).await?;
    audit::by_actor(
        &mut *tx,
        actor,
        match decision {
            Decision::Approve => "join_approved",
            Decision::Decline(_) => "join_declined",
        },
        format!("user:{user_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

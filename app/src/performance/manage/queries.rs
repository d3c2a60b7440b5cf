//! Saving local measures and the close-to-target margin, each with its
//! audit entry in the same transaction.
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    performance::model::{Direction, Figure, Unit},
    state::Db,
    time::Timestamp,
};

/// Adds a local measure; a second with the same code is refused.
pub async fn add_local_measure(
    db: &Db,
    actor: &Actor,
    code: &str,
    title: &str,
    about: &str,
    unit: Unit,
    direction: Direction,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id, ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM local_measures WHERE organisation_id = $1 AND code = $2",
    )
    .bind(organisation_id)
    .bind(code)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(AppError::invalid(
            "code",
            format!("You already have a measure called {code}. Choose another code."),
        ));
    }
    sqlx::query(
        "INSERT INTO local_measures (organisation_id, code, title, about, unit, direction, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(organisation_id)
    .bind(code)
    .bind(title)
    .bind(about)
    .bind(unit.as_str())
    .bind(direction.as_str())
    .bind(Timestamp::now())
    .execute(&mut *tx)
    .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "performance.local_measure_added",
        format!("measure:{code}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the landlord's "close to target" margin.
pub async fn set_close_margin(db: &Db, actor: &Actor, margin: Figure) -> Result<(), AppError> {
    let &Actor {
        organisation_id, ..
    } = actor;
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE organisations SET close_within = $1 WHERE id = $2")
        .bind(margin.thousandths())
        .bind(organisation_id)
        .execute(&mut *tx)
        .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "performance.close_margin_set",
        format!("margin:{margin}%"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

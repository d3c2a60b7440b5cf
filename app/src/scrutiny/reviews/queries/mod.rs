//! Scrutiny reviews in the database: the draft review and its report,
//! the landlord's answers and progress, "what happened next", and the
//! documents in the evidence log. The few helpers they share are here.
use sqlx::Any;

use crate::{error::AppError, time::format_date};

pub mod answers;
pub mod documents;
pub mod report;
pub mod what_happened_next;

/// The review's publication time, after checking it is this landlord's.
async fn published_at(
    executor: impl sqlx::Executor<'_, Database = Any>,
    organisation_id: i64,
    id: i64,
) -> Result<Option<i64>, AppError> {
    let row: Option<(Option<i64>,)> = sqlx::query_as(
        "SELECT published_at FROM scrutiny_reviews WHERE id = $1 AND organisation_id = $2",
    )
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(executor)
    .await?;
    row.map(|(at,)| at).ok_or(AppError::NotFound)
}

fn due_text(at: i64) -> String {
    format_date(at)
}

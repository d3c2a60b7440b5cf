//! After sign-off: the landlord's responses, overall and per section,
//! publishing, the published text, and what became of earlier
//! recommendations.
use super::{hold_awaiting_response, review_row, section_review, ReviewRow};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    markdown,
    performance::model::Period,
    state::Db,
    time::{uk_day, Timestamp},
};

/// The landlord's response, overall; saved as often as needed until it is
/// published with the review.
pub async fn respond(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    staff: i64,
    response: &str,
) -> Result<(), AppError> {
    let review = review_row(db, landlord, year).await?;
    review.require_awaiting_response()?;
    // Signed off and unpublished is part of the write itself.
    let changed = sqlx::query(
        "UPDATE annual_reviews SET response = $1, responded_by = $2, responded_at = $3 \
         WHERE id = $4 AND signed_off_at IS NOT NULL AND published_at IS NULL",
    )
    .bind(response)
    .bind(staff)
    .bind(Timestamp::now())
    .bind(review.id)
    .execute(db.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::Conflict(
            "The review and its responses are published, so they cannot change.".into(),
        ));
    }
    Ok(())
}

/// Publishes the signed-off review with the landlord's response. Twice is once.
pub async fn publish(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    actor: &Actor,
) -> Result<(), AppError> {
    let review = review_row(db, landlord, year).await?;
    if review.published_at.is_some() {
        return Ok(());
    }
    let response: String = sqlx::query_scalar("SELECT response FROM annual_reviews WHERE id = $1")
        .bind(review.id)
        .fetch_one(db.pool())
        .await?;
    if review.signed_off_at.is_none() || response.trim().is_empty() {
        return Err(AppError::Conflict(
            "A review is published once the panel has signed it off and the landlord has written its response."
                .into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE annual_reviews SET published_at = $1 WHERE id = $2 AND published_at IS NULL",
    )
    .bind(Timestamp::now())
    .bind(review.id)
    .execute(&mut *tx)
    .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "annual_review.published",
        format!("annual_review:{}", review.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every section's text for the published review, with its figures and
/// the landlord's response to it.
pub(super) async fn full_text(
    db: &Db,
    review: &ReviewRow,
) -> Result<Vec<crate::annual_reviews::PublishedSection>, AppError> {
    let rows: Vec<(i64, String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT s.id, s.title, s.kind, s.snapshot, r.body, s.response FROM review_sections s \
         LEFT JOIN section_revisions r ON r.section_id = s.id AND r.number = s.revision \
         WHERE s.review_id = $1 AND s.removed_at IS NULL ORDER BY s.position, s.id",
    )
    .bind(review.id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, kind, snapshot, body, response)| {
            crate::annual_reviews::PublishedSection {
                id,
                title,
                kind,
                snapshot: serde_json::from_str(&snapshot).unwrap_or_default(),
                html: markdown::to_html(&body.unwrap_or_default()),
                response_html: markdown::to_html(&response),
            }
        })
        .collect())
}

/// What became of the recommendations made before `year`'s review: the
/// "Recommendations for next year" of last year's published review, and
/// the scrutiny panel's recommendations published by the end of the year
/// and not done before it began.
pub async fn followup(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
) -> Result<crate::annual_reviews::Followup, AppError> {
    let last: Option<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT s.id, s.title, s.response, r.body FROM review_sections s \
         JOIN annual_reviews a ON a.id = s.review_id \
         LEFT JOIN section_revisions r ON r.section_id = s.id AND r.number = s.revision \
         WHERE a.organisation_id = $1 AND a.year = $2 AND a.published_at IS NOT NULL \
         AND s.kind = 'recommendations' AND s.removed_at IS NULL ORDER BY s.position LIMIT 1",
    )
    .bind(landlord.id)
    .bind(i64::from(year - 1))
    .fetch_optional(db.pool())
    .await?;
    let year_of = |at: i64| Period::year_containing(uk_day(Timestamp(at))).year;
    let scrutiny =
        crate::scrutiny::reviews::queries::what_happened_next::published_recommendations(
            db,
            landlord.id,
        )
        .await?
        .into_iter()
        .filter(|f| {
            year_of(f.published_at) <= year && f.done_at.is_none_or(|done| year_of(done) >= year)
        })
        .map(|f| f.line)
        .collect();
    Ok(crate::annual_reviews::Followup {
        last_review: last.map(|(section_id, title, response, body)| {
            crate::annual_reviews::LastRecommendations {
                year: year - 1,
                section_id,
                title,
                html: markdown::to_html(&body.unwrap_or_default()),
                response_html: markdown::to_html(&response),
            }
        }),
        scrutiny,
    })
}

/// The landlord's response to one section, after sign-off and until the
/// review is published; an empty response takes it away.
pub async fn respond_to_section(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    actor: &Actor,
    response: &str,
) -> Result<(), AppError> {
    let review = section_review(db, landlord, year, id).await?;
    review.require_awaiting_response()?;
    let mut tx = db.begin_write().await?;
    hold_awaiting_response(&mut tx, review.id).await?;
    sqlx::query("UPDATE review_sections SET response = $1 WHERE id = $2")
        .bind(response)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "annual_review.section_response",
        format!("review_section:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

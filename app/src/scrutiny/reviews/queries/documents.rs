//! Documents the panel uploads into a review's evidence log: kept in the
//! database (so every app server sharing it has them), checked to be the
//! kind of file their name says (see `reviews::file_kinds`), and served as
//! downloads, never as pages.
use sha2::{Digest, Sha256};

use super::report::hold_draft;
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    scrutiny::reviews::file_kinds::{download_name, kind_of},
    state::Db,
    time::Timestamp,
    validation::required_text,
};

/// Adds a document to a review that is still a draft; the same file again
/// is kept once. Returns the document's id.
pub async fn store(
    db: &Db,
    landlord: &LandlordRecord,
    review_id: i64,
    actor: &Actor,
    title: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    let &Actor { user_id, .. } = actor;
    let title = required_text("title", title, "a title for the document", 200)?;
    let (content_type, _) = kind_of(file_name, bytes)?;
    let digest = format!("{:x}", Sha256::digest(bytes));
    let mut tx = db.begin_write().await?;
    hold_draft(&mut tx, landlord.id, review_id)
        .await
        .map_err(|error| match error {
            AppError::Conflict(_) => AppError::Conflict(
                "The report has been published, so its evidence log is closed.".into(),
            ),
            other => other,
        })?;
    let earlier: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM evidence_documents WHERE review_id = $1 AND sha256 = $2",
    )
    .bind(review_id)
    .bind(&digest)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = earlier {
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evidence_documents (review_id, title, file_name, content_type, size_bytes, sha256, content, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(review_id)
    .bind(&title)
    .bind(download_name(file_name))
    .bind(content_type)
    .bind(bytes.len() as i64)
    .bind(&digest)
    .bind(bytes)
    .bind(user_id)
    .bind(Timestamp::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "scrutiny.document_added",
        format!("document:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A document as a download: (file name, content type, bytes), if its
/// review belongs to the landlord. Whether the reader may see the review is
/// the caller's check.
pub async fn fetch(
    db: &Db,
    landlord: &LandlordRecord,
    review_id: i64,
    id: i64,
) -> Result<(String, String, Vec<u8>, Option<i64>), AppError> {
    let row: (String, String, Vec<u8>, Option<i64>) = sqlx::query_as(
        "SELECT d.file_name, d.content_type, d.content, s.published_at FROM evidence_documents d \
         JOIN scrutiny_reviews s ON s.id = d.review_id \
         WHERE d.id = $1 AND d.review_id = $2 AND s.organisation_id = $3",
    )
    .bind(id)
    .bind(review_id)
    .bind(landlord.id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(row)
}

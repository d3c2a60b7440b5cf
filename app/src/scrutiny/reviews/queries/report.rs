//! The review and its report in the database: starting a review, the draft's
//! scope, evidence and recommendations, publishing, and reading it back.
use chrono::{Datelike, NaiveDate};

use super::{due_text, published_at};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    performance::LandlordRef,
    scrutiny::reviews::{
        lateness, Answer, Evidence, ProgressUpdate, Recommendation, ReviewDetail, Standing,
    },
    state::Db,
    time::{format_date, Timestamp},
};

const WEEK: i64 = 7 * 24 * 3600 * 1000;

pub async fn start(
    db: &Db,
    actor: &Actor,
    title: &str,
    proposal_id: Option<i64>,
) -> Result<i64, AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let mut tx = db.begin_write().await?;
    if let Some(proposal_id) = proposal_id {
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM proposals WHERE id = $1 AND organisation_id = $2",
        )
        .bind(proposal_id)
        .bind(organisation_id)
        .fetch_optional(&mut *tx)
        .await?;
        match status.as_deref() {
            Some("chosen") => {}
            Some(_) => {
                return Err(AppError::Conflict(
                    "A review starts from a topic the panel has chosen.".into(),
                ))
            }
            None => return Err(AppError::NotFound),
        }
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM scrutiny_reviews WHERE proposal_id = $1")
                .bind(proposal_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = existing {
            // Started already (a double click): the same review.
            return Ok(id);
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO scrutiny_reviews (organisation_id, proposal_id, title, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(organisation_id)
    .bind(proposal_id)
    .bind(title)
    .bind(user_id)
    .bind(Timestamp::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "scrutiny.review_started",
        format!("review:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Holds a draft review open for the rest of the write: the check that
/// it is unpublished is an update of its row, which locks it until
/// commit (PostgreSQL re-checks it after any publish it waited for), so
/// publishing waits for this write or this write sees the publication.
pub(super) async fn hold_draft(
    conn: &mut sqlx::AnyConnection,
    organisation_id: i64,
    id: i64,
) -> Result<(), AppError> {
    let held = sqlx::query(
        "UPDATE scrutiny_reviews SET published_at = published_at \
         WHERE id = $1 AND organisation_id = $2 AND published_at IS NULL",
    )
    .bind(id)
    .bind(organisation_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if held == 1 {
        return Ok(());
    }
    published_at(&mut *conn, organisation_id, id).await?;
    Err(published_already())
}

fn published_already() -> AppError {
    AppError::Conflict("The report has been published, so the review can no longer change.".into())
}

pub async fn save_text(
    db: &Db,
    organisation_id: i64,
    id: i64,
    scope: &str,
    summary: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    // Unpublished is part of the write itself.
    let changed = sqlx::query(
        "UPDATE scrutiny_reviews SET scope = $1, summary = $2 \
         WHERE id = $3 AND organisation_id = $4 AND published_at IS NULL",
    )
    .bind(scope)
    .bind(summary)
    .bind(id)
    .bind(organisation_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        published_at(&mut *tx, organisation_id, id).await?;
        return Err(published_already());
    }
    tx.commit().await?;
    Ok(())
}

/// The day a meeting was held, as "2026-11-03": a real date, within the
/// last five years or the coming one.
pub fn meeting_day(text: &str) -> Result<String, AppError> {
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::invalid(
            "held_on",
            "Enter the date of the meeting, such as 2026-11-03",
        )
    })?;
    let today = crate::time::uk_today();
    if day < today - chrono::Duration::days(5 * 366) || day > today + chrono::Duration::days(366) {
        return Err(AppError::invalid(
            "held_on",
            "Enter a date within the last five years or the coming year",
        ));
    }
    Ok(day.to_string())
}

#[allow(clippy::too_many_arguments)]
pub async fn add_evidence(
    db: &Db,
    organisation_id: i64,
    id: i64,
    user_id: i64,
    kind: &str,
    title: &str,
    body: &str,
    url: Option<&str>,
    held_on: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    hold_draft(&mut tx, organisation_id, id).await?;
    sqlx::query(
        "INSERT INTO review_evidence (review_id, kind, title, body, url, held_on, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(kind)
    .bind(title)
    .bind(body)
    .bind(url)
    .bind(held_on)
    .bind(user_id)
    .bind(Timestamp::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_recommendation(
    db: &Db,
    organisation_id: i64,
    id: i64,
    text: &str,
) -> Result<i64, AppError> {
    let mut tx = db.begin_write().await?;
    hold_draft(&mut tx, organisation_id, id).await?;
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO recommendations (review_id, number, text) \
         SELECT $1, COALESCE(MAX(number), 0) + 1, $2 FROM recommendations WHERE review_id = $1 \
         RETURNING number",
    )
    .bind(id)
    .bind(text)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(number)
}

/// Publishes a report at `now`; the landlord's answers are due after the
/// landlord's response period. Publishing twice publishes once.
pub async fn publish(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
    actor: &Actor,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let weeks: i64 = sqlx::query_scalar("SELECT response_weeks FROM organisations WHERE id = $1")
        .bind(landlord.id)
        .fetch_one(&mut *tx)
        .await?;
    // Publishes only a draft, in one statement: it waits for any edit
    // holding the draft (`hold_draft`), and edits after it are refused.
    let published = sqlx::query(
        "UPDATE scrutiny_reviews SET published_at = $1, response_due_at = $2 \
         WHERE id = $3 AND organisation_id = $4 AND published_at IS NULL",
    )
    .bind(now)
    .bind(now + weeks * WEEK)
    .bind(id)
    .bind(landlord.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if published == 0 {
        // Published already (twice publishes once), or not this landlord's.
        published_at(&mut *tx, landlord.id, id).await?;
        return Ok(());
    }
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM recommendations WHERE review_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if count == 0 {
        return Err(AppError::Conflict(
            "Add at least one recommendation before publishing the report.".into(),
        ));
    }
    audit::by_actor(
        &mut *tx,
        actor,
        "scrutiny.report_published",
        format!("review:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    title: String,
    scope: String,
    summary: String,
    proposal_id: Option<i64>,
    proposal_title: Option<String>,
    published_at: Option<i64>,
    response_due_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EvidenceRow {
    kind: String,
    title: String,
    body: String,
    url: Option<String>,
    held_on: Option<String>,
    added_by: Option<String>,
    added_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct RecommendationRow {
    id: i64,
    number: i64,
    text: String,
    response: Option<String>,
    reason: String,
    action: String,
    owner: String,
    due_at: Option<i64>,
    done_at: Option<i64>,
    first_responded_at: Option<i64>,
}

/// The review, if the viewer may read it: published reports are
/// public; a draft is for the panel and staff, and to others it does
/// not exist yet.
pub async fn visible_review(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
    viewer: Option<&crate::identity::CurrentUser>,
) -> Result<ReviewDetail, AppError> {
    use crate::permissions::{require_or_hide, Action};
    let detail = review(db, landlord, id).await?;
    if !detail.is_published() {
        require_or_hide(viewer, Action::SeeDraftReviews, landlord.id)?;
    }
    Ok(detail)
}

async fn review(db: &Db, landlord: &LandlordRecord, id: i64) -> Result<ReviewDetail, AppError> {
    let header: ReviewRow = sqlx::query_as(
        "SELECT s.title, s.scope, s.summary, s.proposal_id, p.title AS proposal_title, \
                s.published_at, s.response_due_at \
         FROM scrutiny_reviews s LEFT JOIN proposals p ON p.id = s.proposal_id \
         WHERE s.id = $1 AND s.organisation_id = $2",
    )
    .bind(id)
    .bind(landlord.id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let ReviewRow {
        title,
        scope,
        summary,
        proposal_id,
        proposal_title,
        published_at: published,
        response_due_at: answers_due,
    } = header;
    let mut evidence: Vec<EvidenceRow> = sqlx::query_as(
        "SELECT e.kind, e.title, e.body, e.url, e.held_on, u.display_name AS added_by, e.added_at FROM review_evidence e \
         LEFT JOIN users u ON u.id = e.added_by WHERE e.review_id = $1 ORDER BY e.added_at, e.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let documents: Vec<(i64, String, String, i64, Option<String>, Timestamp)> = sqlx::query_as(
        "SELECT d.id, d.title, d.content_type, d.size_bytes, u.display_name, d.added_at \
         FROM evidence_documents d LEFT JOIN users u ON u.id = d.added_by \
         WHERE d.review_id = $1 ORDER BY d.added_at, d.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    evidence.extend(documents.into_iter().map(
        |(document, title, content_type, size, added_by, added_at)| EvidenceRow {
            kind: "document".into(),
            title,
            body: format!(
                "{}, {}",
                crate::scrutiny::reviews::file_kinds::label_of(&content_type),
                crate::scrutiny::reviews::file_kinds::size_text(size)
            ),
            url: Some(format!(
                "/landlords/{}/scrutiny/reviews/{id}/documents/{document}",
                landlord.slug
            )),
            held_on: None,
            added_by,
            added_at,
        },
    ));
    evidence.sort_by_key(|e| e.added_at);
    let rows: Vec<RecommendationRow> = sqlx::query_as(
        "SELECT id, number, text, response, reason, action, owner, due_at, done_at, first_responded_at \
         FROM recommendations WHERE review_id = $1 ORDER BY number",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let updates: Vec<(i64, String, i64, Option<String>, Timestamp)> = sqlx::query_as(
        "SELECT u.recommendation_id, u.body, u.marks_done, p.display_name, u.added_at \
         FROM recommendation_updates u JOIN recommendations r ON r.id = u.recommendation_id \
         LEFT JOIN users p ON p.id = u.added_by WHERE r.review_id = $1 ORDER BY u.added_at, u.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut changes = crate::site::history::store::load(
        db,
        landlord.id,
        crate::site::history::store::Kind::Recommendation,
        &ids,
    )
    .await?;
    let now = Timestamp::now().millis();
    let gone = || "Someone whose account has gone".to_string();
    Ok(ReviewDetail {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        id,
        title,
        scope,
        summary,
        from_proposal: proposal_id.zip(proposal_title),
        published_on: published.map(|at| format_date(Timestamp(at))),
        answers_due_on: answers_due.map(due_text),
        evidence: evidence
            .into_iter()
            .map(|e| Evidence {
                kind: e.kind,
                title: e.title,
                body: e.body,
                url: e.url,
                held_on: e.held_on.as_deref().and_then(|day| {
                    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
                    Some(crate::time::format_day((
                        day.year(),
                        day.month(),
                        day.day(),
                    )))
                }),
                added_by: e.added_by.unwrap_or_else(gone),
                added_on: format_date(e.added_at),
            })
            .collect(),
        recommendations: rows
            .into_iter()
            .map(|r| {
                let answer = r.response.as_deref().and_then(Answer::parse);
                Recommendation {
                    id: r.id,
                    number: r.number,
                    text: r.text,
                    answer,
                    reason: r.reason,
                    action: r.action,
                    owner: r.owner,
                    due_on: r.due_at.map(due_text),
                    standing: Standing::at(now, answer, answers_due, r.due_at, r.done_at.is_some()),
                    answered_late: lateness(r.first_responded_at, answers_due),
                    changes: changes
                        .extract_if(.., |(subject, _, _)| *subject == r.id)
                        .map(|(_, _, change)| change)
                        .collect(),
                    updates: updates
                        .iter()
                        .filter(|u| u.0 == r.id)
                        .map(|(_, body, done, by, at)| ProgressUpdate {
                            body: body.clone(),
                            marks_done: *done == 1,
                            by: by.clone().unwrap_or_else(gone),
                            on: format_date(*at),
                        })
                        .collect(),
                }
            })
            .collect(),
        can_work: false,
        can_publish: false,
        can_respond: false,
    })
}

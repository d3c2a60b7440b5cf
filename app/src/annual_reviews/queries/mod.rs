//! Annual reviews in the database, by concern: the review itself
//! (`review`), its sections and notes (`sections`), saving revisions so that
//! no save is ever overwritten (`revisions`), sign-off (`sign_off`) and what
//! follows it, the landlord's response and publishing (`follow_up`). Here:
//! what they share, the review's row and the checks on who may change it.
pub mod follow_up;
pub mod review;
pub mod revisions;
pub mod sections;
pub mod sign_off;

use super::Quorum;
use crate::{
    error::AppError,
    identity::CurrentUser,
    landlords::queries::LandlordRecord,
    performance::LandlordRef,
    permissions::{may_write_annual_review, require_or_hide, Action},
    state::Db,
};

pub(super) fn landlord_ref(landlord: &LandlordRecord) -> LandlordRef {
    LandlordRef {
        slug: landlord.slug.clone(),
        name: landlord.name.clone(),
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ReviewRow {
    id: i64,
    sign_off_asked_at: Option<i64>,
    signed_off_at: Option<i64>,
    response_due_at: Option<i64>,
    published_at: Option<i64>,
    quorum: String,
}

impl ReviewRow {
    fn quorum(&self) -> Quorum {
        Quorum::parse(&self.quorum).unwrap_or(Quorum::Majority)
    }

    /// The landlord answers, overall and section by section, between the
    /// panel's sign-off and publishing.
    fn awaits_response(&self) -> bool {
        self.signed_off_at.is_some() && self.published_at.is_none()
    }

    /// Refuses an answer outside that time, saying why.
    fn require_awaiting_response(&self) -> Result<(), AppError> {
        if self.signed_off_at.is_none() {
            return Err(AppError::Conflict(
                "The landlord responds once the panel has signed the review off.".into(),
            ));
        }
        if self.published_at.is_some() {
            return Err(AppError::Conflict(
                "The review and its responses are published, so they cannot change.".into(),
            ));
        }
        Ok(())
    }
}

pub(super) async fn review_row(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
) -> Result<ReviewRow, AppError> {
    sqlx::query_as(
        "SELECT id, sign_off_asked_at, signed_off_at, response_due_at, published_at, quorum FROM annual_reviews \
         WHERE organisation_id = $1 AND year = $2",
    )
    .bind(landlord.id)
    .bind(i64::from(year))
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)
}

/// A published review is public; before that it is for the panel and
/// staff, and does not exist for anyone else.
pub(super) fn check_readable(
    review: &ReviewRow,
    landlord: &LandlordRecord,
    viewer: Option<&CurrentUser>,
) -> Result<(), AppError> {
    if review.published_at.is_some() {
        Ok(())
    } else {
        require_or_hide(viewer, Action::SeeDraftReviews, landlord.id)
    }
}

pub(super) async fn invited(db: &Db, review_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_authors WHERE review_id = $1 AND user_id = $2",
    )
    .bind(review_id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(count > 0)
}

pub(super) async fn may_write(
    db: &Db,
    landlord: &LandlordRecord,
    review: &ReviewRow,
    viewer: Option<&CurrentUser>,
) -> Result<bool, AppError> {
    let invited = match viewer {
        Some(person) => invited(db, review.id, person.id).await?,
        None => false,
    };
    Ok(review.signed_off_at.is_none()
        && review.sign_off_asked_at.is_none()
        && may_write_annual_review(viewer, landlord.id, invited))
}

/// Refuses a change to a review that cannot take it.
pub(super) async fn require_writer(
    db: &Db,
    landlord: &LandlordRecord,
    review: &ReviewRow,
    person: &CurrentUser,
) -> Result<(), AppError> {
    if review.signed_off_at.is_some() {
        return Err(AppError::Conflict(
            "This review has been signed off, so its text cannot change.".into(),
        ));
    }
    if review.sign_off_asked_at.is_some() {
        return Err(AppError::Conflict(
            "The panel is signing this review off, so its text cannot change. The chair can reopen it for changes."
                .into(),
        ));
    }
    if !may_write(db, landlord, review, Some(person)).await? {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Sections stay as they are while the panel signs off, and for good after.
/// Holds the review open for writing for the rest of the transaction. The
/// check is an update of the review's row: it locks the row until commit
/// (and PostgreSQL re-checks it after any sign-off it waited for), so
/// asking for sign-off waits for this write, or this write is refused.
pub(super) async fn hold_open(
    conn: &mut sqlx::AnyConnection,
    review_id: i64,
) -> Result<(), AppError> {
    let held = sqlx::query(
        "UPDATE annual_reviews SET sign_off_asked_at = sign_off_asked_at \
         WHERE id = $1 AND sign_off_asked_at IS NULL AND signed_off_at IS NULL",
    )
    .bind(review_id)
    .execute(conn)
    .await?
    .rows_affected();
    if held == 0 {
        return Err(AppError::Conflict(
            "The review is being signed off or has been, so its sections cannot change.".into(),
        ));
    }
    Ok(())
}

/// Like `hold_open`, for the landlord's responses: after sign-off, until
/// the review is published.
pub(super) async fn hold_awaiting_response(
    conn: &mut sqlx::AnyConnection,
    review_id: i64,
) -> Result<(), AppError> {
    let held = sqlx::query(
        "UPDATE annual_reviews SET published_at = published_at \
         WHERE id = $1 AND signed_off_at IS NOT NULL AND published_at IS NULL",
    )
    .bind(review_id)
    .execute(conn)
    .await?
    .rows_affected();
    if held == 0 {
        return Err(AppError::Conflict(
            "The review and its responses are published, so they cannot change.".into(),
        ));
    }
    Ok(())
}

pub(super) fn refuse_if_frozen(review: &ReviewRow) -> Result<(), AppError> {
    if review.signed_off_at.is_some() || review.sign_off_asked_at.is_some() {
        return Err(AppError::Conflict(
            "The review is being signed off or has been, so its sections cannot change.".into(),
        ));
    }
    Ok(())
}

/// The panel's members and chair: (user id, email, name).
pub(super) async fn panel(
    db: &Db,
    organisation_id: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.organisation_id = $1 AND m.role IN ('panel_member', 'panel_chair') AND u.deleted_at IS NULL \
         ORDER BY u.id",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await
}

pub(super) async fn section_review(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    section_id: i64,
) -> Result<ReviewRow, AppError> {
    let row = review_row(db, landlord, year).await?;
    let belongs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_sections WHERE id = $1 AND review_id = $2 AND removed_at IS NULL",
    )
    .bind(section_id)
    .bind(row.id)
    .fetch_one(db.pool())
    .await?;
    if belongs == 0 {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

pub(super) async fn revision_body(
    executor: &mut sqlx::AnyConnection,
    section_id: i64,
    number: i64,
) -> Result<String, sqlx::Error> {
    if number == 0 {
        return Ok(String::new());
    }
    sqlx::query_scalar("SELECT body FROM section_revisions WHERE section_id = $1 AND number = $2")
        .bind(section_id)
        .bind(number)
        .fetch_optional(executor)
        .await
        .map(Option::unwrap_or_default)
}

/// The names of the people (other than `me`) who saved revisions after
/// `after` up to `upto`, by name.
pub(super) async fn since_by_others(
    db: &Db,
    section_id: i64,
    after: i64,
    upto: i64,
    me: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT u.display_name FROM section_revisions r JOIN users u ON u.id = r.author_id \
         WHERE r.section_id = $1 AND r.number > $2 AND r.number <= $3 AND u.id <> $4 \
         ORDER BY u.display_name",
    )
    .bind(section_id)
    .bind(after)
    .bind(upto)
    .bind(me)
    .fetch_all(db.pool())
    .await
}

/// "A", "A and B", "A, B and C".
pub(super) fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SectionRow {
    id: i64,
    position: i64,
    title: String,
    kind: String,
    state: String,
    assignee: Option<String>,
    revision: i64,
}

pub(super) async fn section_rows(db: &Db, review_id: i64) -> Result<Vec<SectionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.position, s.title, s.kind, s.state, u.display_name AS assignee, s.revision \
         FROM review_sections s LEFT JOIN users u ON u.id = s.assignee_id \
         WHERE s.review_id = $1 AND s.removed_at IS NULL ORDER BY s.position, s.id",
    )
    .bind(review_id)
    .fetch_all(db.pool())
    .await
}

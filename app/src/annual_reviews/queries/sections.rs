//! A review's sections: adding and arranging them, inviting staff to
//! write, reading one, setting its state, and the authors' notes on it.
use super::follow_up::followup;
use super::{
    and_list, check_readable, hold_open, landlord_ref, may_write, refuse_if_frozen, require_writer,
    review_row, revision_body, section_review, section_rows, since_by_others,
};
use crate::annual_reviews::{label, SectionDetail, SectionState};
use crate::{
    error::AppError,
    identity::{CurrentUser, Role},
    landlords::queries::LandlordRecord,
    markdown,
    permissions::{allows, Action},
    state::Db,
    time::Timestamp,
};

pub async fn add_section(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    title: &str,
) -> Result<(), AppError> {
    let row = review_row(db, landlord, year).await?;
    refuse_if_frozen(&row)?;
    let mut tx = db.begin_write().await?;
    hold_open(&mut tx, row.id).await?;
    sqlx::query(
        "INSERT INTO review_sections (review_id, position, title) \
         SELECT $1, COALESCE(MAX(position), 0) + 1, $2 FROM review_sections WHERE review_id = $1",
    )
    .bind(row.id)
    .bind(title)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub enum Arrange {
    Rename(String),
    Up,
    Down,
    Remove,
}

/// Renames, moves or removes a section. A removed section keeps its
/// revisions; it is only left out of the review.
pub async fn arrange(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    section_id: i64,
    change: Arrange,
) -> Result<(), AppError> {
    let row = review_row(db, landlord, year).await?;
    refuse_if_frozen(&row)?;
    let sections = section_rows(db, row.id).await?;
    let index = sections
        .iter()
        .position(|s| s.id == section_id)
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin_write().await?;
    hold_open(&mut tx, row.id).await?;
    match change {
        Arrange::Rename(title) => {
            sqlx::query("UPDATE review_sections SET title = $1 WHERE id = $2")
                .bind(title)
                .bind(section_id)
                .execute(&mut *tx)
                .await?;
        }
        Arrange::Remove => {
            sqlx::query("UPDATE review_sections SET removed_at = $1 WHERE id = $2")
                .bind(Timestamp::now())
                .bind(section_id)
                .execute(&mut *tx)
                .await?;
        }
        Arrange::Up | Arrange::Down => {
            let other = match change {
                Arrange::Up => index.checked_sub(1),
                _ => Some(index + 1).filter(|&i| i < sections.len()),
            };
            if let Some(other) = other {
                // Positions are renumbered in order, with the two swapped.
                let mut order: Vec<i64> = sections.iter().map(|s| s.id).collect();
                order.swap(index, other);
                for (position, id) in order.iter().enumerate() {
                    sqlx::query("UPDATE review_sections SET position = $1 WHERE id = $2")
                        .bind(position as i64 + 1)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

pub async fn invite_author(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    user_id: i64,
    invited_by: i64,
) -> Result<(), AppError> {
    let row = review_row(db, landlord, year).await?;
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2",
    )
    .bind(user_id)
    .bind(landlord.id)
    .fetch_optional(db.pool())
    .await?;
    if !matches!(
        role.as_deref().and_then(Role::parse),
        Some(Role::LandlordStaff | Role::LandlordAdmin)
    ) {
        return Err(AppError::invalid(
            "user_id",
            "Choose a member of the landlord's staff",
        ));
    }
    sqlx::query(
        "INSERT INTO review_authors (review_id, user_id, invited_by, invited_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (review_id, user_id) DO NOTHING",
    )
    .bind(row.id)
    .bind(user_id)
    .bind(invited_by)
    .bind(Timestamp::now())
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn section(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    viewer: Option<&CurrentUser>,
) -> Result<SectionDetail, AppError> {
    let review = section_review(db, landlord, year, id).await?;
    check_readable(&review, landlord, viewer)?;
    let (title, kind, state, assignee, snapshot, revision, response): (
        String,
        String,
        String,
        Option<String>,
        String,
        i64,
        String,
    ) = sqlx::query_as(
        "SELECT s.title, s.kind, s.state, u.display_name, s.snapshot, s.revision, s.response \
         FROM review_sections s LEFT JOIN users u ON u.id = s.assignee_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    let mut conn = db.pool().acquire().await?;
    let body = revision_body(&mut conn, id, revision).await?;
    drop(conn);
    let last_saved: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT u.display_name, r.saved_at FROM section_revisions r LEFT JOIN users u ON u.id = r.author_id \
         WHERE r.section_id = $1 AND r.number = $2",
    )
    .bind(id)
    .bind(revision)
    .fetch_optional(db.pool())
    .await?;
    let can_write = may_write(db, landlord, &review, viewer).await?;
    let my_draft = match viewer.filter(|_| can_write) {
        Some(person) => sqlx::query_as::<_, (String, i64)>(
            "SELECT body, based_on FROM section_drafts WHERE section_id = $1 AND author_id = $2",
        )
        .bind(id)
        .bind(person.id)
        .fetch_optional(db.pool())
        .await?,
        None => None,
    };
    // Whose words "Replace their version with mine" would take out, and when
    // the version shown beside the draft was saved.
    let draft_replaces = match (&my_draft, viewer, &last_saved) {
        (Some((_, started)), Some(person), Some((by, at))) => {
            let mut names = since_by_others(db, id, *started, revision, person.id).await?;
            if names.is_empty() {
                names.push(
                    by.clone()
                        .unwrap_or_else(|| "someone whose account has gone".into()),
                );
            }
            Some((and_list(&names), crate::time::format_moment(*at)))
        }
        _ => None,
    };
    let assignable = if can_write {
        writers(db, landlord.id, review.id)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect()
    } else {
        Vec::new()
    };
    let insider = allows(viewer, Action::SeeDraftReviews, landlord.id);
    let notes = if insider {
        notes(db, id).await?
    } else {
        Vec::new()
    };
    let followup = match kind.as_str() {
        "progress" => Some(followup(db, landlord, year).await?),
        _ => None,
    };
    Ok(SectionDetail {
        landlord: landlord_ref(landlord),
        year,
        label: label(year),
        id,
        title,
        followup,
        notes,
        state: SectionState::parse(&state).unwrap_or(SectionState::Drafting),
        assignee,
        snapshot: serde_json::from_str(&snapshot).unwrap_or_default(),
        revision,
        html: markdown::to_html(&body),
        body,
        last_saved: last_saved.map(|(by, at)| {
            format!(
                "Revision {revision}, saved by {} on {}",
                by.unwrap_or_else(|| "someone whose account has gone".into()),
                crate::time::format_moment(at)
            )
        }),
        my_draft,
        draft_replaces,
        can_write,
        can_see_history: insider,
        assignable,
        response_html: markdown::to_html(&response),
        response,
        may_respond: review.awaits_response()
            && allows(viewer, Action::RespondToAnnualReview, landlord.id),
    })
}

/// The people writing a review, who may be given a section: the panel and
/// the staff the chair invited. (user id, name), by name.
async fn writers(
    db: &Db,
    organisation_id: i64,
    review_id: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u WHERE u.deleted_at IS NULL AND ( \
           u.id IN (SELECT user_id FROM memberships WHERE organisation_id = $1 AND role IN ('panel_member', 'panel_chair')) \
           OR u.id IN (SELECT user_id FROM review_authors WHERE review_id = $2)) \
         ORDER BY u.display_name",
    )
    .bind(organisation_id)
    .bind(review_id)
    .fetch_all(db.pool())
    .await
}

pub async fn set_state(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    person: &CurrentUser,
    state: SectionState,
    assignee: Option<i64>,
) -> Result<(), AppError> {
    let review = section_review(db, landlord, year, id).await?;
    require_writer(db, landlord, &review, person).await?;
    if let Some(assignee) = assignee {
        let writers = writers(db, landlord.id, review.id).await?;
        if !writers.iter().any(|(id, _)| *id == assignee) {
            return Err(AppError::invalid(
                "assignee",
                "Choose someone writing this review",
            ));
        }
    }
    let mut tx = db.begin_write().await?;
    hold_open(&mut tx, review.id).await?;
    sqlx::query("UPDATE review_sections SET state = $1, assignee_id = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(assignee)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An author's note on a section, for the other authors.
pub async fn add_note(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    person: &CurrentUser,
    body: &str,
) -> Result<(), AppError> {
    let review = section_review(db, landlord, year, id).await?;
    require_writer(db, landlord, &review, person).await?;
    let mut tx = db.begin_write().await?;
    hold_open(&mut tx, review.id).await?;
    sqlx::query("INSERT INTO section_notes (section_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(person.id)
        .bind(body)
        .bind(Timestamp::now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a note dealt with. Resolving twice keeps the first.
pub async fn resolve_note(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    note: i64,
    person: &CurrentUser,
) -> Result<(), AppError> {
    let review = section_review(db, landlord, year, id).await?;
    require_writer(db, landlord, &review, person).await?;
    let mut tx = db.begin_write().await?;
    hold_open(&mut tx, review.id).await?;
    let found = sqlx::query(
        "UPDATE section_notes SET resolved_at = COALESCE(resolved_at, $1), resolved_by = COALESCE(resolved_by, $2) \
         WHERE id = $3 AND section_id = $4",
    )
    .bind(Timestamp::now())
    .bind(person.id)
    .bind(note)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if found == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: i64,
    author: Option<String>,
    body: String,
    created_at: i64,
    resolved_at: Option<i64>,
    resolver: Option<String>,
}

/// The authors' notes on a section, oldest first.
async fn notes(db: &Db, id: i64) -> Result<Vec<crate::annual_reviews::SectionNote>, sqlx::Error> {
    let rows: Vec<NoteRow> = sqlx::query_as(
        "SELECT n.id, a.display_name AS author, n.body, n.created_at, n.resolved_at, r.display_name AS resolver \
         FROM section_notes n LEFT JOIN users a ON a.id = n.author_id LEFT JOIN users r ON r.id = n.resolved_by \
         WHERE n.section_id = $1 ORDER BY n.created_at, n.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let gone = || "someone whose account has gone".to_string();
    Ok(rows
        .into_iter()
        .map(|row| crate::annual_reviews::SectionNote {
            id: row.id,
            by: row.author.unwrap_or_else(gone),
            on: crate::time::format_moment(row.created_at),
            body: row.body,
            resolved: row.resolved_at.map(|at| {
                format!(
                    "Resolved by {} on {}",
                    row.resolver.clone().unwrap_or_else(gone),
                    crate::time::format_moment(at)
                )
            }),
        })
        .collect())
}

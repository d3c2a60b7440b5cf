//! Annual reviews in the database: starting a year's review with its
//! sections and frozen figures, arranging sections, and saving revisions so
//! that no save is ever overwritten.
use super::{
    label,
    merge::{self, Merged},
    AnnualReviewsData, Quorum, ReviewDetail, ReviewSummary, RevisionLine, SectionDetail,
    SectionHistory, SectionState, SectionSummary, SnapshotRow, FREE_SECTIONS,
};
use crate::{
    accounts::{CurrentUser, Role},
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    markdown,
    performance::{
        build_series,
        model::Period,
        queries::{figures_for, measures_for},
        LandlordRef,
    },
    permissions::{allows, may_write_annual_review, require_or_hide, Action},
    state::Db,
    time::{format_date, uk_day, Timestamp},
};

fn landlord_ref(landlord: &LandlordRecord) -> LandlordRef {
    LandlordRef {
        slug: landlord.slug.clone(),
        name: landlord.name.clone(),
    }
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
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

async fn review_row(db: &Db, landlord: &LandlordRecord, year: i32) -> Result<ReviewRow, AppError> {
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
fn check_readable(
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

async fn invited(db: &Db, review_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_authors WHERE review_id = $1 AND user_id = $2",
    )
    .bind(review_id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(count > 0)
}

async fn may_write(
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
async fn require_writer(
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

pub async fn list(
    db: &Db,
    landlord: &LandlordRecord,
    viewer: Option<&CurrentUser>,
) -> Result<AnnualReviewsData, AppError> {
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT year, signed_off_at, published_at FROM annual_reviews \
         WHERE organisation_id = $1 ORDER BY year DESC",
    )
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?;
    let see_drafts = allows(viewer, Action::SeeDraftReviews, landlord.id);
    let reviews = rows
        .iter()
        .filter(|(_, _, published)| published.is_some() || see_drafts)
        .map(|&(year, signed, published)| ReviewSummary {
            year: year as i32,
            label: label(year as i32),
            stage: match (signed, published) {
                (_, Some(at)) => format!("Published on {}", format_date(Timestamp(at))),
                (Some(_), None) => "Signed off; waiting for the landlord's response".into(),
                (None, None) => "Being written".into(),
            },
        })
        .collect();
    let startable = if allows(viewer, Action::RunAnnualReview, landlord.id) {
        let last = crate::charter::queries::last_full_year();
        (last - 1..=last + 1)
            .rev()
            .filter(|year| !rows.iter().any(|(y, _, _)| *y == i64::from(*year)))
            .map(|year| (year.to_string(), Period::year(year).to_string()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(AnnualReviewsData {
        landlord: landlord_ref(landlord),
        reviews,
        startable,
    })
}

/// Each linked measure's series with the year's and the year before's
/// figures, as they stand now.
async fn snapshots(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
) -> Result<Vec<(i64, String, Vec<SnapshotRow>)>, AppError> {
    let commitments: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.id, c.title, c.measure_codes FROM commitments c JOIN charters h ON h.id = c.charter_id \
         WHERE h.organisation_id = $1 ORDER BY h.created_at, h.id, c.position, c.id",
    )
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?;
    let measures = measures_for(db, landlord.id).await?;
    let figures = figures_for(db, landlord.id, None).await?;
    Ok(commitments
        .into_iter()
        .map(|(id, title, codes)| {
            let rows = codes
                .split(',')
                .map(str::trim)
                .filter_map(|code| measures.iter().find(|m| m.code == code))
                .flat_map(|measure| {
                    build_series(measure, &figures, landlord.close_within)
                        .into_iter()
                        .filter_map(|series| {
                            let now = series.at(Period::year(year));
                            let before = series.at(Period::year(year - 1));
                            if now.is_none() && before.is_none() {
                                return None;
                            }
                            Some(SnapshotRow {
                                code: measure.code.clone(),
                                title: measure.title.clone(),
                                series: series.label(),
                                unit: measure.unit,
                                result: now.and_then(|p| p.result),
                                target: now.and_then(|p| p.target),
                                status: now.and_then(|p| p.status),
                                last_result: before.and_then(|p| p.result),
                                last_target: before.and_then(|p| p.target),
                            })
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            (id, title, rows)
        })
        .collect())
}

/// Starts the review of `year`: a section per commitment, with its figures
/// frozen, then the free sections. Starting twice starts once.
pub async fn start(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    user_id: i64,
    source: &str,
) -> Result<i64, AppError> {
    let last = crate::charter::queries::last_full_year();
    if !(last - 1..=last + 1).contains(&year) {
        return Err(AppError::invalid(
            "year",
            "Choose the year just ended, the year before, or the year under way",
        ));
    }
    let sections = snapshots(db, landlord, year).await?;
    let mut tx = db.begin_write().await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM annual_reviews WHERE organisation_id = $1 AND year = $2",
    )
    .bind(landlord.id)
    .bind(i64::from(year))
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO annual_reviews (organisation_id, year, started_by, started_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(landlord.id)
    .bind(i64::from(year))
    .bind(user_id)
    .bind(Timestamp::now())
    .fetch_one(&mut *tx)
    .await?;
    let mut position = 0i64;
    let free =
        |(kind, title): &(&'static str, &str)| (*kind, title.to_string(), None, String::new());
    for (kind, title, commitment, snapshot) in std::iter::once(free(&FREE_SECTIONS[0]))
        .chain(sections.into_iter().map(|(commitment, title, rows)| {
            let json = serde_json::to_string(&rows).unwrap_or_default();
            ("commitment", title, Some(commitment), json)
        }))
        .chain(FREE_SECTIONS[1..].iter().map(free))
    {
        position += 1;
        let title: String = title.chars().take(150).collect();
        sqlx::query(
            "INSERT INTO review_sections (review_id, position, title, commitment_id, snapshot, kind) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(position)
        .bind(title)
        .bind(commitment)
        .bind(snapshot)
        .bind(kind)
        .execute(&mut *tx)
        .await?;
    }
    audit::by_person(
        &mut *tx,
        user_id,
        landlord.id,
        "annual_review.started",
        format!("annual_review:{id}"),
        source,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct SectionRow {
    id: i64,
    position: i64,
    title: String,
    kind: String,
    state: String,
    assignee: Option<String>,
    revision: i64,
}

async fn section_rows(db: &Db, review_id: i64) -> Result<Vec<SectionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.position, s.title, s.kind, s.state, u.display_name AS assignee, s.revision \
         FROM review_sections s LEFT JOIN users u ON u.id = s.assignee_id \
         WHERE s.review_id = $1 AND s.removed_at IS NULL ORDER BY s.position, s.id",
    )
    .bind(review_id)
    .fetch_all(db.pool())
    .await
}

pub async fn review(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    viewer: Option<&CurrentUser>,
) -> Result<ReviewDetail, AppError> {
    let row = review_row(db, landlord, year).await?;
    check_readable(&row, landlord, viewer)?;
    let sections = section_rows(db, row.id)
        .await?
        .into_iter()
        .map(|s| SectionSummary {
            id: s.id,
            position: s.position,
            title: s.title,
            state: SectionState::parse(&s.state).unwrap_or(SectionState::Drafting),
            assignee: s.assignee,
            revision: s.revision,
            kind: s.kind,
        })
        .collect();
    let can_run = row.signed_off_at.is_none()
        && row.sign_off_asked_at.is_none()
        && allows(viewer, Action::RunAnnualReview, landlord.id);
    let authors: Vec<String> = sqlx::query_scalar(
        "SELECT u.display_name FROM review_authors a JOIN users u ON u.id = a.user_id \
         WHERE a.review_id = $1 ORDER BY u.display_name",
    )
    .bind(row.id)
    .fetch_all(db.pool())
    .await?;
    let inviteable = if can_run {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT u.id, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.organisation_id = $1 AND m.role IN ('landlord_staff', 'landlord_admin') \
             AND u.deleted_at IS NULL AND u.id NOT IN (SELECT user_id FROM review_authors WHERE review_id = $2) \
             ORDER BY u.display_name",
        )
        .bind(landlord.id)
        .bind(row.id)
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect()
    } else {
        Vec::new()
    };
    let (published, followup) = match row.published_at {
        Some(_) => (
            Some(full_text(db, &row).await?),
            Some(followup(db, landlord, year).await?),
        ),
        None => (None, None),
    };
    let last_year: Option<i64> = sqlx::query_scalar(
        "SELECT year FROM annual_reviews WHERE organisation_id = $1 AND year = $2 AND published_at IS NOT NULL",
    )
    .bind(landlord.id)
    .bind(i64::from(year - 1))
    .fetch_optional(db.pool())
    .await?;
    Ok(ReviewDetail {
        landlord: landlord_ref(landlord),
        year,
        label: label(year),
        progress: progress(db, landlord, &row, viewer).await?,
        published,
        followup,
        last_year: last_year.map(|y| y as i32),
        sections,
        can_write: may_write(db, landlord, &row, viewer).await?,
        can_run,
        inviteable,
        authors,
    })
}

/// Sections stay as they are while the panel signs off, and for good after.
/// Holds the review open for writing for the rest of the transaction. The
/// check is an update of the review's row: it locks the row until commit
/// (and PostgreSQL re-checks it after any sign-off it waited for), so
/// asking for sign-off waits for this write, or this write is refused.
async fn hold_open(conn: &mut sqlx::AnyConnection, review_id: i64) -> Result<(), AppError> {
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
async fn hold_awaiting_response(
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

fn refuse_if_frozen(review: &ReviewRow) -> Result<(), AppError> {
    if review.signed_off_at.is_some() || review.sign_off_asked_at.is_some() {
        return Err(AppError::Conflict(
            "The review is being signed off or has been, so its sections cannot change.".into(),
        ));
    }
    Ok(())
}

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

async fn section_review(
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

async fn revision_body(
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

/// What became of a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A new revision with this number.
    New(i64),
    /// A new revision combining this save with others saved since its base.
    Merged(i64),
    /// The text was the same as the current revision's.
    Unchanged,
    /// A new revision that took the place of this one, by the author's
    /// choice ("Replace their version with mine").
    Replaced { number: i64, replaced: i64 },
}

/// The author's choice, on the page that shows their kept-aside draft beside
/// the current text, to put their version in its place: where the email to
/// the other authors links to, and where the request came from.
#[derive(Debug, Clone, Copy)]
pub struct Replace<'a> {
    pub base_url: &'a str,
    pub source: &'a str,
}

/// The names of the people (other than `me`) who saved revisions after
/// `after` up to `upto`, by name.
async fn since_by_others(
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
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Saves `body` as the next revision of a section. If others saved since
/// `base`, their changes and this one are merged; where they overlap, the
/// text is kept as the author's draft and the save is refused with a
/// conflict, so the author can resolve it beside the current text. The
/// revision number moves on only from the number read, so two saves at the
/// same moment never overwrite each other: the later one merges again.
pub async fn save(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    author: &CurrentUser,
    base: i64,
    body: &str,
) -> Result<Saved, AppError> {
    save_choosing(db, landlord, year, id, author, base, body, None).await
}

/// Like `save`, with the choice the page offers beside a kept-aside draft.
/// While an author has one, the ordinary save of that draft unchanged is
/// refused: it would drop the words saved since without saying so. The
/// author either combines the two or chooses `replace`, which saves their
/// text in place of the current revision (the one they were shown: if
/// someone saved again since, they are asked again), records which
/// revision it replaced, and emails the other authors whose words leave the
/// current text. Without a kept-aside draft, `replace` changes nothing.
#[allow(clippy::too_many_arguments)]
pub async fn save_choosing(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    author: &CurrentUser,
    base: i64,
    body: &str,
    replace: Option<Replace<'_>>,
) -> Result<Saved, AppError> {
    let review = section_review(db, landlord, year, id).await?;
    require_writer(db, landlord, &review, author).await?;
    loop {
        let mut tx = db.begin_write().await?;
        hold_open(&mut tx, review.id).await?;
        let current: i64 = sqlx::query_scalar("SELECT revision FROM review_sections WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if base > current || base < 0 {
            return Err(AppError::invalid(
                "body",
                "This page is out of date. Copy your text, reload the page and try again.",
            ));
        }
        let current_body = revision_body(&mut tx, id, current).await?;
        let draft: Option<(String, i64)> = sqlx::query_as(
            "SELECT body, based_on FROM section_drafts WHERE section_id = $1 AND author_id = $2",
        )
        .bind(id)
        .bind(author.id)
        .fetch_optional(&mut *tx)
        .await?;
        let replacing = match (replace, &draft) {
            (Some(replace), Some((_, started))) => Some((replace, *started)),
            _ => None,
        };
        let (text, merged) = if let Some((_, started)) = replacing {
            if base != current {
                // Someone saved again after the page was shown: replace
                // nothing they have not seen. The draft keeps its start, so
                // the next choice still tells everyone whose words it drops.
                keep_draft(&mut tx, id, author.id, body, started).await?;
                tx.commit().await?;
                return Err(AppError::Conflict(
                    "Someone saved this section again while you were choosing, so nothing was replaced. \
                     Their newest version is now beside yours. Read it, then choose again."
                        .into(),
                ));
            }
            (body.to_string(), false)
        } else if base == current {
            (body.to_string(), false)
        } else {
            let base_body = revision_body(&mut tx, id, base).await?;
            match merge::merge_apart(base_body, body.to_string(), current_body.clone()).await? {
                Merged::Clean(text) => (text, true),
                Merged::Conflict => {
                    keep_draft(&mut tx, id, author.id, body, base).await?;
                    tx.commit().await?;
                    return Err(AppError::Conflict(
                        "Someone else changed the same part of this section while you were writing. \
                         Nothing you wrote is lost: your version is beside theirs below. \
                         Combine them and save again."
                            .into(),
                    ));
                }
            }
        };
        if text == current_body {
            clear_draft(&mut tx, id, author.id).await?;
            tx.commit().await?;
            return Ok(Saved::Unchanged);
        }
        if replacing.is_none() && draft.as_ref().is_some_and(|(kept, _)| kept == body) {
            // The kept-aside draft, unchanged: saving it would take out the
            // other side's words unseen. That must be an explicit choice.
            tx.rollback().await?;
            return Err(AppError::Conflict(
                "Nothing was saved. Your text is still exactly the version you kept aside, so saving it \
                 would take out the words saved by someone else since. Combine the two versions in the box \
                 and press \u{201c}Save the combined text\u{201d}. Or, if your version should take the place \
                 of theirs, press \u{201c}Replace their version with mine\u{201d}."
                    .into(),
            ));
        }
        let replaced = replacing.map(|_| current);
        let moved =
            sqlx::query("UPDATE review_sections SET revision = $1 WHERE id = $2 AND revision = $3")
                .bind(current + 1)
                .bind(id)
                .bind(current)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if moved == 0 {
            // Someone saved between the read and the update: start again,
            // merging with theirs.
            tx.rollback().await?;
            continue;
        }
        sqlx::query(
            "INSERT INTO section_revisions (section_id, number, body, based_on, merged, author_id, saved_at, replaced_revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(current + 1)
        .bind(&text)
        .bind(base)
        .bind(i64::from(merged))
        .bind(author.id)
        .bind(Timestamp::now())
        .bind(replaced)
        .execute(&mut *tx)
        .await?;
        clear_draft(&mut tx, id, author.id).await?;
        if let Some((choice, started)) = replacing {
            tell_replaced(
                &mut tx,
                choice,
                landlord,
                year,
                id,
                author,
                (started, current),
            )
            .await?;
            audit::by_person(
                &mut *tx,
                author.id,
                landlord.id,
                "annual_review.section_replaced",
                format!("review_section:{id}"),
                choice.source,
            )
            .await?;
            tx.commit().await?;
            return Ok(Saved::Replaced {
                number: current + 1,
                replaced: current,
            });
        }
        tx.commit().await?;
        return Ok(if merged {
            Saved::Merged(current + 1)
        } else {
            Saved::New(current + 1)
        });
    }
}

/// Emails the people whose revisions after `started` up to `replaced` (the
/// words the kept-aside draft did not include) were replaced, inside the
/// save's transaction; not the person who replaced them.
async fn tell_replaced(
    tx: &mut sqlx::AnyConnection,
    choice: Replace<'_>,
    landlord: &LandlordRecord,
    year: i32,
    section_id: i64,
    replacer: &CurrentUser,
    (started, replaced): (i64, i64),
) -> Result<(), sqlx::Error> {
    let people: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT u.email, u.display_name FROM section_revisions r JOIN users u ON u.id = r.author_id \
         WHERE r.section_id = $1 AND r.number > $2 AND r.number <= $3 AND u.id <> $4 AND u.deleted_at IS NULL \
         ORDER BY u.email",
    )
    .bind(section_id)
    .bind(started)
    .bind(replaced)
    .bind(replacer.id)
    .fetch_all(&mut *tx)
    .await?;
    if people.is_empty() {
        return Ok(());
    }
    let (title, saved_at): (String, i64) = sqlx::query_as(
        "SELECT s.title, r.saved_at FROM review_sections s \
         JOIN section_revisions r ON r.section_id = s.id AND r.number = $2 WHERE s.id = $1",
    )
    .bind(section_id)
    .bind(replaced)
    .fetch_one(&mut *tx)
    .await?;
    let replacer_name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(replacer.id)
        .fetch_one(&mut *tx)
        .await?;
    let link = format!(
        "{}/landlords/{}/annual-reviews/{year}/sections/{section_id}/history?from={replaced}&to={}",
        choice.base_url.trim_end_matches('/'),
        landlord.slug,
        replaced + 1
    );
    let review = label(year).to_lowercase();
    for (email, name) in &people {
        let message = crate::mail::Email::compose(
            email,
            &format!("Your words in \u{201c}{title}\u{201d} were replaced"),
            &format!("Hello {name},"),
            &[
                format!(
                    "{replacer_name} has put their own version of the section \u{201c}{title}\u{201d} in place of the one \
                     saved on {} (revision {replaced}). This is in the {review} at {}. Their changes overlapped \
                     yours, and they chose to replace your version rather than combine the two.",
                    crate::time::format_moment(saved_at),
                    landlord.name
                ),
                "Your words are not lost. They are kept in the section\u{2019}s history, where you can read them \
                 and copy anything back into the section."
                    .to_string(),
            ],
            Some(("See what changed in the history", &link)),
            "you wrote part of this section of the annual review on Tenant Voice.",
        );
        crate::mail::enqueue(&mut *tx, &message).await?;
    }
    Ok(())
}

async fn keep_draft(
    tx: &mut sqlx::AnyConnection,
    section_id: i64,
    author_id: i64,
    body: &str,
    base: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO section_drafts (section_id, author_id, body, based_on, saved_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (section_id, author_id) DO UPDATE SET body = excluded.body, based_on = excluded.based_on, \
         saved_at = excluded.saved_at",
    )
    .bind(section_id)
    .bind(author_id)
    .bind(body)
    .bind(base)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

async fn clear_draft(
    tx: &mut sqlx::AnyConnection,
    section_id: i64,
    author_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM section_drafts WHERE section_id = $1 AND author_id = $2")
        .bind(section_id)
        .bind(author_id)
        .execute(tx)
        .await?;
    Ok(())
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

/// A stored revision: its number, author, when saved, the revision it was
/// based on, whether it was merged, its text, and the revision it replaced.
type RevisionRow = (i64, Option<String>, i64, i64, i64, String, Option<i64>);

#[allow(clippy::too_many_arguments)]
pub async fn history(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    viewer: Option<&CurrentUser>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<SectionHistory, AppError> {
    section_review(db, landlord, year, id).await?;
    // Earlier wordings are the authors' working; only the text is published.
    require_or_hide(viewer, Action::SeeDraftReviews, landlord.id)?;
    let title: String = sqlx::query_scalar("SELECT title FROM review_sections WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await?;
    let rows: Vec<RevisionRow> = sqlx::query_as(
        "SELECT r.number, u.display_name, r.saved_at, r.based_on, r.merged, r.body, r.replaced_revision \
         FROM section_revisions r LEFT JOIN users u ON u.id = r.author_id \
         WHERE r.section_id = $1 ORDER BY r.number DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let gone = || "Someone whose account has gone".to_string();
    let body_of = |number: i64| {
        rows.iter()
            .find(|r| r.0 == number)
            .map(|r| r.5.clone())
            .unwrap_or_default()
    };
    let comparison = match (from, to) {
        (Some(from), Some(to)) => {
            let known = |n: i64| n == 0 || rows.iter().any(|r| r.0 == n);
            if !known(from) || !known(to) {
                return Err(AppError::invalid(
                    "from",
                    "Choose two revisions from the list",
                ));
            }
            Some((
                from,
                to,
                merge::diff_apart(body_of(from), body_of(to)).await?,
            ))
        }
        _ => None,
    };
    Ok(SectionHistory {
        landlord: landlord_ref(landlord),
        year,
        id,
        title,
        revisions: rows
            .iter()
            .map(
                |(number, by, at, based_on, merged, body, replaced)| RevisionLine {
                    number: *number,
                    by: by.clone().unwrap_or_else(gone),
                    on: crate::time::format_moment(*at),
                    based_on: *based_on,
                    merged: *merged == 1,
                    characters: body.chars().count(),
                    replaced: replaced.map(|n| {
                        let whose = rows.iter().find(|r| r.0 == n).and_then(|r| r.1.clone());
                        (
                            n,
                            whose.unwrap_or_else(|| "someone whose account has gone".into()),
                        )
                    }),
                },
            )
            .collect(),
        comparison,
    })
}

/// The panel's members and chair: (user id, email, name).
async fn panel(db: &Db, organisation_id: i64) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.organisation_id = $1 AND m.role IN ('panel_member', 'panel_chair') AND u.deleted_at IS NULL \
         ORDER BY u.id",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await
}

/// The chair asks the panel to sign the review off, once every section is
/// agreed; the text is frozen meanwhile, and each member is emailed.
pub async fn ask_sign_off(
    db: &Db,
    base_url: &str,
    landlord: &LandlordRecord,
    year: i32,
    quorum: Quorum,
    chair: i64,
    source: &str,
) -> Result<(), AppError> {
    let review = review_row(db, landlord, year).await?;
    if review.signed_off_at.is_some() || review.sign_off_asked_at.is_some() {
        return Ok(());
    }
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM review_sections WHERE review_id = $1 AND removed_at IS NULL \
         AND state <> 'agreed' ORDER BY position",
    )
    .bind(review.id)
    .fetch_all(db.pool())
    .await?;
    if !open.is_empty() {
        return Err(AppError::Conflict(format!(
            "Every section must be agreed before sign-off. Not agreed yet: {}.",
            open.join(", ")
        )));
    }
    let members = panel(db, landlord.id).await?;
    let mut tx = db.begin_write().await?;
    let asked = sqlx::query(
        "UPDATE annual_reviews SET sign_off_asked_at = $1, quorum = $2 WHERE id = $3 AND sign_off_asked_at IS NULL",
    )
    .bind(Timestamp::now())
    .bind(quorum.as_str())
    .bind(review.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if asked == 1 {
        let link = format!(
            "{}/landlords/{}/annual-reviews/{year}#sign-off",
            base_url.trim_end_matches('/'),
            landlord.slug
        );
        for (_, email, name) in &members {
            let message = crate::mail::Email::compose(
                email,
                &format!("Please sign off the {}", label(year).to_lowercase()),
                &format!("Hello {name},"),
                &[format!(
                    "Every section of the {} at {} is agreed. Please read it and sign it off, or record a dissent with your reasons, which are published with the review.",
                    label(year).to_lowercase(),
                    landlord.name
                )],
                Some(("Read and sign off", &link)),
                "you are on the tenant panel on Tenant Voice.",
            );
            crate::mail::enqueue(&mut *tx, &message).await?;
        }
        audit::by_person(
            &mut *tx,
            chair,
            landlord.id,
            "annual_review.sign_off_asked",
            format!("annual_review:{}", review.id),
            source,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The chair reopens the review for changes: sign-offs so far are cleared.
pub async fn reopen(db: &Db, landlord: &LandlordRecord, year: i32) -> Result<(), AppError> {
    let review = review_row(db, landlord, year).await?;
    if review.signed_off_at.is_some() {
        return Err(AppError::Conflict(
            "The review has been signed off, so it cannot be reopened.".into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE annual_reviews SET sign_off_asked_at = NULL WHERE id = $1 AND signed_off_at IS NULL")
        .bind(review.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM review_sign_offs WHERE review_id = $1")
        .bind(review.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A panel member signs the review off, or records a dissent with a note.
/// When enough of the panel have signed (the quorum the chair chose), the
/// review is signed off, its text frozen, and the landlord's time to
/// respond starts. Returns whether
/// the review is now signed off.
pub async fn sign(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    member: i64,
    dissent: Option<&str>,
    source: &str,
) -> Result<bool, AppError> {
    let review = review_row(db, landlord, year).await?;
    if review.signed_off_at.is_some() {
        return Err(AppError::Conflict(
            "The review has already been signed off.".into(),
        ));
    }
    if review.sign_off_asked_at.is_none() {
        return Err(AppError::Conflict(
            "The chair has not asked for sign-off yet.".into(),
        ));
    }
    let members = panel(db, landlord.id).await?;
    let mut tx = db.begin_write().await?;
    let now = Timestamp::now();
    sqlx::query(
        "INSERT INTO review_sign_offs (review_id, user_id, decision, note, decided_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (review_id, user_id) DO UPDATE SET decision = excluded.decision, note = excluded.note, \
         decided_at = excluded.decided_at",
    )
    .bind(review.id)
    .bind(member)
    .bind(if dissent.is_some() { "dissent" } else { "signed" })
    .bind(dissent.unwrap_or_default())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // Only current panel members count towards the quorum.
    let signed: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM review_sign_offs WHERE review_id = $1 AND decision = 'signed'",
    )
    .bind(review.id)
    .fetch_all(&mut *tx)
    .await?;
    let signed = signed
        .iter()
        .filter(|id| members.iter().any(|(member, _, _)| member == *id))
        .count();
    let quorum = review.quorum().met(signed, members.len());
    if quorum {
        let weeks: i64 =
            sqlx::query_scalar("SELECT response_weeks FROM organisations WHERE id = $1")
                .bind(landlord.id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE annual_reviews SET signed_off_at = $1, response_due_at = $2 \
             WHERE id = $3 AND signed_off_at IS NULL",
        )
        .bind(now)
        .bind(now.millis() + weeks * 7 * 24 * 3600 * 1000)
        .bind(review.id)
        .execute(&mut *tx)
        .await?;
    }
    audit::by_person(
        &mut *tx,
        member,
        landlord.id,
        if dissent.is_some() {
            "annual_review.dissent"
        } else {
            "annual_review.signed"
        },
        format!("annual_review:{}", review.id),
        source,
    )
    .await?;
    tx.commit().await?;
    Ok(quorum)
}

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
    staff: i64,
    source: &str,
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
    audit::by_person(
        &mut *tx,
        staff,
        landlord.id,
        "annual_review.published",
        format!("annual_review:{}", review.id),
        source,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Where sign-off, the response and publishing stand, for the review page.
async fn progress(
    db: &Db,
    landlord: &LandlordRecord,
    review: &ReviewRow,
    viewer: Option<&CurrentUser>,
) -> Result<super::Progress, AppError> {
    let members = panel(db, landlord.id).await?;
    let decisions: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT s.user_id, u.display_name, s.decision, s.note FROM review_sign_offs s \
         JOIN users u ON u.id = s.user_id WHERE s.review_id = $1 ORDER BY s.decided_at",
    )
    .bind(review.id)
    .fetch_all(db.pool())
    .await?;
    let (response, responded_at): (String, Option<i64>) =
        sqlx::query_as("SELECT response, responded_at FROM annual_reviews WHERE id = $1")
            .bind(review.id)
            .fetch_one(db.pool())
            .await?;
    let now = Timestamp::now().millis();
    let my_decision = viewer.and_then(|v| {
        decisions
            .iter()
            .find(|(id, _, _, _)| *id == v.id)
            .map(|(_, _, decision, _)| decision.clone())
    });
    Ok(super::Progress {
        asked: review.sign_off_asked_at.is_some(),
        signed_off_on: review.signed_off_at.map(|at| format_date(Timestamp(at))),
        published_on: review.published_at.map(|at| format_date(Timestamp(at))),
        signed: decisions
            .iter()
            .filter(|d| d.2 == "signed")
            .map(|d| d.1.clone())
            .collect(),
        dissents: decisions
            .iter()
            .filter(|d| d.2 == "dissent")
            .map(|d| (d.1.clone(), d.3.clone()))
            .collect(),
        panel_size: members.len(),
        quorum: review.quorum(),
        response_due_on: review
            .response_due_at
            .map(|at| crate::time::format_date(at - 1)),
        response_overdue: review.published_at.is_none()
            && review.response_due_at.is_some_and(|due| now >= due),
        published_late: matches!((review.published_at, review.response_due_at), (Some(at), Some(due)) if at >= due),
        response: (!response.is_empty()).then(|| response.clone()),
        response_html: markdown::to_html(&response),
        responded: responded_at.is_some(),
        may_ask: review.sign_off_asked_at.is_none()
            && review.signed_off_at.is_none()
            && allows(viewer, Action::RunAnnualReview, landlord.id),
        may_reopen: review.sign_off_asked_at.is_some()
            && review.signed_off_at.is_none()
            && allows(viewer, Action::RunAnnualReview, landlord.id),
        may_sign: review.sign_off_asked_at.is_some()
            && review.signed_off_at.is_none()
            && allows(viewer, Action::SignOffAnnualReview, landlord.id),
        my_decision,
        may_respond: review.awaits_response()
            && allows(viewer, Action::RespondToAnnualReview, landlord.id),
    })
}

/// Every section's text for the published review, with its figures and
/// the landlord's response to it.
async fn full_text(db: &Db, review: &ReviewRow) -> Result<Vec<super::PublishedSection>, AppError> {
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
        .map(
            |(id, title, kind, snapshot, body, response)| super::PublishedSection {
                id,
                title,
                kind,
                snapshot: serde_json::from_str(&snapshot).unwrap_or_default(),
                html: markdown::to_html(&body.unwrap_or_default()),
                response_html: markdown::to_html(&response),
            },
        )
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
) -> Result<super::Followup, AppError> {
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
    Ok(super::Followup {
        last_review: last.map(
            |(section_id, title, response, body)| super::LastRecommendations {
                year: year - 1,
                section_id,
                title,
                html: markdown::to_html(&body.unwrap_or_default()),
                response_html: markdown::to_html(&response),
            },
        ),
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
    staff: i64,
    response: &str,
    source: &str,
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
    audit::by_person(
        &mut *tx,
        staff,
        landlord.id,
        "annual_review.section_response",
        format!("review_section:{id}"),
        source,
    )
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
async fn notes(db: &Db, id: i64) -> Result<Vec<super::SectionNote>, sqlx::Error> {
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
        .map(|row| super::SectionNote {
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

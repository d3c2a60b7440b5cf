//! The review itself: the list of years, starting a year's review with its
//! sections and frozen figures, and reading it whole.
use super::{check_readable, landlord_ref, may_write, review_row, section_rows};
use super::{
    follow_up::{followup, full_text},
    sign_off::progress,
};
use crate::annual_reviews::{
    label, AnnualReviewsData, ReviewDetail, ReviewSummary, SectionState, SectionSummary,
    SnapshotRow, FREE_SECTIONS,
};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    identity::CurrentUser,
    landlords::queries::LandlordRecord,
    performance::{
        build_series,
        model::Period,
        queries::{figures_for, measures_for},
    },
    permissions::{allows, Action},
    state::Db,
    time::{format_date, Timestamp},
};

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
        // The year just ended comes first: its figures are complete, and
        // it is the year a review usually looks back on.
        let last = crate::charter::queries::last_full_year();
        [
            (last, " (the year just ended)"),
            (last - 1, ""),
            (last + 1, " (still going on: its figures are not complete)"),
        ]
        .into_iter()
        .filter(|(year, _)| !rows.iter().any(|(y, _, _)| *y == i64::from(*year)))
        .map(|(year, note)| (year.to_string(), format!("{}{note}", Period::year(year))))
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
    actor: &Actor,
) -> Result<i64, AppError> {
    let &Actor { user_id, .. } = actor;
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
    audit::by_actor(
        &mut *tx,
        actor,
        "annual_review.started",
        format!("annual_review:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
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

//! Charters, commitments, versions and verdicts in the database.
use sqlx::{Any, Transaction};

use super::{
    template, Assessment, CharterSummary, CommitmentDetail, CommitmentSummary, CommitmentText,
    MeasureStanding, Rating, Side, Version,
};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    performance::{
        build_series,
        model::Period,
        queries::{figures_for, measures_for},
        LandlordRef, MeasureInfo,
    },
    state::Db,
    time::{format_date, Timestamp},
};

/// The latest reporting year that has ended.
pub fn last_full_year() -> i32 {
    let today = crate::time::today();
    Period::year_containing(today).year - 1
}

/// Years with a verdict or a whole-year result, newest first.
pub async fn years(db: &Db, organisation_id: i64) -> Result<Vec<i32>, sqlx::Error> {
    let mut years: Vec<i32> = sqlx::query_scalar::<_, i64>(
        "SELECT DISTINCT a.year FROM assessments a JOIN commitments c ON c.id = a.commitment_id \
         JOIN charters h ON h.id = c.charter_id WHERE h.organisation_id = $1 \
         UNION SELECT DISTINCT year FROM figures WHERE organisation_id = $1 AND quarter = 0 AND result IS NOT NULL",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|y| y as i32)
    .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

#[derive(sqlx::FromRow)]
struct CommitmentRow {
    id: i64,
    charter_id: i64,
    position: i64,
    title: String,
    expectation: String,
    responsible_team: String,
    measure_codes: String,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    title: String,
    expectation: String,
    responsible_team: String,
    measure_codes: String,
    reason: String,
    by_name: Option<String>,
    changed_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    commitment_id: i64,
    year: i64,
    side: String,
    rating: String,
    evidence: String,
    by_name: Option<String>,
    updated_at: Timestamp,
}

impl AssessmentRow {
    fn into_assessment(self) -> Option<Assessment> {
        Some(Assessment {
            year: self.year as i32,
            side: Side::parse(&self.side)?,
            rating: Rating::parse(&self.rating)?,
            evidence: self.evidence,
            by: self
                .by_name
                .unwrap_or_else(|| "Someone whose account has gone".into()),
            on: format_date(self.updated_at),
            changes: Vec::new(),
        })
    }
}

fn codes(list: &str) -> Vec<String> {
    list.split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// How each linked measure stood in `year`.
fn standings(
    list: &str,
    measures: &[MeasureInfo],
    figures: &[crate::performance::FigureRow],
    close_within: i64,
    year: i32,
) -> Vec<MeasureStanding> {
    codes(list)
        .into_iter()
        .filter_map(|code| {
            let measure = measures.iter().find(|m| m.code == code)?;
            let results = build_series(measure, figures, close_within)
                .into_iter()
                .filter_map(|series| {
                    let point = series.at(Period::year(year))?;
                    let result = point.result?;
                    let mut text = measure.unit.format(result);
                    if let Some(target) = point.target {
                        text.push_str(&format!(" (target {})", measure.unit.format(target)));
                    }
                    if !series.part_label.is_empty()
                        || series.tenure != crate::performance::model::Tenure::Lcra
                    {
                        text = format!("{}: {text}", series.label());
                    }
                    Some((text, point.status))
                })
                .collect();
            Some(MeasureStanding {
                code: measure.code.clone(),
                title: measure.title.clone(),
                results,
            })
        })
        .collect()
}

const ASSESSMENT_SELECT: &str = "SELECT a.commitment_id, a.year, a.side, a.rating, a.evidence, \
     u.display_name AS by_name, a.updated_at FROM assessments a \
     LEFT JOIN users u ON u.id = a.updated_by";

pub async fn charters(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
) -> Result<Vec<CharterSummary>, AppError> {
    let charters: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, title, about FROM charters WHERE organisation_id = $1 ORDER BY created_at, id",
    )
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?;
    let commitments: Vec<CommitmentRow> = sqlx::query_as(
        "SELECT c.id, c.charter_id, c.position, c.title, c.expectation, c.responsible_team, \
         c.measure_codes, c.version FROM commitments c JOIN charters h ON h.id = c.charter_id \
         WHERE h.organisation_id = $1 ORDER BY c.position, c.id",
    )
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?;
    let assessments: Vec<Owned> = sqlx::query_as::<_, AssessmentRow>(&format!(
        "{ASSESSMENT_SELECT} JOIN commitments c ON c.id = a.commitment_id \
         JOIN charters h ON h.id = c.charter_id WHERE h.organisation_id = $1 AND a.year = $2"
    ))
    .bind(landlord.id)
    .bind(i64::from(year))
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .filter_map(|row| {
        let owner = row.commitment_id;
        row.into_assessment()
            .map(|assessment| Owned { owner, assessment })
    })
    .collect();
    let measures = measures_for(db, landlord.id).await?;
    let figures = figures_for(db, landlord.id, None).await?;
    Ok(charters
        .into_iter()
        .map(|(id, title, about)| CharterSummary {
            id,
            title,
            about,
            commitments: commitments
                .iter()
                .filter(|c| c.charter_id == id)
                .map(|c| {
                    let verdict = |side: Side| {
                        assessments
                            .iter()
                            .find(|a| a.owner == c.id && a.assessment.side == side)
                            .map(|a| a.assessment.clone())
                    };
                    CommitmentSummary {
                        id: c.id,
                        position: c.position,
                        title: c.title.clone(),
                        expectation: c.expectation.clone(),
                        responsible_team: c.responsible_team.clone(),
                        measures: standings(
                            &c.measure_codes,
                            &measures,
                            &figures,
                            landlord.close_within,
                            year,
                        ),
                        landlord: verdict(Side::Landlord),
                        panel: verdict(Side::Panel),
                    }
                })
                .collect(),
        })
        .collect())
}

/// A verdict with the commitment it belongs to.
struct Owned {
    owner: i64,
    assessment: Assessment,
}

pub async fn commitment(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
) -> Result<CommitmentDetail, AppError> {
    let row: CommitmentRow = sqlx::query_as(
        "SELECT c.id, c.charter_id, c.position, c.title, c.expectation, c.responsible_team, \
         c.measure_codes, c.version FROM commitments c JOIN charters h ON h.id = c.charter_id \
         WHERE c.id = $1 AND h.organisation_id = $2",
    )
    .bind(id)
    .bind(landlord.id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let charter_title: String = sqlx::query_scalar("SELECT title FROM charters WHERE id = $1")
        .bind(row.charter_id)
        .fetch_one(db.pool())
        .await?;
    let assessments: Vec<Assessment> = sqlx::query_as::<_, AssessmentRow>(&format!(
        "{ASSESSMENT_SELECT} WHERE a.commitment_id = $1 ORDER BY a.year DESC, a.side"
    ))
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .filter_map(AssessmentRow::into_assessment)
    .collect();
    let mut assessments = assessments;
    let mut changes = crate::site::history::store::load(
        db,
        landlord.id,
        crate::site::history::store::Kind::Assessment,
        &[id],
    )
    .await?;
    for a in assessments.iter_mut() {
        let part = crate::charter::verdict_part(a.year, a.side);
        a.changes = changes
            .extract_if(.., |(_, p, _)| *p == part)
            .map(|(_, _, change)| change)
            .collect();
    }
    let later_views: Vec<Assessment> = sqlx::query_as::<_, AssessmentRow>(
        "SELECT a.commitment_id, a.year, a.side, a.rating, a.evidence, u.display_name AS by_name, \
         a.added_at AS updated_at FROM later_views a LEFT JOIN users u ON u.id = a.added_by \
         WHERE a.commitment_id = $1 AND a.organisation_id = $2 ORDER BY a.added_at, a.id",
    )
    .bind(id)
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .filter_map(AssessmentRow::into_assessment)
    .collect();
    let closed_years: Vec<i64> = sqlx::query_scalar(
        "SELECT year FROM annual_reviews WHERE organisation_id = $1 AND published_at IS NOT NULL ORDER BY year DESC",
    )
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?;
    let versions: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.version, v.title, v.expectation, v.responsible_team, v.measure_codes, v.reason, \
         u.display_name AS by_name, v.changed_at FROM commitment_versions v \
         LEFT JOIN users u ON u.id = v.changed_by WHERE v.commitment_id = $1 ORDER BY v.version DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let measures = measures_for(db, landlord.id).await?;
    let figures = figures_for(db, landlord.id, None).await?;
    let year = years(db, landlord.id)
        .await?
        .first()
        .copied()
        .unwrap_or_else(last_full_year);
    Ok(CommitmentDetail {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        charter_title,
        id,
        measures: standings(
            &row.measure_codes,
            &measures,
            &figures,
            landlord.close_within,
            year,
        ),
        year,
        title: row.title,
        expectation: row.expectation,
        responsible_team: row.responsible_team,
        measure_codes: row.measure_codes,
        version: row.version,
        assessments,
        later_views,
        closed_years: closed_years.into_iter().map(|y| y as i32).collect(),
        versions: versions
            .into_iter()
            .map(|v| Version {
                version: v.version,
                title: v.title,
                expectation: v.expectation,
                responsible_team: v.responsible_team,
                measure_codes: v.measure_codes,
                reason: v.reason,
                by: v
                    .by_name
                    .unwrap_or_else(|| "Someone whose account has gone".into()),
                on: format_date(v.changed_at),
            })
            .collect(),
        can_edit: false,
        can_assess_as: None,
        known_codes: measures.into_iter().map(|m| m.code).collect(),
    })
}

/// Creates a charter; a second with the same name is refused.
pub async fn create_charter(
    db: &Db,
    actor: &Actor,
    title: &str,
    about: &str,
    template_key: Option<&str>,
) -> Result<i64, AppError> {
    let &Actor {
        organisation_id, ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let id = insert_charter(&mut tx, organisation_id, title, about, template_key).await?;
    audit::by_actor(&mut *tx, actor, "charter.created", format!("charter:{id}")).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_charter(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
    title: &str,
    about: &str,
    template_key: Option<&str>,
) -> Result<i64, AppError> {
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM charters WHERE organisation_id = $1 AND title = $2")
            .bind(organisation_id)
            .bind(title)
            .fetch_optional(&mut **tx)
            .await?;
    if taken.is_some() {
        return Err(AppError::invalid(
            "charter_title",
            format!("There is already a charter called “{title}”."),
        ));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO charters (organisation_id, title, about, template, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(organisation_id)
    .bind(title)
    .bind(about)
    .bind(template_key)
    .bind(Timestamp::now())
    .fetch_one(&mut **tx)
    .await?)
}

async fn insert_commitment(
    tx: &mut Transaction<'static, Any>,
    charter_id: i64,
    user_id: i64,
    text: &CommitmentText,
    reason: &str,
) -> Result<i64, sqlx::Error> {
    let now = Timestamp::now();
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM commitments WHERE charter_id = $1",
    )
    .bind(charter_id)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO commitments (charter_id, position, title, expectation, responsible_team, \
         measure_codes, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
    )
    .bind(charter_id)
    .bind(position)
    .bind(&text.title)
    .bind(&text.expectation)
    .bind(&text.responsible_team)
    .bind(&text.measure_codes)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    insert_version(tx, id, 1, user_id, text, reason, now).await?;
    Ok(id)
}

async fn insert_version(
    tx: &mut Transaction<'static, Any>,
    commitment_id: i64,
    version: i64,
    user_id: i64,
    text: &CommitmentText,
    reason: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO commitment_versions (commitment_id, version, title, expectation, \
         responsible_team, measure_codes, reason, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(commitment_id)
    .bind(version)
    .bind(&text.title)
    .bind(&text.expectation)
    .bind(&text.responsible_team)
    .bind(&text.measure_codes)
    .bind(reason)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adopts the NHF charter with its six commitments, in one transaction.
pub async fn adopt_template(db: &Db, actor: &Actor) -> Result<i64, AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let charter_id = insert_charter(
        &mut tx,
        organisation_id,
        template::TITLE,
        template::ABOUT,
        Some(template::KEY),
    )
    .await
    .map_err(|error| match error {
        AppError::Invalid { .. } => {
            AppError::Conflict("You have already adopted the Together with Tenants charter.".into())
        }
        other => other,
    })?;
    for commitment in template::COMMITMENTS {
        let text = CommitmentText {
            title: commitment.title.into(),
            expectation: commitment.expectation.into(),
            responsible_team: String::new(),
            measure_codes: commitment.measure_codes.into(),
        };
        insert_commitment(
            &mut tx,
            charter_id,
            user_id,
            &text,
            "Adopted from the template",
        )
        .await?;
    }
    audit::by_actor(
        &mut *tx,
        actor,
        "charter.adopted",
        format!("charter:{charter_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(charter_id)
}

pub async fn add_commitment(
    db: &Db,
    actor: &Actor,
    charter_id: i64,
    text: &CommitmentText,
) -> Result<i64, AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let owner: Option<i64> =
        sqlx::query_scalar("SELECT organisation_id FROM charters WHERE id = $1")
            .bind(charter_id)
            .fetch_optional(&mut *tx)
            .await?;
    if owner != Some(organisation_id) {
        return Err(AppError::NotFound);
    }
    let id = insert_commitment(&mut tx, charter_id, user_id, text, "Added").await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "commitment.added",
        format!("commitment:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a new version, unless someone saved since `base_version`.
pub async fn edit_commitment(
    db: &Db,
    actor: &Actor,
    id: i64,
    base_version: i64,
    text: &CommitmentText,
    reason: &str,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let current: Option<i64> = sqlx::query_scalar(
        "SELECT c.version FROM commitments c JOIN charters h ON h.id = c.charter_id \
         WHERE c.id = $1 AND h.organisation_id = $2",
    )
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(&mut *tx)
    .await?;
    let current = current.ok_or(AppError::NotFound)?;
    if current != base_version {
        return Err(AppError::Conflict(
            "Someone else changed this commitment while you were editing it, so your changes were not saved. \
             Your text is still in the form: compare it with the current version below and save again."
                .into(),
        ));
    }
    let now = Timestamp::now();
    let version = current + 1;
    sqlx::query(
        "UPDATE commitments SET title = $1, expectation = $2, responsible_team = $3, \
         measure_codes = $4, version = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&text.title)
    .bind(&text.expectation)
    .bind(&text.responsible_team)
    .bind(&text.measure_codes)
    .bind(version)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    insert_version(&mut tx, id, version, user_id, text, reason, now).await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "commitment.edited",
        format!("commitment:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A verdict as given: for a year, by one side.
pub struct Verdict<'a> {
    pub year: i32,
    pub side: Side,
    pub rating: Rating,
    pub evidence: &'a str,
}

/// The commitment's id, checking it is this landlord's.
async fn own_commitment(
    conn: &mut sqlx::AnyConnection,
    organisation_id: i64,
    id: i64,
) -> Result<(), AppError> {
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT c.id FROM commitments c JOIN charters h ON h.id = c.charter_id \
         WHERE c.id = $1 AND h.organisation_id = $2",
    )
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(conn)
    .await?;
    exists.map(|_| ()).ok_or(AppError::NotFound)
}

/// Whether the year's annual review is published, which closes its verdicts.
async fn is_closed(
    conn: &mut sqlx::AnyConnection,
    organisation_id: i64,
    year: i32,
) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM annual_reviews WHERE organisation_id = $1 AND year = $2 AND published_at IS NOT NULL",
    )
    .bind(organisation_id)
    .bind(i64::from(year))
    .fetch_one(conn)
    .await?;
    Ok(count > 0)
}

/// Records a side's verdict for a year. Replacing one already given (it is
/// public) needs `change_reason` and keeps the earlier verdict on the
/// record; a year whose annual review is published is closed.
pub async fn record_assessment(
    db: &Db,
    actor: &Actor,
    id: i64,
    verdict: Verdict<'_>,
    change_reason: &str,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let Verdict {
        year,
        side,
        rating,
        evidence,
    } = verdict;
    let mut tx = db.begin_write().await?;
    own_commitment(&mut tx, organisation_id, id).await?;
    if is_closed(&mut tx, organisation_id, year).await? {
        return Err(crate::charter::year_closed(year));
    }
    let earlier: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT rating, evidence, updated_at FROM assessments WHERE commitment_id = $1 AND year = $2 AND side = $3",
    )
    .bind(id)
    .bind(i64::from(year))
    .bind(side.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let now = Timestamp::now().millis();
    // The write holds only while the year is still open, and replaces only
    // the verdict just read, so neither a publication nor another change
    // at the same moment goes unnoticed.
    let open_year = "NOT EXISTS (SELECT 1 FROM annual_reviews r WHERE r.organisation_id = $8 \
                     AND r.year = $2 AND r.published_at IS NOT NULL)";
    let written = match &earlier {
        Some((old_rating, old_evidence, _)) if old_rating == rating.as_str() && old_evidence == evidence => {
            // Given twice: the verdict stands.
            return Ok(());
        }
        Some((old_rating, old_evidence, updated_at)) => {
            let reason = crate::site::history::required_reason(change_reason)?;
            use crate::site::history::store;
            store::record(
                &mut tx,
                store::NewChange {
                    organisation_id,
                    kind: store::Kind::Assessment,
                    subject_id: id,
                    part: &crate::charter::verdict_part(year, side),
                    earlier: vec![
                        (
                            "Verdict",
                            Rating::parse(old_rating).map(Rating::label).unwrap_or_default().to_string(),
                        ),
                        ("Evidence", old_evidence.clone()),
                    ],
                    reason: &reason,
                    due: None,
                    by: user_id,
                    at: now,
                },
            )
            .await?;
            sqlx::query(&format!(
                "UPDATE assessments SET rating = $4, evidence = $5, updated_by = $6, updated_at = $7 \
                 WHERE commitment_id = $1 AND year = $2 AND side = $3 AND updated_at = $9 AND {open_year}"
            ))
            .bind(id)
            .bind(i64::from(year))
            .bind(side.as_str())
            .bind(rating.as_str())
            .bind(evidence)
            .bind(user_id)
            .bind(now)
            .bind(organisation_id)
            .bind(*updated_at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
        None => sqlx::query(&format!(
            "INSERT INTO assessments (commitment_id, year, side, rating, evidence, updated_by, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE {open_year} \
             ON CONFLICT (commitment_id, year, side) DO NOTHING"
        ))
        .bind(id)
        .bind(i64::from(year))
        .bind(side.as_str())
        .bind(rating.as_str())
        .bind(evidence)
        .bind(user_id)
        .bind(now)
        .bind(organisation_id)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
    };
    if written == 0 {
        return Err(AppError::Conflict(
            "This verdict changed just now, or the year's annual review was published. Read the page again before trying once more.".into(),
        ));
    }
    audit::by_actor(
        &mut *tx,
        actor,
        "commitment.assessed",
        format!("commitment:{id}:{}:{year}", side.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a dated later view on a closed year; an open year's verdict is
/// changed in place instead.
pub async fn add_later_view(
    db: &Db,
    actor: &Actor,
    id: i64,
    verdict: Verdict<'_>,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let Verdict {
        year,
        side,
        rating,
        evidence,
    } = verdict;
    let mut tx = db.begin_write().await?;
    own_commitment(&mut tx, organisation_id, id).await?;
    if !is_closed(&mut tx, organisation_id, year).await? {
        return Err(AppError::Conflict(format!(
            "The annual review of {} is not published yet, so its verdict can still be changed itself.",
            crate::performance::model::Period::year(year)
        )));
    }
    sqlx::query(
        "INSERT INTO later_views (organisation_id, commitment_id, year, side, rating, evidence, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(organisation_id)
    .bind(id)
    .bind(i64::from(year))
    .bind(side.as_str())
    .bind(rating.as_str())
    .bind(evidence)
    .bind(user_id)
    .bind(Timestamp::now())
    .execute(&mut *tx)
    .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "commitment.later_view_added",
        format!("commitment:{id}:{}:{year}", side.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

//! Imports in the database: keeping a checked file's outcome, the preview
//! of what it would change, and publishing or setting it aside.
use std::collections::HashMap;

use sqlx::{Any, Transaction};

use super::{
    check::{self, ImportRow, KnownMeasure, Rejected},
    Change, ImportDetails, ImportState, Preview, PreviewRow, ProblemView, RecentImport,
};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    performance::{
        model::{Figure, Unit},
        queries::measures_for,
        LandlordRef, MeasureInfo, Series,
    },
    state::Db,
    time::{format_date, Timestamp},
};

/// The landlord's measures, as the file checker needs them.
pub fn known(measures: &[MeasureInfo]) -> Vec<KnownMeasure> {
    measures
        .iter()
        .map(|m| KnownMeasure {
            code: m.code.clone(),
            unit: m.unit,
            survey: m.survey,
            parts: m.parts.iter().map(|(key, _)| key.clone()).collect(),
        })
        .collect()
}

/// Today in the UK, as the checker counts days.
pub fn today() -> (i32, u32, u32) {
    crate::time::today()
}

/// Checks an uploaded file and keeps the outcome as an import; returns its id.
pub async fn store(
    db: &Db,
    landlord: &LandlordRecord,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    use sha2::Digest;
    let measures = measures_for(db, landlord.id).await?;
    let outcome = check::check(bytes, &known(&measures), today());
    let digest = sha2::Sha256::digest(bytes);
    let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    store_outcome(db, actor, file_name, &hash, outcome).await
}

/// Keeps a file's outcome, checked elsewhere (or refused before reading,
/// as for a file far too large).
pub async fn store_outcome(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    hash: &str,
    outcome: Result<Vec<ImportRow>, Rejected>,
) -> Result<i64, AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let file_name: String = file_name.chars().take(200).collect();
    let (status, rows_json, problems_json, count) = match &outcome {
        Ok(rows) => (
            "checked",
            serde_json::to_string(rows).map_err(|e| AppError::internal("import", e))?,
            r#"{"problems":[],"more":0}"#.to_string(),
            rows.len() as i64,
        ),
        Err(rejected) => (
            "rejected",
            "[]".to_string(),
            serde_json::to_string(rejected).map_err(|e| AppError::internal("import", e))?,
            0,
        ),
    };
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO imports (organisation_id, uploaded_by, uploaded_at, file_name, file_sha256, \
         status, rows_json, problems_json, row_count) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(organisation_id)
    .bind(user_id)
    .bind(Timestamp::now())
    .bind(&file_name)
    .bind(hash)
    .bind(status)
    .bind(rows_json)
    .bind(problems_json)
    .bind(count)
    .fetch_one(&mut *tx)
    .await?;
    let action = if status == "checked" {
        "performance.import_checked"
    } else {
        "performance.import_rejected"
    };
    audit::by_actor(&mut *tx, actor, action, format!("import:{id}")).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn recent(db: &Db, organisation_id: i64) -> Result<Vec<RecentImport>, AppError> {
    let rows: Vec<(i64, String, String, Option<String>, Timestamp)> = sqlx::query_as(
        "SELECT i.id, i.file_name, i.status, u.display_name, i.uploaded_at \
         FROM imports i LEFT JOIN users u ON u.id = i.uploaded_by \
         WHERE i.organisation_id = $1 ORDER BY i.uploaded_at DESC, i.id DESC LIMIT 10",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, file_name, status, by, at)| RecentImport {
            id,
            file_name,
            status,
            uploaded_by: by.unwrap_or_default(),
            uploaded_on: format_date(at),
        })
        .collect())
}

type Key = (String, String, String, i64, i64);

#[derive(sqlx::FromRow)]
struct Existing {
    measure_code: String,
    part: String,
    tenure: String,
    year: i64,
    quarter: i64,
    result: Option<i64>,
    target: Option<i64>,
    responses: Option<i64>,
    method_note: String,
}

async fn existing(
    executor: impl sqlx::Executor<'_, Database = Any>,
    organisation_id: i64,
) -> Result<HashMap<Key, Existing>, sqlx::Error> {
    let rows: Vec<Existing> = sqlx::query_as(
        "SELECT measure_code, part, tenure, year, quarter, result, target, responses, method_note \
         FROM figures WHERE organisation_id = $1",
    )
    .bind(organisation_id)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let key = (
                row.measure_code.clone(),
                row.part.clone(),
                row.tenure.clone(),
                row.year,
                row.quarter,
            );
            (key, row)
        })
        .collect())
}

fn key(row: &ImportRow) -> Key {
    (
        row.code.clone(),
        row.part.clone(),
        row.tenure.as_str().to_string(),
        i64::from(row.period.year),
        i64::from(row.period.quarter),
    )
}

fn change(old: Option<i64>, new: Option<i64>) -> Option<Change> {
    let new = new?;
    (old != Some(new)).then_some(Change { old, new })
}

/// What the rows would change, given what is published now.
fn preview_of(
    rows: &[ImportRow],
    measures: &[MeasureInfo],
    published: &HashMap<Key, Existing>,
) -> Preview {
    let mut preview = Preview {
        rows: rows.len(),
        ..Preview::default()
    };
    for row in rows {
        let old = published.get(&key(row));
        let result = change(
            old.and_then(|o| o.result),
            row.result.map(Figure::thousandths),
        );
        let target = change(
            old.and_then(|o| o.target),
            row.target.map(Figure::thousandths),
        );
        let responses = change(old.and_then(|o| o.responses), row.responses);
        if result.is_none() && target.is_none() && responses.is_none() {
            preview.unchanged_rows += 1;
            continue;
        }
        let measure = measures.iter().find(|m| m.code == row.code);
        let series = Series {
            part: row.part.clone(),
            part_label: measure.map(|m| m.part_label(&row.part)).unwrap_or_default(),
            tenure: row.tenure,
            points: Vec::new(),
        };
        let line = PreviewRow {
            line: row.line,
            code: row.code.clone(),
            series_label: series.label(),
            period: row.period,
            unit: measure.map(|m| m.unit).unwrap_or(Unit::Number),
            result,
            target,
            responses,
        };
        if line.is_correction() {
            preview.corrected_rows += 1;
        } else {
            preview.new_rows += 1;
        }
        preview.changes.push(line);
    }
    preview
}

#[derive(sqlx::FromRow)]
struct ImportRecord {
    file_name: String,
    status: String,
    rows_json: String,
    problems_json: String,
    uploaded_by: Option<String>,
    uploaded_at: Timestamp,
    finished_at: Option<Timestamp>,
    summary: String,
}

async fn record(db: &Db, organisation_id: i64, id: i64) -> Result<ImportRecord, AppError> {
    sqlx::query_as(
        "SELECT i.file_name, i.status, i.rows_json, i.problems_json, u.display_name AS uploaded_by, \
                i.uploaded_at, i.finished_at, i.summary \
         FROM imports i LEFT JOIN users u ON u.id = i.uploaded_by \
         WHERE i.id = $1 AND i.organisation_id = $2",
    )
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)
}

fn parse_rows(json: &str) -> Result<Vec<ImportRow>, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::internal("reading an import", e))
}

pub async fn details(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
) -> Result<ImportDetails, AppError> {
    let record = record(db, landlord.id, id).await?;
    let state = match record.status.as_str() {
        "rejected" => {
            let rejected: Rejected = serde_json::from_str(&record.problems_json)
                .map_err(|e| AppError::internal("reading an import", e))?;
            ImportState::Rejected {
                problems: rejected
                    .problems
                    .into_iter()
                    .map(|p| ProblemView {
                        line: p.line,
                        column: p.column,
                        message: p.message,
                    })
                    .collect(),
                more: rejected.more,
            }
        }
        "checked" => {
            let rows = parse_rows(&record.rows_json)?;
            let measures = measures_for(db, landlord.id).await?;
            let published = existing(db.pool(), landlord.id).await?;
            ImportState::Checked(preview_of(&rows, &measures, &published))
        }
        "published" => ImportState::Published {
            summary: record.summary,
            on: record.finished_at.map(format_date).unwrap_or_default(),
        },
        _ => ImportState::Discarded,
    };
    Ok(ImportDetails {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        id,
        file_name: record.file_name,
        uploaded_by: record.uploaded_by.unwrap_or_default(),
        uploaded_on: format_date(record.uploaded_at),
        state,
    })
}

/// Writes a checked import's figures, all or nothing. Publishing twice
/// (a double click, a retried request) publishes once.
pub async fn publish(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
    actor: &Actor,
    reason: &str,
) -> Result<(), AppError> {
    let &Actor { user_id, .. } = actor;
    if reason.chars().count() > 1000 {
        return Err(AppError::invalid(
            "reason",
            "The reason must be 1,000 characters or fewer",
        ));
    }
    let measures = measures_for(db, landlord.id).await?;
    let mut tx = db.begin_write().await?;
    let now = Timestamp::now();
    // Claiming the import first means a second, concurrent publish finds
    // it taken and writes nothing.
    let claimed = sqlx::query(
        "UPDATE imports SET status = 'published', finished_at = $1 \
         WHERE id = $2 AND organisation_id = $3 AND status = 'checked'",
    )
    .bind(now)
    .bind(id)
    .bind(landlord.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM imports WHERE id = $1 AND organisation_id = $2")
                .bind(id)
                .bind(landlord.id)
                .fetch_optional(&mut *tx)
                .await?;
        return match status.as_deref() {
            Some("published") => Ok(()),
            Some("discarded") => Err(AppError::Conflict(
                "This file was set aside, so it cannot be published. Upload it again to start over.".into(),
            )),
            Some(_) => Err(AppError::Conflict(
                "This file has problems, so nothing in it can be published. Upload a corrected file.".into(),
            )),
            None => Err(AppError::NotFound),
        };
    }
    let rows_json: String = sqlx::query_scalar("SELECT rows_json FROM imports WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let rows = parse_rows(&rows_json)?;
    let published = existing(&mut *tx, landlord.id).await?;
    let preview = preview_of(&rows, &measures, &published);
    if preview.corrected_rows > 0 && reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "This file changes figures that were already published. Say why: the reason is shown beside each correction.",
        ));
    }
    for row in &rows {
        let old = published.get(&key(row));
        write_figure(&mut tx, landlord.id, row, old, now).await?;
        for (field, old_value, new_value) in [
            (
                "result",
                old.and_then(|o| o.result),
                row.result.map(Figure::thousandths),
            ),
            (
                "target",
                old.and_then(|o| o.target),
                row.target.map(Figure::thousandths),
            ),
            ("responses", old.and_then(|o| o.responses), row.responses),
        ] {
            let Some(change) = change(old_value, new_value) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO figure_changes (organisation_id, measure_code, part, tenure, year, quarter, \
                 field, old_value, new_value, reason, import_id, changed_by, changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(landlord.id)
            .bind(&row.code)
            .bind(&row.part)
            .bind(row.tenure.as_str())
            .bind(i64::from(row.period.year))
            .bind(i64::from(row.period.quarter))
            .bind(field)
            .bind(change.old)
            .bind(change.new)
            .bind(if change.is_correction() { reason } else { "" })
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("UPDATE imports SET summary = $1, rows_json = '[]' WHERE id = $2")
        .bind(preview.summary())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "performance.import_published",
        format!("import:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts or updates one figure row; blanks in the file leave what is
/// published as it is.
async fn write_figure(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
    row: &ImportRow,
    old: Option<&Existing>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let result = row.result.map(Figure::thousandths);
    let target = row.target.map(Figure::thousandths);
    match old {
        Some(old)
            if old.result == result.or(old.result)
                && old.target == target.or(old.target)
                && old.responses == row.responses.or(old.responses)
                && (row.method_note.is_empty() || row.method_note == old.method_note) =>
        {
            Ok(())
        }
        Some(_) => sqlx::query(
            "UPDATE figures SET result = COALESCE($1, result), target = COALESCE($2, target), \
             responses = COALESCE($3, responses), \
             method_note = CASE WHEN $4 = '' THEN method_note ELSE $4 END, updated_at = $5 \
             WHERE organisation_id = $6 AND measure_code = $7 AND part = $8 AND tenure = $9 \
             AND year = $10 AND quarter = $11",
        )
        .bind(result)
        .bind(target)
        .bind(row.responses)
        .bind(&row.method_note)
        .bind(now)
        .bind(organisation_id)
        .bind(&row.code)
        .bind(&row.part)
        .bind(row.tenure.as_str())
        .bind(i64::from(row.period.year))
        .bind(i64::from(row.period.quarter))
        .execute(&mut **tx)
        .await
        .map(|_| ()),
        None => sqlx::query(
            "INSERT INTO figures (organisation_id, measure_code, part, tenure, year, quarter, \
             result, target, responses, method_note, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(organisation_id)
        .bind(&row.code)
        .bind(&row.part)
        .bind(row.tenure.as_str())
        .bind(i64::from(row.period.year))
        .bind(i64::from(row.period.quarter))
        .bind(result)
        .bind(target)
        .bind(row.responses)
        .bind(&row.method_note)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(|_| ()),
    }
}

pub async fn discard(db: &Db, organisation_id: i64, id: i64) -> Result<(), AppError> {
    let changed = sqlx::query(
        "UPDATE imports SET status = 'discarded', rows_json = '[]', finished_at = $1 \
         WHERE id = $2 AND organisation_id = $3 AND status = 'checked'",
    )
    .bind(Timestamp::now())
    .bind(id)
    .bind(organisation_id)
    .execute(db.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT status FROM imports WHERE id = $1 AND organisation_id = $2")
                .bind(id)
                .bind(organisation_id)
                .fetch_optional(db.pool())
                .await?;
        return match exists.as_deref() {
            None => Err(AppError::NotFound),
            Some("discarded") => Ok(()),
            Some(_) => Err(AppError::Conflict(
                "This file has already been published, so it cannot be set aside.".into(),
            )),
        };
    }
    Ok(())
}

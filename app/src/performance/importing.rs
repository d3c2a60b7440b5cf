//! Staff publish results and targets by uploading a CSV file. The whole
//! file is checked first and kept as an import: either its problems, each
//! naming line and column, or a preview of what would change. Nothing is
//! written to the published figures until staff publish the preview, and
//! then all of it is written in one transaction or none of it.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::{
    model::{Figure, Period, Unit},
    LandlordRef,
};
use crate::{
    error::AppError,
    site::forms::{last_error, successes, ErrorSummary, PostForm, TextArea},
};

/// The largest file accepted, as people read it; the checker's byte limit
/// is the same (a test holds them together).
pub const MAX_UPLOAD_MEGABYTES: usize = 2;

/// A figure before and after publishing; `old` is None for a first figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub old: Option<i64>,
    pub new: i64,
}

impl Change {
    pub fn is_correction(&self) -> bool {
        self.old.is_some()
    }
}

/// A row of the file that would change what is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: usize,
    pub code: String,
    pub series_label: String,
    pub period: Period,
    pub unit: Unit,
    pub result: Option<Change>,
    pub target: Option<Change>,
    pub responses: Option<Change>,
}

impl PreviewRow {
    pub fn is_correction(&self) -> bool {
        [self.result, self.target, self.responses]
            .iter()
            .flatten()
            .any(Change::is_correction)
    }
}

/// What a file would do: counts, and the rows that change something.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub rows: usize,
    pub new_rows: usize,
    pub corrected_rows: usize,
    pub unchanged_rows: usize,
    pub changes: Vec<PreviewRow>,
}

impl Preview {
    pub fn summary(&self) -> String {
        format!(
            "{} rows: {} with new figures, {} correcting published figures, {} unchanged",
            self.rows, self.new_rows, self.corrected_rows, self.unchanged_rows
        )
    }
}

/// A problem found in an uploaded file, as shown to staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemView {
    pub line: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportState {
    Rejected {
        problems: Vec<ProblemView>,
        more: usize,
    },
    Checked(Preview),
    Published {
        summary: String,
        on: String,
    },
    Discarded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDetails {
    pub landlord: LandlordRef,
    pub id: i64,
    pub file_name: String,
    pub uploaded_by: String,
    pub uploaded_on: String,
    pub state: ImportState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentImport {
    pub id: i64,
    pub file_name: String,
    pub status: String,
    pub uploaded_by: String,
    pub uploaded_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPageData {
    pub landlord: LandlordRef,
    /// (code, title, part keys) of every measure this landlord may report.
    pub measures: Vec<(String, String, Vec<String>)>,
    pub guide: Vec<(String, bool, String)>,
    pub recent: Vec<RecentImport>,
    pub max_megabytes: usize,
}

/// The import page: how to lay out the file, and the last imports.
#[server]
pub async fn load_import_page(slug: String) -> Result<ImportPageData, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let measures = super::queries::measures_for(&state.db, landlord.id)
        .await?
        .into_iter()
        .map(|m| {
            let parts = m.parts.iter().map(|(key, _)| key.clone()).collect();
            (m.code, m.title, parts)
        })
        .collect();
    let recent = server::recent(&state.db, landlord.id).await?;
    Ok(ImportPageData {
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
        measures,
        guide: super::import::column_guide()
            .into_iter()
            .map(|(column, required, about)| (column.into(), required, about.into()))
            .collect(),
        recent,
        max_megabytes: MAX_UPLOAD_MEGABYTES,
    })
}

/// One import: its problems, or a preview of what publishing would change.
#[server]
pub async fn load_import(slug: String, id: i64) -> Result<ImportDetails, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    server::details(&state.db, &landlord, id).await
}

/// Publishes a checked import. A reason is needed when it corrects figures
/// already published; it is shown beside each correction.
#[server]
pub async fn publish_import(slug: String, id: i64, reason: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person: user,
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let source = crate::accounts::session::client_address().await;
    server::publish(&state.db, &landlord, id, user.id, reason.trim(), &source).await?;
    leptos_axum::redirect(&format!(
        "/landlords/{}/performance/import/{id}",
        landlord.slug
    ));
    Ok(())
}

/// Sets a checked import aside without publishing anything.
#[server]
pub async fn discard_import(slug: String, id: i64) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    server::discard(&state.db, landlord.id, id).await?;
    leptos_axum::redirect(&format!(
        "/landlords/{}/performance/import/{id}",
        landlord.slug
    ));
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod server {
    use std::collections::HashMap;

    use sqlx::{Any, Transaction};

    use super::*;
    use crate::{
        audit,
        landlords::queries::LandlordRecord,
        performance::{
            import::{self, ImportRow, KnownMeasure, Rejected},
            queries::measures_for,
            MeasureInfo, Series,
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
        user_id: i64,
        file_name: &str,
        bytes: &[u8],
        source: &str,
    ) -> Result<i64, AppError> {
        use sha2::Digest;
        let measures = measures_for(db, landlord.id).await?;
        let outcome = import::check(bytes, &known(&measures), today());
        let digest = sha2::Sha256::digest(bytes);
        let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        store_outcome(db, landlord.id, user_id, file_name, &hash, outcome, source).await
    }

    /// Keeps a file's outcome, checked elsewhere (or refused before reading,
    /// as for a file far too large).
    pub async fn store_outcome(
        db: &Db,
        organisation_id: i64,
        user_id: i64,
        file_name: &str,
        hash: &str,
        outcome: Result<Vec<ImportRow>, Rejected>,
        source: &str,
    ) -> Result<i64, AppError> {
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
        audit::by_person(
            &mut *tx,
            user_id,
            organisation_id,
            action,
            format!("import:{id}"),
            source,
        )
        .await?;
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
        user_id: i64,
        reason: &str,
        source: &str,
    ) -> Result<(), AppError> {
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
            let status: Option<String> = sqlx::query_scalar(
                "SELECT status FROM imports WHERE id = $1 AND organisation_id = $2",
            )
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
        audit::by_person(
            &mut *tx,
            user_id,
            landlord.id,
            "performance.import_published",
            format!("import:{id}"),
            source,
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
            let exists: Option<String> = sqlx::query_scalar(
                "SELECT status FROM imports WHERE id = $1 AND organisation_id = $2",
            )
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
}

/// `/landlords/:slug/performance/import`: upload a file.
#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        load_import_page,
    );
    crate::site::loaded(data, move |data| view! { <ImportView data/> })
}

#[component]
fn Crumbs(landlord: LandlordRef, current: &'static str) -> impl IntoView {
    let trail = vec![
        (
            format!("/landlords/{}", landlord.slug),
            landlord.name.clone(),
        ),
        (
            format!("/landlords/{}/performance", landlord.slug),
            "Performance".to_string(),
        ),
    ];
    view! { <crate::site::Breadcrumb trail current=current.to_string()/> }
}

/// The upload form, the portal's one island. A plain form post, so it
/// works the same with and without JavaScript; with it, the button stops a
/// second press and a progress bar shows while a large file is sent and
/// checked. (`IslandScripts` must be on the same page.)
#[island]
fn UploadForm(slug: String, max_megabytes: usize) -> impl IntoView {
    let (sending, set_sending) = signal(false);
    let form = NodeRef::<leptos::html::Form>::new();
    // Tells tests (and curious readers of the page) that the island is alive.
    Effect::new(move |_| {
        if let Some(form) = form.get() {
            let _ = form.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <form
            node_ref=form
            class="upload"
            method="post"
            enctype="multipart/form-data"
            action=format!("/landlords/{slug}/performance/import")
            on:submit=move |_| set_sending.set(true)
        >
            <div class="field">
                <label for="import-file">"CSV file of results and targets"</label>
                <p class="hint" id="import-file-hint">{format!("Up to {max_megabytes} MB, saved as CSV UTF-8.")}</p>
                <input id="import-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="import-file-hint"/>
            </div>
            <button type="submit" class="button" disabled=move || sending.get()>"Upload and check"</button>
            <div role="status" aria-live="polite" class="progress">
                {move || sending.get().then(|| view! {
                    <label for="import-progress">"Sending and checking your file…"</label>
                    <progress id="import-progress"></progress>
                })}
            </div>
        </form>
    }
}

#[component]
fn ImportView(data: ImportPageData) -> impl IntoView {
    let ImportPageData {
        landlord,
        measures,
        guide,
        recent,
        max_megabytes,
    } = data;
    let slug = landlord.slug.clone();
    view! {
        <Title text="Import results"/>
        <Crumbs landlord=landlord.clone() current="Import"/>
        <h1>"Import results and targets"</h1>
        <p class="lead">"Upload a spreadsheet saved as CSV. The portal checks the whole file and shows you what would change. Nothing is published until you say so."</p>
        <p><a href="/help/import-template.csv" download="">"Download a template file"</a>" with the right columns and example rows."</p>
        <UploadForm slug=slug.clone() max_megabytes/>
        <crate::site::IslandScripts/>
        <h2>"How to lay out the file"</h2>
        <p>"The first line names the columns, in any order. One line per measure, part, tenure and period."</p>
        <div class="table-wrap" role="region" aria-label="Columns" tabindex="0">
            <table>
                <caption>"Columns of the file"</caption>
                <thead><tr><th scope="col">"Column"</th><th scope="col">"Needed?"</th><th scope="col">"What to write"</th></tr></thead>
                <tbody>
                    {guide.into_iter().map(|(column, required, about)| view! {
                        <tr><th scope="row"><code>{column}</code></th><td>{if required { "Yes" } else { "No" }}</td><td>{about}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <details>
            <summary>"Measure codes and parts"</summary>
            <ul class="link-list">
                {measures.into_iter().map(|(code, title, parts)| {
                    let parts = if parts.is_empty() { String::new() } else { format!(" (parts: {})", parts.join(", ")) };
                    view! { <li><code>{code}</code>" "{title}{parts}</li> }
                }).collect_view()}
            </ul>
        </details>
        <h2>"Recent imports"</h2>
        {if recent.is_empty() {
            view! { <p>"No files have been imported yet."</p> }.into_any()
        } else {
            view! {
                <ul class="link-list">
                    {recent.into_iter().map(|import| view! {
                        <li>
                            <a href=format!("/landlords/{slug}/performance/import/{}", import.id)>{import.file_name}</a>
                            {format!(": {} by {} on {}", status_word(&import.status), import.uploaded_by, import.uploaded_on)}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

fn status_word(status: &str) -> &'static str {
    match status {
        "rejected" => "had problems",
        "checked" => "checked, waiting to be published",
        "published" => "published",
        _ => "set aside",
    }
}

/// `/landlords/:slug/performance/import/:id`: problems, or the preview.
#[component]
pub fn ImportResultPage() -> impl IntoView {
    let params = use_params_map();
    let publish = ServerAction::<PublishImport>::new();
    let discard = ServerAction::<DiscardImport>::new();
    let publish_saved = successes(publish);
    let discard_saved = successes(discard);
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                params
                    .read()
                    .get("id")
                    .and_then(|id| id.parse::<i64>().ok()),
                publish_saved.get() + discard_saved.get(),
            )
        },
        |(slug, id, _)| async move {
            match id {
                Some(id) => load_import(slug, id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    crate::site::loaded(
        data,
        move |data| view! { <ImportResultView data publish discard/> },
    )
}

fn figure_change(unit: Unit, change: Option<Change>) -> String {
    let show = |v: i64| unit.format(Figure(v));
    match change {
        None => "No change".into(),
        Some(Change { old: None, new }) => format!("New: {}", show(new)),
        Some(Change {
            old: Some(old),
            new,
        }) => format!("{} → {}", show(old), show(new)),
    }
}

fn responses_change(change: Option<Change>) -> String {
    match change {
        None => "No change".into(),
        Some(Change { old: None, new }) => format!("New: {new}"),
        Some(Change {
            old: Some(old),
            new,
        }) => format!("{old} → {new}"),
    }
}

#[component]
fn ImportResultView(
    data: ImportDetails,
    publish: ServerAction<PublishImport>,
    discard: ServerAction<DiscardImport>,
) -> impl IntoView {
    let ImportDetails {
        landlord,
        id,
        file_name,
        uploaded_by,
        uploaded_on,
        state,
    } = data;
    let slug = landlord.slug.clone();
    let about = format!("{file_name}, uploaded by {uploaded_by} on {uploaded_on}.");
    let body = match state {
        ImportState::Rejected { problems, more } => {
            let count = problems.len() + more;
            view! {
                <div class="error-summary" role="alert" tabindex="-1">
                    <h2>{if count == 1 { "There is a problem with the file".to_string() } else { format!("There are {count} problems with the file") }}</h2>
                    <p>"Nothing has been published. Correct the file and upload it again."</p>
                </div>
                <div class="table-wrap" role="region" aria-label="Problems" tabindex="0">
                    <table>
                        <caption>"Problems found"</caption>
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th></tr></thead>
                        <tbody>
                            {problems.into_iter().map(|p| view! {
                                <tr>
                                    <td>{p.line.map(|l| l.to_string()).unwrap_or_else(|| "Whole file".into())}</td>
                                    <td>{p.column.unwrap_or_default()}</td>
                                    <td>{p.message}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {(more > 0).then(|| view! { <p>{format!("And {more} more problems not listed here.")}</p> })}
                <h2>"Upload a corrected file"</h2>
                <UploadForm slug=slug.clone() max_megabytes=MAX_UPLOAD_MEGABYTES/>
                <crate::site::IslandScripts/>
            }
            .into_any()
        }
        ImportState::Checked(preview) => {
            let error = Signal::derive(move || last_error(publish.value().get()).or_else(|| last_error(discard.value().get())));
            let needs_reason = preview.corrected_rows > 0;
            let nothing = preview.new_rows + preview.corrected_rows == 0;
            let (publish_slug, discard_slug) = (slug.clone(), slug.clone());
            view! {
                <div class="notice" role="status">
                    <h2>"The file has no problems"</h2>
                    <p>{preview.summary()}"."</p>
                </div>
                <ErrorSummary form="publish" error/>
                {(!preview.changes.is_empty()).then(|| view! {
                    <div class="table-wrap" role="region" aria-label="What would change" tabindex="0">
                        <table>
                            <caption>"What publishing would change"</caption>
                            <thead><tr>
                                <th scope="col">"Line"</th>
                                <th scope="col">"Measure"</th>
                                <th scope="col">"Period"</th>
                                <th scope="col">"Result"</th>
                                <th scope="col">"Target"</th>
                                <th scope="col">"Survey responses"</th>
                            </tr></thead>
                            <tbody>
                                {preview.changes.into_iter().map(|row| view! {
                                    <tr class:correction=row.is_correction()>
                                        <td>{row.line}</td>
                                        <th scope="row">{row.code.clone()}<span class="series">{row.series_label.clone()}</span></th>
                                        <td>{row.period.to_string()}</td>
                                        <td>{figure_change(row.unit, row.result)}</td>
                                        <td>{figure_change(row.unit, row.target)}</td>
                                        <td>{responses_change(row.responses)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })}
                <PostForm action=publish>
                    <input type="hidden" name="slug" value=publish_slug/>
                    <input type="hidden" name="id" value=id/>
                    {if needs_reason {
                        view! {
                            <TextArea form="publish" name="reason" label="Why are published figures being corrected?"
                                hint="Shown to everyone beside each correction, for example: the survey contractor re-weighted the results." error/>
                        }.into_any()
                    } else {
                        view! { <input type="hidden" name="reason" value=""/> }.into_any()
                    }}
                    <button type="submit" class="button">{if nothing { "Record this file (nothing changes)" } else { "Publish these figures" }}</button>
                </PostForm>
                <PostForm action=discard>
                    <input type="hidden" name="slug" value=discard_slug/>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="button secondary">"Set this file aside"</button>
                </PostForm>
            }
            .into_any()
        }
        ImportState::Published { summary, on } => view! {
            <div class="notice" role="status">
                <h2>{format!("Published on {on}")}</h2>
                <p>{summary}"."</p>
            </div>
            <p><a href=format!("/landlords/{slug}/performance")>"See the performance pages"</a></p>
        }
        .into_any(),
        ImportState::Discarded => view! {
            <div class="notice" role="status"><p>"This file was set aside. Nothing in it was published."</p></div>
            <p><a href=format!("/landlords/{slug}/performance/import")>"Upload another file"</a></p>
        }
        .into_any(),
    };
    view! {
        <Title text="Checked file"/>
        <Crumbs landlord=landlord.clone() current="Checked file"/>
        <h1>"Your file"</h1>
        <p>{about}</p>
        {body}
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn the_limit_people_read_is_the_limit_the_checker_applies() {
        assert_eq!(
            super::MAX_UPLOAD_MEGABYTES * 1024 * 1024,
            super::super::import::MAX_FILE_BYTES
        );
    }
}

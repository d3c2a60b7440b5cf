//! Open data: every public table as CSV and JSON at a stable address, with
//! units and periods stated, so journalists and tenants' groups can reuse it.
//!
//! - `/landlords/{slug}/open-data/performance.csv|json`: every result and target
//! - `/landlords/{slug}/open-data/measure-{code}.csv|json`: one measure
//! - `/landlords/{slug}/open-data/commitments.csv|json`: the charter
//! - `/open-data/compare/{code}.csv|json`: one measure across landlords
//! - `/help/import-template.csv`: the file layout staff import
use axum::{
    extract::{Path, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use super::{build_series, model::Unit, queries, MeasureInfo};
use crate::{error::AppError, state::AppState};

/// One figure as published: a row of the CSV, an object in the JSON.
#[derive(Debug, Clone, Serialize)]
pub struct OpenRow {
    pub landlord: String,
    pub landlord_slug: String,
    pub measure: String,
    pub measure_title: String,
    pub part: String,
    pub tenure: String,
    pub year: String,
    pub quarter: String,
    pub period_start: String,
    pub period_end: String,
    pub unit: String,
    pub better: String,
    pub result: Option<f64>,
    pub target: Option<f64>,
    pub status: String,
    pub trend: String,
    pub survey_responses: Option<i64>,
    pub method_note: String,
}

fn day((y, m, d): (i32, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn rows_for(
    landlord: &crate::landlords::queries::LandlordRecord,
    measures: &[MeasureInfo],
    figures: &[super::FigureRow],
) -> Vec<OpenRow> {
    let mut rows = Vec::new();
    for measure in measures {
        for series in build_series(measure, figures, landlord.close_within) {
            for point in &series.points {
                rows.push(OpenRow {
                    landlord: landlord.name.clone(),
                    landlord_slug: landlord.slug.clone(),
                    measure: measure.code.clone(),
                    measure_title: measure.title.clone(),
                    part: series.part.clone(),
                    tenure: series.tenure.code().into(),
                    year: point.period.year_label(),
                    quarter: point.period.quarter_code(),
                    period_start: day(point.period.first_day()),
                    period_end: day(point.period.last_day()),
                    unit: unit_name(measure.unit).into(),
                    better: measure.direction.as_str().into(),
                    result: point.result.map(|f| f.as_f64()),
                    target: point.target.map(|f| f.as_f64()),
                    status: point.status.map(|s| s.as_str()).unwrap_or_default().into(),
                    trend: point.trend.map(|t| t.as_str()).unwrap_or_default().into(),
                    survey_responses: point.responses,
                    method_note: point.method_note.clone(),
                });
            }
        }
    }
    rows
}

fn unit_name(unit: Unit) -> &'static str {
    unit.as_str()
}

/// What the columns mean, repeated in every JSON file.
const ABOUT: &str = "Years run April to March and are named by both years (2025/26); quarter is empty for \
a whole year, else Q1 (April to June) to Q4 (January to March). unit is percent, per_1000_homes, days or \
number. better is higher, lower or neither. status compares result with target: met, close or missed \
(empty with no target). trend compares with the period before: better, worse, same, up or down.";

/// Text a spreadsheet would run as a formula starts with one of these; such
/// cells get a leading apostrophe so the file is safe to open.
pub fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

pub fn csv_of(rows: &[OpenRow]) -> Result<String, AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::internal("writing open data", e);
    writer
        .write_record([
            "landlord",
            "landlord_slug",
            "measure",
            "measure_title",
            "part",
            "tenure",
            "year",
            "quarter",
            "period_start",
            "period_end",
            "unit",
            "better",
            "result",
            "target",
            "status",
            "trend",
            "survey_responses",
            "method_note",
        ])
        .map_err(fail)?;
    for row in rows {
        writer
            .write_record([
                defuse(&row.landlord),
                row.landlord_slug.clone(),
                row.measure.clone(),
                defuse(&row.measure_title),
                row.part.clone(),
                row.tenure.clone(),
                row.year.clone(),
                row.quarter.clone(),
                row.period_start.clone(),
                row.period_end.clone(),
                row.unit.clone(),
                row.better.clone(),
                number(row.result),
                number(row.target),
                row.status.clone(),
                row.trend.clone(),
                row.survey_responses
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                defuse(&row.method_note),
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::internal("writing open data", e))?;
    String::from_utf8(bytes).map_err(|e| AppError::internal("writing open data", e))
}

/// A file to download, named after what it holds.
pub fn download(name: &str, kind: &str, body: String) -> Response {
    let content_type = if kind == "csv" {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{kind}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // Anyone may reuse the figures from any site.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

fn error_response(error: AppError) -> Response {
    let status = error.status();
    (status, format!("{error}\n")).into_response()
}

/// Splits "performance.csv" into ("performance", "csv"); other kinds are not found.
fn split_file(file: &str) -> Result<(&str, &'static str), AppError> {
    match file.rsplit_once('.') {
        Some((stem, "csv")) => Ok((stem, "csv")),
        Some((stem, "json")) => Ok((stem, "json")),
        _ => Err(AppError::NotFound),
    }
}

pub async fn landlord_file(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
) -> Response {
    landlord_file_inner(&state, &slug, &file)
        .await
        .unwrap_or_else(error_response)
}

async fn landlord_file_inner(
    state: &AppState,
    slug: &str,
    file: &str,
) -> Result<Response, AppError> {
    let (stem, kind) = split_file(file)?;
    let landlord = crate::landlords::queries::record(&state.db, slug).await?;
    if stem == "commitments" {
        return crate::charter::open_data::commitments_file(state, &landlord, kind).await;
    }
    let code = match stem {
        "performance" => None,
        other => Some(
            other
                .strip_prefix("measure-")
                .ok_or(AppError::NotFound)?
                .to_ascii_uppercase(),
        ),
    };
    let mut measures = queries::measures_for(&state.db, landlord.id).await?;
    if let Some(code) = &code {
        measures.retain(|m| &m.code == code);
        if measures.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    let figures = queries::figures_for(&state.db, landlord.id, code.as_deref()).await?;
    let rows = rows_for(&landlord, &measures, &figures);
    let name = match &code {
        None => format!("{}-performance", landlord.slug),
        Some(code) => format!("{}-{}", landlord.slug, code.to_ascii_lowercase()),
    };
    let body = if kind == "csv" {
        csv_of(&rows)?
    } else {
        serde_json::to_string_pretty(&serde_json::json!({
            "landlord": { "name": landlord.name, "slug": landlord.slug },
            "about": ABOUT,
            "close_within_percent_of_target": landlord.close_within as f64 / 1000.0,
            "rows": rows,
        }))
        .map_err(|e| AppError::internal("writing open data", e))?
    };
    Ok(download(&name, kind, body))
}

pub async fn comparison_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    comparison_file_inner(&state, &file)
        .await
        .unwrap_or_else(error_response)
}

async fn comparison_file_inner(state: &AppState, file: &str) -> Result<Response, AppError> {
    let (stem, kind) = split_file(file)?;
    let code = stem.to_ascii_uppercase();
    let measure = queries::built_in()
        .into_iter()
        .find(|m| m.code == code)
        .ok_or(AppError::NotFound)?;
    let landlords: Vec<crate::landlords::queries::LandlordRecord> =
        sqlx::query_as("SELECT id, slug, name, close_within FROM organisations ORDER BY name")
            .fetch_all(state.db.pool())
            .await?;
    let mut rows = Vec::new();
    for landlord in &landlords {
        let figures = queries::figures_for(&state.db, landlord.id, Some(&code)).await?;
        rows.extend(rows_for(landlord, std::slice::from_ref(&measure), &figures));
    }
    // Year by year, landlords side by side.
    rows.sort_by(|a, b| {
        (&a.year, &a.quarter, &a.part, &a.tenure, &a.landlord).cmp(&(
            &b.year,
            &b.quarter,
            &b.part,
            &b.tenure,
            &b.landlord,
        ))
    });
    let name = format!("compare-{}", code.to_ascii_lowercase());
    let body = if kind == "csv" {
        csv_of(&rows)?
    } else {
        serde_json::to_string_pretty(&serde_json::json!({
            "measure": { "code": measure.code, "title": measure.title },
            "about": ABOUT,
            "rows": rows,
        }))
        .map_err(|e| AppError::internal("writing open data", e))?
    };
    Ok(download(&name, kind, body))
}

pub async fn import_template() -> Response {
    let today = crate::time::civil_day(crate::time::Timestamp::now());
    let mut response = download("results-template", "csv", super::import::template(today));
    response
        .headers_mut()
        .remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    response
}

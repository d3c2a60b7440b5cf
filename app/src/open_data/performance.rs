//! Results and targets as open data: one landlord's, one measure's, or one
//! measure across landlords.
use axum::response::Response;
use serde::Serialize;

use super::{csv_table, defuse, download, json_file};
use crate::{
    error::AppError,
    landlords::queries::LandlordRecord,
    performance::{build_series, model::Unit, queries, FigureRow, MeasureInfo},
    state::AppState,
};

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
    landlord: &LandlordRecord,
    measures: &[MeasureInfo],
    figures: &[FigureRow],
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

const COLUMNS: [&str; 18] = [
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
];

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl OpenRow {
    fn cells(&self) -> Vec<String> {
        vec![
            defuse(&self.landlord),
            self.landlord_slug.clone(),
            self.measure.clone(),
            defuse(&self.measure_title),
            self.part.clone(),
            self.tenure.clone(),
            self.year.clone(),
            self.quarter.clone(),
            self.period_start.clone(),
            self.period_end.clone(),
            self.unit.clone(),
            self.better.clone(),
            number(self.result),
            number(self.target),
            self.status.clone(),
            self.trend.clone(),
            self.survey_responses
                .map(|n| n.to_string())
                .unwrap_or_default(),
            defuse(&self.method_note),
        ]
    }
}

fn csv_of(rows: &[OpenRow]) -> Result<String, AppError> {
    csv_table(&COLUMNS, rows.iter().map(OpenRow::cells))
}

/// Every result and target of a landlord, or of one of its measures.
pub async fn landlord_file(
    state: &AppState,
    landlord: &LandlordRecord,
    code: Option<String>,
    kind: &str,
) -> Result<Response, AppError> {
    let mut measures = queries::measures_for(&state.db, landlord.id).await?;
    if let Some(code) = &code {
        measures.retain(|m| &m.code == code);
        if measures.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    let figures = queries::figures_for(&state.db, landlord.id, code.as_deref()).await?;
    let rows = rows_for(landlord, &measures, &figures);
    let name = match &code {
        None => format!("{}-performance", landlord.slug),
        Some(code) => format!("{}-{}", landlord.slug, code.to_ascii_lowercase()),
    };
    let body = if kind == "csv" {
        csv_of(&rows)?
    } else {
        json_file(
            serde_json::json!({
                "landlord": { "name": landlord.name, "slug": landlord.slug },
                "about": ABOUT,
                "close_within_percent_of_target": landlord.close_within as f64 / 1000.0,
            }),
            &rows,
        )?
    };
    Ok(download(&name, kind, body))
}

/// One built-in measure, every landlord side by side.
pub async fn comparison_file(
    state: &AppState,
    code: &str,
    kind: &str,
) -> Result<Response, AppError> {
    let measure = queries::built_in()
        .into_iter()
        .find(|m| m.code == code)
        .ok_or(AppError::NotFound)?;
    let landlords: Vec<LandlordRecord> =
        sqlx::query_as("SELECT id, slug, name, close_within FROM organisations ORDER BY name")
            .fetch_all(state.db.pool())
            .await?;
    let mut rows = Vec::new();
    for landlord in &landlords {
        let figures = queries::figures_for(&state.db, landlord.id, Some(code)).await?;
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
        json_file(
            serde_json::json!({
                "measure": { "code": measure.code, "title": measure.title },
                "about": ABOUT,
            }),
            &rows,
        )?
    };
    Ok(download(&name, kind, body))
}

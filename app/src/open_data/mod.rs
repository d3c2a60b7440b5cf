//! Open data: every public table as CSV and JSON at a stable address, with
//! units and periods stated, so journalists and tenants' groups can reuse it.
//!
//! - `/landlords/{slug}/open-data/performance.csv|json`: every result and target
//! - `/landlords/{slug}/open-data/measure-{code}.csv|json`: one measure
//! - `/landlords/{slug}/open-data/commitments.csv|json`: the charter
//! - `/open-data/compare/{code}.csv|json`: one measure across landlords
//! - `/help/import-template.csv`: the file layout staff import
//!
//! It reads from the slices (performance, charter) and nothing imports it
//! but the router. Every CSV file is written by `csv_table`.
mod commitments;
mod performance;

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

use crate::{error::AppError, state::AppState};

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
        return commitments::file(state, &landlord, kind).await;
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
    performance::landlord_file(state, &landlord, code, kind).await
}

pub async fn comparison_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    comparison_file_inner(&state, &file)
        .await
        .unwrap_or_else(error_response)
}

async fn comparison_file_inner(state: &AppState, file: &str) -> Result<Response, AppError> {
    let (stem, kind) = split_file(file)?;
    performance::comparison_file(state, &stem.to_ascii_uppercase(), kind).await
}

pub async fn import_template() -> Response {
    let mut response = download(
        "results-template",
        "csv",
        crate::performance::imports::check::template::template(crate::time::today()),
    );
    response
        .headers_mut()
        .remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    response
}

/// Text a spreadsheet would run as a formula starts with one of these; such
/// cells get a leading apostrophe so the file is safe to open.
pub fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The one CSV writer: a header of `columns`, then a line per row. Cells
/// people typed must be `defuse`d by the caller.
fn csv_table(
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<String, AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::internal("writing open data", e);
    writer.write_record(columns).map_err(fail)?;
    for row in rows {
        writer.write_record(&row).map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::internal("writing open data", e))?;
    String::from_utf8(bytes).map_err(|e| AppError::internal("writing open data", e))
}

/// The JSON file: `head`'s fields, then the rows.
fn json_file(mut head: serde_json::Value, rows: impl serde::Serialize) -> Result<String, AppError> {
    let fail = |e: serde_json::Error| AppError::internal("writing open data", e);
    head["rows"] = serde_json::to_value(rows).map_err(fail)?;
    serde_json::to_string_pretty(&head).map_err(fail)
}

/// A file to download, named after what it holds.
fn download(name: &str, kind: &str, body: String) -> Response {
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

//! The commitments and both verdicts for every year, as open data.
use axum::response::Response;
use serde::Serialize;

use super::{queries, Side};
use crate::{
    error::AppError, landlords::queries::LandlordRecord, performance::model::Period,
    state::AppState,
};

#[derive(Debug, Clone, Serialize)]
struct Row {
    charter: String,
    position: i64,
    commitment: String,
    what_tenants_can_expect: String,
    responsible_team: String,
    measures: String,
    year: String,
    landlord_rating: String,
    landlord_evidence: String,
    panel_rating: String,
    panel_evidence: String,
}

pub async fn commitments_file(
    state: &AppState,
    landlord: &LandlordRecord,
    kind: &str,
) -> Result<Response, AppError> {
    let mut rows = Vec::new();
    let years = queries::years(&state.db, landlord.id).await?;
    let mut charters = Vec::new();
    for year in &years {
        charters.push((*year, queries::charters(&state.db, landlord, *year).await?));
    }
    if years.is_empty() {
        let year = queries::last_full_year();
        charters.push((year, queries::charters(&state.db, landlord, year).await?));
    }
    for (year, list) in charters {
        for charter in list {
            for c in charter.commitments {
                let verdict = |side: Side| {
                    let a = match side {
                        Side::Landlord => c.landlord.as_ref(),
                        Side::Panel => c.panel.as_ref(),
                    };
                    (
                        a.map(|a| a.rating.as_str().to_string()).unwrap_or_default(),
                        a.map(|a| a.evidence.clone()).unwrap_or_default(),
                    )
                };
                let (landlord_rating, landlord_evidence) = verdict(Side::Landlord);
                let (panel_rating, panel_evidence) = verdict(Side::Panel);
                rows.push(Row {
                    charter: charter.title.clone(),
                    position: c.position,
                    commitment: c.title.clone(),
                    what_tenants_can_expect: c.expectation.clone(),
                    responsible_team: c.responsible_team.clone(),
                    measures: c
                        .measures
                        .iter()
                        .map(|m| m.code.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                    year: Period::year(year).year_label(),
                    landlord_rating,
                    landlord_evidence,
                    panel_rating,
                    panel_evidence,
                });
            }
        }
    }
    let name = format!("{}-commitments", landlord.slug);
    let body = if kind == "csv" {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| AppError::internal("writing open data", e);
        for row in &rows {
            writer.serialize(defused(row)).map_err(fail)?;
        }
        if rows.is_empty() {
            writer
                .write_record([
                    "charter",
                    "position",
                    "commitment",
                    "what_tenants_can_expect",
                    "responsible_team",
                    "measures",
                    "year",
                    "landlord_rating",
                    "landlord_evidence",
                    "panel_rating",
                    "panel_evidence",
                ])
                .map_err(fail)?;
        }
        String::from_utf8(
            writer
                .into_inner()
                .map_err(|e| AppError::internal("writing open data", e))?,
        )
        .map_err(|e| AppError::internal("writing open data", e))?
    } else {
        serde_json::to_string_pretty(&serde_json::json!({
            "landlord": { "name": landlord.name, "slug": landlord.slug },
            "about": "One row per commitment per year. Ratings are kept, partly_kept or not_kept; empty when not given. Years run April to March.",
            "rows": rows,
        }))
        .map_err(|e| AppError::internal("writing open data", e))?
    };
    Ok(crate::performance::open_data::download(&name, kind, body))
}

/// A row with free text made safe to open in a spreadsheet.
fn defused(row: &Row) -> Row {
    use crate::performance::open_data::defuse;
    Row {
        charter: defuse(&row.charter),
        commitment: defuse(&row.commitment),
        what_tenants_can_expect: defuse(&row.what_tenants_can_expect),
        responsible_team: defuse(&row.responsible_team),
        landlord_evidence: defuse(&row.landlord_evidence),
        panel_evidence: defuse(&row.panel_evidence),
        ..row.clone()
    }
}

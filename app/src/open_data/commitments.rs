//! The commitments and both verdicts for every year, as open data.
use axum::response::Response;
use serde::Serialize;

use super::{csv_table, defuse, download, json_file};
use crate::{
    charter::{queries, Side},
    error::AppError,
    landlords::queries::LandlordRecord,
    performance::model::Period,
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

const COLUMNS: [&str; 11] = [
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
];

impl Row {
    fn cells(&self) -> Vec<String> {
        vec![
            defuse(&self.charter),
            self.position.to_string(),
            defuse(&self.commitment),
            defuse(&self.what_tenants_can_expect),
            defuse(&self.responsible_team),
            self.measures.clone(),
            self.year.clone(),
            self.landlord_rating.clone(),
            defuse(&self.landlord_evidence),
            self.panel_rating.clone(),
            defuse(&self.panel_evidence),
        ]
    }
}

pub async fn file(
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
        csv_table(&COLUMNS, rows.iter().map(Row::cells))?
    } else {
        json_file(
            serde_json::json!({
                "landlord": { "name": landlord.name, "slug": landlord.slug },
                "about": "One row per commitment per year. Ratings are kept, partly_kept or not_kept; empty when not given. Years run April to March.",
            }),
            &rows,
        )?
    };
    Ok(download(&name, kind, body))
}

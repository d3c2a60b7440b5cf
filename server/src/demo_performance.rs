//! Demo performance and charters: five years of invented but plausible
//! results and targets for each demo landlord, published through the real
//! import path, one correction, a local measure, the Together with Tenants
//! charter, and verdicts from both sides.
use crate::demo_scrutiny::by;
use app::{
    charter::{queries as charter, Rating, Side},
    error::AppError,
    performance::{
        imports::{check::ImportRow, queries as imports},
        model::{Figure, Period, Tenure},
    },
    state::Db,
};

/// (code, part, usual result, target) per measure; None = no target set.
/// Values are invented, near the sector's published medians.
const BASELINE: &[(&str, &str, f64, Option<f64>)] = &[
    ("TP01", "", 72.0, Some(75.0)),
    ("TP02", "", 74.0, Some(78.0)),
    ("TP03", "", 68.0, Some(72.0)),
    ("TP04", "", 73.0, Some(76.0)),
    ("TP05", "", 78.0, Some(80.0)),
    ("TP06", "", 60.0, Some(65.0)),
    ("TP07", "", 70.0, Some(72.0)),
    ("TP08", "", 78.0, Some(80.0)),
    ("TP09", "", 36.0, Some(40.0)),
    ("TP10", "", 65.0, Some(68.0)),
    ("TP11", "", 63.0, Some(65.0)),
    ("TP12", "", 58.0, Some(62.0)),
    ("BS01", "", 99.6, Some(100.0)),
    ("BS02", "", 99.8, Some(100.0)),
    ("BS03", "", 99.0, Some(100.0)),
    ("BS04", "", 99.2, Some(100.0)),
    ("BS05", "", 97.5, Some(100.0)),
    ("RP01", "", 2.1, Some(1.5)),
    ("RP02", "non-emergency", 82.0, Some(85.0)),
    ("RP02", "emergency", 96.0, Some(98.0)),
    ("CH01", "stage-1", 35.0, None),
    ("CH01", "stage-2", 6.0, None),
    ("CH02", "stage-1", 84.0, Some(90.0)),
    ("CH02", "stage-2", 79.0, Some(85.0)),
    ("NM01", "all", 28.0, None),
    ("NM01", "hate", 0.9, None),
    ("DM01", "", 21.0, Some(14.0)),
];

/// A small, repeatable wobble in -1..1 from a few numbers.
fn wobble(seed: &[u64]) -> f64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for &s in seed {
        x ^= s
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(x << 6)
            .wrapping_add(x >> 2);
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    }
    ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

fn figure(value: f64, percent: bool) -> Figure {
    let value = if percent {
        value.clamp(0.0, 100.0)
    } else {
        value.max(0.0)
    };
    Figure((value * 10.0).round() as i64 * 100)
}

fn code_seed(code: &str, part: &str) -> u64 {
    code.bytes()
        .chain(part.bytes())
        .fold(7u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)))
}

/// The rows of one landlord's results file.
fn rows(landlord_index: usize, last_year: i32) -> Vec<ImportRow> {
    let mut rows = Vec::new();
    let mut line = 2;
    for &(code, part, usual, target) in BASELINE {
        let percent = !matches!(code, "CH01" | "NM01" | "DM01");
        let seed = code_seed(code, part);
        // Each landlord sits a little above or below the usual result.
        let offset = wobble(&[landlord_index as u64, seed]) * 4.0;
        for year in (last_year - 4)..=last_year {
            let drift = f64::from(year - last_year + 4) * 0.6;
            let noise = wobble(&[landlord_index as u64, seed, year as u64]) * 2.0;
            let value = match code {
                // Lower is better and improving, or counts that move about.
                "RP01" | "DM01" => usual + offset.abs() / 2.0 - drift / 2.0 + noise / 2.0,
                "CH01" | "NM01" => usual * (1.0 + offset / 20.0 + noise / 20.0),
                _ if usual > 95.0 => usual + noise / 4.0,
                _ => usual + offset + drift + noise,
            };
            rows.push(ImportRow {
                line,
                code: code.into(),
                part: part.into(),
                tenure: Tenure::Lcra,
                period: Period::year(year),
                result: Some(figure(value, percent)),
                target: target.map(|t| figure(t, percent)),
                responses: code.starts_with("TP").then(|| {
                    900 + (wobble(&[seed, year as u64, 3]) * 200.0) as i64
                        + landlord_index as i64 * 150
                }),
                method_note: if code.starts_with("TP") {
                    "Telephone survey of a random sample of tenants, weighted by age and area."
                        .into()
                } else {
                    String::new()
                },
            });
            line += 1;
        }
        // Targets for the year under way, set ahead.
        if let Some(target) = target {
            rows.push(ImportRow {
                line,
                code: code.into(),
                part: part.into(),
                tenure: Tenure::Lcra,
                period: Period::year(last_year + 1),
                result: None,
                target: Some(figure(target, percent)),
                responses: None,
                method_note: String::new(),
            });
            line += 1;
        }
    }
    // Shared owners' overall satisfaction, reported separately.
    for year in (last_year - 4)..=last_year {
        rows.push(ImportRow {
            line,
            code: "TP01".into(),
            part: String::new(),
            tenure: Tenure::Lcho,
            period: Period::year(year),
            result: Some(figure(
                64.0 + wobble(&[landlord_index as u64, 99, year as u64]) * 4.0,
                true,
            )),
            target: Some(figure(70.0, true)),
            responses: Some(180 + landlord_index as i64 * 40),
            method_note: "Postal and online survey of all shared owners.".into(),
        });
        line += 1;
    }
    rows
}

const VERDICTS: &[(&str, Rating, &str, Rating, &str)] = &[
    (
        "Relationships",
        Rating::Kept,
        "78% of tenants agree we treat them fairly and with respect, in line with our target. Every housing officer completed respect training this year.",
        Rating::PartlyKept,
        "Most residents we spoke to felt respected, but several older residents told us their calls were not returned.",
    ),
    (
        "Communication",
        Rating::PartlyKept,
        "We now publish repairs performance every quarter. Our newsletter went out twice rather than four times.",
        Rating::PartlyKept,
        "The new quarterly figures are welcome. Letters about rent changes were still hard to understand.",
    ),
    (
        "Voice and influence",
        Rating::PartlyKept,
        "Residents chose two scrutiny topics by vote and both reviews were completed.",
        Rating::NotKept,
        "Satisfaction that the landlord listens (TP06) missed its target again. Two of our recommendations from last year are still not started.",
    ),
    (
        "Accountability",
        Rating::Kept,
        "The panel reported to the board twice, and the board answered each recommendation in writing.",
        Rating::Kept,
        "The board met the panel as promised and answered in writing.",
    ),
    (
        "Quality",
        Rating::PartlyKept,
        "Safety checks are close to 100%, but non-emergency repairs on time are below target.",
        Rating::PartlyKept,
        "Safety checks are good. Damp and mould repairs still take too long: see our local measure DM01.",
    ),
    (
        "When things go wrong",
        Rating::NotKept,
        "Stage 1 complaints answered on time fell short of our target while we moved to the new complaints system.",
        Rating::NotKept,
        "Only about a third of tenants who complained were satisfied with how it was handled.",
    ),
];

/// Loads the demo figures, charter and verdicts for one landlord.
/// `staff_id` and `chair_id` are the demo people who record them.
pub async fn load(
    db: &Db,
    landlord_index: usize,
    slug: &str,
    staff_id: i64,
    chair_id: i64,
) -> Result<(), AppError> {
    let landlord = app::landlords::queries::record(db, slug).await?;
    let last_year = charter::last_full_year();
    sqlx::query(
        "INSERT INTO local_measures (organisation_id, code, title, about, unit, direction, created_at) \
         VALUES ($1, 'DM01', 'Average days to fix damp and mould reports', \
         'The average number of calendar days from a damp or mould report to the finished repair.', \
         'days', 'lower', $2)",
    )
    .bind(landlord.id)
    .bind(app::time::Timestamp::now())
    .execute(db.pool())
    .await?;

    let id = imports::store_outcome(
        db,
        &by(landlord.id, staff_id),
        "results-five-years.csv",
        "demo",
        Ok(rows(landlord_index, last_year)),
    )
    .await?;
    imports::publish(db, &landlord, id, &by(landlord.id, staff_id), "").await?;

    // One correction, so the history has something to show.
    let correction = ImportRow {
        line: 2,
        code: "TP09".into(),
        part: String::new(),
        tenure: Tenure::Lcra,
        period: Period::year(last_year - 1),
        result: Some(Figure(34_200 + landlord_index as i64 * 1_000)),
        target: None,
        responses: None,
        method_note: String::new(),
    };
    let id = imports::store_outcome(
        db,
        &by(landlord.id, staff_id),
        "tp09-correction.csv",
        "demo-correction",
        Ok(vec![correction]),
    )
    .await?;
    imports::publish(db,
        &landlord,
        id, &by(landlord.id, staff_id),
        "The survey contractor found 40 complaint-handling answers counted twice and re-weighted the results.")
    .await?;

    charter::adopt_template(db, &by(landlord.id, staff_id)).await?;
    let commitments: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.id, c.title FROM commitments c JOIN charters h ON h.id = c.charter_id \
         WHERE h.organisation_id = $1 ORDER BY c.position",
    )
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?;
    for (id, title) in &commitments {
        let Some((_, landlord_rating, landlord_evidence, panel_rating, panel_evidence)) =
            VERDICTS.iter().find(|v| v.0 == title)
        else {
            continue;
        };
        for year in [last_year - 1, last_year] {
            charter::record_assessment(
                db,
                &by(landlord.id, staff_id),
                *id,
                charter::Verdict {
                    year,
                    side: Side::Landlord,
                    rating: *landlord_rating,
                    evidence: landlord_evidence,
                },
                "",
            )
            .await?;
            charter::record_assessment(
                db,
                &by(landlord.id, chair_id),
                *id,
                charter::Verdict {
                    year,
                    side: Side::Panel,
                    rating: *panel_rating,
                    evidence: panel_evidence,
                },
                "",
            )
            .await?;
        }
    }
    // One change to a commitment, so its history has two versions.
    if let Some((id, _)) = commitments.iter().find(|(_, title)| title == "Quality") {
        let text = app::charter::CommitmentText {
            title: "Quality".into(),
            expectation: "Your home is good quality, well maintained and safe, and our services are good. Damp and mould reports are fixed within 14 days.".into(),
            responsible_team: "Property services".into(),
            measure_codes: "TP04, TP05, RP01, RP02, BS01, BS02, DM01".into(),
        };
        charter::edit_commitment(
            db,
            &by(landlord.id, staff_id),
            *id,
            1,
            &text,
            "Added our damp and mould promise and its measure, as the tenant panel asked.",
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_results_are_plausible() {
        let rows = rows(0, 2025);
        for row in &rows {
            if let Some(result) = row.result {
                assert!(result >= Figure(0), "{row:?}");
                if row.code.starts_with("TP") || row.code.starts_with("BS") {
                    assert!(result <= Figure::from_whole(100), "{row:?}");
                }
            }
        }
        let years: std::collections::BTreeSet<i32> = rows
            .iter()
            .filter(|r| r.result.is_some())
            .map(|r| r.period.year)
            .collect();
        assert_eq!(
            years.into_iter().collect::<Vec<_>>(),
            [2021, 2022, 2023, 2024, 2025]
        );
        // Two landlords do not report identical figures.
        assert_ne!(rows[0].result, super::rows(1, 2025)[0].result);
    }
}

//! How a landlord is doing: the Tenant Satisfaction Measures and its own
//! local measures, results and targets per period, status against target and
//! trend, charts and tables, and the CSV import staff publish through (the
//! open data anyone can download is in `crate::open_data`).
pub mod catalogue;
pub mod charts;
pub mod imports;
pub mod manage;
pub mod model;
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

pub use pages::{BarCharts, ComparePage, DashboardPage, MeasurePage, YearLinks};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use model::{Direction, Figure, Period, Status, Tenure, Trend, Unit};

/// A measure as a landlord reports it: built in, or one of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureInfo {
    pub code: String,
    pub title: String,
    pub about: String,
    pub unit: Unit,
    pub direction: Direction,
    pub survey: bool,
    /// Parts reported separately, as (key, label); empty when none.
    pub parts: Vec<(String, String)>,
    pub local: bool,
}

impl MeasureInfo {
    pub fn part_label(&self, key: &str) -> String {
        self.parts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, label)| label.clone())
            .unwrap_or_default()
    }

    /// Which heading the measure sits under on the dashboard.
    pub fn group(&self) -> &'static str {
        if self.local {
            return "The landlord's own measures";
        }
        match &self.code[..2] {
            "TP" => "What tenants told the landlord",
            "BS" => "Building safety checks",
            "RP" => "Repairs and the condition of homes",
            "CH" => "Complaints",
            _ => "Anti-social behaviour",
        }
    }
}

/// One period of one series: what was reported, and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub period: Period,
    pub result: Option<Figure>,
    pub target: Option<Figure>,
    pub responses: Option<i64>,
    pub method_note: String,
    pub status: Option<Status>,
    pub trend: Option<Trend>,
}

/// The figures of one measure part for one tenure, oldest period first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub part: String,
    pub part_label: String,
    pub tenure: Tenure,
    pub points: Vec<Point>,
}

impl Series {
    /// "Emergency repairs, rented homes", or just "Rented homes".
    pub fn label(&self) -> String {
        if self.part_label.is_empty() {
            self.tenure.label().to_string()
        } else {
            format!(
                "{}, {}",
                self.part_label,
                self.tenure.label().to_lowercase()
            )
        }
    }

    pub fn at(&self, period: Period) -> Option<&Point> {
        self.points.iter().find(|p| p.period == period)
    }
}

/// A stored figure row, before status and trend are worked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FigureRow {
    pub measure_code: String,
    pub part: String,
    pub tenure: String,
    pub year: i64,
    pub quarter: i64,
    pub result: Option<i64>,
    pub target: Option<i64>,
    pub responses: Option<i64>,
    pub method_note: String,
}

/// Groups one measure's rows into series and works out each point's status
/// against its target and its trend against the period before.
pub fn build_series(measure: &MeasureInfo, rows: &[FigureRow], close_within: i64) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    let mut rows: Vec<&FigureRow> = rows
        .iter()
        .filter(|row| row.measure_code == measure.code)
        .collect();
    // Parts in the catalogue's order, rented homes first, oldest first.
    let part_index = |key: &str| {
        measure
            .parts
            .iter()
            .position(|(k, _)| k == key)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|row| {
        (
            part_index(&row.part),
            row.tenure.clone(),
            row.year,
            row.quarter,
        )
    });
    for row in rows {
        let Some(tenure) = Tenure::parse(&row.tenure) else {
            continue;
        };
        let period = Period {
            year: row.year as i32,
            quarter: row.quarter as u8,
        };
        let point = Point {
            period,
            result: row.result.map(Figure),
            target: row.target.map(Figure),
            responses: row.responses,
            method_note: row.method_note.clone(),
            status: None,
            trend: None,
        };
        match series.last_mut() {
            Some(last) if last.part == row.part && last.tenure == tenure => last.points.push(point),
            _ => series.push(Series {
                part: row.part.clone(),
                part_label: measure.part_label(&row.part),
                tenure,
                points: vec![point],
            }),
        }
    }
    for one in &mut series {
        let results: Vec<(Period, Option<Figure>)> =
            one.points.iter().map(|p| (p.period, p.result)).collect();
        for point in &mut one.points {
            let Some(result) = point.result else { continue };
            point.status = point
                .target
                .and_then(|target| model::status(measure.direction, result, target, close_within));
            let before = point.period.previous();
            point.trend = results
                .iter()
                .find(|(period, _)| *period == before)
                .and_then(|(_, previous)| *previous)
                .map(|previous| model::trend(measure.direction, result, previous));
        }
    }
    series
}

/// A landlord's name and address, for breadcrumbs and headings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandlordRef {
    pub slug: String,
    pub name: String,
}

/// One line of the dashboard: a measure part for one tenure in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardRow {
    pub code: String,
    pub title: String,
    pub group: String,
    pub unit: Unit,
    pub direction: Direction,
    pub series_label: String,
    pub point: Point,
    pub previous: Option<Figure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub landlord: LandlordRef,
    /// Years with any whole-year result, newest first.
    pub years: Vec<i32>,
    pub year: Option<i32>,
    pub rows: Vec<DashboardRow>,
    pub can_edit: bool,
    pub close_within: i64,
}

/// The performance dashboard for one year (the latest with results unless
/// `year`, as "2025/26", says otherwise).
#[server]
pub async fn load_dashboard(slug: String, year: Option<String>) -> Result<Dashboard, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let can_edit = crate::permissions::allows(
        user.as_ref(),
        crate::permissions::Action::EditPerformance,
        landlord.id,
    );
    let measures = queries::measures_for(&state.db, landlord.id).await?;
    let rows = queries::figures_for(&state.db, landlord.id, None).await?;
    Ok(dashboard(
        &landlord,
        &measures,
        &rows,
        year.as_deref().and_then(Period::parse_year),
        can_edit,
    ))
}

/// The dashboard from a landlord's measures and figures: pure, for tests.
#[cfg(feature = "ssr")]
pub fn dashboard(
    landlord: &crate::landlords::queries::LandlordRecord,
    measures: &[MeasureInfo],
    rows: &[FigureRow],
    wanted_year: Option<i32>,
    can_edit: bool,
) -> Dashboard {
    let mut years: Vec<i32> = rows
        .iter()
        .filter(|row| row.quarter == 0 && row.result.is_some())
        .map(|row| row.year as i32)
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let year = wanted_year
        .filter(|wanted| years.contains(wanted))
        .or(years.first().copied());
    let mut lines = Vec::new();
    if let Some(year) = year {
        for measure in measures {
            for series in build_series(measure, rows, landlord.close_within) {
                let Some(point) = series.at(Period::year(year)) else {
                    continue;
                };
                let previous = series
                    .at(Period::year(year - 1))
                    .and_then(|point| point.result);
                lines.push(DashboardRow {
                    code: measure.code.clone(),
                    title: measure.title.clone(),
                    group: measure.group().to_string(),
                    unit: measure.unit,
                    direction: measure.direction,
                    series_label: series.label(),
                    point: point.clone(),
                    previous,
                });
            }
        }
    }
    Dashboard {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        years,
        year,
        rows: lines,
        can_edit,
        close_within: landlord.close_within,
    }
}

/// A change to a published figure, for the history on a measure's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FigureChange {
    pub part: String,
    pub tenure: String,
    pub year: i64,
    pub quarter: i64,
    pub field: String,
    pub old_value: Option<i64>,
    pub new_value: Option<i64>,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: crate::time::Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureHistory {
    pub landlord: LandlordRef,
    pub measure: MeasureInfo,
    pub series: Vec<Series>,
    /// Corrections: changes to a result or target that had been published.
    pub corrections: Vec<FigureChange>,
    /// Whether other landlords here report this measure, for the comparison link.
    pub comparable: bool,
    /// The landlord's margin for "close to target", as on the dashboard.
    pub close_within: i64,
}

/// Everything reported for one measure, with the corrections made to it.
#[server]
pub async fn load_measure(slug: String, code: String) -> Result<MeasureHistory, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let code = code.to_ascii_uppercase();
    let measure = queries::measures_for(&state.db, landlord.id)
        .await?
        .into_iter()
        .find(|m| m.code == code)
        .ok_or(AppError::NotFound)?;
    let rows = queries::figures_for(&state.db, landlord.id, Some(&code)).await?;
    let corrections = queries::corrections(&state.db, landlord.id, &code).await?;
    let comparable = !measure.local && queries::landlord_count(&state.db).await? > 1;
    Ok(MeasureHistory {
        series: build_series(&measure, &rows, landlord.close_within),
        close_within: landlord.close_within,
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
        measure,
        corrections,
        comparable,
    })
}

/// One landlord's figure in a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonRow {
    pub landlord: LandlordRef,
    pub series_label: String,
    pub point: Point,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub measure: MeasureInfo,
    pub years: Vec<i32>,
    pub year: Option<i32>,
    pub rows: Vec<ComparisonRow>,
}

/// One Tenant Satisfaction Measure across every landlord hosted here.
#[server]
pub async fn load_comparison(code: String, year: Option<String>) -> Result<Comparison, AppError> {
    let state = crate::state::app_state()?;
    queries::comparison(
        &state.db,
        &code.to_ascii_uppercase(),
        year.as_deref().and_then(Period::parse_year),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(direction: Direction) -> MeasureInfo {
        MeasureInfo {
            code: "RP02".into(),
            title: "Repairs".into(),
            about: String::new(),
            unit: Unit::Percent,
            direction,
            survey: false,
            parts: vec![
                ("non-emergency".into(), "Non-emergency repairs".into()),
                ("emergency".into(), "Emergency repairs".into()),
            ],
            local: false,
        }
    }

    fn row(part: &str, year: i64, result: Option<i64>, target: Option<i64>) -> FigureRow {
        FigureRow {
            measure_code: "RP02".into(),
            part: part.into(),
            tenure: "lcra".into(),
            year,
            quarter: 0,
            result: result.map(|r| r * 1000),
            target: target.map(|t| t * 1000),
            responses: None,
            method_note: String::new(),
        }
    }

    #[test]
    fn series_carry_status_and_trend_per_part() {
        let rows = vec![
            row("emergency", 2024, Some(97), Some(99)),
            row("emergency", 2023, Some(98), Some(99)),
            row("non-emergency", 2024, Some(80), Some(85)),
            row("non-emergency", 2022, Some(70), None),
            // A target set ahead, with no result yet.
            row("emergency", 2025, None, Some(99)),
        ];
        let series = build_series(&measure(Direction::HigherIsBetter), &rows, 5_000);
        assert_eq!(series.len(), 2);
        // Catalogue order: non-emergency first.
        assert_eq!(series[0].part, "non-emergency");
        assert_eq!(series[0].label(), "Non-emergency repairs, rented homes");
        let non_emergency: Vec<_> = series[0]
            .points
            .iter()
            .map(|p| (p.period.year, p.status, p.trend))
            .collect();
        // 2022 has no target; 2024 has no 2023 to compare with.
        assert_eq!(
            non_emergency,
            [(2022, None, None), (2024, Some(Status::Missed), None)]
        );
        let emergency: Vec<_> = series[1]
            .points
            .iter()
            .map(|p| (p.period.year, p.status, p.trend))
            .collect();
        assert_eq!(
            emergency,
            [
                (2023, Some(Status::Close), None),
                (2024, Some(Status::Close), Some(Trend::Worse)),
                (2025, None, None),
            ]
        );
    }
}

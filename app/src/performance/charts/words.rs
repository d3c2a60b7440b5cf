//! The words a chart carries: values, ticks, units and periods as written
//! on it, and the summary in `<desc>` that screen readers read out.
use std::fmt::Write as _;

use super::{svg::num, BarChart, TrendChart, TrendPoint};
use crate::performance::model::{status, Direction, Figure, Period, Status, Unit};

/// A value as written beside a marker or bar. Long units ("per 1,000
/// homes", "days") would collide, so only "%" is kept; the chart names the
/// other units once in a note.
pub(super) fn short_value(unit: Unit, figure: Figure) -> String {
    match unit {
        Unit::Percent => unit.format(figure),
        _ => figure.to_string(),
    }
}

pub(super) fn tick_label(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Percent => format!("{}%", num(value)),
        _ => num(value),
    }
}

pub(super) fn unit_note(unit: Unit) -> Option<String> {
    match unit {
        Unit::Per1000Homes => Some("Figures are per 1,000 homes.".into()),
        Unit::Days => Some("Figures are in days.".into()),
        Unit::Percent | Unit::Number => None,
    }
}

/// A period on the x-axis: "2025/26", or "Q1" over "25/26" for a quarter.
pub(super) fn short_period(period: Period) -> (String, Option<String>) {
    if period.is_quarter() {
        let short_year = format!(
            "{:02}/{:02}",
            period.year.rem_euclid(100),
            (period.year + 1).rem_euclid(100)
        );
        (format!("Q{}", period.quarter), Some(short_year))
    } else {
        (period.year_label(), None)
    }
}

/// "2021/22 and 2022/23", "A, B and C".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

/// "year"/"years", "quarter"/"quarters", or "period"/"periods" if mixed.
fn period_noun(periods: &[Period], count: usize) -> &'static str {
    let all_quarters = periods.iter().all(|p| p.is_quarter());
    let all_years = periods.iter().all(|p| !p.is_quarter());
    match (all_years, all_quarters, count == 1) {
        (true, _, true) => "year",
        (true, _, false) => "years",
        (_, true, true) => "quarter",
        (_, true, false) => "quarters",
        (_, _, true) => "period",
        (_, _, false) => "periods",
    }
}

/// The trend in a sentence or two, computed from the figures alone.
pub(super) fn trend_summary(chart: &TrendChart) -> String {
    let unit = chart.unit;
    let with_results: Vec<(&TrendPoint, Figure)> = chart
        .points
        .iter()
        .filter_map(|p| p.result.map(|r| (p, r)))
        .collect();
    let (Some(&(first, _)), Some(&(last, latest))) = (with_results.first(), with_results.last())
    else {
        return "No results yet.".into();
    };
    let mut summary = if with_results.len() == 1 {
        format!("One result, for {}.", first.period)
    } else {
        format!("Results from {} to {}.", first.period, last.period)
    };
    let _ = write!(
        summary,
        " Latest {} in {}",
        unit.format(latest),
        last.period
    );
    if let Some(target) = last.target {
        let _ = write!(summary, " against a target of {}", unit.format(target));
    }
    // Met counts only mean something when one direction is better.
    if chart.direction != Direction::Neither {
        let judged: Vec<(Period, Status)> = with_results
            .iter()
            .filter_map(|&(p, r)| {
                let target = p.target?;
                Some((p.period, status(chart.direction, r, target, 0)?))
            })
            .collect();
        if !judged.is_empty() {
            let met = judged.iter().filter(|(_, s)| *s == Status::Met).count();
            let periods: Vec<Period> = judged.iter().map(|(p, _)| *p).collect();
            let _ = write!(
                summary,
                "; {met} of {} {} met target",
                judged.len(),
                period_noun(&periods, judged.len())
            );
        }
    }
    summary.push('.');
    let missing: Vec<Period> = chart
        .points
        .iter()
        .filter(|p| p.result.is_none())
        .map(|p| p.period)
        .collect();
    if missing.len() > 3 {
        let _ = write!(
            summary,
            " No result for {} {}.",
            missing.len(),
            period_noun(&missing, missing.len())
        );
    } else if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(Period::to_string).collect();
        let _ = write!(summary, " No result for {}.", join_and(&names));
    }
    summary
}

/// The bars in a sentence or two: how many, highest, lowest, how many met.
pub(super) fn bar_summary(chart: &BarChart) -> String {
    let unit = chart.unit;
    let bars = chart.bars;
    let (Some(max), Some(min)) = (
        bars.iter().map(|b| b.result).max(),
        bars.iter().map(|b| b.result).min(),
    ) else {
        return "No results yet.".into();
    };
    if let [bar] = bars {
        let mut summary = format!(
            "1 measure: {}, {}",
            bar.label.trim(),
            unit.format(bar.result)
        );
        if let Some(target) = bar.target {
            let _ = write!(summary, ", against a target of {}", unit.format(target));
        }
        if let Some(status) = bar.status {
            let _ = write!(summary, "; {}", status.label().to_lowercase());
        }
        summary.push('.');
        return summary;
    }
    // Ties are named together rather than one picked at random.
    let named = |value: Figure| {
        let labels: Vec<String> = bars
            .iter()
            .filter(|b| b.result == value)
            .map(|b| b.label.trim().to_string())
            .collect();
        if labels.len() > 3 {
            format!("{} measures", labels.len())
        } else {
            join_and(&labels)
        }
    };
    let mut summary = format!("{} measures. ", bars.len());
    if max == min {
        let _ = write!(summary, "All {}", unit.format(max));
    } else {
        let _ = write!(
            summary,
            "Highest: {}, {}; lowest: {}, {}",
            named(max),
            unit.format(max),
            named(min),
            unit.format(min)
        );
    }
    let judged = bars.iter().filter(|b| b.status.is_some()).count();
    if judged > 0 {
        let met = bars
            .iter()
            .filter(|b| b.status == Some(Status::Met))
            .count();
        let _ = write!(summary, "; {met} of {judged} met target");
    }
    summary.push('.');
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::charts::{bar_chart, test_support::*};

    #[test]
    fn trend_desc_summarises_a_normal_series() {
        let points = five_years();
        let svg = trend("a", Unit::Percent, Direction::HigherIsBetter, &points);
        assert_eq!(
            desc(&svg),
            "Results from 2021/22 to 2025/26. Latest 74.5% in 2025/26 against a target of 78%; 2 of 5 years met target."
        );
        // Lower is better flips which years met.
        let svg = trend("a", Unit::Percent, Direction::LowerIsBetter, &points);
        assert!(desc(&svg).contains("; 3 of 5 years met target."));
    }

    #[test]
    fn trend_desc_reports_gaps_and_missing_targets() {
        let points = vec![
            year(2021, Some("10"), None),
            year(2022, None, Some("9")),
            year(2023, Some("8.5"), Some("9")),
            year(2024, None, None),
        ];
        let svg = trend("g", Unit::Days, Direction::LowerIsBetter, &points);
        assert_eq!(
            desc(&svg),
            "Results from 2021/22 to 2023/24. Latest 8.5 days in 2023/24 against a target of 9 days; 1 of 1 year met target. No result for 2022/23 and 2024/25."
        );
        let no_targets = [year(2024, Some("3"), None), year(2025, Some("4"), None)];
        let svg = trend("n", Unit::Number, Direction::HigherIsBetter, &no_targets);
        assert_eq!(
            desc(&svg),
            "Results from 2024/25 to 2025/26. Latest 4 in 2025/26."
        );
        assert!(
            !svg.contains("chart-target"),
            "no target legend without targets"
        );
    }

    #[test]
    fn trend_desc_for_quarters_and_many_gaps() {
        let mut points: Vec<TrendPoint> = (1..=4)
            .map(|q| TrendPoint {
                period: Period {
                    year: 2024,
                    quarter: q,
                },
                result: None,
                target: None,
            })
            .collect();
        points.push(TrendPoint {
            period: Period {
                year: 2025,
                quarter: 1,
            },
            result: Some(f("12.4")),
            target: Some(f("12")),
        });
        let svg = trend("q", Unit::Per1000Homes, Direction::LowerIsBetter, &points);
        assert_eq!(
            desc(&svg),
            "One result, for 2025/26 Q1 (April to June). Latest 12.4 per 1,000 homes in 2025/26 Q1 (April to June) against a target of 12 per 1,000 homes; 0 of 1 quarter met target. No result for 4 quarters."
        );
        assert!(svg.contains(">Q1</tspan>"));
        assert!(svg.contains(">25/26</tspan>"));
        assert!(svg.contains("Figures are per 1,000 homes."));
        assert_clean_numbers(&svg);
    }

    #[test]
    fn trend_desc_for_neither_direction_has_no_met_count() {
        let points = vec![
            year(2024, Some("40"), Some("30")),
            year(2025, Some("52"), Some("30")),
        ];
        let svg = trend("c", Unit::Per1000Homes, Direction::Neither, &points);
        assert_eq!(
            desc(&svg),
            "Results from 2024/25 to 2025/26. Latest 52 per 1,000 homes in 2025/26 against a target of 30 per 1,000 homes."
        );
        assert!(!desc(&svg).contains("met"));
    }

    #[test]
    fn bar_desc_handles_equal_values_and_no_statuses() {
        let bars = [bar("A", "5", None, None), bar("B", "5", None, None)];
        let svg = bar_chart(&BarChart {
            id: "eq",
            title: "Equal",
            unit: Unit::Days,
            bars: &bars,
        });
        assert_eq!(desc(&svg), "2 measures. All 5 days.");
        assert!(svg.contains("Figures are in days."));
        assert!(!svg.contains("chart-target"), "no targets, no ticks");
        assert_clean_numbers(&svg);
    }
}

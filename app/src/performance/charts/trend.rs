//! The trend chart: results and targets over periods as lines and
//! markers, on an axis that says where it starts.
use std::fmt::Write as _;

use super::{
    scales::{label_spacing, trend_ticks},
    svg::{
        circle, empty_chart, legend, num, polyline_points, square, text, text_lines, text_width,
        wrap_svg, write_notes, LegendKind, TextStyle, FONT, GRID_COLOUR, RESULT_COLOUR, SMALL_FONT,
        TARGET_COLOUR, TEXT_COLOUR, WIDTH,
    },
    words::{short_period, short_value, tick_label, trend_summary, unit_note},
    TrendChart, TrendPoint,
};
use crate::performance::model::Figure;

/// Height of the plotting area of a trend chart.
const PLOT_HEIGHT: f64 = 240.0;

/// A line chart of results (solid line, round markers) and targets (dashed
/// line, square markers) over periods, with a summary in `<desc>`.
pub fn trend_chart(chart: &TrendChart) -> String {
    let desc = trend_summary(chart);
    let points = chart.points;
    let results: Vec<(usize, Figure)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.result.map(|r| (i, r)))
        .collect();
    let Some(&(latest_index, _)) = results.last() else {
        return empty_chart(chart.id, "chart-trend", chart.title, &desc);
    };
    let has_target = points.iter().any(|p| p.target.is_some());
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.result, p.target])
        .flatten()
        .map(Figure::as_f64)
        .collect();
    let ticks = trend_ticks(chart.unit, &values);
    let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
    let range = if hi > lo { hi - lo } else { 1.0 };
    let tick_labels: Vec<String> = ticks.iter().map(|&t| tick_label(chart.unit, t)).collect();

    let widest_tick = tick_labels
        .iter()
        .map(|l| text_width(l, SMALL_FONT))
        .fold(0.0, f64::max);
    let left = widest_tick + 20.0;
    let right = 20.0;
    let slot = (WIDTH - left - right) / points.len() as f64;
    let x_at = |i: usize| left + slot * (i as f64 + 0.5);

    let mut body = String::new();
    let mut y = legend(&mut body, LegendKind::Line, has_target);
    let mut notes = vec![format!("{}.", chart.direction.label())];
    notes.extend(unit_note(chart.unit));
    if lo > 0.0 {
        notes.push(format!(
            "The scale starts at {}, not 0.",
            tick_label(chart.unit, lo)
        ));
    } else if hi < 0.0 {
        notes.push(format!(
            "The scale stops at {}, not 0.",
            tick_label(chart.unit, hi)
        ));
    }
    y = write_notes(&mut body, y, &notes);

    let plot_top = y + 30.0;
    let plot_bottom = plot_top + PLOT_HEIGHT;
    let y_at = |v: f64| plot_bottom - (v - lo) / range * PLOT_HEIGHT;

    // Gridlines at round numbers; the zero line, when shown, is the axis.
    for (&tick, label) in ticks.iter().zip(&tick_labels) {
        let ty = y_at(tick);
        let (class, colour, width) = if tick == 0.0 {
            ("chart-axis", TEXT_COLOUR, 2.0)
        } else {
            ("chart-grid", GRID_COLOUR, 1.0)
        };
        let _ = write!(
            body,
            r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="{}"/>"#,
            num(left),
            num(ty),
            num(WIDTH - right),
            num(ty),
            num(width),
        );
        text(
            &mut body,
            &TextStyle::plain("chart-label chart-tick-label", SMALL_FONT, "end"),
            left - 8.0,
            ty + 5.0,
            label,
        );
    }

    // Period labels, thinned (counting back from the newest) when they would
    // collide; the table beside the chart names every period.
    let period_labels: Vec<(String, Option<String>)> =
        points.iter().map(|p| short_period(p.period)).collect();
    let widest_period = period_labels
        .iter()
        .map(|(a, b)| {
            let second = b.as_deref().map_or(0.0, |b| text_width(b, SMALL_FONT));
            text_width(a, SMALL_FONT).max(second)
        })
        .fold(0.0, f64::max);
    let every = label_spacing(widest_period + 8.0, slot);
    let has_quarter = points.iter().any(|p| p.period.is_quarter());
    for (i, (first, second)) in period_labels.iter().enumerate() {
        if !(points.len() - 1 - i).is_multiple_of(every) {
            continue;
        }
        let style = TextStyle::plain("chart-label chart-period", SMALL_FONT, "middle");
        let mut lines = vec![first.as_str()];
        lines.extend(second.as_deref());
        text_lines(&mut body, &style, x_at(i), plot_bottom + 26.0, &lines);
    }

    // Targets first, so the result line is drawn over them.
    if has_target {
        for run in runs(points, |p| p.target) {
            if run.len() > 1 {
                let _ = write!(
                    body,
                    r#"<polyline class="chart-target chart-line" points="{}" fill="none" stroke="{TARGET_COLOUR}" stroke-width="2.5" stroke-dasharray="8 6"/>"#,
                    polyline_points(&run, x_at, y_at),
                );
            }
        }
        for (i, p) in points.iter().enumerate() {
            if let Some(t) = p.target {
                square(
                    &mut body,
                    "chart-target chart-marker",
                    x_at(i),
                    y_at(t.as_f64()),
                );
            }
        }
    }
    for run in runs(points, |p| p.result) {
        if run.len() > 1 {
            let _ = write!(
                body,
                r#"<polyline class="chart-result chart-line" points="{}" fill="none" stroke="{RESULT_COLOUR}" stroke-width="3"/>"#,
                polyline_points(&run, x_at, y_at),
            );
        }
    }
    for &(i, r) in &results {
        circle(
            &mut body,
            "chart-result chart-marker",
            x_at(i),
            y_at(r.as_f64()),
        );
    }

    // Value labels, thinned like the period labels but always keeping the
    // latest result. A label goes below its marker when the target sits
    // above, so it does not sit on the target line.
    let widest_value = results
        .iter()
        .map(|&(_, r)| text_width(&short_value(chart.unit, r), FONT))
        .fold(0.0, f64::max);
    let every = label_spacing(widest_value + 8.0, slot);
    let style = TextStyle::value("chart-label chart-value", "middle");
    for &(i, r) in &results {
        if !(latest_index - i).is_multiple_of(every) {
            continue;
        }
        let ry = y_at(r.as_f64());
        let target_above = points[i].target.is_some_and(|t| t > r);
        let below = ry + 28.0;
        let label_y = if target_above && below <= plot_bottom - 2.0 {
            below
        } else {
            ry - 12.0
        };
        text(
            &mut body,
            &style,
            x_at(i),
            label_y,
            &short_value(chart.unit, r),
        );
    }

    let height = plot_bottom + 26.0 + if has_quarter { 20.0 } else { 0.0 } + 16.0;
    wrap_svg(chart.id, "chart-trend", height, chart.title, &desc, &body)
}

/// Unbroken runs of present values, as (slot, value); a missing value ends
/// a run so no line is drawn through a gap.
fn runs(
    points: &[TrendPoint],
    value: impl Fn(&TrendPoint) -> Option<Figure>,
) -> Vec<Vec<(usize, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (i, point) in points.iter().enumerate() {
        match value(point) {
            Some(v) => current.push((i, v.as_f64())),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::charts::test_support::*;
    use crate::performance::model::{Direction, Period, Unit};

    #[test]
    fn gap_breaks_the_line_and_markers_match_results() {
        let points = vec![
            year(2020, Some("70"), Some("75")),
            year(2021, Some("72"), Some("75")),
            year(2022, None, Some("75")),
            year(2023, Some("74"), None),
            year(2024, Some("76"), Some("78")),
            year(2025, Some("77"), Some("78")),
        ];
        let svg = trend("gap", Unit::Percent, Direction::HigherIsBetter, &points);
        assert_eq!(
            svg.matches(r#"<polyline class="chart-result chart-line""#)
                .count(),
            2
        );
        assert_eq!(
            svg.matches(r#"class="chart-result chart-marker""#).count(),
            5
        );
        // Targets 2020-2022 and 2024-2025: two dashed runs, five squares.
        assert_eq!(
            svg.matches(r#"<polyline class="chart-target chart-line""#)
                .count(),
            2
        );
        assert_eq!(
            svg.matches(r#"class="chart-target chart-marker""#).count(),
            5
        );
        assert!(svg.contains("stroke-dasharray"));
        // Every period keeps its slot on the axis, the gap year included.
        for label in ["2020/21", "2022/23", "2025/26"] {
            assert!(svg.contains(&format!(">{label}</tspan>")), "{label}");
        }
        for value in ["70%", "72%", "74%", "76%", "77%"] {
            assert!(svg.contains(&format!(">{value}</text>")), "{value}");
        }
        assert!(svg.contains(">Result</text>") && svg.contains(">Target</text>"));
        assert_clean_numbers(&svg);
    }

    #[test]
    fn single_point_is_a_marker_without_a_line() {
        let points = vec![year(2025, Some("74.5"), Some("78"))];
        let svg = trend("one", Unit::Percent, Direction::HigherIsBetter, &points);
        assert_eq!(svg.matches("<polyline").count(), 0);
        assert_eq!(
            svg.matches(r#"class="chart-result chart-marker""#).count(),
            1
        );
        assert_eq!(
            svg.matches(r#"class="chart-target chart-marker""#).count(),
            1
        );
        assert_eq!(
            desc(&svg),
            "One result, for 2025/26. Latest 74.5% in 2025/26 against a target of 78%; 0 of 1 year met target."
        );
        assert_clean_numbers(&svg);
    }

    #[test]
    fn narrow_band_zooms_the_axis_and_says_so() {
        let points = five_years();
        let svg = trend("a", Unit::Percent, Direction::HigherIsBetter, &points);
        assert!(!svg.contains(">0%</text>"));
        assert!(svg.contains("The scale starts at 7"), "{svg}");
        // A wide spread keeps the axis at 0 with no note.
        let wide = [year(2024, Some("20"), None), year(2025, Some("90"), None)];
        let svg = trend("w", Unit::Percent, Direction::HigherIsBetter, &wide);
        assert!(svg.contains(">0%</text>") && !svg.contains("The scale"));
        // Values all below zero, in a narrow band: the scale stops short of 0.
        let negative = [year(2024, Some("-40"), None), year(2025, Some("-42"), None)];
        let svg = trend("n", Unit::Number, Direction::HigherIsBetter, &negative);
        assert!(svg.contains("The scale stops at -"), "{svg}");
    }

    #[test]
    fn dense_series_thins_labels_but_keeps_the_latest() {
        let points: Vec<TrendPoint> = (0..20)
            .map(|i| TrendPoint {
                period: Period {
                    year: 2020 + i / 4,
                    quarter: (i % 4 + 1) as u8,
                },
                result: Some(Figure::from_whole(60 + i64::from(i))),
                target: None,
            })
            .collect();
        let svg = trend("d", Unit::Percent, Direction::HigherIsBetter, &points);
        let values = svg.matches("chart-value").count();
        assert!(values < 20 && values > 1, "{values}");
        assert!(svg.contains(">79%</text>"), "latest labelled");
        assert_eq!(
            svg.matches(r#"class="chart-result chart-marker""#).count(),
            20
        );
        assert_clean_numbers(&svg);
    }

    #[test]
    fn output_is_deterministic() {
        let points = five_years();
        let a = trend("d", Unit::Percent, Direction::HigherIsBetter, &points);
        let b = trend("d", Unit::Percent, Direction::HigherIsBetter, &points);
        assert_eq!(a, b);
    }
}

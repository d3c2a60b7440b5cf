//! Server-rendered SVG charts of performance figures.
//!
//! The page shows each chart next to an accessible table of the same
//! figures, so a chart is a picture for sighted readers plus a plain-English
//! summary in `<desc>` for screen readers. Charts need no JavaScript, scale
//! with their container (one viewBox, `width="100%"`), and carry inline
//! presentation attributes so they read well even without the stylesheet;
//! `class` attributes let the stylesheet restyle them. Results and targets
//! differ by line style and marker shape as well as colour.
//!
//! Here are the figures a chart is built from and the entry points; each
//! chart's layout is in `trend` and `bars`, which share the arithmetic of
//! `scales`, the markup of `svg` and the sentences of `words`.
mod bars;
mod scales;
mod svg;
#[cfg(test)]
mod test_support;
mod trend;
mod words;

pub use bars::bar_chart;
pub use trend::trend_chart;

use super::model::{Direction, Figure, Period, Status, Unit};

/// One line of a trend chart: results over periods, and the targets.
#[derive(Debug, Clone)]
pub struct TrendChart<'a> {
    /// Unique on the page; prefixes the ids of the title and description elements.
    pub id: &'a str,
    pub title: &'a str,
    pub unit: Unit,
    pub direction: Direction,
    /// Periods in order, oldest first; each with the result and the target if any.
    pub points: &'a [TrendPoint],
}

/// One period of a trend: its result and target, either of which may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    pub period: Period,
    pub result: Option<Figure>,
    pub target: Option<Figure>,
}

/// Horizontal bars, one per measure, each against its target.
#[derive(Debug, Clone)]
pub struct BarChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// All bars share one unit (the dashboard draws one bar chart per unit).
    pub unit: Unit,
    pub bars: &'a [Bar],
}

/// One measure's result, with its target and status if it has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub result: Figure,
    pub target: Option<Figure>,
    pub status: Option<Status>,
}

/// One bar chart per unit, since bars in different units cannot share a
/// scale; units in the order their first bar appears. Chart `n` has the id
/// `{id_prefix}-{n}` and the title `title(unit)`. Returns each chart's
/// title and SVG.
pub fn bar_charts_by_unit(
    id_prefix: &str,
    title: impl Fn(Unit) -> String,
    bars: Vec<(Unit, Bar)>,
) -> Vec<(String, String)> {
    let mut groups: Vec<(Unit, Vec<Bar>)> = Vec::new();
    for (unit, bar) in bars {
        match groups.iter_mut().find(|(u, _)| *u == unit) {
            Some((_, group)) => group.push(bar),
            None => groups.push((unit, vec![bar])),
        }
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(n, (unit, of_unit))| {
            let title = title(unit);
            let svg = bar_chart(&BarChart {
                id: &format!("{id_prefix}-{n}"),
                title: &title,
                unit,
                bars: &of_unit,
            });
            (title, svg)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn bars_are_charted_one_unit_at_a_time_in_the_order_units_first_appear() {
        let charts = bar_charts_by_unit(
            "c",
            |unit| unit.label().to_string(),
            vec![
                (Unit::Days, bar("DM01", "20", None, None)),
                (Unit::Percent, bar("TP01", "70", None, None)),
                (Unit::Days, bar("DM02", "12", None, None)),
            ],
        );
        let titles: Vec<&str> = charts.iter().map(|(title, _)| title.as_str()).collect();
        assert_eq!(titles, ["days", "per cent"]);
        assert!(
            charts[0].1.contains("DM01")
                && charts[0].1.contains("DM02")
                && !charts[0].1.contains("TP01")
        );
        assert!(charts[0].1.contains("id=\"c-0") && charts[1].1.contains("id=\"c-1"));
    }

    #[test]
    fn hostile_titles_ids_and_labels_appear_only_escaped() {
        let hostile = "</svg><script>alert(1)</script>";
        let points = five_years();
        let svg = trend_chart(&TrendChart {
            id: r#"x" onload="alert(1)"#,
            title: hostile,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            points: &points,
        });
        assert!(!svg.contains("<script"));
        assert!(!svg.contains(r#"" onload=""#));
        assert!(svg.contains("&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains(r#"id="x&quot; onload=&quot;alert(1)-title""#));
        assert_clean_numbers(&svg);

        let bars = [
            bar(hostile, "80", Some("75"), Some(Status::Met)),
            bar("Repairs & <maintenance>", "60", None, None),
        ];
        let svg = bar_chart(&BarChart {
            id: "bars",
            title: hostile,
            unit: Unit::Percent,
            bars: &bars,
        });
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("<maintenance>"));
        assert!(svg.contains("Repairs &amp; &lt;maintenance&gt;"));
        // Title, desc (highest) and the bar's own label.
        assert_eq!(svg.matches("&lt;script&gt;").count(), 3);
        assert_clean_numbers(&svg);
    }

    #[test]
    fn svg_root_is_labelled_and_scalable() {
        let points = five_years();
        let svg = trend("tp01", Unit::Percent, Direction::HigherIsBetter, &points);
        assert!(svg.starts_with(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-trend" viewBox="0 0 640 "#
        ));
        assert!(svg.contains(r#" width="100%" preserveAspectRatio="xMidYMid meet" role="img""#));
        assert!(svg.contains(r#"aria-labelledby="tp01-title tp01-desc""#));
        assert!(!svg[..svg.find('>').unwrap()].contains(" height="));
        let after_open = &svg[svg.find('>').unwrap() + 1..];
        assert!(after_open.starts_with(
            r#"<title id="tp01-title">TP01 Overall satisfaction</title><desc id="tp01-desc">"#
        ));
        // Text never smaller than 14 user units.
        for size in svg.split("font-size=\"").skip(1) {
            let size: f64 = size[..size.find('"').unwrap()].parse().unwrap();
            assert!(size >= 14.0, "{size}");
        }
    }

    #[test]
    fn no_results_gives_valid_empty_chart() {
        let points = vec![year(2024, None, Some("78")), year(2025, None, None)];
        for svg in [
            trend("e", Unit::Percent, Direction::HigherIsBetter, &points),
            trend("e", Unit::Percent, Direction::HigherIsBetter, &[]),
            bar_chart(&BarChart {
                id: "e",
                title: "Nothing",
                unit: Unit::Percent,
                bars: &[],
            }),
        ] {
            assert_eq!(desc(&svg), "No results yet.");
            assert!(svg.contains(">No results yet.</text>"));
            assert!(svg.contains(r#"aria-labelledby="e-title e-desc""#));
            assert!(!svg.contains("chart-marker"));
            assert_clean_numbers(&svg);
        }
    }

    #[test]
    fn flat_and_negative_series_render_cleanly() {
        for values in [
            ["0", "0", "0"],
            ["80", "80", "80"],
            ["-5", "3", "-2.125"],
            ["-3", "-3", "-3"],
            ["-4", "-4.1", "-4.2"],
        ] {
            let points: Vec<TrendPoint> = values
                .iter()
                .enumerate()
                .map(|(i, v)| year(2020 + i as i32, Some(v), Some(v)))
                .collect();
            for unit in Unit::ALL {
                let svg = trend("z", unit, Direction::HigherIsBetter, &points);
                assert_clean_numbers(&svg);
                assert_eq!(
                    svg.matches(r#"class="chart-result chart-marker""#).count(),
                    3
                );
            }
            let bars: Vec<Bar> = values.iter().map(|v| bar("M", v, Some(v), None)).collect();
            let svg = bar_chart(&BarChart {
                id: "z",
                title: "Z",
                unit: Unit::Number,
                bars: &bars,
            });
            assert_clean_numbers(&svg);
            assert!(!svg.contains(r#"width="-"#));
        }
        // A flat series keeps its zero-based axis and claims nothing more.
        let flat = [year(2024, Some("80"), None), year(2025, Some("80"), None)];
        let svg = trend("f", Unit::Percent, Direction::HigherIsBetter, &flat);
        assert!(svg.contains(">100%</text>") && svg.contains(">0%</text>"));
        assert!(!svg.contains("The scale starts"));
    }
}

//! Charts of performance figures, drawn on the server as HTML.
//!
//! A chart is a list with one row per bar: its label and its figures in
//! words are page text at the body's size, so they wrap on a 320 px phone
//! and a screen reader reads them as a list. Only the bar is drawn, as a
//! small SVG stretched to the row's width, hidden from screen readers. The
//! page shows each chart beside a table of the same figures. Charts need no
//! JavaScript and no inline styles (the CSP forbids them): SVG presentation
//! attributes place the bar and its target mark, so a chart reads even
//! without the stylesheet. Colour is never the only signal: every row says
//! its status in words, and the key names exactly the colours drawn.
//!
//! Here are the figures a chart is built from and the entry points; the
//! layout is in `bars`, the markup and colours in `markup`, the axis in
//! `scales`.
mod bars;
mod markup;
mod scales;
#[cfg(test)]
mod test_support;

pub use bars::bar_chart;

use super::model::{Figure, Status, Unit};

/// Bars on one scale, one per measure, landlord or year.
#[derive(Debug, Clone)]
pub struct BarChart<'a> {
    /// Unique on the page: the chart's element id.
    pub id: &'a str,
    /// All bars share one unit (the dashboard draws one chart per unit).
    pub unit: Unit,
    pub bars: &'a [Bar],
}

/// One result, with its target and status if it has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub result: Figure,
    pub target: Option<Figure>,
    pub status: Option<Status>,
    /// An earlier year's result, drawn in grey beside this year's.
    pub earlier: bool,
    /// Bars of one measure in a row share a group, named once above them,
    /// so each bar's own label can be short ("2024/25").
    pub group: Option<String>,
}

impl Bar {
    pub fn new(
        label: String,
        result: Figure,
        target: Option<Figure>,
        status: Option<Status>,
    ) -> Bar {
        Bar {
            label,
            result,
            target,
            status,
            earlier: false,
            group: None,
        }
    }
}

/// One bar chart per unit, since bars in different units cannot share a
/// scale; units in the order their first bar appears. Chart `n` has the id
/// `{id_prefix}-{n}` and the title `title(unit)`. Returns each chart's
/// title and markup.
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
            let html = bar_chart(&BarChart {
                id: &format!("{id_prefix}-{n}"),
                unit,
                bars: &of_unit,
            });
            (title(unit), html)
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
        assert!(charts[0].1.contains("id=\"c-0\"") && charts[1].1.contains("id=\"c-1\""));
    }
}

//! The bar chart: one labelled bar per measure on an axis from 0, with
//! its target as a tick across it and its status in words.
use std::fmt::Write as _;

use super::{
    scales::{min_max, nice_ticks, zero_based},
    svg::{
        empty_chart, legend, num, text, text_lines, text_width, tick, wrap, wrap_svg, write_notes,
        LegendKind, TextStyle, CLOSE_COLOUR, FONT, GRID_COLOUR, LINE, MET_COLOUR, MISSED_COLOUR,
        RESULT_COLOUR, SMALL_FONT, TEXT_COLOUR, WIDTH,
    },
    words::{bar_summary, short_value, tick_label, unit_note},
    BarChart,
};
use crate::performance::model::{Figure, Status};

const BAR_HEIGHT: f64 = 24.0;
/// Bar labels wrap at word boundaries to about this many characters.
const WRAP_AT: usize = 40;

/// Horizontal bars, one per measure, each with its label above it, its
/// value at its end, and its target as a thick tick across it.
pub fn bar_chart(chart: &BarChart) -> String {
    let desc = bar_summary(chart);
    let bars = chart.bars;
    if bars.is_empty() {
        return empty_chart(chart.id, "chart-bars", chart.title, &desc);
    }
    let has_target = bars.iter().any(|b| b.target.is_some());
    let values: Vec<f64> = bars
        .iter()
        .flat_map(|b| [Some(b.result), b.target])
        .flatten()
        .map(Figure::as_f64)
        .collect();
    // Bar length is the message, so the axis always includes 0.
    let (dmin, dmax) = min_max(&values);
    let (zlo, zhi) = zero_based(chart.unit, dmin, dmax);
    let ticks = nice_ticks(zlo, zhi);
    let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
    let range = if hi > lo { hi - lo } else { 1.0 };
    let tick_labels: Vec<String> = ticks.iter().map(|&t| tick_label(chart.unit, t)).collect();
    let value_labels: Vec<String> = bars
        .iter()
        .map(|b| short_value(chart.unit, b.result))
        .collect();

    let first_tick_half = text_width(&tick_labels[0], SMALL_FONT) / 2.0;
    let last_tick_half = text_width(&tick_labels[tick_labels.len() - 1], SMALL_FONT) / 2.0;
    let widest_value = value_labels
        .iter()
        .map(|l| text_width(l, FONT))
        .fold(0.0, f64::max);
    let left = (first_tick_half + 8.0).max(16.0);
    // Room after the longest bar for its value.
    let reserve = (widest_value + 20.0).max(last_tick_half + 8.0);
    let plot_right = WIDTH - reserve;
    let x_at = |v: f64| left + (v - lo) / range * (plot_right - left);
    let x0 = x_at(0.0);
    // Labels start just clear of the zero line that usually sits at `left`.
    let text_x = left + 8.0;

    let mut header = String::new();
    let mut y = legend(&mut header, LegendKind::Bar, has_target);
    let notes: Vec<String> = unit_note(chart.unit).into_iter().collect();
    y = write_notes(&mut header, y, &notes);

    let rows_top = y + 8.0;
    let mut y = rows_top;
    let mut rows = String::new();
    let label_style = TextStyle {
        class: "chart-label chart-bar-label",
        size: FONT,
        anchor: "start",
        bold: false,
        halo: true,
    };
    let value_style = TextStyle::value("chart-label chart-value", "start");
    let detail_style = TextStyle {
        class: "chart-label chart-bar-detail",
        size: SMALL_FONT,
        anchor: "start",
        bold: false,
        halo: true,
    };
    for (bar, value_label) in bars.iter().zip(&value_labels) {
        rows.push_str(r#"<g class="chart-row">"#);
        let lines = wrap(&bar.label, WRAP_AT);
        let line_refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        if !line_refs.is_empty() {
            text_lines(&mut rows, &label_style, text_x, y + FONT, &line_refs);
        }
        y += LINE * lines.len() as f64 + 8.0;

        let bar_top = y;
        let bar_bottom = bar_top + BAR_HEIGHT;
        let xv = x_at(bar.result.as_f64());
        let (class, colour) = match bar.status {
            Some(Status::Met) => ("chart-bar chart-bar-met", MET_COLOUR),
            Some(Status::Close) => ("chart-bar chart-bar-close", CLOSE_COLOUR),
            Some(Status::Missed) => ("chart-bar chart-bar-missed", MISSED_COLOUR),
            None => ("chart-bar", RESULT_COLOUR),
        };
        let _ = write!(
            rows,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}" fill="{colour}"/>"#,
            num(xv.min(x0)),
            num(bar_top),
            num((xv - x0).abs()),
            num(BAR_HEIGHT),
        );
        let mut value_x = xv.max(x0);
        if let Some(target) = bar.target {
            let xt = x_at(target.as_f64());
            tick(&mut rows, xt, bar_top - 7.0, bar_bottom + 7.0);
            value_x = value_x.max(xt);
        }
        text(
            &mut rows,
            &value_style,
            value_x + 10.0,
            bar_top + BAR_HEIGHT / 2.0 + 6.0,
            value_label,
        );
        y = bar_bottom + 7.0;

        // Target and status in words, so colour is never the only signal.
        let mut detail = Vec::new();
        if let Some(target) = bar.target {
            detail.push(format!("Target {}", short_value(chart.unit, target)));
        }
        if let Some(status) = bar.status {
            detail.push(status.label().to_string());
        }
        if !detail.is_empty() {
            y += SMALL_FONT + 4.0;
            text(&mut rows, &detail_style, text_x, y, &detail.join(" · "));
        }
        y += 18.0;
        rows.push_str("</g>");
    }

    let mut body = header;
    for (&t, label) in ticks.iter().zip(&tick_labels) {
        let tx = x_at(t);
        let (class, colour, width) = if t == 0.0 {
            ("chart-axis", TEXT_COLOUR, 2.0)
        } else {
            ("chart-grid", GRID_COLOUR, 1.0)
        };
        let _ = write!(
            body,
            r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="{}"/>"#,
            num(tx),
            num(rows_top),
            num(tx),
            num(y - 12.0),
            num(width),
        );
        text(
            &mut body,
            &TextStyle::plain("chart-label chart-tick-label", SMALL_FONT, "middle"),
            tx,
            y + 6.0,
            label,
        );
    }
    body.push_str(&rows);
    let height = y + 20.0;
    wrap_svg(chart.id, "chart-bars", height, chart.title, &desc, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::charts::test_support::*;
    use crate::performance::model::Unit;

    #[test]
    fn bars_have_one_row_each_with_target_ticks_and_words() {
        let bars = [
            bar(
                "Overall satisfaction",
                "74.5",
                Some("78"),
                Some(Status::Missed),
            ),
            bar(
                "Satisfaction that the home is well maintained",
                "80",
                Some("78"),
                Some(Status::Met),
            ),
            bar("Repairs", "77", Some("78"), Some(Status::Close)),
            bar("Complaints handling", "60", None, None),
            bar("Neighbourhood", "80", Some("70"), Some(Status::Met)),
        ];
        let svg = bar_chart(&BarChart {
            id: "sat",
            title: "Tenant satisfaction, 2025/26",
            unit: Unit::Percent,
            bars: &bars,
        });
        assert_eq!(svg.matches(r#"<g class="chart-row">"#).count(), 5);
        assert_eq!(
            svg.matches(r#"<rect class="chart-bar"#).count(),
            5 + 1,
            "plus legend"
        );
        // Four targets plus the legend's tick.
        assert_eq!(
            svg.matches(r#"class="chart-target chart-tick""#).count(),
            4 + 1
        );
        assert_eq!(svg.matches("chart-bar-met").count(), 2);
        assert_eq!(svg.matches("chart-bar-close").count(), 1);
        assert_eq!(svg.matches("chart-bar-missed").count(), 1);
        assert!(svg.contains(">Target 78% · Target missed</text>"));
        assert!(svg.contains(">74.5%</text>"));
        assert!(svg.contains(">0%</text>") && svg.contains(">100%</text>"));
        assert_eq!(
            desc(&svg),
            "5 measures. Highest: Satisfaction that the home is well maintained and Neighbourhood, 80%; lowest: Complaints handling, 60%; 2 of 4 met target."
        );
        assert_clean_numbers(&svg);

        // Height grows with the number of bars.
        let height = |svg: &str| -> f64 {
            let vb = svg.split("viewBox=\"0 0 640 ").nth(1).unwrap();
            vb[..vb.find('"').unwrap()].parse().unwrap()
        };
        let fewer = bar_chart(&BarChart {
            id: "sat",
            title: "T",
            unit: Unit::Percent,
            bars: &bars[..2],
        });
        assert!(height(&svg) > height(&fewer));
    }

    #[test]
    fn long_bar_labels_wrap_at_words_without_losing_any() {
        let label =
            "Proportion of homes for which all required gas safety checks have been carried out";
        let lines = wrap(label, WRAP_AT);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WRAP_AT));
        assert_eq!(lines.join(" "), label);
        let long_word = "Supercalifragilisticexpialidociousnessandmoreandmore word";
        assert_eq!(
            wrap(long_word, 20)[0],
            "Supercalifragilisticexpialidociousnessandmoreandmore"
        );
        assert!(wrap("   ", 40).is_empty());

        let bars = [bar(label, "99.1", Some("100"), Some(Status::Close))];
        let svg = bar_chart(&BarChart {
            id: "gas",
            title: "Building safety",
            unit: Unit::Percent,
            bars: &bars,
        });
        for line in &lines {
            assert!(svg.contains(&format!(">{line}</tspan>")), "{line}");
        }
        assert_eq!(
            desc(&svg),
            format!("1 measure: {label}, 99.1%, against a target of 100%; close to target.")
        );
        assert_clean_numbers(&svg);
    }
}

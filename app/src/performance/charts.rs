//! Server-rendered SVG charts of performance figures.
//!
//! The page shows each chart next to an accessible table of the same
//! figures, so a chart is a picture for sighted readers plus a plain-English
//! summary in `<desc>` for screen readers. Charts need no JavaScript, scale
//! with their container (one viewBox, `width="100%"`), and carry inline
//! presentation attributes so they read well even without the stylesheet;
//! `class` attributes let the stylesheet restyle them. Results and targets
//! differ by line style and marker shape as well as colour.

use std::fmt::Write as _;

use super::model::{status, Direction, Figure, Period, Status, Unit};

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

/// Every chart is this wide in user units; text sizes below are chosen so
/// they stay legible when the chart is scaled down to a 320 px phone.
const WIDTH: f64 = 640.0;
const FONT: f64 = 18.0;
const SMALL_FONT: f64 = 16.0;
/// Line height for wrapped labels.
const LINE: f64 = 22.0;
/// Height of the plotting area of a trend chart.
const PLOT_HEIGHT: f64 = 240.0;
const BAR_HEIGHT: f64 = 24.0;
/// Bar labels wrap at word boundaries to about this many characters.
const WRAP_AT: usize = 40;
const MAX_TICKS: usize = 5;

// All colours have at least 3:1 contrast against white (tested below).
const TEXT_COLOUR: &str = "#0b0c0c";
const RESULT_COLOUR: &str = "#1d4e89";
const TARGET_COLOUR: &str = "#333333";
const GRID_COLOUR: &str = "#8c8c8c";
const MET_COLOUR: &str = "#00703c";
const CLOSE_COLOUR: &str = "#8a4f00";
const MISSED_COLOUR: &str = "#b3261e";
const FONT_FAMILY: &str = "Arial, Helvetica, sans-serif";

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

/// Escapes text for XML and HTML alike, and drops control characters that
/// XML forbids. Titles and labels are typed by landlord staff.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A number for an attribute or label: at most two decimal places, no
/// trailing zeros, never NaN, infinity, exponent or "-0".
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let text = format!("{x:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Round tick values (1, 2, 2.5 or 5 times a power of ten) covering
/// `lo..=hi` in at most five ticks, so gridlines fall on numbers people
/// read at a glance. Always at least two distinct ticks, so the scale never
/// divides by zero; steps are never finer than 0.01, so labels need at
/// most two decimal places.
fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi), lo.max(hi))
    } else {
        (0.0, 1.0)
    };
    if hi - lo < 1e-9 {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let pad = lo.abs() * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    for exponent in -2..=17 {
        let power = 10f64.powi(exponent);
        for mantissa in [1.0, 2.0, 2.5, 5.0] {
            // 0.025 would need a third decimal place.
            if mantissa == 2.5 && exponent < -1 {
                continue;
            }
            let step = mantissa * power;
            let first = (lo / step + 1e-9).floor();
            let mut last = (hi / step - 1e-9).ceil();
            if last <= first {
                last = first + 1.0;
            }
            if last - first < MAX_TICKS as f64 {
                return (first as i64..=last as i64)
                    .map(|i| tidy(i as f64 * step))
                    .collect();
            }
        }
    }
    vec![lo, hi]
}

/// Removes floating-point dust (0.30000000000000004) and negative zero.
fn tidy(x: f64) -> f64 {
    let rounded = (x * 1e6).round() / 1e6;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

/// The y-axis of a trend chart.
///
/// The rule: start at 0 (a percentage runs 0 to 100) so heights compare
/// honestly. But when the figures vary and their spread would fill less than
/// a quarter of that axis, the line comes out flat and the changes tenants
/// care about vanish, so the axis instead spans the figures with round
/// ticks, and the chart says in words where the scale starts (no broken
/// baseline is drawn). The zoomed axis spans at least a tenth of the largest
/// figure, so a wobble of 0.1 is not blown up to fill the chart. A flat
/// series keeps the zero-based axis: there is no change to show.
fn trend_ticks(unit: Unit, values: &[f64]) -> Vec<f64> {
    let (dmin, dmax) = min_max(values);
    let (zlo, zhi) = zero_based(unit, dmin, dmax);
    let spread = dmax - dmin;
    if spread <= 0.0 || spread >= 0.25 * (zhi - zlo) {
        return nice_ticks(zlo, zhi);
    }
    let half = spread.max(dmin.abs().max(dmax.abs()) * 0.1) * 0.55;
    let middle = (dmin + dmax) / 2.0;
    let (mut lo, mut hi) = (middle - half, middle + half);
    if dmin >= 0.0 {
        lo = lo.max(0.0);
    }
    if dmax <= 0.0 {
        hi = hi.min(0.0);
    }
    if unit == Unit::Percent && dmax <= 100.0 {
        hi = hi.min(100.0);
    }
    nice_ticks(lo, hi)
}

/// The axis from 0 that holds every figure; 0 to 100 for percentages.
fn zero_based(unit: Unit, dmin: f64, dmax: f64) -> (f64, f64) {
    if unit == Unit::Percent && dmin >= 0.0 && dmax <= 100.0 {
        (0.0, 100.0)
    } else {
        (dmin.min(0.0), dmax.max(0.0))
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let min = finite.clone().fold(f64::INFINITY, f64::min);
    let max = finite.fold(f64::NEG_INFINITY, f64::max);
    if min <= max {
        (min, max)
    } else {
        (0.0, 0.0)
    }
}

/// A value as written beside a marker or bar. Long units ("per 1,000
/// homes", "days") would collide, so only "%" is kept; the chart names the
/// other units once in a note.
fn short_value(unit: Unit, figure: Figure) -> String {
    match unit {
        Unit::Percent => unit.format(figure),
        _ => figure.to_string(),
    }
}

fn tick_label(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Percent => format!("{}%", num(value)),
        _ => num(value),
    }
}

fn unit_note(unit: Unit) -> Option<String> {
    match unit {
        Unit::Per1000Homes => Some("Figures are per 1,000 homes.".into()),
        Unit::Days => Some("Figures are in days.".into()),
        Unit::Percent | Unit::Number => None,
    }
}

/// A period on the x-axis: "2025/26", or "Q1" over "25/26" for a quarter.
fn short_period(period: Period) -> (String, Option<String>) {
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

/// Label every n-th slot so labels of this width do not overlap.
fn label_spacing(label_width: f64, slot: f64) -> usize {
    if slot <= 0.0 || !label_width.is_finite() {
        return 1;
    }
    ((label_width / slot).ceil() as usize).max(1)
}

/// Rough width of text, generous enough for Arial and most fallbacks.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
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

fn polyline_points(
    run: &[(usize, f64)],
    x_at: impl Fn(usize) -> f64,
    y_at: impl Fn(f64) -> f64,
) -> String {
    run.iter()
        .map(|&(i, v)| format!("{},{}", num(x_at(i)), num(y_at(v))))
        .collect::<Vec<_>>()
        .join(" ")
}

fn circle(out: &mut String, class: &str, x: f64, y: f64) {
    let _ = write!(
        out,
        r##"<circle class="{class}" cx="{}" cy="{}" r="6" fill="{RESULT_COLOUR}" stroke="#ffffff" stroke-width="2"/>"##,
        num(x),
        num(y),
    );
}

/// Hollow squares, so targets differ from results in shape and fill.
fn square(out: &mut String, class: &str, x: f64, y: f64) {
    let _ = write!(
        out,
        r##"<rect class="{class}" x="{}" y="{}" width="11" height="11" fill="#ffffff" stroke="{TARGET_COLOUR}" stroke-width="2.5"/>"##,
        num(x - 5.5),
        num(y - 5.5),
    );
}

/// A target tick with a white edge, so it shows on any bar colour.
fn tick(out: &mut String, x: f64, y1: f64, y2: f64) {
    let (x, y1, y2) = (num(x), num(y1), num(y2));
    let _ = write!(
        out,
        r##"<line class="chart-target-halo" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#ffffff" stroke-width="8"/><line class="chart-target chart-tick" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{TARGET_COLOUR}" stroke-width="4"/>"##,
    );
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LegendKind {
    Line,
    Bar,
}

/// The key, in words beside each symbol. Returns the y below it.
fn legend(out: &mut String, kind: LegendKind, show_target: bool) -> f64 {
    let mid = 24.0;
    let style = TextStyle::plain("chart-label chart-legend-label", SMALL_FONT, "start");
    out.push_str(r#"<g class="chart-legend">"#);
    let mut x = 16.0;
    match kind {
        LegendKind::Line => {
            let _ = write!(
                out,
                r#"<line class="chart-result chart-line" x1="{x}" y1="{mid}" x2="{}" y2="{mid}" stroke="{RESULT_COLOUR}" stroke-width="3"/>"#,
                num(x + 36.0),
            );
            circle(out, "chart-result chart-legend-marker", x + 18.0, mid);
        }
        LegendKind::Bar => {
            let _ = write!(
                out,
                r#"<rect class="chart-bar" x="{x}" y="{}" width="36" height="18" fill="{RESULT_COLOUR}"/>"#,
                num(mid - 9.0),
            );
        }
    }
    text(out, &style, x + 44.0, mid + 5.0, "Result");
    x += 44.0 + text_width("Result", SMALL_FONT) + 28.0;
    if show_target {
        match kind {
            LegendKind::Line => {
                let _ = write!(
                    out,
                    r#"<line class="chart-target chart-line" x1="{}" y1="{mid}" x2="{}" y2="{mid}" stroke="{TARGET_COLOUR}" stroke-width="2.5" stroke-dasharray="8 6"/>"#,
                    num(x),
                    num(x + 36.0),
                );
                square(out, "chart-target chart-legend-marker", x + 18.0, mid);
            }
            LegendKind::Bar => tick(out, x + 18.0, mid - 12.0, mid + 12.0),
        }
        text(out, &style, x + 44.0, mid + 5.0, "Target");
    }
    out.push_str("</g>");
    mid + 22.0
}

/// Notes under the legend, one a line. Returns the y below them.
fn write_notes(out: &mut String, mut y: f64, notes: &[String]) -> f64 {
    let style = TextStyle::plain("chart-label chart-note", SMALL_FONT, "start");
    for note in notes {
        y += LINE;
        text(out, &style, 16.0, y, note);
    }
    y
}

struct TextStyle<'a> {
    class: &'a str,
    size: f64,
    anchor: &'a str,
    bold: bool,
    /// A white outline behind the letters, for text over gridlines.
    halo: bool,
}

impl<'a> TextStyle<'a> {
    fn plain(class: &'a str, size: f64, anchor: &'a str) -> Self {
        TextStyle {
            class,
            size,
            anchor,
            bold: false,
            halo: false,
        }
    }

    fn value(class: &'a str, anchor: &'a str) -> Self {
        TextStyle {
            class,
            size: FONT,
            anchor,
            bold: true,
            halo: true,
        }
    }

    fn open(&self, out: &mut String, x: f64, y: f64) {
        let _ = write!(
            out,
            r#"<text class="{}" x="{}" y="{}" font-size="{}" fill="{TEXT_COLOUR}" text-anchor="{}""#,
            self.class,
            num(x),
            num(y),
            num(self.size),
            self.anchor,
        );
        if self.bold {
            out.push_str(r#" font-weight="bold""#);
        }
        if self.halo {
            out.push_str(
                r##" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke""##,
            );
        }
        out.push('>');
    }
}

fn text(out: &mut String, style: &TextStyle, x: f64, y: f64, content: &str) {
    style.open(out, x, y);
    out.push_str(&escape(content));
    out.push_str("</text>");
}

/// Several lines in one `<text>`, one `<tspan>` each, the first at `y`.
fn text_lines(out: &mut String, style: &TextStyle, x: f64, y: f64, lines: &[&str]) {
    style.open(out, x, y);
    for (n, line) in lines.iter().enumerate() {
        let _ = write!(
            out,
            r#"<tspan x="{}" y="{}">{}</tspan>"#,
            num(x),
            num(y + LINE * n as f64),
            escape(line),
        );
    }
    out.push_str("</text>");
}

/// Greedy word wrap. A word longer than the width keeps a line to itself
/// rather than being cut: labels are never truncated.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn wrap_svg(id: &str, kind: &str, height: f64, title: &str, desc: &str, body: &str) -> String {
    let id = escape(id);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg {kind}" viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT_FAMILY}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{body}</svg>"#,
        num(WIDTH),
        num(height),
        escape(title),
        escape(desc),
    )
}

/// A chart with nothing to plot still says so, visibly and to screen readers.
fn empty_chart(id: &str, kind: &str, title: &str, desc: &str) -> String {
    let mut body = String::new();
    let style = TextStyle::plain("chart-label chart-empty", FONT, "middle");
    text(&mut body, &style, WIDTH / 2.0, 46.0, "No results yet.");
    wrap_svg(id, kind, 80.0, title, desc, &body)
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
fn trend_summary(chart: &TrendChart) -> String {
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
fn bar_summary(chart: &BarChart) -> String {
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

    fn f(text: &str) -> Figure {
        Figure::parse(text).unwrap()
    }

    fn year(y: i32, result: Option<&str>, target: Option<&str>) -> TrendPoint {
        TrendPoint {
            period: Period::year(y),
            result: result.map(f),
            target: target.map(f),
        }
    }

    fn trend(id: &str, unit: Unit, direction: Direction, points: &[TrendPoint]) -> String {
        trend_chart(&TrendChart {
            id,
            title: "TP01 Overall satisfaction",
            unit,
            direction,
            points,
        })
    }

    fn bar(label: &str, result: &str, target: Option<&str>, status: Option<Status>) -> Bar {
        Bar {
            label: label.into(),
            result: f(result),
            target: target.map(f),
            status,
        }
    }

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

    fn desc(svg: &str) -> &str {
        let start = svg.find("<desc").unwrap();
        let start = start + svg[start..].find('>').unwrap() + 1;
        let end = svg.find("</desc>").unwrap();
        &svg[start..end]
    }

    /// Every number in the markup, checked for NaN, infinity, exponents and
    /// more than two decimal places.
    fn assert_clean_numbers(svg: &str) {
        assert!(!svg.contains("NaN"), "{svg}");
        for attr in svg.split('"').skip(1).step_by(2) {
            assert!(!attr.to_lowercase().contains("inf"), "{attr} in {svg}");
            for token in attr.split([' ', ',']) {
                if token.parse::<f64>().is_ok() {
                    assert!(!token.contains(['e', 'E']), "{token} in {svg}");
                    let decimals = token.split_once('.').map_or(0, |(_, d)| d.len());
                    assert!(decimals <= 2, "{token} in {svg}");
                }
            }
        }
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("</svg>").count(), 1);
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
    }

    fn five_years() -> Vec<TrendPoint> {
        vec![
            year(2021, Some("79"), Some("78")),
            year(2022, Some("76.5"), Some("78")),
            year(2023, Some("78.2"), Some("78")),
            year(2024, Some("75"), Some("78")),
            year(2025, Some("74.5"), Some("78")),
        ]
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape(r#"</svg><script>alert("x" & 'y')</script>"#),
            "&lt;/svg&gt;&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{0}b\u{1b}c"), "abc");
        assert_eq!(escape("Repairs – 2025/26"), "Repairs – 2025/26");
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
    fn trend_ticks_rule() {
        assert_eq!(
            trend_ticks(Unit::Percent, &[20.0, 90.0]),
            vec![0.0, 25.0, 50.0, 75.0, 100.0]
        );
        let zoomed = trend_ticks(Unit::Percent, &[74.5, 79.0, 78.0]);
        assert!(zoomed[0] > 0.0 && zoomed[0] <= 74.5);
        assert!(*zoomed.last().unwrap() >= 79.0 && *zoomed.last().unwrap() <= 100.0);
        // A tiny wobble is shown against at least a tenth of its size.
        let wobble = trend_ticks(Unit::Number, &[50.0, 50.1]);
        assert!(wobble.last().unwrap() - wobble[0] >= 5.0, "{wobble:?}");
        // Percent zoom never runs past 100.
        let top = trend_ticks(Unit::Percent, &[98.0, 99.5]);
        assert!(*top.last().unwrap() <= 100.0, "{top:?}");
    }

    #[test]
    fn nice_ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 100.0), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(nice_ticks(0.0, 12.4), vec![0.0, 5.0, 10.0, 15.0]);
        assert_eq!(nice_ticks(0.0, 0.0), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(-5.0, 3.0), vec![-5.0, -2.5, 0.0, 2.5, 5.0]);
        assert_eq!(nice_ticks(0.1, 0.3), vec![0.1, 0.15, 0.2, 0.25, 0.3]);
        assert_eq!(nice_ticks(f64::NAN, 3.0), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(10.0, 0.0), nice_ticks(0.0, 10.0));
        for (lo, hi) in [
            (0.0, 1.0),
            (3.0, 3.0),
            (-7.3, -7.3),
            (0.001, 0.002),
            (74.5, 79.0),
            (-1234.5, 98765.4),
            (0.0, 9_000_000_000.0),
        ] {
            let ticks = nice_ticks(lo, hi);
            assert!(
                (2..=MAX_TICKS).contains(&ticks.len()),
                "{lo}..{hi}: {ticks:?}"
            );
            assert!(
                ticks[0] <= lo && *ticks.last().unwrap() >= hi,
                "{lo}..{hi}: {ticks:?}"
            );
            assert!(ticks.windows(2).all(|w| w[1] > w[0]), "{ticks:?}");
            for t in &ticks {
                assert!(t.is_finite());
                assert!(
                    num(*t).parse::<f64>().unwrap() == *t,
                    "{t} needs more than 2 dp"
                );
            }
            if hi - lo >= 0.1 {
                assert!(ticks.len() >= 3, "{lo}..{hi}: {ticks:?}");
            }
        }
    }

    #[test]
    fn numbers_have_at_most_two_decimals() {
        assert_eq!(num(1.0 / 3.0), "0.33");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
        assert_eq!(num(1e20), "100000000000000000000");
    }

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
    fn colours_contrast_with_white() {
        fn luminance(hex: &str) -> f64 {
            let channel = |i: usize| {
                let c = u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
                if c <= 0.03928 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        }
        for colour in [
            RESULT_COLOUR,
            TARGET_COLOUR,
            GRID_COLOUR,
            MET_COLOUR,
            CLOSE_COLOUR,
            MISSED_COLOUR,
        ] {
            let ratio = 1.05 / (luminance(colour) + 0.05);
            assert!(ratio >= 3.0, "{colour}: {ratio}");
        }
        assert!(1.05 / (luminance(TEXT_COLOUR) + 0.05) >= 7.0);
    }

    #[test]
    fn output_is_deterministic() {
        let points = five_years();
        let a = trend("d", Unit::Percent, Direction::HigherIsBetter, &points);
        let b = trend("d", Unit::Percent, Direction::HigherIsBetter, &points);
        assert_eq!(a, b);
    }
}

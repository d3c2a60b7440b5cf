//! Writing SVG: the root element with its title and description, text,
//! markers, the legend and notes, and the sizes and colours every chart
//! shares. Apart so each chart's layout reads as layout, not markup.
use std::fmt::Write as _;

/// Every chart is this wide in user units; text sizes below are chosen so
/// they stay legible when the chart is scaled down to a 320 px phone.
pub(super) const WIDTH: f64 = 640.0;
pub(super) const FONT: f64 = 18.0;
pub(super) const SMALL_FONT: f64 = 16.0;
/// Line height for wrapped labels.
pub(super) const LINE: f64 = 22.0;

// All colours have at least 3:1 contrast against white (tested below).
pub(super) const TEXT_COLOUR: &str = "#0b0c0c";
pub(super) const RESULT_COLOUR: &str = "#1d4e89";
pub(super) const TARGET_COLOUR: &str = "#333333";
pub(super) const GRID_COLOUR: &str = "#8c8c8c";
pub(super) const MET_COLOUR: &str = "#00703c";
pub(super) const CLOSE_COLOUR: &str = "#8a4f00";
pub(super) const MISSED_COLOUR: &str = "#b3261e";
const FONT_FAMILY: &str = "Arial, Helvetica, sans-serif";

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
pub(super) fn num(x: f64) -> String {
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

/// Rough width of text, generous enough for Arial and most fallbacks.
pub(super) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

pub(super) fn polyline_points(
    run: &[(usize, f64)],
    x_at: impl Fn(usize) -> f64,
    y_at: impl Fn(f64) -> f64,
) -> String {
    run.iter()
        .map(|&(i, v)| format!("{},{}", num(x_at(i)), num(y_at(v))))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn circle(out: &mut String, class: &str, x: f64, y: f64) {
    let _ = write!(
        out,
        r##"<circle class="{class}" cx="{}" cy="{}" r="6" fill="{RESULT_COLOUR}" stroke="#ffffff" stroke-width="2"/>"##,
        num(x),
        num(y),
    );
}

/// Hollow squares, so targets differ from results in shape and fill.
pub(super) fn square(out: &mut String, class: &str, x: f64, y: f64) {
    let _ = write!(
        out,
        r##"<rect class="{class}" x="{}" y="{}" width="11" height="11" fill="#ffffff" stroke="{TARGET_COLOUR}" stroke-width="2.5"/>"##,
        num(x - 5.5),
        num(y - 5.5),
    );
}

/// A target tick with a white edge, so it shows on any bar colour.
pub(super) fn tick(out: &mut String, x: f64, y1: f64, y2: f64) {
    let (x, y1, y2) = (num(x), num(y1), num(y2));
    let _ = write!(
        out,
        r##"<line class="chart-target-halo" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#ffffff" stroke-width="8"/><line class="chart-target chart-tick" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{TARGET_COLOUR}" stroke-width="4"/>"##,
    );
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LegendKind {
    Line,
    Bar,
}

/// The key, in words beside each symbol. Returns the y below it.
pub(super) fn legend(out: &mut String, kind: LegendKind, show_target: bool) -> f64 {
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
pub(super) fn write_notes(out: &mut String, mut y: f64, notes: &[String]) -> f64 {
    let style = TextStyle::plain("chart-label chart-note", SMALL_FONT, "start");
    for note in notes {
        y += LINE;
        text(out, &style, 16.0, y, note);
    }
    y
}

pub(super) struct TextStyle<'a> {
    pub(super) class: &'a str,
    pub(super) size: f64,
    pub(super) anchor: &'a str,
    pub(super) bold: bool,
    /// A white outline behind the letters, for text over gridlines.
    pub(super) halo: bool,
}

impl<'a> TextStyle<'a> {
    pub(super) fn plain(class: &'a str, size: f64, anchor: &'a str) -> Self {
        TextStyle {
            class,
            size,
            anchor,
            bold: false,
            halo: false,
        }
    }

    pub(super) fn value(class: &'a str, anchor: &'a str) -> Self {
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

pub(super) fn text(out: &mut String, style: &TextStyle, x: f64, y: f64, content: &str) {
    style.open(out, x, y);
    out.push_str(&escape(content));
    out.push_str("</text>");
}

/// Several lines in one `<text>`, one `<tspan>` each, the first at `y`.
pub(super) fn text_lines(out: &mut String, style: &TextStyle, x: f64, y: f64, lines: &[&str]) {
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
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
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

pub(super) fn wrap_svg(
    id: &str,
    kind: &str,
    height: f64,
    title: &str,
    desc: &str,
    body: &str,
) -> String {
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
pub(super) fn empty_chart(id: &str, kind: &str, title: &str, desc: &str) -> String {
    let mut body = String::new();
    let style = TextStyle::plain("chart-label chart-empty", FONT, "middle");
    text(&mut body, &style, WIDTH / 2.0, 46.0, "No results yet.");
    wrap_svg(id, kind, 80.0, title, desc, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! Writing a chart's markup: escaping, numbers for attributes, the colours
//! every chart shares, the key's swatches and a row's drawn bar. Apart so
//! the layout in `bars` reads as layout, not markup.
use std::fmt::Write as _;

use crate::performance::model::Status;

/// A bar's track is this many user units wide, stretched to the row.
pub(super) const TRACK: f64 = 1000.0;
const TRACK_HEIGHT: f64 = 22.0;
/// The bar sits inside the track; the target mark runs its full height,
/// above and below the bar, so it never splits a bar in two.
const BAR_TOP: f64 = 4.0;
const BAR_HEIGHT: f64 = 14.0;

// Every colour has at least 3:1 contrast against white and the track (tested below).
const TEXT_COLOUR: &str = "#0b0c0c";
const TRACK_COLOUR: &str = "#f3f2f1";
const GRID_COLOUR: &str = "#b1b4b6";

/// What a bar's colour says; the key lists the ones a chart draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Shade {
    Met,
    Close,
    Missed,
    Unjudged,
    Earlier,
}

impl Shade {
    pub(super) fn of(status: Option<Status>, earlier: bool) -> Shade {
        match (status, earlier) {
            (_, true) => Shade::Earlier,
            (Some(Status::Met), _) => Shade::Met,
            (Some(Status::Close), _) => Shade::Close,
            (Some(Status::Missed), _) => Shade::Missed,
            (None, false) => Shade::Unjudged,
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Shade::Met => "#00703c",
            Shade::Close => "#8a4f00",
            Shade::Missed => "#b3261e",
            Shade::Unjudged => "#1d4e89",
            Shade::Earlier => "#626a6e",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Shade::Met => "chart-bar chart-bar-met",
            Shade::Close => "chart-bar chart-bar-close",
            Shade::Missed => "chart-bar chart-bar-missed",
            Shade::Unjudged => "chart-bar chart-bar-unjudged",
            Shade::Earlier => "chart-bar chart-bar-earlier",
        }
    }

    /// The key's words for this colour.
    fn meaning(self) -> &'static str {
        match self {
            Shade::Met => "Target met",
            Shade::Close => "Close to target",
            Shade::Missed => "Target missed",
            Shade::Unjudged => "Result with no target to judge it by",
            Shade::Earlier => "The year before",
        }
    }
}

/// Escapes text for HTML, and drops control characters. Labels are typed
/// by landlord staff.
pub(super) fn escape(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|&c| {
            !((c.is_control() && !c.is_whitespace()) || c == '\u{FFFE}' || c == '\u{FFFF}')
        })
        .collect();
    crate::html::escape(&kept)
}

/// A number for an attribute: at most two decimal places, no trailing
/// zeros, never NaN, infinity, exponent or "-0".
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

const HIDDEN_SVG: &str = r#"aria-hidden="true" focusable="false""#;

/// The key: a swatch and words for each colour drawn, and the target mark
/// if any bar has a target.
pub(super) fn key(out: &mut String, shades: &[Shade], has_target: bool) {
    out.push_str(r#"<ul class="chart-key">"#);
    for shade in shades {
        let _ = write!(
            out,
            r#"<li><svg class="chart-swatch" viewBox="0 0 20 20" width="20" height="20" {HIDDEN_SVG}><rect x="0" y="3" width="20" height="14" fill="{}"/></svg>{}</li>"#,
            shade.colour(),
            shade.meaning(),
        );
    }
    if has_target {
        let _ = write!(
            out,
            r#"<li><svg class="chart-swatch" viewBox="0 0 20 20" width="20" height="20" {HIDDEN_SVG}><line x1="10" y1="0" x2="10" y2="20" stroke="{TEXT_COLOUR}" stroke-width="3"/></svg>The target</li>"#,
        );
    }
    out.push_str("</ul>");
}

/// One row's drawing: the track (the whole scale), gridlines at `grid`,
/// the bar from `from` to `to`, the zero line when the scale runs below
/// zero, and the target mark. Positions are in track units.
pub(super) fn track(
    out: &mut String,
    shade: Shade,
    grid: &[f64],
    zero: Option<f64>,
    (from, to): (f64, f64),
    target: Option<f64>,
) {
    let _ = write!(
        out,
        r#"<svg class="chart-track" viewBox="0 0 {} {}" width="100%" height="{}" preserveAspectRatio="none" {HIDDEN_SVG}><rect x="0" y="{}" width="{}" height="{}" fill="{TRACK_COLOUR}"/>"#,
        num(TRACK),
        num(TRACK_HEIGHT),
        num(TRACK_HEIGHT),
        num(BAR_TOP),
        num(TRACK),
        num(BAR_HEIGHT),
    );
    for &x in grid {
        vertical(
            out,
            "chart-grid",
            x,
            BAR_TOP,
            BAR_TOP + BAR_HEIGHT,
            GRID_COLOUR,
            1.0,
        );
    }
    let _ = write!(
        out,
        r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
        shade.class(),
        num(from.min(to)),
        num(BAR_TOP),
        num((to - from).abs()),
        num(BAR_HEIGHT),
        shade.colour(),
    );
    if let Some(x) = zero {
        vertical(
            out,
            "chart-axis",
            x,
            BAR_TOP - 3.0,
            BAR_TOP + BAR_HEIGHT + 3.0,
            TEXT_COLOUR,
            2.0,
        );
    }
    if let Some(x) = target {
        vertical(out, "chart-target", x, 0.0, TRACK_HEIGHT, TEXT_COLOUR, 3.0);
    }
    out.push_str("</svg>");
}

/// A vertical line whose width stays in pixels however far the track stretches.
fn vertical(out: &mut String, class: &str, x: f64, y1: f64, y2: f64, colour: &str, width: f64) {
    let _ = write!(
        out,
        r#"<line class="{class}" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{colour}" stroke-width="{}" vector-effect="non-scaling-stroke"/>"#,
        num(y1),
        num(y2),
        num(width),
        x = num(x),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_drops_control_characters_and_escapes_markup() {
        assert_eq!(escape("a\u{0}b\u{1b}c <b>"), "abc &lt;b&gt;");
        assert_eq!(escape("two\nlines"), "two\nlines");
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

    /// Contrast by hand, as axe cannot judge drawn shapes: every bar
    /// colour, the gridlines and the target mark against the white page
    /// and the grey track; text is page text, checked by axe.
    #[test]
    fn colours_contrast_with_white_and_the_track() {
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
        let contrast = |a: &str, b: &str| {
            let (la, lb) = (luminance(a), luminance(b));
            (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
        };
        let shades = [
            Shade::Met,
            Shade::Close,
            Shade::Missed,
            Shade::Unjudged,
            Shade::Earlier,
        ];
        for colour in shades.iter().map(|s| s.colour()).chain([TEXT_COLOUR]) {
            for background in ["#ffffff", TRACK_COLOUR] {
                let ratio = contrast(colour, background);
                assert!(ratio >= 3.0, "{colour} on {background}: {ratio}");
            }
        }
        // The target mark shows on every bar it crosses.
        for shade in shades {
            let ratio = contrast(TEXT_COLOUR, shade.colour());
            assert!(ratio >= 1.5, "target on {shade:?}: {ratio}");
        }
        // Each colour differs from every other, so the key can be read.
        for (i, a) in shades.iter().enumerate() {
            for b in &shades[i + 1..] {
                assert_ne!(a.colour(), b.colour());
            }
        }
    }
}

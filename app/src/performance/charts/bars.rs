//! The bar chart: one row per bar, its label and figures in words, then
//! its bar on a scale from 0.
use std::fmt::Write as _;

use super::{
    markup::{escape, key, track, Shade, TRACK},
    scales::{min_max, nice_ticks, zero_based},
    BarChart,
};
use crate::performance::model::{Figure, Unit};

/// The chart's markup: the key, a sentence saying where the scale runs,
/// and an ordered list of rows.
pub fn bar_chart(chart: &BarChart) -> String {
    let id = escape(chart.id);
    let bars = chart.bars;
    if bars.is_empty() {
        return format!(
            r#"<div class="bar-chart" id="{id}"><p class="empty">No results yet.</p></div>"#
        );
    }
    let values: Vec<f64> = bars
        .iter()
        .flat_map(|b| [Some(b.result), b.target])
        .flatten()
        .map(Figure::as_f64)
        .collect();
    // Bar length is the message, so the scale always includes 0.
    let (dmin, dmax) = min_max(&values);
    let (zlo, zhi) = zero_based(chart.unit, dmin, dmax);
    let ticks = nice_ticks(zlo, zhi);
    let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
    let range = if hi > lo { hi - lo } else { 1.0 };
    let x_at = |v: f64| (v - lo) / range * TRACK;
    let grid: Vec<f64> = ticks[1..ticks.len() - 1].iter().map(|&t| x_at(t)).collect();
    let zero = (lo < 0.0).then(|| x_at(0.0));

    let mut shades: Vec<Shade> = bars
        .iter()
        .map(|b| Shade::of(b.status, b.earlier))
        .collect();
    shades.sort();
    shades.dedup();
    let has_target = bars.iter().any(|b| b.target.is_some());

    let mut out = String::new();
    let _ = write!(out, r#"<div class="bar-chart" id="{id}">"#);
    key(&mut out, &shades, has_target);
    let _ = write!(
        out,
        r#"<p class="chart-scale">{}</p>"#,
        scale_sentence(chart.unit, lo, hi, ticks.len() > 2)
    );
    out.push_str(r#"<ol class="chart-rows">"#);
    let mut group = None;
    for bar in bars {
        if bar.group.is_some() && bar.group != group {
            group = bar.group.clone();
            let _ = write!(
                out,
                r#"<li class="chart-group">{}</li>"#,
                escape(group.as_deref().unwrap_or_default())
            );
        }
        let shade = Shade::of(bar.status, bar.earlier);
        // The words first, label and figures flowing as one short paragraph.
        let _ = write!(
            out,
            r#"<li class="chart-row"><span class="chart-row-text"><span class="chart-row-label">{}</span> <span class="chart-row-figures"><strong>{}</strong>"#,
            escape(bar.label.trim()),
            escape(&chart.unit.format(bar.result))
        );
        // Target and status in words, so colour is never the only signal.
        if let Some(target) = bar.target {
            let _ = write!(out, " · target {}", escape(&chart.unit.format(target)));
        }
        if let Some(status) = bar.status.filter(|_| !bar.earlier) {
            let _ = write!(out, " · {}", status.label().to_lowercase());
        }
        out.push_str("</span></span>");
        track(
            &mut out,
            shade,
            &grid,
            zero,
            (x_at(0.0), x_at(bar.result.as_f64())),
            bar.target.map(|t| x_at(t.as_f64())),
        );
        out.push_str("</li>");
    }
    out.push_str("</ol></div>");
    out
}

/// Where the bars are measured from and to, with the gridlines' spacing.
fn scale_sentence(unit: Unit, lo: f64, hi: f64, gridlines: bool) -> String {
    // Ticks have at most two decimal places, so a Figure holds them exactly.
    let value = |v: f64| unit.format(Figure((v * 1000.0).round() as i64));
    let mut sentence = if lo < 0.0 {
        format!(
            "Bars start at the dark line, 0; the scale runs from {} to {}.",
            value(lo),
            value(hi)
        )
    } else {
        format!("Bars start at 0; the grey track ends at {}.", value(hi))
    };
    if gridlines {
        sentence.push_str(" Thin lines mark the steps between.");
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::charts::{test_support::*, Bar};
    use crate::performance::model::Status;

    fn rows(html: &str) -> Vec<&str> {
        html.split(r#"<li class="chart-row">"#).skip(1).collect()
    }

    #[test]
    fn each_bar_is_a_row_with_its_words_its_bar_and_its_target() {
        let bars = [
            bar(
                "Overall satisfaction (TP01)",
                "74.5",
                Some("78"),
                Some(Status::Missed),
            ),
            bar(
                "Satisfaction that the home is well maintained (TP02)",
                "80",
                Some("78"),
                Some(Status::Met),
            ),
            bar("Repairs (TP03)", "77", Some("78"), Some(Status::Close)),
            bar("Complaints handling (TP09)", "60", None, None),
        ];
        let html = bar_chart(&BarChart {
            id: "sat",
            unit: Unit::Percent,
            bars: &bars,
        });
        let rows = rows(&html);
        assert_eq!(rows.len(), 4);
        assert!(rows[0].starts_with(
            r#"<span class="chart-row-text"><span class="chart-row-label">Overall satisfaction (TP01)</span> "#
        ));
        assert!(rows[0].contains("<strong>74.5%</strong> · target 78% · target missed</span>"));
        assert!(
            rows[3].contains("<strong>60%</strong></span>"),
            "no target, no words for one"
        );
        // 74.5% of a 0–100 track of 1000 units; the target at 780.
        assert!(rows[0].contains(r#"class="chart-bar chart-bar-missed" x="0" y="4" width="745""#));
        assert!(rows[0].contains(r#"class="chart-target" x1="780""#));
        assert!(!rows[3].contains("chart-target"));
        // The target mark runs above and below the bar, never across it alone.
        assert!(rows[1].contains(r#"class="chart-target" x1="780" y1="0" x2="780" y2="22""#));
        assert!(html.contains("Bars start at 0; the grey track ends at 100%."));
        assert_clean_markup(&html);
    }

    #[test]
    fn the_key_names_exactly_the_colours_drawn() {
        let key_of = |html: &str| {
            let key = &html[html.find("chart-key").unwrap()..html.find("</ul>").unwrap()];
            key.split("</svg>")
                .skip(1)
                .map(|item| item[..item.find("</li>").unwrap()].to_string())
                .collect::<Vec<_>>()
        };
        let judged = [
            bar("A", "80", Some("70"), Some(Status::Met)),
            bar("B", "60", Some("70"), Some(Status::Missed)),
        ];
        let html = bar_chart(&BarChart {
            id: "k",
            unit: Unit::Percent,
            bars: &judged,
        });
        assert_eq!(key_of(&html), ["Target met", "Target missed", "The target"]);

        // An annual review's year before is grey, and the key says so.
        let mut before = bar("2024/25", "70", Some("70"), None);
        before.earlier = true;
        let two_years: Vec<Bar> = [before, bar("2025/26", "74", Some("72"), Some(Status::Met))]
            .into_iter()
            .map(|b| Bar {
                group: Some("Repairs (TP02)".into()),
                ..b
            })
            .collect();
        let html = bar_chart(&BarChart {
            id: "k",
            unit: Unit::Percent,
            bars: &two_years,
        });
        assert_eq!(
            key_of(&html),
            ["Target met", "The year before", "The target"]
        );
        assert!(html.contains("chart-bar-earlier"));
        // The measure is named once, above its two years.
        assert_eq!(
            html.matches(r#"<li class="chart-group">Repairs (TP02)</li>"#)
                .count(),
            1
        );
        assert_eq!(rows(&html).len(), 2);

        let plain = [bar("Homes", "12", None, None)];
        let html = bar_chart(&BarChart {
            id: "k",
            unit: Unit::Number,
            bars: &plain,
        });
        assert_eq!(key_of(&html), ["Result with no target to judge it by"]);
    }

    #[test]
    fn hostile_labels_and_ids_appear_only_escaped() {
        let hostile = "</li><script>alert(1)</script>";
        let bars = [bar(hostile, "80", Some("75"), Some(Status::Met))];
        let html = bar_chart(&BarChart {
            id: r#"x" onload="alert(1)"#,
            unit: Unit::Percent,
            bars: &bars,
        });
        assert!(!html.contains("<script"));
        assert!(!html.contains(r#"" onload=""#));
        assert!(html.contains("&lt;/li&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_clean_markup(&html);
    }

    #[test]
    fn empty_flat_and_negative_figures_draw_cleanly() {
        let html = bar_chart(&BarChart {
            id: "e",
            unit: Unit::Percent,
            bars: &[],
        });
        assert!(html.contains(">No results yet.</p>"));
        assert_clean_markup(&html);
        for values in [
            ["0", "0", "0"],
            ["80", "80", "80"],
            ["-5", "3", "-2.125"],
            ["-4", "-4.1", "-4.2"],
        ] {
            for unit in Unit::ALL {
                let bars: Vec<_> = values.iter().map(|v| bar("M", v, Some(v), None)).collect();
                let html = bar_chart(&BarChart {
                    id: "z",
                    unit,
                    bars: &bars,
                });
                assert_eq!(rows(&html).len(), 3);
                assert_clean_markup(&html);
                let negative = values.iter().any(|v| v.starts_with('-'));
                assert_eq!(html.contains("chart-axis"), negative, "{values:?}");
                assert_eq!(html.contains("Bars start at the dark line, 0"), negative);
            }
        }
        let days = [bar("Repairs", "12.4", Some("10"), Some(Status::Missed))];
        let html = bar_chart(&BarChart {
            id: "d",
            unit: Unit::Days,
            bars: &days,
        });
        assert!(html.contains("<strong>12.4 days</strong> · target 10 days"));
        assert!(html.contains("ends at 15 days."));
    }
}

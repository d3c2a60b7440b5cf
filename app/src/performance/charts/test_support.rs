//! Builders and checks the chart tests share: figures, periods and bars
//! from short strings, and the checks every chart's SVG must pass.
use super::{trend_chart, Bar, TrendChart, TrendPoint};
use crate::performance::model::{Direction, Figure, Period, Status, Unit};

pub(super) fn f(text: &str) -> Figure {
    Figure::parse(text).unwrap()
}

pub(super) fn year(y: i32, result: Option<&str>, target: Option<&str>) -> TrendPoint {
    TrendPoint {
        period: Period::year(y),
        result: result.map(f),
        target: target.map(f),
    }
}

pub(super) fn trend(id: &str, unit: Unit, direction: Direction, points: &[TrendPoint]) -> String {
    trend_chart(&TrendChart {
        id,
        title: "TP01 Overall satisfaction",
        unit,
        direction,
        points,
    })
}

pub(super) fn bar(label: &str, result: &str, target: Option<&str>, status: Option<Status>) -> Bar {
    Bar {
        label: label.into(),
        result: f(result),
        target: target.map(f),
        status,
    }
}

pub(super) fn desc(svg: &str) -> &str {
    let start = svg.find("<desc").unwrap();
    let start = start + svg[start..].find('>').unwrap() + 1;
    let end = svg.find("</desc>").unwrap();
    &svg[start..end]
}

/// Every number in the markup, checked for NaN, infinity, exponents and
/// more than two decimal places.
pub(super) fn assert_clean_numbers(svg: &str) {
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

pub(super) fn five_years() -> Vec<TrendPoint> {
    vec![
        year(2021, Some("79"), Some("78")),
        year(2022, Some("76.5"), Some("78")),
        year(2023, Some("78.2"), Some("78")),
        year(2024, Some("75"), Some("78")),
        year(2025, Some("74.5"), Some("78")),
    ]
}

//! Builders and checks the chart tests share: figures and bars from short
//! strings, and the checks every chart's markup must pass.
use super::Bar;
use crate::performance::model::{Figure, Status};

pub(super) fn f(text: &str) -> Figure {
    Figure::parse(text).unwrap()
}

pub(super) fn bar(label: &str, result: &str, target: Option<&str>, status: Option<Status>) -> Bar {
    Bar::new(label.into(), f(result), target.map(f), status)
}

/// Every number in the markup's attributes, checked for NaN, infinity,
/// exponents and more than two decimal places; every element closed.
pub(super) fn assert_clean_markup(html: &str) {
    assert!(!html.contains("NaN"), "{html}");
    for attr in html.split('"').skip(1).step_by(2) {
        assert!(!attr.to_lowercase().contains("inf"), "{attr} in {html}");
        for token in attr.split([' ', ',']) {
            if token.parse::<f64>().is_ok() {
                assert!(!token.contains(['e', 'E']), "{token} in {html}");
                let decimals = token.split_once('.').map_or(0, |(_, d)| d.len());
                assert!(decimals <= 2, "{token} in {html}");
            }
        }
    }
    for tag in ["div", "ol", "ul", "li", "svg", "span", "p"] {
        assert_eq!(
            html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count(),
            html.matches(&format!("</{tag}>")).count(),
            "<{tag}> in {html}"
        );
    }
    assert!(!html.contains("width=\"-"), "{html}");
    assert!(!html.contains("<text"), "no SVG text: words are page text");
}

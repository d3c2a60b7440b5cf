//! Scales: round ticks and the axis a chart's figures get. Plain
//! arithmetic, apart from the drawing.
use crate::performance::model::Unit;

const MAX_TICKS: usize = 5;

/// Round tick values (1, 2, 2.5 or 5 times a power of ten) covering
/// `lo..=hi` in at most five ticks, so gridlines fall on numbers people
/// read at a glance. Always at least two distinct ticks, so the scale never
/// divides by zero; steps are never finer than 0.01, so labels need at
/// most two decimal places.
pub(super) fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
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

/// The axis from 0 that holds every figure; 0 to 100 for percentages.
pub(super) fn zero_based(unit: Unit, dmin: f64, dmax: f64) -> (f64, f64) {
    if unit == Unit::Percent && dmin >= 0.0 && dmax <= 100.0 {
        (0.0, 100.0)
    } else {
        (dmin.min(0.0), dmax.max(0.0))
    }
}

pub(super) fn min_max(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let min = finite.clone().fold(f64::INFINITY, f64::min);
    let max = finite.fold(f64::NEG_INFINITY, f64::max);
    if min <= max {
        (min, max)
    } else {
        (0.0, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::charts::markup::num;

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
}

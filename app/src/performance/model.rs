//! The words of performance: measures and their parts, reporting periods,
//! figures, and the rules for status against target and trend. Plain types
//! and functions, shared by the server and the browser.
use serde::{Deserialize, Serialize};

/// What a measure counts, which decides how its figures are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share, 0 to 100.
    Percent,
    /// A number per 1,000 homes.
    Per1000Homes,
    Days,
    Number,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Percent, Unit::Per1000Homes, Unit::Days, Unit::Number];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Per1000Homes => "per_1000_homes",
            Unit::Days => "days",
            Unit::Number => "number",
        }
    }

    pub fn parse(text: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|unit| unit.as_str() == text)
    }

    /// How the unit is named in tables and open data.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Percent => "per cent",
            Unit::Per1000Homes => "per 1,000 homes",
            Unit::Days => "days",
            Unit::Number => "number",
        }
    }

    /// A figure with its unit, as people read it: "78.5%", "12.4 per 1,000 homes".
    pub fn format(self, figure: Figure) -> String {
        match self {
            Unit::Percent => format!("{figure}%"),
            Unit::Per1000Homes => format!("{figure} per 1,000 homes"),
            Unit::Days if figure == Figure::from_whole(1) => "1 day".into(),
            Unit::Days => format!("{figure} days"),
            Unit::Number => figure.to_string(),
        }
    }
}

/// A measure as tenants name it: its plain title first, its code after
/// for those who look codes up: "Overall satisfaction (TP01)".
pub fn measure_name(title: &str, code: &str) -> String {
    format!("{title} ({code})")
}

/// Which way is better for a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// No simple better: more recorded complaints can mean an easier process.
    Neither,
}

impl Direction {
    pub const ALL: [Direction; 3] = [
        Direction::HigherIsBetter,
        Direction::LowerIsBetter,
        Direction::Neither,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher",
            Direction::LowerIsBetter => "lower",
            Direction::Neither => "neither",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "Higher is better",
            Direction::LowerIsBetter => "Lower is better",
            Direction::Neither => "Neither higher nor lower is simply better",
        }
    }
}

/// Whose homes a result covers: low-cost rental or low-cost home ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tenure {
    Lcra,
    Lcho,
}

impl Tenure {
    pub const ALL: [Tenure; 2] = [Tenure::Lcra, Tenure::Lcho];

    pub fn as_str(self) -> &'static str {
        match self {
            Tenure::Lcra => "lcra",
            Tenure::Lcho => "lcho",
        }
    }

    /// The code used in files: LCRA or LCHO.
    pub fn code(self) -> &'static str {
        match self {
            Tenure::Lcra => "LCRA",
            Tenure::Lcho => "LCHO",
        }
    }

    pub fn parse(text: &str) -> Option<Tenure> {
        let text = text.trim();
        Tenure::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text))
    }

    pub fn label(self) -> &'static str {
        match self {
            Tenure::Lcra => "Rented homes",
            Tenure::Lcho => "Shared ownership homes",
        }
    }
}

/// A reporting period: a year running April to March, named by the year it
/// starts in, or one quarter of it (1 = April to June). Quarter 0 is the
/// whole year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub year: i32,
    pub quarter: u8,
}

impl Period {
    pub fn year(year: i32) -> Period {
        Period { year, quarter: 0 }
    }

    pub fn is_quarter(self) -> bool {
        self.quarter != 0
    }

    /// The year's name, "2025/26".
    pub fn year_label(self) -> String {
        format!("{}/{:02}", self.year, (self.year + 1).rem_euclid(100))
    }

    /// The period before this one of the same length: last year, or the
    /// quarter before (Q1's is Q4 of the year before).
    pub fn previous(self) -> Period {
        match self.quarter {
            0 => Period::year(self.year - 1),
            1 => Period {
                year: self.year - 1,
                quarter: 4,
            },
            q => Period {
                year: self.year,
                quarter: q - 1,
            },
        }
    }

    /// The last day of the period, as (year, month, day).
    pub fn last_day(self) -> (i32, u32, u32) {
        match self.quarter {
            1 => (self.year, 6, 30),
            2 => (self.year, 9, 30),
            3 => (self.year, 12, 31),
            _ => (self.year + 1, 3, 31),
        }
    }

    /// The first day of the period, as (year, month, day).
    pub fn first_day(self) -> (i32, u32, u32) {
        match self.quarter {
            2 => (self.year, 7, 1),
            3 => (self.year, 10, 1),
            4 => (self.year + 1, 1, 1),
            _ => (self.year, 4, 1),
        }
    }

    /// Whether the period is over on `today` (year, month, day).
    pub fn has_ended(self, today: (i32, u32, u32)) -> bool {
        today > self.last_day()
    }

    /// The reporting year that `day` falls in.
    pub fn year_containing(day: (i32, u32, u32)) -> Period {
        Period::year(if day.1 >= 4 { day.0 } else { day.0 - 1 })
    }

    /// Reads "2025/26" (or "2025-26"), the form used in files and addresses.
    pub fn parse_year(text: &str) -> Option<i32> {
        let text = text.trim();
        let (start, end) = text.split_once(['/', '-'])?;
        if start.len() != 4 || end.len() != 2 {
            return None;
        }
        let start: i32 = start.parse().ok()?;
        let end: i32 = end.parse().ok()?;
        ((start + 1).rem_euclid(100) == end && (1990..=2100).contains(&start)).then_some(start)
    }

    /// Reads a quarter: empty for the whole year, or Q1 to Q4 (or 1 to 4).
    pub fn parse_quarter(text: &str) -> Option<u8> {
        let text = text.trim();
        let digits = text
            .strip_prefix('Q')
            .or_else(|| text.strip_prefix('q'))
            .unwrap_or(text);
        match digits {
            "" if text.is_empty() => Some(0),
            "1" => Some(1),
            "2" => Some(2),
            "3" => Some(3),
            "4" => Some(4),
            _ => None,
        }
    }

    /// The quarter as written in files: "" or "Q1".
    pub fn quarter_code(self) -> String {
        if self.quarter == 0 {
            String::new()
        } else {
            format!("Q{}", self.quarter)
        }
    }
}

impl std::fmt::Display for Period {
    /// "2025/26", or "2025/26 Q1 (April to June)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let months = match self.quarter {
            0 => return f.write_str(&self.year_label()),
            1 => "April to June",
            2 => "July to September",
            3 => "October to December",
            _ => "January to March",
        };
        write!(f, "{} Q{} ({months})", self.year_label(), self.quarter)
    }
}

/// A figure held exactly, in thousandths, so that both databases store the
/// same integer and a re-import compares equal. At most three decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Figure(pub i64);

impl Figure {
    pub const SCALE: i64 = 1000;

    pub fn from_whole(whole: i64) -> Figure {
        Figure(whole * Self::SCALE)
    }

    pub fn thousandths(self) -> i64 {
        self.0
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// Reads a plain decimal such as "78", "78.5" or "-3.25" (no
    /// thousands separators, no unit). Errors are for people to read.
    pub fn parse(text: &str) -> Result<Figure, FigureError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FigureError::Empty);
        }
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(FigureError::NotANumber);
        }
        if fraction.len() > 3 {
            return Err(FigureError::TooPrecise);
        }
        if whole.len() > 12 {
            return Err(FigureError::TooLarge);
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| FigureError::NotANumber)?
        };
        let padded = format!("{fraction:0<3}");
        let fraction: i64 = padded.parse().map_err(|_| FigureError::NotANumber)?;
        let value = whole * Self::SCALE + fraction;
        Ok(Figure(if negative { -value } else { value }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureError {
    Empty,
    NotANumber,
    TooPrecise,
    TooLarge,
}

impl std::fmt::Display for FigureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FigureError::Empty => "Enter a number",
            FigureError::NotANumber => "Enter a number, such as 78 or 78.5",
            FigureError::TooPrecise => "Use at most three decimal places",
            FigureError::TooLarge => "This number is too large",
        })
    }
}

impl std::fmt::Display for Figure {
    /// Without trailing zeros: 78, 78.5, 78.25.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let whole = self.0.abs() / Self::SCALE;
        let fraction = self.0.abs() % Self::SCALE;
        if fraction == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{fraction:03}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

/// How a result stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    /// Short of target, but within the landlord's "close" margin.
    Close,
    Missed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Close => "close",
            Status::Missed => "missed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "Target met",
            Status::Close => "Close to target",
            Status::Missed => "Target missed",
        }
    }
}

/// The status of `result` against `target`. `close_within` is the margin,
/// in thousandths of a per cent of the target (5000 = within 5% of the
/// target counts as close). No status when the measure has no better
/// direction.
pub fn status(
    direction: Direction,
    result: Figure,
    target: Figure,
    close_within: i64,
) -> Option<Status> {
    let shortfall = match direction {
        Direction::HigherIsBetter => target.0 - result.0,
        Direction::LowerIsBetter => result.0 - target.0,
        Direction::Neither => return None,
    };
    if shortfall <= 0 {
        return Some(Status::Met);
    }
    // Compare shortfall / |target| <= close_within / 100_000 without floats.
    let allowed = i128::from(target.0.abs()) * i128::from(close_within);
    if i128::from(shortfall) * 100_000 <= allowed {
        Some(Status::Close)
    } else {
        Some(Status::Missed)
    }
}

/// How a result moved since the period before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Better,
    Worse,
    Same,
    /// Moved, on a measure where neither way is simply better.
    Up,
    Down,
}

impl Trend {
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Better => "better",
            Trend::Worse => "worse",
            Trend::Same => "same",
            Trend::Up => "up",
            Trend::Down => "down",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Trend::Better => "Better than the period before",
            Trend::Worse => "Worse than the period before",
            Trend::Same => "The same as the period before",
            Trend::Up => "Higher than the period before",
            Trend::Down => "Lower than the period before",
        }
    }

    /// A short form for tables and charts.
    pub fn short(self) -> &'static str {
        match self {
            Trend::Better => "Better",
            Trend::Worse => "Worse",
            Trend::Same => "No change",
            Trend::Up => "Up",
            Trend::Down => "Down",
        }
    }
}

pub fn trend(direction: Direction, current: Figure, previous: Figure) -> Trend {
    use std::cmp::Ordering::*;
    match (direction, current.cmp(&previous)) {
        (_, Equal) => Trend::Same,
        (Direction::HigherIsBetter, Greater) | (Direction::LowerIsBetter, Less) => Trend::Better,
        (Direction::HigherIsBetter, Less) | (Direction::LowerIsBetter, Greater) => Trend::Worse,
        (Direction::Neither, Greater) => Trend::Up,
        (Direction::Neither, Less) => Trend::Down,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(text: &str) -> Figure {
        Figure::parse(text).unwrap()
    }

    #[test]
    fn figures_read_and_print_exactly() {
        assert_eq!(f("78").0, 78_000);
        assert_eq!(f("78.5").0, 78_500);
        assert_eq!(f("0.125").0, 125);
        assert_eq!(f(".5").0, 500);
        assert_eq!(f("-3.25").0, -3_250);
        assert_eq!(f("78.50").to_string(), "78.5");
        assert_eq!(f("100").to_string(), "100");
        assert_eq!(f("-0.05").to_string(), "-0.05");
        assert_eq!(Figure::parse("78.1234"), Err(FigureError::TooPrecise));
        for bad in ["abc", "7,8", "1e3", "78%", "--1", ".", "1.2.3", " - "] {
            assert_eq!(Figure::parse(bad), Err(FigureError::NotANumber), "{bad}");
        }
        assert_eq!(Figure::parse("  "), Err(FigureError::Empty));
    }

    #[test]
    fn units_format_figures_for_people() {
        assert_eq!(Unit::Percent.format(f("78.5")), "78.5%");
        assert_eq!(Unit::Per1000Homes.format(f("12.4")), "12.4 per 1,000 homes");
        assert_eq!(Unit::Days.format(f("1")), "1 day");
        assert_eq!(Unit::Days.format(f("8.5")), "8.5 days");
    }

    #[test]
    fn periods_run_april_to_march() {
        let year = Period::year(2025);
        assert_eq!(year.to_string(), "2025/26");
        assert_eq!(Period::year(2099).year_label(), "2099/00");
        assert_eq!(
            Period {
                year: 2025,
                quarter: 4
            }
            .to_string(),
            "2025/26 Q4 (January to March)"
        );
        assert_eq!(year.last_day(), (2026, 3, 31));
        assert_eq!(
            Period {
                year: 2025,
                quarter: 2
            }
            .last_day(),
            (2025, 9, 30)
        );
        assert_eq!(
            Period {
                year: 2025,
                quarter: 1
            }
            .previous(),
            Period {
                year: 2024,
                quarter: 4
            }
        );
        assert_eq!(year.previous(), Period::year(2024));
        assert!(year.has_ended((2026, 4, 1)));
        assert!(!year.has_ended((2026, 3, 31)));
        assert_eq!(Period::year_containing((2026, 11, 26)), Period::year(2026));
        assert_eq!(Period::year_containing((2027, 2, 1)), Period::year(2026));
        assert_eq!(Period::parse_year("2025/26"), Some(2025));
        assert_eq!(Period::parse_year("2025-26"), Some(2025));
        assert_eq!(Period::parse_year("1999/00"), Some(1999));
        for bad in ["2025", "2025/27", "25/26", "2025/2026", "abcd/ef"] {
            assert_eq!(Period::parse_year(bad), None, "{bad}");
        }
        assert_eq!(Period::parse_quarter(""), Some(0));
        assert_eq!(Period::parse_quarter("Q3"), Some(3));
        assert_eq!(Period::parse_quarter("4"), Some(4));
        assert_eq!(Period::parse_quarter("Q5"), None);
        assert_eq!(Period::parse_quarter("Q"), None);
    }

    #[test]
    fn status_against_target_respects_direction_and_margin() {
        let five_percent = 5_000;
        let higher = Direction::HigherIsBetter;
        assert_eq!(
            status(higher, f("80"), f("80"), five_percent),
            Some(Status::Met)
        );
        assert_eq!(
            status(higher, f("81"), f("80"), five_percent),
            Some(Status::Met)
        );
        // 4 short of 80 is exactly 5% of the target: close.
        assert_eq!(
            status(higher, f("76"), f("80"), five_percent),
            Some(Status::Close)
        );
        assert_eq!(
            status(higher, f("75.9"), f("80"), five_percent),
            Some(Status::Missed)
        );
        let lower = Direction::LowerIsBetter;
        assert_eq!(
            status(lower, f("9"), f("10"), five_percent),
            Some(Status::Met)
        );
        assert_eq!(
            status(lower, f("10.5"), f("10"), five_percent),
            Some(Status::Close)
        );
        assert_eq!(
            status(lower, f("10.6"), f("10"), five_percent),
            Some(Status::Missed)
        );
        // A zero margin: anything short is missed.
        assert_eq!(
            status(higher, f("79.999"), f("80"), 0),
            Some(Status::Missed)
        );
        assert_eq!(
            status(Direction::Neither, f("5"), f("4"), five_percent),
            None
        );
    }

    #[test]
    fn trend_follows_the_better_direction() {
        assert_eq!(
            trend(Direction::HigherIsBetter, f("75"), f("74")),
            Trend::Better
        );
        assert_eq!(
            trend(Direction::HigherIsBetter, f("73"), f("74")),
            Trend::Worse
        );
        assert_eq!(
            trend(Direction::LowerIsBetter, f("3"), f("4")),
            Trend::Better
        );
        assert_eq!(trend(Direction::LowerIsBetter, f("4"), f("4")), Trend::Same);
        assert_eq!(trend(Direction::Neither, f("5"), f("4")), Trend::Up);
        assert_eq!(trend(Direction::Neither, f("3"), f("4")), Trend::Down);
    }
}

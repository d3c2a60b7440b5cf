//! Timestamps are stored as integer UTC milliseconds on both databases, so
//! SQLite and PostgreSQL hold the same value; chrono is used only at the edge.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(transparent))]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The UTC calendar day of a timestamp, as (year, month, day). Works in the
/// browser too, where chrono is not built in.
pub fn civil_day(at: Timestamp) -> (i32, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let days = at.0.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400) as i32 + i32::from(month <= 2);
    (year, month, day)
}

/// A day as people write it: "12 March 2027".
pub fn format_day((year, month, day): (i32, u32, u32)) -> String {
    let name = MONTHS.get(month.saturating_sub(1) as usize).unwrap_or(&"");
    format!("{day} {name} {year}")
}

/// The UTC day of a timestamp, as people write it: "12 March 2027".
pub fn format_date(at: Timestamp) -> String {
    format_day(civil_day(at))
}

#[cfg(feature = "ssr")]
impl Timestamp {
    pub fn now() -> Self {
        Self::from(chrono::Utc::now())
    }

    pub fn to_chrono(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }
}

#[cfg(feature = "ssr")]
impl From<chrono::DateTime<chrono::Utc>> for Timestamp {
    fn from(value: chrono::DateTime<chrono::Utc>) -> Self {
        Self(value.timestamp_millis())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_chrono_to_the_millisecond() {
        let moment = chrono::DateTime::parse_from_rfc3339("2026-04-01T09:30:15.250Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let stored = Timestamp::from(moment);
        assert_eq!(stored.millis(), 1_775_035_815_250);
        assert_eq!(stored.to_chrono(), moment);
    }

    #[test]
    fn days_are_written_as_people_write_them() {
        assert_eq!(format_date(Timestamp(1_775_035_815_250)), "1 April 2026");
        assert_eq!(format_date(Timestamp(0)), "1 January 1970");
        // Every day of four years agrees with chrono, leap day included.
        let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
        for offset in 0..1461 {
            use chrono::Datelike;
            let date = start + chrono::Duration::days(offset);
            let at = Timestamp::from(date.and_hms_opt(23, 59, 59).unwrap().and_utc());
            assert_eq!(civil_day(at), (date.year(), date.month(), date.day()));
        }
    }
}

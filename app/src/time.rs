//! Timestamps are stored as integer UTC milliseconds on both databases, so
//! SQLite and PostgreSQL hold the same value; chrono is used only at the edge.
//!
//! Every date or time a person reads is UK time (Europe/London), and every
//! day a person types is a UK day: all of that is here, in one place, so a
//! review published at 00:30 in summer shows the day it was published.
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

impl From<i64> for Timestamp {
    fn from(millis: i64) -> Self {
        Self(millis)
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
/// browser too, where chrono is not built in; for a day people read, use
/// `uk_day`.
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

/// The UK day of a moment, as people write it: "12 March 2027".
pub fn format_date(at: impl Into<Timestamp>) -> String {
    format_day(uk_day(at.into()))
}

/// The UK day of a moment, as (year, month, day). In the browser, where the
/// time zone table is not built in, the UTC day (no island shows dates).
pub fn uk_day(at: Timestamp) -> (i32, u32, u32) {
    #[cfg(feature = "ssr")]
    {
        use chrono::Datelike;
        let day = at.to_chrono().with_timezone(&London).date_naive();
        (day.year(), day.month(), day.day())
    }
    #[cfg(not(feature = "ssr"))]
    {
        civil_day(at)
    }
}

#[cfg(feature = "ssr")]
use chrono_tz::Europe::London;

/// "26 November 2026 at 2:05pm", UK time.
#[cfg(feature = "ssr")]
pub fn format_moment(at: impl Into<Timestamp>) -> String {
    use chrono::Timelike;
    let at = at.into();
    let local = at.to_chrono().with_timezone(&London);
    let (pm, hour) = local.hour12();
    format!(
        "{} at {}:{:02}{}",
        format_day(uk_day(at)),
        hour,
        local.minute(),
        if pm { "pm" } else { "am" }
    )
}

/// Today in the UK.
#[cfg(feature = "ssr")]
pub fn uk_today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&London).date_naive()
}

/// Today in the UK, as (year, month, day).
#[cfg(feature = "ssr")]
pub fn today() -> (i32, u32, u32) {
    uk_day(Timestamp::now())
}

/// The first moment of a UK day, as UTC milliseconds.
#[cfg(feature = "ssr")]
pub fn start_of_uk_day(day: chrono::NaiveDate) -> Option<i64> {
    use chrono::TimeZone;
    London
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|at| at.timestamp_millis())
}

/// The last millisecond of a UK day.
#[cfg(feature = "ssr")]
pub fn end_of_uk_day(day: chrono::NaiveDate) -> Option<i64> {
    start_of_uk_day(day + chrono::Duration::days(1)).map(|next| next - 1)
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
    fn dates_people_read_are_uk_dates() {
        let at = |text: &str| {
            Timestamp::from(
                chrono::DateTime::parse_from_rfc3339(text)
                    .unwrap()
                    .with_timezone(&chrono::Utc),
            )
        };
        // 00:30 in British Summer Time is still the day before in UTC.
        assert_eq!(format_date(at("2026-06-15T23:30:00Z")), "16 June 2026");
        assert_eq!(
            format_moment(at("2026-06-15T23:30:00Z")),
            "16 June 2026 at 12:30am"
        );
        // In winter the UK is on UTC.
        assert_eq!(format_date(at("2026-12-15T23:30:00Z")), "15 December 2026");
        // A UK day starts at local midnight, an hour before UTC's in summer.
        let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 16).unwrap();
        assert_eq!(
            start_of_uk_day(day),
            Some(at("2026-06-15T23:00:00Z").millis())
        );
        assert_eq!(
            end_of_uk_day(day),
            Some(at("2026-06-16T23:00:00Z").millis() - 1)
        );
        // The night the clocks go forward has no 01:00 to 02:00, but its day starts as usual.
        let spring = chrono::NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        assert_eq!(
            start_of_uk_day(spring),
            Some(at("2027-03-28T00:00:00Z").millis())
        );
    }

    #[test]
    fn moments_are_shown_in_uk_time() {
        // 14:05 UTC in November is 2:05pm in the UK; in July it is 3:05pm.
        assert_eq!(
            format_moment(1_795_701_900_000),
            "26 November 2026 at 2:05pm"
        );
        assert_eq!(format_moment(1_783_001_100_000), "2 July 2026 at 3:05pm");
    }

    #[test]
    fn days_are_written_as_people_write_them() {
        assert_eq!(
            format_day(civil_day(Timestamp(1_775_035_815_250))),
            "1 April 2026"
        );
        assert_eq!(format_day(civil_day(Timestamp(0))), "1 January 1970");
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

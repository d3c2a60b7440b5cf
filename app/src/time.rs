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
}

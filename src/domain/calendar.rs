//! Dates in the market are Chongqing dates (UTC+8, no daylight saving): a demand "valid until
//! 2026-12-31" is valid through the end of that day in China, not in UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The calendar date in China at instant `t`.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_china_date_turns_at_16_00_utc() {
        let before = DateTime::parse_from_rfc3339("2026-12-31T15:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        let after = DateTime::parse_from_rfc3339("2026-12-31T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            china_date(before),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            china_date(after),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
    }
}

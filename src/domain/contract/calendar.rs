//! Working days (工作日) for registration deadlines: Monday to Friday, minus public holidays,
//! plus the weekend days China moves to workdays around them (调休). Both lists are
//! configuration, passed in with the commands that compute a due date.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A working-day calendar. A date in both lists is a holiday: a make-up workday is a weekend
/// day moved to work, and no day is both at once.
///
/// In JSON: `{"holidays": ["2026-10-01", …], "extra_workdays": ["2026-09-27", …]}`; either
/// list may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkingCalendar {
    holidays: BTreeSet<NaiveDate>,
    extra_workdays: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        extra_workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
            extra_workdays: extra_workdays.into_iter().collect(),
        }
    }

    /// Weekends only: no holidays, no make-up workdays.
    pub fn weekends_only() -> Self {
        Self::default()
    }

    pub fn holidays(&self) -> &BTreeSet<NaiveDate> {
        &self.holidays
    }

    pub fn extra_workdays(&self) -> &BTreeSet<NaiveDate> {
        &self.extra_workdays
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        is_weekday(d) || self.extra_workdays.contains(&d)
    }

    /// The `n`-th working day after `from` (`from` itself does not count, whatever it is);
    /// `from` itself when `n` is 0. Saturates at the last date chrono knows, which no real
    /// deadline comes near.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return from;
        }
        let target = i64::from(n);
        // Every day holds at most one working day, so the answer is at least `n` days away.
        // Every 7 days hold at least 5 weekdays, of which each holiday takes at most one.
        let min_days = u64::from(n);
        let weeks = (u64::from(n) + self.holidays.len() as u64).div_ceil(5) + 1;
        let (mut lo, mut hi) = (
            plus_days(from, min_days),
            plus_days(from, weeks.saturating_mul(7)),
        );
        // The smallest date by which `n` working days have passed: the count grows by one on
        // each working day, so that date is itself a working day.
        while lo < hi {
            let gap = u64::try_from((hi - lo).num_days()).unwrap_or(0);
            let mid = plus_days(lo, gap / 2);
            if self.working_days_between(from, mid) >= target {
                hi = mid;
            } else {
                lo = plus_days(mid, 1);
            }
        }
        lo
    }

    /// The working days after `a` up to and including `b`; negative (counted the same way from
    /// `b` to `a`) when `b` is before `a`. So `working_days_between(a, add_working_days(a, n))`
    /// is `n`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let weekdays = weekdays_before(day_index(b) + 1) - weekdays_before(day_index(a) + 1);
        let in_range = |set: &BTreeSet<NaiveDate>| {
            set.range((std::ops::Bound::Excluded(a), std::ops::Bound::Included(b)))
                .copied()
                .collect::<Vec<_>>()
        };
        let lost = in_range(&self.holidays)
            .into_iter()
            .filter(|d| is_weekday(*d))
            .count();
        let gained = in_range(&self.extra_workdays)
            .into_iter()
            .filter(|d| !is_weekday(*d) && !self.holidays.contains(d))
            .count();
        weekdays - lost as i64 + gained as i64
    }
}

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn plus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

/// Days since Monday 0001-01-01 (day 0), negative before it.
fn day_index(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - 1
}

/// The weekdays among the days with index `0..i` (negative, counted backwards, for `i < 0`).
fn weekdays_before(i: i64) -> i64 {
    5 * i.div_euclid(7) + i.rem_euclid(7).min(5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dates(list: &[&str]) -> Vec<NaiveDate> {
        list.iter().map(|s| d(s)).collect()
    }

    /// National Day 2026: 10-01 to 10-07 off, Sunday 09-27 and Saturday 10-10 worked.
    fn national_day() -> WorkingCalendar {
        WorkingCalendar::new(
            dates(&[
                "2026-10-01",
                "2026-10-02",
                "2026-10-03",
                "2026-10-04",
                "2026-10-05",
                "2026-10-06",
                "2026-10-07",
            ]),
            dates(&["2026-09-27", "2026-10-10"]),
        )
    }

    /// New Year 2027 around the year end: 2027-01-01 off, Sunday 2027-01-03 worked.
    fn new_year() -> WorkingCalendar {
        WorkingCalendar::new(dates(&["2027-01-01"]), dates(&["2027-01-03"]))
    }

    /// The obvious day-by-day definitions, to check the arithmetic against.
    fn naive_add(c: &WorkingCalendar, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().unwrap();
            if c.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    fn naive_between(c: &WorkingCalendar, a: NaiveDate, b: NaiveDate) -> i64 {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut day = lo;
        while day < hi {
            day = day.succ_opt().unwrap();
            if c.is_working_day(day) {
                n += 1;
            }
        }
        sign * n
    }

    #[test]
    fn weekdays_work_and_weekends_do_not() {
        let c = WorkingCalendar::weekends_only();
        // 2026-09-21 is a Monday.
        let week: Vec<bool> = (0..7)
            .map(|i| c.is_working_day(d("2026-09-21") + Days::new(i)))
            .collect();
        assert_eq!(week, [true, true, true, true, true, false, false]);
    }

    #[test]
    fn holidays_rest_and_make_up_days_work() {
        let c = national_day();
        assert!(c.is_working_day(d("2026-09-27")), "Sunday made up");
        assert!(c.is_working_day(d("2026-10-10")), "Saturday made up");
        assert!(!c.is_working_day(d("2026-09-26")), "an ordinary Saturday");
        assert!(!c.is_working_day(d("2026-10-11")), "an ordinary Sunday");
        for day in 1..=7 {
            let date = NaiveDate::from_ymd_opt(2026, 10, day).unwrap();
            assert!(!c.is_working_day(date), "{date}");
        }
        assert!(c.is_working_day(d("2026-10-08")));
        assert_eq!(c.holidays().len(), 7);
        assert_eq!(
            c.extra_workdays().iter().copied().collect::<Vec<_>>(),
            dates(&["2026-09-27", "2026-10-10"])
        );
    }

    #[test]
    fn a_date_in_both_lists_is_a_holiday() {
        let c = WorkingCalendar::new(dates(&["2026-09-27"]), dates(&["2026-09-27"]));
        assert!(!c.is_working_day(d("2026-09-27")));
        assert_eq!(c.working_days_between(d("2026-09-25"), d("2026-09-28")), 1);
        assert_eq!(c.add_working_days(d("2026-09-25"), 1), d("2026-09-28"));
    }

    #[test]
    fn adding_working_days_skips_weekends() {
        let c = WorkingCalendar::weekends_only();
        // Friday + 1 is Monday; Saturday + 1 and Sunday + 1 too.
        assert_eq!(c.add_working_days(d("2026-09-25"), 1), d("2026-09-28"));
        assert_eq!(c.add_working_days(d("2026-09-26"), 1), d("2026-09-28"));
        assert_eq!(c.add_working_days(d("2026-09-27"), 1), d("2026-09-28"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 5), d("2026-09-28"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 15), d("2026-10-12"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 30), d("2026-11-02"));
    }

    #[test]
    fn adding_zero_working_days_is_the_same_day_even_on_a_holiday() {
        let c = national_day();
        for day in ["2026-09-21", "2026-09-26", "2026-10-01", "2026-10-10"] {
            assert_eq!(c.add_working_days(d(day), 0), d(day));
        }
    }

    #[test]
    fn adding_working_days_across_the_national_day_week() {
        let c = national_day();
        // From Monday 09-21: 22, 23, 24, 25, 27 (Sun, made up), 28, 29, 30, then 10-08, 10-09,
        // 10-10 (Sat, made up), 10-12, 10-13, 10-14, 10-15.
        assert_eq!(c.add_working_days(d("2026-09-21"), 5), d("2026-09-27"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 8), d("2026-09-30"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 9), d("2026-10-08"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 11), d("2026-10-10"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 15), d("2026-10-15"));
        assert_eq!(c.add_working_days(d("2026-09-21"), 30), d("2026-11-05"));
        // From inside the holiday the first working day is 10-08.
        assert_eq!(c.add_working_days(d("2026-10-01"), 1), d("2026-10-08"));
        assert_eq!(c.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
    }

    #[test]
    fn adding_working_days_across_the_year_end() {
        let c = new_year();
        // Thursday 2026-12-31 + 1: Friday 01-01 is off, Sunday 01-03 is worked.
        assert_eq!(c.add_working_days(d("2026-12-31"), 1), d("2027-01-03"));
        assert_eq!(c.add_working_days(d("2026-12-31"), 2), d("2027-01-04"));
        assert_eq!(c.add_working_days(d("2026-12-30"), 1), d("2026-12-31"));
        assert_eq!(
            WorkingCalendar::weekends_only().add_working_days(d("2026-12-31"), 1),
            d("2027-01-01")
        );
        assert_eq!(c.working_days_between(d("2026-12-30"), d("2027-01-04")), 3);
    }

    #[test]
    fn working_days_between_counts_after_the_first_through_the_second() {
        let c = national_day();
        assert_eq!(c.working_days_between(d("2026-09-21"), d("2026-09-21")), 0);
        assert_eq!(c.working_days_between(d("2026-09-21"), d("2026-09-22")), 1);
        assert_eq!(c.working_days_between(d("2026-09-21"), d("2026-10-15")), 15);
        assert_eq!(
            c.working_days_between(d("2026-10-15"), d("2026-09-21")),
            -15
        );
        // The holiday week and its weekend hold no working day at all.
        assert_eq!(c.working_days_between(d("2026-09-30"), d("2026-10-07")), 0);
        assert_eq!(
            WorkingCalendar::weekends_only().working_days_between(d("2026-09-30"), d("2026-10-07")),
            5
        );
        // Saturday to Sunday of an ordinary weekend.
        assert_eq!(c.working_days_between(d("2026-10-17"), d("2026-10-18")), 0);
    }

    #[test]
    fn the_arithmetic_agrees_with_counting_day_by_day() {
        let calendars = [
            WorkingCalendar::weekends_only(),
            national_day(),
            new_year(),
            WorkingCalendar::new(
                dates(&["2026-10-03", "2026-12-25", "2027-01-01", "2027-01-02"]),
                dates(&["2026-10-11", "2026-12-27", "2026-12-28"]),
            ),
        ];
        let start = d("2026-09-15");
        for c in &calendars {
            for offset in 0..40 {
                let from = start + Days::new(offset);
                for n in 0..45 {
                    let due = c.add_working_days(from, n);
                    assert_eq!(due, naive_add(c, from, n), "{from} + {n}");
                    assert_eq!(c.working_days_between(from, due), i64::from(n));
                }
                for other in 0..120 {
                    let to = start + Days::new(other);
                    assert_eq!(
                        c.working_days_between(from, to),
                        naive_between(c, from, to),
                        "{from} .. {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn dates_before_the_common_era_and_far_ahead_are_counted_too() {
        let c = WorkingCalendar::weekends_only();
        let ancient = NaiveDate::from_ymd_opt(-5, 3, 1).unwrap();
        for n in [1, 7, 100] {
            assert_eq!(c.add_working_days(ancient, n), naive_add(&c, ancient, n));
        }
        // A large count is computed, not walked.
        let far = c.add_working_days(d("2026-01-01"), 1_000_000);
        assert_eq!(c.working_days_between(d("2026-01-01"), far), 1_000_000);
        assert!(c.is_working_day(far));
        // Beyond chrono's calendar it saturates instead of panicking.
        assert_eq!(
            c.add_working_days(NaiveDate::MAX - Days::new(3), 10),
            NaiveDate::MAX
        );
    }

    #[test]
    fn the_calendar_serializes_as_two_sorted_lists() {
        let c = national_day();
        let value = serde_json::to_value(&c).unwrap();
        assert_eq!(
            value["extra_workdays"],
            serde_json::json!(["2026-09-27", "2026-10-10"])
        );
        assert_eq!(value["holidays"][0], "2026-10-01");
        assert_eq!(value["holidays"].as_array().unwrap().len(), 7);
        assert_eq!(serde_json::from_value::<WorkingCalendar>(value).unwrap(), c);
        let partial: WorkingCalendar =
            serde_json::from_value(serde_json::json!({"holidays": ["2027-01-01", "2027-01-01"]}))
                .unwrap();
        assert_eq!(partial, WorkingCalendar::new(dates(&["2027-01-01"]), []));
        assert_eq!(
            serde_json::from_value::<WorkingCalendar>(serde_json::json!({})).unwrap(),
            WorkingCalendar::weekends_only()
        );
        assert!(
            serde_json::from_value::<WorkingCalendar>(serde_json::json!({"holiday": []})).is_err()
        );
        assert!(serde_json::from_value::<WorkingCalendar>(
            serde_json::json!({"holidays": ["2026/10/01"]})
        )
        .is_err());
    }
}

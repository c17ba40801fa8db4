//! Comparisons of a cut: the same cut a year earlier (each line against its own a year
//! before), and progress against a year's target. Pure: the caller runs both cuts.

use chrono::{Datelike, Months, NaiveDate};

use super::query::{Cut, Dim, Line, Totals};

/// Why a year-earlier comparison cannot be made of a cut.
pub const NEEDS_RANGE: &str =
    "a year-earlier comparison needs from and to, or period in by (each period against the same period a year before)";

/// The same cut a year earlier: its dates a year back. `None` when it would compare a cut
/// with itself (no dates and no period to shift).
pub fn year_earlier(cut: &Cut) -> Option<Cut> {
    let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
    if cut.from.is_none() && cut.to.is_none() && !cut.by.contains(&Dim::Period) {
        return None;
    }
    Some(Cut {
        from: cut.from.map(back),
        to: cut.to.map(back),
        ..cut.clone()
    })
}

/// A period's name a year earlier: `2026-07` → `2025-07`, `2026-Q3` → `2025-Q3`, `2026` → `2025`.
fn period_back(p: &str) -> String {
    match p.get(..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(y) => format!("{}{}", y - 1, &p[4..]),
        None => p.to_string(),
    }
}

/// The keys `line` had a year earlier: its period shifted back, the other keys the same.
pub fn keys_a_year_earlier(cut: &Cut, line: &Line) -> Vec<String> {
    cut.by
        .iter()
        .zip(&line.keys)
        .map(|(d, k)| {
            if *d == Dim::Period {
                period_back(k)
            } else {
                k.clone()
            }
        })
        .collect()
}

/// `part` of `whole` in percent with two decimals, exactly (integer arithmetic, rounded half
/// away from zero); `None` when the whole is nothing.
pub fn percent(part: i128, whole: i128) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let n = part * 10_000;
    let bp = (2 * n + n.signum() * whole.signum() * whole.abs()) / (2 * whole);
    Some(bp as f64 / 100.0)
}

/// `now` against `before`, in percent; `None` when there was nothing before to grow from.
pub fn growth_percent(now: i64, before: i64) -> Option<f64> {
    percent(now as i128 - before as i128, before as i128)
}

/// The calendar year a cut lies in, when its dates do: what a year's target applies to.
pub fn year_of(cut: &Cut) -> Option<i32> {
    match (cut.from, cut.to) {
        (Some(f), Some(t)) if f.year() == t.year() => Some(f.year()),
        _ => None,
    }
}

/// Progress towards a target of contract amount, in percent.
pub fn progress_percent(totals: &Totals, target_fen: i64) -> Option<f64> {
    percent(totals.contract_amount_fen as i128, target_fen as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_year_earlier_shifts_the_dates_and_the_periods() {
        let cut = Cut {
            by: vec![Dim::Period, Dim::Field],
            from: Some(day("2024-02-29")),
            to: Some(day("2024-12-31")),
            ..Cut::default()
        };
        let before = year_earlier(&cut).unwrap();
        assert_eq!(
            (before.from, before.to),
            (Some(day("2023-02-28")), Some(day("2023-12-31")))
        );
        let line = Line {
            keys: vec!["2024-Q3".into(), "biomedicine".into()],
            count: 1,
            contract_amount_fen: 1,
            technology_amount_fen: 1,
        };
        assert_eq!(keys_a_year_earlier(&cut, &line), ["2023-Q3", "biomedicine"]);
        assert_eq!(period_back("2026-07"), "2025-07");
        assert_eq!(period_back("2026"), "2025");
        assert!(year_earlier(&Cut {
            by: vec![Dim::Field],
            ..Cut::default()
        })
        .is_none());
    }

    #[test]
    fn growth_and_progress_are_exact_to_two_decimals() {
        assert_eq!(growth_percent(150, 100), Some(50.0));
        assert_eq!(growth_percent(50, 100), Some(-50.0));
        assert_eq!(growth_percent(2, 3), Some(-33.33));
        assert_eq!(growth_percent(1, 3), Some(-66.67));
        assert_eq!(growth_percent(5, 0), None);
        let totals = Totals {
            count: 1,
            contract_amount_fen: 550,
            technology_amount_fen: 0,
        };
        assert_eq!(progress_percent(&totals, 1100), Some(50.0));
        assert_eq!(percent(600_000_000, 758_456_789), Some(79.11));
        assert_eq!(percent(-1, 800), Some(-0.13));
        assert_eq!(percent(1, 800), Some(0.13));
        assert_eq!(
            year_of(&Cut {
                from: Some(day("2025-01-01")),
                to: Some(day("2025-06-30")),
                ..Cut::default()
            }),
            Some(2025)
        );
        assert_eq!(
            year_of(&Cut {
                from: Some(day("2024-12-01")),
                to: Some(day("2025-06-30")),
                ..Cut::default()
            }),
            None
        );
    }
}

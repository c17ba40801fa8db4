//! Shares and money splits. A share is an integer number of basis points (1% = 100 bp, 100% =
//! [`FULL_BP`]) so that sums are exact; money is split into integer fen by the largest-remainder
//! rule, so the parts always add up to the whole.

use super::FieldError;

/// 100% in basis points.
pub const FULL_BP: u32 = 10_000;

/// A percentage with at most two decimals, as exact basis points: `0 < percent <= 100`, or
/// `0 <= percent <= 100` when `zero_allowed`.
pub fn parse_percent(field: &str, percent: f64, zero_allowed: bool) -> Result<u32, FieldError> {
    let low_ok = if zero_allowed {
        percent >= 0.0
    } else {
        percent > 0.0
    };
    if !percent.is_finite() || !low_ok || percent > 100.0 {
        return Err(FieldError::new(
            field,
            if zero_allowed {
                "must be between 0 and 100"
            } else {
                "must be more than 0 and at most 100"
            },
        ));
    }
    let scaled = percent * 100.0;
    let bp = scaled.round();
    if (scaled - bp).abs() > 1e-6 {
        return Err(FieldError::new(field, "must have at most 2 decimal places"));
    }
    // In range: 0 <= percent <= 100 with two decimals gives 0..=10000.
    Ok(bp as u32)
}

/// Basis points as a percentage for people: `50%`, `33.3%`, `33.33%`.
pub fn percent_text(bp: u64) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// The product of two shares (a member's part of the team's part) as an exact decimal
/// percentage without a sign: 70% × 33.33% = `23.331`.
pub fn product_percent(a_bp: u32, b_bp: u32) -> String {
    // a × b is in units of 10^-8 of the whole, i.e. 10^-6 of a percent.
    let units = u64::from(a_bp) * u64::from(b_bp);
    let (whole, frac) = (units / 1_000_000, units % 1_000_000);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:06}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Splits `amount` fen into parts weighted by `weights` (basis points summing to [`FULL_BP`]).
///
/// The rounding rule (largest remainder): each part first gets the floor of its exact share;
/// the fen left over (fewer than the number of parts) go one each to the parts with the largest
/// remainders, and between equal remainders to the part listed first. The parts always add up
/// to `amount`, and no part is ever more than one fen from its exact share.
pub fn split_fen(amount: i64, weights: &[u32]) -> Vec<i64> {
    debug_assert!(amount >= 0, "only non-negative amounts are split");
    debug_assert_eq!(
        weights.iter().map(|w| u64::from(*w)).sum::<u64>(),
        u64::from(FULL_BP),
        "weights must sum to 100%"
    );
    let full = i128::from(FULL_BP);
    let mut parts: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = i128::from(amount) * i128::from(*w);
        parts.push((exact / full) as i64);
        remainders.push((exact % full, i));
    }
    let mut left = amount - parts.iter().sum::<i64>();
    // Largest remainder first; the stable sort keeps equal remainders in list order.
    remainders.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_become_exact_basis_points() {
        assert_eq!(parse_percent("p", 33.33, false), Ok(3333));
        assert_eq!(parse_percent("p", 100.0, false), Ok(10_000));
        assert_eq!(parse_percent("p", 0.0, true), Ok(0));
        assert!(parse_percent("p", 0.0, false).is_err());
        assert!(parse_percent("p", 33.333, false).is_err());
        assert!(parse_percent("p", 100.01, true).is_err());
        assert!(parse_percent("p", f64::NAN, true).is_err());
        assert!(parse_percent("p", -1.0, true).is_err());
    }

    #[test]
    fn percent_text_drops_needless_zeros() {
        assert_eq!(percent_text(5_000), "50%");
        assert_eq!(percent_text(3_330), "33.3%");
        assert_eq!(percent_text(3_333), "33.33%");
        assert_eq!(percent_text(5), "0.05%");
    }

    #[test]
    fn products_of_shares_are_exact() {
        assert_eq!(product_percent(7_000, 3_333), "23.331");
        assert_eq!(product_percent(10_000, 10_000), "100");
        assert_eq!(product_percent(5_000, 5_000), "25");
        assert_eq!(product_percent(1, 1), "0.000001");
        assert_eq!(product_percent(0, 10_000), "0");
    }

    #[test]
    fn splits_add_up_and_leftover_fen_go_to_the_largest_remainders() {
        // 100 fen in thirds: 33.33 / 33.33 / 33.34 % → exact 33.33, 33.33, 33.34 → 33, 33, 34.
        assert_eq!(split_fen(100, &[3_333, 3_333, 3_334]), vec![33, 33, 34]);
        // 1 fen in halves: equal remainders, the first listed part gets it.
        assert_eq!(split_fen(1, &[5_000, 5_000]), vec![1, 0]);
        // 10 fen at 70/30 divides evenly.
        assert_eq!(split_fen(10, &[7_000, 3_000]), vec![7, 3]);
        // 7 fen at 33.33/33.33/33.34: exact 2.3331, 2.3331, 2.3338 → 2, 2, 3.
        assert_eq!(split_fen(7, &[3_333, 3_333, 3_334]), vec![2, 2, 3]);
        // Remainders decide, not list order: 0.6 beats 0.4.
        assert_eq!(split_fen(1, &[4_000, 6_000]), vec![0, 1]);
        assert_eq!(split_fen(0, &[4_000, 6_000]), vec![0, 0]);
    }

    #[test]
    fn splits_always_sum_to_the_amount_and_stay_within_a_fen() {
        let weight_sets: [&[u32]; 4] = [
            &[10_000],
            &[1, 9_999],
            &[3_333, 3_333, 3_334],
            &[1_234, 2_345, 3_456, 2_965],
        ];
        for weights in weight_sets {
            for amount in (0..2_000).chain([999_999_999_999, 1_000_000_000_000_000]) {
                let parts = split_fen(amount, weights);
                assert_eq!(parts.iter().sum::<i64>(), amount, "{amount} {weights:?}");
                for (p, w) in parts.iter().zip(weights) {
                    let exact = i128::from(amount) * i128::from(*w);
                    let mine = i128::from(*p) * i128::from(FULL_BP);
                    assert!(
                        (mine - exact).abs() < i128::from(FULL_BP),
                        "{amount} {weights:?}"
                    );
                }
            }
        }
    }
}

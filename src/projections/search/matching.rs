//! Matches between demands and listings, each with its score and the reasons for it, so a
//! technology manager can see why a pair was proposed.
//!
//! Candidates come from the search index (the other side's public text searched with this side's
//! words, best 100 by BM25); each is then scored on five grounds, each worth explicit points:
//! shared terms (up to 50, scaled by relevance), the same technology field (20), TRL against the
//! demand's need (+10, or −5 a level short), region (10 same region, 5 same province), asking
//! price against budget (+10 within, −10 above). The total is clamped to 0–100.

use serde::Serialize;

use crate::domain::demand::DemandData;
use crate::domain::listing::{ListingData, PricingMode};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub kind: &'static str,
    pub points: f64,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// 万元 with two decimals, from fen, in integer arithmetic (1万元 = 1,000,000 fen).
pub fn wan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let (whole, rest) = (fen / 1_000_000, fen % 1_000_000);
    let cents = rest / 10_000;
    if cents == 0 {
        format!("{sign}{whole}万元")
    } else {
        format!("{sign}{whole}.{cents:02}万元")
    }
}

fn reason(kind: &'static str, points: f64, detail: String) -> Reason {
    Reason {
        kind,
        points,
        detail,
        terms: Vec::new(),
    }
}

/// Scores one pair. `relevance` is the candidate's text relevance relative to the best candidate
/// (0–1); `shared` are the terms both texts contain.
pub fn score(
    listing: &ListingData,
    demand: &DemandData,
    relevance: f64,
    shared: Vec<String>,
) -> Scored {
    let mut reasons = Vec::new();
    let l = &listing.content;
    let d = &demand.content;

    let text_points = (50.0 * relevance.clamp(0.0, 1.0) * 10.0).round() / 10.0;
    let detail = if shared.is_empty() {
        "no terms in common".to_string()
    } else {
        format!("{} shared terms: {}", shared.len(), shared.join("、"))
    };
    reasons.push(Reason {
        kind: "shared_terms",
        points: text_points,
        detail,
        terms: shared,
    });

    if l.field == d.field {
        reasons.push(reason(
            "field",
            20.0,
            format!("both in the field {}", l.field),
        ));
    } else {
        reasons.push(reason(
            "field",
            0.0,
            format!("listing in {}, demand in {}", l.field, d.field),
        ));
    }

    if let Some(need) = d.trl_min {
        let (have, need) = (l.trl.get() as i64, need.get() as i64);
        if have >= need {
            reasons.push(reason(
                "trl",
                10.0,
                format!("TRL {have} meets the required {need}"),
            ));
        } else {
            let gap = need - have;
            reasons.push(reason(
                "trl",
                -5.0 * gap as f64,
                format!("TRL {have} is {gap} below the required {need}"),
            ));
        }
    }

    let (lr, dr) = (l.region.as_str(), d.region.as_str());
    if lr == dr {
        reasons.push(reason("region", 10.0, format!("same region {lr}")));
    } else if let (Some(lp), Some(dp)) = (super::province_of(lr), super::province_of(dr)) {
        if lp == dp {
            reasons.push(reason("region", 5.0, format!("same province {lp}")));
        } else {
            reasons.push(reason(
                "region",
                0.0,
                format!("listing in {lr}, demand in {dr}"),
            ));
        }
    } else {
        reasons.push(reason(
            "region",
            0.0,
            format!("listing in {lr}, demand in {dr}"),
        ));
    }

    match (l.pricing_mode, l.asking_price_fen, d.budget_max_fen) {
        (PricingMode::Negotiated, _, _) | (_, None, _) => {
            reasons.push(reason("price", 0.0, "price to be negotiated".into()));
        }
        (_, Some(ask), Some(max)) if ask <= max => {
            reasons.push(reason(
                "price",
                10.0,
                format!(
                    "asking {} within the budget of up to {}",
                    wan(ask),
                    wan(max)
                ),
            ));
        }
        (_, Some(ask), Some(max)) => {
            reasons.push(reason(
                "price",
                -10.0,
                format!(
                    "asking {} exceeds the budget of {} by {}",
                    wan(ask),
                    wan(max),
                    wan(ask - max)
                ),
            ));
        }
        (_, Some(ask), None) => {
            reasons.push(reason(
                "price",
                0.0,
                format!("asking {}; the demand states no budget", wan(ask)),
            ));
        }
    }

    let total: f64 = reasons.iter().map(|r| r.points).sum();
    Scored {
        score: (total.clamp(0.0, 100.0) * 10.0).round() / 10.0,
        reasons,
    }
}

/// The public words of a listing / demand, for retrieval and for the shared-terms reason.
pub fn listing_text(l: &ListingData) -> String {
    format!(
        "{} {} {}",
        l.content.title.as_str(),
        l.content.keywords.join(" "),
        l.content.summary
    )
}

pub fn demand_text(d: &DemandData) -> String {
    format!(
        "{} {} {}",
        d.content.title.as_str(),
        d.content.keywords.join(" "),
        d.content.description
    )
}

/// The terms both texts contain, in the order of the first. Single characters are left out:
/// alone they say little (电, 的).
pub fn shared_terms(a: &[String], b: &[String]) -> Vec<String> {
    a.iter()
        .filter(|t| t.chars().count() > 1 && b.contains(t))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_is_exact() {
        assert_eq!(wan(0), "0万元");
        assert_eq!(wan(5_000_000_000), "5000万元");
        assert_eq!(wan(12_500_000), "12.50万元");
        assert_eq!(wan(-1_010_000), "-1.01万元");
    }

    #[test]
    fn shared_terms_skip_single_characters() {
        let a = vec!["锂电池".to_string(), "电".to_string(), "正极".to_string()];
        let b = vec!["正极".to_string(), "电".to_string(), "锂电池".to_string()];
        assert_eq!(shared_terms(&a, &b), ["锂电池", "正极"]);
    }
}

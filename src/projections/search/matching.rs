//! Matches between demands and listings, each with its score and the reasons for it, so a
//! technology manager can see why a pair was proposed.
//!
//! Candidates come from the search index: the other side's public text searched with this
//! side's key terms (best 100 by BM25), and documents of the same technology field whatever
//! their words. Each is scored on five grounds, each worth explicit points: shared terms (up to
//! 50, by rarity-weighted coverage of the source's key terms, see [`evidence`]), the same
//! technology field (20), TRL against the demand's need (+10, or −5 a level short), region (10
//! same region, 5 same province), asking price against budget (+10 within, −10 above). Text and
//! field say whether the pair is about the same thing; TRL, region and price only say whether it
//! would suit, so their bonuses count in proportion to that topical fit (full from 60 points of
//! text and field): a pair with little in common is not carried up by its circumstances. The
//! total is clamped to 0–100. Reasons read in Chinese, or English on request.

mod evidence;

use serde::Serialize;

pub use evidence::{fit, KeyTerms, Rarity, TextFit, SOURCE_TERMS};

use crate::domain::demand::DemandData;
use crate::domain::listing::{ListingData, PricingMode};
use crate::domain::reference::ReferenceData;

/// Text and field points from which TRL, region and price bonuses count in full: a same-field
/// pair with most of the text points (or another field's with all of them and more).
const TOPIC_FULL: f64 = 60.0;

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

/// The language of the reasons: Chinese for the people the market serves, English on request
/// (the HTTP layer's negotiator, which the problem details use too).
pub use crate::http::language::Lang;

/// Whose key terms the text evidence weighed: the reason says whose were covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Demand,
    Listing,
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

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// How codes are shown: by their names in the reasons' language, or (the alerts' older wording)
/// as the codes themselves.
#[derive(Clone, Copy)]
struct Names<'a> {
    lang: Lang,
    refs: Option<&'a ReferenceData>,
}

impl Names<'_> {
    fn field(&self, code: &str) -> String {
        let named = self.refs.and_then(|r| r.technology_fields.get(code));
        match (named, self.lang) {
            (Some(n), Lang::Zh) => n.name_zh.clone(),
            (Some(n), Lang::En) => n.name_en.clone(),
            (None, _) => code.to_string(),
        }
    }

    fn region(&self, code: &str) -> String {
        let Some(refs) = self.refs else {
            return code.to_string();
        };
        let (zh, en) = match (refs.regions.get(code), refs.countries.get(code)) {
            (Some(r), _) => (&r.name_zh, &r.name_en),
            (None, Some(c)) => (&c.name_zh, &c.name_en),
            (None, None) => return code.to_string(),
        };
        match self.lang {
            Lang::Zh => zh.clone(),
            Lang::En => en.clone(),
        }
    }
}

/// Scores one pair with the text evidence `text` (see [`fit`]), for `GET …/matches`.
pub fn assess(
    listing: &ListingData,
    demand: &DemandData,
    text: &TextFit,
    source: Source,
    refs: &ReferenceData,
    lang: Lang,
) -> Scored {
    let (mine, theirs) = (
        (text.coverage * 100.0).round(),
        (text.reverse_coverage * 100.0).round(),
    );
    let (source_zh, other_zh, source_en, other_en) = match source {
        Source::Demand => ("需求", "成果", "demand", "listing"),
        Source::Listing => ("成果", "需求", "listing", "demand"),
    };
    let detail = match (text.shared.is_empty(), lang) {
        (true, Lang::Zh) => "没有共同关键词".to_string(),
        (true, Lang::En) => "no terms in common".to_string(),
        (false, Lang::Zh) => format!(
            "共同关键词：{}（按稀有度加权，覆盖{source_zh}要点的 {mine}%、{other_zh}要点的 {theirs}%）",
            text.shared.join("、")
        ),
        (false, Lang::En) => format!(
            "shared terms: {} (weighted by rarity: {mine}% of the {source_en}'s key terms, {theirs}% of the {other_en}'s)",
            text.shared.join("、")
        ),
    };
    let shared = Reason {
        kind: "shared_terms",
        points: text.points,
        detail,
        terms: text.shared.clone(),
    };
    let names = Names {
        lang,
        refs: Some(refs),
    };
    finish(shared, listing, demand, names, true)
}

/// Whether a scored pair is proposed at all. Any shared term makes it a candidate, however weak
/// (its reasons say so). With none, only a pair of the same field against which nothing counts
/// (TRL reached, price within budget): a suggestion on the field alone must at least be feasible.
pub fn proposed(text: &TextFit, scored: &Scored) -> bool {
    let same_field = scored
        .reasons
        .iter()
        .any(|r| r.kind == "field" && r.points > 0.0);
    !text.shared.is_empty() || same_field && scored.reasons.iter().all(|r| r.points >= 0.0)
}

/// Scores one pair from a text relevance already measured (0–1) and the terms both texts
/// contain, with the reasons in English and codes as codes: the match alerts' scoring, which
/// weighs one new document alone, with no candidates to rank it among.
pub fn score(
    listing: &ListingData,
    demand: &DemandData,
    relevance: f64,
    shared: Vec<String>,
) -> Scored {
    let text_points = round1(50.0 * relevance.clamp(0.0, 1.0));
    let detail = if shared.is_empty() {
        "no terms in common".to_string()
    } else {
        format!("{} shared terms: {}", shared.len(), shared.join("、"))
    };
    let shared = Reason {
        kind: "shared_terms",
        points: text_points,
        detail,
        terms: shared,
    };
    let names = Names {
        lang: Lang::En,
        refs: None,
    };
    finish(shared, listing, demand, names, false)
}

/// The other four grounds after the text's, and the total. With `scaled`, the bonuses of TRL,
/// region and price count in proportion to the topical fit (text and field points over
/// [`TOPIC_FULL`]); penalties always count in full.
fn finish(
    shared: Reason,
    listing: &ListingData,
    demand: &DemandData,
    names: Names<'_>,
    scaled: bool,
) -> Scored {
    let (l, d) = (&listing.content, &demand.content);
    let zh = names.lang == Lang::Zh;
    let mut reasons = vec![shared];

    let (lf, df) = (l.field.as_str(), d.field.as_str());
    reasons.push(if lf == df {
        let f = names.field(lf);
        let detail = if zh {
            format!("同属{f}领域")
        } else {
            format!("both in the field {f}")
        };
        reason("field", 20.0, detail)
    } else {
        let (lf, df) = (names.field(lf), names.field(df));
        let detail = if zh {
            format!("成果属{lf}领域，需求属{df}领域")
        } else {
            format!("listing in {lf}, demand in {df}")
        };
        reason("field", 0.0, detail)
    });
    let topic: f64 = reasons.iter().map(|r| r.points).sum();
    let share = if scaled {
        (topic / TOPIC_FULL).min(1.0)
    } else {
        1.0
    };

    let mut circumstances = Vec::new();
    if let Some(need) = d.trl_min {
        let (have, need) = (l.trl.get() as i64, need.get() as i64);
        circumstances.push(if have >= need {
            let detail = if zh {
                format!("技术成熟度 TRL {have}，达到需求的 TRL {need}")
            } else {
                format!("TRL {have} meets the required {need}")
            };
            reason("trl", 10.0, detail)
        } else {
            let gap = need - have;
            let detail = if zh {
                format!("技术成熟度 TRL {have}，比需求的 TRL {need} 低 {gap} 级")
            } else {
                format!("TRL {have} is {gap} below the required {need}")
            };
            reason("trl", -5.0 * gap as f64, detail)
        });
    }
    circumstances.push(region_reason(l.region.as_str(), d.region.as_str(), names));
    circumstances.push(price_reason(
        l.pricing_mode,
        l.asking_price_fen,
        d.budget_max_fen,
        zh,
    ));
    for mut r in circumstances {
        if r.points > 0.0 && share < 1.0 {
            r.points = round1(r.points * share);
            let pct = (share * 100.0).round();
            r.detail.push_str(&if zh {
                format!("（按主题契合度 {pct}% 计分）")
            } else {
                format!(" (counted at {pct}%, the topical fit)")
            });
        }
        reasons.push(r);
    }

    let total: f64 = reasons.iter().map(|r| r.points).sum();
    Scored {
        score: round1(total.clamp(0.0, 100.0)),
        reasons,
    }
}

fn region_reason(lr: &str, dr: &str, names: Names<'_>) -> Reason {
    let zh = names.lang == Lang::Zh;
    if lr == dr {
        let r = names.region(lr);
        return reason(
            "region",
            10.0,
            if zh {
                format!("同在{r}")
            } else {
                format!("same region {r}")
            },
        );
    }
    match (super::province_of(lr), super::province_of(dr)) {
        (Some(lp), Some(dp)) if lp == dp => {
            let p = names.region(&lp);
            let detail = if zh {
                format!("同属{p}")
            } else {
                format!("same province {p}")
            };
            reason("region", 5.0, detail)
        }
        _ => {
            let (lr, dr) = (names.region(lr), names.region(dr));
            let detail = if zh {
                format!("成果在{lr}，需求在{dr}")
            } else {
                format!("listing in {lr}, demand in {dr}")
            };
            reason("region", 0.0, detail)
        }
    }
}

fn price_reason(mode: PricingMode, ask: Option<i64>, max: Option<i64>, zh: bool) -> Reason {
    match (mode, ask, max) {
        (PricingMode::Negotiated, _, _) | (_, None, _) => reason(
            "price",
            0.0,
            if zh {
                "价格面议"
            } else {
                "price to be negotiated"
            }
            .into(),
        ),
        (_, Some(ask), Some(max)) if ask <= max => reason(
            "price",
            10.0,
            if zh {
                format!("报价 {}，在预算上限 {} 以内", wan(ask), wan(max))
            } else {
                format!(
                    "asking {} within the budget of up to {}",
                    wan(ask),
                    wan(max)
                )
            },
        ),
        (_, Some(ask), Some(max)) => reason(
            "price",
            -10.0,
            if zh {
                format!(
                    "报价 {}，超出预算上限 {} 共 {}",
                    wan(ask),
                    wan(max),
                    wan(ask - max)
                )
            } else {
                format!(
                    "asking {} exceeds the budget of {} by {}",
                    wan(ask),
                    wan(max),
                    wan(ask - max)
                )
            },
        ),
        (_, Some(ask), None) => reason(
            "price",
            0.0,
            if zh {
                format!("报价 {}，需求未注明预算上限", wan(ask))
            } else {
                format!("asking {}; the demand states no budget", wan(ask))
            },
        ),
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
mod tests;

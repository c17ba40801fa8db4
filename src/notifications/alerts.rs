//! Saved searches and match alerts: what a person asked to hear about, and whether a newly
//! published listing or demand fits it, with the reasons. Pure: the follower brings the
//! documents and the searches, this decides.
//!
//! A *search* fits when every significant word of its query is among the new object's words and
//! every filter holds (field; region, where a province code takes in its districts; least TRL).
//! A *match alert* on one's own demand (or listing) fits a new listing (or demand) whose match
//! score, on the grounds `GET /demands/{id}/matches` shows, reaches the alert's threshold. For
//! one object alone there is no best candidate to measure text relevance against, so relevance
//! is the share of the source's words found, full at eight (or at all of a shorter text's).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::demand::{DemandData, DemandStatus};
use crate::domain::listing::ListingData;
use crate::projections::search::matching::{self, shared_terms};
use crate::projections::search::province_of;

/// What the alert watches for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Target {
    Listings,
    Demands,
}

crate::codes!(Target);

/// An alert's criteria, as stored (JSON) and as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Criteria {
    Search {
        #[serde(skip_serializing_if = "Option::is_none")]
        q: Option<String>,
        /// The query's significant words, as the analyzer splits them.
        terms: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        trl_min: Option<u8>,
    },
    /// Matches for the person's own demand (then new listings are weighed) or listing.
    Matches {
        #[serde(skip_serializing_if = "Option::is_none")]
        demand_id: Option<Uuid>,
        #[serde(skip_serializing_if = "Option::is_none")]
        listing_id: Option<Uuid>,
        min_score: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SavedSearch {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub target: Target,
    pub criteria: Criteria,
    /// The log's position when it was saved: only what is published after it alerts.
    pub since: i64,
}

/// One saved search that a new object fits, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub recipient: Uuid,
    pub name: String,
    pub reasons: Vec<String>,
    /// The match score, for match alerts.
    pub score: Option<f64>,
}

/// A newly published object, with its words (`analyzer::terms` of its public text).
pub enum Published<'a> {
    Listing(&'a ListingData, &'a [String]),
    Demand(&'a DemandData, &'a [String]),
}

/// The source of a match alert (the alert's own demand or listing), with its words.
pub enum Source<'a> {
    Demand(&'a DemandData, &'a [String]),
    Listing(&'a ListingData, &'a [String]),
}

impl Published<'_> {
    fn target(&self) -> Target {
        match self {
            Published::Listing(..) => Target::Listings,
            Published::Demand(..) => Target::Demands,
        }
    }

    fn owner(&self) -> Uuid {
        match self {
            Published::Listing(l, _) => l.owner_id,
            Published::Demand(d, _) => d.owner_id,
        }
    }

    fn terms(&self) -> &[String] {
        match self {
            Published::Listing(_, t) | Published::Demand(_, t) => t,
        }
    }

    fn field(&self) -> &str {
        match self {
            Published::Listing(l, _) => l.content.field.as_str(),
            Published::Demand(d, _) => d.content.field.as_str(),
        }
    }

    fn region(&self) -> &str {
        match self {
            Published::Listing(l, _) => l.content.region.as_str(),
            Published::Demand(d, _) => d.content.region.as_str(),
        }
    }
}

/// Share of the source's words that the object has, full at eight words.
fn relevance(shared: usize, source_terms: usize) -> f64 {
    let full = source_terms.clamp(1, 8);
    (shared as f64 / full as f64).min(1.0)
}

/// Whether `search` fits `object`, for the search's owner; `source` is the match alert's
/// demand or listing as it is now (`None` when it is gone, which fits nothing).
pub fn fits(
    search: &SavedSearch,
    object: &Published<'_>,
    source: Option<&Source<'_>>,
) -> Option<Fit> {
    if search.target != object.target() || search.user_id == object.owner() {
        return None;
    }
    let fit = |reasons, score| Fit {
        recipient: search.user_id,
        name: search.name.clone(),
        reasons,
        score,
    };
    match &search.criteria {
        Criteria::Search {
            q,
            terms,
            field,
            region,
            trl_min,
        } => {
            let mut reasons = Vec::new();
            if !terms.is_empty() {
                if !terms.iter().all(|t| object.terms().contains(t)) {
                    return None;
                }
                reasons.push(format!("包含：{}", q.as_deref().unwrap_or_default().trim()));
            }
            if let Some(f) = field {
                if object.field() != f {
                    return None;
                }
                reasons.push(format!("领域：{f}"));
            }
            if let Some(r) = region {
                let here = object.region();
                if here != r && province_of(here).as_deref() != Some(r.as_str()) {
                    return None;
                }
                reasons.push(format!("地区：{here}"));
            }
            if let Some(need) = trl_min {
                let have = match object {
                    Published::Listing(l, _) => l.content.trl.get(),
                    // A demand states what it needs, not what it has: its least TRL is compared.
                    Published::Demand(d, _) => d.content.trl_min.map(|t| t.get()).unwrap_or(0),
                };
                if have < *need {
                    return None;
                }
                reasons.push(format!("技术成熟度 TRL {have} ≥ {need}"));
            }
            Some(fit(reasons, None))
        }
        Criteria::Matches { min_score, .. } => {
            let scored = match (object, source?) {
                (Published::Listing(l, lt), Source::Demand(d, dt)) => {
                    if d.status != DemandStatus::Published {
                        return None;
                    }
                    let shared = shared_terms(dt, lt);
                    if shared.is_empty() {
                        return None;
                    }
                    matching::score(l, d, relevance(shared.len(), dt.len()), shared)
                }
                (Published::Demand(d, dt), Source::Listing(l, lt)) => {
                    if !l.is_visible_to(None) {
                        return None;
                    }
                    let shared = shared_terms(lt, dt);
                    if shared.is_empty() {
                        return None;
                    }
                    matching::score(l, d, relevance(shared.len(), lt.len()), shared)
                }
                _ => return None,
            };
            if scored.score < *min_score {
                return None;
            }
            let reasons = scored
                .reasons
                .iter()
                .filter(|r| r.points > 0.0)
                .map(|r| r.detail.clone())
                .collect();
            Some(fit(reasons, Some(scored.score)))
        }
    }
}

/// Several fits for one person become one notice: the searches' names, every reason once, the
/// best score.
pub fn merge(fits: Vec<Fit>) -> Vec<Fit> {
    let mut out: Vec<Fit> = Vec::new();
    for f in fits {
        match out.iter_mut().find(|o| o.recipient == f.recipient) {
            Some(o) => {
                o.name = format!("{}、{}", o.name, f.name);
                for r in f.reasons {
                    if !o.reasons.contains(&r) {
                        o.reasons.push(r);
                    }
                }
                o.score = match (o.score, f.score) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            None => out.push(f),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::domain::demand::{DemandContent, DemandInput};
    use crate::domain::listing::{ListingContent, ListingInput, ListingStatus};
    use crate::domain::reference::sample;
    use crate::projections::search::analyzer;
    use crate::projections::search::matching::{demand_text, listing_text};

    const OWNER: Uuid = Uuid::from_u128(1);
    const WATCHER: Uuid = Uuid::from_u128(2);

    fn listing(title: &str, field: &str, region: &str, trl: u8) -> ListingData {
        let input: ListingInput = serde_json::from_value(json!({
            "title": title,
            "summary": "以高镍三元材料为正极的锂离子电池制备工艺。",
            "field": field,
            "keywords": ["锂电池", "正极材料"],
            "trl": trl,
            "inventors": [{"name": "李雷", "share_percent": 100}],
            "transfer_modes": ["assignment"],
            "pricing_mode": "negotiated",
            "region": region
        }))
        .unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        ListingData {
            owner_id: OWNER,
            owner_organization_id: None,
            status: ListingStatus::Published,
            content: ListingContent::parse(input, &sample()).unwrap(),
            return_reasons: Vec::new(),
            withdrawal_reason: None,
            price_notice: None,
            transferred_by_contract: None,
            created_at: at,
            updated_at: at,
            published_at: Some(at),
            trl_sources: Vec::new(),
            contracts: Vec::new(),
        }
    }

    fn demand(owner: Uuid, status: DemandStatus) -> DemandData {
        let input: DemandInput = serde_json::from_value(json!({
            "kind": "technical_problem",
            "title": "寻求高能量密度锂电池正极材料",
            "description": "需要锂电池正极材料的量产工艺。",
            "field": "new_energy",
            "keywords": ["锂电池", "正极材料"],
            "cooperation_modes": ["license"],
            "region": "500112",
            "valid_until": "2027-06-30",
            "trl_min": 3
        }))
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        DemandData {
            owner_id: owner,
            owner_organization_id: None,
            status,
            close_reason: None,
            close_note: None,
            content: DemandContent::parse(input, &sample(), today).unwrap(),
            applications: Vec::new(),
            winner: None,
            created_at: at,
            updated_at: at,
            published_at: Some(at),
            closed_at: None,
        }
    }

    fn search(criteria: Criteria, target: Target) -> SavedSearch {
        SavedSearch {
            id: Uuid::from_u128(7),
            user_id: WATCHER,
            name: "电池".into(),
            target,
            criteria,
            since: 0,
        }
    }

    fn words(q: &str) -> Criteria {
        Criteria::Search {
            q: Some(q.into()),
            terms: analyzer::significant(analyzer::terms(q)),
            field: None,
            region: None,
            trl_min: None,
        }
    }

    #[test]
    fn a_search_fits_when_every_word_and_every_filter_holds() {
        let l = listing("高镍锂电池正极材料", "new_energy", "500106", 4);
        let terms = analyzer::terms(&listing_text(&l));
        let object = Published::Listing(&l, &terms);
        let fit = fits(&search(words("锂电池"), Target::Listings), &object, None).unwrap();
        assert_eq!(fit.recipient, WATCHER);
        assert_eq!(fit.reasons, ["包含：锂电池"]);
        assert!(fits(
            &search(words("锂电池 氢能"), Target::Listings),
            &object,
            None
        )
        .is_none());

        let filtered = |field: Option<&str>, region: Option<&str>, trl_min: Option<u8>| {
            search(
                Criteria::Search {
                    q: None,
                    terms: Vec::new(),
                    field: field.map(Into::into),
                    region: region.map(Into::into),
                    trl_min,
                },
                Target::Listings,
            )
        };
        let fit = fits(
            &filtered(Some("new_energy"), Some("500000"), Some(4)),
            &object,
            None,
        )
        .unwrap();
        assert_eq!(
            fit.reasons,
            ["领域：new_energy", "地区：500106", "技术成熟度 TRL 4 ≥ 4"]
        );
        assert!(fits(&filtered(Some("new_materials"), None, None), &object, None).is_none());
        assert!(fits(&filtered(None, Some("510000"), None), &object, None).is_none());
        assert!(fits(&filtered(None, Some("500112"), None), &object, None).is_none());
        assert!(fits(&filtered(None, None, Some(5)), &object, None).is_none());
    }

    #[test]
    fn nobody_hears_of_their_own_and_a_listing_search_ignores_demands() {
        let l = listing("高镍锂电池正极材料", "new_energy", "500106", 4);
        let terms = analyzer::terms(&listing_text(&l));
        let mut own = search(words("锂电池"), Target::Listings);
        own.user_id = OWNER;
        assert!(fits(&own, &Published::Listing(&l, &terms), None).is_none());

        let d = demand(OWNER, DemandStatus::Published);
        let dt = analyzer::terms(&demand_text(&d));
        let on_listings = search(words("锂电池"), Target::Listings);
        assert!(fits(&on_listings, &Published::Demand(&d, &dt), None).is_none());
        let on_demands = search(words("锂电池"), Target::Demands);
        assert!(fits(&on_demands, &Published::Demand(&d, &dt), None).is_some());
    }

    #[test]
    fn a_match_alert_fits_above_its_threshold_with_the_matching_reasons() {
        let mine = demand(WATCHER, DemandStatus::Published);
        let mt = analyzer::significant(analyzer::terms(&demand_text(&mine)));
        let source = Source::Demand(&mine, &mt);
        let alert = |min_score| {
            search(
                Criteria::Matches {
                    demand_id: Some(Uuid::from_u128(5)),
                    listing_id: None,
                    min_score,
                },
                Target::Listings,
            )
        };
        let l = listing("高镍锂电池正极材料", "new_energy", "500106", 4);
        let lt = analyzer::terms(&listing_text(&l));
        let object = Published::Listing(&l, &lt);
        let fit = fits(&alert(50.0), &object, Some(&source)).unwrap();
        let score = fit.score.unwrap();
        assert!(score >= 50.0, "{score}");
        assert!(
            fit.reasons.iter().any(|r| r.contains("shared terms")),
            "{:?}",
            fit.reasons
        );
        assert!(
            fit.reasons.iter().any(|r| r.contains("field")),
            "{:?}",
            fit.reasons
        );
        assert!(fits(&alert(score + 1.0), &object, Some(&source)).is_none());
        // Nothing in common, or the demand closed, or gone: nothing.
        let other = listing("基因测序试剂盒", "electronic_information", "500106", 4);
        let mut ot = analyzer::terms(&listing_text(&other));
        ot.retain(|t| !mt.contains(t));
        assert!(fits(&alert(0.0), &Published::Listing(&other, &ot), Some(&source)).is_none());
        let closed = demand(WATCHER, DemandStatus::Closed);
        let closed_source = Source::Demand(&closed, &mt);
        assert!(fits(&alert(0.0), &object, Some(&closed_source)).is_none());
        assert!(fits(&alert(0.0), &object, None).is_none());
    }

    #[test]
    fn several_fits_for_one_person_make_one_notice() {
        let fit = |name: &str, reasons: &[&str], score| Fit {
            recipient: WATCHER,
            name: name.into(),
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            score,
        };
        let merged = merge(vec![
            fit("电池", &["包含：锂电池"], None),
            fit(
                "我的需求",
                &["包含：锂电池", "领域：new_energy"],
                Some(62.0),
            ),
            Fit {
                recipient: OWNER,
                ..fit("别人的", &[], None)
            },
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].name, "电池、我的需求");
        assert_eq!(merged[0].reasons, ["包含：锂电池", "领域：new_energy"]);
        assert_eq!(merged[0].score, Some(62.0));
    }
}

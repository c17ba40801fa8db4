//! The labelled relevance set of `tests/data/matching/relevance.json` and the figures it is
//! judged by, shared by the matching test and `benches/matching.rs` (which includes this file by
//! path): one reading of the labels and one definition of precision, so the figures the bench
//! prints and the floor the test holds are the same thing.
#![allow(dead_code)]

use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::demand::{DemandAction, DemandContent, DemandInput};
use techmarket::domain::listing::{ListingAction, ListingContent, ListingInput};
use techmarket::domain::{Actor, Command, Role};
use techmarket::state::AppState;
use uuid::Uuid;

const SET: &str = include_str!("../../data/matching/relevance.json");

/// How many of the first matches a technology manager reads: the cut of precision and recall.
pub const K: usize = 5;

#[derive(Debug, Deserialize)]
pub struct Listing {
    pub key: String,
    pub field: String,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub trl: u8,
    pub region: String,
    pub pricing_mode: String,
    #[serde(default)]
    pub asking_price_fen: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Demand {
    pub key: String,
    pub kind: String,
    pub field: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub region: String,
    #[serde(default)]
    pub trl_min: Option<u8>,
    #[serde(default)]
    pub budget_max_fen: Option<i64>,
    /// The listings judged worth proposing for this demand.
    pub relevant: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Set {
    pub listings: Vec<Listing>,
    pub demands: Vec<Demand>,
}

pub fn set() -> Set {
    serde_json::from_str(SET).expect("tests/data/matching/relevance.json parses")
}

/// `POST /api/v1/listings` body: the labelled public side, and what the set does not vary.
pub fn listing_body(l: &Listing) -> Value {
    let mut b = json!({
        "title": l.title, "summary": l.summary, "field": l.field, "keywords": l.keywords,
        "trl": l.trl, "region": l.region, "pricing_mode": l.pricing_mode,
        "confidential_detail": "工艺参数保密",
        "inventors": [{"name": "发明人", "share_percent": 100}],
        "transfer_modes": ["assignment", "exclusive_license"]
    });
    if let Some(p) = l.asking_price_fen {
        b["asking_price_fen"] = json!(p);
    }
    b
}

/// `POST /api/v1/demands` body, valid for a year from `today`.
pub fn demand_body(d: &Demand, today: chrono::NaiveDate) -> Value {
    let mut b = json!({
        "kind": d.kind, "title": d.title, "description": d.description, "field": d.field,
        "keywords": d.keywords, "region": d.region,
        "cooperation_modes": ["license", "joint_development"],
        "valid_until": (today + chrono::Duration::days(365)).to_string()
    });
    if let Some(t) = d.trl_min {
        b["trl_min"] = json!(t);
    }
    if let Some(m) = d.budget_max_fen {
        b["budget_max_fen"] = json!(m);
    }
    b
}

/// The ids the set was given, beside its keys.
pub struct Loaded {
    pub listings: Vec<(Uuid, String)>,
    pub demands: Vec<(Uuid, String)>,
}

fn actor(role: Role) -> Actor {
    Actor {
        user_id: Uuid::now_v7(),
        role,
        organization_id: None,
    }
}

/// Loads the set into a running service through its command path (what the routes run, without
/// 300 HTTP round trips): listings created, submitted and published by a tech manager, demands
/// created and published. One after the other, so the ids, and with them the order of ties,
/// follow the file.
pub async fn load(state: &AppState, set: &Set) -> Loaded {
    let (researcher, reviewer, company) = (
        actor(Role::Researcher),
        actor(Role::TechManager),
        actor(Role::Enterprise),
    );
    let today = china_date(Utc::now());
    let mut listings = Vec::new();
    for l in &set.listings {
        let input: ListingInput = serde_json::from_value(listing_body(l)).unwrap();
        let content = ListingContent::parse(input, &state.refs)
            .unwrap_or_else(|e| panic!("{}: {e:?}", l.key));
        let id = Uuid::now_v7();
        for (who, action) in [
            (researcher, ListingAction::Create(content)),
            (researcher, ListingAction::Submit),
            (reviewer, ListingAction::Publish),
        ] {
            state
                .aggregates
                .listings
                .execute(id, None, Command::new(who, Utc::now(), action))
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", l.key));
        }
        listings.push((id, l.key.clone()));
    }
    let mut demands = Vec::new();
    for d in &set.demands {
        let input: DemandInput = serde_json::from_value(demand_body(d, today)).unwrap();
        let content = DemandContent::parse(input, &state.refs, today)
            .unwrap_or_else(|e| panic!("{}: {e:?}", d.key));
        let id = Uuid::now_v7();
        for action in [DemandAction::Create(content), DemandAction::Publish] {
            state
                .aggregates
                .demands
                .execute(id, None, Command::new(company, Utc::now(), action))
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", d.key));
        }
        demands.push((id, d.key.clone()));
    }
    Loaded { listings, demands }
}

/// The keys of a matches answer's items in order; `side` is `listing` or `demand`.
pub fn ranked(answer: &Value, side: &str, ids: &[(Uuid, String)]) -> Vec<String> {
    answer["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| {
            let id: Uuid = i[side]["id"].as_str()?.parse().ok()?;
            ids.iter()
                .find(|(k, _)| *k == id)
                .map(|(_, key)| key.clone())
        })
        .collect()
}

/// One demand's ranking against its labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    /// Relevant among the first `K`, over `K`.
    pub precision: f64,
    /// Relevant among the first `K`, over all relevant.
    pub recall: f64,
    /// One over the rank of the first relevant (0 when none is ranked).
    pub reciprocal_rank: f64,
}

pub fn judge(ranked: &[String], relevant: &[String]) -> Judged {
    let hits = ranked
        .iter()
        .take(K)
        .filter(|k| relevant.contains(k))
        .count() as f64;
    let first = ranked.iter().position(|k| relevant.contains(k));
    Judged {
        precision: hits / K as f64,
        recall: hits / relevant.len().max(1) as f64,
        reciprocal_rank: first.map_or(0.0, |i| 1.0 / (i + 1) as f64),
    }
}

/// The means over every demand.
pub fn mean(all: &[Judged]) -> Judged {
    let n = all.len().max(1) as f64;
    Judged {
        precision: all.iter().map(|j| j.precision).sum::<f64>() / n,
        recall: all.iter().map(|j| j.recall).sum::<f64>() / n,
        reciprocal_rank: all.iter().map(|j| j.reciprocal_rank).sum::<f64>() / n,
    }
}

/// The best precision@K the labels allow (a demand with two relevant listings caps at 2/K):
/// what the measured figure is to be read against.
pub fn ideal_precision(set: &Set) -> f64 {
    let n = set.demands.len().max(1) as f64;
    set.demands
        .iter()
        .map(|d| d.relevant.len().min(K) as f64 / K as f64)
        .sum::<f64>()
        / n
}

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::demand::{DemandContent, DemandInput, DemandStatus};
use crate::domain::listing::{ListingContent, ListingInput, ListingStatus};
use crate::domain::reference::sample;

fn listing(title: &str, field: &str, trl: u8, ask_fen: i64) -> ListingData {
    let input: ListingInput = serde_json::from_value(json!({
        "title": title, "summary": "可中试放大。", "field": field, "keywords": [],
        "trl": trl, "inventors": [{"name": "李雷", "share_percent": 100}],
        "transfer_modes": ["assignment"], "pricing_mode": "listed",
        "asking_price_fen": ask_fen, "region": "500106"
    }))
    .unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    ListingData {
        owner_id: Uuid::from_u128(1),
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

fn demand() -> DemandData {
    let input: DemandInput = serde_json::from_value(json!({
        "kind": "technical_problem", "title": "动力电池正极材料",
        "description": "寻求正极材料量产工艺。", "field": "new_energy",
        "keywords": ["正极材料"], "cooperation_modes": ["license"], "region": "500112",
        "valid_until": "2027-06-30", "trl_min": 5, "budget_max_fen": 6_000_000_000i64
    }))
    .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    DemandData {
        owner_id: Uuid::from_u128(2),
        owner_organization_id: None,
        status: DemandStatus::Published,
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

fn text(points: f64, shared: &[&str]) -> TextFit {
    TextFit {
        points,
        coverage: points / 100.0,
        reverse_coverage: points / 200.0,
        shared: shared.iter().map(|s| s.to_string()).collect(),
    }
}

fn points(s: &Scored, kind: &str) -> f64 {
    s.reasons.iter().find(|r| r.kind == kind).unwrap().points
}

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

#[test]
fn reasons_read_in_chinese_with_names_or_in_english_on_request() {
    let (l, d) = (
        listing("正极材料", "new_energy", 6, 5_000_000_000),
        demand(),
    );
    let zh = assess(
        &l,
        &d,
        &text(50.0, &["正极材料"]),
        Source::Demand,
        &sample(),
        Lang::Zh,
    );
    let details: Vec<&str> = zh.reasons.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "共同关键词：正极材料（按稀有度加权，覆盖需求要点的 50%、成果要点的 25%）",
            "同属new_energy领域",
            "技术成熟度 TRL 6，达到需求的 TRL 5",
            "同属500000",
            "报价 5000万元，在预算上限 6000万元 以内",
        ]
    );
    assert_eq!(zh.score, 50.0 + 20.0 + 10.0 + 5.0 + 10.0);
    let en = assess(
        &l,
        &d,
        &text(50.0, &["正极材料"]),
        Source::Demand,
        &sample(),
        Lang::En,
    );
    assert_eq!(en.reasons[1].detail, "both in the field new_energy");
    assert_eq!(en.reasons[2].detail, "TRL 6 meets the required 5");
    assert_eq!(en.score, zh.score);
}

#[test]
fn circumstances_count_in_proportion_to_the_topic_and_penalties_in_full() {
    let d = demand();
    // Another field and one common word: TRL, region and price add next to nothing.
    let graphene = listing("石墨烯导热膜材料", "new_materials", 6, 1_000_000_000);
    let s = assess(
        &graphene,
        &d,
        &text(2.0, &["材料"]),
        Source::Demand,
        &sample(),
        Lang::Zh,
    );
    assert_eq!(points(&s, "trl"), 0.3);
    assert!(
        s.reasons[2].detail.ends_with("（按主题契合度 3% 计分）"),
        "{s:?}"
    );
    assert!(s.score < 5.0, "{s:?}");
    // The same field and no shared term: proposed, with a third of the circumstances.
    let electrolyte = listing("固态电解质薄膜", "new_energy", 6, 1_000_000_000);
    let e = assess(
        &electrolyte,
        &d,
        &text(0.0, &[]),
        Source::Demand,
        &sample(),
        Lang::Zh,
    );
    assert_eq!(e.reasons[0].detail, "没有共同关键词");
    assert_eq!(e.score, 20.0 + 3.3 + 1.7 + 3.3);
    assert!(e.score > s.score);
    // A shortfall costs what it costs, whatever the topic.
    let early = listing("石墨烯导热膜材料", "new_materials", 3, 9_000_000_000);
    let s = assess(
        &early,
        &d,
        &text(2.0, &["材料"]),
        Source::Demand,
        &sample(),
        Lang::En,
    );
    assert_eq!((points(&s, "trl"), points(&s, "price")), (-10.0, -10.0));
    assert_eq!(s.score, 0.0);
}

#[test]
fn the_alerts_scoring_keeps_its_wording_and_weights() {
    let (l, d) = (
        listing("正极材料", "new_materials", 3, 9_000_000_000),
        demand(),
    );
    let s = score(&l, &d, 0.5, vec!["正极材料".into(), "正极".into()]);
    let details: Vec<&str> = s.reasons.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "2 shared terms: 正极材料、正极",
            "listing in new_materials, demand in new_energy",
            "TRL 3 is 2 below the required 5",
            "same province 500000",
            "asking 9000万元 exceeds the budget of 6000万元 by 3000万元",
        ]
    );
    assert_eq!(s.score, 25.0 + 0.0 - 10.0 + 5.0 - 10.0);
}

#[test]
fn with_no_shared_term_only_a_feasible_same_field_pair_is_proposed() {
    let d = demand();
    let none = text(0.0, &[]);
    let judge = |l: &ListingData| {
        proposed(
            &none,
            &assess(l, &d, &none, Source::Demand, &sample(), Lang::Zh),
        )
    };
    assert!(judge(&listing(
        "固态电解质薄膜",
        "new_energy",
        6,
        1_000_000_000
    )));
    assert!(!judge(&listing(
        "固态电解质薄膜",
        "new_energy",
        4,
        1_000_000_000
    )));
    assert!(!judge(&listing(
        "固态电解质薄膜",
        "new_energy",
        6,
        9_000_000_000
    )));
    assert!(!judge(&listing(
        "石墨烯导热膜",
        "new_materials",
        6,
        1_000_000_000
    )));
    // Any shared term, however weak, is proposed with its reasons.
    let weak = text(1.0, &["材料"]);
    let l = listing("石墨烯导热膜材料", "new_materials", 3, 9_000_000_000);
    assert!(proposed(
        &weak,
        &assess(&l, &d, &weak, Source::Demand, &sample(), Lang::Zh)
    ));
}

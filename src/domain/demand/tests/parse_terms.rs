//! DemandContent::parse: dates, TRL, the open call's terms, and the JSON body.

use serde_json::json;

use super::*;
use crate::domain::testing::message_of;

#[test]
fn valid_until_may_be_today_in_china_but_not_earlier() {
    let until = |d: NaiveDate| DemandInput {
        valid_until: d,
        ..input()
    };
    assert_eq!(parse(until(today())).unwrap().valid_until, today());
    let err = parse(until(date(2026, 5, 31))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["valid_until"]);
    assert!(message_of(&err, "valid_until").contains("2026-06-01"));
    // The request's date is the China date: 15:59:59 UTC is still 12-31 there, 16:00 is not.
    let refs = sample();
    let last = china_date(utc(LAST_VALID_INSTANT));
    let first = china_date(utc(FIRST_EXPIRED_INSTANT));
    let year_end = DemandInput {
        open_call: None,
        ..until(date(2026, 12, 31))
    };
    assert!(DemandContent::parse(year_end.clone(), &refs, last).is_ok());
    assert_eq!(
        fields(DemandContent::parse(year_end, &refs, first).unwrap_err()),
        vec!["valid_until"]
    );
}

#[test]
fn trl_min_is_optional_and_1_to_9() {
    for bad in [0, 10, -1, i64::MAX, i64::MIN, 256 + 4] {
        assert_eq!(
            invalid(DemandInput {
                trl_min: Some(bad),
                ..input()
            }),
            vec!["trl_min"],
            "trl_min {bad}"
        );
    }
    for good in 1..=9 {
        assert_eq!(
            parse(DemandInput {
                trl_min: Some(good),
                ..input()
            })
            .unwrap()
            .trl_min,
            Some(trl(good))
        );
    }
}

#[test]
fn open_call_terms_are_required_for_an_open_call_and_only_for_one() {
    let err = parse(DemandInput {
        open_call: None,
        ..call_input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["open_call"]);
    assert!(message_of(&err, "open_call").contains("required for open_call"));
    for kind in [DemandKind::TechnicalProblem, DemandKind::Scene] {
        let err = parse(DemandInput {
            kind,
            ..call_input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["open_call"], "{kind}");
        assert!(message_of(&err, "open_call").contains("only for open_call"));
    }
    // Terms given to the wrong kind are not validated further: the whole object is wrong.
    assert_eq!(
        invalid(DemandInput {
            kind: DemandKind::Scene,
            open_call: Some(OpenCallInput {
                bounty_fen: -5,
                ..terms_input()
            }),
            ..input()
        }),
        vec!["open_call"]
    );
}

#[test]
fn the_bounty_is_more_than_zero_and_at_most_the_maximum() {
    let bounty = |bounty_fen: i64| DemandInput {
        open_call: Some(OpenCallInput {
            bounty_fen,
            ..terms_input()
        }),
        ..call_input()
    };
    for bad in [0, -1, MAX_FEN + 1, i64::MIN] {
        assert_eq!(invalid(bounty(bad)), vec!["open_call.bounty_fen"], "{bad}");
    }
    for good in [1, MAX_FEN] {
        assert_eq!(
            parse(bounty(good)).unwrap().open_call.unwrap().bounty_fen,
            good
        );
    }
}

#[test]
fn the_deadline_lies_between_today_and_valid_until_inclusive() {
    let deadline = |d: NaiveDate| DemandInput {
        open_call: Some(OpenCallInput {
            deadline: d,
            ..terms_input()
        }),
        ..call_input()
    };
    for good in [today(), date(2026, 12, 31)] {
        assert_eq!(
            parse(deadline(good)).unwrap().open_call.unwrap().deadline,
            good
        );
    }
    let err = parse(deadline(date(2027, 1, 1))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["open_call.deadline"]);
    assert!(message_of(&err, "open_call.deadline").contains("valid_until"));
    let err = parse(deadline(date(2026, 5, 31))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["open_call.deadline"]);
    assert!(message_of(&err, "open_call.deadline").contains("today"));
    // On the China date boundary.
    let refs = sample();
    let on_deadline = deadline(date(2026, 11, 30));
    assert!(DemandContent::parse(
        on_deadline.clone(),
        &refs,
        china_date(utc(LAST_DEADLINE_INSTANT))
    )
    .is_ok());
    assert_eq!(
        fields(
            DemandContent::parse(on_deadline, &refs, china_date(utc(FIRST_LATE_INSTANT)))
                .unwrap_err()
        ),
        vec!["open_call.deadline"]
    );
}

#[test]
fn acceptance_criteria_are_required_and_at_most_5000_characters() {
    let criteria = |text: String| DemandInput {
        open_call: Some(OpenCallInput {
            acceptance_criteria: text,
            ..terms_input()
        }),
        ..call_input()
    };
    for bad in [" ".to_string(), "准".repeat(5001), "nul\u{0}".to_string()] {
        assert_eq!(
            invalid(criteria(bad)),
            vec!["open_call.acceptance_criteria"]
        );
    }
    assert_eq!(
        parse(criteria("准".repeat(5000)))
            .unwrap()
            .open_call
            .unwrap()
            .acceptance_criteria
            .chars()
            .count(),
        5000
    );
}

#[test]
fn input_deserializes_with_defaults_dates_as_iso_strings_and_refuses_unknown_fields() {
    let body = json!({
        "kind": "open_call", "title": "T", "description": "D", "field": "new_materials",
        "cooperation_modes": ["joint_development", "equity_investment"],
        "region": "500106", "valid_until": "2026-12-31",
        "open_call": {"bounty_fen": 100, "deadline": "2026-09-30", "acceptance_criteria": "A"}
    });
    let i: DemandInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(i.kind, DemandKind::OpenCall);
    assert!(i.keywords.is_empty());
    assert_eq!(
        (i.budget_min_fen, i.budget_max_fen, i.trl_min),
        (None, None, None)
    );
    assert_eq!(i.valid_until, date(2026, 12, 31));
    assert_eq!(
        i.open_call,
        Some(OpenCallInput {
            bounty_fen: 100,
            deadline: date(2026, 9, 30),
            acceptance_criteria: "A".into()
        })
    );
    assert_eq!(
        i.cooperation_modes,
        vec![
            CooperationMode::JointDevelopment,
            CooperationMode::EquityInvestment
        ]
    );
    let c = parse(i.clone()).unwrap();
    assert_eq!(c.open_call.unwrap().deadline, date(2026, 9, 30));
    // Serialized back, dates are plain ISO dates.
    let back = serde_json::to_value(&i).unwrap();
    assert_eq!(back["valid_until"], "2026-12-31");
    assert_eq!(back["open_call"]["deadline"], "2026-09-30");

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<DemandInput>(b)
    };
    assert!(with("/kind", json!("technical_problem")).is_ok());
    assert!(with("/kind", json!("scene")).is_ok());
    assert!(with("/kind", json!("wish")).is_err());
    assert!(with("/cooperation_modes", json!(["gift"])).is_err());
    assert!(with("/valid_until", json!("2026-12-31T00:00:00Z")).is_err());
    assert!(with("/valid_until", json!("31/12/2026")).is_err());
    assert!(with("/valid_until", json!("2026-02-30")).is_err());
    assert!(with("/open_call/deadline", json!("tomorrow")).is_err());
    assert!(with("/open_call/bounty_fen", json!(1.5)).is_err());
    assert!(with("/open_call", json!(null)).unwrap().open_call.is_none());
    assert!(with(
        "/open_call",
        json!({"bounty_fen": 1, "deadline": "2026-07-01", "acceptance_criteria": "x", "extra": 1})
    )
    .is_err());
    let mut unknown = body.clone();
    unknown["status"] = json!("published");
    assert!(serde_json::from_value::<DemandInput>(unknown).is_err());
    let mut full = body;
    full["keywords"] = json!(["a"]);
    full["budget_min_fen"] = json!(1);
    full["budget_max_fen"] = json!(2);
    full["trl_min"] = json!(6);
    let i: DemandInput = serde_json::from_value(full).unwrap();
    assert_eq!(
        (i.keywords, i.budget_min_fen, i.budget_max_fen, i.trl_min),
        (vec!["a".to_string()], Some(1), Some(2), Some(6))
    );
}

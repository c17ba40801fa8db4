//! DemandContent::parse: the whole input, its text, codes, keywords, budgets and cooperation modes.

use super::*;
use crate::domain::testing::message_of;

// =============================================================================================
// DemandContent::parse

#[test]
fn parse_accepts_a_valid_input_trimming_text() {
    let c = content(DemandKind::TechnicalProblem);
    assert_eq!(c.kind, DemandKind::TechnicalProblem);
    assert_eq!(
        c.title.as_str(),
        "Low-temperature performance of sodium batteries"
    );
    assert_eq!(
        c.description,
        "钠离子电池在零下20度容量衰减严重，寻求解决方案。"
    );
    assert_eq!(c.field.as_str(), "new_energy");
    assert_eq!(c.keywords, vec!["sodium battery", "low temperature"]);
    assert_eq!(
        (c.budget_min_fen, c.budget_max_fen),
        (Some(50_000_000), Some(200_000_000))
    );
    assert_eq!(
        c.cooperation_modes,
        vec![
            CooperationMode::CommissionedDevelopment,
            CooperationMode::License
        ]
    );
    assert_eq!(c.region.as_str(), "500112");
    assert_eq!(c.valid_until, date(2026, 12, 31));
    assert_eq!(c.trl_min, Some(trl(4)));
    assert_eq!(c.open_call, None);
}

#[test]
fn parse_accepts_an_open_call_with_trimmed_terms() {
    let c = content(DemandKind::OpenCall);
    assert_eq!(c.kind, DemandKind::OpenCall);
    assert_eq!(
        c.open_call,
        Some(OpenCallTerms {
            bounty_fen: 300_000_000,
            deadline: date(2026, 11, 30),
            acceptance_criteria: "Capacity retention ≥ 85% at −20 °C over 500 cycles.".into(),
        })
    );
    assert_eq!(content(DemandKind::Scene).kind, DemandKind::Scene);
    assert_eq!(content(DemandKind::Scene).open_call, None);
}

#[test]
fn parse_accepts_minimal_input_without_optional_parts() {
    let c = parse(DemandInput {
        keywords: vec![],
        budget_min_fen: None,
        budget_max_fen: None,
        cooperation_modes: vec![CooperationMode::TechnicalService],
        trl_min: None,
        ..input()
    })
    .unwrap();
    assert!(c.keywords.is_empty());
    assert_eq!((c.budget_min_fen, c.budget_max_fen), (None, None));
    assert_eq!(c.cooperation_modes, vec![CooperationMode::TechnicalService]);
    assert_eq!(c.trl_min, None);
}

#[test]
fn parse_collects_every_error_with_its_field_path() {
    let mut i = call_input();
    i.title = " ".into();
    i.description = "".into();
    i.field = "alchemy".into();
    i.keywords = vec!["ok".into(), "ok".into()];
    i.budget_min_fen = Some(-1);
    i.budget_max_fen = Some(MAX_FEN + 1);
    i.cooperation_modes = vec![];
    i.region = "999999".into();
    i.valid_until = date(2026, 5, 31);
    i.trl_min = Some(0);
    i.open_call = Some(OpenCallInput {
        bounty_fen: 0,
        deadline: date(2026, 5, 1),
        acceptance_criteria: "\n".into(),
    });
    assert_eq!(
        invalid(i),
        vec![
            "title",
            "description",
            "field",
            "keywords[1]",
            "budget_min_fen",
            "budget_max_fen",
            "cooperation_modes",
            "region",
            "valid_until",
            "trl_min",
            "open_call.bounty_fen",
            "open_call.deadline",
            "open_call.acceptance_criteria",
        ]
    );
}

#[test]
fn title_is_required_single_line_and_at_most_200_characters() {
    for bad in ["".to_string(), "a\nb".to_string(), "标".repeat(201)] {
        assert_eq!(
            invalid(DemandInput {
                title: bad.clone(),
                ..input()
            }),
            vec!["title"],
            "{bad:?}"
        );
    }
    assert_eq!(
        parse(DemandInput {
            title: "标".repeat(200),
            ..input()
        })
        .unwrap()
        .title
        .as_str()
        .chars()
        .count(),
        200
    );
}

#[test]
fn description_is_required_multiline_and_at_most_5000_characters() {
    for bad in [
        "  \n ".to_string(),
        "述".repeat(5001),
        "bell\u{7}".to_string(),
    ] {
        assert_eq!(
            invalid(DemandInput {
                description: bad,
                ..input()
            }),
            vec!["description"]
        );
    }
    assert_eq!(
        parse(DemandInput {
            description: "第一段\n第二段".into(),
            ..input()
        })
        .unwrap()
        .description,
        "第一段\n第二段"
    );
    assert_eq!(
        parse(DemandInput {
            description: "述".repeat(5000),
            ..input()
        })
        .unwrap()
        .description
        .chars()
        .count(),
        5000
    );
}

#[test]
fn field_and_region_must_be_known_codes() {
    let err = parse(DemandInput {
        field: "alchemy".into(),
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["field"]);
    assert!(message_of(&err, "field").contains("alchemy"));
    for bad in ["999999", "CN", "de", ""] {
        assert_eq!(
            invalid(DemandInput {
                region: bad.into(),
                ..input()
            }),
            vec!["region"],
            "{bad}"
        );
    }
    let c = parse(DemandInput {
        region: "DE".into(),
        field: "electronic_information".into(),
        ..input()
    })
    .unwrap();
    assert_eq!(
        (c.region.as_str(), c.field.as_str()),
        ("DE", "electronic_information")
    );
}

#[test]
fn keywords_are_at_most_20_each_single_line_1_to_40_characters_without_repeats() {
    let many: Vec<String> = (0..21).map(|n| format!("kw{n}")).collect();
    assert_eq!(
        invalid(DemandInput {
            keywords: many.clone(),
            ..input()
        }),
        vec!["keywords"]
    );
    assert_eq!(
        parse(DemandInput {
            keywords: many[..20].to_vec(),
            ..input()
        })
        .unwrap()
        .keywords
        .len(),
        20
    );
    assert_eq!(
        invalid(DemandInput {
            keywords: vec!["ok".into(), "".into(), "a\nb".into(), "k".repeat(41)],
            ..input()
        }),
        vec!["keywords[1]", "keywords[2]", "keywords[3]"]
    );
    assert_eq!(
        parse(DemandInput {
            keywords: vec!["词".repeat(40)],
            ..input()
        })
        .unwrap()
        .keywords,
        vec!["词".repeat(40)]
    );
    let err = parse(DemandInput {
        keywords: vec!["电池".into(), "材料".into(), " 电池 ".into()],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["keywords[2]"]);
    assert!(message_of(&err, "keywords[2]").contains("repeats"));
    // Only exact repeats count: case differs, so both stay.
    assert_eq!(
        parse(DemandInput {
            keywords: vec!["AI".into(), "ai".into()],
            ..input()
        })
        .unwrap()
        .keywords,
        vec!["AI", "ai"]
    );
}

#[test]
fn budgets_are_optional_within_range_and_ordered() {
    let budget = |min: Option<i64>, max: Option<i64>| DemandInput {
        budget_min_fen: min,
        budget_max_fen: max,
        ..input()
    };
    assert_eq!(invalid(budget(Some(-1), None)), vec!["budget_min_fen"]);
    assert_eq!(invalid(budget(None, Some(-1))), vec!["budget_max_fen"]);
    assert_eq!(
        invalid(budget(Some(MAX_FEN + 1), None)),
        vec!["budget_min_fen"]
    );
    assert_eq!(
        invalid(budget(None, Some(i64::MAX))),
        vec!["budget_max_fen"]
    );
    let err = parse(budget(Some(200), Some(100))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["budget_max_fen"]);
    assert!(message_of(&err, "budget_max_fen").contains("budget_min_fen"));
    // An amount out of range is not compared as well: that would only repeat the error.
    assert_eq!(
        invalid(budget(Some(MAX_FEN + 1), Some(5))),
        vec!["budget_min_fen"]
    );
    for (min, max) in [
        (Some(0), Some(0)),
        (Some(0), Some(MAX_FEN)),
        (Some(MAX_FEN), Some(MAX_FEN)),
        (Some(100), None),
        (None, Some(100)),
        (None, None),
    ] {
        let c = parse(budget(min, max)).unwrap();
        assert_eq!((c.budget_min_fen, c.budget_max_fen), (min, max));
    }
}

#[test]
fn cooperation_modes_are_required_and_not_repeated() {
    let err = parse(DemandInput {
        cooperation_modes: vec![],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["cooperation_modes"]);
    assert!(message_of(&err, "cooperation_modes").contains("at least one"));
    assert_eq!(
        invalid(DemandInput {
            cooperation_modes: vec![
                CooperationMode::License,
                CooperationMode::Assignment,
                CooperationMode::License,
                CooperationMode::Assignment,
            ],
            ..input()
        }),
        vec!["cooperation_modes[2]", "cooperation_modes[3]"]
    );
    assert_eq!(
        parse(DemandInput {
            cooperation_modes: CooperationMode::ALL.to_vec(),
            ..input()
        })
        .unwrap()
        .cooperation_modes,
        CooperationMode::ALL.to_vec()
    );
}

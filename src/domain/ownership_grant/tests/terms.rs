//! GrantTerms::parse: the application body validated, every invalid field reported at once.

use serde_json::json;
use std::collections::HashMap;

use super::*;
use crate::domain::share::FULL_BP;
use crate::domain::testing::{fields, message_of};

// ---------------------------------------------------------------------------------------------
// GrantTerms::parse

#[test]
fn a_usage_right_keeps_full_ownership_with_the_institution() {
    let t = usage_terms();
    assert_eq!(t.kind, GrantKind::UsageRight);
    assert_eq!((t.institution_share_bp, t.team_share_bp), (FULL_BP, 0));
    assert_eq!(t.term_years, Some(10));
    assert_eq!(
        t.team,
        vec![
            TeamMember {
                user_id: applicant().user_id,
                name: "李明".into(),
                share_bp: 3_333,
            },
            TeamMember {
                user_id: inventor().user_id,
                name: "王芳".into(),
                share_bp: 3_333,
            },
            TeamMember {
                user_id: colleague().user_id,
                name: "张伟".into(),
                share_bp: 3_334,
            },
        ]
    );
    assert_eq!(
        t.income,
        IncomeSplit {
            team_bp: 7_000,
            agreed: true
        }
    );
    assert_eq!(t.income.institution_bp(), 3_000);
    assert_eq!(
        t.statement.as_deref(),
        Some("团队继续开发钠离子电池正极材料")
    );
    assert_eq!(t.member(inventor().user_id).unwrap().share_bp, 3_333);
    assert_eq!(t.member(bystander().user_id), None);
}

#[test]
fn an_ownership_share_splits_ownership_between_institution_and_team() {
    let t = share_terms();
    assert_eq!(t.kind, GrantKind::OwnershipShare);
    assert_eq!((t.institution_share_bp, t.team_share_bp), (4_000, 6_000));
    assert_eq!(t.term_years, None);
    assert_eq!(t.team.len(), 3);
    assert_eq!(t.statement, None);

    // The whole of it may go to the team, and a share may have a term of its own.
    let all_to_team = parse(&GrantInput {
        institution_share_percent: Some(0.0),
        team_share_percent: Some(100.0),
        term_years: Some(5),
        ..share_input()
    })
    .unwrap();
    assert_eq!(
        (all_to_team.institution_share_bp, all_to_team.team_share_bp),
        (0, FULL_BP)
    );
    assert_eq!(all_to_team.term_years, Some(5));

    // Two decimals are exact.
    let fine = parse(&GrantInput {
        institution_share_percent: Some(33.33),
        team_share_percent: Some(66.67),
        ..share_input()
    })
    .unwrap();
    assert_eq!(
        (fine.institution_share_bp, fine.team_share_bp),
        (3_333, 6_667)
    );
}

#[test]
fn ownership_shares_must_sum_to_100_percent() {
    let err = invalid(&GrantInput {
        institution_share_percent: Some(40.0),
        team_share_percent: Some(50.0),
        ..share_input()
    });
    assert_eq!(fields(err.clone()), vec!["team_share_percent"]);
    let message = message_of(&err, "team_share_percent");
    assert!(message.contains("must sum to 100%"), "{message}");
    assert!(message.contains("they sum to 90%"), "{message}");

    let over = invalid(&GrantInput {
        institution_share_percent: Some(50.5),
        team_share_percent: Some(50.0),
        ..share_input()
    });
    assert!(message_of(&over, "team_share_percent").contains("they sum to 100.5%"));
}

#[test]
fn an_ownership_share_needs_both_shares_and_some_for_the_team() {
    let err = invalid(&GrantInput {
        institution_share_percent: None,
        team_share_percent: None,
        ..share_input()
    });
    assert_eq!(
        fields(err.clone()),
        vec!["institution_share_percent", "team_share_percent"]
    );
    for field in ["institution_share_percent", "team_share_percent"] {
        assert!(message_of(&err, field).contains("is required for an ownership share"));
    }

    let nothing_for_the_team = invalid(&GrantInput {
        institution_share_percent: Some(100.0),
        team_share_percent: Some(0.0),
        ..share_input()
    });
    assert_eq!(
        fields(nothing_for_the_team.clone()),
        vec!["team_share_percent"]
    );
    assert!(message_of(&nothing_for_the_team, "team_share_percent").contains("more than 0"));

    let out_of_range = invalid(&GrantInput {
        institution_share_percent: Some(-1.0),
        team_share_percent: Some(101.0),
        ..share_input()
    });
    assert_eq!(
        fields(out_of_range.clone()),
        vec!["institution_share_percent", "team_share_percent"]
    );
    assert!(message_of(&out_of_range, "institution_share_percent").contains("between 0 and 100"));
}

#[test]
fn shares_are_refused_for_a_usage_right() {
    let err = invalid(&GrantInput {
        institution_share_percent: Some(100.0),
        team_share_percent: Some(0.0),
        ..usage_input()
    });
    assert_eq!(
        fields(err.clone()),
        vec!["institution_share_percent", "team_share_percent"]
    );
    assert!(message_of(&err, "institution_share_percent")
        .contains("applies only to an ownership share"));

    let one = invalid(&GrantInput {
        team_share_percent: Some(30.0),
        ..usage_input()
    });
    assert_eq!(fields(one), vec!["team_share_percent"]);
}

#[test]
fn a_usage_right_runs_ten_to_fifty_years() {
    for (years, says) in [
        (None, "is required for a usage right: at least 10 years"),
        (Some(9), "runs at least 10 years"),
        (Some(0), "runs at least 10 years"),
        (Some(-3), "runs at least 10 years"),
        (Some(51), "must be at most 50 years"),
        (Some(i64::MAX), "must be at most 50 years"),
    ] {
        let err = invalid(&GrantInput {
            term_years: years,
            ..usage_input()
        });
        assert_eq!(fields(err.clone()), vec!["term_years"], "{years:?}");
        let message = message_of(&err, "term_years");
        assert!(message.contains(says), "{years:?}: {message}");
    }
    for years in [10, 25, 50] {
        let t = parse(&GrantInput {
            term_years: Some(years),
            ..usage_input()
        })
        .unwrap();
        assert_eq!(t.term_years, Some(years as u32));
    }
}

#[test]
fn an_ownership_share_term_is_optional_but_at_least_a_year() {
    for (years, says) in [
        (Some(0), "must be at least 1 year"),
        (Some(-5), "must be at least 1 year"),
        (Some(51), "must be at most 50 years"),
    ] {
        let err = invalid(&GrantInput {
            term_years: years,
            ..share_input()
        });
        assert_eq!(fields(err.clone()), vec!["term_years"], "{years:?}");
        assert!(message_of(&err, "term_years").contains(says), "{years:?}");
    }
    for years in [None, Some(1), Some(9), Some(50)] {
        let t = parse(&GrantInput {
            term_years: years,
            ..share_input()
        })
        .unwrap();
        assert_eq!(t.term_years, years.map(|y| y as u32));
    }
}

#[test]
fn the_team_names_at_least_one_member() {
    let err = invalid(&GrantInput {
        team: vec![],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team"]);
    assert!(message_of(&err, "team").contains("at least one member"));
}

#[test]
fn the_team_has_at_most_fifty_members() {
    let team: Vec<TeamMemberInput> = (0..=TEAM_MAX as u128)
        .map(|i| TeamMemberInput {
            user_id: Uuid::from_u128(0x1000 + i),
            share_percent: 1.0,
        })
        .collect();
    let users: HashMap<Uuid, String> = team
        .iter()
        .map(|m| (m.user_id, "someone".to_string()))
        .collect();
    let err = GrantTerms::parse(
        &GrantInput {
            team,
            ..usage_input()
        },
        &users,
    )
    .unwrap_err();
    assert!(message_of(&err, "team").contains("at most 50 members"));
}

#[test]
fn every_team_member_needs_an_account() {
    let err = invalid(&GrantInput {
        team: vec![
            member(applicant(), 50.0),
            TeamMemberInput {
                user_id: NOBODY,
                share_percent: 50.0,
            },
        ],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team[1].user_id"]);
    assert!(message_of(&err, "team[1].user_id").contains("is not a user of the platform"));
}

#[test]
fn a_member_is_named_once() {
    let err = invalid(&GrantInput {
        team: vec![
            member(applicant(), 50.0),
            member(inventor(), 25.0),
            member(applicant(), 25.0),
        ],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team[2].user_id"]);
    assert!(message_of(&err, "team[2].user_id").contains("same user as an earlier member"));
}

#[test]
fn members_shares_must_sum_to_100_percent() {
    let err = invalid(&GrantInput {
        team: vec![member(applicant(), 50.0), member(inventor(), 40.0)],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team"]);
    assert!(message_of(&err, "team").contains("they sum to 90%"));

    let thirds = invalid(&GrantInput {
        team: vec![
            member(applicant(), 33.33),
            member(inventor(), 33.33),
            member(colleague(), 33.33),
        ],
        ..usage_input()
    });
    assert!(message_of(&thirds, "team").contains("they sum to 99.99%"));

    // A share that is itself refused is reported on its own, without a sum to repeat it.
    let zero = invalid(&GrantInput {
        team: vec![member(applicant(), 100.0), member(inventor(), 0.0)],
        ..usage_input()
    });
    assert_eq!(fields(zero.clone()), vec!["team[1].share_percent"]);
    assert!(message_of(&zero, "team[1].share_percent").contains("more than 0"));
}

#[test]
fn percentages_have_at_most_two_decimals() {
    let err = invalid(&GrantInput {
        institution_share_percent: Some(40.005),
        team_share_percent: Some(59.995),
        team: vec![member(applicant(), 33.333), member(inventor(), 66.667)],
        team_income_percent: Some(70.001),
        ..share_input()
    });
    assert_eq!(
        fields(err.clone()),
        vec![
            "institution_share_percent",
            "team_share_percent",
            "team[0].share_percent",
            "team[1].share_percent",
            "team_income_percent",
        ]
    );
    for field in [
        "institution_share_percent",
        "team[0].share_percent",
        "team_income_percent",
    ] {
        assert!(
            message_of(&err, field).contains("at most 2 decimal places"),
            "{field}"
        );
    }
}

#[test]
fn without_an_agreed_income_split_the_statutory_floor_applies() {
    let statutory = share_terms().income;
    assert_eq!(
        statutory,
        IncomeSplit {
            team_bp: STATUTORY_TEAM_INCOME_BP,
            agreed: false
        }
    );
    assert_eq!(statutory.team_bp, 5_000);
    assert_eq!(statutory.institution_bp(), 5_000);

    let agreed = parse(&GrantInput {
        team_income_percent: Some(70.0),
        ..share_input()
    })
    .unwrap()
    .income;
    assert_eq!(
        agreed,
        IncomeSplit {
            team_bp: 7_000,
            agreed: true
        }
    );
    assert_eq!(agreed.institution_bp(), 3_000);

    let everything = parse(&GrantInput {
        team_income_percent: Some(100.0),
        ..share_input()
    })
    .unwrap()
    .income;
    assert_eq!(
        (everything.team_bp, everything.institution_bp()),
        (FULL_BP, 0)
    );

    for bad in [0.0, -10.0, 100.5, f64::NAN] {
        let err = invalid(&GrantInput {
            team_income_percent: Some(bad),
            ..share_input()
        });
        assert_eq!(fields(err.clone()), vec!["team_income_percent"], "{bad}");
        assert!(message_of(&err, "team_income_percent").contains("more than 0 and at most 100"));
    }
}

#[test]
fn the_statement_is_trimmed_and_blank_is_none() {
    let with = |statement: Option<&str>| {
        parse(&GrantInput {
            statement: statement.map(str::to_string),
            ..share_input()
        })
    };
    assert_eq!(
        with(Some("  赋权说明 \t")).unwrap().statement.as_deref(),
        Some("赋权说明")
    );
    assert_eq!(with(Some(" \n\t ")).unwrap().statement, None);
    assert_eq!(with(Some("")).unwrap().statement, None);
    assert_eq!(with(None).unwrap().statement, None);
    assert_eq!(
        with(Some("字".repeat(5_000).as_str()))
            .unwrap()
            .statement
            .map(|s| s.chars().count()),
        Some(5_000)
    );

    let long = with(Some("字".repeat(5_001).as_str())).unwrap_err();
    assert_eq!(fields(long.clone()), vec!["statement"]);
    assert!(message_of(&long, "statement").contains("at most 5000 characters"));
    assert_eq!(
        fields(with(Some("响铃\u{7}")).unwrap_err()),
        vec!["statement"]
    );
}

#[test]
fn every_invalid_field_is_reported_at_once() {
    let err = invalid(&GrantInput {
        listing_id: LISTING,
        kind: GrantKind::OwnershipShare,
        institution_share_percent: Some(40.0),
        team_share_percent: Some(50.0),
        term_years: Some(0),
        team: vec![
            TeamMemberInput {
                user_id: NOBODY,
                share_percent: 60.0,
            },
            member(applicant(), 30.0),
            member(applicant(), 10.0),
        ],
        team_income_percent: Some(0.0),
        statement: Some("x".repeat(5_001)),
    });
    assert_eq!(
        fields(err),
        vec![
            "team_share_percent",
            "term_years",
            "team[0].user_id",
            "team[2].user_id",
            "team_income_percent",
            "statement",
        ]
    );
}

#[test]
fn the_application_body_refuses_unknown_fields_and_defaults_the_optional_ones() {
    let body = json!({
        "listing_id": LISTING,
        "kind": "usage_right",
        "term_years": 10,
        "team": [{"user_id": applicant().user_id, "share_percent": 100}],
    });
    let input: GrantInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(input.kind, GrantKind::UsageRight);
    assert_eq!(input.institution_share_percent, None);
    assert_eq!(input.team_share_percent, None);
    assert_eq!(input.team_income_percent, None);
    assert_eq!(input.statement, None);
    assert_eq!(
        parse(&input).unwrap().income.team_bp,
        STATUTORY_TEAM_INCOME_BP
    );

    let mut extra = body.clone();
    extra["team_share"] = json!(50);
    assert!(serde_json::from_value::<GrantInput>(extra).is_err());
    let mut extra_member = body;
    extra_member["team"][0]["name"] = json!("李明");
    assert!(serde_json::from_value::<GrantInput>(extra_member).is_err());
}

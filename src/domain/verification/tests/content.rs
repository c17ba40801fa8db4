//! RequestContent::parse: validating what a request asks for.

use super::*;

#[test]
fn parse_accepts_a_valid_input_with_the_callers_trl_before_and_a_trimmed_description() {
    let c = content();
    assert_eq!(
        c,
        RequestContent {
            stage: Stage::ConceptVerification,
            listing_id: LISTING,
            provider_organization_id: CENTRE,
            services: vec![Service::PrincipleValidation, Service::Prototype],
            trl_before: trl(4),
            trl_target: trl(6),
            budget_fen: 50_000_000,
            funding_source: FundingSource::Government,
            schedule: Schedule {
                start: date(2026, 7, 1),
                end: date(2026, 12, 31),
            },
            description: "验证钠离子电池低温电解液的原理并制作原型。".into(),
        }
    );
    let p = parse(pilot_input()).unwrap();
    assert_eq!(p.stage, Stage::PilotScale);
    assert_eq!(p.services, vec![Service::TrialProduction, Service::ScaleUp]);
    // The same input against another current TRL keeps that one.
    let c = RequestContent::parse(input(), trl(1), today()).unwrap();
    assert_eq!((c.trl_before, c.trl_target), (trl(1), trl(6)));
}

#[test]
fn parse_collects_every_error_with_its_field_path() {
    let i = RequestInput {
        services: vec![Service::Prototype, Service::ScaleUp, Service::Prototype],
        trl_target: 4,
        budget_fen: 0,
        schedule: ScheduleInput {
            start: date(2026, 5, 31),
            end: date(2026, 5, 30),
        },
        description: " ".into(),
        ..input()
    };
    let err = parse(i).unwrap_err();
    assert_eq!(
        fields(err.clone()),
        vec![
            "services[1]",
            "services[2]",
            "trl_target",
            "budget_fen",
            "schedule.start",
            "schedule.end",
            "description",
        ]
    );
    assert_eq!(
        message_of(&err, "services[1]"),
        "not a service of the concept_verification stage"
    );
    assert_eq!(
        message_of(&err, "services[2]"),
        "repeats an earlier service"
    );
    assert_eq!(
        message_of(&err, "trl_target"),
        "must be above the listing's current TRL (4)"
    );
    assert_eq!(
        message_of(&err, "budget_fen"),
        format!("must be more than 0 and at most {MAX_FEN} fen")
    );
    assert_eq!(
        message_of(&err, "schedule.start"),
        "must not be before today (2026-06-01)"
    );
    assert_eq!(
        message_of(&err, "schedule.end"),
        "must not be before schedule.start"
    );
    assert_eq!(message_of(&err, "description"), "must not be empty");
}

#[test]
fn services_are_required() {
    let err = parse(RequestInput {
        services: vec![],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["services"]);
    assert_eq!(
        message_of(&err, "services"),
        "must name at least one service"
    );
}

#[test]
fn services_must_not_repeat() {
    assert_eq!(
        invalid(RequestInput {
            services: vec![
                Service::Prototype,
                Service::FeasibilityAssessment,
                Service::Prototype,
                Service::FeasibilityAssessment,
            ],
            ..input()
        }),
        vec!["services[2]", "services[3]"]
    );
    assert_eq!(
        parse(RequestInput {
            services: Stage::ConceptVerification.services(),
            ..input()
        })
        .unwrap()
        .services,
        Stage::ConceptVerification.services()
    );
    assert_eq!(
        parse(RequestInput {
            services: Stage::PilotScale.services(),
            ..pilot_input()
        })
        .unwrap()
        .services,
        Stage::PilotScale.services()
    );
}

#[test]
fn every_service_must_belong_to_the_requested_stage() {
    for service in Stage::PilotScale.services() {
        let err = parse(RequestInput {
            services: vec![Service::Prototype, service],
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["services[1]"], "{service}");
        assert_eq!(
            message_of(&err, "services[1]"),
            "not a service of the concept_verification stage"
        );
    }
    for service in Stage::ConceptVerification.services() {
        let err = parse(RequestInput {
            services: vec![service],
            ..pilot_input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["services[0]"], "{service}");
        assert_eq!(
            message_of(&err, "services[0]"),
            "not a service of the pilot_scale stage"
        );
    }
    // A repeated service of the wrong stage is reported as of the wrong stage each time.
    let err = parse(RequestInput {
        services: vec![Service::ScaleUp, Service::ScaleUp],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["services[0]", "services[1]"]);
    assert_eq!(
        message_of(&err, "services[1]"),
        "not a service of the concept_verification stage"
    );
}

#[test]
fn each_service_names_its_stage() {
    assert_eq!(
        Stage::ConceptVerification.services(),
        vec![
            Service::PrincipleValidation,
            Service::FeasibilityAssessment,
            Service::Prototype,
            Service::ScenarioValidation,
            Service::CommercialValidation,
        ]
    );
    assert_eq!(
        Stage::PilotScale.services(),
        vec![
            Service::MaturityAssessment,
            Service::TrialProduction,
            Service::ScenarioTesting,
            Service::ScaleUp,
            Service::ProcessValidation,
        ]
    );
    for service in Service::ALL.iter().copied() {
        assert!(service.stage().services().contains(&service), "{service}");
    }
}

#[test]
fn trl_target_is_a_trl_above_the_listings_current_one() {
    for bad in [0, 10, -1, i64::MAX, i64::MIN, 256 + 6] {
        let err = parse(RequestInput {
            trl_target: bad,
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["trl_target"], "{bad}");
        assert_eq!(
            message_of(&err, "trl_target"),
            "must be a TRL between 1 and 9"
        );
    }
    for not_above in [1, 3, 4] {
        let err = parse(RequestInput {
            trl_target: not_above,
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["trl_target"], "{not_above}");
        assert_eq!(
            message_of(&err, "trl_target"),
            "must be above the listing's current TRL (4)"
        );
    }
    for good in 5..=9 {
        assert_eq!(
            parse(RequestInput {
                trl_target: good,
                ..input()
            })
            .unwrap()
            .trl_target,
            trl(good)
        );
    }
    // A listing already at TRL 9 has nowhere to go.
    for target in 1..=9 {
        let err = RequestContent::parse(
            RequestInput {
                trl_target: target,
                ..input()
            },
            trl(9),
            today(),
        )
        .unwrap_err();
        assert_eq!(fields(err), vec!["trl_target"], "{target}");
    }
}

#[test]
fn the_budget_is_more_than_zero_and_at_most_the_maximum() {
    for bad in [0, -1, MAX_FEN + 1, i64::MIN, i64::MAX] {
        assert_eq!(
            invalid(RequestInput {
                budget_fen: bad,
                ..input()
            }),
            vec!["budget_fen"],
            "{bad}"
        );
    }
    for good in [1, MAX_FEN] {
        assert_eq!(
            parse(RequestInput {
                budget_fen: good,
                ..input()
            })
            .unwrap()
            .budget_fen,
            good
        );
    }
}

#[test]
fn the_schedule_starts_today_at_the_earliest_and_ends_on_or_after_its_start() {
    let schedule = |start: NaiveDate, end: NaiveDate| RequestInput {
        schedule: ScheduleInput { start, end },
        ..input()
    };
    // One day, today.
    assert_eq!(
        parse(schedule(today(), today())).unwrap().schedule,
        Schedule {
            start: today(),
            end: today()
        }
    );
    assert_eq!(
        invalid(schedule(date(2026, 5, 31), date(2026, 12, 31))),
        vec!["schedule.start"]
    );
    assert_eq!(
        invalid(schedule(date(2026, 7, 2), date(2026, 7, 1))),
        vec!["schedule.end"]
    );
    assert_eq!(
        invalid(schedule(date(2026, 5, 31), date(2026, 5, 30))),
        vec!["schedule.start", "schedule.end"]
    );
    // An end before today is reported through its start.
    assert_eq!(
        invalid(schedule(date(2026, 5, 1), date(2026, 5, 31))),
        vec!["schedule.start"]
    );
    assert!(parse(schedule(date(2026, 7, 1), date(2029, 2, 28))).is_ok());
}

#[test]
fn today_is_the_china_date_of_the_request() {
    // 2026-06-30T15:59:59Z is still 06-30 in China; 16:00 is 07-01 there.
    let starts_07_01 = RequestInput {
        schedule: ScheduleInput {
            start: date(2026, 7, 1),
            end: date(2026, 7, 31),
        },
        ..input()
    };
    let starts_06_30 = RequestInput {
        schedule: ScheduleInput {
            start: date(2026, 6, 30),
            end: date(2026, 7, 31),
        },
        ..input()
    };
    let last_of_june = china_date(utc("2026-06-30T15:59:59Z"));
    let first_of_july = china_date(utc("2026-06-30T16:00:00Z"));
    assert!(RequestContent::parse(starts_06_30.clone(), trl_before(), last_of_june).is_ok());
    assert_eq!(
        fields(RequestContent::parse(starts_06_30, trl_before(), first_of_july).unwrap_err()),
        vec!["schedule.start"]
    );
    assert!(RequestContent::parse(starts_07_01, trl_before(), first_of_july).is_ok());
}

#[test]
fn the_description_is_required_multiline_and_at_most_5000_characters() {
    for bad in [
        " \n\t ".to_string(),
        "述".repeat(5001),
        "bell\u{7}".to_string(),
    ] {
        assert_eq!(
            invalid(RequestInput {
                description: bad.clone(),
                ..input()
            }),
            vec!["description"],
            "{bad:?}"
        );
    }
    for good in ["第一段\n第二段".to_string(), "述".repeat(5000), "x".into()] {
        assert_eq!(
            parse(RequestInput {
                description: good.clone(),
                ..input()
            })
            .unwrap()
            .description,
            good
        );
    }
}

#[test]
fn input_deserializes_from_json_with_iso_dates_and_refuses_unknown_fields() {
    let body = json!({
        "stage": "pilot_scale",
        "listing_id": LISTING,
        "provider_organization_id": CENTRE,
        "services": ["maturity_assessment", "process_validation"],
        "trl_target": 7,
        "budget_fen": 120_000_000,
        "funding_source": "self_funded",
        "schedule": {"start": "2026-07-01", "end": "2027-06-30"},
        "description": "中试"
    });
    let i: RequestInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        i,
        RequestInput {
            stage: Stage::PilotScale,
            listing_id: LISTING,
            provider_organization_id: CENTRE,
            services: vec![Service::MaturityAssessment, Service::ProcessValidation],
            trl_target: 7,
            budget_fen: 120_000_000,
            funding_source: FundingSource::SelfFunded,
            schedule: ScheduleInput {
                start: date(2026, 7, 1),
                end: date(2027, 6, 30),
            },
            description: "中试".into(),
        }
    );
    assert_eq!(serde_json::to_value(&i).unwrap(), body);
    let c = parse(i).unwrap();
    assert_eq!((c.trl_before, c.trl_target), (trl(4), trl(7)));

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<RequestInput>(b)
    };
    assert!(with("/stage", json!("concept_verification")).is_ok());
    assert!(with("/stage", json!("PilotScale")).is_err());
    assert!(with("/services", json!(["sample_trial"])).is_err());
    assert!(with("/services", json!("scale_up")).is_err());
    for source in ["self_funded", "government", "enterprise", "mixed"] {
        assert!(with("/funding_source", json!(source)).is_ok(), "{source}");
    }
    assert!(with("/funding_source", json!("bank")).is_err());
    assert!(with("/listing_id", json!("not-a-uuid")).is_err());
    assert!(with("/trl_target", json!(6.5)).is_err());
    assert!(with("/budget_fen", json!("100")).is_err());
    assert!(with("/schedule/start", json!("2026-07-01T00:00:00Z")).is_err());
    assert!(with("/schedule/end", json!("2026-02-30")).is_err());
    assert!(with("/schedule", json!({"start": "2026-07-01"})).is_err());
    assert!(with(
        "/schedule",
        json!({"start": "2026-07-01", "end": "2026-07-02", "days": 2})
    )
    .is_err());
    // The current TRL comes from the listing, never from the body.
    for unknown in ["trl_before", "status", "requester_id"] {
        let mut b = body.clone();
        b[unknown] = json!(1);
        assert!(
            serde_json::from_value::<RequestInput>(b).is_err(),
            "{unknown}"
        );
    }
    for required in [
        "stage",
        "listing_id",
        "provider_organization_id",
        "services",
        "trl_target",
        "budget_fen",
        "funding_source",
        "schedule",
        "description",
    ] {
        let mut b = body.clone();
        b.as_object_mut().unwrap().remove(required);
        assert!(
            serde_json::from_value::<RequestInput>(b).is_err(),
            "{required}"
        );
    }
}

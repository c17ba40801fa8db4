//! Events, state, actions and codes on the wire.

use super::*;
use crate::domain::code::assert_serde_agrees;
use crate::domain::Code;

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(VerificationEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "requested",
            "accepted",
            "milestone_reported",
            "completed",
            "declined",
            "cancelled"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <VerificationEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(
            serde_json::from_value::<VerificationEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: provider(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<VerificationEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    let shapes = [
        json!({
            "type": "requested",
            "requester_id": requester().user_id,
            "requester_organization_id": LAB,
            "content": {
                "stage": "concept_verification",
                "listing_id": LISTING,
                "provider_organization_id": CENTRE,
                "services": ["principle_validation", "prototype"],
                "trl_before": 4,
                "trl_target": 6,
                "budget_fen": 50_000_000,
                "funding_source": "government",
                "schedule": {"start": "2026-07-01", "end": "2026-12-31"},
                "description": "验证钠离子电池低温电解液的原理并制作原型。"
            }
        }),
        json!({"type": "accepted", "note": "ok"}),
        json!({"type": "milestone_reported", "milestone": {
            "id": M1, "title": "原型", "description": "", "progress_percent": 60,
            "reported_at": "2026-06-01T01:00:00Z"
        }}),
        json!({"type": "completed", "outcome": "success", "trl_after": 6, "report": "done"}),
        json!({"type": "declined", "reason": "busy"}),
        json!({"type": "cancelled", "reason": "money"}),
    ];
    for (event, shape) in all_events().into_iter().zip(shapes) {
        assert_eq!(serde_json::to_value(&event).unwrap(), shape);
    }
    assert_eq!(
        serde_json::to_value(VerificationEvent::Accepted { note: None }).unwrap(),
        json!({"type": "accepted", "note": null})
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let s = in_status(VerificationStatus::Completed);
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<VerificationState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(VerificationState::default()).unwrap(),
        json!({"request": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["request"]["status"], "completed");
    assert_eq!(value["request"]["outcome"], "success");
    assert_eq!(value["request"]["trl_after"], 6);
    assert_eq!(value["request"]["milestones"][0]["id"], json!(M1));
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action() {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<VerificationAction>(value).unwrap(),
            action
        );
    }
    assert_eq!(
        serde_json::to_value(accept(None)).unwrap(),
        json!({"type": "accept", "note": null})
    );
}

#[test]
fn enums_serialize_as_snake_case_and_parse_back() {
    assert_serde_agrees::<Stage>();
    assert_serde_agrees::<Service>();
    assert_serde_agrees::<VerificationStatus>();
    assert_serde_agrees::<Outcome>();
    assert_serde_agrees::<FundingSource>();
    assert_display_is_the_code::<Stage>();
    assert_display_is_the_code::<Service>();
    assert_display_is_the_code::<VerificationStatus>();
    assert_display_is_the_code::<Outcome>();
    assert_display_is_the_code::<FundingSource>();

    // The codes themselves are what the API and the store hold.
    assert_eq!(codes::<Stage>(), ["concept_verification", "pilot_scale"]);
    assert_eq!(
        codes::<Service>(),
        [
            "principle_validation",
            "feasibility_assessment",
            "prototype",
            "scenario_validation",
            "commercial_validation",
            "maturity_assessment",
            "trial_production",
            "scenario_testing",
            "scale_up",
            "process_validation",
        ]
    );
    assert_eq!(
        codes::<VerificationStatus>(),
        [
            "requested",
            "accepted",
            "declined",
            "in_progress",
            "completed",
            "cancelled"
        ]
    );
    assert_eq!(
        VerificationStatus::ALL
            .iter()
            .map(|s| s.is_final())
            .collect::<Vec<_>>(),
        [false, false, true, false, true, true]
    );
    assert_eq!(codes::<Outcome>(), ["success", "failure"]);
    assert_eq!(
        codes::<FundingSource>(),
        ["self_funded", "government", "enterprise", "mixed"]
    );
    assert_eq!(Stage::parse("PilotScale"), None);
    assert_eq!(Service::parse("sample_trial"), None);
    assert_eq!(VerificationStatus::parse("in-progress"), None);
    assert_eq!(Outcome::parse("partial"), None);
    assert_eq!(FundingSource::parse("self"), None);
}

/// The codes of `T`, in declaration order.
fn codes<T: Code>() -> Vec<&'static str> {
    T::all().iter().map(|code| code.as_str()).collect()
}

/// `Display` is derived apart from the code table, so it is checked apart.
fn assert_display_is_the_code<T: Code + std::fmt::Display>() {
    for code in T::all() {
        assert_eq!(code.to_string(), code.as_str());
    }
}

#[test]
fn the_global_log_names_verification_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: provider(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), provider());
    }
    assert_eq!(VerificationRequest::NAME, "verification_request");
}

//! A whole story and its timestamps; the events' names and JSON; the codes.

use esrs::Aggregate;
use serde_json::json;

use super::*;
use crate::domain::code::assert_serde_agrees;
use crate::domain::Code;

// =============================================================================================
// A whole story, and timestamps

#[test]
fn an_open_call_from_draft_to_winner() {
    let mut s = draft_of(content(DemandKind::TechnicalProblem));
    s.ok(owner(), DemandAction::Revise(content(DemandKind::OpenCall)));
    let published_at = s.now;
    s.ok(owner(), DemandAction::Publish);
    s.ok(researcher(), apply(APP1, "方案一"));
    s.ok(
        other_researcher(),
        DemandAction::Apply {
            application_id: APP2,
            proposal: "方案二".into(),
            listing_id: Some(LISTING),
        },
    );
    let revised = DemandContent {
        keywords: vec!["钠电池".into()],
        ..content(DemandKind::OpenCall)
    };
    s.ok(owner(), DemandAction::Revise(revised.clone()));
    let last = s.now;
    s.ok_all(owner(), select(APP2));

    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Fulfilled));
    assert_eq!(d.content, revised);
    assert_eq!(d.winner, Some(APP2));
    assert_eq!(d.application(APP2).unwrap().listing_id, Some(LISTING));
    assert_eq!(d.created_at, t0());
    assert_eq!(d.published_at, Some(published_at));
    assert_eq!((d.closed_at, d.updated_at), (Some(last), last));
    assert_eq!(last, t0() + TimeDelta::hours(6));
    assert!(!d.is_open_on(china_date(last)));
}

#[test]
fn every_event_moves_updated_at_to_its_recorded_instant() {
    let mut state = Demand::apply_event(
        DemandState::default(),
        Recorded {
            actor: owner(),
            at: t0(),
            event: all_events().remove(0),
        },
    );
    for (n, event) in all_events().into_iter().skip(1).enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64 + 1);
        state = Demand::apply_event(
            state,
            Recorded {
                actor: owner(),
                at,
                event: event.clone(),
            },
        );
        let d = state.demand.as_ref().unwrap();
        assert_eq!((d.created_at, d.updated_at), (t0(), at), "{}", event.name());
        match event {
            DemandEvent::Published => assert_eq!(d.published_at, Some(at)),
            DemandEvent::Closed { .. } | DemandEvent::Expired => {
                assert_eq!(d.closed_at, Some(at))
            }
            _ => {}
        }
    }
}

#[test]
fn expired_after_a_closed_note_clears_the_note_and_records_expiry() {
    // Replaying the log exactly: each close event sets its own reason and note.
    let mut state = with_application().state;
    for event in [
        DemandEvent::Closed {
            reason: CloseReason::Cancelled,
            note: Some("n".into()),
        },
        DemandEvent::Expired,
    ] {
        state = Demand::apply_event(
            state,
            Recorded {
                actor: system(),
                at: t0(),
                event,
            },
        );
    }
    let d = state.demand.unwrap();
    assert_eq!(
        (d.close_reason, d.close_note),
        (Some(CloseReason::Expired), None)
    );
}

// =============================================================================================
// Events and enums: names, serde

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(DemandEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "created",
            "revised",
            "published",
            "applied",
            "winner_selected",
            "closed",
            "expired"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <DemandEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(serde_json::from_value::<DemandEvent>(value).unwrap(), event);
        let recorded = Recorded {
            actor: owner(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<DemandEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    assert_eq!(
        serde_json::to_value(DemandEvent::Published).unwrap(),
        json!({"type": "published"})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::Expired).unwrap(),
        json!({"type": "expired"})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::Closed {
            reason: CloseReason::Cancelled,
            note: None
        })
        .unwrap(),
        json!({"type": "closed", "reason": "cancelled", "note": null})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::WinnerSelected {
            application_id: APP1,
            applicant_id: researcher().user_id
        })
        .unwrap(),
        json!({"type": "winner_selected", "application_id": APP1, "applicant_id": researcher().user_id})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::Applied {
            application: application()
        })
        .unwrap(),
        json!({"type": "applied", "application": {
            "id": APP1, "applicant_id": researcher().user_id, "applicant_organization_id": LAB,
            "listing_id": LISTING, "proposal": "方案", "applied_at": "2026-06-01T01:00:00Z"
        }})
    );
    let created = serde_json::to_value(&all_events()[0]).unwrap();
    assert_eq!(created["owner_organization_id"], json!(COMPANY));
    assert_eq!(
        created["content"],
        json!({
            "kind": "open_call",
            "title": "Low-temperature performance of sodium batteries",
            "description": "钠离子电池在零下20度容量衰减严重，寻求解决方案。",
            "field": "new_energy",
            "keywords": ["sodium battery", "low temperature"],
            "budget_min_fen": 50_000_000,
            "budget_max_fen": 200_000_000,
            "cooperation_modes": ["commissioned_development", "license"],
            "region": "500112",
            "valid_until": "2026-12-31",
            "trl_min": 4,
            "open_call": {
                "bounty_fen": 300_000_000,
                "deadline": "2026-11-30",
                "acceptance_criteria": "Capacity retention ≥ 85% at −20 °C over 500 cycles."
            }
        })
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let mut s = with_application();
    s.ok_all(owner(), select(APP1));
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(serde_json::from_str::<DemandState>(&text).unwrap(), s.state);
    assert_eq!(
        serde_json::to_value(DemandState::default()).unwrap(),
        json!({"demand": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["demand"]["status"], "closed");
    assert_eq!(value["demand"]["close_reason"], "fulfilled");
    assert_eq!(value["demand"]["winner"], json!(APP1));
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action_but_create()
        .into_iter()
        .chain([DemandAction::Create(content(DemandKind::OpenCall))])
    {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<DemandAction>(value).unwrap(),
            action
        );
    }
}

/// The codes of `T` as text, in declaration order.
fn codes<T: Code>() -> Vec<&'static str> {
    T::all().iter().map(|&c| c.as_str()).collect()
}

/// Display is derived apart from the table: it must name each code the same way.
fn displays_as_its_code<T: Code + std::fmt::Display>() {
    for &c in T::all() {
        assert_eq!(c.to_string(), c.as_str());
    }
}

#[test]
fn statuses_and_enums_serialize_as_snake_case() {
    assert_serde_agrees::<DemandStatus>();
    displays_as_its_code::<DemandStatus>();
    assert_eq!(codes::<DemandStatus>(), ["draft", "published", "closed"]);
    assert_eq!(DemandStatus::parse("archived"), None);
    assert_serde_agrees::<DemandKind>();
    displays_as_its_code::<DemandKind>();
    assert_eq!(
        codes::<DemandKind>(),
        ["technical_problem", "scene", "open_call"]
    );
    assert_eq!(DemandKind::parse("OpenCall"), None);
    assert_serde_agrees::<CloseReason>();
    displays_as_its_code::<CloseReason>();
    assert_eq!(
        codes::<CloseReason>(),
        ["fulfilled", "expired", "cancelled"]
    );
    assert_serde_agrees::<CooperationMode>();
    displays_as_its_code::<CooperationMode>();
    assert_eq!(
        codes::<CooperationMode>(),
        [
            "assignment",
            "license",
            "joint_development",
            "commissioned_development",
            "equity_investment",
            "technical_service"
        ]
    );
}

#[test]
fn the_global_log_names_demand_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: system(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), system());
    }
    assert_eq!(Demand::NAME, "demand");
}

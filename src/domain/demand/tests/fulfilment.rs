//! Fulfilment by a registered contract: the platform closes a published demand a registered
//! contract names; nobody else may, and nothing but a published demand is.

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};

const CONTRACT: Uuid = Uuid::from_u128(0xC0);

fn fulfil() -> DemandAction {
    DemandAction::FulfilByContract {
        contract_id: CONTRACT,
    }
}

#[test]
fn a_registered_contract_fulfils_a_published_demand_of_any_kind() {
    for kind in DemandKind::ALL.iter().copied() {
        let mut s = in_status(DemandStatus::Published, kind);
        let published_at = s.demand().published_at;
        let at = s.now;
        assert_eq!(
            s.ok(system(), fulfil()),
            DemandEvent::FulfilledByContract {
                contract_id: CONTRACT
            },
            "{kind}"
        );
        let d = s.demand();
        assert_eq!(
            (d.status, d.close_reason, d.close_note.as_deref()),
            (DemandStatus::Closed, Some(CloseReason::Fulfilled), None),
            "{kind}"
        );
        assert_eq!((d.closed_at, d.updated_at), (Some(at), at));
        assert_eq!(d.published_at, published_at);
        assert_eq!(d.winner, None);
        // Still public: the record of what the market asked for, and got.
        assert!(d.is_visible_to(None));
    }
}

#[test]
fn a_demand_past_its_last_day_but_not_yet_expired_is_fulfilled_too() {
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    s.at(utc(FIRST_EXPIRED_INSTANT)).ok(system(), fulfil());
    assert_eq!(s.demand().close_reason, Some(CloseReason::Fulfilled));
}

#[test]
fn only_the_platform_fulfils_a_demand_by_contract() {
    for (who, actor) in everyone_but(&["system"]) {
        let err = in_status(DemandStatus::Published, DemandKind::Scene).refused(actor, fulfil());
        assert_forbidden(err, who);
    }
}

#[test]
fn a_draft_is_not_fulfilled() {
    let err = in_status(DemandStatus::Draft, DemandKind::Scene).refused(system(), fulfil());
    assert_conflict(err, "it is draft");
}

#[test]
fn a_closed_demand_stays_as_it_closed() {
    for reason in CloseReason::ALL.iter().copied() {
        let err = closed_by(reason).refused(system(), fulfil());
        assert_conflict(err, "it is closed");
    }
}

#[test]
fn the_same_contract_delivered_twice_fulfils_once() {
    // The policy that issues the command is at-least-once.
    let mut s = in_status(DemandStatus::Published, DemandKind::TechnicalProblem);
    s.ok(system(), fulfil());
    let err = s.refused(system(), fulfil());
    assert_conflict(err, "must be published to be fulfilled");
    assert_eq!(
        s.history
            .iter()
            .filter(|r| matches!(r.event, DemandEvent::FulfilledByContract { .. }))
            .count(),
        1
    );
}

#[test]
fn the_event_is_named_and_round_trips_through_json() {
    let event = DemandEvent::FulfilledByContract {
        contract_id: CONTRACT,
    };
    assert_eq!(event.name(), "fulfilled_by_contract");
    let value = serde_json::to_value(&event).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"type": "fulfilled_by_contract", "contract_id": CONTRACT})
    );
    assert_eq!(serde_json::from_value::<DemandEvent>(value).unwrap(), event);
}

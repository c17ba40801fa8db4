//! Registered contracts naming a listing: which end its availability (it is transferred) and
//! which are recorded on it while it stays published; who records them, on which listings, and
//! that a contract delivered twice counts once.

use esrs::Aggregate;

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};
use crate::domain::Command;

const OTHER_CONTRACT: Uuid = Uuid::from_u128(0xC1);

fn record(contract_id: Uuid, contract_type: &str, subtype: Option<&str>) -> ListingAction {
    ListingAction::RecordContract {
        contract_id,
        contract_type: contract_type.into(),
        subtype: subtype.map(Into::into),
    }
}

/// A published listing offering `modes`.
fn published_offering(modes: &[TransferMode]) -> Story {
    let mut input = input();
    input.transfer_modes = modes.to_vec();
    in_status_of(parse(input).unwrap(), ListingStatus::Published)
}

#[test]
fn an_assignment_or_an_exclusive_licence_transfers_the_listing() {
    for (ty, sub) in [
        ("transfer", Some("patent_right")),
        ("transfer", Some("patent_application_right")),
        ("transfer", Some("technical_secret")),
        ("transfer", Some("other")),
        ("license", Some("exclusive")),
    ] {
        let mut s = in_status(ListingStatus::Published, false);
        assert_eq!(
            s.ok(Actor::system(), record(CONTRACT, ty, sub)),
            ListingEvent::Transferred {
                contract_id: CONTRACT
            },
            "{ty} {sub:?}"
        );
        assert_eq!(s.status(), ListingStatus::Transferred);
        assert_eq!(s.listing().transferred_by_contract, Some(CONTRACT));
        assert!(s.listing().contracts.is_empty());
    }
}

#[test]
fn other_contracts_are_recorded_and_the_listing_stays_published() {
    let cases = [
        ("license", Some("non_exclusive")),
        ("development", Some("commissioned")),
        ("development", Some("cooperative")),
        ("consulting", None),
        ("service", Some("service")),
        ("service", Some("training")),
    ];
    let mut s = in_status(ListingStatus::Published, true);
    let mut expected = Vec::new();
    for (n, (ty, sub)) in cases.into_iter().enumerate() {
        let id = Uuid::from_u128(0xC00 + n as u128);
        let at = s.now;
        assert_eq!(
            s.ok(registrar(), record(id, ty, sub)),
            ListingEvent::ContractRecorded {
                contract_id: id,
                contract_type: ty.into(),
                subtype: sub.map(Into::into),
            }
        );
        expected.push(RecordedContract {
            contract_id: id,
            contract_type: ty.into(),
            subtype: sub.map(Into::into),
            recorded_at: at,
        });
        assert_eq!(s.status(), ListingStatus::Published, "{ty} {sub:?}");
        assert_eq!(s.listing().updated_at, at);
    }
    assert_eq!(s.listing().contracts, expected);
    assert_eq!(s.listing().transferred_by_contract, None);
    // Still for everyone to see, and still open to the next buyer: an assignment now ends it.
    assert!(s.listing().is_visible_to(None));
    s.ok(
        Actor::system(),
        record(OTHER_CONTRACT, "transfer", Some("other")),
    );
    assert_eq!(s.status(), ListingStatus::Transferred);
    assert_eq!(s.listing().contracts.len(), cases.len());
}

#[test]
fn a_sole_licence_ends_a_listing_that_offers_nothing_but_licences() {
    use TransferMode::*;
    for modes in [
        vec![SoleLicense],
        vec![ExclusiveLicense, SoleLicense],
        vec![SoleLicense, NonExclusiveLicense],
    ] {
        let mut s = published_offering(&modes);
        s.ok(Actor::system(), record(CONTRACT, "license", Some("sole")));
        assert_eq!(s.status(), ListingStatus::Transferred, "{modes:?}");
    }
}

#[test]
fn a_sole_licence_is_recorded_where_the_listing_offers_more_than_licences() {
    use TransferMode::*;
    for modes in [
        vec![Assignment, SoleLicense],
        vec![SoleLicense, EquityInvestment],
        vec![SoleLicense, JointDevelopment],
    ] {
        let mut s = published_offering(&modes);
        let event = s.ok(Actor::system(), record(CONTRACT, "license", Some("sole")));
        assert!(
            matches!(event, ListingEvent::ContractRecorded { .. }),
            "{modes:?}"
        );
        assert_eq!(s.status(), ListingStatus::Published, "{modes:?}");
    }
}

#[test]
fn what_ends_a_listing_follows_the_type_not_the_offered_modes() {
    // The registrar registered the contract; a listing offering only licences is still
    // assigned by an assignment, and one offering assignment keeps non-exclusive licensees.
    let content = content(false);
    assert!(content.is_ended_by("transfer", Some("patent_right")));
    assert!(content.is_ended_by("license", Some("exclusive")));
    assert!(!content.is_ended_by("license", Some("non_exclusive")));
    assert!(!content.is_ended_by("license", None));
    assert!(!content.is_ended_by("development", Some("cooperative")));
    let mut s = published_offering(&[TransferMode::NonExclusiveLicense]);
    s.ok(
        Actor::system(),
        record(CONTRACT, "transfer", Some("patent_right")),
    );
    assert_eq!(s.status(), ListingStatus::Transferred);
}

#[test]
fn only_a_registrar_or_the_platform_records_a_contract() {
    for (who, actor) in everyone_but(&["registrar"]) {
        let err = in_status(ListingStatus::Published, true)
            .refused(actor, record(CONTRACT, "license", Some("non_exclusive")));
        assert_forbidden(err, who);
    }
}

#[test]
fn only_a_published_listing_takes_a_contract() {
    for status in statuses_except(&[ListingStatus::Published]) {
        for (ty, sub) in [("transfer", Some("patent_right")), ("consulting", None)] {
            let err =
                in_status(status, false).refused(Actor::system(), record(OTHER_CONTRACT, ty, sub));
            assert_conflict(err, status.as_str());
        }
    }
}

#[test]
fn a_contract_delivered_again_appends_nothing() {
    // The transfer policy is at-least-once: the same registration may arrive twice.
    let run = |state: &ListingState, action: ListingAction| {
        Listing::handle_command(state, Command::new(Actor::system(), t0(), action)).unwrap()
    };
    let mut s = in_status(ListingStatus::Published, false);
    s.ok(Actor::system(), record(CONTRACT, "consulting", None));
    assert!(run(&s.state, record(CONTRACT, "consulting", None)).is_empty());
    // Whatever type it is said to be the second time: the first delivery decided.
    assert!(run(&s.state, record(CONTRACT, "transfer", Some("other"))).is_empty());
    s.ok(
        Actor::system(),
        record(OTHER_CONTRACT, "transfer", Some("other")),
    );
    assert!(run(&s.state, record(OTHER_CONTRACT, "transfer", Some("other"))).is_empty());
    assert_eq!(s.listing().contracts.len(), 1);
}

#[test]
fn the_new_event_is_named_and_round_trips_through_json() {
    let event = ListingEvent::ContractRecorded {
        contract_id: CONTRACT,
        contract_type: "license".into(),
        subtype: Some("non_exclusive".into()),
    };
    assert_eq!(event.name(), "contract_recorded");
    let value = serde_json::to_value(&event).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"type": "contract_recorded", "contract_id": CONTRACT,
            "contract_type": "license", "subtype": "non_exclusive"})
    );
    assert_eq!(
        serde_json::from_value::<ListingEvent>(value).unwrap(),
        event
    );
    assert_eq!(event.redacted(), event);
}

#[test]
fn a_listing_stored_before_contracts_were_recorded_reads_back_with_none() {
    let s = in_status(ListingStatus::Published, false);
    let mut value = serde_json::to_value(s.listing()).unwrap();
    value.as_object_mut().unwrap().remove("contracts");
    let back: ListingData = serde_json::from_value(value).unwrap();
    assert_eq!(&back, s.listing());
}

//! Events, state, actions and codes on the wire.

use super::*;
use crate::domain::code::assert_serde_agrees;
use crate::domain::Code;

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(NegotiationEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "opened",
            "broker_assigned",
            "nda_signed",
            "nda_signed",
            "offer_made",
            "agreed",
            "abandoned",
            "expired"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <NegotiationEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(
            serde_json::from_value::<NegotiationEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: buyer(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<NegotiationEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    let b = buyer().user_id;
    let sl = seller().user_id;
    let shapes = [
        (
            all_events()[0].clone(),
            json!({"type": "opened", "listing_id": LISTING, "demand_id": DEMAND,
                   "buyer_id": b, "buyer_organization_id": COMPANY,
                   "seller_id": sl, "seller_organization_id": LAB, "message": "hello"}),
        ),
        (
            NegotiationEvent::BrokerAssigned {
                broker_id: broker().user_id,
            },
            json!({"type": "broker_assigned", "broker_id": broker().user_id}),
        ),
        (
            NegotiationEvent::NdaSigned { side: Side::Seller },
            json!({"type": "nda_signed", "side": "seller"}),
        ),
        (
            NegotiationEvent::OfferMade {
                offer: offer_of(OFFER1, Side::Seller),
            },
            json!({"type": "offer_made", "offer": {
                "id": OFFER1, "side": "seller", "made_by": sl,
                "terms": {
                    "contract_type": "license", "contract_subtype": "exclusive",
                    "price_fen": 500_000_000, "payment": {"kind": "royalty", "rate_bp": 350},
                    "term_months": 60, "territory": "中国大陆", "exclusivity": "exclusive"
                },
                "made_at": "2026-06-01T01:00:00Z"
            }}),
        ),
        (
            NegotiationEvent::Agreed { offer_id: OFFER1 },
            json!({"type": "agreed", "offer_id": OFFER1}),
        ),
        (
            NegotiationEvent::Abandoned {
                reason: AbandonReason::CommercialRouteUnclear,
                note: None,
            },
            json!({"type": "abandoned", "reason": "commercial_route_unclear", "note": null}),
        ),
        (NegotiationEvent::Expired, json!({"type": "expired"})),
    ];
    for (event, shape) in shapes {
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            shape,
            "{}",
            event.name()
        );
    }
}

#[test]
fn the_state_round_trips_through_json() {
    let s = closed(NegotiationStatus::Agreed);
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<NegotiationState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(NegotiationState::default()).unwrap(),
        json!({"negotiation": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["negotiation"]["status"], "agreed");
    assert_eq!(value["negotiation"]["agreed_offer_id"], json!(OFFER1));
    assert_eq!(value["negotiation"]["broker_id"], json!(broker().user_id));
    assert_eq!(
        value["negotiation"]["offers"][0]["terms"]["payment"]["kind"],
        "royalty"
    );
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action_but_open().into_iter().chain([
        open_action(),
        offer_for(OFFER3, terms(), Side::Seller),
        NegotiationAction::Abandon {
            reason: AbandonReason::Other,
            note: Some("n".into()),
        },
    ]) {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<NegotiationAction>(value).unwrap(),
            action
        );
    }
    assert_eq!(
        serde_json::to_value(NegotiationAction::SignNda).unwrap(),
        json!({"type": "sign_nda"})
    );
}

#[test]
fn enums_serialize_as_snake_case_and_parse_back() {
    assert_serde_agrees::<Side>();
    assert_serde_agrees::<NegotiationStatus>();
    assert_serde_agrees::<AbandonReason>();
    assert_serde_agrees::<Exclusivity>();
    assert_display_is_the_code::<Side>();
    assert_display_is_the_code::<NegotiationStatus>();
    assert_display_is_the_code::<AbandonReason>();
    assert_display_is_the_code::<Exclusivity>();

    // The codes themselves are what the API and the store hold.
    assert_eq!(codes::<Side>(), ["buyer", "seller"]);
    assert_eq!(
        codes::<NegotiationStatus>(),
        ["open", "agreed", "abandoned", "expired"]
    );
    assert_eq!(
        codes::<AbandonReason>(),
        [
            "too_early_stage",
            "benefit_unclear",
            "commercial_route_unclear",
            "price",
            "terms",
            "other"
        ]
    );
    assert_eq!(
        codes::<Exclusivity>(),
        ["exclusive", "sole", "non_exclusive"]
    );
    assert_eq!(Side::parse("broker"), None);
    assert_eq!(NegotiationStatus::parse("Open"), None);

    for side in Side::ALL.iter().copied() {
        assert_eq!(side.other().other(), side);
        assert_ne!(side.other(), side);
    }
    for status in NegotiationStatus::ALL.iter().copied() {
        assert_eq!(status.is_closed(), status != NegotiationStatus::Open);
    }
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
fn the_global_log_names_negotiation_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: seller(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), seller());
    }
    assert_eq!(Negotiation::NAME, "negotiation");
}

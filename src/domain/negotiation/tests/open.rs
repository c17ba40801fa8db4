//! Opening a negotiation, and what needs one to exist.

use super::*;

// =============================================================================================
// Existence

#[test]
fn every_action_but_open_needs_an_existing_negotiation() {
    for action in every_action_but_open() {
        for (who, actor) in everyone() {
            let mut s = story();
            assert_eq!(
                s.refused(actor, action.clone()),
                DomainError::NotFound,
                "{who} {action:?}"
            );
            assert_eq!(s.state.negotiation, None);
        }
    }
}

#[test]
fn open_on_an_existing_negotiation_conflicts() {
    for status in NegotiationStatus::ALL.iter().copied() {
        let mut s = closed(status);
        for (who, actor) in [("buyer", buyer()), ("outsider", outsider_enterprise())] {
            let err = s.refused(actor, open_action());
            assert_eq!(
                err,
                DomainError::conflict("negotiation already exists"),
                "{who} {status}"
            );
        }
    }
}

#[test]
fn applying_anything_but_opened_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: buyer(),
            at: t0(),
            event,
        };
        assert_eq!(
            Negotiation::apply_event(NegotiationState::default(), recorded).negotiation,
            None
        );
    }
}

// =============================================================================================
// Open

#[test]
fn an_enterprise_opens_a_negotiation_as_the_buyer() {
    let mut s = story();
    let events = s.try_run(buyer(), open_action()).unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: buyer(),
            at: t0(),
            event: NegotiationEvent::Opened {
                listing_id: LISTING,
                demand_id: Some(DEMAND),
                buyer_id: buyer().user_id,
                buyer_organization_id: Some(COMPANY),
                seller_id: seller().user_id,
                seller_organization_id: Some(LAB),
                message: OPENING_MESSAGE.into(),
            },
        }]
    );
    assert_eq!(
        s.negotiation(),
        &NegotiationData {
            listing_id: LISTING,
            demand_id: Some(DEMAND),
            buyer_id: buyer().user_id,
            buyer_organization_id: Some(COMPANY),
            seller_id: seller().user_id,
            seller_organization_id: Some(LAB),
            broker_id: None,
            status: NegotiationStatus::Open,
            buyer_signed_nda_at: None,
            seller_signed_nda_at: None,
            offers: vec![],
            agreed_offer_id: None,
            abandon_reason: None,
            abandon_note: None,
            message: OPENING_MESSAGE.into(),
            created_at: t0(),
            updated_at: t0(),
            last_activity_at: t0(),
            closed_at: None,
        }
    );
}

#[test]
fn a_negotiation_may_open_without_a_demand_an_organization_or_a_message() {
    let loner = cast::person(50, Role::Enterprise, None);
    let mut s = story();
    let event = s.ok(
        loner,
        NegotiationAction::Open {
            listing_id: LISTING,
            demand_id: None,
            seller_id: seller().user_id,
            seller_organization_id: None,
            message: "   ".into(),
        },
    );
    assert_eq!(
        event,
        NegotiationEvent::Opened {
            listing_id: LISTING,
            demand_id: None,
            buyer_id: loner.user_id,
            buyer_organization_id: None,
            seller_id: seller().user_id,
            seller_organization_id: None,
            message: String::new(),
        }
    );
}

#[test]
fn only_an_enterprise_opens() {
    for (who, actor) in everyone_but(&["buyer", "buyer_colleague", "outsider_enterprise"]) {
        assert_forbidden(story().refused(actor, open_action()), who);
    }
    for actor in [buyer_colleague(), outsider_enterprise()] {
        let mut s = story();
        s.ok(actor, open_action());
        assert_eq!(s.negotiation().buyer_id, actor.user_id);
    }
}

#[test]
fn the_buyer_may_not_be_the_seller() {
    let err = story().refused(
        buyer(),
        NegotiationAction::Open {
            listing_id: LISTING,
            demand_id: None,
            seller_id: buyer().user_id,
            seller_organization_id: Some(COMPANY),
            message: "hi".into(),
        },
    );
    assert_eq!(
        err,
        DomainError::forbidden("nobody negotiates with themselves")
    );
}

#[test]
fn the_opening_message_is_at_most_2000_characters() {
    let with_message = |message: String| NegotiationAction::Open {
        listing_id: LISTING,
        demand_id: None,
        seller_id: seller().user_id,
        seller_organization_id: None,
        message,
    };
    for bad in ["话".repeat(2001), "bell\u{7}".to_string()] {
        assert_eq!(
            fields(story().refused(buyer(), with_message(bad))),
            vec!["message"]
        );
    }
    let mut s = story();
    s.ok(buyer(), with_message("话".repeat(2000)));
    assert_eq!(s.negotiation().message.chars().count(), 2000);
    let mut s = story();
    s.ok(buyer(), with_message("第一段\n第二段".into()));
    assert_eq!(s.negotiation().message, "第一段\n第二段");
}

#[test]
fn open_checks_the_actor_before_the_message() {
    let bad = NegotiationAction::Open {
        listing_id: LISTING,
        demand_id: None,
        seller_id: seller().user_id,
        seller_organization_id: None,
        message: "话".repeat(2001),
    };
    assert_forbidden(story().refused(seller(), bad.clone()), "seller");
    let self_dealing = NegotiationAction::Open {
        listing_id: LISTING,
        demand_id: None,
        seller_id: buyer().user_id,
        seller_organization_id: None,
        message: "话".repeat(2001),
    };
    assert_forbidden(story().refused(buyer(), self_dealing), "buyer");
}

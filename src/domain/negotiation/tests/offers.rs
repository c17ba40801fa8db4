//! Making offers and counter-offers.

use super::*;

#[test]
fn a_party_makes_an_offer_for_its_own_side() {
    for (party, side) in [(buyer(), Side::Buyer), (seller(), Side::Seller)] {
        for on_behalf_of in [None, Some(side)] {
            let mut s = opened();
            let at = s.now;
            let event = s.ok(
                party,
                NegotiationAction::MakeOffer {
                    offer_id: OFFER1,
                    terms: terms(),
                    on_behalf_of,
                    offered_modes: offered(),
                },
            );
            let expected = Offer {
                id: OFFER1,
                side,
                made_by: party.user_id,
                terms: terms(),
                made_at: at,
            };
            assert_eq!(
                event,
                NegotiationEvent::OfferMade {
                    offer: expected.clone()
                }
            );
            let n = s.negotiation();
            assert_eq!(n.offers, vec![expected.clone()]);
            assert_eq!(n.latest_offer(), Some(&expected));
            assert_eq!(n.offer(OFFER1), Some(&expected));
            assert_eq!(n.status, NegotiationStatus::Open);
            assert_eq!((n.updated_at, n.last_activity_at), (at, at));
        }
    }
}

#[test]
fn a_party_may_not_offer_for_the_other_side() {
    for (party, other) in [(buyer(), Side::Seller), (seller(), Side::Buyer)] {
        let err = opened().refused(party, offer_for(OFFER1, terms(), other));
        assert_eq!(fields(err.clone()), vec!["on_behalf_of"]);
        assert!(message_of(&err, "on_behalf_of").contains("its own side"));
    }
}

#[test]
fn the_broker_offers_on_behalf_of_a_side_which_must_be_named() {
    let mut s = brokered();
    let err = s.refused(broker(), offer(OFFER1, terms()));
    assert_eq!(
        err,
        DomainError::invalid(
            "on_behalf_of",
            "the broker must say which side the offer is for"
        )
    );
    for (id, side) in [(OFFER1, Side::Seller), (OFFER2, Side::Buyer)] {
        let at = s.now;
        assert_eq!(
            s.ok(broker(), offer_for(id, terms(), side)),
            NegotiationEvent::OfferMade {
                offer: Offer {
                    id,
                    side,
                    made_by: broker().user_id,
                    terms: terms(),
                    made_at: at,
                }
            }
        );
    }
    assert_eq!(s.negotiation().offers.len(), 2);
}

#[test]
fn an_offer_id_is_used_once() {
    let mut s = with_seller_offer();
    for (actor, side) in [
        (buyer(), None),
        (seller(), None),
        (broker(), Some(Side::Buyer)),
    ] {
        let err = s.refused(
            actor,
            NegotiationAction::MakeOffer {
                offer_id: OFFER1,
                terms: priced(1),
                on_behalf_of: side,
                offered_modes: offered(),
            },
        );
        assert_eq!(
            err,
            DomainError::conflict(format!("offer {OFFER1} already exists"))
        );
    }
}

#[test]
fn a_side_may_revise_its_own_offer_before_the_other_answers() {
    let mut s = opened();
    s.ok(seller(), offer(OFFER1, priced(900)));
    s.ok(seller(), offer(OFFER2, priced(800)));
    let n = s.negotiation();
    assert_eq!(n.latest_offer().unwrap().id, OFFER2);
    assert_eq!(
        n.offers.iter().map(|o| o.side).collect::<Vec<_>>(),
        vec![Side::Seller, Side::Seller]
    );
}

#[test]
fn no_offer_is_made_on_an_agreed_abandoned_or_expired_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for (who, actor, side) in [
            ("buyer", buyer(), None),
            ("seller", seller(), None),
            ("broker", broker(), Some(Side::Buyer)),
        ] {
            let err = s.refused(
                actor,
                NegotiationAction::MakeOffer {
                    offer_id: OFFER2,
                    terms: terms(),
                    on_behalf_of: side,
                    offered_modes: offered(),
                },
            );
            assert_eq!(
                err,
                DomainError::conflict(format!(
                    "the negotiation must be open to make an offer; it is {status}"
                )),
                "{who}"
            );
        }
        assert_eq!(s.negotiation().offers.len(), 1);
    }
}

#[test]
fn hand_built_terms_are_rechecked_and_every_error_reported() {
    let broken = Terms {
        price_fen: -1,
        payment: Payment::Royalty { rate_bp: 10_001 },
        term_months: 0,
        territory: "a\nb".into(),
        ..terms()
    };
    let mut s = brokered();
    assert_eq!(
        fields(s.refused(broker(), offer(OFFER1, broken.clone()))),
        vec![
            "on_behalf_of",
            "price_fen",
            "payment.rate_bp",
            "term_months",
            "territory"
        ]
    );
    assert_eq!(
        fields(s.refused(buyer(), offer_for(OFFER1, broken, Side::Seller))),
        vec![
            "on_behalf_of",
            "price_fen",
            "payment.rate_bp",
            "term_months",
            "territory"
        ]
    );
    for (bad, field) in [
        (priced(MAX_FEN + 1), "price_fen"),
        (
            Terms {
                payment: Payment::Instalments { count: 1 },
                ..terms()
            },
            "payment.count",
        ),
        (
            Terms {
                payment: Payment::Equity { share_bp: 0 },
                ..terms()
            },
            "payment.share_bp",
        ),
        (
            Terms {
                term_months: 601,
                ..terms()
            },
            "term_months",
        ),
        (
            Terms {
                territory: String::new(),
                ..terms()
            },
            "territory",
        ),
        (
            Terms {
                territory: " untrimmed ".into(),
                ..terms()
            },
            "territory",
        ),
    ] {
        assert_eq!(fields(s.refused(seller(), offer(OFFER1, bad))), vec![field]);
    }
    assert!(s.negotiation().offers.is_empty());
}

#[test]
fn make_offer_checks_the_actor_then_the_state_then_the_input() {
    let broken = priced(-1);
    // Actor: an outsider learns nothing, even on a closed negotiation with bad terms.
    let mut s = closed(NegotiationStatus::Agreed);
    assert_forbidden(
        s.refused(
            other_tech_manager(),
            offer_for(OFFER1, broken.clone(), Side::Buyer),
        ),
        "other_tech_manager",
    );
    // State: closed before invalid.
    assert_conflict(s.refused(broker(), offer(OFFER2, broken.clone())), "agreed");
    // A reused id before invalid.
    let mut s = with_seller_offer();
    assert_conflict(
        s.refused(broker(), offer(OFFER1, broken.clone())),
        "already exists",
    );
    // Then the input.
    assert_eq!(
        fields(s.refused(buyer(), offer(OFFER2, broken))),
        vec!["price_fen"]
    );
}

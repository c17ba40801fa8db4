//! Accepting an offer, and a whole negotiation from opening to agreement.

use super::*;

#[test]
fn three_rounds_of_offers_and_counter_offers_then_agreement() {
    let mut s = opened();
    s.ok(seller(), assign(broker()));
    s.ok(buyer(), NegotiationAction::SignNda);
    s.ok(seller(), NegotiationAction::SignNda);
    assert!(s.negotiation().nda_complete());

    let round = |price: i64, payment: Payment| Terms {
        price_fen: price,
        payment,
        ..terms()
    };
    // Round 1: the seller asks, the buyer counters.
    s.ok(
        seller(),
        offer(OFFER1, round(900_000_000, Payment::LumpSum)),
    );
    s.ok(
        buyer(),
        offer(
            OFFER2,
            round(500_000_000, Payment::Instalments { count: 12 }),
        ),
    );
    // Round 2: the broker counters for the seller, the buyer counters again.
    s.ok(
        broker(),
        offer_for(
            OFFER3,
            round(800_000_000, Payment::Instalments { count: 6 }),
            Side::Seller,
        ),
    );
    s.ok(
        buyer(),
        offer(
            OFFER4,
            round(600_000_000, Payment::Royalty { rate_bp: 300 }),
        ),
    );
    // Round 3: the seller counters, the broker counters for the buyer.
    s.ok(
        seller(),
        offer(
            OFFER5,
            round(700_000_000, Payment::Royalty { rate_bp: 500 }),
        ),
    );
    let final_terms = round(650_000_000, Payment::Royalty { rate_bp: 450 });
    s.ok(
        broker(),
        offer_for(OFFER6, final_terms.clone(), Side::Buyer),
    );
    assert_eq!(s.negotiation().agreed_terms(), None);

    // The buyer may not accept what the broker offered in its name; the seller may.
    assert_eq!(
        s.refused(buyer(), accept(OFFER6)),
        DomainError::forbidden("nobody accepts their own side's offer: this one is the buyer's")
    );
    assert_eq!(
        s.refused(seller(), accept(OFFER5)),
        DomainError::conflict(format!("only the latest offer can be accepted: {OFFER6}"))
    );
    let at = s.now;
    assert_eq!(
        s.ok(seller(), accept(OFFER6)),
        NegotiationEvent::Agreed { offer_id: OFFER6 }
    );

    let n = s.negotiation();
    assert_eq!(n.status, NegotiationStatus::Agreed);
    assert_eq!(n.agreed_offer_id, Some(OFFER6));
    assert_eq!(n.agreed_terms(), Some(&final_terms));
    assert_eq!(n.closed_at, Some(at));
    assert_eq!((n.updated_at, n.last_activity_at), (at, at));
    assert_eq!(n.created_at, t0());
    assert_eq!(at, t0() + TimeDelta::hours(10));
    assert_eq!(
        n.offers
            .iter()
            .map(|o| (o.id, o.side, o.made_by))
            .collect::<Vec<_>>(),
        vec![
            (OFFER1, Side::Seller, seller().user_id),
            (OFFER2, Side::Buyer, buyer().user_id),
            (OFFER3, Side::Seller, broker().user_id),
            (OFFER4, Side::Buyer, buyer().user_id),
            (OFFER5, Side::Seller, seller().user_id),
            (OFFER6, Side::Buyer, broker().user_id),
        ]
    );
    assert_eq!(
        n.offers
            .iter()
            .map(|o| o.terms.price_fen)
            .collect::<Vec<_>>(),
        vec![
            900_000_000,
            500_000_000,
            800_000_000,
            600_000_000,
            700_000_000,
            650_000_000
        ]
    );
    assert_eq!((n.abandon_reason, n.abandon_note.as_ref()), (None, None));
}

#[test]
fn the_buyer_accepts_the_sellers_offer() {
    let mut s = with_seller_offer();
    let at = s.now;
    assert_eq!(
        s.ok(buyer(), accept(OFFER1)),
        NegotiationEvent::Agreed { offer_id: OFFER1 }
    );
    let n = s.negotiation();
    assert_eq!(
        (n.status, n.agreed_offer_id, n.closed_at),
        (NegotiationStatus::Agreed, Some(OFFER1), Some(at))
    );
    assert_eq!(n.agreed_terms(), Some(&terms()));
}

#[test]
fn nobody_accepts_their_own_sides_offer() {
    // The seller's own offer.
    let mut s = with_seller_offer();
    assert_eq!(
        s.refused(seller(), accept(OFFER1)),
        DomainError::forbidden("nobody accepts their own side's offer: this one is the seller's")
    );
    // An offer the broker made for the seller is the seller's side's too.
    let mut s = brokered();
    s.ok(broker(), offer_for(OFFER1, terms(), Side::Seller));
    assert_forbidden(s.refused(seller(), accept(OFFER1)), "seller");
    s.ok(buyer(), accept(OFFER1));
    // And the buyer's.
    let mut s = opened();
    s.ok(buyer(), offer(OFFER1, terms()));
    assert_forbidden(s.refused(buyer(), accept(OFFER1)), "buyer");
    s.ok(seller(), accept(OFFER1));
    assert_eq!(s.status(), NegotiationStatus::Agreed);
}

#[test]
fn the_broker_never_accepts() {
    let mut s = brokered();
    s.ok(seller(), offer(OFFER1, terms()));
    s.ok(buyer(), offer(OFFER2, terms()));
    for id in [OFFER1, OFFER2] {
        assert_eq!(
            s.refused(broker(), accept(id)),
            DomainError::forbidden("only a party can accept an offer, not the broker")
        );
    }
}

#[test]
fn only_the_latest_offer_is_accepted() {
    let mut s = with_seller_offer();
    s.ok(buyer(), offer(OFFER2, priced(1)));
    s.ok(seller(), offer(OFFER3, priced(2)));
    for stale in [OFFER1, OFFER2, OFFER6] {
        for party in [buyer(), seller()] {
            assert_eq!(
                s.refused(party, accept(stale)),
                DomainError::conflict(format!("only the latest offer can be accepted: {OFFER3}"))
            );
        }
    }
    // Staleness is a state matter, checked before whose offer it is: the buyer's stale OFFER2
    // is refused as stale even to the buyer.
    assert_conflict(s.refused(buyer(), accept(OFFER2)), "latest");
    s.ok(buyer(), accept(OFFER3));
    assert_eq!(s.negotiation().agreed_terms(), Some(&priced(2)));
}

#[test]
fn there_is_nothing_to_accept_before_an_offer() {
    let mut s = brokered();
    for party in [buyer(), seller()] {
        assert_eq!(
            s.refused(party, accept(OFFER1)),
            DomainError::conflict("there is no offer to accept")
        );
    }
}

#[test]
fn no_offer_is_accepted_on_a_closed_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        assert_eq!(
            s.refused(buyer(), accept(OFFER1)),
            DomainError::conflict(format!(
                "the negotiation must be open to accept an offer; it is {status}"
            ))
        );
        // Even one's own offer: the state speaks first.
        assert_conflict(s.refused(seller(), accept(OFFER1)), status.as_str());
        assert_forbidden(s.refused(broker(), accept(OFFER1)), "broker");
    }
}

#[test]
fn agreed_terms_are_none_until_agreement_and_never_for_other_endings() {
    assert_eq!(opened().negotiation().agreed_terms(), None);
    assert_eq!(with_seller_offer().negotiation().agreed_terms(), None);
    for status in [NegotiationStatus::Abandoned, NegotiationStatus::Expired] {
        let s = closed(status);
        assert_eq!(s.negotiation().agreed_terms(), None);
        assert_eq!(s.negotiation().agreed_offer_id, None);
    }
    assert_eq!(
        closed(NegotiationStatus::Agreed)
            .negotiation()
            .agreed_terms(),
        Some(&terms())
    );
}

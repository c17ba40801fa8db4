//! Assigning a broker and signing the NDA.

use super::*;

// =============================================================================================
// AssignBroker

#[test]
fn either_party_assigns_a_broker_who_then_takes_part() {
    for party in [buyer(), seller()] {
        let mut s = opened();
        assert!(!s.negotiation().is_participant(&broker()));
        let at = s.now;
        assert_eq!(
            s.ok(party, assign(broker())),
            NegotiationEvent::BrokerAssigned {
                broker_id: broker().user_id
            }
        );
        let n = s.negotiation();
        assert_eq!(n.broker_id, Some(broker().user_id));
        assert!(n.is_broker(&broker()) && n.is_participant(&broker()));
        assert_eq!(n.side_of(&broker()), None);
        assert!(n.is_visible_to(Some(&broker())));
        assert_eq!((n.updated_at, n.last_activity_at), (at, at));
    }
}

#[test]
fn a_party_replaces_the_broker_and_the_old_one_loses_every_right() {
    let mut s = brokered();
    s.ok(seller(), assign(other_tech_manager()));
    assert_eq!(
        s.negotiation().broker_id,
        Some(other_tech_manager().user_id)
    );
    assert!(!s.negotiation().is_participant(&broker()));
    assert!(!s.negotiation().is_visible_to(Some(&broker())));
    assert_forbidden(
        s.refused(broker(), offer_for(OFFER1, terms(), Side::Seller)),
        "old broker",
    );
    s.ok(
        other_tech_manager(),
        offer_for(OFFER1, terms(), Side::Seller),
    );
    // Assigning the same broker again is harmless.
    s.ok(buyer(), assign(other_tech_manager()));
    assert_eq!(
        s.negotiation().broker_id,
        Some(other_tech_manager().user_id)
    );
}

#[test]
fn the_broker_does_not_assign_brokers() {
    let mut s = brokered();
    assert_eq!(
        s.refused(broker(), assign(other_tech_manager())),
        DomainError::forbidden("only a party can assign a broker")
    );
}

#[test]
fn the_broker_is_a_tech_manager_and_not_a_party() {
    let mut s = opened();
    for party in [buyer(), seller()] {
        for is_tm in [true, false] {
            let err = s.refused(
                buyer(),
                NegotiationAction::AssignBroker {
                    broker_id: party.user_id,
                    broker_is_tech_manager: is_tm,
                },
            );
            assert_eq!(
                err,
                DomainError::invalid("broker_id", "a party cannot broker its own negotiation")
            );
        }
    }
    let err = s.refused(
        seller(),
        NegotiationAction::AssignBroker {
            broker_id: outsider_enterprise().user_id,
            broker_is_tech_manager: false,
        },
    );
    assert_eq!(
        err,
        DomainError::invalid("broker_id", "the broker must be a tech manager")
    );
    assert_eq!(s.negotiation().broker_id, None);
}

#[test]
fn no_broker_is_assigned_to_a_closed_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for party in [buyer(), seller()] {
            assert_conflict(
                s.refused(party, assign(other_tech_manager())),
                status.as_str(),
            );
        }
        // The state is checked before the input.
        let err = s.refused(
            buyer(),
            NegotiationAction::AssignBroker {
                broker_id: seller().user_id,
                broker_is_tech_manager: false,
            },
        );
        assert_conflict(err, "must be open to assign a broker");
    }
}

// =============================================================================================
// SignNda

#[test]
fn each_side_signs_the_nda_once_and_it_is_complete_when_both_have() {
    let mut s = brokered();
    assert!(!s.negotiation().nda_complete());
    let seller_at = s.now;
    assert_eq!(
        s.ok(seller(), NegotiationAction::SignNda),
        NegotiationEvent::NdaSigned { side: Side::Seller }
    );
    assert_eq!(s.negotiation().seller_signed_nda_at, Some(seller_at));
    assert_eq!(s.negotiation().buyer_signed_nda_at, None);
    assert!(!s.negotiation().nda_complete());
    assert_conflict(
        s.refused(seller(), NegotiationAction::SignNda),
        "already signed",
    );

    let buyer_at = s.now;
    assert_eq!(
        s.ok(buyer(), NegotiationAction::SignNda),
        NegotiationEvent::NdaSigned { side: Side::Buyer }
    );
    let n = s.negotiation();
    assert_eq!(
        (n.buyer_signed_nda_at, n.seller_signed_nda_at),
        (Some(buyer_at), Some(seller_at))
    );
    assert_eq!(
        (n.signed_nda_at(Side::Buyer), n.signed_nda_at(Side::Seller)),
        (Some(buyer_at), Some(seller_at))
    );
    assert!(n.nda_complete());
    let err = s.refused(buyer(), NegotiationAction::SignNda);
    assert_eq!(
        err,
        DomainError::conflict(format!("the buyer already signed the NDA at {buyer_at}"))
    );
}

#[test]
fn the_broker_does_not_sign_the_nda() {
    let mut s = brokered();
    assert_eq!(
        s.refused(broker(), NegotiationAction::SignNda),
        DomainError::forbidden("only a party can sign the NDA")
    );
}

#[test]
fn the_nda_is_not_signed_on_a_closed_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for party in [buyer(), seller()] {
            assert_eq!(
                s.refused(party, NegotiationAction::SignNda),
                DomainError::conflict(format!(
                    "the negotiation must be open to sign the NDA; it is {status}"
                ))
            );
        }
        assert!(!s.negotiation().nda_complete());
    }
}

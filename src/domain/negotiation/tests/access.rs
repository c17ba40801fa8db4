//! Who may act: the whole table, the system actor and outsiders.

use super::*;

#[test]
fn each_action_is_open_to_exactly_the_right_participants() {
    use Outcome::{Accepted as A, Forbidden as F, Invalid as I};
    // Columns: buyer, seller, broker, buyer_colleague, outsider_enterprise, other_tech_manager,
    // seller_colleague, platform_admin, system — on a brokered negotiation with the seller's
    // offer OFFER1 on the table, each command tried on a fresh copy.
    let table: Vec<(&str, NegotiationAction, [Outcome; 9])> = vec![
        (
            "assign broker",
            assign(other_tech_manager()),
            [A, A, F, F, F, F, F, F, F],
        ),
        (
            "sign nda",
            NegotiationAction::SignNda,
            [A, A, F, F, F, F, F, F, F],
        ),
        (
            "offer for own side",
            offer(OFFER2, terms()),
            [A, A, I, F, F, F, F, F, F],
        ),
        (
            "offer for the buyer",
            offer_for(OFFER2, terms(), Side::Buyer),
            [A, I, A, F, F, F, F, F, F],
        ),
        (
            "offer for the seller",
            offer_for(OFFER2, terms(), Side::Seller),
            [I, A, A, F, F, F, F, F, F],
        ),
        (
            "accept the seller's offer",
            accept(OFFER1),
            [A, F, F, F, F, F, F, F, F],
        ),
        (
            "abandon",
            abandon(AbandonReason::TooEarlyStage),
            [A, A, F, F, F, F, F, F, F],
        ),
    ];
    for (what, action, expected) in table {
        for ((who, actor), expected) in everyone().into_iter().zip(expected) {
            let mut s = with_seller_offer();
            let before = s.state.clone();
            let got = outcome(s.try_run(actor, action.clone()));
            assert_eq!(got, expected, "{who}: {what}");
            if got != A {
                assert_eq!(s.state, before, "{who}: {what}");
            }
        }
    }
}

#[test]
fn only_the_system_actor_expires_and_it_does_nothing_else() {
    for (who, actor) in everyone() {
        let mut s = with_seller_offer();
        let due = s.expiry_due();
        let got = outcome(s.at(due).try_run(actor, expire()));
        let expected = if who == "system" {
            Outcome::Accepted
        } else {
            Outcome::Forbidden
        };
        assert_eq!(got, expected, "{who}");
    }
    for action in every_action_but_open() {
        if matches!(action, NegotiationAction::Expire { .. }) {
            continue;
        }
        assert_forbidden(
            with_seller_offer().refused(system(), action.clone()),
            &format!("system {action:?}"),
        );
    }
}

#[test]
fn outsiders_are_forbidden_whatever_the_state_and_the_input() {
    let outsiders = everyone_but(&["buyer", "seller", "broker", "system"]);
    let bad_terms = priced(-1);
    let actions = vec![
        NegotiationAction::AssignBroker {
            broker_id: buyer().user_id,
            broker_is_tech_manager: false,
        },
        NegotiationAction::SignNda,
        offer(OFFER1, bad_terms.clone()),
        offer_for(OFFER2, bad_terms, Side::Buyer),
        accept(OFFER6),
        NegotiationAction::Abandon {
            reason: AbandonReason::Other,
            note: None,
        },
        NegotiationAction::Expire { idle_days: 10_000 },
    ];
    for status in NegotiationStatus::ALL.iter().copied() {
        for action in &actions {
            for (who, actor) in &outsiders {
                assert_forbidden(
                    closed(status).refused(*actor, action.clone()),
                    &format!("{who} {status} {action:?}"),
                );
            }
        }
    }
}

#[test]
fn a_broker_of_another_negotiation_is_an_outsider_here() {
    // broker() brokers one negotiation; in another, without a broker, they are nobody.
    let mine = with_seller_offer();
    assert!(mine.negotiation().is_broker(&broker()));
    let mut other = opened();
    other.ok(seller(), offer(OFFER1, terms()));
    for action in [
        offer_for(OFFER2, terms(), Side::Seller),
        accept(OFFER1),
        NegotiationAction::SignNda,
        assign(broker()),
        abandon(AbandonReason::Price),
    ] {
        assert_eq!(
            other.refused(broker(), action),
            DomainError::forbidden("only the parties and the broker act on a negotiation")
        );
    }
    // Nor in one brokered by another tech manager.
    let mut third = opened();
    third.ok(seller(), assign(other_tech_manager()));
    assert_forbidden(
        third.refused(broker(), offer_for(OFFER2, terms(), Side::Buyer)),
        "broker",
    );
    third.ok(
        other_tech_manager(),
        offer_for(OFFER2, terms(), Side::Buyer),
    );
}

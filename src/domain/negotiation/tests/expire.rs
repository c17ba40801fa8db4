//! Expiry by rule after idle days.

use super::*;

#[test]
fn expiry_is_due_exactly_idle_days_after_the_last_activity() {
    let mut s = with_seller_offer();
    let last = s.negotiation().last_activity_at;
    let due = last + TimeDelta::days(30);
    let err = s
        .at(due - TimeDelta::seconds(1))
        .refused(system(), expire());
    assert_conflict(err, "not yet due");
    assert_eq!(s.status(), NegotiationStatus::Open);
    assert_eq!(s.at(due).ok(system(), expire()), NegotiationEvent::Expired);
    let n = s.negotiation();
    assert_eq!(n.status, NegotiationStatus::Expired);
    assert_eq!((n.closed_at, n.updated_at), (Some(due), due));
    // Expiry is not activity.
    assert_eq!(n.last_activity_at, last);
    assert_eq!(n.offers.len(), 1);
}

#[test]
fn any_activity_restarts_the_idle_clock() {
    let mut s = opened();
    let opened_at = t0();
    s.at(opened_at + TimeDelta::days(20))
        .ok(buyer(), NegotiationAction::SignNda);
    let signed_at = opened_at + TimeDelta::days(20);
    assert_eq!(s.negotiation().last_activity_at, signed_at);
    assert_conflict(
        s.at(opened_at + TimeDelta::days(30))
            .refused(system(), expire()),
        "not yet due",
    );
    assert_conflict(
        s.at(signed_at + TimeDelta::days(30) - TimeDelta::milliseconds(1))
            .refused(system(), expire()),
        "not yet due",
    );
    s.at(signed_at + TimeDelta::days(45)).ok(system(), expire());
    assert_eq!(s.status(), NegotiationStatus::Expired);
}

#[test]
fn the_idle_period_is_the_commands_and_zero_means_at_once() {
    let mut s = opened();
    let err = s.refused(system(), NegotiationAction::Expire { idle_days: 1 });
    assert_conflict(err, "1 idle days");
    s.at(t0())
        .ok(system(), NegotiationAction::Expire { idle_days: 0 });
    assert_eq!(s.status(), NegotiationStatus::Expired);
}

#[test]
fn a_closed_negotiation_does_not_expire() {
    for status in closed_statuses() {
        let mut s = closed(status);
        let later = s.now + TimeDelta::days(3650);
        assert_eq!(
            s.at(later).refused(system(), expire()),
            DomainError::conflict(format!(
                "the negotiation must be open to expire; it is {status}"
            ))
        );
    }
}

#[test]
fn expire_checks_the_actor_before_the_state_and_the_clock() {
    let mut s = closed(NegotiationStatus::Agreed);
    assert_eq!(
        s.refused(buyer(), expire()),
        DomainError::forbidden("a negotiation expires by rule, not at anyone's request")
    );
    let mut s = opened();
    assert_forbidden(s.refused(platform_admin(), expire()), "platform_admin");
    assert_conflict(s.refused(system(), expire()), "not yet due");
}

//! Evolving the state, visibility and who sits on which side.

use super::*;

// =============================================================================================
// Evolving: timestamps

#[test]
fn every_event_moves_updated_at_and_all_but_expiry_move_last_activity_at() {
    let mut state = NegotiationState::default();
    let mut last_activity = t0();
    for (n, event) in all_events().into_iter().enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64);
        state = Negotiation::apply_event(
            state,
            Recorded {
                actor: buyer(),
                at,
                event: event.clone(),
            },
        );
        if event != NegotiationEvent::Expired {
            last_activity = at;
        }
        let d = state.negotiation.as_ref().unwrap();
        assert_eq!(
            (d.created_at, d.updated_at, d.last_activity_at),
            (t0(), at, last_activity),
            "{}",
            event.name()
        );
        match event {
            NegotiationEvent::NdaSigned { side } => assert_eq!(d.signed_nda_at(side), Some(at)),
            NegotiationEvent::Agreed { .. }
            | NegotiationEvent::Abandoned { .. }
            | NegotiationEvent::Expired => assert_eq!(d.closed_at, Some(at)),
            _ => assert_eq!(d.closed_at, None),
        }
    }
    let d = state.negotiation.unwrap();
    assert_eq!(d.status, NegotiationStatus::Expired);
    assert_eq!(d.last_activity_at, t0() + TimeDelta::minutes(6));
}

// =============================================================================================
// Visibility and membership

/// Who passes `check` on the negotiation of `s`, among anonymous + everyone.
fn who_passes(
    s: &Story,
    check: impl Fn(&NegotiationData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.negotiation(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.negotiation(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

#[test]
fn a_negotiation_is_visible_to_its_participants_and_the_platform_admins_only() {
    assert_eq!(
        who_passes(&opened(), NegotiationData::is_visible_to),
        vec!["buyer", "seller", "platform_admin", "system"]
    );
    for status in NegotiationStatus::ALL.iter().copied() {
        assert_eq!(
            who_passes(&closed(status), NegotiationData::is_visible_to),
            vec!["buyer", "seller", "broker", "platform_admin", "system"],
            "{status}"
        );
    }
}

#[test]
fn sides_brokers_and_participants_are_told_apart_by_user_id() {
    let s = brokered();
    let n = s.negotiation();
    for (who, actor) in everyone() {
        let expected = match who {
            "buyer" => (Some(Side::Buyer), false, true),
            "seller" => (Some(Side::Seller), false, true),
            "broker" => (None, true, true),
            _ => (None, false, false),
        };
        assert_eq!(
            (
                n.side_of(&actor),
                n.is_broker(&actor),
                n.is_participant(&actor)
            ),
            expected,
            "{who}"
        );
    }
    // The same person under another role is still the same party.
    let buyer_as_admin = Actor {
        role: Role::PlatformAdmin,
        ..buyer()
    };
    assert_eq!(n.side_of(&buyer_as_admin), Some(Side::Buyer));
    assert!(!opened().negotiation().is_broker(&broker()));
}

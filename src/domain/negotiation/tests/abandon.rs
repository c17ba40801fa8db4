//! Abandoning a negotiation.

use super::*;

#[test]
fn either_party_abandons_for_any_reason_with_an_optional_trimmed_note() {
    for party in [buyer(), seller()] {
        for reason in AbandonReason::ALL.iter().copied() {
            let mut s = with_seller_offer();
            let at = s.now;
            assert_eq!(
                s.ok(
                    party,
                    NegotiationAction::Abandon {
                        reason,
                        note: Some("  预算不足 ".into()),
                    }
                ),
                NegotiationEvent::Abandoned {
                    reason,
                    note: Some("预算不足".into())
                }
            );
            let n = s.negotiation();
            assert_eq!(n.status, NegotiationStatus::Abandoned);
            assert_eq!(
                (n.abandon_reason, n.abandon_note.as_deref()),
                (Some(reason), Some("预算不足"))
            );
            assert_eq!((n.closed_at, n.updated_at), (Some(at), at));
        }
    }
}

#[test]
fn a_note_is_optional_but_for_reason_other() {
    for note in [None, Some(String::new()), Some("   ".to_string())] {
        let mut s = opened();
        assert_eq!(
            s.ok(
                seller(),
                NegotiationAction::Abandon {
                    reason: AbandonReason::BenefitUnclear,
                    note: note.clone(),
                }
            ),
            NegotiationEvent::Abandoned {
                reason: AbandonReason::BenefitUnclear,
                note: None
            },
            "{note:?}"
        );
        let err = opened().refused(
            buyer(),
            NegotiationAction::Abandon {
                reason: AbandonReason::Other,
                note,
            },
        );
        assert_eq!(
            err,
            DomainError::invalid("note", "is required when the reason is other")
        );
    }
}

#[test]
fn the_note_is_at_most_500_characters() {
    for reason in [AbandonReason::Price, AbandonReason::Other] {
        let err = opened().refused(
            buyer(),
            NegotiationAction::Abandon {
                reason,
                note: Some("注".repeat(501)),
            },
        );
        assert_eq!(fields(err), vec!["note"], "{reason}");
        let mut s = opened();
        s.ok(
            buyer(),
            NegotiationAction::Abandon {
                reason,
                note: Some("注".repeat(500)),
            },
        );
        assert_eq!(
            s.negotiation()
                .abandon_note
                .as_ref()
                .unwrap()
                .chars()
                .count(),
            500
        );
    }
}

#[test]
fn the_broker_does_not_abandon() {
    assert_eq!(
        brokered().refused(broker(), abandon(AbandonReason::Price)),
        DomainError::forbidden("only a party can abandon a negotiation")
    );
}

#[test]
fn a_closed_negotiation_is_not_abandoned() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for party in [buyer(), seller()] {
            assert_eq!(
                s.refused(party, abandon(AbandonReason::Terms)),
                DomainError::conflict(format!(
                    "the negotiation must be open to abandon it; it is {status}"
                ))
            );
            // The state is checked before the note.
            assert_conflict(
                s.refused(
                    party,
                    NegotiationAction::Abandon {
                        reason: AbandonReason::Other,
                        note: None,
                    },
                ),
                status.as_str(),
            );
        }
    }
}

//! Closing by the owner, and expiry by rule.

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden, message_of};

// =============================================================================================
// Close

#[test]
fn the_owner_cancels_a_draft_with_a_trimmed_note() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::Scene);
    let at = s.now;
    assert_eq!(
        s.ok(
            owner(),
            DemandAction::Close {
                reason: CloseReason::Cancelled,
                note: Some("  budget withdrawn ".into()),
            }
        ),
        DemandEvent::Closed {
            reason: CloseReason::Cancelled,
            note: Some("budget withdrawn".into())
        }
    );
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Cancelled));
    assert_eq!(d.close_note.as_deref(), Some("budget withdrawn"));
    assert_eq!((d.closed_at, d.updated_at), (Some(at), at));
    assert_eq!(d.published_at, None);
}

#[test]
fn the_owner_closes_a_published_demand_as_fulfilled_or_cancelled() {
    for kind in DemandKind::ALL.iter().copied() {
        for reason in [CloseReason::Fulfilled, CloseReason::Cancelled] {
            let mut s = in_status(DemandStatus::Published, kind);
            let at = s.now;
            assert_eq!(
                s.ok(owner(), close(reason)),
                DemandEvent::Closed { reason, note: None }
            );
            let d = s.demand();
            assert_eq!(
                (d.status, d.close_reason, d.close_note.as_ref(), d.closed_at),
                (DemandStatus::Closed, Some(reason), None, Some(at)),
                "{kind} {reason}"
            );
        }
    }
}

#[test]
fn a_draft_cannot_be_fulfilled() {
    let err = in_status(DemandStatus::Draft, DemandKind::Scene)
        .refused(owner(), close(CloseReason::Fulfilled));
    assert_conflict(err, "draft");
}

#[test]
fn a_closed_demand_cannot_be_closed_again() {
    for already in CloseReason::ALL.iter().copied() {
        for reason in CloseReason::ALL.iter().copied() {
            let err = closed_by(already).refused(owner(), close(reason));
            assert_conflict(err, "already closed");
        }
    }
}

#[test]
fn nobody_closes_a_demand_as_expired() {
    for status in [DemandStatus::Draft, DemandStatus::Published] {
        let err =
            in_status(status, DemandKind::Scene).refused(owner(), close(CloseReason::Expired));
        assert_eq!(fields(err.clone()), vec!["reason"]);
        assert_eq!(message_of(&err, "reason"), "expiry happens by itself");
    }
}

#[test]
fn a_close_note_is_optional_and_at_most_500_characters() {
    let note = |n: Option<String>| DemandAction::Close {
        reason: CloseReason::Fulfilled,
        note: n,
    };
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    assert_eq!(
        fields(s.refused(owner(), note(Some("因".repeat(501))))),
        vec!["note"]
    );
    assert_eq!(
        fields(s.refused(owner(), note(Some("bell\u{7}".into())))),
        vec!["note"]
    );
    // Both problems of the payload at once.
    assert_eq!(
        fields(s.refused(
            owner(),
            DemandAction::Close {
                reason: CloseReason::Expired,
                note: Some("因".repeat(501))
            }
        )),
        vec!["reason", "note"]
    );
    assert_eq!(
        s.ok(owner(), note(Some(" \n ".into()))),
        DemandEvent::Closed {
            reason: CloseReason::Fulfilled,
            note: None
        }
    );
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    s.ok(owner(), note(Some("因".repeat(500))));
    assert_eq!(
        s.demand().close_note.as_ref().map(|n| n.chars().count()),
        Some(500)
    );
}

#[test]
fn only_the_owner_closes() {
    for status in [DemandStatus::Draft, DemandStatus::Published] {
        for (who, actor) in everyone_but(&["owner"]) {
            let err =
                in_status(status, DemandKind::Scene).refused(actor, close(CloseReason::Cancelled));
            assert_forbidden(err, who);
        }
    }
}

// =============================================================================================
// Expire

#[test]
fn the_system_expires_a_published_demand_once_its_last_day_is_over_in_china() {
    let mut s = in_status(DemandStatus::Published, DemandKind::TechnicalProblem);
    let err = s
        .at(utc(LAST_VALID_INSTANT))
        .refused(system(), DemandAction::Expire);
    assert_conflict(err, "not yet due");
    assert_eq!(
        s.at(utc(FIRST_EXPIRED_INSTANT))
            .ok(system(), DemandAction::Expire),
        DemandEvent::Expired
    );
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Expired));
    assert_eq!(d.close_note, None);
    assert_eq!(d.closed_at, Some(utc(FIRST_EXPIRED_INSTANT)));
    assert_eq!(d.updated_at, utc(FIRST_EXPIRED_INSTANT));
}

#[test]
fn expiry_long_after_the_last_day_is_fine() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    s.at(utc("2028-02-29T00:00:00Z"))
        .ok(system(), DemandAction::Expire);
    assert_eq!(s.demand().close_reason, Some(CloseReason::Expired));
}

#[test]
fn only_the_system_expires_a_demand() {
    for (who, actor) in everyone_but(&["system"]) {
        let err = in_status(DemandStatus::Published, DemandKind::Scene)
            .at(utc(FIRST_EXPIRED_INSTANT))
            .refused(actor, DemandAction::Expire);
        assert_forbidden(err, who);
    }
}

#[test]
fn only_a_published_demand_expires() {
    let mut draft = in_status(DemandStatus::Draft, DemandKind::Scene);
    assert_conflict(
        draft
            .at(utc(FIRST_EXPIRED_INSTANT))
            .refused(system(), DemandAction::Expire),
        "draft",
    );
    for reason in CloseReason::ALL.iter().copied() {
        let err = closed_by(reason)
            .at(utc("2027-06-01T00:00:00Z"))
            .refused(system(), DemandAction::Expire);
        assert_conflict(err, "closed");
    }
}

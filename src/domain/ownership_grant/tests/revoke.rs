//! Revocation by the office, from a day between the grant and today.

use super::*;
use crate::domain::testing::{assert_conflict, fields, message_of};

// ---------------------------------------------------------------------------------------------
// Revocation

#[test]
fn the_office_revokes_a_grant_from_a_day() {
    let mut s = granted();
    s.on("2027-03-01");
    let event = s.ok(office(), revoke_on("2027-02-01", "  团队解散 "));
    assert_eq!(
        event,
        GrantEvent::Revoked {
            on: date("2027-02-01"),
            reason: "团队解散".into(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Revoked);
    assert_eq!(
        g.ending,
        Some(Ending {
            at: morning("2027-03-01"),
            on: date("2027-02-01"),
            reason: "团队解散".into(),
        })
    );
    assert!(!g.status.is_live());

    // From the day of the grant up to today, and from a registered grant too.
    let mut first_day = registry_changed();
    first_day.on("2026-12-20");
    first_day.ok(office(), revoke_on(GRANTED_ON, "自始撤销"));
    assert_eq!(first_day.status(), GrantStatus::Revoked);
    // Revoked from its first day, it was never in force: nothing received is distributed.
    assert_conflict(
        first_day.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
        ),
        "not in force",
    );
}

#[test]
fn a_revocation_is_dated_between_the_grant_and_today() {
    let mut s = granted();
    s.on("2027-03-01");
    let future = s.refused(office(), revoke_on("2027-03-02", "理由"));
    assert_eq!(fields(future.clone()), vec!["on"]);
    assert!(message_of(&future, "on").contains("after today (2027-03-01)"));
    let before = s.refused(office(), revoke_on("2026-11-20", "理由"));
    assert_eq!(fields(before.clone()), vec!["on"]);
    assert!(message_of(&before, "on").contains("before the grant (2026-11-21)"));
    let blank = s.refused(office(), revoke_on("2027-02-01", "  "));
    assert_eq!(fields(blank), vec!["reason"]);
    let both = s.refused(office(), revoke_on("2028-01-01", ""));
    assert_eq!(fields(both), vec!["on", "reason"]);
    s.ok(office(), revoke_on("2027-03-01", "今日撤销"));
}

#[test]
fn a_revocation_does_not_reach_back_over_distributed_payments() {
    let mut s = granted();
    s.on("2026-12-20");
    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 10_000, "2026-12-01"), 0),
    );
    for on in ["2026-11-21", "2026-11-30", "2026-12-01"] {
        let err = s.refused(office(), revoke_on(on, "理由"));
        assert_eq!(fields(err.clone()), vec!["on"], "{on}");
        assert!(message_of(&err, "on")
            .contains("after the latest payment distributed under the grant (2026-12-01)"));
    }
    s.ok(office(), revoke_on("2026-12-02", "理由"));
    assert_eq!(s.status(), GrantStatus::Revoked);
}

#[test]
fn a_term_that_has_ended_is_not_revoked_but_expires() {
    // In force through 2036-11-20; the day after, only the expiry sweep may end it.
    let mut s = granted();
    s.on("2036-11-21");
    assert_conflict(
        s.refused(office(), revoke_on("2036-11-21", "理由")),
        "the term ended on 2036-11-20: the grant expires by itself",
    );
    s.ok(system(), GrantAction::Expire);
    assert_eq!(s.status(), GrantStatus::Expired);
}

#[test]
fn only_the_office_revokes_and_only_a_grant_in_force() {
    let mut s = granted();
    s.on("2027-03-01");
    assert_only_office(&mut s, revoke_on("2027-02-01", "理由"));
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::InNotice,
        GrantStatus::Rejected,
        GrantStatus::Withdrawn,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ] {
        assert_conflict(
            story_in(status).refused(office(), revoke_on(GRANTED_ON, "理由")),
            &format!("must be granted or registry_changed to be revoked; it is {status}"),
        );
    }
}

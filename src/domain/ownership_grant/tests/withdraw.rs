//! Withdrawal by the applicant, before the grant.

use super::*;
use crate::domain::testing::{assert_conflict, fields};

// ---------------------------------------------------------------------------------------------
// Withdrawal

#[test]
fn the_applicant_withdraws_before_the_grant() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::InNotice,
    ] {
        let mut s = story_in(status);
        let event = s.ok(applicant(), withdraw(Some("  团队决定不再申请 ")));
        assert_eq!(
            event,
            GrantEvent::Withdrawn {
                reason: Some("团队决定不再申请".into())
            },
            "{status}"
        );
        assert_eq!(s.status(), GrantStatus::Withdrawn);
        assert_eq!(
            s.grant().withdrawal_reason.as_deref(),
            Some("团队决定不再申请")
        );
        assert!(!s.status().is_live());
    }
    let mut blank = applied();
    assert_eq!(
        blank.ok(applicant(), withdraw(Some("   "))),
        GrantEvent::Withdrawn { reason: None }
    );
    let mut none = in_notice();
    none.ok(enterprise(), objection(OBJ1, "异议"));
    assert_eq!(
        none.ok(applicant(), withdraw(None)),
        GrantEvent::Withdrawn { reason: None }
    );
    let long = applied().refused(applicant(), withdraw(Some("字".repeat(2_001).as_str())));
    assert_eq!(fields(long), vec!["reason"]);
}

#[test]
fn only_the_applicant_withdraws() {
    let mut s = in_notice();
    for (who, actor) in all_but(everyone(), &["applicant"]) {
        assert_forbidden(s.refused(actor, withdraw(None)), who);
    }
}

#[test]
fn a_grant_is_not_withdrawn() {
    for status in [
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
        GrantStatus::Expired,
        GrantStatus::Revoked,
        GrantStatus::Rejected,
        GrantStatus::Withdrawn,
    ] {
        assert_conflict(
            story_in(status).refused(applicant(), withdraw(None)),
            &format!("must be applied or approved or in_notice to be withdrawn; it is {status}"),
        );
    }
}

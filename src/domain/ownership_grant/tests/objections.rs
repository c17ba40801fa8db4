//! Objections: raised by anyone signed in while the notice runs, resolved by the office.

use chrono::TimeDelta;

use super::*;
use crate::domain::testing::{assert_conflict, fields};
use crate::domain::DomainError;

// ---------------------------------------------------------------------------------------------
// Objections

#[test]
fn anyone_signed_in_objects_while_the_notice_runs() {
    let mut s = in_notice();
    let people = all_but(everyone(), &["system"]);
    s.at(notice_end() - TimeDelta::seconds(1));
    for (i, (who, actor)) in people.iter().enumerate() {
        let id = Uuid::from_u128(0x0B00 + i as u128);
        let event = s.ok(*actor, objection(id, &format!("  {who} 的异议 ")));
        assert_eq!(
            event,
            GrantEvent::ObjectionRaised {
                objection_id: id,
                raised_by: actor.user_id,
                reason: format!("{who} 的异议"),
            }
        );
    }
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::InNotice);
    assert_eq!(g.objections.len(), people.len());
    let first = g.objection(Uuid::from_u128(0x0B00)).unwrap();
    assert_eq!(
        *first,
        Objection {
            id: Uuid::from_u128(0x0B00),
            raised_by: applicant().user_id,
            reason: "applicant 的异议".into(),
            raised_at: notice_end() - TimeDelta::seconds(1),
            resolution: None,
        }
    );
    assert_eq!(g.open_objections().count(), people.len());
}

#[test]
fn the_platform_does_not_object() {
    assert_forbidden(
        in_notice().refused(system(), objection(OBJ1, "异议")),
        "system",
    );
}

#[test]
fn objections_are_taken_only_while_the_notice_runs() {
    let mut s = in_notice();
    s.at(notice_end());
    assert_conflict(
        s.refused(enterprise(), objection(OBJ1, "异议")),
        "objections are taken only while it runs",
    );
    s.at(notice_end() + TimeDelta::days(3));
    assert_conflict(
        s.refused(enterprise(), objection(OBJ1, "异议")),
        "notice ended",
    );
}

#[test]
fn an_objection_id_is_used_once_and_a_reason_is_given() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "异议"));
    assert_conflict(
        s.refused(outsider(), objection(OBJ1, "另一个异议")),
        "already exists",
    );
    let blank = s.refused(outsider(), objection(OBJ2, "  \n "));
    assert_eq!(fields(blank), vec!["reason"]);
    let long = s.refused(outsider(), objection(OBJ2, &"异".repeat(2_001)));
    assert_eq!(fields(long), vec!["reason"]);
}

#[test]
fn objections_are_raised_only_in_notice() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::Granted,
        GrantStatus::Rejected,
    ] {
        assert_conflict(
            story_in(status).refused(enterprise(), objection(OBJ1, "异议")),
            &format!("must be in_notice to be objected to; it is {status}"),
        );
    }
}

#[test]
fn a_dismissed_objection_keeps_the_notice_going() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "发明人不全"));
    s.at(notice_start() + TimeDelta::days(5));
    let event = s.ok(
        office(),
        resolve(OBJ1, ObjectionOutcome::Dismissed, " 经核实发明人完整 "),
    );
    assert_eq!(
        event,
        GrantEvent::ObjectionResolved {
            objection_id: OBJ1,
            outcome: ObjectionOutcome::Dismissed,
            resolution: "经核实发明人完整".into(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::InNotice);
    assert_eq!(
        g.objection(OBJ1).unwrap().resolution,
        Some(Resolution {
            outcome: ObjectionOutcome::Dismissed,
            text: "经核实发明人完整".into(),
            resolved_by: office().user_id,
            resolved_at: notice_start() + TimeDelta::days(5),
        })
    );
    assert_eq!(g.open_objections().count(), 0);
}

#[test]
fn an_upheld_objection_rejects_the_application() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "发明人不全"));
    s.ok(outsider(), objection(OBJ2, "我也是发明人"));
    let events = s.ok_all(
        office(),
        resolve(OBJ2, ObjectionOutcome::Upheld, "  发明人确有遗漏 "),
    );
    assert_eq!(
        events,
        vec![
            GrantEvent::ObjectionResolved {
                objection_id: OBJ2,
                outcome: ObjectionOutcome::Upheld,
                resolution: "发明人确有遗漏".into(),
            },
            GrantEvent::Rejected {
                reasons: vec!["发明人确有遗漏".into()],
                objection_id: Some(OBJ2),
            },
        ]
    );
    assert_eq!(s.status(), GrantStatus::Rejected);
    assert_eq!(s.grant().rejection_reasons, vec!["发明人确有遗漏"]);
    assert_eq!(
        s.grant()
            .objection(OBJ2)
            .unwrap()
            .resolution
            .as_ref()
            .unwrap()
            .outcome,
        ObjectionOutcome::Upheld
    );
    // The other objection stays open, and nothing more is decided on a rejected grant.
    assert_eq!(s.grant().open_objections().count(), 1);
    assert_conflict(
        s.refused(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回")),
        "it is rejected",
    );
    s.at(notice_end());
    assert_conflict(s.refused(office(), GrantAction::Grant), "it is rejected");
}

#[test]
fn resolving_needs_a_known_open_objection_and_a_resolution() {
    let mut s = in_notice();
    assert_eq!(
        s.refused(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回")),
        DomainError::NotFound
    );
    s.ok(enterprise(), objection(OBJ1, "异议"));
    let blank = s.refused(office(), resolve(OBJ1, ObjectionOutcome::Upheld, "  "));
    assert_eq!(fields(blank), vec!["resolution"]);
    s.ok(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回"));
    for outcome in [ObjectionOutcome::Dismissed, ObjectionOutcome::Upheld] {
        assert_conflict(
            s.refused(office(), resolve(OBJ1, outcome, "再议")),
            "already resolved",
        );
    }
}

#[test]
fn only_the_office_resolves_objections() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "异议"));
    assert_only_office(&mut s, resolve(OBJ1, ObjectionOutcome::Upheld, "成立"));
    assert_only_office(&mut s, resolve(OBJ2, ObjectionOutcome::Dismissed, "驳回"));
    assert_conflict(
        approved().refused(office(), resolve(OBJ1, ObjectionOutcome::Upheld, "成立")),
        "must be in_notice to have objections resolved; it is approved",
    );
}

#[test]
fn the_refusal_to_resolve_out_of_notice_reads_well() {
    let err = approved().refused(office(), resolve(OBJ1, ObjectionOutcome::Upheld, "成立"));
    let DomainError::Conflict(message) = err else {
        panic!("expected Conflict, got {err:?}")
    };
    assert!(!message.contains("to be have"), "{message}");
}

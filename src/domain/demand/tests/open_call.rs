//! An open call's applications and its winner.

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};

// =============================================================================================
// Apply

#[test]
fn a_researcher_applies_to_a_published_open_call() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    let at = s.now;
    let event = s.ok(
        researcher(),
        DemandAction::Apply {
            application_id: APP1,
            proposal: "  固态电解质方案  ".into(),
            listing_id: Some(LISTING),
        },
    );
    let application = Application {
        id: APP1,
        applicant_id: researcher().user_id,
        applicant_organization_id: Some(LAB),
        listing_id: Some(LISTING),
        proposal: "固态电解质方案".into(),
        applied_at: at,
    };
    assert_eq!(
        event,
        DemandEvent::Applied {
            application: application.clone()
        }
    );
    let d = s.demand();
    assert_eq!(d.applications, vec![application]);
    assert_eq!(d.status, DemandStatus::Published);
    assert_eq!(d.updated_at, at);
    assert_eq!(
        d.application(APP1).map(|a| a.applicant_id),
        Some(researcher().user_id)
    );
    assert_eq!(d.application(APP2), None);
}

#[test]
fn several_researchers_apply_in_order_and_one_without_organization_too() {
    let loner = cast::person(60, Role::Researcher, None);
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    s.ok(loner, apply(APP3, "third"));
    let d = s.demand();
    assert_eq!(
        d.applications.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![APP1, APP2, APP3]
    );
    assert_eq!(
        d.applications
            .iter()
            .map(|a| a.applicant_organization_id)
            .collect::<Vec<_>>(),
        vec![Some(LAB), Some(cast::OTHER_UNIVERSITY), None]
    );
}

#[test]
fn only_researchers_apply() {
    for (who, actor) in everyone_but(&["researcher", "other_researcher"]) {
        let err = in_status(DemandStatus::Published, DemandKind::OpenCall)
            .refused(actor, apply(APP1, "p"));
        assert_forbidden(err, who);
    }
}

#[test]
fn nobody_applies_to_their_own_demand_whatever_their_role() {
    let turned_researcher = Actor {
        role: Role::Researcher,
        ..owner()
    };
    let err = in_status(DemandStatus::Published, DemandKind::OpenCall)
        .refused(turned_researcher, apply(APP1, "p"));
    assert_eq!(
        err,
        DomainError::forbidden("nobody can apply to their own demand")
    );
}

#[test]
fn only_open_calls_take_applications() {
    for kind in [DemandKind::TechnicalProblem, DemandKind::Scene] {
        let err = in_status(DemandStatus::Published, kind).refused(researcher(), apply(APP1, "p"));
        assert_eq!(
            err,
            DomainError::conflict("only open calls take applications"),
            "{kind}"
        );
    }
}

#[test]
fn only_a_published_open_call_takes_applications() {
    for status in [DemandStatus::Draft, DemandStatus::Closed] {
        let err = in_status(status, DemandKind::OpenCall).refused(researcher(), apply(APP1, "p"));
        assert_conflict(err, status.as_str());
    }
    let err = closed_by(CloseReason::Expired).refused(researcher(), apply(APP1, "p"));
    assert_conflict(err, "closed");
}

#[test]
fn applications_are_taken_through_the_deadline_day_in_china_and_not_after() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    let err = s
        .at(utc(FIRST_LATE_INSTANT))
        .refused(researcher(), apply(APP1, "late"));
    assert_conflict(err, "the deadline has passed");
    s.at(utc(LAST_DEADLINE_INSTANT))
        .ok(researcher(), apply(APP1, "just in time"));
    assert_eq!(
        s.demand().applications[0].applied_at,
        utc(LAST_DEADLINE_INSTANT)
    );
}

#[test]
fn each_researcher_applies_once() {
    let mut s = with_application();
    let err = s.refused(researcher(), apply(APP2, "again"));
    assert_conflict(err, "already applied");
    assert_eq!(s.demand().applications.len(), 1);
}

#[test]
fn an_application_id_is_used_once() {
    let mut s = with_application();
    let err = s.refused(other_researcher(), apply(APP1, "mine"));
    assert_conflict(err, &APP1.to_string());
}

#[test]
fn a_proposal_is_1_to_5000_characters() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    for bad in [
        " \n ".to_string(),
        "案".repeat(5001),
        "esc\u{1b}".to_string(),
    ] {
        assert_eq!(
            fields(s.refused(researcher(), apply(APP1, &bad))),
            vec!["proposal"]
        );
    }
    s.ok(researcher(), apply(APP1, &"案".repeat(5000)));
    assert_eq!(s.demand().applications[0].proposal.chars().count(), 5000);
}

#[test]
fn apply_checks_the_actor_then_the_demand_then_the_proposal() {
    // An enterprise learns nothing about a scene draft: forbidden, not "only open calls".
    assert_forbidden(
        in_status(DemandStatus::Draft, DemandKind::Scene)
            .refused(other_enterprise(), apply(APP1, "")),
        "enterprise",
    );
    // A closed call refuses before the blank proposal is looked at.
    assert_conflict(
        in_status(DemandStatus::Closed, DemandKind::OpenCall)
            .refused(researcher(), apply(APP1, "")),
        "closed",
    );
    // A late application is refused for lateness, not for repeating.
    let mut s = with_application();
    assert_conflict(
        s.at(utc(FIRST_LATE_INSTANT))
            .refused(researcher(), apply(APP2, "x")),
        "deadline",
    );
}

// =============================================================================================
// Select a winner

#[test]
fn the_owner_selects_a_winner_which_fulfils_the_open_call() {
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    let at = s.now;
    let events = s.ok_all(owner(), select(APP2));
    assert_eq!(
        events,
        vec![
            DemandEvent::WinnerSelected {
                application_id: APP2,
                applicant_id: other_researcher().user_id
            },
            DemandEvent::Closed {
                reason: CloseReason::Fulfilled,
                note: None
            },
        ]
    );
    let d = s.demand();
    assert_eq!(d.winner, Some(APP2));
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Fulfilled));
    assert_eq!((d.closed_at, d.updated_at), (Some(at), at));
    assert_eq!(d.applications.len(), 2);
}

#[test]
fn a_winner_may_be_selected_after_the_deadline() {
    let mut s = with_application();
    s.at(utc(FIRST_LATE_INSTANT)).ok_all(owner(), select(APP1));
    assert_eq!(s.demand().winner, Some(APP1));
}

#[test]
fn only_the_owner_selects_a_winner() {
    for (who, actor) in everyone_but(&["owner"]) {
        assert_forbidden(with_application().refused(actor, select(APP1)), who);
    }
}

#[test]
fn only_a_published_open_call_selects_a_winner() {
    for kind in [DemandKind::TechnicalProblem, DemandKind::Scene] {
        let err = in_status(DemandStatus::Published, kind).refused(owner(), select(APP1));
        assert_conflict(err, "only an open call");
    }
    let err = in_status(DemandStatus::Draft, DemandKind::OpenCall).refused(owner(), select(APP1));
    assert_conflict(err, "draft");
    // Once a winner is selected the call is closed: no second winner.
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    s.ok_all(owner(), select(APP1));
    assert_conflict(s.refused(owner(), select(APP2)), "closed");
    assert_eq!(s.demand().winner, Some(APP1));
    let mut s = with_application();
    s.ok(owner(), close(CloseReason::Cancelled));
    assert_conflict(s.refused(owner(), select(APP1)), "closed");
}

#[test]
fn the_winner_must_be_one_of_the_applications() {
    let mut s = with_application();
    let err = s.refused(owner(), select(APP2));
    assert_eq!(
        err,
        DomainError::invalid("application_id", "no such application")
    );
    let err =
        in_status(DemandStatus::Published, DemandKind::OpenCall).refused(owner(), select(APP1));
    assert_eq!(fields(err), vec!["application_id"]);
}

//! The review: publish or return a listing under review.

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};
use crate::domain::Role;

// =============================================================================================
// Publish

#[test]
fn a_tech_manager_publishes_a_listing_that_is_not_job_related() {
    let mut s = in_status(ListingStatus::UnderReview, false);
    let at = s.now;
    assert_eq!(
        s.ok(tech_manager(), ListingAction::Publish),
        ListingEvent::Published
    );
    assert_eq!(s.status(), ListingStatus::Published);
    assert_eq!(s.listing().published_at, Some(at));
    assert_eq!(s.listing().updated_at, at);
}

#[test]
fn the_owning_institution_publishes_a_job_related_listing() {
    let mut s = in_status(ListingStatus::UnderReview, true);
    let at = s.now;
    assert_eq!(
        s.ok(institution_admin(), ListingAction::Publish),
        ListingEvent::Published
    );
    assert_eq!(
        (s.status(), s.listing().published_at),
        (ListingStatus::Published, Some(at))
    );
}

#[test]
fn nobody_else_publishes_a_listing_that_is_not_job_related() {
    for (who, actor) in everyone_but(&["tech_manager"]) {
        assert_forbidden(
            in_status(ListingStatus::UnderReview, false).refused(actor, ListingAction::Publish),
            who,
        );
    }
}

#[test]
fn nobody_else_publishes_a_job_related_listing_not_even_a_tech_manager() {
    for (who, actor) in everyone_but(&["institution_admin"]) {
        assert_forbidden(
            in_status(ListingStatus::UnderReview, true).refused(actor, ListingAction::Publish),
            who,
        );
    }
}

#[test]
fn the_owner_never_publishes_their_own_listing_whatever_their_role() {
    // An owner whose role later became institution admin of the owning institution.
    let promoted = Actor {
        role: Role::InstitutionAdmin,
        organization_id: Some(UNIVERSITY),
        ..owner()
    };
    let err = in_status(ListingStatus::UnderReview, true).refused(promoted, ListingAction::Publish);
    assert_eq!(
        err,
        DomainError::forbidden("nobody can publish their own listing")
    );
    let as_manager = Actor {
        role: Role::TechManager,
        ..owner()
    };
    assert_forbidden(
        in_status(ListingStatus::UnderReview, false).refused(as_manager, ListingAction::Publish),
        "owner",
    );
}

#[test]
fn publish_outside_under_review_conflicts() {
    for job in [false, true] {
        for status in statuses_except(&[ListingStatus::UnderReview]) {
            let err = in_status(status, job).refused(reviewer(job), ListingAction::Publish);
            assert_conflict(err, status.as_str());
        }
    }
}

// =============================================================================================
// Return

#[test]
fn a_tech_manager_returns_a_listing_with_trimmed_reasons() {
    for job in [false, true] {
        let mut s = in_status(ListingStatus::UnderReview, job);
        let event = s.ok(
            tech_manager(),
            return_with(&["  missing TRL evidence ", "补充专利证书"]),
        );
        let reasons = vec![
            "missing TRL evidence".to_string(),
            "补充专利证书".to_string(),
        ];
        assert_eq!(
            event,
            ListingEvent::Returned {
                reasons: reasons.clone()
            }
        );
        assert_eq!(s.status(), ListingStatus::Returned);
        assert_eq!(s.listing().return_reasons, reasons);
    }
}

#[test]
fn the_owning_institution_returns_a_job_related_listing() {
    let mut s = in_status(ListingStatus::UnderReview, true);
    s.ok(
        institution_admin(),
        return_with(&["inventor shares disputed"]),
    );
    assert_eq!(s.status(), ListingStatus::Returned);
}

#[test]
fn an_institution_admin_cannot_return_a_listing_that_is_not_job_related() {
    let err = in_status(ListingStatus::UnderReview, false)
        .refused(institution_admin(), return_with(&["no"]));
    assert_forbidden(err, "institution_admin");
}

#[test]
fn nobody_else_returns_a_listing() {
    for (who, actor) in everyone_but(&["tech_manager", "institution_admin"]) {
        assert_forbidden(
            in_status(ListingStatus::UnderReview, true).refused(actor, return_with(&["no"])),
            who,
        );
    }
}

#[test]
fn return_outside_under_review_conflicts() {
    for status in statuses_except(&[ListingStatus::UnderReview]) {
        let err = in_status(status, false).refused(tech_manager(), return_with(&["no"]));
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn return_needs_1_to_20_reasons_of_1_to_500_characters() {
    let refuse = |reasons: Vec<String>| {
        in_status(ListingStatus::UnderReview, false)
            .refused(tech_manager(), ListingAction::Return { reasons })
    };
    assert_eq!(fields(refuse(vec![])), vec!["reasons"]);
    assert_eq!(fields(refuse(vec!["r".to_string(); 21])), vec!["reasons"]);
    assert_eq!(
        fields(refuse(vec![
            "fine".into(),
            "  ".into(),
            "理".repeat(501),
            "ok".into()
        ])),
        vec!["reasons[1]", "reasons[2]"]
    );
    let mut s = in_status(ListingStatus::UnderReview, false);
    let longest = "理".repeat(500);
    let twenty = vec![longest.clone(); 20];
    assert_eq!(
        s.ok(
            tech_manager(),
            ListingAction::Return {
                reasons: twenty.clone()
            }
        ),
        ListingEvent::Returned { reasons: twenty }
    );
}

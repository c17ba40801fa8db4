//! Existence, create, revise and submit.

use esrs::Aggregate;

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};
use crate::domain::Role;

// =============================================================================================
// Existence

#[test]
fn every_action_but_create_needs_an_existing_listing() {
    for action in every_action_but_create() {
        let mut s = story();
        assert_eq!(
            s.refused(owner(), action.clone()),
            DomainError::NotFound,
            "{action:?}"
        );
        assert_eq!(s.state.listing, None);
    }
}

#[test]
fn applying_anything_but_created_to_an_empty_state_leaves_it_empty() {
    let recorded = Recorded {
        actor: owner(),
        at: t0(),
        event: ListingEvent::Submitted,
    };
    assert_eq!(
        Listing::apply_event(ListingState::default(), recorded).listing,
        None
    );
}

// =============================================================================================
// Create

#[test]
fn a_researcher_creates_a_draft_owned_by_them_and_their_organization() {
    let mut s = story();
    let events = s
        .try_run(owner(), ListingAction::Create(content(true)))
        .unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: owner(),
            at: t0(),
            event: ListingEvent::Created {
                owner_id: owner().user_id,
                owner_organization_id: Some(LAB),
                content: content(true)
            },
        }]
    );
    let l = s.listing();
    assert_eq!(l.status, ListingStatus::Draft);
    assert_eq!(
        (l.owner_id, l.owner_organization_id),
        (owner().user_id, Some(LAB))
    );
    assert_eq!(l.content, content(true));
    assert_eq!((l.created_at, l.updated_at), (t0(), t0()));
    assert_eq!(l.published_at, None);
    assert!(l.return_reasons.is_empty());
    assert_eq!(
        (
            l.withdrawal_reason.as_ref(),
            l.price_notice,
            l.transferred_by_contract
        ),
        (None, None, None)
    );
}

#[test]
fn a_researcher_without_organization_may_create() {
    let mut s = story();
    let loner = cast::person(50, Role::Researcher, None);
    s.ok(loner, ListingAction::Create(content(false)));
    assert_eq!(s.listing().owner_organization_id, None);
}

#[test]
fn only_researchers_create() {
    for (who, actor) in everyone_but(&["owner", "colleague", "stranger"]) {
        let err = story().refused(actor, ListingAction::Create(content(false)));
        assert_forbidden(err, who);
    }
}

#[test]
fn create_on_an_existing_listing_conflicts() {
    let mut s = in_status(ListingStatus::Draft, false);
    assert_conflict(
        s.refused(owner(), ListingAction::Create(content(false))),
        "already exists",
    );
    assert_conflict(
        s.refused(colleague(), ListingAction::Create(content(false))),
        "already exists",
    );
}

#[test]
fn create_and_revise_recheck_the_institution_rule_on_hand_built_content() {
    let orphan = ListingContent {
        institution_id: None,
        ..content(true)
    };
    assert_eq!(
        fields(story().refused(owner(), ListingAction::Create(orphan.clone()))),
        vec!["institution_id"]
    );
    let stray = ListingContent {
        institution_id: Some(UNIVERSITY),
        ..content(false)
    };
    assert_eq!(
        fields(story().refused(owner(), ListingAction::Create(stray))),
        vec!["institution_id"]
    );
    let mut s = in_status(ListingStatus::Draft, true);
    assert_eq!(
        fields(s.refused(owner(), ListingAction::Revise(orphan))),
        vec!["institution_id"]
    );
}

// =============================================================================================
// Revise

#[test]
fn the_owner_revises_a_draft() {
    let mut s = in_status(ListingStatus::Draft, false);
    let revised = parse(ListingInput {
        title: "New title".into(),
        trl: 5,
        ..input()
    })
    .unwrap();
    let at = s.now;
    assert_eq!(
        s.ok(owner(), ListingAction::Revise(revised.clone())),
        ListingEvent::Revised {
            content: revised.clone()
        }
    );
    assert_eq!(s.listing().content, revised);
    assert_eq!(s.status(), ListingStatus::Draft);
    assert_eq!((s.listing().created_at, s.listing().updated_at), (t0(), at));
}

#[test]
fn revising_with_identical_content_is_allowed() {
    let mut s = in_status(ListingStatus::Draft, false);
    assert_eq!(
        s.ok(owner(), ListingAction::Revise(content(false))),
        ListingEvent::Revised {
            content: content(false)
        }
    );
}

#[test]
fn revising_a_returned_listing_makes_it_a_draft_again() {
    let mut s = in_status(ListingStatus::Returned, true);
    s.ok(owner(), ListingAction::Revise(content(true)));
    assert_eq!(s.status(), ListingStatus::Draft);
    // The reasons stay readable until the next submission.
    assert_eq!(s.listing().return_reasons, vec!["add test data"]);
}

#[test]
fn only_the_owner_revises() {
    for (who, actor) in everyone_but(&["owner"]) {
        let err = in_status(ListingStatus::Draft, true)
            .refused(actor, ListingAction::Revise(content(true)));
        assert_forbidden(err, who);
    }
}

#[test]
fn revise_outside_draft_and_returned_conflicts() {
    for status in statuses_except(&[ListingStatus::Draft, ListingStatus::Returned]) {
        let err = in_status(status, false).refused(owner(), ListingAction::Revise(content(false)));
        assert_conflict(err, status.as_str());
    }
}

// =============================================================================================
// Submit

#[test]
fn the_owner_submits_a_draft_for_review() {
    let mut s = in_status(ListingStatus::Draft, false);
    assert_eq!(
        s.ok(owner(), ListingAction::Submit),
        ListingEvent::Submitted
    );
    assert_eq!(s.status(), ListingStatus::UnderReview);
}

#[test]
fn resubmitting_after_a_return_clears_the_reasons() {
    let mut s = in_status(ListingStatus::Returned, false);
    assert_eq!(s.listing().return_reasons, vec!["add test data"]);
    s.ok(owner(), ListingAction::Revise(content(false)));
    s.ok(owner(), ListingAction::Submit);
    assert_eq!(s.status(), ListingStatus::UnderReview);
    assert!(s.listing().return_reasons.is_empty());
}

#[test]
fn a_returned_listing_must_be_revised_before_resubmitting() {
    let err = in_status(ListingStatus::Returned, false).refused(owner(), ListingAction::Submit);
    assert_eq!(
        err,
        DomainError::conflict("revise the returned listing before resubmitting")
    );
}

#[test]
fn submit_outside_draft_conflicts() {
    for status in statuses_except(&[ListingStatus::Draft, ListingStatus::Returned]) {
        let err = in_status(status, true).refused(owner(), ListingAction::Submit);
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn only_the_owner_submits() {
    for (who, actor) in everyone_but(&["owner"]) {
        assert_forbidden(
            in_status(ListingStatus::Draft, false).refused(actor, ListingAction::Submit),
            who,
        );
    }
}

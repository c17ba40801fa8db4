//! TRL revisions and the transfer.

use esrs::Aggregate;

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};

// =============================================================================================
// TRL revision

#[test]
fn a_provider_revises_the_trl_with_its_verification_as_source() {
    let mut s = in_status(ListingStatus::Published, false);
    let event = s.ok(
        provider(),
        ListingAction::ReviseTrl {
            trl: trl(6),
            source: Some(VERIFICATION),
        },
    );
    assert_eq!(
        event,
        ListingEvent::TrlRevised {
            from: trl(4),
            to: trl(6),
            source: Some(VERIFICATION)
        }
    );
    assert_eq!(s.listing().content.trl, trl(6));
    assert_eq!(s.status(), ListingStatus::Published);
}

#[test]
fn the_owner_and_a_platform_admin_may_revise_the_trl_in_either_direction() {
    let mut s = in_status(ListingStatus::Draft, false);
    s.ok(
        owner(),
        ListingAction::ReviseTrl {
            trl: trl(3),
            source: None,
        },
    );
    assert_eq!(
        s.ok(
            platform_admin(),
            ListingAction::ReviseTrl {
                trl: trl(9),
                source: None
            }
        ),
        ListingEvent::TrlRevised {
            from: trl(3),
            to: trl(9),
            source: None
        }
    );
    assert_eq!(s.listing().content.trl.get(), 9);
}

#[test]
fn the_trl_changes_in_every_status_but_withdrawn_and_transferred() {
    for status in [
        ListingStatus::Draft,
        ListingStatus::UnderReview,
        ListingStatus::Returned,
        ListingStatus::Published,
    ] {
        let mut s = in_status(status, true);
        s.ok(
            provider(),
            ListingAction::ReviseTrl {
                trl: trl(5),
                source: None,
            },
        );
        assert_eq!((s.status(), s.listing().content.trl), (status, trl(5)));
    }
    for status in [ListingStatus::Withdrawn, ListingStatus::Transferred] {
        let err = in_status(status, true).refused(
            provider(),
            ListingAction::ReviseTrl {
                trl: trl(5),
                source: None,
            },
        );
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn revising_the_trl_to_its_current_value_conflicts() {
    let err = in_status(ListingStatus::Published, false).refused(
        provider(),
        ListingAction::ReviseTrl {
            trl: trl(4),
            source: None,
        },
    );
    assert_eq!(err, DomainError::conflict("TRL is already 4"));
}

#[test]
fn nobody_else_revises_the_trl() {
    for (who, actor) in everyone_but(&["owner", "provider", "platform_admin"]) {
        let err = in_status(ListingStatus::Published, true).refused(
            actor,
            ListingAction::ReviseTrl {
                trl: trl(7),
                source: None,
            },
        );
        assert_forbidden(err, who);
    }
}

// =============================================================================================
// Transfer

#[test]
fn a_registrar_marks_a_published_listing_transferred() {
    let mut s = in_status(ListingStatus::Published, false);
    let at = s.now;
    assert_eq!(
        s.ok(
            registrar(),
            ListingAction::MarkTransferred {
                contract_id: CONTRACT
            }
        ),
        ListingEvent::Transferred {
            contract_id: CONTRACT
        }
    );
    assert_eq!(s.status(), ListingStatus::Transferred);
    assert_eq!(s.listing().transferred_by_contract, Some(CONTRACT));
    assert_eq!(s.listing().updated_at, at);
}

#[test]
fn nobody_else_marks_a_listing_transferred() {
    for (who, actor) in everyone_but(&["registrar"]) {
        let err = in_status(ListingStatus::Published, true).refused(
            actor,
            ListingAction::MarkTransferred {
                contract_id: CONTRACT,
            },
        );
        assert_forbidden(err, who);
    }
}

#[test]
fn only_a_published_listing_is_transferred() {
    for status in statuses_except(&[ListingStatus::Published]) {
        let err = in_status(status, false).refused(
            registrar(),
            ListingAction::MarkTransferred {
                contract_id: CONTRACT,
            },
        );
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn a_trl_revision_from_the_same_source_is_applied_once() {
    // The TRL policy is at-least-once: the same verification outcome may arrive twice.
    let step = |state: ListingState, actor: Actor, minutes: i64, action: ListingAction| {
        let cmd = Command::new(actor, t0() + chrono::TimeDelta::minutes(minutes), action);
        let events = Listing::handle_command(&state, cmd).unwrap();
        let n = events.len();
        (events.into_iter().fold(state, Listing::apply_event), n)
    };
    let (state, _) = step(
        ListingState::default(),
        owner(),
        0,
        ListingAction::Create(content(false)),
    );
    let source = Uuid::from_u128(42);
    let revise = |n: i64| ListingAction::ReviseTrl {
        trl: trl(n),
        source: Some(source),
    };
    let (state, n) = step(state, provider(), 1, revise(6));
    assert_eq!(n, 1);
    assert_eq!(state.listing.as_ref().unwrap().content.trl, trl(6));
    assert_eq!(state.listing.as_ref().unwrap().trl_sources, vec![source]);
    // Delivered again: nothing is appended, whatever TRL it names.
    let (state, n) = step(state, provider(), 2, revise(6));
    assert_eq!(n, 0);
    let (state, n) = step(state, provider(), 3, revise(8));
    assert_eq!(
        (n, state.listing.as_ref().unwrap().content.trl),
        (0, trl(6))
    );
    // A revision without a source is not deduplicated.
    let (state, n) = step(
        state,
        provider(),
        4,
        ListingAction::ReviseTrl {
            trl: trl(7),
            source: None,
        },
    );
    assert_eq!((n, state.listing.unwrap().content.trl), (1, trl(7)));
}

#[test]
fn the_platform_marks_a_listing_transferred_on_a_registered_contract() {
    let mut s = in_status(ListingStatus::Published, false);
    s.ok(
        Actor::system(),
        ListingAction::MarkTransferred {
            contract_id: Uuid::from_u128(7),
        },
    );
    assert_eq!(s.listing().status, ListingStatus::Transferred);
}

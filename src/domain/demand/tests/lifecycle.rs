//! Existence, create, revise and publish.

use esrs::Aggregate;

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};

// =============================================================================================
// Existence

#[test]
fn every_action_but_create_needs_an_existing_demand() {
    for action in every_action_but_create() {
        let mut s = story();
        assert_eq!(
            s.refused(owner(), action.clone()),
            DomainError::NotFound,
            "{action:?}"
        );
        assert_eq!(s.state.demand, None);
    }
}

#[test]
fn applying_anything_but_created_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: owner(),
            at: t0(),
            event,
        };
        assert_eq!(
            Demand::apply_event(DemandState::default(), recorded).demand,
            None
        );
    }
}

// =============================================================================================
// Create

#[test]
fn an_enterprise_creates_a_draft_owned_by_them_and_their_organization() {
    let mut s = story();
    let events = s
        .try_run(owner(), DemandAction::Create(content(DemandKind::OpenCall)))
        .unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: owner(),
            at: t0(),
            event: DemandEvent::Created {
                owner_id: owner().user_id,
                owner_organization_id: Some(COMPANY),
                content: content(DemandKind::OpenCall),
            },
        }]
    );
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Draft);
    assert_eq!(
        (d.owner_id, d.owner_organization_id),
        (owner().user_id, Some(COMPANY))
    );
    assert_eq!(d.content, content(DemandKind::OpenCall));
    assert_eq!((d.created_at, d.updated_at), (t0(), t0()));
    assert_eq!((d.published_at, d.closed_at), (None, None));
    assert_eq!((d.close_reason, d.close_note.as_ref()), (None, None));
    assert!(d.applications.is_empty());
    assert_eq!(d.winner, None);
}

#[test]
fn an_enterprise_without_organization_may_create() {
    let loner = cast::person(50, Role::Enterprise, None);
    let mut s = story();
    s.ok(loner, DemandAction::Create(content(DemandKind::Scene)));
    assert_eq!(
        (s.demand().owner_id, s.demand().owner_organization_id),
        (loner.user_id, None)
    );
}

#[test]
fn only_enterprises_create() {
    for (who, actor) in everyone_but(&["owner", "colleague", "other_enterprise"]) {
        let err = story().refused(
            actor,
            DemandAction::Create(content(DemandKind::TechnicalProblem)),
        );
        assert_forbidden(err, who);
    }
}

#[test]
fn create_on_an_existing_demand_conflicts() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::Scene);
    for actor in [owner(), colleague(), researcher()] {
        assert_conflict(
            s.refused(actor, DemandAction::Create(content(DemandKind::Scene))),
            "already exists",
        );
    }
}

#[test]
fn create_and_revise_recheck_the_rules_between_fields_on_hand_built_content() {
    for (bad, field) in hand_built_breaches() {
        assert_eq!(
            fields(story().refused(owner(), DemandAction::Create(bad.clone()))),
            vec![field]
        );
        let mut s = in_status(DemandStatus::Draft, bad.kind);
        assert_eq!(
            fields(s.refused(owner(), DemandAction::Revise(bad))),
            vec![field]
        );
    }
}

// =============================================================================================
// Revise

#[test]
fn the_owner_revises_a_draft_even_its_kind() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::TechnicalProblem);
    let revised = parse(DemandInput {
        title: "New title".into(),
        valid_until: date(2027, 3, 31),
        ..call_input()
    })
    .unwrap();
    let at = s.now;
    assert_eq!(
        s.ok(owner(), DemandAction::Revise(revised.clone())),
        DemandEvent::Revised {
            content: revised.clone()
        }
    );
    let d = s.demand();
    assert_eq!(d.content, revised);
    assert_eq!(d.content.kind, DemandKind::OpenCall);
    assert_eq!(d.status, DemandStatus::Draft);
    assert_eq!((d.created_at, d.updated_at), (t0(), at));
}

#[test]
fn the_owner_revises_a_published_demand_which_stays_published() {
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    let published_at = s.demand().published_at;
    let revised = parse(DemandInput {
        budget_max_fen: Some(900_000_000),
        valid_until: date(2027, 6, 30),
        ..input_of(DemandKind::Scene)
    })
    .unwrap();
    s.ok(owner(), DemandAction::Revise(revised.clone()));
    assert_eq!(s.status(), DemandStatus::Published);
    assert_eq!(s.demand().content, revised);
    assert_eq!(s.demand().published_at, published_at);
}

#[test]
fn revising_with_identical_content_is_allowed() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    assert_eq!(
        s.ok(owner(), DemandAction::Revise(content(DemandKind::OpenCall))),
        DemandEvent::Revised {
            content: content(DemandKind::OpenCall)
        }
    );
}

#[test]
fn only_the_owner_revises() {
    for status in [DemandStatus::Draft, DemandStatus::Published] {
        for (who, actor) in everyone_but(&["owner"]) {
            let err = in_status(status, DemandKind::Scene)
                .refused(actor, DemandAction::Revise(content(DemandKind::Scene)));
            assert_forbidden(err, who);
        }
    }
}

#[test]
fn a_closed_demand_cannot_be_revised() {
    for reason in CloseReason::ALL.iter().copied() {
        let err =
            closed_by(reason).refused(owner(), DemandAction::Revise(content(DemandKind::OpenCall)));
        assert_conflict(err, "closed");
    }
}

#[test]
fn the_kind_of_a_published_demand_cannot_change() {
    for (from, to) in [
        (DemandKind::TechnicalProblem, DemandKind::Scene),
        (DemandKind::Scene, DemandKind::OpenCall),
        (DemandKind::OpenCall, DemandKind::TechnicalProblem),
    ] {
        let err = in_status(DemandStatus::Published, from)
            .refused(owner(), DemandAction::Revise(content(to)));
        assert_eq!(
            err,
            DomainError::conflict("the kind of a published demand cannot change"),
            "{from} → {to}"
        );
    }
}

#[test]
fn the_terms_of_an_open_call_with_applications_cannot_change() {
    let changed_terms = |change: fn(&mut OpenCallTerms)| {
        let mut c = content(DemandKind::OpenCall);
        change(c.open_call.as_mut().unwrap());
        c
    };
    let changes: [fn(&mut OpenCallTerms); 3] = [
        |t| t.bounty_fen += 1,
        |t| t.deadline = date(2026, 12, 1),
        |t| t.acceptance_criteria.push_str(" And cheap."),
    ];
    for change in changes {
        let revised = changed_terms(change);
        let err = with_application().refused(owner(), DemandAction::Revise(revised.clone()));
        assert_conflict(err, "open call that has applications");
        // Without applications the same change is fine.
        let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
        s.ok(owner(), DemandAction::Revise(revised.clone()));
        assert_eq!(s.demand().content.open_call, revised.open_call);
    }
    // Everything else may still change once applications are in.
    let mut s = with_application();
    let revised = DemandContent {
        description: "更详细的描述".into(),
        valid_until: date(2027, 1, 31),
        ..content(DemandKind::OpenCall)
    };
    s.ok(owner(), DemandAction::Revise(revised.clone()));
    assert_eq!(s.demand().content, revised);
    assert_eq!(s.demand().applications.len(), 1);
}

#[test]
fn revise_checks_the_actor_then_the_status_then_the_content() {
    let (bad, _) = hand_built_breaches().remove(0);
    let mut s = closed_by(CloseReason::Cancelled);
    assert_forbidden(
        s.refused(colleague(), DemandAction::Revise(bad.clone())),
        "colleague",
    );
    assert_conflict(s.refused(owner(), DemandAction::Revise(bad)), "closed");
}

// =============================================================================================
// Publish

#[test]
fn the_owner_publishes_a_draft() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::OpenCall);
    let at = s.now;
    assert_eq!(s.ok(owner(), DemandAction::Publish), DemandEvent::Published);
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Published);
    assert_eq!((d.published_at, d.updated_at), (Some(at), at));
    assert_eq!(d.closed_at, None);
}

#[test]
fn only_the_owner_publishes() {
    for (who, actor) in everyone_but(&["owner"]) {
        assert_forbidden(
            in_status(DemandStatus::Draft, DemandKind::Scene).refused(actor, DemandAction::Publish),
            who,
        );
    }
}

#[test]
fn publish_outside_draft_conflicts() {
    for status in [DemandStatus::Published, DemandStatus::Closed] {
        let err = in_status(status, DemandKind::Scene).refused(owner(), DemandAction::Publish);
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn a_draft_is_published_through_its_last_valid_day_in_china_and_not_after() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::TechnicalProblem);
    let err = s
        .at(utc(FIRST_EXPIRED_INSTANT))
        .refused(owner(), DemandAction::Publish);
    assert_conflict(err, "2026-12-31");
    assert_eq!(s.status(), DemandStatus::Draft);
    s.at(utc(LAST_VALID_INSTANT))
        .ok(owner(), DemandAction::Publish);
    assert_eq!(
        (s.status(), s.demand().published_at),
        (DemandStatus::Published, Some(utc(LAST_VALID_INSTANT)))
    );
}

#[test]
fn an_open_call_is_published_through_its_deadline_day_in_china_and_not_after() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::OpenCall);
    let err = s
        .at(utc(FIRST_LATE_INSTANT))
        .refused(owner(), DemandAction::Publish);
    assert_conflict(err, "deadline");
    s.at(utc(LAST_DEADLINE_INSTANT))
        .ok(owner(), DemandAction::Publish);
    assert_eq!(s.status(), DemandStatus::Published);
}

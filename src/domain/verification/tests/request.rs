//! Making a request, and what needs one to exist.

use super::*;

// =============================================================================================
// Existence

#[test]
fn every_action_but_request_needs_an_existing_request() {
    for action in every_action_but_request() {
        for (who, actor) in everyone() {
            let mut s = story();
            assert_eq!(
                s.refused(actor, action.clone()),
                DomainError::NotFound,
                "{who} {action:?}"
            );
            assert_eq!(s.state.request, None);
        }
    }
}

#[test]
fn applying_anything_but_requested_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: provider(),
            at: t0(),
            event,
        };
        assert_eq!(
            VerificationRequest::apply_event(VerificationState::default(), recorded).request,
            None
        );
    }
}

// =============================================================================================
// Request

#[test]
fn a_researcher_requests_a_verification() {
    let mut s = story();
    let events = s
        .try_run(requester(), VerificationAction::Request(content()))
        .unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: requester(),
            at: t0(),
            event: VerificationEvent::Requested {
                requester_id: requester().user_id,
                requester_organization_id: Some(LAB),
                content: content(),
            },
        }]
    );
    assert_eq!(
        s.request(),
        &VerificationData {
            requester_id: requester().user_id,
            requester_organization_id: Some(LAB),
            status: VerificationStatus::Requested,
            content: content(),
            acceptance_note: None,
            decline_reason: None,
            cancel_reason: None,
            milestones: vec![],
            outcome: None,
            trl_after: None,
            report: None,
            created_at: t0(),
            updated_at: t0(),
            completed_at: None,
        }
    );
}

#[test]
fn a_researcher_without_organization_may_request_a_pilot_run() {
    let loner = cast::person(50, Role::Researcher, None);
    let pilot = parse(pilot_input()).unwrap();
    let mut s = story();
    s.ok(loner, VerificationAction::Request(pilot.clone()));
    let r = s.request();
    assert_eq!(
        (r.requester_id, r.requester_organization_id, &r.content),
        (loner.user_id, None, &pilot)
    );
}

#[test]
fn only_researchers_request() {
    for (who, actor) in everyone_but(&["requester", "colleague", "other_researcher"]) {
        let err = story().refused(actor, VerificationAction::Request(content()));
        assert_eq!(
            err,
            DomainError::forbidden("only a researcher can request a verification"),
            "{who}"
        );
    }
}

#[test]
fn request_on_an_existing_request_conflicts_whatever_its_state() {
    for status in VerificationStatus::ALL.iter().copied() {
        for (who, actor) in everyone() {
            let err = in_status(status).refused(actor, VerificationAction::Request(content()));
            assert_eq!(
                err,
                DomainError::conflict("verification request already exists"),
                "{status} {who}"
            );
        }
    }
}

/// Content that bypassed `parse`, each breaking one rule.
fn hand_built_breaches() -> Vec<(RequestContent, Vec<&'static str>)> {
    vec![
        (
            RequestContent {
                services: vec![],
                ..content()
            },
            vec!["services"],
        ),
        (
            RequestContent {
                services: vec![Service::Prototype, Service::ScaleUp, Service::Prototype],
                ..content()
            },
            vec!["services[1]", "services[2]"],
        ),
        (
            RequestContent {
                stage: Stage::PilotScale,
                ..content()
            },
            vec!["services[0]", "services[1]"],
        ),
        (
            RequestContent {
                trl_target: trl(4),
                ..content()
            },
            vec!["trl_target"],
        ),
        (
            RequestContent {
                trl_before: trl(7),
                ..content()
            },
            vec!["trl_target"],
        ),
        (
            RequestContent {
                budget_fen: 0,
                ..content()
            },
            vec!["budget_fen"],
        ),
        (
            RequestContent {
                budget_fen: MAX_FEN + 1,
                ..content()
            },
            vec!["budget_fen"],
        ),
        (
            RequestContent {
                schedule: Schedule {
                    start: date(2026, 8, 1),
                    end: date(2026, 7, 31),
                },
                ..content()
            },
            vec!["schedule.end"],
        ),
    ]
}

#[test]
fn request_rechecks_the_rules_on_hand_built_content() {
    for (bad, expected) in hand_built_breaches() {
        assert_eq!(
            fields(story().refused(requester(), VerificationAction::Request(bad.clone()))),
            expected,
            "{bad:?}"
        );
        // The actor comes first: a non-researcher learns nothing about the content.
        assert_forbidden(
            story().refused(provider(), VerificationAction::Request(bad)),
            "provider",
        );
    }
    // A schedule that has started by now is not re-checked: it was when the content was parsed.
    let mut s = story();
    s.now = utc("2026-09-01T00:00:00Z");
    s.ok(requester(), VerificationAction::Request(content()));
}

//! The transition table, a whole story, and how events move the timestamps.

use super::*;

// =============================================================================================
// The transition table, in one place

#[test]
fn each_action_is_allowed_exactly_in_its_states() {
    use VerificationStatus as S;
    let allowed = |action: &VerificationAction| -> (Actor, Vec<S>) {
        match action {
            VerificationAction::Request(_) => (requester(), vec![]),
            VerificationAction::Accept { .. } | VerificationAction::Decline { .. } => {
                (provider(), vec![S::Requested])
            }
            VerificationAction::ReportMilestone { .. } | VerificationAction::Complete { .. } => {
                (provider(), vec![S::Accepted, S::InProgress])
            }
            VerificationAction::Cancel { .. } => {
                (requester(), vec![S::Requested, S::Accepted, S::InProgress])
            }
        }
    };
    for action in every_action() {
        let (actor, states) = allowed(&action);
        for status in VerificationStatus::ALL.iter().copied() {
            let mut s = in_status(status);
            // The milestone of `in_status(InProgress)` is M1; report another one.
            let action = match action.clone() {
                VerificationAction::ReportMilestone { .. } => milestone(M2, "m", None),
                other => other,
            };
            let result = s.try_run(actor, action.clone());
            assert_eq!(
                result.is_ok(),
                states.contains(&status),
                "{action:?} in {status}: {result:?}"
            );
            if let Err(err) = result {
                assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
            }
        }
    }
}

// =============================================================================================
// A whole story, and timestamps

#[test]
fn a_concept_verification_from_request_to_a_raised_trl() {
    let mut s = requested();
    s.ok(provider(), accept(Some("OK")));
    s.ok(provider(), milestone(M1, "原理验证", Some(50)));
    s.ok(provider_colleague(), milestone(M2, "原型", Some(100)));
    let last = s.now;
    s.ok(provider(), complete(Outcome::Success, 7, "达到 TRL 7"));
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::Completed);
    assert_eq!(r.acceptance_note.as_deref(), Some("OK"));
    assert_eq!(r.milestones.len(), 2);
    assert_eq!(r.created_at, t0());
    assert_eq!((r.completed_at, r.updated_at), (Some(last), last));
    assert_eq!(last, t0() + TimeDelta::hours(4));
    assert_eq!(r.raised_trl(), Some(trl(7)));
    assert_eq!(r.content.trl_before, trl(4));
}

#[test]
fn every_event_moves_updated_at_to_its_recorded_instant() {
    let mut state = VerificationRequest::apply_event(
        VerificationState::default(),
        Recorded {
            actor: requester(),
            at: t0(),
            event: all_events().remove(0),
        },
    );
    for (n, event) in all_events().into_iter().skip(1).enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64 + 1);
        state = VerificationRequest::apply_event(
            state,
            Recorded {
                actor: provider(),
                at,
                event: event.clone(),
            },
        );
        let r = state.request.as_ref().unwrap();
        assert_eq!((r.created_at, r.updated_at), (t0(), at), "{}", event.name());
        if let VerificationEvent::Completed { .. } = event {
            assert_eq!(r.completed_at, Some(at));
        }
    }
}

#[test]
fn a_milestone_replayed_outside_accepted_work_keeps_the_status() {
    // Replaying the log exactly: only accepted work moves to in_progress.
    let mut state = in_status(VerificationStatus::Requested).state;
    state = VerificationRequest::apply_event(
        state,
        Recorded {
            actor: provider(),
            at: t0(),
            event: VerificationEvent::MilestoneReported {
                milestone: sample_milestone(),
            },
        },
    );
    let r = state.request.unwrap();
    assert_eq!(r.status, VerificationStatus::Requested);
    assert_eq!(r.milestones, vec![sample_milestone()]);
}

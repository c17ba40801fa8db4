//! Event → state: how each stored event changes a verification request.

use super::{VerificationData, VerificationEvent, VerificationState, VerificationStatus};
use crate::domain::Recorded;

pub(super) fn evolve(
    mut state: VerificationState,
    payload: Recorded<VerificationEvent>,
) -> VerificationState {
    let Recorded { at, event, .. } = payload;
    if let VerificationEvent::Requested {
        requester_id,
        requester_organization_id,
        content,
    } = event
    {
        state.request = Some(VerificationData {
            requester_id,
            requester_organization_id,
            status: VerificationStatus::Requested,
            content,
            acceptance_note: None,
            decline_reason: None,
            cancel_reason: None,
            milestones: Vec::new(),
            outcome: None,
            trl_after: None,
            report: None,
            created_at: at,
            updated_at: at,
            completed_at: None,
        });
        return state;
    }
    // The decider never emits anything before `Requested`; applying stays total rather than
    // panicking in the middle of a rebuild.
    let Some(request) = state.request.as_mut() else {
        return state;
    };
    request.updated_at = at;
    match event {
        VerificationEvent::Requested { .. } => {}
        VerificationEvent::Accepted { note } => {
            request.status = VerificationStatus::Accepted;
            request.acceptance_note = note;
        }
        VerificationEvent::Declined { reason } => {
            request.status = VerificationStatus::Declined;
            request.decline_reason = Some(reason);
        }
        VerificationEvent::MilestoneReported { milestone } => {
            if request.status == VerificationStatus::Accepted {
                request.status = VerificationStatus::InProgress;
            }
            request.milestones.push(milestone);
        }
        VerificationEvent::Completed {
            outcome,
            trl_after,
            report,
        } => {
            request.status = VerificationStatus::Completed;
            request.outcome = Some(outcome);
            request.trl_after = Some(trl_after);
            request.report = Some(report);
            request.completed_at = Some(at);
        }
        VerificationEvent::Cancelled { reason } => {
            request.status = VerificationStatus::Cancelled;
            request.cancel_reason = Some(reason);
        }
    }
    state
}

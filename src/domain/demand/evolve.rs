//! Event → state: how each recorded event changes the demand.

use chrono::{DateTime, Utc};

use super::{CloseReason, DemandData, DemandEvent, DemandState, DemandStatus};

/// Folds one event, recorded at `at`, into the state.
pub(super) fn evolve(mut state: DemandState, at: DateTime<Utc>, event: DemandEvent) -> DemandState {
    if let DemandEvent::Created {
        owner_id,
        owner_organization_id,
        content,
    } = event
    {
        state.demand = Some(DemandData {
            owner_id,
            owner_organization_id,
            status: DemandStatus::Draft,
            close_reason: None,
            close_note: None,
            content,
            applications: Vec::new(),
            winner: None,
            created_at: at,
            updated_at: at,
            published_at: None,
            closed_at: None,
        });
        return state;
    }
    // The decider never emits anything before `Created`; applying stays total rather than
    // panicking in the middle of a rebuild.
    let Some(demand) = state.demand.as_mut() else {
        return state;
    };
    demand.updated_at = at;
    match event {
        DemandEvent::Created { .. } => {}
        DemandEvent::Revised { content } => demand.content = content,
        DemandEvent::Published => {
            demand.status = DemandStatus::Published;
            demand.published_at = Some(at);
        }
        DemandEvent::Closed { reason, note } => {
            demand.status = DemandStatus::Closed;
            demand.close_reason = Some(reason);
            demand.close_note = note;
            demand.closed_at = Some(at);
        }
        DemandEvent::Expired => {
            demand.status = DemandStatus::Closed;
            demand.close_reason = Some(CloseReason::Expired);
            demand.close_note = None;
            demand.closed_at = Some(at);
        }
        DemandEvent::Applied { application } => demand.applications.push(application),
        DemandEvent::WinnerSelected { application_id, .. } => {
            demand.winner = Some(application_id);
        }
        DemandEvent::FulfilledByContract { .. } => {
            demand.status = DemandStatus::Closed;
            demand.close_reason = Some(CloseReason::Fulfilled);
            demand.close_note = None;
            demand.closed_at = Some(at);
        }
    }
    state
}

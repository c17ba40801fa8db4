//! Event → state: how each event changes a registration. Applying never fails, so a rebuild
//! from the store always completes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::codes::ContractStatus;
use super::events::ContractEvent;
use super::input::ContractContent;
use super::panel;
use super::state::{ContractData, ContractState, Refusal};
use crate::domain::Recorded;

pub(super) fn evolve(mut state: ContractState, payload: Recorded<ContractEvent>) -> ContractState {
    let Recorded { at, event, actor } = payload;
    let event = match event {
        ContractEvent::Submitted {
            submitter_id,
            submitter_organization_id,
            content,
        } => {
            state.contract = Some(opened(submitter_id, submitter_organization_id, content, at));
            return state;
        }
        ContractEvent::Imported {
            source,
            registration_number,
            registered_on,
            content,
        } => {
            // The operator who imported it stands as its submitter: the one to ask about it.
            state.contract = Some(ContractData {
                status: ContractStatus::Registered,
                registration_number: Some(registration_number),
                registered_on: Some(registered_on),
                imported: Some(source),
                ..opened(actor.user_id, actor.organization_id, content, at)
            });
            return state;
        }
        other => other,
    };
    // The decider never emits anything before `Submitted`; applying stays total rather than
    // panicking in the middle of a rebuild.
    let Some(c) = state.contract.as_mut() else {
        return state;
    };
    c.updated_at = at;
    apply(c, event);
    state
}

/// A registration just submitted at `at`, with nothing decided yet.
fn opened(
    submitter_id: Uuid,
    submitter_organization_id: Option<Uuid>,
    content: ContractContent,
    at: DateTime<Utc>,
) -> ContractData {
    ContractData {
        submitter_id,
        submitter_organization_id,
        status: ContractStatus::Submitted,
        content,
        accepted_on: None,
        due_on: None,
        correction_reasons: Vec::new(),
        corrections: 0,
        expert_opinion: None,
        registration_number: None,
        registered_on: None,
        refusal: None,
        amendments: Vec::new(),
        payments: Vec::new(),
        ended_on: None,
        end_reason: None,
        imported: None,
        expert_panel: None,
        created_at: at,
        updated_at: at,
    }
}

/// An event on an existing registration.
fn apply(c: &mut ContractData, event: ContractEvent) {
    match event {
        ContractEvent::Submitted { .. } | ContractEvent::Imported { .. } => {}
        ContractEvent::Accepted {
            accepted_on,
            due_on,
        } => {
            c.status = ContractStatus::Accepted;
            c.accepted_on = Some(accepted_on);
            c.due_on = Some(due_on);
        }
        ContractEvent::CorrectionRequested { reasons } => {
            c.status = ContractStatus::CorrectionRequested;
            c.correction_reasons = reasons;
            c.corrections += 1;
        }
        ContractEvent::Resubmitted { content, due_on } => {
            c.status = ContractStatus::Accepted;
            c.content = content;
            c.due_on = Some(due_on);
        }
        ContractEvent::ExpertReviewed { opinion, .. } => {
            c.status = ContractStatus::ExpertReview;
            c.expert_opinion = Some(opinion);
        }
        ContractEvent::Registered {
            registration_number,
            registered_on,
        } => {
            c.status = ContractStatus::Registered;
            c.registration_number = Some(registration_number);
            c.registered_on = Some(registered_on);
        }
        ContractEvent::Refused { reason_code, note } => {
            c.status = ContractStatus::Refused;
            c.refusal = Some(Refusal { reason_code, note });
        }
        e @ (ContractEvent::ExpertPanelRequested { .. }
        | ContractEvent::ExpertSeatAccepted { .. }
        | ContractEvent::ExpertSeatDeclined { .. }
        | ContractEvent::ExpertOpinionSubmitted { .. }) => panel::apply(c, e),
        ContractEvent::Amended { amendment } => c.amendments.push(amendment),
        ContractEvent::PaymentRecorded { payment } => c.payments.push(payment),
        ContractEvent::Cancelled { on, reason } => {
            c.status = ContractStatus::Cancelled;
            c.ended_on = Some(on);
            c.end_reason = Some(reason);
        }
        ContractEvent::Revoked { on, reason } => {
            c.status = ContractStatus::Revoked;
            c.ended_on = Some(on);
            c.end_reason = Some(reason);
        }
    }
}

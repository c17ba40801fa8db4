//! Event → state: how each event changes the grant.

use super::{
    Ending, Extension, GrantData, GrantEvent, GrantState, GrantStatus, Objection, Resolution,
};
use crate::domain::Recorded;

/// Folds one recorded event into the state; total, so a rebuild never stops halfway.
pub(super) fn evolve(mut state: GrantState, payload: Recorded<GrantEvent>) -> GrantState {
    let Recorded { actor, at, event } = payload;
    if let GrantEvent::Applied {
        applicant_id,
        listing_id,
        listing_title,
        institution_id,
        terms,
    } = event
    {
        state.grant = Some(GrantData {
            applicant_id,
            listing_id,
            listing_title,
            institution_id,
            status: GrantStatus::Applied,
            terms,
            review_note: None,
            rejection_reasons: Vec::new(),
            withdrawal_reason: None,
            notice: None,
            objections: Vec::new(),
            granted_at: None,
            granted_on: None,
            original_term_end: None,
            term_end: None,
            extensions: Vec::new(),
            registry_change: None,
            expiry_warned_for: None,
            ending: None,
            distributions: Vec::new(),
            created_at: at,
            updated_at: at,
        });
        return state;
    }
    // The decider never emits anything before `Applied`; applying stays total rather than
    // panicking in the middle of a rebuild.
    let Some(g) = state.grant.as_mut() else {
        return state;
    };
    g.updated_at = at;
    match event {
        GrantEvent::Applied { .. } => {}
        GrantEvent::Approved { note } => {
            g.status = GrantStatus::Approved;
            g.review_note = note;
        }
        GrantEvent::Rejected { reasons, .. } => {
            g.status = GrantStatus::Rejected;
            g.rejection_reasons = reasons;
        }
        GrantEvent::NoticeStarted { notice } => {
            g.status = GrantStatus::InNotice;
            g.notice = Some(notice);
        }
        GrantEvent::ObjectionRaised {
            objection_id,
            raised_by,
            reason,
        } => g.objections.push(Objection {
            id: objection_id,
            raised_by,
            reason,
            raised_at: at,
            resolution: None,
        }),
        GrantEvent::ObjectionResolved {
            objection_id,
            outcome,
            resolution,
        } => {
            if let Some(o) = g.objections.iter_mut().find(|o| o.id == objection_id) {
                o.resolution = Some(Resolution {
                    outcome,
                    text: resolution,
                    resolved_by: actor.user_id,
                    resolved_at: at,
                });
            }
        }
        GrantEvent::Granted {
            granted_on,
            term_end,
        } => {
            g.status = GrantStatus::Granted;
            g.granted_at = Some(at);
            g.granted_on = Some(granted_on);
            g.original_term_end = term_end;
            g.term_end = term_end;
        }
        GrantEvent::RegistryChangeRecorded { registry_change } => {
            g.status = GrantStatus::RegistryChanged;
            g.registry_change = Some(registry_change);
        }
        GrantEvent::Extended {
            previous_end,
            new_end,
            reason,
        } => {
            g.term_end = Some(new_end);
            g.extensions.push(Extension {
                at,
                previous_end,
                new_end,
                reason,
            });
        }
        GrantEvent::ExpiryApproaching { term_ends_on, .. } => {
            g.expiry_warned_for = Some(term_ends_on);
        }
        GrantEvent::Expired { term_ended_on } => {
            g.status = GrantStatus::Expired;
            g.ending = Some(Ending {
                at,
                on: term_ended_on.succ_opt().unwrap_or(term_ended_on),
                reason: "the term ended".into(),
            });
        }
        GrantEvent::Revoked { on, reason } => {
            g.status = GrantStatus::Revoked;
            g.ending = Some(Ending { at, on, reason });
        }
        GrantEvent::Withdrawn { reason } => {
            g.status = GrantStatus::Withdrawn;
            g.withdrawal_reason = reason;
        }
        GrantEvent::RevenueDistributed { distribution } => g.distributions.push(distribution),
    }
    state
}

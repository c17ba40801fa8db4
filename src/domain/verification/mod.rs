//! VerificationRequest (概念验证 / 中试熟化): a researcher asks a concept-verification centre or
//! a pilot platform (a provider organization) to verify or mature the technology of a listing.
//!
//! requested → accepted | declined; accepted → in_progress (the first milestone reported) →
//! completed (success | failure, TRL after, report); requested, accepted and in-progress requests
//! may be cancelled by their requester. A successful completion with a higher TRL is what revises
//! the listing's TRL ([`VerificationData::raised_trl`]); the application layer carries it over.
//!
//! The parts: the codes (`codes.rs`), what a request asks for (`content.rs`), the state and its
//! queries (`state.rs`), the commands (`action.rs`) and events (`events.rs`), and the two halves
//! of the aggregate, `decide.rs` (command → event) and `evolve.rs` (event → state).

mod action;
mod codes;
mod content;
mod decide;
mod events;
mod evolve;
mod state;
#[cfg(test)]
mod tests;

pub use action::VerificationAction;
pub use codes::{FundingSource, Outcome, Service, Stage, VerificationStatus};
pub use content::{RequestContent, RequestInput, Schedule, ScheduleInput};
pub use events::VerificationEvent;
pub use state::{Milestone, VerificationData, VerificationState};

use super::{Command, DomainError, Recorded};

/// The verification request aggregate (esrs name `verification_request`).
pub struct VerificationRequest;

impl esrs::Aggregate for VerificationRequest {
    const NAME: &'static str = "verification_request";
    type State = VerificationState;
    type Command = Command<VerificationAction>;
    type Event = Recorded<VerificationEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let event = decide::decide(state, &actor, now, action)?;
        Ok(vec![Recorded {
            actor,
            at: now,
            event,
        }])
    }

    fn apply_event(state: Self::State, payload: Self::Event) -> Self::State {
        evolve::evolve(state, payload)
    }
}

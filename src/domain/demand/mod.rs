//! Demand (技术需求): what an enterprise needs from research — a technical problem (技术难题), an
//! application scene (应用场景需求) or an open call (揭榜挂帅) with a bounty, a deadline and
//! acceptance criteria.
//!
//! draft → published → closed (fulfilled | expired | cancelled); a draft may also be cancelled.
//! Open calls take applications from researchers while published and before their deadline, and
//! close as fulfilled when the owner selects a winner (揭榜方). A published demand also closes as
//! fulfilled when a contract naming it is registered (the system actor, `FulfilByContract`).
//! Expiry happens by rule: the system actor expires a published demand once its valid-until
//! date is over in China.
//!
//! `input` validates what an enterprise types into [`DemandContent`]; `decide` turns a command
//! into events; `evolve` folds them into the [`DemandState`] that `state` describes and answers
//! who may see it; `codes` are the statuses and kinds as text.

mod codes;
mod decide;
mod events;
mod evolve;
mod input;
mod state;
#[cfg(test)]
mod tests;

pub use codes::{CloseReason, CooperationMode, DemandKind, DemandStatus};
pub use decide::DemandAction;
pub use events::DemandEvent;
pub use input::{DemandContent, DemandInput, OpenCallInput, OpenCallTerms};
pub use state::{Application, DemandData, DemandState};

use super::{Command, DomainError, Recorded};

/// The demand aggregate (esrs name `demand`).
pub struct Demand;

impl esrs::Aggregate for Demand {
    const NAME: &'static str = "demand";
    type State = DemandState;
    type Command = Command<DemandAction>;
    type Event = Recorded<DemandEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let events = match (&state.demand, action) {
            (None, DemandAction::Create(content)) => vec![decide::create(&actor, content)?],
            (Some(_), DemandAction::Create(_)) => {
                return Err(DomainError::conflict("demand already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            (Some(demand), action) => decide::decide(demand, &actor, now, action)?,
        };
        Ok(events
            .into_iter()
            .map(|event| Recorded {
                actor,
                at: now,
                event,
            })
            .collect())
    }

    fn apply_event(state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, .. } = payload;
        evolve::evolve(state, at, event)
    }
}

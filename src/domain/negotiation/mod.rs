//! Negotiation (洽谈): a buyer (an enterprise, often answering a demand) and a seller (a listing's
//! owner) work towards terms, optionally brokered by a tech manager.
//!
//! open → (NDA signatures, offers and counter-offers) → agreed | abandoned | expired.
//! An agreement is the acceptance of the latest offer by the party on the *other* side; nobody
//! accepts their own side's offer. Only the two parties and the broker act on a negotiation;
//! expiry happens by rule, from the system actor, once it has been idle long enough.
//!
//! Offers are held to the listing's transfer modes (`modes.rs`): nobody agrees on a deal the
//! listing does not offer.
//!
//! The parts: the codes (`codes.rs`), the terms offers are written in (`terms.rs`), the state
//! and its queries (`state.rs`), the commands (`action.rs`) and events (`events.rs`), and the
//! two halves of the aggregate, `decide.rs` (command → event) and `evolve.rs` (event → state).

mod action;
mod codes;
mod decide;
mod events;
mod evolve;
mod modes;
mod state;
mod terms;
#[cfg(test)]
mod tests;

pub use action::NegotiationAction;
pub use codes::{AbandonReason, Exclusivity, NegotiationStatus, Side};
pub use events::NegotiationEvent;
pub use state::{NegotiationData, NegotiationState, Offer};
pub use terms::{Payment, Terms, TermsInput, TAXONOMY};

use super::{Command, DomainError, Recorded};

/// The negotiation aggregate (esrs name `negotiation`).
pub struct Negotiation;

impl esrs::Aggregate for Negotiation {
    const NAME: &'static str = "negotiation";
    type State = NegotiationState;
    type Command = Command<NegotiationAction>;
    type Event = Recorded<NegotiationEvent>;
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

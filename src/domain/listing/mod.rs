//! Listing (科技成果): an achievement a researcher offers for transfer.
//!
//! draft → under_review → published → (withdrawn | transferred), with under_review → returned →
//! (revise) → draft. TRL revisions and price public notices (公示) are events of their own. A
//! registered contract naming a published listing transfers it only when it ends its
//! availability (an assignment or an exclusive licence, see `contracts`); any other is recorded
//! on the listing, which stays published.
//!
//! `input` validates what a researcher types into [`ListingContent`]; `decide` turns a command
//! into an event; `evolve` folds events into the [`ListingState`] that `state` describes and
//! answers who may see it.

mod contracts;
mod decide;
mod events;
mod evolve;
mod input;
mod state;
#[cfg(test)]
mod tests;

pub use contracts::RecordedContract;
pub use decide::ListingAction;
pub use events::ListingEvent;
pub use input::{
    Inventor, InventorInput, IpRight, IpRightInput, IpStatus, ListingContent, ListingInput,
    PricingMode, TransferMode, Trl,
};
pub use state::{price_notice_running, ListingData, ListingState, ListingStatus, PriceNotice};

use super::{Command, DomainError, Recorded};

/// The listing aggregate (esrs name `listing`).
pub struct Listing;

impl esrs::Aggregate for Listing {
    const NAME: &'static str = "listing";
    type State = ListingState;
    type Command = Command<ListingAction>;
    type Event = Recorded<ListingEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let event = match (&state.listing, action) {
            (None, ListingAction::Create(content)) => decide::create(&actor, content)?,
            (Some(_), ListingAction::Create(_)) => {
                return Err(DomainError::conflict("listing already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            // The same verification outcome delivered again: already applied, nothing to do.
            (
                Some(listing),
                ListingAction::ReviseTrl {
                    source: Some(s), ..
                },
            ) if listing.trl_sources.contains(&s) => return Ok(vec![]),
            // The same registered contract delivered again (the policy is at-least-once).
            (Some(listing), ListingAction::RecordContract { contract_id, .. })
                if listing.knows_contract(contract_id) =>
            {
                return Ok(vec![])
            }
            (Some(listing), action) => decide::decide(listing, &actor, now, action)?,
        };
        Ok(vec![Recorded {
            actor,
            at: now,
            event,
        }])
    }

    fn apply_event(state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, .. } = payload;
        evolve::evolve(state, at, event)
    }
}

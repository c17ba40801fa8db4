//! Market sales (挂牌交易 and 拍卖): the two ways besides agreement (协议定价) that the region's
//! rules let an achievement be priced.
//!
//! **Listed price (挂牌)**: a published listing in listed-price mode is put up at a stated price
//! for a listing period, announced in the feed. Enterprises apply to take it at that price
//! (with a deposit when one is asked). At the period's end: one applicant buys at the price;
//! several go to an auction among themselves; none, and the seller may relist at a new price
//! (a new public notice).
//!
//! **Auction (拍卖)**: a published listing in auction mode is auctioned between a start and an
//! end, among bidders registered beforehand, with a starting price, a reserve (shown or
//! hidden), a minimum increment, open or sealed bids, and an extension when a bid arrives in
//! the closing minutes. The highest valid bid at the close wins (ties: the earlier).
//!
//! listed_open → sold | auction | unsold → (relisted) listed_open …;
//! auction → sold | unsold. Every decision takes its "now" from the command, so the timing
//! rules are tested at their boundaries with the injectable clock.
//!
//! `decide` holds what a command asks and decides opening, closing and relisting;
//! `take_part` decides applying, registering and bidding; `evolve` folds the events into the
//! [`SaleData`] that `state` describes; `rules` validates an auction's rules.

mod decide;
mod events;
mod evolve;
mod rules;
mod state;
mod take_part;
#[cfg(test)]
mod tests;

pub use decide::{ListingFacts, SaleAction};
pub use events::SaleEvent;
pub use rules::{AuctionRules, AuctionRulesInput};
pub(crate) use state::speaks_for_owner;
pub use state::{
    Bid, Deal, MarketSaleState, NoSaleReason, Participant, SaleData, SaleKind, SalePhase,
};

use super::{Command, DomainError, Recorded};

/// The market-sale aggregate (esrs name `market_sale`).
pub struct MarketSale;

impl esrs::Aggregate for MarketSale {
    const NAME: &'static str = "market_sale";
    type State = MarketSaleState;
    type Command = Command<SaleAction>;
    type Event = Recorded<SaleEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let event = decide::decide(state.sale.as_ref(), &actor, now, action)?;
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

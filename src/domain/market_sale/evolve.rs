//! Event → state: how each recorded event changes the sale.

use chrono::{DateTime, Utc};

use super::{MarketSaleState, SaleData, SaleEvent, SaleKind, SalePhase};

/// Folds one event, recorded at `at`, into the state.
pub(super) fn evolve(
    mut state: MarketSaleState,
    at: DateTime<Utc>,
    event: SaleEvent,
) -> MarketSaleState {
    let opened =
        |kind, listing_id, seller_id, seller_organization_id, job_related, rules| SaleData {
            kind,
            listing_id,
            seller_id,
            seller_organization_id,
            job_related,
            phase: SalePhase::ListedOpen,
            price_fen: None,
            round: 1,
            period_ends_at: None,
            deposit_fen: None,
            applicants: Vec::new(),
            rules,
            bidders: Vec::new(),
            starting_price_fen: None,
            starts_at: None,
            ends_at: None,
            bids: Vec::new(),
            deal: None,
            no_sale: None,
            created_at: at,
            updated_at: at,
        };
    let event = match event {
        SaleEvent::ListedOpened {
            listing_id,
            seller_id,
            seller_organization_id,
            job_related,
            price_fen,
            ends_at,
            deposit_fen,
            rules,
        } => {
            state.sale = Some(SaleData {
                price_fen: Some(price_fen),
                period_ends_at: Some(ends_at),
                deposit_fen,
                ..opened(
                    SaleKind::Listed,
                    listing_id,
                    seller_id,
                    seller_organization_id,
                    job_related,
                    rules,
                )
            });
            return state;
        }
        SaleEvent::AuctionOpened {
            listing_id,
            seller_id,
            seller_organization_id,
            job_related,
            starts_at,
            ends_at,
            rules,
        } => {
            state.sale = Some(SaleData {
                phase: SalePhase::Auction,
                starting_price_fen: Some(rules.starting_price_fen),
                starts_at: Some(starts_at),
                ends_at: Some(ends_at),
                ..opened(
                    SaleKind::Auction,
                    listing_id,
                    seller_id,
                    seller_organization_id,
                    job_related,
                    rules,
                )
            });
            return state;
        }
        other => other,
    };
    // The decider emits nothing before a sale is opened; applying stays total.
    let Some(s) = state.sale.as_mut() else {
        return state;
    };
    s.updated_at = at;
    match event {
        SaleEvent::ListedOpened { .. } | SaleEvent::AuctionOpened { .. } => {}
        SaleEvent::Applied { participant } => s.applicants.push(participant),
        SaleEvent::BidderRegistered { participant } => s.bidders.push(participant),
        SaleEvent::AuctionStarted {
            starts_at,
            ends_at,
            starting_price_fen,
        } => {
            s.phase = SalePhase::Auction;
            s.bidders = s.applicants.clone();
            s.starts_at = Some(starts_at);
            s.ends_at = Some(ends_at);
            s.starting_price_fen = Some(starting_price_fen);
        }
        SaleEvent::BidPlaced {
            bid, extended_to, ..
        } => {
            s.bids.push(bid);
            if extended_to.is_some() {
                s.ends_at = extended_to;
            }
        }
        SaleEvent::Sold { deal } => {
            s.phase = SalePhase::Sold;
            s.deal = Some(deal);
        }
        SaleEvent::NotSold { reason } => {
            s.phase = SalePhase::Unsold;
            s.no_sale = Some(reason);
        }
        SaleEvent::Relisted { price_fen, ends_at } => {
            s.phase = SalePhase::ListedOpen;
            s.price_fen = Some(price_fen);
            s.period_ends_at = Some(ends_at);
            s.round += 1;
            s.applicants.clear();
            s.no_sale = None;
        }
    }
    state
}

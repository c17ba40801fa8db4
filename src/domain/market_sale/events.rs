//! What happens to a sale: the events it records, their names, and what the feed shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AuctionRules, Bid, Deal, NoSaleReason, Participant};
use crate::domain::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SaleEvent {
    ListedOpened {
        listing_id: Uuid,
        seller_id: Uuid,
        seller_organization_id: Option<Uuid>,
        job_related: bool,
        price_fen: i64,
        ends_at: DateTime<Utc>,
        deposit_fen: Option<i64>,
        rules: AuctionRules,
    },
    AuctionOpened {
        listing_id: Uuid,
        seller_id: Uuid,
        seller_organization_id: Option<Uuid>,
        job_related: bool,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        rules: AuctionRules,
    },
    Applied {
        participant: Participant,
    },
    BidderRegistered {
        participant: Participant,
    },
    /// Several applied at the listed price: they bid for it, from that price.
    AuctionStarted {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        starting_price_fen: i64,
    },
    BidPlaced {
        bid: Bid,
        /// Whether the amount is kept from the feed until the close.
        sealed: bool,
        /// The auction's new end, when the bid came in its closing minutes.
        extended_to: Option<DateTime<Utc>>,
    },
    Sold {
        deal: Deal,
    },
    NotSold {
        reason: NoSaleReason,
    },
    Relisted {
        price_fen: i64,
        ends_at: DateTime<Utc>,
    },
}

impl SaleEvent {
    /// The event as the public feed shows it: a hidden reserve stays out (a sealed bid's amount
    /// is left out by the feed, which the close then announces with the winning price).
    pub fn redacted(mut self) -> SaleEvent {
        if let SaleEvent::ListedOpened { rules, .. } | SaleEvent::AuctionOpened { rules, .. } =
            &mut self
        {
            if !rules.reserve_shown {
                rules.reserve_fen = None;
            }
        }
        self
    }
}

impl DomainEvent for SaleEvent {
    fn name(&self) -> &'static str {
        match self {
            SaleEvent::ListedOpened { .. } => "listed_opened",
            SaleEvent::AuctionOpened { .. } => "auction_opened",
            SaleEvent::Applied { .. } => "applied",
            SaleEvent::BidderRegistered { .. } => "bidder_registered",
            SaleEvent::AuctionStarted { .. } => "auction_started",
            SaleEvent::BidPlaced { .. } => "bid_placed",
            SaleEvent::Sold { .. } => "sold",
            SaleEvent::NotSold { .. } => "not_sold",
            SaleEvent::Relisted { .. } => "relisted",
        }
    }
}

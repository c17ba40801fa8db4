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

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Actor, Command, DomainError, DomainEvent, Recorded, Role};

mod decide;
mod rules;
#[cfg(test)]
mod tests;

pub use rules::{AuctionRules, AuctionRulesInput};

/// The market-sale aggregate (esrs name `market_sale`).
pub struct MarketSale;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSaleState {
    /// `None` until opened.
    pub sale: Option<SaleData>,
}

impl super::Visibility for MarketSaleState {
    /// A sale is a public notice: anyone signed in sees it (sealed bids are redacted by
    /// [`SaleData::view_for`]).
    fn is_visible_to(&self, _actor: &Actor) -> bool {
        self.sale.is_some()
    }
}

/// What the sale needs to know of its listing, read by the caller when the sale is opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFacts {
    pub listing_id: Uuid,
    pub owner_id: Uuid,
    /// The owner's organization (a job-related listing's institution); the seller side.
    pub organization_id: Option<Uuid>,
    pub published: bool,
    /// `listed` or `auction`, as the listing declares.
    pub pricing_mode: String,
    pub job_related: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleKind {
    /// 挂牌
    Listed,
    /// 拍卖
    Auction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalePhase {
    /// The listing period runs: enterprises apply at the listed price.
    ListedOpen,
    /// Bidding (or, before `starts_at`, registering to bid).
    Auction,
    Sold,
    Unsold,
}

impl SalePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            SalePhase::ListedOpen => "listed_open",
            SalePhase::Auction => "auction",
            SalePhase::Sold => "sold",
            SalePhase::Unsold => "unsold",
        }
    }
}

impl std::fmt::Display for SalePhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An enterprise taking part: an applicant at the listed price, or a registered bidder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    /// The deposit recorded with the application, in fen.
    pub deposit_fen: Option<i64>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    pub id: Uuid,
    pub bidder_id: Uuid,
    pub organization_id: Uuid,
    pub amount_fen: i64,
    pub at: DateTime<Utc>,
}

/// Why a sale ended without a buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoSaleReason {
    NoApplicants,
    NoBids,
    ReserveNotMet,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    pub buyer_id: Uuid,
    pub buyer_organization_id: Uuid,
    pub price_fen: i64,
    /// The winning bid, for a deal struck at auction.
    pub bid_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    /// For a job-related listing: the end of the price's public notice (公示), before which the
    /// contract is not registered.
    #[serde(default)]
    pub notice_ends_at: Option<DateTime<Utc>>,
}

impl Deal {
    /// Whether a price notice the deal needs is still running at `t`.
    pub fn under_notice_at(&self, t: DateTime<Utc>) -> bool {
        self.notice_ends_at.is_some_and(|end| t < end)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleData {
    pub kind: SaleKind,
    pub listing_id: Uuid,
    pub seller_id: Uuid,
    pub seller_organization_id: Option<Uuid>,
    pub job_related: bool,
    pub phase: SalePhase,
    /// The listed price (挂牌价), for a listed-price sale.
    pub price_fen: Option<i64>,
    /// How many times the listing was put up (1, then one more per relisting).
    pub round: u32,
    pub period_ends_at: Option<DateTime<Utc>>,
    pub deposit_fen: Option<i64>,
    pub applicants: Vec<Participant>,
    pub rules: AuctionRules,
    /// The auction's bidders: registered ones, or the applicants it was started among.
    pub bidders: Vec<Participant>,
    pub starting_price_fen: Option<i64>,
    pub starts_at: Option<DateTime<Utc>>,
    /// Moved later by a bid in the closing minutes.
    pub ends_at: Option<DateTime<Utc>>,
    pub bids: Vec<Bid>,
    pub deal: Option<Deal>,
    pub no_sale: Option<NoSaleReason>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether `actor` speaks for the owner of what is sold: the owner, or an admin of the owning
/// organization (the institution of a job-related listing).
pub(crate) fn speaks_for_owner(actor: &Actor, owner_id: Uuid, organization: Option<Uuid>) -> bool {
    actor.user_id == owner_id
        || (actor.role == Role::InstitutionAdmin
            && actor.organization_id.is_some()
            && actor.organization_id == organization)
}

impl SaleData {
    pub fn is_seller(&self, actor: &Actor) -> bool {
        speaks_for_owner(actor, self.seller_id, self.seller_organization_id)
    }

    /// The highest bid, the earlier of equal ones.
    pub fn leading_bid(&self) -> Option<&Bid> {
        self.bids
            .iter()
            .fold(None, |best: Option<&Bid>, b| match best {
                Some(x) if x.amount_fen >= b.amount_fen => Some(x),
                _ => Some(b),
            })
    }

    /// The sale as `viewer` may see it: while sealed bids are being made, each bidder sees only
    /// their own, and nobody sees a hidden reserve until the close.
    pub fn view_for(&self, viewer: &Actor) -> SaleData {
        let mut shown = self.clone();
        let open = shown.phase == SalePhase::Auction;
        if open && self.rules.sealed && !self.is_seller(viewer) {
            shown
                .bids
                .retain(|b| Some(b.organization_id) == viewer.organization_id);
        }
        if open && !self.rules.reserve_shown && !self.is_seller(viewer) {
            shown.rules.reserve_fen = None;
        }
        shown
    }
}

/// What a command asks of a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SaleAction {
    /// By the listing's owner (or its institution's admin): put up at `price_fen` for
    /// `period_days`; `rules` govern the auction should several apply.
    OpenListed {
        listing: ListingFacts,
        price_fen: i64,
        period_days: u32,
        deposit_fen: Option<i64>,
        rules: AuctionRules,
    },
    /// By the listing's owner: an auction from `starts_at` to `ends_at`.
    OpenAuction {
        listing: ListingFacts,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        rules: AuctionRules,
    },
    /// By an enterprise, during the listing period.
    Apply {
        deposit_fen: Option<i64>,
    },
    /// By an enterprise, before an auction starts.
    RegisterBidder,
    Bid {
        bid_id: Uuid,
        amount_fen: i64,
    },
    /// By anyone (or the platform) once the period or the auction has ended. A job-related
    /// listing's price is publicly noticed for `notice_days` after the deal, as a negotiated
    /// one's is before it: registration waits for the notice to run.
    Close {
        notice_days: u32,
    },
    /// By the seller, after a listing period nobody applied in: a new price, a new notice.
    Relist {
        price_fen: i64,
        period_days: u32,
    },
}

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

    fn apply_event(mut state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, .. } = payload;
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
}

//! What a sale is once opened, and what each party may see of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuctionRules;
use crate::domain::{Actor, Role, Visibility};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSaleState {
    /// `None` until opened.
    pub sale: Option<SaleData>,
}

impl Visibility for MarketSaleState {
    /// A sale is a public notice: anyone signed in sees it (sealed bids are redacted by
    /// [`SaleData::view_for`]).
    fn is_visible_to(&self, _actor: &Actor) -> bool {
        self.sale.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleKind {
    /// 挂牌
    Listed,
    /// 拍卖
    Auction,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SalePhase {
    /// The listing period runs: enterprises apply at the listed price.
    ListedOpen,
    /// Bidding (or, before `starts_at`, registering to bid).
    Auction,
    Sold,
    Unsold,
}

crate::codes!(SalePhase);

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

//! Who may do what to a sale, and when. Authorization first, then the phase and the clock,
//! then the payload: someone who may not act learns nothing of the sale's state. This file
//! opens, closes and relists a sale; `take_part` decides what the enterprises do in it.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rules::price;
use super::take_part::{apply, bid, register};
use super::{
    speaks_for_owner, AuctionRules, Deal, NoSaleReason, SaleData, SaleEvent, SaleKind, SalePhase,
};
use crate::domain::error::{require, require_state, Validation};
use crate::domain::{Actor, DomainError};

/// The longest a listing period may run (the region's notices run 10–20 working days).
pub const MAX_PERIOD_DAYS: u32 = 60;
/// The longest an auction may run.
const MAX_AUCTION_DAYS: i64 = 30;

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

pub(super) fn decide(
    sale: Option<&SaleData>,
    actor: &Actor,
    now: DateTime<Utc>,
    action: SaleAction,
) -> Result<SaleEvent, DomainError> {
    let Some(s) = sale else {
        return match action {
            SaleAction::OpenListed {
                listing,
                price_fen,
                period_days,
                deposit_fen,
                rules,
            } => open_listed(
                actor,
                now,
                listing,
                price_fen,
                period_days,
                deposit_fen,
                rules,
            ),
            SaleAction::OpenAuction {
                listing,
                starts_at,
                ends_at,
                rules,
            } => open_auction(actor, now, listing, starts_at, ends_at, rules),
            _ => Err(DomainError::NotFound),
        };
    };
    match action {
        SaleAction::OpenListed { .. } | SaleAction::OpenAuction { .. } => {
            Err(DomainError::conflict("the sale is open already"))
        }
        SaleAction::Apply { deposit_fen } => apply(s, actor, now, deposit_fen),
        SaleAction::RegisterBidder => register(s, actor, now),
        SaleAction::Bid { bid_id, amount_fen } => bid(s, actor, now, bid_id, amount_fen),
        SaleAction::Close { notice_days } => close(s, now, notice_days),
        SaleAction::Relist {
            price_fen,
            period_days,
        } => relist(s, actor, now, price_fen, period_days),
    }
}

fn check_listing(actor: &Actor, listing: &ListingFacts, mode: &str) -> Result<(), DomainError> {
    let owner = speaks_for_owner(actor, listing.owner_id, listing.organization_id);
    require(
        owner && !actor.is_system(),
        "only the listing's owner or its institution's admin puts it up for sale",
    )?;
    if !listing.published {
        return Err(DomainError::conflict(
            "only a published listing is put up for sale",
        ));
    }
    if listing.pricing_mode != mode {
        return Err(DomainError::conflict(format!(
            "the listing's pricing mode is {}; a {mode} sale needs {mode}",
            listing.pricing_mode
        )));
    }
    Ok(())
}

fn open_listed(
    actor: &Actor,
    now: DateTime<Utc>,
    listing: ListingFacts,
    price_fen: i64,
    period_days: u32,
    deposit_fen: Option<i64>,
    rules: AuctionRules,
) -> Result<SaleEvent, DomainError> {
    check_listing(actor, &listing, "listed")?;
    let mut v = Validation::new();
    price(&mut v, "price_fen", price_fen);
    period(&mut v, period_days);
    if let Some(d) = deposit_fen {
        price(&mut v, "deposit_fen", d);
    }
    v.check(
        rules.starting_price_fen == price_fen,
        "auction.starting_price_fen",
        "an auction among applicants starts from the listed price",
    );
    v.finish()?;
    Ok(SaleEvent::ListedOpened {
        listing_id: listing.listing_id,
        seller_id: listing.owner_id,
        seller_organization_id: listing.organization_id,
        job_related: listing.job_related,
        price_fen,
        ends_at: now + TimeDelta::days(period_days.into()),
        deposit_fen,
        rules,
    })
}

fn open_auction(
    actor: &Actor,
    now: DateTime<Utc>,
    listing: ListingFacts,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    rules: AuctionRules,
) -> Result<SaleEvent, DomainError> {
    check_listing(actor, &listing, "auction")?;
    let mut v = Validation::new();
    // Bidders register before the start: an auction starting now would have none.
    v.check(starts_at > now, "starts_at", "must be in the future");
    if ends_at <= starts_at {
        v.push("ends_at", "must be after starts_at");
    } else if ends_at - starts_at > TimeDelta::days(MAX_AUCTION_DAYS) {
        v.push(
            "ends_at",
            format!("an auction runs at most {MAX_AUCTION_DAYS} days"),
        );
    }
    v.finish()?;
    Ok(SaleEvent::AuctionOpened {
        listing_id: listing.listing_id,
        seller_id: listing.owner_id,
        seller_organization_id: listing.organization_id,
        job_related: listing.job_related,
        starts_at,
        ends_at,
        rules,
    })
}

fn relist(
    s: &SaleData,
    actor: &Actor,
    now: DateTime<Utc>,
    price_fen: i64,
    period_days: u32,
) -> Result<SaleEvent, DomainError> {
    require(s.is_seller(actor), "only the seller relists")?;
    require_phase(s.phase, &[SalePhase::Unsold], "relisted")?;
    if s.kind != SaleKind::Listed || s.no_sale != Some(NoSaleReason::NoApplicants) {
        return Err(DomainError::conflict(
            "only a listed-price sale nobody applied for is relisted",
        ));
    }
    let mut v = Validation::new();
    price(&mut v, "price_fen", price_fen);
    period(&mut v, period_days);
    v.finish()?;
    Ok(SaleEvent::Relisted {
        price_fen,
        ends_at: now + TimeDelta::days(period_days.into()),
    })
}

fn close(s: &SaleData, now: DateTime<Utc>, notice_days: u32) -> Result<SaleEvent, DomainError> {
    let notice_ends_at = s
        .job_related
        .then(|| now + TimeDelta::days(notice_days.into()));
    match s.phase {
        SalePhase::ListedOpen => {
            let ends = s.period_ends_at.expect("a listed sale has a period");
            if now < ends {
                return Err(DomainError::conflict(format!(
                    "the listing period runs until {ends}"
                )));
            }
            let price = s.price_fen.expect("a listed sale has a price");
            Ok(match s.applicants.as_slice() {
                [] => SaleEvent::NotSold {
                    reason: NoSaleReason::NoApplicants,
                },
                [one] => SaleEvent::Sold {
                    deal: Deal {
                        buyer_id: one.user_id,
                        buyer_organization_id: one.organization_id,
                        price_fen: price,
                        bid_id: None,
                        at: now,
                        notice_ends_at,
                    },
                },
                _ => SaleEvent::AuctionStarted {
                    starts_at: now,
                    ends_at: now + TimeDelta::minutes(s.rules.duration_minutes.into()),
                    starting_price_fen: price,
                },
            })
        }
        SalePhase::Auction => {
            let ends = s.ends_at.expect("an auction has an end");
            if now < ends {
                return Err(DomainError::conflict(format!("bidding runs until {ends}")));
            }
            let Some(best) = s.leading_bid() else {
                return Ok(SaleEvent::NotSold {
                    reason: NoSaleReason::NoBids,
                });
            };
            if s.rules.reserve_fen.is_some_and(|r| best.amount_fen < r) {
                return Ok(SaleEvent::NotSold {
                    reason: NoSaleReason::ReserveNotMet,
                });
            }
            Ok(SaleEvent::Sold {
                deal: Deal {
                    buyer_id: best.bidder_id,
                    buyer_organization_id: best.organization_id,
                    price_fen: best.amount_fen,
                    bid_id: Some(best.id),
                    at: now,
                    notice_ends_at,
                },
            })
        }
        phase => Err(DomainError::conflict(format!(
            "the sale is {phase} already"
        ))),
    }
}

fn period(v: &mut Validation, days: u32) {
    if days == 0 || days > MAX_PERIOD_DAYS {
        v.push(
            "period_days",
            format!("must be between 1 and {MAX_PERIOD_DAYS}"),
        );
    }
}

pub(super) fn require_phase(
    phase: SalePhase,
    allowed: &[SalePhase],
    verb: &str,
) -> Result<(), DomainError> {
    require_state("sale", phase, allowed, &format!("be {verb}"))
}

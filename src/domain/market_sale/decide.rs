//! Who may do what to a sale, and when. Authorization first, then the phase and the clock,
//! then the payload: someone who may not act learns nothing of the sale's state.

use chrono::{DateTime, TimeDelta, Utc};

use super::rules::{price, MAX_PRICE_FEN};
use super::{
    speaks_for_owner, AuctionRules, Bid, Deal, ListingFacts, NoSaleReason, Participant, SaleAction,
    SaleData, SaleEvent, SaleKind, SalePhase,
};
use crate::domain::error::{require, require_state, Validation};
use crate::domain::{Actor, DomainError, Role};

/// The longest a listing period may run (the region's notices run 10–20 working days).
pub const MAX_PERIOD_DAYS: u32 = 60;
/// The longest an auction may run.
const MAX_AUCTION_DAYS: i64 = 30;

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
        } => {
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

/// An enterprise with an organization, not the seller's, not taking part already.
fn participant(
    s: &SaleData,
    actor: &Actor,
    now: DateTime<Utc>,
    among: &[Participant],
    deposit_fen: Option<i64>,
) -> Result<Participant, DomainError> {
    let org = match (actor.role, actor.organization_id) {
        (Role::Enterprise, Some(org)) if !actor.is_system() => org,
        _ => {
            return Err(DomainError::forbidden(
                "only an enterprise's member, for their organization, takes part in a sale",
            ))
        }
    };
    require(
        Some(org) != s.seller_organization_id && actor.user_id != s.seller_id,
        "the seller does not take part in its own sale",
    )?;
    if among.iter().any(|p| p.organization_id == org) {
        return Err(DomainError::conflict(
            "your organization takes part already",
        ));
    }
    Ok(Participant {
        user_id: actor.user_id,
        organization_id: org,
        deposit_fen,
        at: now,
    })
}

fn apply(
    s: &SaleData,
    actor: &Actor,
    now: DateTime<Utc>,
    deposit_fen: Option<i64>,
) -> Result<SaleEvent, DomainError> {
    let p = participant(s, actor, now, &s.applicants, deposit_fen)?;
    require_phase(s.phase, &[SalePhase::ListedOpen], "applied for")?;
    let ends = s.period_ends_at.expect("a listed sale has a period");
    if now >= ends {
        return Err(DomainError::conflict(format!(
            "the listing period ended at {ends}"
        )));
    }
    if let Some(required) = s.deposit_fen {
        match deposit_fen {
            Some(d) if d >= required => {}
            _ => {
                return Err(DomainError::invalid(
                    "deposit_fen",
                    format!("a deposit of at least {required} fen is required"),
                ))
            }
        }
    }
    Ok(SaleEvent::Applied { participant: p })
}

fn register(s: &SaleData, actor: &Actor, now: DateTime<Utc>) -> Result<SaleEvent, DomainError> {
    let p = participant(s, actor, now, &s.bidders, None)?;
    if s.kind != SaleKind::Auction {
        return Err(DomainError::conflict(
            "bidders register for an auction; a listed-price sale takes applications",
        ));
    }
    require_phase(s.phase, &[SalePhase::Auction], "registered for")?;
    let starts = s.starts_at.expect("an auction has a start");
    if now >= starts {
        return Err(DomainError::conflict(format!(
            "registration closed when the auction started at {starts}"
        )));
    }
    Ok(SaleEvent::BidderRegistered { participant: p })
}

fn bid(
    s: &SaleData,
    actor: &Actor,
    now: DateTime<Utc>,
    bid_id: uuid::Uuid,
    amount_fen: i64,
) -> Result<SaleEvent, DomainError> {
    let bidder = s
        .bidders
        .iter()
        .find(|b| {
            Some(b.organization_id) == actor.organization_id && actor.role == Role::Enterprise
        })
        .ok_or_else(|| {
            DomainError::forbidden("only a bidder registered for this auction bids in it")
        })?;
    require_phase(s.phase, &[SalePhase::Auction], "bid in")?;
    let (starts, ends) = (
        s.starts_at.expect("an auction has a start"),
        s.ends_at.expect("an auction has an end"),
    );
    if now < starts {
        return Err(DomainError::conflict(format!("bidding opens at {starts}")));
    }
    if now >= ends {
        return Err(DomainError::conflict(format!("bidding closed at {ends}")));
    }
    if s.bids.iter().any(|b| b.id == bid_id) {
        return Err(DomainError::conflict(format!(
            "bid {bid_id} was placed already"
        )));
    }
    let rules = &s.rules;
    if rules.sealed
        && s.bids
            .iter()
            .any(|b| b.organization_id == bidder.organization_id)
    {
        return Err(DomainError::conflict(
            "a sealed auction takes one bid from each bidder",
        ));
    }
    let leading = s.leading_bid().map(|b| b.amount_fen);
    let minimum = rules.minimum_bid(leading);
    if amount_fen > MAX_PRICE_FEN {
        return Err(DomainError::invalid(
            "amount_fen",
            format!("must be at most {MAX_PRICE_FEN} fen"),
        ));
    }
    if amount_fen < minimum {
        let why = match leading {
            Some(l) if !rules.sealed && minimum > rules.starting_price_fen => format!(
                "must be at least {minimum} fen: the leading bid of {l} fen plus the increment of {} fen",
                rules.increment_fen
            ),
            _ => format!("must be at least {minimum} fen"),
        };
        return Err(DomainError::invalid("amount_fen", why));
    }
    let window = TimeDelta::minutes(rules.extension_minutes.into());
    let extended_to = (rules.extension_minutes > 0 && ends - now < window).then(|| now + window);
    Ok(SaleEvent::BidPlaced {
        bid: Bid {
            id: bid_id,
            bidder_id: actor.user_id,
            organization_id: bidder.organization_id,
            amount_fen,
            at: now,
        },
        sealed: rules.sealed,
        extended_to,
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

fn require_phase(phase: SalePhase, allowed: &[SalePhase], verb: &str) -> Result<(), DomainError> {
    require_state("sale", phase, allowed, &format!("be {verb}"))
}

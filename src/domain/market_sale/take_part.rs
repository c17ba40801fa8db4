//! What the enterprises do in a sale: apply at the listed price, register to bid, bid.

use chrono::{DateTime, TimeDelta, Utc};

use super::decide::require_phase;
use super::rules::MAX_PRICE_FEN;
use super::{Bid, Participant, SaleData, SaleEvent, SaleKind, SalePhase};
use crate::domain::error::require;
use crate::domain::{Actor, DomainError, Role};

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

pub(super) fn apply(
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

pub(super) fn register(
    s: &SaleData,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SaleEvent, DomainError> {
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

pub(super) fn bid(
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

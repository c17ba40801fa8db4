//! The market sale's unit tests: the fixtures both kinds of sale share, then one file each.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::testing::cast::{self, LAB};
use crate::domain::testing::morning;
use crate::domain::{Actor, Role};

mod auction;
mod listed;

// The owner sells a job-related listing of the lab; three companies, one member without a
// company, and a registrar (who takes no part but may close) meet it.

const ACME: Uuid = cast::COMPANY;
const BETA: Uuid = cast::OTHER_COMPANY;
const GAMMA: Uuid = Uuid::from_u128(0x6A);
const LISTING: Uuid = Uuid::from_u128(0x11);
/// 100万元.
const PRICE: i64 = 100_000_000;

fn owner() -> Actor {
    cast::researcher()
}
fn lab_admin() -> Actor {
    cast::lab_admin()
}
fn acme() -> Actor {
    cast::enterprise()
}
fn acme_colleague() -> Actor {
    cast::person(33, Role::Enterprise, Some(ACME))
}
fn beta() -> Actor {
    cast::other_enterprise()
}
/// The shared cast has no third company.
fn gamma() -> Actor {
    cast::person(34, Role::Enterprise, Some(GAMMA))
}
fn loner() -> Actor {
    cast::person(35, Role::Enterprise, None)
}
fn registrar() -> Actor {
    cast::registrar()
}

fn t0() -> DateTime<Utc> {
    morning("2026-09-01")
}

fn facts(mode: &str) -> ListingFacts {
    ListingFacts {
        listing_id: LISTING,
        owner_id: owner().user_id,
        organization_id: Some(LAB),
        published: true,
        pricing_mode: mode.into(),
        job_related: true,
    }
}

fn rules(start: i64) -> AuctionRules {
    AuctionRules::parse(
        AuctionRulesInput {
            starting_price_fen: None,
            reserve_fen: None,
            reserve_shown: false,
            increment_fen: 1_000_000,
            sealed: false,
            duration_minutes: 60,
            extension_minutes: 5,
        },
        Some(start),
    )
    .unwrap()
}

fn open_listed(days: u32) -> SaleAction {
    SaleAction::OpenListed {
        listing: facts("listed"),
        price_fen: PRICE,
        period_days: days,
        deposit_fen: Some(5_000_000),
        rules: rules(PRICE),
    }
}

fn open_auction(rules: AuctionRules) -> SaleAction {
    SaleAction::OpenAuction {
        listing: facts("auction"),
        starts_at: t0() + TimeDelta::days(1),
        ends_at: t0() + TimeDelta::days(1) + TimeDelta::hours(1),
        rules,
    }
}

/// Closing, with a 15-day price notice for a job-related listing's deal.
fn close() -> SaleAction {
    SaleAction::Close { notice_days: 15 }
}

fn apply() -> SaleAction {
    SaleAction::Apply {
        deposit_fen: Some(5_000_000),
    }
}

fn bid(n: u128, amount_fen: i64) -> SaleAction {
    SaleAction::Bid {
        bid_id: Uuid::from_u128(0xB1D0 + n),
        amount_fen,
    }
}

type Story = crate::domain::testing::Story<MarketSale>;

/// A story on no sale yet; the clock stands still unless a test moves it.
fn story() -> Story {
    Story::starting(t0())
}

impl Story {
    fn sale(&self) -> &SaleData {
        self.state.sale.as_ref().unwrap()
    }
    fn period_end(&self) -> DateTime<Utc> {
        self.sale().period_ends_at.unwrap()
    }
    fn end(&self) -> DateTime<Utc> {
        self.sale().ends_at.unwrap()
    }
}

fn listed() -> Story {
    let mut s = story();
    s.ok(owner(), open_listed(20));
    s
}

/// An auction opened, with acme and beta registered, at its start.
fn auction(rules: AuctionRules) -> Story {
    let mut s = story();
    s.ok(owner(), open_auction(rules));
    s.ok(acme(), SaleAction::RegisterBidder);
    s.ok(beta(), SaleAction::RegisterBidder);
    let start = s.sale().starts_at.unwrap();
    s.at(start);
    s
}

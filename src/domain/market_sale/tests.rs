use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use esrs::Aggregate;
use uuid::Uuid;

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use crate::domain::{Actor, Command, DomainError, Recorded, Role};

const LAB: Uuid = Uuid::from_u128(0x1AB);
const ACME: Uuid = Uuid::from_u128(0xAC);
const BETA: Uuid = Uuid::from_u128(0xBE);
const GAMMA: Uuid = Uuid::from_u128(0x6A);
const LISTING: Uuid = Uuid::from_u128(0x11);
/// 100万元.
const PRICE: i64 = 100_000_000;

fn person(n: u128, role: Role, org: Option<Uuid>) -> Actor {
    Actor {
        user_id: Uuid::from_u128(n),
        role,
        organization_id: org,
    }
}
fn owner() -> Actor {
    person(1, Role::Researcher, Some(LAB))
}
fn lab_admin() -> Actor {
    person(2, Role::InstitutionAdmin, Some(LAB))
}
fn acme() -> Actor {
    person(3, Role::Enterprise, Some(ACME))
}
fn acme_colleague() -> Actor {
    person(33, Role::Enterprise, Some(ACME))
}
fn beta() -> Actor {
    person(4, Role::Enterprise, Some(BETA))
}
fn gamma() -> Actor {
    person(5, Role::Enterprise, Some(GAMMA))
}
fn loner() -> Actor {
    person(6, Role::Enterprise, None)
}
fn registrar() -> Actor {
    person(7, Role::Registrar, None)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 1, 0, 0).unwrap()
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

struct Story {
    state: MarketSaleState,
    now: DateTime<Utc>,
}

impl Story {
    fn new() -> Self {
        Story {
            state: MarketSaleState::default(),
            now: t0(),
        }
    }
    fn at(&mut self, now: DateTime<Utc>) -> &mut Self {
        self.now = now;
        self
    }
    fn try_run(&mut self, actor: Actor, action: SaleAction) -> Result<SaleEvent, DomainError> {
        let mut events =
            MarketSale::handle_command(&self.state, Command::new(actor, self.now, action))?;
        assert_eq!(events.len(), 1);
        let recorded: Recorded<SaleEvent> = events.remove(0);
        self.state = MarketSale::apply_event(std::mem::take(&mut self.state), recorded.clone());
        Ok(recorded.event)
    }
    fn ok(&mut self, actor: Actor, action: SaleAction) -> SaleEvent {
        self.try_run(actor, action)
            .unwrap_or_else(|e| panic!("refused: {e:?}"))
    }
    fn refused(&mut self, actor: Actor, action: SaleAction) -> DomainError {
        let before = self.state.clone();
        let err = self.try_run(actor, action).expect_err("should be refused");
        assert_eq!(self.state, before, "a refusal changes nothing");
        err
    }
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
    let mut s = Story::new();
    s.ok(owner(), open_listed(20));
    s
}

/// An auction opened, with acme and beta registered, at its start.
fn auction(rules: AuctionRules) -> Story {
    let mut s = Story::new();
    s.ok(owner(), open_auction(rules));
    s.ok(acme(), SaleAction::RegisterBidder);
    s.ok(beta(), SaleAction::RegisterBidder);
    let start = s.sale().starts_at.unwrap();
    s.at(start);
    s
}

// ---- listed price ----------------------------------------------------------------------

#[test]
fn a_listed_sale_is_opened_by_the_owner_for_its_period() {
    let s = listed();
    let sale = s.sale();
    assert_eq!(
        (sale.kind, sale.phase),
        (SaleKind::Listed, SalePhase::ListedOpen)
    );
    assert_eq!(sale.price_fen, Some(PRICE));
    assert_eq!(s.period_end(), t0() + TimeDelta::days(20));
    // The institution's admin may too; nobody else.
    Story::new().ok(lab_admin(), open_listed(20));
    for who in [acme(), registrar(), Actor::system()] {
        assert_forbidden(Story::new().refused(who, open_listed(20)), "a stranger");
    }
}

#[test]
fn only_a_published_listing_in_listed_mode_is_listed() {
    let mut draft = open_listed(20);
    if let SaleAction::OpenListed { listing, .. } = &mut draft {
        listing.published = false;
    }
    assert_conflict(Story::new().refused(owner(), draft), "published");
    let mut negotiated = open_listed(20);
    if let SaleAction::OpenListed { listing, .. } = &mut negotiated {
        listing.pricing_mode = "negotiated".into();
    }
    assert_conflict(
        Story::new().refused(owner(), negotiated),
        "pricing mode is negotiated",
    );
    let err = Story::new().refused(owner(), open_listed(0));
    assert_eq!(fields(err), ["period_days"]);
    let err = Story::new().refused(owner(), open_listed(61));
    assert_eq!(fields(err), ["period_days"]);
    assert_conflict(listed().refused(owner(), open_listed(20)), "open already");
}

#[test]
fn enterprises_apply_once_each_with_the_deposit_within_the_period() {
    let mut s = listed();
    s.ok(acme(), apply());
    assert_conflict(s.refused(acme_colleague(), apply()), "takes part already");
    let err = s.refused(
        beta(),
        SaleAction::Apply {
            deposit_fen: Some(1),
        },
    );
    assert!(message_of(&err, "deposit_fen").contains("at least 5000000"));
    assert_forbidden(s.refused(loner(), apply()), "no organization");
    assert_forbidden(s.refused(owner(), apply()), "the seller");
    assert_forbidden(s.refused(registrar(), apply()), "a registrar");
    // The last instant before the end still counts; the end itself does not.
    let end = s.period_end();
    s.at(end - TimeDelta::milliseconds(1)).ok(beta(), apply());
    assert_conflict(s.at(end).refused(gamma(), apply()), "listing period ended");
    assert_eq!(s.sale().applicants.len(), 2);
}

#[test]
fn one_applicant_buys_at_the_listed_price() {
    let mut s = listed();
    s.ok(acme(), apply());
    let end = s.period_end();
    assert_conflict(
        s.at(end - TimeDelta::seconds(1))
            .refused(registrar(), close()),
        "runs until",
    );
    s.at(end).ok(Actor::system(), close());
    let deal = s.sale().deal.clone().unwrap();
    assert_eq!(s.sale().phase, SalePhase::Sold);
    assert_eq!(
        (deal.buyer_organization_id, deal.price_fen, deal.bid_id),
        (ACME, PRICE, None)
    );
    assert_conflict(s.refused(registrar(), close()), "sold already");
}

#[test]
fn several_applicants_bid_from_the_listed_price() {
    let mut s = listed();
    s.ok(acme(), apply());
    s.ok(beta(), apply());
    let end = s.period_end();
    s.at(end).ok(registrar(), close());
    let sale = s.sale();
    assert_eq!(sale.phase, SalePhase::Auction);
    assert_eq!(sale.starting_price_fen, Some(PRICE));
    assert_eq!(sale.ends_at, Some(end + TimeDelta::minutes(60)));
    assert_eq!(sale.bidders.len(), 2);
    // Only the applicants bid; the first bid reaches the listed price.
    assert_forbidden(s.refused(gamma(), bid(1, PRICE * 2)), "not an applicant");
    let err = s.refused(acme(), bid(1, PRICE - 1));
    assert!(message_of(&err, "amount_fen").contains(&format!("at least {PRICE}")));
    s.ok(acme(), bid(1, PRICE));
    s.ok(beta(), bid(2, PRICE + 1_000_000));
    let end = s.end();
    s.at(end).ok(registrar(), close());
    let deal = s.sale().deal.clone().unwrap();
    assert_eq!(
        (deal.buyer_organization_id, deal.price_fen),
        (BETA, PRICE + 1_000_000)
    );
}

#[test]
fn nobody_applying_lets_the_seller_relist_at_a_new_price() {
    let mut s = listed();
    let end = s.period_end();
    s.at(end).ok(registrar(), close());
    assert_eq!(s.sale().no_sale, Some(NoSaleReason::NoApplicants));
    let relist = SaleAction::Relist {
        price_fen: PRICE / 2,
        period_days: 10,
    };
    assert_forbidden(s.refused(acme(), relist.clone()), "not the seller");
    s.ok(owner(), relist);
    let sale = s.sale();
    assert_eq!(
        (sale.phase, sale.price_fen, sale.round),
        (SalePhase::ListedOpen, Some(PRICE / 2), 2)
    );
    assert_eq!(s.period_end(), end + TimeDelta::days(10));
    s.ok(acme(), apply());
}

// ---- auction ---------------------------------------------------------------------------

#[test]
fn an_auction_is_opened_in_the_future_with_valid_rules() {
    let mut s = Story::new();
    let mut bad = open_auction(rules(PRICE));
    if let SaleAction::OpenAuction {
        starts_at, ends_at, ..
    } = &mut bad
    {
        *starts_at = t0();
        *ends_at = t0() - TimeDelta::hours(1);
    }
    let mut got = fields(s.refused(owner(), bad));
    got.sort();
    assert_eq!(got, ["ends_at", "starts_at"]);
    let err = AuctionRules::parse(
        AuctionRulesInput {
            starting_price_fen: Some(0),
            reserve_fen: Some(-1),
            reserve_shown: true,
            increment_fen: 0,
            sealed: false,
            duration_minutes: 0,
            extension_minutes: 61,
        },
        None,
    )
    .unwrap_err();
    let mut got = fields(err);
    got.sort();
    assert_eq!(
        got,
        [
            "duration_minutes",
            "extension_minutes",
            "increment_fen",
            "reserve_fen",
            "starting_price_fen"
        ]
    );
    // A listing in listed mode cannot be auctioned directly.
    let mut listed_mode = open_auction(rules(PRICE));
    if let SaleAction::OpenAuction { listing, .. } = &mut listed_mode {
        listing.pricing_mode = "listed".into();
    }
    assert_conflict(s.refused(owner(), listed_mode), "needs auction");
}

#[test]
fn bidders_register_before_the_start_only() {
    let mut s = Story::new();
    s.ok(owner(), open_auction(rules(PRICE)));
    s.ok(acme(), SaleAction::RegisterBidder);
    assert_conflict(
        s.refused(acme_colleague(), SaleAction::RegisterBidder),
        "already",
    );
    assert_forbidden(
        s.refused(loner(), SaleAction::RegisterBidder),
        "no organization",
    );
    let start = s.sale().starts_at.unwrap();
    assert_conflict(
        s.at(start).refused(beta(), SaleAction::RegisterBidder),
        "registration closed",
    );
    assert_conflict(
        listed().refused(acme(), SaleAction::RegisterBidder),
        "takes applications",
    );
}

#[test]
fn bids_are_taken_from_the_start_until_the_end_and_never_after() {
    let mut s = auction(rules(PRICE));
    let start = s.sale().starts_at.unwrap();
    assert_conflict(
        s.at(start - TimeDelta::milliseconds(1))
            .refused(acme(), bid(1, PRICE)),
        "opens at",
    );
    s.at(start).ok(acme(), bid(1, PRICE));
    let end = s.end();
    assert_conflict(s.at(end).refused(beta(), bid(2, PRICE * 2)), "closed at");
    assert_forbidden(s.refused(gamma(), bid(3, PRICE * 2)), "not registered");
}

#[test]
fn an_open_bid_beats_the_leader_by_the_increment() {
    let mut s = auction(rules(PRICE));
    s.ok(acme(), bid(1, PRICE));
    let err = s.refused(beta(), bid(2, PRICE + 999_999));
    let msg = message_of(&err, "amount_fen");
    assert!(
        msg.contains("leading bid of 100000000 fen plus the increment of 1000000"),
        "{msg}"
    );
    s.ok(beta(), bid(2, PRICE + 1_000_000));
    assert_conflict(s.refused(beta(), bid(2, PRICE * 3)), "placed already");
    // The leader may raise its own bid.
    s.ok(beta(), bid(3, PRICE + 2_000_000));
    assert_eq!(
        s.sale().leading_bid().unwrap().amount_fen,
        PRICE + 2_000_000
    );
}

#[test]
fn a_bid_in_the_closing_minutes_extends_the_auction() {
    let mut s = auction(rules(PRICE));
    let end = s.end();
    // Exactly five minutes before the end is outside the window.
    let e = s.at(end - TimeDelta::minutes(5)).ok(acme(), bid(1, PRICE));
    assert!(matches!(
        e,
        SaleEvent::BidPlaced {
            extended_to: None,
            ..
        }
    ));
    let late = end - TimeDelta::seconds(1);
    let e = s.at(late).ok(beta(), bid(2, PRICE + 1_000_000));
    assert!(
        matches!(e, SaleEvent::BidPlaced { extended_to: Some(t), .. } if t == late + TimeDelta::minutes(5))
    );
    assert_eq!(s.end(), late + TimeDelta::minutes(5));
    // The old end has passed, yet bidding goes on.
    s.at(end + TimeDelta::minutes(1))
        .ok(acme(), bid(3, PRICE + 2_000_000));
    assert_conflict(
        s.at(end + TimeDelta::minutes(2))
            .refused(registrar(), close()),
        "runs until",
    );
}

#[test]
fn the_highest_bid_wins_and_the_earlier_of_equals() {
    let sealed = AuctionRules {
        sealed: true,
        ..rules(PRICE)
    };
    let mut s = auction(sealed);
    let start = s.sale().starts_at.unwrap();
    s.at(start + TimeDelta::minutes(1))
        .ok(beta(), bid(1, PRICE * 2));
    s.at(start + TimeDelta::minutes(2))
        .ok(acme(), bid(2, PRICE * 2));
    assert_conflict(
        s.refused(acme(), bid(3, PRICE * 3)),
        "one bid from each bidder",
    );
    // While sealed, each bidder sees only its own bid; the seller sees all.
    let seen = s.sale().view_for(&acme());
    assert_eq!(
        seen.bids
            .iter()
            .map(|b| b.organization_id)
            .collect::<Vec<_>>(),
        [ACME]
    );
    assert_eq!(s.sale().view_for(&owner()).bids.len(), 2);
    let end = s.end();
    s.at(end).ok(registrar(), close());
    let deal = s.sale().deal.clone().unwrap();
    assert_eq!(
        (deal.buyer_organization_id, deal.bid_id),
        (BETA, Some(Uuid::from_u128(0xB1D1)))
    );
    assert_eq!(
        s.sale().view_for(&acme()).bids.len(),
        2,
        "after the close all is shown"
    );
}

#[test]
fn a_hidden_reserve_is_judged_at_the_close_a_shown_one_at_each_bid() {
    let hidden = AuctionRules {
        reserve_fen: Some(PRICE * 2),
        ..rules(PRICE)
    };
    let mut s = auction(hidden);
    assert_eq!(s.sale().view_for(&acme()).rules.reserve_fen, None);
    s.ok(acme(), bid(1, PRICE));
    let end = s.end();
    s.at(end).ok(registrar(), close());
    assert_eq!(s.sale().no_sale, Some(NoSaleReason::ReserveNotMet));

    let shown = AuctionRules {
        reserve_fen: Some(PRICE * 2),
        reserve_shown: true,
        ..rules(PRICE)
    };
    let mut s = auction(shown);
    let err = s.refused(acme(), bid(1, PRICE));
    assert!(message_of(&err, "amount_fen").contains("at least 200000000"));
    s.ok(acme(), bid(1, PRICE * 2));

    let mut s = auction(rules(PRICE));
    let end = s.end();
    s.at(end).ok(registrar(), close());
    assert_eq!(s.sale().no_sale, Some(NoSaleReason::NoBids));
    assert_conflict(
        s.refused(
            owner(),
            SaleAction::Relist {
                price_fen: PRICE,
                period_days: 5,
            },
        ),
        "nobody applied for",
    );
}

#[test]
fn nothing_but_opening_happens_to_a_sale_that_does_not_exist() {
    for action in [apply(), SaleAction::RegisterBidder, bid(1, PRICE), close()] {
        assert_eq!(Story::new().refused(acme(), action), DomainError::NotFound);
    }
}

#[test]
fn a_job_related_listings_deal_is_under_price_notice_and_others_are_not() {
    let mut s = listed();
    s.ok(acme(), apply());
    let end = s.period_end();
    s.at(end).ok(registrar(), close());
    let deal = s.sale().deal.clone().unwrap();
    assert_eq!(deal.notice_ends_at, Some(end + TimeDelta::days(15)));
    assert!(deal.under_notice_at(end + TimeDelta::days(15) - TimeDelta::seconds(1)));
    assert!(!deal.under_notice_at(end + TimeDelta::days(15)));

    let mut not_job = Story::new();
    let mut open = open_listed(20);
    if let SaleAction::OpenListed { listing, .. } = &mut open {
        listing.job_related = false;
    }
    not_job.ok(owner(), open);
    not_job.ok(acme(), apply());
    let end = not_job.period_end();
    not_job.at(end).ok(registrar(), close());
    let deal = not_job.sale().deal.clone().unwrap();
    assert_eq!(deal.notice_ends_at, None);
    assert!(!deal.under_notice_at(end));
}

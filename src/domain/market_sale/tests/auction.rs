//! Auctions (拍卖): opening, registering, bidding, extension, reserve and the close; and nothing but opening on no sale.

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use crate::domain::DomainError;

#[test]
fn an_auction_is_opened_in_the_future_with_valid_rules() {
    let mut s = story();
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
    let mut s = story();
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
        assert_eq!(story().refused(acme(), action), DomainError::NotFound);
    }
}

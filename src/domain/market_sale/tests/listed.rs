//! Listed-price sales (挂牌): applying, closing, an auction among applicants, relisting; the price notice after a job-related deal.

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};

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
    story().ok(lab_admin(), open_listed(20));
    for who in [acme(), registrar(), Actor::system()] {
        assert_forbidden(story().refused(who, open_listed(20)), "a stranger");
    }
}

#[test]
fn only_a_published_listing_in_listed_mode_is_listed() {
    let mut draft = open_listed(20);
    if let SaleAction::OpenListed { listing, .. } = &mut draft {
        listing.published = false;
    }
    assert_conflict(story().refused(owner(), draft), "published");
    let mut negotiated = open_listed(20);
    if let SaleAction::OpenListed { listing, .. } = &mut negotiated {
        listing.pricing_mode = "negotiated".into();
    }
    assert_conflict(
        story().refused(owner(), negotiated),
        "pricing mode is negotiated",
    );
    let err = story().refused(owner(), open_listed(0));
    assert_eq!(fields(err), ["period_days"]);
    let err = story().refused(owner(), open_listed(61));
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

    let mut not_job = story();
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

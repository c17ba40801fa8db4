//! Withdrawal, and the price public notice (公示).

use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::testing::{assert_conflict, assert_forbidden};

// =============================================================================================
// Withdraw

#[test]
fn the_owner_withdraws_from_every_open_status() {
    for status in [
        ListingStatus::Draft,
        ListingStatus::UnderReview,
        ListingStatus::Returned,
        ListingStatus::Published,
    ] {
        let mut s = in_status(status, false);
        let event = s.ok(
            owner(),
            ListingAction::Withdraw {
                reason: Some(" licensed elsewhere ".into()),
            },
        );
        assert_eq!(
            event,
            ListingEvent::Withdrawn {
                reason: Some("licensed elsewhere".into())
            }
        );
        assert_eq!(s.status(), ListingStatus::Withdrawn, "from {status}");
        assert_eq!(
            s.listing().withdrawal_reason.as_deref(),
            Some("licensed elsewhere")
        );
    }
}

#[test]
fn the_owning_institution_withdraws_a_job_related_listing() {
    let mut s = in_status(ListingStatus::Published, true);
    assert_eq!(
        s.ok(
            institution_admin(),
            ListingAction::Withdraw { reason: None }
        ),
        ListingEvent::Withdrawn { reason: None }
    );
    assert_eq!(
        (s.status(), s.listing().withdrawal_reason.as_ref()),
        (ListingStatus::Withdrawn, None)
    );
}

#[test]
fn nobody_else_withdraws() {
    for (who, actor) in everyone_but(&["owner", "institution_admin"]) {
        let err = in_status(ListingStatus::Published, true)
            .refused(actor, ListingAction::Withdraw { reason: None });
        assert_forbidden(err, who);
    }
    let err = in_status(ListingStatus::Published, false).refused(
        institution_admin(),
        ListingAction::Withdraw { reason: None },
    );
    assert_forbidden(
        err,
        "institution_admin of a listing that is not job-related",
    );
}

#[test]
fn withdrawn_and_transferred_listings_cannot_be_withdrawn() {
    for status in [ListingStatus::Withdrawn, ListingStatus::Transferred] {
        let err =
            in_status(status, false).refused(owner(), ListingAction::Withdraw { reason: None });
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn a_withdrawal_reason_is_optional_and_at_most_500_characters() {
    let mut s = in_status(ListingStatus::Draft, false);
    let err = s.refused(
        owner(),
        ListingAction::Withdraw {
            reason: Some("因".repeat(501)),
        },
    );
    assert_eq!(fields(err), vec!["reason"]);
    assert_eq!(
        s.ok(
            owner(),
            ListingAction::Withdraw {
                reason: Some("  ".into())
            }
        ),
        ListingEvent::Withdrawn { reason: None }
    );
    let mut s = in_status(ListingStatus::Draft, false);
    s.ok(
        owner(),
        ListingAction::Withdraw {
            reason: Some("因".repeat(500)),
        },
    );
    assert_eq!(
        s.listing()
            .withdrawal_reason
            .as_ref()
            .map(|r| r.chars().count()),
        Some(500)
    );
}

// =============================================================================================
// Price notice

#[test]
fn the_owning_institution_starts_a_price_notice_on_a_published_job_related_negotiated_listing() {
    let mut s = in_status(ListingStatus::Published, true);
    assert!(s.listing().needs_price_notice());
    let now = s.now;
    let event = s.ok(institution_admin(), notice(15));
    let ends_at = Utc.with_ymd_and_hms(2024, 3, 16, 12, 0, 0).unwrap();
    assert_eq!(now + TimeDelta::days(15), ends_at);
    assert_eq!(
        event,
        ListingEvent::PriceNoticeStarted {
            starts_at: now,
            ends_at
        }
    );
    assert_eq!(
        s.listing().price_notice,
        Some(PriceNotice {
            starts_at: now,
            ends_at
        })
    );
    assert_eq!(s.status(), ListingStatus::Published);
}

#[test]
fn the_owner_may_start_the_price_notice() {
    let mut s = in_status(ListingStatus::Published, true);
    assert!(matches!(
        s.ok(owner(), notice(1)),
        ListingEvent::PriceNoticeStarted { .. }
    ));
}

#[test]
fn nobody_else_starts_a_price_notice() {
    for (who, actor) in everyone_but(&["owner", "institution_admin"]) {
        assert_forbidden(
            in_status(ListingStatus::Published, true).refused(actor, notice(15)),
            who,
        );
    }
}

#[test]
fn a_price_notice_is_only_for_job_related_negotiated_listings() {
    let mut s = in_status(ListingStatus::Published, false);
    assert!(!s.listing().needs_price_notice());
    assert_conflict(
        s.refused(owner(), notice(15)),
        "job-related listing with negotiated pricing",
    );
    for (mode, price) in [
        (PricingMode::Listed, Some(100_000)),
        (PricingMode::Auction, None),
    ] {
        let c = parse(ListingInput {
            pricing_mode: mode,
            asking_price_fen: price,
            ..job_input()
        })
        .unwrap();
        let mut s = in_status_of(c, ListingStatus::Published);
        assert!(!s.listing().needs_price_notice());
        assert_conflict(
            s.refused(institution_admin(), notice(15)),
            "negotiated pricing",
        );
    }
}

#[test]
fn a_price_notice_needs_a_published_listing() {
    for status in statuses_except(&[ListingStatus::Published]) {
        let err = in_status(status, true).refused(owner(), notice(15));
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn a_price_notice_lasts_1_to_365_days() {
    for days in [0, 366, u32::MAX] {
        let err =
            in_status(ListingStatus::Published, true).refused(institution_admin(), notice(days));
        assert_eq!(fields(err), vec!["days"], "{days} days");
    }
    for days in [1, 365] {
        let mut s = in_status(ListingStatus::Published, true);
        let now = s.now;
        let event = s.ok(institution_admin(), notice(days));
        assert_eq!(
            event,
            ListingEvent::PriceNoticeStarted {
                starts_at: now,
                ends_at: now + TimeDelta::days(i64::from(days))
            }
        );
    }
}

#[test]
fn a_new_price_notice_waits_until_the_running_one_has_ended() {
    let mut s = in_status(ListingStatus::Published, true);
    let started = s.now;
    s.ok(institution_admin(), notice(15));
    let ends_at = started + TimeDelta::days(15);
    s.now = ends_at - TimeDelta::seconds(1);
    assert_conflict(
        s.refused(institution_admin(), notice(15)),
        "already running",
    );
    s.now = ends_at;
    assert_eq!(
        s.ok(institution_admin(), notice(20)),
        ListingEvent::PriceNoticeStarted {
            starts_at: ends_at,
            ends_at: ends_at + TimeDelta::days(20)
        }
    );
    assert_eq!(s.listing().price_notice.map(|n| n.starts_at), Some(ends_at));
}

#[test]
fn a_price_notice_has_run_from_its_end_instant_on() {
    let n = PriceNotice {
        starts_at: t0(),
        ends_at: t0() + TimeDelta::days(15),
    };
    assert!(!n.has_run_by(t0()));
    assert!(!n.has_run_by(n.ends_at - TimeDelta::milliseconds(1)));
    assert!(n.has_run_by(n.ends_at));
    assert!(n.has_run_by(n.ends_at + TimeDelta::days(400)));
}

#[test]
fn a_refusal_while_a_notice_runs_says_when_it_ends_in_both_languages() {
    let mut s = in_status(ListingStatus::Published, true);
    s.ok(institution_admin(), notice(15));
    let ends_at = s.listing().price_notice.unwrap().ends_at;
    // Written as the views write `ends_at`, so a client finds the instant it was shown.
    let shown = serde_json::to_value(ends_at).unwrap();
    let end = shown.as_str().unwrap();
    assert_eq!(end, "2024-03-16T12:00:00Z");
    let err = s.refused(institution_admin(), notice(15));
    assert_conflict(err.clone(), &format!("价格公示期至 {end} 结束"));
    assert_conflict(err, &format!("runs until {end}"));
}

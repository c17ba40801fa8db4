//! The grant after the notice, and the patent office's record of it.

use chrono::TimeDelta;

use super::*;
use crate::domain::testing::{assert_conflict, fields, message_of};

// ---------------------------------------------------------------------------------------------
// Grant

#[test]
fn the_grant_waits_for_the_end_of_the_notice() {
    let mut s = in_notice();
    for now in [notice_start(), notice_end() - TimeDelta::seconds(1)] {
        s.at(now);
        assert_conflict(
            s.refused(office(), GrantAction::Grant),
            "the public notice runs until 2026-11-19T02:00:00+00:00",
        );
    }
    s.at(notice_end());
    s.ok(office(), GrantAction::Grant);
    assert_eq!(s.status(), GrantStatus::Granted);
    assert_eq!(s.grant().granted_on, Some(date("2026-11-19")));
}

#[test]
fn the_grant_waits_for_every_objection_to_be_resolved() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "异议"));
    s.ok(outsider(), objection(OBJ2, "异议"));
    s.ok(office(), resolve(OBJ2, ObjectionOutcome::Dismissed, "驳回"));
    s.at(grant_at());
    assert_conflict(
        s.refused(office(), GrantAction::Grant),
        &format!("objection {OBJ1} is not resolved yet"),
    );
    s.ok(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回"));
    s.ok(office(), GrantAction::Grant);
    assert_eq!(s.status(), GrantStatus::Granted);
}

#[test]
fn a_granted_term_runs_from_the_china_date_of_the_grant() {
    let s = granted();
    let g = s.grant();
    assert_eq!(
        s.history.last().unwrap().event,
        GrantEvent::Granted {
            granted_on: date(GRANTED_ON),
            term_end: Some(date(TERM_END)),
        }
    );
    assert_eq!(g.status, GrantStatus::Granted);
    assert_eq!(g.granted_at, Some(grant_at()));
    // 2026-11-20T16:30Z is already the 21st in China.
    assert_eq!(grant_at().date_naive(), date("2026-11-20"));
    assert_eq!(g.granted_on, Some(date(GRANTED_ON)));
    assert_eq!(g.term_end, Some(date(TERM_END)));
    assert_eq!(g.original_term_end, Some(date(TERM_END)));
    assert_eq!(g.updated_at, grant_at());
}

#[test]
fn a_grant_at_ten_in_the_morning_counts_ten_years_from_that_day() {
    let mut s = in_notice();
    s.at(utc("2026-11-21T02:00:00Z"));
    s.ok(office(), GrantAction::Grant);
    assert_eq!(s.grant().granted_on, Some(date("2026-11-21")));
    assert_eq!(s.grant().term_end, Some(date("2036-11-20")));
}

#[test]
fn an_ownership_share_without_a_term_has_no_end() {
    let s = granted_share();
    assert_eq!(s.status(), GrantStatus::Granted);
    assert_eq!(s.grant().granted_on, Some(date(GRANTED_ON)));
    assert_eq!(s.grant().term_end, None);
    assert_eq!(s.grant().original_term_end, None);

    let with_term = granted_with(GrantTerms {
        term_years: Some(3),
        ..share_terms()
    });
    assert_eq!(with_term.grant().term_end, Some(date("2029-11-20")));
}

#[test]
fn only_the_office_grants_and_only_from_notice() {
    let mut s = in_notice();
    s.at(grant_at());
    assert_only_office(&mut s, GrantAction::Grant);
    assert_conflict(
        approved().refused(office(), GrantAction::Grant),
        "must be in_notice to be granted; it is approved",
    );
    assert_conflict(
        granted().refused(office(), GrantAction::Grant),
        "it is granted",
    );
}

// ---------------------------------------------------------------------------------------------
// Registry change

#[test]
fn the_office_records_the_patent_offices_change() {
    let mut s = granted();
    s.on("2026-12-15");
    let event = s.ok(office(), registry("  ZL202610000001.X ", "2026-12-10"));
    let change = RegistryChange {
        record_number: "ZL202610000001.X".into(),
        recorded_on: date("2026-12-10"),
    };
    assert_eq!(
        event,
        GrantEvent::RegistryChangeRecorded {
            registry_change: change.clone()
        }
    );
    assert_eq!(s.status(), GrantStatus::RegistryChanged);
    assert_eq!(s.grant().registry_change, Some(change));
    assert!(s.status().is_in_force());

    // From the day of the grant to today, both included (today in China).
    let mut same_day = granted();
    same_day.at(grant_at());
    same_day.ok(office(), registry("R1", GRANTED_ON));
    let mut today = granted();
    today.at(utc("2026-12-14T16:00:00Z"));
    today.ok(office(), registry("R1", "2026-12-15"));
}

#[test]
fn a_registry_change_is_dated_between_the_grant_and_today() {
    let mut s = granted();
    s.on("2026-12-15");
    let later = s.refused(office(), registry("R1", "2026-12-16"));
    assert_eq!(fields(later.clone()), vec!["recorded_on"]);
    assert!(message_of(&later, "recorded_on").contains("after today (2026-12-15)"));
    let earlier = s.refused(office(), registry("R1", "2026-11-20"));
    assert_eq!(fields(earlier.clone()), vec!["recorded_on"]);
    assert!(message_of(&earlier, "recorded_on").contains("before the grant (2026-11-21)"));

    let blank = s.refused(office(), registry("   ", "2026-12-10"));
    assert_eq!(fields(blank), vec!["record_number"]);
    let two_lines = s.refused(office(), registry("R1\nR2", "2026-12-10"));
    assert_eq!(fields(two_lines), vec!["record_number"]);
    let long = s.refused(office(), registry(&"9".repeat(65), "2026-12-10"));
    assert_eq!(fields(long), vec!["record_number"]);
    let both = s.refused(office(), registry("", "2027-01-01"));
    assert_eq!(fields(both), vec!["record_number", "recorded_on"]);
}

#[test]
fn only_the_office_records_and_only_once_granted() {
    let mut s = granted();
    s.on("2026-12-15");
    assert_only_office(&mut s, registry("R1", "2026-12-10"));
    let mut again = registry_changed();
    assert_conflict(
        again.refused(office(), registry("R2", "2026-12-15")),
        "must be granted to be recorded at the patent office; it is registry_changed",
    );
    assert_conflict(
        in_notice().refused(office(), registry("R1", "2026-10-20")),
        "it is in_notice",
    );
}

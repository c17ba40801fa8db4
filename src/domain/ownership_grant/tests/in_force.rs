//! The days in force as known at an instant.

use chrono::TimeDelta;

use super::*;

// ---------------------------------------------------------------------------------------------
// Term as of an instant

#[test]
fn nothing_is_in_force_before_the_grant() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::InNotice,
        GrantStatus::Rejected,
        GrantStatus::Withdrawn,
    ] {
        let s = story_in(status);
        assert_eq!(s.grant().term_as_of(None), None, "{status}");
        assert!(!s.grant().in_force_on(date("2027-01-01"), None));
    }
    let s = granted();
    let g = s.grant();
    assert_eq!(g.term_as_of(Some(grant_at() - TimeDelta::seconds(1))), None);
    assert!(!g.in_force_on(date("2027-01-01"), Some(grant_at() - TimeDelta::seconds(1))));
    let term = Some((date(GRANTED_ON), Some(date(TERM_END))));
    assert_eq!(g.term_as_of(Some(grant_at())), term);
    assert_eq!(g.term_as_of(None), term);
    assert!(!g.in_force_on(date("2026-11-20"), None));
    assert!(g.in_force_on(date(GRANTED_ON), None));
    assert!(g.in_force_on(date(TERM_END), None));
    assert!(!g.in_force_on(date("2036-11-21"), None));
}

#[test]
fn an_extension_counts_from_when_it_was_recorded() {
    let mut s = granted();
    let t2 = morning("2030-01-10");
    s.at(t2).ok(office(), extend_to("2040-11-20", "延期"));
    let g = s.grant();
    let before = Some(t2 - TimeDelta::seconds(1));
    assert_eq!(
        g.term_as_of(before),
        Some((date(GRANTED_ON), Some(date(TERM_END))))
    );
    let extended = Some((date(GRANTED_ON), Some(date("2040-11-20"))));
    assert_eq!(g.term_as_of(Some(t2)), extended);
    assert_eq!(g.term_as_of(Some(morning("2035-01-01"))), extended);
    assert_eq!(g.term_as_of(None), extended);
    // A day between the old and the new end flips.
    let between = date("2038-06-01");
    assert!(!g.in_force_on(between, before));
    assert!(g.in_force_on(between, Some(t2)));
    assert!(g.in_force_on(between, None));
    assert!(!g.in_force_on(date("2040-11-21"), None));
}

#[test]
fn the_latest_known_extension_counts() {
    let mut s = granted();
    let (t2, t3) = (morning("2030-01-10"), morning("2035-01-10"));
    s.at(t2).ok(office(), extend_to("2040-11-20", "第一次"));
    s.at(t3).ok(office(), extend_to("2045-11-20", "第二次"));
    let g = s.grant();
    let end = |as_of| g.term_as_of(as_of).and_then(|(_, last)| last);
    assert_eq!(end(Some(t2 - TimeDelta::days(1))), Some(date(TERM_END)));
    assert_eq!(end(Some(t2 + TimeDelta::days(1))), Some(date("2040-11-20")));
    assert_eq!(end(Some(t3)), Some(date("2045-11-20")));
    assert_eq!(end(None), Some(date("2045-11-20")));
}

#[test]
fn a_revocation_cuts_the_term_once_it_is_recorded() {
    let mut s = granted();
    s.on("2030-01-10")
        .ok(office(), extend_to("2040-11-20", "延期"));
    let recorded = morning("2031-06-01");
    s.at(recorded).ok(office(), revoke_on("2031-05-01", "撤销"));
    let g = s.grant();
    let cut = Some((date(GRANTED_ON), Some(date("2031-04-30"))));
    assert_eq!(g.term_as_of(None), cut);
    assert_eq!(g.term_as_of(Some(recorded)), cut);
    assert!(g.in_force_on(date("2031-04-30"), None));
    assert!(!g.in_force_on(date("2031-05-01"), None));
    // Before it was recorded, the extended term was all there was to know.
    let earlier = Some(recorded - TimeDelta::seconds(1));
    assert_eq!(
        g.term_as_of(earlier),
        Some((date(GRANTED_ON), Some(date("2040-11-20"))))
    );
    assert!(g.in_force_on(date("2031-05-01"), earlier));
}

#[test]
fn a_revocation_from_the_first_day_leaves_nothing_in_force() {
    let mut s = granted();
    s.on(GRANTED_ON)
        .ok(office(), revoke_on(GRANTED_ON, "自始无效"));
    let g = s.grant();
    assert_eq!(g.term_as_of(None), None);
    assert!(!g.in_force_on(date(GRANTED_ON), None));
    assert_eq!(
        g.term_as_of(Some(grant_at())),
        Some((date(GRANTED_ON), Some(date(TERM_END))))
    );
}

#[test]
fn a_revocation_ends_an_open_ended_grant() {
    let mut s = granted_share();
    assert_eq!(s.grant().term_as_of(None), Some((date(GRANTED_ON), None)));
    s.on("2030-05-01")
        .ok(office(), revoke_on("2030-04-01", "撤销"));
    assert_eq!(
        s.grant().term_as_of(None),
        Some((date(GRANTED_ON), Some(date("2030-03-31"))))
    );
    assert!(!s.grant().in_force_on(date("2030-04-01"), None));
}

#[test]
fn expiry_does_not_change_the_days_in_force() {
    let before = granted();
    let after = story_in(GrantStatus::Expired);
    assert_eq!(
        after.grant().term_as_of(None),
        before.grant().term_as_of(None)
    );
    assert!(after.grant().in_force_on(date(TERM_END), None));
    assert!(!after.grant().in_force_on(date("2036-11-21"), None));
}

#[test]
fn an_open_ended_grant_stays_in_force() {
    let s = granted_share();
    let g = s.grant();
    assert_eq!(g.term_as_of(None), Some((date(GRANTED_ON), None)));
    assert!(g.in_force_on(date("2126-01-01"), None));
    assert!(g.in_force_on(NaiveDate::MAX, Some(morning("2100-01-01"))));
    assert!(!g.in_force_on(date("2026-11-20"), None));
}

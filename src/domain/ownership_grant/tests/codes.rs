//! Statuses, kinds, event names and replay, and terms of years.

use esrs::Aggregate;
use serde_json::json;

use super::*;
use crate::domain::code::assert_serde_agrees;
use crate::domain::Recorded;

// ---------------------------------------------------------------------------------------------
// Statuses, kinds, events, and terms of years

#[test]
fn statuses_round_trip_and_say_what_they_allow() {
    use GrantStatus as S;
    assert_serde_agrees::<GrantStatus>();
    // Refusals name a status by its Display, so that must be its code too.
    for st in GrantStatus::ALL.iter().copied() {
        assert_eq!(st.to_string(), st.as_str());
    }
    assert_eq!(GrantStatus::parse("Granted"), None);
    assert_eq!(GrantStatus::parse(""), None);

    let which = |f: fn(GrantStatus) -> bool| -> Vec<GrantStatus> {
        GrantStatus::ALL.iter().copied().filter(|s| f(*s)).collect()
    };
    assert_eq!(
        which(GrantStatus::is_live),
        vec![
            S::Applied,
            S::Approved,
            S::InNotice,
            S::Granted,
            S::RegistryChanged
        ]
    );
    assert_eq!(
        which(GrantStatus::is_public),
        vec![
            S::InNotice,
            S::Granted,
            S::RegistryChanged,
            S::Expired,
            S::Revoked
        ]
    );
    assert_eq!(
        which(GrantStatus::is_in_force),
        vec![S::Granted, S::RegistryChanged]
    );
    assert_eq!(
        which(GrantStatus::was_granted),
        vec![S::Granted, S::RegistryChanged, S::Expired, S::Revoked]
    );
}

#[test]
fn kinds_are_named_as_they_are_stored() {
    assert_serde_agrees::<GrantKind>();
    assert_eq!(GrantKind::UsageRight.as_str(), "usage_right");
    assert_eq!(GrantKind::OwnershipShare.as_str(), "ownership_share");
}

#[test]
fn every_event_is_named_by_its_tag_and_replays_to_the_same_state() {
    let mut stories = vec![
        story_in(GrantStatus::Rejected),
        story_in(GrantStatus::Withdrawn),
        story_in(GrantStatus::Revoked),
    ];
    let mut full = in_notice();
    full.ok(enterprise(), objection(OBJ1, "异议"));
    full.ok(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回"));
    full.at(grant_at()).ok(office(), GrantAction::Grant);
    full.on("2026-12-15")
        .ok(office(), registry("R1", "2026-12-10"));
    full.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 12_345, "2026-12-01"), 45),
    );
    full.on("2030-01-01")
        .ok(office(), extend_to("2040-11-20", "延期"));
    full.on("2040-11-01").ok(system(), warn(30));
    full.on("2040-11-21").ok(system(), GrantAction::Expire);
    stories.push(full);

    let mut names = std::collections::BTreeSet::new();
    for s in &stories {
        let mut replayed = GrantState::default();
        for recorded in &s.history {
            let value = serde_json::to_value(recorded).unwrap();
            assert_eq!(value["event"]["type"], json!(recorded.event.name()));
            let back: Recorded<GrantEvent> = serde_json::from_value(value).unwrap();
            assert_eq!(&back, recorded);
            names.insert(recorded.event.name());
            replayed = OwnershipGrant::apply_event(replayed, back);
        }
        assert_eq!(replayed, s.state);
    }
    assert_eq!(names.len(), 14, "{names:?}");
    assert_eq!(OwnershipGrant::NAME, "ownership_grant");
}

#[test]
fn a_term_of_years_ends_the_day_before_its_anniversary() {
    assert_eq!(years_after(date("2026-11-21"), 10), date("2036-11-20"));
    assert_eq!(years_after(date("2026-01-01"), 1), date("2026-12-31"));
    assert_eq!(years_after(date("2026-03-01"), 2), date("2028-02-29"));
    assert_eq!(years_after(date("2026-11-21"), 50), date("2076-11-20"));
    // From 29 February to a leap year: the anniversary exists.
    assert_eq!(years_after(date("2028-02-29"), 4), date("2032-02-28"));
    // To a common year: the anniversary of 29 February is 1 March, so the term ends on the 28th,
    // as a term from 1 March does, and a day after a term from 28 February.
    assert_eq!(years_after(date("2028-02-29"), 10), date("2038-02-28"));
    assert_eq!(years_after(date("2028-02-28"), 10), date("2038-02-27"));
    assert_eq!(years_after(date("2028-03-01"), 10), date("2038-02-28"));
}

//! The granted term: extension, the expiry warning, and expiry by rule.

use super::*;
use crate::domain::testing::{assert_conflict, fields, message_of};

// ---------------------------------------------------------------------------------------------
// Extension

#[test]
fn the_office_extends_a_term() {
    let mut s = granted();
    s.on("2030-01-10");
    let event = s.ok(office(), extend_to("2040-11-20", "  成果转化仍在进行 "));
    assert_eq!(
        event,
        GrantEvent::Extended {
            previous_end: date(TERM_END),
            new_end: date("2040-11-20"),
            reason: "成果转化仍在进行".into(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Granted);
    assert_eq!(g.term_end, Some(date("2040-11-20")));
    assert_eq!(g.original_term_end, Some(date(TERM_END)));
    assert_eq!(
        g.extensions,
        vec![Extension {
            at: morning("2030-01-10"),
            previous_end: date(TERM_END),
            new_end: date("2040-11-20"),
            reason: "成果转化仍在进行".into(),
        }]
    );
}

#[test]
fn a_registered_grant_is_extended_again_and_again() {
    let mut s = registry_changed();
    s.on("2030-01-10")
        .ok(office(), extend_to("2040-11-20", "第一次"));
    s.on("2040-11-20")
        .ok(office(), extend_to("2050-11-20", "第二次"));
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::RegistryChanged);
    assert_eq!(g.term_end, Some(date("2050-11-20")));
    assert_eq!(g.original_term_end, Some(date(TERM_END)));
    assert_eq!(g.extensions.len(), 2);
    assert_eq!(g.extensions[1].previous_end, date("2040-11-20"));
}

#[test]
fn an_extension_moves_the_end_forward_within_fifty_years_of_the_grant() {
    let mut s = granted();
    s.on("2030-01-10");
    for until in [TERM_END, "2036-11-19", "2030-01-01"] {
        let err = s.refused(office(), extend_to(until, "理由"));
        assert_eq!(fields(err.clone()), vec!["until"], "{until}");
        assert!(message_of(&err, "until").contains("after the current term end (2036-11-20)"));
    }
    let far = s.refused(office(), extend_to("2076-11-21", "理由"));
    assert_eq!(fields(far.clone()), vec!["until"]);
    assert!(message_of(&far, "until").contains("at most 50 years from the grant (2076-11-20)"));

    let blank = s.refused(office(), extend_to("2040-11-20", " "));
    assert_eq!(fields(blank), vec!["reason"]);
    let both = s.refused(office(), extend_to(TERM_END, ""));
    assert_eq!(fields(both), vec!["until", "reason"]);

    s.ok(office(), extend_to("2076-11-20", "到顶"));
    assert_eq!(s.grant().term_end, Some(date("2076-11-20")));
}

#[test]
fn a_fifty_year_usage_right_cannot_be_extended() {
    let mut s = granted_with(GrantTerms {
        term_years: Some(50),
        ..usage_terms()
    });
    assert_eq!(s.grant().term_end, Some(date("2076-11-20")));
    let err = s.refused(office(), extend_to("2076-11-21", "再延"));
    assert!(message_of(&err, "until").contains("at most 50 years"));
}

#[test]
fn only_a_running_term_is_extended() {
    assert_conflict(
        granted_share().refused(office(), extend_to("2040-01-01", "理由")),
        "no term",
    );
    let mut s = granted();
    s.on(TERM_END)
        .ok(office(), extend_to("2037-11-20", "最后一天延期"));
    let mut late = granted();
    late.on("2036-11-21");
    assert_conflict(
        late.refused(office(), extend_to("2040-11-20", "理由")),
        "the term ended on 2036-11-20",
    );
}

#[test]
fn only_the_office_extends_and_only_while_granted() {
    let mut s = granted();
    s.on("2030-01-10");
    assert_only_office(&mut s, extend_to("2040-11-20", "理由"));
    for status in [
        GrantStatus::InNotice,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ] {
        assert_conflict(
            story_in(status).refused(office(), extend_to("2040-11-20", "理由")),
            &format!("must be granted or registry_changed to be extended; it is {status}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Expiry warning and expiry

#[test]
fn expiry_is_announced_within_the_warning_days() {
    let mut s = granted();
    s.on("2036-10-20");
    assert_conflict(
        s.refused(system(), warn(30)),
        "the term ends on 2036-11-20, not within 30 days",
    );
    s.on("2036-10-21");
    let event = s.ok(system(), warn(30));
    assert_eq!(
        event,
        GrantEvent::ExpiryApproaching {
            term_ends_on: date(TERM_END),
            days_left: 30,
        }
    );
    assert_eq!(s.grant().expiry_warned_for, Some(date(TERM_END)));
    assert_eq!(s.status(), GrantStatus::Granted);

    let mut last_day = registry_changed();
    last_day.on(TERM_END);
    assert_eq!(
        last_day.ok(system(), warn(0)),
        GrantEvent::ExpiryApproaching {
            term_ends_on: date(TERM_END),
            days_left: 0,
        }
    );

    let mut over = granted();
    over.on("2036-11-21");
    assert_conflict(over.refused(system(), warn(30)), "not within 30 days");
}

#[test]
fn expiry_is_announced_once_per_end_and_an_extension_rearms_it() {
    let mut s = granted();
    s.on("2036-10-21").ok(system(), warn(30));
    assert_conflict(
        s.refused(system(), warn(30)),
        "the expiry on 2036-11-20 was already announced",
    );
    s.on("2036-11-01");
    assert_conflict(s.refused(system(), warn(30)), "already announced");

    s.ok(office(), extend_to("2037-11-20", "延期"));
    assert_conflict(s.refused(system(), warn(30)), "the term ends on 2037-11-20");
    assert_eq!(
        s.ok(system(), warn(400)),
        GrantEvent::ExpiryApproaching {
            term_ends_on: date("2037-11-20"),
            days_left: 384,
        }
    );
    assert_eq!(s.grant().expiry_warned_for, Some(date("2037-11-20")));
    assert_conflict(s.refused(system(), warn(400)), "already announced");
}

#[test]
fn expiry_warnings_are_given_by_rule_for_a_term() {
    let mut s = granted();
    s.on("2036-10-21");
    for (who, actor) in all_but(everyone(), &["system"]) {
        assert_forbidden(s.refused(actor, warn(30)), who);
    }
    assert_conflict(
        granted_share().refused(system(), warn(30)),
        "no term to expire",
    );
    assert_conflict(
        in_notice().refused(system(), warn(30)),
        "must be granted or registry_changed to be warned of expiry",
    );
}

#[test]
fn a_grant_expires_once_its_last_day_is_over() {
    let mut s = granted();
    for now in [morning(TERM_END), utc("2036-11-20T15:59:59Z")] {
        s.at(now);
        assert_conflict(
            s.refused(system(), GrantAction::Expire),
            "the term runs until 2036-11-20",
        );
    }
    // Midnight in China.
    s.at(utc("2036-11-20T16:00:00Z"));
    let event = s.ok(system(), GrantAction::Expire);
    assert_eq!(
        event,
        GrantEvent::Expired {
            term_ended_on: date(TERM_END)
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Expired);
    assert_eq!(
        g.ending,
        Some(Ending {
            at: utc("2036-11-20T16:00:00Z"),
            on: date("2036-11-21"),
            reason: "the term ended".into(),
        })
    );
    assert_eq!(g.term_end, Some(date(TERM_END)));
    assert!(!g.status.is_in_force() && g.status.was_granted());
    assert_conflict(s.refused(system(), GrantAction::Expire), "it is expired");
}

#[test]
fn expiry_follows_the_extended_end_and_a_registered_grant() {
    let mut s = registry_changed();
    s.on("2030-01-01")
        .ok(office(), extend_to("2040-11-20", "延期"));
    s.on("2036-11-21");
    assert_conflict(
        s.refused(system(), GrantAction::Expire),
        "runs until 2040-11-20",
    );
    s.on("2040-11-21").ok(system(), GrantAction::Expire);
    assert_eq!(s.status(), GrantStatus::Expired);
    assert_eq!(s.grant().ending.as_ref().unwrap().on, date("2040-11-21"));
}

#[test]
fn grants_expire_by_rule_and_only_with_a_term() {
    let mut s = granted();
    s.on("2036-11-21");
    for (who, actor) in all_but(everyone(), &["system"]) {
        assert_forbidden(s.refused(actor, GrantAction::Expire), who);
    }
    let mut open = granted_share();
    open.on("2090-01-01");
    assert_conflict(
        open.refused(system(), GrantAction::Expire),
        "no term to expire",
    );
    assert_conflict(
        in_notice().refused(system(), GrantAction::Expire),
        "must be granted or registry_changed to be expired; it is in_notice",
    );
}

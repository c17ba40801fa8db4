//! The office's review, and the public notice that follows an approval.

use chrono::TimeDelta;

use super::*;
use crate::domain::testing::{assert_conflict, fields, message_of};

// ---------------------------------------------------------------------------------------------
// Review

#[test]
fn the_office_approves_with_an_optional_note() {
    let mut s = applied();
    s.on("2026-10-12");
    let event = s.ok(office(), approve(Some("  材料齐全 ")));
    assert_eq!(
        event,
        GrantEvent::Approved {
            note: Some("材料齐全".into())
        }
    );
    assert_eq!(s.status(), GrantStatus::Approved);
    assert_eq!(s.grant().review_note.as_deref(), Some("材料齐全"));
    assert_eq!(s.grant().updated_at, morning("2026-10-12"));
    assert_eq!(s.grant().created_at, apply_at());

    let mut blank = applied();
    assert_eq!(
        blank.ok(office(), approve(Some("   "))),
        GrantEvent::Approved { note: None }
    );
    assert_eq!(blank.grant().review_note, None);

    let too_long = applied().refused(office(), approve(Some("x".repeat(501).as_str())));
    assert_eq!(fields(too_long), vec!["note"]);
}

#[test]
fn an_approval_gives_no_reasons() {
    let err = applied().refused(
        office(),
        GrantAction::Review {
            approve: true,
            note: None,
            reasons: vec!["理由".into()],
        },
    );
    assert_eq!(fields(err.clone()), vec!["reasons"]);
    assert!(message_of(&err, "reasons").contains("only when rejecting"));
}

#[test]
fn the_office_rejects_with_reasons() {
    let mut s = applied();
    let event = s.ok(office(), reject(&["  不属于职务科技成果 ", "团队成员不全"]));
    assert_eq!(
        event,
        GrantEvent::Rejected {
            reasons: vec!["不属于职务科技成果".into(), "团队成员不全".into()],
            objection_id: None,
        }
    );
    assert_eq!(s.status(), GrantStatus::Rejected);
    assert_eq!(
        s.grant().rejection_reasons,
        vec!["不属于职务科技成果", "团队成员不全"]
    );
}

#[test]
fn a_rejection_needs_reasons_and_no_note() {
    let none = applied().refused(office(), reject(&[]));
    assert_eq!(fields(none.clone()), vec!["reasons"]);
    assert!(message_of(&none, "reasons").contains("at least one reason"));

    let blank = applied().refused(office(), reject(&["好", "  "]));
    assert_eq!(fields(blank), vec!["reasons[1]"]);

    let many: Vec<String> = (0..21).map(|i| format!("理由{i}")).collect();
    let too_many = applied().refused(
        office(),
        GrantAction::Review {
            approve: false,
            note: None,
            reasons: many,
        },
    );
    assert!(message_of(&too_many, "reasons").contains("at most 20"));

    let with_note = applied().refused(
        office(),
        GrantAction::Review {
            approve: false,
            note: Some("备注".into()),
            reasons: vec!["理由".into()],
        },
    );
    assert_eq!(fields(with_note.clone()), vec!["note"]);
    assert!(message_of(&with_note, "note").contains("only when approving"));

    let both = applied().refused(
        office(),
        GrantAction::Review {
            approve: false,
            note: Some("备注".into()),
            reasons: vec![],
        },
    );
    assert_eq!(fields(both), vec!["note", "reasons"]);
}

#[test]
fn only_the_institutions_office_reviews() {
    let mut s = applied();
    assert_only_office(&mut s, approve(None));
    assert_only_office(&mut s, reject(&["理由"]));
    // Authorization comes first: the office of another institution learns nothing of the state.
    assert_forbidden(
        approved().refused(other_office(), approve(None)),
        "other_office",
    );
    assert!(!s.grant().is_institution_admin(&other_office()));
    assert!(!s.grant().is_institution_admin(&loose_admin()));
    assert!(s.grant().is_institution_admin(&office()));
}

#[test]
fn an_application_is_reviewed_once() {
    let mut s = approved();
    assert_conflict(
        s.refused(office(), approve(None)),
        "must be applied to be reviewed; it is approved",
    );
    assert_conflict(s.refused(office(), reject(&["理由"])), "it is approved");
}

// ---------------------------------------------------------------------------------------------
// Public notice

#[test]
fn the_office_starts_the_public_notice() {
    let mut s = approved();
    s.at(notice_start());
    let event = s.ok(office(), start_notice(NOTICE_DAYS));
    let notice = Notice {
        days: NOTICE_DAYS,
        starts_at: notice_start(),
        ends_at: notice_end(),
    };
    assert_eq!(event, GrantEvent::NoticeStarted { notice });
    assert_eq!(s.status(), GrantStatus::InNotice);
    assert_eq!(s.grant().notice, Some(notice));
    assert_eq!(notice.ends_at - notice.starts_at, TimeDelta::days(30));
    assert!(!notice.has_run_by(notice_end() - TimeDelta::seconds(1)));
    assert!(notice.has_run_by(notice_end()));
}

#[test]
fn a_notice_runs_one_to_365_days() {
    for days in [0, NOTICE_DAYS_MAX + 1, u32::MAX] {
        let err = approved().refused(office(), start_notice(days));
        assert_eq!(fields(err.clone()), vec!["days"], "{days}");
        assert!(message_of(&err, "days").contains("between 1 and 365"));
    }
    for days in [1, NOTICE_DAYS_MAX] {
        let mut s = approved();
        s.ok(office(), start_notice(days));
        let notice = s.grant().notice.unwrap();
        assert_eq!(notice.ends_at, s.now + TimeDelta::days(i64::from(days)));
    }
}

#[test]
fn only_an_approved_application_goes_on_notice() {
    assert_conflict(
        applied().refused(office(), start_notice(30)),
        "must be approved to be put on public notice; it is applied",
    );
    assert_conflict(
        in_notice().refused(office(), start_notice(30)),
        "it is in_notice",
    );
    // The state is judged before the days.
    assert_conflict(
        applied().refused(office(), start_notice(0)),
        "it is applied",
    );
    assert_only_office(&mut approved(), start_notice(30));
}

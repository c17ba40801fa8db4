//! Acceptance and the registrar's clock (due dates in working days, overdue), corrections and
//! resubmission.

use super::*;

#[test]
fn acceptance_starts_a_clock_of_15_working_days_across_the_holiday() {
    let mut s = submitted();
    let event = s.ok(registrar(), accept());
    // From Monday 09-21: 22–25, Sunday 27 (made up), 28–30, then 10-08, 10-09, Saturday 10-10
    // (made up), 10-12 … 10-15.
    assert_eq!(
        event,
        ContractEvent::Accepted {
            accepted_on: date("2026-09-21"),
            due_on: date("2026-10-15"),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Accepted);
    assert_eq!(c.accepted_on, Some(date("2026-09-21")));
    assert_eq!(c.due_on, Some(date("2026-10-15")));
    // Another registrar may accept just as well.
    let mut s = submitted();
    s.ok(other_registrar(), accept());
    assert_eq!(s.contract().due_on, Some(date("2026-10-15")));
}

#[test]
fn with_expert_review_the_clock_is_30_working_days() {
    let s = accepted_big();
    assert_eq!(s.contract().due_on, Some(date("2026-11-05")));
    // One fen below the threshold is the ordinary 15.
    let mut s = submitted_with(priced(600_000_000, EXPERT_REVIEW_THRESHOLD_FEN - 1));
    s.ok(registrar(), accept());
    assert_eq!(s.contract().due_on, Some(date("2026-10-15")));
}

#[test]
fn the_due_date_follows_the_calendar_given_and_skips_weekends() {
    // Accepted on Friday 09-25 with weekends only: 15 working days is Friday 10-16.
    let mut s = submitted();
    s.on("2026-09-25").ok(
        registrar(),
        ContractAction::Accept {
            calendar: WorkingCalendar::weekends_only(),
        },
    );
    assert_eq!(s.contract().due_on, Some(date("2026-10-16")));
    // Accepted on a Saturday (10-10, a make-up workday, by the national-day calendar).
    let mut s = submitted();
    s.on("2026-10-10").ok(registrar(), accept());
    assert_eq!(s.contract().accepted_on, Some(date("2026-10-10")));
    assert_eq!(s.contract().due_on, Some(date("2026-10-30")));
    // Accepted late in the evening in China: the China date counts, not the UTC one.
    let mut s = submitted();
    s.at(Utc.with_ymd_and_hms(2026, 9, 30, 16, 30, 0).unwrap())
        .ok(registrar(), accept());
    assert_eq!(s.contract().accepted_on, Some(date("2026-10-01")));
    assert_eq!(s.contract().due_on, Some(date("2026-10-27")));
}

#[test]
fn only_a_submitted_contract_is_accepted() {
    for status in ContractStatus::ALL.iter().copied() {
        if status == ContractStatus::Submitted {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), accept()),
            &format!("must be submitted to be accepted; it is {status}"),
        );
    }
}

#[test]
fn overdue_means_on_the_clock_and_past_the_due_date() {
    let s = accepted();
    let c = s.contract();
    assert!(!c.is_overdue_on(date("2026-09-21")));
    assert!(!c.is_overdue_on(date("2026-10-15")));
    assert!(c.is_overdue_on(date("2026-10-16")));
    // Under expert review the clock runs on.
    let s = expert_reviewed();
    assert!(!s.contract().is_overdue_on(date("2026-11-05")));
    assert!(s.contract().is_overdue_on(date("2026-11-06")));
    // Off the clock nothing is overdue, whatever the date.
    for status in [
        ContractStatus::Submitted,
        ContractStatus::CorrectionRequested,
        ContractStatus::Registered,
        ContractStatus::Refused,
        ContractStatus::Cancelled,
        ContractStatus::Revoked,
    ] {
        assert!(
            !in_status(status)
                .contract()
                .is_overdue_on(date("2030-01-01")),
            "{status}"
        );
    }
}

#[test]
fn a_registrar_requests_corrections_with_trimmed_reasons() {
    let mut s = accepted();
    let event = s.ok(
        registrar(),
        request_correction(&["  缺少专利证书复印件 ", "技术交易额的计算\n需附明细"]),
    );
    assert_eq!(
        event,
        ContractEvent::CorrectionRequested {
            reasons: vec![
                "缺少专利证书复印件".into(),
                "技术交易额的计算\n需附明细".into()
            ],
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::CorrectionRequested);
    assert_eq!(c.corrections, 1);
    assert_eq!(c.correction_reasons.len(), 2);
    // The due date stays as it was until resubmission.
    assert_eq!(c.due_on, Some(date("2026-10-15")));
}

#[test]
fn correction_reasons_are_1_to_20_of_1_to_500_characters() {
    let long = "补".repeat(501);
    let too_many: Vec<String> = (0..21).map(|i| format!("原因{i}")).collect();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (vec![], vec!["reasons"]),
        (too_many, vec!["reasons"]),
        (vec!["ok".into(), "  ".into()], vec!["reasons[1]"]),
        (
            vec![long, "ok".into(), "nul\u{0}".into()],
            vec!["reasons[0]", "reasons[2]"],
        ),
    ];
    for (reasons, expected) in cases {
        let err = accepted().refused(
            registrar(),
            ContractAction::RequestCorrection {
                reasons: reasons.clone(),
            },
        );
        assert_eq!(fields(err), expected, "{reasons:?}");
    }
    let err = accepted().refused(registrar(), request_correction(&[]));
    assert_eq!(message_of(&err, "reasons"), "must give at least one reason");
    let twenty: Vec<String> = (0..20).map(|i| format!("原因{i}")).collect();
    let mut s = accepted();
    s.ok(
        registrar(),
        ContractAction::RequestCorrection {
            reasons: twenty.clone(),
        },
    );
    assert_eq!(s.contract().correction_reasons, twenty);
    let mut s = accepted();
    s.ok(
        registrar(),
        request_correction(&["补".repeat(500).as_str()]),
    );
}

#[test]
fn corrections_are_requested_only_of_an_accepted_contract() {
    for status in ContractStatus::ALL.iter().copied() {
        if status == ContractStatus::Accepted {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), request_correction(&["r"])),
            &format!("must be accepted to be sent back for correction; it is {status}"),
        );
    }
}

#[test]
fn resubmission_replaces_the_content_and_restarts_the_clock() {
    let mut s = accepted();
    s.on("2026-10-12")
        .ok(registrar(), request_correction(&["补充技术交易额明细"]));
    let corrected = priced(AMOUNT, 200_000_000);
    let event = s
        .on("2026-10-13")
        .ok(researcher(), resubmit(corrected.clone()));
    // 15 working days after Tuesday 10-13.
    assert_eq!(
        event,
        ContractEvent::Resubmitted {
            content: corrected.clone(),
            due_on: date("2026-11-03"),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Accepted);
    assert_eq!(c.content, corrected);
    assert_eq!(c.accepted_on, Some(date("2026-09-21")), "acceptance stays");
    assert_eq!(c.due_on, Some(date("2026-11-03")));
    assert!(!c.is_overdue_on(date("2026-11-03")));
    assert!(c.is_overdue_on(date("2026-11-04")));
    // The correction's reasons and count remain on record.
    assert_eq!(c.corrections, 1);
    assert_eq!(c.correction_reasons, vec!["补充技术交易额明细".to_string()]);
}

#[test]
fn a_resubmission_crossing_the_threshold_gets_30_days_and_needs_experts() {
    let mut s = correction_requested();
    s.on("2026-10-13").ok(researcher(), resubmit(big_content()));
    // 30 working days after Tuesday 10-13.
    assert_eq!(s.contract().due_on, Some(date("2026-11-24")));
    assert_conflict(
        s.refused(registrar(), register(NUMBER)),
        "expert review is required first",
    );
    s.ok(registrar(), expert_review("同意"));
    s.ok(registrar(), register(NUMBER));
}

#[test]
fn corrections_may_be_requested_again_and_again() {
    let mut s = correction_requested();
    s.ok(researcher(), resubmit(content()));
    s.ok(registrar(), request_correction(&["第二次补正", "盖章不清"]));
    let c = s.contract();
    assert_eq!(c.corrections, 2);
    assert_eq!(
        c.correction_reasons,
        vec!["第二次补正".to_string(), "盖章不清".to_string()]
    );
    s.ok(researcher(), resubmit(content()));
    s.ok(registrar(), register(NUMBER));
    assert_eq!(s.status(), ContractStatus::Registered);
}

#[test]
fn resubmission_is_only_after_a_correction_request() {
    for status in ContractStatus::ALL.iter().copied() {
        if status == ContractStatus::CorrectionRequested {
            continue;
        }
        assert_conflict(
            in_status(status).refused(researcher(), resubmit(content())),
            &format!("must be correction_requested to be resubmitted; it is {status}"),
        );
    }
}

#[test]
fn resubmitted_content_is_checked_like_a_submission() {
    let mut s = correction_requested();
    assert_eq!(
        fields(s.refused(researcher(), resubmit(priced(AMOUNT, AMOUNT + 1)))),
        vec!["technology_amount_fen"]
    );
    assert_eq!(
        fields(s.refused(
            researcher(),
            resubmit(ContractContent {
                signing_date: date("2026-09-22"),
                ..content()
            })
        )),
        vec!["signing_date"]
    );
    // Nor may the submitter move the contract to another seller organization.
    let elsewhere = ContractContent {
        seller: party(Some(OTHER_LAB), "四川大学", "021", "510000"),
        ..content()
    };
    assert_forbidden(s.refused(researcher(), resubmit(elsewhere)), "researcher");
    // The state check comes before the content.
    assert_conflict(
        accepted().refused(researcher(), resubmit(priced(0, 0))),
        "must be correction_requested",
    );
}

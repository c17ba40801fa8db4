//! The registrar's decision: expert review of a contract of 500万元 or more, registration, and
//! refusal with a reason from the list.

use super::*;

#[test]
fn experts_review_a_contract_of_500_wan_yuan_of_technology() {
    let mut s = accepted_big();
    let event = s.ok(
        registrar(),
        expert_review("  技术先进，价格合理。\n建议登记。 "),
    );
    assert_eq!(
        event,
        ContractEvent::ExpertReviewed {
            opinion: "技术先进，价格合理。\n建议登记。".into(),
            experts: vec![],
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::ExpertReview);
    assert_eq!(
        c.expert_opinion.as_deref(),
        Some("技术先进，价格合理。\n建议登记。")
    );
    assert_eq!(c.due_on, Some(date("2026-11-05")));
}

#[test]
fn below_500_wan_yuan_there_is_no_expert_review() {
    for technology in [EXPERT_REVIEW_THRESHOLD_FEN - 1, TECH_AMOUNT, 1] {
        let mut s = submitted_with(priced(600_000_000, technology));
        s.ok(registrar(), accept());
        assert_conflict(
            s.refused(registrar(), expert_review("同意")),
            "expert review is only for technology amounts of 500万元 or more",
        );
    }
}

#[test]
fn the_expert_opinion_is_1_to_5000_characters() {
    for bad in [String::new(), " \n ".into(), "评".repeat(5_001)] {
        assert_eq!(
            fields(accepted_big().refused(
                registrar(),
                ContractAction::ExpertReview {
                    opinion: bad.clone()
                }
            )),
            vec!["opinion"],
            "{}",
            bad.len()
        );
    }
    accepted_big().ok(registrar(), expert_review(&"评".repeat(5_000)));
}

#[test]
fn expert_review_is_only_of_an_accepted_contract() {
    for status in ContractStatus::ALL.iter().copied() {
        if status == ContractStatus::Accepted {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), expert_review("同意")),
            &format!("must be accepted to be reviewed by experts; it is {status}"),
        );
    }
    // Checked before the input, and before the threshold.
    assert_conflict(
        submitted_with(big_content()).refused(registrar(), expert_review("")),
        "must be accepted",
    );
    assert_conflict(
        accepted().refused(registrar(), expert_review("")),
        "only for technology amounts",
    );
}

#[test]
fn an_accepted_contract_below_the_threshold_is_registered() {
    let mut s = accepted();
    s.on("2026-10-14");
    let event = s.ok(registrar(), register("  2026500106000123 "));
    assert_eq!(
        event,
        ContractEvent::Registered {
            registration_number: NUMBER.into(),
            registered_on: date("2026-10-14"),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Registered);
    assert_eq!(c.registration_number.as_deref(), Some(NUMBER));
    assert_eq!(c.registered_on, Some(date("2026-10-14")));
}

#[test]
fn a_contract_of_500_wan_yuan_is_registered_only_after_expert_review() {
    let mut s = accepted_big();
    assert_conflict(
        s.refused(registrar(), register(NUMBER)),
        "expert review is required first: the technology amount is 500万元 or more",
    );
    s.ok(registrar(), expert_review("同意登记"));
    s.ok(registrar(), register(NUMBER));
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Registered);
    assert_eq!(c.expert_opinion.as_deref(), Some("同意登记"));
}

#[test]
fn a_contract_never_accepted_is_not_registered() {
    let mut s = submitted();
    let err = s.refused(registrar(), register(NUMBER));
    assert_eq!(
        err,
        DomainError::conflict(
            "a contract that was never accepted cannot be registered; it is submitted"
        )
    );
    for status in [
        ContractStatus::CorrectionRequested,
        ContractStatus::Registered,
        ContractStatus::Refused,
        ContractStatus::Cancelled,
        ContractStatus::Revoked,
    ] {
        assert_conflict(
            in_status(status).refused(registrar(), register(NUMBER)),
            &format!("must be accepted or expert_review to be registered; it is {status}"),
        );
    }
    // The state is judged before the number.
    assert_conflict(
        submitted().refused(registrar(), register("")),
        "never accepted",
    );
}

#[test]
fn the_registration_number_is_a_single_line_of_1_to_64_characters() {
    for bad in [
        String::new(),
        "   ".into(),
        "2026\n0001".into(),
        "9".repeat(65),
    ] {
        assert_eq!(
            fields(accepted().refused(
                registrar(),
                ContractAction::Register {
                    registration_number: bad.clone()
                }
            )),
            vec!["registration_number"],
            "{bad:?}"
        );
    }
    let mut s = accepted();
    s.ok(registrar(), register(&"9".repeat(64)));
    assert_eq!(s.contract().registration_number, Some("9".repeat(64)));
}

#[test]
fn a_registrar_refuses_with_a_reason_from_the_list() {
    for code in refusal_reason_codes() {
        let mut s = accepted();
        let event = s.ok(
            registrar(),
            ContractAction::Refuse {
                reason_code: code.into(),
                note: Some("  见附件 ".into()),
            },
        );
        assert_eq!(
            event,
            ContractEvent::Refused {
                reason_code: code.into(),
                note: Some("见附件".into()),
            }
        );
        assert_eq!(s.status(), ContractStatus::Refused);
        assert_eq!(
            s.contract().refusal,
            Some(Refusal {
                reason_code: code.into(),
                note: Some("见附件".into()),
            })
        );
    }
}

#[test]
fn an_unknown_refusal_reason_is_refused_on_its_field() {
    for bad in ["nonsense", "Other", "", " other"] {
        let err = accepted().refused(registrar(), refuse(bad));
        assert_eq!(fields(err.clone()), vec!["reason_code"], "{bad:?}");
        assert!(
            message_of(&err, "reason_code").contains("invalid_contract, not_technology_contract")
        );
    }
    // With a bad note too, both are reported.
    let err = accepted().refused(
        registrar(),
        ContractAction::Refuse {
            reason_code: "nonsense".into(),
            note: Some("注".repeat(501)),
        },
    );
    assert_eq!(fields(err), vec!["reason_code", "note"]);
    // A blank note is no note.
    let mut s = accepted();
    s.ok(
        registrar(),
        ContractAction::Refuse {
            reason_code: "other".into(),
            note: Some("   ".into()),
        },
    );
    assert_eq!(s.contract().refusal.as_ref().unwrap().note, None);
}

#[test]
fn refusal_is_possible_while_the_contract_is_under_consideration() {
    use ContractStatus as S;
    for status in ContractStatus::ALL.iter().copied() {
        let mut s = in_status(status);
        let got = outcome(s.try_run(registrar(), refuse("unclear_subject")));
        let expected = if matches!(
            status,
            S::Accepted | S::CorrectionRequested | S::ExpertReview
        ) {
            Outcome::Accepted
        } else {
            Outcome::Conflict
        };
        assert_eq!(got, expected, "{status}");
    }
    assert_conflict(
        submitted().refused(registrar(), refuse("other")),
        "must be accepted or correction_requested or expert_review to be refused; it is submitted",
    );
}

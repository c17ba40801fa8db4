//! The end of a registration: cancellation (注销) and revocation (撤销) from a date, and nothing
//! after.

use super::*;

#[test]
fn a_registration_is_cancelled_from_a_date() {
    let mut s = registered();
    s.on("2026-12-01");
    let event = s.ok(
        registrar(),
        ContractAction::Cancel {
            on: date("2026-11-30"),
            reason: "  双方协议解除合同 ".into(),
        },
    );
    assert_eq!(
        event,
        ContractEvent::Cancelled {
            on: date("2026-11-30"),
            reason: "双方协议解除合同".into(),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Cancelled);
    assert_eq!(c.ended_on, Some(date("2026-11-30")));
    assert_eq!(c.end_reason.as_deref(), Some("双方协议解除合同"));
    // The registration itself stays on record.
    assert_eq!(c.registration_number.as_deref(), Some(NUMBER));
}

#[test]
fn a_registration_is_revoked_from_a_date() {
    let mut s = registered();
    s.on("2026-12-01");
    let event = s.ok(registrar(), revoke("2026-12-01"));
    assert_eq!(
        event,
        ContractEvent::Revoked {
            on: date("2026-12-01"),
            reason: "以欺骗手段取得登记".into(),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Revoked);
    assert_eq!(c.ended_on, Some(date("2026-12-01")));
    assert_eq!(c.end_reason.as_deref(), Some("以欺骗手段取得登记"));
}

#[test]
fn an_end_date_lies_between_the_registration_and_today_and_needs_a_reason() {
    for end in [cancel as fn(&str) -> ContractAction, revoke] {
        let mut s = accepted();
        s.on("2026-10-12").ok(registrar(), register(NUMBER));
        s.on("2026-11-02");
        let err = s.refused(registrar(), end("2026-11-03"));
        assert_eq!(fields(err.clone()), vec!["on"]);
        assert_eq!(
            message_of(&err, "on"),
            "must not be after today (2026-11-02)"
        );
        let err = s.refused(registrar(), end("2026-10-11"));
        assert_eq!(
            message_of(&err, "on"),
            "must not be before the registration date (2026-10-12)"
        );
        s.ok(
            registrar(),
            amend(AMEND1, "2026-10-20", AMOUNT + 1, TECH_AMOUNT),
        );
        assert_eq!(
            message_of(&s.refused(registrar(), end("2026-10-19")), "on"),
            "must not be before the latest amendment's effective date (2026-10-20)"
        );
        let mut bad = end("2026-11-03");
        match &mut bad {
            ContractAction::Cancel { reason, .. } | ContractAction::Revoke { reason, .. } => {
                *reason = "  ".into()
            }
            _ => unreachable!(),
        }
        assert_eq!(fields(s.refused(registrar(), bad)), vec!["on", "reason"]);
        let mut long = end("2026-10-20");
        if let ContractAction::Cancel { reason, .. } | ContractAction::Revoke { reason, .. } =
            &mut long
        {
            *reason = "由".repeat(501);
        }
        assert_eq!(fields(s.refused(registrar(), long)), vec!["reason"]);
        s.ok(registrar(), end("2026-10-20"));
    }
}

#[test]
fn only_a_registered_contract_is_cancelled_or_revoked() {
    for status in ContractStatus::ALL.iter().copied() {
        if status == ContractStatus::Registered {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), cancel("2026-09-21")),
            &format!("must be registered to be cancelled; it is {status}"),
        );
        assert_conflict(
            in_status(status).refused(registrar(), revoke("2026-09-21")),
            &format!("must be registered to be revoked; it is {status}"),
        );
    }
}

#[test]
fn after_the_end_nothing_more_happens() {
    for status in [ContractStatus::Cancelled, ContractStatus::Revoked] {
        let mut s = in_status(status);
        for action in every_action_but_submit() {
            let who = match action {
                ContractAction::Resubmit { .. } => researcher(),
                _ => registrar(),
            };
            assert!(
                matches!(s.refused(who, action.clone()), DomainError::Conflict(_)),
                "{status} {action:?}"
            );
        }
    }
}

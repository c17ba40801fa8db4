//! A whole story from submission to cancellation, every event folded into the state, and the
//! names the global log knows the events by.

use super::*;

#[test]
fn from_submission_through_corrections_experts_registration_amendment_payment_to_cancellation() {
    let mut s = story();
    s.ok(tech_manager(), submit(big_content()));
    s.ok(registrar(), accept());
    assert_eq!(s.contract().due_on, Some(date("2026-11-05")));
    s.on("2026-09-28")
        .ok(registrar(), request_correction(&["缺少专利证书"]));
    s.on("2026-09-30")
        .ok(tech_manager(), resubmit(big_content()));
    // 30 working days after 09-30, with the holiday week skipped and 10-10 worked.
    assert_eq!(s.contract().due_on, Some(date("2026-11-17")));
    s.on("2026-10-20")
        .ok(other_registrar(), expert_review("同意"));
    s.on("2026-10-22").ok(registrar(), register(NUMBER));
    s.on("2026-11-02").ok(
        registrar(),
        amend(AMEND1, "2026-11-01", 700_000_000, 650_000_000),
    );
    s.ok(tech_manager(), pay(PAY1, 300_000_000, "2026-11-02"));
    s.on("2026-12-31").ok(registrar(), cancel("2026-12-31"));
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Cancelled);
    assert_eq!(c.submitter_id, tech_manager().user_id);
    assert_eq!(c.submitter_organization_id, Some(AGENCY));
    assert_eq!(c.accepted_on, Some(date("2026-09-21")));
    assert_eq!(c.corrections, 1);
    assert_eq!(c.registered_on, Some(date("2026-10-22")));
    assert_eq!(c.current_amounts(), (700_000_000, 650_000_000));
    assert_eq!(c.amendments[0].previous_technology_amount_fen, 500_000_000);
    assert_eq!(c.payments.len(), 1);
    assert_eq!(c.ended_on, Some(date("2026-12-31")));
    assert_eq!(c.created_at, t0());
    assert_eq!(c.updated_at, morning("2026-12-31"));
}

#[test]
fn every_event_moves_updated_at_and_sets_what_it_says() {
    let mut state = ContractState::default();
    for (n, event) in all_events().into_iter().enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64);
        state = ContractRegistration::apply_event(
            state,
            Recorded {
                actor: registrar(),
                at,
                event: event.clone(),
            },
        );
        let c = state.contract.as_ref().unwrap();
        assert_eq!((c.created_at, c.updated_at), (t0(), at), "{}", event.name());
        let expected_status = match event {
            ContractEvent::Submitted { .. } => ContractStatus::Submitted,
            ContractEvent::Accepted { .. } | ContractEvent::Resubmitted { .. } => {
                ContractStatus::Accepted
            }
            ContractEvent::CorrectionRequested { .. } => ContractStatus::CorrectionRequested,
            ContractEvent::ExpertReviewed { .. } => ContractStatus::ExpertReview,
            // The panel's steps happen while the contract is accepted, and leave it so.
            ContractEvent::ExpertPanelRequested { .. }
            | ContractEvent::ExpertSeatAccepted { .. }
            | ContractEvent::ExpertSeatDeclined { .. }
            | ContractEvent::ExpertOpinionSubmitted { .. } => c.status,
            ContractEvent::Registered { .. }
            | ContractEvent::Imported { .. }
            | ContractEvent::Amended { .. }
            | ContractEvent::PaymentRecorded { .. } => ContractStatus::Registered,
            ContractEvent::Refused { .. } => ContractStatus::Refused,
            ContractEvent::Cancelled { .. } => ContractStatus::Cancelled,
            ContractEvent::Revoked { .. } => ContractStatus::Revoked,
        };
        // Applying is total: a refusal after registration is not a real history, but the
        // status follows the event all the same.
        if !matches!(
            event,
            ContractEvent::Amended { .. } | ContractEvent::PaymentRecorded { .. }
        ) {
            assert_eq!(c.status, expected_status, "{}", event.name());
        }
    }
    let c = state.contract.unwrap();
    assert_eq!(c.status, ContractStatus::Revoked);
    assert_eq!(c.accepted_on, Some(date("2026-09-21")));
    assert_eq!(c.due_on, Some(date("2026-11-24")));
    assert_eq!(c.content, big_content());
    assert_eq!(c.corrections, 1);
    assert_eq!(c.expert_opinion.as_deref(), Some("o"));
    assert_eq!(c.registration_number.as_deref(), Some(NUMBER));
    assert_eq!(c.registered_on, Some(date("2026-10-22")));
    assert_eq!(
        c.refusal,
        Some(Refusal {
            reason_code: "other".into(),
            note: None
        })
    );
    assert_eq!(c.amendments, vec![amendment_of()]);
    assert_eq!(c.payments.len(), 1);
    assert_eq!(c.ended_on, Some(date("2026-12-02")));
    assert_eq!(c.end_reason.as_deref(), Some("r"));
    assert_eq!(c.updated_at, t0() + TimeDelta::minutes(10));
}

#[test]
fn the_global_log_names_contract_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), registrar());
    }
    assert_eq!(ContractRegistration::NAME, "contract_registration");
}

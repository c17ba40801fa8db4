//! Existence and submission: nothing happens to a registration before it is submitted, and who
//! may submit what.

use super::*;

#[test]
fn every_action_but_submit_needs_an_existing_registration() {
    for action in every_action_but_submit() {
        for (who, actor) in everyone() {
            let mut s = story();
            assert_eq!(
                s.refused(actor, action.clone()),
                DomainError::NotFound,
                "{who} {action:?}"
            );
            assert_eq!(s.state.contract, None);
        }
    }
}

#[test]
fn submitting_an_existing_registration_conflicts() {
    for status in ContractStatus::ALL.iter().copied() {
        let mut s = in_status(status);
        for actor in [researcher(), registrar()] {
            assert_eq!(
                s.refused(actor, submit(content())),
                DomainError::conflict("contract registration already exists"),
                "{status}"
            );
        }
    }
}

#[test]
fn applying_anything_but_submitted_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        assert_eq!(
            ContractRegistration::apply_event(ContractState::default(), recorded).contract,
            None
        );
    }
}

#[test]
fn a_researcher_submits_a_contract_of_their_lab() {
    let mut s = story();
    let event = s.ok(researcher(), submit(content()));
    assert_eq!(
        event,
        ContractEvent::Submitted {
            submitter_id: researcher().user_id,
            submitter_organization_id: Some(LAB),
            content: content(),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Submitted);
    assert_eq!(c.content, content());
    assert_eq!((c.created_at, c.updated_at), (t0(), t0()));
    assert_eq!((c.accepted_on, c.due_on), (None, None));
    assert_eq!(c.corrections, 0);
    assert!(c.correction_reasons.is_empty());
    assert_eq!(c.registration_number, None);
    assert_eq!(c.current_amounts(), (AMOUNT, TECH_AMOUNT));
    assert_eq!(c.current_parties(), (&seller_party(), &buyer_party()));
    assert!(c.is_submitter(&researcher()));
    assert!(!c.is_submitter(&lab_colleague()));
}

#[test]
fn who_may_submit() {
    use Outcome::{Accepted as A, Forbidden as F};
    // The seller is LAB: its researchers and admin submit, a tech manager submits for a client,
    // a researcher of another lab does not, nor anyone else.
    let expected = [
        ("researcher", A),
        ("lab_admin", A),
        ("tech_manager", A),
        ("registrar", F),
        ("other_registrar", F),
        ("statistician", F),
        ("platform_admin", F),
        ("buyer_staff", F),
        ("lab_colleague", A),
        ("outsider_researcher", F),
        ("provider", F),
        ("system", F),
    ];
    for ((who, actor), (name, expected)) in everyone().into_iter().zip(expected) {
        assert_eq!(who, name);
        let mut s = story();
        assert_eq!(
            outcome(s.try_run(actor, submit(content()))),
            expected,
            "{who}"
        );
        if expected == F {
            assert_eq!(s.state.contract, None, "{who}");
        } else {
            assert_eq!(s.contract().submitter_id, actor.user_id);
            assert_eq!(
                s.contract().submitter_organization_id,
                actor.organization_id
            );
        }
    }
}

#[test]
fn a_seller_off_the_platform_may_be_submitted_by_any_researcher() {
    let individual = ContractContent {
        seller: party(None, "张三", "021", "500106"),
        ..content()
    };
    let mut s = story();
    s.ok(outsider_researcher(), submit(individual.clone()));
    assert_eq!(s.contract().content.seller.organization_id, None);
    // And an institution admin of the buyer's side may not submit for the buyer's organization.
    let mut s = story();
    let buyer_admin = person(20, Role::InstitutionAdmin, Some(COMPANY));
    assert_forbidden(s.refused(buyer_admin, submit(content())), "buyer admin");
}

#[test]
fn submission_rechecks_hand_built_content_and_reports_every_error() {
    let cases: Vec<(ContractContent, Vec<&str>)> = vec![
        (priced(AMOUNT, AMOUNT + 1), vec!["technology_amount_fen"]),
        (
            priced(0, 0),
            vec!["contract_amount_fen", "technology_amount_fen"],
        ),
        (priced(-1, 1), vec!["contract_amount_fen"]),
        (priced(MAX_AMOUNT_FEN + 1, 1), vec!["contract_amount_fen"]),
        (
            ContractContent {
                signing_date: date("2026-09-22"),
                ..content()
            },
            vec!["signing_date"],
        ),
        (
            ContractContent {
                validity_end: date("2026-08-31"),
                ..content()
            },
            vec!["validity_end"],
        ),
        (
            ContractContent {
                contract_type: ContractTypeRef {
                    taxonomy: "2001".into(),
                    contract_type: "consulting".into(),
                    subtype: None,
                },
                ..content()
            },
            vec!["taxonomy"],
        ),
        (
            ContractContent {
                ip_kinds: vec![
                    IpKind::trusted("utility_model"),
                    IpKind::trusted("invention_patent"),
                    IpKind::trusted("utility_model"),
                ],
                ..content()
            },
            vec!["ip_kinds[2]"],
        ),
        (
            ContractContent {
                buyer: party(Some(LAB), "重庆大学", "021", "500106"),
                ..content()
            },
            vec!["buyer.organization_id"],
        ),
        (
            ContractContent {
                signing_date: date("2027-01-01"),
                validity_end: date("2020-01-01"),
                ..priced(5, 6)
            },
            vec!["signing_date", "validity_end", "technology_amount_fen"],
        ),
    ];
    for (bad, expected) in cases {
        let mut s = story();
        let err = s.refused(researcher(), submit(bad));
        assert_eq!(fields(err), expected);
        assert_eq!(s.state.contract, None);
    }
    // The signing date is judged against the China date of the command: at 23:30 in China on
    // 09-21 (15:30 UTC), a contract signed on 09-22 is still in the future; at 00:30 on 09-22
    // (16:30 UTC on 09-21) it is not.
    let signed_22 = ContractContent {
        signing_date: date("2026-09-22"),
        validity_start: date("2026-09-22"),
        ..content()
    };
    let mut s = story();
    s.at(Utc.with_ymd_and_hms(2026, 9, 21, 15, 30, 0).unwrap());
    assert_eq!(
        fields(s.refused(researcher(), submit(signed_22.clone()))),
        vec!["signing_date"]
    );
    s.at(Utc.with_ymd_and_hms(2026, 9, 21, 16, 30, 0).unwrap());
    s.ok(researcher(), submit(signed_22));
}

#[test]
fn submission_checks_the_actor_before_the_content() {
    let mut s = story();
    assert_forbidden(s.refused(registrar(), submit(priced(0, 0))), "registrar");
    assert_forbidden(
        s.refused(outsider_researcher(), submit(priced(0, 0))),
        "outsider",
    );
    assert_forbidden(s.refused(system(), submit(priced(0, 0))), "system");
}

//! Who may decide, as whole tables: registrars decide, the submitter resubmits, and the
//! forbidden learn nothing of the state or of what was wrong with their input.

use super::*;

#[test]
fn only_registrars_decide() {
    use Outcome::{Accepted as A, Forbidden as F};
    let cases: Vec<(&str, StoryFn, ContractAction)> = vec![
        ("accept", submitted, accept()),
        (
            "request correction",
            accepted,
            request_correction(&["补充材料"]),
        ),
        ("expert review", accepted_big, expert_review("同意")),
        ("register", accepted, register(NUMBER)),
        ("register after review", expert_reviewed, register(NUMBER)),
        ("refuse", accepted, refuse("other")),
        (
            "amend",
            registered,
            amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
        ),
        ("cancel", registered, cancel("2026-09-21")),
        ("revoke", registered, revoke("2026-09-21")),
    ];
    for (what, story, action) in cases {
        for (who, actor) in everyone() {
            let mut s = story();
            let before = s.state.clone();
            let got = outcome(s.try_run(actor, action.clone()));
            let expected = if actor.role == Role::Registrar { A } else { F };
            assert_eq!(got, expected, "{who}: {what}");
            if got != A {
                assert_eq!(s.state, before, "{who}: {what}");
            }
        }
    }
}

#[test]
fn only_the_submitter_resubmits_and_only_a_registrar_or_the_submitter_records_payments() {
    for (who, actor) in everyone() {
        let mut s = correction_requested();
        let got = outcome(s.try_run(actor, resubmit(content())));
        let expected = if who == "researcher" {
            Outcome::Accepted
        } else {
            Outcome::Forbidden
        };
        assert_eq!(got, expected, "{who}: resubmit");

        let mut s = registered();
        let got = outcome(s.try_run(actor, pay(PAY1, 100_000, "2026-09-21")));
        let expected = if matches!(who, "researcher" | "registrar" | "other_registrar") {
            Outcome::Accepted
        } else {
            Outcome::Forbidden
        };
        assert_eq!(got, expected, "{who}: payment");
    }
}

#[test]
fn the_forbidden_learn_nothing_of_the_state_or_the_input() {
    let outsiders: Vec<(&str, Actor)> = everyone()
        .into_iter()
        .filter(|(_, a)| a.role != Role::Registrar && a.user_id != researcher().user_id)
        .collect();
    let bad = vec![
        resubmit(priced(0, 0)),
        accept(),
        request_correction(&[]),
        expert_review(""),
        register(""),
        refuse("nonsense"),
        amend(AMEND1, "2030-01-01", 0, 0),
        pay(PAY1, -1, "2030-01-01"),
        cancel("2030-01-01"),
        revoke("2030-01-01"),
    ];
    for status in ContractStatus::ALL.iter().copied() {
        for action in &bad {
            for (who, actor) in &outsiders {
                assert_forbidden(
                    in_status(status).refused(*actor, action.clone()),
                    &format!("{who} {status} {action:?}"),
                );
            }
        }
    }
    // The submitter is no registrar either.
    for action in bad
        .iter()
        .skip(1)
        .filter(|a| !matches!(a, ContractAction::RecordPayment { .. }))
    {
        assert_forbidden(
            in_status(ContractStatus::Accepted).refused(researcher(), action.clone()),
            &format!("submitter {action:?}"),
        );
    }
}

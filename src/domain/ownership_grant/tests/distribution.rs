//! Revenue distribution: exact splits, and which payments are distributed.

use super::*;
use crate::domain::contract::{ContractStatus, Payment};
use crate::domain::share::FULL_BP;
use crate::domain::testing::{assert_conflict, fields, message_of};

// ---------------------------------------------------------------------------------------------
// Distribution

#[test]
fn a_payment_is_split_exactly() {
    let mut s = granted();
    s.on("2026-12-20");
    let event = s.ok(
        office(),
        GrantAction::Distribute {
            distribution_id: DIST1,
            payment: contract_payment(PAY1, 1_000_001, "2026-12-01"),
            costs_fen: 0,
            note: Some("  首笔 ".into()),
        },
    );
    let expected = Distribution {
        id: DIST1,
        contract_id: CONTRACT,
        payment_id: PAY1,
        received_on: date("2026-12-01"),
        amount_fen: 1_000_001,
        costs_fen: 0,
        institution_fen: 300_000,
        team_fen: 700_001,
        members: vec![
            MemberPart {
                user_id: applicant().user_id,
                amount_fen: 233_310,
            },
            MemberPart {
                user_id: inventor().user_id,
                amount_fen: 233_310,
            },
            MemberPart {
                user_id: colleague().user_id,
                amount_fen: 233_381,
            },
        ],
        note: Some("首笔".into()),
    };
    assert_eq!(
        event,
        GrantEvent::RevenueDistributed {
            distribution: expected.clone()
        }
    );
    let d = &s.grant().distributions[0];
    assert_eq!(*d, expected);
    assert_eq!(d.costs_fen + d.institution_fen + d.team_fen, d.amount_fen);
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).sum::<i64>(),
        d.team_fen
    );
    assert_eq!(s.grant().distribution_of(PAY1), Some(d));
    assert_eq!(s.status(), GrantStatus::Granted);
}

#[test]
fn costs_are_deducted_before_the_split_and_ties_go_to_the_first_listed() {
    let mut s = granted();
    s.on("2026-12-20");
    s.ok(
        office(),
        distribute(
            DIST1,
            contract_payment(PAY1, 1_000_000, "2026-12-01"),
            1_000,
        ),
    );
    let d = &s.grant().distributions[0];
    // Net 999_000: 70% is 699_300 for the team; its thirds tie on their remainders.
    assert_eq!(
        (d.costs_fen, d.institution_fen, d.team_fen),
        (1_000, 299_700, 699_300)
    );
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).collect::<Vec<_>>(),
        vec![233_077, 233_077, 233_146]
    );
}

#[test]
fn without_an_agreed_split_the_team_gets_half_and_the_odd_fen() {
    let mut s = granted_share();
    s.on("2026-12-20");
    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 1_001, "2026-12-01"), 0),
    );
    let d = s.grant().distributions[0].clone();
    assert_eq!((d.institution_fen, d.team_fen), (500, 501));
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).collect::<Vec<_>>(),
        vec![167, 167, 167]
    );

    s.ok(
        office(),
        distribute(DIST2, contract_payment(PAY2, 10_000, "2026-12-02"), 2_000),
    );
    let d = &s.grant().distributions[1];
    assert_eq!(
        (d.costs_fen, d.institution_fen, d.team_fen),
        (2_000, 4_000, 4_000)
    );
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).collect::<Vec<_>>(),
        vec![1_333, 1_333, 1_334]
    );

    // Costs may take everything.
    s.ok(
        office(),
        distribute(DIST3, contract_payment(PAY3, 777, "2026-12-03"), 777),
    );
    let d = &s.grant().distributions[2];
    assert_eq!((d.institution_fen, d.team_fen), (0, 0));
    assert!(d.members.iter().all(|m| m.amount_fen == 0));
    assert_eq!(s.grant().distributions.len(), 3);
}

#[test]
fn every_distribution_adds_up() {
    let terms = [
        usage_terms(),
        share_terms(),
        GrantTerms {
            team: team_of(&[(applicant(), 1), (inventor(), 9_999)]),
            income: IncomeSplit {
                team_bp: 1,
                agreed: true,
            },
            ..usage_terms()
        },
    ];
    for t in &terms {
        for amount in (0..500).chain([999_999_999_999, 4_611_686_018_427_387_903]) {
            for costs in [0, amount / 3, amount] {
                let payment = Payment {
                    id: PAY1,
                    amount_fen: amount,
                    received_on: date("2026-12-01"),
                    note: None,
                };
                let d = Distribution::compute(t, DIST1, &payment, CONTRACT, costs, None);
                assert_eq!(d.costs_fen + d.institution_fen + d.team_fen, amount);
                assert_eq!(
                    d.members.iter().map(|m| m.amount_fen).sum::<i64>(),
                    d.team_fen
                );
                assert!(d.institution_fen >= 0 && d.members.iter().all(|m| m.amount_fen >= 0));
                // Never more than a fen from the exact team share.
                let exact = i128::from(amount - costs) * i128::from(t.income.team_bp);
                let mine = i128::from(d.team_fen) * i128::from(FULL_BP);
                assert!((mine - exact).abs() < i128::from(FULL_BP));
            }
        }
    }
}

#[test]
fn only_the_office_distributes() {
    let mut s = granted();
    s.on("2026-12-20");
    assert_only_office(
        &mut s,
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
    );
}

#[test]
fn only_a_grant_that_was_in_force_distributes() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::Rejected,
        GrantStatus::InNotice,
        GrantStatus::Withdrawn,
    ] {
        assert_conflict(
            story_in(status).refused(
                office(),
                distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
            ),
            &format!("only a granted grant distributes revenue; it is {status}"),
        );
    }
    // Money received while it was in force is distributed after it ended.
    for status in [
        GrantStatus::Expired,
        GrantStatus::Revoked,
        GrantStatus::RegistryChanged,
    ] {
        let mut s = story_in(status);
        s.ok(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
        );
        assert_eq!(s.grant().distributions.len(), 1, "{status}");
        assert_eq!(s.status(), status);
    }
}

#[test]
fn the_contract_is_for_the_granted_listing() {
    let mut s = granted();
    for listing_id in [Some(OTHER_LISTING), None] {
        let payment = ContractPayment {
            listing_id,
            ..contract_payment(PAY1, 100, "2026-12-01")
        };
        let err = s.refused(office(), distribute(DIST1, payment, 0));
        assert_eq!(fields(err.clone()), vec!["contract_id"], "{listing_id:?}");
        assert!(message_of(&err, "contract_id").contains("not for the granted listing"));
    }
}

#[test]
fn only_payments_under_a_registration_are_distributed() {
    use ContractStatus as C;
    for status in ContractStatus::ALL.iter().copied() {
        let mut s = granted();
        s.on("2027-06-01");
        let payment = ContractPayment {
            contract_status: status,
            ..contract_payment(PAY1, 100, "2026-12-01")
        };
        let result = s.try_run(office(), distribute(DIST1, payment, 0));
        match status {
            // Cancellation or revocation of the registration leaves received money as income.
            C::Registered | C::Cancelled | C::Revoked => {
                assert!(result.is_ok(), "{status}: {result:?}");
            }
            _ => assert_conflict(
                result.expect_err("should be refused"),
                &format!("the contract is {status}: only payments under a registered contract"),
            ),
        }
    }
    let refused = ContractPayment {
        contract_status: C::Refused,
        ..contract_payment(PAY1, 100, "2026-12-01")
    };
    assert_conflict(
        granted().refused(office(), distribute(DIST1, refused, 0)),
        "refused",
    );
    let submitted = ContractPayment {
        contract_status: C::Submitted,
        ..contract_payment(PAY1, 100, "2026-12-01")
    };
    assert_conflict(
        granted().refused(office(), distribute(DIST1, submitted, 0)),
        "submitted",
    );
}

#[test]
fn the_payment_exists_and_is_distributed_once() {
    let mut s = granted();
    s.on("2026-12-20");
    let missing = ContractPayment {
        payment: None,
        ..contract_payment(PAY1, 100, "2026-12-01")
    };
    let err = s.refused(office(), distribute(DIST1, missing, 0));
    assert_eq!(fields(err.clone()), vec!["payment_id"]);
    assert!(message_of(&err, "payment_id").contains(&format!("no payment {PAY1}")));

    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
    );
    assert_conflict(
        s.refused(
            office(),
            distribute(DIST2, contract_payment(PAY1, 100, "2026-12-01"), 0),
        ),
        &format!("payment {PAY1} was already distributed (distribution {DIST1})"),
    );
}

#[test]
fn only_payments_received_while_in_force_are_distributed() {
    let mut s = granted();
    s.on("2026-12-20");
    assert_conflict(
        s.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2026-11-20"), 0),
        ),
        "the grant was not in force on 2026-11-20",
    );
    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, GRANTED_ON), 0),
    );

    // After a revocation, up to the day before it.
    let mut revoked = granted();
    revoked
        .on("2027-03-01")
        .ok(office(), revoke_on("2027-02-01", "理由"));
    assert_conflict(
        revoked.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2027-02-01"), 0),
        ),
        "not in force",
    );
    revoked.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2027-01-31"), 0),
    );

    // After the term, through its last day.
    let mut ended = granted();
    ended.on("2036-12-01");
    assert_conflict(
        ended.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2036-11-21"), 0),
        ),
        "not in force",
    );
    ended.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, TERM_END), 0),
    );

    // An extension covers what the original term did not.
    let mut extended = granted();
    extended
        .on("2036-11-01")
        .ok(office(), extend_to("2037-11-20", "延期"));
    extended.on("2037-01-01");
    extended.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2036-12-31"), 0),
    );
}

#[test]
fn costs_are_between_nothing_and_the_payment() {
    let mut s = granted();
    s.on("2026-12-20");
    let negative = s.refused(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), -1),
    );
    assert_eq!(fields(negative.clone()), vec!["costs_fen"]);
    assert!(message_of(&negative, "costs_fen").contains("must not be negative"));
    let over = s.refused(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 101),
    );
    assert_eq!(fields(over.clone()), vec!["costs_fen"]);
    assert!(message_of(&over, "costs_fen").contains("must not exceed the payment (100 fen)"));

    let long_note = s.refused(
        office(),
        GrantAction::Distribute {
            distribution_id: DIST1,
            payment: contract_payment(PAY1, 100, "2026-12-01"),
            costs_fen: -1,
            note: Some("x".repeat(501)),
        },
    );
    assert_eq!(fields(long_note), vec!["costs_fen", "note"]);

    let mut blank = granted();
    blank.ok_all(
        office(),
        GrantAction::Distribute {
            distribution_id: DIST1,
            payment: contract_payment(PAY1, 100, "2026-12-01"),
            costs_fen: 100,
            note: Some("   ".into()),
        },
    );
    assert_eq!(blank.grant().distributions[0].note, None);
}

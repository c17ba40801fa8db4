//! Payments received under a registered contract (技术性收入), capped by the contract amount in
//! force.

use super::*;

#[test]
fn payments_received_are_recorded_by_the_registrar_or_the_submitter() {
    let mut s = registered();
    s.on("2026-11-02");
    let event = s.ok(
        researcher(),
        ContractAction::RecordPayment {
            payment_id: PAY1,
            amount_fen: 100_000_000,
            received_on: date("2026-10-30"),
            note: Some(" 首期款 ".into()),
        },
    );
    let first = Payment {
        id: PAY1,
        amount_fen: 100_000_000,
        received_on: date("2026-10-30"),
        note: Some("首期款".into()),
    };
    assert_eq!(
        event,
        ContractEvent::PaymentRecorded {
            payment: first.clone()
        }
    );
    s.ok(registrar(), pay(PAY2, 50_000_000, "2026-11-02"));
    let c = s.contract();
    assert_eq!(c.payments.len(), 2);
    assert_eq!(c.payment(PAY1), Some(&first));
    assert_eq!(c.payment(PAY2).unwrap().amount_fen, 50_000_000);
    assert_eq!(c.payment(PAY2).unwrap().note, None);
    assert_eq!(c.status, ContractStatus::Registered);
}

#[test]
fn a_payment_is_a_positive_amount_received_between_signing_and_today() {
    let mut s = registered();
    for (amount, received_on, expected) in [
        (0, "2026-09-21", vec!["amount_fen"]),
        (-1, "2026-09-21", vec!["amount_fen"]),
        (MAX_AMOUNT_FEN + 1, "2026-09-21", vec!["amount_fen"]),
        (1, "2026-09-22", vec!["received_on"]),
        (1, "2026-08-31", vec!["received_on"]),
        (0, "2026-09-22", vec!["amount_fen", "received_on"]),
    ] {
        assert_eq!(
            fields(s.refused(registrar(), pay(PAY1, amount, received_on))),
            expected,
            "{amount} {received_on}"
        );
    }
    let err = s.refused(registrar(), pay(PAY1, 1, "2026-08-31"));
    assert_eq!(
        message_of(&err, "received_on"),
        "must not be before the signing date (2026-09-01)"
    );
    // Received before the registration but after signing is fine.
    s.ok(registrar(), pay(PAY1, 1, "2026-09-01"));
    assert_conflict(
        s.refused(registrar(), pay(PAY1, 2, "2026-09-21")),
        "already exists",
    );
}

#[test]
fn payments_may_add_up_to_the_contract_amount_and_no_more() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(registrar(), pay(PAY1, AMOUNT - 100, "2026-10-30"));
    // One fen over: refused on the field, and nothing changes (`refused` checks the state).
    let err = s.refused(researcher(), pay(PAY2, 101, "2026-11-02"));
    assert_eq!(fields(err.clone()), vec!["amount_fen"]);
    assert_eq!(
        message_of(&err, "amount_fen"),
        "the payments would add up to 300000001 fen, more than the contract amount of \
         300000000 fen (299999900 fen received so far); amend the contract first"
    );
    // Exactly the contract amount is fine.
    s.ok(researcher(), pay(PAY2, 100, "2026-11-02"));
    assert_eq!(s.contract().received_fen(), i128::from(AMOUNT));
    // Then not a fen more.
    let third = Uuid::from_u128(0xE3);
    assert_eq!(
        fields(s.refused(registrar(), pay(third, 1, "2026-11-02"))),
        vec!["amount_fen"]
    );
}

#[test]
fn a_single_payment_above_the_contract_amount_is_refused() {
    let mut s = registered();
    assert_eq!(
        fields(s.refused(registrar(), pay(PAY1, AMOUNT + 1, "2026-09-21"))),
        vec!["amount_fen"]
    );
    s.ok(registrar(), pay(PAY1, AMOUNT, "2026-09-21"));
}

#[test]
fn the_payment_cap_follows_the_amended_contract_amount() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(registrar(), pay(PAY1, AMOUNT, "2026-10-30"));
    assert_eq!(
        fields(s.refused(registrar(), pay(PAY2, 50_000_000, "2026-11-02"))),
        vec!["amount_fen"]
    );
    // Amend the contract first: then the rest can be received.
    s.ok(
        registrar(),
        amend(AMEND1, "2026-11-02", AMOUNT + 50_000_000, TECH_AMOUNT),
    );
    s.ok(registrar(), pay(PAY2, 50_000_000, "2026-11-02"));
    assert_eq!(s.contract().received_fen(), i128::from(AMOUNT + 50_000_000));
}

#[test]
fn an_amendment_may_not_lower_the_amount_below_what_was_received() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(registrar(), pay(PAY1, 120_000_000, "2026-10-30"));
    s.ok(registrar(), pay(PAY2, 80_000_000, "2026-11-02"));
    let err = s.refused(
        registrar(),
        amend(AMEND1, "2026-11-02", 199_999_999, 150_000_000),
    );
    assert_eq!(fields(err.clone()), vec!["contract_amount_fen"]);
    assert_eq!(
        message_of(&err, "contract_amount_fen"),
        "must not be below what has already been received under the contract (200000000 fen)"
    );
    // Down to exactly what was received is fine.
    s.ok(
        registrar(),
        amend(AMEND1, "2026-11-02", 200_000_000, 150_000_000),
    );
    assert_eq!(s.contract().current_amounts(), (200_000_000, 150_000_000));
}

#[test]
fn payments_are_recorded_only_on_a_registered_contract() {
    for status in ContractStatus::ALL.iter().copied() {
        if status == ContractStatus::Registered {
            continue;
        }
        for actor in [registrar(), researcher()] {
            assert_conflict(
                in_status(status).refused(actor, pay(PAY1, 100, "2026-09-21")),
                &format!("must be registered to be paid; it is {status}"),
            );
        }
    }
}

//! Amendments (变更) of a registered contract: the values after the change and the amounts it
//! replaced, in order of their effective dates.

use super::*;

#[test]
fn an_amendment_records_the_new_values_and_the_amounts_it_replaces() {
    let mut s = registered();
    s.on("2026-11-02");
    let event = s.ok(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-10-20"),
            contract_amount_fen: 350_000_000,
            technology_amount_fen: 280_000_000,
            seller: None,
            buyer: None,
            note: Some(" 增加许可地域 ".into()),
        },
    );
    let expected = Amendment {
        id: AMEND1,
        effective_on: date("2026-10-20"),
        contract_amount_fen: 350_000_000,
        technology_amount_fen: 280_000_000,
        seller: seller_party(),
        buyer: buyer_party(),
        previous_contract_amount_fen: AMOUNT,
        previous_technology_amount_fen: TECH_AMOUNT,
        note: Some("增加许可地域".into()),
    };
    assert_eq!(
        event,
        ContractEvent::Amended {
            amendment: expected.clone()
        }
    );
    let c = s.contract();
    assert_eq!(c.amendments, vec![expected.clone()]);
    assert_eq!(c.status, ContractStatus::Registered);
    assert_eq!(c.current_amounts(), (350_000_000, 280_000_000));
    // The content stays as submitted.
    assert_eq!(
        (
            c.content.contract_amount_fen,
            c.content.technology_amount_fen
        ),
        (AMOUNT, TECH_AMOUNT)
    );
    assert_eq!(expected.contract_amount_change_fen(), 50_000_000);
    assert_eq!(expected.technology_amount_change_fen(), 30_000_000);
}

#[test]
fn two_amendments_chain_their_previous_amounts() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(
        registrar(),
        amend(AMEND1, "2026-10-20", 350_000_000, 280_000_000),
    );
    let event = s.ok(
        registrar(),
        amend(AMEND2, "2026-11-01", 320_000_000, 200_000_000),
    );
    let ContractEvent::Amended { amendment } = event else {
        panic!("expected Amended");
    };
    assert_eq!(
        (
            amendment.previous_contract_amount_fen,
            amendment.previous_technology_amount_fen
        ),
        (350_000_000, 280_000_000)
    );
    assert_eq!(amendment.contract_amount_change_fen(), -30_000_000);
    assert_eq!(amendment.technology_amount_change_fen(), -80_000_000);
    let c = s.contract();
    assert_eq!(c.current_amounts(), (320_000_000, 200_000_000));
    assert_eq!(c.amounts_on(date("2026-09-30")), (AMOUNT, TECH_AMOUNT));
    assert_eq!(c.amounts_on(date("2026-10-20")), (350_000_000, 280_000_000));
    assert_eq!(c.amounts_on(date("2026-10-31")), (350_000_000, 280_000_000));
    assert_eq!(c.amounts_on(date("2026-11-01")), (320_000_000, 200_000_000));
    // The sum of the changes moves the original totals to the current ones.
    let moved: i64 = c
        .amendments
        .iter()
        .map(Amendment::contract_amount_change_fen)
        .sum();
    assert_eq!(AMOUNT + moved, 320_000_000);
}

#[test]
fn an_amendment_may_change_a_party_only() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-11-02"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            seller: None,
            buyer: Some(new_buyer()),
            note: None,
        },
    );
    let c = s.contract();
    assert_eq!(c.current_parties(), (&seller_party(), &new_buyer()));
    assert_eq!(c.current_amounts(), (AMOUNT, TECH_AMOUNT));
    let a = &c.amendments[0];
    assert_eq!(
        (a.previous_contract_amount_fen, a.contract_amount_fen),
        (AMOUNT, AMOUNT)
    );
    assert_eq!(c.content.buyer, buyer_party());
    // A second amendment keeps the new buyer unless it names another.
    s.ok(
        registrar(),
        amend(AMEND2, "2026-11-02", AMOUNT + 100, TECH_AMOUNT),
    );
    assert_eq!(s.contract().current_parties().1, &new_buyer());
    // Naming the current parties and amounts again changes nothing: refused.
    let err = s.refused(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND3,
            effective_on: date("2026-11-02"),
            contract_amount_fen: AMOUNT + 100,
            technology_amount_fen: TECH_AMOUNT,
            seller: Some(seller_party()),
            buyer: Some(new_buyer()),
            note: Some("无变化".into()),
        },
    );
    assert_eq!(fields(err.clone()), vec!["amendment"]);
    assert_eq!(
        message_of(&err, "amendment"),
        "must change an amount or a party"
    );
}

#[test]
fn amendments_follow_the_amount_rules() {
    let mut s = registered();
    for (contract, technology, expected) in [
        (AMOUNT, AMOUNT + 1, vec!["technology_amount_fen"]),
        (0, 0, vec!["contract_amount_fen", "technology_amount_fen"]),
        (-AMOUNT, 1, vec!["contract_amount_fen"]),
        (AMOUNT, -1, vec!["technology_amount_fen"]),
        (MAX_AMOUNT_FEN + 1, 1, vec!["contract_amount_fen"]),
    ] {
        let err = s.refused(
            registrar(),
            amend(AMEND1, "2026-09-21", contract, technology),
        );
        assert_eq!(fields(err), expected, "{contract} {technology}");
    }
    let err = s.refused(registrar(), amend(AMEND1, "2026-09-21", AMOUNT, AMOUNT + 1));
    assert_eq!(
        message_of(&err, "technology_amount_fen"),
        "技术交易额 cannot exceed 成交额"
    );
    // No "nothing changed" on top of other errors.
    assert_eq!(
        fields(s.refused(
            registrar(),
            amend(AMEND1, "2030-01-01", AMOUNT, TECH_AMOUNT)
        )),
        vec!["effective_on"]
    );
    // A new buyer of the seller's own organization is refused.
    let err = s.refused(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-09-21"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            seller: None,
            buyer: Some(party(Some(LAB), "重庆大学", "021", "500106")),
            note: Some("注".repeat(501)),
        },
    );
    assert_eq!(fields(err), vec!["buyer.organization_id", "note"]);
}

#[test]
fn an_amendment_takes_effect_between_the_registration_and_today_in_order() {
    let mut s = accepted();
    s.on("2026-10-12").ok(registrar(), register(NUMBER));
    s.on("2026-11-02");
    let err = s.refused(
        registrar(),
        amend(AMEND1, "2026-11-03", AMOUNT + 1, TECH_AMOUNT),
    );
    assert_eq!(
        message_of(&err, "effective_on"),
        "must not be after today (2026-11-02)"
    );
    let err = s.refused(
        registrar(),
        amend(AMEND1, "2026-10-11", AMOUNT + 1, TECH_AMOUNT),
    );
    assert_eq!(
        message_of(&err, "effective_on"),
        "must not be before the registration date (2026-10-12)"
    );
    s.ok(
        registrar(),
        amend(AMEND1, "2026-10-20", AMOUNT + 1, TECH_AMOUNT),
    );
    let err = s.refused(
        registrar(),
        amend(AMEND2, "2026-10-19", AMOUNT + 2, TECH_AMOUNT),
    );
    assert_eq!(
        message_of(&err, "effective_on"),
        "must not be before the latest amendment's effective date (2026-10-20)"
    );
    // The same day as the latest amendment, the registration day and today are all fine.
    s.ok(
        registrar(),
        amend(AMEND2, "2026-10-20", AMOUNT + 2, TECH_AMOUNT),
    );
    s.ok(
        registrar(),
        amend(AMEND3, "2026-11-02", AMOUNT + 3, TECH_AMOUNT),
    );
    let mut s2 = accepted();
    s2.on("2026-10-12").ok(registrar(), register(NUMBER));
    s2.ok(
        registrar(),
        amend(AMEND1, "2026-10-12", AMOUNT + 1, TECH_AMOUNT),
    );
}

#[test]
fn an_amendment_id_is_used_once() {
    let mut s = registered();
    s.ok(
        registrar(),
        amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
    );
    assert_conflict(
        s.refused(
            registrar(),
            amend(AMEND1, "2026-09-21", AMOUNT + 2, TECH_AMOUNT),
        ),
        "already exists",
    );
}

#[test]
fn only_a_registered_contract_is_amended() {
    for status in ContractStatus::ALL.iter().copied() {
        if status == ContractStatus::Registered {
            continue;
        }
        assert_conflict(
            in_status(status).refused(
                registrar(),
                amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
            ),
            &format!("must be registered to be amended; it is {status}"),
        );
    }
    // Amending a refused contract: a conflict, whatever the input.
    let mut s = in_status(ContractStatus::Refused);
    assert_eq!(
        s.refused(registrar(), amend(AMEND1, "2030-01-01", 0, 0)),
        DomainError::conflict("the contract must be registered to be amended; it is refused")
    );
}

//! Contracts of the past: validation of a row, who may import, and that an imported contract is
//! an ordinary registration from then on.

use super::*;

/// A contract of 2021, under the 2001 taxonomy, between parties with no organization here.
fn historic_input() -> HistoricInput {
    HistoricInput {
        registration_number: " 2021500106000042 ".into(),
        registered_on: date("2021-04-12"),
        taxonomy: "2001".into(),
        contract_type: "consulting".into(),
        contract_subtype: None,
        title: "页岩气压裂工艺技术咨询".into(),
        seller: PartyInput {
            organization_id: None,
            ..seller_input()
        },
        buyer: PartyInput {
            organization_id: None,
            zone: None,
            ..buyer_input()
        },
        signing_date: date("2021-03-30"),
        validity_start: date("2021-04-01"),
        validity_end: date("2022-03-31"),
        contract_amount_fen: 80_000_000,
        technology_amount_fen: 75_000_000,
        field: "new_energy".into(),
        ip_kinds: vec![],
    }
}

fn historic() -> HistoricRegistration {
    HistoricRegistration::parse(historic_input(), &refs(), today()).unwrap()
}

fn source(line: u64) -> ImportSource {
    ImportSource {
        batch_id: Uuid::from_u128(0xBA7C),
        file: "2021.csv".into(),
        line,
    }
}

fn import(historic: HistoricRegistration) -> ContractAction {
    ContractAction::Import {
        source: source(2),
        historic,
    }
}

#[test]
fn a_row_is_parsed_with_its_original_taxonomy_number_and_dates() {
    let h = historic();
    assert_eq!(h.registration_number, "2021500106000042");
    assert_eq!(h.registered_on, date("2021-04-12"));
    assert_eq!(h.content.contract_type.taxonomy, "2001");
    assert!(!h.content.contract_type.is_current());
    assert_eq!(h.content.title.as_str(), "页岩气压裂工艺技术咨询");
}

#[test]
fn a_row_reports_every_fault_at_once() {
    let input = HistoricInput {
        registration_number: "  ".into(),
        registered_on: date("2021-03-01"),
        taxonomy: "1999".into(),
        technology_amount_fen: 90_000_000,
        ..historic_input()
    };
    let err = HistoricRegistration::parse(input, &refs(), today()).unwrap_err();
    let mut got = fields(err);
    got.sort();
    assert_eq!(
        got,
        [
            "registered_on",
            "registration_number",
            "taxonomy",
            "technology_amount_fen"
        ]
    );
}

#[test]
fn nothing_is_registered_after_today_nor_before_its_signing() {
    let later = HistoricInput {
        registered_on: date("2026-09-22"),
        ..historic_input()
    };
    let err = HistoricRegistration::parse(later, &refs(), today()).unwrap_err();
    assert!(message_of(&err, "registered_on").contains("after today (2026-09-21)"));
    let early = HistoricInput {
        registered_on: date("2021-03-29"),
        ..historic_input()
    };
    let err = HistoricRegistration::parse(early, &refs(), today()).unwrap_err();
    assert!(message_of(&err, "registered_on").contains("before the signing date (2021-03-30)"));
}

#[test]
fn an_unknown_taxonomy_names_both_that_an_import_may_use() {
    let input = HistoricInput {
        taxonomy: "1987".into(),
        ..historic_input()
    };
    let err = HistoricRegistration::parse(input, &refs(), today()).unwrap_err();
    assert!(message_of(&err, "taxonomy").contains("expected 2026 or 2001"));
}

#[test]
fn an_import_puts_the_contract_on_the_register_on_its_original_date() {
    let mut s = story();
    let event = s.ok(registrar(), import(historic()));
    assert!(matches!(event, ContractEvent::Imported { .. }));
    assert_eq!(event.name(), "imported");
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Registered);
    assert_eq!(c.registration_number.as_deref(), Some("2021500106000042"));
    assert_eq!(c.registered_on, Some(date("2021-04-12")));
    assert_eq!(c.imported, Some(source(2)));
    assert_eq!(c.submitter_id, registrar().user_id);
    assert_eq!(c.accepted_on, None);
    assert_eq!(c.amounts_on(date("2021-04-12")), (80_000_000, 75_000_000));
}

#[test]
fn only_a_registrar_or_a_platform_admin_imports() {
    for (who, actor) in everyone() {
        let mut s = story();
        let result = s.try_run(actor, import(historic()));
        let allowed =
            !actor.is_system() && matches!(actor.role, Role::Registrar | Role::PlatformAdmin);
        match result {
            Ok(_) => assert!(allowed, "{who} imported"),
            Err(e) => {
                assert!(!allowed, "{who} was refused: {e:?}");
                assert_forbidden(e, who);
                assert_eq!(s.state, ContractState::default());
            }
        }
    }
}

#[test]
fn an_import_into_an_existing_registration_is_a_conflict() {
    let mut s = story();
    s.ok(registrar(), import(historic()));
    let err = s.refused(platform_admin(), import(historic()));
    assert_conflict(err, "already exists");
    let mut s = story();
    s.ok(researcher(), ContractAction::Submit(content()));
    let err = s.refused(registrar(), import(historic()));
    assert_conflict(err, "already exists");
}

#[test]
fn content_built_by_hand_is_held_to_the_rules() {
    let mut hand = historic();
    hand.registered_on = date("2027-01-01");
    let err = story().refused(registrar(), import(hand));
    assert_eq!(fields(err), ["registered_on"]);

    let mut linked = historic();
    linked.content.listing_id = Some(LISTING);
    let err = story().refused(registrar(), import(linked));
    assert_eq!(fields(err), ["listing_id"]);

    let mut unknown = historic();
    unknown.content.contract_type.taxonomy = "1987".into();
    let err = story().refused(registrar(), import(unknown));
    assert_eq!(fields(err), ["taxonomy"]);
}

#[test]
fn an_imported_contract_is_amended_paid_and_cancelled_like_any_other() {
    let mut s = story();
    s.ok(registrar(), import(historic()));
    s.ok(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2022-01-10"),
            contract_amount_fen: 90_000_000,
            technology_amount_fen: 85_000_000,
            seller: None,
            buyer: None,
            note: Some("补充协议".into()),
        },
    );
    assert_eq!(
        s.contract().amounts_on(date("2022-01-10")),
        (90_000_000, 85_000_000)
    );
    s.ok(
        registrar(),
        ContractAction::RecordPayment {
            payment_id: PAY1,
            amount_fen: 40_000_000,
            received_on: date("2021-05-01"),
            note: None,
        },
    );
    // Not before the original registration date.
    let err = s.refused(
        registrar(),
        ContractAction::Cancel {
            on: date("2021-04-11"),
            reason: "双方解除".into(),
        },
    );
    assert!(message_of(&err, "on").contains("registration date (2021-04-12)"));
    s.ok(
        registrar(),
        ContractAction::Cancel {
            on: date("2023-01-01"),
            reason: "双方解除".into(),
        },
    );
    assert_eq!(s.contract().status, ContractStatus::Cancelled);
}

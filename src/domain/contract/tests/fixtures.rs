//! The registration the tests submit: reference data, the content and its parties, the ids and
//! amounts they use, and one event of each kind.

use super::*;

pub(super) const NEGOTIATION: Uuid = Uuid::from_u128(0x77);
pub(super) const LISTING: Uuid = Uuid::from_u128(0x11);
pub(super) const DEMAND: Uuid = Uuid::from_u128(0xD1);
pub(super) const AMEND1: Uuid = Uuid::from_u128(0xA1);
pub(super) const AMEND2: Uuid = Uuid::from_u128(0xA2);
pub(super) const AMEND3: Uuid = Uuid::from_u128(0xA3);
pub(super) const PAY1: Uuid = Uuid::from_u128(0xE1);
pub(super) const PAY2: Uuid = Uuid::from_u128(0xE2);

/// 300万元 and 250万元.
pub(super) const AMOUNT: i64 = 300_000_000;
pub(super) const TECH_AMOUNT: i64 = 250_000_000;
pub(super) const NUMBER: &str = "2026500106000123";

/// `sample()` plus the real contract types and refusal reasons.
pub(super) fn refs() -> ReferenceData {
    let mut r = sample();
    let types = include_str!("../../../../migrations/reference/contract_types.csv");
    r.contract_types = types
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            ContractType {
                taxonomy: cols[0].into(),
                contract_type: cols[1].into(),
                subtype: Some(cols[2].to_string()).filter(|s| !s.is_empty()),
                name_zh: cols[3].into(),
                name_en: cols[4].into(),
            }
        })
        .collect();
    for code in refusal_reason_codes() {
        r.refusal_reasons.insert(
            code.into(),
            Named {
                code: code.into(),
                name_zh: code.into(),
                name_en: code.into(),
            },
        );
    }
    r
}

pub(super) fn seller_input() -> PartyInput {
    PartyInput {
        organization_id: Some(LAB),
        name: " 重庆大学 ".into(),
        party_nature: "021".into(),
        region: "500106".into(),
        zone: None,
    }
}

pub(super) fn buyer_input() -> PartyInput {
    PartyInput {
        organization_id: Some(COMPANY),
        name: "重庆钠能科技有限公司".into(),
        party_nature: "170".into(),
        region: "500112".into(),
        zone: Some("liangjiang".into()),
    }
}

pub(super) fn input() -> ContractInput {
    ContractInput {
        taxonomy: "2026".into(),
        contract_type: "license".into(),
        contract_subtype: Some("exclusive".into()),
        title: "  钠离子电池正极材料专利独占许可合同\t".into(),
        seller: seller_input(),
        buyer: buyer_input(),
        broker_id: Some(tech_manager().user_id),
        signing_date: date("2026-09-01"),
        validity_start: date("2026-09-01"),
        validity_end: date("2031-08-31"),
        contract_amount_fen: AMOUNT,
        technology_amount_fen: TECH_AMOUNT,
        field: "new_energy".into(),
        ip_kinds: vec!["invention_patent".into(), "software_copyright".into()],
        negotiation_id: Some(NEGOTIATION),
        listing_id: Some(LISTING),
        demand_id: None,
    }
}

pub(super) fn parse(input: ContractInput) -> Result<ContractContent, DomainError> {
    ContractContent::parse(input, &refs(), today())
}

pub(super) fn invalid(input: ContractInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

pub(super) fn content() -> ContractContent {
    parse(input()).unwrap()
}

pub(super) fn priced(contract_amount_fen: i64, technology_amount_fen: i64) -> ContractContent {
    ContractContent {
        contract_amount_fen,
        technology_amount_fen,
        ..content()
    }
}

/// Exactly 500万元 of technology: experts must review it.
pub(super) fn big_content() -> ContractContent {
    priced(600_000_000, EXPERT_REVIEW_THRESHOLD_FEN)
}

pub(super) fn party(
    organization_id: Option<Uuid>,
    name: &str,
    nature: &str,
    region: &str,
) -> Party {
    Party::parse(
        "party",
        &PartyInput {
            organization_id,
            name: name.into(),
            party_nature: nature.into(),
            region: region.into(),
            zone: None,
        },
        &refs(),
    )
    .unwrap()
}

pub(super) fn seller_party() -> Party {
    party(Some(LAB), "重庆大学", "021", "500106")
}

pub(super) fn buyer_party() -> Party {
    Party {
        zone: Some(ZoneCode::trusted("liangjiang")),
        ..party(Some(COMPANY), "重庆钠能科技有限公司", "170", "500112")
    }
}

pub(super) fn new_buyer() -> Party {
    party(
        Some(OTHER_COMPANY),
        "四川锂钠新材料有限公司",
        "170",
        "510000",
    )
}

pub(super) fn amendment_of() -> Amendment {
    Amendment {
        id: AMEND1,
        effective_on: date("2026-10-20"),
        contract_amount_fen: 350_000_000,
        technology_amount_fen: 280_000_000,
        seller: seller_party(),
        buyer: new_buyer(),
        previous_contract_amount_fen: AMOUNT,
        previous_technology_amount_fen: TECH_AMOUNT,
        note: Some("n".into()),
    }
}

pub(super) fn all_events() -> Vec<ContractEvent> {
    vec![
        ContractEvent::Submitted {
            submitter_id: researcher().user_id,
            submitter_organization_id: Some(LAB),
            content: content(),
        },
        ContractEvent::Accepted {
            accepted_on: date("2026-09-21"),
            due_on: date("2026-10-15"),
        },
        ContractEvent::CorrectionRequested {
            reasons: vec!["r".into()],
        },
        ContractEvent::Resubmitted {
            content: big_content(),
            due_on: date("2026-11-24"),
        },
        ContractEvent::ExpertReviewed {
            opinion: "o".into(),
            experts: vec![],
        },
        ContractEvent::Registered {
            registration_number: NUMBER.into(),
            registered_on: date("2026-10-22"),
        },
        ContractEvent::Refused {
            reason_code: "other".into(),
            note: None,
        },
        ContractEvent::Amended {
            amendment: amendment_of(),
        },
        ContractEvent::PaymentRecorded {
            payment: Payment {
                id: PAY1,
                amount_fen: 1,
                received_on: date("2026-10-30"),
                note: None,
            },
        },
        ContractEvent::Cancelled {
            on: date("2026-12-01"),
            reason: "c".into(),
        },
        ContractEvent::Revoked {
            on: date("2026-12-02"),
            reason: "r".into(),
        },
    ]
}

//! `ContractContent::parse`, field by field: amounts, dates, parties, zones, the title; then a
//! party on its own, every error at once, and the expert threshold the content decides.

use super::*;

#[test]
fn parse_accepts_valid_input_trimming_text() {
    assert_eq!(
        content(),
        ContractContent {
            contract_type: ContractTypeRef {
                taxonomy: "2026".into(),
                contract_type: "license".into(),
                subtype: Some("exclusive".into()),
            },
            title: Title::parse("t", "钠离子电池正极材料专利独占许可合同", 200).unwrap(),
            seller: seller_party(),
            buyer: buyer_party(),
            broker_id: Some(tech_manager().user_id),
            signing_date: date("2026-09-01"),
            validity_start: date("2026-09-01"),
            validity_end: date("2031-08-31"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            field: TechnologyField::trusted("new_energy"),
            ip_kinds: vec![
                IpKind::trusted("invention_patent"),
                IpKind::trusted("software_copyright"),
            ],
            negotiation_id: Some(NEGOTIATION),
            listing_id: Some(LISTING),
            demand_id: None,
        }
    );
    assert_eq!(content().seller.name.as_str(), "重庆大学");
}

#[test]
fn the_technology_amount_never_exceeds_the_contract_amount() {
    let amounts = |contract: i64, technology: i64| ContractInput {
        contract_amount_fen: contract,
        technology_amount_fen: technology,
        ..input()
    };
    let err = parse(amounts(AMOUNT, AMOUNT + 1)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["technology_amount_fen"]);
    assert_eq!(
        message_of(&err, "technology_amount_fen"),
        "技术交易额 cannot exceed 成交额"
    );
    // Equal is fine, and so is one fen of technology.
    for (contract, technology) in [(AMOUNT, AMOUNT), (AMOUNT, 1), (1, 1)] {
        let c = parse(amounts(contract, technology)).unwrap();
        assert_eq!(
            (c.contract_amount_fen, c.technology_amount_fen),
            (contract, technology)
        );
    }
}

#[test]
fn amounts_are_more_than_zero_and_at_most_the_maximum() {
    let amounts = |contract: i64, technology: i64| ContractInput {
        contract_amount_fen: contract,
        technology_amount_fen: technology,
        ..input()
    };
    for bad in [0, -1, i64::MIN] {
        let err = parse(amounts(bad, 1)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["contract_amount_fen"], "{bad}");
        assert_eq!(
            message_of(&err, "contract_amount_fen"),
            "must be more than 0"
        );
        let err = parse(amounts(AMOUNT, bad)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["technology_amount_fen"], "{bad}");
        assert_eq!(
            message_of(&err, "technology_amount_fen"),
            "must be more than 0"
        );
    }
    for bad in [MAX_AMOUNT_FEN + 1, i64::MAX] {
        let err = parse(amounts(bad, 1)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["contract_amount_fen"], "{bad}");
        assert_eq!(
            message_of(&err, "contract_amount_fen"),
            "must be at most 1000000000000000 fen"
        );
        // Above the maximum and above the contract amount: only the range is reported.
        assert_eq!(invalid(amounts(AMOUNT, bad)), vec!["technology_amount_fen"]);
    }
    assert!(parse(amounts(MAX_AMOUNT_FEN, MAX_AMOUNT_FEN)).is_ok());
    // Both wrong: both reported, and no comparison between two wrong numbers.
    assert_eq!(
        invalid(amounts(0, -5)),
        vec!["contract_amount_fen", "technology_amount_fen"]
    );
    // A wrong contract amount is not compared with a good technology amount.
    assert_eq!(invalid(amounts(-1, 5)), vec!["contract_amount_fen"]);
}

#[test]
fn the_signing_date_is_never_after_today() {
    let signed = |d: &str| ContractInput {
        signing_date: date(d),
        ..input()
    };
    let err = parse(signed("2026-09-22")).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["signing_date"]);
    assert_eq!(
        message_of(&err, "signing_date"),
        "must not be after today (2026-09-21)"
    );
    assert_eq!(invalid(signed("2027-01-01")), vec!["signing_date"]);
    for good in ["2026-09-21", "2020-02-29"] {
        assert_eq!(parse(signed(good)).unwrap().signing_date, date(good));
    }
}

#[test]
fn the_validity_period_ends_on_or_after_its_start() {
    let validity = |start: &str, end: &str| ContractInput {
        validity_start: date(start),
        validity_end: date(end),
        ..input()
    };
    assert_eq!(
        invalid(validity("2026-09-01", "2026-08-31")),
        vec!["validity_end"]
    );
    let c = parse(validity("2026-09-01", "2026-09-01")).unwrap();
    assert_eq!(
        (c.validity_start, c.validity_end),
        (date("2026-09-01"), date("2026-09-01"))
    );
    // The validity may start before signing (a retroactive contract) or lie in the future.
    assert!(parse(validity("2026-08-01", "2036-08-01")).is_ok());
    assert!(parse(validity("2027-01-01", "2027-12-31")).is_ok());
}

#[test]
fn regions_party_natures_and_names_are_checked_per_party() {
    let with_parties = |seller: PartyInput, buyer: PartyInput| ContractInput {
        seller,
        buyer,
        ..input()
    };
    let err = parse(with_parties(
        PartyInput {
            region: "999999".into(),
            ..seller_input()
        },
        buyer_input(),
    ))
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["seller.region"]);
    assert!(message_of(&err, "seller.region").contains("'999999'"));
    assert_eq!(
        invalid(with_parties(
            seller_input(),
            PartyInput {
                region: "CN".into(),
                ..buyer_input()
            }
        )),
        vec!["buyer.region"]
    );
    assert_eq!(
        invalid(with_parties(
            PartyInput {
                party_nature: "999".into(),
                ..seller_input()
            },
            buyer_input()
        )),
        vec!["seller.party_nature"]
    );
    for bad_name in [
        String::new(),
        "  ".into(),
        "甲\n乙".into(),
        "名".repeat(201),
    ] {
        assert_eq!(
            invalid(with_parties(
                seller_input(),
                PartyInput {
                    name: bad_name.clone(),
                    ..buyer_input()
                }
            )),
            vec!["buyer.name"],
            "{bad_name:?}"
        );
    }
    // A foreign buyer with an ISO code and no organization on the platform is fine.
    let foreign = PartyInput {
        organization_id: None,
        name: "Natrium GmbH".into(),
        party_nature: "170".into(),
        region: "DE".into(),
        zone: None,
    };
    let c = parse(with_parties(seller_input(), foreign)).unwrap();
    assert_eq!(c.buyer.region.as_str(), "DE");
    assert!(c.buyer.region.is_abroad());
    assert_eq!(c.buyer.organization_id, None);
    assert_eq!(
        parse(with_parties(
            seller_input(),
            PartyInput {
                name: "名".repeat(200),
                ..buyer_input()
            }
        ))
        .unwrap()
        .buyer
        .name
        .as_str()
        .chars()
        .count(),
        200
    );
}

#[test]
fn a_declared_zone_must_span_the_partys_region() {
    let zoned = |region: &str, zone: Option<&str>| ContractInput {
        seller: PartyInput {
            region: region.into(),
            zone: zone.map(Into::into),
            ..seller_input()
        },
        ..input()
    };
    // 两江新区 spans part of 渝北 (500112), not 沙坪坝 (500106).
    let c = parse(zoned("500112", Some("liangjiang"))).unwrap();
    assert_eq!(c.seller.zone, Some(ZoneCode::trusted("liangjiang")));
    assert_eq!(c.buyer.zone, Some(ZoneCode::trusted("liangjiang")));
    assert_eq!(parse(zoned("500106", None)).unwrap().seller.zone, None);
    let err = parse(zoned("500106", Some("liangjiang"))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["seller.zone"]);
    assert_eq!(
        message_of(&err, "seller.zone"),
        "zone 'liangjiang' does not span region '500106'"
    );
    assert_eq!(
        invalid(zoned("500112", Some("nowhere"))),
        vec!["seller.zone"]
    );
    assert_eq!(
        invalid(zoned("DE", Some("liangjiang"))),
        vec!["seller.zone"]
    );
    // Without a valid region the zone cannot be judged: only the region is reported.
    assert_eq!(
        invalid(zoned("999999", Some("nowhere"))),
        vec!["seller.region"]
    );
    // A party stored before zones were recorded reads back without one.
    let old: Party = serde_json::from_value(json!({
        "organization_id": null, "name": "甲", "party_nature": "021", "region": "500106"
    }))
    .unwrap();
    assert_eq!(old.zone, None);
}

#[test]
fn seller_and_buyer_are_different_organizations() {
    let same = ContractInput {
        buyer: PartyInput {
            organization_id: Some(LAB),
            ..buyer_input()
        },
        ..input()
    };
    let err = parse(same).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["buyer.organization_id"]);
    assert_eq!(
        message_of(&err, "buyer.organization_id"),
        "must differ from the seller's organization"
    );
    // Two parties off the platform have no organization to compare.
    let both_off = ContractInput {
        seller: PartyInput {
            organization_id: None,
            ..seller_input()
        },
        buyer: PartyInput {
            organization_id: None,
            ..buyer_input()
        },
        ..input()
    };
    assert!(parse(both_off).is_ok());
}

#[test]
fn the_title_is_a_single_line_of_1_to_200_characters() {
    let titled = |t: String| ContractInput {
        title: t,
        ..input()
    };
    for bad in [
        String::new(),
        "合同\n第二行".into(),
        "合".repeat(201),
        "nul\u{0}".into(),
    ] {
        assert_eq!(invalid(titled(bad.clone())), vec!["title"], "{bad:?}");
    }
    assert_eq!(
        parse(titled("合".repeat(200))).unwrap().title.as_str(),
        "合".repeat(200)
    );
}

#[test]
fn a_party_parses_on_its_own_under_its_path() {
    let err = Party::parse(
        "buyer",
        &PartyInput {
            organization_id: None,
            name: "".into(),
            party_nature: "x".into(),
            region: "y".into(),
            zone: None,
        },
        &refs(),
    )
    .unwrap_err();
    assert_eq!(
        fields(err),
        vec!["buyer.name", "buyer.party_nature", "buyer.region"]
    );
    assert_eq!(
        Party::parse("seller", &seller_input(), &refs()).unwrap(),
        seller_party()
    );
}

#[test]
fn parse_reports_every_invalid_field_at_once_in_order() {
    let bad = ContractInput {
        taxonomy: "2026".into(),
        contract_type: "license".into(),
        contract_subtype: Some("partial".into()),
        title: "".into(),
        seller: PartyInput {
            organization_id: Some(LAB),
            name: "重庆大学".into(),
            party_nature: "000".into(),
            region: "500106".into(),
            zone: None,
        },
        buyer: PartyInput {
            organization_id: Some(LAB),
            name: "x".into(),
            party_nature: "170".into(),
            region: "nowhere".into(),
            zone: None,
        },
        broker_id: None,
        signing_date: date("2026-09-22"),
        validity_start: date("2026-09-01"),
        validity_end: date("2026-08-01"),
        contract_amount_fen: 100,
        technology_amount_fen: 101,
        field: "alchemy".into(),
        ip_kinds: vec!["invention_patent".into(), "magic".into()],
        negotiation_id: None,
        listing_id: None,
        demand_id: None,
    };
    assert_eq!(
        invalid(bad),
        vec![
            "contract_subtype",
            "title",
            "seller.party_nature",
            "buyer.region",
            "buyer.organization_id",
            "signing_date",
            "validity_end",
            "technology_amount_fen",
            "field",
            "ip_kinds[1]",
        ]
    );
}

#[test]
fn the_expert_threshold_is_500_wan_yuan_of_technology_inclusive() {
    assert_eq!(EXPERT_REVIEW_THRESHOLD_FEN, 5_000_000 * 100);
    assert!(priced(600_000_000, 500_000_000).requires_expert_review());
    assert!(!priced(600_000_000, 499_999_999).requires_expert_review());
    // The contract amount does not count: only the technology amount does.
    assert!(!priced(900_000_000, 100).requires_expert_review());
    assert_eq!(priced(600_000_000, 500_000_000).deadline_days(), 30);
    assert_eq!(priced(600_000_000, 499_999_999).deadline_days(), 15);
    assert_eq!((DEADLINE_DAYS, DEADLINE_DAYS_EXPERT), (15, 30));
}

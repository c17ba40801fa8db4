//! JSON: the input a body carries, and the events, state and actions as the store and the API
//! keep them (shapes that must stay stable, and old shapes that must still read back).

use super::*;

#[test]
fn contract_input_deserializes_from_json_and_refuses_unknown_fields() {
    let body = json!({
        "taxonomy": "2026",
        "contract_type": "license",
        "contract_subtype": "exclusive",
        "title": "  钠离子电池正极材料专利独占许可合同\t",
        "seller": {"organization_id": LAB, "name": " 重庆大学 ", "party_nature": "021", "region": "500106", "zone": null},
        "buyer": {"organization_id": COMPANY, "name": "重庆钠能科技有限公司", "party_nature": "170", "region": "500112", "zone": "liangjiang"},
        "broker_id": tech_manager().user_id,
        "signing_date": "2026-09-01",
        "validity_start": "2026-09-01",
        "validity_end": "2031-08-31",
        "contract_amount_fen": AMOUNT,
        "technology_amount_fen": TECH_AMOUNT,
        "field": "new_energy",
        "ip_kinds": ["invention_patent", "software_copyright"],
        "negotiation_id": NEGOTIATION,
        "listing_id": LISTING,
        "demand_id": null
    });
    let parsed: ContractInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(parsed, input());
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);

    // The taxonomy, subtype, broker, IP kinds, links and organizations may be left out.
    let minimal = json!({
        "contract_type": "consulting",
        "title": "咨询合同",
        "seller": {"name": "甲", "party_nature": "021", "region": "500106"},
        "buyer": {"name": "乙", "party_nature": "170", "region": "500112"},
        "signing_date": "2026-09-01",
        "validity_start": "2026-09-01",
        "validity_end": "2026-12-31",
        "contract_amount_fen": 1,
        "technology_amount_fen": 1,
        "field": "new_materials",
        "demand_id": DEMAND
    });
    let parsed: ContractInput = serde_json::from_value(minimal).unwrap();
    assert_eq!(parsed.taxonomy, "2026");
    assert_eq!(parsed.contract_subtype, None);
    assert_eq!(parsed.seller.organization_id, None);
    assert!(parsed.ip_kinds.is_empty());
    let c = parse(parsed).unwrap();
    assert_eq!(c.contract_type.subtype, None);
    assert_eq!(
        (c.negotiation_id, c.listing_id, c.demand_id),
        (None, None, Some(DEMAND))
    );

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<ContractInput>(b)
    };
    for (path, bad) in [
        ("/signing_date", json!("2026/09/01")),
        ("/signing_date", json!("2026-09-01T00:00:00Z")),
        ("/validity_end", json!("2026-02-30")),
        ("/contract_amount_fen", json!(1.5)),
        ("/contract_amount_fen", json!("100")),
        ("/technology_amount_fen", json!(null)),
        ("/ip_kinds", json!("invention_patent")),
        ("/seller/organization_id", json!("lab")),
        (
            "/seller",
            json!({"name": "甲", "party_nature": "021", "region": "500106", "district": "x"}),
        ),
    ] {
        assert!(with(path, bad.clone()).is_err(), "{path} {bad}");
    }
    // A negative amount deserializes, and is refused by parse with a field path.
    let negative = with("/contract_amount_fen", json!(-100)).unwrap();
    assert_eq!(invalid(negative), vec!["contract_amount_fen"]);
    let mut unknown = body.clone();
    unknown["currency"] = json!("CNY");
    assert!(serde_json::from_value::<ContractInput>(unknown).is_err());
    let mut missing = body;
    missing.as_object_mut().unwrap().remove("signing_date");
    assert!(serde_json::from_value::<ContractInput>(missing).is_err());
}

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(ContractEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "submitted",
            "accepted",
            "correction_requested",
            "resubmitted",
            "expert_reviewed",
            "registered",
            "refused",
            "amended",
            "payment_recorded",
            "cancelled",
            "revoked",
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <ContractEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(
            serde_json::from_value::<ContractEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<ContractEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    let content_json = json!({
        "contract_type": {"taxonomy": "2026", "contract_type": "license", "subtype": "exclusive"},
        "title": "钠离子电池正极材料专利独占许可合同",
        "seller": {"organization_id": LAB, "name": "重庆大学", "party_nature": "021", "region": "500106", "zone": null},
        "buyer": {"organization_id": COMPANY, "name": "重庆钠能科技有限公司", "party_nature": "170", "region": "500112", "zone": "liangjiang"},
        "broker_id": tech_manager().user_id,
        "signing_date": "2026-09-01",
        "validity_start": "2026-09-01",
        "validity_end": "2031-08-31",
        "contract_amount_fen": AMOUNT,
        "technology_amount_fen": TECH_AMOUNT,
        "field": "new_energy",
        "ip_kinds": ["invention_patent", "software_copyright"],
        "negotiation_id": NEGOTIATION,
        "listing_id": LISTING,
        "demand_id": null
    });
    let shapes = [
        (
            all_events()[0].clone(),
            json!({"type": "submitted", "submitter_id": researcher().user_id,
                   "submitter_organization_id": LAB, "content": content_json}),
        ),
        (
            all_events()[1].clone(),
            json!({"type": "accepted", "accepted_on": "2026-09-21", "due_on": "2026-10-15"}),
        ),
        (
            all_events()[2].clone(),
            json!({"type": "correction_requested", "reasons": ["r"]}),
        ),
        (
            all_events()[4].clone(),
            json!({"type": "expert_reviewed", "opinion": "o"}),
        ),
        (
            all_events()[5].clone(),
            json!({"type": "registered", "registration_number": NUMBER, "registered_on": "2026-10-22"}),
        ),
        (
            all_events()[6].clone(),
            json!({"type": "refused", "reason_code": "other", "note": null}),
        ),
        (
            all_events()[7].clone(),
            json!({"type": "amended", "amendment": {
                "id": AMEND1, "effective_on": "2026-10-20",
                "contract_amount_fen": 350_000_000, "technology_amount_fen": 280_000_000,
                "seller": {"organization_id": LAB, "name": "重庆大学", "party_nature": "021", "region": "500106", "zone": null},
                "buyer": {"organization_id": OTHER_COMPANY, "name": "四川锂钠新材料有限公司", "party_nature": "170", "region": "510000", "zone": null},
                "previous_contract_amount_fen": AMOUNT, "previous_technology_amount_fen": TECH_AMOUNT,
                "note": "n"
            }}),
        ),
        (
            all_events()[8].clone(),
            json!({"type": "payment_recorded", "payment": {
                "id": PAY1, "amount_fen": 1, "received_on": "2026-10-30", "note": null}}),
        ),
        (
            all_events()[9].clone(),
            json!({"type": "cancelled", "on": "2026-12-01", "reason": "c"}),
        ),
        (
            all_events()[10].clone(),
            json!({"type": "revoked", "on": "2026-12-02", "reason": "r"}),
        ),
    ];
    for (event, shape) in shapes {
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            shape,
            "{}",
            event.name()
        );
    }
}

#[test]
fn a_contract_stored_under_the_2001_taxonomy_reads_back_and_replays() {
    let mut value = serde_json::to_value(&all_events()[0]).unwrap();
    value["content"]["contract_type"] =
        json!({"taxonomy": "2001", "contract_type": "transfer", "subtype": "patent_license"});
    let event: ContractEvent = serde_json::from_value(value).unwrap();
    let state = ContractRegistration::apply_event(
        ContractState::default(),
        Recorded {
            actor: researcher(),
            at: t0(),
            event,
        },
    );
    let c = state.contract.unwrap();
    assert_eq!(c.content.contract_type.taxonomy, "2001");
    assert_eq!(
        c.content.contract_type.row(&refs()).unwrap().name_en,
        "Technology transfer (patent licensing)"
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(
        registrar(),
        amend(AMEND1, "2026-10-20", 350_000_000, 280_000_000),
    );
    s.ok(registrar(), pay(PAY1, 1_000, "2026-11-01"));
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<ContractState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(ContractState::default()).unwrap(),
        json!({"contract": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["contract"]["status"], "registered");
    assert_eq!(value["contract"]["registration_number"], NUMBER);
    assert_eq!(value["contract"]["due_on"], "2026-10-15");
    assert_eq!(
        value["contract"]["amendments"][0]["previous_contract_amount_fen"],
        AMOUNT
    );
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action_but_submit().into_iter().chain([
        submit(content()),
        ContractAction::Amend {
            amendment_id: AMEND2,
            effective_on: date("2026-10-20"),
            contract_amount_fen: 1,
            technology_amount_fen: 1,
            seller: Some(seller_party()),
            buyer: Some(new_buyer()),
            note: Some("n".into()),
        },
    ]) {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<ContractAction>(value).unwrap(),
            action
        );
    }
    assert_eq!(
        serde_json::to_value(accept()).unwrap(),
        json!({"type": "accept", "calendar": {
            "holidays": ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                         "2026-10-05", "2026-10-06", "2026-10-07"],
            "extra_workdays": ["2026-09-27", "2026-10-10"]
        }})
    );
    assert_eq!(
        serde_json::to_value(refuse("other")).unwrap(),
        json!({"type": "refuse", "reason_code": "other", "note": null})
    );
}

//! The codes a registration is checked against: technology fields and IP kinds, contract types
//! in their taxonomy, refusal reasons, and the registration's own statuses.

use super::*;

#[test]
fn the_field_and_ip_kinds_are_reference_codes() {
    let err = parse(ContractInput {
        field: "alchemy".into(),
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["field"]);
    assert!(message_of(&err, "field").contains("alchemy"));

    let kinds = |list: &[&str]| ContractInput {
        ip_kinds: list.iter().map(|k| k.to_string()).collect(),
        ..input()
    };
    assert_eq!(
        invalid(kinds(&[
            "invention_patent",
            "trade_secret",
            "utility_model",
            "x"
        ])),
        vec!["ip_kinds[1]", "ip_kinds[3]"]
    );
    let err = parse(kinds(&[
        "utility_model",
        "invention_patent",
        "utility_model",
    ]))
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["ip_kinds[2]"]);
    assert_eq!(
        message_of(&err, "ip_kinds[2]"),
        "repeats an earlier IP kind"
    );
    // The order given is kept; none at all is fine.
    assert_eq!(
        parse(kinds(&["utility_model", "invention_patent"]))
            .unwrap()
            .ip_kinds,
        vec![
            IpKind::trusted("utility_model"),
            IpKind::trusted("invention_patent")
        ]
    );
    assert_eq!(parse(kinds(&[])).unwrap().ip_kinds, vec![]);
}

#[test]
fn the_contract_type_is_a_row_of_the_2026_taxonomy() {
    let typed = |t: &str, sub: Option<&str>| ContractInput {
        contract_type: t.into(),
        contract_subtype: sub.map(Into::into),
        ..input()
    };
    // Every 2026 row of contract_types.csv is accepted as it stands.
    let rows: Vec<ContractType> = refs()
        .contract_types
        .into_iter()
        .filter(|c| c.taxonomy == "2026")
        .collect();
    assert_eq!(rows.len(), 13);
    for row in rows {
        let c = parse(typed(&row.contract_type, row.subtype.as_deref())).unwrap();
        assert_eq!(
            c.contract_type,
            ContractTypeRef {
                taxonomy: "2026".into(),
                contract_type: row.contract_type.clone(),
                subtype: row.subtype.clone(),
            }
        );
        assert_eq!(c.contract_type.row(&refs()), Some(&row));
    }

    let err = parse(typed("gift", None)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_type"]);
    assert_eq!(
        message_of(&err, "contract_type"),
        "unknown contract type 'gift' in the 2026 taxonomy"
    );
    // The subtype of an unknown type is not judged.
    assert_eq!(
        invalid(typed("gift", Some("wrapped"))),
        vec!["contract_type"]
    );
    assert_eq!(
        invalid(typed("License", Some("exclusive"))),
        vec!["contract_type"]
    );

    // A type with subtypes needs one of its own.
    let err = parse(typed("development", None)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_subtype"]);
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "is required for 'development': one of commissioned, cooperative"
    );
    let err = parse(typed("license", Some("commissioned"))).unwrap_err();
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "unknown subtype 'commissioned' of 'license': expected one of exclusive, sole, non_exclusive"
    );
    // 专利实施许可 is a subtype of transfer in 2001 only.
    assert_eq!(
        invalid(typed("transfer", Some("patent_license"))),
        vec!["contract_subtype"]
    );
    // A type without subtypes takes none.
    let err = parse(typed("consulting", Some("expert"))).unwrap_err();
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "contract type 'consulting' has no subtypes"
    );
    // "" is none, as the statistics write it: what a report says can be sent back.
    let c = parse(typed("consulting", Some(""))).unwrap();
    assert_eq!(c.contract_type.subtype, None);
    assert_eq!(
        parse(typed("development", Some(""))).map_err(|e| message_of(&e, "contract_subtype")),
        Err("is required for 'development': one of commissioned, cooperative".into())
    );
}

#[test]
fn new_registrations_use_the_2026_taxonomy_only() {
    let taxonomy = |t: &str| ContractInput {
        taxonomy: t.into(),
        ..input()
    };
    let err = parse(taxonomy("2001")).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["taxonomy"]);
    assert_eq!(
        message_of(&err, "taxonomy"),
        "the 2001 taxonomy is kept only for contracts registered under it; new registrations use 2026"
    );
    // Even a type that exists in 2001 only is refused on the taxonomy, not on the type.
    assert_eq!(
        invalid(ContractInput {
            contract_type: "transfer".into(),
            contract_subtype: Some("patent_license".into()),
            ..taxonomy("2001")
        }),
        vec!["taxonomy"]
    );
    let err = parse(taxonomy("2020")).unwrap_err();
    assert_eq!(
        message_of(&err, "taxonomy"),
        "unknown taxonomy '2020': new registrations use 2026"
    );
    assert_eq!(invalid(taxonomy("")), vec!["taxonomy"]);
    assert_eq!(invalid(taxonomy(" 2026")), vec!["taxonomy"]);
}

#[test]
fn contract_type_refs_parse_on_their_own_and_find_rows_of_either_taxonomy() {
    let r = refs();
    assert_eq!(
        ContractTypeRef::parse("2026", "service", Some("training"), &r).unwrap(),
        ContractTypeRef {
            taxonomy: "2026".into(),
            contract_type: "service".into(),
            subtype: Some("training".into()),
        }
    );
    assert_eq!(
        fields(ContractTypeRef::parse("2001", "consulting", None, &r).unwrap_err()),
        vec!["taxonomy"]
    );
    assert_eq!(
        fields(ContractTypeRef::parse("2026", "service", None, &r).unwrap_err()),
        vec!["contract_subtype"]
    );
    // A stored 2001 reference reads back and still finds its names.
    let old: ContractTypeRef = serde_json::from_value(
        json!({"taxonomy": "2001", "contract_type": "transfer", "subtype": "patent_license"}),
    )
    .unwrap();
    assert!(!old.is_current());
    assert_eq!(
        old.row(&r).map(|row| row.name_zh.as_str()),
        Some("技术转让（专利实施许可）")
    );
    let consulting = ContractTypeRef::parse("2026", "consulting", None, &r).unwrap();
    assert!(consulting.is_current());
    assert_eq!(consulting.row(&r).unwrap().name_en, "Technology consulting");
    // With no contract types at all (the bare sample set), nothing is known.
    assert_eq!(
        fields(ContractTypeRef::parse("2026", "consulting", None, &sample()).unwrap_err()),
        vec!["contract_type"]
    );
}

#[test]
fn refusal_reasons_are_the_codes_of_the_csv() {
    assert_eq!(
        refusal_reason_codes().collect::<Vec<_>>(),
        vec![
            "invalid_contract",
            "not_technology_contract",
            "unclear_subject",
            "approval_missing",
            "name_content_mismatch",
            "restrictive_clauses",
            "documents_missing",
            "seal_inconsistent",
            "other",
        ]
    );
    assert!(is_refusal_reason("other"));
    assert!(!is_refusal_reason("Other"));
    assert!(!is_refusal_reason("code"));
    assert!(!is_refusal_reason(""));
}

#[test]
fn statuses_serialize_as_snake_case_and_parse_back() {
    assert_serde_agrees::<ContractStatus>();
    for status in ContractStatus::ALL.iter().copied() {
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(
        ContractStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        [
            "submitted",
            "accepted",
            "correction_requested",
            "expert_review",
            "registered",
            "refused",
            "cancelled",
            "revoked",
        ]
    );
    assert_eq!(ContractStatus::parse("Registered"), None);
    let pending: Vec<&str> = ContractStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_pending())
        .map(ContractStatus::as_str)
        .collect();
    assert_eq!(
        pending,
        [
            "submitted",
            "accepted",
            "correction_requested",
            "expert_review"
        ]
    );
    let on_the_clock: Vec<&str> = ContractStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_on_the_clock())
        .map(ContractStatus::as_str)
        .collect();
    assert_eq!(on_the_clock, ["accepted", "expert_review"]);
}

//! Terms::parse: validating the raw terms of an offer.

use super::*;

#[test]
fn parse_accepts_valid_terms_trimming_the_territory() {
    assert_eq!(
        terms(),
        Terms {
            contract_type: "license".into(),
            contract_subtype: Some("exclusive".into()),
            price_fen: 500_000_000,
            payment: Payment::Royalty { rate_bp: 350 },
            term_months: 60,
            territory: "中国大陆".into(),
            exclusivity: Exclusivity::Exclusive,
        }
    );
}

#[test]
fn every_payment_kind_is_accepted_at_its_bounds() {
    for payment in [
        Payment::LumpSum,
        Payment::Instalments { count: 2 },
        Payment::Instalments { count: 120 },
        Payment::Royalty { rate_bp: 1 },
        Payment::Royalty { rate_bp: 10_000 },
        Payment::Equity { share_bp: 1 },
        Payment::Equity { share_bp: 10_000 },
    ] {
        assert_eq!(
            parse(TermsInput {
                payment,
                ..terms_input()
            })
            .unwrap()
            .payment,
            payment
        );
    }
}

#[test]
fn payments_out_of_bounds_are_refused_on_their_own_field() {
    for (payment, field) in [
        (Payment::Instalments { count: 0 }, "payment.count"),
        (Payment::Instalments { count: 1 }, "payment.count"),
        (Payment::Instalments { count: 121 }, "payment.count"),
        (Payment::Instalments { count: u32::MAX }, "payment.count"),
        (Payment::Royalty { rate_bp: 0 }, "payment.rate_bp"),
        (Payment::Royalty { rate_bp: 10_001 }, "payment.rate_bp"),
        (Payment::Royalty { rate_bp: u32::MAX }, "payment.rate_bp"),
        (Payment::Equity { share_bp: 0 }, "payment.share_bp"),
        (Payment::Equity { share_bp: 10_001 }, "payment.share_bp"),
    ] {
        assert_eq!(
            invalid(TermsInput {
                payment,
                ..terms_input()
            }),
            vec![field],
            "{payment:?}"
        );
    }
    let err = parse(TermsInput {
        payment: Payment::Royalty { rate_bp: 10_001 },
        ..terms_input()
    })
    .unwrap_err();
    assert!(message_of(&err, "payment.rate_bp").contains("100%"));
}

#[test]
fn the_price_is_zero_to_the_maximum_and_never_negative() {
    let price = |price_fen: i64| TermsInput {
        price_fen,
        ..terms_input()
    };
    for good in [0, 1, MAX_FEN] {
        assert_eq!(parse(price(good)).unwrap().price_fen, good);
    }
    for bad in [-1, i64::MIN] {
        let err = parse(price(bad)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["price_fen"], "{bad}");
        assert_eq!(message_of(&err, "price_fen"), "must not be negative");
    }
    for bad in [MAX_FEN + 1, i64::MAX] {
        let err = parse(price(bad)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["price_fen"], "{bad}");
        assert!(message_of(&err, "price_fen").contains("at most"));
    }
}

#[test]
fn the_term_is_1_to_600_months() {
    let term = |term_months: u32| TermsInput {
        term_months,
        ..terms_input()
    };
    for bad in [0, 601, u32::MAX] {
        assert_eq!(invalid(term(bad)), vec!["term_months"], "{bad}");
    }
    for good in [1, 600] {
        assert_eq!(parse(term(good)).unwrap().term_months, good);
    }
}

#[test]
fn the_territory_is_a_single_line_of_1_to_100_characters() {
    let territory = |raw: String| TermsInput {
        territory: raw,
        ..terms_input()
    };
    for bad in [
        String::new(),
        "   ".to_string(),
        "重庆\n四川".to_string(),
        "地".repeat(101),
        "nul\u{0}".to_string(),
    ] {
        assert_eq!(
            invalid(territory(bad.clone())),
            vec!["territory"],
            "{bad:?}"
        );
    }
    for good in ["地".repeat(100), "Worldwide".to_string()] {
        assert_eq!(parse(territory(good.clone())).unwrap().territory, good);
    }
}

#[test]
fn every_exclusivity_is_accepted() {
    for exclusivity in Exclusivity::ALL.iter().copied() {
        assert_eq!(
            parse(TermsInput {
                exclusivity,
                ..terms_input()
            })
            .unwrap()
            .exclusivity,
            exclusivity
        );
    }
}

#[test]
fn the_contract_type_and_subtype_come_from_the_2026_taxonomy() {
    let kind = |contract_type: &str, subtype: Option<&str>| TermsInput {
        contract_type: contract_type.into(),
        contract_subtype: subtype.map(Into::into),
        ..terms_input()
    };
    for (contract_type, subtype) in [
        ("development", Some("commissioned")),
        ("development", Some("cooperative")),
        ("development", None),
        ("transfer", Some("patent_right")),
        ("license", Some("non_exclusive")),
        ("license", None),
        ("consulting", None),
    ] {
        let t = parse(kind(contract_type, subtype)).unwrap();
        assert_eq!(
            (t.contract_type.as_str(), t.contract_subtype.as_deref()),
            (contract_type, subtype)
        );
    }

    let err = parse(kind("gift", None)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_type"]);
    assert!(message_of(&err, "contract_type").contains("'gift'"));
    // Codes match exactly.
    assert_eq!(invalid(kind("License", None)), vec!["contract_type"]);
    assert_eq!(invalid(kind(" license", None)), vec!["contract_type"]);
    // A long bogus code is not echoed in full.
    let err = parse(kind(&"x".repeat(1000), None)).unwrap_err();
    assert!(message_of(&err, "contract_type").len() < 200);

    // A subtype of the 2001 taxonomy only, or of another type, is unknown.
    for (contract_type, subtype) in [
        ("transfer", "patent_license"),
        ("license", "commissioned"),
        ("development", ""),
    ] {
        let err = parse(kind(contract_type, Some(subtype))).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["contract_subtype"], "{subtype}");
        assert!(message_of(&err, "contract_subtype").contains("unknown subtype"));
    }
    let err = parse(kind("license", Some("commissioned"))).unwrap_err();
    assert!(message_of(&err, "contract_subtype").contains("exclusive, sole, non_exclusive"));
    let err = parse(kind("consulting", Some("expert"))).unwrap_err();
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "contract type 'consulting' has no subtypes"
    );
    // The subtype of an unknown type is not judged: that would only repeat the error.
    assert_eq!(
        invalid(kind("gift", Some("wrapped"))),
        vec!["contract_type"]
    );
}

#[test]
fn a_type_of_the_2001_taxonomy_alone_is_unknown() {
    let mut old_only = refs();
    old_only.contract_types.retain(|c| c.taxonomy == "2001");
    let err = Terms::parse(terms_input(), &old_only).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_type"]);
    assert!(message_of(&err, "contract_type").contains("2026"));
    // With no contract types at all (the bare sample set), nothing is known.
    assert_eq!(
        fields(Terms::parse(terms_input(), &sample()).unwrap_err()),
        vec!["contract_type"]
    );
}

#[test]
fn parse_reports_every_invalid_field_at_once_in_order() {
    let err = parse(TermsInput {
        contract_type: "gift".into(),
        contract_subtype: Some("wrapped".into()),
        price_fen: -1,
        payment: Payment::Royalty { rate_bp: 12_000 },
        term_months: 0,
        territory: " ".into(),
        exclusivity: Exclusivity::Sole,
    })
    .unwrap_err();
    assert_eq!(
        fields(err),
        vec![
            "contract_type",
            "price_fen",
            "payment.rate_bp",
            "term_months",
            "territory"
        ]
    );
    assert_eq!(
        invalid(TermsInput {
            contract_subtype: Some("sold".into()),
            payment: Payment::Instalments { count: 1 },
            term_months: 601,
            ..terms_input()
        }),
        vec!["contract_subtype", "payment.count", "term_months"]
    );
}

#[test]
fn terms_input_deserializes_with_payment_tagged_by_kind_and_refuses_unknown_fields() {
    let body = json!({
        "contract_type": "license",
        "contract_subtype": "exclusive",
        "price_fen": 500_000_000,
        "payment": {"kind": "royalty", "rate_bp": 350},
        "term_months": 60,
        "territory": "  中国大陆 ",
        "exclusivity": "exclusive"
    });
    let input: TermsInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(input, terms_input());
    assert_eq!(serde_json::to_value(&input).unwrap(), body);

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<TermsInput>(b)
    };
    for (payment, expected) in [
        (json!({"kind": "lump_sum"}), Payment::LumpSum),
        (
            json!({"kind": "instalments", "count": 4}),
            Payment::Instalments { count: 4 },
        ),
        (
            json!({"kind": "royalty", "rate_bp": 10_001}),
            Payment::Royalty { rate_bp: 10_001 },
        ),
        (
            json!({"kind": "equity", "share_bp": 2_500}),
            Payment::Equity { share_bp: 2_500 },
        ),
    ] {
        let input = with("/payment", payment.clone()).unwrap();
        assert_eq!(input.payment, expected);
        assert_eq!(serde_json::to_value(expected).unwrap(), payment);
        assert_eq!(payment["kind"], expected.kind());
    }
    for bad_payment in [
        json!("lump_sum"),
        json!({"kind": "barter"}),
        json!({"kind": "royalty"}),
        json!({"kind": "royalty", "rate_bp": -5}),
        json!({"kind": "royalty", "rate_bp": 3.5}),
        json!({"rate_bp": 350}),
        json!({"kind": "lump_sum", "count": 3}),
        json!({"kind": "equity", "share_bp": 100, "rate_bp": 100}),
    ] {
        assert!(
            with("/payment", bad_payment.clone()).is_err(),
            "{bad_payment}"
        );
    }
    for (path, bad) in [
        ("/exclusivity", json!("partial")),
        ("/exclusivity", json!("NonExclusive")),
        ("/price_fen", json!(1.5)),
        ("/price_fen", json!("100")),
        ("/term_months", json!(-1)),
    ] {
        assert!(with(path, bad.clone()).is_err(), "{path} {bad}");
    }
    // A negative price deserializes, and is refused by parse with a field path.
    let negative = with("/price_fen", json!(-100)).unwrap();
    assert_eq!(fields(parse(negative).unwrap_err()), vec!["price_fen"]);
    // The subtype may be absent or null.
    let mut no_subtype = body.clone();
    no_subtype
        .as_object_mut()
        .unwrap()
        .remove("contract_subtype");
    assert_eq!(
        serde_json::from_value::<TermsInput>(no_subtype)
            .unwrap()
            .contract_subtype,
        None
    );
    assert_eq!(
        with("/contract_subtype", json!(null))
            .unwrap()
            .contract_subtype,
        None
    );
    let mut unknown = body.clone();
    unknown["currency"] = json!("CNY");
    assert!(serde_json::from_value::<TermsInput>(unknown).is_err());
    let mut missing = body;
    missing.as_object_mut().unwrap().remove("territory");
    assert!(serde_json::from_value::<TermsInput>(missing).is_err());
}

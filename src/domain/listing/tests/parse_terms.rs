//! ListingContent::parse: inventors and their shares, transfer modes, pricing, and the JSON body.

use serde_json::json;

use super::*;
use crate::domain::testing::message_of;

#[test]
fn inventors_are_1_to_50_with_single_line_names_of_at_most_100_characters() {
    assert_eq!(
        invalid(ListingInput {
            inventors: vec![],
            ..input()
        }),
        vec!["inventors"]
    );
    let mut many: Vec<InventorInput> = (0..50)
        .map(|n| inventor(&format!("人{n}"), None, 2.0))
        .collect();
    assert!(parse(ListingInput {
        inventors: many.clone(),
        ..input()
    })
    .is_ok());
    many.push(inventor("乙", None, 2.0));
    let err = parse(ListingInput {
        inventors: many,
        ..input()
    })
    .unwrap_err();
    assert!(message_of(&err, "inventors").contains("at most 50"));
    assert_eq!(
        invalid(ListingInput {
            inventors: vec![
                inventor(" ", None, 50.0),
                inventor("a\nb", None, 25.0),
                inventor(&"名".repeat(101), None, 25.0)
            ],
            ..input()
        }),
        vec![
            "inventors[0].name",
            "inventors[1].name",
            "inventors[2].name"
        ]
    );
}

#[test]
fn each_share_is_more_than_0_at_most_100_with_at_most_two_decimals() {
    for bad in [
        0.0,
        -5.0,
        100.01,
        12.345,
        0.001,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let fields = invalid(ListingInput {
            inventors: vec![inventor("张三", None, 50.0), inventor("李四", None, bad)],
            ..input()
        });
        // The sum is not checked when a share itself is invalid: it would only repeat the error.
        assert_eq!(fields, vec!["inventors[1].share_percent"], "share {bad}");
    }
    let shares = |c: ListingContent| c.inventors.iter().map(|i| i.share_bp).collect::<Vec<_>>();
    let thirds = parse(ListingInput {
        inventors: vec![
            inventor("a", None, 33.33),
            inventor("b", None, 33.33),
            inventor("c", None, 33.34),
        ],
        ..input()
    })
    .unwrap();
    assert_eq!(shares(thirds), vec![3333, 3333, 3334]);
    let binary_unfriendly = parse(ListingInput {
        inventors: vec![
            inventor("a", None, 0.1),
            inventor("b", None, 0.2),
            inventor("c", None, 99.7),
        ],
        ..input()
    })
    .unwrap();
    assert_eq!(shares(binary_unfriendly), vec![10, 20, 9970]);
    assert_eq!(
        shares(
            parse(ListingInput {
                inventors: vec![inventor("a", None, 100.0)],
                ..input()
            })
            .unwrap()
        ),
        vec![10_000]
    );
}

#[test]
fn shares_must_sum_to_exactly_100_percent_and_the_error_says_what_they_sum_to() {
    let sum_error = |shares: &[f64]| {
        let inventors = shares
            .iter()
            .enumerate()
            .map(|(n, s)| inventor(&format!("人{n}"), None, *s))
            .collect();
        let err = parse(ListingInput {
            inventors,
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["inventors"]);
        message_of(&err, "inventors")
    };
    assert!(sum_error(&[60.0, 39.5]).contains("they sum to 99.5%"));
    assert!(sum_error(&[60.0, 40.01]).contains("they sum to 100.01%"));
    assert!(sum_error(&[80.0, 80.0]).contains("they sum to 160%"));
    assert!(sum_error(&[33.33, 33.33, 33.33]).contains("they sum to 99.99%"));
}

#[test]
fn an_inventor_user_appears_only_once() {
    let u = Some(colleague().user_id);
    assert_eq!(
        invalid(ListingInput {
            inventors: vec![
                inventor("a", u, 50.0),
                inventor("b", None, 25.0),
                inventor("c", u, 25.0)
            ],
            ..input()
        }),
        vec!["inventors[2].user_id"]
    );
    // Several inventors without an account are fine.
    assert!(parse(ListingInput {
        inventors: vec![inventor("a", None, 50.0), inventor("b", None, 50.0)],
        ..input()
    })
    .is_ok());
}

#[test]
fn transfer_modes_are_required_and_not_repeated() {
    assert_eq!(
        invalid(ListingInput {
            transfer_modes: vec![],
            ..input()
        }),
        vec!["transfer_modes"]
    );
    assert_eq!(
        invalid(ListingInput {
            transfer_modes: vec![
                TransferMode::SoleLicense,
                TransferMode::NonExclusiveLicense,
                TransferMode::SoleLicense
            ],
            ..input()
        }),
        vec!["transfer_modes[2]"]
    );
    let all = vec![
        TransferMode::Assignment,
        TransferMode::ExclusiveLicense,
        TransferMode::SoleLicense,
        TransferMode::NonExclusiveLicense,
        TransferMode::EquityInvestment,
        TransferMode::JointDevelopment,
    ];
    assert_eq!(
        parse(ListingInput {
            transfer_modes: all.clone(),
            ..input()
        })
        .unwrap()
        .transfer_modes,
        all
    );
}

#[test]
fn listed_pricing_needs_an_asking_price_within_range() {
    let listed = |price: Option<i64>| ListingInput {
        pricing_mode: PricingMode::Listed,
        asking_price_fen: price,
        ..input()
    };
    assert_eq!(invalid(listed(None)), vec!["asking_price_fen"]);
    assert_eq!(invalid(listed(Some(-1))), vec!["asking_price_fen"]);
    assert_eq!(
        invalid(listed(Some(1_000_000_000_000_001))),
        vec!["asking_price_fen"]
    );
    assert_eq!(parse(listed(Some(0))).unwrap().asking_price_fen, Some(0));
    assert_eq!(
        parse(listed(Some(1_000_000_000_000_000)))
            .unwrap()
            .asking_price_fen,
        Some(1_000_000_000_000_000)
    );
    // Negotiated and auction prices are optional, but still range-checked when given.
    let c = parse(ListingInput {
        pricing_mode: PricingMode::Auction,
        asking_price_fen: None,
        ..input()
    })
    .unwrap();
    assert_eq!(
        (c.pricing_mode, c.asking_price_fen),
        (PricingMode::Auction, None)
    );
    assert_eq!(
        parse(ListingInput {
            asking_price_fen: Some(5_000_000),
            ..input()
        })
        .unwrap()
        .asking_price_fen,
        Some(5_000_000)
    );
    assert_eq!(
        invalid(ListingInput {
            asking_price_fen: Some(-100),
            ..input()
        }),
        vec!["asking_price_fen"]
    );
}

#[test]
fn input_deserializes_with_defaults_and_refuses_unknown_fields() {
    let body = json!({
        "title": "T", "summary": "S", "field": "new_materials", "trl": 3,
        "inventors": [{"name": "张三", "share_percent": 100}],
        "transfer_modes": ["non_exclusive_license", "equity_investment"],
        "pricing_mode": "negotiated", "region": "500112"
    });
    let i: ListingInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(i.confidential_detail, None);
    assert!(i.keywords.is_empty() && i.ip_rights.is_empty() && !i.job_related);
    assert_eq!(i.institution_id, None);
    assert_eq!(i.asking_price_fen, None);
    assert_eq!(
        i.transfer_modes,
        vec![
            TransferMode::NonExclusiveLicense,
            TransferMode::EquityInvestment
        ]
    );
    assert_eq!(parse(i).unwrap().inventors[0].share_bp, 10_000);

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<ListingInput>(b)
    };
    assert!(with(
        "/inventors/0",
        json!({"name": "a", "share_percent": 100, "share": 1})
    )
    .is_err());
    assert!(with(
        "/inventors",
        json!([{"name": "a", "user_id": Uuid::nil(), "share_percent": 100}])
    )
    .is_ok());
    assert!(with("/transfer_modes", json!(["gift"])).is_err());
    assert!(with("/pricing_mode", json!("free")).is_err());
    assert!(with("/trl", json!("four")).is_err());
    let mut unknown = body.clone();
    unknown["price"] = json!(1);
    assert!(serde_json::from_value::<ListingInput>(unknown).is_err());
    let mut bad_ip = body;
    bad_ip["ip_rights"] =
        json!([{"kind": "utility_model", "number": "1", "status": "granted", "owner": "x"}]);
    assert!(serde_json::from_value::<ListingInput>(bad_ip.clone()).is_err());
    bad_ip["ip_rights"] = json!([{"kind": "utility_model", "number": "1", "status": "lapsed"}]);
    assert_eq!(
        serde_json::from_value::<ListingInput>(bad_ip)
            .unwrap()
            .ip_rights[0]
            .status,
        IpStatus::Lapsed
    );
}

//! ListingContent::parse: the whole input, its text fields, codes, keywords, IP rights, TRL and institution.

use super::*;
use crate::domain::reference::IpKind;
use crate::domain::testing::message_of;

// =============================================================================================
// ListingContent::parse

#[test]
fn parse_accepts_a_valid_input_trimming_text_and_converting_shares_to_basis_points() {
    let c = content(false);
    assert_eq!(
        c.title.as_str(),
        "Sulfide solid electrolyte for sodium batteries"
    );
    assert_eq!(c.summary, "一种用于钠离子电池的硫化物固态电解质。");
    assert_eq!(
        c.confidential_detail.as_deref(),
        Some("Sinter at 450 °C under argon for 6 h.")
    );
    assert_eq!(c.field.as_str(), "new_energy");
    assert_eq!(c.keywords, vec!["sodium battery", "electrolyte"]);
    assert_eq!(
        c.ip_rights,
        vec![IpRight {
            kind: IpKind::trusted("invention_patent"),
            number: "ZL202310001234.5".into(),
            status: IpStatus::Granted
        }]
    );
    assert_eq!(c.trl.get(), 4);
    assert!(!c.job_related);
    assert_eq!(c.institution_id, None);
    assert_eq!(
        c.inventors,
        vec![
            Inventor {
                name: "张三".into(),
                user_id: Some(owner().user_id),
                share_bp: 6050
            },
            Inventor {
                name: "李四".into(),
                user_id: None,
                share_bp: 3950
            },
        ]
    );
    assert_eq!(
        c.transfer_modes,
        vec![TransferMode::Assignment, TransferMode::ExclusiveLicense]
    );
    assert_eq!(c.pricing_mode, PricingMode::Negotiated);
    assert_eq!(c.asking_price_fen, None);
    assert_eq!(c.region.as_str(), "500106");
}

#[test]
fn parse_accepts_minimal_input_without_optional_parts() {
    let c = parse(ListingInput {
        confidential_detail: None,
        keywords: vec![],
        ip_rights: vec![],
        inventors: vec![inventor("王五", None, 100.0)],
        transfer_modes: vec![TransferMode::JointDevelopment],
        ..input()
    })
    .unwrap();
    assert_eq!(c.confidential_detail, None);
    assert!(c.keywords.is_empty());
    assert!(c.ip_rights.is_empty());
    assert_eq!(c.inventors[0].share_bp, 10_000);
}

#[test]
fn parse_collects_every_error_with_its_field_path() {
    let mut i = input();
    i.title = " ".into();
    i.field = "alchemy".into();
    i.keywords = vec!["ok".into(), "ok".into()];
    i.ip_rights = vec![ip("trade_secret", "")];
    i.trl = 12;
    i.inventors = vec![inventor("张三", None, 50.0), inventor("", None, 0.001)];
    i.transfer_modes = vec![];
    i.pricing_mode = PricingMode::Listed;
    i.region = "999999".into();
    assert_eq!(
        invalid(i),
        vec![
            "title",
            "field",
            "keywords[1]",
            "ip_rights[0].kind",
            "ip_rights[0].number",
            "trl",
            "inventors[1].name",
            "inventors[1].share_percent",
            "transfer_modes",
            "asking_price_fen",
            "region",
        ]
    );
}

#[test]
fn title_is_required_single_line_and_at_most_200_characters() {
    assert_eq!(
        invalid(ListingInput {
            title: "".into(),
            ..input()
        }),
        vec!["title"]
    );
    assert_eq!(
        invalid(ListingInput {
            title: "a\nb".into(),
            ..input()
        }),
        vec!["title"]
    );
    assert_eq!(
        invalid(ListingInput {
            title: "标".repeat(201),
            ..input()
        }),
        vec!["title"]
    );
    assert_eq!(
        parse(ListingInput {
            title: "标".repeat(200),
            ..input()
        })
        .unwrap()
        .title
        .as_str()
        .chars()
        .count(),
        200
    );
}

#[test]
fn summary_is_required_and_at_most_2000_characters_counted_as_characters() {
    assert_eq!(
        invalid(ListingInput {
            summary: "   ".into(),
            ..input()
        }),
        vec!["summary"]
    );
    assert_eq!(
        invalid(ListingInput {
            summary: "述".repeat(2001),
            ..input()
        }),
        vec!["summary"]
    );
    assert_eq!(
        invalid(ListingInput {
            summary: "bell\u{7}".into(),
            ..input()
        }),
        vec!["summary"]
    );
    // Multi-line summaries are fine; 2000 Chinese characters are 6000 bytes and still fit.
    assert!(parse(ListingInput {
        summary: "第一段\n第二段".into(),
        ..input()
    })
    .is_ok());
    assert!(parse(ListingInput {
        summary: "述".repeat(2000),
        ..input()
    })
    .is_ok());
}

#[test]
fn blank_confidential_detail_becomes_none_and_long_detail_is_refused() {
    assert_eq!(
        parse(ListingInput {
            confidential_detail: Some(" \n ".into()),
            ..input()
        })
        .unwrap()
        .confidential_detail,
        None
    );
    assert_eq!(
        parse(ListingInput {
            confidential_detail: Some("x".repeat(20_000)),
            ..input()
        })
        .unwrap()
        .confidential_detail
        .map(|d| d.len()),
        Some(20_000)
    );
    assert_eq!(
        invalid(ListingInput {
            confidential_detail: Some("x".repeat(20_001)),
            ..input()
        }),
        vec!["confidential_detail"]
    );
    assert_eq!(
        invalid(ListingInput {
            confidential_detail: Some("nul\u{0}".into()),
            ..input()
        }),
        vec!["confidential_detail"]
    );
}

#[test]
fn field_and_region_must_be_known_codes() {
    let err = parse(ListingInput {
        field: "alchemy".into(),
        ..input()
    })
    .unwrap_err();
    assert!(message_of(&err, "field").contains("alchemy"));
    assert_eq!(
        invalid(ListingInput {
            region: "999999".into(),
            ..input()
        }),
        vec!["region"]
    );
    assert_eq!(
        invalid(ListingInput {
            region: "CN".into(),
            ..input()
        }),
        vec!["region"]
    );
    assert_eq!(
        parse(ListingInput {
            region: "DE".into(),
            ..input()
        })
        .unwrap()
        .region
        .as_str(),
        "DE"
    );
    assert_eq!(
        parse(ListingInput {
            field: "electronic_information".into(),
            ..input()
        })
        .unwrap()
        .field
        .as_str(),
        "electronic_information"
    );
}

#[test]
fn keywords_are_at_most_20_each_single_line_1_to_40_characters_without_repeats() {
    let many: Vec<String> = (0..21).map(|n| format!("kw{n}")).collect();
    assert_eq!(
        invalid(ListingInput {
            keywords: many.clone(),
            ..input()
        }),
        vec!["keywords"]
    );
    assert_eq!(
        parse(ListingInput {
            keywords: many[..20].to_vec(),
            ..input()
        })
        .unwrap()
        .keywords
        .len(),
        20
    );
    assert_eq!(
        invalid(ListingInput {
            keywords: vec!["ok".into(), "".into(), "a\nb".into(), "k".repeat(41)],
            ..input()
        }),
        vec!["keywords[1]", "keywords[2]", "keywords[3]"]
    );
    assert_eq!(
        parse(ListingInput {
            keywords: vec!["k".repeat(40)],
            ..input()
        })
        .unwrap()
        .keywords[0]
            .len(),
        40
    );
    let err = parse(ListingInput {
        keywords: vec!["电池".into(), "材料".into(), " 电池 ".into()],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["keywords[2]"]);
    assert!(message_of(&err, "keywords[2]").contains("repeats"));
}

#[test]
fn ip_rights_need_a_known_kind_and_a_number_and_no_repeated_kind_and_number() {
    assert_eq!(
        invalid(ListingInput {
            ip_rights: vec![ip("trade_secret", "1"), ip("utility_model", "  ")],
            ..input()
        }),
        vec!["ip_rights[0].kind", "ip_rights[1].number"]
    );
    assert_eq!(
        invalid(ListingInput {
            ip_rights: vec![ip("utility_model", &"9".repeat(65))],
            ..input()
        }),
        vec!["ip_rights[0].number"]
    );
    assert_eq!(
        invalid(ListingInput {
            ip_rights: vec![
                ip("invention_patent", "ZL1"),
                ip("utility_model", "ZL1"),
                ip("invention_patent", " ZL1 ")
            ],
            ..input()
        }),
        vec!["ip_rights[2]"]
    );
    // The same number under another kind is a different right.
    let c = parse(ListingInput {
        ip_rights: vec![
            ip("invention_patent", "2023SR1"),
            ip("software_copyright", "2023SR1"),
        ],
        ..input()
    })
    .unwrap();
    assert_eq!(c.ip_rights.len(), 2);
    let many: Vec<IpRightInput> = (0..21)
        .map(|n| ip("utility_model", &format!("ZL{n}")))
        .collect();
    assert_eq!(
        invalid(ListingInput {
            ip_rights: many.clone(),
            ..input()
        }),
        vec!["ip_rights"]
    );
    assert_eq!(
        parse(ListingInput {
            ip_rights: many[..20].to_vec(),
            ..input()
        })
        .unwrap()
        .ip_rights
        .len(),
        20
    );
}

#[test]
fn trl_is_1_to_9() {
    for bad in [0, 10, -1, i64::MAX, i64::MIN, 256 + 4] {
        assert_eq!(
            invalid(ListingInput {
                trl: bad,
                ..input()
            }),
            vec!["trl"],
            "trl {bad}"
        );
    }
    for good in 1..=9 {
        assert_eq!(
            i64::from(
                parse(ListingInput {
                    trl: good,
                    ..input()
                })
                .unwrap()
                .trl
                .get()
            ),
            good
        );
    }
    assert_eq!(Trl::parse("trl_after", 0).unwrap_err().field, "trl_after");
}

#[test]
fn job_related_listing_names_its_institution_and_only_then() {
    assert_eq!(content(true).institution_id, Some(UNIVERSITY));
    assert_eq!(
        invalid(ListingInput {
            institution_id: None,
            ..job_input()
        }),
        vec!["institution_id"]
    );
    assert_eq!(
        invalid(ListingInput {
            institution_id: Some(UNIVERSITY),
            ..input()
        }),
        vec!["institution_id"]
    );
}

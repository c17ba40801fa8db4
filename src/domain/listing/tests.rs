use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::reference::sample;
use crate::domain::{Actor, Command, DomainError, Recorded, Role};

// ---------------------------------------------------------------------------------------------
// Cast: the owner works in a lab; job-related listings belong to the university above it, so
// "member of the owner's organization" and "admin of the owning institution" stay distinguishable.

const LAB: Uuid = Uuid::from_u128(0x1AB);
const UNIVERSITY: Uuid = Uuid::from_u128(0x0A1);
const OTHER_UNIVERSITY: Uuid = Uuid::from_u128(0x0A2);
const AGENCY: Uuid = Uuid::from_u128(0x0B1);
const COMPANY: Uuid = Uuid::from_u128(0x0C1);
const CONTRACT: Uuid = Uuid::from_u128(0xC0);
const VERIFICATION: Uuid = Uuid::from_u128(0xF1);

fn person(n: u128, role: Role, organization_id: Option<Uuid>) -> Actor {
    Actor {
        user_id: Uuid::from_u128(n),
        role,
        organization_id,
    }
}
fn owner() -> Actor {
    person(1, Role::Researcher, Some(LAB))
}
fn colleague() -> Actor {
    person(2, Role::Researcher, Some(LAB))
}
fn stranger() -> Actor {
    person(3, Role::Researcher, Some(OTHER_UNIVERSITY))
}
fn tech_manager() -> Actor {
    person(4, Role::TechManager, Some(AGENCY))
}
fn institution_admin() -> Actor {
    person(5, Role::InstitutionAdmin, Some(UNIVERSITY))
}
fn other_institution_admin() -> Actor {
    person(6, Role::InstitutionAdmin, Some(OTHER_UNIVERSITY))
}
fn enterprise() -> Actor {
    person(7, Role::Enterprise, Some(COMPANY))
}
fn provider() -> Actor {
    person(8, Role::Provider, Some(AGENCY))
}
fn registrar() -> Actor {
    person(9, Role::Registrar, Some(AGENCY))
}
fn statistician() -> Actor {
    person(10, Role::Statistician, Some(AGENCY))
}
fn platform_admin() -> Actor {
    person(11, Role::PlatformAdmin, None)
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("owner", owner()),
        ("colleague", colleague()),
        ("stranger", stranger()),
        ("tech_manager", tech_manager()),
        ("institution_admin", institution_admin()),
        ("other_institution_admin", other_institution_admin()),
        ("enterprise", enterprise()),
        ("provider", provider()),
        ("registrar", registrar()),
        ("statistician", statistician()),
        ("platform_admin", platform_admin()),
    ]
}

fn everyone_but(allowed: &[&str]) -> Vec<(&'static str, Actor)> {
    everyone()
        .into_iter()
        .filter(|(name, _)| !allowed.contains(name))
        .collect()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap()
}

fn trl(n: i64) -> Trl {
    Trl::parse("trl", n).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Inputs

fn inventor(name: &str, user_id: Option<Uuid>, share_percent: f64) -> InventorInput {
    InventorInput {
        name: name.into(),
        user_id,
        share_percent,
    }
}

fn ip(kind: &str, number: &str) -> IpRightInput {
    IpRightInput {
        kind: kind.into(),
        number: number.into(),
        status: IpStatus::Granted,
    }
}

fn input() -> ListingInput {
    ListingInput {
        title: "  Sulfide solid electrolyte for sodium batteries ".into(),
        summary: " 一种用于钠离子电池的硫化物固态电解质。 ".into(),
        confidential_detail: Some("Sinter at 450 °C under argon for 6 h.".into()),
        field: "new_energy".into(),
        keywords: vec!["sodium battery".into(), " electrolyte ".into()],
        ip_rights: vec![ip("invention_patent", "ZL202310001234.5")],
        trl: 4,
        job_related: false,
        institution_id: None,
        inventors: vec![
            inventor("张三", Some(owner().user_id), 60.5),
            inventor(" 李四 ", None, 39.5),
        ],
        transfer_modes: vec![TransferMode::Assignment, TransferMode::ExclusiveLicense],
        pricing_mode: PricingMode::Negotiated,
        asking_price_fen: None,
        region: "500106".into(),
    }
}

fn job_input() -> ListingInput {
    ListingInput {
        job_related: true,
        institution_id: Some(UNIVERSITY),
        ..input()
    }
}

fn parse(input: ListingInput) -> Result<ListingContent, DomainError> {
    ListingContent::parse(input, &sample())
}

fn content(job: bool) -> ListingContent {
    parse(if job { job_input() } else { input() }).unwrap()
}

fn invalid(input: ListingInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

// ---------------------------------------------------------------------------------------------
// Stories: a sequence of commands folded through handle_command and apply_event.

struct Story {
    state: ListingState,
    now: DateTime<Utc>,
}

impl Story {
    fn new() -> Self {
        Story {
            state: ListingState::default(),
            now: t0(),
        }
    }

    fn try_run(
        &mut self,
        actor: Actor,
        action: ListingAction,
    ) -> Result<Vec<Recorded<ListingEvent>>, DomainError> {
        let events = Listing::handle_command(&self.state, Command::new(actor, self.now, action))?;
        for recorded in events.iter().cloned() {
            self.state = Listing::apply_event(std::mem::take(&mut self.state), recorded);
        }
        self.now += TimeDelta::hours(1);
        Ok(events)
    }

    /// Runs an accepted command and returns its single event.
    fn ok(&mut self, actor: Actor, action: ListingAction) -> ListingEvent {
        let mut events = self
            .try_run(actor, action)
            .unwrap_or_else(|e| panic!("refused: {e:?}"));
        assert_eq!(events.len(), 1, "one command, one event");
        let recorded = events.remove(0);
        assert_eq!(recorded.actor, actor);
        recorded.event
    }

    /// Runs a command that must be refused and leave the state as it was.
    fn refused(&mut self, actor: Actor, action: ListingAction) -> DomainError {
        let before = self.state.clone();
        let err = self
            .try_run(actor, action)
            .expect_err("command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        err
    }

    fn listing(&self) -> &ListingData {
        self.state.listing.as_ref().expect("the listing exists")
    }

    fn status(&self) -> ListingStatus {
        self.listing().status
    }
}

fn reviewer(job: bool) -> Actor {
    if job {
        institution_admin()
    } else {
        tech_manager()
    }
}

fn draft_of(content: ListingContent) -> Story {
    let mut s = Story::new();
    s.ok(owner(), ListingAction::Create(content));
    s
}

fn in_status_of(content: ListingContent, status: ListingStatus) -> Story {
    let job = content.job_related;
    let mut s = draft_of(content);
    if status == ListingStatus::Draft {
        return s;
    }
    s.ok(owner(), ListingAction::Submit);
    match status {
        ListingStatus::Draft | ListingStatus::UnderReview => {}
        ListingStatus::Returned => {
            s.ok(
                reviewer(job),
                ListingAction::Return {
                    reasons: vec!["add test data".into()],
                },
            );
        }
        ListingStatus::Published | ListingStatus::Withdrawn | ListingStatus::Transferred => {
            s.ok(reviewer(job), ListingAction::Publish);
            if status == ListingStatus::Withdrawn {
                s.ok(owner(), ListingAction::Withdraw { reason: None });
            } else if status == ListingStatus::Transferred {
                s.ok(
                    registrar(),
                    ListingAction::MarkTransferred {
                        contract_id: CONTRACT,
                    },
                );
            }
        }
    }
    assert_eq!(s.status(), status);
    s
}

fn in_status(status: ListingStatus, job: bool) -> Story {
    in_status_of(content(job), status)
}

fn statuses_except(allowed: &[ListingStatus]) -> Vec<ListingStatus> {
    ListingStatus::ALL
        .iter()
        .copied()
        .filter(|s| !allowed.contains(s))
        .collect()
}

fn every_action_but_create() -> Vec<ListingAction> {
    vec![
        ListingAction::Revise(content(false)),
        ListingAction::Submit,
        ListingAction::Publish,
        ListingAction::Return {
            reasons: vec!["x".into()],
        },
        ListingAction::Withdraw { reason: None },
        ListingAction::StartPriceNotice { days: 15 },
        ListingAction::ReviseTrl {
            trl: trl(5),
            source: None,
        },
        ListingAction::MarkTransferred {
            contract_id: CONTRACT,
        },
    ]
}

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

// =============================================================================================
// Existence

#[test]
fn every_action_but_create_needs_an_existing_listing() {
    for action in every_action_but_create() {
        let mut s = Story::new();
        assert_eq!(
            s.refused(owner(), action.clone()),
            DomainError::NotFound,
            "{action:?}"
        );
        assert_eq!(s.state.listing, None);
    }
}

#[test]
fn applying_anything_but_created_to_an_empty_state_leaves_it_empty() {
    let recorded = Recorded {
        actor: owner(),
        at: t0(),
        event: ListingEvent::Submitted,
    };
    assert_eq!(
        Listing::apply_event(ListingState::default(), recorded).listing,
        None
    );
}

// =============================================================================================
// Create

#[test]
fn a_researcher_creates_a_draft_owned_by_them_and_their_organization() {
    let mut s = Story::new();
    let events = s
        .try_run(owner(), ListingAction::Create(content(true)))
        .unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: owner(),
            at: t0(),
            event: ListingEvent::Created {
                owner_id: owner().user_id,
                owner_organization_id: Some(LAB),
                content: content(true)
            },
        }]
    );
    let l = s.listing();
    assert_eq!(l.status, ListingStatus::Draft);
    assert_eq!(
        (l.owner_id, l.owner_organization_id),
        (owner().user_id, Some(LAB))
    );
    assert_eq!(l.content, content(true));
    assert_eq!((l.created_at, l.updated_at), (t0(), t0()));
    assert_eq!(l.published_at, None);
    assert!(l.return_reasons.is_empty());
    assert_eq!(
        (
            l.withdrawal_reason.as_ref(),
            l.price_notice,
            l.transferred_by_contract
        ),
        (None, None, None)
    );
}

#[test]
fn a_researcher_without_organization_may_create() {
    let mut s = Story::new();
    let loner = person(50, Role::Researcher, None);
    s.ok(loner, ListingAction::Create(content(false)));
    assert_eq!(s.listing().owner_organization_id, None);
}

#[test]
fn only_researchers_create() {
    for (who, actor) in everyone_but(&["owner", "colleague", "stranger"]) {
        let err = Story::new().refused(actor, ListingAction::Create(content(false)));
        assert_forbidden(err, who);
    }
}

#[test]
fn create_on_an_existing_listing_conflicts() {
    let mut s = in_status(ListingStatus::Draft, false);
    assert_conflict(
        s.refused(owner(), ListingAction::Create(content(false))),
        "already exists",
    );
    assert_conflict(
        s.refused(colleague(), ListingAction::Create(content(false))),
        "already exists",
    );
}

#[test]
fn create_and_revise_recheck_the_institution_rule_on_hand_built_content() {
    let orphan = ListingContent {
        institution_id: None,
        ..content(true)
    };
    assert_eq!(
        fields(Story::new().refused(owner(), ListingAction::Create(orphan.clone()))),
        vec!["institution_id"]
    );
    let stray = ListingContent {
        institution_id: Some(UNIVERSITY),
        ..content(false)
    };
    assert_eq!(
        fields(Story::new().refused(owner(), ListingAction::Create(stray))),
        vec!["institution_id"]
    );
    let mut s = in_status(ListingStatus::Draft, true);
    assert_eq!(
        fields(s.refused(owner(), ListingAction::Revise(orphan))),
        vec!["institution_id"]
    );
}

// =============================================================================================
// Revise

#[test]
fn the_owner_revises_a_draft() {
    let mut s = in_status(ListingStatus::Draft, false);
    let revised = parse(ListingInput {
        title: "New title".into(),
        trl: 5,
        ..input()
    })
    .unwrap();
    let at = s.now;
    assert_eq!(
        s.ok(owner(), ListingAction::Revise(revised.clone())),
        ListingEvent::Revised {
            content: revised.clone()
        }
    );
    assert_eq!(s.listing().content, revised);
    assert_eq!(s.status(), ListingStatus::Draft);
    assert_eq!((s.listing().created_at, s.listing().updated_at), (t0(), at));
}

#[test]
fn revising_with_identical_content_is_allowed() {
    let mut s = in_status(ListingStatus::Draft, false);
    assert_eq!(
        s.ok(owner(), ListingAction::Revise(content(false))),
        ListingEvent::Revised {
            content: content(false)
        }
    );
}

#[test]
fn revising_a_returned_listing_makes_it_a_draft_again() {
    let mut s = in_status(ListingStatus::Returned, true);
    s.ok(owner(), ListingAction::Revise(content(true)));
    assert_eq!(s.status(), ListingStatus::Draft);
    // The reasons stay readable until the next submission.
    assert_eq!(s.listing().return_reasons, vec!["add test data"]);
}

#[test]
fn only_the_owner_revises() {
    for (who, actor) in everyone_but(&["owner"]) {
        let err = in_status(ListingStatus::Draft, true)
            .refused(actor, ListingAction::Revise(content(true)));
        assert_forbidden(err, who);
    }
}

#[test]
fn revise_outside_draft_and_returned_conflicts() {
    for status in statuses_except(&[ListingStatus::Draft, ListingStatus::Returned]) {
        let err = in_status(status, false).refused(owner(), ListingAction::Revise(content(false)));
        assert_conflict(err, status.as_str());
    }
}

// =============================================================================================
// Submit

#[test]
fn the_owner_submits_a_draft_for_review() {
    let mut s = in_status(ListingStatus::Draft, false);
    assert_eq!(
        s.ok(owner(), ListingAction::Submit),
        ListingEvent::Submitted
    );
    assert_eq!(s.status(), ListingStatus::UnderReview);
}

#[test]
fn resubmitting_after_a_return_clears_the_reasons() {
    let mut s = in_status(ListingStatus::Returned, false);
    assert_eq!(s.listing().return_reasons, vec!["add test data"]);
    s.ok(owner(), ListingAction::Revise(content(false)));
    s.ok(owner(), ListingAction::Submit);
    assert_eq!(s.status(), ListingStatus::UnderReview);
    assert!(s.listing().return_reasons.is_empty());
}

#[test]
fn a_returned_listing_must_be_revised_before_resubmitting() {
    let err = in_status(ListingStatus::Returned, false).refused(owner(), ListingAction::Submit);
    assert_eq!(
        err,
        DomainError::conflict("revise the returned listing before resubmitting")
    );
}

#[test]
fn submit_outside_draft_conflicts() {
    for status in statuses_except(&[ListingStatus::Draft, ListingStatus::Returned]) {
        let err = in_status(status, true).refused(owner(), ListingAction::Submit);
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn only_the_owner_submits() {
    for (who, actor) in everyone_but(&["owner"]) {
        assert_forbidden(
            in_status(ListingStatus::Draft, false).refused(actor, ListingAction::Submit),
            who,
        );
    }
}

// =============================================================================================
// Publish

#[test]
fn a_tech_manager_publishes_a_listing_that_is_not_job_related() {
    let mut s = in_status(ListingStatus::UnderReview, false);
    let at = s.now;
    assert_eq!(
        s.ok(tech_manager(), ListingAction::Publish),
        ListingEvent::Published
    );
    assert_eq!(s.status(), ListingStatus::Published);
    assert_eq!(s.listing().published_at, Some(at));
    assert_eq!(s.listing().updated_at, at);
}

#[test]
fn the_owning_institution_publishes_a_job_related_listing() {
    let mut s = in_status(ListingStatus::UnderReview, true);
    let at = s.now;
    assert_eq!(
        s.ok(institution_admin(), ListingAction::Publish),
        ListingEvent::Published
    );
    assert_eq!(
        (s.status(), s.listing().published_at),
        (ListingStatus::Published, Some(at))
    );
}

#[test]
fn nobody_else_publishes_a_listing_that_is_not_job_related() {
    for (who, actor) in everyone_but(&["tech_manager"]) {
        assert_forbidden(
            in_status(ListingStatus::UnderReview, false).refused(actor, ListingAction::Publish),
            who,
        );
    }
}

#[test]
fn nobody_else_publishes_a_job_related_listing_not_even_a_tech_manager() {
    for (who, actor) in everyone_but(&["institution_admin"]) {
        assert_forbidden(
            in_status(ListingStatus::UnderReview, true).refused(actor, ListingAction::Publish),
            who,
        );
    }
}

#[test]
fn the_owner_never_publishes_their_own_listing_whatever_their_role() {
    // An owner whose role later became institution admin of the owning institution.
    let promoted = Actor {
        role: Role::InstitutionAdmin,
        organization_id: Some(UNIVERSITY),
        ..owner()
    };
    let err = in_status(ListingStatus::UnderReview, true).refused(promoted, ListingAction::Publish);
    assert_eq!(
        err,
        DomainError::forbidden("nobody can publish their own listing")
    );
    let as_manager = Actor {
        role: Role::TechManager,
        ..owner()
    };
    assert_forbidden(
        in_status(ListingStatus::UnderReview, false).refused(as_manager, ListingAction::Publish),
        "owner",
    );
}

#[test]
fn publish_outside_under_review_conflicts() {
    for job in [false, true] {
        for status in statuses_except(&[ListingStatus::UnderReview]) {
            let err = in_status(status, job).refused(reviewer(job), ListingAction::Publish);
            assert_conflict(err, status.as_str());
        }
    }
}

// =============================================================================================
// Return

fn return_with(reasons: &[&str]) -> ListingAction {
    ListingAction::Return {
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    }
}

#[test]
fn a_tech_manager_returns_a_listing_with_trimmed_reasons() {
    for job in [false, true] {
        let mut s = in_status(ListingStatus::UnderReview, job);
        let event = s.ok(
            tech_manager(),
            return_with(&["  missing TRL evidence ", "补充专利证书"]),
        );
        let reasons = vec![
            "missing TRL evidence".to_string(),
            "补充专利证书".to_string(),
        ];
        assert_eq!(
            event,
            ListingEvent::Returned {
                reasons: reasons.clone()
            }
        );
        assert_eq!(s.status(), ListingStatus::Returned);
        assert_eq!(s.listing().return_reasons, reasons);
    }
}

#[test]
fn the_owning_institution_returns_a_job_related_listing() {
    let mut s = in_status(ListingStatus::UnderReview, true);
    s.ok(
        institution_admin(),
        return_with(&["inventor shares disputed"]),
    );
    assert_eq!(s.status(), ListingStatus::Returned);
}

#[test]
fn an_institution_admin_cannot_return_a_listing_that_is_not_job_related() {
    let err = in_status(ListingStatus::UnderReview, false)
        .refused(institution_admin(), return_with(&["no"]));
    assert_forbidden(err, "institution_admin");
}

#[test]
fn nobody_else_returns_a_listing() {
    for (who, actor) in everyone_but(&["tech_manager", "institution_admin"]) {
        assert_forbidden(
            in_status(ListingStatus::UnderReview, true).refused(actor, return_with(&["no"])),
            who,
        );
    }
}

#[test]
fn return_outside_under_review_conflicts() {
    for status in statuses_except(&[ListingStatus::UnderReview]) {
        let err = in_status(status, false).refused(tech_manager(), return_with(&["no"]));
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn return_needs_1_to_20_reasons_of_1_to_500_characters() {
    let refuse = |reasons: Vec<String>| {
        in_status(ListingStatus::UnderReview, false)
            .refused(tech_manager(), ListingAction::Return { reasons })
    };
    assert_eq!(fields(refuse(vec![])), vec!["reasons"]);
    assert_eq!(fields(refuse(vec!["r".to_string(); 21])), vec!["reasons"]);
    assert_eq!(
        fields(refuse(vec![
            "fine".into(),
            "  ".into(),
            "理".repeat(501),
            "ok".into()
        ])),
        vec!["reasons[1]", "reasons[2]"]
    );
    let mut s = in_status(ListingStatus::UnderReview, false);
    let longest = "理".repeat(500);
    let twenty = vec![longest.clone(); 20];
    assert_eq!(
        s.ok(
            tech_manager(),
            ListingAction::Return {
                reasons: twenty.clone()
            }
        ),
        ListingEvent::Returned { reasons: twenty }
    );
}

// =============================================================================================
// Withdraw

#[test]
fn the_owner_withdraws_from_every_open_status() {
    for status in [
        ListingStatus::Draft,
        ListingStatus::UnderReview,
        ListingStatus::Returned,
        ListingStatus::Published,
    ] {
        let mut s = in_status(status, false);
        let event = s.ok(
            owner(),
            ListingAction::Withdraw {
                reason: Some(" licensed elsewhere ".into()),
            },
        );
        assert_eq!(
            event,
            ListingEvent::Withdrawn {
                reason: Some("licensed elsewhere".into())
            }
        );
        assert_eq!(s.status(), ListingStatus::Withdrawn, "from {status}");
        assert_eq!(
            s.listing().withdrawal_reason.as_deref(),
            Some("licensed elsewhere")
        );
    }
}

#[test]
fn the_owning_institution_withdraws_a_job_related_listing() {
    let mut s = in_status(ListingStatus::Published, true);
    assert_eq!(
        s.ok(
            institution_admin(),
            ListingAction::Withdraw { reason: None }
        ),
        ListingEvent::Withdrawn { reason: None }
    );
    assert_eq!(
        (s.status(), s.listing().withdrawal_reason.as_ref()),
        (ListingStatus::Withdrawn, None)
    );
}

#[test]
fn nobody_else_withdraws() {
    for (who, actor) in everyone_but(&["owner", "institution_admin"]) {
        let err = in_status(ListingStatus::Published, true)
            .refused(actor, ListingAction::Withdraw { reason: None });
        assert_forbidden(err, who);
    }
    let err = in_status(ListingStatus::Published, false).refused(
        institution_admin(),
        ListingAction::Withdraw { reason: None },
    );
    assert_forbidden(
        err,
        "institution_admin of a listing that is not job-related",
    );
}

#[test]
fn withdrawn_and_transferred_listings_cannot_be_withdrawn() {
    for status in [ListingStatus::Withdrawn, ListingStatus::Transferred] {
        let err =
            in_status(status, false).refused(owner(), ListingAction::Withdraw { reason: None });
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn a_withdrawal_reason_is_optional_and_at_most_500_characters() {
    let mut s = in_status(ListingStatus::Draft, false);
    let err = s.refused(
        owner(),
        ListingAction::Withdraw {
            reason: Some("因".repeat(501)),
        },
    );
    assert_eq!(fields(err), vec!["reason"]);
    assert_eq!(
        s.ok(
            owner(),
            ListingAction::Withdraw {
                reason: Some("  ".into())
            }
        ),
        ListingEvent::Withdrawn { reason: None }
    );
    let mut s = in_status(ListingStatus::Draft, false);
    s.ok(
        owner(),
        ListingAction::Withdraw {
            reason: Some("因".repeat(500)),
        },
    );
    assert_eq!(
        s.listing()
            .withdrawal_reason
            .as_ref()
            .map(|r| r.chars().count()),
        Some(500)
    );
}

// =============================================================================================
// Price notice

fn notice(days: u32) -> ListingAction {
    ListingAction::StartPriceNotice { days }
}

#[test]
fn the_owning_institution_starts_a_price_notice_on_a_published_job_related_negotiated_listing() {
    let mut s = in_status(ListingStatus::Published, true);
    assert!(s.listing().needs_price_notice());
    let now = s.now;
    let event = s.ok(institution_admin(), notice(15));
    let ends_at = Utc.with_ymd_and_hms(2024, 3, 16, 12, 0, 0).unwrap();
    assert_eq!(now + TimeDelta::days(15), ends_at);
    assert_eq!(
        event,
        ListingEvent::PriceNoticeStarted {
            starts_at: now,
            ends_at
        }
    );
    assert_eq!(
        s.listing().price_notice,
        Some(PriceNotice {
            starts_at: now,
            ends_at
        })
    );
    assert_eq!(s.status(), ListingStatus::Published);
}

#[test]
fn the_owner_may_start_the_price_notice() {
    let mut s = in_status(ListingStatus::Published, true);
    assert!(matches!(
        s.ok(owner(), notice(1)),
        ListingEvent::PriceNoticeStarted { .. }
    ));
}

#[test]
fn nobody_else_starts_a_price_notice() {
    for (who, actor) in everyone_but(&["owner", "institution_admin"]) {
        assert_forbidden(
            in_status(ListingStatus::Published, true).refused(actor, notice(15)),
            who,
        );
    }
}

#[test]
fn a_price_notice_is_only_for_job_related_negotiated_listings() {
    let mut s = in_status(ListingStatus::Published, false);
    assert!(!s.listing().needs_price_notice());
    assert_conflict(
        s.refused(owner(), notice(15)),
        "job-related listing with negotiated pricing",
    );
    for (mode, price) in [
        (PricingMode::Listed, Some(100_000)),
        (PricingMode::Auction, None),
    ] {
        let c = parse(ListingInput {
            pricing_mode: mode,
            asking_price_fen: price,
            ..job_input()
        })
        .unwrap();
        let mut s = in_status_of(c, ListingStatus::Published);
        assert!(!s.listing().needs_price_notice());
        assert_conflict(
            s.refused(institution_admin(), notice(15)),
            "negotiated pricing",
        );
    }
}

#[test]
fn a_price_notice_needs_a_published_listing() {
    for status in statuses_except(&[ListingStatus::Published]) {
        let err = in_status(status, true).refused(owner(), notice(15));
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn a_price_notice_lasts_1_to_365_days() {
    for days in [0, 366, u32::MAX] {
        let err =
            in_status(ListingStatus::Published, true).refused(institution_admin(), notice(days));
        assert_eq!(fields(err), vec!["days"], "{days} days");
    }
    for days in [1, 365] {
        let mut s = in_status(ListingStatus::Published, true);
        let now = s.now;
        let event = s.ok(institution_admin(), notice(days));
        assert_eq!(
            event,
            ListingEvent::PriceNoticeStarted {
                starts_at: now,
                ends_at: now + TimeDelta::days(i64::from(days))
            }
        );
    }
}

#[test]
fn a_new_price_notice_waits_until_the_running_one_has_ended() {
    let mut s = in_status(ListingStatus::Published, true);
    let started = s.now;
    s.ok(institution_admin(), notice(15));
    let ends_at = started + TimeDelta::days(15);
    s.now = ends_at - TimeDelta::seconds(1);
    assert_conflict(
        s.refused(institution_admin(), notice(15)),
        "already running",
    );
    s.now = ends_at;
    assert_eq!(
        s.ok(institution_admin(), notice(20)),
        ListingEvent::PriceNoticeStarted {
            starts_at: ends_at,
            ends_at: ends_at + TimeDelta::days(20)
        }
    );
    assert_eq!(s.listing().price_notice.map(|n| n.starts_at), Some(ends_at));
}

#[test]
fn a_price_notice_has_run_from_its_end_instant_on() {
    let n = PriceNotice {
        starts_at: t0(),
        ends_at: t0() + TimeDelta::days(15),
    };
    assert!(!n.has_run_by(t0()));
    assert!(!n.has_run_by(n.ends_at - TimeDelta::milliseconds(1)));
    assert!(n.has_run_by(n.ends_at));
    assert!(n.has_run_by(n.ends_at + TimeDelta::days(400)));
}

// =============================================================================================
// TRL revision

#[test]
fn a_provider_revises_the_trl_with_its_verification_as_source() {
    let mut s = in_status(ListingStatus::Published, false);
    let event = s.ok(
        provider(),
        ListingAction::ReviseTrl {
            trl: trl(6),
            source: Some(VERIFICATION),
        },
    );
    assert_eq!(
        event,
        ListingEvent::TrlRevised {
            from: trl(4),
            to: trl(6),
            source: Some(VERIFICATION)
        }
    );
    assert_eq!(s.listing().content.trl, trl(6));
    assert_eq!(s.status(), ListingStatus::Published);
}

#[test]
fn the_owner_and_a_platform_admin_may_revise_the_trl_in_either_direction() {
    let mut s = in_status(ListingStatus::Draft, false);
    s.ok(
        owner(),
        ListingAction::ReviseTrl {
            trl: trl(3),
            source: None,
        },
    );
    assert_eq!(
        s.ok(
            platform_admin(),
            ListingAction::ReviseTrl {
                trl: trl(9),
                source: None
            }
        ),
        ListingEvent::TrlRevised {
            from: trl(3),
            to: trl(9),
            source: None
        }
    );
    assert_eq!(s.listing().content.trl.get(), 9);
}

#[test]
fn the_trl_changes_in_every_status_but_withdrawn_and_transferred() {
    for status in [
        ListingStatus::Draft,
        ListingStatus::UnderReview,
        ListingStatus::Returned,
        ListingStatus::Published,
    ] {
        let mut s = in_status(status, true);
        s.ok(
            provider(),
            ListingAction::ReviseTrl {
                trl: trl(5),
                source: None,
            },
        );
        assert_eq!((s.status(), s.listing().content.trl), (status, trl(5)));
    }
    for status in [ListingStatus::Withdrawn, ListingStatus::Transferred] {
        let err = in_status(status, true).refused(
            provider(),
            ListingAction::ReviseTrl {
                trl: trl(5),
                source: None,
            },
        );
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn revising_the_trl_to_its_current_value_conflicts() {
    let err = in_status(ListingStatus::Published, false).refused(
        provider(),
        ListingAction::ReviseTrl {
            trl: trl(4),
            source: None,
        },
    );
    assert_eq!(err, DomainError::conflict("TRL is already 4"));
}

#[test]
fn nobody_else_revises_the_trl() {
    for (who, actor) in everyone_but(&["owner", "provider", "platform_admin"]) {
        let err = in_status(ListingStatus::Published, true).refused(
            actor,
            ListingAction::ReviseTrl {
                trl: trl(7),
                source: None,
            },
        );
        assert_forbidden(err, who);
    }
}

// =============================================================================================
// Transfer

#[test]
fn a_registrar_marks_a_published_listing_transferred() {
    let mut s = in_status(ListingStatus::Published, false);
    let at = s.now;
    assert_eq!(
        s.ok(
            registrar(),
            ListingAction::MarkTransferred {
                contract_id: CONTRACT
            }
        ),
        ListingEvent::Transferred {
            contract_id: CONTRACT
        }
    );
    assert_eq!(s.status(), ListingStatus::Transferred);
    assert_eq!(s.listing().transferred_by_contract, Some(CONTRACT));
    assert_eq!(s.listing().updated_at, at);
}

#[test]
fn nobody_else_marks_a_listing_transferred() {
    for (who, actor) in everyone_but(&["registrar"]) {
        let err = in_status(ListingStatus::Published, true).refused(
            actor,
            ListingAction::MarkTransferred {
                contract_id: CONTRACT,
            },
        );
        assert_forbidden(err, who);
    }
}

#[test]
fn only_a_published_listing_is_transferred() {
    for status in statuses_except(&[ListingStatus::Published]) {
        let err = in_status(status, false).refused(
            registrar(),
            ListingAction::MarkTransferred {
                contract_id: CONTRACT,
            },
        );
        assert_conflict(err, status.as_str());
    }
}

// =============================================================================================
// A whole story, and timestamps

#[test]
fn a_job_related_listing_from_draft_to_transfer() {
    let mut s = draft_of(content(true));
    s.ok(owner(), ListingAction::Submit);
    s.ok(
        institution_admin(),
        return_with(&["shares do not match the agreement"]),
    );
    s.ok(
        owner(),
        ListingAction::Revise(
            parse(ListingInput {
                trl: 5,
                ..job_input()
            })
            .unwrap(),
        ),
    );
    s.ok(owner(), ListingAction::Submit);
    let published_at = s.now;
    s.ok(institution_admin(), ListingAction::Publish);
    s.ok(institution_admin(), notice(15));
    s.ok(
        provider(),
        ListingAction::ReviseTrl {
            trl: trl(7),
            source: Some(VERIFICATION),
        },
    );
    let last = s.now;
    s.ok(
        registrar(),
        ListingAction::MarkTransferred {
            contract_id: CONTRACT,
        },
    );

    let l = s.listing();
    assert_eq!(l.status, ListingStatus::Transferred);
    assert_eq!(l.content.trl, trl(7));
    assert!(l.return_reasons.is_empty());
    assert_eq!(l.created_at, t0());
    assert_eq!(l.published_at, Some(published_at));
    assert_eq!(l.updated_at, last);
    assert_eq!(l.updated_at, t0() + TimeDelta::hours(8));
    assert_eq!(
        l.price_notice.map(|n| n.ends_at),
        Some(published_at + TimeDelta::hours(1) + TimeDelta::days(15))
    );
}

#[test]
fn every_event_moves_updated_at_to_its_recorded_instant() {
    let mut state = Listing::apply_event(
        ListingState::default(),
        Recorded {
            actor: owner(),
            at: t0(),
            event: ListingEvent::Created {
                owner_id: owner().user_id,
                owner_organization_id: None,
                content: content(true),
            },
        },
    );
    for (n, event) in all_events().into_iter().skip(1).enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64 + 1);
        state = Listing::apply_event(
            state,
            Recorded {
                actor: owner(),
                at,
                event: event.clone(),
            },
        );
        let l = state.listing.as_ref().unwrap();
        assert_eq!((l.created_at, l.updated_at), (t0(), at), "{}", event.name());
    }
}

// =============================================================================================
// Events: names, serde, redaction

fn all_events() -> Vec<ListingEvent> {
    vec![
        ListingEvent::Created {
            owner_id: owner().user_id,
            owner_organization_id: Some(LAB),
            content: content(true),
        },
        ListingEvent::Revised {
            content: content(true),
        },
        ListingEvent::Submitted,
        ListingEvent::Published,
        ListingEvent::Returned {
            reasons: vec!["a".into(), "b".into()],
        },
        ListingEvent::Withdrawn {
            reason: Some("r".into()),
        },
        ListingEvent::PriceNoticeStarted {
            starts_at: t0(),
            ends_at: t0() + TimeDelta::days(15),
        },
        ListingEvent::TrlRevised {
            from: trl(4),
            to: trl(6),
            source: Some(VERIFICATION),
        },
        ListingEvent::Transferred {
            contract_id: CONTRACT,
        },
    ]
}

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(ListingEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "created",
            "revised",
            "submitted",
            "published",
            "returned",
            "withdrawn",
            "price_notice_started",
            "trl_revised",
            "transferred"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            serde_json::from_value::<ListingEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: owner(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<ListingEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    assert_eq!(
        serde_json::to_value(ListingEvent::TrlRevised {
            from: trl(4),
            to: trl(6),
            source: None
        })
        .unwrap(),
        json!({"type": "trl_revised", "from": 4, "to": 6, "source": null})
    );
    assert_eq!(
        serde_json::to_value(ListingEvent::Submitted).unwrap(),
        json!({"type": "submitted"})
    );
    let created = serde_json::to_value(&all_events()[0]).unwrap();
    let c = &created["content"];
    assert_eq!(c["title"], "Sulfide solid electrolyte for sodium batteries");
    assert_eq!(c["field"], "new_energy");
    assert_eq!(c["region"], "500106");
    assert_eq!(c["trl"], 4);
    assert_eq!(c["institution_id"], json!(UNIVERSITY));
    assert_eq!(c["pricing_mode"], "negotiated");
    assert_eq!(
        c["transfer_modes"],
        json!(["assignment", "exclusive_license"])
    );
    assert_eq!(
        c["ip_rights"],
        json!([{"kind": "invention_patent", "number": "ZL202310001234.5", "status": "granted"}])
    );
    assert_eq!(
        c["inventors"][0],
        json!({"name": "张三", "user_id": owner().user_id, "share_bp": 6050})
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let s = in_status(ListingStatus::Transferred, true);
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<ListingState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(ListingState::default()).unwrap(),
        json!({"listing": null})
    );
}

#[test]
fn redacted_drops_only_the_confidential_detail() {
    for event in all_events() {
        let redacted = event.redacted();
        match (&event, &redacted) {
            (
                ListingEvent::Created {
                    owner_id,
                    owner_organization_id,
                    content,
                },
                ListingEvent::Created {
                    owner_id: o2,
                    owner_organization_id: org2,
                    content: c2,
                },
            ) => {
                assert!(
                    content.confidential_detail.is_some(),
                    "the original keeps it"
                );
                assert_eq!((owner_id, owner_organization_id), (o2, org2));
                assert_eq!(
                    c2,
                    &ListingContent {
                        confidential_detail: None,
                        ..content.clone()
                    }
                );
            }
            (ListingEvent::Revised { content }, ListingEvent::Revised { content: c2 }) => {
                assert!(
                    content.confidential_detail.is_some(),
                    "the original keeps it"
                );
                assert_eq!(
                    c2,
                    &ListingContent {
                        confidential_detail: None,
                        ..content.clone()
                    }
                );
            }
            _ => assert_eq!(redacted, event),
        }
        assert!(!serde_json::to_string(&redacted)
            .unwrap()
            .contains("Sinter at 450"));
    }
}

#[test]
fn statuses_and_enums_serialize_as_snake_case() {
    for status in ListingStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(ListingStatus::parse(status.as_str()), Some(*status));
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(ListingStatus::parse("archived"), None);
    assert_eq!(
        serde_json::to_value(TransferMode::NonExclusiveLicense).unwrap(),
        "non_exclusive_license"
    );
    assert_eq!(serde_json::to_value(PricingMode::Listed).unwrap(), "listed");
    assert_eq!(serde_json::to_value(IpStatus::Pending).unwrap(), "pending");
    assert_eq!(serde_json::from_value::<Trl>(json!(7)).unwrap(), trl(7));
}

// =============================================================================================
// Visibility and confidentiality

/// Who sees a listing in `status`, among anonymous + everyone.
fn viewers(
    status: ListingStatus,
    job: bool,
    check: fn(&ListingData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let s = in_status(status, job);
    let mut names = Vec::new();
    if check(s.listing(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.listing(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

fn all_names() -> Vec<&'static str> {
    std::iter::once("anonymous")
        .chain(everyone().into_iter().map(|(n, _)| n))
        .collect()
}

#[test]
fn published_and_transferred_listings_are_visible_to_everyone() {
    for job in [false, true] {
        for status in [ListingStatus::Published, ListingStatus::Transferred] {
            assert_eq!(
                viewers(status, job, ListingData::is_visible_to),
                all_names(),
                "{status}"
            );
        }
    }
}

#[test]
fn unpublished_listings_are_visible_to_the_owner_the_platform_admin_and_the_owning_institution() {
    let check = ListingData::is_visible_to;
    assert_eq!(
        viewers(ListingStatus::Draft, true, check),
        vec!["owner", "institution_admin", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Draft, false, check),
        vec!["owner", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Returned, true, check),
        vec!["owner", "institution_admin", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Returned, false, check),
        vec!["owner", "platform_admin"]
    );
}

#[test]
fn tech_managers_see_listings_under_review() {
    let check = ListingData::is_visible_to;
    assert_eq!(
        viewers(ListingStatus::UnderReview, true, check),
        vec![
            "owner",
            "tech_manager",
            "institution_admin",
            "platform_admin"
        ]
    );
    assert_eq!(
        viewers(ListingStatus::UnderReview, false, check),
        vec!["owner", "tech_manager", "platform_admin"]
    );
}

#[test]
fn withdrawn_listings_are_visible_to_the_owner_the_platform_admin_and_the_institution_only() {
    let check = ListingData::is_visible_to;
    assert_eq!(
        viewers(ListingStatus::Withdrawn, true, check),
        vec!["owner", "institution_admin", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Withdrawn, false, check),
        vec!["owner", "platform_admin"]
    );
}

#[test]
fn confidential_detail_goes_to_the_owner_side_reviewers_and_the_owning_institution() {
    let check = ListingData::may_see_confidential;
    assert_eq!(
        viewers(ListingStatus::Published, true, check),
        vec!["owner", "colleague", "tech_manager", "institution_admin"]
    );
    // Not job-related: the university's office is no party to it.
    assert_eq!(
        viewers(ListingStatus::Published, false, check),
        vec!["owner", "colleague", "tech_manager"]
    );
    assert_eq!(
        viewers(ListingStatus::Transferred, true, check),
        vec!["owner", "colleague", "tech_manager", "institution_admin"]
    );
}

#[test]
fn confidential_detail_never_goes_where_the_listing_itself_is_not_visible() {
    let check = ListingData::may_see_confidential;
    assert_eq!(
        viewers(ListingStatus::Draft, true, check),
        vec!["owner", "institution_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::UnderReview, false, check),
        vec!["owner", "tech_manager"]
    );
    assert_eq!(
        viewers(ListingStatus::Withdrawn, true, check),
        vec!["owner", "institution_admin"]
    );
}

#[test]
fn platform_admins_and_statisticians_never_see_confidential_detail_even_in_the_owner_organization()
{
    let s = in_status(ListingStatus::Published, false);
    let l = s.listing();
    for role in [Role::PlatformAdmin, Role::Statistician] {
        let insider = person(60, role, Some(LAB));
        assert!(l.is_visible_to(Some(&insider)));
        assert!(!l.may_see_confidential(Some(&insider)), "{role}");
    }
    // Other roles within the owner's organization are on the owner side.
    for role in [Role::Researcher, Role::InstitutionAdmin, Role::Enterprise] {
        assert!(
            l.may_see_confidential(Some(&person(61, role, Some(LAB)))),
            "{role}"
        );
    }
}

#[test]
fn an_owner_without_organization_shares_confidential_detail_with_nobody_else_without_one() {
    let loner = person(50, Role::Researcher, None);
    let mut s = Story::new();
    s.ok(loner, ListingAction::Create(content(false)));
    s.ok(loner, ListingAction::Submit);
    s.ok(tech_manager(), ListingAction::Publish);
    let l = s.listing();
    assert!(l.may_see_confidential(Some(&loner)));
    assert!(!l.may_see_confidential(Some(&person(51, Role::Researcher, None))));
    assert!(!l.may_see_confidential(Some(&colleague())));
}

#[test]
fn the_global_log_names_listing_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), registrar());
    }
}

#[test]
fn a_trl_revision_from_the_same_source_is_applied_once() {
    // The TRL policy is at-least-once: the same verification outcome may arrive twice.
    let step = |state: ListingState, actor: Actor, minutes: i64, action: ListingAction| {
        let cmd = Command::new(actor, t0() + chrono::TimeDelta::minutes(minutes), action);
        let events = Listing::handle_command(&state, cmd).unwrap();
        let n = events.len();
        (events.into_iter().fold(state, Listing::apply_event), n)
    };
    let (state, _) = step(
        ListingState::default(),
        owner(),
        0,
        ListingAction::Create(content(false)),
    );
    let source = Uuid::from_u128(42);
    let revise = |n: i64| ListingAction::ReviseTrl {
        trl: trl(n),
        source: Some(source),
    };
    let (state, n) = step(state, provider(), 1, revise(6));
    assert_eq!(n, 1);
    assert_eq!(state.listing.as_ref().unwrap().content.trl, trl(6));
    assert_eq!(state.listing.as_ref().unwrap().trl_sources, vec![source]);
    // Delivered again: nothing is appended, whatever TRL it names.
    let (state, n) = step(state, provider(), 2, revise(6));
    assert_eq!(n, 0);
    let (state, n) = step(state, provider(), 3, revise(8));
    assert_eq!(
        (n, state.listing.as_ref().unwrap().content.trl),
        (0, trl(6))
    );
    // A revision without a source is not deduplicated.
    let (state, n) = step(
        state,
        provider(),
        4,
        ListingAction::ReviseTrl {
            trl: trl(7),
            source: None,
        },
    );
    assert_eq!((n, state.listing.unwrap().content.trl), (1, trl(7)));
}

#[test]
fn the_platform_marks_a_listing_transferred_on_a_registered_contract() {
    let mut s = in_status(ListingStatus::Published, false);
    s.ok(
        Actor::system(),
        ListingAction::MarkTransferred {
            contract_id: Uuid::from_u128(7),
        },
    );
    assert_eq!(s.listing().status, ListingStatus::Transferred);
}

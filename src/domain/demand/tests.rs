use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::calendar::china_date;
use crate::domain::reference::sample;
use crate::domain::{Actor, Command, DomainError, Recorded, Role};

// ---------------------------------------------------------------------------------------------
// Cast: the owner is an enterprise; its colleague works at the same company, so "same
// organization" and "owner" stay distinguishable. Researchers apply to open calls.

const COMPANY: Uuid = Uuid::from_u128(0x0C1);
const OTHER_COMPANY: Uuid = Uuid::from_u128(0x0C2);
const LAB: Uuid = Uuid::from_u128(0x1AB);
const UNIVERSITY: Uuid = Uuid::from_u128(0x0A1);
const AGENCY: Uuid = Uuid::from_u128(0x0B1);
const LISTING: Uuid = Uuid::from_u128(0x11);
const APP1: Uuid = Uuid::from_u128(0xA1);
const APP2: Uuid = Uuid::from_u128(0xA2);
const APP3: Uuid = Uuid::from_u128(0xA3);

fn person(n: u128, role: Role, organization_id: Option<Uuid>) -> Actor {
    Actor {
        user_id: Uuid::from_u128(n),
        role,
        organization_id,
    }
}
fn owner() -> Actor {
    person(1, Role::Enterprise, Some(COMPANY))
}
fn colleague() -> Actor {
    person(2, Role::Enterprise, Some(COMPANY))
}
fn other_enterprise() -> Actor {
    person(3, Role::Enterprise, Some(OTHER_COMPANY))
}
fn researcher() -> Actor {
    person(4, Role::Researcher, Some(LAB))
}
fn other_researcher() -> Actor {
    person(5, Role::Researcher, Some(UNIVERSITY))
}
fn tech_manager() -> Actor {
    person(6, Role::TechManager, Some(AGENCY))
}
fn institution_admin() -> Actor {
    person(7, Role::InstitutionAdmin, Some(UNIVERSITY))
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
fn system() -> Actor {
    Actor::system()
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("owner", owner()),
        ("colleague", colleague()),
        ("other_enterprise", other_enterprise()),
        ("researcher", researcher()),
        ("other_researcher", other_researcher()),
        ("tech_manager", tech_manager()),
        ("institution_admin", institution_admin()),
        ("provider", provider()),
        ("registrar", registrar()),
        ("statistician", statistician()),
        ("platform_admin", platform_admin()),
        ("system", system()),
    ]
}

fn everyone_but(allowed: &[&str]) -> Vec<(&'static str, Actor)> {
    everyone()
        .into_iter()
        .filter(|(name, _)| !allowed.contains(name))
        .collect()
}

/// 2026-06-01 09:00 in China.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap()
}

fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    china_date(t0())
}

/// The last instant of 2026-12-31 in China, and the first of 2027-01-01.
const LAST_VALID_INSTANT: &str = "2026-12-31T15:59:59Z";
const FIRST_EXPIRED_INSTANT: &str = "2026-12-31T16:00:00Z";
/// The same around the open call deadline 2026-11-30.
const LAST_DEADLINE_INSTANT: &str = "2026-11-30T15:59:59Z";
const FIRST_LATE_INSTANT: &str = "2026-11-30T16:00:00Z";

const MAX_FEN: i64 = 1_000_000_000_000_000;

fn trl(n: i64) -> Trl {
    Trl::parse("trl", n).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Inputs

fn input() -> DemandInput {
    DemandInput {
        kind: DemandKind::TechnicalProblem,
        title: "  Low-temperature performance of sodium batteries ".into(),
        description: " 钠离子电池在零下20度容量衰减严重，寻求解决方案。 ".into(),
        field: "new_energy".into(),
        keywords: vec!["sodium battery".into(), " low temperature ".into()],
        budget_min_fen: Some(50_000_000),
        budget_max_fen: Some(200_000_000),
        cooperation_modes: vec![
            CooperationMode::CommissionedDevelopment,
            CooperationMode::License,
        ],
        region: "500112".into(),
        valid_until: date(2026, 12, 31),
        trl_min: Some(4),
        open_call: None,
    }
}

fn terms_input() -> OpenCallInput {
    OpenCallInput {
        bounty_fen: 300_000_000,
        deadline: date(2026, 11, 30),
        acceptance_criteria: " Capacity retention ≥ 85% at −20 °C over 500 cycles. ".into(),
    }
}

fn call_input() -> DemandInput {
    DemandInput {
        kind: DemandKind::OpenCall,
        open_call: Some(terms_input()),
        ..input()
    }
}

fn input_of(kind: DemandKind) -> DemandInput {
    match kind {
        DemandKind::OpenCall => call_input(),
        kind => DemandInput { kind, ..input() },
    }
}

fn parse(input: DemandInput) -> Result<DemandContent, DomainError> {
    DemandContent::parse(input, &sample(), today())
}

fn content(kind: DemandKind) -> DemandContent {
    parse(input_of(kind)).unwrap()
}

fn terms() -> OpenCallTerms {
    content(DemandKind::OpenCall).open_call.unwrap()
}

fn invalid(input: DemandInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

// ---------------------------------------------------------------------------------------------
// Stories: a sequence of commands folded through handle_command and apply_event.

struct Story {
    state: DemandState,
    now: DateTime<Utc>,
}

impl Story {
    fn new() -> Self {
        Story {
            state: DemandState::default(),
            now: t0(),
        }
    }

    fn at(&mut self, rfc3339: &str) -> &mut Self {
        self.now = utc(rfc3339);
        self
    }

    fn try_run(
        &mut self,
        actor: Actor,
        action: DemandAction,
    ) -> Result<Vec<Recorded<DemandEvent>>, DomainError> {
        let events = Demand::handle_command(&self.state, Command::new(actor, self.now, action))?;
        for recorded in events.iter().cloned() {
            self.state = Demand::apply_event(std::mem::take(&mut self.state), recorded);
        }
        self.now += TimeDelta::hours(1);
        Ok(events)
    }

    /// Runs an accepted command and returns all its events, checking who and when.
    fn ok_all(&mut self, actor: Actor, action: DemandAction) -> Vec<DemandEvent> {
        let at = self.now;
        let events = self
            .try_run(actor, action)
            .unwrap_or_else(|e| panic!("refused: {e:?}"));
        events
            .into_iter()
            .map(|recorded| {
                assert_eq!((recorded.actor, recorded.at), (actor, at));
                recorded.event
            })
            .collect()
    }

    /// Runs an accepted command and returns its single event.
    fn ok(&mut self, actor: Actor, action: DemandAction) -> DemandEvent {
        let mut events = self.ok_all(actor, action);
        assert_eq!(events.len(), 1, "one command, one event");
        events.remove(0)
    }

    /// Runs a command that must be refused and leave the state as it was.
    fn refused(&mut self, actor: Actor, action: DemandAction) -> DomainError {
        let before = self.state.clone();
        let err = self
            .try_run(actor, action)
            .expect_err("command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        err
    }

    fn demand(&self) -> &DemandData {
        self.state.demand.as_ref().expect("the demand exists")
    }

    fn status(&self) -> DemandStatus {
        self.demand().status
    }
}

fn close(reason: CloseReason) -> DemandAction {
    DemandAction::Close { reason, note: None }
}

fn apply(application_id: Uuid, proposal: &str) -> DemandAction {
    DemandAction::Apply {
        application_id,
        proposal: proposal.into(),
        listing_id: None,
    }
}

fn select(application_id: Uuid) -> DemandAction {
    DemandAction::SelectWinner { application_id }
}

fn draft_of(content: DemandContent) -> Story {
    let mut s = Story::new();
    s.ok(owner(), DemandAction::Create(content));
    s
}

fn in_status(status: DemandStatus, kind: DemandKind) -> Story {
    let mut s = draft_of(content(kind));
    match status {
        DemandStatus::Draft => {}
        DemandStatus::Published => {
            s.ok(owner(), DemandAction::Publish);
        }
        DemandStatus::Closed => {
            s.ok(owner(), DemandAction::Publish);
            s.ok(owner(), close(CloseReason::Cancelled));
        }
    }
    assert_eq!(s.status(), status);
    s
}

/// A demand closed for `reason`, each the way it really happens.
fn closed_by(reason: CloseReason) -> Story {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    match reason {
        CloseReason::Expired => {
            s.at(FIRST_EXPIRED_INSTANT)
                .ok(system(), DemandAction::Expire);
        }
        reason => {
            s.ok(owner(), close(reason));
        }
    }
    assert_eq!(
        (s.status(), s.demand().close_reason),
        (DemandStatus::Closed, Some(reason))
    );
    s
}

/// A published open call with one application, by `researcher()`.
fn with_application() -> Story {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    s.ok(researcher(), apply(APP1, "We have a -30 °C electrolyte."));
    s
}

fn every_action_but_create() -> Vec<DemandAction> {
    vec![
        DemandAction::Revise(content(DemandKind::Scene)),
        DemandAction::Publish,
        close(CloseReason::Cancelled),
        DemandAction::Expire,
        apply(APP1, "p"),
        select(APP1),
    ]
}

// =============================================================================================
// DemandContent::parse

#[test]
fn parse_accepts_a_valid_input_trimming_text() {
    let c = content(DemandKind::TechnicalProblem);
    assert_eq!(c.kind, DemandKind::TechnicalProblem);
    assert_eq!(
        c.title.as_str(),
        "Low-temperature performance of sodium batteries"
    );
    assert_eq!(
        c.description,
        "钠离子电池在零下20度容量衰减严重，寻求解决方案。"
    );
    assert_eq!(c.field.as_str(), "new_energy");
    assert_eq!(c.keywords, vec!["sodium battery", "low temperature"]);
    assert_eq!(
        (c.budget_min_fen, c.budget_max_fen),
        (Some(50_000_000), Some(200_000_000))
    );
    assert_eq!(
        c.cooperation_modes,
        vec![
            CooperationMode::CommissionedDevelopment,
            CooperationMode::License
        ]
    );
    assert_eq!(c.region.as_str(), "500112");
    assert_eq!(c.valid_until, date(2026, 12, 31));
    assert_eq!(c.trl_min, Some(trl(4)));
    assert_eq!(c.open_call, None);
}

#[test]
fn parse_accepts_an_open_call_with_trimmed_terms() {
    let c = content(DemandKind::OpenCall);
    assert_eq!(c.kind, DemandKind::OpenCall);
    assert_eq!(
        c.open_call,
        Some(OpenCallTerms {
            bounty_fen: 300_000_000,
            deadline: date(2026, 11, 30),
            acceptance_criteria: "Capacity retention ≥ 85% at −20 °C over 500 cycles.".into(),
        })
    );
    assert_eq!(content(DemandKind::Scene).kind, DemandKind::Scene);
    assert_eq!(content(DemandKind::Scene).open_call, None);
}

#[test]
fn parse_accepts_minimal_input_without_optional_parts() {
    let c = parse(DemandInput {
        keywords: vec![],
        budget_min_fen: None,
        budget_max_fen: None,
        cooperation_modes: vec![CooperationMode::TechnicalService],
        trl_min: None,
        ..input()
    })
    .unwrap();
    assert!(c.keywords.is_empty());
    assert_eq!((c.budget_min_fen, c.budget_max_fen), (None, None));
    assert_eq!(c.cooperation_modes, vec![CooperationMode::TechnicalService]);
    assert_eq!(c.trl_min, None);
}

#[test]
fn parse_collects_every_error_with_its_field_path() {
    let mut i = call_input();
    i.title = " ".into();
    i.description = "".into();
    i.field = "alchemy".into();
    i.keywords = vec!["ok".into(), "ok".into()];
    i.budget_min_fen = Some(-1);
    i.budget_max_fen = Some(MAX_FEN + 1);
    i.cooperation_modes = vec![];
    i.region = "999999".into();
    i.valid_until = date(2026, 5, 31);
    i.trl_min = Some(0);
    i.open_call = Some(OpenCallInput {
        bounty_fen: 0,
        deadline: date(2026, 5, 1),
        acceptance_criteria: "\n".into(),
    });
    assert_eq!(
        invalid(i),
        vec![
            "title",
            "description",
            "field",
            "keywords[1]",
            "budget_min_fen",
            "budget_max_fen",
            "cooperation_modes",
            "region",
            "valid_until",
            "trl_min",
            "open_call.bounty_fen",
            "open_call.deadline",
            "open_call.acceptance_criteria",
        ]
    );
}

#[test]
fn title_is_required_single_line_and_at_most_200_characters() {
    for bad in ["".to_string(), "a\nb".to_string(), "标".repeat(201)] {
        assert_eq!(
            invalid(DemandInput {
                title: bad.clone(),
                ..input()
            }),
            vec!["title"],
            "{bad:?}"
        );
    }
    assert_eq!(
        parse(DemandInput {
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
fn description_is_required_multiline_and_at_most_5000_characters() {
    for bad in [
        "  \n ".to_string(),
        "述".repeat(5001),
        "bell\u{7}".to_string(),
    ] {
        assert_eq!(
            invalid(DemandInput {
                description: bad,
                ..input()
            }),
            vec!["description"]
        );
    }
    assert_eq!(
        parse(DemandInput {
            description: "第一段\n第二段".into(),
            ..input()
        })
        .unwrap()
        .description,
        "第一段\n第二段"
    );
    assert_eq!(
        parse(DemandInput {
            description: "述".repeat(5000),
            ..input()
        })
        .unwrap()
        .description
        .chars()
        .count(),
        5000
    );
}

#[test]
fn field_and_region_must_be_known_codes() {
    let err = parse(DemandInput {
        field: "alchemy".into(),
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["field"]);
    assert!(message_of(&err, "field").contains("alchemy"));
    for bad in ["999999", "CN", "de", ""] {
        assert_eq!(
            invalid(DemandInput {
                region: bad.into(),
                ..input()
            }),
            vec!["region"],
            "{bad}"
        );
    }
    let c = parse(DemandInput {
        region: "DE".into(),
        field: "electronic_information".into(),
        ..input()
    })
    .unwrap();
    assert_eq!(
        (c.region.as_str(), c.field.as_str()),
        ("DE", "electronic_information")
    );
}

#[test]
fn keywords_are_at_most_20_each_single_line_1_to_40_characters_without_repeats() {
    let many: Vec<String> = (0..21).map(|n| format!("kw{n}")).collect();
    assert_eq!(
        invalid(DemandInput {
            keywords: many.clone(),
            ..input()
        }),
        vec!["keywords"]
    );
    assert_eq!(
        parse(DemandInput {
            keywords: many[..20].to_vec(),
            ..input()
        })
        .unwrap()
        .keywords
        .len(),
        20
    );
    assert_eq!(
        invalid(DemandInput {
            keywords: vec!["ok".into(), "".into(), "a\nb".into(), "k".repeat(41)],
            ..input()
        }),
        vec!["keywords[1]", "keywords[2]", "keywords[3]"]
    );
    assert_eq!(
        parse(DemandInput {
            keywords: vec!["词".repeat(40)],
            ..input()
        })
        .unwrap()
        .keywords,
        vec!["词".repeat(40)]
    );
    let err = parse(DemandInput {
        keywords: vec!["电池".into(), "材料".into(), " 电池 ".into()],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["keywords[2]"]);
    assert!(message_of(&err, "keywords[2]").contains("repeats"));
    // Only exact repeats count: case differs, so both stay.
    assert_eq!(
        parse(DemandInput {
            keywords: vec!["AI".into(), "ai".into()],
            ..input()
        })
        .unwrap()
        .keywords,
        vec!["AI", "ai"]
    );
}

#[test]
fn budgets_are_optional_within_range_and_ordered() {
    let budget = |min: Option<i64>, max: Option<i64>| DemandInput {
        budget_min_fen: min,
        budget_max_fen: max,
        ..input()
    };
    assert_eq!(invalid(budget(Some(-1), None)), vec!["budget_min_fen"]);
    assert_eq!(invalid(budget(None, Some(-1))), vec!["budget_max_fen"]);
    assert_eq!(
        invalid(budget(Some(MAX_FEN + 1), None)),
        vec!["budget_min_fen"]
    );
    assert_eq!(
        invalid(budget(None, Some(i64::MAX))),
        vec!["budget_max_fen"]
    );
    let err = parse(budget(Some(200), Some(100))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["budget_max_fen"]);
    assert!(message_of(&err, "budget_max_fen").contains("budget_min_fen"));
    // An amount out of range is not compared as well: that would only repeat the error.
    assert_eq!(
        invalid(budget(Some(MAX_FEN + 1), Some(5))),
        vec!["budget_min_fen"]
    );
    for (min, max) in [
        (Some(0), Some(0)),
        (Some(0), Some(MAX_FEN)),
        (Some(MAX_FEN), Some(MAX_FEN)),
        (Some(100), None),
        (None, Some(100)),
        (None, None),
    ] {
        let c = parse(budget(min, max)).unwrap();
        assert_eq!((c.budget_min_fen, c.budget_max_fen), (min, max));
    }
}

#[test]
fn cooperation_modes_are_required_and_not_repeated() {
    let err = parse(DemandInput {
        cooperation_modes: vec![],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["cooperation_modes"]);
    assert!(message_of(&err, "cooperation_modes").contains("at least one"));
    assert_eq!(
        invalid(DemandInput {
            cooperation_modes: vec![
                CooperationMode::License,
                CooperationMode::Assignment,
                CooperationMode::License,
                CooperationMode::Assignment,
            ],
            ..input()
        }),
        vec!["cooperation_modes[2]", "cooperation_modes[3]"]
    );
    assert_eq!(
        parse(DemandInput {
            cooperation_modes: CooperationMode::ALL.to_vec(),
            ..input()
        })
        .unwrap()
        .cooperation_modes,
        CooperationMode::ALL.to_vec()
    );
}

#[test]
fn valid_until_may_be_today_in_china_but_not_earlier() {
    let until = |d: NaiveDate| DemandInput {
        valid_until: d,
        ..input()
    };
    assert_eq!(parse(until(today())).unwrap().valid_until, today());
    let err = parse(until(date(2026, 5, 31))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["valid_until"]);
    assert!(message_of(&err, "valid_until").contains("2026-06-01"));
    // The request's date is the China date: 15:59:59 UTC is still 12-31 there, 16:00 is not.
    let refs = sample();
    let last = china_date(utc(LAST_VALID_INSTANT));
    let first = china_date(utc(FIRST_EXPIRED_INSTANT));
    let year_end = DemandInput {
        open_call: None,
        ..until(date(2026, 12, 31))
    };
    assert!(DemandContent::parse(year_end.clone(), &refs, last).is_ok());
    assert_eq!(
        fields(DemandContent::parse(year_end, &refs, first).unwrap_err()),
        vec!["valid_until"]
    );
}

#[test]
fn trl_min_is_optional_and_1_to_9() {
    for bad in [0, 10, -1, i64::MAX, i64::MIN, 256 + 4] {
        assert_eq!(
            invalid(DemandInput {
                trl_min: Some(bad),
                ..input()
            }),
            vec!["trl_min"],
            "trl_min {bad}"
        );
    }
    for good in 1..=9 {
        assert_eq!(
            parse(DemandInput {
                trl_min: Some(good),
                ..input()
            })
            .unwrap()
            .trl_min,
            Some(trl(good))
        );
    }
}

#[test]
fn open_call_terms_are_required_for_an_open_call_and_only_for_one() {
    let err = parse(DemandInput {
        open_call: None,
        ..call_input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["open_call"]);
    assert!(message_of(&err, "open_call").contains("required for open_call"));
    for kind in [DemandKind::TechnicalProblem, DemandKind::Scene] {
        let err = parse(DemandInput {
            kind,
            ..call_input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["open_call"], "{kind}");
        assert!(message_of(&err, "open_call").contains("only for open_call"));
    }
    // Terms given to the wrong kind are not validated further: the whole object is wrong.
    assert_eq!(
        invalid(DemandInput {
            kind: DemandKind::Scene,
            open_call: Some(OpenCallInput {
                bounty_fen: -5,
                ..terms_input()
            }),
            ..input()
        }),
        vec!["open_call"]
    );
}

#[test]
fn the_bounty_is_more_than_zero_and_at_most_the_maximum() {
    let bounty = |bounty_fen: i64| DemandInput {
        open_call: Some(OpenCallInput {
            bounty_fen,
            ..terms_input()
        }),
        ..call_input()
    };
    for bad in [0, -1, MAX_FEN + 1, i64::MIN] {
        assert_eq!(invalid(bounty(bad)), vec!["open_call.bounty_fen"], "{bad}");
    }
    for good in [1, MAX_FEN] {
        assert_eq!(
            parse(bounty(good)).unwrap().open_call.unwrap().bounty_fen,
            good
        );
    }
}

#[test]
fn the_deadline_lies_between_today_and_valid_until_inclusive() {
    let deadline = |d: NaiveDate| DemandInput {
        open_call: Some(OpenCallInput {
            deadline: d,
            ..terms_input()
        }),
        ..call_input()
    };
    for good in [today(), date(2026, 12, 31)] {
        assert_eq!(
            parse(deadline(good)).unwrap().open_call.unwrap().deadline,
            good
        );
    }
    let err = parse(deadline(date(2027, 1, 1))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["open_call.deadline"]);
    assert!(message_of(&err, "open_call.deadline").contains("valid_until"));
    let err = parse(deadline(date(2026, 5, 31))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["open_call.deadline"]);
    assert!(message_of(&err, "open_call.deadline").contains("today"));
    // On the China date boundary.
    let refs = sample();
    let on_deadline = deadline(date(2026, 11, 30));
    assert!(DemandContent::parse(
        on_deadline.clone(),
        &refs,
        china_date(utc(LAST_DEADLINE_INSTANT))
    )
    .is_ok());
    assert_eq!(
        fields(
            DemandContent::parse(on_deadline, &refs, china_date(utc(FIRST_LATE_INSTANT)))
                .unwrap_err()
        ),
        vec!["open_call.deadline"]
    );
}

#[test]
fn acceptance_criteria_are_required_and_at_most_5000_characters() {
    let criteria = |text: String| DemandInput {
        open_call: Some(OpenCallInput {
            acceptance_criteria: text,
            ..terms_input()
        }),
        ..call_input()
    };
    for bad in [" ".to_string(), "准".repeat(5001), "nul\u{0}".to_string()] {
        assert_eq!(
            invalid(criteria(bad)),
            vec!["open_call.acceptance_criteria"]
        );
    }
    assert_eq!(
        parse(criteria("准".repeat(5000)))
            .unwrap()
            .open_call
            .unwrap()
            .acceptance_criteria
            .chars()
            .count(),
        5000
    );
}

#[test]
fn input_deserializes_with_defaults_dates_as_iso_strings_and_refuses_unknown_fields() {
    let body = json!({
        "kind": "open_call", "title": "T", "description": "D", "field": "new_materials",
        "cooperation_modes": ["joint_development", "equity_investment"],
        "region": "500106", "valid_until": "2026-12-31",
        "open_call": {"bounty_fen": 100, "deadline": "2026-09-30", "acceptance_criteria": "A"}
    });
    let i: DemandInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(i.kind, DemandKind::OpenCall);
    assert!(i.keywords.is_empty());
    assert_eq!(
        (i.budget_min_fen, i.budget_max_fen, i.trl_min),
        (None, None, None)
    );
    assert_eq!(i.valid_until, date(2026, 12, 31));
    assert_eq!(
        i.open_call,
        Some(OpenCallInput {
            bounty_fen: 100,
            deadline: date(2026, 9, 30),
            acceptance_criteria: "A".into()
        })
    );
    assert_eq!(
        i.cooperation_modes,
        vec![
            CooperationMode::JointDevelopment,
            CooperationMode::EquityInvestment
        ]
    );
    let c = parse(i.clone()).unwrap();
    assert_eq!(c.open_call.unwrap().deadline, date(2026, 9, 30));
    // Serialized back, dates are plain ISO dates.
    let back = serde_json::to_value(&i).unwrap();
    assert_eq!(back["valid_until"], "2026-12-31");
    assert_eq!(back["open_call"]["deadline"], "2026-09-30");

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<DemandInput>(b)
    };
    assert!(with("/kind", json!("technical_problem")).is_ok());
    assert!(with("/kind", json!("scene")).is_ok());
    assert!(with("/kind", json!("wish")).is_err());
    assert!(with("/cooperation_modes", json!(["gift"])).is_err());
    assert!(with("/valid_until", json!("2026-12-31T00:00:00Z")).is_err());
    assert!(with("/valid_until", json!("31/12/2026")).is_err());
    assert!(with("/valid_until", json!("2026-02-30")).is_err());
    assert!(with("/open_call/deadline", json!("tomorrow")).is_err());
    assert!(with("/open_call/bounty_fen", json!(1.5)).is_err());
    assert!(with("/open_call", json!(null)).unwrap().open_call.is_none());
    assert!(with(
        "/open_call",
        json!({"bounty_fen": 1, "deadline": "2026-07-01", "acceptance_criteria": "x", "extra": 1})
    )
    .is_err());
    let mut unknown = body.clone();
    unknown["status"] = json!("published");
    assert!(serde_json::from_value::<DemandInput>(unknown).is_err());
    let mut full = body;
    full["keywords"] = json!(["a"]);
    full["budget_min_fen"] = json!(1);
    full["budget_max_fen"] = json!(2);
    full["trl_min"] = json!(6);
    let i: DemandInput = serde_json::from_value(full).unwrap();
    assert_eq!(
        (i.keywords, i.budget_min_fen, i.budget_max_fen, i.trl_min),
        (vec!["a".to_string()], Some(1), Some(2), Some(6))
    );
}

// =============================================================================================
// Existence

#[test]
fn every_action_but_create_needs_an_existing_demand() {
    for action in every_action_but_create() {
        let mut s = Story::new();
        assert_eq!(
            s.refused(owner(), action.clone()),
            DomainError::NotFound,
            "{action:?}"
        );
        assert_eq!(s.state.demand, None);
    }
}

#[test]
fn applying_anything_but_created_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: owner(),
            at: t0(),
            event,
        };
        assert_eq!(
            Demand::apply_event(DemandState::default(), recorded).demand,
            None
        );
    }
}

// =============================================================================================
// Create

#[test]
fn an_enterprise_creates_a_draft_owned_by_them_and_their_organization() {
    let mut s = Story::new();
    let events = s
        .try_run(owner(), DemandAction::Create(content(DemandKind::OpenCall)))
        .unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: owner(),
            at: t0(),
            event: DemandEvent::Created {
                owner_id: owner().user_id,
                owner_organization_id: Some(COMPANY),
                content: content(DemandKind::OpenCall),
            },
        }]
    );
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Draft);
    assert_eq!(
        (d.owner_id, d.owner_organization_id),
        (owner().user_id, Some(COMPANY))
    );
    assert_eq!(d.content, content(DemandKind::OpenCall));
    assert_eq!((d.created_at, d.updated_at), (t0(), t0()));
    assert_eq!((d.published_at, d.closed_at), (None, None));
    assert_eq!((d.close_reason, d.close_note.as_ref()), (None, None));
    assert!(d.applications.is_empty());
    assert_eq!(d.winner, None);
}

#[test]
fn an_enterprise_without_organization_may_create() {
    let loner = person(50, Role::Enterprise, None);
    let mut s = Story::new();
    s.ok(loner, DemandAction::Create(content(DemandKind::Scene)));
    assert_eq!(
        (s.demand().owner_id, s.demand().owner_organization_id),
        (loner.user_id, None)
    );
}

#[test]
fn only_enterprises_create() {
    for (who, actor) in everyone_but(&["owner", "colleague", "other_enterprise"]) {
        let err = Story::new().refused(
            actor,
            DemandAction::Create(content(DemandKind::TechnicalProblem)),
        );
        assert_forbidden(err, who);
    }
}

#[test]
fn create_on_an_existing_demand_conflicts() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::Scene);
    for actor in [owner(), colleague(), researcher()] {
        assert_conflict(
            s.refused(actor, DemandAction::Create(content(DemandKind::Scene))),
            "already exists",
        );
    }
}

/// Content that bypassed `parse`, each breaking one rule between fields.
fn hand_built_breaches() -> Vec<(DemandContent, &'static str)> {
    vec![
        (
            DemandContent {
                open_call: Some(terms()),
                ..content(DemandKind::Scene)
            },
            "open_call",
        ),
        (
            DemandContent {
                open_call: None,
                ..content(DemandKind::OpenCall)
            },
            "open_call",
        ),
        (
            DemandContent {
                open_call: Some(OpenCallTerms {
                    deadline: date(2027, 1, 1),
                    ..terms()
                }),
                ..content(DemandKind::OpenCall)
            },
            "open_call.deadline",
        ),
        (
            DemandContent {
                budget_min_fen: Some(10),
                budget_max_fen: Some(9),
                ..content(DemandKind::Scene)
            },
            "budget_max_fen",
        ),
    ]
}

#[test]
fn create_and_revise_recheck_the_rules_between_fields_on_hand_built_content() {
    for (bad, field) in hand_built_breaches() {
        assert_eq!(
            fields(Story::new().refused(owner(), DemandAction::Create(bad.clone()))),
            vec![field]
        );
        let mut s = in_status(DemandStatus::Draft, bad.kind);
        assert_eq!(
            fields(s.refused(owner(), DemandAction::Revise(bad))),
            vec![field]
        );
    }
}

// =============================================================================================
// Revise

#[test]
fn the_owner_revises_a_draft_even_its_kind() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::TechnicalProblem);
    let revised = parse(DemandInput {
        title: "New title".into(),
        valid_until: date(2027, 3, 31),
        ..call_input()
    })
    .unwrap();
    let at = s.now;
    assert_eq!(
        s.ok(owner(), DemandAction::Revise(revised.clone())),
        DemandEvent::Revised {
            content: revised.clone()
        }
    );
    let d = s.demand();
    assert_eq!(d.content, revised);
    assert_eq!(d.content.kind, DemandKind::OpenCall);
    assert_eq!(d.status, DemandStatus::Draft);
    assert_eq!((d.created_at, d.updated_at), (t0(), at));
}

#[test]
fn the_owner_revises_a_published_demand_which_stays_published() {
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    let published_at = s.demand().published_at;
    let revised = parse(DemandInput {
        budget_max_fen: Some(900_000_000),
        valid_until: date(2027, 6, 30),
        ..input_of(DemandKind::Scene)
    })
    .unwrap();
    s.ok(owner(), DemandAction::Revise(revised.clone()));
    assert_eq!(s.status(), DemandStatus::Published);
    assert_eq!(s.demand().content, revised);
    assert_eq!(s.demand().published_at, published_at);
}

#[test]
fn revising_with_identical_content_is_allowed() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    assert_eq!(
        s.ok(owner(), DemandAction::Revise(content(DemandKind::OpenCall))),
        DemandEvent::Revised {
            content: content(DemandKind::OpenCall)
        }
    );
}

#[test]
fn only_the_owner_revises() {
    for status in [DemandStatus::Draft, DemandStatus::Published] {
        for (who, actor) in everyone_but(&["owner"]) {
            let err = in_status(status, DemandKind::Scene)
                .refused(actor, DemandAction::Revise(content(DemandKind::Scene)));
            assert_forbidden(err, who);
        }
    }
}

#[test]
fn a_closed_demand_cannot_be_revised() {
    for reason in CloseReason::ALL {
        let err =
            closed_by(reason).refused(owner(), DemandAction::Revise(content(DemandKind::OpenCall)));
        assert_conflict(err, "closed");
    }
}

#[test]
fn the_kind_of_a_published_demand_cannot_change() {
    for (from, to) in [
        (DemandKind::TechnicalProblem, DemandKind::Scene),
        (DemandKind::Scene, DemandKind::OpenCall),
        (DemandKind::OpenCall, DemandKind::TechnicalProblem),
    ] {
        let err = in_status(DemandStatus::Published, from)
            .refused(owner(), DemandAction::Revise(content(to)));
        assert_eq!(
            err,
            DomainError::conflict("the kind of a published demand cannot change"),
            "{from} → {to}"
        );
    }
}

#[test]
fn the_terms_of_an_open_call_with_applications_cannot_change() {
    let changed_terms = |change: fn(&mut OpenCallTerms)| {
        let mut c = content(DemandKind::OpenCall);
        change(c.open_call.as_mut().unwrap());
        c
    };
    let changes: [fn(&mut OpenCallTerms); 3] = [
        |t| t.bounty_fen += 1,
        |t| t.deadline = date(2026, 12, 1),
        |t| t.acceptance_criteria.push_str(" And cheap."),
    ];
    for change in changes {
        let revised = changed_terms(change);
        let err = with_application().refused(owner(), DemandAction::Revise(revised.clone()));
        assert_conflict(err, "open call that has applications");
        // Without applications the same change is fine.
        let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
        s.ok(owner(), DemandAction::Revise(revised.clone()));
        assert_eq!(s.demand().content.open_call, revised.open_call);
    }
    // Everything else may still change once applications are in.
    let mut s = with_application();
    let revised = DemandContent {
        description: "更详细的描述".into(),
        valid_until: date(2027, 1, 31),
        ..content(DemandKind::OpenCall)
    };
    s.ok(owner(), DemandAction::Revise(revised.clone()));
    assert_eq!(s.demand().content, revised);
    assert_eq!(s.demand().applications.len(), 1);
}

#[test]
fn revise_checks_the_actor_then_the_status_then_the_content() {
    let (bad, _) = hand_built_breaches().remove(0);
    let mut s = closed_by(CloseReason::Cancelled);
    assert_forbidden(
        s.refused(colleague(), DemandAction::Revise(bad.clone())),
        "colleague",
    );
    assert_conflict(s.refused(owner(), DemandAction::Revise(bad)), "closed");
}

// =============================================================================================
// Publish

#[test]
fn the_owner_publishes_a_draft() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::OpenCall);
    let at = s.now;
    assert_eq!(s.ok(owner(), DemandAction::Publish), DemandEvent::Published);
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Published);
    assert_eq!((d.published_at, d.updated_at), (Some(at), at));
    assert_eq!(d.closed_at, None);
}

#[test]
fn only_the_owner_publishes() {
    for (who, actor) in everyone_but(&["owner"]) {
        assert_forbidden(
            in_status(DemandStatus::Draft, DemandKind::Scene).refused(actor, DemandAction::Publish),
            who,
        );
    }
}

#[test]
fn publish_outside_draft_conflicts() {
    for status in [DemandStatus::Published, DemandStatus::Closed] {
        let err = in_status(status, DemandKind::Scene).refused(owner(), DemandAction::Publish);
        assert_conflict(err, status.as_str());
    }
}

#[test]
fn a_draft_is_published_through_its_last_valid_day_in_china_and_not_after() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::TechnicalProblem);
    let err = s
        .at(FIRST_EXPIRED_INSTANT)
        .refused(owner(), DemandAction::Publish);
    assert_conflict(err, "2026-12-31");
    assert_eq!(s.status(), DemandStatus::Draft);
    s.at(LAST_VALID_INSTANT).ok(owner(), DemandAction::Publish);
    assert_eq!(
        (s.status(), s.demand().published_at),
        (DemandStatus::Published, Some(utc(LAST_VALID_INSTANT)))
    );
}

#[test]
fn an_open_call_is_published_through_its_deadline_day_in_china_and_not_after() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::OpenCall);
    let err = s
        .at(FIRST_LATE_INSTANT)
        .refused(owner(), DemandAction::Publish);
    assert_conflict(err, "deadline");
    s.at(LAST_DEADLINE_INSTANT)
        .ok(owner(), DemandAction::Publish);
    assert_eq!(s.status(), DemandStatus::Published);
}

// =============================================================================================
// Close

#[test]
fn the_owner_cancels_a_draft_with_a_trimmed_note() {
    let mut s = in_status(DemandStatus::Draft, DemandKind::Scene);
    let at = s.now;
    assert_eq!(
        s.ok(
            owner(),
            DemandAction::Close {
                reason: CloseReason::Cancelled,
                note: Some("  budget withdrawn ".into()),
            }
        ),
        DemandEvent::Closed {
            reason: CloseReason::Cancelled,
            note: Some("budget withdrawn".into())
        }
    );
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Cancelled));
    assert_eq!(d.close_note.as_deref(), Some("budget withdrawn"));
    assert_eq!((d.closed_at, d.updated_at), (Some(at), at));
    assert_eq!(d.published_at, None);
}

#[test]
fn the_owner_closes_a_published_demand_as_fulfilled_or_cancelled() {
    for kind in DemandKind::ALL {
        for reason in [CloseReason::Fulfilled, CloseReason::Cancelled] {
            let mut s = in_status(DemandStatus::Published, kind);
            let at = s.now;
            assert_eq!(
                s.ok(owner(), close(reason)),
                DemandEvent::Closed { reason, note: None }
            );
            let d = s.demand();
            assert_eq!(
                (d.status, d.close_reason, d.close_note.as_ref(), d.closed_at),
                (DemandStatus::Closed, Some(reason), None, Some(at)),
                "{kind} {reason}"
            );
        }
    }
}

#[test]
fn a_draft_cannot_be_fulfilled() {
    let err = in_status(DemandStatus::Draft, DemandKind::Scene)
        .refused(owner(), close(CloseReason::Fulfilled));
    assert_conflict(err, "draft");
}

#[test]
fn a_closed_demand_cannot_be_closed_again() {
    for already in CloseReason::ALL {
        for reason in CloseReason::ALL {
            let err = closed_by(already).refused(owner(), close(reason));
            assert_conflict(err, "already closed");
        }
    }
}

#[test]
fn nobody_closes_a_demand_as_expired() {
    for status in [DemandStatus::Draft, DemandStatus::Published] {
        let err =
            in_status(status, DemandKind::Scene).refused(owner(), close(CloseReason::Expired));
        assert_eq!(fields(err.clone()), vec!["reason"]);
        assert_eq!(message_of(&err, "reason"), "expiry happens by itself");
    }
}

#[test]
fn a_close_note_is_optional_and_at_most_500_characters() {
    let note = |n: Option<String>| DemandAction::Close {
        reason: CloseReason::Fulfilled,
        note: n,
    };
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    assert_eq!(
        fields(s.refused(owner(), note(Some("因".repeat(501))))),
        vec!["note"]
    );
    assert_eq!(
        fields(s.refused(owner(), note(Some("bell\u{7}".into())))),
        vec!["note"]
    );
    // Both problems of the payload at once.
    assert_eq!(
        fields(s.refused(
            owner(),
            DemandAction::Close {
                reason: CloseReason::Expired,
                note: Some("因".repeat(501))
            }
        )),
        vec!["reason", "note"]
    );
    assert_eq!(
        s.ok(owner(), note(Some(" \n ".into()))),
        DemandEvent::Closed {
            reason: CloseReason::Fulfilled,
            note: None
        }
    );
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    s.ok(owner(), note(Some("因".repeat(500))));
    assert_eq!(
        s.demand().close_note.as_ref().map(|n| n.chars().count()),
        Some(500)
    );
}

#[test]
fn only_the_owner_closes() {
    for status in [DemandStatus::Draft, DemandStatus::Published] {
        for (who, actor) in everyone_but(&["owner"]) {
            let err =
                in_status(status, DemandKind::Scene).refused(actor, close(CloseReason::Cancelled));
            assert_forbidden(err, who);
        }
    }
}

// =============================================================================================
// Expire

#[test]
fn the_system_expires_a_published_demand_once_its_last_day_is_over_in_china() {
    let mut s = in_status(DemandStatus::Published, DemandKind::TechnicalProblem);
    let err = s
        .at(LAST_VALID_INSTANT)
        .refused(system(), DemandAction::Expire);
    assert_conflict(err, "not yet due");
    assert_eq!(
        s.at(FIRST_EXPIRED_INSTANT)
            .ok(system(), DemandAction::Expire),
        DemandEvent::Expired
    );
    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Expired));
    assert_eq!(d.close_note, None);
    assert_eq!(d.closed_at, Some(utc(FIRST_EXPIRED_INSTANT)));
    assert_eq!(d.updated_at, utc(FIRST_EXPIRED_INSTANT));
}

#[test]
fn expiry_long_after_the_last_day_is_fine() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    s.at("2028-02-29T00:00:00Z")
        .ok(system(), DemandAction::Expire);
    assert_eq!(s.demand().close_reason, Some(CloseReason::Expired));
}

#[test]
fn only_the_system_expires_a_demand() {
    for (who, actor) in everyone_but(&["system"]) {
        let err = in_status(DemandStatus::Published, DemandKind::Scene)
            .at(FIRST_EXPIRED_INSTANT)
            .refused(actor, DemandAction::Expire);
        assert_forbidden(err, who);
    }
}

#[test]
fn only_a_published_demand_expires() {
    let mut draft = in_status(DemandStatus::Draft, DemandKind::Scene);
    assert_conflict(
        draft
            .at(FIRST_EXPIRED_INSTANT)
            .refused(system(), DemandAction::Expire),
        "draft",
    );
    for reason in CloseReason::ALL {
        let err = closed_by(reason)
            .at("2027-06-01T00:00:00Z")
            .refused(system(), DemandAction::Expire);
        assert_conflict(err, "closed");
    }
}

// =============================================================================================
// Apply

#[test]
fn a_researcher_applies_to_a_published_open_call() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    let at = s.now;
    let event = s.ok(
        researcher(),
        DemandAction::Apply {
            application_id: APP1,
            proposal: "  固态电解质方案  ".into(),
            listing_id: Some(LISTING),
        },
    );
    let application = Application {
        id: APP1,
        applicant_id: researcher().user_id,
        applicant_organization_id: Some(LAB),
        listing_id: Some(LISTING),
        proposal: "固态电解质方案".into(),
        applied_at: at,
    };
    assert_eq!(
        event,
        DemandEvent::Applied {
            application: application.clone()
        }
    );
    let d = s.demand();
    assert_eq!(d.applications, vec![application]);
    assert_eq!(d.status, DemandStatus::Published);
    assert_eq!(d.updated_at, at);
    assert_eq!(
        d.application(APP1).map(|a| a.applicant_id),
        Some(researcher().user_id)
    );
    assert_eq!(d.application(APP2), None);
}

#[test]
fn several_researchers_apply_in_order_and_one_without_organization_too() {
    let loner = person(60, Role::Researcher, None);
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    s.ok(loner, apply(APP3, "third"));
    let d = s.demand();
    assert_eq!(
        d.applications.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![APP1, APP2, APP3]
    );
    assert_eq!(
        d.applications
            .iter()
            .map(|a| a.applicant_organization_id)
            .collect::<Vec<_>>(),
        vec![Some(LAB), Some(UNIVERSITY), None]
    );
}

#[test]
fn only_researchers_apply() {
    for (who, actor) in everyone_but(&["researcher", "other_researcher"]) {
        let err = in_status(DemandStatus::Published, DemandKind::OpenCall)
            .refused(actor, apply(APP1, "p"));
        assert_forbidden(err, who);
    }
}

#[test]
fn nobody_applies_to_their_own_demand_whatever_their_role() {
    let turned_researcher = Actor {
        role: Role::Researcher,
        ..owner()
    };
    let err = in_status(DemandStatus::Published, DemandKind::OpenCall)
        .refused(turned_researcher, apply(APP1, "p"));
    assert_eq!(
        err,
        DomainError::forbidden("nobody can apply to their own demand")
    );
}

#[test]
fn only_open_calls_take_applications() {
    for kind in [DemandKind::TechnicalProblem, DemandKind::Scene] {
        let err = in_status(DemandStatus::Published, kind).refused(researcher(), apply(APP1, "p"));
        assert_eq!(
            err,
            DomainError::conflict("only open calls take applications"),
            "{kind}"
        );
    }
}

#[test]
fn only_a_published_open_call_takes_applications() {
    for status in [DemandStatus::Draft, DemandStatus::Closed] {
        let err = in_status(status, DemandKind::OpenCall).refused(researcher(), apply(APP1, "p"));
        assert_conflict(err, status.as_str());
    }
    let err = closed_by(CloseReason::Expired).refused(researcher(), apply(APP1, "p"));
    assert_conflict(err, "closed");
}

#[test]
fn applications_are_taken_through_the_deadline_day_in_china_and_not_after() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    let err = s
        .at(FIRST_LATE_INSTANT)
        .refused(researcher(), apply(APP1, "late"));
    assert_conflict(err, "the deadline has passed");
    s.at(LAST_DEADLINE_INSTANT)
        .ok(researcher(), apply(APP1, "just in time"));
    assert_eq!(
        s.demand().applications[0].applied_at,
        utc(LAST_DEADLINE_INSTANT)
    );
}

#[test]
fn each_researcher_applies_once() {
    let mut s = with_application();
    let err = s.refused(researcher(), apply(APP2, "again"));
    assert_conflict(err, "already applied");
    assert_eq!(s.demand().applications.len(), 1);
}

#[test]
fn an_application_id_is_used_once() {
    let mut s = with_application();
    let err = s.refused(other_researcher(), apply(APP1, "mine"));
    assert_conflict(err, &APP1.to_string());
}

#[test]
fn a_proposal_is_1_to_5000_characters() {
    let mut s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    for bad in [
        " \n ".to_string(),
        "案".repeat(5001),
        "esc\u{1b}".to_string(),
    ] {
        assert_eq!(
            fields(s.refused(researcher(), apply(APP1, &bad))),
            vec!["proposal"]
        );
    }
    s.ok(researcher(), apply(APP1, &"案".repeat(5000)));
    assert_eq!(s.demand().applications[0].proposal.chars().count(), 5000);
}

#[test]
fn apply_checks_the_actor_then_the_demand_then_the_proposal() {
    // An enterprise learns nothing about a scene draft: forbidden, not "only open calls".
    assert_forbidden(
        in_status(DemandStatus::Draft, DemandKind::Scene)
            .refused(other_enterprise(), apply(APP1, "")),
        "enterprise",
    );
    // A closed call refuses before the blank proposal is looked at.
    assert_conflict(
        in_status(DemandStatus::Closed, DemandKind::OpenCall)
            .refused(researcher(), apply(APP1, "")),
        "closed",
    );
    // A late application is refused for lateness, not for repeating.
    let mut s = with_application();
    assert_conflict(
        s.at(FIRST_LATE_INSTANT)
            .refused(researcher(), apply(APP2, "x")),
        "deadline",
    );
}

// =============================================================================================
// Select a winner

#[test]
fn the_owner_selects_a_winner_which_fulfils_the_open_call() {
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    let at = s.now;
    let events = s.ok_all(owner(), select(APP2));
    assert_eq!(
        events,
        vec![
            DemandEvent::WinnerSelected {
                application_id: APP2,
                applicant_id: other_researcher().user_id
            },
            DemandEvent::Closed {
                reason: CloseReason::Fulfilled,
                note: None
            },
        ]
    );
    let d = s.demand();
    assert_eq!(d.winner, Some(APP2));
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Fulfilled));
    assert_eq!((d.closed_at, d.updated_at), (Some(at), at));
    assert_eq!(d.applications.len(), 2);
}

#[test]
fn a_winner_may_be_selected_after_the_deadline() {
    let mut s = with_application();
    s.at(FIRST_LATE_INSTANT).ok_all(owner(), select(APP1));
    assert_eq!(s.demand().winner, Some(APP1));
}

#[test]
fn only_the_owner_selects_a_winner() {
    for (who, actor) in everyone_but(&["owner"]) {
        assert_forbidden(with_application().refused(actor, select(APP1)), who);
    }
}

#[test]
fn only_a_published_open_call_selects_a_winner() {
    for kind in [DemandKind::TechnicalProblem, DemandKind::Scene] {
        let err = in_status(DemandStatus::Published, kind).refused(owner(), select(APP1));
        assert_conflict(err, "only an open call");
    }
    let err = in_status(DemandStatus::Draft, DemandKind::OpenCall).refused(owner(), select(APP1));
    assert_conflict(err, "draft");
    // Once a winner is selected the call is closed: no second winner.
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    s.ok_all(owner(), select(APP1));
    assert_conflict(s.refused(owner(), select(APP2)), "closed");
    assert_eq!(s.demand().winner, Some(APP1));
    let mut s = with_application();
    s.ok(owner(), close(CloseReason::Cancelled));
    assert_conflict(s.refused(owner(), select(APP1)), "closed");
}

#[test]
fn the_winner_must_be_one_of_the_applications() {
    let mut s = with_application();
    let err = s.refused(owner(), select(APP2));
    assert_eq!(
        err,
        DomainError::invalid("application_id", "no such application")
    );
    let err =
        in_status(DemandStatus::Published, DemandKind::OpenCall).refused(owner(), select(APP1));
    assert_eq!(fields(err), vec!["application_id"]);
}

// =============================================================================================
// A whole story, and timestamps

#[test]
fn an_open_call_from_draft_to_winner() {
    let mut s = draft_of(content(DemandKind::TechnicalProblem));
    s.ok(owner(), DemandAction::Revise(content(DemandKind::OpenCall)));
    let published_at = s.now;
    s.ok(owner(), DemandAction::Publish);
    s.ok(researcher(), apply(APP1, "方案一"));
    s.ok(
        other_researcher(),
        DemandAction::Apply {
            application_id: APP2,
            proposal: "方案二".into(),
            listing_id: Some(LISTING),
        },
    );
    let revised = DemandContent {
        keywords: vec!["钠电池".into()],
        ..content(DemandKind::OpenCall)
    };
    s.ok(owner(), DemandAction::Revise(revised.clone()));
    let last = s.now;
    s.ok_all(owner(), select(APP2));

    let d = s.demand();
    assert_eq!(d.status, DemandStatus::Closed);
    assert_eq!(d.close_reason, Some(CloseReason::Fulfilled));
    assert_eq!(d.content, revised);
    assert_eq!(d.winner, Some(APP2));
    assert_eq!(d.application(APP2).unwrap().listing_id, Some(LISTING));
    assert_eq!(d.created_at, t0());
    assert_eq!(d.published_at, Some(published_at));
    assert_eq!((d.closed_at, d.updated_at), (Some(last), last));
    assert_eq!(last, t0() + TimeDelta::hours(6));
    assert!(!d.is_open_on(china_date(last)));
}

#[test]
fn every_event_moves_updated_at_to_its_recorded_instant() {
    let mut state = Demand::apply_event(
        DemandState::default(),
        Recorded {
            actor: owner(),
            at: t0(),
            event: all_events().remove(0),
        },
    );
    for (n, event) in all_events().into_iter().skip(1).enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64 + 1);
        state = Demand::apply_event(
            state,
            Recorded {
                actor: owner(),
                at,
                event: event.clone(),
            },
        );
        let d = state.demand.as_ref().unwrap();
        assert_eq!((d.created_at, d.updated_at), (t0(), at), "{}", event.name());
        match event {
            DemandEvent::Published => assert_eq!(d.published_at, Some(at)),
            DemandEvent::Closed { .. } | DemandEvent::Expired => {
                assert_eq!(d.closed_at, Some(at))
            }
            _ => {}
        }
    }
}

#[test]
fn expired_after_a_closed_note_clears_the_note_and_records_expiry() {
    // Replaying the log exactly: each close event sets its own reason and note.
    let mut state = with_application().state;
    for event in [
        DemandEvent::Closed {
            reason: CloseReason::Cancelled,
            note: Some("n".into()),
        },
        DemandEvent::Expired,
    ] {
        state = Demand::apply_event(
            state,
            Recorded {
                actor: system(),
                at: t0(),
                event,
            },
        );
    }
    let d = state.demand.unwrap();
    assert_eq!(
        (d.close_reason, d.close_note),
        (Some(CloseReason::Expired), None)
    );
}

// =============================================================================================
// Events and enums: names, serde

fn application() -> Application {
    Application {
        id: APP1,
        applicant_id: researcher().user_id,
        applicant_organization_id: Some(LAB),
        listing_id: Some(LISTING),
        proposal: "方案".into(),
        applied_at: t0(),
    }
}

fn all_events() -> Vec<DemandEvent> {
    vec![
        DemandEvent::Created {
            owner_id: owner().user_id,
            owner_organization_id: Some(COMPANY),
            content: content(DemandKind::OpenCall),
        },
        DemandEvent::Revised {
            content: content(DemandKind::Scene),
        },
        DemandEvent::Published,
        DemandEvent::Applied {
            application: application(),
        },
        DemandEvent::WinnerSelected {
            application_id: APP1,
            applicant_id: researcher().user_id,
        },
        DemandEvent::Closed {
            reason: CloseReason::Fulfilled,
            note: Some("done".into()),
        },
        DemandEvent::Expired,
    ]
}

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(DemandEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "created",
            "revised",
            "published",
            "applied",
            "winner_selected",
            "closed",
            "expired"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <DemandEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(serde_json::from_value::<DemandEvent>(value).unwrap(), event);
        let recorded = Recorded {
            actor: owner(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<DemandEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    assert_eq!(
        serde_json::to_value(DemandEvent::Published).unwrap(),
        json!({"type": "published"})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::Expired).unwrap(),
        json!({"type": "expired"})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::Closed {
            reason: CloseReason::Cancelled,
            note: None
        })
        .unwrap(),
        json!({"type": "closed", "reason": "cancelled", "note": null})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::WinnerSelected {
            application_id: APP1,
            applicant_id: researcher().user_id
        })
        .unwrap(),
        json!({"type": "winner_selected", "application_id": APP1, "applicant_id": researcher().user_id})
    );
    assert_eq!(
        serde_json::to_value(DemandEvent::Applied {
            application: application()
        })
        .unwrap(),
        json!({"type": "applied", "application": {
            "id": APP1, "applicant_id": researcher().user_id, "applicant_organization_id": LAB,
            "listing_id": LISTING, "proposal": "方案", "applied_at": "2026-06-01T01:00:00Z"
        }})
    );
    let created = serde_json::to_value(&all_events()[0]).unwrap();
    assert_eq!(created["owner_organization_id"], json!(COMPANY));
    assert_eq!(
        created["content"],
        json!({
            "kind": "open_call",
            "title": "Low-temperature performance of sodium batteries",
            "description": "钠离子电池在零下20度容量衰减严重，寻求解决方案。",
            "field": "new_energy",
            "keywords": ["sodium battery", "low temperature"],
            "budget_min_fen": 50_000_000,
            "budget_max_fen": 200_000_000,
            "cooperation_modes": ["commissioned_development", "license"],
            "region": "500112",
            "valid_until": "2026-12-31",
            "trl_min": 4,
            "open_call": {
                "bounty_fen": 300_000_000,
                "deadline": "2026-11-30",
                "acceptance_criteria": "Capacity retention ≥ 85% at −20 °C over 500 cycles."
            }
        })
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let mut s = with_application();
    s.ok_all(owner(), select(APP1));
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(serde_json::from_str::<DemandState>(&text).unwrap(), s.state);
    assert_eq!(
        serde_json::to_value(DemandState::default()).unwrap(),
        json!({"demand": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["demand"]["status"], "closed");
    assert_eq!(value["demand"]["close_reason"], "fulfilled");
    assert_eq!(value["demand"]["winner"], json!(APP1));
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action_but_create()
        .into_iter()
        .chain([DemandAction::Create(content(DemandKind::OpenCall))])
    {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<DemandAction>(value).unwrap(),
            action
        );
    }
}

#[test]
fn statuses_and_enums_serialize_as_snake_case() {
    for status in DemandStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(DemandStatus::parse(status.as_str()), Some(status));
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(
        DemandStatus::ALL.map(DemandStatus::as_str),
        ["draft", "published", "closed"]
    );
    assert_eq!(DemandStatus::parse("archived"), None);
    for kind in DemandKind::ALL {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        assert_eq!(DemandKind::parse(kind.as_str()), Some(kind));
        assert_eq!(kind.to_string(), kind.as_str());
    }
    assert_eq!(
        DemandKind::ALL.map(DemandKind::as_str),
        ["technical_problem", "scene", "open_call"]
    );
    assert_eq!(DemandKind::parse("OpenCall"), None);
    for reason in CloseReason::ALL {
        assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        assert_eq!(CloseReason::parse(reason.as_str()), Some(reason));
        assert_eq!(reason.to_string(), reason.as_str());
    }
    assert_eq!(
        CloseReason::ALL.map(CloseReason::as_str),
        ["fulfilled", "expired", "cancelled"]
    );
    for mode in CooperationMode::ALL {
        assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        assert_eq!(CooperationMode::parse(mode.as_str()), Some(mode));
        assert_eq!(mode.to_string(), mode.as_str());
    }
    assert_eq!(
        CooperationMode::ALL.map(CooperationMode::as_str),
        [
            "assignment",
            "license",
            "joint_development",
            "commissioned_development",
            "equity_investment",
            "technical_service"
        ]
    );
}

#[test]
fn the_global_log_names_demand_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: system(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), system());
    }
    assert_eq!(Demand::NAME, "demand");
}

// =============================================================================================
// Visibility, applications, openness

/// Who passes `check` on the demand of `s`, among anonymous + everyone.
fn who_passes(s: &Story, check: impl Fn(&DemandData, Option<&Actor>) -> bool) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.demand(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.demand(), Some(&actor)) {
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
fn published_and_closed_demands_are_visible_to_everyone() {
    for kind in DemandKind::ALL {
        for status in [DemandStatus::Published, DemandStatus::Closed] {
            assert_eq!(
                who_passes(&in_status(status, kind), DemandData::is_visible_to),
                all_names(),
                "{kind} {status}"
            );
        }
    }
    assert_eq!(
        who_passes(&closed_by(CloseReason::Expired), DemandData::is_visible_to),
        all_names()
    );
}

#[test]
fn a_draft_is_visible_to_its_owner_and_the_platform_admins_only() {
    for kind in DemandKind::ALL {
        assert_eq!(
            who_passes(
                &in_status(DemandStatus::Draft, kind),
                DemandData::is_visible_to
            ),
            vec!["owner", "platform_admin", "system"],
            "{kind}"
        );
    }
    // A cancelled draft never went public, and closing it does not make it so.
    let mut s = in_status(DemandStatus::Draft, DemandKind::Scene);
    s.ok(owner(), close(CloseReason::Cancelled));
    assert!(!s.demand().is_visible_to(None));
    assert!(s.demand().is_visible_to(Some(&owner())));
    // A demand closed after publication stays public, for the record.
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    s.ok(owner(), close(CloseReason::Cancelled));
    assert!(s.demand().is_visible_to(None));
}

#[test]
fn applications_are_visible_to_the_owner_and_admins_in_full_and_to_each_applicant_their_own() {
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    fn ids_of(s: &Story, viewer: Option<&Actor>) -> Vec<Uuid> {
        s.demand()
            .applications_visible_to(viewer)
            .into_iter()
            .map(|a| a.id)
            .collect()
    }
    let ids = |viewer: Option<&Actor>| ids_of(&s, viewer);
    for (name, actor) in everyone() {
        let expected = match name {
            "owner" | "platform_admin" | "system" => vec![APP1, APP2],
            "researcher" => vec![APP1],
            "other_researcher" => vec![APP2],
            _ => vec![],
        };
        assert_eq!(ids(Some(&actor)), expected, "{name}");
    }
    assert_eq!(ids(None), Vec::<Uuid>::new());
    // Still after the call is closed.
    s.ok_all(owner(), select(APP1));
    assert_eq!(ids_of(&s, Some(&owner())), vec![APP1, APP2]);
    assert_eq!(ids_of(&s, Some(&other_researcher())), vec![APP2]);
    assert!(ids_of(&s, Some(&colleague())).is_empty());
}

#[test]
fn applications_visible_to_is_empty_for_everyone_on_a_demand_without_applications() {
    let s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    assert_eq!(
        who_passes(&s, |d, v| !d.applications_visible_to(v).is_empty()),
        Vec::<&str>::new()
    );
}

#[test]
fn a_demand_is_open_while_published_through_its_valid_until_date() {
    let s = in_status(DemandStatus::Published, DemandKind::TechnicalProblem);
    let d = s.demand();
    assert!(d.is_open_on(today()));
    assert!(d.is_open_on(date(2026, 12, 31)));
    assert!(d.is_open_on(china_date(utc(LAST_VALID_INSTANT))));
    assert!(!d.is_open_on(china_date(utc(FIRST_EXPIRED_INSTANT))));
    assert!(!d.is_open_on(date(2027, 1, 1)));
    assert!(!in_status(DemandStatus::Draft, DemandKind::Scene)
        .demand()
        .is_open_on(today()));
    for reason in CloseReason::ALL {
        assert!(!closed_by(reason).demand().is_open_on(today()), "{reason}");
    }
}

//! The demand's unit tests: the fixtures every topic shares, then one file per topic.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::calendar::china_date;
use crate::domain::listing::Trl;
use crate::domain::reference::sample;
use crate::domain::testing::cast::{
    self, institution_admin, other_enterprise, platform_admin, provider, registrar, researcher,
    statistician, system, tech_manager, COMPANY, LAB,
};
use crate::domain::testing::{fields, morning, utc};
use crate::domain::{Actor, DomainError, Role};

mod close_and_expire;
mod events;
mod fulfilment;
mod lifecycle;
mod open_call;
mod parse;
mod parse_terms;
mod visibility;

// ---------------------------------------------------------------------------------------------
// Cast: the owner is an enterprise; its colleague works at the same company, so "same
// organization" and "owner" stay distinguishable. Researchers apply to open calls.

const LISTING: Uuid = Uuid::from_u128(0x11);
const APP1: Uuid = Uuid::from_u128(0xA1);
const APP2: Uuid = Uuid::from_u128(0xA2);
const APP3: Uuid = Uuid::from_u128(0xA3);

fn owner() -> Actor {
    cast::enterprise()
}
/// The shared cast has nobody else at the owner's company.
fn colleague() -> Actor {
    cast::person(20, Role::Enterprise, Some(COMPANY))
}
fn other_researcher() -> Actor {
    cast::outsider_researcher()
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
    morning("2026-06-01")
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

type Story = crate::domain::testing::Story<Demand>;

/// A story on no demand yet, from `t0`, the clock moving an hour per accepted command.
fn story() -> Story {
    Story::starting(t0()).stepping(TimeDelta::hours(1))
}

impl Story {
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
    let mut s = story();
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
            s.at(utc(FIRST_EXPIRED_INSTANT))
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

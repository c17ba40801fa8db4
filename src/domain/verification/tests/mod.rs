//! Given/when/then tests of the verification request, on the shared story and cast of
//! `domain::testing`. This file holds the fixtures; each topic has its own file.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::calendar::china_date;
use crate::domain::listing::Trl;
use crate::domain::testing::cast::{
    self, enterprise, platform_admin, registrar, statistician, system, tech_manager, LAB,
};
use crate::domain::testing::{
    assert_conflict, assert_forbidden, fields, message_of, morning, utc, Story as Harness,
};
use crate::domain::{Actor, DomainError, Recorded, Role};

mod accept_decline;
mod cancel;
mod complete;
mod content;
mod json;
mod lifecycle;
mod milestones;
mod request;
mod visibility;

// ---------------------------------------------------------------------------------------------
// Cast: the requester is a researcher of a lab; a colleague of the same lab is not the
// requester. The requested provider organization is a concept-verification centre with two
// providers; another organization's provider, a provider without organization and a
// non-provider of the centre must all stay out. The shared cast has no centre, so its people
// are made here.

const CENTRE: Uuid = Uuid::from_u128(0xCE1);
const LISTING: Uuid = Uuid::from_u128(0x11);
const M1: Uuid = Uuid::from_u128(0xA1);
const M2: Uuid = Uuid::from_u128(0xA2);

fn requester() -> Actor {
    cast::researcher()
}
fn colleague() -> Actor {
    cast::lab_colleague()
}
fn other_researcher() -> Actor {
    cast::outsider_researcher()
}
fn provider() -> Actor {
    cast::person(20, Role::Provider, Some(CENTRE))
}
fn provider_colleague() -> Actor {
    cast::person(21, Role::Provider, Some(CENTRE))
}
/// A provider, of another organization than the centre.
fn other_provider() -> Actor {
    cast::provider()
}
fn provider_without_organization() -> Actor {
    cast::person(23, Role::Provider, None)
}
/// Belongs to the centre but is not a provider.
fn centre_admin() -> Actor {
    cast::person(24, Role::InstitutionAdmin, Some(CENTRE))
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("requester", requester()),
        ("colleague", colleague()),
        ("other_researcher", other_researcher()),
        ("provider", provider()),
        ("provider_colleague", provider_colleague()),
        ("other_provider", other_provider()),
        (
            "provider_without_organization",
            provider_without_organization(),
        ),
        ("centre_admin", centre_admin()),
        ("enterprise", enterprise()),
        ("tech_manager", tech_manager()),
        ("lab_admin", cast::lab_admin()),
        ("registrar", registrar()),
        ("statistician", statistician()),
        ("platform_admin", platform_admin()),
        ("system", system()),
    ]
}

fn everyone_but(allowed: &[&str]) -> Vec<(&'static str, Actor)> {
    cast::all_but(everyone(), allowed)
}

const PROVIDERS: [&str; 2] = ["provider", "provider_colleague"];

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

const MAX_FEN: i64 = 1_000_000_000_000_000;

fn trl(n: i64) -> Trl {
    Trl::parse("trl", n).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// The listing is at TRL 4 when the request is made.
fn trl_before() -> Trl {
    trl(4)
}

fn input() -> RequestInput {
    RequestInput {
        stage: Stage::ConceptVerification,
        listing_id: LISTING,
        provider_organization_id: CENTRE,
        services: vec![Service::PrincipleValidation, Service::Prototype],
        trl_target: 6,
        budget_fen: 50_000_000,
        funding_source: FundingSource::Government,
        schedule: ScheduleInput {
            start: date(2026, 7, 1),
            end: date(2026, 12, 31),
        },
        description: "  验证钠离子电池低温电解液的原理并制作原型。 ".into(),
    }
}

fn pilot_input() -> RequestInput {
    RequestInput {
        stage: Stage::PilotScale,
        services: vec![Service::TrialProduction, Service::ScaleUp],
        ..input()
    }
}

fn parse(input: RequestInput) -> Result<RequestContent, DomainError> {
    RequestContent::parse(input, trl_before(), today())
}

fn content() -> RequestContent {
    parse(input()).unwrap()
}

fn invalid(input: RequestInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

// ---------------------------------------------------------------------------------------------
// Stories: the shared given/when/then harness on a verification request, its clock one hour
// further after each accepted command.

type Story = Harness<VerificationRequest>;

fn story() -> Story {
    Story::starting(t0()).stepping(TimeDelta::hours(1))
}

impl Story {
    fn request(&self) -> &VerificationData {
        self.state.request.as_ref().expect("the request exists")
    }

    fn status(&self) -> VerificationStatus {
        self.request().status
    }
}

fn accept(note: Option<&str>) -> VerificationAction {
    VerificationAction::Accept {
        note: note.map(str::to_owned),
    }
}

fn decline(reason: &str) -> VerificationAction {
    VerificationAction::Decline {
        reason: reason.into(),
    }
}

fn milestone(id: Uuid, title: &str, progress_percent: Option<u8>) -> VerificationAction {
    VerificationAction::ReportMilestone {
        milestone_id: id,
        title: title.into(),
        description: "".into(),
        progress_percent,
    }
}

fn complete(outcome: Outcome, trl_after: i64, report: &str) -> VerificationAction {
    VerificationAction::Complete {
        outcome,
        trl_after: trl(trl_after),
        report: report.into(),
    }
}

fn cancel(reason: &str) -> VerificationAction {
    VerificationAction::Cancel {
        reason: reason.into(),
    }
}

fn requested() -> Story {
    let mut s = story();
    s.ok(requester(), VerificationAction::Request(content()));
    s
}

fn in_status(status: VerificationStatus) -> Story {
    use VerificationStatus as S;
    let mut s = requested();
    match status {
        S::Requested => {}
        S::Accepted => {
            s.ok(provider(), accept(None));
        }
        S::Declined => {
            s.ok(provider(), decline("fully booked"));
        }
        S::InProgress => {
            s.ok(provider(), accept(None));
            s.ok(provider(), milestone(M1, "Kick-off", Some(10)));
        }
        S::Completed => {
            s.ok(provider(), accept(None));
            s.ok(provider(), milestone(M1, "Kick-off", Some(10)));
            s.ok(provider(), complete(Outcome::Success, 6, "Verified."));
        }
        S::Cancelled => {
            s.ok(requester(), cancel("funding fell through"));
        }
    }
    assert_eq!(s.status(), status);
    s
}

fn every_action_but_request() -> Vec<VerificationAction> {
    vec![
        accept(Some("welcome")),
        decline("no capacity"),
        milestone(M1, "Kick-off", Some(5)),
        complete(Outcome::Success, 6, "done"),
        cancel("changed plans"),
    ]
}

/// Every action, `Request` included.
fn every_action() -> Vec<VerificationAction> {
    let mut all = every_action_but_request();
    all.push(VerificationAction::Request(content()));
    all
}

// ---------------------------------------------------------------------------------------------
// Events, for evolving and serde

fn sample_milestone() -> Milestone {
    Milestone {
        id: M1,
        title: "原型".into(),
        description: "".into(),
        progress_percent: Some(60),
        reported_at: t0(),
    }
}

fn all_events() -> Vec<VerificationEvent> {
    vec![
        VerificationEvent::Requested {
            requester_id: requester().user_id,
            requester_organization_id: Some(LAB),
            content: content(),
        },
        VerificationEvent::Accepted {
            note: Some("ok".into()),
        },
        VerificationEvent::MilestoneReported {
            milestone: sample_milestone(),
        },
        VerificationEvent::Completed {
            outcome: Outcome::Success,
            trl_after: trl(6),
            report: "done".into(),
        },
        VerificationEvent::Declined {
            reason: "busy".into(),
        },
        VerificationEvent::Cancelled {
            reason: "money".into(),
        },
    ]
}

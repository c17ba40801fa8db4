//! The contract registration's unit tests, by topic; what they share is here and in
//! `fixtures`: the cast, the clock, the story and the commands that move a registration along.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::code::assert_serde_agrees;
use crate::domain::reference::{
    sample, ContractType, IpKind, Named, ReferenceData, TechnologyField, ZoneCode,
};
use crate::domain::testing::cast::{
    self, lab_admin, lab_colleague, other_registrar, outsider_researcher, person, platform_admin,
    provider, registrar, researcher, statistician, system, tech_manager, AGENCY, COMPANY, LAB,
    OTHER_COMPANY, OTHER_LAB,
};
use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of, morning};
use crate::domain::text::Title;
use crate::domain::{Actor, DomainError, Recorded, Role};
use fixtures::*;

mod acceptance;
mod amendment;
mod authority;
mod content;
mod decision;
mod ending;
mod fixtures;
mod import;
mod json;
mod lifecycle;
mod panel;
mod payment;
mod reference_codes;
mod submit;
mod visibility;

// ---------------------------------------------------------------------------------------------
// Cast: a university lab sells a licence to a company; a researcher of the lab submits, a tech
// manager of an agency could submit for a client, and two registrars of the registration bureau
// decide. The others look on, or try their luck. All but the buyer's staff keep the shared
// cast's names.

/// Staff of the buyer, COMPANY.
fn buyer_staff() -> Actor {
    cast::enterprise()
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("researcher", researcher()),
        ("lab_admin", lab_admin()),
        ("tech_manager", tech_manager()),
        ("registrar", registrar()),
        ("other_registrar", other_registrar()),
        ("statistician", statistician()),
        ("platform_admin", platform_admin()),
        ("buyer_staff", buyer_staff()),
        ("lab_colleague", lab_colleague()),
        ("outsider_researcher", outsider_researcher()),
        ("provider", provider()),
        ("system", system()),
    ]
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Monday 2026-09-21, 09:00 in China: ten days before the National Day holiday.
fn t0() -> DateTime<Utc> {
    morning("2026-09-21")
}

fn today() -> NaiveDate {
    date("2026-09-21")
}

/// National Day 2026: 10-01 to 10-07 off, Sunday 09-27 and Saturday 10-10 worked.
fn national_day() -> WorkingCalendar {
    WorkingCalendar::new(
        (1..=7).map(|d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap()),
        [date("2026-09-27"), date("2026-10-10")],
    )
}

// ---------------------------------------------------------------------------------------------
// Stories: a sequence of commands folded through handle_command and apply_event, from Monday
// 09:00 in China, half an hour apart.

type Story = crate::domain::testing::Story<ContractRegistration>;

fn story() -> Story {
    Story::starting(t0()).stepping(TimeDelta::minutes(30))
}

impl Story {
    /// Moves the clock to 09:00 in China on `day`.
    fn on(&mut self, day: &str) -> &mut Self {
        self.now = morning(day);
        self
    }

    fn contract(&self) -> &ContractData {
        self.state.contract.as_ref().expect("the contract exists")
    }

    fn status(&self) -> ContractStatus {
        self.contract().status
    }
}

fn submit(content: ContractContent) -> ContractAction {
    ContractAction::Submit(content)
}

fn resubmit(content: ContractContent) -> ContractAction {
    ContractAction::Resubmit {
        content,
        calendar: national_day(),
    }
}

fn accept() -> ContractAction {
    ContractAction::Accept {
        calendar: national_day(),
    }
}

fn request_correction(reasons: &[&str]) -> ContractAction {
    ContractAction::RequestCorrection {
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    }
}

fn expert_review(opinion: &str) -> ContractAction {
    ContractAction::ExpertReview {
        opinion: opinion.into(),
    }
}

fn register(number: &str) -> ContractAction {
    ContractAction::Register {
        registration_number: number.into(),
    }
}

fn refuse(code: &str) -> ContractAction {
    ContractAction::Refuse {
        reason_code: code.into(),
        note: None,
    }
}

fn amend(id: Uuid, effective_on: &str, contract: i64, technology: i64) -> ContractAction {
    ContractAction::Amend {
        amendment_id: id,
        effective_on: date(effective_on),
        contract_amount_fen: contract,
        technology_amount_fen: technology,
        seller: None,
        buyer: None,
        note: None,
    }
}

fn pay(id: Uuid, amount_fen: i64, received_on: &str) -> ContractAction {
    ContractAction::RecordPayment {
        payment_id: id,
        amount_fen,
        received_on: date(received_on),
        note: None,
    }
}

fn cancel(on: &str) -> ContractAction {
    ContractAction::Cancel {
        on: date(on),
        reason: "双方协议解除合同".into(),
    }
}

fn revoke(on: &str) -> ContractAction {
    ContractAction::Revoke {
        on: date(on),
        reason: "以欺骗手段取得登记".into(),
    }
}

fn submitted_with(content: ContractContent) -> Story {
    let mut s = story();
    s.ok(researcher(), submit(content));
    s
}

fn submitted() -> Story {
    submitted_with(content())
}

/// Accepted on Monday 2026-09-21.
fn accepted() -> Story {
    let mut s = submitted();
    s.ok(registrar(), accept());
    s
}

/// Accepted on Monday 2026-09-21, with 500万元 of technology.
fn accepted_big() -> Story {
    let mut s = submitted_with(big_content());
    s.ok(registrar(), accept());
    s
}

fn correction_requested() -> Story {
    let mut s = accepted();
    s.ok(registrar(), request_correction(&["缺少专利证书复印件"]));
    s
}

fn expert_reviewed() -> Story {
    let mut s = accepted_big();
    s.ok(registrar(), expert_review("技术先进，价格合理。"));
    s
}

/// Registered on 2026-09-21.
fn registered() -> Story {
    let mut s = accepted();
    s.ok(registrar(), register(NUMBER));
    s
}

/// A registration in `status`, reached the way it really happens.
fn in_status(status: ContractStatus) -> Story {
    use ContractStatus as S;
    let s = match status {
        S::Submitted => submitted(),
        S::Accepted => accepted(),
        S::CorrectionRequested => correction_requested(),
        S::ExpertReview => expert_reviewed(),
        S::Registered => registered(),
        S::Refused => {
            let mut s = accepted();
            s.ok(registrar(), refuse("documents_missing"));
            s
        }
        S::Cancelled => {
            let mut s = registered();
            s.ok(registrar(), cancel("2026-09-21"));
            s
        }
        S::Revoked => {
            let mut s = registered();
            s.ok(registrar(), revoke("2026-09-21"));
            s
        }
    };
    assert_eq!(s.status(), status);
    s
}

fn every_action_but_submit() -> Vec<ContractAction> {
    vec![
        resubmit(content()),
        accept(),
        request_correction(&["r"]),
        expert_review("o"),
        register(NUMBER),
        refuse("other"),
        amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
        pay(PAY1, 100, "2026-09-21"),
        cancel("2026-09-21"),
        revoke("2026-09-21"),
    ]
}

/// A way to reach a state, for tables.
type StoryFn = fn() -> Story;

/// What a command came to, coarsely, for tables of outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Forbidden,
    Conflict,
    Invalid,
    NotFound,
}

fn outcome(result: Result<Vec<Recorded<ContractEvent>>, DomainError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Accepted,
        Err(DomainError::Forbidden(_)) => Outcome::Forbidden,
        Err(DomainError::Conflict(_)) => Outcome::Conflict,
        Err(DomainError::Invalid(_)) => Outcome::Invalid,
        Err(DomainError::NotFound) => Outcome::NotFound,
    }
}

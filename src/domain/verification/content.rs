//! What a request asks for: the raw [`RequestInput`] of a JSON body and the validated
//! [`RequestContent`] built from it, with the rules both are held to.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{FundingSource, Service, Stage};
use crate::domain::error::Validation;
use crate::domain::listing::Trl;
use crate::domain::text::clean;
use crate::domain::DomainError;

const DESCRIPTION_MAX: usize = 5_000;
/// 10^18 fen (10^16 yuan): far above any real budget, yet inside `i64`.
const MAX_BUDGET_FEN: i64 = 1_000_000_000_000_000;

/// The planned period of the work, both China dates inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Validated content of a request. Built by [`RequestContent::parse`]; events re-read from the
/// store were parsed when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestContent {
    pub stage: Stage,
    pub listing_id: Uuid,
    pub provider_organization_id: Uuid,
    /// Non-empty, without repeats, every one a service of `stage`.
    pub services: Vec<Service>,
    /// The listing's TRL when the request was made.
    pub trl_before: Trl,
    /// Above `trl_before`.
    pub trl_target: Trl,
    pub budget_fen: i64,
    pub funding_source: FundingSource,
    pub schedule: Schedule,
    pub description: String,
}

/// The raw content as it arrives in a JSON body. `trl_before` is not in it: it is the listing's
/// current TRL, read by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub stage: Stage,
    pub listing_id: Uuid,
    pub provider_organization_id: Uuid,
    pub services: Vec<Service>,
    pub trl_target: i64,
    pub budget_fen: i64,
    pub funding_source: FundingSource,
    pub schedule: ScheduleInput,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl RequestContent {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `services[1]` or `schedule.end`. `trl_before` is the listing's current TRL, supplied by
    /// the caller (it is read from the listing, not typed by the user). `today` is the China date
    /// of the request: the schedule may not start before it.
    pub fn parse(
        input: RequestInput,
        trl_before: Trl,
        today: NaiveDate,
    ) -> Result<RequestContent, DomainError> {
        let mut v = Validation::new();

        let services = parse_services(&mut v, input.stage, input.services);
        let trl_target = v
            .take(Trl::parse("trl_target", input.trl_target))
            .filter(|&target| check_trl_target(&mut v, trl_before, target));
        check_budget(&mut v, input.budget_fen);
        let schedule = Schedule {
            start: input.schedule.start,
            end: input.schedule.end,
        };
        v.check(
            schedule.start >= today,
            "schedule.start",
            format!("must not be before today ({today})"),
        );
        check_schedule_order(&mut v, schedule);
        let description = v.take(clean("description", &input.description, 1, DESCRIPTION_MAX));

        v.finish()?;
        let (Some(trl_target), Some(description)) = (trl_target, description) else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(RequestContent {
            stage: input.stage,
            listing_id: input.listing_id,
            provider_organization_id: input.provider_organization_id,
            services,
            trl_before,
            trl_target,
            budget_fen: input.budget_fen,
            funding_source: input.funding_source,
            schedule,
            description,
        })
    }

    /// The rules that commands rely on, re-checked because the fields are public. The schedule
    /// is not re-checked against "today": that was checked when the content was parsed.
    pub(super) fn check_rules(&self) -> Result<(), DomainError> {
        let mut v = Validation::new();
        parse_services(&mut v, self.stage, self.services.clone());
        check_trl_target(&mut v, self.trl_before, self.trl_target);
        check_budget(&mut v, self.budget_fen);
        check_schedule_order(&mut v, self.schedule);
        v.finish()
    }
}

fn parse_services(v: &mut Validation, stage: Stage, raw: Vec<Service>) -> Vec<Service> {
    if raw.is_empty() {
        v.push("services", "must name at least one service");
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, service) in raw.into_iter().enumerate() {
        if service.stage() != stage {
            v.push(
                format!("services[{i}]"),
                format!("not a service of the {stage} stage"),
            );
        } else if out.contains(&service) {
            v.push(format!("services[{i}]"), "repeats an earlier service");
        } else {
            out.push(service);
        }
    }
    out
}

/// Records an error unless the target lies above the current TRL; says whether it does.
fn check_trl_target(v: &mut Validation, trl_before: Trl, trl_target: Trl) -> bool {
    let ok = trl_target > trl_before;
    v.check(
        ok,
        "trl_target",
        format!("must be above the listing's current TRL ({trl_before})"),
    );
    ok
}

fn check_budget(v: &mut Validation, budget_fen: i64) {
    v.check(
        budget_fen > 0 && budget_fen <= MAX_BUDGET_FEN,
        "budget_fen",
        format!("must be more than 0 and at most {MAX_BUDGET_FEN} fen"),
    );
}

fn check_schedule_order(v: &mut Validation, schedule: Schedule) {
    v.check(
        schedule.end >= schedule.start,
        "schedule.end",
        "must not be before schedule.start",
    );
}

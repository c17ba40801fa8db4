//! VerificationRequest (概念验证 / 中试熟化): a researcher asks a concept-verification centre or
//! a pilot platform (a provider organization) to verify or mature the technology of a listing.
//!
//! requested → accepted | declined; accepted → in_progress (the first milestone reported) →
//! completed (success | failure, TRL after, report); requested, accepted and in-progress requests
//! may be cancelled by their requester. A successful completion with a higher TRL is what revises
//! the listing's TRL ([`VerificationData::raised_trl`]); the application layer carries it over.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{require, Validation};
use super::listing::Trl;
use super::text::{clean, Title};
use super::{Actor, Command, DomainError, DomainEvent, Recorded, Role};

#[cfg(test)]
mod tests;

const DESCRIPTION_MAX: usize = 5_000;
/// 10^18 fen (10^16 yuan): far above any real budget, yet inside `i64`.
const MAX_BUDGET_FEN: i64 = 1_000_000_000_000_000;
const NOTE_MAX: usize = 500;
const REASON_MAX: usize = 500;
const MILESTONE_TITLE_MAX: usize = 200;
const MILESTONE_DESCRIPTION_MAX: usize = 5_000;
const PROGRESS_MAX: u8 = 100;
const REPORT_MAX: usize = 20_000;

/// The verification request aggregate (esrs name `verification_request`).
pub struct VerificationRequest;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationState {
    /// `None` until `Requested`.
    pub request: Option<VerificationData>,
}

impl super::Visibility for VerificationState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.request
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationData {
    pub requester_id: Uuid,
    pub requester_organization_id: Option<Uuid>,
    pub status: VerificationStatus,
    pub content: RequestContent,
    /// The provider's note on accepting, if it gave one.
    pub acceptance_note: Option<String>,
    pub decline_reason: Option<String>,
    pub cancel_reason: Option<String>,
    /// Milestones in the order they were reported.
    pub milestones: Vec<Milestone>,
    pub outcome: Option<Outcome>,
    pub trl_after: Option<Trl>,
    pub report: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// 概念验证 or 中试熟化.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 概念验证
    ConceptVerification,
    /// 中试熟化
    PilotScale,
}

impl Stage {
    pub const ALL: [Stage; 2] = [Stage::ConceptVerification, Stage::PilotScale];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::ConceptVerification => "concept_verification",
            Stage::PilotScale => "pilot_scale",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The services offered at this stage, in their canonical order.
    pub fn services(self) -> Vec<Service> {
        Service::ALL
            .into_iter()
            .filter(|s| s.stage() == self)
            .collect()
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service a provider performs; each belongs to exactly one [`Stage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// 原理验证
    PrincipleValidation,
    /// 可行性评估
    FeasibilityAssessment,
    /// 原型制作
    Prototype,
    /// 场景验证
    ScenarioValidation,
    /// 商业验证
    CommercialValidation,
    /// 成熟度评估
    MaturityAssessment,
    /// 样品 / 样机试制
    TrialProduction,
    /// 场景测试
    ScenarioTesting,
    /// 放大生产
    ScaleUp,
    /// 工艺验证
    ProcessValidation,
}

impl Service {
    pub const ALL: [Service; 10] = [
        Service::PrincipleValidation,
        Service::FeasibilityAssessment,
        Service::Prototype,
        Service::ScenarioValidation,
        Service::CommercialValidation,
        Service::MaturityAssessment,
        Service::TrialProduction,
        Service::ScenarioTesting,
        Service::ScaleUp,
        Service::ProcessValidation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::PrincipleValidation => "principle_validation",
            Service::FeasibilityAssessment => "feasibility_assessment",
            Service::Prototype => "prototype",
            Service::ScenarioValidation => "scenario_validation",
            Service::CommercialValidation => "commercial_validation",
            Service::MaturityAssessment => "maturity_assessment",
            Service::TrialProduction => "trial_production",
            Service::ScenarioTesting => "scenario_testing",
            Service::ScaleUp => "scale_up",
            Service::ProcessValidation => "process_validation",
        }
    }

    pub fn parse(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|sv| sv.as_str() == s)
    }

    pub fn stage(self) -> Stage {
        match self {
            Service::PrincipleValidation
            | Service::FeasibilityAssessment
            | Service::Prototype
            | Service::ScenarioValidation
            | Service::CommercialValidation => Stage::ConceptVerification,
            Service::MaturityAssessment
            | Service::TrialProduction
            | Service::ScenarioTesting
            | Service::ScaleUp
            | Service::ProcessValidation => Stage::PilotScale,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    Requested,
    Accepted,
    Declined,
    /// Accepted, with at least one milestone reported.
    InProgress,
    Completed,
    Cancelled,
}

impl VerificationStatus {
    pub const ALL: [VerificationStatus; 6] = [
        VerificationStatus::Requested,
        VerificationStatus::Accepted,
        VerificationStatus::Declined,
        VerificationStatus::InProgress,
        VerificationStatus::Completed,
        VerificationStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Requested => "requested",
            VerificationStatus::Accepted => "accepted",
            VerificationStatus::Declined => "declined",
            VerificationStatus::InProgress => "in_progress",
            VerificationStatus::Completed => "completed",
            VerificationStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<VerificationStatus> {
        VerificationStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    /// Declined, completed and cancelled requests take no further command.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            VerificationStatus::Declined
                | VerificationStatus::Completed
                | VerificationStatus::Cancelled
        )
    }
}

impl fmt::Display for VerificationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub const ALL: [Outcome; 2] = [Outcome::Success, Outcome::Failure];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    /// 自筹
    SelfFunded,
    /// 政府资助
    Government,
    /// 企业出资
    Enterprise,
    Mixed,
}

impl FundingSource {
    pub const ALL: [FundingSource; 4] = [
        FundingSource::SelfFunded,
        FundingSource::Government,
        FundingSource::Enterprise,
        FundingSource::Mixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FundingSource::SelfFunded => "self_funded",
            FundingSource::Government => "government",
            FundingSource::Enterprise => "enterprise",
            FundingSource::Mixed => "mixed",
        }
    }

    pub fn parse(s: &str) -> Option<FundingSource> {
        FundingSource::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for FundingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    fn check_rules(&self) -> Result<(), DomainError> {
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

/// A progress report of the provider on accepted work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: Uuid,
    /// 1..=200 characters, a single line.
    pub title: String,
    /// 0..=5000 characters.
    pub description: String,
    /// 0..=100 when given.
    pub progress_percent: Option<u8>,
    pub reported_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VerificationAction {
    Request(RequestContent),
    Accept {
        note: Option<String>,
    },
    Decline {
        reason: String,
    },
    ReportMilestone {
        milestone_id: Uuid,
        title: String,
        description: String,
        progress_percent: Option<u8>,
    },
    Complete {
        outcome: Outcome,
        trl_after: Trl,
        report: String,
    },
    Cancel {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VerificationEvent {
    Requested {
        requester_id: Uuid,
        requester_organization_id: Option<Uuid>,
        content: RequestContent,
    },
    Accepted {
        note: Option<String>,
    },
    Declined {
        reason: String,
    },
    /// The first one moves accepted work to in_progress.
    MilestoneReported {
        milestone: Milestone,
    },
    Completed {
        outcome: Outcome,
        trl_after: Trl,
        report: String,
    },
    Cancelled {
        reason: String,
    },
}

impl VerificationEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            VerificationEvent::Requested { .. } => "requested",
            VerificationEvent::Accepted { .. } => "accepted",
            VerificationEvent::Declined { .. } => "declined",
            VerificationEvent::MilestoneReported { .. } => "milestone_reported",
            VerificationEvent::Completed { .. } => "completed",
            VerificationEvent::Cancelled { .. } => "cancelled",
        }
    }
}

impl DomainEvent for VerificationEvent {
    fn name(&self) -> &'static str {
        VerificationEvent::name(self)
    }
}

impl VerificationData {
    pub fn is_requester(&self, a: &Actor) -> bool {
        a.user_id == self.requester_id
    }

    /// A provider-role user of the provider organization.
    pub fn is_provider(&self, a: &Actor) -> bool {
        a.role == Role::Provider && a.belongs_to(Some(self.content.provider_organization_id))
    }

    /// Requester, the provider organization's providers, and PlatformAdmin.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.is_requester(actor) || self.is_provider(actor) || actor.role == Role::PlatformAdmin
    }

    /// Some(trl_after) when the request completed successfully with trl_after > trl_before: what
    /// the listing's TRL should become.
    pub fn raised_trl(&self) -> Option<Trl> {
        match (self.status, self.outcome, self.trl_after) {
            (VerificationStatus::Completed, Some(Outcome::Success), Some(after))
                if after > self.content.trl_before =>
            {
                Some(after)
            }
            _ => None,
        }
    }

    pub fn milestone(&self, id: Uuid) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.id == id)
    }
}

impl esrs::Aggregate for VerificationRequest {
    const NAME: &'static str = "verification_request";
    type State = VerificationState;
    type Command = Command<VerificationAction>;
    type Event = Recorded<VerificationEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let event = match (&state.request, action) {
            (None, VerificationAction::Request(content)) => request(&actor, content)?,
            (Some(_), VerificationAction::Request(_)) => {
                return Err(DomainError::conflict("verification request already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            (Some(request), action) => decide(request, &actor, now, action)?,
        };
        Ok(vec![Recorded {
            actor,
            at: now,
            event,
        }])
    }

    fn apply_event(mut state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, .. } = payload;
        if let VerificationEvent::Requested {
            requester_id,
            requester_organization_id,
            content,
        } = event
        {
            state.request = Some(VerificationData {
                requester_id,
                requester_organization_id,
                status: VerificationStatus::Requested,
                content,
                acceptance_note: None,
                decline_reason: None,
                cancel_reason: None,
                milestones: Vec::new(),
                outcome: None,
                trl_after: None,
                report: None,
                created_at: at,
                updated_at: at,
                completed_at: None,
            });
            return state;
        }
        // The decider never emits anything before `Requested`; applying stays total rather than
        // panicking in the middle of a rebuild.
        let Some(request) = state.request.as_mut() else {
            return state;
        };
        request.updated_at = at;
        match event {
            VerificationEvent::Requested { .. } => {}
            VerificationEvent::Accepted { note } => {
                request.status = VerificationStatus::Accepted;
                request.acceptance_note = note;
            }
            VerificationEvent::Declined { reason } => {
                request.status = VerificationStatus::Declined;
                request.decline_reason = Some(reason);
            }
            VerificationEvent::MilestoneReported { milestone } => {
                if request.status == VerificationStatus::Accepted {
                    request.status = VerificationStatus::InProgress;
                }
                request.milestones.push(milestone);
            }
            VerificationEvent::Completed {
                outcome,
                trl_after,
                report,
            } => {
                request.status = VerificationStatus::Completed;
                request.outcome = Some(outcome);
                request.trl_after = Some(trl_after);
                request.report = Some(report);
                request.completed_at = Some(at);
            }
            VerificationEvent::Cancelled { reason } => {
                request.status = VerificationStatus::Cancelled;
                request.cancel_reason = Some(reason);
            }
        }
        state
    }
}

fn request(actor: &Actor, content: RequestContent) -> Result<VerificationEvent, DomainError> {
    require(
        actor.role == Role::Researcher,
        "only a researcher can request a verification",
    )?;
    content.check_rules()?;
    Ok(VerificationEvent::Requested {
        requester_id: actor.user_id,
        requester_organization_id: actor.organization_id,
        content,
    })
}

/// Authorization first, then state, then the payload: someone who may not act learns nothing
/// about the request's state from the error.
fn decide(
    request: &VerificationData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: VerificationAction,
) -> Result<VerificationEvent, DomainError> {
    use VerificationStatus as S;
    let status = request.status;
    let provider = request.is_provider(actor);
    match action {
        VerificationAction::Request(_) => {
            unreachable!("a request is decided before an existing one is")
        }

        VerificationAction::Accept { note } => {
            require(
                provider,
                "only a provider of the requested organization can accept",
            )?;
            require_requested(status, "accepted")?;
            let note = note
                .map(|raw| clean("note", &raw, 0, NOTE_MAX))
                .transpose()
                .map_err(|e| DomainError::Invalid(vec![e]))?
                .filter(|n| !n.is_empty());
            Ok(VerificationEvent::Accepted { note })
        }

        VerificationAction::Decline { reason } => {
            require(
                provider,
                "only a provider of the requested organization can decline",
            )?;
            require_requested(status, "declined")?;
            Ok(VerificationEvent::Declined {
                reason: parse_reason(&reason)?,
            })
        }

        VerificationAction::ReportMilestone {
            milestone_id,
            title,
            description,
            progress_percent,
        } => {
            require(
                provider,
                "only a provider of the requested organization can report a milestone",
            )?;
            if !matches!(status, S::Accepted | S::InProgress) {
                return Err(DomainError::conflict(format!(
                    "milestones are reported on accepted work; the request is {status}"
                )));
            }
            if request.milestone(milestone_id).is_some() {
                return Err(DomainError::conflict(format!(
                    "milestone {milestone_id} was already reported"
                )));
            }
            let mut v = Validation::new();
            let title = v.take(Title::parse("title", &title, MILESTONE_TITLE_MAX));
            let description = v.take(clean(
                "description",
                &description,
                0,
                MILESTONE_DESCRIPTION_MAX,
            ));
            v.check(
                progress_percent.is_none_or(|p| p <= PROGRESS_MAX),
                "progress_percent",
                format!("must be between 0 and {PROGRESS_MAX}"),
            );
            v.finish()?;
            let (Some(title), Some(description)) = (title, description) else {
                unreachable!("every missing value recorded a field error");
            };
            Ok(VerificationEvent::MilestoneReported {
                milestone: Milestone {
                    id: milestone_id,
                    title: title.as_str().to_owned(),
                    description,
                    progress_percent,
                    reported_at: now,
                },
            })
        }

        VerificationAction::Complete {
            outcome,
            trl_after,
            report,
        } => {
            require(
                provider,
                "only a provider of the requested organization can complete the work",
            )?;
            if !matches!(status, S::Accepted | S::InProgress) {
                return Err(DomainError::conflict(format!(
                    "only accepted or in-progress work can be completed; the request is {status}"
                )));
            }
            let mut v = Validation::new();
            // A success never lowers the TRL; a failure never raises it (reporting a higher TRL
            // for failed work is a contradiction, not a nuance). Only a success raises the
            // listing's TRL, see `raised_trl`.
            let before = request.content.trl_before;
            v.check(
                outcome == Outcome::Failure || trl_after >= before,
                "trl_after",
                "a successful verification does not lower the TRL",
            );
            v.check(
                outcome == Outcome::Success || trl_after <= before,
                "trl_after",
                "a failed verification does not raise the TRL",
            );
            let report = v.take(clean("report", &report, 1, REPORT_MAX));
            v.finish()?;
            let Some(report) = report else {
                unreachable!("every missing value recorded a field error");
            };
            Ok(VerificationEvent::Completed {
                outcome,
                trl_after,
                report,
            })
        }

        VerificationAction::Cancel { reason } => {
            require(
                request.is_requester(actor),
                "only the requester can cancel a verification request",
            )?;
            if !matches!(status, S::Requested | S::Accepted | S::InProgress) {
                return Err(DomainError::conflict(format!(
                    "a {status} request cannot be cancelled"
                )));
            }
            Ok(VerificationEvent::Cancelled {
                reason: parse_reason(&reason)?,
            })
        }
    }
}

fn require_requested(status: VerificationStatus, verb: &str) -> Result<(), DomainError> {
    if status == VerificationStatus::Requested {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "only a requested verification can be {verb}; it is {status}"
        )))
    }
}

fn parse_reason(raw: &str) -> Result<String, DomainError> {
    clean("reason", raw, 1, REASON_MAX).map_err(|e| DomainError::Invalid(vec![e]))
}

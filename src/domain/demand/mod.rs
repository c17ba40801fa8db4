//! Demand (技术需求): what an enterprise needs from research — a technical problem (技术难题), an
//! application scene (应用场景需求) or an open call (揭榜挂帅) with a bounty, a deadline and
//! acceptance criteria.
//!
//! draft → published → closed (fulfilled | expired | cancelled); a draft may also be cancelled.
//! Open calls take applications from researchers while published and before their deadline, and
//! close as fulfilled when the owner selects a winner (揭榜方). Expiry happens by rule: the
//! system actor expires a published demand once its valid-until date is over in China.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::calendar::china_date;
use super::error::{require, Validation};
use super::listing::Trl;
use super::reference::{ReferenceData, RegionCode, TechnologyField};
use super::text::{clean, Title};
use super::{Actor, Command, DomainError, DomainEvent, Recorded, Role};

#[cfg(test)]
mod tests;

const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 5_000;
const KEYWORDS_MAX: usize = 20;
const KEYWORD_LEN_MAX: usize = 40;
/// 10^15 fen (10^13 yuan): far above any real budget, well inside `i64`.
const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;
const CRITERIA_MAX: usize = 5_000;
const PROPOSAL_MAX: usize = 5_000;
const NOTE_MAX: usize = 500;

/// The demand aggregate (esrs name `demand`).
pub struct Demand;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandState {
    /// `None` until `Created`.
    pub demand: Option<DemandData>,
}

impl super::Visibility for DemandState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.demand
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandData {
    pub owner_id: Uuid,
    pub owner_organization_id: Option<Uuid>,
    pub status: DemandStatus,
    /// Why the demand closed; `None` while it is open.
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    pub content: DemandContent,
    /// Applications to an open call, in the order they arrived.
    pub applications: Vec<Application>,
    /// The selected application (揭榜方) of an open call.
    pub winner: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandStatus {
    Draft,
    Published,
    Closed,
}

impl DemandStatus {
    pub const ALL: [DemandStatus; 3] = [
        DemandStatus::Draft,
        DemandStatus::Published,
        DemandStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DemandStatus::Draft => "draft",
            DemandStatus::Published => "published",
            DemandStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<DemandStatus> {
        DemandStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for DemandStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a demand closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    Fulfilled,
    /// Only by rule (the system actor's `Expire`), never asked for by a person.
    Expired,
    Cancelled,
}

impl CloseReason {
    pub const ALL: [CloseReason; 3] = [
        CloseReason::Fulfilled,
        CloseReason::Expired,
        CloseReason::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Fulfilled => "fulfilled",
            CloseReason::Expired => "expired",
            CloseReason::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<CloseReason> {
        CloseReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandKind {
    /// 技术难题
    TechnicalProblem,
    /// 应用场景需求
    Scene,
    /// 揭榜挂帅
    OpenCall,
}

impl DemandKind {
    pub const ALL: [DemandKind; 3] = [
        DemandKind::TechnicalProblem,
        DemandKind::Scene,
        DemandKind::OpenCall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DemandKind::TechnicalProblem => "technical_problem",
            DemandKind::Scene => "scene",
            DemandKind::OpenCall => "open_call",
        }
    }

    pub fn parse(s: &str) -> Option<DemandKind> {
        DemandKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for DemandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CooperationMode {
    Assignment,
    License,
    JointDevelopment,
    CommissionedDevelopment,
    EquityInvestment,
    TechnicalService,
}

impl CooperationMode {
    pub const ALL: [CooperationMode; 6] = [
        CooperationMode::Assignment,
        CooperationMode::License,
        CooperationMode::JointDevelopment,
        CooperationMode::CommissionedDevelopment,
        CooperationMode::EquityInvestment,
        CooperationMode::TechnicalService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CooperationMode::Assignment => "assignment",
            CooperationMode::License => "license",
            CooperationMode::JointDevelopment => "joint_development",
            CooperationMode::CommissionedDevelopment => "commissioned_development",
            CooperationMode::EquityInvestment => "equity_investment",
            CooperationMode::TechnicalService => "technical_service",
        }
    }

    pub fn parse(s: &str) -> Option<CooperationMode> {
        CooperationMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for CooperationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A researcher's application to an open call (揭榜申请).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: Uuid,
    pub applicant_id: Uuid,
    pub applicant_organization_id: Option<Uuid>,
    /// The applicant's listing the application builds on, when there is one.
    pub listing_id: Option<Uuid>,
    pub proposal: String,
    pub applied_at: DateTime<Utc>,
}

/// Validated content: everything `revise` replaces. Built by [`DemandContent::parse`]; events
/// re-read from the store were parsed when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandContent {
    pub kind: DemandKind,
    pub title: Title,
    pub description: String,
    pub field: TechnologyField,
    pub keywords: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub cooperation_modes: Vec<CooperationMode>,
    pub region: RegionCode,
    /// The last China date on which the demand is valid.
    pub valid_until: NaiveDate,
    /// The readiness the enterprise needs.
    pub trl_min: Option<Trl>,
    /// The terms of an open call; `Some` exactly when `kind` is `open_call`.
    pub open_call: Option<OpenCallTerms>,
}

/// 揭榜挂帅 terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCallTerms {
    pub bounty_fen: i64,
    /// The last China date on which applications are taken; never after `valid_until`.
    pub deadline: NaiveDate,
    pub acceptance_criteria: String,
}

/// The raw content as it arrives in a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemandInput {
    pub kind: DemandKind,
    pub title: String,
    pub description: String,
    pub field: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub budget_min_fen: Option<i64>,
    #[serde(default)]
    pub budget_max_fen: Option<i64>,
    pub cooperation_modes: Vec<CooperationMode>,
    pub region: String,
    pub valid_until: NaiveDate,
    #[serde(default)]
    pub trl_min: Option<i64>,
    #[serde(default)]
    pub open_call: Option<OpenCallInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCallInput {
    pub bounty_fen: i64,
    pub deadline: NaiveDate,
    pub acceptance_criteria: String,
}

impl DemandContent {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `open_call.bounty_fen` or `keywords[2]`. `today` is the China date of the request
    /// ([`china_date`] of the command's `now`): neither `valid_until` nor the open call's deadline
    /// may lie before it.
    pub fn parse(
        input: DemandInput,
        refs: &ReferenceData,
        today: NaiveDate,
    ) -> Result<DemandContent, DomainError> {
        let mut v = Validation::new();

        let title = v.take(Title::parse("title", &input.title, TITLE_MAX));
        let description = v.take(clean("description", &input.description, 1, DESCRIPTION_MAX));
        let field = v.take(TechnologyField::parse("field", &input.field, refs));
        let keywords = parse_keywords(&mut v, &input.keywords);
        let budget_min_ok = check_amount(&mut v, "budget_min_fen", input.budget_min_fen);
        let budget_max_ok = check_amount(&mut v, "budget_max_fen", input.budget_max_fen);
        if budget_min_ok && budget_max_ok {
            check_budget_order(&mut v, input.budget_min_fen, input.budget_max_fen);
        }
        let cooperation_modes = parse_cooperation_modes(&mut v, input.cooperation_modes);
        let region = v.take(RegionCode::parse("region", &input.region, refs));
        v.check(
            input.valid_until >= today,
            "valid_until",
            format!("must not be before today ({today})"),
        );
        let trl_min = input
            .trl_min
            .and_then(|raw| v.take(Trl::parse("trl_min", raw)));
        let open_call = match (input.kind, input.open_call) {
            (DemandKind::OpenCall, None) => {
                v.push("open_call", "is required for open_call");
                None
            }
            (DemandKind::OpenCall, Some(terms)) => {
                parse_open_call(&mut v, terms, input.valid_until, today)
            }
            (_, Some(_)) => {
                v.push("open_call", "is only for open_call");
                None
            }
            (_, None) => None,
        };

        v.finish()?;
        let (Some(title), Some(description), Some(field), Some(region)) =
            (title, description, field, region)
        else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(DemandContent {
            kind: input.kind,
            title,
            description,
            field,
            keywords,
            budget_min_fen: input.budget_min_fen,
            budget_max_fen: input.budget_max_fen,
            cooperation_modes,
            region,
            valid_until: input.valid_until,
            trl_min,
            open_call,
        })
    }

    /// The rules between fields that commands rely on, re-checked because the fields are public.
    /// Dates against "today" are not re-checked: they were checked when the content was parsed.
    fn check_rules(&self) -> Result<(), DomainError> {
        let mut v = Validation::new();
        match (self.kind, &self.open_call) {
            (DemandKind::OpenCall, None) => v.push("open_call", "is required for open_call"),
            (DemandKind::OpenCall, Some(terms)) => v.check(
                terms.deadline <= self.valid_until,
                "open_call.deadline",
                "must not be after valid_until",
            ),
            (_, Some(_)) => v.push("open_call", "is only for open_call"),
            (_, None) => {}
        }
        check_budget_order(&mut v, self.budget_min_fen, self.budget_max_fen);
        v.finish()
    }
}

/// Records an error unless `amount` is absent or within `0..=MAX_AMOUNT_FEN`; says whether it was.
fn check_amount(v: &mut Validation, field: &str, amount: Option<i64>) -> bool {
    let ok = amount.is_none_or(|a| (0..=MAX_AMOUNT_FEN).contains(&a));
    v.check(
        ok,
        field,
        format!("must be between 0 and {MAX_AMOUNT_FEN} fen"),
    );
    ok
}

fn check_budget_order(v: &mut Validation, min: Option<i64>, max: Option<i64>) {
    if let (Some(min), Some(max)) = (min, max) {
        v.check(
            min <= max,
            "budget_max_fen",
            "must not be below budget_min_fen",
        );
    }
}

fn parse_keywords(v: &mut Validation, raw: &[String]) -> Vec<String> {
    v.check(
        raw.len() <= KEYWORDS_MAX,
        "keywords",
        format!("must have at most {KEYWORDS_MAX} entries"),
    );
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, kw) in raw.iter().enumerate() {
        let path = format!("keywords[{i}]");
        let Some(kw) = v.take(Title::parse(&path, kw, KEYWORD_LEN_MAX)) else {
            continue;
        };
        if out.iter().any(|k| k == kw.as_str()) {
            v.push(path, "repeats an earlier keyword");
        } else {
            out.push(kw.as_str().to_owned());
        }
    }
    out
}

fn parse_cooperation_modes(v: &mut Validation, raw: Vec<CooperationMode>) -> Vec<CooperationMode> {
    if raw.is_empty() {
        v.push(
            "cooperation_modes",
            "must name at least one cooperation mode",
        );
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, mode) in raw.into_iter().enumerate() {
        if out.contains(&mode) {
            v.push(
                format!("cooperation_modes[{i}]"),
                "repeats an earlier cooperation mode",
            );
        } else {
            out.push(mode);
        }
    }
    out
}

fn parse_open_call(
    v: &mut Validation,
    raw: OpenCallInput,
    valid_until: NaiveDate,
    today: NaiveDate,
) -> Option<OpenCallTerms> {
    v.check(
        raw.bounty_fen > 0 && raw.bounty_fen <= MAX_AMOUNT_FEN,
        "open_call.bounty_fen",
        format!("must be more than 0 and at most {MAX_AMOUNT_FEN} fen"),
    );
    if raw.deadline < today {
        v.push(
            "open_call.deadline",
            format!("must not be before today ({today})"),
        );
    } else if raw.deadline > valid_until {
        v.push("open_call.deadline", "must not be after valid_until");
    }
    let acceptance_criteria = v.take(clean(
        "open_call.acceptance_criteria",
        &raw.acceptance_criteria,
        1,
        CRITERIA_MAX,
    ))?;
    Some(OpenCallTerms {
        bounty_fen: raw.bounty_fen,
        deadline: raw.deadline,
        acceptance_criteria,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DemandAction {
    Create(DemandContent),
    Revise(DemandContent),
    Publish,
    Close {
        reason: CloseReason,
        note: Option<String>,
    },
    /// By rule, from the system actor, once `valid_until` is over in China.
    Expire,
    Apply {
        application_id: Uuid,
        proposal: String,
        listing_id: Option<Uuid>,
    },
    SelectWinner {
        application_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DemandEvent {
    Created {
        owner_id: Uuid,
        owner_organization_id: Option<Uuid>,
        content: DemandContent,
    },
    Revised {
        content: DemandContent,
    },
    Published,
    Closed {
        reason: CloseReason,
        note: Option<String>,
    },
    Expired,
    Applied {
        application: Application,
    },
    /// Always followed by `Closed { reason: fulfilled }` in the same command.
    WinnerSelected {
        application_id: Uuid,
        applicant_id: Uuid,
    },
}

impl DemandEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            DemandEvent::Created { .. } => "created",
            DemandEvent::Revised { .. } => "revised",
            DemandEvent::Published => "published",
            DemandEvent::Closed { .. } => "closed",
            DemandEvent::Expired => "expired",
            DemandEvent::Applied { .. } => "applied",
            DemandEvent::WinnerSelected { .. } => "winner_selected",
        }
    }
}

impl DomainEvent for DemandEvent {
    fn name(&self) -> &'static str {
        DemandEvent::name(self)
    }
}

impl DemandData {
    pub fn is_owner(&self, actor: &Actor) -> bool {
        actor.user_id == self.owner_id
    }

    /// Published and closed demands are public; a draft only to its owner and the operators.
    /// Published demands, and closed ones that were published first, are public (the record of
    /// what the market asked for); a draft, even a cancelled one, is its owner's.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        if self.status == DemandStatus::Published
            || (self.status == DemandStatus::Closed && self.published_at.is_some())
        {
            return true;
        }
        let Some(actor) = viewer else { return false };
        self.is_owner(actor) || actor.role == Role::PlatformAdmin
    }

    /// The applications `viewer` may read: all for the owner (and PlatformAdmin), only their own
    /// for an applicant, none otherwise.
    pub fn applications_visible_to(&self, viewer: Option<&Actor>) -> Vec<&Application> {
        let Some(actor) = viewer else {
            return Vec::new();
        };
        if self.is_owner(actor) || actor.role == Role::PlatformAdmin {
            return self.applications.iter().collect();
        }
        self.applications
            .iter()
            .filter(|a| a.applicant_id == actor.user_id)
            .collect()
    }

    /// Published and not yet past `valid_until` on `today`: what matching and the board call
    /// "open".
    pub fn is_open_on(&self, today: NaiveDate) -> bool {
        self.status == DemandStatus::Published && today <= self.content.valid_until
    }

    pub fn application(&self, id: Uuid) -> Option<&Application> {
        self.applications.iter().find(|a| a.id == id)
    }

    fn is_open_call(&self) -> bool {
        self.content.kind == DemandKind::OpenCall
    }
}

impl esrs::Aggregate for Demand {
    const NAME: &'static str = "demand";
    type State = DemandState;
    type Command = Command<DemandAction>;
    type Event = Recorded<DemandEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let events = match (&state.demand, action) {
            (None, DemandAction::Create(content)) => vec![create(&actor, content)?],
            (Some(_), DemandAction::Create(_)) => {
                return Err(DomainError::conflict("demand already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            (Some(demand), action) => decide(demand, &actor, now, action)?,
        };
        Ok(events
            .into_iter()
            .map(|event| Recorded {
                actor,
                at: now,
                event,
            })
            .collect())
    }

    fn apply_event(mut state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, .. } = payload;
        if let DemandEvent::Created {
            owner_id,
            owner_organization_id,
            content,
        } = event
        {
            state.demand = Some(DemandData {
                owner_id,
                owner_organization_id,
                status: DemandStatus::Draft,
                close_reason: None,
                close_note: None,
                content,
                applications: Vec::new(),
                winner: None,
                created_at: at,
                updated_at: at,
                published_at: None,
                closed_at: None,
            });
            return state;
        }
        // The decider never emits anything before `Created`; applying stays total rather than
        // panicking in the middle of a rebuild.
        let Some(demand) = state.demand.as_mut() else {
            return state;
        };
        demand.updated_at = at;
        match event {
            DemandEvent::Created { .. } => {}
            DemandEvent::Revised { content } => demand.content = content,
            DemandEvent::Published => {
                demand.status = DemandStatus::Published;
                demand.published_at = Some(at);
            }
            DemandEvent::Closed { reason, note } => {
                demand.status = DemandStatus::Closed;
                demand.close_reason = Some(reason);
                demand.close_note = note;
                demand.closed_at = Some(at);
            }
            DemandEvent::Expired => {
                demand.status = DemandStatus::Closed;
                demand.close_reason = Some(CloseReason::Expired);
                demand.close_note = None;
                demand.closed_at = Some(at);
            }
            DemandEvent::Applied { application } => demand.applications.push(application),
            DemandEvent::WinnerSelected { application_id, .. } => {
                demand.winner = Some(application_id);
            }
        }
        state
    }
}

fn create(actor: &Actor, content: DemandContent) -> Result<DemandEvent, DomainError> {
    require(
        actor.role == Role::Enterprise,
        "only an enterprise can post a demand",
    )?;
    content.check_rules()?;
    Ok(DemandEvent::Created {
        owner_id: actor.user_id,
        owner_organization_id: actor.organization_id,
        content,
    })
}

/// Authorization first, then state, then the payload: someone who may not act learns nothing
/// about the demand's state from the error.
fn decide(
    demand: &DemandData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: DemandAction,
) -> Result<Vec<DemandEvent>, DomainError> {
    use DemandStatus as S;
    let status = demand.status;
    let owner = demand.is_owner(actor);
    let today = china_date(now);
    match action {
        DemandAction::Create(_) => {
            unreachable!("creation is decided before an existing demand is")
        }

        DemandAction::Revise(content) => {
            require(owner, "only the owner can revise a demand")?;
            if status == S::Closed {
                return Err(DomainError::conflict(format!(
                    "only a draft or published demand can be revised; it is {status}"
                )));
            }
            if status == S::Published && content.kind != demand.content.kind {
                return Err(DomainError::conflict(
                    "the kind of a published demand cannot change",
                ));
            }
            if !demand.applications.is_empty() && content.open_call != demand.content.open_call {
                return Err(DomainError::conflict(
                    "the terms of an open call that has applications cannot change",
                ));
            }
            content.check_rules()?;
            Ok(vec![DemandEvent::Revised { content }])
        }

        DemandAction::Publish => {
            require(owner, "only the owner can publish a demand")?;
            require_status(status, S::Draft, "published")?;
            let valid_until = demand.content.valid_until;
            if valid_until < today {
                return Err(DomainError::conflict(format!(
                    "the demand was valid until {valid_until}; revise valid_until before publishing"
                )));
            }
            if let Some(terms) = demand.content.open_call.as_ref() {
                if terms.deadline < today {
                    return Err(DomainError::conflict(format!(
                        "the open call deadline {} has passed; revise it before publishing",
                        terms.deadline
                    )));
                }
            }
            Ok(vec![DemandEvent::Published])
        }

        DemandAction::Close { reason, note } => {
            require(owner, "only the owner can close a demand")?;
            match (status, reason) {
                (S::Closed, _) => {
                    return Err(DomainError::conflict("the demand is already closed"))
                }
                (S::Draft, CloseReason::Fulfilled) => {
                    return Err(DomainError::conflict(
                        "a draft can only be cancelled, not fulfilled",
                    ))
                }
                _ => {}
            }
            let mut v = Validation::new();
            v.check(
                reason != CloseReason::Expired,
                "reason",
                "expiry happens by itself",
            );
            let note = note
                .and_then(|raw| v.take(clean("note", &raw, 0, NOTE_MAX)))
                .filter(|n| !n.is_empty());
            v.finish()?;
            Ok(vec![DemandEvent::Closed { reason, note }])
        }

        DemandAction::Expire => {
            require(
                actor.is_system(),
                "a demand expires by rule, not at anyone's request",
            )?;
            require_status(status, S::Published, "expired")?;
            let valid_until = demand.content.valid_until;
            if today <= valid_until {
                return Err(DomainError::conflict(format!(
                    "expiry is not yet due: the demand is valid until {valid_until}"
                )));
            }
            Ok(vec![DemandEvent::Expired])
        }

        DemandAction::Apply {
            application_id,
            proposal,
            listing_id,
        } => {
            require(
                actor.role == Role::Researcher,
                "only a researcher can apply to an open call",
            )?;
            require(!owner, "nobody can apply to their own demand")?;
            let Some(terms) = demand.content.open_call.as_ref() else {
                return Err(DomainError::conflict("only open calls take applications"));
            };
            require_status(status, S::Published, "applied to")?;
            if today > terms.deadline {
                return Err(DomainError::conflict(format!(
                    "the deadline has passed: applications closed at the end of {}",
                    terms.deadline
                )));
            }
            if demand
                .applications
                .iter()
                .any(|a| a.applicant_id == actor.user_id)
            {
                return Err(DomainError::conflict("already applied to this open call"));
            }
            if demand.application(application_id).is_some() {
                return Err(DomainError::conflict(format!(
                    "application {application_id} already exists"
                )));
            }
            let proposal = clean("proposal", &proposal, 1, PROPOSAL_MAX)
                .map_err(|e| DomainError::Invalid(vec![e]))?;
            Ok(vec![DemandEvent::Applied {
                application: Application {
                    id: application_id,
                    applicant_id: actor.user_id,
                    applicant_organization_id: actor.organization_id,
                    listing_id,
                    proposal,
                    applied_at: now,
                },
            }])
        }

        DemandAction::SelectWinner { application_id } => {
            require(owner, "only the owner can select a winner")?;
            if !demand.is_open_call() {
                return Err(DomainError::conflict("only an open call selects a winner"));
            }
            require_status(status, S::Published, "given a winner")?;
            let Some(application) = demand.application(application_id) else {
                return Err(DomainError::invalid(
                    "application_id",
                    "no such application",
                ));
            };
            Ok(vec![
                DemandEvent::WinnerSelected {
                    application_id,
                    applicant_id: application.applicant_id,
                },
                DemandEvent::Closed {
                    reason: CloseReason::Fulfilled,
                    note: None,
                },
            ])
        }
    }
}

fn require_status(
    status: DemandStatus,
    expected: DemandStatus,
    verb: &str,
) -> Result<(), DomainError> {
    if status == expected {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "the demand must be {expected} to be {verb}; it is {status}"
        )))
    }
}

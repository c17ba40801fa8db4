//! Listing (科技成果): an achievement a researcher offers for transfer.
//!
//! draft → under_review → published → (withdrawn | transferred), with under_review → returned →
//! (revise) → draft. TRL revisions and price public notices (公示) are events of their own.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{require, Validation};
use super::reference::{IpKind, ReferenceData, RegionCode, TechnologyField};
use super::share::{parse_percent, percent_text, FULL_BP};
use super::text::{clean, Title};
use super::{Actor, Command, DomainError, DomainEvent, FieldError, Recorded, Role};

#[cfg(test)]
mod tests;

const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 2_000;
const CONFIDENTIAL_MAX: usize = 20_000;
const KEYWORDS_MAX: usize = 20;
const KEYWORD_LEN_MAX: usize = 40;
const IP_RIGHTS_MAX: usize = 20;
const IP_NUMBER_MAX: usize = 64;
const INVENTORS_MAX: usize = 50;
const INVENTOR_NAME_MAX: usize = 100;
/// 10^18 fen (10^16 yuan): far above any real price, yet inside `i64`.
const MAX_PRICE_FEN: i64 = 1_000_000_000_000_000;
const REASONS_MAX: usize = 20;
const REASON_LEN_MAX: usize = 500;
const NOTICE_DAYS_MAX: u32 = 365;

/// The listing aggregate (esrs name `listing`).
pub struct Listing;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingState {
    /// `None` until `Created`.
    pub listing: Option<ListingData>,
}

impl super::Visibility for ListingState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.listing
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingData {
    pub owner_id: Uuid,
    pub owner_organization_id: Option<Uuid>,
    pub status: ListingStatus,
    pub content: ListingContent,
    /// Reasons of the latest return; cleared on submit.
    pub return_reasons: Vec<String>,
    pub withdrawal_reason: Option<String>,
    pub price_notice: Option<PriceNotice>,
    pub transferred_by_contract: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// The verification requests whose outcomes have already revised the TRL: a replayed
    /// outcome (the policy is at-least-once) must not revise it twice.
    #[serde(default)]
    pub trl_sources: Vec<Uuid>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ListingStatus {
    Draft,
    UnderReview,
    Returned,
    Published,
    Withdrawn,
    Transferred,
}

crate::codes!(ListingStatus);

/// A price public notice (公示) period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceNotice {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl PriceNotice {
    /// Whether the notice period is over at `t` (the end instant itself counts as over).
    pub fn has_run_by(&self, t: DateTime<Utc>) -> bool {
        t >= self.ends_at
    }
}

/// Validated content: everything `revise` replaces. Built by [`ListingContent::parse`]; events
/// re-read from the store were parsed when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingContent {
    pub title: Title,
    pub summary: String,
    pub confidential_detail: Option<String>,
    pub field: TechnologyField,
    pub keywords: Vec<String>,
    pub ip_rights: Vec<IpRight>,
    pub trl: Trl,
    pub job_related: bool,
    /// The owning institution of a job-related (职务) listing; `None` otherwise.
    pub institution_id: Option<Uuid>,
    pub inventors: Vec<Inventor>,
    pub transfer_modes: Vec<TransferMode>,
    pub pricing_mode: PricingMode,
    pub asking_price_fen: Option<i64>,
    pub region: RegionCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpRight {
    pub kind: IpKind,
    pub number: String,
    pub status: IpStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpStatus {
    Pending,
    Granted,
    Lapsed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventor {
    pub name: String,
    pub user_id: Option<Uuid>,
    /// Contribution share in basis points (1..=10000); all inventors sum to 10000.
    pub share_bp: u32,
}

/// Technology readiness level, 1..=9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Trl(u8);

impl Trl {
    pub fn parse(field: &str, raw: i64) -> Result<Trl, FieldError> {
        match u8::try_from(raw) {
            Ok(n @ 1..=9) => Ok(Trl(n)),
            _ => Err(FieldError::new(field, "must be a TRL between 1 and 9")),
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Trl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    Assignment,
    ExclusiveLicense,
    SoleLicense,
    NonExclusiveLicense,
    EquityInvestment,
    JointDevelopment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PricingMode {
    /// 协议定价
    Negotiated,
    /// 挂牌
    Listed,
    /// 拍卖
    Auction,
}

/// The raw content as it arrives in a JSON body.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub confidential_detail: Option<String>,
    pub field: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub ip_rights: Vec<IpRightInput>,
    pub trl: i64,
    #[serde(default)]
    pub job_related: bool,
    #[serde(default)]
    pub institution_id: Option<Uuid>,
    pub inventors: Vec<InventorInput>,
    pub transfer_modes: Vec<TransferMode>,
    pub pricing_mode: PricingMode,
    #[serde(default)]
    pub asking_price_fen: Option<i64>,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IpRightInput {
    pub kind: String,
    pub number: String,
    pub status: IpStatus,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InventorInput {
    pub name: String,
    #[serde(default)]
    pub user_id: Option<Uuid>,
    pub share_percent: f64,
}

impl ListingContent {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `inventors[1].share_percent`, `ip_rights[0].kind` or `keywords[2]`.
    pub fn parse(input: ListingInput, refs: &ReferenceData) -> Result<ListingContent, DomainError> {
        let mut v = Validation::new();

        let title = v.take(Title::parse("title", &input.title, TITLE_MAX));
        let summary = v.take(clean("summary", &input.summary, 1, SUMMARY_MAX));
        let confidential_detail = input
            .confidential_detail
            .and_then(|raw| v.take(clean("confidential_detail", &raw, 0, CONFIDENTIAL_MAX)))
            .filter(|s| !s.is_empty());
        let field = v.take(TechnologyField::parse("field", &input.field, refs));
        let keywords = parse_keywords(&mut v, &input.keywords);
        let ip_rights = parse_ip_rights(&mut v, &input.ip_rights, refs);
        let trl = v.take(Trl::parse("trl", input.trl));
        match (input.job_related, input.institution_id) {
            (true, None) => v.push("institution_id", "is required for a job-related listing"),
            (false, Some(_)) => v.push("institution_id", "is only given for a job-related listing"),
            _ => {}
        }
        let inventors = parse_inventors(&mut v, &input.inventors);
        let transfer_modes = parse_transfer_modes(&mut v, input.transfer_modes);
        match input.asking_price_fen {
            None if input.pricing_mode == PricingMode::Listed => v.push(
                "asking_price_fen",
                "is required when pricing_mode is listed",
            ),
            Some(p) if !(0..=MAX_PRICE_FEN).contains(&p) => v.push(
                "asking_price_fen",
                format!("must be between 0 and {MAX_PRICE_FEN} fen"),
            ),
            _ => {}
        }
        let region = v.take(RegionCode::parse("region", &input.region, refs));

        v.finish()?;
        let (Some(title), Some(summary), Some(field), Some(trl), Some(region)) =
            (title, summary, field, trl, region)
        else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(ListingContent {
            title,
            summary,
            confidential_detail,
            field,
            keywords,
            ip_rights,
            trl,
            job_related: input.job_related,
            institution_id: input.institution_id,
            inventors,
            transfer_modes,
            pricing_mode: input.pricing_mode,
            asking_price_fen: input.asking_price_fen,
            region,
        })
    }

    /// The one rule that commands rely on, re-checked because the fields are public.
    fn check_institution(&self) -> Result<(), DomainError> {
        if self.job_related != self.institution_id.is_some() {
            return Err(DomainError::invalid(
                "institution_id",
                "a job-related listing names its institution, and only a job-related one does",
            ));
        }
        Ok(())
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

fn parse_ip_rights(v: &mut Validation, raw: &[IpRightInput], refs: &ReferenceData) -> Vec<IpRight> {
    v.check(
        raw.len() <= IP_RIGHTS_MAX,
        "ip_rights",
        format!("must have at most {IP_RIGHTS_MAX} entries"),
    );
    let mut out: Vec<IpRight> = Vec::with_capacity(raw.len());
    for (i, ip) in raw.iter().enumerate() {
        let kind = v.take(IpKind::parse(
            &format!("ip_rights[{i}].kind"),
            &ip.kind,
            refs,
        ));
        let number = v.take(Title::parse(
            &format!("ip_rights[{i}].number"),
            &ip.number,
            IP_NUMBER_MAX,
        ));
        let (Some(kind), Some(number)) = (kind, number) else {
            continue;
        };
        if out
            .iter()
            .any(|r| r.kind == kind && r.number == number.as_str())
        {
            v.push(
                format!("ip_rights[{i}]"),
                "repeats an earlier IP right of the same kind and number",
            );
        } else {
            out.push(IpRight {
                kind,
                number: number.as_str().to_owned(),
                status: ip.status,
            });
        }
    }
    out
}

fn parse_inventors(v: &mut Validation, raw: &[InventorInput]) -> Vec<Inventor> {
    if raw.is_empty() {
        v.push("inventors", "must name at least one inventor");
    }
    v.check(
        raw.len() <= INVENTORS_MAX,
        "inventors",
        format!("must have at most {INVENTORS_MAX} entries"),
    );
    let mut out: Vec<Inventor> = Vec::with_capacity(raw.len());
    let mut seen_users: Vec<Uuid> = Vec::new();
    let mut all_shares_valid = true;
    // u64: the list length is checked but still walked, so a huge list must not overflow.
    let mut total_bp: u64 = 0;
    for (i, inv) in raw.iter().enumerate() {
        let name = v.take(Title::parse(
            &format!("inventors[{i}].name"),
            &inv.name,
            INVENTOR_NAME_MAX,
        ));
        let share = v.take(parse_percent(
            &format!("inventors[{i}].share_percent"),
            inv.share_percent,
            false,
        ));
        match share {
            Some(bp) => total_bp += u64::from(bp),
            None => all_shares_valid = false,
        }
        if let Some(user_id) = inv.user_id {
            if seen_users.contains(&user_id) {
                v.push(
                    format!("inventors[{i}].user_id"),
                    "names the same user as an earlier inventor",
                );
            }
            seen_users.push(user_id);
        }
        if let (Some(name), Some(share_bp)) = (name, share) {
            out.push(Inventor {
                name: name.as_str().to_owned(),
                user_id: inv.user_id,
                share_bp,
            });
        }
    }
    // A sum over shares that were themselves refused would only repeat those errors.
    if all_shares_valid && !raw.is_empty() && total_bp != u64::from(FULL_BP) {
        v.push(
            "inventors",
            format!(
                "shares must sum to 100%, they sum to {}",
                percent_text(total_bp)
            ),
        );
    }
    out
}

fn parse_transfer_modes(v: &mut Validation, raw: Vec<TransferMode>) -> Vec<TransferMode> {
    if raw.is_empty() {
        v.push("transfer_modes", "must offer at least one transfer mode");
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, mode) in raw.into_iter().enumerate() {
        if out.contains(&mode) {
            v.push(
                format!("transfer_modes[{i}]"),
                "repeats an earlier transfer mode",
            );
        } else {
            out.push(mode);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListingAction {
    Create(ListingContent),
    Revise(ListingContent),
    Submit,
    Publish,
    Return { reasons: Vec<String> },
    Withdraw { reason: Option<String> },
    StartPriceNotice { days: u32 },
    ReviseTrl { trl: Trl, source: Option<Uuid> },
    MarkTransferred { contract_id: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListingEvent {
    Created {
        owner_id: Uuid,
        owner_organization_id: Option<Uuid>,
        content: ListingContent,
    },
    Revised {
        content: ListingContent,
    },
    Submitted,
    Published,
    Returned {
        reasons: Vec<String>,
    },
    Withdrawn {
        reason: Option<String>,
    },
    PriceNoticeStarted {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
    /// `source` is the verification request whose outcome moved the TRL, when there is one.
    TrlRevised {
        from: Trl,
        to: Trl,
        source: Option<Uuid>,
    },
    Transferred {
        contract_id: Uuid,
    },
}

impl ListingEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            ListingEvent::Created { .. } => "created",
            ListingEvent::Revised { .. } => "revised",
            ListingEvent::Submitted => "submitted",
            ListingEvent::Published => "published",
            ListingEvent::Returned { .. } => "returned",
            ListingEvent::Withdrawn { .. } => "withdrawn",
            ListingEvent::PriceNoticeStarted { .. } => "price_notice_started",
            ListingEvent::TrlRevised { .. } => "trl_revised",
            ListingEvent::Transferred { .. } => "transferred",
        }
    }

    /// A copy fit for someone who may not see the confidential detail (e.g. the history view).
    pub fn redacted(&self) -> ListingEvent {
        let mut copy = self.clone();
        if let ListingEvent::Created { content, .. } | ListingEvent::Revised { content } = &mut copy
        {
            content.confidential_detail = None;
        }
        copy
    }
}

impl DomainEvent for ListingEvent {
    fn name(&self) -> &'static str {
        ListingEvent::name(self)
    }
}

impl ListingData {
    pub fn is_owner(&self, actor: &Actor) -> bool {
        actor.user_id == self.owner_id
    }

    /// The technology-transfer office of the institution that owns a job-related listing.
    pub fn is_institution_admin(&self, actor: &Actor) -> bool {
        self.content.job_related
            && actor.role == Role::InstitutionAdmin
            && actor.belongs_to(self.content.institution_id)
    }

    /// The kinds of IP the listing's rights are, each once, in code order: what a contract
    /// drafted from it (after a negotiation or a market sale) declares.
    pub fn ip_kind_codes(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .content
            .ip_rights
            .iter()
            .map(|r| r.kind.as_str().to_string())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// A job-related listing with negotiated pricing needs a price public notice before a
    /// contract for it can be registered.
    pub fn needs_price_notice(&self) -> bool {
        self.content.job_related && self.content.pricing_mode == PricingMode::Negotiated
    }

    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        if matches!(
            self.status,
            ListingStatus::Published | ListingStatus::Transferred
        ) {
            return true;
        }
        let Some(actor) = viewer else { return false };
        self.is_owner(actor)
            || actor.role == Role::PlatformAdmin
            || self.is_institution_admin(actor)
            || (actor.role == Role::TechManager && self.status == ListingStatus::UnderReview)
    }

    /// Whether the confidential detail may be shown. Implies visibility, so a caller that checks
    /// only this one cannot leak the detail of a listing the viewer may not see at all.
    pub fn may_see_confidential(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        if !self.is_visible_to(viewer) {
            return false;
        }
        if self.is_owner(actor) {
            return true;
        }
        match actor.role {
            // Operators and statisticians never see confidential detail, whatever their organization.
            Role::PlatformAdmin | Role::Statistician => false,
            Role::TechManager => true,
            _ => actor.belongs_to(self.owner_organization_id) || self.is_institution_admin(actor),
        }
    }
}

impl esrs::Aggregate for Listing {
    const NAME: &'static str = "listing";
    type State = ListingState;
    type Command = Command<ListingAction>;
    type Event = Recorded<ListingEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let event = match (&state.listing, action) {
            (None, ListingAction::Create(content)) => create(&actor, content)?,
            (Some(_), ListingAction::Create(_)) => {
                return Err(DomainError::conflict("listing already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            // The same verification outcome delivered again: already applied, nothing to do.
            (
                Some(listing),
                ListingAction::ReviseTrl {
                    source: Some(s), ..
                },
            ) if listing.trl_sources.contains(&s) => return Ok(vec![]),
            (Some(listing), action) => decide(listing, &actor, now, action)?,
        };
        Ok(vec![Recorded {
            actor,
            at: now,
            event,
        }])
    }

    fn apply_event(mut state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, .. } = payload;
        if let ListingEvent::Created {
            owner_id,
            owner_organization_id,
            content,
        } = event
        {
            state.listing = Some(ListingData {
                owner_id,
                owner_organization_id,
                status: ListingStatus::Draft,
                content,
                return_reasons: Vec::new(),
                withdrawal_reason: None,
                price_notice: None,
                transferred_by_contract: None,
                created_at: at,
                updated_at: at,
                published_at: None,
                trl_sources: Vec::new(),
            });
            return state;
        }
        // The decider never emits anything before `Created`; applying stays total rather than
        // panicking in the middle of a rebuild.
        let Some(listing) = state.listing.as_mut() else {
            return state;
        };
        listing.updated_at = at;
        match event {
            ListingEvent::Created { .. } => {}
            ListingEvent::Revised { content } => {
                listing.content = content;
                if listing.status == ListingStatus::Returned {
                    listing.status = ListingStatus::Draft;
                }
            }
            ListingEvent::Submitted => {
                listing.status = ListingStatus::UnderReview;
                listing.return_reasons.clear();
            }
            ListingEvent::Published => {
                listing.status = ListingStatus::Published;
                listing.published_at = Some(at);
            }
            ListingEvent::Returned { reasons } => {
                listing.status = ListingStatus::Returned;
                listing.return_reasons = reasons;
            }
            ListingEvent::Withdrawn { reason } => {
                listing.status = ListingStatus::Withdrawn;
                listing.withdrawal_reason = reason;
            }
            ListingEvent::PriceNoticeStarted { starts_at, ends_at } => {
                listing.price_notice = Some(PriceNotice { starts_at, ends_at });
            }
            ListingEvent::TrlRevised { to, source, .. } => {
                listing.content.trl = to;
                listing.trl_sources.extend(source);
            }
            ListingEvent::Transferred { contract_id } => {
                listing.status = ListingStatus::Transferred;
                listing.transferred_by_contract = Some(contract_id);
            }
        }
        state
    }
}

fn create(actor: &Actor, content: ListingContent) -> Result<ListingEvent, DomainError> {
    if actor.role != Role::Researcher {
        return Err(DomainError::forbidden(
            "only a researcher can create a listing",
        ));
    }
    content.check_institution()?;
    Ok(ListingEvent::Created {
        owner_id: actor.user_id,
        owner_organization_id: actor.organization_id,
        content,
    })
}

/// Authorization first, then state, then the payload: someone who may not act learns nothing
/// about the listing's state from the error.
fn decide(
    listing: &ListingData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: ListingAction,
) -> Result<ListingEvent, DomainError> {
    use ListingStatus as S;
    let status = listing.status;
    let owner = listing.is_owner(actor);
    match action {
        ListingAction::Create(_) => {
            unreachable!("creation is decided before an existing listing is")
        }

        ListingAction::Revise(content) => {
            require(owner, "only the owner can revise a listing")?;
            if !matches!(status, S::Draft | S::Returned) {
                return Err(DomainError::conflict(format!(
                    "only a draft or returned listing can be revised; it is {status}"
                )));
            }
            content.check_institution()?;
            Ok(ListingEvent::Revised { content })
        }

        ListingAction::Submit => {
            require(owner, "only the owner can submit a listing")?;
            match status {
                S::Draft => Ok(ListingEvent::Submitted),
                S::Returned => Err(DomainError::conflict(
                    "revise the returned listing before resubmitting",
                )),
                _ => Err(DomainError::conflict(format!(
                    "only a draft can be submitted; the listing is {status}"
                ))),
            }
        }

        ListingAction::Publish => {
            require(!owner, "nobody can publish their own listing")?;
            if listing.content.job_related {
                // For a job-related listing the institution's approval is the publication.
                require(
                    listing.is_institution_admin(actor),
                    "a job-related listing is published by its institution's technology-transfer office",
                )?;
            } else {
                require(
                    actor.role == Role::TechManager,
                    "only a tech manager can publish a listing",
                )?;
            }
            require_status(status, S::UnderReview, "published")?;
            Ok(ListingEvent::Published)
        }

        ListingAction::Return { reasons } => {
            require(!owner, "nobody can review their own listing")?;
            require(
                actor.role == Role::TechManager || listing.is_institution_admin(actor),
                "only a tech manager or the owning institution can return a listing",
            )?;
            require_status(status, S::UnderReview, "returned")?;
            Ok(ListingEvent::Returned {
                reasons: parse_reasons(&reasons)?,
            })
        }

        ListingAction::Withdraw { reason } => {
            require(
                owner || listing.is_institution_admin(actor),
                "only the owner or the owning institution can withdraw a listing",
            )?;
            if matches!(status, S::Withdrawn | S::Transferred) {
                return Err(DomainError::conflict(format!(
                    "a {status} listing cannot be withdrawn"
                )));
            }
            let reason = reason
                .map(|raw| clean("reason", &raw, 0, REASON_LEN_MAX))
                .transpose()
                .map_err(|e| DomainError::Invalid(vec![e]))?
                .filter(|r| !r.is_empty());
            Ok(ListingEvent::Withdrawn { reason })
        }

        ListingAction::StartPriceNotice { days } => {
            require(
                owner || listing.is_institution_admin(actor),
                "only the owner or the owning institution can start a price notice",
            )?;
            if !listing.needs_price_notice() {
                return Err(DomainError::conflict(
                    "a price notice is only for a job-related listing with negotiated pricing",
                ));
            }
            require_status(status, S::Published, "given a price notice")?;
            if !(1..=NOTICE_DAYS_MAX).contains(&days) {
                return Err(DomainError::invalid(
                    "days",
                    format!("must be between 1 and {NOTICE_DAYS_MAX}"),
                ));
            }
            if let Some(notice) = listing.price_notice.filter(|n| !n.has_run_by(now)) {
                return Err(DomainError::conflict(format!(
                    "a price notice is already running until {}",
                    notice.ends_at
                )));
            }
            Ok(ListingEvent::PriceNoticeStarted {
                starts_at: now,
                ends_at: now + TimeDelta::days(i64::from(days)),
            })
        }

        ListingAction::ReviseTrl { trl, source } => {
            require(
                owner || matches!(actor.role, Role::Provider | Role::PlatformAdmin),
                "only a provider, a platform admin or the owner can revise the TRL",
            )?;
            if matches!(status, S::Withdrawn | S::Transferred) {
                return Err(DomainError::conflict(format!(
                    "the TRL of a {status} listing cannot change"
                )));
            }
            let from = listing.content.trl;
            if trl == from {
                return Err(DomainError::conflict(format!("TRL is already {from}")));
            }
            Ok(ListingEvent::TrlRevised {
                from,
                to: trl,
                source,
            })
        }

        ListingAction::MarkTransferred { contract_id } => {
            // A registrar, or the platform acting on a registered contract (policies::transfer).
            require(
                actor.role == Role::Registrar || actor.is_system(),
                "only a registrar can mark a listing transferred",
            )?;
            require_status(status, S::Published, "transferred")?;
            Ok(ListingEvent::Transferred { contract_id })
        }
    }
}

fn require_status(
    status: ListingStatus,
    expected: ListingStatus,
    verb: &str,
) -> Result<(), DomainError> {
    if status == expected {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "the listing must be {expected} to be {verb}; it is {status}"
        )))
    }
}

fn parse_reasons(raw: &[String]) -> Result<Vec<String>, DomainError> {
    let mut v = Validation::new();
    v.check(
        (1..=REASONS_MAX).contains(&raw.len()),
        "reasons",
        format!("must give between 1 and {REASONS_MAX} reasons"),
    );
    let reasons = raw
        .iter()
        .enumerate()
        .filter_map(|(i, r)| v.take(clean(&format!("reasons[{i}]"), r, 1, REASON_LEN_MAX)))
        .collect();
    v.finish()?;
    Ok(reasons)
}

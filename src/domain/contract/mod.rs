//! Contract registration (技术合同认定登记): the seller side of a technology contract (a researcher,
//! its institution's technology-transfer office, or a tech manager for a client) submits it; a
//! registrar (技术合同登记机构) accepts it (受理), may ask for corrections (补正), has it reviewed by
//! experts when the technology amount is 500万元 or more, and registers or refuses it.
//!
//! submitted → accepted → [correction_requested → (resubmitted) accepted]* → [expert_review]
//! → registered | refused. A registered contract may be amended (变更: amounts or parties), takes
//! payments (技术性收入 actually received), and ends by cancellation (注销) or revocation (撤销).
//!
//! Each accepted registration is due within 15 working days, 30 when experts review it; a
//! resubmission after a correction restarts the clock. The content stays as submitted (or
//! resubmitted); amendments are kept beside it with the amounts they replaced, so statistics can
//! move their totals by the difference from the amendment's effective date on.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::Validation;
use super::reference::{
    ContractType, IpKind, PartyNature, ReferenceData, RegionCode, TechnologyField, ZoneCode,
};
use super::text::{clean, optional, Title};
use super::{Actor, Command, DomainError, DomainEvent, Recorded, Role};
use crate::domain::calendar::china_date;
use crate::domain::error::{require, require_state};

pub mod calendar;
pub mod import;
pub mod panel;
pub use calendar::WorkingCalendar;
pub use import::{HistoricInput, HistoricRegistration, ImportSource};
pub use panel::{Candidate, ExpertOpinion, ExpertPanel, Recommendation};

#[cfg(test)]
mod tests;

/// The contract taxonomy new registrations use (`contract_types.csv`, column `taxonomy`).
pub const TAXONOMY: &str = "2026";
/// The taxonomy of contracts registered under the 2001 rules: still readable, never submitted.
pub const LEGACY_TAXONOMY: &str = "2001";
/// 500万元 = 5 000 000 元 = 500 000 000 fen: from this technology amount on, experts review.
pub const EXPERT_REVIEW_THRESHOLD_FEN: i64 = 500_000_000;
/// Working days from acceptance (or resubmission) to the due date.
pub const DEADLINE_DAYS: u32 = 15;
/// The same, when experts review the contract.
pub const DEADLINE_DAYS_EXPERT: u32 = 30;
/// 10^15 fen (10^13 yuan): far above any real contract, and far from `i64`'s limits when summed.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;
const TITLE_MAX: usize = 200;
const NAME_MAX: usize = 200;
const REASONS_MAX: usize = 20;
const REASON_MAX: usize = 500;
const OPINION_MAX: usize = 5_000;
const REGISTRATION_NUMBER_MAX: usize = 64;
const NOTE_MAX: usize = 500;

/// `refusal_reasons.csv`, the same file the store seeds its table from: a refusal's reason code
/// is checked by the aggregate itself, which has no other access to reference data.
const REFUSAL_REASONS_CSV: &str = include_str!("../../../migrations/reference/refusal_reasons.csv");

/// The codes of `refusal_reasons.csv`, in file order.
pub fn refusal_reason_codes() -> impl Iterator<Item = &'static str> {
    REFUSAL_REASONS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(str::trim)
        .filter(|code| !code.is_empty())
}

pub fn is_refusal_reason(code: &str) -> bool {
    refusal_reason_codes().any(|known| known == code)
}

/// The contract registration aggregate (esrs name `contract_registration`).
pub struct ContractRegistration;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractState {
    /// `None` until `Submitted`.
    pub contract: Option<ContractData>,
}

impl super::Visibility for ContractState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.contract
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractData {
    pub submitter_id: Uuid,
    pub submitter_organization_id: Option<Uuid>,
    pub status: ContractStatus,
    /// As submitted, or as last resubmitted; amendments are in `amendments`.
    pub content: ContractContent,
    /// The China date the registrar accepted the contract (受理).
    pub accepted_on: Option<NaiveDate>,
    /// The last working day for the registrar's decision; moved by each resubmission.
    pub due_on: Option<NaiveDate>,
    /// The reasons of the latest correction request.
    pub correction_reasons: Vec<String>,
    /// How many corrections were requested.
    pub corrections: u32,
    pub expert_opinion: Option<String>,
    pub registration_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    pub refusal: Option<Refusal>,
    /// In the order they were made, which is also the order of their effective dates.
    pub amendments: Vec<Amendment>,
    pub payments: Vec<Payment>,
    /// The date a cancellation or revocation takes effect.
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// Where a contract of the past came from; `None` for one registered on the platform.
    #[serde(default)]
    pub imported: Option<ImportSource>,
    /// The experts convened to review it, when the registrar convened a panel.
    #[serde(default)]
    pub expert_panel: Option<ExpertPanel>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    Submitted,
    /// 受理: on the registrar's clock.
    Accepted,
    /// 补正: back with the submitter, the clock stopped.
    CorrectionRequested,
    /// Reviewed by experts; still on the clock, ready to be registered.
    ExpertReview,
    Registered,
    Refused,
    /// 注销
    Cancelled,
    /// 撤销
    Revoked,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 8] = [
        ContractStatus::Submitted,
        ContractStatus::Accepted,
        ContractStatus::CorrectionRequested,
        ContractStatus::ExpertReview,
        ContractStatus::Registered,
        ContractStatus::Refused,
        ContractStatus::Cancelled,
        ContractStatus::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Submitted => "submitted",
            ContractStatus::Accepted => "accepted",
            ContractStatus::CorrectionRequested => "correction_requested",
            ContractStatus::ExpertReview => "expert_review",
            ContractStatus::Registered => "registered",
            ContractStatus::Refused => "refused",
            ContractStatus::Cancelled => "cancelled",
            ContractStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<ContractStatus> {
        ContractStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Not yet registered or refused: what a registrar's work queue holds.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            ContractStatus::Submitted
                | ContractStatus::Accepted
                | ContractStatus::CorrectionRequested
                | ContractStatus::ExpertReview
        )
    }

    /// On the register: registered, and after that cancelled (注销) or revoked (撤销). A
    /// statistician reads a contract from here on, never while it is under review or refused.
    pub const ON_REGISTER: [ContractStatus; 3] = [
        ContractStatus::Registered,
        ContractStatus::Cancelled,
        ContractStatus::Revoked,
    ];

    pub fn is_on_register(self) -> bool {
        ContractStatus::ON_REGISTER.contains(&self)
    }

    /// On the registrar's clock: accepted (or resubmitted) and not yet decided.
    pub fn is_on_the_clock(self) -> bool {
        matches!(
            self,
            ContractStatus::Accepted | ContractStatus::ExpertReview
        )
    }
}

impl fmt::Display for ContractStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row of `contract_types.csv`: the type, its subtype when the type has subtypes, and the
/// taxonomy they belong to. New registrations use [`TAXONOMY`]; stored [`LEGACY_TAXONOMY`]
/// values read back as they were.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContractTypeRef {
    pub taxonomy: String,
    pub contract_type: String,
    pub subtype: Option<String>,
}

impl ContractTypeRef {
    /// Validates a type for a new registration, with errors on `taxonomy`, `contract_type` and
    /// `contract_subtype`. The pair must be a row of the 2026 taxonomy exactly: a type with
    /// subtypes needs one, a type without takes none.
    pub fn parse(
        taxonomy: &str,
        contract_type: &str,
        subtype: Option<&str>,
        refs: &ReferenceData,
    ) -> Result<ContractTypeRef, DomainError> {
        let mut v = Validation::new();
        let parsed = parse_contract_type(
            &mut v,
            Taxonomies::Current,
            taxonomy,
            contract_type,
            subtype,
            refs,
        );
        v.finish()?;
        Ok(parsed.expect("a missing contract type recorded a field error"))
    }

    /// The reference row, with its names, in whichever taxonomy the registration used.
    pub fn row<'a>(&self, refs: &'a ReferenceData) -> Option<&'a ContractType> {
        refs.contract_types.iter().find(|c| {
            c.taxonomy == self.taxonomy
                && c.contract_type == self.contract_type
                && c.subtype == self.subtype
        })
    }

    pub fn is_current(&self) -> bool {
        self.taxonomy == TAXONOMY
    }
}

/// The taxonomies a registration may be classified under: new ones use only [`TAXONOMY`];
/// contracts of the past, imported with their original classification, also the legacy one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Taxonomies {
    Current,
    CurrentOrLegacy,
}

impl Taxonomies {
    fn allows(self, taxonomy: &str) -> bool {
        taxonomy == TAXONOMY || (self == Taxonomies::CurrentOrLegacy && taxonomy == LEGACY_TAXONOMY)
    }

    fn refusal(self, taxonomy: &str) -> String {
        match self {
            Taxonomies::Current if taxonomy == LEGACY_TAXONOMY => format!(
                "the {LEGACY_TAXONOMY} taxonomy is kept only for contracts registered under it; new registrations use {TAXONOMY}"
            ),
            Taxonomies::Current => format!(
                "unknown taxonomy '{}': new registrations use {TAXONOMY}",
                truncate(taxonomy)
            ),
            Taxonomies::CurrentOrLegacy => format!(
                "unknown taxonomy '{}': expected {TAXONOMY} or {LEGACY_TAXONOMY}",
                truncate(taxonomy)
            ),
        }
    }
}

fn parse_contract_type(
    v: &mut Validation,
    taxonomies: Taxonomies,
    taxonomy: &str,
    contract_type: &str,
    subtype: Option<&str>,
    refs: &ReferenceData,
) -> Option<ContractTypeRef> {
    // "No subtype" is written "" where the statistics report it, so "" reads as none here too.
    let subtype = subtype.filter(|s| !s.is_empty());
    if !taxonomies.allows(taxonomy) {
        v.push("taxonomy", taxonomies.refusal(taxonomy));
        // Types are judged within a taxonomy: checking them against another would only mislead.
        return None;
    }
    let rows: Vec<&ContractType> = refs
        .contract_types
        .iter()
        .filter(|c| c.taxonomy == taxonomy && c.contract_type == contract_type)
        .collect();
    if rows.is_empty() {
        v.push(
            "contract_type",
            format!(
                "unknown contract type '{}' in the {taxonomy} taxonomy",
                truncate(contract_type)
            ),
        );
        // The subtype of an unknown type cannot be judged: checking it would only repeat the error.
        return None;
    }
    let known: Vec<&str> = rows.iter().filter_map(|c| c.subtype.as_deref()).collect();
    match subtype {
        None if known.is_empty() => {}
        None => {
            v.push(
                "contract_subtype",
                format!(
                    "is required for '{contract_type}': one of {}",
                    known.join(", ")
                ),
            );
            return None;
        }
        Some(_) if known.is_empty() => {
            v.push(
                "contract_subtype",
                format!("contract type '{contract_type}' has no subtypes"),
            );
            return None;
        }
        Some(s) if !known.contains(&s) => {
            v.push(
                "contract_subtype",
                format!(
                    "unknown subtype '{}' of '{contract_type}': expected one of {}",
                    truncate(s),
                    known.join(", ")
                ),
            );
            return None;
        }
        Some(_) => {}
    }
    Some(ContractTypeRef {
        taxonomy: taxonomy.to_string(),
        contract_type: contract_type.to_string(),
        subtype: subtype.map(str::to_string),
    })
}

/// Echoing a 10 kB "code" back in an error helps nobody.
fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A party to the contract (seller: 卖方 / 受托方; buyer: 买方 / 委托方).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The party's organization on the platform, when it has one.
    pub organization_id: Option<Uuid>,
    pub name: Title,
    pub party_nature: PartyNature,
    pub region: RegionCode,
    /// The development zone (`zones.csv`) the party declares, spanning its region; registrations
    /// stored before zones were recorded read back without one.
    #[serde(default)]
    pub zone: Option<ZoneCode>,
}

/// A party as it arrives in a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    pub name: String,
    pub party_nature: String,
    pub region: String,
    #[serde(default)]
    pub zone: Option<String>,
}

impl Party {
    /// Validates a party, naming fields under `path` (`seller.region`).
    pub fn parse(
        path: &str,
        input: &PartyInput,
        refs: &ReferenceData,
    ) -> Result<Party, DomainError> {
        let mut v = Validation::new();
        let party = parse_party(&mut v, path, input, refs);
        v.finish()?;
        Ok(party.expect("a missing party recorded a field error"))
    }
}

fn parse_party(
    v: &mut Validation,
    path: &str,
    input: &PartyInput,
    refs: &ReferenceData,
) -> Option<Party> {
    let name = v.take(Title::parse(&format!("{path}.name"), &input.name, NAME_MAX));
    let party_nature = v.take(PartyNature::parse(
        &format!("{path}.party_nature"),
        &input.party_nature,
        refs,
    ));
    let region = v.take(RegionCode::parse(
        &format!("{path}.region"),
        &input.region,
        refs,
    ));
    // A zone is judged against the region it must span; without a region it cannot be.
    let zone = match (&input.zone, &region) {
        (Some(raw), Some(region)) => Some(v.take(ZoneCode::parse_for_region(
            &format!("{path}.zone"),
            raw,
            region,
            refs,
        ))?),
        _ => None,
    };
    Some(Party {
        organization_id: input.organization_id,
        name: name?,
        party_nature: party_nature?,
        region: region?,
        zone,
    })
}

/// Validated content of a registration. Built by [`ContractContent::parse`]; events re-read from
/// the store were parsed when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractContent {
    pub contract_type: ContractTypeRef,
    pub title: Title,
    pub seller: Party,
    pub buyer: Party,
    /// The tech manager (技术经纪人) who brokered the contract, when one did.
    pub broker_id: Option<Uuid>,
    /// Never after the day of submission.
    pub signing_date: NaiveDate,
    pub validity_start: NaiveDate,
    /// Not before `validity_start`.
    pub validity_end: NaiveDate,
    /// 成交额.
    pub contract_amount_fen: i64,
    /// 技术交易额: the contract amount less non-technical costs; never above it.
    pub technology_amount_fen: i64,
    pub field: TechnologyField,
    /// Distinct, in the order given; may be empty.
    pub ip_kinds: Vec<IpKind>,
    pub negotiation_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
    pub demand_id: Option<Uuid>,
}

/// The raw content as it arrives in a JSON body (dates as `YYYY-MM-DD`, codes as strings).
/// `taxonomy` may be left out: it is 2026, the only one new registrations use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    #[serde(default = "current_taxonomy")]
    pub taxonomy: String,
    pub contract_type: String,
    #[serde(default)]
    pub contract_subtype: Option<String>,
    pub title: String,
    pub seller: PartyInput,
    pub buyer: PartyInput,
    #[serde(default)]
    pub broker_id: Option<Uuid>,
    pub signing_date: NaiveDate,
    pub validity_start: NaiveDate,
    pub validity_end: NaiveDate,
    pub contract_amount_fen: i64,
    pub technology_amount_fen: i64,
    pub field: String,
    #[serde(default)]
    pub ip_kinds: Vec<String>,
    #[serde(default)]
    pub negotiation_id: Option<Uuid>,
    #[serde(default)]
    pub listing_id: Option<Uuid>,
    #[serde(default)]
    pub demand_id: Option<Uuid>,
}

fn current_taxonomy() -> String {
    TAXONOMY.to_string()
}

impl ContractContent {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `seller.region` or `ip_kinds[1]`. `today` is the China date of the request
    /// ([`china_date`] of the command's `now`): the contract cannot be signed after it.
    pub fn parse(
        input: ContractInput,
        refs: &ReferenceData,
        today: NaiveDate,
    ) -> Result<ContractContent, DomainError> {
        Self::parse_under(input, refs, today, Taxonomies::Current)
    }

    pub(crate) fn parse_under(
        input: ContractInput,
        refs: &ReferenceData,
        today: NaiveDate,
        taxonomies: Taxonomies,
    ) -> Result<ContractContent, DomainError> {
        let mut v = Validation::new();

        let contract_type = parse_contract_type(
            &mut v,
            taxonomies,
            &input.taxonomy,
            &input.contract_type,
            input.contract_subtype.as_deref(),
            refs,
        );
        let title = v.take(Title::parse("title", &input.title, TITLE_MAX));
        let seller = parse_party(&mut v, "seller", &input.seller, refs);
        let buyer = parse_party(&mut v, "buyer", &input.buyer, refs);
        check_distinct_parties(
            &mut v,
            input.seller.organization_id,
            input.buyer.organization_id,
        );
        check_dates(
            &mut v,
            input.signing_date,
            input.validity_start,
            input.validity_end,
            today,
        );
        check_amounts(
            &mut v,
            input.contract_amount_fen,
            input.technology_amount_fen,
        );
        let field = v.take(TechnologyField::parse("field", &input.field, refs));
        let mut ip_kinds: Vec<IpKind> = Vec::with_capacity(input.ip_kinds.len());
        for (i, raw) in input.ip_kinds.iter().enumerate() {
            let path = format!("ip_kinds[{i}]");
            let Some(kind) = v.take(IpKind::parse(&path, raw, refs)) else {
                continue;
            };
            if ip_kinds.contains(&kind) {
                v.push(path, "repeats an earlier IP kind");
            } else {
                ip_kinds.push(kind);
            }
        }

        v.finish()?;
        let (Some(contract_type), Some(title), Some(seller), Some(buyer), Some(field)) =
            (contract_type, title, seller, buyer, field)
        else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(ContractContent {
            contract_type,
            title,
            seller,
            buyer,
            broker_id: input.broker_id,
            signing_date: input.signing_date,
            validity_start: input.validity_start,
            validity_end: input.validity_end,
            contract_amount_fen: input.contract_amount_fen,
            technology_amount_fen: input.technology_amount_fen,
            field,
            ip_kinds,
            negotiation_id: input.negotiation_id,
            listing_id: input.listing_id,
            demand_id: input.demand_id,
        })
    }

    /// Experts review every contract whose technology amount is 500万元 or more.
    pub fn requires_expert_review(&self) -> bool {
        self.technology_amount_fen >= EXPERT_REVIEW_THRESHOLD_FEN
    }

    /// Working days from acceptance (or resubmission) to the due date.
    pub fn deadline_days(&self) -> u32 {
        if self.requires_expert_review() {
            DEADLINE_DAYS_EXPERT
        } else {
            DEADLINE_DAYS
        }
    }

    /// The rules of [`ContractContent::parse`] that need no reference data, re-checked because
    /// the fields are public and content could be built by hand.
    fn check_rules(&self, today: NaiveDate) -> Result<(), DomainError> {
        self.check_rules_under(today, Taxonomies::Current)
    }

    fn check_rules_under(
        &self,
        today: NaiveDate,
        taxonomies: Taxonomies,
    ) -> Result<(), DomainError> {
        let mut v = Validation::new();
        let taxonomy = &self.contract_type.taxonomy;
        if !taxonomies.allows(taxonomy) {
            v.push("taxonomy", taxonomies.refusal(taxonomy));
        }
        check_distinct_parties(
            &mut v,
            self.seller.organization_id,
            self.buyer.organization_id,
        );
        check_dates(
            &mut v,
            self.signing_date,
            self.validity_start,
            self.validity_end,
            today,
        );
        check_amounts(&mut v, self.contract_amount_fen, self.technology_amount_fen);
        for (i, kind) in self.ip_kinds.iter().enumerate() {
            if self.ip_kinds[..i].contains(kind) {
                v.push(format!("ip_kinds[{i}]"), "repeats an earlier IP kind");
            }
        }
        v.finish()
    }
}

fn check_distinct_parties(v: &mut Validation, seller: Option<Uuid>, buyer: Option<Uuid>) {
    if seller.is_some() && seller == buyer {
        v.push(
            "buyer.organization_id",
            "must differ from the seller's organization",
        );
    }
}

fn check_dates(
    v: &mut Validation,
    signing_date: NaiveDate,
    validity_start: NaiveDate,
    validity_end: NaiveDate,
    today: NaiveDate,
) {
    v.check(
        signing_date <= today,
        "signing_date",
        format!("must not be after today ({today})"),
    );
    v.check(
        validity_end >= validity_start,
        "validity_end",
        "must not be before validity_start",
    );
}

/// Records an error unless `amount` is within `1..=MAX_AMOUNT_FEN`; says whether it was.
fn check_amount(v: &mut Validation, field: &str, amount: i64) -> bool {
    if amount <= 0 {
        v.push(field, "must be more than 0");
        false
    } else if amount > MAX_AMOUNT_FEN {
        v.push(field, format!("must be at most {MAX_AMOUNT_FEN} fen"));
        false
    } else {
        true
    }
}

fn check_amounts(v: &mut Validation, contract_amount_fen: i64, technology_amount_fen: i64) {
    let contract_ok = check_amount(v, "contract_amount_fen", contract_amount_fen);
    let technology_ok = check_amount(v, "technology_amount_fen", technology_amount_fen);
    if contract_ok && technology_ok {
        v.check(
            technology_amount_fen <= contract_amount_fen,
            "technology_amount_fen",
            "技术交易额 cannot exceed 成交额",
        );
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// A code of `refusal_reasons.csv`.
    pub reason_code: String,
    pub note: Option<String>,
}

/// A change to a registered contract (变更). Holds the full values after the change and the
/// amounts before it, so statistics move their totals by the difference from `effective_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub id: Uuid,
    pub effective_on: NaiveDate,
    pub contract_amount_fen: i64,
    pub technology_amount_fen: i64,
    pub seller: Party,
    pub buyer: Party,
    pub previous_contract_amount_fen: i64,
    pub previous_technology_amount_fen: i64,
    pub note: Option<String>,
}

impl Amendment {
    /// How much the contract amount moved (negative when it fell).
    pub fn contract_amount_change_fen(&self) -> i64 {
        self.contract_amount_fen - self.previous_contract_amount_fen
    }

    /// How much the technology amount moved (negative when it fell).
    pub fn technology_amount_change_fen(&self) -> i64 {
        self.technology_amount_fen - self.previous_technology_amount_fen
    }
}

/// Money actually received under a registered contract (技术性收入).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: Uuid,
    pub amount_fen: i64,
    pub received_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContractAction {
    /// By a researcher or an institution admin of the seller, or a tech manager for a client.
    Submit(ContractContent),
    /// By a registrar or a platform admin: a contract registered before the platform, straight
    /// onto the register with its original dates and number.
    Import {
        source: ImportSource,
        historic: HistoricRegistration,
    },
    /// By the submitter, after a correction request; restarts the clock on `calendar`.
    Resubmit {
        content: ContractContent,
        calendar: WorkingCalendar,
    },
    /// 受理: starts the clock on `calendar`.
    Accept {
        calendar: WorkingCalendar,
    },
    /// 补正
    RequestCorrection {
        reasons: Vec<String>,
    },
    /// The review outcome: once a panel is convened, only when every seated expert has given
    /// an opinion, and the outcome records them.
    ExpertReview {
        opinion: String,
    },
    /// Convenes a panel of `size` experts, drawn by the caller (drawing needs the pool).
    RequestExpertPanel {
        size: u32,
        experts: Vec<Candidate>,
    },
    /// By the expert invited.
    AcceptExpertSeat {
        expert_id: Uuid,
    },
    /// By the expert invited; `replacement` is drawn by the caller, when anyone is eligible.
    DeclineExpertSeat {
        expert_id: Uuid,
        replacement: Option<Candidate>,
    },
    /// By an expert who accepted.
    SubmitExpertOpinion {
        expert_id: Uuid,
        recommendation: Recommendation,
        opinion: String,
    },
    Register {
        registration_number: String,
    },
    Refuse {
        reason_code: String,
        note: Option<String>,
    },
    /// 变更: the full amounts after the change; a party left out stays as it is.
    Amend {
        amendment_id: Uuid,
        effective_on: NaiveDate,
        contract_amount_fen: i64,
        technology_amount_fen: i64,
        seller: Option<Party>,
        buyer: Option<Party>,
        note: Option<String>,
    },
    RecordPayment {
        payment_id: Uuid,
        amount_fen: i64,
        received_on: NaiveDate,
        note: Option<String>,
    },
    /// 注销, from `on`.
    Cancel {
        on: NaiveDate,
        reason: String,
    },
    /// 撤销, from `on`.
    Revoke {
        on: NaiveDate,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContractEvent {
    /// A contract of the past, on the register from its original registration date.
    Imported {
        source: ImportSource,
        registration_number: String,
        registered_on: NaiveDate,
        content: ContractContent,
    },
    Submitted {
        submitter_id: Uuid,
        submitter_organization_id: Option<Uuid>,
        content: ContractContent,
    },
    Accepted {
        accepted_on: NaiveDate,
        due_on: NaiveDate,
    },
    CorrectionRequested {
        reasons: Vec<String>,
    },
    /// Back on the clock (status `accepted`), due again from the day of resubmission.
    Resubmitted {
        content: ContractContent,
        due_on: NaiveDate,
    },
    ExpertReviewed {
        opinion: String,
        /// The panel's opinions; empty when no panel was convened.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        experts: Vec<ExpertOpinion>,
    },
    ExpertPanelRequested {
        size: u32,
        experts: Vec<Candidate>,
    },
    ExpertSeatAccepted {
        expert_id: Uuid,
    },
    ExpertSeatDeclined {
        expert_id: Uuid,
        replacement: Option<Candidate>,
    },
    ExpertOpinionSubmitted {
        expert_id: Uuid,
        recommendation: Recommendation,
        opinion: String,
    },
    Registered {
        registration_number: String,
        registered_on: NaiveDate,
    },
    Refused {
        reason_code: String,
        note: Option<String>,
    },
    Amended {
        amendment: Amendment,
    },
    PaymentRecorded {
        payment: Payment,
    },
    Cancelled {
        on: NaiveDate,
        reason: String,
    },
    Revoked {
        on: NaiveDate,
        reason: String,
    },
}

impl ContractEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            ContractEvent::Imported { .. } => "imported",
            ContractEvent::Submitted { .. } => "submitted",
            ContractEvent::Accepted { .. } => "accepted",
            ContractEvent::CorrectionRequested { .. } => "correction_requested",
            ContractEvent::Resubmitted { .. } => "resubmitted",
            ContractEvent::ExpertReviewed { .. } => "expert_reviewed",
            ContractEvent::ExpertPanelRequested { .. } => "expert_panel_requested",
            ContractEvent::ExpertSeatAccepted { .. } => "expert_seat_accepted",
            ContractEvent::ExpertSeatDeclined { .. } => "expert_seat_declined",
            ContractEvent::ExpertOpinionSubmitted { .. } => "expert_opinion_submitted",
            ContractEvent::Registered { .. } => "registered",
            ContractEvent::Refused { .. } => "refused",
            ContractEvent::Amended { .. } => "amended",
            ContractEvent::PaymentRecorded { .. } => "payment_recorded",
            ContractEvent::Cancelled { .. } => "cancelled",
            ContractEvent::Revoked { .. } => "revoked",
        }
    }
}

impl ContractEvent {
    /// Events of a contract before it is on the register: what a statistician's feed leaves out.
    pub const BEFORE_REGISTER: [&'static str; 10] = [
        "submitted",
        "accepted",
        "correction_requested",
        "resubmitted",
        "expert_reviewed",
        "expert_panel_requested",
        "expert_seat_accepted",
        "expert_seat_declined",
        "expert_opinion_submitted",
        "refused",
    ];
}

impl DomainEvent for ContractEvent {
    fn name(&self) -> &'static str {
        ContractEvent::name(self)
    }
}

impl ContractData {
    pub fn is_submitter(&self, actor: &Actor) -> bool {
        actor.user_id == self.submitter_id
    }

    pub fn requires_expert_review(&self) -> bool {
        self.content.requires_expert_review()
    }

    /// (成交额, 技术交易额) after every amendment.
    pub fn current_amounts(&self) -> (i64, i64) {
        match self.amendments.last() {
            Some(a) => (a.contract_amount_fen, a.technology_amount_fen),
            None => (
                self.content.contract_amount_fen,
                self.content.technology_amount_fen,
            ),
        }
    }

    /// The sum of the payments recorded (技术性收入 received), which may never exceed the
    /// contract amount. Wide, so that no sum of stored payments can overflow.
    pub fn received_fen(&self) -> i128 {
        self.payments.iter().map(|p| i128::from(p.amount_fen)).sum()
    }

    /// (成交额, 技术交易额) in force on `date`: after the amendments effective by then.
    pub fn amounts_on(&self, date: NaiveDate) -> (i64, i64) {
        match self.amendments.iter().rfind(|a| a.effective_on <= date) {
            Some(a) => (a.contract_amount_fen, a.technology_amount_fen),
            None => (
                self.content.contract_amount_fen,
                self.content.technology_amount_fen,
            ),
        }
    }

    /// (seller, buyer) after every amendment.
    pub fn current_parties(&self) -> (&Party, &Party) {
        match self.amendments.last() {
            Some(a) => (&a.seller, &a.buyer),
            None => (&self.content.seller, &self.content.buyer),
        }
    }

    /// On the registrar's clock and past the due date on `today` (a China date).
    pub fn is_overdue_on(&self, today: NaiveDate) -> bool {
        self.status.is_on_the_clock() && self.due_on.is_some_and(|due| today > due)
    }

    /// Whether `actor` belongs to the seller's or the buyer's organization, as submitted or as
    /// named by any amendment.
    pub fn is_party(&self, actor: &Actor) -> bool {
        std::iter::once((&self.content.seller, &self.content.buyer))
            .chain(self.amendments.iter().map(|a| (&a.seller, &a.buyer)))
            .any(|(seller, buyer)| {
                actor.belongs_to(seller.organization_id) || actor.belongs_to(buyer.organization_id)
            })
    }

    /// The submitter, the registrars, the platform admins, the people of the seller's and the
    /// buyer's organizations, the experts invited to or seated on its panel (not those who
    /// declined), and the statisticians once it is on the register (least privilege: a
    /// submission under review or refused is not a statistic).
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.is_submitter(actor)
            || matches!(actor.role, Role::Registrar | Role::PlatformAdmin)
            || (actor.role == Role::Statistician && self.status.is_on_register())
            || self.is_party(actor)
            || self
                .expert_panel
                .as_ref()
                .is_some_and(|p| p.is_member(actor.user_id))
    }

    pub fn amendment(&self, id: Uuid) -> Option<&Amendment> {
        self.amendments.iter().find(|a| a.id == id)
    }

    pub fn payment(&self, id: Uuid) -> Option<&Payment> {
        self.payments.iter().find(|p| p.id == id)
    }
}

impl esrs::Aggregate for ContractRegistration {
    const NAME: &'static str = "contract_registration";
    type State = ContractState;
    type Command = Command<ContractAction>;
    type Event = Recorded<ContractEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let event = match (&state.contract, action) {
            (None, ContractAction::Submit(content)) => submit(&actor, now, content)?,
            (None, ContractAction::Import { source, historic }) => {
                import::import(&actor, now, source, historic)?
            }
            (Some(_), ContractAction::Submit(_) | ContractAction::Import { .. }) => {
                return Err(DomainError::conflict(
                    "contract registration already exists",
                ))
            }
            (None, _) => return Err(DomainError::NotFound),
            (Some(contract), action) => decide(contract, &actor, now, action)?,
        };
        Ok(vec![Recorded {
            actor,
            at: now,
            event,
        }])
    }

    fn apply_event(mut state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, actor } = payload;
        let new = |submitter_id, submitter_organization_id, content| ContractData {
            submitter_id,
            submitter_organization_id,
            status: ContractStatus::Submitted,
            content,
            accepted_on: None,
            due_on: None,
            correction_reasons: Vec::new(),
            corrections: 0,
            expert_opinion: None,
            registration_number: None,
            registered_on: None,
            refusal: None,
            amendments: Vec::new(),
            payments: Vec::new(),
            ended_on: None,
            end_reason: None,
            imported: None,
            expert_panel: None,
            created_at: at,
            updated_at: at,
        };
        let event = match event {
            ContractEvent::Submitted {
                submitter_id,
                submitter_organization_id,
                content,
            } => {
                state.contract = Some(new(submitter_id, submitter_organization_id, content));
                return state;
            }
            ContractEvent::Imported {
                source,
                registration_number,
                registered_on,
                content,
            } => {
                // The operator who imported it stands as its submitter: the one to ask about it.
                state.contract = Some(ContractData {
                    status: ContractStatus::Registered,
                    registration_number: Some(registration_number),
                    registered_on: Some(registered_on),
                    imported: Some(source),
                    ..new(actor.user_id, actor.organization_id, content)
                });
                return state;
            }
            other => other,
        };
        // The decider never emits anything before `Submitted`; applying stays total rather than
        // panicking in the middle of a rebuild.
        let Some(c) = state.contract.as_mut() else {
            return state;
        };
        c.updated_at = at;
        match event {
            ContractEvent::Submitted { .. } | ContractEvent::Imported { .. } => {}
            ContractEvent::Accepted {
                accepted_on,
                due_on,
            } => {
                c.status = ContractStatus::Accepted;
                c.accepted_on = Some(accepted_on);
                c.due_on = Some(due_on);
            }
            ContractEvent::CorrectionRequested { reasons } => {
                c.status = ContractStatus::CorrectionRequested;
                c.correction_reasons = reasons;
                c.corrections += 1;
            }
            ContractEvent::Resubmitted { content, due_on } => {
                c.status = ContractStatus::Accepted;
                c.content = content;
                c.due_on = Some(due_on);
            }
            ContractEvent::ExpertReviewed { opinion, .. } => {
                c.status = ContractStatus::ExpertReview;
                c.expert_opinion = Some(opinion);
            }
            ContractEvent::Registered {
                registration_number,
                registered_on,
            } => {
                c.status = ContractStatus::Registered;
                c.registration_number = Some(registration_number);
                c.registered_on = Some(registered_on);
            }
            ContractEvent::Refused { reason_code, note } => {
                c.status = ContractStatus::Refused;
                c.refusal = Some(Refusal { reason_code, note });
            }
            e @ (ContractEvent::ExpertPanelRequested { .. }
            | ContractEvent::ExpertSeatAccepted { .. }
            | ContractEvent::ExpertSeatDeclined { .. }
            | ContractEvent::ExpertOpinionSubmitted { .. }) => panel::apply(c, e),
            ContractEvent::Amended { amendment } => c.amendments.push(amendment),
            ContractEvent::PaymentRecorded { payment } => c.payments.push(payment),
            ContractEvent::Cancelled { on, reason } => {
                c.status = ContractStatus::Cancelled;
                c.ended_on = Some(on);
                c.end_reason = Some(reason);
            }
            ContractEvent::Revoked { on, reason } => {
                c.status = ContractStatus::Revoked;
                c.ended_on = Some(on);
                c.end_reason = Some(reason);
            }
        }
        state
    }
}

/// Researchers and institution admins submit for their own organization as the seller (any
/// seller without an organization on the platform); tech managers submit for clients.
fn check_submitter(actor: &Actor, content: &ContractContent) -> Result<(), DomainError> {
    match actor.role {
        Role::TechManager => Ok(()),
        Role::Researcher | Role::InstitutionAdmin => match content.seller.organization_id {
            Some(seller) => require(
                actor.organization_id == Some(seller),
                "a researcher or an institution admin submits only for their own organization as the seller",
            ),
            None => Ok(()),
        },
        _ => Err(DomainError::forbidden(
            "only a researcher, an institution admin or a tech manager submits a contract",
        )),
    }
}

fn submit(
    actor: &Actor,
    now: DateTime<Utc>,
    content: ContractContent,
) -> Result<ContractEvent, DomainError> {
    require(
        !actor.is_system(),
        "contracts are submitted by people, not by rule",
    )?;
    check_submitter(actor, &content)?;
    content.check_rules(china_date(now))?;
    Ok(ContractEvent::Submitted {
        submitter_id: actor.user_id,
        submitter_organization_id: actor.organization_id,
        content,
    })
}

/// Authorization first, then state, then the payload: someone who may not act learns nothing
/// about the registration's state from the error.
fn decide(
    c: &ContractData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: ContractAction,
) -> Result<ContractEvent, DomainError> {
    use ContractStatus as S;
    let status = c.status;
    let today = china_date(now);
    let registrar = actor.role == Role::Registrar && !actor.is_system();
    match action {
        ContractAction::Submit(_) | ContractAction::Import { .. } => {
            unreachable!("creation is decided before an existing registration is")
        }

        ContractAction::Resubmit { content, calendar } => {
            require(
                c.is_submitter(actor),
                "only the submitter resubmits a contract",
            )?;
            require_status(status, &[S::CorrectionRequested], "resubmitted")?;
            check_submitter(actor, &content)?;
            content.check_rules(today)?;
            let due_on = calendar.add_working_days(today, content.deadline_days());
            Ok(ContractEvent::Resubmitted { content, due_on })
        }

        ContractAction::Accept { calendar } => {
            require(registrar, "only a registrar accepts a contract")?;
            require_status(status, &[S::Submitted], "accepted")?;
            Ok(ContractEvent::Accepted {
                accepted_on: today,
                due_on: calendar.add_working_days(today, c.content.deadline_days()),
            })
        }

        ContractAction::RequestCorrection { reasons } => {
            require(registrar, "only a registrar requests corrections")?;
            require_status(status, &[S::Accepted], "sent back for correction")?;
            let mut v = Validation::new();
            if reasons.is_empty() {
                v.push("reasons", "must give at least one reason");
            } else if reasons.len() > REASONS_MAX {
                v.push(
                    "reasons",
                    format!("must have at most {REASONS_MAX} reasons"),
                );
            }
            let reasons: Vec<String> = reasons
                .iter()
                .enumerate()
                .filter_map(|(i, raw)| v.take(clean(&format!("reasons[{i}]"), raw, 1, REASON_MAX)))
                .collect();
            v.finish()?;
            Ok(ContractEvent::CorrectionRequested { reasons })
        }

        ContractAction::ExpertReview { opinion } => {
            require(registrar, "only a registrar records an expert review")?;
            require_status(status, &[S::Accepted], "reviewed by experts")?;
            if !c.requires_expert_review() {
                return Err(DomainError::conflict(
                    "expert review is only for technology amounts of 500万元 or more",
                ));
            }
            let experts = panel::outcome(c)?;
            let opinion = clean("opinion", &opinion, 1, OPINION_MAX)
                .map_err(|e| DomainError::Invalid(vec![e]))?;
            Ok(ContractEvent::ExpertReviewed { opinion, experts })
        }

        ContractAction::RequestExpertPanel { size, experts } => {
            panel::request(c, actor, size, experts)
        }
        ContractAction::AcceptExpertSeat { expert_id } => panel::accept(c, actor, expert_id),
        ContractAction::DeclineExpertSeat {
            expert_id,
            replacement,
        } => panel::decline(c, actor, expert_id, replacement),
        ContractAction::SubmitExpertOpinion {
            expert_id,
            recommendation,
            opinion,
        } => panel::submit_opinion(c, actor, expert_id, recommendation, &opinion),

        ContractAction::Register {
            registration_number,
        } => {
            require(registrar, "only a registrar registers a contract")?;
            match status {
                S::Submitted => {
                    return Err(DomainError::conflict(
                        "a contract that was never accepted cannot be registered; it is submitted",
                    ))
                }
                S::Accepted if c.requires_expert_review() => {
                    return Err(DomainError::conflict(
                        "expert review is required first: the technology amount is 500万元 or more",
                    ))
                }
                S::Accepted | S::ExpertReview => {}
                _ => require_status(status, &[S::Accepted, S::ExpertReview], "registered")?,
            }
            let registration_number = Title::parse(
                "registration_number",
                &registration_number,
                REGISTRATION_NUMBER_MAX,
            )
            .map_err(|e| DomainError::Invalid(vec![e]))?;
            Ok(ContractEvent::Registered {
                registration_number: registration_number.as_str().to_string(),
                registered_on: today,
            })
        }

        ContractAction::Refuse { reason_code, note } => {
            require(registrar, "only a registrar refuses a contract")?;
            require_status(
                status,
                &[S::Accepted, S::CorrectionRequested, S::ExpertReview],
                "refused",
            )?;
            let mut v = Validation::new();
            if !is_refusal_reason(&reason_code) {
                let known: Vec<&str> = refusal_reason_codes().collect();
                v.push(
                    "reason_code",
                    format!(
                        "unknown refusal reason '{}': expected one of {}",
                        truncate(&reason_code),
                        known.join(", ")
                    ),
                );
            }
            let note = optional_note(&mut v, "note", note);
            v.finish()?;
            Ok(ContractEvent::Refused { reason_code, note })
        }

        ContractAction::Amend {
            amendment_id,
            effective_on,
            contract_amount_fen,
            technology_amount_fen,
            seller,
            buyer,
            note,
        } => {
            require(registrar, "only a registrar amends a contract")?;
            require_status(status, &[S::Registered], "amended")?;
            if c.amendment(amendment_id).is_some() {
                return Err(DomainError::conflict(format!(
                    "amendment {amendment_id} already exists"
                )));
            }
            let mut v = Validation::new();
            check_effective_date(&mut v, c, "effective_on", effective_on, today);
            check_amounts(&mut v, contract_amount_fen, technology_amount_fen);
            let received = c.received_fen();
            if contract_amount_fen > 0 && i128::from(contract_amount_fen) < received {
                v.push(
                    "contract_amount_fen",
                    format!(
                        "must not be below what has already been received under the contract \
                         ({received} fen)"
                    ),
                );
            }
            let (current_seller, current_buyer) = c.current_parties();
            let seller = seller.unwrap_or_else(|| current_seller.clone());
            let buyer = buyer.unwrap_or_else(|| current_buyer.clone());
            check_distinct_parties(&mut v, seller.organization_id, buyer.organization_id);
            let note = optional_note(&mut v, "note", note);
            let (previous_contract_amount_fen, previous_technology_amount_fen) =
                c.current_amounts();
            if v.is_empty()
                && contract_amount_fen == previous_contract_amount_fen
                && technology_amount_fen == previous_technology_amount_fen
                && &seller == current_seller
                && &buyer == current_buyer
            {
                v.push("amendment", "must change an amount or a party");
            }
            v.finish()?;
            Ok(ContractEvent::Amended {
                amendment: Amendment {
                    id: amendment_id,
                    effective_on,
                    contract_amount_fen,
                    technology_amount_fen,
                    seller,
                    buyer,
                    previous_contract_amount_fen,
                    previous_technology_amount_fen,
                    note,
                },
            })
        }

        ContractAction::RecordPayment {
            payment_id,
            amount_fen,
            received_on,
            note,
        } => {
            require(
                registrar || c.is_submitter(actor),
                "only a registrar or the submitter records a payment",
            )?;
            require_status(status, &[S::Registered], "paid")?;
            if c.payment(payment_id).is_some() {
                return Err(DomainError::conflict(format!(
                    "payment {payment_id} already exists"
                )));
            }
            let mut v = Validation::new();
            if check_amount(&mut v, "amount_fen", amount_fen) {
                let (contract_amount, _) = c.current_amounts();
                let received = c.received_fen();
                let total = received + i128::from(amount_fen);
                if total > i128::from(contract_amount) {
                    v.push(
                        "amount_fen",
                        format!(
                            "the payments would add up to {total} fen, more than the contract \
                             amount of {contract_amount} fen ({received} fen received so far); \
                             amend the contract first"
                        ),
                    );
                }
            }
            if received_on > today {
                v.push("received_on", format!("must not be after today ({today})"));
            } else if received_on < c.content.signing_date {
                v.push(
                    "received_on",
                    format!(
                        "must not be before the signing date ({})",
                        c.content.signing_date
                    ),
                );
            }
            let note = optional_note(&mut v, "note", note);
            v.finish()?;
            Ok(ContractEvent::PaymentRecorded {
                payment: Payment {
                    id: payment_id,
                    amount_fen,
                    received_on,
                    note,
                },
            })
        }

        ContractAction::Cancel { on, reason } => {
            require(registrar, "only a registrar cancels a registration")?;
            require_status(status, &[S::Registered], "cancelled")?;
            let reason = check_ending(c, on, &reason, today)?;
            Ok(ContractEvent::Cancelled { on, reason })
        }

        ContractAction::Revoke { on, reason } => {
            require(registrar, "only a registrar revokes a registration")?;
            require_status(status, &[S::Registered], "revoked")?;
            let reason = check_ending(c, on, &reason, today)?;
            Ok(ContractEvent::Revoked { on, reason })
        }
    }
}

/// A date from which something changes on a registered contract: not in the future, not before
/// the registration, and not before the latest amendment (statistics read them in order).
fn check_effective_date(
    v: &mut Validation,
    c: &ContractData,
    field: &str,
    date: NaiveDate,
    today: NaiveDate,
) {
    let latest_amendment = c.amendments.last().map(|a| a.effective_on);
    if date > today {
        v.push(field, format!("must not be after today ({today})"));
    } else if let Some(registered_on) = c.registered_on.filter(|r| date < *r) {
        v.push(
            field,
            format!("must not be before the registration date ({registered_on})"),
        );
    } else if let Some(previous) = latest_amendment.filter(|p| date < *p) {
        v.push(
            field,
            format!("must not be before the latest amendment's effective date ({previous})"),
        );
    }
}

fn check_ending(
    c: &ContractData,
    on: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<String, DomainError> {
    let mut v = Validation::new();
    check_effective_date(&mut v, c, "on", on, today);
    let reason = v.take(clean("reason", reason, 1, REASON_MAX));
    v.finish()?;
    Ok(reason.expect("a missing reason recorded a field error"))
}

/// A trimmed note of at most [`NOTE_MAX`] characters; blank is none.
fn optional_note(v: &mut Validation, field: &str, note: Option<String>) -> Option<String> {
    optional(v, field, note, NOTE_MAX)
}

fn require_status(
    status: ContractStatus,
    allowed: &[ContractStatus],
    verb: &str,
) -> Result<(), DomainError> {
    require_state("contract", status, allowed, &format!("be {verb}"))
}

//! What a submitter registers: the raw input of a JSON body, and the validated content with the
//! rules it is held to.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::contract_type::{parse_contract_type, ContractTypeRef, Taxonomies};
use super::party::{parse_party, Party, PartyInput};
use super::{
    DEADLINE_DAYS, DEADLINE_DAYS_EXPERT, EXPERT_REVIEW_THRESHOLD_FEN, MAX_AMOUNT_FEN, TAXONOMY,
    TITLE_MAX,
};
use crate::domain::error::Validation;
use crate::domain::reference::{IpKind, ReferenceData, TechnologyField};
use crate::domain::text::Title;
use crate::domain::DomainError;

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

pub(super) fn current_taxonomy() -> String {
    TAXONOMY.to_string()
}

impl ContractContent {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `seller.region` or `ip_kinds[1]`. `today` is the China date of the request
    /// ([`china_date`] of the command's `now`): the contract cannot be signed after it.
    ///
    /// [`china_date`]: crate::domain::calendar::china_date
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
    pub(super) fn check_rules(&self, today: NaiveDate) -> Result<(), DomainError> {
        self.check_rules_under(today, Taxonomies::Current)
    }

    pub(super) fn check_rules_under(
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

pub(super) fn check_distinct_parties(
    v: &mut Validation,
    seller: Option<Uuid>,
    buyer: Option<Uuid>,
) {
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
pub(super) fn check_amount(v: &mut Validation, field: &str, amount: i64) -> bool {
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

pub(super) fn check_amounts(
    v: &mut Validation,
    contract_amount_fen: i64,
    technology_amount_fen: i64,
) {
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

//! Contracts of the past (history import): registered before the platform existed, brought in
//! by an operator with their original signing and registration dates and registration numbers,
//! so the years before the platform count in the statistics on the dates they happened.
//!
//! An imported contract starts on the register (one `Imported` event, naming the batch and the
//! line it came from) and from then on is a registration like any other: it can be amended, take
//! payments, be cancelled or revoked. Registration numbers are unique on the register, which is
//! what lets a second import of the same file find the first instead of registering it again.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::input::current_taxonomy;
use super::{
    ContractContent, ContractEvent, ContractInput, PartyInput, Taxonomies, REGISTRATION_NUMBER_MAX,
};
use crate::domain::calendar::china_date;
use crate::domain::error::Validation;
use crate::domain::reference::ReferenceData;
use crate::domain::text::Title;
use crate::domain::{Actor, DomainError, Role};

/// Where an imported contract came from: the batch (one file, applied whole or not at all), the
/// file's name as the operator gave it, and the line (CSV: counting the header as line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSource {
    pub batch_id: Uuid,
    pub file: String,
    pub line: u64,
}

/// One contract of the past as it arrives (a JSON line, or a CSV row turned into one): the
/// registration's content, plus its number and the day it was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoricInput {
    pub registration_number: String,
    pub registered_on: NaiveDate,
    /// Contracts registered before 2026 were classified under the 2001 taxonomy.
    #[serde(default = "current_taxonomy")]
    pub taxonomy: String,
    pub contract_type: String,
    #[serde(default)]
    pub contract_subtype: Option<String>,
    pub title: String,
    pub seller: PartyInput,
    pub buyer: PartyInput,
    pub signing_date: NaiveDate,
    pub validity_start: NaiveDate,
    pub validity_end: NaiveDate,
    pub contract_amount_fen: i64,
    pub technology_amount_fen: i64,
    pub field: String,
    #[serde(default)]
    pub ip_kinds: Vec<String>,
}

/// A validated contract of the past, ready to be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoricRegistration {
    pub registration_number: String,
    pub registered_on: NaiveDate,
    pub content: ContractContent,
}

impl HistoricRegistration {
    /// Validates one contract of the past, reporting every invalid field at once. `today` is
    /// the China date of the import: nothing was signed or registered after it.
    pub fn parse(
        input: HistoricInput,
        refs: &ReferenceData,
        today: NaiveDate,
    ) -> Result<HistoricRegistration, DomainError> {
        let mut v = Validation::new();
        let number = v.take(Title::parse(
            "registration_number",
            &input.registration_number,
            REGISTRATION_NUMBER_MAX,
        ));
        check_registered_on(&mut v, input.registered_on, input.signing_date, today);
        let registered_on = input.registered_on;
        let content = ContractContent::parse_under(
            ContractInput {
                taxonomy: input.taxonomy,
                contract_type: input.contract_type,
                contract_subtype: input.contract_subtype,
                title: input.title,
                seller: input.seller,
                buyer: input.buyer,
                broker_id: None,
                signing_date: input.signing_date,
                validity_start: input.validity_start,
                validity_end: input.validity_end,
                contract_amount_fen: input.contract_amount_fen,
                technology_amount_fen: input.technology_amount_fen,
                field: input.field,
                ip_kinds: input.ip_kinds,
                negotiation_id: None,
                listing_id: None,
                demand_id: None,
            },
            refs,
            today,
            Taxonomies::CurrentOrLegacy,
        );
        let content = match content {
            Ok(c) => Some(c),
            Err(DomainError::Invalid(errors)) => {
                for e in errors {
                    v.push(e.field, e.message);
                }
                None
            }
            Err(other) => return Err(other),
        };
        v.finish()?;
        let (Some(number), Some(content)) = (number, content) else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(HistoricRegistration {
            registration_number: number.as_str().to_string(),
            registered_on,
            content,
        })
    }
}

fn check_registered_on(
    v: &mut Validation,
    registered_on: NaiveDate,
    signing_date: NaiveDate,
    today: NaiveDate,
) {
    if registered_on > today {
        v.push(
            "registered_on",
            format!("must not be after today ({today})"),
        );
    } else if registered_on < signing_date {
        v.push(
            "registered_on",
            format!("must not be before the signing date ({signing_date})"),
        );
    }
}

/// Decides an import into an empty stream. Only the people who keep the register bring its past
/// in: a registrar or a platform admin, never the platform by rule.
pub(super) fn import(
    actor: &Actor,
    now: DateTime<Utc>,
    source: ImportSource,
    historic: HistoricRegistration,
) -> Result<ContractEvent, DomainError> {
    if actor.is_system() || !matches!(actor.role, Role::Registrar | Role::PlatformAdmin) {
        return Err(DomainError::forbidden(
            "only a registrar or a platform admin imports contracts of the past",
        ));
    }
    let today = china_date(now);
    // The fields are public, so an import built by hand is held to the same rules as a parsed one.
    historic
        .content
        .check_rules_under(today, Taxonomies::CurrentOrLegacy)?;
    let mut v = Validation::new();
    check_registered_on(
        &mut v,
        historic.registered_on,
        historic.content.signing_date,
        today,
    );
    v.finish()?;
    let c = &historic.content;
    if c.listing_id.is_some() || c.negotiation_id.is_some() || c.demand_id.is_some() {
        return Err(DomainError::invalid(
            "listing_id",
            "a contract of the past cannot refer to the platform's listings, demands or negotiations",
        ));
    }
    Ok(ContractEvent::Imported {
        source,
        registration_number: historic.registration_number,
        registered_on: historic.registered_on,
        content: historic.content,
    })
}

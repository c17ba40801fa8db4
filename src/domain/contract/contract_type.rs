//! The contract type (技术合同类别) a registration is classified under, in the taxonomy it was
//! registered under.

use serde::{Deserialize, Serialize};

use super::{LEGACY_TAXONOMY, TAXONOMY};
use crate::domain::error::Validation;
use crate::domain::reference::{ContractType, ReferenceData};
use crate::domain::DomainError;

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
    pub(super) fn allows(self, taxonomy: &str) -> bool {
        taxonomy == TAXONOMY || (self == Taxonomies::CurrentOrLegacy && taxonomy == LEGACY_TAXONOMY)
    }

    pub(super) fn refusal(self, taxonomy: &str) -> String {
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

pub(super) fn parse_contract_type(
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
pub(super) fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

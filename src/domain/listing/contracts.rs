//! Registered contracts that name a listing. Not every contract ends a listing's availability:
//! after a non-exclusive licence, a development or a service contract the owner can still deal
//! with others, so marking the listing `transferred` would shut the market out of something
//! still on offer. Such contracts are recorded on the listing instead, which stays published.
//!
//! What ends availability (the listing becomes `transferred`):
//! - an assignment (转让, contract type `transfer`, any subtype): the owner no longer holds it;
//! - an exclusive licence (独占许可, `license`/`exclusive`): not even the owner may use it;
//! - a sole licence (排他许可, `license`/`sole`) when the listing offers nothing but licences:
//!   the sole licence bars every further licence, so nothing the listing offers is left. When the
//!   listing also offers assignment, equity investment or joint development, those remain
//!   possible, and the sole licence is recorded like any other contract.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ListingContent, ListingData, ListingEvent, ListingStatus, TransferMode};
use crate::domain::error::require;
use crate::domain::{Actor, DomainError, Role};

/// A registered contract recorded on a listing that it left available.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedContract {
    pub contract_id: Uuid,
    /// A contract type of the 2026 taxonomy (`contract_types.csv`).
    pub contract_type: String,
    pub subtype: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

impl TransferMode {
    fn is_licence(self) -> bool {
        matches!(
            self,
            TransferMode::ExclusiveLicense
                | TransferMode::SoleLicense
                | TransferMode::NonExclusiveLicense
        )
    }
}

impl ListingContent {
    /// Whether a registered contract of this type and subtype (2026 taxonomy) ends the
    /// listing's availability; see the module documentation for the rule.
    pub fn is_ended_by(&self, contract_type: &str, subtype: Option<&str>) -> bool {
        match (contract_type, subtype) {
            ("transfer", _) | ("license", Some("exclusive")) => true,
            ("license", Some("sole")) => self.transfer_modes.iter().all(|m| m.is_licence()),
            _ => false,
        }
    }
}

impl ListingData {
    /// Whether the contract was already recorded on the listing, or transferred it.
    pub fn knows_contract(&self, contract_id: Uuid) -> bool {
        self.transferred_by_contract == Some(contract_id)
            || self.contracts.iter().any(|c| c.contract_id == contract_id)
    }
}

/// A registered contract names the listing: it is transferred by it, or the contract is recorded
/// on it. Only a published listing takes either; a contract already known appends nothing (the
/// caller checks that first, see `Listing::handle_command`).
pub(super) fn record_contract(
    listing: &ListingData,
    actor: &Actor,
    contract_id: Uuid,
    contract_type: String,
    subtype: Option<String>,
) -> Result<ListingEvent, DomainError> {
    // A registrar, or the platform acting on a registered contract (policies::transfer).
    require(
        actor.role == Role::Registrar || actor.is_system(),
        "only a registrar can record a contract on a listing",
    )?;
    let status = listing.status;
    if status != ListingStatus::Published {
        return Err(DomainError::conflict(format!(
            "a contract is recorded only on a published listing; it is {status}"
        )));
    }
    if listing
        .content
        .is_ended_by(&contract_type, subtype.as_deref())
    {
        Ok(ListingEvent::Transferred { contract_id })
    } else {
        Ok(ListingEvent::ContractRecorded {
            contract_id,
            contract_type,
            subtype,
        })
    }
}

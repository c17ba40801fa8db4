//! A registered contract that names a listing goes to the listing, which decides what it means
//! (`domain::listing`'s `contracts`): an assignment or an exclusive licence transfers it, any
//! other contract is recorded on it and it stays published. This policy only routes the event.
//!
//! At-least-once and idempotent: the listing appends nothing for a contract it already knows,
//! and refuses one on a listing that is no longer published, which is then nothing to do.

use async_trait::async_trait;

use super::follower::Policy;
use super::platform::{as_platform, registered_contracts};
use super::PolicyError;
use crate::domain::listing::ListingAction;
use crate::state::AppState;
use crate::store::log::LoggedEvent;

pub struct TransferOnRegistration;

#[async_trait]
impl Policy for TransferOnRegistration {
    /// The name predates the recording of other contracts; it keys the saved checkpoint.
    fn name(&self) -> &'static str {
        "listing_transferred_on_registration"
    }

    async fn handle(
        &self,
        state: &AppState,
        entries: &[LoggedEvent],
    ) -> Result<usize, PolicyError> {
        let mut done = 0;
        for (contract_id, content) in registered_contracts(state, entries).await? {
            let Some(listing_id) = content.listing_id else {
                continue;
            };
            // Registrations are in the current taxonomy, the one the listing's rule reads.
            if !content.contract_type.is_current() {
                continue;
            }
            let action = ListingAction::RecordContract {
                contract_id,
                contract_type: content.contract_type.contract_type,
                subtype: content.contract_type.subtype,
            };
            // A contract the listing knows appends nothing; counting it too only saves the
            // checkpoint sooner.
            if as_platform(state, &state.aggregates.listings, listing_id, action).await? {
                done += 1;
            }
        }
        Ok(done)
    }
}

//! A registered contract that names a listing marks the listing transferred. Idempotent: a
//! listing already transferred (or withdrawn) refuses the command, which is then nothing to do.

use async_trait::async_trait;
use esrs::Aggregate;

use super::follower::Policy;
use crate::domain::contract::ContractRegistration;
use crate::domain::listing::ListingAction;
use crate::domain::{Actor, Command, DomainError};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::log::LoggedEvent;

pub struct TransferOnRegistration;

#[async_trait]
impl Policy for TransferOnRegistration {
    fn name(&self) -> &'static str {
        "listing_transferred_on_registration"
    }

    async fn handle(&self, state: &AppState, entries: &[LoggedEvent]) -> Result<usize, AppError> {
        let mut done = 0;
        for e in entries {
            if e.aggregate_type != ContractRegistration::NAME || e.event_type != "registered" {
                continue;
            }
            let Some(contract) = state.aggregates.contracts.load(e.aggregate_id).await? else {
                continue;
            };
            let Some(listing_id) = contract.state.contract.and_then(|c| c.content.listing_id)
            else {
                continue;
            };
            let action = ListingAction::MarkTransferred {
                contract_id: e.aggregate_id,
            };
            let command = Command::new(Actor::system(), state.clock.now(), action);
            match state
                .aggregates
                .listings
                .execute(listing_id, None, command)
                .await
            {
                Ok(_) => done += 1,
                Err(AppError::Domain(DomainError::Conflict(_) | DomainError::NotFound)) => {}
                Err(AppError::Conflict(_)) => return Err(AppError::Conflict("retry".into())),
                Err(other) => return Err(other),
            }
        }
        Ok(done)
    }
}

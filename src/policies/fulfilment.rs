//! A registered contract that answers a demand (its `demand_id`) closes the demand as fulfilled:
//! the enterprise got what it asked for, so the demand leaves the board and its matches. The
//! demand decides (`DemandAction::FulfilByContract`); this policy only routes the event.
//!
//! At-least-once and idempotent: a demand no longer published (already fulfilled by this or
//! another contract, cancelled, expired, or never published) refuses the command, which is then
//! nothing to do.

use async_trait::async_trait;

use super::follower::Policy;
use super::platform::{as_platform, registered_contracts};
use super::PolicyError;
use crate::domain::demand::DemandAction;
use crate::state::AppState;
use crate::store::log::LoggedEvent;

pub struct FulfilDemandOnRegistration;

#[async_trait]
impl Policy for FulfilDemandOnRegistration {
    fn name(&self) -> &'static str {
        "demand_fulfilled_on_registration"
    }

    async fn handle(
        &self,
        state: &AppState,
        entries: &[LoggedEvent],
    ) -> Result<usize, PolicyError> {
        let mut done = 0;
        for (contract_id, content) in registered_contracts(state, entries).await? {
            let Some(demand_id) = content.demand_id else {
                continue;
            };
            let action = DemandAction::FulfilByContract { contract_id };
            if as_platform(state, &state.aggregates.demands, demand_id, action).await? {
                done += 1;
            }
        }
        Ok(done)
    }
}

//! What the policies that answer a registered contract share: reading the contracts a page of
//! the log registered, and issuing a command as the platform where a refusal means there is
//! nothing left to do.

use esrs::Aggregate;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::PolicyError;
use crate::domain::contract::{ContractContent, ContractRegistration};
use crate::domain::{Actor, Command, DomainError, LoggableEvent};
use crate::state::AppState;
use crate::store::aggregates::{CommandError, EventStoreOf};
use crate::store::log::LoggedEvent;

/// Each contract registered in `entries`, with its content, in log order.
pub(super) async fn registered_contracts(
    state: &AppState,
    entries: &[LoggedEvent],
) -> Result<Vec<(Uuid, ContractContent)>, PolicyError> {
    let mut registered = Vec::new();
    for e in entries {
        if e.aggregate_type != ContractRegistration::NAME || e.event_type != "registered" {
            continue;
        }
        let Some(contract) = state.aggregates.contracts.load(e.aggregate_id).await? else {
            continue;
        };
        if let Some(c) = contract.state.contract {
            registered.push((e.aggregate_id, c.content));
        }
    }
    Ok(registered)
}

/// Runs `action` on stream `id` as the platform. `Ok(false)` when the aggregate refuses it as
/// no longer applicable (its state moved on, or it does not exist): at least once delivery
/// means a policy meets its own past work, which is then nothing to do. Any other failure
/// stops the page, to be read again.
pub(super) async fn as_platform<A, X>(
    state: &AppState,
    store: &EventStoreOf<A>,
    id: Uuid,
    action: X,
) -> Result<bool, PolicyError>
where
    A: Aggregate<Error = DomainError, Command = Command<X>> + Send + Sync + 'static,
    A::State: Send + Sync + Clone,
    A::Event: LoggableEvent + DeserializeOwned,
    X: Send,
{
    let command = Command::new(Actor::system(), state.clock.now(), action);
    match store.execute(id, None, command).await {
        Ok(_) => Ok(true),
        Err(CommandError::Refused(DomainError::Conflict(_) | DomainError::NotFound)) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

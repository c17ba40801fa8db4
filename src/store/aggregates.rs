//! Running commands: load a stream, check the caller's expected version, let the aggregate
//! decide, append. The same code over both backends.

use std::sync::Arc;

use esrs::manager::AggregateManager;
use esrs::store::EventStore;
use esrs::{Aggregate, AggregateState};
use serde::de::DeserializeOwned;
use tokio::sync::Notify;
use uuid::Uuid;

use super::event_store::SqlEventStore;
use super::{Db, StoreError};
use crate::domain::contract::ContractRegistration;
use crate::domain::demand::Demand;
use crate::domain::listing::Listing;
use crate::domain::market_sale::MarketSale;
use crate::domain::negotiation::Negotiation;
use crate::domain::ownership_grant::OwnershipGrant;
use crate::domain::verification::VerificationRequest;
use crate::domain::{Command, DomainError, LoggableEvent, Visibility};
use crate::projections::Projections;

/// A stream's state together with its version (the sequence number of its last event).
#[derive(Debug, Clone)]
pub struct Loaded<S> {
    pub id: Uuid,
    pub version: i32,
    pub state: S,
}

/// An aggregate type's event store, which signals `appended` after every successful command so
/// that catch-up followers (the search indexer) wake at once instead of at their next poll.
pub struct EventStoreOf<A: Aggregate> {
    store: SqlEventStore<A>,
    appended: Arc<Notify>,
}

/// Why a command appended nothing. The store's own error, not the HTTP one: the routes map it
/// to a response, the policies decide which refusals to skip.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The aggregate's rules refused the command (or the actor may not see the stream).
    #[error(transparent)]
    Refused(#[from] DomainError),
    /// The caller's `If-Match` version is not the stream's; `current` is unknown when another
    /// command appended between our load and our append.
    #[error("version {expected} is no longer the current version")]
    Stale { expected: i32, current: Option<i32> },
    /// The append failed: a concurrent append without `If-Match`, a rule across streams, or the
    /// database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CommandError {
    /// Someone else changed the stream or got there first: for a policy, nothing left to do.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            CommandError::Refused(DomainError::Conflict(_))
                | CommandError::Stale { .. }
                | CommandError::Store(StoreError::Conflict | StoreError::Invariant(_))
        )
    }
}

type Outcome<S> = Result<Loaded<S>, CommandError>;

impl<A> EventStoreOf<A>
where
    A: Aggregate<Error = DomainError> + Send + Sync + 'static,
    A::State: Send + Sync + Clone,
    A::Command: Send,
    A::Event: LoggableEvent + DeserializeOwned,
{
    pub fn new(db: &Db, projections: &Projections, appended: Arc<Notify>) -> Self {
        Self {
            store: SqlEventStore::new(db.clone(), projections.clone()),
            appended,
        }
    }

    pub async fn load(&self, id: Uuid) -> Result<Option<Loaded<A::State>>, StoreError> {
        load_from(&self.store, id).await
    }

    /// Runs `command` against stream `id`. `expected` is the client's `If-Match` version: when
    /// given and stale, nothing is decided and 412 is returned. A stream that does not exist yet
    /// is handed to the aggregate as its default state (creation commands expect that).
    pub async fn execute(
        &self,
        id: Uuid,
        expected: Option<i32>,
        command: A::Command,
    ) -> Outcome<A::State> {
        self.execute_checked(id, expected, |_| Ok(()), command)
            .await
    }

    /// Runs a creating `command` on a stream that should not exist yet (an id the caller just
    /// made), without reading it first: the aggregate decides against its default state, and if
    /// the stream does exist after all the append's unique `(aggregate_id, sequence_number)`
    /// index refuses it as a conflict. One round trip fewer on the commonest write.
    #[tracing::instrument(name = "command", skip_all, fields(aggregate = A::NAME, %id))]
    pub async fn create(&self, id: Uuid, command: A::Command) -> Outcome<A::State> {
        let outcome =
            decide_and_append(&self.store, AggregateState::with_id(id), None, command).await;
        self.signalled(outcome)
    }

    /// Starts new streams with events already decided (each against an empty stream), in one
    /// transaction: all of them or, when any exists already or anything fails, none.
    pub async fn start_streams(
        &self,
        streams: Vec<(Uuid, Vec<A::Event>)>,
    ) -> Result<(), StoreError> {
        self.store.create_streams(streams).await?;
        self.appended.notify_waiters();
        self.appended.notify_one();
        Ok(())
    }

    /// As [`execute`](Self::execute) for a command on an existing stream on behalf of a person:
    /// a stream the command's actor may not see is 404, before any version or rule is compared.
    pub async fn execute_visible<X: Send>(
        &self,
        id: Uuid,
        expected: Option<i32>,
        command: Command<X>,
    ) -> Outcome<A::State>
    where
        A: Aggregate<Command = Command<X>>,
        A::State: Visibility,
    {
        let actor = command.actor;
        let visible = move |s: &A::State| {
            if s.is_visible_to(&actor) {
                Ok(())
            } else {
                Err(DomainError::NotFound.into())
            }
        };
        self.execute_checked(id, expected, visible, command).await
    }

    /// As [`execute`](Self::execute), with `check` run on the loaded state first.
    #[tracing::instrument(name = "command", skip_all, fields(aggregate = A::NAME, %id, expected))]
    async fn execute_checked(
        &self,
        id: Uuid,
        expected: Option<i32>,
        check: impl FnOnce(&A::State) -> Result<(), CommandError> + Send,
        command: A::Command,
    ) -> Outcome<A::State> {
        let outcome = execute_on(&self.store, id, expected, check, command).await;
        self.signalled(outcome)
    }

    /// Wakes the followers of the log after a command that appended.
    fn signalled(&self, outcome: Outcome<A::State>) -> Outcome<A::State> {
        crate::metrics::command(A::NAME, &outcome);
        if outcome.is_ok() {
            self.appended.notify_waiters();
            self.appended.notify_one();
        }
        outcome
    }
}

async fn load_from<S, A>(store: &S, id: Uuid) -> Result<Option<Loaded<A::State>>, StoreError>
where
    S: EventStore<Aggregate = A> + Sync,
    S::Error: Into<StoreError>,
    A: Aggregate,
    A::Event: Send + Sync + 'static,
    A::State: Send,
{
    let manager = AggregateManager::new(store);
    Ok(manager.load(id).await.map_err(Into::into)?.map(|s| Loaded {
        id,
        version: *s.sequence_number(),
        state: s.into_inner(),
    }))
}

async fn execute_on<S, A>(
    store: &S,
    id: Uuid,
    expected: Option<i32>,
    check: impl FnOnce(&A::State) -> Result<(), CommandError>,
    command: A::Command,
) -> Outcome<A::State>
where
    S: EventStore<Aggregate = A> + Sync,
    S::Error: Into<StoreError>,
    A: Aggregate<Error = DomainError>,
    A::State: Clone + Send,
    A::Event: Send + Sync + 'static,
{
    // Plain load, not esrs's `lock_and_load`: that holds a second pooled connection for the lock
    // while loading. Optimistic concurrency on the sequence number is enough here.
    let manager = AggregateManager::new(store);
    let state = manager
        .load(id)
        .await
        .map_err(Into::into)?
        .unwrap_or_else(|| AggregateState::with_id(id));
    check(state.inner())?;
    let current = *state.sequence_number();
    if let Some(expected) = expected {
        if expected != current {
            return Err(CommandError::Stale {
                expected,
                current: Some(current),
            });
        }
    }
    decide_and_append(store, state, expected, command).await
}

/// Lets the aggregate decide on `state` and appends what it decided.
async fn decide_and_append<S, A>(
    store: &S,
    mut state: AggregateState<A::State>,
    expected: Option<i32>,
    command: A::Command,
) -> Outcome<A::State>
where
    S: EventStore<Aggregate = A> + Sync,
    S::Error: Into<StoreError>,
    A: Aggregate<Error = DomainError>,
    A::State: Clone + Send,
    A::Event: Send + Sync + 'static,
{
    let events = A::handle_command(state.inner(), command)?;
    let stored = store
        .persist(&mut state, events)
        .await
        .map_err(|e| match e.into() {
            // Someone appended between our load and our append. With If-Match the client asked for
            // exactly the version it saw, which is now stale: 412. Without, it is a plain conflict.
            StoreError::Conflict => match expected {
                Some(expected) => CommandError::Stale {
                    expected,
                    current: None,
                },
                None => StoreError::Conflict.into(),
            },
            other => other.into(),
        })?;
    let state = state.apply_store_events(stored, A::apply_event);
    Ok(Loaded {
        id: *state.id(),
        version: *state.sequence_number(),
        state: state.into_inner(),
    })
}

/// One event store per aggregate type.
pub struct Aggregates {
    pub listings: EventStoreOf<Listing>,
    pub demands: EventStoreOf<Demand>,
    pub verifications: EventStoreOf<VerificationRequest>,
    pub negotiations: EventStoreOf<Negotiation>,
    pub contracts: EventStoreOf<ContractRegistration>,
    pub ownership_grants: EventStoreOf<OwnershipGrant>,
    pub market_sales: EventStoreOf<MarketSale>,
}

impl Aggregates {
    pub fn new(db: &Db, projections: &Projections, appended: Arc<Notify>) -> Self {
        Self {
            listings: EventStoreOf::new(db, projections, appended.clone()),
            demands: EventStoreOf::new(db, projections, appended.clone()),
            verifications: EventStoreOf::new(db, projections, appended.clone()),
            negotiations: EventStoreOf::new(db, projections, appended.clone()),
            contracts: EventStoreOf::new(db, projections, appended.clone()),
            ownership_grants: EventStoreOf::new(db, projections, appended.clone()),
            market_sales: EventStoreOf::new(db, projections, appended),
        }
    }
}

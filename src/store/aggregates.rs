//! Running commands: load a stream, check the caller's expected version, let the aggregate
//! decide, append. Works the same over both event stores.

use std::sync::Arc;

use esrs::manager::AggregateManager;
use esrs::store::postgres::{PgStore, PgStoreError};
use esrs::store::EventStore;
use esrs::{Aggregate, AggregateState};
use serde::de::DeserializeOwned;
use tokio::sync::Notify;
use uuid::Uuid;

use super::sqlite::{SqliteEventStore, SqliteStoreError};
use super::{is_unique_violation, Db, StoreError};
use crate::domain::contract::ContractRegistration;
use crate::domain::demand::Demand;
use crate::domain::listing::Listing;
use crate::domain::negotiation::Negotiation;
use crate::domain::ownership_grant::OwnershipGrant;
use crate::domain::verification::VerificationRequest;
use crate::domain::{Command, DomainError, LoggableEvent, Visibility};
use crate::error::AppError;
use crate::projections::{Inline, Projections};

/// A stream's state together with its version (the sequence number of its last event).
#[derive(Debug, Clone)]
pub struct Loaded<S> {
    pub id: Uuid,
    pub version: i32,
    pub state: S,
}

impl From<PgStoreError> for StoreError {
    fn from(e: PgStoreError) -> Self {
        match e {
            PgStoreError::Sqlx(e) if is_unique_violation(&e) => StoreError::Conflict,
            PgStoreError::Sqlx(e) => StoreError::from(e),
            PgStoreError::Json(e) => StoreError::Serde(e),
            PgStoreError::Custom(e) => StoreError::from_boxed(e),
        }
    }
}

impl From<SqliteStoreError> for StoreError {
    fn from(e: SqliteStoreError) -> Self {
        match e {
            SqliteStoreError::Sqlx(e) if is_unique_violation(&e) => StoreError::Conflict,
            SqliteStoreError::Sqlx(e) => StoreError::from(e),
            SqliteStoreError::Json(e) => StoreError::Serde(e),
            SqliteStoreError::Handler(e) => e,
        }
    }
}

/// The event store of one aggregate type, on whichever backend is configured.
pub enum Backend<A: Aggregate> {
    Pg(PgStore<A>),
    Sqlite(SqliteEventStore<A>),
}

/// An aggregate type's event store, which signals `appended` after every successful command so
/// that catch-up followers (the search indexer) wake at once instead of at their next poll.
pub struct EventStoreOf<A: Aggregate> {
    backend: Backend<A>,
    appended: Arc<Notify>,
}

type Outcome<S> = Result<Loaded<S>, AppError>;

impl<A> EventStoreOf<A>
where
    A: Aggregate<Error = DomainError> + Send + Sync + 'static,
    A::State: Send + Sync + Clone,
    A::Command: Send,
    A::Event: LoggableEvent + DeserializeOwned,
{
    pub async fn build(
        db: &Db,
        projections: &Projections,
        appended: Arc<Notify>,
    ) -> Result<Self, StoreError> {
        let backend = match db {
            Db::Pg(_, appends) => {
                Backend::Pg(super::postgres::event_store::<A>(appends, projections).await?)
            }
            Db::Sqlite { read, write } => Backend::Sqlite(SqliteEventStore::new(
                read.clone(),
                write.clone(),
                vec![Box::new(Inline::new(projections.clone()))],
            )),
        };
        Ok(Self::new(backend, appended))
    }

    pub fn new(backend: Backend<A>, appended: Arc<Notify>) -> Self {
        Self { backend, appended }
    }

    pub async fn load(&self, id: Uuid) -> Result<Option<Loaded<A::State>>, StoreError> {
        match &self.backend {
            Backend::Pg(s) => load_from(s, id).await,
            Backend::Sqlite(s) => load_from(s, id).await,
        }
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
                Err(AppError::NotFound)
            }
        };
        self.execute_checked(id, expected, visible, command).await
    }

    /// As [`execute`](Self::execute), with `check` run on the loaded state first.
    async fn execute_checked(
        &self,
        id: Uuid,
        expected: Option<i32>,
        check: impl FnOnce(&A::State) -> Result<(), AppError> + Send,
        command: A::Command,
    ) -> Outcome<A::State> {
        let outcome = match &self.backend {
            Backend::Pg(s) => execute_on(s, id, expected, check, command).await,
            Backend::Sqlite(s) => execute_on(s, id, expected, check, command).await,
        };
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
    check: impl FnOnce(&A::State) -> Result<(), AppError>,
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
            return Err(AppError::PreconditionFailed {
                expected,
                current: Some(current),
            });
        }
    }
    let events = A::handle_command(state.inner(), command)?;
    let mut state = state;
    let stored = store
        .persist(&mut state, events)
        .await
        .map_err(|e| match e.into() {
            // Someone appended between our load and our append. With If-Match the client asked for
            // exactly the version it saw, which is now stale: 412. Without, it is a plain conflict.
            StoreError::Conflict => match expected {
                Some(expected) => AppError::PreconditionFailed {
                    expected,
                    current: None,
                },
                None => AppError::from(StoreError::Conflict),
            },
            other => AppError::from(other),
        })?;
    let state = state.apply_store_events(stored, A::apply_event);
    Ok(Loaded {
        id,
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
}

impl Aggregates {
    pub async fn build(
        db: &Db,
        projections: &Projections,
        appended: Arc<Notify>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            listings: EventStoreOf::build(db, projections, appended.clone()).await?,
            demands: EventStoreOf::build(db, projections, appended.clone()).await?,
            verifications: EventStoreOf::build(db, projections, appended.clone()).await?,
            negotiations: EventStoreOf::build(db, projections, appended.clone()).await?,
            contracts: EventStoreOf::build(db, projections, appended.clone()).await?,
            ownership_grants: EventStoreOf::build(db, projections, appended).await?,
        })
    }
}

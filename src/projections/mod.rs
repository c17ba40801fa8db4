//! Read models. Each [`Projection`] is a pure function of the global log: it owns some tables,
//! applies one [`LoggedEvent`] at a time, and so can be dropped and rebuilt from the log and come
//! back identical (it must take every value, times included, from the event, never from the clock).
//!
//! Projections run inline: [`Inline`] is the esrs transactional handler that, inside the
//! transaction appending a command's events, writes each to the global log and then to every
//! projection. A read model is therefore never behind or ahead of the events it shows.

pub mod contract_stats;
pub mod demand_board;
pub mod doc;
pub mod listing_catalogue;
pub mod negotiation_board;
pub mod ownership_register;
pub mod rebuild;
pub mod search;
pub mod verification_queue;

use std::sync::Arc;

use async_trait::async_trait;
use esrs::handler::TransactionalEventHandler;
use esrs::store::postgres::PgStoreError;
use esrs::store::StoreEvent;
use esrs::Aggregate;
use sqlx::{PgConnection, SqliteConnection};

use crate::domain::LoggableEvent;
use crate::store::log::{self, LoggedEvent};
use crate::store::sql::Conn;
use crate::store::sqlite::SqliteStoreError;
use crate::store::StoreError;

#[async_trait]
pub trait Projection: Send + Sync {
    fn name(&self) -> &'static str;
    /// Tables this projection owns; a rebuild empties them first.
    fn tables(&self) -> &'static [&'static str];
    async fn apply(&self, conn: &mut Conn<'_>, event: &LoggedEvent) -> Result<(), StoreError>;
}

/// Every projection of the service, in the order they are applied.
#[derive(Clone)]
pub struct Projections(Arc<Vec<Box<dyn Projection>>>);

impl Projections {
    pub fn standard() -> Self {
        Self(Arc::new(vec![
            Box::new(listing_catalogue::ListingCatalogue),
            Box::new(demand_board::DemandBoard),
            Box::new(verification_queue::VerificationQueue),
            Box::new(negotiation_board::NegotiationBoard),
            Box::new(contract_stats::ContractRegister),
            Box::new(ownership_register::OwnershipRegister),
        ]))
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Projection> {
        self.0.iter().map(|p| p.as_ref())
    }

    pub async fn apply(&self, conn: &mut Conn<'_>, event: &LoggedEvent) -> Result<(), StoreError> {
        for p in self.iter() {
            p.apply(conn, event).await?;
        }
        Ok(())
    }

    /// Logs one freshly stored event and projects it, inside the caller's transaction.
    async fn record<E: LoggableEvent>(
        &self,
        conn: &mut Conn<'_>,
        aggregate_type: &str,
        event: &StoreEvent<E>,
    ) -> Result<(), StoreError> {
        let mut entry = LoggedEvent::from_store_event(aggregate_type, event)?;
        entry.position = log::append(conn, &entry).await?;
        self.apply(conn, &entry).await
    }
}

/// The transactional handler both event stores run inside the append transaction.
pub struct Inline {
    projections: Projections,
}

impl Inline {
    pub fn new(projections: Projections) -> Self {
        Self { projections }
    }
}

#[async_trait]
impl<A> TransactionalEventHandler<A, PgStoreError, PgConnection> for Inline
where
    A: Aggregate,
    A::Event: LoggableEvent,
{
    async fn handle(
        &self,
        event: &StoreEvent<A::Event>,
        conn: &mut PgConnection,
    ) -> Result<(), PgStoreError> {
        self.projections
            .record(&mut Conn::Pg(conn), A::NAME, event)
            .await
            .map_err(|e| PgStoreError::Custom(Box::new(e)))
    }
}

#[async_trait]
impl<A> TransactionalEventHandler<A, SqliteStoreError, SqliteConnection> for Inline
where
    A: Aggregate,
    A::Event: LoggableEvent,
{
    async fn handle(
        &self,
        event: &StoreEvent<A::Event>,
        conn: &mut SqliteConnection,
    ) -> Result<(), SqliteStoreError> {
        self.projections
            .record(&mut Conn::Sqlite(conn), A::NAME, event)
            .await
            .map_err(SqliteStoreError::from)
    }
}

//! Read models. Each [`Projection`] is a pure function of the global log: it owns some tables,
//! applies one [`LoggedEvent`] at a time, and so can be dropped and rebuilt from the log and come
//! back identical (it must take every value, times included, from the event, never from the clock).
//!
//! Projections run inline: the event store ([`crate::store::event_store`]) applies every
//! projection to a command's events inside the transaction that appends them and their log
//! entries. A read model is therefore never behind or ahead of the events it shows.

pub mod contract_stats;
pub mod demand_board;
pub mod doc;
pub mod feed;
pub mod fold;
pub mod lineage;
pub mod listing_catalogue;
pub mod market_board;
pub mod negotiation_board;
pub mod ownership_register;
pub mod rebuild;
pub mod rows;
pub mod search;
pub mod verification_queue;

use std::sync::Arc;

use async_trait::async_trait;
use fold::Docs;

use crate::store::log::LoggedEvent;
use crate::store::sql::Conn;
use crate::store::StoreError;

#[async_trait]
pub trait Projection: Send + Sync {
    fn name(&self) -> &'static str;
    /// Tables this projection owns; a rebuild empties them first.
    fn tables(&self) -> &'static [&'static str];
    async fn apply(&self, conn: &mut Conn<'_>, event: &LoggedEvent) -> Result<(), StoreError>;
    /// Whether a rebuild empties and replays it. A guard kept in the append's transaction (a
    /// uniqueness the commands rely on) says no: see `contract_stats::numbers`.
    fn rebuilt(&self) -> bool {
        true
    }
    /// Events in log order: one command's (one stream), or a rebuild's page (many streams,
    /// interleaved). A projection that can do better than one [`apply`](Self::apply) per event
    /// (one write per stream for its final state, multi-row statements) overrides it; the
    /// result must be the same.
    async fn apply_all(
        &self,
        conn: &mut Conn<'_>,
        events: &[LoggedEvent],
    ) -> Result<(), StoreError> {
        for e in events {
            self.apply(conn, e).await?;
        }
        Ok(())
    }
}

/// Every projection of the service, in the order they are applied.
#[derive(Clone)]
pub struct Projections(Arc<Vec<Arc<dyn Projection>>>);

impl Projections {
    pub fn standard() -> Self {
        Self(Arc::new(vec![
            Arc::new(Docs::<listing_catalogue::ListingCatalogue>::new()),
            Arc::new(Docs::<demand_board::DemandBoard>::new()),
            Arc::new(Docs::<verification_queue::VerificationQueue>::new()),
            Arc::new(Docs::<negotiation_board::NegotiationBoard>::new()),
            Arc::new(Docs::<market_board::MarketBoard>::new()),
            Arc::new(Docs::<contract_stats::ContractRegister>::new()),
            Arc::new(contract_stats::numbers::RegistrationNumbers),
            Arc::new(Docs::<ownership_register::OwnershipRegister>::new()),
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

    /// Projects one command's freshly logged events, inside the append's transaction.
    pub async fn apply_all(
        &self,
        conn: &mut Conn<'_>,
        events: &[LoggedEvent],
    ) -> Result<(), StoreError> {
        for p in self.iter() {
            p.apply_all(conn, events).await?;
        }
        Ok(())
    }

    /// These projections and then `more` (tests add one that fails).
    pub fn and(&self, more: Arc<dyn Projection>) -> Self {
        let mut all: Vec<Arc<dyn Projection>> = self.0.iter().cloned().collect();
        all.push(more);
        Self(Arc::new(all))
    }
}

//! An esrs [`EventStore`] on SQLite, with the semantics of esrs's `PgStore`: one table per
//! aggregate (`{NAME}_events`), optimistic concurrency through the unique
//! `(aggregate_id, sequence_number)` index, all of a command's events in one transaction, and
//! transactional handlers (the global log and inline projections) run inside it.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use esrs::handler::TransactionalEventHandler;
use esrs::store::{EventStore, EventStoreLockGuard, StoreEvent, UnlockOnDrop};
use esrs::{Aggregate, AggregateState};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::sql::sqlite_time;
use super::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SqliteStoreError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A transactional handler failed; the append was rolled back.
    #[error(transparent)]
    Handler(#[from] StoreError),
}

type Handler<A> = Box<dyn TransactionalEventHandler<A, SqliteStoreError, SqliteConnection> + Send>;

pub struct SqliteEventStore<A: Aggregate> {
    inner: Arc<Inner<A>>,
}

struct Inner<A: Aggregate> {
    read: SqlitePool,
    write: SqlitePool,
    table: String,
    handlers: Vec<Handler<A>>,
    /// In-process locks for `EventStore::lock`: an SQLite file has one process writing it.
    locks: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    _aggregate: PhantomData<A>,
}

impl<A: Aggregate> Clone for SqliteEventStore<A> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<A: Aggregate> SqliteEventStore<A> {
    pub fn new(read: SqlitePool, write: SqlitePool, handlers: Vec<Handler<A>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                read,
                write,
                table: format!("{}_events", A::NAME),
                handlers,
                locks: Mutex::new(HashMap::new()),
                _aggregate: PhantomData,
            }),
        }
    }

    pub fn table_name(&self) -> &str {
        &self.inner.table
    }
}

struct AggregateLock(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);
impl UnlockOnDrop for AggregateLock {}

fn decode<E: DeserializeOwned>(
    row: &sqlx::sqlite::SqliteRow,
) -> Result<StoreEvent<E>, SqliteStoreError> {
    let payload: String = row.try_get("payload")?;
    let occurred_on: String = row.try_get("occurred_on")?;
    let occurred_on = DateTime::parse_from_rfc3339(&occurred_on)
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?
        .with_timezone(&Utc);
    Ok(StoreEvent {
        id: row.try_get("id")?,
        aggregate_id: row.try_get("aggregate_id")?,
        payload: serde_json::from_str(&payload)?,
        occurred_on,
        sequence_number: row.try_get("sequence_number")?,
        version: row.try_get("version")?,
    })
}

#[async_trait]
impl<A> EventStore for SqliteEventStore<A>
where
    A: Aggregate + Send + Sync,
    A::State: Send,
    A::Event: Serialize + DeserializeOwned + Send + Sync,
{
    type Aggregate = A;
    type Error = SqliteStoreError;

    async fn lock(&self, aggregate_id: Uuid) -> Result<EventStoreLockGuard, Self::Error> {
        let mutex = {
            let mut locks = self.inner.locks.lock().expect("lock map poisoned");
            // Forget locks nobody holds, so the map does not grow with every aggregate ever locked.
            locks.retain(|_, m| Arc::strong_count(m) > 1);
            Arc::clone(locks.entry(aggregate_id).or_default())
        };
        Ok(EventStoreLockGuard::new(AggregateLock(
            mutex.lock_owned().await,
        )))
    }

    async fn by_aggregate_id(
        &self,
        aggregate_id: Uuid,
    ) -> Result<Vec<StoreEvent<A::Event>>, Self::Error> {
        let sql = format!(
            "SELECT id, aggregate_id, payload, occurred_on, sequence_number, version FROM {} \
             WHERE aggregate_id = $1 ORDER BY sequence_number",
            self.inner.table
        );
        let rows = sqlx::query(&sql)
            .bind(aggregate_id)
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter().map(decode).collect()
    }

    async fn persist(
        &self,
        aggregate_state: &mut AggregateState<A::State>,
        events: Vec<A::Event>,
    ) -> Result<Vec<StoreEvent<A::Event>>, Self::Error> {
        let mut tx = self.inner.write.begin_with("BEGIN IMMEDIATE").await?;
        let occurred_on = Utc::now();
        let aggregate_id = *aggregate_state.id();
        let sql = format!(
            "INSERT INTO {} (id, aggregate_id, payload, occurred_on, sequence_number, version) VALUES ($1, $2, $3, $4, $5, NULL)",
            self.inner.table
        );
        let mut stored = Vec::with_capacity(events.len());
        for payload in events {
            let id = Uuid::now_v7();
            let sequence_number = aggregate_state.next_sequence_number();
            sqlx::query(&sql)
                .bind(id)
                .bind(aggregate_id)
                .bind(serde_json::to_string(&payload)?)
                .bind(sqlite_time(&occurred_on))
                .bind(sequence_number)
                .execute(&mut *tx)
                .await?;
            stored.push(StoreEvent {
                id,
                aggregate_id,
                payload,
                occurred_on,
                sequence_number,
                version: None,
            });
        }
        for event in &stored {
            for handler in &self.inner.handlers {
                handler.handle(event, &mut tx).await?;
            }
        }
        tx.commit().await?;
        drop(aggregate_state.take_lock());
        Ok(stored)
    }

    async fn publish(&self, _store_events: &[StoreEvent<A::Event>]) {
        // No event buses: consumers follow the global log, which cannot lose an event the way a
        // publish-after-commit bus can.
    }

    async fn delete(&self, aggregate_id: Uuid) -> Result<(), Self::Error> {
        let mut tx = self.inner.write.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(&format!(
            "DELETE FROM {} WHERE aggregate_id = $1",
            self.inner.table
        ))
        .bind(aggregate_id)
        .execute(&mut *tx)
        .await?;
        for handler in &self.inner.handlers {
            handler.delete(aggregate_id, &mut tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

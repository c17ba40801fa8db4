//! The event store of one aggregate type, on either backend: esrs's [`EventStore`] trait over
//! esrs's table layout (`{NAME}_events`, optimistic concurrency through the unique
//! `(aggregate_id, sequence_number)` index), appending a command's events, their entries in the
//! global log and the inline projections in one transaction.
//!
//! Ours rather than esrs's `PgStore` because an append is the write path's whole cost: `PgStore`
//! inserts each event with its own statement and hands events to transactional handlers one at
//! a time, so a ten-event command cost ten round trips for the events, ten for the log and ten
//! read-then-writes per read model. Here a command's events and their log entries are one
//! statement on PostgreSQL (a data-modifying CTE), and each projection sees the command's events
//! together. The table layout stays esrs's, so either store reads the other's events.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use chrono::Utc;
use esrs::store::{EventStore, EventStoreLockGuard, StoreEvent, UnlockOnDrop};
use esrs::{Aggregate, AggregateState};
use uuid::Uuid;

use super::log::{LoggedEvent, PG_NEXT_POSITION};
use super::sql::{Arg, Conn};
use super::{is_unique_violation, Db, StoreError};
use crate::domain::{Actor, LoggableEvent};
use crate::projections::Projections;

pub struct SqlEventStore<A: Aggregate> {
    db: Db,
    table: String,
    projections: Projections,
    /// In-process locks for `EventStore::lock`, which the service never takes (commands rely on
    /// optimistic concurrency); they exist because the trait asks for them.
    locks: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    _aggregate: PhantomData<A>,
}

impl<A: Aggregate> SqlEventStore<A> {
    pub fn new(db: Db, projections: Projections) -> Self {
        Self {
            db,
            table: format!("{}_events", A::NAME),
            projections,
            locks: Mutex::new(HashMap::new()),
            _aggregate: PhantomData,
        }
    }
}

impl<A> SqlEventStore<A>
where
    A: Aggregate,
    A::Event: LoggableEvent,
{
    /// Starts new streams, all in one transaction: every stream is written or none is. A stream
    /// that exists already makes the whole append a [`StoreError::Conflict`].
    #[tracing::instrument(
        name = "create_streams",
        skip_all,
        fields(aggregate = A::NAME, streams = streams.len())
    )]
    pub async fn create_streams(
        &self,
        streams: Vec<(Uuid, Vec<A::Event>)>,
    ) -> Result<Vec<StoreEvent<A::Event>>, StoreError> {
        let occurred_on = Utc::now();
        let mut pending: Vec<Pending<A::Event>> = Vec::new();
        for (id, events) in streams {
            pending.extend(self.pending(id, 1, events, occurred_on)?);
        }
        if !pending.is_empty() {
            self.append(&pending).await?;
        }
        Ok(pending.into_iter().map(|p| p.stored).collect())
    }

    /// The events of one stream, numbered from `first`, with their log entries.
    fn pending(
        &self,
        aggregate_id: Uuid,
        first: i32,
        events: Vec<A::Event>,
        occurred_on: chrono::DateTime<Utc>,
    ) -> Result<Vec<Pending<A::Event>>, StoreError> {
        Ok(events
            .into_iter()
            .zip(first..)
            .map(|(payload, sequence_number)| {
                let id = Uuid::now_v7();
                let actor: Actor = payload.actor();
                let entry = LoggedEvent {
                    position: 0,
                    event_id: id,
                    aggregate_type: A::NAME.to_string(),
                    aggregate_id,
                    version: sequence_number,
                    event_type: payload.event_type().to_string(),
                    actor_id: actor.user_id,
                    actor_role: actor.role.as_str().to_string(),
                    recorded_at: occurred_on,
                    payload: serde_json::value::to_raw_value(&payload)?,
                    schema_version: Some(A::Event::SCHEMA_VERSION),
                };
                Ok(Pending {
                    stored: StoreEvent {
                        id,
                        aggregate_id,
                        payload,
                        occurred_on,
                        sequence_number,
                        version: Some(A::Event::SCHEMA_VERSION),
                    },
                    entry,
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()?)
    }

    /// Writes the events, their log entries and the inline projections in one transaction.
    #[tracing::instrument(
        name = "append",
        skip_all,
        fields(
            aggregate = A::NAME,
            events = pending.len(),
            waited_us = tracing::field::Empty,
            last_position = tracing::field::Empty
        )
    )]
    async fn append(&self, pending: &[Pending<A::Event>]) -> Result<(), StoreError> {
        // Appends are serialized (one writer on SQLite, the appends' own pool on PostgreSQL):
        // the wait for the transaction is the queue in front of this command.
        let asked = Instant::now();
        let mut tx = self.db.begin_append().await?;
        let waited = asked.elapsed();
        crate::metrics::append_wait(A::NAME, waited);
        tracing::Span::current().record("waited_us", waited.as_micros() as u64);
        let mut conn = tx.conn();
        let mut entries: Vec<LoggedEvent> = Vec::with_capacity(pending.len());
        // A few hundred events a statement keeps within either backend's limit on parameters.
        for chunk in pending.chunks(APPEND_CHUNK) {
            let positions = insert(&mut conn, &self.table, chunk)
                .await
                .map_err(|e| match e {
                    StoreError::Database(e) if is_unique_violation(&e) => StoreError::Conflict,
                    other => other,
                })?;
            entries.extend(
                chunk
                    .iter()
                    .zip(positions)
                    .map(|(p, position)| LoggedEvent {
                        position,
                        ..p.entry.clone()
                    }),
            );
        }
        self.projections.apply_all(&mut conn, &entries).await?;
        tx.commit().await?;
        if let Some(last) = entries.last() {
            tracing::Span::current().record("last_position", last.position);
        }
        Ok(())
    }
}

/// Events per insert statement (eight parameters each).
const APPEND_CHUNK: usize = 500;

struct AggregateLock(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);
impl UnlockOnDrop for AggregateLock {}

/// One event about to be written, with its log entry.
struct Pending<E> {
    stored: StoreEvent<E>,
    entry: LoggedEvent,
}

#[async_trait]
impl<A> EventStore for SqlEventStore<A>
where
    A: Aggregate + Send + Sync,
    A::State: Send,
    A::Event: LoggableEvent,
{
    type Aggregate = A;
    type Error = StoreError;

    async fn lock(&self, aggregate_id: Uuid) -> Result<EventStoreLockGuard, StoreError> {
        let mutex = {
            let mut locks = self.locks.lock().expect("lock map poisoned");
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
    ) -> Result<Vec<StoreEvent<A::Event>>, StoreError> {
        let mut rc = self.db.read().await?;
        let rows = rc
            .conn()
            .fetch_all(
                &format!(
                    "SELECT id, aggregate_id, payload, occurred_on, CAST(sequence_number AS BIGINT) AS sequence_number, \
                     CAST(version AS BIGINT) AS version FROM {} \
                     WHERE aggregate_id = $1 ORDER BY sequence_number",
                    self.table
                ),
                &[Arg::Uuid(aggregate_id)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                // esrs's `version` column holds the shape the event was written in.
                let version = r.opt_i64("version")?.map(|v| v as i32);
                Ok(StoreEvent {
                    id: r.uuid("id")?,
                    aggregate_id: r.uuid("aggregate_id")?,
                    payload: A::Event::decode_stored(r.raw_json("payload")?.get(), version)?,
                    occurred_on: r.time("occurred_on")?,
                    sequence_number: r.i64("sequence_number")? as i32,
                    version,
                })
            })
            .collect()
    }

    async fn persist(
        &self,
        aggregate_state: &mut AggregateState<A::State>,
        events: Vec<A::Event>,
    ) -> Result<Vec<StoreEvent<A::Event>>, StoreError> {
        let aggregate_id = *aggregate_state.id();
        // Read, not `next_sequence_number()`, which would move the state's number even for a
        // command that appends nothing (and report a version that was never written).
        let first = *aggregate_state.sequence_number() + 1;
        let pending = self.pending(aggregate_id, first, events, Utc::now())?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        self.append(&pending).await?;
        drop(aggregate_state.take_lock());
        Ok(pending.into_iter().map(|p| p.stored).collect())
    }

    async fn publish(&self, _store_events: &[StoreEvent<A::Event>]) {
        // No event buses: consumers follow the global log, which cannot lose an event the way a
        // publish-after-commit bus can.
    }

    async fn delete(&self, _aggregate_id: Uuid) -> Result<(), StoreError> {
        // An event-sourced market forgets nothing: streams are never deleted, and a deletion
        // here would leave the log and the read models pointing at events that are gone.
        Err(StoreError::Other(
            "streams cannot be deleted; append a compensating event".into(),
        ))
    }
}

/// Writes the events and their log entries; returns the entries' positions, in order.
async fn insert<E: LoggableEvent>(
    conn: &mut Conn<'_>,
    table: &str,
    pending: &[Pending<E>],
) -> Result<Vec<i64>, StoreError> {
    // The shape these events are written in: one constant per aggregate type, so a literal.
    let schema = E::SCHEMA_VERSION;
    let mut args = Vec::with_capacity(pending.len() * 8);
    let mut events = Vec::with_capacity(pending.len());
    let mut entries = Vec::with_capacity(pending.len());
    for (k, p) in pending.iter().enumerate() {
        let b = args.len();
        let e = &p.entry;
        args.extend([
            Arg::Uuid(e.event_id),
            Arg::Uuid(e.aggregate_id),
            Arg::RawJson(e.payload.clone()),
            Arg::Time(e.recorded_at),
            Arg::I64(e.version as i64),
            Arg::Text(e.event_type.clone()),
            Arg::Uuid(e.actor_id),
            Arg::Text(e.actor_role.clone()),
        ]);
        let [id, agg, payload, at, seq, kind, actor, role] =
            std::array::from_fn(|i| format!("${}", b + i + 1));
        events.push(format!("({id}, {agg}, {payload}, {at}, {seq}, {schema})"));
        let columns = format!(
            "{id}, '{}', {agg}, {seq}, {kind}, {actor}, {role}, {at}, {payload}",
            e.aggregate_type
        );
        entries.push(format!("({k}, {columns})"));
    }
    let events_sql = format!(
        "INSERT INTO {table} (id, aggregate_id, payload, occurred_on, sequence_number, version) VALUES {}",
        events.join(", ")
    );
    let mut positions: Vec<i64> = if conn.is_postgres() {
        // One round trip: the events, then their entries at the transaction's next positions
        // (its id shifted, plus the entries it wrote already: see `store::log`).
        let sql = format!(
            "WITH ev AS ({events_sql}), \
             b AS ({PG_NEXT_POSITION}) \
             INSERT INTO event_log (position, event_id, aggregate_type, aggregate_id, version, event_type, \
             actor_id, actor_role, recorded_at, payload, schema_version) \
             SELECT b.base + v.k, v.event_id, v.aggregate_type, v.aggregate_id, v.version, v.event_type, \
             v.actor_id, v.actor_role, v.recorded_at, v.payload, {schema} \
             FROM b, (VALUES {}) AS v(k, event_id, aggregate_type, aggregate_id, version, event_type, \
             actor_id, actor_role, recorded_at, payload) RETURNING position",
            entries.join(", ")
        );
        conn.fetch_all(&sql, &args).await?
    } else {
        // Two statements (no round trips in-process), each binding only its own values.
        let keep = |cols: std::ops::Range<usize>| -> Vec<Arg> {
            args.chunks(8)
                .flat_map(|c| c[cols.clone()].iter().cloned())
                .collect()
        };
        let numbered = |n: usize, cols: usize| -> Vec<String> {
            (0..n)
                .map(|i| {
                    let p: Vec<String> = (1..=cols).map(|c| format!("${}", i * cols + c)).collect();
                    format!("({}, {schema})", p.join(", "))
                })
                .collect()
        };
        let n = pending.len();
        conn.execute(
            &format!(
                "INSERT INTO {table} (id, aggregate_id, payload, occurred_on, sequence_number, version) VALUES {}",
                numbered(n, 5).join(", ")
            ),
            &keep(0..5),
        )
        .await?;
        // One writer: the rows of one VALUES list take ascending AUTOINCREMENT positions.
        let sql = format!(
            "INSERT INTO event_log (event_id, aggregate_id, payload, recorded_at, version, event_type, \
             actor_id, actor_role, aggregate_type, schema_version) VALUES {} RETURNING position",
            (0..n)
                .map(|i| {
                    let p: Vec<String> = (1..=8).map(|c| format!("${}", i * 8 + c)).collect();
                    format!(
                        "({}, '{}', {schema})",
                        p.join(", "),
                        pending[i].entry.aggregate_type
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        conn.fetch_all(&sql, &args).await?
    }
    .iter()
    .map(|r| r.i64("position"))
    .collect::<Result<_, _>>()?;
    // Entries take ascending positions in the order given.
    positions.sort_unstable();
    if positions.len() != pending.len() {
        return Err(StoreError::Other(format!(
            "{} log entries written for {} events",
            positions.len(),
            pending.len()
        )));
    }
    Ok(positions)
}

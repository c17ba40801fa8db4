//! The global ordered log: every event of every aggregate, numbered by one `position`.
//!
//! esrs keeps one table per aggregate with no order across them; the log adds it, written in the
//! same transaction as the event. The catch: a PostgreSQL sequence hands out numbers at insert,
//! but rows become visible at commit, so a follower reading `position > last` could see 8 before
//! a slower transaction's 7 commits and skip 7 for good. We serialize appends instead: each
//! appending transaction takes one transaction-scoped advisory lock before it draws a position,
//! and holds it until commit. Positions therefore become visible in order, with no holes left
//! behind a reader (holes from rolled-back transactions are never filled, which is harmless).
//! SQLite has a single writer, which gives the same guarantee for free.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::sql::{Arg, Conn, Row};
use super::StoreError;
use crate::domain::{Actor, LoggableEvent};

/// Key of the advisory lock that serializes appends to the log (ASCII "techmkt").
pub const APPEND_LOCK_KEY: i64 = 0x0074_6563_686d_6b74;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedEvent {
    pub position: i64,
    pub event_id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: Uuid,
    /// The event's sequence number in its own stream (the aggregate's version after it).
    pub version: i32,
    pub event_type: String,
    pub actor_id: Uuid,
    pub actor_role: String,
    pub recorded_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

impl LoggedEvent {
    /// Builds the log entry for a freshly stored esrs event (position still unknown).
    pub fn from_store_event<E: LoggableEvent>(
        aggregate_type: &str,
        ev: &esrs::store::StoreEvent<E>,
    ) -> Result<Self, StoreError> {
        let actor: Actor = ev.payload.actor();
        Ok(Self {
            position: 0,
            event_id: ev.id,
            aggregate_type: aggregate_type.to_string(),
            aggregate_id: ev.aggregate_id,
            version: ev.sequence_number,
            event_type: ev.payload.event_type().to_string(),
            actor_id: actor.user_id,
            actor_role: actor.role.as_str().to_string(),
            recorded_at: ev.occurred_on,
            payload: serde_json::to_value(&ev.payload)?,
        })
    }

    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Self {
            position: r.i64("position")?,
            event_id: r.uuid("event_id")?,
            aggregate_type: r.text("aggregate_type")?,
            aggregate_id: r.uuid("aggregate_id")?,
            version: r.i64("version")? as i32,
            event_type: r.text("event_type")?,
            actor_id: r.uuid("actor_id")?,
            actor_role: r.text("actor_role")?,
            recorded_at: r.time("recorded_at")?,
            payload: r.json("payload")?,
        })
    }
}

const COLUMNS: &str =
    "position, event_id, aggregate_type, aggregate_id, version, event_type, actor_id, actor_role, recorded_at, payload";

/// Takes the append lock for the rest of the transaction (PostgreSQL; a no-op on SQLite, whose
/// write transactions already exclude each other). Re-taking it in the same transaction is free.
pub async fn lock_appends(conn: &mut Conn<'_>) -> Result<(), StoreError> {
    if conn.is_postgres() {
        conn.execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[Arg::I64(APPEND_LOCK_KEY)],
        )
        .await?;
    }
    Ok(())
}

/// Appends one entry inside the caller's transaction and returns its position.
pub async fn append(conn: &mut Conn<'_>, entry: &LoggedEvent) -> Result<i64, StoreError> {
    lock_appends(conn).await?;
    let row = conn
        .fetch_one(
            "INSERT INTO event_log (event_id, aggregate_type, aggregate_id, version, event_type, actor_id, actor_role, recorded_at, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING position",
            &[
                Arg::Uuid(entry.event_id),
                Arg::Text(entry.aggregate_type.clone()),
                Arg::Uuid(entry.aggregate_id),
                Arg::I64(entry.version as i64),
                Arg::Text(entry.event_type.clone()),
                Arg::Uuid(entry.actor_id),
                Arg::Text(entry.actor_role.clone()),
                Arg::Time(entry.recorded_at),
                Arg::Json(entry.payload.clone()),
            ],
        )
        .await?;
    Ok(row.i64("position")?)
}

/// Up to `limit` entries after `position`, in order: the follower's read.
pub async fn after(
    conn: &mut Conn<'_>,
    position: i64,
    limit: i64,
) -> Result<Vec<LoggedEvent>, StoreError> {
    let rows = conn
        .fetch_all(
            &format!(
                "SELECT {COLUMNS} FROM event_log WHERE position > $1 ORDER BY position LIMIT $2"
            ),
            &[Arg::I64(position), Arg::I64(limit)],
        )
        .await?;
    rows.iter().map(LoggedEvent::from_row).collect()
}

/// Every entry of one stream, oldest first.
pub async fn stream(
    conn: &mut Conn<'_>,
    aggregate_type: &str,
    aggregate_id: Uuid,
) -> Result<Vec<LoggedEvent>, StoreError> {
    let rows = conn
        .fetch_all(
            &format!(
                "SELECT {COLUMNS} FROM event_log WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY version"
            ),
            &[Arg::Text(aggregate_type.into()), Arg::Uuid(aggregate_id)],
        )
        .await?;
    rows.iter().map(LoggedEvent::from_row).collect()
}

/// The highest position written so far (0 for an empty log).
pub async fn head(conn: &mut Conn<'_>) -> Result<i64, StoreError> {
    let row = conn
        .fetch_one(
            "SELECT COALESCE(MAX(position), 0) AS head FROM event_log",
            &[],
        )
        .await?;
    Ok(row.i64("head")?)
}

//! The global ordered log: every event of every aggregate, numbered by one `position`.
//!
//! esrs keeps one table per aggregate with no order across them; the log adds it, written in the
//! same transaction as the event. The catch: numbers handed out at insert become visible at
//! commit, so a follower reading `position > last` could see 8 before a slower transaction's 7
//! commits and skip 7 for good.
//!
//! On PostgreSQL appends run side by side, unserialized, and the position says which transaction
//! wrote it: `position = (transaction id << 20) + n`, n counting the transaction's own entries.
//! Every reader of the log reads only below the *horizon*, `xmin << 20`, where `xmin` is the
//! oldest transaction still in flight (`pg_snapshot_xmin(pg_current_snapshot())`). Everything
//! below it is settled for good: those transactions have ended, and any transaction still to
//! write gets a larger id. Positions are therefore sparse and only grow; a reader never passes
//! over an entry committed late, it waits for it.
//!
//! The price is that a long transaction anywhere in the cluster holds every follower back until
//! it ends (they wait, they do not skip), so the service keeps its write transactions short.
//!
//! SQLite has a single writer, so dense positions from `AUTOINCREMENT` become visible in order
//! and the horizon is simply "everything".

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use super::sql::{Arg, Conn, Row};
use super::StoreError;
use crate::domain::{Actor, LoggableEvent, Recorded};

/// Bits of a PostgreSQL position below the transaction id: room for 2^20 entries per
/// transaction (more makes the append fail, on the next transaction's first position).
pub const XID_SHIFT: u32 = 20;

/// The horizon on PostgreSQL: every position below it belongs to a transaction that has ended.
const PG_HORIZON: &str = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)";

/// A query of one row, `base`: the current transaction's next position on PostgreSQL (its id
/// shifted, plus how many entries it wrote already: a probe of the primary key's range that
/// only this transaction can write). Every append draws its positions from it.
pub(super) const PG_NEXT_POSITION: &str =
    "SELECT COALESCE((SELECT MAX(position) + 1 FROM event_log \
     WHERE position >= x.base AND position < x.base + (1 << 20)), x.base) AS base \
     FROM (SELECT pg_current_xact_id()::text::bigint << 20 AS base) x";

#[derive(Debug, Clone, Serialize)]
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
    /// The event as stored (`Recorded<…Event>`), unparsed: each reader parses it straight into
    /// the type it wants ([`recorded`](Self::recorded)), or passes it on as it is.
    pub payload: Box<RawValue>,
    /// The shape the payload was written in (none: 1); [`recorded`](Self::recorded) lifts an
    /// older one to today's. Not part of the feed.
    #[serde(skip)]
    pub schema_version: Option<i32>,
}

impl PartialEq for LoggedEvent {
    fn eq(&self, other: &Self) -> bool {
        self.position == other.position
            && self.event_id == other.event_id
            && self.aggregate_type == other.aggregate_type
            && self.aggregate_id == other.aggregate_id
            && self.version == other.version
            && self.event_type == other.event_type
            && self.actor_id == other.actor_id
            && self.actor_role == other.actor_role
            && self.recorded_at == other.recorded_at
            && self.payload.get() == other.payload.get()
    }
}

impl LoggedEvent {
    /// The payload as its aggregate's event type, lifted from the shape it was written in.
    pub fn recorded<T: LoggableEvent>(&self) -> Result<T, serde_json::Error> {
        T::decode_stored(self.payload.get(), self.schema_version)
    }

    /// Who did it and when (`actor`, `at`): the envelope, whose shape no schema version changes.
    pub fn envelope(&self) -> Result<Recorded<serde::de::IgnoredAny>, serde_json::Error> {
        serde_json::from_str(self.payload.get())
    }

    /// The payload as a JSON value, to be looked into or edited.
    pub fn payload_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.payload.get())
    }

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
            payload: serde_json::value::to_raw_value(&ev.payload)?,
            schema_version: Some(E::SCHEMA_VERSION),
        })
    }

    fn from_packed(r: &Row) -> Result<Self, StoreError> {
        let packed = r.str("packed")?;
        let bad = || StoreError::Other(format!("a log entry that cannot be read: {packed:?}"));
        let mut fields = packed.split('\u{1f}');
        let mut next = || fields.next().ok_or_else(bad);
        let uuid = |s: &str| Uuid::try_parse(s).map_err(|_| bad());
        let event_id = uuid(next()?)?;
        let aggregate_type = next()?.to_string();
        let aggregate_id = uuid(next()?)?;
        let version = next()?.parse().map_err(|_| bad())?;
        let event_type = next()?.to_string();
        let actor_id = uuid(next()?)?;
        let actor_role = next()?.to_string();
        let recorded_at = DateTime::parse_from_rfc3339(next()?)
            .map_err(|_| bad())?
            .with_timezone(&Utc);
        if next().is_ok() {
            return Err(bad());
        }
        Ok(Self {
            position: r.i64("position")?,
            event_id,
            aggregate_type,
            aggregate_id,
            version,
            event_type,
            actor_id,
            actor_role,
            recorded_at,
            payload: r.raw_json("payload")?,
            schema_version: r.opt_i64("schema_version")?.map(|v| v as i32),
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
            payload: r.raw_json("payload")?,
            schema_version: r.opt_i64("schema_version")?.map(|v| v as i32),
        })
    }
}

const COLUMNS: &str =
    "position, event_id, aggregate_type, aggregate_id, version, event_type, actor_id, actor_role, recorded_at, payload, schema_version";

/// SQLite's entries with all but the position and payload joined into one text by the unit
/// separator (read back by [`LoggedEvent::from_packed`]): sqlx hands SQLite's values over one
/// allocation each, and ten of them an entry cost the log's long readers (the rebuild above
/// all) more than SQLite's own reading.
const SQLITE_PACKED: &str =
    "position, payload, schema_version, hex(event_id) || char(31) || aggregate_type || char(31) || \
     hex(aggregate_id) || char(31) || version || char(31) || event_type || char(31) || \
     hex(actor_id) || char(31) || actor_role || char(31) || recorded_at AS packed";

/// Appends one entry inside the caller's transaction and returns its position.
pub async fn append(conn: &mut Conn<'_>, entry: &LoggedEvent) -> Result<i64, StoreError> {
    let args = [
        Arg::Uuid(entry.event_id),
        Arg::Text(entry.aggregate_type.clone()),
        Arg::Uuid(entry.aggregate_id),
        Arg::I64(entry.version as i64),
        Arg::Text(entry.event_type.clone()),
        Arg::Uuid(entry.actor_id),
        Arg::Text(entry.actor_role.clone()),
        Arg::Time(entry.recorded_at),
        Arg::RawJson(entry.payload.clone()),
        Arg::OptI64(entry.schema_version.map(i64::from)),
    ];
    let row = if conn.is_postgres() {
        conn.fetch_one(
            &format!(
                "INSERT INTO event_log (position, event_id, aggregate_type, aggregate_id, version, event_type, actor_id, actor_role, recorded_at, payload, schema_version) \
                 SELECT b.base, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM ({PG_NEXT_POSITION}) b RETURNING position"
            ),
            &args,
        )
        .await?
    } else {
        conn.fetch_one(
            "INSERT INTO event_log (event_id, aggregate_type, aggregate_id, version, event_type, actor_id, actor_role, recorded_at, payload, schema_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING position",
            &args,
        )
        .await?
    };
    Ok(row.i64("position")?)
}

/// The horizon: every position below it is settled (its transaction has ended, no later
/// transaction can write below it). SQLite: everything is settled.
pub async fn horizon(conn: &mut Conn<'_>) -> Result<i64, StoreError> {
    if !conn.is_postgres() {
        return Ok(i64::MAX);
    }
    let row = conn
        .fetch_one(&format!("SELECT {PG_HORIZON} AS horizon"), &[])
        .await?;
    Ok(row.i64("horizon")?)
}

/// Up to `limit` settled entries after `position`, in order: the follower's read.
pub async fn after(
    conn: &mut Conn<'_>,
    position: i64,
    limit: i64,
) -> Result<Vec<LoggedEvent>, StoreError> {
    read_after(conn, position, limit, true).await
}

/// As [`after`], but every committed entry, settled or not: only for a reader that has stopped
/// the writers it cares about (the rebuild, holding the read models' tables), for which an
/// entry still in flight belongs to a transaction that will apply itself afterwards.
pub async fn after_committed(
    conn: &mut Conn<'_>,
    position: i64,
    limit: i64,
) -> Result<Vec<LoggedEvent>, StoreError> {
    read_after(conn, position, limit, false).await
}

async fn read_after(
    conn: &mut Conn<'_>,
    position: i64,
    limit: i64,
    settled: bool,
) -> Result<Vec<LoggedEvent>, StoreError> {
    let below = if settled && conn.is_postgres() {
        format!("AND position < {PG_HORIZON}")
    } else {
        String::new()
    };
    let pg = conn.is_postgres();
    let columns = if pg { COLUMNS } else { SQLITE_PACKED };
    let rows = conn
        .fetch_all(
            &format!(
                "SELECT {columns} FROM event_log WHERE position > $1 {below} ORDER BY position LIMIT $2"
            ),
            &[Arg::I64(position), Arg::I64(limit)],
        )
        .await?;
    if pg {
        rows.iter().map(LoggedEvent::from_row).collect()
    } else {
        rows.iter().map(LoggedEvent::from_packed).collect()
    }
}

/// How long a follower held back by an older transaction waits before it looks again.
pub const HELD_BACK_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

/// A follower's page: the settled entries after its position, whether that is all that is
/// settled for now, and whether more are committed beyond the horizon, waiting for an older
/// transaction to end (then the follower should look again soon rather than sleep until the
/// next append).
pub struct Page {
    pub entries: Vec<LoggedEvent>,
    pub complete: bool,
    pub held_back: bool,
    /// The log's last position as the page was read, settled or not: how far its reader lags.
    pub head: i64,
}

impl Page {
    /// Whether its reader should read again at once: the page was full, or entries wait behind
    /// an older transaction (then after a short pause, taken here; hold no connection over it).
    pub async fn read_again(&self) -> bool {
        if !self.complete {
            return true;
        }
        if self.held_back {
            tokio::time::sleep(HELD_BACK_PAUSE).await;
            return true;
        }
        false
    }
}

/// One round trip however it turns out: a follower woken by every commit must not pay two.
pub async fn page_after(
    conn: &mut Conn<'_>,
    position: i64,
    limit: i64,
) -> Result<Page, StoreError> {
    if !conn.is_postgres() {
        let entries = after(conn, position, limit).await?;
        let complete = entries.len() < limit as usize;
        // A page that is not full reached the end: its last entry is the head. Only a reader
        // that is behind asks for it (a full page).
        let head = match entries.last() {
            Some(last) if complete => last.position,
            None if complete => position,
            _ => head(conn).await?,
        };
        return Ok(Page {
            complete,
            entries,
            held_back: false,
            head,
        });
    }
    // Always one row: the head and the horizon, joined with the page's entries if any.
    let rows = conn
        .fetch_all(
            &format!(
                "WITH h AS (SELECT (SELECT COALESCE(MAX(position), 0) FROM event_log) AS head, \
                 {PG_HORIZON} AS horizon) \
                 SELECT h.head, h.horizon, e.* FROM h LEFT JOIN LATERAL \
                 (SELECT {COLUMNS} FROM event_log WHERE position > $1 AND position < h.horizon \
                  ORDER BY position LIMIT $2) e ON true ORDER BY e.position"
            ),
            &[Arg::I64(position), Arg::I64(limit)],
        )
        .await?;
    let first = rows.first().ok_or(sqlx::Error::RowNotFound)?;
    let (head, horizon) = (first.i64("head")?, first.i64("horizon")?);
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        if r.opt_i64("position")?.is_some() {
            entries.push(LoggedEvent::from_row(r)?);
        }
    }
    Ok(Page {
        complete: entries.len() < limit as usize,
        entries,
        held_back: head >= horizon,
        head,
    })
}

async fn head_and_horizon(conn: &mut Conn<'_>) -> Result<(i64, i64), StoreError> {
    let row = conn
        .fetch_one(
            &format!(
                "SELECT COALESCE(MAX(position), 0) AS head, {PG_HORIZON} AS horizon FROM event_log"
            ),
            &[],
        )
        .await?;
    Ok((row.i64("head")?, row.i64("horizon")?))
}

/// The head as of now, once it is settled: waits (up to `patience`) until every transaction
/// that could still write at or below it has ended, so that reading up to it misses nothing.
/// Ordinarily there is no wait at all; a transaction open for long makes this
/// [`StoreError::Lagging`].
pub async fn settled_head(
    conn: &mut Conn<'_>,
    patience: std::time::Duration,
) -> Result<i64, StoreError> {
    if !conn.is_postgres() {
        return head(conn).await;
    }
    let (head, mut horizon) = head_and_horizon(conn).await?;
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(1);
    while horizon <= head {
        if started.elapsed() >= patience {
            return Err(StoreError::Lagging);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_millis(50));
        horizon = self::horizon(conn).await?;
    }
    Ok(head)
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

/// Refuses a PostgreSQL database whose log is ahead of the cluster's transaction counter: new
/// positions would sort before old ones and followers would pass over them. It happens when a
/// dump is restored into a younger cluster (ids are not carried over; `pg_upgrade` keeps them).
pub async fn check_positions(conn: &mut Conn<'_>) -> Result<(), StoreError> {
    if !conn.is_postgres() {
        return Ok(());
    }
    let row = conn
        .fetch_one(
            "SELECT COALESCE(MAX(position), 0) AS head, \
             pg_snapshot_xmax(pg_current_snapshot())::text::bigint << 20 AS next FROM event_log",
            &[],
        )
        .await?;
    let (head, next) = (row.i64("head")?, row.i64("next")?);
    if head >= next {
        return Err(StoreError::Other(format!(
            "the event log's last position ({head}) is ahead of this PostgreSQL cluster's \
             transaction counter (next position {next}); was the database restored from a dump \
             into another cluster? Advance the counter past transaction {} (pg_resetwal -x, \
             cluster stopped) before starting the service",
            (head >> XID_SHIFT) + 1
        )));
    }
    Ok(())
}

//! Persistence. PostgreSQL (production) and an embedded SQLite file (the zero-install default)
//! behave alike: events go to one table per aggregate through an esrs `EventStore`
//! ([`event_store::SqlEventStore`], the same code on both), and in the same transaction to the
//! global ordered log ([`log`]) and the inline read models.

pub mod accounts;
pub mod aggregates;
pub mod directory;
pub mod event_store;
pub mod experts;
pub mod log;
pub mod membership;
pub mod rate_limit;
pub mod reference;
pub mod sql;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use sql::Conn;

/// How long an append waits for a connection of the appends' pool.
const APPEND_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A pooled PostgreSQL connection idle this long is pinged before it is handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another command appended to the same stream first (optimistic concurrency).
    #[error("the stream was appended to concurrently")]
    Conflict,
    /// The database cannot be reached, or is going away, or takes no more connections: a
    /// passing condition the client may retry (503), not a fault of ours (500).
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Serde(#[from] serde_json::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A read model's constraint refused the event, inside the append's transaction: a rule that
    /// spans streams (one live ownership grant per listing). Nothing was appended.
    #[error("{0}")]
    Invariant(String),
    /// A transaction open for long holds the log's horizon back (see [`log`]): what was just
    /// committed cannot be read yet. Passing, like [`StoreError::Unavailable`] (503).
    #[error("the log is held back by a long-running transaction")]
    Lagging,
    /// A sum that the answer cannot carry exactly (a report's totals beyond i64 fen).
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e)
        } else {
            StoreError::Database(e)
        }
    }
}

impl StoreError {
    /// A boxed error that came back through esrs (a transactional handler's, or a driver's).
    pub fn from_boxed(e: Box<dyn std::error::Error + Send + Sync>) -> Self {
        match e.downcast::<StoreError>() {
            Ok(e) => *e,
            Err(e) => match e.downcast::<sqlx::Error>() {
                Ok(e) => StoreError::from(*e),
                Err(e) => StoreError::Other(e.to_string()),
            },
        }
    }
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Whether `e` says the database is out of reach rather than that the statement was wrong: no
/// connection within the acquire timeout, a closed pool, a broken socket or TLS session, or a
/// PostgreSQL SQLSTATE for a server that is going away or takes no connections (class 08
/// connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now;
/// 53300 too many connections).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some_and(|pg| is_unavailable_sqlstate(pg.code())),
        _ => false,
    }
}

pub fn is_unavailable_sqlstate(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// Whether anywhere in `e`'s chain of causes the database was out of reach (for errors that
/// travelled as `anyhow` or boxed).
pub fn unavailable_in(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if matches!(
            e.downcast_ref::<StoreError>(),
            Some(StoreError::Unavailable(_) | StoreError::Lagging)
        ) || e.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable)
        {
            return true;
        }
        next = e.source();
    }
    false
}

/// The two backends. SQLite gets a single-connection write pool (SQLite has one writer at a
/// time anyway; queueing in the pool beats `SQLITE_BUSY`) and a separate read pool (WAL mode lets
/// readers run beside the writer).
#[derive(Clone, Debug)]
pub enum Db {
    /// Reads, accounts and read-model transactions; and a pool of its own for the event stores'
    /// appends (see [`Db::connect_with`]).
    Pg(PgPool, PgPool),
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
}

pub enum Tx {
    Pg(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
}

/// A connection of its own, outside the pools: for work whose session settings or temporary
/// tables must not leak into pooled connections (the rebuild's). Closed when dropped.
pub enum OwnConn {
    Pg(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl OwnConn {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            OwnConn::Pg(c) => Conn::Pg(c),
            OwnConn::Sqlite(c) => Conn::Sqlite(c),
        }
    }
}

pub enum ReadConn {
    Pg(PoolConnection<Postgres>),
    Sqlite(PoolConnection<Sqlite>),
}

/// How long a request waits for a PostgreSQL connection by default: long enough for a busy
/// pool on a small machine (appends are serialized, so under load commands queue holding
/// connections), short enough that a request answers 503 promptly while the database is away.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(3000);

impl Db {
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Self::connect_with(url, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// `acquire_timeout` bounds how long PostgreSQL callers wait for a connection (including
    /// opening one): past it they get [`StoreError::Unavailable`]. SQLite's pools keep waiting
    /// for the single writer as before.
    pub async fn connect_with(url: &str, acquire_timeout: Duration) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(acquire_timeout)
                // sqlx pings every connection it hands out: a round trip per acquire, two per
                // command. Ping only one that sat idle a while (the one a database restart may
                // have cut); a busy connection proves itself by being used.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for < IDLE_BEFORE_PING {
                            return Ok(true);
                        }
                        use sqlx::Connection;
                        Ok(conn.ping().await.is_ok())
                    })
                });
            // No JIT: the service asks point queries and small scans, for which compiling costs
            // milliseconds and saves nothing. Without fresh statistics (autovacuum off, a table
            // just rebuilt) the planner overestimates a lookup by id past `jit_above_cost` and
            // every command paid a JIT compile (measured: a million-contract load fell from 330
            // to under 100 contracts/s until ANALYZE).
            let connect =
                sqlx::postgres::PgConnectOptions::from_str(url)?.options([("jit", "off")]);
            let pool = options.clone().connect_with(connect.clone()).await?;
            // Appends are serialized, so under load commands queue for the append lock holding
            // a connection each. They get a pool of their own and a busy pool's patience: a
            // queue of appends is load, not an outage, and it never starves the reads (or the
            // account check every request makes), which keep the short acquire timeout and
            // answer 503 promptly while the database is away.
            let appends = options
                .acquire_timeout(APPEND_ACQUIRE_TIMEOUT.max(acquire_timeout))
                .connect_with(connect)
                .await?;
            Ok(Db::Pg(pool, appends))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // Rows cross from sqlx's SQLite thread to ours through a channel; at its default
                // of 50 a long read spends more time handing rows over than reading them.
                .row_buffer_size(1024);
            if let Some(dir) = opts.get_filename().parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Other(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite { read, write })
        } else {
            Err(StoreError::Other(
                "DATABASE_URL must start with postgres:// or sqlite:".into(),
            ))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Pg(..) => "postgres",
            Db::Sqlite { .. } => "sqlite",
        }
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Pg(pool, _) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
        }
        Ok(())
    }

    /// A write transaction. In SQLite it is `BEGIN IMMEDIATE`, so it holds the write lock from
    /// the start instead of failing to upgrade a read lock halfway through.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Pg(pool, _) => Tx::Pg(pool.begin().await?),
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    /// The write transaction of an append, from the appends' own pool on PostgreSQL.
    pub async fn begin_append(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Pg(_, appends) => Tx::Pg(appends.begin().await?),
            Db::Sqlite { .. } => self.begin().await?,
        })
    }

    pub async fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(match self {
            Db::Pg(pool, _) => ReadConn::Pg(pool.acquire().await?),
            Db::Sqlite { read, .. } => ReadConn::Sqlite(read.acquire().await?),
        })
    }

    /// A new connection with the pools' settings, not counted in them.
    pub async fn own_connection(&self) -> Result<OwnConn, StoreError> {
        use sqlx::Connection;
        Ok(match self {
            Db::Pg(pool, _) => {
                OwnConn::Pg(sqlx::PgConnection::connect_with(&pool.connect_options()).await?)
            }
            Db::Sqlite { write, .. } => OwnConn::Sqlite(
                sqlx::SqliteConnection::connect_with(&write.connect_options()).await?,
            ),
        })
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read().await?.conn().execute("SELECT 1", &[]).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Pg(pool, appends) => {
                pool.close().await;
                appends.close().await;
            }
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
        }
    }
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Pg(tx) => Conn::Pg(tx),
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
        }
    }
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Pg(tx) => tx.commit().await?,
            Tx::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

impl ReadConn {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            ReadConn::Pg(c) => Conn::Pg(c),
            ReadConn::Sqlite(c) => Conn::Sqlite(c),
        }
    }
}

//! Persistence. PostgreSQL (production) and an embedded SQLite file (the zero-install default)
//! behave alike: events go to one table per aggregate through an esrs `EventStore` (esrs's
//! `PgStore`, or our [`sqlite::SqliteEventStore`]), and in the same transaction to the global
//! ordered log ([`log`]) and the inline read models.

pub mod accounts;
pub mod aggregates;
pub mod log;
pub mod membership;
pub mod postgres;
pub mod rate_limit;
pub mod reference;
pub mod sql;
pub mod sqlite;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use sql::Conn;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another command appended to the same stream first (optimistic concurrency).
    #[error("the stream was appended to concurrently")]
    Conflict,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Serde(#[from] serde_json::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A read model's constraint refused the event, inside the append's transaction: a rule that
    /// spans streams (one live ownership grant per listing). Nothing was appended.
    #[error("{0}")]
    Invariant(String),
    #[error("{0}")]
    Other(String),
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The two backends. SQLite gets a single-connection write pool (SQLite has one writer at a
/// time anyway; queueing in the pool beats `SQLITE_BUSY`) and a separate read pool (WAL mode lets
/// readers run beside the writer).
#[derive(Clone, Debug)]
pub enum Db {
    Pg(PgPool),
    Sqlite { read: SqlitePool, write: SqlitePool },
}

pub enum Tx {
    Pg(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
}

pub enum ReadConn {
    Pg(PoolConnection<Postgres>),
    Sqlite(PoolConnection<Sqlite>),
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db::Pg(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
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
            Db::Pg(_) => "postgres",
            Db::Sqlite { .. } => "sqlite",
        }
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Pg(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
        }
        Ok(())
    }

    /// A write transaction. In SQLite it is `BEGIN IMMEDIATE`, so it holds the write lock from
    /// the start instead of failing to upgrade a read lock halfway through.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Pg(pool) => Tx::Pg(pool.begin().await?),
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    pub async fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(match self {
            Db::Pg(pool) => ReadConn::Pg(pool.acquire().await?),
            Db::Sqlite { read, .. } => ReadConn::Sqlite(read.acquire().await?),
        })
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read().await?.conn().execute("SELECT 1", &[]).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Pg(pool) => pool.close().await,
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

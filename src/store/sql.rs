//! Portable SQL for read models and account tables, written once for both backends.
//!
//! The subset used is the one PostgreSQL and SQLite agree on: `$N` placeholders (sqlx-sqlite binds
//! them by number), `INSERT … ON CONFLICT … DO UPDATE`, `RETURNING`. Values go through [`Arg`],
//! which knows how each backend stores them: UUIDs as `uuid`/16-byte BLOBs (both sort by bytes,
//! so v7 ids sort by time), times as `timestamptz`/fixed-width RFC 3339 text (sorts as text).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::value::RawValue;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{PgConnection, Postgres, Row as _, Sqlite, SqliteConnection};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Arg {
    Uuid(Uuid),
    OptUuid(Option<Uuid>),
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
    Json(serde_json::Value),
    /// JSON already serialized (an event's payload): bound as it is.
    RawJson(Box<RawValue>),
    OptJson(Option<serde_json::Value>),
}

/// Fixed width (microseconds, `Z`) so that text comparison is time comparison in SQLite.
pub fn sqlite_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn bind_pg<'q>(
    q: Query<'q, Postgres, PgArguments>,
    arg: &'q Arg,
) -> Query<'q, Postgres, PgArguments> {
    match arg {
        Arg::Uuid(v) => q.bind(*v),
        Arg::OptUuid(v) => q.bind(*v),
        Arg::I64(v) => q.bind(*v),
        Arg::OptI64(v) => q.bind(*v),
        Arg::Text(v) => q.bind(v.as_str()),
        Arg::OptText(v) => q.bind(v.as_deref()),
        Arg::Bool(v) => q.bind(*v),
        Arg::Time(v) => q.bind(*v),
        Arg::OptTime(v) => q.bind(*v),
        Arg::Json(v) => q.bind(sqlx::types::Json(v)),
        Arg::RawJson(v) => q.bind(sqlx::types::Json(v.as_ref())),
        Arg::OptJson(v) => q.bind(v.as_ref().map(sqlx::types::Json)),
    }
}

fn bind_sqlite<'q>(
    q: Query<'q, Sqlite, SqliteArguments<'q>>,
    arg: &'q Arg,
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    match arg {
        Arg::Uuid(v) => q.bind(*v),
        Arg::OptUuid(v) => q.bind(*v),
        Arg::I64(v) => q.bind(*v),
        Arg::OptI64(v) => q.bind(*v),
        Arg::Text(v) => q.bind(v.as_str()),
        Arg::OptText(v) => q.bind(v.as_deref()),
        Arg::Bool(v) => q.bind(*v),
        Arg::Time(v) => q.bind(sqlite_time(v)),
        Arg::OptTime(v) => q.bind(v.as_ref().map(sqlite_time)),
        Arg::Json(v) => q.bind(v.to_string()),
        Arg::RawJson(v) => q.bind(v.get()),
        Arg::OptJson(v) => q.bind(v.as_ref().map(|v| v.to_string())),
    }
}

/// A borrowed connection of either backend (usually the inside of a transaction).
pub enum Conn<'c> {
    Pg(&'c mut PgConnection),
    Sqlite(&'c mut SqliteConnection),
}

pub enum Row {
    Pg(PgRow),
    Sqlite(SqliteRow),
}

/// A column of a [`Row`], by name or by place (a reader of many rows saves the name lookups).
pub trait Col:
    sqlx::ColumnIndex<PgRow> + sqlx::ColumnIndex<SqliteRow> + std::fmt::Display + Copy
{
}

impl<T> Col for T where
    T: sqlx::ColumnIndex<PgRow> + sqlx::ColumnIndex<SqliteRow> + std::fmt::Display + Copy
{
}

impl Conn<'_> {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    pub async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        match self {
            Conn::Pg(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_pg);
                Ok(q.execute(&mut **c).await?.rows_affected())
            }
            Conn::Sqlite(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_sqlite);
                Ok(q.execute(&mut **c).await?.rows_affected())
            }
        }
    }

    pub async fn fetch_all(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<Row>, sqlx::Error> {
        match self {
            Conn::Pg(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_pg);
                Ok(q.fetch_all(&mut **c)
                    .await?
                    .into_iter()
                    .map(Row::Pg)
                    .collect())
            }
            Conn::Sqlite(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_sqlite);
                Ok(q.fetch_all(&mut **c)
                    .await?
                    .into_iter()
                    .map(Row::Sqlite)
                    .collect())
            }
        }
    }

    /// Each row in turn as it arrives, for readers of more rows than they should hold at once.
    pub async fn for_each<E: From<sqlx::Error>>(
        &mut self,
        sql: &str,
        args: &[Arg],
        mut f: impl FnMut(Row) -> Result<(), E>,
    ) -> Result<(), E> {
        use futures::TryStreamExt;
        match self {
            Conn::Pg(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_pg);
                let mut rows = q.fetch(&mut **c);
                while let Some(r) = rows.try_next().await? {
                    f(Row::Pg(r))?;
                }
            }
            Conn::Sqlite(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_sqlite);
                let mut rows = q.fetch(&mut **c);
                while let Some(r) = rows.try_next().await? {
                    f(Row::Sqlite(r))?;
                }
            }
        }
        Ok(())
    }

    pub async fn fetch_optional(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Option<Row>, sqlx::Error> {
        match self {
            Conn::Pg(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_pg);
                Ok(q.fetch_optional(&mut **c).await?.map(Row::Pg))
            }
            Conn::Sqlite(c) => {
                let q = args.iter().fold(sqlx::query(sql), bind_sqlite);
                Ok(q.fetch_optional(&mut **c).await?.map(Row::Sqlite))
            }
        }
    }

    pub async fn fetch_one(&mut self, sql: &str, args: &[Arg]) -> Result<Row, sqlx::Error> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

fn parse_sqlite_time(col: impl std::fmt::Display, s: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| sqlx::Error::ColumnDecode {
            index: col.to_string(),
            source: Box::new(e),
        })
}

fn json_error(col: &str, e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: col.into(),
        source: Box::new(e),
    }
}

impl Row {
    pub fn uuid(&self, col: &str) -> Result<Uuid, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    pub fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    pub fn i64(&self, col: impl Col) -> Result<i64, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    pub fn opt_i64(&self, col: &str) -> Result<Option<i64>, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    pub fn text(&self, col: &str) -> Result<String, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    /// A text column borrowed from the row, for readers of many rows that keep few strings.
    pub fn str(&self, col: impl Col) -> Result<&str, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    pub fn opt_text(&self, col: &str) -> Result<Option<String>, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    pub fn bool(&self, col: &str) -> Result<bool, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r.try_get(col),
        }
    }
    pub fn time(&self, col: impl Col) -> Result<DateTime<Utc>, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => parse_sqlite_time(col, r.try_get::<&str, _>(col)?),
        }
    }
    pub fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        match self {
            Row::Pg(r) => r.try_get(col),
            Row::Sqlite(r) => r
                .try_get::<Option<String>, _>(col)?
                .map(|s| parse_sqlite_time(col, &s))
                .transpose(),
        }
    }
    /// A JSON column as its text, unparsed (checked well-formed): for payloads that are parsed
    /// later straight into their own types, or passed on as they are.
    pub fn raw_json(&self, col: &str) -> Result<Box<RawValue>, sqlx::Error> {
        match self {
            Row::Pg(r) => Ok(r.try_get::<sqlx::types::Json<Box<RawValue>>, _>(col)?.0),
            Row::Sqlite(r) => {
                let s: String = r.try_get(col)?;
                RawValue::from_string(s).map_err(|e| json_error(col, e))
            }
        }
    }
    pub fn json<T: serde::de::DeserializeOwned>(&self, col: &str) -> Result<T, sqlx::Error> {
        match self {
            Row::Pg(r) => {
                let v: serde_json::Value = r.try_get(col)?;
                serde_json::from_value(v).map_err(|e| json_error(col, e))
            }
            Row::Sqlite(r) => {
                let s: String = r.try_get(col)?;
                serde_json::from_str(&s).map_err(|e| json_error(col, e))
            }
        }
    }
}

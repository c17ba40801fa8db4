//! Multi-row writes. A projection gathers the rows a run of events leaves (one command's, or a
//! rebuild's page of thousands) and writes each table's in as few statements as the backends'
//! parameter limits allow, instead of a round trip per row.

use crate::store::sql::{Arg, Conn};

/// Placeholders per statement. SQLite allows 32,766, but sqlx finds each `$N` by a scan of the
/// statement's names (quadratic in their number): a few thousand rows' worth per statement
/// cost more than the round trips they save. 2,000 is past the point of diminishing returns
/// on both backends.
const MAX_ARGS: usize = 2_000;

/// `INSERT … ON CONFLICT (key) DO UPDATE` of `rows` (each in `columns` order). No two rows may
/// share a key: a statement cannot update one row twice.
pub async fn upsert(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    key: &str,
    rows: Vec<Vec<Arg>>,
) -> Result<(), sqlx::Error> {
    let set: Vec<String> = columns
        .iter()
        .filter(|c| **c != key)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let tail = format!(" ON CONFLICT ({key}) DO UPDATE SET {}", set.join(", "));
    write(conn, table, columns, &tail, rows).await.map(drop)
}

/// `INSERT … ON CONFLICT (key) DO NOTHING` of `rows`: how many were new.
pub async fn insert_new(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    key: &str,
    rows: Vec<Vec<Arg>>,
) -> Result<u64, sqlx::Error> {
    let tail = format!(" ON CONFLICT ({key}) DO NOTHING");
    write(conn, table, columns, &tail, rows).await
}

/// Plain `INSERT` of `rows`.
pub async fn insert(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
) -> Result<(), sqlx::Error> {
    write(conn, table, columns, "", rows).await.map(drop)
}

async fn write(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    tail: &str,
    rows: Vec<Vec<Arg>>,
) -> Result<u64, sqlx::Error> {
    let mut written = 0;
    let per_statement = (MAX_ARGS / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut args = Vec::with_capacity(per_statement.min(rows.len()) * columns.len());
        for (i, row) in rows.by_ref().take(per_statement).enumerate() {
            debug_assert_eq!(
                row.len(),
                columns.len(),
                "a row of {table} has the wrong width"
            );
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for (j, value) in row.into_iter().enumerate() {
                if j > 0 {
                    sql.push_str(", ");
                }
                args.push(value);
                sql.push('$');
                sql.push_str(&args.len().to_string());
            }
            sql.push(')');
        }
        sql.push_str(tail);
        written += conn.execute(&sql, &args).await?;
    }
    Ok(written)
}

/// Rows for several tables, gathered while events are folded and written together after.
#[derive(Default)]
pub struct Inserts(Vec<TableRows>);

/// A table, its columns and rows for them.
type TableRows = (&'static str, &'static [&'static str], Vec<Vec<Arg>>);

impl Inserts {
    pub fn add(&mut self, table: &'static str, columns: &'static [&'static str], row: Vec<Arg>) {
        match self
            .0
            .iter_mut()
            .find(|(t, c, _)| *t == table && *c == columns)
        {
            Some((_, _, rows)) => rows.push(row),
            None => self.0.push((table, columns, vec![row])),
        }
    }

    pub async fn write(self, conn: &mut Conn<'_>) -> Result<(), sqlx::Error> {
        for (table, columns, rows) in self.0 {
            insert(conn, table, columns, rows).await?;
        }
        Ok(())
    }
}

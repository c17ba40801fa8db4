//! Reads shared by the document read models (catalogue, board, queue, negotiations): each keeps
//! one row per aggregate with an `id`, the stream `version` and the state as a JSON `doc`.

use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::store::sql::{Arg, Conn, Row};
use crate::store::StoreError;

/// One row of a document read model.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocRow<T> {
    pub id: Uuid,
    pub version: i32,
    pub data: T,
}

pub fn from_row<T: DeserializeOwned>(r: &Row) -> Result<DocRow<T>, StoreError> {
    Ok(DocRow {
        id: r.uuid("id")?,
        version: r.i64("version")? as i32,
        data: r.json("doc")?,
    })
}

pub async fn get<T: DeserializeOwned>(
    conn: &mut Conn<'_>,
    table: &str,
    id: Uuid,
) -> Result<Option<DocRow<T>>, StoreError> {
    conn.fetch_optional(
        &format!("SELECT id, version, doc FROM {table} WHERE id = $1"),
        &[Arg::Uuid(id)],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Rows by id, in no particular order (the caller orders them, e.g. by search rank).
pub async fn get_many<T: DeserializeOwned>(
    conn: &mut Conn<'_>,
    table: &str,
    ids: &[Uuid],
) -> Result<Vec<DocRow<T>>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, version, doc FROM {table} WHERE id IN ({})",
            placeholders.join(", ")
        );
        let args: Vec<Arg> = chunk.iter().map(|id| Arg::Uuid(*id)).collect();
        for r in conn.fetch_all(&sql, &args).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}

/// Every row in id order: what the rebuild tests compare.
pub async fn dump<T: DeserializeOwned>(
    conn: &mut Conn<'_>,
    table: &str,
) -> Result<Vec<DocRow<T>>, StoreError> {
    let rows = conn
        .fetch_all(
            &format!("SELECT id, version, doc FROM {table} ORDER BY id"),
            &[],
        )
        .await?;
    rows.iter().map(from_row).collect()
}

/// Builds `WHERE` clauses with numbered placeholders, so a query's text and arguments cannot
/// drift apart.
#[derive(Default)]
pub struct Where {
    clauses: Vec<String>,
    pub args: Vec<Arg>,
}

impl Where {
    /// Adds an argument and returns its placeholder.
    pub fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }
    pub fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

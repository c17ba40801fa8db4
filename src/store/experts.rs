//! The expert pool (专家库): which users are experts, in which technology fields, with their
//! title and affiliation. Account data in plain tables, portable SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::sql::{Arg, Conn, Row};
use super::StoreError;
use crate::domain::membership::AccountStatus;

#[derive(Debug, Clone, Serialize)]
pub struct Expert {
    pub user_id: Uuid,
    pub display_name: String,
    /// The user's organization: what the conflict-of-interest rule compares with the parties'.
    pub organization_id: Option<Uuid>,
    /// Technology field codes, sorted.
    pub fields: Vec<String>,
    /// 职称
    pub title: String,
    /// Free text, for an institution that is not on the platform.
    pub affiliation: Option<String>,
    /// Only an active account is drawn for a panel.
    pub status: AccountStatus,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct ExpertRow<'a> {
    pub user_id: Uuid,
    pub fields: &'a [String],
    pub title: &'a str,
    pub affiliation: Option<&'a str>,
    pub by: Uuid,
}

/// Registers the user as an expert, or replaces what the pool says about them.
pub async fn upsert(
    conn: &mut Conn<'_>,
    row: ExpertRow<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO experts (user_id, title, affiliation, registered_by, registered_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (user_id) DO UPDATE SET title = excluded.title, \
         affiliation = excluded.affiliation, updated_at = excluded.updated_at",
        &[
            Arg::Uuid(row.user_id),
            Arg::Text(row.title.into()),
            Arg::OptText(row.affiliation.map(str::to_string)),
            Arg::Uuid(row.by),
            Arg::Time(now),
        ],
    )
    .await?;
    conn.execute(
        "DELETE FROM expert_fields WHERE user_id = $1",
        &[Arg::Uuid(row.user_id)],
    )
    .await?;
    for field in row.fields {
        conn.execute(
            "INSERT INTO expert_fields (user_id, field) VALUES ($1, $2)",
            &[Arg::Uuid(row.user_id), Arg::Text(field.clone())],
        )
        .await?;
    }
    Ok(())
}

const SELECT: &str = "SELECT e.user_id, u.display_name, u.organization_id, u.status, e.title, \
     e.affiliation, e.registered_at, e.updated_at FROM experts e JOIN users u ON u.id = e.user_id";

fn expert_from(r: &Row, fields: Vec<String>) -> Result<Expert, StoreError> {
    let status = r.text("status")?;
    Ok(Expert {
        user_id: r.uuid("user_id")?,
        display_name: r.text("display_name")?,
        organization_id: r.opt_uuid("organization_id")?,
        fields,
        title: r.text("title")?,
        affiliation: r.opt_text("affiliation")?,
        status: AccountStatus::parse(&status)
            .ok_or_else(|| StoreError::Other(format!("unknown account status {status}")))?,
        registered_at: r.time("registered_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// The experts, with `field` among their fields when given, in order of registration.
pub async fn list(conn: &mut Conn<'_>, field: Option<&str>) -> Result<Vec<Expert>, StoreError> {
    let (filter, args) = match field {
        Some(f) => (
            " WHERE e.user_id IN (SELECT user_id FROM expert_fields WHERE field = $1)",
            vec![Arg::Text(f.into())],
        ),
        None => ("", vec![]),
    };
    let rows = conn
        .fetch_all(
            &format!("{SELECT}{filter} ORDER BY e.registered_at, e.user_id"),
            &args,
        )
        .await?;
    let field_rows = conn
        .fetch_all(
            &format!(
                "SELECT user_id, field FROM expert_fields WHERE user_id IN \
                 (SELECT e.user_id FROM experts e{filter}) ORDER BY field"
            ),
            &args,
        )
        .await?;
    let mut fields: HashMap<Uuid, Vec<String>> = HashMap::new();
    for r in &field_rows {
        fields
            .entry(r.uuid("user_id")?)
            .or_default()
            .push(r.text("field")?);
    }
    rows.iter()
        .map(|r| {
            let id = r.uuid("user_id")?;
            expert_from(r, fields.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// One expert, if the user is one.
pub async fn get(conn: &mut Conn<'_>, user_id: Uuid) -> Result<Option<Expert>, StoreError> {
    let Some(row) = conn
        .fetch_optional(
            &format!("{SELECT} WHERE e.user_id = $1"),
            &[Arg::Uuid(user_id)],
        )
        .await?
    else {
        return Ok(None);
    };
    let fields = conn
        .fetch_all(
            "SELECT field FROM expert_fields WHERE user_id = $1 ORDER BY field",
            &[Arg::Uuid(user_id)],
        )
        .await?
        .iter()
        .map(|r| r.text("field"))
        .collect::<Result<Vec<_>, _>>()?;
    expert_from(&row, fields).map(Some)
}

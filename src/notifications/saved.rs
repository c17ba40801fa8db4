//! Saved searches as stored: each person's own, and every one of a target for the follower.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::alerts::{Criteria, SavedSearch, Target};
use crate::store::sql::{Arg, Conn, Row};
use crate::store::StoreError;

/// How many saved searches one person may keep.
pub const MAX_PER_USER: i64 = 50;

/// A saved search as its owner sees it.
#[derive(Debug, Serialize)]
pub struct SavedView {
    pub id: Uuid,
    pub name: String,
    pub target: Target,
    pub criteria: Criteria,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, user_id, name, target, criteria, since, created_at";

fn from_row(r: &Row) -> Result<(SavedSearch, DateTime<Utc>), StoreError> {
    let target = r.text("target")?;
    Ok((
        SavedSearch {
            id: r.uuid("id")?,
            user_id: r.uuid("user_id")?,
            name: r.text("name")?,
            target: Target::parse(&target).ok_or_else(|| {
                StoreError::Invariant(format!("a saved search's target is {target}"))
            })?,
            criteria: serde_json::from_value(r.json("criteria")?)?,
            since: r.i64("since")?,
        },
        r.time("created_at")?,
    ))
}

pub async fn insert(
    conn: &mut Conn<'_>,
    s: &SavedSearch,
    created_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let criteria = serde_json::to_value(&s.criteria)?;
    conn.execute(
        &format!("INSERT INTO saved_searches ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
        &[
            Arg::Uuid(s.id),
            Arg::Uuid(s.user_id),
            Arg::Text(s.name.clone()),
            Arg::Text(s.target.as_str().into()),
            Arg::Json(criteria),
            Arg::I64(s.since),
            Arg::Time(created_at),
        ],
    )
    .await?;
    Ok(())
}

pub async fn count(conn: &mut Conn<'_>, user: Uuid) -> Result<i64, StoreError> {
    Ok(conn
        .fetch_one(
            "SELECT COUNT(*) AS n FROM saved_searches WHERE user_id = $1",
            &[Arg::Uuid(user)],
        )
        .await?
        .i64("n")?)
}

/// `user`'s saved searches, oldest first.
pub async fn of_user(conn: &mut Conn<'_>, user: Uuid) -> Result<Vec<SavedView>, StoreError> {
    conn.fetch_all(
        &format!("SELECT {COLUMNS} FROM saved_searches WHERE user_id = $1 ORDER BY created_at, id"),
        &[Arg::Uuid(user)],
    )
    .await?
    .iter()
    .map(|r| {
        let (s, created_at) = from_row(r)?;
        Ok(SavedView {
            id: s.id,
            name: s.name,
            target: s.target,
            criteria: s.criteria,
            created_at,
        })
    })
    .collect()
}

/// Deletes `user`'s saved search `id`: whether there was one.
pub async fn delete(conn: &mut Conn<'_>, user: Uuid, id: Uuid) -> Result<bool, StoreError> {
    Ok(conn
        .execute(
            "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2",
            &[Arg::Uuid(id), Arg::Uuid(user)],
        )
        .await?
        == 1)
}

/// Every saved search on `target` saved before `position`, of people still active.
pub async fn watching(
    conn: &mut Conn<'_>,
    target: Target,
    position: i64,
) -> Result<Vec<SavedSearch>, StoreError> {
    conn.fetch_all(
        &format!(
            "SELECT {} FROM saved_searches s JOIN users u ON u.id = s.user_id \
             WHERE s.target = $1 AND s.since < $2 AND u.status = 'active' ORDER BY s.id",
            COLUMNS
                .split(", ")
                .map(|c| format!("s.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &[Arg::Text(target.as_str().into()), Arg::I64(position)],
    )
    .await?
    .iter()
    .map(|r| Ok(from_row(r)?.0))
    .collect()
}

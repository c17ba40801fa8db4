//! A person's notifications as the inbox shows them (unread first, newest first), marking them
//! read, and the person's mail preferences.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::kinds::Kind;
use crate::store::sql::{Arg, Conn, Row};
use crate::store::StoreError;

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: Uuid,
    pub kind: String,
    pub title: &'static str,
    pub aggregate_type: String,
    pub aggregate_id: Uuid,
    /// The API path of the object it is about.
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub data: serde_json::Value,
    pub mail_status: String,
    #[serde(skip)]
    position: i64,
}

/// The API path of an aggregate's resource.
pub fn link(aggregate_type: &str, id: Uuid) -> String {
    let collection = match aggregate_type {
        "listing" => "listings",
        "demand" => "demands",
        "negotiation" => "negotiations",
        "contract_registration" => "contracts",
        "verification_request" => "verification-requests",
        "ownership_grant" => "ownership-grants",
        other => other,
    };
    format!("/api/v1/{collection}/{id}")
}

impl Notification {
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let kind = r.text("kind")?;
        let aggregate_type = r.text("aggregate_type")?;
        let aggregate_id = r.uuid("aggregate_id")?;
        Ok(Notification {
            id: r.uuid("id")?,
            title: Kind::parse(&kind).map(Kind::title).unwrap_or(""),
            kind,
            link: link(&aggregate_type, aggregate_id),
            aggregate_type,
            aggregate_id,
            created_at: r.time("created_at")?,
            read_at: r.opt_time("read_at")?,
            data: r.json("data")?,
            mail_status: r.text("mail_status")?,
            position: r.i64("position")?,
        })
    }
}

/// Where a page of the inbox ends: the group (unread 0, read 1), then position and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxCursor {
    group: i64,
    position: i64,
    id: Uuid,
}

impl InboxCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}.{}", self.group, self.position, self.id))
    }

    pub fn decode(s: &str) -> Option<InboxCursor> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let mut parts = text.splitn(3, '.');
        let group = parts.next()?.parse().ok().filter(|g| *g == 0 || *g == 1)?;
        let position = parts.next()?.parse().ok()?;
        let id = parts.next()?.parse().ok()?;
        Some(InboxCursor {
            group,
            position,
            id,
        })
    }
}

const GROUP: &str = "CASE WHEN read_at IS NULL THEN 0 ELSE 1 END";

/// Up to `limit` of `user`'s notifications after `after`, unread first, each group newest
/// first; and the cursor of the next page when there is one.
pub async fn page(
    conn: &mut Conn<'_>,
    user: Uuid,
    unread_only: bool,
    after: Option<InboxCursor>,
    limit: i64,
) -> Result<(Vec<Notification>, Option<InboxCursor>), StoreError> {
    let mut args = vec![Arg::Uuid(user)];
    let mut sql = String::from(
        "SELECT id, kind, aggregate_type, aggregate_id, created_at, read_at, data, mail_status, \
         position FROM notifications WHERE recipient_id = $1",
    );
    if unread_only {
        sql.push_str(" AND read_at IS NULL");
    }
    if let Some(c) = after {
        args.extend([Arg::I64(c.group), Arg::I64(c.position), Arg::Uuid(c.id)]);
        sql.push_str(&format!(
            " AND ({GROUP} > $2 OR ({GROUP} = $2 AND (position < $3 OR (position = $3 AND id < $4))))"
        ));
    }
    args.push(Arg::I64(limit + 1));
    sql.push_str(&format!(
        " ORDER BY {GROUP}, position DESC, id DESC LIMIT ${}",
        args.len()
    ));
    let mut items = conn
        .fetch_all(&sql, &args)
        .await?
        .iter()
        .map(Notification::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|n| InboxCursor {
            group: i64::from(n.read_at.is_some()),
            position: n.position,
            id: n.id,
        })
    } else {
        None
    };
    Ok((items, next))
}

pub async fn unread_count(conn: &mut Conn<'_>, user: Uuid) -> Result<i64, StoreError> {
    Ok(conn
        .fetch_one(
            "SELECT COUNT(*) AS n FROM notifications WHERE recipient_id = $1 AND read_at IS NULL",
            &[Arg::Uuid(user)],
        )
        .await?
        .i64("n")?)
}

/// Marks `user`'s notification `id` read (again is nothing); `false` when they have none by
/// that id, whoever else may.
pub async fn mark_read(
    conn: &mut Conn<'_>,
    user: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let found = conn
        .fetch_optional(
            "SELECT id FROM notifications WHERE id = $1 AND recipient_id = $2",
            &[Arg::Uuid(id), Arg::Uuid(user)],
        )
        .await?
        .is_some();
    if found {
        conn.execute(
            "UPDATE notifications SET read_at = $3 WHERE id = $1 AND recipient_id = $2 AND read_at IS NULL",
            &[Arg::Uuid(id), Arg::Uuid(user), Arg::Time(now)],
        )
        .await?;
    }
    Ok(found)
}

/// Marks every unread notification of `user` read; how many were.
pub async fn mark_all_read(
    conn: &mut Conn<'_>,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(conn
        .execute(
            "UPDATE notifications SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL",
            &[Arg::Uuid(user), Arg::Time(now)],
        )
        .await?)
}

/// One kind's mail setting as the person sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Preference {
    pub kind: &'static str,
    pub title: &'static str,
    pub mail: bool,
    /// Mail of this kind is always sent: it cannot be turned off.
    pub mandatory: bool,
}

/// The kinds whose mail `user` turned off.
pub async fn mail_off(
    conn: &mut Conn<'_>,
    user: Uuid,
) -> Result<std::collections::HashSet<String>, StoreError> {
    conn.fetch_all(
        "SELECT kind FROM notification_preferences WHERE user_id = $1 AND NOT mail",
        &[Arg::Uuid(user)],
    )
    .await?
    .iter()
    .map(|r| Ok(r.text("kind")?))
    .collect()
}

/// Every kind, with `user`'s setting (mail on unless they turned it off).
pub async fn preferences(conn: &mut Conn<'_>, user: Uuid) -> Result<Vec<Preference>, StoreError> {
    let off = mail_off(conn, user).await?;
    Ok(Kind::ALL
        .iter()
        .map(|k| Preference {
            kind: k.name(),
            title: k.title(),
            mail: k.mandatory() || !off.contains(k.name()),
            mandatory: k.mandatory(),
        })
        .collect())
}

/// Sets `user`'s mail per kind (the caller has refused turning a mandatory kind off).
pub async fn set_preferences(
    conn: &mut Conn<'_>,
    user: Uuid,
    settings: &[(Kind, bool)],
) -> Result<(), StoreError> {
    for (kind, mail) in settings {
        conn.execute(
            "INSERT INTO notification_preferences (user_id, kind, mail) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET mail = excluded.mail",
            &[
                Arg::Uuid(user),
                Arg::Text(kind.name().into()),
                Arg::Bool(*mail),
            ],
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_foreign_one_does_not() {
        let c = InboxCursor {
            group: 1,
            position: 42 << 20,
            id: Uuid::now_v7(),
        };
        assert_eq!(InboxCursor::decode(&c.encode()), Some(c));
        for bad in [
            "",
            "x",
            "MS4y",
            &URL_SAFE_NO_PAD.encode("2.1.00000000-0000-0000-0000-000000000000"),
        ] {
            assert_eq!(InboxCursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn links_lead_to_the_objects_routes() {
        let id = Uuid::nil();
        assert_eq!(
            link("contract_registration", id),
            format!("/api/v1/contracts/{id}")
        );
        assert_eq!(
            link("verification_request", id),
            format!("/api/v1/verification-requests/{id}")
        );
    }
}

//! Dead mail: notifications whose mail failed `mail_max_attempts` times, as an operator lists
//! them and sends them again (over HTTP as a platform admin, or with the CLI).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

#[derive(Debug, Clone, Serialize)]
pub struct DeadMail {
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    pub error: Option<String>,
}

/// Up to `limit` dead notifications after `after` (by id), oldest id first.
pub async fn list(
    conn: &mut Conn<'_>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DeadMail>, StoreError> {
    let rows = conn
        .fetch_all(
            "SELECT id, recipient_id, kind, created_at, mail_attempts, mail_error FROM notifications \
             WHERE mail_status = 'dead' AND ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2",
            &[Arg::OptUuid(after), Arg::I64(limit)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DeadMail {
                id: r.uuid("id")?,
                recipient_id: r.uuid("recipient_id")?,
                kind: r.text("kind")?,
                created_at: r.time("created_at")?,
                attempts: r.i64("mail_attempts")?,
                error: r.opt_text("mail_error")?,
            })
        })
        .collect()
}

/// Puts dead notification `id` back to be sent now, its attempts counted afresh; `false` if
/// there is no dead notification by that id.
pub async fn retry(conn: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE notifications SET mail_status = 'pending', mail_attempts = 0, mail_next_at = $2 \
             WHERE id = $1 AND mail_status = 'dead'",
            &[Arg::Uuid(id), Arg::Time(now)],
        )
        .await?;
    Ok(n == 1)
}

/// Every dead notification back to be sent now; how many.
pub async fn retry_all(conn: &mut Conn<'_>, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(conn
        .execute(
            "UPDATE notifications SET mail_status = 'pending', mail_attempts = 0, mail_next_at = $1 \
             WHERE mail_status = 'dead'",
            &[Arg::Time(now)],
        )
        .await?)
}

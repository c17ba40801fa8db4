//! Fixed-window counters in the database, so that every instance on one database shares them
//! (a limit kept in memory would give each instance its own budget).

use super::sql::{Arg, Conn};
use super::StoreError;

/// Hits counted in the current window of `(bucket, subject)`, and when it started (ms since the
/// epoch); `None` when there is none or it has run out.
pub async fn current(
    conn: &mut Conn<'_>,
    bucket: &str,
    subject: &str,
    window_ms: i64,
    now_ms: i64,
) -> Result<Option<(i64, i64)>, StoreError> {
    let row = conn
        .fetch_optional(
            "SELECT hits, window_start_ms FROM rate_limits WHERE bucket = $1 AND subject = $2 AND window_start_ms > $3",
            &[Arg::Text(bucket.into()), Arg::Text(subject.into()), Arg::I64(now_ms - window_ms)],
        )
        .await?;
    row.map(|r| Ok((r.i64("hits")?, r.i64("window_start_ms")?)))
        .transpose()
}

/// Counts one hit: a new window starts when the last one has run out. Returns the hits in the
/// window and its start.
pub async fn hit(
    conn: &mut Conn<'_>,
    bucket: &str,
    subject: &str,
    window_ms: i64,
    now_ms: i64,
) -> Result<(i64, i64), StoreError> {
    // Every SET expression sees the row as it was, so both CASEs test the old window.
    let r = conn
        .fetch_one(
            "INSERT INTO rate_limits (bucket, subject, window_start_ms, hits) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (bucket, subject) DO UPDATE SET \
               hits = CASE WHEN rate_limits.window_start_ms <= $4 THEN 1 ELSE rate_limits.hits + 1 END, \
               window_start_ms = CASE WHEN rate_limits.window_start_ms <= $4 THEN $3 ELSE rate_limits.window_start_ms END \
             RETURNING hits, window_start_ms",
            &[
                Arg::Text(bucket.into()),
                Arg::Text(subject.into()),
                Arg::I64(now_ms),
                Arg::I64(now_ms - window_ms),
            ],
        )
        .await?;
    Ok((r.i64("hits")?, r.i64("window_start_ms")?))
}

pub async fn clear(conn: &mut Conn<'_>, bucket: &str, subject: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM rate_limits WHERE bucket = $1 AND subject = $2",
        &[Arg::Text(bucket.into()), Arg::Text(subject.into())],
    )
    .await?;
    Ok(())
}

/// Forgets windows that started before `before_ms` (they can no longer limit anything).
pub async fn prune(conn: &mut Conn<'_>, before_ms: i64) -> Result<u64, StoreError> {
    Ok(conn
        .execute(
            "DELETE FROM rate_limits WHERE window_start_ms < $1",
            &[Arg::I64(before_ms)],
        )
        .await?)
}

//! One publisher at a time among the instances on one database: a lease in `broker_publishers`
//! that the holder renews as it works and that another may take once it has run out. The
//! position moves only under the lease, in the same statement that renews it, so a holder that
//! stalled past its lease finds it lost and cannot move the position back over its successor's.
//! Two holders can overlap only by the stretch a stalled one publishes before it next writes;
//! consumers drop such repeats by message id, as they must for any at-least-once delivery.

use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use crate::store::sql::Arg;
use crate::store::{Db, StoreError};

pub struct Lease {
    name: &'static str,
    /// This instance, for as long as it runs.
    holder: Uuid,
    ttl: Duration,
}

impl Lease {
    pub fn new(name: &'static str, ttl: Duration) -> Lease {
        Lease {
            name,
            holder: Uuid::new_v4(),
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn expiry(&self) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.ttl).expect("a lease of sane length")
    }

    /// Takes the lease, or renews it when this instance holds it: the position to publish
    /// after, or `None` while another instance holds it.
    pub async fn take(&self, db: &Db) -> Result<Option<i64>, StoreError> {
        let mut tx = db.begin().await?;
        tx.conn()
            .execute(
                "INSERT INTO broker_publishers (name, position) VALUES ($1, 0) \
                 ON CONFLICT (name) DO NOTHING",
                &[Arg::Text(self.name.into())],
            )
            .await?;
        let row = tx
            .conn()
            .fetch_optional(
                "UPDATE broker_publishers SET holder = $2, expires_at = $3 WHERE name = $1 \
                 AND (holder = $2 OR holder IS NULL OR expires_at IS NULL OR expires_at < $4) \
                 RETURNING position",
                &[
                    Arg::Text(self.name.into()),
                    Arg::Uuid(self.holder),
                    Arg::Time(self.expiry()),
                    Arg::Time(Utc::now()),
                ],
            )
            .await?;
        tx.commit().await?;
        Ok(row.map(|r| r.i64("position")).transpose()?)
    }

    /// Records that everything up to `position` is published, and renews the lease: `false`
    /// when another instance has taken it meanwhile (then nothing is recorded).
    pub async fn advance(&self, db: &Db, position: i64) -> Result<bool, StoreError> {
        let mut tx = db.begin().await?;
        let n = tx
            .conn()
            .execute(
                "UPDATE broker_publishers SET position = $3, expires_at = $4 \
                 WHERE name = $1 AND holder = $2",
                &[
                    Arg::Text(self.name.into()),
                    Arg::Uuid(self.holder),
                    Arg::I64(position),
                    Arg::Time(self.expiry()),
                ],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Lets the lease go at shutdown, so another instance takes over at once.
    pub async fn release(&self, db: &Db) -> Result<(), StoreError> {
        let mut tx = db.begin().await?;
        tx.conn()
            .execute(
                "UPDATE broker_publishers SET holder = NULL, expires_at = NULL \
                 WHERE name = $1 AND holder = $2",
                &[Arg::Text(self.name.into()), Arg::Uuid(self.holder)],
            )
            .await?;
        tx.commit().await
    }
}

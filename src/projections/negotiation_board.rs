//! Negotiations: each participant's list, the NDA check that opens a listing's confidential
//! detail to its buyer, and the idle negotiations the expiry policy closes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use esrs::Aggregate;
use uuid::Uuid;

use super::doc::{self, DocRow, Where};
use super::Projection;
use crate::domain::negotiation::{
    Negotiation, NegotiationData, NegotiationEvent, NegotiationState,
};
use crate::domain::{Actor, Recorded, Role};
use crate::store::log::LoggedEvent;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub const TABLE: &str = "negotiation_view";

pub struct NegotiationBoard;

#[async_trait]
impl Projection for NegotiationBoard {
    fn name(&self) -> &'static str {
        "negotiation_board"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[TABLE]
    }

    async fn apply(&self, conn: &mut Conn<'_>, event: &LoggedEvent) -> Result<(), StoreError> {
        if event.aggregate_type != Negotiation::NAME {
            return Ok(());
        }
        let recorded: Recorded<NegotiationEvent> = serde_json::from_value(event.payload.clone())?;
        let current = doc::before(conn, TABLE, event).await?;
        let Some(n) = Negotiation::apply_event(
            NegotiationState {
                negotiation: current,
            },
            recorded,
        )
        .negotiation
        else {
            return Err(StoreError::Other(format!(
                "negotiation {} has no opening event",
                event.aggregate_id
            )));
        };
        conn.execute(
            "INSERT INTO negotiation_view (id, version, status, listing_id, buyer_id, seller_id, broker_id, \
             nda_complete, last_activity_at, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, \
             listing_id = excluded.listing_id, buyer_id = excluded.buyer_id, seller_id = excluded.seller_id, \
             broker_id = excluded.broker_id, nda_complete = excluded.nda_complete, \
             last_activity_at = excluded.last_activity_at, updated_at = excluded.updated_at, doc = excluded.doc",
            &[
                Arg::Uuid(event.aggregate_id),
                Arg::I64(event.version as i64),
                Arg::Text(n.status.as_str().into()),
                Arg::Uuid(n.listing_id),
                Arg::Uuid(n.buyer_id),
                Arg::Uuid(n.seller_id),
                Arg::OptUuid(n.broker_id),
                Arg::Bool(n.nda_complete()),
                Arg::Time(n.last_activity_at),
                Arg::Time(n.updated_at),
                Arg::Json(serde_json::to_value(&n)?),
            ],
        )
        .await?;
        Ok(())
    }
}

pub type NegotiationRow = DocRow<NegotiationData>;

pub async fn get(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<NegotiationRow>, StoreError> {
    doc::get(conn, TABLE, id).await
}

/// Whether `user` is the buyer of a live negotiation on `listing` whose NDA both sides signed:
/// then the listing's confidential detail is theirs to read. An abandoned or expired
/// negotiation ends that.
pub async fn nda_grants_access(
    conn: &mut Conn<'_>,
    listing: Uuid,
    user: Uuid,
) -> Result<bool, StoreError> {
    let row = conn
        .fetch_optional(
            "SELECT id FROM negotiation_view WHERE listing_id = $1 AND buyer_id = $2 AND nda_complete \
             AND status IN ('open', 'agreed') LIMIT 1",
            &[Arg::Uuid(listing), Arg::Uuid(user)],
        )
        .await?;
    Ok(row.is_some())
}

/// The caller's negotiations (as buyer, seller or broker; all for a platform admin), newest first.
pub async fn mine(
    conn: &mut Conn<'_>,
    viewer: &Actor,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<NegotiationRow>, StoreError> {
    let mut w = Where::default();
    if viewer.role != Role::PlatformAdmin {
        let p = w.arg(Arg::Uuid(viewer.user_id));
        w.and(format!(
            "(buyer_id = {p} OR seller_id = {p} OR broker_id = {p})"
        ));
    }
    if let Some(s) = status {
        let p = w.arg(Arg::Text(s.into()));
        w.and(format!("status = {p}"));
    }
    if let Some(b) = before {
        let p = w.arg(Arg::Uuid(b));
        w.and(format!("id < {p}"));
    }
    let p = w.arg(Arg::I64(limit));
    let sql = format!(
        "SELECT id, version, doc FROM {TABLE} WHERE {} ORDER BY id DESC LIMIT {p}",
        w.sql()
    );
    let rows = conn.fetch_all(&sql, &w.args).await?;
    rows.iter().map(doc::from_row).collect()
}

/// Open negotiations with no activity since `cutoff`.
pub async fn idle_since(
    conn: &mut Conn<'_>,
    cutoff: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = conn
        .fetch_all(
            "SELECT id FROM negotiation_view WHERE status = 'open' AND last_activity_at < $1 ORDER BY id",
            &[Arg::Time(cutoff)],
        )
        .await?;
    rows.iter().map(|r| Ok(r.uuid("id")?)).collect()
}

//! Negotiations: each participant's list, the NDA check that opens a listing's confidential
//! detail to its buyer, and the idle negotiations the expiry policy closes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::doc::{self, DocRow, Where};
use super::fold::DocModel;
use crate::domain::negotiation::{
    Negotiation, NegotiationData, NegotiationEvent, NegotiationState,
};
use crate::domain::{Actor, Role};
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub const TABLE: &str = "negotiation_view";

pub struct NegotiationBoard;

impl DocModel for NegotiationBoard {
    type Aggregate = Negotiation;
    type Event = NegotiationEvent;
    type Data = NegotiationData;
    const NAME: &'static str = "negotiation_board";
    const TABLE: &'static str = TABLE;
    const TABLES: &'static [&'static str] = &[TABLE];
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "version",
        "status",
        "listing_id",
        "buyer_id",
        "seller_id",
        "broker_id",
        "nda_complete",
        "last_activity_at",
        "updated_at",
        "doc",
    ];

    fn state(negotiation: Option<NegotiationData>) -> NegotiationState {
        NegotiationState { negotiation }
    }

    fn data(state: NegotiationState) -> Option<NegotiationData> {
        state.negotiation
    }

    fn values(d: &NegotiationData) -> Result<Vec<Arg>, StoreError> {
        Ok(vec![
            Arg::Text(d.status.as_str().into()),
            Arg::Uuid(d.listing_id),
            Arg::Uuid(d.buyer_id),
            Arg::Uuid(d.seller_id),
            Arg::OptUuid(d.broker_id),
            Arg::Bool(d.nda_complete()),
            Arg::Time(d.last_activity_at),
            Arg::Time(d.updated_at),
            Arg::Json(serde_json::to_value(d)?),
        ])
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

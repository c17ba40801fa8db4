//! Verification requests as the providers' work queue and the requesters' list.

use async_trait::async_trait;
use esrs::Aggregate;
use uuid::Uuid;

use super::doc::{self, DocRow, Where};
use super::Projection;
use crate::domain::verification::{
    VerificationData, VerificationEvent, VerificationRequest, VerificationState,
};
use crate::domain::{Actor, Recorded, Role};
use crate::store::log::LoggedEvent;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub const TABLE: &str = "verification_view";

pub struct VerificationQueue;

#[async_trait]
impl Projection for VerificationQueue {
    fn name(&self) -> &'static str {
        "verification_queue"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[TABLE]
    }

    async fn apply(&self, conn: &mut Conn<'_>, event: &LoggedEvent) -> Result<(), StoreError> {
        if event.aggregate_type != VerificationRequest::NAME {
            return Ok(());
        }
        let recorded: Recorded<VerificationEvent> = serde_json::from_value(event.payload.clone())?;
        let current = doc::before(conn, TABLE, event).await?;
        let Some(v) =
            VerificationRequest::apply_event(VerificationState { request: current }, recorded)
                .request
        else {
            return Err(StoreError::Other(format!(
                "verification request {} has no creation event",
                event.aggregate_id
            )));
        };
        conn.execute(
            "INSERT INTO verification_view (id, version, status, stage, listing_id, requester_id, \
             provider_organization_id, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, \
             stage = excluded.stage, listing_id = excluded.listing_id, requester_id = excluded.requester_id, \
             provider_organization_id = excluded.provider_organization_id, updated_at = excluded.updated_at, \
             doc = excluded.doc",
            &[
                Arg::Uuid(event.aggregate_id),
                Arg::I64(event.version as i64),
                Arg::Text(v.status.as_str().into()),
                Arg::Text(v.content.stage.as_str().into()),
                Arg::Uuid(v.content.listing_id),
                Arg::Uuid(v.requester_id),
                Arg::Uuid(v.content.provider_organization_id),
                Arg::Time(v.updated_at),
                Arg::Json(serde_json::to_value(&v)?),
            ],
        )
        .await?;
        Ok(())
    }
}

pub type VerificationRow = DocRow<VerificationData>;

pub async fn get(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<VerificationRow>, StoreError> {
    doc::get(conn, TABLE, id).await
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<String>,
    pub stage: Option<String>,
    pub listing_id: Option<Uuid>,
}

/// The caller's queue, newest first: a provider sees its organization's requests, a requester
/// their own, a platform admin all.
pub async fn queue(
    conn: &mut Conn<'_>,
    viewer: &Actor,
    filter: &Filter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<VerificationRow>, StoreError> {
    let mut w = Where::default();
    match (viewer.role, viewer.organization_id) {
        (Role::PlatformAdmin, _) => {}
        (Role::Provider, Some(org)) => {
            let p = w.arg(Arg::Uuid(org));
            w.and(format!("provider_organization_id = {p}"));
        }
        _ => {
            let p = w.arg(Arg::Uuid(viewer.user_id));
            w.and(format!("requester_id = {p}"));
        }
    }
    for (column, value) in [("status", &filter.status), ("stage", &filter.stage)] {
        if let Some(v) = value {
            let p = w.arg(Arg::Text(v.clone()));
            w.and(format!("{column} = {p}"));
        }
    }
    if let Some(l) = filter.listing_id {
        let p = w.arg(Arg::Uuid(l));
        w.and(format!("listing_id = {p}"));
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

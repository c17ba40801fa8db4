//! Verification requests as the providers' work queue and the requesters' list.

use uuid::Uuid;

use super::doc::{self, DocRow, Where};
use super::fold::DocModel;
use crate::domain::verification::{
    VerificationData, VerificationEvent, VerificationRequest, VerificationState,
};
use crate::domain::{Actor, Role};
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub const TABLE: &str = "verification_view";

pub struct VerificationQueue;

impl DocModel for VerificationQueue {
    type Aggregate = VerificationRequest;
    type Event = VerificationEvent;
    type Data = VerificationData;
    const NAME: &'static str = "verification_queue";
    const TABLE: &'static str = TABLE;
    const TABLES: &'static [&'static str] = &[TABLE];
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "version",
        "status",
        "stage",
        "listing_id",
        "requester_id",
        "provider_organization_id",
        "updated_at",
        "doc",
    ];

    fn state(request: Option<VerificationData>) -> VerificationState {
        VerificationState { request }
    }

    fn data(state: VerificationState) -> Option<VerificationData> {
        state.request
    }

    fn values(d: &VerificationData) -> Result<Vec<Arg>, StoreError> {
        Ok(vec![
            Arg::Text(d.status.as_str().into()),
            Arg::Text(d.content.stage.as_str().into()),
            Arg::Uuid(d.content.listing_id),
            Arg::Uuid(d.requester_id),
            Arg::Uuid(d.content.provider_organization_id),
            Arg::Time(d.updated_at),
            Arg::Json(serde_json::to_value(d)?),
        ])
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

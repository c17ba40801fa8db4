//! The demand board: one row per demand with the columns the board filters on and the demand's
//! full state as a JSON document, evolved by the aggregate's own `apply_event` (as the listing
//! catalogue does). Also answers the expiry task: which published demands are past their day.

use chrono::NaiveDate;
use uuid::Uuid;

use super::doc::{self, DocRow};
use super::fold::DocModel;
use super::search::province_of;
use crate::domain::demand::{Demand, DemandData, DemandEvent, DemandState};
use crate::domain::{Actor, Role};
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub const TABLE: &str = "demand_view";

pub struct DemandBoard;

impl DocModel for DemandBoard {
    type Aggregate = Demand;
    type Event = DemandEvent;
    type Data = DemandData;
    const NAME: &'static str = "demand_board";
    const TABLE: &'static str = TABLE;
    const TABLES: &'static [&'static str] = &[TABLE];
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "version",
        "status",
        "kind",
        "owner_id",
        "field",
        "region",
        "region_province",
        "valid_until",
        "trl_min",
        "title",
        "updated_at",
        "doc",
        "was_published",
        "winning_listing_id",
    ];

    fn state(demand: Option<DemandData>) -> DemandState {
        DemandState { demand }
    }

    fn data(state: DemandState) -> Option<DemandData> {
        state.demand
    }

    fn values(d: &DemandData) -> Result<Vec<Arg>, StoreError> {
        let c = &d.content;
        Ok(vec![
            Arg::Text(d.status.as_str().into()),
            Arg::Text(c.kind.as_str().into()),
            Arg::Uuid(d.owner_id),
            Arg::Text(c.field.as_str().into()),
            Arg::Text(c.region.as_str().into()),
            Arg::OptText(province_of(c.region.as_str())),
            Arg::Text(c.valid_until.to_string()),
            Arg::OptI64(c.trl_min.map(|t| t.get() as i64)),
            Arg::Text(c.title.as_str().into()),
            Arg::Time(d.updated_at),
            Arg::Json(serde_json::to_value(d)?),
            Arg::Bool(d.published_at.is_some()),
            // The open call a listing won: what its lineage looks the demand up by.
            Arg::OptUuid(d.winner.and_then(|w| d.application(w)?.listing_id)),
        ])
    }
}

pub type DemandRow = DocRow<DemandData>;

pub async fn get(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<DemandRow>, StoreError> {
    doc::get(conn, TABLE, id).await
}

/// Rows by id, in no particular order (the caller orders them, e.g. by search rank).
pub async fn get_many(conn: &mut Conn<'_>, ids: &[Uuid]) -> Result<Vec<DemandRow>, StoreError> {
    doc::get_many(conn, TABLE, ids).await
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub kind: Option<String>,
    pub field: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub owner_id: Option<Uuid>,
}

/// One page of the board, newest first, limited to what `viewer` may see (the rule of
/// `DemandData::is_visible_to`, in SQL so that paging stays exact).
pub async fn search(
    conn: &mut Conn<'_>,
    viewer: Option<&Actor>,
    filter: &Filter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DemandRow>, StoreError> {
    let mut args: Vec<Arg> = Vec::new();
    let mut arg = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    let mut visible =
        vec!["(status = 'published' OR (status = 'closed' AND was_published))".to_string()];
    if let Some(v) = viewer {
        visible.push(format!("owner_id = {}", arg(Arg::Uuid(v.user_id))));
        if v.role == Role::PlatformAdmin {
            visible.push("1 = 1".into());
        }
    }
    let mut sql = format!(
        "SELECT id, version, doc FROM demand_view WHERE ({})",
        visible.join(" OR ")
    );
    for (column, value) in [
        ("kind", &filter.kind),
        ("field", &filter.field),
        ("status", &filter.status),
    ] {
        if let Some(v) = value {
            sql.push_str(&format!(" AND {column} = {}", arg(Arg::Text(v.clone()))));
        }
    }
    if let Some(r) = &filter.region {
        let p = arg(Arg::Text(r.clone()));
        sql.push_str(&format!(" AND (region = {p} OR region_province = {p})"));
    }
    if let Some(o) = filter.owner_id {
        sql.push_str(&format!(" AND owner_id = {}", arg(Arg::Uuid(o))));
    }
    if let Some(b) = before {
        sql.push_str(&format!(" AND id < {}", arg(Arg::Uuid(b))));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", arg(Arg::I64(limit))));
    let rows = conn.fetch_all(&sql, &args).await?;
    rows.iter().map(doc::from_row).collect()
}

/// Published demands whose valid-until day is over on `today` (a China date).
pub async fn due_for_expiry(
    conn: &mut Conn<'_>,
    today: NaiveDate,
) -> Result<Vec<Uuid>, StoreError> {
    // Dates are stored as ISO text, which sorts as dates do.
    let rows = conn
        .fetch_all(
            "SELECT id FROM demand_view WHERE status = 'published' AND valid_until < $1 ORDER BY id",
            &[Arg::Text(today.to_string())],
        )
        .await?;
    rows.iter().map(|r| Ok(r.uuid("id")?)).collect()
}

/// Every row in id order: what the rebuild test compares.
pub async fn dump(conn: &mut Conn<'_>) -> Result<Vec<DemandRow>, StoreError> {
    doc::dump(conn, TABLE).await
}

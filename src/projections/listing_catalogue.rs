//! The listing catalogue: one row per listing with the columns the catalogue filters on, and the
//! listing's full state as a JSON document. The document is the aggregate's own state, evolved
//! by the aggregate's own `apply_event`, so the read model cannot drift from the domain rules.
//! It holds the confidential detail: the HTTP layer decides who may see it.

use uuid::Uuid;

use super::doc::{self, DocRow};
use super::fold::DocModel;
use crate::domain::listing::{Listing, ListingData, ListingEvent, ListingState};
use crate::domain::{Actor, Role};
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub struct ListingCatalogue;

const TABLE: &str = "listing_view";

impl DocModel for ListingCatalogue {
    type Aggregate = Listing;
    type Event = ListingEvent;
    type Data = ListingData;
    const NAME: &'static str = "listing_catalogue";
    const TABLE: &'static str = TABLE;
    const TABLES: &'static [&'static str] = &[TABLE];
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "version",
        "status",
        "owner_id",
        "owner_organization_id",
        "institution_id",
        "field",
        "trl",
        "region",
        "region_province",
        "job_related",
        "title",
        "updated_at",
        "doc",
    ];

    fn state(listing: Option<ListingData>) -> ListingState {
        ListingState { listing }
    }

    fn data(state: ListingState) -> Option<ListingData> {
        state.listing
    }

    fn values(data: &ListingData) -> Result<Vec<Arg>, StoreError> {
        let c = &data.content;
        Ok(vec![
            Arg::Text(data.status.as_str().into()),
            Arg::Uuid(data.owner_id),
            Arg::OptUuid(data.owner_organization_id),
            Arg::OptUuid(c.institution_id),
            Arg::Text(c.field.as_str().into()),
            Arg::I64(c.trl.get() as i64),
            Arg::Text(c.region.as_str().into()),
            Arg::OptText(super::search::province_of(c.region.as_str())),
            Arg::Bool(c.job_related),
            Arg::Text(c.title.as_str().into()),
            Arg::Time(data.updated_at),
            Arg::Json(serde_json::to_value(data)?),
        ])
    }
}

pub type ListingRow = DocRow<ListingData>;

pub async fn get(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<ListingRow>, StoreError> {
    doc::get(conn, TABLE, id).await
}

/// Rows by id, in no particular order (the caller orders them, e.g. by search rank).
pub async fn get_many(conn: &mut Conn<'_>, ids: &[Uuid]) -> Result<Vec<ListingRow>, StoreError> {
    doc::get_many(conn, TABLE, ids).await
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub field: Option<String>,
    pub trl_min: Option<i64>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub owner_id: Option<Uuid>,
}

/// One page of the catalogue, newest first, showing only what `viewer` may see. The visibility
/// rule is the one of `ListingData::is_visible_to`, expressed in SQL so that paging stays exact.
pub async fn search(
    conn: &mut Conn<'_>,
    viewer: Option<&Actor>,
    filter: &Filter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ListingRow>, StoreError> {
    let mut sql = String::from("SELECT id, version, doc FROM listing_view WHERE ");
    let mut args: Vec<Arg> = Vec::new();
    let arg = |a: Arg, args: &mut Vec<Arg>| {
        args.push(a);
        format!("${}", args.len())
    };
    // Visibility.
    let me = viewer.map(|v| v.user_id);
    let role = viewer.map(|v| v.role);
    let mut visible = vec!["status IN ('published', 'transferred')".to_string()];
    if let Some(me) = me {
        visible.push(format!("owner_id = {}", arg(Arg::Uuid(me), &mut args)));
    }
    match (role, viewer.and_then(|v| v.organization_id)) {
        (Some(Role::PlatformAdmin), _) => visible.push("1 = 1".into()),
        (Some(Role::TechManager), _) => visible.push("status = 'under_review'".into()),
        (Some(Role::InstitutionAdmin), Some(org)) => visible.push(format!(
            "institution_id = {}",
            arg(Arg::Uuid(org), &mut args)
        )),
        _ => {}
    }
    sql.push_str(&format!("({})", visible.join(" OR ")));
    if let Some(f) = &filter.field {
        sql.push_str(&format!(
            " AND field = {}",
            arg(Arg::Text(f.clone()), &mut args)
        ));
    }
    if let Some(t) = filter.trl_min {
        sql.push_str(&format!(" AND trl >= {}", arg(Arg::I64(t), &mut args)));
    }
    if let Some(r) = &filter.region {
        let p = arg(Arg::Text(r.clone()), &mut args);
        sql.push_str(&format!(" AND (region = {p} OR region_province = {p})"));
    }
    if let Some(s) = &filter.status {
        sql.push_str(&format!(
            " AND status = {}",
            arg(Arg::Text(s.clone()), &mut args)
        ));
    }
    if let Some(o) = filter.owner_id {
        sql.push_str(&format!(" AND owner_id = {}", arg(Arg::Uuid(o), &mut args)));
    }
    if let Some(b) = before {
        sql.push_str(&format!(" AND id < {}", arg(Arg::Uuid(b), &mut args)));
    }
    sql.push_str(&format!(
        " ORDER BY id DESC LIMIT {}",
        arg(Arg::I64(limit), &mut args)
    ));
    let rows = conn.fetch_all(&sql, &args).await?;
    rows.iter().map(doc::from_row).collect()
}

/// Every row in id order: what the rebuild test compares before and after.
pub async fn dump(conn: &mut Conn<'_>) -> Result<Vec<(ListingRow, String, i64)>, StoreError> {
    let rows = conn
        .fetch_all(
            "SELECT id, version, doc, status, trl FROM listing_view ORDER BY id",
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((doc::from_row(r)?, r.text("status")?, r.i64("trl")?)))
        .collect()
}

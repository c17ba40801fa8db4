//! The ownership-grant register: every grant as a document (`ownership_grant_view`), its team
//! (`ownership_grant_members`, for "per researcher" reads) and who was paid what
//! (`ownership_distribution_parts`). Written in the transaction that appends the event; the view's
//! unique index on live grants per listing is what refuses a second grant under way or in force.
//! The reports over it are in [`query`].

pub mod query;

use chrono::NaiveDate;
use uuid::Uuid;

use super::doc::{self, DocRow, Where};
use super::fold::DocModel;
use super::rows::Inserts;
use crate::domain::ownership_grant::{
    Distribution, GrantData, GrantEvent, GrantState, GrantStatus, OwnershipGrant,
};
use crate::domain::{Actor, Role};
use crate::store::log::LoggedEvent;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub const TABLE: &str = "ownership_grant_view";

pub struct OwnershipRegister;

/// `status IN (...)` for the given statuses, as SQL text (the values are our own constants).
fn status_in(statuses: &[GrantStatus]) -> String {
    let names: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("status IN ({})", names.join(", "))
}

const MEMBER_COLUMNS: &[&str] = &["grant_id", "user_id"];

const PART_COLUMNS: &[&str] = &[
    "distribution_id",
    "part",
    "grant_id",
    "position",
    "recorded_at",
    "received_on",
    "institution_id",
    "listing_id",
    "contract_id",
    "payment_id",
    "holder_type",
    "holder_id",
    "amount_fen",
];

impl DocModel for OwnershipRegister {
    type Aggregate = OwnershipGrant;
    type Event = GrantEvent;
    type Data = GrantData;
    const NAME: &'static str = "ownership_register";
    const TABLE: &'static str = TABLE;
    const TABLES: &'static [&'static str] = &[
        TABLE,
        "ownership_grant_members",
        "ownership_distribution_parts",
    ];
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "version",
        "listing_id",
        "institution_id",
        "applicant_id",
        "status",
        "term_end",
        "updated_at",
        "doc",
    ];
    const HAS_MORE_ROWS: bool = true;

    fn state(grant: Option<GrantData>) -> GrantState {
        GrantState { grant }
    }

    fn data(state: GrantState) -> Option<GrantData> {
        state.grant
    }

    fn values(g: &GrantData) -> Result<Vec<Arg>, StoreError> {
        Ok(vec![
            Arg::Uuid(g.listing_id),
            Arg::Uuid(g.institution_id),
            Arg::Uuid(g.applicant_id),
            Arg::Text(g.status.as_str().into()),
            Arg::OptText(g.term_end.map(|d| d.to_string())),
            Arg::Time(g.updated_at),
            Arg::Json(serde_json::to_value(g)?),
        ])
    }

    /// The team when applied; the parts of each payment distributed.
    fn more_rows(
        event: &LoggedEvent,
        _before: Option<&GrantData>,
        g: &GrantData,
        fact: &GrantEvent,
        out: &mut Inserts,
    ) -> Result<(), StoreError> {
        match fact {
            GrantEvent::Applied { terms, .. } => {
                for m in &terms.team {
                    let row = vec![Arg::Uuid(event.aggregate_id), Arg::Uuid(m.user_id)];
                    out.add("ownership_grant_members", MEMBER_COLUMNS, row);
                }
            }
            GrantEvent::RevenueDistributed { distribution } => {
                parts(event, g, distribution, out);
            }
            _ => {}
        }
        Ok(())
    }

    /// Grants that stop being live are written before those that become live: the unique
    /// index allows one live grant per listing at every moment, not only at the end.
    fn rank(g: &GrantData) -> u8 {
        u8::from(g.status.is_live())
    }

    fn unique_violation(g: &GrantData) -> Option<StoreError> {
        Some(StoreError::Invariant(format!(
            "listing {} already has an ownership grant under way or in force: only one at a time",
            g.listing_id
        )))
    }
}

/// One row per part: the institution's, the costs (when there are any) and each member's. Together they
/// add up to the payment.
fn parts(event: &LoggedEvent, g: &GrantData, d: &Distribution, out: &mut Inserts) {
    let mut parts: Vec<(&str, Option<Uuid>, i64)> =
        vec![("institution", Some(g.institution_id), d.institution_fen)];
    if d.costs_fen > 0 {
        parts.push(("costs", None, d.costs_fen));
    }
    parts.extend(
        d.members
            .iter()
            .map(|m| ("member", Some(m.user_id), m.amount_fen)),
    );
    for (i, (holder_type, holder_id, amount)) in parts.into_iter().enumerate() {
        let row = vec![
            Arg::Uuid(d.id),
            Arg::I64(i as i64),
            Arg::Uuid(event.aggregate_id),
            Arg::I64(event.position),
            Arg::Time(event.recorded_at),
            Arg::Text(d.received_on.to_string()),
            Arg::Uuid(g.institution_id),
            Arg::Uuid(g.listing_id),
            Arg::Uuid(d.contract_id),
            Arg::Uuid(d.payment_id),
            Arg::Text(holder_type.into()),
            Arg::OptUuid(holder_id),
            Arg::I64(amount),
        ];
        out.add("ownership_distribution_parts", PART_COLUMNS, row);
    }
}

pub type GrantRow = DocRow<GrantData>;

pub async fn get(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<GrantRow>, StoreError> {
    doc::get(conn, TABLE, id).await
}

/// The grant of `listing_id` that is under way or in force, if any.
pub async fn live_for_listing(
    conn: &mut Conn<'_>,
    listing_id: Uuid,
) -> Result<Option<GrantRow>, StoreError> {
    let sql = format!(
        "SELECT id, version, doc FROM {TABLE} WHERE listing_id = $1 AND {}",
        status_in(&GrantStatus::LIVE)
    );
    conn.fetch_optional(&sql, &[Arg::Uuid(listing_id)])
        .await?
        .as_ref()
        .map(doc::from_row)
        .transpose()
}

/// Every grant of `listing_id`, oldest first: the one in force on a date is among them.
pub async fn for_listing(
    conn: &mut Conn<'_>,
    listing_id: Uuid,
) -> Result<Vec<GrantRow>, StoreError> {
    let rows = conn
        .fetch_all(
            &format!("SELECT id, version, doc FROM {TABLE} WHERE listing_id = $1 ORDER BY id"),
            &[Arg::Uuid(listing_id)],
        )
        .await?;
    rows.iter().map(doc::from_row).collect()
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub listing_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    /// Grants whose team includes this user.
    pub member_id: Option<Uuid>,
    pub status: Option<GrantStatus>,
}

/// The grants `viewer` may see, newest first. Platform admins see all, statisticians the public
/// ones (from the notice on); anyone else the public ones and those they are a party to.
pub async fn list(
    conn: &mut Conn<'_>,
    viewer: &Actor,
    filter: &ListFilter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<GrantRow>, StoreError> {
    let mut w = Where::default();
    if viewer.role == Role::Statistician {
        w.and(status_in(&GrantStatus::PUBLIC));
    } else if viewer.role != Role::PlatformAdmin {
        let me = w.arg(Arg::Uuid(viewer.user_id));
        let mut who = vec![
            status_in(&GrantStatus::PUBLIC),
            format!("applicant_id = {me}"),
            format!("id IN (SELECT grant_id FROM ownership_grant_members WHERE user_id = {me})"),
        ];
        if let (Role::InstitutionAdmin, Some(org)) = (viewer.role, viewer.organization_id) {
            let o = w.arg(Arg::Uuid(org));
            who.push(format!("institution_id = {o}"));
        }
        w.and(format!("({})", who.join(" OR ")));
    }
    if let Some(l) = filter.listing_id {
        let p = w.arg(Arg::Uuid(l));
        w.and(format!("listing_id = {p}"));
    }
    if let Some(i) = filter.institution_id {
        let p = w.arg(Arg::Uuid(i));
        w.and(format!("institution_id = {p}"));
    }
    if let Some(m) = filter.member_id {
        let p = w.arg(Arg::Uuid(m));
        w.and(format!(
            "id IN (SELECT grant_id FROM ownership_grant_members WHERE user_id = {p})"
        ));
    }
    if let Some(s) = filter.status {
        let p = w.arg(Arg::Text(s.as_str().into()));
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

/// Grants in force whose term ends on or before `last_day`: the expiry task expires those
/// already past and announces those coming up.
pub async fn terms_ending_by(
    conn: &mut Conn<'_>,
    last_day: NaiveDate,
) -> Result<Vec<GrantRow>, StoreError> {
    let sql = format!(
        "SELECT id, version, doc FROM {TABLE} WHERE {} AND term_end IS NOT NULL AND term_end <= $1 \
         ORDER BY term_end, id",
        status_in(&GrantStatus::IN_FORCE)
    );
    let rows = conn
        .fetch_all(&sql, &[Arg::Text(last_day.to_string())])
        .await?;
    rows.iter().map(doc::from_row).collect()
}

//! Contract registrations: the registrar's queue (`contract_view`) and the contract-value
//! statistics (`contract_stat_facts`, and `contract_stat_ip_facts` for cuts by IP kind). Both
//! are written by one projection, in the transaction that appends the event, from the state of
//! the contract just before and just after it (see [`facts`]).

pub mod compare;
pub mod cube;
pub mod facts;
pub mod numbers;
pub mod query;

use uuid::Uuid;

use super::doc::{self, DocRow, Where};
use super::fold::DocModel;
use super::rows::Inserts;
use crate::domain::contract::{
    ContractData, ContractEvent, ContractRegistration, ContractState, ContractStatus,
};
use crate::domain::{Actor, Role};
use crate::store::log::LoggedEvent;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;
use facts::{facts_for, Fact};

pub const TABLE: &str = "contract_view";

pub struct ContractRegister;

/// The columns of a fact row, in the order of [`fact_args`], then `$last`: the two fact tables
/// differ only in that last column.
macro_rules! fact_columns {
    ($last:literal) => {
        &[
            "contract_id",
            "seq",
            "part",
            "position",
            "recorded_at",
            "registered_basis",
            "signing_date",
            "count_delta",
            "amount_delta",
            "tech_amount_delta",
            "taxonomy",
            "contract_type",
            "subtype",
            "field",
            "seller_nature",
            "buyer_nature",
            "seller_region",
            "buyer_region",
            "seller_province",
            "buyer_province",
            "seller_zone",
            "buyer_zone",
            "flow",
            $last,
        ]
    };
}

const FACT_COLUMNS: &[&str] = fact_columns!("ip_kinds");

/// The facts by IP kind: one row per kind a fact names.
const IP_FACT_COLUMNS: &[&str] = fact_columns!("ip_kind");

fn fact_args(f: &Fact, position: i64) -> Vec<Arg> {
    let d = &f.dims;
    vec![
        Arg::Uuid(f.contract_id),
        Arg::I64(f.seq),
        Arg::I64(f.part),
        Arg::I64(position),
        Arg::Time(f.recorded_at),
        Arg::Text(f.registered_basis.to_string()),
        Arg::Text(f.signing_date.to_string()),
        Arg::I64(f.count),
        Arg::I64(f.contract_amount_fen),
        Arg::I64(f.technology_amount_fen),
        Arg::Text(d.taxonomy.clone()),
        Arg::Text(d.contract_type.clone()),
        Arg::Text(d.subtype.clone()),
        Arg::Text(d.field.clone()),
        Arg::Text(d.seller_nature.clone()),
        Arg::Text(d.buyer_nature.clone()),
        Arg::Text(d.seller_region.clone()),
        Arg::Text(d.buyer_region.clone()),
        Arg::Text(d.seller_province.clone()),
        Arg::Text(d.buyer_province.clone()),
        Arg::Text(d.seller_zone.clone()),
        Arg::Text(d.buyer_zone.clone()),
        Arg::Text(d.flow.to_string()),
    ]
}

impl DocModel for ContractRegister {
    type Aggregate = ContractRegistration;
    type Event = ContractEvent;
    type Data = ContractData;
    const NAME: &'static str = "contract_register";
    const TABLE: &'static str = TABLE;
    const TABLES: &'static [&'static str] =
        &[TABLE, "contract_stat_facts", "contract_stat_ip_facts"];
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "version",
        "status",
        "submitter_id",
        "seller_organization_id",
        "buyer_organization_id",
        "listing_id",
        "due_on",
        "updated_at",
        "doc",
    ];
    const HAS_MORE_ROWS: bool = true;

    fn state(contract: Option<ContractData>) -> ContractState {
        ContractState { contract }
    }

    fn data(state: ContractState) -> Option<ContractData> {
        state.contract
    }

    fn values(c: &ContractData) -> Result<Vec<Arg>, StoreError> {
        let (seller, buyer) = c.current_parties();
        Ok(vec![
            Arg::Text(c.status.as_str().into()),
            Arg::Uuid(c.submitter_id),
            Arg::OptUuid(seller.organization_id),
            Arg::OptUuid(buyer.organization_id),
            Arg::OptUuid(c.content.listing_id),
            Arg::OptText(c.due_on.map(|d| d.to_string())),
            Arg::Time(c.updated_at),
            Arg::Json(serde_json::to_value(c)?),
        ])
    }

    /// The statistics facts the event adds (see [`facts`]).
    fn more_rows(
        event: &LoggedEvent,
        before: Option<&ContractData>,
        after: &ContractData,
        fact: &ContractEvent,
        out: &mut Inserts,
    ) -> Result<(), StoreError> {
        let facts = facts_for(
            event.aggregate_id,
            event.version as i64,
            event.recorded_at,
            before,
            after,
            fact,
        );
        for f in &facts {
            let mut args = fact_args(f, event.position);
            args.push(Arg::Text(f.ip_kinds.join(";")));
            out.add("contract_stat_facts", FACT_COLUMNS, args);
            for kind in &f.ip_kinds {
                let mut args = fact_args(f, event.position);
                args.push(Arg::Text(kind.clone()));
                out.add("contract_stat_ip_facts", IP_FACT_COLUMNS, args);
            }
        }
        Ok(())
    }
}

pub type ContractRow = DocRow<ContractData>;

pub async fn get(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<ContractRow>, StoreError> {
    doc::get(conn, TABLE, id).await
}

/// A registrar's (or admin's) queue: every registration; a statistician's: those on the
/// register (registered, cancelled, revoked); anyone else sees
/// the ones they submitted or whose (current) seller or buyer organization is theirs. Newest
/// first; each entry carries its due date and whether it is overdue.
pub async fn queue(
    conn: &mut Conn<'_>,
    viewer: &Actor,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ContractRow>, StoreError> {
    let mut w = Where::default();
    if viewer.role == Role::Statistician {
        let on_register: Vec<String> = ContractStatus::ON_REGISTER
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        w.and(format!("status IN ({})", on_register.join(", ")));
    } else if !matches!(viewer.role, Role::Registrar | Role::PlatformAdmin) {
        let me = w.arg(Arg::Uuid(viewer.user_id));
        let mut who = format!("submitter_id = {me}");
        if let Some(org) = viewer.organization_id {
            let o = w.arg(Arg::Uuid(org));
            who = format!("({who} OR seller_organization_id = {o} OR buyer_organization_id = {o})");
        }
        w.and(who);
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

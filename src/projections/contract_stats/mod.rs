//! Contract registrations: the registrar's queue (`contract_view`) and the contract-value
//! statistics (`contract_stat_facts`, and `contract_stat_ip_facts` for cuts by IP kind). Both
//! are written by one projection, in the transaction that appends the event, from the state of
//! the contract just before and just after it (see [`facts`]).

pub mod compare;
pub mod cube;
pub mod facts;
pub mod numbers;
pub mod query;
pub mod workbook;

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
        "registration_number",
        "search_text",
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
            Arg::OptText(c.registration_number.clone()),
            Arg::Text(search_text(c)),
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

/// `word` with LIKE's wildcards taken literally.
fn like_escaped(word: &str) -> String {
    word.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// What a lookup's words are found in: the registration number, the title and the parties'
/// names as submitted and as amended, lower-cased (the migration fills it the same way).
pub fn search_text(c: &ContractData) -> String {
    let (seller, buyer) = c.current_parties();
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(c.registration_number.as_deref());
    parts.push(c.content.title.as_str());
    parts.push(c.content.seller.name.as_str());
    parts.push(c.content.buyer.name.as_str());
    if !c.amendments.is_empty() {
        parts.push(seller.name.as_str());
        parts.push(buyer.name.as_str());
    }
    parts.join(" ").to_lowercase()
}

/// What a registrar looks a contract up by; any of it turns the queue into a lookup, ordered by
/// deadline (overdue first, then the nearest), those without one last.
#[derive(Debug, Default, Clone)]
pub struct Lookup {
    pub registration_number: Option<String>,
    /// Each must be in the title or a party's name (lower-cased).
    pub words: Vec<String>,
    /// The seller's or the buyer's organization.
    pub organization_id: Option<Uuid>,
    /// Where the page starts in the lookup's order.
    pub offset: i64,
}

impl Lookup {
    pub fn is_empty(&self) -> bool {
        self.registration_number.is_none()
            && self.words.is_empty()
            && self.organization_id.is_none()
    }
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
    lookup: &Lookup,
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
    if let Some(n) = &lookup.registration_number {
        let p = w.arg(Arg::Text(n.clone()));
        w.and(format!("registration_number = {p}"));
    }
    for word in &lookup.words {
        let p = w.arg(Arg::Text(format!("%{}%", like_escaped(word))));
        w.and(format!("search_text LIKE {p} ESCAPE '\\'"));
    }
    if let Some(org) = lookup.organization_id {
        let p = w.arg(Arg::Uuid(org));
        w.and(format!(
            "(seller_organization_id = {p} OR buyer_organization_id = {p})"
        ));
    }
    let sql = if lookup.is_empty() {
        if let Some(b) = before {
            let p = w.arg(Arg::Uuid(b));
            w.and(format!("id < {p}"));
        }
        let p = w.arg(Arg::I64(limit));
        format!(
            "SELECT id, version, doc FROM {TABLE} WHERE {} ORDER BY id DESC LIMIT {p}",
            w.sql()
        )
    } else {
        let p = w.arg(Arg::I64(limit));
        let o = w.arg(Arg::I64(lookup.offset));
        format!(
            "SELECT id, version, doc FROM {TABLE} WHERE {} \
             ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id DESC LIMIT {p} OFFSET {o}",
            w.sql()
        )
    };
    let rows = conn.fetch_all(&sql, &w.args).await?;
    rows.iter().map(doc::from_row).collect()
}

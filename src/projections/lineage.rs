//! The lineage of a listing: what the read models hold that follows from it, each read by the
//! listing's id in one indexed query (verification runs, negotiations, contracts, ownership
//! grants with their distributions), the demands it answered in one more, and its TRL changes
//! from its own stream. Rows as stored, unfiltered: the HTTP layer decides what a caller sees.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::contract_stats::{self, ContractRow};
use super::demand_board::{self, DemandRow};
use super::doc;
use super::listing_catalogue::{self, ListingRow};
use super::negotiation_board::{self, NegotiationRow};
use super::ownership_register::{self, GrantRow};
use super::verification_queue::{self, VerificationRow};
use crate::domain::listing::{ListingEvent, Trl};
use crate::domain::Recorded;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

/// Everything found for one listing (or for a contract that names none).
pub struct Chain {
    /// The listing the chain was looked up by; `None` for a contract that names none.
    pub listing_id: Option<Uuid>,
    /// `None` also when the named listing does not exist.
    pub listing: Option<ListingRow>,
    pub trl_changes: Vec<TrlChange>,
    pub verifications: Vec<VerificationRow>,
    pub negotiations: Vec<NegotiationRow>,
    pub contracts: Vec<ContractRow>,
    pub grants: Vec<GrantRow>,
    /// Demands a negotiation or contract of the chain answered, and open calls the listing won.
    pub demands: Vec<DemandRow>,
}

/// How the listing's TRL came to be what it is, one step at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrlChange {
    pub at: DateTime<Utc>,
    /// `None` for the TRL the listing was created with.
    pub from: Option<Trl>,
    pub to: Trl,
    pub cause: TrlCause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrlCause {
    Created,
    /// The owner's revision of a draft.
    Revised,
    /// A completed verification run, by the TRL policy.
    Verification(Uuid),
    /// Set by hand on a published listing.
    Correction,
}

impl Chain {
    /// A contract that names no listing: the chain is the contract alone.
    pub fn of_contract(contract: ContractRow) -> Chain {
        Chain {
            listing_id: None,
            listing: None,
            trl_changes: Vec::new(),
            verifications: Vec::new(),
            negotiations: Vec::new(),
            contracts: vec![contract],
            grants: Vec::new(),
            demands: Vec::new(),
        }
    }
}

/// The chain of `listing_id`, whether or not the listing itself exists.
pub async fn of_listing(conn: &mut Conn<'_>, listing_id: Uuid) -> Result<Chain, StoreError> {
    let listing = listing_catalogue::get(conn, listing_id).await?;
    around(conn, listing_id, listing).await
}

/// The chain of a listing the caller has read already (to decide a 404 first).
pub async fn of_listing_row(conn: &mut Conn<'_>, listing: ListingRow) -> Result<Chain, StoreError> {
    around(conn, listing.id, Some(listing)).await
}

async fn around(
    conn: &mut Conn<'_>,
    listing_id: Uuid,
    listing: Option<ListingRow>,
) -> Result<Chain, StoreError> {
    let trl_changes = trl_changes(conn, listing_id).await?;
    let verifications = by_listing(conn, verification_queue::TABLE, listing_id).await?;
    let negotiations: Vec<NegotiationRow> =
        by_listing(conn, negotiation_board::TABLE, listing_id).await?;
    let contracts: Vec<ContractRow> = by_listing(conn, contract_stats::TABLE, listing_id).await?;
    let grants = by_listing(conn, ownership_register::TABLE, listing_id).await?;
    let answered: Vec<Uuid> = negotiations
        .iter()
        .filter_map(|n| n.data.demand_id)
        .chain(contracts.iter().filter_map(|c| c.data.content.demand_id))
        .collect();
    let demands = demands(conn, listing_id, answered).await?;
    Ok(Chain {
        listing_id: Some(listing_id),
        listing,
        trl_changes,
        verifications,
        negotiations,
        contracts,
        grants,
        demands,
    })
}

/// Rows of a document read model whose `listing_id` column is `listing_id`, oldest first.
async fn by_listing<T: DeserializeOwned>(
    conn: &mut Conn<'_>,
    table: &str,
    listing_id: Uuid,
) -> Result<Vec<doc::DocRow<T>>, StoreError> {
    let sql = format!("SELECT id, version, doc FROM {table} WHERE listing_id = $1 ORDER BY id");
    let rows = conn.fetch_all(&sql, &[Arg::Uuid(listing_id)]).await?;
    rows.iter().map(doc::from_row).collect()
}

/// The demands in `answered` and the open calls `listing_id` won, each once, oldest first.
async fn demands(
    conn: &mut Conn<'_>,
    listing_id: Uuid,
    mut answered: Vec<Uuid>,
) -> Result<Vec<DemandRow>, StoreError> {
    let won = conn
        .fetch_all(
            &format!(
                "SELECT id, version, doc FROM {} WHERE winning_listing_id = $1",
                demand_board::TABLE
            ),
            &[Arg::Uuid(listing_id)],
        )
        .await?;
    let mut out: Vec<DemandRow> = won.iter().map(doc::from_row).collect::<Result<_, _>>()?;
    answered.sort();
    answered.dedup();
    answered.retain(|id| !out.iter().any(|d| d.id == *id));
    out.extend(demand_board::get_many(conn, &answered).await?);
    out.sort_by_key(|d| d.id);
    Ok(out)
}

/// The TRL at creation and every change since, from the listing's own events: no read model
/// keeps the past values, and a listing has few events.
async fn trl_changes(conn: &mut Conn<'_>, listing_id: Uuid) -> Result<Vec<TrlChange>, StoreError> {
    let rows = conn
        .fetch_all(
            "SELECT payload FROM event_log WHERE aggregate_type = 'listing' AND aggregate_id = $1 \
             AND event_type IN ('created', 'revised', 'trl_revised') ORDER BY version",
            &[Arg::Uuid(listing_id)],
        )
        .await?;
    let mut out: Vec<TrlChange> = Vec::new();
    for r in &rows {
        let Recorded { at, event, .. } = r.json::<Recorded<ListingEvent>>("payload")?;
        let last = out.last().map(|c| c.to);
        let (from, to, cause) = match event {
            ListingEvent::Created { content, .. } => (None, content.trl, TrlCause::Created),
            ListingEvent::Revised { content } if Some(content.trl) != last => {
                (last, content.trl, TrlCause::Revised)
            }
            ListingEvent::TrlRevised { from, to, source } => (
                Some(from),
                to,
                source.map_or(TrlCause::Correction, TrlCause::Verification),
            ),
            _ => continue,
        };
        out.push(TrlChange {
            at,
            from,
            to,
            cause,
        });
    }
    Ok(out)
}

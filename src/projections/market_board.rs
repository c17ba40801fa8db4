//! Market sales as a read model: each sale's phase and when it is due to close (the end of its
//! listing period or of its auction), for the sweep that closes them, and the sales of a
//! listing.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::doc::{self, DocRow};
use super::fold::DocModel;
use crate::domain::market_sale::{MarketSale, MarketSaleState, SaleData, SaleEvent, SalePhase};
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub const TABLE: &str = "market_sale_view";

pub struct MarketBoard;

/// When a sale in `s`'s phase is next due to be closed, if it is open at all.
fn due_at(s: &SaleData) -> Option<DateTime<Utc>> {
    match s.phase {
        SalePhase::ListedOpen => s.period_ends_at,
        SalePhase::Auction => s.ends_at,
        SalePhase::Sold | SalePhase::Unsold => None,
    }
}

impl DocModel for MarketBoard {
    type Aggregate = MarketSale;
    type Event = SaleEvent;
    type Data = SaleData;
    const NAME: &'static str = "market_board";
    const TABLE: &'static str = TABLE;
    const TABLES: &'static [&'static str] = &[TABLE];
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "version",
        "phase",
        "listing_id",
        "due_at",
        "updated_at",
        "doc",
    ];

    fn state(sale: Option<SaleData>) -> MarketSaleState {
        MarketSaleState { sale }
    }

    fn data(state: MarketSaleState) -> Option<SaleData> {
        state.sale
    }

    fn values(s: &SaleData) -> Result<Vec<Arg>, StoreError> {
        Ok(vec![
            Arg::Text(s.phase.as_str().into()),
            Arg::Uuid(s.listing_id),
            Arg::OptTime(due_at(s)),
            Arg::Time(s.updated_at),
            Arg::Json(serde_json::to_value(s)?),
        ])
    }
}

pub type SaleRow = DocRow<SaleData>;

/// The open sales whose period or auction has ended by `now`: the sweep closes them.
pub async fn due_for_close(
    conn: &mut Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    conn.fetch_all(
        "SELECT id FROM market_sale_view WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT 500",
        &[Arg::Time(now)],
    )
    .await?
    .iter()
    .map(|r| Ok(r.uuid("id")?))
    .collect()
}

/// A listing's sales, newest first.
pub async fn of_listing(conn: &mut Conn<'_>, listing: Uuid) -> Result<Vec<SaleRow>, StoreError> {
    conn.fetch_all(
        "SELECT id, version, doc FROM market_sale_view WHERE listing_id = $1 ORDER BY id DESC LIMIT 100",
        &[Arg::Uuid(listing)],
    )
    .await?
    .iter()
    .map(doc::from_row)
    .collect()
}

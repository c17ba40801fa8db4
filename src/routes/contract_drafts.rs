//! The body of a contract registration (`POST /contracts`) pre-filled from a deal: an agreed
//! negotiation or a sold market sale. Type and price from the deal, parties from their
//! organizations, title, field and IP kinds from the listing; what nobody can know yet (the
//! technology amount, exact dates, a party without an organization) is the best guess, to be
//! reviewed before submitting.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::calendar::china_date;
use crate::error::AppError;
use crate::projections::listing_catalogue;
use crate::state::AppState;
use crate::store::accounts;

/// What a deal says of the contract it leads to.
pub(super) struct Deal<'a> {
    pub contract_type: &'a str,
    pub contract_subtype: Option<&'a str>,
    pub price_fen: i64,
    pub term_months: u32,
    pub listing_id: Uuid,
    pub seller_organization_id: Option<Uuid>,
    pub buyer_organization_id: Option<Uuid>,
}

/// The draft, as a JSON object the caller may add its own links to.
pub(super) async fn draft(state: &AppState, deal: Deal<'_>) -> Result<Value, AppError> {
    let mut rc = state.db.read().await?;
    let listing = listing_catalogue::get(&mut rc.conn(), deal.listing_id)
        .await?
        .map(|l| l.data);
    let seller = party(&mut rc, deal.seller_organization_id).await?;
    let buyer = party(&mut rc, deal.buyer_organization_id).await?;
    let today = china_date(state.clock.now());
    let until = today
        .checked_add_months(chrono::Months::new(deal.term_months))
        .unwrap_or(today);
    Ok(json!({
        "taxonomy": crate::domain::contract::TAXONOMY,
        "contract_type": deal.contract_type,
        "contract_subtype": deal.contract_subtype,
        "title": listing.as_ref().map(|l| l.content.title.as_str().to_string()).unwrap_or_default(),
        "seller": seller,
        "buyer": buyer,
        "signing_date": today,
        "validity_start": today,
        "validity_end": until,
        "contract_amount_fen": deal.price_fen,
        "technology_amount_fen": deal.price_fen,
        "field": listing.as_ref().map(|l| l.content.field.as_str().to_string()).unwrap_or_default(),
        "ip_kinds": listing.as_ref().map(|l| l.ip_kind_codes()).unwrap_or_default(),
        "listing_id": deal.listing_id,
    }))
}

/// A contract party as far as its organization tells; blank where it has none.
async fn party(rc: &mut crate::store::ReadConn, org_id: Option<Uuid>) -> Result<Value, AppError> {
    let org = match org_id {
        Some(id) => accounts::organization(&mut rc.conn(), id).await?,
        None => None,
    };
    Ok(json!({
        "organization_id": org_id,
        "name": org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        "party_nature": org.as_ref().map(|o| o.party_nature.clone()).unwrap_or_default(),
        "region": org.as_ref().map(|o| o.region.clone()).unwrap_or_default(),
        "zone": org.as_ref().and_then(|o| o.zone.clone()),
    }))
}

//! The body of a contract registration (`POST /contracts`) pre-filled from a deal: an agreed
//! negotiation or a sold market sale. Type and price from the deal, title, field and IP kinds
//! from the listing; what nobody can know yet (the technology amount, exact dates) is the best
//! guess, to be reviewed before submitting.
//!
//! The draft must be submittable as it stands, so every party is complete: a party with an
//! organization is that organization; a person without one (a researcher or an enterprise user
//! who joined none) is an individual (个人) under their own name, placed in the listing's region
//! for want of a better guess. The seller of a job-related listing (职务科技成果) is its
//! institution, which owns it, whoever negotiated; its technology-transfer office sees the draft.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::calendar::china_date;
use crate::domain::Actor;
use crate::error::AppError;
use crate::projections::listing_catalogue;
use crate::state::AppState;
use crate::store::accounts;

/// The party nature of a natural person (个人) in `party_natures.csv`.
const INDIVIDUAL: &str = "400";

/// What a deal says of the contract it leads to.
pub(super) struct Deal<'a> {
    pub contract_type: &'a str,
    pub contract_subtype: Option<&'a str>,
    pub price_fen: i64,
    pub term_months: u32,
    pub listing_id: Uuid,
    /// The person who sold (the listing's owner), and the organization they sold for.
    pub seller_id: Uuid,
    pub seller_organization_id: Option<Uuid>,
    pub buyer_id: Uuid,
    pub buyer_organization_id: Option<Uuid>,
}

/// The draft, as a JSON object the caller may add its own links to.
pub(super) async fn draft(state: &AppState, deal: Deal<'_>) -> Result<Value, AppError> {
    let mut rc = state.db.read().await?;
    let listing = listing_catalogue::get(&mut rc.conn(), deal.listing_id)
        .await?
        .map(|l| l.data);
    let seller_organization_id = listing
        .as_ref()
        .and_then(|l| l.content.institution_id)
        .or(deal.seller_organization_id);
    let region = listing
        .as_ref()
        .map(|l| l.content.region.as_str().to_string())
        .unwrap_or_default();
    let seller = party(&mut rc, seller_organization_id, deal.seller_id, &region).await?;
    let buyer = party(&mut rc, deal.buyer_organization_id, deal.buyer_id, &region).await?;
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

/// A contract party: the organization when there is one, otherwise the person as an individual,
/// placed in `region`.
async fn party(
    rc: &mut crate::store::ReadConn,
    org_id: Option<Uuid>,
    person: Uuid,
    region: &str,
) -> Result<Value, AppError> {
    let org = match org_id {
        Some(id) => accounts::organization(&mut rc.conn(), id).await?,
        None => None,
    };
    if let Some(org) = org {
        return Ok(json!({
            "organization_id": org.id,
            "name": org.name,
            "party_nature": org.party_nature,
            "region": org.region,
            "zone": org.zone,
        }));
    }
    let name = accounts::user_by_id(&mut rc.conn(), person)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    Ok(json!({
        "organization_id": null,
        "name": name,
        "party_nature": INDIVIDUAL,
        "region": region,
        "zone": null,
    }))
}

/// Whether `actor` is the technology-transfer office (`institution_admin`) of the institution
/// that owns the job-related listing: the office speaks for the seller of its institution's
/// deals, so it reads their drafts as the parties do.
pub(super) async fn is_institution_office(
    state: &AppState,
    listing_id: Uuid,
    actor: &Actor,
) -> Result<bool, AppError> {
    let listing = listing_catalogue::get(&mut state.db.read().await?.conn(), listing_id).await?;
    Ok(listing.is_some_and(|l| l.data.is_institution_admin(actor)))
}

#[cfg(test)]
mod tests {
    use super::INDIVIDUAL;

    #[test]
    fn the_individual_nature_is_the_one_of_party_natures_csv() {
        let csv = include_str!("../../migrations/reference/party_natures.csv");
        let row = csv
            .lines()
            .find(|l| l.starts_with(&format!("{INDIVIDUAL},")))
            .expect("the code is in party_natures.csv");
        assert!(row.contains("个人") && row.contains("Individual"), "{row}");
    }
}

//! One achievement from listing to money (`GET /listings/{id}/lineage`, and the same document
//! from one of its contracts or ownership grants): the listing and its TRL history, verification
//! runs, demands answered, negotiations, contracts with amendments and payments, grants and each
//! payment's distribution. Each item follows its own resource's visibility rule; what the caller
//! may not see is left out and only counted.

mod items;

use actix_web::{web, HttpResponse};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::domain::Actor;
use crate::error::AppError;
use crate::projections::contract_stats;
use crate::projections::demand_board::DemandRow;
use crate::projections::lineage::{self, Chain};
use crate::projections::listing_catalogue;
use crate::projections::ownership_register::{self, GrantRow};
use crate::state::AppState;
use items::{
    href, AnswerLink, ContractItem, DemandItem, DistributionItem, GrantItem, ListingItem,
    NegotiationItem, VerificationItem,
};

/// The listing's own lineage: 404 when the caller may not see the listing.
pub(super) async fn of_listing(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let viewer = auth.0;
    let mut rc = state.db.read().await?;
    let listing = listing_catalogue::get(&mut rc.conn(), path.into_inner())
        .await?
        .filter(|l| l.data.is_visible_to(viewer.as_ref()))
        .ok_or(AppError::NotFound)?;
    let chain = lineage::of_listing_row(&mut rc.conn(), listing).await?;
    Ok(HttpResponse::Ok().json(document(&chain, viewer.as_ref())))
}

/// The lineage of the contract's listing (or of the contract alone when it names none); 404
/// when the caller may not see the contract.
pub(super) async fn of_contract(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut rc = state.db.read().await?;
    let row = contract_stats::get(&mut rc.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    let chain = match row.data.content.listing_id {
        Some(listing) => lineage::of_listing(&mut rc.conn(), listing).await?,
        None => Chain::of_contract(row),
    };
    Ok(HttpResponse::Ok().json(document(&chain, Some(&auth.0))))
}

/// The lineage of the grant's listing; 404 when the caller may not see the grant.
pub(super) async fn of_grant(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut rc = state.db.read().await?;
    let row = ownership_register::get(&mut rc.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    let chain = lineage::of_listing(&mut rc.conn(), row.data.listing_id).await?;
    Ok(HttpResponse::Ok().json(document(&chain, Some(&auth.0))))
}

#[derive(Serialize)]
struct Lineage {
    listing: Option<ListingItem>,
    /// The listing exists but the caller, who came from a contract or grant, may not see it.
    listing_hidden: bool,
    verification_runs: Section<VerificationItem>,
    demands: Section<DemandItem>,
    negotiations: Section<NegotiationItem>,
    contracts: Section<ContractItem>,
    ownership_grants: Section<GrantItem>,
    distributions: Section<DistributionItem>,
}

/// The items the caller may see, oldest first, and how many others there are (no more).
#[derive(Serialize)]
struct Section<T> {
    items: Vec<T>,
    hidden: usize,
}

impl<T> Section<T> {
    fn of<R>(rows: &[R], show: impl Fn(&R) -> Option<T>) -> Self {
        let items: Vec<T> = rows.iter().filter_map(show).collect();
        Section {
            hidden: rows.len() - items.len(),
            items,
        }
    }
}

/// The chain as `viewer` may see it: every item by the rule of its own resource (the same
/// `is_visible_to` its `GET` answers 404 by).
fn document(chain: &Chain, viewer: Option<&Actor>) -> Lineage {
    let listing = chain.listing.as_ref();
    let visible = listing.filter(|l| l.data.is_visible_to(viewer));
    Lineage {
        listing: visible.map(|l| items::listing(l, &chain.trl_changes)),
        listing_hidden: listing.is_some() && visible.is_none(),
        verification_runs: Section::of(&chain.verifications, |r| {
            r.data.is_visible_to(viewer).then(|| items::verification(r))
        }),
        demands: Section::of(&chain.demands, |d| demand(d, chain, viewer)),
        negotiations: Section::of(&chain.negotiations, |r| {
            r.data.is_visible_to(viewer).then(|| items::negotiation(r))
        }),
        contracts: Section::of(&chain.contracts, |r| {
            r.data.is_visible_to(viewer).then(|| items::contract(r))
        }),
        ownership_grants: Section::of(&chain.grants, |r| {
            r.data.is_visible_to(viewer).then(|| items::grant(r))
        }),
        distributions: distributions(&chain.grants, viewer),
    }
}

/// A demand with the links to it the caller may see: the negotiations and contracts that
/// answered it, and the listing's selected application to it (which only the demand's owner and
/// the applicant may read). A demand with no link in sight is hidden, however public it is.
fn demand(d: &DemandRow, chain: &Chain, viewer: Option<&Actor>) -> Option<DemandItem> {
    if !d.data.is_visible_to(viewer) {
        return None;
    }
    let negotiations = chain
        .negotiations
        .iter()
        .filter(|n| n.data.demand_id == Some(d.id) && n.data.is_visible_to(viewer))
        .map(|n| AnswerLink {
            via: "negotiation",
            id: n.id,
            href: href("negotiations", n.id),
            at: n.data.created_at,
        });
    let contracts = chain
        .contracts
        .iter()
        .filter(|c| c.data.content.demand_id == Some(d.id) && c.data.is_visible_to(viewer))
        .map(|c| AnswerLink {
            via: "contract",
            id: c.id,
            href: href("contracts", c.id),
            at: c.data.created_at,
        });
    let won = d
        .data
        .winner
        .and_then(|w| {
            let mine = d.data.applications_visible_to(viewer);
            mine.into_iter().find(|a| a.id == w)
        })
        .filter(|a| a.listing_id.is_some() && a.listing_id == chain.listing_id)
        .map(|a| AnswerLink {
            via: "open_call",
            id: a.id,
            href: format!("/api/v1/demands/{}/applications/{}", d.id, a.id),
            at: a.applied_at,
        });
    let links: Vec<AnswerLink> = negotiations.chain(contracts).chain(won).collect();
    (!links.is_empty()).then(|| items::demand(d, links))
}

/// Who was paid what follows the grant's rule (`GrantData::may_see_money`: its parties,
/// platform admins, statisticians once public); a grant out of sight hides its distributions too.
fn distributions(grants: &[GrantRow], viewer: Option<&Actor>) -> Section<DistributionItem> {
    let mut section = Section {
        items: Vec::new(),
        hidden: 0,
    };
    for g in grants {
        let d = &g.data;
        if viewer.is_some_and(|v| d.is_visible_to(Some(v)) && d.may_see_money(v)) {
            section.items.extend(items::distributions(g));
        } else {
            section.hidden += d.distributions.len();
        }
    }
    section
}

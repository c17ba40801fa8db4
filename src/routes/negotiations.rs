//! Negotiations (洽谈) between a listing's owner and an enterprise, optionally brokered: NDA,
//! offers and counter-offers, agreement (whose terms a contract registration will start from),
//! abandonment; each participant's list.

use actix_web::{web, HttpResponse, HttpResponseBuilder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{self, Action, On, Resource};
use super::contract_drafts;
use crate::auth::Authenticated;
use crate::domain::negotiation::{
    AbandonReason, Negotiation, NegotiationAction, NegotiationData, NegotiationState,
    NegotiationStatus, Side, Terms, TermsInput,
};
use crate::domain::{Actor, Role};
use crate::error::AppError;
use crate::http::{decode_cursor, etag, page_limit, Body, Page, Query};
use crate::projections::negotiation_board::{self, NegotiationRow};
use crate::projections::{demand_board, listing_catalogue};
use crate::state::AppState;
use crate::store::accounts;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};

#[derive(Serialize)]
struct View<'a> {
    id: Uuid,
    version: i32,
    #[serde(flatten)]
    data: &'a NegotiationData,
    nda_complete: bool,
    /// The accepted offer's terms: what a contract registration is pre-filled from.
    agreed_terms: Option<&'a Terms>,
}

fn view(id: Uuid, version: i32, data: &NegotiationData) -> View<'_> {
    View {
        id,
        version,
        data,
        nda_complete: data.nda_complete(),
        agreed_terms: data.agreed_terms(),
    }
}

impl Resource for Negotiation {
    const PATH: &'static str = "/api/v1/negotiations";

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self> {
        &aggregates.negotiations
    }

    fn view(
        _: &AppState,
        _: &Actor,
        loaded: &Loaded<NegotiationState>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        let data = loaded
            .state
            .negotiation
            .as_ref()
            .ok_or(AppError::NotFound)?;
        Ok(out.json(view(loaded.id, loaded.version, data)))
    }
}

impl Action for NegotiationAction {
    type Of = Negotiation;
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OpenInput {
    listing_id: Uuid,
    #[serde(default)]
    demand_id: Option<Uuid>,
    #[serde(default)]
    message: String,
}

/// An enterprise opens a negotiation on a published listing; its owner is the seller.
pub(super) async fn open(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<OpenInput>,
) -> Result<HttpResponse, AppError> {
    let actor = *auth.require(&[Role::Enterprise])?;
    let OpenInput {
        listing_id,
        demand_id,
        message,
    } = body.value;
    let mut rc = state.db.read().await?;
    let listing = match listing_catalogue::get(&mut rc.conn(), listing_id).await? {
        Some(l) if l.data.status == crate::domain::listing::ListingStatus::Published => l.data,
        _ => {
            return Err(AppError::invalid(
                "listing_id",
                "must be a published listing",
            ))
        }
    };
    if let Some(d) = demand_id {
        match demand_board::get(&mut rc.conn(), d).await? {
            Some(row) if row.data.owner_id == actor.user_id => {}
            _ => {
                return Err(AppError::invalid(
                    "demand_id",
                    "must be one of your demands",
                ))
            }
        }
    }
    drop(rc);
    let action = NegotiationAction::Open {
        listing_id,
        demand_id,
        seller_id: listing.owner_id,
        seller_organization_id: listing.owner_organization_id,
        message,
    };
    command::create(&state, actor, Uuid::now_v7(), action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    state: Option<NegotiationStatus>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The caller's negotiations: as buyer, seller or broker.
pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.0;
    let limit = page_limit(q.limit)?;
    let before = decode_cursor(q.cursor.as_deref())?;
    let status = q.state.map(|s| s.as_str());
    let rows = negotiation_board::mine(
        &mut state.db.read().await?.conn(),
        &auth.0,
        status,
        before,
        limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |r: &NegotiationRow| r.id, |r| r);
    let items: Vec<_> = page
        .items
        .iter()
        .map(|r| view(r.id, r.version, &r.data))
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

pub(super) async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = negotiation_board::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row.id, row.version, &row.data)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BrokerInput {
    broker_id: Uuid,
}

pub(super) async fn broker(on: On, body: Body<BrokerInput>) -> Result<HttpResponse, AppError> {
    let broker_id = body.value.broker_id;
    let user = accounts::user_by_id(&mut on.state.db.read().await?.conn(), broker_id).await?;
    let broker_is_tech_manager = user.is_some_and(|u| u.role == Role::TechManager);
    on.run(NegotiationAction::AssignBroker {
        broker_id,
        broker_is_tech_manager,
    })
    .await
}

pub(super) async fn nda(on: On) -> Result<HttpResponse, AppError> {
    on.run(NegotiationAction::SignNda).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OfferInput {
    terms: TermsInput,
    #[serde(default)]
    on_behalf_of: Option<Side>,
}

pub(super) async fn offer(on: On, body: Body<OfferInput>) -> Result<HttpResponse, AppError> {
    let OfferInput {
        terms,
        on_behalf_of,
    } = body.value;
    // Visibility before content: a caller who may not see the negotiation learns nothing.
    let offered_modes = visible(&on.state, on.id, &on.actor()).await?;
    let terms = Terms::parse(terms, &on.state.refs).map_err(|e| match e {
        // Field paths are relative to the terms object of the body.
        crate::domain::DomainError::Invalid(errors) => AppError::Unprocessable(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = format!("terms.{}", f.field);
                    f
                })
                .collect(),
        ),
        other => AppError::Domain(other),
    })?;
    let action = NegotiationAction::MakeOffer {
        offer_id: Uuid::now_v7(),
        terms,
        on_behalf_of,
        offered_modes,
    };
    on.run(action).await
}

/// 404 unless `actor` may see negotiation `id`; otherwise the transfer modes its listing offers,
/// which an offer's terms must fall under.
async fn visible(
    state: &AppState,
    id: Uuid,
    actor: &Actor,
) -> Result<Vec<crate::domain::listing::TransferMode>, AppError> {
    let mut rc = state.db.read().await?;
    let listing_id = match negotiation_board::get(&mut rc.conn(), id).await? {
        Some(row) if row.data.is_visible_to(Some(actor)) => row.data.listing_id,
        _ => return Err(AppError::NotFound),
    };
    let listing = listing_catalogue::get(&mut rc.conn(), listing_id).await?;
    Ok(listing
        .map(|l| l.data.content.transfer_modes)
        .unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AcceptInput {
    offer_id: Uuid,
}

pub(super) async fn accept(on: On, body: Body<AcceptInput>) -> Result<HttpResponse, AppError> {
    on.run(NegotiationAction::AcceptOffer {
        offer_id: body.value.offer_id,
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AbandonInput {
    reason: AbandonReason,
    #[serde(default)]
    note: Option<String>,
}

pub(super) async fn abandon(on: On, body: Body<AbandonInput>) -> Result<HttpResponse, AppError> {
    let AbandonInput { reason, note } = body.value;
    on.run(NegotiationAction::Abandon { reason, note }).await
}

/// `GET /negotiations/{id}/contract-draft`: the registration an agreed negotiation leads to,
/// pre-filled from its terms (see `contract_drafts`), with its broker, demand and itself.
pub(super) async fn contract_draft(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = negotiation_board::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    let n = &row.data;
    // The parties and the broker, and the office of the institution that owns the listing.
    if !n.is_visible_to(Some(&auth.0))
        && !contract_drafts::is_institution_office(&state, n.listing_id, &auth.0).await?
    {
        return Err(AppError::NotFound);
    }
    let terms = n.agreed_terms().ok_or_else(|| {
        AppError::Conflict("only an agreed negotiation has terms to register".into())
    })?;
    let mut draft = contract_drafts::draft(
        &state,
        contract_drafts::Deal {
            contract_type: &terms.contract_type,
            contract_subtype: terms.contract_subtype.as_deref(),
            price_fen: terms.price_fen,
            term_months: terms.term_months,
            listing_id: n.listing_id,
            seller_id: n.seller_id,
            seller_organization_id: n.seller_organization_id,
            buyer_id: n.buyer_id,
            buyer_organization_id: n.buyer_organization_id,
        },
    )
    .await?;
    if let Some(o) = draft.as_object_mut() {
        o.insert("broker_id".into(), serde_json::json!(n.broker_id));
        o.insert("negotiation_id".into(), serde_json::json!(row.id));
        o.insert("demand_id".into(), serde_json::json!(n.demand_id));
    }
    Ok(HttpResponse::Ok().json(draft))
}

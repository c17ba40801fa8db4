//! Market sales (挂牌 and 拍卖) over HTTP: opening one on a listing, applications, bidders,
//! bids, the close, relisting, and the contract draft of a deal.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{self, Action, Resource};
use super::contract_drafts;
use crate::auth::Authenticated;
use crate::domain::listing::{ListingStatus, PricingMode};
use crate::domain::market_sale::{
    AuctionRules, AuctionRulesInput, ListingFacts, MarketSale, MarketSaleState, SaleAction,
    SaleData,
};
use crate::domain::{Actor, Command, Visibility};
use crate::error::AppError;
use crate::http::Body;
use crate::projections::{listing_catalogue, market_board};
use crate::state::AppState;
use crate::store::aggregates::CommandError;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};
use crate::store::StoreError;

/// How many times a command that lost a race for the sale's stream is decided again on the
/// new state: bids arrive together at the close, and each must be judged, not bounced.
const RACE_RETRIES: usize = 64;

impl Resource for MarketSale {
    const PATH: &'static str = "/api/v1/market-sales";

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self> {
        &aggregates.market_sales
    }

    fn view(
        _: &AppState,
        viewer: &Actor,
        loaded: &Loaded<MarketSaleState>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        let sale = loaded.state.sale.as_ref().ok_or(AppError::NotFound)?;
        Ok(out.json(View {
            id: loaded.id,
            version: loaded.version,
            sale: sale.view_for(viewer),
        }))
    }
}

impl Action for SaleAction {
    type Of = MarketSale;
}

#[derive(Serialize)]
struct View {
    id: Uuid,
    version: i32,
    #[serde(flatten)]
    sale: SaleData,
}

/// Runs `action` on sale `id` as `actor`, deciding again when another command appended first.
/// Not [`command::On::run`]: sale routes take no `If-Match`, and a lost race is decided again
/// rather than answered.
async fn run(
    state: &AppState,
    actor: Actor,
    id: Uuid,
    action: SaleAction,
) -> Result<HttpResponse, AppError> {
    let mut attempt = 0;
    let loaded = loop {
        let command = Command::new(actor, state.clock.now(), action.clone());
        match state
            .aggregates
            .market_sales
            .execute_visible(id, None, command)
            .await
        {
            Err(CommandError::Store(StoreError::Conflict | StoreError::Invariant(_)))
                if attempt < RACE_RETRIES =>
            {
                attempt += 1
            }
            outcome => break outcome?,
        }
    };
    command::respond::<MarketSale>(state, &actor, StatusCode::OK, &loaded)
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum OpenBody {
    Listed {
        price_fen: i64,
        period_days: u32,
        #[serde(default)]
        deposit_fen: Option<i64>,
        auction: AuctionRulesInput,
    },
    Auction {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        auction: AuctionRulesInput,
    },
}

/// `POST /listings/{id}/market-sales`: the listing put up at a price, or for auction.
pub(super) async fn open(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<OpenBody>,
) -> Result<HttpResponse, AppError> {
    let listing_id = path.into_inner();
    let row = listing_catalogue::get(&mut state.db.read().await?.conn(), listing_id)
        .await?
        .filter(|l| l.data.is_visible_to(Some(&auth.0)))
        .ok_or(AppError::NotFound)?;
    let l = &row.data;
    let facts = ListingFacts {
        listing_id,
        owner_id: l.owner_id,
        organization_id: l.content.institution_id.or(l.owner_organization_id),
        published: l.status == ListingStatus::Published,
        pricing_mode: match l.content.pricing_mode {
            PricingMode::Negotiated => "negotiated",
            PricingMode::Listed => "listed",
            PricingMode::Auction => "auction",
        }
        .to_string(),
        job_related: l.content.job_related,
    };
    let action = match body.value {
        OpenBody::Listed {
            price_fen,
            period_days,
            deposit_fen,
            auction,
        } => SaleAction::OpenListed {
            listing: facts,
            price_fen,
            period_days,
            deposit_fen,
            rules: prefixed(AuctionRules::parse(auction, Some(price_fen)))?,
        },
        OpenBody::Auction {
            starts_at,
            ends_at,
            auction,
        } => SaleAction::OpenAuction {
            listing: facts,
            starts_at,
            ends_at,
            rules: prefixed(AuctionRules::parse(auction, None))?,
        },
    };
    command::create(&state, auth.0, Uuid::now_v7(), action).await
}

/// The rules' fields are under `auction` in the body.
fn prefixed<T>(r: Result<T, crate::domain::DomainError>) -> Result<T, AppError> {
    r.map_err(|e| match e {
        crate::domain::DomainError::Invalid(errors) => AppError::Unprocessable(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = format!("auction.{}", f.field);
                    f
                })
                .collect(),
        ),
        other => other.into(),
    })
}

pub(super) async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let loaded = state
        .aggregates
        .market_sales
        .load(path.into_inner())
        .await?
        .filter(|l| l.state.is_visible_to(&auth.0))
        .ok_or(AppError::NotFound)?;
    command::respond::<MarketSale>(&state, &auth.0, StatusCode::OK, &loaded)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct ApplyBody {
    #[serde(default)]
    deposit_fen: Option<i64>,
}

pub(super) async fn apply(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<ApplyBody>,
) -> Result<HttpResponse, AppError> {
    let action = SaleAction::Apply {
        deposit_fen: body.value.deposit_fen,
    };
    run(&state, auth.0, path.into_inner(), action).await
}

pub(super) async fn register_bidder(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    run(
        &state,
        auth.0,
        path.into_inner(),
        SaleAction::RegisterBidder,
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BidBody {
    amount_fen: i64,
    /// The client's id for the bid: sending the same bid twice places it once.
    #[serde(default)]
    bid_id: Option<Uuid>,
}

pub(super) async fn bid(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<BidBody>,
) -> Result<HttpResponse, AppError> {
    let action = SaleAction::Bid {
        bid_id: body.value.bid_id.unwrap_or_else(Uuid::now_v7),
        amount_fen: body.value.amount_fen,
    };
    run(&state, auth.0, path.into_inner(), action).await
}

pub(super) async fn close(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let action = SaleAction::Close {
        notice_days: state.settings.price_notice_days,
    };
    run(&state, auth.0, path.into_inner(), action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RelistBody {
    price_fen: i64,
    period_days: u32,
}

pub(super) async fn relist(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<RelistBody>,
) -> Result<HttpResponse, AppError> {
    let action = SaleAction::Relist {
        price_fen: body.value.price_fen,
        period_days: body.value.period_days,
    };
    run(&state, auth.0, path.into_inner(), action).await
}

/// `GET /market-sales/{id}/contract-draft`: a sold sale's contract registration, pre-filled as
/// an agreed negotiation's is (see `contract_drafts`): a transfer at the deal's price.
pub(super) async fn contract_draft(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let loaded = state
        .aggregates
        .market_sales
        .load(path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    let sale = loaded.state.sale.as_ref().ok_or(AppError::NotFound)?;
    let deal = sale
        .deal
        .as_ref()
        .ok_or_else(|| AppError::Conflict("only a sold sale has a deal to register".into()))?;
    let actor = auth.0;
    let party = sale.is_seller(&actor)
        || actor.user_id == deal.buyer_id
        || actor.organization_id == Some(deal.buyer_organization_id);
    if !party {
        return Err(AppError::NotFound);
    }
    // A market sale sells the listing's rights outright, for a year's term to review.
    let draft = contract_drafts::draft(
        &state,
        contract_drafts::Deal {
            contract_type: "transfer",
            contract_subtype: Some("patent_right"),
            price_fen: deal.price_fen,
            term_months: 12,
            listing_id: sale.listing_id,
            seller_id: sale.seller_id,
            seller_organization_id: sale.seller_organization_id,
            buyer_id: deal.buyer_id,
            buyer_organization_id: Some(deal.buyer_organization_id),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(draft))
}

/// `GET /listings/{id}/market-sales`: a listing's sales, newest first, as the caller may see
/// each (a listing the caller may not see is 404).
pub(super) async fn of_listing(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let listing_id = path.into_inner();
    let mut rc = state.db.read().await?;
    listing_catalogue::get(&mut rc.conn(), listing_id)
        .await?
        .filter(|l| l.data.is_visible_to(Some(&auth.0)))
        .ok_or(AppError::NotFound)?;
    let items: Vec<View> = market_board::of_listing(&mut rc.conn(), listing_id)
        .await?
        .into_iter()
        .map(|r| View {
            id: r.id,
            version: r.version,
            sale: r.data.view_for(&auth.0),
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

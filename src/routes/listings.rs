//! Listings (科技成果): the catalogue, the owner's and reviewers' commands, and the history.
//! The rules live in `domain::listing`; this module authenticates, parses, checks what needs
//! I/O (does the institution exist?), and shapes responses so confidential detail reaches only
//! those entitled to it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, HttpResponseBuilder};
use chrono::Utc;
use esrs::Aggregate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::command::{self, Action, On, Resource};
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::domain::listing::{
    Listing, ListingAction, ListingContent, ListingData, ListingEvent, ListingInput, ListingState,
    ListingStatus,
};
use crate::domain::reference::TechnologyField;
use crate::domain::{Actor, Command, FieldError, Recorded};
use crate::error::AppError;
use crate::http::{
    decode_cursor, etag, page_limit, Body, IdempotencyKey, OptionalBody, Page, Query,
};
use crate::projections::feed::public_payload;
use crate::projections::listing_catalogue::{self, Filter, ListingRow};
use crate::projections::negotiation_board;
use crate::projections::search::{DocType, Filters};
use crate::routes::search::{search_page, SearchPage};
use crate::state::AppState;
use crate::store::accounts;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};
use crate::store::log;
use crate::store::reference::shipped;

/// A listing as the API shows it. `confidential_detail` is present only for callers entitled
/// to it; for everyone else the key is absent, not null.
#[derive(Serialize)]
pub(super) struct ListingView<'a> {
    id: Uuid,
    version: i32,
    status: ListingStatus,
    owner_id: Uuid,
    owner_organization_id: Option<Uuid>,
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidential_detail: Option<Option<&'a str>>,
    field: &'a str,
    field_name: Option<&'static str>,
    keywords: &'a [String],
    ip_rights: &'a [crate::domain::listing::IpRight],
    trl: u8,
    job_related: bool,
    institution_id: Option<Uuid>,
    inventors: Vec<InventorView<'a>>,
    transfer_modes: &'a [crate::domain::listing::TransferMode],
    pricing_mode: crate::domain::listing::PricingMode,
    asking_price_fen: Option<i64>,
    region: &'a str,
    region_name: Option<&'static str>,
    return_reasons: &'a [String],
    withdrawal_reason: Option<&'a str>,
    price_notice: Option<&'a crate::domain::listing::PriceNotice>,
    transferred_by_contract: Option<Uuid>,
    contracts: &'a [crate::domain::listing::RecordedContract],
    created_at: chrono::DateTime<Utc>,
    updated_at: chrono::DateTime<Utc>,
    published_at: Option<chrono::DateTime<Utc>>,
    /// Relevance, on full-text search results only.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
}

#[derive(Serialize)]
struct InventorView<'a> {
    name: &'a str,
    user_id: Option<Uuid>,
    /// Shares are kept in basis points; shown as a percentage with two decimals.
    share_percent: f64,
}

pub(super) fn view<'a>(
    id: Uuid,
    version: i32,
    l: &'a ListingData,
    show_confidential: bool,
) -> ListingView<'a> {
    let c = &l.content;
    ListingView {
        id,
        version,
        status: l.status,
        owner_id: l.owner_id,
        owner_organization_id: l.owner_organization_id,
        title: c.title.as_str(),
        summary: &c.summary,
        confidential_detail: show_confidential.then_some(c.confidential_detail.as_deref()),
        field: c.field.as_str(),
        field_name: shipped().field_name(c.field.as_str()),
        keywords: &c.keywords,
        ip_rights: &c.ip_rights,
        trl: c.trl.get(),
        job_related: c.job_related,
        institution_id: c.institution_id,
        inventors: c
            .inventors
            .iter()
            .map(|i| InventorView {
                name: &i.name,
                user_id: i.user_id,
                share_percent: i.share_bp as f64 / 100.0,
            })
            .collect(),
        transfer_modes: &c.transfer_modes,
        pricing_mode: c.pricing_mode,
        asking_price_fen: c.asking_price_fen,
        region: c.region.as_str(),
        region_name: shipped().region_name(c.region.as_str()),
        return_reasons: &l.return_reasons,
        withdrawal_reason: l.withdrawal_reason.as_deref(),
        price_notice: l.price_notice.as_ref(),
        transferred_by_contract: l.transferred_by_contract,
        contracts: &l.contracts,
        created_at: l.created_at,
        updated_at: l.updated_at,
        published_at: l.published_at,
        score: None,
    }
}

impl Resource for Listing {
    const PATH: &'static str = "/api/v1/listings";

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self> {
        &aggregates.listings
    }

    fn view(
        _: &AppState,
        viewer: &Actor,
        loaded: &Loaded<ListingState>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        let data = loaded.state.listing.as_ref().ok_or(AppError::NotFound)?;
        Ok(out.json(view(
            loaded.id,
            loaded.version,
            data,
            data.may_see_confidential(Some(viewer)),
        )))
    }
}

impl Action for ListingAction {
    type Of = Listing;
}

/// Parses the content and checks the one thing the pure domain cannot: that the named
/// institution exists.
pub(super) async fn content(
    state: &AppState,
    input: ListingInput,
) -> Result<ListingContent, AppError> {
    let content = ListingContent::parse(input, &state.refs)?;
    if let Some(inst) = content.institution_id {
        if accounts::organization(&mut state.db.read().await?.conn(), inst)
            .await?
            .is_none()
        {
            return Err(AppError::invalid("institution_id", "no such organization"));
        }
    }
    Ok(content)
}

pub(super) async fn create(
    state: web::Data<AppState>,
    auth: Authenticated,
    key: IdempotencyKey,
    body: Body<ListingInput>,
) -> Result<HttpResponse, AppError> {
    let actor = auth.0;
    let content = content(&state, body.value).await?;
    let Some(key) = key.0 else {
        return command::create(
            &state,
            actor,
            Uuid::now_v7(),
            ListingAction::Create(content),
        )
        .await;
    };

    // Idempotent create: the key is claimed with a fresh listing id before anything is decided,
    // so every retry targets the same stream and at most one Created event can ever exist for it.
    let hash = format!("{:x}", Sha256::digest(&body.raw));
    let claim = {
        let mut tx = state.db.begin().await?;
        let claim = accounts::claim_idempotency_key(
            &mut tx.conn(),
            actor.user_id,
            &key,
            &hash,
            state.clock.now(),
        )
        .await?;
        tx.commit().await?;
        claim
    };
    if claim.request_hash != hash {
        return Err(AppError::Unprocessable(vec![FieldError::new(
            "Idempotency-Key",
            "this key was already used with a different request body",
        )]));
    }
    if let Some((status, stored)) = claim.response {
        return replay(status, claim.resource_id, &stored);
    }
    let command = Command::new(actor, state.clock.now(), ListingAction::Create(content));
    let loaded = match state
        .aggregates
        .listings
        .create(claim.resource_id, command)
        .await
    {
        Ok(loaded) => loaded,
        // An earlier attempt with this key got as far as the event: answer from it.
        Err(e) if e.is_conflict() => state
            .aggregates
            .listings
            .load(claim.resource_id)
            .await?
            .ok_or_else(|| {
                AppError::Conflict("a request with this Idempotency-Key is in progress".into())
            })?,
        Err(e) => return Err(e.into()),
    };
    let resp_body = serde_json::to_string(&view(
        loaded.id,
        loaded.version,
        loaded.state.listing.as_ref().ok_or(AppError::NotFound)?,
        true,
    ))
    .map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = state.db.begin().await?;
    accounts::complete_idempotency_key(&mut tx.conn(), actor.user_id, &key, 201, &resp_body)
        .await?;
    tx.commit().await?;
    replay(201, loaded.id, &resp_body)
}

fn replay(status: u16, id: Uuid, body: &str) -> Result<HttpResponse, AppError> {
    let version = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["version"].as_i64())
        .unwrap_or(1) as i32;
    Ok(
        HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED))
            .insert_header(etag(version))
            .insert_header(("Location", format!("/api/v1/listings/{id}")))
            .content_type("application/json")
            .body(body.to_string()),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    q: Option<String>,
    field: Option<String>,
    trl_min: Option<i64>,
    region: Option<String>,
    state: Option<String>,
    owner_id: Option<Uuid>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub(super) async fn list(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.0;
    let limit = page_limit(q.limit)?;
    if let Some(f) = &q.field {
        TechnologyField::parse("field", f, &state.refs)
            .map_err(|e| AppError::bad_query("field", e.message))?;
    }
    if let Some(t) = q.trl_min {
        if !(1..=9).contains(&t) {
            return Err(AppError::bad_query("trl_min", "must be between 1 and 9"));
        }
    }
    if let Some(r) = &q.region {
        if !state.refs.regions.contains_key(r) {
            return Err(AppError::bad_query(
                "region",
                format!(
                    "unknown region code '{}'",
                    r.chars().take(20).collect::<String>()
                ),
            ));
        }
    }
    if let Some(s) = &q.state {
        if ListingStatus::parse(s).is_none() {
            return Err(AppError::bad_query(
                "state",
                "one of draft, under_review, returned, published, withdrawn, transferred",
            ));
        }
    }
    if let Some(text) = &q.q {
        if q.owner_id.is_some() {
            return Err(AppError::bad_query(
                "owner_id",
                "cannot be combined with q: full-text search covers the public catalogue only",
            ));
        }
        // Full-text: the index holds only public listings, ranked by relevance.
        let filters = Filters {
            field: q.field,
            region: q.region,
            status: q.state,
            kind: None,
            trl_min: q.trl_min,
        };
        let SearchPage { hits, next_cursor } = search_page(
            &state,
            DocType::Listing,
            text,
            &filters,
            q.cursor.as_deref(),
            limit,
        )
        .await?;
        let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        let rows = listing_catalogue::get_many(&mut state.db.read().await?.conn(), &ids).await?;
        let mut items = Vec::with_capacity(hits.len());
        for h in &hits {
            if let Some(r) = rows
                .iter()
                .find(|r| r.id == h.id && r.data.is_visible_to(None))
            {
                let mut v = view(r.id, r.version, &r.data, false);
                v.score = Some(h.score);
                items.push(v);
            }
        }
        return Ok(HttpResponse::Ok().json(Page { items, next_cursor }));
    }
    let before = decode_cursor(q.cursor.as_deref())?;
    let filter = Filter {
        field: q.field,
        trl_min: q.trl_min,
        region: q.region,
        status: q.state,
        owner_id: q.owner_id,
    };
    let viewer = auth.0;
    let rows = listing_catalogue::search(
        &mut state.db.read().await?.conn(),
        viewer.as_ref(),
        &filter,
        before,
        limit + 1,
    )
    .await?;
    // Catalogue entries never carry confidential detail, whoever asks: it is for the detail view.
    let page = Page::from_rows(
        rows,
        limit,
        |r: &ListingRow| r.id,
        |r| serde_json::to_value(view(r.id, r.version, &r.data, false)),
    );
    let items = page
        .items
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

pub(super) async fn get(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = listing_catalogue::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = auth.0;
    if !row.data.is_visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let entitled = entitled(&state, &row, viewer.as_ref()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row.id, row.version, &row.data, entitled)))
}

/// Whether `viewer` may read the listing's confidential detail: the listing's own rule (owner
/// side, reviewers), or a negotiation on it whose NDA both sides signed, with `viewer` as buyer.
async fn entitled(
    state: &AppState,
    row: &ListingRow,
    viewer: Option<&Actor>,
) -> Result<bool, AppError> {
    if row.data.may_see_confidential(viewer) {
        return Ok(true);
    }
    let Some(v) = viewer else { return Ok(false) };
    Ok(
        negotiation_board::nda_grants_access(&mut state.db.read().await?.conn(), row.id, v.user_id)
            .await?,
    )
}

#[derive(Serialize)]
struct HistoryEntry {
    position: i64,
    version: i32,
    #[serde(rename = "type")]
    event_type: String,
    actor: crate::domain::Actor,
    at: chrono::DateTime<Utc>,
    recorded_at: chrono::DateTime<Utc>,
    data: ListingEvent,
}

pub(super) async fn history(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut rc = state.db.read().await?;
    let row = listing_catalogue::get(&mut rc.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = auth.0;
    if !row.data.is_visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let entitled = entitled(&state, &row, viewer.as_ref()).await?;
    let events = log::stream(&mut rc.conn(), Listing::NAME, id).await?;
    let mut items = Vec::with_capacity(events.len());
    for e in events {
        let payload = if entitled {
            e.payload_value()
                .map_err(|e| AppError::Internal(e.into()))?
        } else {
            public_payload(&e).map_err(|e| AppError::Internal(e.into()))?
        };
        let recorded: Recorded<ListingEvent> =
            serde_json::from_value(payload).map_err(|e| AppError::Internal(e.into()))?;
        items.push(HistoryEntry {
            position: e.position,
            version: e.version,
            event_type: e.event_type,
            actor: recorded.actor,
            at: recorded.at,
            recorded_at: e.recorded_at,
            data: recorded.event,
        });
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(serde_json::json!({"items": items})))
}

pub(super) async fn revise(on: On, body: Body<ListingInput>) -> Result<HttpResponse, AppError> {
    let content = content(&on.state, body.value).await?;
    on.run(ListingAction::Revise(content)).await
}

pub(super) async fn submit(on: On) -> Result<HttpResponse, AppError> {
    on.run(ListingAction::Submit).await
}

pub(super) async fn publish(on: On) -> Result<HttpResponse, AppError> {
    on.run(ListingAction::Publish).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReturnInput {
    reasons: Vec<String>,
}

pub(super) async fn return_listing(
    on: On,
    body: Body<ReturnInput>,
) -> Result<HttpResponse, AppError> {
    on.run(ListingAction::Return {
        reasons: body.value.reasons,
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WithdrawInput {
    reason: Option<String>,
}

pub(super) async fn withdraw(
    on: On,
    body: OptionalBody<WithdrawInput>,
) -> Result<HttpResponse, AppError> {
    let reason = body.0.and_then(|b| b.reason);
    on.run(ListingAction::Withdraw { reason }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PriceNoticeInput {
    days: Option<u32>,
}

pub(super) async fn price_notice(
    on: On,
    body: OptionalBody<PriceNoticeInput>,
) -> Result<HttpResponse, AppError> {
    let days = body
        .0
        .and_then(|b| b.days)
        .unwrap_or(on.state.settings.price_notice_days);
    let shortest = on.state.settings.shortest_notice_days();
    on.run(ListingAction::StartPriceNotice { days, shortest })
        .await
}

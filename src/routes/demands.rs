//! Demands (技术需求): the board, the owner's commands, open-call applications and winner
//! selection, and matches against listings. Rules live in `domain::demand`.

use actix_web::{web, HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{self, Action, On, Resource};
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::domain::calendar::china_date;
use crate::domain::demand::{
    Application, CloseReason, CooperationMode, Demand, DemandAction, DemandContent, DemandData,
    DemandInput, DemandKind, DemandState, DemandStatus, OpenCallTerms,
};
use crate::domain::listing::ListingStatus;
use crate::domain::reference::TechnologyField;
use crate::domain::{Actor, Command};
use crate::error::AppError;
use crate::http::{decode_cursor, etag, page_limit, Body, IfMatch, Page, Query};
use crate::projections::demand_board::{self, DemandRow, Filter};
use crate::projections::listing_catalogue;
use crate::projections::search::{DocType, Filters};
use crate::routes::search::{search_page, SearchPage};
use crate::state::AppState;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};
use crate::store::reference::shipped;

/// A demand as the API shows it; applications only as far as the caller may read them.
#[derive(Serialize)]
pub(super) struct DemandView<'a> {
    id: Uuid,
    version: i32,
    kind: DemandKind,
    status: DemandStatus,
    close_reason: Option<CloseReason>,
    close_note: Option<&'a str>,
    owner_id: Uuid,
    owner_organization_id: Option<Uuid>,
    title: &'a str,
    description: &'a str,
    field: &'a str,
    field_name: Option<&'static str>,
    keywords: &'a [String],
    budget_min_fen: Option<i64>,
    budget_max_fen: Option<i64>,
    cooperation_modes: &'a [CooperationMode],
    region: &'a str,
    region_name: Option<&'static str>,
    valid_until: NaiveDate,
    trl_min: Option<u8>,
    open_call: Option<&'a OpenCallTerms>,
    application_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    applications: Option<Vec<&'a Application>>,
    winner: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
}

pub(super) fn view<'a>(
    id: Uuid,
    version: i32,
    d: &'a DemandData,
    viewer: Option<&Actor>,
    with_applications: bool,
) -> DemandView<'a> {
    let c = &d.content;
    DemandView {
        id,
        version,
        kind: c.kind,
        status: d.status,
        close_reason: d.close_reason,
        close_note: d.close_note.as_deref(),
        owner_id: d.owner_id,
        owner_organization_id: d.owner_organization_id,
        title: c.title.as_str(),
        description: &c.description,
        field: c.field.as_str(),
        field_name: shipped().field_name(c.field.as_str()),
        keywords: &c.keywords,
        budget_min_fen: c.budget_min_fen,
        budget_max_fen: c.budget_max_fen,
        cooperation_modes: &c.cooperation_modes,
        region: c.region.as_str(),
        region_name: shipped().region_name(c.region.as_str()),
        valid_until: c.valid_until,
        trl_min: c.trl_min.map(|t| t.get()),
        open_call: c.open_call.as_ref(),
        application_count: d.applications.len(),
        applications: with_applications.then(|| d.applications_visible_to(viewer)),
        winner: d.winner,
        created_at: d.created_at,
        updated_at: d.updated_at,
        published_at: d.published_at,
        closed_at: d.closed_at,
        score: None,
    }
}

impl Resource for Demand {
    const PATH: &'static str = "/api/v1/demands";

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self> {
        &aggregates.demands
    }

    fn view(
        _: &AppState,
        viewer: &Actor,
        loaded: &Loaded<DemandState>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        let data = loaded.state.demand.as_ref().ok_or(AppError::NotFound)?;
        Ok(out.json(view(loaded.id, loaded.version, data, Some(viewer), true)))
    }
}

impl Action for DemandAction {
    type Of = Demand;
}

fn content(state: &AppState, input: DemandInput) -> Result<DemandContent, AppError> {
    Ok(DemandContent::parse(
        input,
        &state.refs,
        china_date(state.clock.now()),
    )?)
}

pub(super) async fn create(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<DemandInput>,
) -> Result<HttpResponse, AppError> {
    let content = content(&state, body.value)?;
    command::create(
        &state,
        auth.0,
        Uuid::now_v7(),
        DemandAction::Create(content),
    )
    .await
}

pub(super) async fn revise(on: On, body: Body<DemandInput>) -> Result<HttpResponse, AppError> {
    let content = content(&on.state, body.value)?;
    on.run(DemandAction::Revise(content)).await
}

pub(super) async fn publish(on: On) -> Result<HttpResponse, AppError> {
    on.run(DemandAction::Publish).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CloseInput {
    reason: CloseReason,
    #[serde(default)]
    note: Option<String>,
}

pub(super) async fn close(on: On, body: Body<CloseInput>) -> Result<HttpResponse, AppError> {
    let CloseInput { reason, note } = body.value;
    on.run(DemandAction::Close { reason, note }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApplyInput {
    proposal: String,
    #[serde(default)]
    listing_id: Option<Uuid>,
}

/// Apply to an open call (揭榜). A named listing must be the applicant's own and published.
pub(super) async fn apply(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<ApplyInput>,
) -> Result<HttpResponse, AppError> {
    let actor = auth.0;
    let ApplyInput {
        proposal,
        listing_id,
    } = body.value;
    if let Some(lid) = listing_id {
        let row = listing_catalogue::get(&mut state.db.read().await?.conn(), lid).await?;
        match row {
            Some(r)
                if r.data.owner_id == actor.user_id
                    && r.data.status == ListingStatus::Published => {}
            _ => {
                return Err(AppError::invalid(
                    "listing_id",
                    "must be one of your published listings",
                ))
            }
        }
    }
    let application_id = Uuid::now_v7();
    let action = DemandAction::Apply {
        application_id,
        proposal,
        listing_id,
    };
    let command = Command::new(actor, state.clock.now(), action);
    let loaded = state
        .aggregates
        .demands
        .execute_visible(path.into_inner(), None, command)
        .await?;
    let data = loaded.state.demand.as_ref().ok_or(AppError::NotFound)?;
    let application = data
        .applications
        .iter()
        .find(|a| a.id == application_id)
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Created()
        .insert_header(etag(loaded.version))
        .insert_header((
            "Location",
            format!(
                "/api/v1/demands/{}/applications/{application_id}",
                loaded.id
            ),
        ))
        .json(application))
}

/// One application: for the demand's owner and the applicant; 404 for everyone else.
pub(super) async fn application(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (id, application_id) = path.into_inner();
    let row = demand_board::get(&mut state.db.read().await?.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let found = row
        .data
        .applications_visible_to(Some(&auth.0))
        .into_iter()
        .find(|a| a.id == application_id);
    Ok(HttpResponse::Ok().json(found.ok_or(AppError::NotFound)?))
}

pub(super) async fn select(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (id, application_id) = path.into_inner();
    let action = DemandAction::SelectWinner { application_id };
    command::run(&state, auth.0, id, if_match.0, action).await
}

pub(super) async fn get(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = demand_board::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = auth.0;
    if !row.data.is_visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row.id, row.version, &row.data, viewer.as_ref(), true)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    q: Option<String>,
    kind: Option<DemandKind>,
    field: Option<String>,
    region: Option<String>,
    state: Option<DemandStatus>,
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
    if let Some(r) = &q.region {
        if !state.refs.regions.contains_key(r) {
            return Err(AppError::bad_query("region", "unknown region code"));
        }
    }
    let viewer = auth.0;
    if let Some(text) = &q.q {
        if q.owner_id.is_some() {
            return Err(AppError::bad_query(
                "owner_id",
                "cannot be combined with q: full-text search covers the public board only",
            ));
        }
        // Full-text: the index holds only public demands, ranked by relevance.
        let filters = Filters {
            field: q.field,
            region: q.region,
            status: q.state.map(|s| s.as_str().to_string()),
            kind: q.kind.map(|k| k.as_str().to_string()),
            trl_min: None,
        };
        let SearchPage { hits, next_cursor } = search_page(
            &state,
            DocType::Demand,
            text,
            &filters,
            q.cursor.as_deref(),
            limit,
        )
        .await?;
        let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        let rows = demand_board::get_many(&mut state.db.read().await?.conn(), &ids).await?;
        let mut items = Vec::with_capacity(hits.len());
        for h in &hits {
            if let Some(r) = rows
                .iter()
                .find(|r| r.id == h.id && r.data.is_visible_to(None))
            {
                let mut v = view(r.id, r.version, &r.data, None, false);
                v.score = Some(h.score);
                items.push(v);
            }
        }
        return Ok(HttpResponse::Ok().json(Page { items, next_cursor }));
    }
    let before = decode_cursor(q.cursor.as_deref())?;
    let filter = Filter {
        kind: q.kind.map(|k| k.as_str().to_string()),
        field: q.field,
        region: q.region,
        status: q.state.map(|s| s.as_str().to_string()),
        owner_id: q.owner_id,
    };
    let rows = demand_board::search(
        &mut state.db.read().await?.conn(),
        viewer.as_ref(),
        &filter,
        before,
        limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |r: &DemandRow| r.id, |r| r);
    let items: Vec<_> = page
        .items
        .iter()
        .map(|r| view(r.id, r.version, &r.data, viewer.as_ref(), false))
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

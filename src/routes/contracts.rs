//! Technology-contract registration (技术合同认定登记): submission (from scratch, or from the
//! draft an agreed negotiation pre-fills), the registrar's decisions with their deadlines, and
//! what follows registration (amendments, payments, cancellation, revocation).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::contract::{
    ContractAction, ContractContent, ContractData, ContractInput, ContractState, ContractStatus,
    Party, PartyInput, WorkingCalendar,
};
use crate::domain::{Actor, Command, FieldError, Role};
use crate::error::AppError;
use crate::http::negotiate::{negotiate, Format, XLSX};
use crate::http::{
    decode_cursor, decode_offset, encode_offset, etag, page_limit, Body, IfMatch, Page, Query,
};
use crate::projections::contract_stats::{self, workbook, ContractRow, Lookup};
use crate::projections::{listing_catalogue, market_board};
use crate::state::AppState;
use crate::store::accounts;
use crate::store::aggregates::Loaded;

#[derive(Serialize)]
struct View<'a> {
    id: Uuid,
    version: i32,
    #[serde(flatten)]
    data: &'a ContractData,
    /// Past its due date today (China date) while the registrar still has to decide.
    overdue: bool,
}

fn view<'a>(state: &AppState, id: Uuid, version: i32, data: &'a ContractData) -> View<'a> {
    View {
        id,
        version,
        data,
        overdue: data.is_overdue_on(china_date(state.clock.now())),
    }
}

fn respond(
    state: &AppState,
    status: StatusCode,
    loaded: &Loaded<ContractState>,
) -> Result<HttpResponse, AppError> {
    let data = loaded.state.contract.as_ref().ok_or(AppError::NotFound)?;
    let mut resp = HttpResponse::build(status);
    resp.insert_header(etag(loaded.version));
    if status == StatusCode::CREATED {
        resp.insert_header(("Location", format!("/api/v1/contracts/{}", loaded.id)));
    }
    Ok(resp.json(view(state, loaded.id, loaded.version, data)))
}

pub(super) async fn run(
    state: &AppState,
    actor: Actor,
    id: Uuid,
    if_match: IfMatch,
    action: ContractAction,
) -> Result<HttpResponse, AppError> {
    let command = Command::new(actor, state.clock.now(), action);
    let loaded = state
        .aggregates
        .contracts
        .execute_visible(id, if_match.0, command)
        .await?;
    respond(state, StatusCode::OK, &loaded)
}

fn calendar(state: &AppState) -> WorkingCalendar {
    WorkingCalendar::new(
        state.settings.holidays.iter().copied(),
        state.settings.extra_workdays.iter().copied(),
    )
}

/// Parses the content, then checks what needs I/O: named organizations exist, and a party on
/// the platform takes its declared zone from its organization when it gives none.
async fn content(state: &AppState, mut input: ContractInput) -> Result<ContractContent, AppError> {
    let mut rc = state.db.read().await?;
    let mut errors = Vec::new();
    for (path, party) in [("seller", &mut input.seller), ("buyer", &mut input.buyer)] {
        if let Some(org_id) = party.organization_id {
            match accounts::organization(&mut rc.conn(), org_id).await? {
                Some(org) => {
                    if party.zone.is_none() {
                        party.zone = org.zone;
                    }
                }
                None => errors.push(FieldError::new(
                    format!("{path}.organization_id"),
                    "no such organization",
                )),
            }
        }
    }
    drop(rc);
    let parsed = ContractContent::parse(input, &state.refs, china_date(state.clock.now()));
    match (parsed, errors.is_empty()) {
        (Ok(c), true) => {
            let errors =
                parties_match_organizations(state, &[("seller", &c.seller), ("buyer", &c.buyer)])
                    .await?;
            if errors.is_empty() {
                Ok(c)
            } else {
                Err(AppError::Unprocessable(errors))
            }
        }
        (Ok(_), false) => Err(AppError::Unprocessable(errors)),
        (Err(crate::domain::DomainError::Invalid(mut more)), _) => {
            errors.append(&mut more);
            Err(AppError::Unprocessable(errors))
        }
        (Err(e), _) => Err(e.into()),
    }
}

/// A party on the platform is its organization: its nature, region and zone must be the
/// organization's as registered, or the contract would be counted under values that are not
/// the organization's. Each mismatch names its field.
async fn parties_match_organizations(
    state: &AppState,
    parties: &[(&str, &Party)],
) -> Result<Vec<FieldError>, AppError> {
    let mut rc = state.db.read().await?;
    let mut errors = Vec::new();
    for (path, p) in parties {
        let Some(org_id) = p.organization_id else {
            continue;
        };
        let Some(org) = accounts::organization(&mut rc.conn(), org_id).await? else {
            errors.push(FieldError::new(
                format!("{path}.organization_id"),
                "no such organization",
            ));
            continue;
        };
        if p.party_nature.as_str() != org.party_nature {
            errors.push(FieldError::new(
                format!("{path}.party_nature"),
                format!("must be {}, the organization's", org.party_nature),
            ));
        }
        if p.region.as_str() != org.region {
            errors.push(FieldError::new(
                format!("{path}.region"),
                format!("must be {}, the organization's", org.region),
            ));
        }
        if p.zone.as_ref().map(|z| z.as_str()) != org.zone.as_deref() {
            errors.push(FieldError::new(
                format!("{path}.zone"),
                match &org.zone {
                    Some(z) => format!("must be {z}, the organization's"),
                    None => "the organization is in no development zone".to_string(),
                },
            ));
        }
    }
    Ok(errors)
}

pub(super) async fn submit(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<ContractInput>,
) -> Result<HttpResponse, AppError> {
    // Who first: a wrong role learns nothing from validation.
    let actor = *auth.require(&[Role::Researcher, Role::TechManager, Role::InstitutionAdmin])?;
    let content = content(&state, body.value).await?;
    let command = Command::new(actor, state.clock.now(), ContractAction::Submit(content));
    let loaded = state
        .aggregates
        .contracts
        .create(Uuid::now_v7(), command)
        .await?;
    respond(&state, StatusCode::CREATED, &loaded)
}

pub(super) async fn resubmit(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<ContractInput>,
) -> Result<HttpResponse, AppError> {
    let content = content(&state, body.value).await?;
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        ContractAction::Resubmit {
            content,
            calendar: calendar(&state),
        },
    )
    .await
}

pub(super) async fn accept(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        ContractAction::Accept {
            calendar: calendar(&state),
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReasonsInput {
    reasons: Vec<String>,
}

pub(super) async fn request_correction(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<ReasonsInput>,
) -> Result<HttpResponse, AppError> {
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        ContractAction::RequestCorrection {
            reasons: body.value.reasons,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OpinionInput {
    opinion: String,
}

pub(super) async fn expert_review(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<OpinionInput>,
) -> Result<HttpResponse, AppError> {
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        ContractAction::ExpertReview {
            opinion: body.value.opinion,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterInput {
    registration_number: String,
}

/// Registers the contract. A job-related listing with negotiated pricing must first have had
/// its price public notice (公示) run its full period.
pub(super) async fn register(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<RegisterInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut rc = state.db.read().await?;
    let row = contract_stats::get(&mut rc.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    auth.require(&[Role::Registrar])?;
    if let Some(listing_id) = row.data.content.listing_id {
        if let Some(listing) = listing_catalogue::get(&mut rc.conn(), listing_id).await? {
            let l = &listing.data;
            let ran = l
                .price_notice
                .as_ref()
                .is_some_and(|n| n.has_run_by(state.clock.now()));
            if l.needs_price_notice() && !ran {
                return Err(AppError::Conflict(
                    "the listing is job-related with negotiated pricing: its price public notice (公示) must run its full period first".into(),
                ));
            }
        }
        // A job-related listing sold on the market: its price is noticed after the deal.
        let now = state.clock.now();
        for sale in market_board::of_listing(&mut rc.conn(), listing_id).await? {
            if let Some(end) = sale
                .data
                .deal
                .as_ref()
                .filter(|d| d.under_notice_at(now))
                .and_then(|d| d.notice_ends_at)
            {
                return Err(AppError::Conflict(format!(
                    "the job-related listing's market price is under public notice (公示) until {end}; register it after"
                )));
            }
        }
    }
    drop(rc);
    run(
        &state,
        auth.0,
        id,
        if_match,
        ContractAction::Register {
            registration_number: body.value.registration_number,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RefuseInput {
    reason_code: String,
    #[serde(default)]
    note: Option<String>,
}

pub(super) async fn refuse(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<RefuseInput>,
) -> Result<HttpResponse, AppError> {
    let RefuseInput { reason_code, note } = body.value;
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        ContractAction::Refuse { reason_code, note },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AmendInput {
    effective_on: NaiveDate,
    contract_amount_fen: i64,
    technology_amount_fen: i64,
    #[serde(default)]
    seller: Option<PartyInput>,
    #[serde(default)]
    buyer: Option<PartyInput>,
    #[serde(default)]
    note: Option<String>,
}

pub(super) async fn amend(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<AmendInput>,
) -> Result<HttpResponse, AppError> {
    let AmendInput {
        effective_on,
        contract_amount_fen,
        technology_amount_fen,
        seller,
        buyer,
        note,
    } = body.value;
    let party = |path: &str, p: Option<PartyInput>| {
        p.map(|p| Party::parse(path, &p, &state.refs)).transpose()
    };
    let seller = party("seller", seller)?;
    let buyer = party("buyer", buyer)?;
    let named: Vec<(&str, &Party)> = [("seller", seller.as_ref()), ("buyer", buyer.as_ref())]
        .into_iter()
        .filter_map(|(path, p)| p.map(|p| (path, p)))
        .collect();
    let errors = parties_match_organizations(&state, &named).await?;
    if !errors.is_empty() {
        return Err(AppError::Unprocessable(errors));
    }
    let action = ContractAction::Amend {
        amendment_id: Uuid::now_v7(),
        effective_on,
        contract_amount_fen,
        technology_amount_fen,
        seller,
        buyer,
        note,
    };
    run(&state, auth.0, path.into_inner(), if_match, action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PaymentInput {
    amount_fen: i64,
    received_on: NaiveDate,
    #[serde(default)]
    note: Option<String>,
}

pub(super) async fn payment(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<PaymentInput>,
) -> Result<HttpResponse, AppError> {
    let PaymentInput {
        amount_fen,
        received_on,
        note,
    } = body.value;
    let action = ContractAction::RecordPayment {
        payment_id: Uuid::now_v7(),
        amount_fen,
        received_on,
        note,
    };
    run(&state, auth.0, path.into_inner(), if_match, action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EndInput {
    on: NaiveDate,
    reason: String,
}

pub(super) async fn cancel(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<EndInput>,
) -> Result<HttpResponse, AppError> {
    let EndInput { on, reason } = body.value;
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        ContractAction::Cancel { on, reason },
    )
    .await
}

pub(super) async fn revoke(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<EndInput>,
) -> Result<HttpResponse, AppError> {
    let EndInput { on, reason } = body.value;
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        ContractAction::Revoke { on, reason },
    )
    .await
}

pub(super) async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = contract_stats::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(&state, row.id, row.version, &row.data)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueQuery {
    state: Option<ContractStatus>,
    limit: Option<i64>,
    cursor: Option<String>,
    /// A lookup: words of the title or a party's name (all of them), a registration number,
    /// a party's organization.
    q: Option<String>,
    registration_number: Option<String>,
    organization_id: Option<Uuid>,
}

/// The most characters a lookup's words may hold.
const MAX_LOOKUP_CHARS: usize = 200;

/// How deep a lookup pages: past this, refine it.
const MAX_LOOKUP_OFFSET: usize = 10_000;

fn lookup_of(q: &QueueQuery) -> Result<Lookup, AppError> {
    let words: Vec<String> = match q.q.as_deref() {
        Some(text) if text.chars().count() > MAX_LOOKUP_CHARS => {
            return Err(AppError::bad_query("q", "must be at most 200 characters"));
        }
        Some(text) => text.split_whitespace().map(str::to_lowercase).collect(),
        None => Vec::new(),
    };
    if q.q.is_some() && words.is_empty() {
        return Err(AppError::bad_query("q", "must hold a word"));
    }
    let registration_number = q
        .registration_number
        .as_deref()
        .map(str::trim)
        .map(String::from);
    if registration_number.as_deref() == Some("") {
        return Err(AppError::bad_query(
            "registration_number",
            "must not be empty",
        ));
    }
    Ok(Lookup {
        registration_number,
        words,
        organization_id: q.organization_id,
        offset: 0,
    })
}

/// The registrar's queue (everything, with due dates and overdue flags); for others, the
/// registrations they submitted or are a party to.
pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    q: Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.0;
    let limit = page_limit(q.limit)?;
    let mut lookup = lookup_of(&q)?;
    let status = q.state.map(|s| s.as_str());
    match negotiate(&req)? {
        Format::Json => {}
        Format::Xlsx => return download(&state, &auth.0, &q, status, lookup).await,
        Format::Csv => {
            return Err(AppError::NotAcceptable(format!(
                "the queue is application/json or {XLSX}"
            )))
        }
    }
    if !lookup.is_empty() {
        // A lookup is ordered by deadline, so its pages go by position in that order.
        lookup.offset = decode_offset(q.cursor.as_deref(), MAX_LOOKUP_OFFSET)? as i64;
        let mut rows = contract_stats::queue(
            &mut state.db.read().await?.conn(),
            &auth.0,
            status,
            None,
            &lookup,
            limit + 1,
        )
        .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let items: Vec<_> = rows
            .iter()
            .map(|r| view(&state, r.id, r.version, &r.data))
            .collect();
        return Ok(HttpResponse::Ok().json(Page {
            next_cursor: more.then(|| encode_offset((lookup.offset + limit) as usize)),
            items,
        }));
    }
    let before = decode_cursor(q.cursor.as_deref())?;
    let rows = contract_stats::queue(
        &mut state.db.read().await?.conn(),
        &auth.0,
        status,
        before,
        &lookup,
        limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |r: &ContractRow| r.id, |r| r);
    let items: Vec<_> = page
        .items
        .iter()
        .map(|r| view(&state, r.id, r.version, &r.data))
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// The most contracts one download holds; past this, narrow the lookup.
const MAX_DOWNLOAD_ROWS: usize = 20_000;

/// The whole queue (or lookup) as a workbook, in the order its pages go, regardless of `limit`
/// and `cursor`: what a registrar takes away to work through or hand over.
async fn download(
    state: &AppState,
    viewer: &Actor,
    q: &QueueQuery,
    status: Option<&str>,
    mut lookup: Lookup,
) -> Result<HttpResponse, AppError> {
    const PAGE: i64 = 500;
    let mut rows: Vec<ContractRow> = Vec::new();
    let mut before = None;
    let mut conn = state.db.read().await?;
    loop {
        let page =
            contract_stats::queue(&mut conn.conn(), viewer, status, before, &lookup, PAGE).await?;
        let full = page.len() as i64 == PAGE;
        before = page.last().map(|r| r.id);
        lookup.offset += page.len() as i64;
        rows.extend(page);
        if !full || rows.len() >= MAX_DOWNLOAD_ROWS {
            break;
        }
    }
    let truncated = rows.len() > MAX_DOWNLOAD_ROWS;
    rows.truncate(MAX_DOWNLOAD_ROWS);
    let now = state.clock.now();
    let mut parameters = vec![
        ("导出时间", now.to_rfc3339()),
        (
            "状态",
            q.state.map(|s| s.as_str().to_string()).unwrap_or_default(),
        ),
        ("关键词", q.q.clone().unwrap_or_default()),
        (
            "登记编号",
            q.registration_number.clone().unwrap_or_default(),
        ),
        (
            "机构",
            q.organization_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
        ("笔数", rows.len().to_string()),
    ];
    if truncated {
        parameters.push((
            "注意",
            format!("只含前 {MAX_DOWNLOAD_ROWS} 笔；请缩小查询范围"),
        ));
    }
    let bytes = workbook::queue_to_xlsx(&rows, china_date(now), &parameters)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"contracts.xlsx\"",
        ))
        .body(bytes))
}

//! Technology-contract registration (技术合同认定登记): submission (from scratch, or from the
//! draft an agreed negotiation pre-fills), the registrar's decisions with their deadlines, and
//! what follows registration (amendments, payments, cancellation, revocation).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{self, Action, On, Resource};
use super::contract_history::with_deciders;
use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::contract::{
    ContractAction, ContractContent, ContractData, ContractInput, ContractRegistration,
    ContractState, ContractStatus, Party, PartyInput, WorkingCalendar,
};
use crate::domain::{Actor, FieldError, Role};
use crate::error::AppError;
use crate::http::negotiate::{negotiate, Format, XLSX};
use crate::http::{
    decode_cursor, decode_offset, encode_offset, etag, page_limit, Body, Page, Query,
};
use crate::projections::contract_stats::{self, workbook, ContractRow, Lookup};
use crate::projections::{listing_catalogue, market_board};
use crate::state::AppState;
use crate::store::accounts;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};

#[derive(Serialize)]
struct View<'a> {
    id: Uuid,
    version: i32,
    #[serde(flatten)]
    data: &'a ContractData,
    /// Past its due date today (China date) while the registrar still has to decide.
    overdue: bool,
}

/// The contract as JSON, with the names beside its codes (see `contract_history::name_codes`).
fn view(
    state: &AppState,
    id: Uuid,
    version: i32,
    data: &ContractData,
) -> Result<serde_json::Value, AppError> {
    let mut v = serde_json::to_value(View {
        id,
        version,
        data,
        overdue: data.is_overdue_on(china_date(state.clock.now())),
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    super::contract_history::name_codes(&mut v, &state.refs);
    Ok(v)
}

impl Resource for ContractRegistration {
    const PATH: &'static str = "/api/v1/contracts";

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self> {
        &aggregates.contracts
    }

    fn view(
        state: &AppState,
        _: &Actor,
        loaded: &Loaded<ContractState>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        let data = loaded.state.contract.as_ref().ok_or(AppError::NotFound)?;
        Ok(out.json(view(state, loaded.id, loaded.version, data)?))
    }
}

impl Action for ContractAction {
    type Of = ContractRegistration;
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
    let action = ContractAction::Submit(content);
    command::create(&state, actor, Uuid::now_v7(), action).await
}

pub(super) async fn resubmit(on: On, body: Body<ContractInput>) -> Result<HttpResponse, AppError> {
    let content = content(&on.state, body.value).await?;
    on.run(ContractAction::Resubmit {
        content,
        calendar: calendar(&on.state),
    })
    .await
}

pub(super) async fn accept(on: On) -> Result<HttpResponse, AppError> {
    on.run(ContractAction::Accept {
        calendar: calendar(&on.state),
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReasonsInput {
    reasons: Vec<String>,
}

pub(super) async fn request_correction(
    on: On,
    body: Body<ReasonsInput>,
) -> Result<HttpResponse, AppError> {
    on.run(ContractAction::RequestCorrection {
        reasons: body.value.reasons,
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OpinionInput {
    opinion: String,
}

pub(super) async fn expert_review(
    on: On,
    body: Body<OpinionInput>,
) -> Result<HttpResponse, AppError> {
    on.run(ContractAction::ExpertReview {
        opinion: body.value.opinion,
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterInput {
    registration_number: String,
}

/// Registers the contract. A job-related listing with negotiated pricing must first have had
/// its price public notice (公示) run its full period.
pub(super) async fn register(on: On, body: Body<RegisterInput>) -> Result<HttpResponse, AppError> {
    let state = &on.state;
    let mut rc = state.db.read().await?;
    let row = contract_stats::get(&mut rc.conn(), on.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&on.auth.0)) {
        return Err(AppError::NotFound);
    }
    on.auth.require(&[Role::Registrar])?;
    if let Some(listing_id) = row.data.content.listing_id {
        if let Some(listing) = listing_catalogue::get(&mut rc.conn(), listing_id).await? {
            let l = &listing.data;
            let ran = l
                .price_notice
                .as_ref()
                .is_some_and(|n| n.has_run_by(state.clock.now()));
            if l.needs_price_notice() && !ran {
                return Err(AppError::Conflict(match &l.price_notice {
                    Some(n) => crate::domain::listing::price_notice_running(
                        n.ends_at,
                        "期满后方可登记合同",
                        "the listing is job-related with negotiated pricing, so the contract can be registered only after it ends",
                    ),
                    None => "该成果为协议定价的职务科技成果，须先进行价格公示，期满后方可登记合同；公示尚未开始。The listing is job-related with negotiated pricing: its price public notice (公示) must run its full period first, and it has not been started.".into(),
                }));
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
                return Err(AppError::Conflict(crate::domain::listing::price_notice_running(
                    end,
                    "期满后方可登记该职务科技成果的挂牌或拍卖成交合同",
                    "the job-related listing's market price is under public notice, so the contract can be registered only after it ends",
                )));
            }
        }
    }
    drop(rc);
    on.run(ContractAction::Register {
        registration_number: body.value.registration_number,
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RefuseInput {
    reason_code: String,
    #[serde(default)]
    note: Option<String>,
}

pub(super) async fn refuse(on: On, body: Body<RefuseInput>) -> Result<HttpResponse, AppError> {
    let RefuseInput { reason_code, note } = body.value;
    on.run(ContractAction::Refuse { reason_code, note }).await
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

pub(super) async fn amend(on: On, body: Body<AmendInput>) -> Result<HttpResponse, AppError> {
    let AmendInput {
        effective_on,
        contract_amount_fen,
        technology_amount_fen,
        seller,
        buyer,
        note,
    } = body.value;
    let party = |path: &str, p: Option<PartyInput>| {
        p.map(|p| Party::parse(path, &p, &on.state.refs))
            .transpose()
    };
    let seller = party("seller", seller)?;
    let buyer = party("buyer", buyer)?;
    let named: Vec<(&str, &Party)> = [("seller", seller.as_ref()), ("buyer", buyer.as_ref())]
        .into_iter()
        .filter_map(|(path, p)| p.map(|p| (path, p)))
        .collect();
    let errors = parties_match_organizations(&on.state, &named).await?;
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
    on.run(action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PaymentInput {
    amount_fen: i64,
    received_on: NaiveDate,
    #[serde(default)]
    note: Option<String>,
}

pub(super) async fn payment(on: On, body: Body<PaymentInput>) -> Result<HttpResponse, AppError> {
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
    on.run(action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EndInput {
    on: NaiveDate,
    reason: String,
}

pub(super) async fn cancel(on: On, body: Body<EndInput>) -> Result<HttpResponse, AppError> {
    let EndInput { on: date, reason } = body.value;
    on.run(ContractAction::Cancel { on: date, reason }).await
}

pub(super) async fn revoke(on: On, body: Body<EndInput>) -> Result<HttpResponse, AppError> {
    let EndInput { on: date, reason } = body.value;
    on.run(ContractAction::Revoke { on: date, reason }).await
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
    let contract = view(&state, row.id, row.version, &row.data)?;
    let mut shown = with_deciders(&state, vec![(row.id, contract)]).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(shown.remove(0)))
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
            .map(|r| Ok((r.id, view(&state, r.id, r.version, &r.data)?)))
            .collect::<Result<_, AppError>>()?;
        let items = with_deciders(&state, items).await?;
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
        .map(|r| Ok((r.id, view(&state, r.id, r.version, &r.data)?)))
        .collect::<Result<_, AppError>>()?;
    let items = with_deciders(&state, items).await?;
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

//! Ownership grants for job-related inventions (职务科技成果赋权): a researcher applies for
//! their team, the institution's office reviews, notices publicly, hears objections, grants,
//! records the patent office's change, extends or revokes, and records how each payment received
//! for the listing was distributed.

use std::collections::HashMap;

use actix_web::{web, HttpResponse, HttpResponseBuilder};
use chrono::{NaiveDate, Utc};
use esrs::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{self, Action, On, Resource};
use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::listing::ListingStatus;
use crate::domain::ownership_grant::{
    check_applicant, ContractPayment, GrantAction, GrantData, GrantEvent, GrantInput, GrantState,
    GrantStatus, GrantTerms, ListingFacts, ObjectionOutcome, OwnershipGrant,
};
use crate::domain::{Actor, Recorded, Role};
use crate::error::AppError;
use crate::http::{decode_cursor, etag, page_limit, Body, IfMatch, OptionalBody, Page, Query};
use crate::projections::ownership_register::{self, GrantRow, ListFilter};
use crate::state::AppState;
use crate::store::accounts;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};
use crate::store::log;

#[derive(Serialize)]
struct View<'a> {
    id: Uuid,
    version: i32,
    #[serde(flatten)]
    data: &'a GrantData,
    /// In force today (a China date).
    in_force: bool,
}

/// The grant as `viewer` may see it: who was paid what only for the parties, statisticians
/// and platform admins.
fn view(
    state: &AppState,
    viewer: &Actor,
    id: Uuid,
    version: i32,
    data: &GrantData,
) -> Result<serde_json::Value, AppError> {
    let today = china_date(state.clock.now());
    let mut v = serde_json::to_value(View {
        id,
        version,
        data,
        in_force: data.in_force_on(today, None),
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    if !data.may_see_money(viewer) {
        if let Some(obj) = v.as_object_mut() {
            obj.remove("distributions");
        }
    }
    Ok(v)
}

impl Resource for OwnershipGrant {
    const PATH: &'static str = "/api/v1/ownership-grants";

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self> {
        &aggregates.ownership_grants
    }

    fn view(
        state: &AppState,
        viewer: &Actor,
        loaded: &Loaded<GrantState>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        let data = loaded.state.grant.as_ref().ok_or(AppError::NotFound)?;
        Ok(out.json(view(state, viewer, loaded.id, loaded.version, data)?))
    }
}

impl Action for GrantAction {
    type Of = OwnershipGrant;
}

/// The listing as the application judges it, from its own stream.
async fn listing_facts(
    state: &AppState,
    actor: &Actor,
    listing_id: Uuid,
) -> Result<ListingFacts, AppError> {
    let no_such = || AppError::invalid("listing_id", "no such listing");
    let loaded = state
        .aggregates
        .listings
        .load(listing_id)
        .await?
        .ok_or_else(no_such)?;
    let l = loaded.state.listing.ok_or_else(no_such)?;
    if !l.is_visible_to(Some(actor)) {
        return Err(no_such());
    }
    Ok(ListingFacts {
        listing_id,
        title: l.content.title.as_str().to_string(),
        job_related: l.content.job_related,
        institution_id: l.content.institution_id,
        owner_id: l.owner_id,
        inventor_user_ids: l
            .content
            .inventors
            .iter()
            .filter_map(|i| i.user_id)
            .collect(),
        withdrawn: l.status == ListingStatus::Withdrawn,
    })
}

fn live_grant_conflict(listing_id: Uuid, live: &GrantRow) -> AppError {
    AppError::Conflict(format!(
        "listing {listing_id} already has an ownership grant {} that is {}: only one at a time",
        live.id, live.data.status
    ))
}

pub(super) async fn apply(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<GrantInput>,
) -> Result<HttpResponse, AppError> {
    // Who first: a wrong role learns nothing from validation.
    let actor = *auth.require(&[Role::Researcher])?;
    let input = body.value;
    let listing = listing_facts(&state, &actor, input.listing_id).await?;
    check_applicant(&actor, &listing)?;
    let mut rc = state.db.read().await?;
    if let Some(live) =
        ownership_register::live_for_listing(&mut rc.conn(), listing.listing_id).await?
    {
        return Err(live_grant_conflict(listing.listing_id, &live));
    }
    // Team members must be users: their names are kept with the terms as they were applied for.
    let mut users = HashMap::new();
    for m in input
        .team
        .iter()
        .take(crate::domain::ownership_grant::TEAM_MAX)
    {
        if let Some(u) = accounts::user_by_id(&mut rc.conn(), m.user_id).await? {
            users.insert(u.id, u.display_name);
        }
    }
    drop(rc);
    let terms = GrantTerms::parse(&input, &users)?;
    let action = GrantAction::Apply { listing, terms };
    command::create(&state, actor, Uuid::now_v7(), action).await
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Decision {
    Approve,
    Reject,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReviewInput {
    decision: Decision,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    reasons: Vec<String>,
}

pub(super) async fn review(on: On, body: Body<ReviewInput>) -> Result<HttpResponse, AppError> {
    let ReviewInput {
        decision,
        note,
        reasons,
    } = body.value;
    let action = GrantAction::Review {
        approve: matches!(decision, Decision::Approve),
        note,
        reasons,
    };
    on.run(action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoticeInput {
    days: Option<u32>,
}

pub(super) async fn notice(
    on: On,
    body: OptionalBody<NoticeInput>,
) -> Result<HttpResponse, AppError> {
    let days = body
        .0
        .and_then(|b| b.days)
        .unwrap_or(on.state.settings.grant_notice_days);
    let shortest = on.state.settings.shortest_notice_days();
    on.run(GrantAction::StartNotice { days, shortest }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ObjectionInput {
    reason: String,
}

pub(super) async fn object(on: On, body: Body<ObjectionInput>) -> Result<HttpResponse, AppError> {
    let action = GrantAction::RaiseObjection {
        objection_id: Uuid::now_v7(),
        reason: body.value.reason,
    };
    on.run(action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ResolutionInput {
    outcome: ObjectionOutcome,
    resolution: String,
}

pub(super) async fn resolve(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Body<ResolutionInput>,
) -> Result<HttpResponse, AppError> {
    let (id, objection_id) = path.into_inner();
    let ResolutionInput {
        outcome,
        resolution,
    } = body.value;
    let action = GrantAction::ResolveObjection {
        objection_id,
        outcome,
        resolution,
    };
    command::run(&state, auth.0, id, if_match.0, action).await
}

pub(super) async fn grant(on: On) -> Result<HttpResponse, AppError> {
    on.run(GrantAction::Grant).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegistryInput {
    record_number: String,
    recorded_on: NaiveDate,
}

pub(super) async fn registry_change(
    on: On,
    body: Body<RegistryInput>,
) -> Result<HttpResponse, AppError> {
    let RegistryInput {
        record_number,
        recorded_on,
    } = body.value;
    let action = GrantAction::RecordRegistryChange {
        record_number,
        recorded_on,
    };
    on.run(action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtendInput {
    until: NaiveDate,
    reason: String,
}

pub(super) async fn extend(on: On, body: Body<ExtendInput>) -> Result<HttpResponse, AppError> {
    let ExtendInput { until, reason } = body.value;
    on.run(GrantAction::Extend { until, reason }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RevokeInput {
    on: NaiveDate,
    reason: String,
}

pub(super) async fn revoke(on: On, body: Body<RevokeInput>) -> Result<HttpResponse, AppError> {
    let RevokeInput { on: date, reason } = body.value;
    on.run(GrantAction::Revoke { on: date, reason }).await
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
    on.run(GrantAction::Withdraw { reason }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DistributionInput {
    contract_id: Uuid,
    payment_id: Uuid,
    #[serde(default)]
    costs_fen: i64,
    #[serde(default)]
    note: Option<String>,
}

/// Records the split of one payment on a registered contract for the granted listing. The
/// contract is read from its own stream; the aggregate judges it.
pub(super) async fn distribute(
    on: On,
    body: Body<DistributionInput>,
) -> Result<HttpResponse, AppError> {
    let (state, id, actor) = (&on.state, on.id, on.actor());
    let DistributionInput {
        contract_id,
        payment_id,
        costs_fen,
        note,
    } = body.value;
    // Who first: only the grant's own office learns anything about the contract it names.
    let row = ownership_register::get(&mut state.db.read().await?.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&actor)) {
        return Err(AppError::NotFound);
    }
    if !row.data.is_institution_admin(&actor) {
        return Err(AppError::Forbidden(
            "only the institution's office records a distribution".into(),
        ));
    }
    let contract = state
        .aggregates
        .contracts
        .load(contract_id)
        .await?
        .and_then(|l| l.state.contract)
        .ok_or_else(|| AppError::invalid("contract_id", "no such contract"))?;
    let payment = ContractPayment {
        contract_id,
        contract_status: contract.status,
        listing_id: contract.content.listing_id,
        payment_id,
        payment: contract.payment(payment_id).cloned(),
    };
    if let (Some(p), Some(listing_id)) = (&payment.payment, payment.listing_id) {
        in_force_elsewhere(state, &row, listing_id, p.received_on).await?;
    }
    let action = GrantAction::Distribute {
        distribution_id: Uuid::now_v7(),
        payment,
        costs_fen,
        note,
    };
    on.run(action).await
}

/// When another grant of the listing, not this one, was in force on the payment date, says so by
/// name: the payment is that grant's to distribute.
async fn in_force_elsewhere(
    state: &AppState,
    this: &GrantRow,
    listing_id: Uuid,
    on: NaiveDate,
) -> Result<(), AppError> {
    if this.data.in_force_on(on, None) {
        return Ok(());
    }
    let grants =
        ownership_register::for_listing(&mut state.db.read().await?.conn(), listing_id).await?;
    match grants.iter().find(|g| g.data.in_force_on(on, None)) {
        Some(other) => Err(AppError::Conflict(format!(
            "the grant was not in force on {on}, the day the payment was received; grant {} was",
            other.id
        ))),
        // Nobody's: the aggregate refuses it in its own words.
        None => Ok(()),
    }
}

pub(super) async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = ownership_register::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(&state, &auth.0, row.id, row.version, &row.data)?))
}

#[derive(Serialize)]
struct HistoryEntry {
    position: i64,
    version: i32,
    #[serde(rename = "type")]
    event_type: String,
    actor: Actor,
    at: chrono::DateTime<Utc>,
    recorded_at: chrono::DateTime<Utc>,
    data: GrantEvent,
}

/// Every event of the grant: who did what and when. Distributions only for those who may see
/// who was paid what.
pub(super) async fn history(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut rc = state.db.read().await?;
    let row = ownership_register::get(&mut rc.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    let money = row.data.may_see_money(&auth.0);
    let mut items = Vec::new();
    for e in log::stream(&mut rc.conn(), OwnershipGrant::NAME, id).await? {
        let recorded: Recorded<GrantEvent> =
            e.recorded().map_err(|e| AppError::Internal(e.into()))?;
        if !money && matches!(recorded.event, GrantEvent::RevenueDistributed { .. }) {
            continue;
        }
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
        .json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    listing_id: Option<Uuid>,
    institution_id: Option<Uuid>,
    researcher_id: Option<Uuid>,
    state: Option<GrantStatus>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Grants the caller may see, newest first: public ones, and those they are a party to.
pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.0;
    let limit = page_limit(q.limit)?;
    let before = decode_cursor(q.cursor.as_deref())?;
    let filter = ListFilter {
        listing_id: q.listing_id,
        institution_id: q.institution_id,
        member_id: q.researcher_id,
        status: q.state,
    };
    let rows = ownership_register::list(
        &mut state.db.read().await?.conn(),
        &auth.0,
        &filter,
        before,
        limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |r: &GrantRow| r.id, |r| r);
    let items = page
        .items
        .iter()
        .map(|r| view(&state, &auth.0, r.id, r.version, &r.data))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

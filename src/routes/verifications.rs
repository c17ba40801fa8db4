//! Verification requests (概念验证 / 中试熟化): researchers request them on their listings,
//! providers accept, report milestones and complete them; the provider's work queue.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::listing::{ListingStatus, Trl};
use crate::domain::verification::{
    Outcome, RequestContent, RequestInput, Stage, VerificationAction, VerificationData,
    VerificationState, VerificationStatus,
};
use crate::domain::{Actor, Command, FieldError, Role};
use crate::error::AppError;
use crate::http::{decode_cursor, etag, page_limit, Body, IfMatch, OptionalBody, Page, Query};
use crate::projections::listing_catalogue;
use crate::projections::verification_queue::{self, Filter, VerificationRow};
use crate::state::AppState;
use crate::store::accounts;
use crate::store::aggregates::Loaded;

#[derive(Serialize)]
struct View<'a> {
    id: Uuid,
    version: i32,
    #[serde(flatten)]
    data: &'a VerificationData,
}

fn respond(
    status: StatusCode,
    loaded: &Loaded<VerificationState>,
) -> Result<HttpResponse, AppError> {
    let data = loaded.state.request.as_ref().ok_or(AppError::NotFound)?;
    let mut resp = HttpResponse::build(status);
    resp.insert_header(etag(loaded.version));
    if status == StatusCode::CREATED {
        resp.insert_header((
            "Location",
            format!("/api/v1/verification-requests/{}", loaded.id),
        ));
    }
    Ok(resp.json(View {
        id: loaded.id,
        version: loaded.version,
        data,
    }))
}

async fn run(
    state: &AppState,
    actor: Actor,
    id: Uuid,
    if_match: IfMatch,
    action: VerificationAction,
) -> Result<HttpResponse, AppError> {
    let command = Command::new(actor, state.clock.now(), action);
    let loaded = state
        .aggregates
        .verifications
        .execute_visible(id, if_match.0, command)
        .await?;
    respond(StatusCode::OK, &loaded)
}

/// A researcher requests verification of one of their own published listings from a provider
/// organization; the TRL before is the listing's current TRL.
pub(super) async fn create(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<RequestInput>,
) -> Result<HttpResponse, AppError> {
    // Who first: a wrong role learns nothing about the listing it names.
    let actor = *auth.require(&[Role::Researcher])?;
    let input = body.value;
    let mut rc = state.db.read().await?;
    let listing = listing_catalogue::get(&mut rc.conn(), input.listing_id).await?;
    let trl_before: Trl = match listing {
        Some(l)
            if l.data.owner_id == actor.user_id && l.data.status == ListingStatus::Published =>
        {
            l.data.content.trl
        }
        _ => {
            return Err(AppError::invalid(
                "listing_id",
                "must be one of your published listings",
            ))
        }
    };
    if accounts::organization(&mut rc.conn(), input.provider_organization_id)
        .await?
        .is_none()
    {
        return Err(AppError::invalid(
            "provider_organization_id",
            "no such organization",
        ));
    }
    drop(rc);
    let content = RequestContent::parse(input, trl_before, china_date(state.clock.now()))?;
    let command = Command::new(
        actor,
        state.clock.now(),
        VerificationAction::Request(content),
    );
    let loaded = state
        .aggregates
        .verifications
        .create(Uuid::now_v7(), command)
        .await?;
    respond(StatusCode::CREATED, &loaded)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueQuery {
    state: Option<VerificationStatus>,
    stage: Option<Stage>,
    listing_id: Option<Uuid>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The caller's queue: a provider's organization's requests, a researcher's own, everything for
/// a platform admin.
pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let actor = auth.require(&[Role::Provider, Role::Researcher, Role::PlatformAdmin])?;
    let q = q.0;
    let limit = page_limit(q.limit)?;
    let before = decode_cursor(q.cursor.as_deref())?;
    if actor.role == Role::Provider && actor.organization_id.is_none() {
        return Err(AppError::Forbidden(
            "a provider without an organization has no queue".into(),
        ));
    }
    let filter = Filter {
        status: q.state.map(|s| s.as_str().to_string()),
        stage: q.stage.map(|s| s.as_str().to_string()),
        listing_id: q.listing_id,
    };
    let rows = verification_queue::queue(
        &mut state.db.read().await?.conn(),
        actor,
        &filter,
        before,
        limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |r: &VerificationRow| r.id, |r| r);
    let items: Vec<_> = page
        .items
        .iter()
        .map(|r| View {
            id: r.id,
            version: r.version,
            data: &r.data,
        })
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
    let row = verification_queue::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(View {
            id: row.id,
            version: row.version,
            data: &row.data,
        }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoteInput {
    note: Option<String>,
}

pub(super) async fn accept(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: OptionalBody<NoteInput>,
) -> Result<HttpResponse, AppError> {
    let note = body.0.and_then(|b| b.note);
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        VerificationAction::Accept { note },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReasonInput {
    reason: String,
}

pub(super) async fn decline(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<ReasonInput>,
) -> Result<HttpResponse, AppError> {
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        VerificationAction::Decline {
            reason: body.value.reason,
        },
    )
    .await
}

pub(super) async fn cancel(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<ReasonInput>,
) -> Result<HttpResponse, AppError> {
    run(
        &state,
        auth.0,
        path.into_inner(),
        if_match,
        VerificationAction::Cancel {
            reason: body.value.reason,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MilestoneInput {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    progress_percent: Option<u8>,
}

pub(super) async fn milestone(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<MilestoneInput>,
) -> Result<HttpResponse, AppError> {
    let MilestoneInput {
        title,
        description,
        progress_percent,
    } = body.value;
    let action = VerificationAction::ReportMilestone {
        milestone_id: Uuid::now_v7(),
        title,
        description,
        progress_percent,
    };
    run(&state, auth.0, path.into_inner(), if_match, action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CompleteInput {
    outcome: Outcome,
    trl_after: i64,
    report: String,
}

pub(super) async fn complete(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<CompleteInput>,
) -> Result<HttpResponse, AppError> {
    let CompleteInput {
        outcome,
        trl_after,
        report,
    } = body.value;
    let id = path.into_inner();
    // Visibility before content: a caller who may not see the request learns nothing.
    match verification_queue::get(&mut state.db.read().await?.conn(), id).await? {
        Some(row) if row.data.is_visible_to(Some(&auth.0)) => {}
        _ => return Err(AppError::NotFound),
    }
    let trl_after = Trl::parse("trl_after", trl_after)
        .map_err(|e: FieldError| AppError::Unprocessable(vec![e]))?;
    run(
        &state,
        auth.0,
        id,
        if_match,
        VerificationAction::Complete {
            outcome,
            trl_after,
            report,
        },
    )
    .await
}

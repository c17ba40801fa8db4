//! Verification requests (概念验证 / 中试熟化): researchers request them on their listings,
//! providers accept, report milestones and complete them; the provider's work queue.

use actix_web::{web, HttpResponse, HttpResponseBuilder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{self, Action, On, Resource};
use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::listing::{ListingStatus, Trl};
use crate::domain::verification::{
    Outcome, RequestContent, RequestInput, Stage, VerificationAction, VerificationData,
    VerificationRequest, VerificationState, VerificationStatus,
};
use crate::domain::{Actor, FieldError, Role};
use crate::error::AppError;
use crate::http::{decode_cursor, etag, page_limit, Body, OptionalBody, Page, Query};
use crate::projections::listing_catalogue;
use crate::projections::verification_queue::{self, Filter, VerificationRow};
use crate::state::AppState;
use crate::store::accounts;
use crate::store::aggregates::{Aggregates, EventStoreOf, Loaded};

#[derive(Serialize)]
struct View<'a> {
    id: Uuid,
    version: i32,
    #[serde(flatten)]
    data: &'a VerificationData,
}

impl Resource for VerificationRequest {
    const PATH: &'static str = "/api/v1/verification-requests";

    fn events(aggregates: &Aggregates) -> &EventStoreOf<Self> {
        &aggregates.verifications
    }

    fn view(
        _: &AppState,
        _: &Actor,
        loaded: &Loaded<VerificationState>,
        out: &mut HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        let data = loaded.state.request.as_ref().ok_or(AppError::NotFound)?;
        Ok(out.json(View {
            id: loaded.id,
            version: loaded.version,
            data,
        }))
    }
}

impl Action for VerificationAction {
    type Of = VerificationRequest;
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
    let action = VerificationAction::Request(content);
    command::create(&state, actor, Uuid::now_v7(), action).await
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
    on: On,
    body: OptionalBody<NoteInput>,
) -> Result<HttpResponse, AppError> {
    let note = body.0.and_then(|b| b.note);
    on.run(VerificationAction::Accept { note }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReasonInput {
    reason: String,
}

pub(super) async fn decline(on: On, body: Body<ReasonInput>) -> Result<HttpResponse, AppError> {
    on.run(VerificationAction::Decline {
        reason: body.value.reason,
    })
    .await
}

pub(super) async fn cancel(on: On, body: Body<ReasonInput>) -> Result<HttpResponse, AppError> {
    on.run(VerificationAction::Cancel {
        reason: body.value.reason,
    })
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
    on: On,
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
    on.run(action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CompleteInput {
    outcome: Outcome,
    trl_after: i64,
    report: String,
}

pub(super) async fn complete(on: On, body: Body<CompleteInput>) -> Result<HttpResponse, AppError> {
    let CompleteInput {
        outcome,
        trl_after,
        report,
    } = body.value;
    // Visibility before content: a caller who may not see the request learns nothing.
    match verification_queue::get(&mut on.state.db.read().await?.conn(), on.id).await? {
        Some(row) if row.data.is_visible_to(Some(&on.auth.0)) => {}
        _ => return Err(AppError::NotFound),
    }
    let trl_after = Trl::parse("trl_after", trl_after)
        .map_err(|e: FieldError| AppError::Unprocessable(vec![e]))?;
    on.run(VerificationAction::Complete {
        outcome,
        trl_after,
        report,
    })
    .await
}

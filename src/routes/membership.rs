//! Organization membership: requests to join and their decision, invitations, members, and
//! the membership history, under `/organizations/{id}/…`; and the caller's own side under
//! `/me/membership-requests` and `/invitations/accept`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::UserView;
use crate::accounts::membership;
use crate::auth::Authenticated;
use crate::domain::membership::{Manager, RequestStatus};
use crate::domain::text::clean;
use crate::domain::user::Email;
use crate::error::AppError;
use crate::http::{decode_cursor, page_limit, Body, OptionalBody, Page, PageQuery, Query};
use crate::state::AppState;
use crate::store::accounts::{self, UserFilter};
use crate::store::membership::{self as rows, Invitation};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RequestsQuery {
    status: Option<RequestStatus>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// 404 unless the organization exists and the caller manages it (403 for its other members).
async fn managed(
    state: &AppState,
    manager: &Manager,
    organization_id: Uuid,
) -> Result<(), AppError> {
    manager.require_manages(organization_id)?;
    accounts::organization(&mut state.db.read().await?.conn(), organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(())
}

/// The caller asks to join the organization.
pub(super) async fn request(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let org = path.into_inner();
    let r = membership::request(&state.db, &auth.0, org, state.clock.now()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/organizations/{org}/membership-requests/{}", r.id),
        ))
        .json(r))
}

pub(super) async fn requests(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    q: Query<RequestsQuery>,
) -> Result<HttpResponse, AppError> {
    let org = path.into_inner();
    managed(&state, &auth.manager(), org).await?;
    let limit = page_limit(q.0.limit)?;
    let before = decode_cursor(q.0.cursor.as_deref())?;
    let items = rows::requests(
        &mut state.db.read().await?.conn(),
        Some(org),
        None,
        q.0.status,
        before,
        limit + 1,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |r| r.id, |r| r)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Decision {
    reason: Option<String>,
}

/// An optional `reason` (1–1000 characters), for decisions and for disabling an account.
pub(super) fn reason(raw: Option<String>) -> Result<Option<String>, AppError> {
    raw.map(|r| clean("reason", &r, 1, 1000))
        .transpose()
        .map_err(|e| AppError::Unprocessable(vec![e]))
}

async fn decide(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: OptionalBody<Decision>,
    approve: bool,
) -> Result<HttpResponse, AppError> {
    let (org, request_id) = path.into_inner();
    let reason = reason(body.0.and_then(|d| d.reason))?;
    managed(&state, &auth.manager(), org).await?;
    let r = membership::decide(
        &state.db,
        &auth.manager(),
        org,
        request_id,
        approve,
        reason.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(r))
}

pub(super) async fn approve(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: OptionalBody<Decision>,
) -> Result<HttpResponse, AppError> {
    decide(state, auth, path, body, true).await
}

pub(super) async fn reject(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: OptionalBody<Decision>,
) -> Result<HttpResponse, AppError> {
    decide(state, auth, path, body, false).await
}

/// The caller's own requests, newest first.
pub(super) async fn my_requests(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (limit, before) = q.0.page()?;
    let items = rows::requests(
        &mut state.db.read().await?.conn(),
        None,
        Some(auth.0.user_id),
        None,
        before,
        limit + 1,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |r| r.id, |r| r)))
}

pub(super) async fn withdraw(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let r = membership::withdraw(&state.db, &auth.0, path.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InvitationInput {
    email: String,
    #[serde(default)]
    organization_admin: bool,
    /// Days the invitation stays valid (1–30); the configured default otherwise.
    valid_days: Option<u32>,
}

/// An invitation as its organization's admins see it: never the token.
#[derive(Serialize)]
struct InvitationView {
    #[serde(flatten)]
    invitation: Invitation,
    status: &'static str,
}

impl InvitationView {
    fn new(invitation: Invitation, now: chrono::DateTime<chrono::Utc>) -> Self {
        let status = if invitation.accepted_at.is_some() {
            "accepted"
        } else if invitation.revoked_at.is_some() {
            "revoked"
        } else if invitation.expires_at <= now {
            "expired"
        } else {
            "open"
        };
        Self { invitation, status }
    }
}

pub(super) async fn invite(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<InvitationInput>,
) -> Result<HttpResponse, AppError> {
    let org = path.into_inner();
    let input = body.value;
    let mut errors = Vec::new();
    let email = Email::parse(&input.email).map_err(|e| errors.push(e)).ok();
    if input.valid_days.is_some_and(|d| !(1..=30).contains(&d)) {
        errors.push(crate::domain::FieldError::new(
            "valid_days",
            "must be between 1 and 30",
        ));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    managed(&state, &auth.manager(), org).await?;
    let days = input
        .valid_days
        .unwrap_or(state.settings.invitation_valid_days);
    let issued = membership::invite(
        &state.db,
        &auth.manager(),
        org,
        &email,
        input.organization_admin,
        days,
        state.clock.now(),
    )
    .await?;
    let mut view = serde_json::to_value(InvitationView::new(issued.invitation, state.clock.now()))
        .map_err(|e| AppError::Internal(e.into()))?;
    // The only time the token is shown: hand it to the invitee.
    view["token"] = serde_json::Value::String(issued.token);
    let id = view["id"].as_str().unwrap_or_default().to_string();
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/organizations/{org}/invitations/{id}"),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

pub(super) async fn invitations(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let org = path.into_inner();
    managed(&state, &auth.manager(), org).await?;
    let (limit, before) = q.0.page()?;
    let items =
        rows::invitations(&mut state.db.read().await?.conn(), org, before, limit + 1).await?;
    let now = state.clock.now();
    Ok(HttpResponse::Ok().json(Page::from_rows(
        items,
        limit,
        |i| i.id,
        |i| InvitationView::new(i, now),
    )))
}

pub(super) async fn revoke_invitation(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (org, id) = path.into_inner();
    managed(&state, &auth.manager(), org).await?;
    let inv = membership::revoke_invitation(&state.db, &auth.manager(), org, id, state.clock.now())
        .await?;
    Ok(HttpResponse::Ok().json(InvitationView::new(inv, state.clock.now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AcceptInput {
    token: String,
}

/// The signed-in invitee accepts; the membership counts from the next request on.
pub(super) async fn accept(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<AcceptInput>,
) -> Result<HttpResponse, AppError> {
    let token =
        clean("token", &body.value.token, 1, 200).map_err(|e| AppError::Unprocessable(vec![e]))?;
    let inv = membership::accept(&state.db, &auth.0, &token, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(InvitationView::new(inv, state.clock.now())))
}

pub(super) async fn members(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let org = path.into_inner();
    managed(&state, &auth.manager(), org).await?;
    let (limit, before) = q.0.page()?;
    let filter = UserFilter {
        organization_id: Some(org),
        ..Default::default()
    };
    let items = accounts::users(
        &mut state.db.read().await?.conn(),
        &filter,
        before,
        limit + 1,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |u| u.id, UserView::from)))
}

/// An admin removes a member, or a member removes themselves (leaves).
pub(super) async fn remove_member(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (org, user) = path.into_inner();
    membership::remove(&state.db, &auth.manager(), org, user, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdminFlag {
    organization_admin: bool,
}

pub(super) async fn set_admin(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: Body<AdminFlag>,
) -> Result<HttpResponse, AppError> {
    let (org, user) = path.into_inner();
    managed(&state, &auth.manager(), org).await?;
    let user = membership::set_admin(
        &state.db,
        &auth.manager(),
        org,
        user,
        body.value.organization_admin,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// Every membership change of the organization: who, what, when.
pub(super) async fn history(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let org = path.into_inner();
    managed(&state, &auth.manager(), org).await?;
    let (limit, before) = q.0.page()?;
    let items = rows::audit(
        &mut state.db.read().await?.conn(),
        None,
        Some(org),
        before,
        limit + 1,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |e| e.id, |e| e)))
}

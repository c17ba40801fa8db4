//! Accounts for platform admins: `GET /users` (find), and per user: role, disable, enable,
//! force a new password, issue a reset token, remove, and the account's history.

use actix_web::{web, HttpResponse};

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::auth::UserView;
use crate::accounts::{self, admin};
use crate::auth::Authenticated;
use crate::domain::membership::AccountStatus;
use crate::domain::text::clean;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{decode_cursor, page_limit, Body, OptionalBody, Page, PageQuery, Query};
use crate::state::AppState;
use crate::store::accounts::{self as account_rows, UserFilter};
use crate::store::membership as rows;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FindQuery {
    /// Part of the e-mail address or the display name.
    q: Option<String>,
    role: Option<Role>,
    organization_id: Option<Uuid>,
    status: Option<AccountStatus>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub(super) async fn find(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<FindQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::PlatformAdmin])?;
    let q = q.0;
    let limit = page_limit(q.limit)?;
    let before = decode_cursor(q.cursor.as_deref())?;
    let text =
        q.q.map(|t| clean("q", &t, 1, 254))
            .transpose()
            .map_err(|e| AppError::BadRequest {
                detail: "the query string is not valid".into(),
                errors: vec![e],
            })?;
    let filter = UserFilter {
        q: text,
        role: q.role,
        organization_id: q.organization_id,
        status: q.status,
    };
    let items = account_rows::users(
        &mut state.db.read().await?.conn(),
        &filter,
        before,
        limit + 1,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |u| u.id, UserView::from)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoleInput {
    role: Role,
}

pub(super) async fn change_role(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<RoleInput>,
) -> Result<HttpResponse, AppError> {
    let by = auth.require(&[Role::PlatformAdmin])?.user_id;
    let user = admin::change_role(
        &state.db,
        by,
        path.into_inner(),
        body.value.role,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReasonInput {
    reason: Option<String>,
}

pub(super) async fn disable(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: OptionalBody<ReasonInput>,
) -> Result<HttpResponse, AppError> {
    let by = auth.require(&[Role::PlatformAdmin])?.user_id;
    let reason = super::membership::reason(body.0.and_then(|b| b.reason))?;
    let user = admin::set_disabled(
        &state.db,
        by,
        path.into_inner(),
        true,
        reason.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

pub(super) async fn enable(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let by = auth.require(&[Role::PlatformAdmin])?.user_id;
    let user = admin::set_disabled(
        &state.db,
        by,
        path.into_inner(),
        false,
        None,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

pub(super) async fn force_password_change(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let by = auth.require(&[Role::PlatformAdmin])?.user_id;
    let user =
        admin::force_password_change(&state.db, by, path.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// A single-use reset token to hand to the person (shown once).
pub(super) async fn password_reset(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let by = auth.require(&[Role::PlatformAdmin])?.user_id;
    let (token, expires_at) = admin::issue_password_reset(
        &state.db,
        by,
        path.into_inner(),
        state.settings.password_reset_valid_hours,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"token": token, "expires_at": expires_at})))
}

pub(super) async fn remove(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let by = auth.require(&[Role::PlatformAdmin])?.user_id;
    admin::remove(&state.db, by, path.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every change to the account: who, what, when. For platform admins and the person.
pub(super) async fn history(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if auth.0.user_id != id && auth.0.role != Role::PlatformAdmin {
        return Err(AppError::NotFound);
    }
    let (limit, before) = q.0.page()?;
    let mut rc = state.db.read().await?;
    accounts::existing_user(&mut rc.conn(), id).await?;
    let items = rows::audit(&mut rc.conn(), Some(id), None, before, limit + 1).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |e| e.id, |e| e)))
}

//! `POST /organizations` (platform admins), `GET /organizations`, `GET /organizations/{id}`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::organization::{NewOrganization, OrganizationInput};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{Body, Page, PageQuery, Query};
use crate::state::AppState;
use crate::store::accounts;

pub(super) async fn create(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<OrganizationInput>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::PlatformAdmin])?;
    let new = NewOrganization::parse(body.value, &state.refs)?;
    let mut tx = state.db.begin().await?;
    let org = accounts::insert_organization(&mut tx.conn(), &new, Utc::now()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organizations/{}", org.id)))
        .json(org))
}

pub(super) async fn list(
    state: web::Data<AppState>,
    _auth: Authenticated,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (limit, before) = q.0.page()?;
    let rows =
        accounts::organizations(&mut state.db.read().await?.conn(), before, limit + 1).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, limit, |o| o.id, |o| o)))
}

pub(super) async fn get(
    state: web::Data<AppState>,
    _auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let org = accounts::organization(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(org))
}

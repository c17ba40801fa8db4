//! `/me/notifications`: a person's inbox, and `/me/notification-preferences`: their mail per kind.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::http::{page_limit, Body, Page, PageQuery, Query};
use crate::notifications::inbox::{self, InboxCursor, Notification};
use crate::notifications::kinds::Kind;
use crate::notifications::mail::dead;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InboxQuery {
    limit: Option<i64>,
    cursor: Option<String>,
    /// Only the unread ones.
    #[serde(default)]
    unread: bool,
}

#[derive(Serialize)]
struct InboxPage {
    items: Vec<Notification>,
    next_cursor: Option<String>,
    /// How many of the caller's notifications are unread, whatever the page.
    unread: i64,
}

pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = page_limit(q.0.limit)?;
    let after =
        q.0.cursor
            .as_deref()
            .map(|c| {
                InboxCursor::decode(c).ok_or_else(|| AppError::BadRequest {
                    detail: "the cursor is not one this server issued".into(),
                    errors: vec![FieldError::new("cursor", "invalid cursor")],
                })
            })
            .transpose()?;
    let mut rc = state.db.read().await?;
    let (items, next) =
        inbox::page(&mut rc.conn(), auth.0.user_id, q.0.unread, after, limit).await?;
    let unread = inbox::unread_count(&mut rc.conn(), auth.0.user_id).await?;
    Ok(HttpResponse::Ok().json(InboxPage {
        items,
        next_cursor: next.map(|c| c.encode()),
        unread,
    }))
}

pub(super) async fn mark_read(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut tx = state.db.begin().await?;
    let found = inbox::mark_read(
        &mut tx.conn(),
        auth.0.user_id,
        path.into_inner(),
        state.clock.now(),
    )
    .await?;
    if !found {
        // Somebody else's notification is as unknown as one that does not exist.
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn mark_all_read(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, AppError> {
    let mut tx = state.db.begin().await?;
    let n = inbox::mark_all_read(&mut tx.conn(), auth.0.user_id, state.clock.now()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "marked_read": n })))
}

pub(super) async fn preferences(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, AppError> {
    let prefs = inbox::preferences(&mut state.db.read().await?.conn(), auth.0.user_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": prefs })))
}

/// `{"mail": {"<kind>": true|false, ...}}`: the kinds named are set, the rest stay as they are.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PreferencesInput {
    mail: BTreeMap<String, bool>,
}

pub(super) async fn set_preferences(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<PreferencesInput>,
) -> Result<HttpResponse, AppError> {
    let mut settings = Vec::new();
    let mut errors = Vec::new();
    for (name, mail) in &body.value.mail {
        let field = format!("mail.{name}");
        match Kind::parse(name) {
            None => errors.push(FieldError::new(field, "not a kind of notification")),
            Some(k) if k.mandatory() && !mail => errors.push(FieldError::new(
                field,
                "this kind's mail is always sent and cannot be turned off",
            )),
            Some(k) => settings.push((k, *mail)),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Unprocessable(errors));
    }
    let mut tx = state.db.begin().await?;
    inbox::set_preferences(&mut tx.conn(), auth.0.user_id, &settings).await?;
    tx.commit().await?;
    let prefs = inbox::preferences(&mut state.db.read().await?.conn(), auth.0.user_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": prefs })))
}

/// `GET /admin/mail/dead`: notifications whose mail failed every attempt (platform admins).
pub(super) async fn dead_mail(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::PlatformAdmin])?;
    let (limit, after) = q.0.page()?;
    let items = dead::list(&mut state.db.read().await?.conn(), after, limit + 1).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |d| d.id, |d| d)))
}

/// `POST /admin/mail/{id}/retry`: a dead notification's mail sent again (platform admins).
pub(super) async fn retry_mail(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::PlatformAdmin])?;
    let mut tx = state.db.begin().await?;
    if !dead::retry(&mut tx.conn(), path.into_inner(), state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(HttpResponse::Accepted().finish())
}

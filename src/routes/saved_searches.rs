//! `/me/saved-searches`: what a person asked to hear about (see `notifications::alerts`).

use actix_web::{web, HttpResponse};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::http::Body;
use crate::notifications::alerts::{Criteria, SavedSearch};
use crate::notifications::saved::{self, SavedView, MAX_PER_USER};
use crate::notifications::subscribe::{self, SavedSearchInput};
use crate::projections::{demand_board, listing_catalogue};
use crate::state::AppState;
use crate::store::log;

pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, AppError> {
    let items = saved::of_user(&mut state.db.read().await?.conn(), auth.0.user_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub(super) async fn create(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<SavedSearchInput>,
) -> Result<HttpResponse, AppError> {
    let me = auth.0.user_id;
    let (name, target, criteria) =
        subscribe::parse(body.value, &state.refs).map_err(AppError::Unprocessable)?;
    let mut rc = state.db.read().await?;
    // A match alert weighs one's own demand or listing: somebody else's is not there to name.
    if let Criteria::Matches {
        demand_id,
        listing_id,
        ..
    } = &criteria
    {
        let owner = match (demand_id, listing_id) {
            (Some(id), _) => demand_board::get(&mut rc.conn(), *id)
                .await?
                .map(|r| r.data.owner_id),
            (_, Some(id)) => listing_catalogue::get(&mut rc.conn(), *id)
                .await?
                .map(|r| r.data.owner_id),
            _ => None,
        };
        if owner != Some(me) {
            let field = if demand_id.is_some() {
                "matches_for.demand_id"
            } else {
                "matches_for.listing_id"
            };
            return Err(AppError::Unprocessable(vec![FieldError::new(
                field,
                "not one of yours: a match alert is on your own demand or listing",
            )]));
        }
    }
    let since = log::head(&mut rc.conn()).await?;
    drop(rc);
    let search = SavedSearch {
        id: Uuid::now_v7(),
        user_id: me,
        name,
        target,
        criteria,
        since,
    };
    let created_at = state.clock.now();
    let mut tx = state.db.begin().await?;
    if saved::count(&mut tx.conn(), me).await? >= MAX_PER_USER {
        return Err(AppError::Conflict(format!(
            "you keep {MAX_PER_USER} saved searches already: delete one first"
        )));
    }
    saved::insert(&mut tx.conn(), &search, created_at).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/me/saved-searches/{}", search.id),
        ))
        .json(SavedView {
            id: search.id,
            name: search.name,
            target: search.target,
            criteria: search.criteria,
            created_at,
        }))
}

pub(super) async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut tx = state.db.begin().await?;
    // Somebody else's saved search is as unknown as one that does not exist.
    if !saved::delete(&mut tx.conn(), auth.0.user_id, path.into_inner()).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

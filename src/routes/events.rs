//! `GET /events`: the global ordered log, for integrations and auditors, as
//! [`feed`](crate::projections::feed) shows it.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{page_limit, Query};
use crate::projections::feed;
use crate::state::AppState;
use crate::store::log;
use crate::store::StoreError;

/// How long a page of the feed waits for the log to settle.
const FEED_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FeedQuery {
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

pub(super) async fn feed(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::PlatformAdmin, Role::Statistician])?;
    if q.0.after < 0 {
        return Err(AppError::bad_query(
            "after",
            "must be a position, 0 or more",
        ));
    }
    let limit = page_limit(q.0.limit)?;
    let mut rc = state.db.read().await?;
    // What the caller just committed is in the page, unless a long transaction holds the log
    // back; then the page holds what is settled and the next poll brings the rest.
    match log::settled_head(&mut rc.conn(), FEED_PATIENCE).await {
        Ok(_) | Err(StoreError::Lagging) => {}
        Err(e) => return Err(e.into()),
    }
    let events = log::after(&mut rc.conn(), q.0.after, limit).await?;
    drop(rc);
    // The cursor is the last position read: pass it back as `after`. With no new events it stays
    // where it was, so a follower simply polls again.
    let next = events.last().map(|e| e.position).unwrap_or(q.0.after);
    let mut items = Vec::with_capacity(events.len());
    for e in events {
        if feed::shown_to(auth.0.role, &e) {
            items.push(feed::public(&e).map_err(|e| AppError::Internal(e.into()))?);
        }
    }
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"items": items, "next_cursor": next.to_string()})))
}

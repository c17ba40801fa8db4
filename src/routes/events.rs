//! `GET /events`: the global ordered log, for integrations and auditors. Confidential detail is
//! stripped from every payload: the feed is a broadcast, not an entitlement.

use actix_web::{web, HttpResponse};
use esrs::Aggregate;
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::domain::contract::{ContractEvent, ContractRegistration};
use crate::domain::listing::{Listing, ListingEvent};
use crate::domain::ownership_grant::{GrantEvent, OwnershipGrant};
use crate::domain::{Recorded, Role};
use crate::error::AppError;
use crate::http::{page_limit, Query};
use crate::startup::AppState;
use crate::store::log::{self, LoggedEvent};
use crate::store::StoreError;

/// How long a page of the feed waits for the log to settle.
const FEED_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// Parts of stored events that belong to their parties, not to the feed: open-call proposals,
/// what negotiating parties write and offer, and what a verification found. (Listings'
/// confidential detail is removed by the aggregate's own `redacted`.)
const PRIVATE: &[(&str, &[&str])] = &[
    ("demand", &["/event/application/proposal"]),
    (
        "negotiation",
        &["/event/message", "/event/note", "/event/offer/terms"],
    ),
    (
        "verification_request",
        &[
            "/event/content/description",
            "/event/milestone/description",
            "/event/report",
            "/event/note",
        ],
    ),
];

/// Whether the feed shows `event` to a viewer of `role`. Statisticians read contracts from
/// registration on and grants from their public notice on, so their feed leaves out what came
/// before (the position still advances past it: the cursor skips, it does not stall).
pub fn shown_to(role: Role, event: &LoggedEvent) -> bool {
    if role != Role::Statistician {
        return true;
    }
    let hidden: &[&str] = match event.aggregate_type.as_str() {
        t if t == ContractRegistration::NAME => &ContractEvent::BEFORE_REGISTER,
        t if t == OwnershipGrant::NAME => &GrantEvent::BEFORE_NOTICE,
        _ => &[],
    };
    !hidden.contains(&event.event_type.as_str())
}

/// The payload with everything confidential removed, whatever the aggregate.
pub fn public_payload(event: &LoggedEvent) -> Result<serde_json::Value, AppError> {
    if event.aggregate_type == Listing::NAME {
        let mut recorded: Recorded<ListingEvent> =
            event.recorded().map_err(|e| AppError::Internal(e.into()))?;
        recorded.event = recorded.event.redacted();
        return serde_json::to_value(recorded).map_err(|e| AppError::Internal(e.into()));
    }
    let mut payload = event
        .payload_value()
        .map_err(|e| AppError::Internal(e.into()))?;
    for (aggregate, pointers) in PRIVATE {
        if event.aggregate_type != *aggregate {
            continue;
        }
        for pointer in *pointers {
            let (parent, key) = pointer.rsplit_once('/').expect("pointers have a parent");
            if let Some(obj) = payload.pointer_mut(parent).and_then(|p| p.as_object_mut()) {
                obj.remove(key);
            }
        }
    }
    Ok(payload)
}

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
        return Err(AppError::BadRequest {
            detail: "the query string is not valid".into(),
            errors: vec![crate::domain::FieldError::new(
                "after",
                "must be a position, 0 or more",
            )],
        });
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
    for mut e in events {
        if !shown_to(auth.0.role, &e) {
            continue;
        }
        e.payload = serde_json::value::to_raw_value(&public_payload(&e)?)
            .map_err(|e| AppError::Internal(e.into()))?;
        items.push(e);
    }
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"items": items, "next_cursor": next.to_string()})))
}

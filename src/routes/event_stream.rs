//! `GET /events/stream`: the feed of `GET /events` as server-sent events, live. Each event's
//! `id` is its log position, so a client that reconnects with `Last-Event-ID` (or `after`)
//! gets exactly what it missed: the log is read in order and only below the horizon, as every
//! follower reads it, so nothing committed late is passed over and nothing comes twice.
//! Visibility is the feed's own ([`feed`]). A comment line goes out when
//! nothing else has for a while, so proxies keep the connection and a client that has gone is
//! noticed at the next write; the stream is then dropped with its state (no task of its own).

use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::http::streams::Slot;
use crate::http::Query;
use crate::projections::feed;
use crate::state::AppState;
use crate::store::log::{self, LoggedEvent};

/// Entries read at a time.
const PAGE: i64 = 200;
/// How long the stream waits for a command before it reads the log again anyway.
const POLL: Duration = Duration::from_millis(250);
/// The aggregate types a stream can be filtered by.
const TYPES: &[&str] = &[
    "listing",
    "demand",
    "negotiation",
    "contract_registration",
    "verification_request",
    "ownership_grant",
    "market_sale",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StreamQuery {
    after: Option<i64>,
    /// Comma-separated aggregate types; all when absent.
    aggregate_type: Option<String>,
}

fn bad(field: &str, message: &str) -> AppError {
    AppError::BadRequest {
        detail: "the request is not valid".into(),
        errors: vec![FieldError::new(field, message)],
    }
}

/// Where the stream starts: `Last-Event-ID` (a reconnecting browser sends it) over `after`.
fn start(req: &HttpRequest, after: Option<i64>) -> Result<i64, AppError> {
    if let Some(v) = req.headers().get("Last-Event-ID") {
        return v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .filter(|p| *p >= 0)
            .ok_or_else(|| bad("Last-Event-ID", "must be an event id this stream sent"));
    }
    match after {
        Some(p) if p < 0 => Err(bad("after", "must be a position, 0 or more")),
        Some(p) => Ok(p),
        None => Ok(0),
    }
}

fn types(filter: Option<&str>) -> Result<Option<Vec<String>>, AppError> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for t in filter.split(',').map(str::trim) {
        if !TYPES.contains(&t) {
            return Err(bad(
                "aggregate_type",
                &format!("unknown aggregate type {t:?}; one of {}", TYPES.join(", ")),
            ));
        }
        out.push(t.to_string());
    }
    Ok(Some(out))
}

struct Cursor {
    state: web::Data<AppState>,
    position: i64,
    role: Role,
    types: Option<Vec<String>>,
    heartbeat: Duration,
    last_sent: Instant,
    _slot: Slot,
}

/// One event as SSE: its position as the id, `<aggregate>.<event>` as the event name.
fn frame(e: &LoggedEvent) -> Result<String, AppError> {
    let shown = feed::public(e).map_err(|err| AppError::Internal(err.into()))?;
    let data = serde_json::to_string(&shown).map_err(|err| AppError::Internal(err.into()))?;
    Ok(format!(
        "id: {}\nevent: {}.{}\ndata: {data}\n\n",
        e.position, e.aggregate_type, e.event_type
    ))
}

impl Cursor {
    /// The next bytes to send: events, or a heartbeat after a quiet while.
    async fn next(&mut self) -> Result<Bytes, AppError> {
        loop {
            let page = {
                let mut rc = self.state.db.read().await?;
                log::page_after(&mut rc.conn(), self.position, PAGE).await?
            };
            let mut out = String::new();
            for e in &page.entries {
                self.position = e.position;
                let wanted = self
                    .types
                    .as_ref()
                    .is_none_or(|t| t.contains(&e.aggregate_type));
                if wanted && feed::shown_to(self.role, e) {
                    out.push_str(&frame(e)?);
                }
            }
            if !out.is_empty() {
                self.last_sent = Instant::now();
                return Ok(Bytes::from(out));
            }
            if page.read_again().await {
                continue;
            }
            if self.last_sent.elapsed() >= self.heartbeat {
                self.last_sent = Instant::now();
                return Ok(Bytes::from_static(b": heartbeat\n\n"));
            }
            tokio::select! {
                _ = self.state.appended.notified() => {}
                _ = tokio::time::sleep(POLL.min(self.heartbeat)) => {}
            }
        }
    }
}

pub(super) async fn stream(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    q: Query<StreamQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::PlatformAdmin, Role::Statistician])?;
    let position = start(&req, q.0.after)?;
    let types = types(q.0.aggregate_type.as_deref())?;
    let max = state.settings.sse_max_streams_per_user;
    let slot =
        state
            .streams
            .take(auth.0.user_id, max)
            .ok_or_else(|| AppError::TooManyRequests {
                detail: format!("at most {max} event streams at a time; close one first"),
                retry_after_secs: 5,
            })?;
    let cursor = Cursor {
        heartbeat: Duration::from_millis(state.settings.sse_heartbeat_ms),
        state,
        position,
        role: auth.0.role,
        types,
        last_sent: Instant::now(),
        _slot: slot,
    };
    // A comment first, so the client sees the stream open before the first event.
    let opened =
        futures::stream::once(async { Ok::<_, AppError>(Bytes::from_static(b": open\n\n")) });
    let events = futures::stream::unfold(cursor, |mut c| async move {
        let item = c.next().await;
        // An error ends the stream after it is logged; the client reconnects from its last id.
        match item {
            Ok(bytes) => Some((Ok(bytes), c)),
            Err(e) => {
                tracing::warn!(error = %e, "an event stream ends on an error");
                None
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures::StreamExt::chain(opened, events)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_known_aggregate_types_only() {
        assert_eq!(types(None).unwrap(), None);
        assert_eq!(
            types(Some("listing, demand")).unwrap(),
            Some(vec!["listing".to_string(), "demand".to_string()])
        );
        assert!(types(Some("listing,weather")).is_err());
        assert!(types(Some("")).is_err());
    }
}

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::AppError;
use crate::metrics::Progress;
use crate::state::AppState;

/// `/readyz` answers within this, whatever the database does: a load balancer asking "can you
/// work?" must not hang on a database that hangs. A healthy ping takes milliseconds.
pub const READY_TIMEOUT: Duration = Duration::from_millis(500);

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The store answers: the service can do useful work. Otherwise 503 (problem+json with
/// `Retry-After`), within [`READY_TIMEOUT`]. The answer also says how far each of the log's
/// followers has read (as they last saw the log's head; no further query): a follower that lags
/// is worth a look but does not make the instance unready, its requests are still answered.
pub async fn readyz(
    state: web::Data<AppState>,
    progress: web::Data<Progress>,
) -> Result<HttpResponse, AppError> {
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => {
            let followers: serde_json::Map<String, serde_json::Value> = progress
                .followers()
                .into_iter()
                .map(|f| {
                    let standing = json!({"position": f.position, "lag": f.lag});
                    (f.name.to_string(), standing)
                })
                .collect();
            Ok(HttpResponse::Ok().json(json!({
                "status": "ready",
                "backend": state.db.backend(),
                "log_head": progress.head(),
                "followers": followers,
            })))
        }
        Ok(Err(e)) => Err(AppError::Unavailable(anyhow::Error::new(e))),
        Err(_) => Err(AppError::Unavailable(anyhow::anyhow!(
            "the database did not answer a ping within {} ms",
            READY_TIMEOUT.as_millis()
        ))),
    }
}

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

/// `/readyz` answers within this, whatever the database does: a load balancer asking "can you
/// work?" must not hang on a database that hangs. A healthy ping takes milliseconds.
pub const READY_TIMEOUT: Duration = Duration::from_millis(500);

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The store answers: the service can do useful work. Otherwise 503 (problem+json with
/// `Retry-After`), within [`READY_TIMEOUT`].
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => {
            Ok(HttpResponse::Ok().json(json!({"status": "ready", "backend": state.db.backend()})))
        }
        Ok(Err(e)) => Err(AppError::Unavailable(anyhow::Error::new(e))),
        Err(_) => Err(AppError::Unavailable(anyhow::anyhow!(
            "the database did not answer a ping within {} ms",
            READY_TIMEOUT.as_millis()
        ))),
    }
}

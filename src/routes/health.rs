use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::AppError;
use crate::startup::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The store answers: the service can do useful work.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    match state.db.ping().await {
        Ok(()) => {
            Ok(HttpResponse::Ok().json(json!({"status": "ready", "backend": state.db.backend()})))
        }
        Err(e) => {
            tracing::warn!(error = %e, "store not reachable");
            Ok(HttpResponse::ServiceUnavailable()
                .content_type(crate::error::PROBLEM_JSON)
                .json(json!({"type": "/problems/unavailable", "title": "Store unreachable", "status": 503, "detail": "the database does not answer"})))
        }
    }
}

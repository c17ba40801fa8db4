//! One error type for the whole service. Every failure leaves as `application/problem+json`
//! (RFC 9457); 500s are logged with their cause and answered without it.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::{DomainError, FieldError};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("validation failed")]
    Unprocessable(Vec<FieldError>),
    /// 422 for an uploaded file: its faults, each on its line, and what became of the file.
    #[error("{detail}")]
    InvalidFile {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// `current` is unknown when another command appended between our load and our append.
    #[error("version {expected} is no longer the current version")]
    PreconditionFailed { expected: i32, current: Option<i32> },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A rate limit is spent; try again after `retry_after_secs`.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    /// The database is out of reach for now (restarting, unreachable, out of connections): 503
    /// with `Retry-After`, logged at WARN. The cause is logged, never answered.
    #[error("the database is unavailable")]
    Unavailable(anyhow::Error),
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// What a 503 asks the client to wait before retrying, in seconds: about what a PostgreSQL
/// restart takes.
pub const RETRY_AFTER_SECONDS: u32 = 3;

impl From<anyhow::Error> for AppError {
    /// An error whose chain of causes says the database was out of reach is a 503, however it
    /// travelled; anything else is a 500.
    fn from(e: anyhow::Error) -> Self {
        if crate::store::unavailable_in(e.as_ref()) {
            AppError::Unavailable(e)
        } else {
            AppError::Internal(e)
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict(
                "the resource was changed concurrently; reload it and retry".into(),
            ),
            StoreError::Invariant(message) => AppError::Conflict(message),
            StoreError::TooLarge(message) => {
                AppError::Unprocessable(vec![crate::domain::FieldError::new("from", message)])
            }
            unavailable @ (StoreError::Unavailable(_) | StoreError::Lagging) => {
                AppError::Unavailable(anyhow::Error::new(unavailable))
            }
            other => AppError::from(anyhow::Error::new(other)),
        }
    }
}

impl From<crate::projections::search::SearchError> for AppError {
    fn from(e: crate::projections::search::SearchError) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::from(StoreError::from(e))
    }
}

impl AppError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        AppError::BadRequest {
            detail: detail.into(),
            errors: vec![],
        }
    }
    /// 400: the query string's `field` is wrong, and why.
    pub fn bad_query(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            detail: "the query string is not valid".into(),
            errors: vec![FieldError::new(field, message)],
        }
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Unprocessable(vec![FieldError::new(field, message)])
    }

    /// `(status, type slug, title)`; the slug names the problem type documented in the API spec.
    fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        use AppError::*;
        match self {
            Domain(DomainError::Invalid(_)) | Unprocessable(_) | InvalidFile { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request is not valid",
            ),
            Domain(DomainError::Forbidden(_)) | Forbidden(_) => {
                (StatusCode::FORBIDDEN, "forbidden", "Not allowed")
            }
            Domain(DomainError::Conflict(_)) | Conflict(_) => (
                StatusCode::CONFLICT,
                "conflict",
                "Not allowed in the current state",
            ),
            Domain(DomainError::NotFound) | NotFound => {
                (StatusCode::NOT_FOUND, "not-found", "Not found")
            }
            BadRequest { .. } => (
                StatusCode::BAD_REQUEST,
                "malformed",
                "The request is malformed",
            ),
            Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            PreconditionFailed { .. } => (
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "The resource has changed",
            ),
            PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request body too large",
            ),
            NotAcceptable(_) => (
                StatusCode::NOT_ACCEPTABLE,
                "not-acceptable",
                "Not acceptable",
            ),
            UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "media-type",
                "Unsupported media type",
            ),
            MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method",
                "Method not allowed",
            ),
            TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::Domain(DomainError::Invalid(_)) | AppError::Unprocessable(_) => {
                "one or more fields are invalid; see errors".into()
            }
            AppError::Domain(DomainError::NotFound) | AppError::NotFound => {
                "no such resource".into()
            }
            AppError::Internal(_) => "an internal error occurred; it has been logged".into(),
            AppError::Unavailable(_) => format!(
                "the database cannot be reached at the moment; retry in {RETRY_AFTER_SECONDS} seconds"
            ),
            other => other.to_string(),
        }
    }

    /// Every failed request is logged here, once, at the level its meaning deserves (see
    /// `telemetry`): only a fault of ours is an ERROR.
    fn log(&self, status: StatusCode) {
        use AppError::*;
        let status = status.as_u16();
        match self {
            Internal(cause) => tracing::error!(status, error = ?cause, "request failed"),
            // A passing condition outside the service, which recovers by itself.
            Unavailable(cause) => tracing::warn!(
                status,
                error = %format!("{cause:#}"),
                "database unavailable; answered 503"
            ),
            // Two commands raced for one stream, or the state no longer allows the command: a
            // normal answer, which the client resolves by reloading.
            Conflict(_) | Domain(DomainError::Conflict(_)) | PreconditionFailed { .. } => {
                tracing::info!(status, error = %self, "request refused: conflict")
            }
            _ => tracing::warn!(status, error = ?self, "request refused"),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Domain(DomainError::Invalid(e)) | AppError::Unprocessable(e) => e,
            AppError::BadRequest { errors, .. } | AppError::InvalidFile { errors, .. } => errors,
            _ => &[],
        }
    }
}

#[derive(Serialize)]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'a str,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub errors: &'a [FieldError],
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.kind().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, slug, title) = self.kind();
        self.log(status);
        let body = Problem {
            kind: format!("/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail: self.detail(),
            errors: self.field_errors(),
        };
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let AppError::PreconditionFailed {
            current: Some(current),
            ..
        } = self
        {
            resp.insert_header((header::ETAG, format!("\"{current}\"")));
        }
        if let AppError::Unauthorized(_) = self {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let AppError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::Unavailable(_) = self {
            resp.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
        }
        resp.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(e: AppError) -> (u16, serde_json::Value) {
        let resp = e.error_response();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let (status, body) = body_of(AppError::Internal(anyhow::anyhow!(
            "relation \"users\" does not exist"
        )));
        assert_eq!(status, 500);
        assert!(!body.to_string().contains("relation"));
    }

    #[test]
    fn an_unreachable_database_is_a_503_with_retry_after_and_no_cause() {
        let unreachable: [fn() -> sqlx::Error; 3] = [
            || sqlx::Error::PoolTimedOut,
            || sqlx::Error::PoolClosed,
            || {
                sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by 10.0.0.7",
                ))
            },
        ];
        for make in unreachable {
            let app = AppError::from(make());
            assert!(matches!(app, AppError::Unavailable(_)), "{app:?}");
            let resp = app.error_response();
            assert_eq!(resp.status().as_u16(), 503);
            assert_eq!(
                resp.headers().get(header::RETRY_AFTER).unwrap(),
                &RETRY_AFTER_SECONDS.to_string()
            );
            assert_eq!(
                resp.headers().get(header::CONTENT_TYPE).unwrap(),
                PROBLEM_JSON
            );
            let (status, body) = body_of(AppError::from(make()));
            assert_eq!(status, 503);
            assert_eq!(body["type"], "/problems/unavailable");
            assert_eq!(body["status"], 503);
            assert!(!body.to_string().contains("10.0.0.7"), "{body}");
        }
    }

    #[test]
    fn unavailability_is_recognised_however_it_travelled() {
        // Inside a store error inside anyhow (a route that wrapped it), and as a plain store error.
        let wrapped = anyhow::Error::new(StoreError::from(sqlx::Error::PoolTimedOut))
            .context("loading the listing");
        assert!(matches!(AppError::from(wrapped), AppError::Unavailable(_)));
        assert!(matches!(
            AppError::from(StoreError::from(sqlx::Error::PoolClosed)),
            AppError::Unavailable(_)
        ));
        // A boxed driver error, as esrs hands back a transactional handler's failure.
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(sqlx::Error::PoolTimedOut);
        assert!(matches!(
            StoreError::from_boxed(boxed),
            StoreError::Unavailable(_)
        ));
        // Other database errors stay 500s.
        assert!(matches!(
            AppError::from(sqlx::Error::RowNotFound),
            AppError::Internal(_)
        ));
        assert!(matches!(
            AppError::from(anyhow::anyhow!("disk full")),
            AppError::Internal(_)
        ));
    }

    #[test]
    fn server_going_away_sqlstates_are_unavailability() {
        for code in [
            "08000", "08003", "08006", "08001", "08004", "57P01", "57P02", "57P03", "53300",
        ] {
            assert!(crate::store::is_unavailable_sqlstate(code), "{code}");
        }
        for code in ["23505", "40001", "40P01", "42P01", "53100", "57014"] {
            assert!(!crate::store::is_unavailable_sqlstate(code), "{code}");
        }
    }

    #[test]
    fn validation_errors_list_each_field() {
        let (status, body) = body_of(DomainError::invalid("trl", "must be between 1 and 9").into());
        assert_eq!(status, 422);
        assert_eq!(body["type"], "/problems/validation");
        assert_eq!(body["errors"][0]["field"], "trl");
    }

    #[test]
    fn domain_refusals_map_to_their_statuses() {
        assert_eq!(body_of(DomainError::forbidden("x").into()).0, 403);
        assert_eq!(body_of(DomainError::conflict("x").into()).0, 409);
        assert_eq!(body_of(DomainError::NotFound.into()).0, 404);
        assert_eq!(
            body_of(AppError::PreconditionFailed {
                expected: 1,
                current: Some(2)
            })
            .0,
            412
        );
    }
}

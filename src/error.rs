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
    UnsupportedMediaType(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A rate limit is spent; try again after `retry_after_secs`.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict(
                "the resource was changed concurrently; reload it and retry".into(),
            ),
            StoreError::Invariant(message) => AppError::Conflict(message),
            other => AppError::Internal(anyhow::Error::new(other)),
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
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Unprocessable(vec![FieldError::new(field, message)])
    }

    /// `(status, type slug, title)`; the slug names the problem type documented in the API spec.
    fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        use AppError::*;
        match self {
            Domain(DomainError::Invalid(_)) | Unprocessable(_) => (
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
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Domain(DomainError::Invalid(e)) | AppError::Unprocessable(e) => e,
            AppError::BadRequest { errors, .. } => errors,
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
        if let AppError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
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

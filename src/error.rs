//! One error type for the whole service. Every failure leaves as `application/problem+json`
//! (RFC 9457); 500s are logged with their cause and answered without it.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::{DomainError, FieldError};
use crate::http::language::{self, EnglishProblem, Lang};
use crate::store::aggregates::CommandError;
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
            StoreError::Conflict => AppError::Conflict(CHANGED_CONCURRENTLY.into()),
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

impl From<CommandError> for AppError {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Refused(e) => AppError::Domain(e),
            CommandError::Stale { expected, current } => {
                AppError::PreconditionFailed { expected, current }
            }
            CommandError::Store(e) => AppError::from(e),
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

/// A problem type's title, in English and in Chinese.
struct Title(&'static str, &'static str);

/// The detail of a 409 for two commands that raced for one stream.
pub const CHANGED_CONCURRENTLY: &str = "the resource was changed concurrently; reload it and retry";

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
            detail: language::INVALID_QUERY.into(),
            errors: vec![FieldError::new(field, message)],
        }
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Unprocessable(vec![FieldError::new(field, message)])
    }

    /// `(status, type slug, title)`; the slug names the problem type documented in the API spec,
    /// the title is in English and in Chinese.
    fn kind(&self) -> (StatusCode, &'static str, Title) {
        use AppError::*;
        match self {
            Domain(DomainError::Invalid(_)) | Unprocessable(_) | InvalidFile { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                Title("The request is not valid", "请求内容无效"),
            ),
            Domain(DomainError::Forbidden(_)) | Forbidden(_) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                Title("Not allowed", "无权进行此操作"),
            ),
            Domain(DomainError::Conflict(_)) | Conflict(_) => (
                StatusCode::CONFLICT,
                "conflict",
                Title("Not allowed in the current state", "当前状态下不允许此操作"),
            ),
            Domain(DomainError::NotFound) | NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                Title("Not found", "未找到"),
            ),
            BadRequest { .. } => (
                StatusCode::BAD_REQUEST,
                "malformed",
                Title("The request is malformed", "请求格式错误"),
            ),
            Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                Title("Authentication required", "需要身份验证"),
            ),
            PreconditionFailed { .. } => (
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                Title("The resource has changed", "资源已被修改"),
            ),
            PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                Title("Request body too large", "请求体过大"),
            ),
            NotAcceptable(_) => (
                StatusCode::NOT_ACCEPTABLE,
                "not-acceptable",
                Title("Not acceptable", "无法提供所要求的格式"),
            ),
            UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "media-type",
                Title("Unsupported media type", "不支持的媒体类型"),
            ),
            MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method",
                Title("Method not allowed", "不支持该请求方法"),
            ),
            TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                Title("Too many requests", "请求过于频繁"),
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                Title("Service unavailable", "服务暂时不可用"),
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                Title("Internal error", "内部错误"),
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

    /// The detail in Chinese: the error layer's own texts, and the HTTP layer's fixed ones (see
    /// [`language::zh`]); a route's or the domain's text as it was written.
    fn detail_zh(&self) -> String {
        match self {
            AppError::Domain(DomainError::Invalid(_)) | AppError::Unprocessable(_) => {
                "一个或多个字段无效，详见 errors".into()
            }
            AppError::Domain(DomainError::NotFound) | AppError::NotFound => "资源不存在".into(),
            AppError::Internal(_) => "发生了内部错误，已记录在日志中".into(),
            AppError::Unavailable(_) => {
                format!("暂时无法连接数据库，请在 {RETRY_AFTER_SECONDS} 秒后重试")
            }
            AppError::PreconditionFailed { expected, .. } => {
                format!("版本 {expected} 已不是当前版本")
            }
            AppError::PayloadTooLarge { limit } => format!("请求体超过 {limit} 字节"),
            AppError::Conflict(detail) if detail == CHANGED_CONCURRENTLY => {
                "资源已被同时修改，请重新加载后重试".into()
            }
            other => {
                let detail = other.detail();
                language::zh(&detail).unwrap_or(detail)
            }
        }
    }

    /// The problem details in `lang`. Field messages the HTTP layer wrote (serde's phrasings)
    /// read in Chinese; the domain's stay as written.
    fn render(&self, lang: Lang) -> String {
        let (status, slug, title) = self.kind();
        let errors = self.field_errors();
        let translated: Vec<FieldError>;
        let (title, detail, errors) = match lang {
            Lang::En => (title.0, self.detail(), errors),
            Lang::Zh => {
                translated = errors
                    .iter()
                    .map(|e| FieldError {
                        message: language::zh(&e.message).unwrap_or_else(|| e.message.clone()),
                        ..e.clone()
                    })
                    .collect();
                (title.1, self.detail_zh(), &translated[..])
            }
        };
        let body = Problem {
            kind: format!("/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail,
            errors,
        };
        serde_json::to_string(&body).unwrap_or_default()
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

    /// The problem in Chinese, with `Content-Language: zh-CN`, and its English rendering in the
    /// response's extensions for [`language::localize_problems`] to send to a client that
    /// prefers English.
    fn error_response(&self) -> HttpResponse {
        let status = self.kind().0;
        self.log(status);
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        resp.insert_header((header::CONTENT_LANGUAGE, Lang::Zh.tag()));
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
        resp.extensions_mut()
            .insert(EnglishProblem(self.render(Lang::En).into()));
        resp.body(self.render(Lang::Zh))
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
    fn problems_are_in_chinese_with_the_english_beside_them() {
        let e = AppError::Unprocessable(vec![
            FieldError::new("kind", "unknown variant `x`, expected `a` or `b`"),
            FieldError::new("trl", "must be between 1 and 9"),
        ]);
        let resp = e.error_response();
        assert_eq!(
            resp.headers().get(header::CONTENT_LANGUAGE).unwrap(),
            "zh-CN"
        );
        let english = resp.extensions().get::<EnglishProblem>().unwrap().0.clone();
        let english: serde_json::Value = serde_json::from_slice(&english).unwrap();
        let (_, chinese) = body_of(e);
        assert_eq!(chinese["title"], "请求内容无效");
        assert_eq!(chinese["detail"], "一个或多个字段无效，详见 errors");
        assert_eq!(chinese["errors"][0]["field"], "kind");
        assert_eq!(
            chinese["errors"][0]["message"],
            "未知取值 `x`，可选值：`a`、`b`"
        );
        // The domain's own words stay as written.
        assert_eq!(chinese["errors"][1]["message"], "must be between 1 and 9");
        assert_eq!(english["title"], "The request is not valid");
        assert_eq!(
            english["detail"],
            "one or more fields are invalid; see errors"
        );
        assert_eq!(
            english["errors"][0]["message"],
            "unknown variant `x`, expected `a` or `b`"
        );
        // Same shape apart from the language.
        for key in ["type", "status"] {
            assert_eq!(chinese[key], english[key]);
        }
        let (_, p) = body_of(AppError::PreconditionFailed {
            expected: 3,
            current: Some(4),
        });
        assert_eq!(p["title"], "资源已被修改");
        assert_eq!(p["detail"], "版本 3 已不是当前版本");
        let (_, p) = body_of(StoreError::Conflict.into());
        assert_eq!(p["detail"], "资源已被同时修改，请重新加载后重试");
        let (_, p) = body_of(AppError::Forbidden("only the owner may".into()));
        assert_eq!(
            (p["title"].as_str(), p["detail"].as_str()),
            (Some("无权进行此操作"), Some("only the owner may"))
        );
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

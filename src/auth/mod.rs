//! Who is calling: bearer tokens become an [`Actor`]; roles are checked by the routes and the
//! aggregates, never taken from a request body.

pub mod jwt;
pub mod password;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::domain::{Actor, Role};
use crate::error::AppError;
use crate::startup::AppState;

fn actor_from(req: &HttpRequest) -> Result<Option<Actor>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| AppError::Unauthorized("use Authorization: Bearer <token>".into()))?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    state
        .tokens
        .verify(token)
        .map(Some)
        .ok_or_else(|| AppError::Unauthorized("the access token is invalid or has expired".into()))
}

/// A caller with a valid token; 401 otherwise.
pub struct Authenticated(pub Actor);

impl Authenticated {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&Actor, AppError> {
        if roles.contains(&self.0.role) {
            Ok(&self.0)
        } else {
            let names: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
            Err(AppError::Forbidden(format!(
                "this needs the role {}",
                names.join(" or ")
            )))
        }
    }
}

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(actor_from(req).and_then(|a| {
            a.map(Authenticated)
                .ok_or_else(|| AppError::Unauthorized("this needs an access token".into()))
        }))
    }
}

/// Anonymous callers are welcome (the public catalogue), but a bad token is still a 401.
pub struct MaybeAuthenticated(pub Option<Actor>);

impl FromRequest for MaybeAuthenticated {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(actor_from(req).map(MaybeAuthenticated))
    }
}

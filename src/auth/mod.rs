//! Who is calling: bearer tokens become an [`Actor`]; roles are checked by the routes and the
//! aggregates, never taken from a request body.
//!
//! A token proves who signed in, not what they may do now: every request reads the account, and
//! a token of an account that is gone, disabled, or changed since (its version moved on with a
//! new role, a removal from its organization, a new password) is refused on the spot. The actor
//! is built from the account as it is, so an approved membership counts at once.

pub mod jwt;
pub mod password;
pub mod rate_limit;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;

use crate::domain::membership::{AccountStatus, Manager};
use crate::domain::{Actor, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts;

/// Routes a user who must change their password may still use.
const PASSWORD_CHANGE_ROUTES: &[(&str, &str)] =
    &[("GET", "/api/v1/me"), ("POST", "/api/v1/me/password")];

fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| Some(t.trim().to_string()))
        .ok_or_else(|| AppError::Unauthorized("use Authorization: Bearer <token>".into()))
}

/// The caller as the account stands now, or 401.
async fn caller(
    state: web::Data<AppState>,
    token: String,
    method: String,
    path: String,
) -> Result<Authenticated, AppError> {
    let verified = state.tokens.verify(&token).ok_or_else(|| {
        AppError::Unauthorized("the access token is invalid or has expired".into())
    })?;
    let user = accounts::user_by_id(&mut state.db.read().await?.conn(), verified.actor.user_id)
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized("the account behind this token no longer exists".into())
        })?;
    match user.status {
        AccountStatus::Active => {}
        AccountStatus::Disabled => {
            return Err(AppError::Unauthorized("this account is disabled".into()))
        }
        AccountStatus::Removed => {
            return Err(AppError::Unauthorized(
                "the account behind this token no longer exists".into(),
            ))
        }
    }
    if user.token_version != verified.version {
        return Err(AppError::Unauthorized(
            "the account has changed since this token was issued; sign in again".into(),
        ));
    }
    let allowed_while_forced = PASSWORD_CHANGE_ROUTES
        .iter()
        .any(|(m, p)| *m == method && *p == path);
    if user.must_change_password && !allowed_while_forced {
        return Err(AppError::Forbidden(
            "a new password is required first: POST /api/v1/me/password".into(),
        ));
    }
    Ok(Authenticated(
        Actor {
            user_id: user.id,
            role: user.role,
            organization_id: user.organization_id,
        },
        Standing {
            organization_admin: user.organization_admin,
            token_version: user.token_version,
        },
    ))
}

fn resolve(req: &HttpRequest) -> LocalBoxFuture<'static, Result<Option<Authenticated>, AppError>> {
    let token = match bearer(req) {
        Ok(t) => t,
        Err(e) => return Box::pin(std::future::ready(Err(e))),
    };
    let Some(token) = token else {
        return Box::pin(std::future::ready(Ok(None)));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Box::pin(std::future::ready(Err(AppError::Internal(
            anyhow::anyhow!("application state missing"),
        ))));
    };
    let method = req.method().to_string();
    let path = req.path().to_string();
    Box::pin(async move { caller(state, token, method, path).await.map(Some) })
}

/// What the account says beyond the [`Actor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Manages the members of its organization.
    pub organization_admin: bool,
    pub token_version: i64,
}

/// A caller with a valid token of an active account; 401 otherwise.
pub struct Authenticated(pub Actor, pub Standing);

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

    /// The caller as a manager of organizations' members.
    pub fn manager(&self) -> Manager {
        Manager {
            actor: self.0,
            organization_admin: self.1.organization_admin,
        }
    }
}

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let fut = resolve(req);
        Box::pin(async move {
            fut.await?
                .ok_or_else(|| AppError::Unauthorized("this needs an access token".into()))
        })
    }
}

/// Anonymous callers are welcome (the public catalogue), but a bad token is still a 401.
pub struct MaybeAuthenticated(pub Option<Actor>);

impl FromRequest for MaybeAuthenticated {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let fut = resolve(req);
        Box::pin(async move { Ok(MaybeAuthenticated(fut.await?.map(|a| a.0))) })
    }
}

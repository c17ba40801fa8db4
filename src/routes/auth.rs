//! `POST /auth/register`, `POST /auth/login`, `GET /me`, `GET /users/{id}`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{password, Authenticated};
use crate::domain::user::{login_email, NewUser, RegistrationInput};
use crate::domain::{Actor, Role};
use crate::error::AppError;
use crate::http::Body;
use crate::startup::AppState;
use crate::store::accounts::{self, NewUserRow, User};
use crate::store::Db;

/// The public shape of a user: never the password hash.
#[derive(Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Option<Uuid>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            organization_id: u.organization_id,
        }
    }
}

/// Shared by self-service registration and `techmarket user add`.
pub async fn create_user(db: &Db, new: NewUser) -> Result<User, AppError> {
    let mut rc = db.read().await?;
    if let Some(org) = new.organization_id {
        if accounts::organization(&mut rc.conn(), org).await?.is_none() {
            return Err(AppError::invalid("organization_id", "no such organization"));
        }
    }
    drop(rc);
    let hash = password::hash(new.password.expose().to_string()).await?;
    let mut tx = db.begin().await?;
    let row = NewUserRow {
        email: new.email.as_str(),
        password_hash: &hash,
        display_name: new.display_name.as_str(),
        role: new.role,
        organization_id: new.organization_id,
    };
    let user = accounts::insert_user(&mut tx.conn(), row, Utc::now())
        .await?
        .ok_or_else(|| {
            AppError::Conflict("an account with this e-mail address already exists".into())
        })?;
    tx.commit().await?;
    Ok(user)
}

pub(super) async fn register(
    state: web::Data<AppState>,
    body: Body<RegistrationInput>,
) -> Result<HttpResponse, AppError> {
    let new = NewUser::parse(body.value, true)?;
    let user = create_user(&state.db, new).await?;
    tracing::info!(user_id = %user.id, role = %user.role, "user registered");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(UserView::from(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginInput {
    email: String,
    password: SecretString,
}

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
}

pub(super) async fn login(
    state: web::Data<AppState>,
    body: Body<LoginInput>,
) -> Result<HttpResponse, AppError> {
    let email = login_email(&body.value.email).map_err(|e| AppError::Unprocessable(vec![e]))?;
    let pw = body.value.password.expose_secret();
    if pw.is_empty() || pw.len() > 1024 {
        return Err(AppError::invalid(
            "password",
            "must be between 1 and 1024 characters",
        ));
    }
    let user = accounts::user_by_email(&mut state.db.read().await?.conn(), &email).await?;
    let ok = password::verify(
        pw.to_string(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    let user = match user {
        Some(u) if ok => u,
        _ => {
            return Err(AppError::Unauthorized(
                "wrong e-mail address or password".into(),
            ))
        }
    };
    let actor = Actor {
        user_id: user.id,
        role: user.role,
        organization_id: user.organization_id,
    };
    let token = state.tokens.issue(&actor, Utc::now())?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl_seconds,
        }))
}

pub(super) async fn me(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, AppError> {
    let user = accounts::user_by_id(&mut state.db.read().await?.conn(), auth.0.user_id)
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized("the account behind this token no longer exists".into())
        })?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// A user's own record, or any record for a platform admin; 404 for everyone else.
pub(super) async fn user(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if auth.0.user_id != id && auth.0.role != Role::PlatformAdmin {
        return Err(AppError::NotFound);
    }
    let user = accounts::user_by_id(&mut state.db.read().await?.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

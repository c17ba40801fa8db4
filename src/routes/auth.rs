//! `POST /auth/register`, `POST /auth/login`, `POST /auth/password-reset`, `GET /me`,
//! `POST /me/password`, `GET /users/{id}`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::{self, admin};
use crate::auth::rate_limit::{self, client_address, Bucket};
use crate::auth::{password, Authenticated};
use crate::domain::membership::AccountStatus;
use crate::domain::user::{login_email, NewUser, Password, RegistrationInput};
use crate::domain::{Actor, Role};
use crate::error::AppError;
use crate::http::Body;
use crate::state::AppState;
use crate::store::accounts::{self as account_rows, User};
use crate::store::membership::MembershipRequest;

/// The public shape of a user: never the password hash.
#[derive(Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The organization the user is a member of: granted, never claimed.
    pub organization_id: Option<Uuid>,
    pub organization_admin: bool,
    pub status: AccountStatus,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            organization_id: u.organization_id,
            organization_admin: u.organization_admin,
            status: u.status,
            must_change_password: u.must_change_password,
            created_at: u.created_at,
        }
    }
}

#[derive(Serialize)]
struct RegisteredView {
    #[serde(flatten)]
    user: UserView,
    /// The request to join the organization named at registration, for its admins to decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    membership_request: Option<MembershipRequest>,
}

pub(super) async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<RegistrationInput>,
) -> Result<HttpResponse, AppError> {
    let address = client_address(&req, &state.settings);
    rate_limit::consume(
        &state.db,
        &state.settings,
        Bucket::RegisterAddress,
        &address,
        state.clock.now(),
    )
    .await?;
    let new = NewUser::parse(body.value, true)?;
    let (user, membership_request) = accounts::register(&state.db, new).await?;
    tracing::info!(user_id = %user.id, role = %user.role, "user registered");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(RegisteredView {
            user: UserView::from(user),
            membership_request,
        }))
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

fn bounded(field: &str, pw: &str) -> Result<(), AppError> {
    if pw.is_empty() || pw.len() > 1024 {
        return Err(AppError::invalid(
            field,
            "must be between 1 and 1024 characters",
        ));
    }
    Ok(())
}

fn token_response(state: &AppState, user: &User) -> Result<HttpResponse, AppError> {
    let actor = Actor {
        user_id: user.id,
        role: user.role,
        organization_id: user.organization_id,
    };
    let token = state.tokens.issue(&actor, user.token_version, Utc::now())?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl_seconds,
        }))
}

/// Counts a failed sign-in against the account and the address.
async fn failed(state: &AppState, email: &str, address: &str) -> Result<(), AppError> {
    let now = state.clock.now();
    let s = &state.settings;
    rate_limit::hit(&state.db, s, Bucket::LoginAccount, email, now).await?;
    rate_limit::hit(&state.db, s, Bucket::LoginAddress, address, now).await
}

pub(super) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<LoginInput>,
) -> Result<HttpResponse, AppError> {
    let email = login_email(&body.value.email).map_err(|e| AppError::Unprocessable(vec![e]))?;
    let pw = body.value.password.expose_secret();
    bounded("password", pw)?;
    // The limits are checked before the password: while spent, even the right one gets 429, so
    // guessing on learns nothing.
    let address = client_address(&req, &state.settings);
    let now = state.clock.now();
    let s = &state.settings;
    rate_limit::check(&state.db, s, Bucket::LoginAccount, &email, now).await?;
    rate_limit::check(&state.db, s, Bucket::LoginAddress, &address, now).await?;
    let user = account_rows::user_by_email(&mut state.db.read().await?.conn(), &email)
        .await?
        .filter(|u| u.status != AccountStatus::Removed);
    let ok = password::verify(
        pw.to_string(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    let user = match user {
        Some(u) if ok => u,
        _ => {
            failed(&state, &email, &address).await?;
            return Err(AppError::Unauthorized(
                "wrong e-mail address or password".into(),
            ));
        }
    };
    rate_limit::clear(&state.db, Bucket::LoginAccount, &email).await?;
    if user.status == AccountStatus::Disabled {
        return Err(AppError::Forbidden(
            "this account is disabled; ask the platform's operator".into(),
        ));
    }
    token_response(&state, &user)
}

pub(super) async fn me(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, AppError> {
    let user = accounts::existing_user(&mut state.db.read().await?.conn(), auth.0.user_id).await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordChange {
    current_password: SecretString,
    new_password: SecretString,
}

/// The caller's own new password; every other token of theirs ends. Answers a fresh token.
pub(super) async fn change_password(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.value;
    bounded("current_password", current_password.expose_secret())?;
    let new = Password::parse(new_password).map_err(|e| {
        AppError::Unprocessable(vec![crate::domain::FieldError::new(
            "new_password",
            e.message,
        )])
    })?;
    let me = accounts::existing_user(&mut state.db.read().await?.conn(), auth.0.user_id).await?;
    let now = state.clock.now();
    // A stolen token must not become a way to guess the password without limit.
    rate_limit::check(
        &state.db,
        &state.settings,
        Bucket::LoginAccount,
        &me.email,
        now,
    )
    .await?;
    match admin::change_own_password(
        &state.db,
        me.id,
        current_password.expose_secret(),
        &new,
        now,
    )
    .await?
    {
        Some(user) => token_response(&state, &user),
        None => {
            rate_limit::hit(
                &state.db,
                &state.settings,
                Bucket::LoginAccount,
                &me.email,
                now,
            )
            .await?;
            Err(AppError::invalid(
                "current_password",
                "is not the current password",
            ))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordReset {
    token: SecretString,
    new_password: SecretString,
}

/// A reset token (issued by an operator) buys one new password; answers a token to go on with.
pub(super) async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<PasswordReset>,
) -> Result<HttpResponse, AppError> {
    let PasswordReset {
        token,
        new_password,
    } = body.value;
    bounded("token", token.expose_secret())?;
    let new = Password::parse(new_password).map_err(|e| {
        AppError::Unprocessable(vec![crate::domain::FieldError::new(
            "new_password",
            e.message,
        )])
    })?;
    let address = client_address(&req, &state.settings);
    let now = state.clock.now();
    let s = &state.settings;
    rate_limit::check(&state.db, s, Bucket::ResetAddress, &address, now).await?;
    match admin::reset_password(&state.db, token.expose_secret(), &new, now).await? {
        Some(user) => token_response(&state, &user),
        None => {
            rate_limit::hit(&state.db, s, Bucket::ResetAddress, &address, now).await?;
            Err(AppError::invalid(
                "token",
                "unknown, already used or expired; ask the operator for a new one",
            ))
        }
    }
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
    let user = accounts::existing_user(&mut state.db.read().await?.conn(), id).await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

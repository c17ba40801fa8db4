//! Accounts and memberships as the service runs them: the rules of `domain::membership` applied
//! to the account tables, each change in one transaction with its audit entry. The HTTP routes
//! and the operator's command line both call these.

pub mod admin;
pub mod membership;

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::password;
use crate::domain::membership::AuditAction;
use crate::domain::user::NewUser;
use crate::domain::DomainError;
use crate::error::AppError;
use crate::store::accounts::{self, NewUserRow, User};
use crate::store::membership::{self as rows, MembershipRequest};
use crate::store::sql::Conn;
use crate::store::Db;

/// Who acts on an account: a signed-in user, or the operator's command line (nil id).
pub const OPERATOR: Uuid = Uuid::nil();

/// A new random token (shown once) and the hash we keep of it.
pub(crate) fn new_token() -> (String, String) {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) async fn audit(
    conn: &mut Conn<'_>,
    by: Uuid,
    user: Option<Uuid>,
    organization: Option<Uuid>,
    action: AuditAction,
    detail: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    rows::record(conn, by, user, organization, action, detail, at).await?;
    Ok(())
}

async fn require_organization(conn: &mut Conn<'_>, id: Uuid) -> Result<(), AppError> {
    if accounts::organization(conn, id).await?.is_none() {
        return Err(AppError::invalid("organization_id", "no such organization"));
    }
    Ok(())
}

/// Creates a user as an operator does: any role, and a membership the operator grants
/// (`techmarket user add --organization`).
pub async fn create_user(
    db: &Db,
    new: NewUser,
    organization_admin: bool,
    by: Uuid,
) -> Result<User, AppError> {
    insert(db, new, true, organization_admin, Some(by))
        .await
        .map(|(u, _)| u)
}

/// Self-service registration: the account has no organization; naming one files a membership
/// request that the organization's admins decide.
pub async fn register(
    db: &Db,
    new: NewUser,
) -> Result<(User, Option<MembershipRequest>), AppError> {
    insert(db, new, false, false, None).await
}

async fn insert(
    db: &Db,
    new: NewUser,
    grant_membership: bool,
    organization_admin: bool,
    by: Option<Uuid>,
) -> Result<(User, Option<MembershipRequest>), AppError> {
    if let Some(org) = new.organization_id {
        require_organization(&mut db.read().await?.conn(), org).await?;
    }
    if organization_admin && new.organization_id.is_none() {
        return Err(AppError::invalid(
            "organization_admin",
            "an organization admin needs an organization",
        ));
    }
    let hash = password::hash(new.password.expose().to_string()).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let row = NewUserRow {
        email: new.email.as_str(),
        password_hash: &hash,
        display_name: new.display_name.as_str(),
        role: new.role,
        organization_id: if grant_membership {
            new.organization_id
        } else {
            None
        },
        organization_admin,
    };
    let user = accounts::insert_user(&mut tx.conn(), row, now)
        .await?
        .ok_or_else(|| {
            AppError::Conflict("an account with this e-mail address already exists".into())
        })?;
    // Self-registration is the user's own act.
    let by = by.unwrap_or(user.id);
    audit(
        &mut tx.conn(),
        by,
        Some(user.id),
        user.organization_id,
        AuditAction::Created,
        json!({"role": user.role, "organization_admin": organization_admin}),
        now,
    )
    .await?;
    let request = match (grant_membership, new.organization_id) {
        (false, Some(org)) => {
            let r = rows::insert_request(&mut tx.conn(), user.id, org, now)
                .await?
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("new user had a request")))?;
            audit(
                &mut tx.conn(),
                user.id,
                Some(user.id),
                Some(org),
                AuditAction::MembershipRequested,
                json!({"request_id": r.id}),
                now,
            )
            .await?;
            Some(r)
        }
        _ => None,
    };
    tx.commit().await?;
    Ok((user, request))
}

/// The user, or 404.
pub(crate) async fn existing_user(conn: &mut Conn<'_>, id: Uuid) -> Result<User, AppError> {
    accounts::user_by_id(conn, id)
        .await?
        .ok_or(AppError::Domain(DomainError::NotFound))
}

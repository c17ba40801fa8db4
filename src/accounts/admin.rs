//! What an operator does to accounts (platform admins over HTTP, or the command line): change a
//! role, disable and enable, force a new password, issue a reset token, remove a person. And
//! what a person does to their own: change their password, use a reset token.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{audit, existing_user, new_token, token_hash};
use crate::auth::password;
use crate::domain::membership::{keeps_an_admin, AccountStatus, AuditAction};
use crate::domain::user::Password;
use crate::domain::{DomainError, Role};
use crate::error::AppError;
use crate::store::accounts::{self, User, UserUpdate};
use crate::store::membership as rows;
use crate::store::sql::Conn;
use crate::store::Db;

/// What a removed person is called from then on, wherever their id appears.
pub const REMOVED_NAME: &str = "已注销用户";

/// Refuses a change that would leave the platform without an active platform admin.
async fn keep_an_admin(conn: &mut Conn<'_>, target: &User) -> Result<(), AppError> {
    let admins = accounts::active_platform_admins(conn).await?;
    keeps_an_admin(target.role, admins, target.status == AccountStatus::Active)?;
    Ok(())
}

/// Applies `change` and its audit entry to an existing user; returns the user as changed.
async fn change(
    db: &Db,
    by: Uuid,
    user_id: Uuid,
    (action, detail): (AuditAction, serde_json::Value),
    now: DateTime<Utc>,
    decide: impl FnOnce(&User) -> Result<UserUpdate, DomainError>,
    guard_last_admin: bool,
) -> Result<User, AppError> {
    let mut tx = db.begin().await?;
    let user = existing_user(&mut tx.conn(), user_id).await?;
    if user.status == AccountStatus::Removed {
        return Err(DomainError::conflict("the account has been removed").into());
    }
    let update = decide(&user)?;
    let mut detail = detail;
    if update.role.is_some() {
        detail["from"] = json!(user.role);
    }
    if guard_last_admin {
        keep_an_admin(&mut tx.conn(), &user).await?;
    }
    accounts::update_user(&mut tx.conn(), user.id, update).await?;
    audit(
        &mut tx.conn(),
        by,
        Some(user.id),
        user.organization_id,
        action,
        detail,
        now,
    )
    .await?;
    let user = existing_user(&mut tx.conn(), user.id).await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn change_role(
    db: &Db,
    by: Uuid,
    user_id: Uuid,
    role: Role,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let user = change(
        db,
        by,
        user_id,
        (AuditAction::RoleChanged, json!({"to": role})),
        now,
        |u| {
            if u.role == role {
                return Err(DomainError::conflict(format!("the user is already {role}")));
            }
            Ok(UserUpdate {
                role: Some(role),
                end_tokens: true,
                ..Default::default()
            })
        },
        role != Role::PlatformAdmin,
    )
    .await?;
    tracing::info!(user_id = %user.id, to = %role, "role changed");
    Ok(user)
}

pub async fn set_disabled(
    db: &Db,
    by: Uuid,
    user_id: Uuid,
    disabled: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let (action, to) = if disabled {
        (AuditAction::Disabled, AccountStatus::Disabled)
    } else {
        (AuditAction::Enabled, AccountStatus::Active)
    };
    change(
        db,
        by,
        user_id,
        (action, json!({"reason": reason})),
        now,
        |u| {
            if u.status == to {
                return Err(DomainError::conflict(format!(
                    "the account is already {to}"
                )));
            }
            Ok(UserUpdate {
                status: Some(to),
                end_tokens: true,
                ..Default::default()
            })
        },
        disabled,
    )
    .await
}

/// The user's tokens end, and after signing in again they may only change their password.
pub async fn force_password_change(
    db: &Db,
    by: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    change(
        db,
        by,
        user_id,
        (AuditAction::PasswordChangeForced, json!({})),
        now,
        |_| {
            Ok(UserUpdate {
                must_change_password: Some(true),
                end_tokens: true,
                ..Default::default()
            })
        },
        false,
    )
    .await
}

/// A single-use reset token for a person who forgot their password, handed over by the operator
/// (the operator never learns the new password). Shown once.
pub async fn issue_password_reset(
    db: &Db,
    by: Uuid,
    user_id: Uuid,
    valid_hours: u32,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), AppError> {
    let (token, hash) = new_token();
    let expires_at = now + Duration::hours(valid_hours as i64);
    let mut tx = db.begin().await?;
    let user = existing_user(&mut tx.conn(), user_id).await?;
    if user.status != AccountStatus::Active {
        return Err(DomainError::conflict(format!(
            "the account is {}; a reset token is for active accounts",
            user.status
        ))
        .into());
    }
    rows::insert_password_reset(&mut tx.conn(), &hash, user.id, by, now, expires_at).await?;
    audit(
        &mut tx.conn(),
        by,
        Some(user.id),
        user.organization_id,
        AuditAction::PasswordResetIssued,
        json!({"expires_at": expires_at}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((token, expires_at))
}

/// Sets a new password: every older token and reset token stops working.
async fn set_password(
    db: &Db,
    user: &User,
    by: Uuid,
    new: &Password,
    action: AuditAction,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let hash = password::hash(new.expose().to_string()).await?;
    let mut tx = db.begin().await?;
    accounts::update_user(
        &mut tx.conn(),
        user.id,
        UserUpdate {
            password_hash: Some(hash),
            must_change_password: Some(false),
            end_tokens: true,
            ..Default::default()
        },
    )
    .await?;
    rows::spend_password_resets(&mut tx.conn(), user.id, now).await?;
    audit(
        &mut tx.conn(),
        by,
        Some(user.id),
        user.organization_id,
        action,
        json!({}),
        now,
    )
    .await?;
    let user = existing_user(&mut tx.conn(), user.id).await?;
    tx.commit().await?;
    Ok(user)
}

/// The signed-in user changes their own password. `Ok(None)` when `current` is wrong.
pub async fn change_own_password(
    db: &Db,
    user_id: Uuid,
    current: &str,
    new: &Password,
    now: DateTime<Utc>,
) -> Result<Option<User>, AppError> {
    let user = existing_user(&mut db.read().await?.conn(), user_id).await?;
    if !password::verify(current.to_string(), Some(user.password_hash.clone())).await? {
        return Ok(None);
    }
    if current == new.expose() {
        return Err(AppError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    set_password(db, &user, user.id, new, AuditAction::PasswordChanged, now)
        .await
        .map(Some)
}

/// A reset token buys one new password. `Ok(None)` when the token is unknown, used or expired.
pub async fn reset_password(
    db: &Db,
    token: &str,
    new: &Password,
    now: DateTime<Utc>,
) -> Result<Option<User>, AppError> {
    let user_id = {
        let mut tx = db.begin().await?;
        let id = rows::take_password_reset(&mut tx.conn(), &token_hash(token), now).await?;
        tx.commit().await?;
        id
    };
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let user = existing_user(&mut db.read().await?.conn(), user_id).await?;
    // Disabled or removed since the token was issued: it buys nothing.
    if user.status != AccountStatus::Active {
        return Ok(None);
    }
    set_password(db, &user, user.id, new, AuditAction::PasswordReset, now)
        .await
        .map(Some)
}

/// Removes a person: e-mail address, name and password are erased, memberships and pending
/// requests end, invitations to the address are revoked and anonymised. The id stays, so every
/// event that names it stays valid; it is shown as [`REMOVED_NAME`].
pub async fn remove(db: &Db, by: Uuid, user_id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let user = existing_user(&mut tx.conn(), user_id).await?;
    if user.status == AccountStatus::Removed {
        return Err(DomainError::conflict("the account has already been removed").into());
    }
    keep_an_admin(&mut tx.conn(), &user).await?;
    let placeholder = format!("removed-{}@removed.invalid", user.id.simple());
    rows::erase_invitation_email(&mut tx.conn(), &user.email, &placeholder, now).await?;
    rows::withdraw_pending(&mut tx.conn(), user.id, by, now).await?;
    rows::spend_password_resets(&mut tx.conn(), user.id, now).await?;
    accounts::update_user(
        &mut tx.conn(),
        user.id,
        UserUpdate {
            status: Some(AccountStatus::Removed),
            email: Some(placeholder),
            display_name: Some(REMOVED_NAME.into()),
            // Not a hash of anything: no password verifies against it.
            password_hash: Some("!".into()),
            organization_id: Some(None),
            organization_admin: Some(false),
            must_change_password: Some(false),
            end_tokens: true,
            ..Default::default()
        },
    )
    .await?;
    audit(
        &mut tx.conn(),
        by,
        Some(user.id),
        user.organization_id,
        AuditAction::Removed,
        json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "account removed and its personal data erased");
    Ok(())
}

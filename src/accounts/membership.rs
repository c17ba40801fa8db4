//! Joining and leaving organizations: requests an admin decides, invitations by e-mail address
//! (single-use, expiring), removal, and the organization-admin flag. Every change is audited.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{audit, existing_user, new_token, require_organization, token_hash};
use crate::domain::membership::{
    check_invitation, require_pending, AuditAction, Joiner, Manager, RequestStatus,
};
use crate::domain::user::Email;
use crate::domain::{Actor, DomainError};
use crate::error::AppError;
use crate::store::accounts::{self, User};
use crate::store::membership::{self as rows, Invitation, MembershipRequest, NewInvitation};
use crate::store::Db;

fn joiner(user: &User) -> Joiner {
    Joiner {
        status: user.status,
        organization_id: user.organization_id,
    }
}

/// `actor` asks to join `organization_id`.
pub async fn request(
    db: &Db,
    actor: &Actor,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> Result<MembershipRequest, AppError> {
    let mut tx = db.begin().await?;
    // The organization is in the path here: an unknown one is a 404, like any unknown id.
    accounts::organization(&mut tx.conn(), organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let user = existing_user(&mut tx.conn(), actor.user_id).await?;
    joiner(&user).may_join(organization_id)?;
    let r = rows::insert_request(&mut tx.conn(), user.id, organization_id, now)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(
                "a membership request of yours is already pending; withdraw it first".into(),
            )
        })?;
    audit(
        &mut tx.conn(),
        user.id,
        Some(user.id),
        Some(organization_id),
        AuditAction::MembershipRequested,
        json!({"request_id": r.id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// The requester withdraws their own pending request.
pub async fn withdraw(
    db: &Db,
    actor: &Actor,
    request_id: Uuid,
    now: DateTime<Utc>,
) -> Result<MembershipRequest, AppError> {
    let mut tx = db.begin().await?;
    let r = rows::request(&mut tx.conn(), request_id)
        .await?
        .filter(|r| r.user_id == actor.user_id)
        .ok_or(AppError::NotFound)?;
    require_pending(r.status)?;
    rows::decide_request(
        &mut tx.conn(),
        r.id,
        RequestStatus::Withdrawn,
        actor.user_id,
        now,
        None,
    )
    .await?;
    audit(
        &mut tx.conn(),
        actor.user_id,
        Some(actor.user_id),
        Some(r.organization_id),
        AuditAction::MembershipWithdrawn,
        json!({"request_id": r.id}),
        now,
    )
    .await?;
    let r = rows::request(&mut tx.conn(), r.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(r)
}

/// An admin of the organization approves (the requester becomes a member) or rejects.
pub async fn decide(
    db: &Db,
    manager: &Manager,
    organization_id: Uuid,
    request_id: Uuid,
    approve: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<MembershipRequest, AppError> {
    manager.require_manages(organization_id)?;
    let by = manager.actor.user_id;
    let mut tx = db.begin().await?;
    let r = rows::request(&mut tx.conn(), request_id)
        .await?
        .filter(|r| r.organization_id == organization_id)
        .ok_or(AppError::NotFound)?;
    require_pending(r.status)?;
    let (status, action) = if approve {
        let user = existing_user(&mut tx.conn(), r.user_id).await?;
        joiner(&user).may_join(organization_id)?;
        if !accounts::join_organization(&mut tx.conn(), user.id, organization_id, false).await? {
            return Err(DomainError::conflict("the account changed meanwhile; reload it").into());
        }
        (RequestStatus::Approved, AuditAction::MembershipApproved)
    } else {
        (RequestStatus::Rejected, AuditAction::MembershipRejected)
    };
    if !rows::decide_request(&mut tx.conn(), r.id, status, by, now, reason).await? {
        return Err(DomainError::conflict("the request was decided meanwhile").into());
    }
    audit(
        &mut tx.conn(),
        by,
        Some(r.user_id),
        Some(organization_id),
        action,
        json!({"request_id": r.id, "reason": reason}),
        now,
    )
    .await?;
    let r = rows::request(&mut tx.conn(), r.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(r)
}

/// An invitation and its token, which is shown only this once.
pub struct Issued {
    pub invitation: Invitation,
    pub token: String,
}

/// An admin of the organization invites an e-mail address; whoever signs in with that address
/// and presents the token becomes a member (an admin of it too, with `organization_admin`).
pub async fn invite(
    db: &Db,
    manager: &Manager,
    organization_id: Uuid,
    email: &Email,
    organization_admin: bool,
    valid_days: u32,
    now: DateTime<Utc>,
) -> Result<Issued, AppError> {
    manager.require_manages(organization_id)?;
    let (token, hash) = new_token();
    let mut tx = db.begin().await?;
    require_organization(&mut tx.conn(), organization_id).await?;
    let invitation = rows::insert_invitation(
        &mut tx.conn(),
        NewInvitation {
            organization_id,
            email: email.as_str(),
            token_hash: &hash,
            organization_admin,
            invited_by: manager.actor.user_id,
            expires_at: now + Duration::days(valid_days as i64),
        },
        now,
    )
    .await?;
    audit(
        &mut tx.conn(),
        manager.actor.user_id,
        None,
        Some(organization_id),
        AuditAction::Invited,
        json!({"invitation_id": invitation.id, "organization_admin": organization_admin}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Issued { invitation, token })
}

pub async fn revoke_invitation(
    db: &Db,
    manager: &Manager,
    organization_id: Uuid,
    invitation_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Invitation, AppError> {
    manager.require_manages(organization_id)?;
    let mut tx = db.begin().await?;
    let inv = rows::invitation(&mut tx.conn(), invitation_id)
        .await?
        .filter(|i| i.organization_id == organization_id)
        .ok_or(AppError::NotFound)?;
    if !rows::revoke_invitation(&mut tx.conn(), inv.id, now).await? {
        return Err(DomainError::conflict("the invitation was already used or revoked").into());
    }
    audit(
        &mut tx.conn(),
        manager.actor.user_id,
        None,
        Some(organization_id),
        AuditAction::InvitationRevoked,
        json!({"invitation_id": inv.id}),
        now,
    )
    .await?;
    let inv = rows::invitation(&mut tx.conn(), inv.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(inv)
}

/// The signed-in invitee presents the token. An unknown token is 404, like an id one may not see.
pub async fn accept(
    db: &Db,
    actor: &Actor,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Invitation, AppError> {
    let mut tx = db.begin().await?;
    let inv = rows::invitation_by_token_hash(&mut tx.conn(), &token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let user = existing_user(&mut tx.conn(), actor.user_id).await?;
    check_invitation(
        inv.expires_at <= now,
        inv.accepted_at.is_some(),
        inv.revoked_at.is_some(),
        &inv.email,
        &user.email,
    )?;
    joiner(&user).may_join(inv.organization_id)?;
    if !rows::accept_invitation(&mut tx.conn(), inv.id, user.id, now).await? {
        return Err(DomainError::conflict("the invitation was used meanwhile").into());
    }
    if !accounts::join_organization(
        &mut tx.conn(),
        user.id,
        inv.organization_id,
        inv.organization_admin,
    )
    .await?
    {
        return Err(DomainError::conflict("the account changed meanwhile; reload it").into());
    }
    // A request still pending elsewhere has been overtaken.
    rows::withdraw_pending(&mut tx.conn(), user.id, user.id, now).await?;
    audit(
        &mut tx.conn(),
        user.id,
        Some(user.id),
        Some(inv.organization_id),
        AuditAction::InvitationAccepted,
        json!({"invitation_id": inv.id, "organization_admin": inv.organization_admin}),
        now,
    )
    .await?;
    let inv = rows::invitation(&mut tx.conn(), inv.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(inv)
}

/// An admin removes a member, or a member leaves. Their tokens end at once.
pub async fn remove(
    db: &Db,
    manager: &Manager,
    organization_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if manager.actor.user_id != user_id {
        manager.require_manages(organization_id)?;
    }
    let mut tx = db.begin().await?;
    if !accounts::leave_organization(&mut tx.conn(), user_id, organization_id).await? {
        return Err(AppError::NotFound);
    }
    audit(
        &mut tx.conn(),
        manager.actor.user_id,
        Some(user_id),
        Some(organization_id),
        AuditAction::MemberRemoved,
        json!({"left": manager.actor.user_id == user_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An admin gives a member the right to manage the organization's members, or takes it away
/// (which ends the member's tokens).
pub async fn set_admin(
    db: &Db,
    manager: &Manager,
    organization_id: Uuid,
    user_id: Uuid,
    organization_admin: bool,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    manager.require_manages(organization_id)?;
    let mut tx = db.begin().await?;
    let user = accounts::user_by_id(&mut tx.conn(), user_id)
        .await?
        .filter(|u| u.organization_id == Some(organization_id))
        .ok_or(AppError::NotFound)?;
    if user.organization_admin != organization_admin {
        accounts::update_user(
            &mut tx.conn(),
            user.id,
            accounts::UserUpdate {
                organization_admin: Some(organization_admin),
                end_tokens: !organization_admin,
                ..Default::default()
            },
        )
        .await?;
        let action = if organization_admin {
            AuditAction::OrganizationAdminGranted
        } else {
            AuditAction::OrganizationAdminRevoked
        };
        audit(
            &mut tx.conn(),
            manager.actor.user_id,
            Some(user.id),
            Some(organization_id),
            action,
            json!({}),
            now,
        )
        .await?;
    }
    let user = existing_user(&mut tx.conn(), user.id).await?;
    tx.commit().await?;
    Ok(user)
}

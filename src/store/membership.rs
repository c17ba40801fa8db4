//! Membership requests, invitations, password reset tokens and the account audit: plain tables,
//! portable SQL. Tokens are stored only as hashes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::sql::{Arg, Conn, Row};
use super::StoreError;
use crate::domain::membership::{AuditAction, RequestStatus};

#[derive(Debug, Clone, Serialize)]
pub struct MembershipRequest {
    pub id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub status: RequestStatus,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

const REQUEST_COLUMNS: &str =
    "id, user_id, organization_id, status, requested_at, decided_by, decided_at, reason";

fn request_from(r: &Row) -> Result<MembershipRequest, StoreError> {
    let status = r.text("status")?;
    Ok(MembershipRequest {
        id: r.uuid("id")?,
        user_id: r.uuid("user_id")?,
        organization_id: r.uuid("organization_id")?,
        status: RequestStatus::parse(&status)
            .ok_or_else(|| StoreError::Other(format!("unknown request status {status}")))?,
        requested_at: r.time("requested_at")?,
        decided_by: r.opt_uuid("decided_by")?,
        decided_at: r.opt_time("decided_at")?,
        reason: r.opt_text("reason")?,
    })
}

/// `Ok(None)` when the user already has a pending request (one at a time).
pub async fn insert_request(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<MembershipRequest>, StoreError> {
    let id = Uuid::now_v7();
    let res = conn
        .execute(
            &format!("INSERT INTO membership_requests ({REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL, NULL, NULL)"),
            &[
                Arg::Uuid(id),
                Arg::Uuid(user_id),
                Arg::Uuid(organization_id),
                Arg::Text(RequestStatus::Pending.as_str().into()),
                Arg::Time(now),
            ],
        )
        .await;
    match res {
        Ok(_) => request(conn, id).await,
        Err(e) if super::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn request(
    conn: &mut Conn<'_>,
    id: Uuid,
) -> Result<Option<MembershipRequest>, StoreError> {
    conn.fetch_optional(
        &format!("SELECT {REQUEST_COLUMNS} FROM membership_requests WHERE id = $1"),
        &[Arg::Uuid(id)],
    )
    .await?
    .as_ref()
    .map(request_from)
    .transpose()
}

/// Requests to join `organization_id` (or made by `user_id`), newest first.
pub async fn requests(
    conn: &mut Conn<'_>,
    organization_id: Option<Uuid>,
    user_id: Option<Uuid>,
    status: Option<RequestStatus>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<MembershipRequest>, StoreError> {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut args = Vec::new();
    let mut param = |arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    if let Some(o) = organization_id {
        clauses.push(format!("organization_id = {}", param(Arg::Uuid(o))));
    }
    if let Some(u) = user_id {
        clauses.push(format!("user_id = {}", param(Arg::Uuid(u))));
    }
    if let Some(s) = status {
        clauses.push(format!("status = {}", param(Arg::Text(s.as_str().into()))));
    }
    if let Some(b) = before {
        clauses.push(format!("id < {}", param(Arg::Uuid(b))));
    }
    let p = param(Arg::I64(limit));
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM membership_requests WHERE {} ORDER BY id DESC LIMIT {p}",
        clauses.join(" AND ")
    );
    conn.fetch_all(&sql, &args)
        .await?
        .iter()
        .map(request_from)
        .collect()
}

/// Decides a request that is still pending; false when it no longer is (decided meanwhile).
pub async fn decide_request(
    conn: &mut Conn<'_>,
    id: Uuid,
    status: RequestStatus,
    by: Uuid,
    at: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE membership_requests SET status = $2, decided_by = $3, decided_at = $4, reason = $5 \
             WHERE id = $1 AND status = $6",
            &[
                Arg::Uuid(id),
                Arg::Text(status.as_str().into()),
                Arg::Uuid(by),
                Arg::Time(at),
                Arg::OptText(reason.map(str::to_string)),
                Arg::Text(RequestStatus::Pending.as_str().into()),
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Withdraws the user's pending request, if any (on joining elsewhere or on removal).
pub async fn withdraw_pending(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<MembershipRequest>, StoreError> {
    let pending = requests(
        conn,
        None,
        Some(user_id),
        Some(RequestStatus::Pending),
        None,
        1,
    )
    .await?;
    let Some(r) = pending.into_iter().next() else {
        return Ok(None);
    };
    decide_request(conn, r.id, RequestStatus::Withdrawn, by, at, None).await?;
    Ok(Some(r))
}

#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub organization_admin: bool,
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_by: Option<Uuid>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const INVITATION_COLUMNS: &str = "id, organization_id, email, organization_admin, invited_by, created_at, expires_at, accepted_by, accepted_at, revoked_at";

fn invitation_from(r: &Row) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: r.uuid("id")?,
        organization_id: r.uuid("organization_id")?,
        email: r.text("email")?,
        organization_admin: r.bool("organization_admin")?,
        invited_by: r.uuid("invited_by")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
        accepted_by: r.opt_uuid("accepted_by")?,
        accepted_at: r.opt_time("accepted_at")?,
        revoked_at: r.opt_time("revoked_at")?,
    })
}

pub struct NewInvitation<'a> {
    pub organization_id: Uuid,
    pub email: &'a str,
    pub token_hash: &'a str,
    pub organization_admin: bool,
    pub invited_by: Uuid,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_invitation(
    conn: &mut Conn<'_>,
    new: NewInvitation<'_>,
    now: DateTime<Utc>,
) -> Result<Invitation, StoreError> {
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO invitations (id, organization_id, email, token_hash, organization_admin, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Arg::Uuid(id),
            Arg::Uuid(new.organization_id),
            Arg::Text(new.email.into()),
            Arg::Text(new.token_hash.into()),
            Arg::Bool(new.organization_admin),
            Arg::Uuid(new.invited_by),
            Arg::Time(now),
            Arg::Time(new.expires_at),
        ],
    )
    .await?;
    invitation(conn, id)
        .await?
        .ok_or_else(|| StoreError::Other("invitation vanished after insert".into()))
}

pub async fn invitation(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Invitation>, StoreError> {
    conn.fetch_optional(
        &format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1"),
        &[Arg::Uuid(id)],
    )
    .await?
    .as_ref()
    .map(invitation_from)
    .transpose()
}

pub async fn invitation_by_token_hash(
    conn: &mut Conn<'_>,
    token_hash: &str,
) -> Result<Option<Invitation>, StoreError> {
    conn.fetch_optional(
        &format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1"),
        &[Arg::Text(token_hash.into())],
    )
    .await?
    .as_ref()
    .map(invitation_from)
    .transpose()
}

pub async fn invitations(
    conn: &mut Conn<'_>,
    organization_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Invitation>, StoreError> {
    let rows = match before {
        Some(b) => conn.fetch_all(
            &format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE organization_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"),
            &[Arg::Uuid(organization_id), Arg::Uuid(b), Arg::I64(limit)],
        ).await?,
        None => conn.fetch_all(
            &format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE organization_id = $1 ORDER BY id DESC LIMIT $2"),
            &[Arg::Uuid(organization_id), Arg::I64(limit)],
        ).await?,
    };
    rows.iter().map(invitation_from).collect()
}

/// Marks the invitation used, once: false when it was used, revoked or expired meanwhile.
pub async fn accept_invitation(
    conn: &mut Conn<'_>,
    id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE invitations SET accepted_by = $2, accepted_at = $3 \
             WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
            &[Arg::Uuid(id), Arg::Uuid(by), Arg::Time(at)],
        )
        .await?;
    Ok(n == 1)
}

pub async fn revoke_invitation(
    conn: &mut Conn<'_>,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
            &[Arg::Uuid(id), Arg::Time(at)],
        )
        .await?;
    Ok(n == 1)
}

/// On a person's removal: their address leaves the invitations too.
pub async fn erase_invitation_email(
    conn: &mut Conn<'_>,
    email: &str,
    replacement: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE invitations SET email = $2, revoked_at = COALESCE(revoked_at, $3) WHERE email = $1",
        &[
            Arg::Text(email.into()),
            Arg::Text(replacement.into()),
            Arg::Time(at),
        ],
    )
    .await?;
    Ok(())
}

pub async fn insert_password_reset(
    conn: &mut Conn<'_>,
    token_hash: &str,
    user_id: Uuid,
    issued_by: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Arg::Text(token_hash.into()),
            Arg::Uuid(user_id),
            Arg::Uuid(issued_by),
            Arg::Time(now),
            Arg::Time(expires_at),
        ],
    )
    .await?;
    Ok(())
}

/// Spends a reset token: the user it was for, or `None` when it is unknown, used or expired.
pub async fn take_password_reset(
    conn: &mut Conn<'_>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    let row = conn
        .fetch_optional(
            "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
            &[Arg::Text(token_hash.into()), Arg::Time(now)],
        )
        .await?;
    row.map(|r| r.uuid("user_id"))
        .transpose()
        .map_err(Into::into)
}

/// Any other reset tokens of the user stop working (a new password was set).
pub async fn spend_password_resets(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        &[Arg::Uuid(user_id), Arg::Time(now)],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who made the change; nil for the operator's command line.
    pub actor_id: Uuid,
    pub user_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub action: AuditAction,
    pub detail: serde_json::Value,
}

pub async fn record(
    conn: &mut Conn<'_>,
    actor_id: Uuid,
    user_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    action: AuditAction,
    detail: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO account_audit (id, at, actor_id, user_id, organization_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Arg::Uuid(Uuid::now_v7()),
            Arg::Time(at),
            Arg::Uuid(actor_id),
            Arg::OptUuid(user_id),
            Arg::OptUuid(organization_id),
            Arg::Text(action.as_str().into()),
            Arg::Json(detail),
        ],
    )
    .await?;
    Ok(())
}

/// The audit of one user or one organization, newest first.
pub async fn audit(
    conn: &mut Conn<'_>,
    user_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut args = Vec::new();
    let mut param = |arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    if let Some(u) = user_id {
        clauses.push(format!("user_id = {}", param(Arg::Uuid(u))));
    }
    if let Some(o) = organization_id {
        clauses.push(format!("organization_id = {}", param(Arg::Uuid(o))));
    }
    if let Some(b) = before {
        clauses.push(format!("id < {}", param(Arg::Uuid(b))));
    }
    let p = param(Arg::I64(limit));
    let sql = format!(
        "SELECT id, at, actor_id, user_id, organization_id, action, detail FROM account_audit WHERE {} ORDER BY id DESC LIMIT {p}",
        clauses.join(" AND ")
    );
    let rows = conn.fetch_all(&sql, &args).await?;
    rows.iter()
        .map(|r| {
            let action = r.text("action")?;
            Ok(AuditEntry {
                id: r.uuid("id")?,
                at: r.time("at")?,
                actor_id: r.uuid("actor_id")?,
                user_id: r.opt_uuid("user_id")?,
                organization_id: r.opt_uuid("organization_id")?,
                action: AuditAction::parse(&action)
                    .ok_or_else(|| StoreError::Other(format!("unknown audit action {action}")))?,
                detail: r.json("detail")?,
            })
        })
        .collect()
}

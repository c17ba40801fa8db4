//! Users, organizations and idempotency records: plain tables, portable SQL.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::sql::{Arg, Conn, Row};
use super::{is_unique_violation, StoreError};
use crate::domain::membership::AccountStatus;
use crate::domain::organization::NewOrganization;
use crate::domain::Role;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub status: AccountStatus,
    /// Manages the members of its organization.
    pub organization_admin: bool,
    pub must_change_password: bool,
    /// Tokens carry it; a token with another one is refused.
    #[serde(skip)]
    pub token_version: i64,
    #[serde(skip)]
    pub password_hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub party_nature: String,
    pub region: String,
    pub zone: Option<String>,
    pub created_at: DateTime<Utc>,
}

const USER_COLUMNS: &str =
    "id, email, password_hash, display_name, role, organization_id, created_at, status, organization_admin, must_change_password, token_version";
const INSERT_USER_COLUMNS: &str =
    "id, email, password_hash, display_name, role, organization_id, created_at, organization_admin";
const ORG_COLUMNS: &str = "id, name, party_nature, region, zone, created_at";

pub(super) fn user_from(r: &Row) -> Result<User, StoreError> {
    let role = r.text("role")?;
    let status = r.text("status")?;
    Ok(User {
        status: AccountStatus::parse(&status)
            .ok_or_else(|| StoreError::Other(format!("unknown account status {status}")))?,
        organization_admin: r.bool("organization_admin")?,
        must_change_password: r.bool("must_change_password")?,
        token_version: r.i64("token_version")?,
        id: r.uuid("id")?,
        email: r.text("email")?,
        password_hash: r.text("password_hash")?,
        display_name: r.text("display_name")?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Other(format!("unknown role {role} in users")))?,
        organization_id: r.opt_uuid("organization_id")?,
        created_at: r.time("created_at")?,
    })
}

fn org_from(r: &Row) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: r.uuid("id")?,
        name: r.text("name")?,
        party_nature: r.text("party_nature")?,
        region: r.text("region")?,
        zone: r.opt_text("zone")?,
        created_at: r.time("created_at")?,
    })
}

pub struct NewUserRow<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub organization_admin: bool,
}

/// `Ok(None)` when the e-mail address is taken.
pub async fn insert_user(
    conn: &mut Conn<'_>,
    new: NewUserRow<'_>,
    now: DateTime<Utc>,
) -> Result<Option<User>, StoreError> {
    let id = Uuid::now_v7();
    let res = conn
        .execute(
            &format!(
                "INSERT INTO users ({INSERT_USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ),
            &[
                Arg::Uuid(id),
                Arg::Text(new.email.into()),
                Arg::Text(new.password_hash.into()),
                Arg::Text(new.display_name.into()),
                Arg::Text(new.role.as_str().into()),
                Arg::OptUuid(new.organization_id),
                Arg::Time(now),
                Arg::Bool(new.organization_admin),
            ],
        )
        .await;
    match res {
        Ok(_) => user_by_id(conn, id).await,
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn user_by_email(conn: &mut Conn<'_>, email: &str) -> Result<Option<User>, StoreError> {
    conn.fetch_optional(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"),
        &[Arg::Text(email.into())],
    )
    .await?
    .as_ref()
    .map(user_from)
    .transpose()
}

pub async fn user_by_id(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<User>, StoreError> {
    conn.fetch_optional(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
        &[Arg::Uuid(id)],
    )
    .await?
    .as_ref()
    .map(user_from)
    .transpose()
}

pub async fn insert_organization(
    conn: &mut Conn<'_>,
    org: &NewOrganization,
    now: DateTime<Utc>,
) -> Result<Organization, StoreError> {
    let id = Uuid::now_v7();
    conn.execute(
        &format!("INSERT INTO organizations ({ORG_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        &[
            Arg::Uuid(id),
            Arg::Text(org.name.as_str().into()),
            Arg::Text(org.party_nature.as_str().into()),
            Arg::Text(org.region.as_str().into()),
            Arg::OptText(org.zone.as_ref().map(|z| z.as_str().to_string())),
            Arg::Time(now),
        ],
    )
    .await?;
    organization(conn, id)
        .await?
        .ok_or_else(|| StoreError::Other("organization vanished after insert".into()))
}

pub async fn organization(
    conn: &mut Conn<'_>,
    id: Uuid,
) -> Result<Option<Organization>, StoreError> {
    conn.fetch_optional(
        &format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"),
        &[Arg::Uuid(id)],
    )
    .await?
    .as_ref()
    .map(org_from)
    .transpose()
}

/// `name` of every row of `table` whose id is among `ids` (each looked up once, a hundred to a
/// query): what reports need to label many holders at once.
async fn names_by_id(
    conn: &mut Conn<'_>,
    table: &str,
    name: &str,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, StoreError> {
    let wanted: BTreeSet<Uuid> = ids.into_iter().collect();
    let wanted: Vec<Uuid> = wanted.into_iter().collect();
    let mut names = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(100) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, {name} AS name FROM {table} WHERE id IN ({})",
            placeholders.join(", ")
        );
        let args: Vec<Arg> = chunk.iter().map(|id| Arg::Uuid(*id)).collect();
        for r in conn.fetch_all(&sql, &args).await? {
            names.insert(r.uuid("id")?, r.text("name")?);
        }
    }
    Ok(names)
}

/// Organization names by id; unknown ids are left out.
pub async fn organization_names(
    conn: &mut Conn<'_>,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, StoreError> {
    names_by_id(conn, "organizations", "name", ids).await
}

/// Users' display names by id; unknown ids are left out.
pub async fn display_names(
    conn: &mut Conn<'_>,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, StoreError> {
    names_by_id(conn, "users", "display_name", ids).await
}

/// Newest first; `before` is the keyset cursor (the last id of the previous page).
pub async fn organizations(
    conn: &mut Conn<'_>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Organization>, StoreError> {
    let rows = match before {
        Some(id) => {
            conn.fetch_all(
                &format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id < $1 ORDER BY id DESC LIMIT $2"),
                &[Arg::Uuid(id), Arg::I64(limit)],
            )
            .await?
        }
        None => {
            conn.fetch_all(&format!("SELECT {ORG_COLUMNS} FROM organizations ORDER BY id DESC LIMIT $1"), &[Arg::I64(limit)])
                .await?
        }
    };
    rows.iter().map(org_from).collect()
}

/// What an `Idempotency-Key` was first used for.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub resource_id: Uuid,
    pub response: Option<(u16, String)>,
}

/// Claims `key` for `user` with a fresh resource id, or returns the existing claim.
pub async fn claim_idempotency_key(
    conn: &mut Conn<'_>,
    user: Uuid,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<IdempotencyRecord, StoreError> {
    conn.execute(
        "INSERT INTO idempotency (user_id, key, request_hash, resource_id, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, key) DO NOTHING",
        &[Arg::Uuid(user), Arg::Text(key.into()), Arg::Text(request_hash.into()), Arg::Uuid(Uuid::now_v7()), Arg::Time(now)],
    )
    .await?;
    let r = conn
        .fetch_one(
            "SELECT request_hash, resource_id, response_status, response_body FROM idempotency WHERE user_id = $1 AND key = $2",
            &[Arg::Uuid(user), Arg::Text(key.into())],
        )
        .await?;
    let response = match (r.opt_i64("response_status")?, r.opt_text("response_body")?) {
        (Some(status), Some(body)) => Some((status as u16, body)),
        _ => None,
    };
    Ok(IdempotencyRecord {
        request_hash: r.text("request_hash")?,
        resource_id: r.uuid("resource_id")?,
        response,
    })
}

pub async fn complete_idempotency_key(
    conn: &mut Conn<'_>,
    user: Uuid,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE idempotency SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2",
        &[Arg::Uuid(user), Arg::Text(key.into()), Arg::I64(status as i64), Arg::Text(body.into())],
    )
    .await?;
    Ok(())
}

/// A change to one user row. `end_tokens` bumps the token version, which ends every token
/// issued before: for changes that take something away (role, membership, access, password).
#[derive(Debug, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub organization_id: Option<Option<Uuid>>,
    pub organization_admin: Option<bool>,
    pub status: Option<AccountStatus>,
    pub must_change_password: Option<bool>,
    pub password_hash: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub end_tokens: bool,
}

/// Applies `change` to user `id`; false when there is no such user.
pub async fn update_user(
    conn: &mut Conn<'_>,
    id: Uuid,
    change: UserUpdate,
) -> Result<bool, StoreError> {
    let mut sets = Vec::new();
    let mut args = vec![Arg::Uuid(id)];
    let mut set = |col: &str, arg: Arg| {
        args.push(arg);
        sets.push(format!("{col} = ${}", args.len()));
    };
    if let Some(r) = change.role {
        set("role", Arg::Text(r.as_str().into()));
    }
    if let Some(o) = change.organization_id {
        set("organization_id", Arg::OptUuid(o));
    }
    if let Some(a) = change.organization_admin {
        set("organization_admin", Arg::Bool(a));
    }
    if let Some(s) = change.status {
        set("status", Arg::Text(s.as_str().into()));
    }
    if let Some(m) = change.must_change_password {
        set("must_change_password", Arg::Bool(m));
    }
    if let Some(h) = change.password_hash {
        set("password_hash", Arg::Text(h));
    }
    if let Some(e) = change.email {
        set("email", Arg::Text(e));
    }
    if let Some(n) = change.display_name {
        set("display_name", Arg::Text(n));
    }
    if change.end_tokens {
        sets.push("token_version = token_version + 1".into());
    }
    if sets.is_empty() {
        return Ok(user_by_id(conn, id).await?.is_some());
    }
    let sql = format!("UPDATE users SET {} WHERE id = $1", sets.join(", "));
    Ok(conn.execute(&sql, &args).await? == 1)
}

/// What `GET /users` filters by.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Part of the e-mail address or the display name, any case.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub organization_id: Option<Uuid>,
    pub status: Option<AccountStatus>,
}

/// Users matching `filter`, newest first; `before` is the keyset cursor.
pub async fn users(
    conn: &mut Conn<'_>,
    filter: &UserFilter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<User>, StoreError> {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    let mut param = |arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    if let Some(q) = &filter.q {
        // LIKE's wildcards in the query are taken literally.
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = param(Arg::Text(format!("%{escaped}%")));
        clauses.push(format!(
            "(LOWER(email) LIKE {p} ESCAPE '\\' OR LOWER(display_name) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(r) = filter.role {
        clauses.push(format!("role = {}", param(Arg::Text(r.as_str().into()))));
    }
    if let Some(o) = filter.organization_id {
        clauses.push(format!("organization_id = {}", param(Arg::Uuid(o))));
    }
    if let Some(s) = filter.status {
        clauses.push(format!("status = {}", param(Arg::Text(s.as_str().into()))));
    }
    if let Some(b) = before {
        clauses.push(format!("id < {}", param(Arg::Uuid(b))));
    }
    let where_ = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let p = param(Arg::I64(limit));
    let sql = format!("SELECT {USER_COLUMNS} FROM users {where_} ORDER BY id DESC LIMIT {p}");
    conn.fetch_all(&sql, &args)
        .await?
        .iter()
        .map(user_from)
        .collect()
}

/// Active platform admins: there must always be one.
pub async fn active_platform_admins(conn: &mut Conn<'_>) -> Result<i64, StoreError> {
    Ok(conn
        .fetch_one(
            "SELECT COUNT(*) AS n FROM users WHERE role = $1 AND status = $2",
            &[
                Arg::Text(Role::PlatformAdmin.as_str().into()),
                Arg::Text(AccountStatus::Active.as_str().into()),
            ],
        )
        .await?
        .i64("n")?)
}

/// Makes an active user without an organization a member of `organization_id`; false when they
/// are not such a user (any more): the guard that keeps racing approvals from double-joining.
pub async fn join_organization(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    organization_id: Uuid,
    organization_admin: bool,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE users SET organization_id = $2, organization_admin = $3 \
             WHERE id = $1 AND organization_id IS NULL AND status = $4",
            &[
                Arg::Uuid(user_id),
                Arg::Uuid(organization_id),
                Arg::Bool(organization_admin),
                Arg::Text(AccountStatus::Active.as_str().into()),
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Takes a member out of `organization_id` and ends their tokens; false when they were not in it.
pub async fn leave_organization(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    organization_id: Uuid,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE users SET organization_id = NULL, organization_admin = $3, token_version = token_version + 1 \
             WHERE id = $1 AND organization_id = $2",
            &[Arg::Uuid(user_id), Arg::Uuid(organization_id), Arg::Bool(false)],
        )
        .await?;
    Ok(n == 1)
}

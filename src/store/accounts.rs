//! Users, organizations and idempotency records: plain tables, portable SQL.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::sql::{Arg, Conn, Row};
use super::{is_unique_violation, StoreError};
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
    "id, email, password_hash, display_name, role, organization_id, created_at";
const ORG_COLUMNS: &str = "id, name, party_nature, region, zone, created_at";

fn user_from(r: &Row) -> Result<User, StoreError> {
    let role = r.text("role")?;
    Ok(User {
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
            &format!("INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                Arg::Uuid(id),
                Arg::Text(new.email.into()),
                Arg::Text(new.password_hash.into()),
                Arg::Text(new.display_name.into()),
                Arg::Text(new.role.as_str().into()),
                Arg::OptUuid(new.organization_id),
                Arg::Time(now),
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

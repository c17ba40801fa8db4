//! The people directory (issue 17): tech managers, providers and institutions' offices with
//! their organization and the fields they say they work in, so that an enterprise can find a
//! broker. What a person says about themselves is their profile (`user_profiles`, one row per
//! field in `user_profile_fields`); the rest is their account and organization.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{Arg, Conn, Row};
use super::StoreError;
use crate::domain::membership::AccountStatus;
use crate::domain::Role;

/// A profile as stored; a person who never wrote one has the empty profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub headline: Option<String>,
    /// Set only when it differs from the organization's (or there is none).
    pub region: Option<String>,
    /// Technology field codes, sorted.
    pub fields: Vec<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A person as the directory lists them.
#[derive(Debug, Clone)]
pub struct Entry {
    pub user_id: Uuid,
    pub display_name: String,
    pub role: String,
    pub organization: Option<Organization>,
    pub profile: Profile,
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub party_nature: String,
    pub region: String,
}

impl Entry {
    /// Where the person works: their own region if they gave one, else their organization's.
    pub fn region(&self) -> Option<&str> {
        self.profile
            .region
            .as_deref()
            .or(self.organization.as_ref().map(|o| o.region.as_str()))
    }
}

async fn fields_of(
    conn: &mut Conn<'_>,
    users: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, StoreError> {
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    if users.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (1..=users.len()).map(|i| format!("${i}")).collect();
    let args: Vec<Arg> = users.iter().map(|u| Arg::Uuid(*u)).collect();
    let rows = conn
        .fetch_all(
            &format!(
                "SELECT user_id, field FROM user_profile_fields WHERE user_id IN ({}) \
                 ORDER BY field",
                marks.join(", ")
            ),
            &args,
        )
        .await?;
    for r in &rows {
        out.entry(r.uuid("user_id")?)
            .or_default()
            .push(r.text("field")?);
    }
    Ok(out)
}

pub async fn profile(conn: &mut Conn<'_>, user_id: Uuid) -> Result<Profile, StoreError> {
    let Some(row) = conn
        .fetch_optional(
            "SELECT headline, region, updated_at FROM user_profiles WHERE user_id = $1",
            &[Arg::Uuid(user_id)],
        )
        .await?
    else {
        return Ok(Profile::default());
    };
    Ok(Profile {
        headline: row.opt_text("headline")?,
        region: row.opt_text("region")?,
        fields: fields_of(conn, &[user_id])
            .await?
            .remove(&user_id)
            .unwrap_or_default(),
        updated_at: Some(row.time("updated_at")?),
    })
}

/// Replaces what the person says about themselves.
pub async fn set_profile(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    profile: &Profile,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO user_profiles (user_id, headline, region, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET headline = excluded.headline, \
         region = excluded.region, updated_at = excluded.updated_at",
        &[
            Arg::Uuid(user_id),
            Arg::OptText(profile.headline.clone()),
            Arg::OptText(profile.region.clone()),
            Arg::Time(now),
        ],
    )
    .await?;
    conn.execute(
        "DELETE FROM user_profile_fields WHERE user_id = $1",
        &[Arg::Uuid(user_id)],
    )
    .await?;
    for field in &profile.fields {
        conn.execute(
            "INSERT INTO user_profile_fields (user_id, field) VALUES ($1, $2)",
            &[Arg::Uuid(user_id), Arg::Text(field.clone())],
        )
        .await?;
    }
    Ok(())
}

pub struct Filter<'a> {
    pub role: Role,
    pub field: Option<&'a str>,
    /// The region asked for and every region below it.
    pub regions: Option<Vec<&'a str>>,
    /// Words of the person's or the organization's name.
    pub q: Option<&'a str>,
}

/// Active accounts of `filter.role`, newest first, `limit` of them after the cursor `before`.
pub async fn list(
    conn: &mut Conn<'_>,
    filter: &Filter<'_>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let mut args = Vec::new();
    let mut param = |arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    let mut clauses = vec![
        format!("u.role = {}", param(Arg::Text(filter.role.as_str().into()))),
        format!(
            "u.status = {}",
            param(Arg::Text(AccountStatus::Active.as_str().into()))
        ),
    ];
    if let Some(f) = filter.field {
        clauses.push(format!(
            "u.id IN (SELECT user_id FROM user_profile_fields WHERE field = {})",
            param(Arg::Text(f.into()))
        ));
    }
    if let Some(regions) = &filter.regions {
        let marks: Vec<String> = regions
            .iter()
            .map(|r| param(Arg::Text(r.to_string())))
            .collect();
        clauses.push(format!(
            "COALESCE(p.region, o.region) IN ({})",
            marks.join(", ")
        ));
    }
    if let Some(q) = filter.q {
        // LIKE's wildcards in the query are taken literally.
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = param(Arg::Text(format!("%{escaped}%")));
        clauses.push(format!(
            "(LOWER(u.display_name) LIKE {p} ESCAPE '\\' OR LOWER(o.name) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(b) = before {
        clauses.push(format!("u.id < {}", param(Arg::Uuid(b))));
    }
    let p = param(Arg::I64(limit));
    let sql = format!(
        "SELECT u.id, u.display_name, u.role, o.id AS org_id, o.name AS org_name, \
         o.party_nature AS org_nature, o.region AS org_region, p.headline, p.region, \
         p.updated_at FROM users u \
         LEFT JOIN organizations o ON o.id = u.organization_id \
         LEFT JOIN user_profiles p ON p.user_id = u.id \
         WHERE {} ORDER BY u.id DESC LIMIT {p}",
        clauses.join(" AND ")
    );
    let rows = conn.fetch_all(&sql, &args).await?;
    let ids = rows
        .iter()
        .map(|r| r.uuid("id"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut fields = fields_of(conn, &ids).await?;
    rows.iter()
        .map(|r| entry_from(r, fields.remove(&r.uuid("id")?).unwrap_or_default()))
        .collect()
}

fn entry_from(r: &Row, fields: Vec<String>) -> Result<Entry, StoreError> {
    let organization = match r.opt_uuid("org_id")? {
        Some(id) => Some(Organization {
            id,
            name: r.text("org_name")?,
            party_nature: r.text("org_nature")?,
            region: r.text("org_region")?,
        }),
        None => None,
    };
    Ok(Entry {
        user_id: r.uuid("id")?,
        display_name: r.text("display_name")?,
        role: r.text("role")?,
        organization,
        profile: Profile {
            headline: r.opt_text("headline")?,
            region: r.opt_text("region")?,
            fields,
            updated_at: r.opt_time("updated_at")?,
        },
    })
}

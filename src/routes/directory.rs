//! Finding people (issue 17): a directory of tech managers, providers and institutions'
//! technology-transfer offices, with their organization and fields, for anybody signed in, so
//! that an enterprise can find a tech manager to appoint as a negotiation's broker; and the
//! profile (`/me/profile`) where a person says which fields they work in.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::error::Validation;
use crate::domain::reference::{ReferenceData, RegionCode, TechnologyField};
use crate::domain::text::Title;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{decode_cursor, page_limit, Body, Page, Query};
use crate::state::AppState;
use crate::store::directory::{self, Entry, Filter, Profile};

const FIELDS_MAX: usize = 20;
const HEADLINE_MAX: usize = 200;
const Q_MAX: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DirectoryQuery {
    /// A technology field code the person works in.
    field: Option<String>,
    /// A region code: people there or anywhere below it (a province takes in its counties).
    region: Option<String>,
    /// Part of the person's or the organization's name.
    q: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct OrganizationView<'a> {
    id: Uuid,
    name: &'a str,
    party_nature: &'a str,
    party_nature_name: Option<&'a str>,
    region: &'a str,
    region_name: Option<&'a str>,
}

#[derive(Serialize)]
struct EntryView<'a> {
    user_id: Uuid,
    display_name: &'a str,
    role: &'a str,
    organization: Option<OrganizationView<'a>>,
    headline: Option<&'a str>,
    fields: &'a [String],
    field_names: Vec<Option<&'a str>>,
    region: Option<&'a str>,
    region_name: Option<&'a str>,
}

fn entry_view<'a>(e: &'a Entry, refs: &'a ReferenceData) -> EntryView<'a> {
    let region = e.region();
    EntryView {
        user_id: e.user_id,
        display_name: &e.display_name,
        role: &e.role,
        organization: e.organization.as_ref().map(|o| OrganizationView {
            id: o.id,
            name: &o.name,
            party_nature: &o.party_nature,
            party_nature_name: refs.nature_name(&o.party_nature),
            region: &o.region,
            region_name: refs.region_name(&o.region),
        }),
        headline: e.profile.headline.as_deref(),
        fields: &e.profile.fields,
        field_names: e
            .profile
            .fields
            .iter()
            .map(|f| refs.field_name(f))
            .collect(),
        region,
        region_name: region.and_then(|r| refs.region_name(r)),
    }
}

async fn list(state: &AppState, role: Role, q: DirectoryQuery) -> Result<HttpResponse, AppError> {
    let refs = &state.refs;
    let limit = page_limit(q.limit)?;
    let before = decode_cursor(q.cursor.as_deref())?;
    if let Some(f) = &q.field {
        TechnologyField::parse("field", f, refs)
            .map_err(|e| AppError::bad_query("field", e.message))?;
    }
    let regions = match &q.region {
        Some(r) => {
            let code = RegionCode::parse("region", r, refs)
                .map_err(|e| AppError::bad_query("region", e.message))?;
            let below = refs.region_and_below(code.as_str());
            // A country abroad has nothing below it.
            Some(if below.is_empty() {
                vec![r.as_str()]
            } else {
                below
            })
        }
        None => None,
    };
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > Q_MAX) {
        return Err(AppError::bad_query(
            "q",
            format!("must be at most {Q_MAX} characters"),
        ));
    }
    let filter = Filter {
        role,
        field: q.field.as_deref(),
        regions,
        q: text,
    };
    let rows = directory::list(
        &mut state.db.read().await?.conn(),
        &filter,
        before,
        limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |e: &Entry| e.user_id, |e| e);
    let items: Vec<EntryView> = page.items.iter().map(|e| entry_view(e, refs)).collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// `GET /directory/tech-managers`: 技术经理人, whom a party may appoint as broker.
pub(super) async fn tech_managers(
    state: web::Data<AppState>,
    _auth: Authenticated,
    q: Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    list(&state, Role::TechManager, q.0).await
}

/// `GET /directory/providers`: the people of concept-verification centres and pilot platforms.
pub(super) async fn providers(
    state: web::Data<AppState>,
    _auth: Authenticated,
    q: Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    list(&state, Role::Provider, q.0).await
}

/// `GET /directory/institutions`: the technology-transfer offices of universities and
/// institutes (their `institution_admin`s).
pub(super) async fn institutions(
    state: web::Data<AppState>,
    _auth: Authenticated,
    q: Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    list(&state, Role::InstitutionAdmin, q.0).await
}

#[derive(Serialize)]
struct ProfileView<'a> {
    user_id: Uuid,
    headline: Option<&'a str>,
    region: Option<&'a str>,
    region_name: Option<&'a str>,
    fields: &'a [String],
    field_names: Vec<Option<&'a str>>,
    /// Null until the person first saves a profile.
    updated_at: Option<DateTime<Utc>>,
}

fn profile_view<'a>(user_id: Uuid, p: &'a Profile, refs: &'a ReferenceData) -> ProfileView<'a> {
    ProfileView {
        user_id,
        headline: p.headline.as_deref(),
        region: p.region.as_deref(),
        region_name: p.region.as_deref().and_then(|r| refs.region_name(r)),
        fields: &p.fields,
        field_names: p.fields.iter().map(|f| refs.field_name(f)).collect(),
        updated_at: p.updated_at,
    }
}

/// `GET /me/profile`: what the caller says about themselves in the directory.
pub(super) async fn my_profile(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, AppError> {
    let me = auth.0.user_id;
    let profile = directory::profile(&mut state.db.read().await?.conn(), me).await?;
    Ok(HttpResponse::Ok().json(profile_view(me, &profile, &state.refs)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProfileInput {
    fields: Vec<String>,
    #[serde(default)]
    headline: Option<String>,
    /// Only when it is not the organization's (or there is none).
    #[serde(default)]
    region: Option<String>,
}

/// `PUT /me/profile`: replaces the caller's profile; every field is checked and every error
/// reported at once.
pub(super) async fn set_my_profile(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Body<ProfileInput>,
) -> Result<HttpResponse, AppError> {
    let me = auth.0.user_id;
    let input = body.value;
    let refs = &state.refs;
    let mut v = Validation::new();
    if input.fields.len() > FIELDS_MAX {
        v.push("fields", format!("must have at most {FIELDS_MAX} fields"));
    }
    let mut fields: Vec<String> = Vec::new();
    for (i, raw) in input.fields.iter().enumerate() {
        let path = format!("fields[{i}]");
        let Some(f) = v.take(TechnologyField::parse(&path, raw, refs)) else {
            continue;
        };
        if fields.iter().any(|known| known == f.as_str()) {
            v.push(path, "repeats an earlier field");
        } else {
            fields.push(f.as_str().to_string());
        }
    }
    let headline = match input.headline.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => v
            .take(Title::parse("headline", raw, HEADLINE_MAX))
            .map(|t| t.as_str().to_string()),
        _ => None,
    };
    let region = match input.region.as_deref() {
        Some(raw) => v
            .take(RegionCode::parse("region", raw, refs))
            .map(|r| r.as_str().to_string()),
        None => None,
    };
    v.finish()?;
    fields.sort();
    let profile = Profile {
        headline,
        region,
        fields,
        updated_at: None,
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    directory::set_profile(&mut tx.conn(), me, &profile, now).await?;
    let saved = directory::profile(&mut tx.conn(), me).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(profile_view(me, &saved, refs)))
}

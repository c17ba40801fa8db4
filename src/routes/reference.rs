//! `GET /reference/…`: the code tables (regions, technology fields, contract types, party
//! natures, IP kinds, zones, refusal reasons, countries) with their Chinese and English names,
//! so that a client can show a name beside every code the API sends and offer the codes it
//! accepts. Public (a token, if sent, must still be valid) and the same for everybody until the
//! next start (the tables are seeded then), so caches may keep them.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::MaybeAuthenticated;
use crate::error::AppError;
use crate::http::Query;
use crate::state::AppState;

/// A day: the tables change only with a new release.
const CACHE_CONTROL: &str = "public, max-age=86400";

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

fn cacheable<T: Serialize>(items: Vec<T>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .json(Items { items })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegionQuery {
    /// Only the regions directly below this one (a province's prefectures, a prefecture's
    /// counties).
    parent: Option<String>,
    /// Only regions of this level (`province`, `city`, `district`, …).
    level: Option<String>,
}

/// `GET /reference/regions?parent=&level=`, in code order.
pub(super) async fn regions(
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated,
    q: Query<RegionQuery>,
) -> Result<HttpResponse, AppError> {
    let refs = &state.refs;
    let RegionQuery { parent, level } = q.0;
    if let Some(p) = &parent {
        if !refs.regions.contains_key(p) {
            return Err(AppError::bad_query(
                "parent",
                format!(
                    "unknown region code '{}'",
                    p.chars().take(20).collect::<String>()
                ),
            ));
        }
    }
    if let Some(l) = &level {
        if !refs.regions.values().any(|r| &r.level == l) {
            let mut levels: Vec<&str> = refs.regions.values().map(|r| r.level.as_str()).collect();
            levels.sort();
            levels.dedup();
            return Err(AppError::bad_query(
                "level",
                format!("one of {}", levels.join(", ")),
            ));
        }
    }
    let items = refs
        .regions
        .values()
        .filter(|r| parent.is_none() || r.parent == parent)
        .filter(|r| level.as_ref().is_none_or(|l| &r.level == l))
        .collect();
    Ok(cacheable::<&crate::domain::reference::Region>(items))
}

pub(super) async fn technology_fields(
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated,
) -> HttpResponse {
    cacheable(state.refs.technology_fields.values().collect())
}

pub(super) async fn party_natures(
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated,
) -> HttpResponse {
    cacheable(state.refs.party_natures.values().collect())
}

pub(super) async fn ip_kinds(
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated,
) -> HttpResponse {
    cacheable(state.refs.ip_kinds.values().collect())
}

pub(super) async fn zones(state: web::Data<AppState>, _auth: MaybeAuthenticated) -> HttpResponse {
    cacheable(state.refs.zones.values().collect())
}

pub(super) async fn refusal_reasons(
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated,
) -> HttpResponse {
    cacheable(state.refs.refusal_reasons.values().collect())
}

pub(super) async fn countries(
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated,
) -> HttpResponse {
    cacheable(state.refs.countries.values().collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ContractTypeQuery {
    /// `2026` (the rules in force from 2026-03-01) or `2001` (the repealed ones).
    taxonomy: Option<String>,
}

/// `GET /reference/contract-types?taxonomy=`: every row, or one taxonomy's.
pub(super) async fn contract_types(
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated,
    q: Query<ContractTypeQuery>,
) -> Result<HttpResponse, AppError> {
    let types = &state.refs.contract_types;
    if let Some(t) = &q.0.taxonomy {
        if !types.iter().any(|r| &r.taxonomy == t) {
            let mut known: Vec<&str> = types.iter().map(|r| r.taxonomy.as_str()).collect();
            known.sort();
            known.dedup();
            return Err(AppError::bad_query(
                "taxonomy",
                format!("one of {}", known.join(", ")),
            ));
        }
    }
    let items = types
        .iter()
        .filter(|r| q.0.taxonomy.as_ref().is_none_or(|t| &r.taxonomy == t))
        .collect();
    Ok(cacheable::<&crate::domain::reference::ContractType>(items))
}

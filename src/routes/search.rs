//! Full-text search pages and matches, shared by the listing and demand routes.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::MaybeAuthenticated;
use crate::domain::calendar::china_date;
use crate::error::AppError;
use crate::http::{decode_offset, encode_offset, page_limit, Query};
use crate::projections::search::matching::{self, demand_text, listing_text, shared_terms, Reason};
use crate::projections::search::{analyzer, DocType, Filters, Hit};
use crate::projections::{demand_board, listing_catalogue};
use crate::state::AppState;
use crate::store::log;

pub const MAX_QUERY_CHARS: usize = 200;
/// Deep paging through a ranking is not a use case; it would only be load.
const MAX_OFFSET: usize = 10_000;
/// Candidates scored per match request, and words taken from the source text.
const CANDIDATES: usize = 100;
const SOURCE_TERMS: usize = 48;

/// The index follows the log a little behind; a search waits (briefly) until it has caught up
/// with every event committed before the request, so a client reads its own writes.
async fn caught_up(state: &AppState) -> Result<(), AppError> {
    let head = log::head(&mut state.db.read().await?.conn()).await?;
    if !state.search.wait_for(head, Duration::from_secs(5)).await {
        tracing::warn!(
            head,
            indexed = state.search.checkpoint().position,
            "search index is behind the log"
        );
    }
    Ok(())
}

pub struct SearchPage {
    pub hits: Vec<Hit>,
    pub next_cursor: Option<String>,
}

pub async fn search_page(
    state: &AppState,
    doc_type: DocType,
    text: &str,
    filters: &Filters,
    cursor: Option<&str>,
    limit: i64,
) -> Result<SearchPage, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::bad_query("q", "must not be empty"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad_query(
            "q",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let words = analyzer::significant(analyzer::terms(text));
    if words.is_empty() {
        return Err(AppError::bad_query("q", "contains no searchable words"));
    }
    let offset = decode_offset(cursor, MAX_OFFSET)?;
    caught_up(state).await?;
    let (hits, total) =
        state
            .search
            .search_terms(doc_type, &words, filters, offset, limit as usize)?;
    let next = offset + hits.len();
    let next_cursor =
        (next < total && next < MAX_OFFSET && !hits.is_empty()).then(|| encode_offset(next));
    Ok(SearchPage { hits, next_cursor })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MatchQuery {
    limit: Option<i64>,
}

#[derive(Serialize)]
struct MatchItem<T: Serialize> {
    score: f64,
    reasons: Vec<Reason>,
    #[serde(flatten)]
    item: T,
}

#[derive(Serialize)]
struct ListingMatch<'a> {
    listing: super::listings::ListingView<'a>,
}

#[derive(Serialize)]
struct DemandMatch<'a> {
    demand: super::demands::DemandView<'a>,
}

/// `GET /demands/{id}/matches`: published listings ranked for a demand.
pub(super) async fn demand_matches(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    path: web::Path<Uuid>,
    q: Query<MatchQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = page_limit(q.0.limit)? as usize;
    let viewer = auth.0;
    let demand = demand_board::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !demand.data.is_visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let source: Vec<String> = analyzer::significant(analyzer::terms(&demand_text(&demand.data)))
        .into_iter()
        .take(SOURCE_TERMS)
        .collect();
    caught_up(&state).await?;
    let filters = Filters {
        status: Some("published".into()),
        ..Filters::default()
    };
    let (hits, _) =
        state
            .search
            .search_terms(DocType::Listing, &source, &filters, 0, CANDIDATES)?;
    let best = hits
        .first()
        .map(|h| h.score)
        .unwrap_or(1.0)
        .max(f32::EPSILON) as f64;
    let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    let rows = listing_catalogue::get_many(&mut state.db.read().await?.conn(), &ids).await?;
    let mut scored = Vec::new();
    for h in &hits {
        let Some(row) = rows
            .iter()
            .find(|r| r.id == h.id && r.data.is_visible_to(None))
        else {
            continue;
        };
        let shared = shared_terms(&source, &analyzer::terms(&listing_text(&row.data)));
        if shared.is_empty() {
            continue;
        }
        let s = matching::score(&row.data, &demand.data, h.score as f64 / best, shared);
        scored.push((s, row));
    }
    scored.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.1.id.cmp(&b.1.id)));
    let items: Vec<_> = scored
        .into_iter()
        .take(limit)
        .map(|(s, row)| MatchItem {
            score: s.score,
            reasons: s.reasons,
            item: ListingMatch {
                listing: super::listings::view(row.id, row.version, &row.data, false),
            },
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /listings/{id}/matches`: open demands ranked for a listing.
pub(super) async fn listing_matches(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    path: web::Path<Uuid>,
    q: Query<MatchQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = page_limit(q.0.limit)? as usize;
    let viewer = auth.0;
    let listing = listing_catalogue::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !listing.data.is_visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let source: Vec<String> = analyzer::significant(analyzer::terms(&listing_text(&listing.data)))
        .into_iter()
        .take(SOURCE_TERMS)
        .collect();
    caught_up(&state).await?;
    let filters = Filters {
        status: Some("published".into()),
        ..Filters::default()
    };
    let (hits, _) = state
        .search
        .search_terms(DocType::Demand, &source, &filters, 0, CANDIDATES)?;
    let best = hits
        .first()
        .map(|h| h.score)
        .unwrap_or(1.0)
        .max(f32::EPSILON) as f64;
    let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    let rows = demand_board::get_many(&mut state.db.read().await?.conn(), &ids).await?;
    let today = china_date(state.clock.now());
    let mut scored = Vec::new();
    for h in &hits {
        let Some(row) = rows
            .iter()
            .find(|r| r.id == h.id && r.data.is_open_on(today))
        else {
            continue;
        };
        let shared = shared_terms(&source, &analyzer::terms(&demand_text(&row.data)));
        if shared.is_empty() {
            continue;
        }
        let s = matching::score(&listing.data, &row.data, h.score as f64 / best, shared);
        scored.push((s, row));
    }
    scored.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.1.id.cmp(&b.1.id)));
    let items: Vec<_> = scored
        .into_iter()
        .take(limit)
        .map(|(s, row)| MatchItem {
            score: s.score,
            reasons: s.reasons,
            item: DemandMatch {
                demand: super::demands::view(row.id, row.version, &row.data, None, false),
            },
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

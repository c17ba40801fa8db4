//! Full-text search pages and matches, shared by the listing and demand routes.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::MaybeAuthenticated;
use crate::domain::calendar::china_date;
use crate::error::AppError;
use crate::http::{decode_offset, encode_offset, page_limit, Query};
use crate::projections::search::matching::{
    self, KeyTerms, Lang, Rarity, Reason, Scored, Source, SOURCE_TERMS,
};
use crate::projections::search::{analyzer, DocType, Filters, Hit};
use crate::projections::{demand_board, listing_catalogue};
use crate::state::AppState;
use crate::store::log;

pub const MAX_QUERY_CHARS: usize = 200;
/// Deep paging through a ranking is not a use case; it would only be load.
const MAX_OFFSET: usize = 10_000;
/// Candidates found by text per match request, and those added for their technology field.
const CANDIDATES: usize = 100;
const FIELD_CANDIDATES: usize = 20;

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

/// The reasons' language, by the caller's `Accept-Language` (Chinese unless English is preferred).
fn reasons_language(req: &HttpRequest) -> Lang {
    Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Published documents of `doc_type` worth scoring against `source`: the best by text, then
/// those of the same technology field the text did not find.
fn candidates(
    state: &AppState,
    doc_type: DocType,
    source: &KeyTerms,
    field: &str,
) -> Result<Vec<Uuid>, AppError> {
    let words: Vec<String> = source.words().map(str::to_string).collect();
    let filters = Filters {
        status: Some("published".into()),
        ..Filters::default()
    };
    let (hits, _) = state
        .search
        .search_terms(doc_type, &words, &filters, 0, CANDIDATES)?;
    let mut ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    for id in state
        .search
        .in_field(doc_type, field, "published", FIELD_CANDIDATES)?
    {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// How rare each term of the source and of the candidates is among the indexed documents,
/// which the text evidence weighs by.
fn rarity(state: &AppState, source: &KeyTerms, targets: &[KeyTerms]) -> Result<Rarity, AppError> {
    Ok(state.search.rarity(
        source
            .words()
            .chain(targets.iter().flat_map(KeyTerms::words)),
    )?)
}

/// The best `limit`, highest score first, ties by id.
fn best<T, K: Ord>(
    mut scored: Vec<(Scored, T)>,
    id: impl Fn(&T) -> K,
    limit: usize,
) -> Vec<(Scored, T)> {
    scored.sort_by(|a, b| {
        b.0.score
            .total_cmp(&a.0.score)
            .then(id(&a.1).cmp(&id(&b.1)))
    });
    scored.truncate(limit);
    scored
}

/// `GET /demands/{id}/matches`: published listings ranked for a demand.
pub(super) async fn demand_matches(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    req: HttpRequest,
    path: web::Path<Uuid>,
    q: Query<MatchQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = page_limit(q.0.limit)? as usize;
    let lang = reasons_language(&req);
    let viewer = auth.0;
    let demand = demand_board::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !demand.data.is_visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let source = KeyTerms::of_demand(&demand.data, SOURCE_TERMS);
    caught_up(&state).await?;
    let field = demand.data.content.field.as_str();
    let ids = candidates(&state, DocType::Listing, &source, field)?;
    let rows = listing_catalogue::get_many(&mut state.db.read().await?.conn(), &ids).await?;
    let rows: Vec<_> = ids
        .iter()
        .filter_map(|id| {
            rows.iter()
                .find(|r| r.id == *id && r.data.is_visible_to(None))
        })
        .collect();
    let targets: Vec<KeyTerms> = rows
        .iter()
        .map(|r| KeyTerms::of_listing(&r.data, usize::MAX))
        .collect();
    let rarity = rarity(&state, &source, &targets)?;
    let mut scored = Vec::new();
    for (row, target) in rows.into_iter().zip(&targets) {
        let text = matching::fit(&source, &rarity, target);
        let s = matching::assess(
            &row.data,
            &demand.data,
            &text,
            Source::Demand,
            &state.refs,
            lang,
        );
        if matching::proposed(&text, &s) {
            scored.push((s, row));
        }
    }
    let items: Vec<_> = best(scored, |row| row.id, limit)
        .into_iter()
        .map(|(s, row)| MatchItem {
            score: s.score,
            reasons: s.reasons,
            item: ListingMatch {
                listing: super::listings::view(row.id, row.version, &row.data, false),
            },
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
        .json(serde_json::json!({ "items": items })))
}

/// `GET /listings/{id}/matches`: open demands ranked for a listing.
pub(super) async fn listing_matches(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    req: HttpRequest,
    path: web::Path<Uuid>,
    q: Query<MatchQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = page_limit(q.0.limit)? as usize;
    let lang = reasons_language(&req);
    let viewer = auth.0;
    let listing = listing_catalogue::get(&mut state.db.read().await?.conn(), path.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !listing.data.is_visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let source = KeyTerms::of_listing(&listing.data, SOURCE_TERMS);
    caught_up(&state).await?;
    let field = listing.data.content.field.as_str();
    let ids = candidates(&state, DocType::Demand, &source, field)?;
    let rows = demand_board::get_many(&mut state.db.read().await?.conn(), &ids).await?;
    let today = china_date(state.clock.now());
    let rows: Vec<_> = ids
        .iter()
        .filter_map(|id| {
            rows.iter()
                .find(|r| r.id == *id && r.data.is_open_on(today))
        })
        .collect();
    let targets: Vec<KeyTerms> = rows
        .iter()
        .map(|r| KeyTerms::of_demand(&r.data, usize::MAX))
        .collect();
    let rarity = rarity(&state, &source, &targets)?;
    let mut scored = Vec::new();
    for (row, target) in rows.into_iter().zip(&targets) {
        let text = matching::fit(&source, &rarity, target);
        let s = matching::assess(
            &listing.data,
            &row.data,
            &text,
            Source::Listing,
            &state.refs,
            lang,
        );
        if matching::proposed(&text, &s) {
            scored.push((s, row));
        }
    }
    let items: Vec<_> = best(scored, |row| row.id, limit)
        .into_iter()
        .map(|(s, row)| MatchItem {
            score: s.score,
            reasons: s.reasons,
            item: DemandMatch {
                demand: super::demands::view(row.id, row.version, &row.data, None, false),
            },
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
        .json(serde_json::json!({ "items": items })))
}

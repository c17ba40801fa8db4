//! The notifications follower's part for saved searches and match alerts: which of a page's
//! publications fit which searches (decided by [`alerts`], pure), as notices.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::alerts::{self, Criteria, Fit, Published, Source, Target};
use super::derive::Notice;
use super::kinds::Kind;
use super::saved;
use crate::domain::demand::DemandData;
use crate::domain::listing::ListingData;
use crate::projections::demand_board::DemandBoard;
use crate::projections::doc;
use crate::projections::fold::DocModel;
use crate::projections::listing_catalogue::ListingCatalogue;
use crate::projections::search::analyzer;
use crate::projections::search::matching::{demand_text, listing_text};
use crate::store::log::LoggedEvent;
use crate::store::sql::Conn;
use crate::store::StoreError;

/// The words of a text as the analyzer splits them; a source's, only the significant ones.
fn words(text: &str) -> Vec<String> {
    analyzer::terms(text)
}

fn source_words(text: &str) -> Vec<String> {
    analyzer::significant(analyzer::terms(text))
}

/// The match alerts' own demands or listings as they are now, each with its words.
async fn sources<T: DeserializeOwned>(
    conn: &mut Conn<'_>,
    table: &str,
    ids: &[Uuid],
    text: impl Fn(&T) -> String,
) -> Result<HashMap<Uuid, (T, Vec<String>)>, StoreError> {
    Ok(doc::get_many::<T>(conn, table, ids)
        .await?
        .into_iter()
        .map(|r| {
            let w = source_words(&text(&r.data));
            (r.id, (r.data, w))
        })
        .collect())
}

/// What the publications among `entries` tell the people who saved a search or asked for
/// matches: one notice per person, publication and kind (see [`alerts`]). `listings` and
/// `demands` are the published streams' documents.
pub(super) async fn of<'e>(
    conn: &mut Conn<'_>,
    listings: &HashMap<Uuid, ListingData>,
    demands: &HashMap<Uuid, DemandData>,
    entries: &[&'e LoggedEvent],
) -> Result<Vec<(&'e LoggedEvent, Notice)>, StoreError> {
    let published: Vec<&LoggedEvent> = entries
        .iter()
        .copied()
        .filter(|e| e.event_type == "published")
        .collect();
    let Some(last) = published.iter().map(|e| e.position).max() else {
        return Ok(Vec::new());
    };
    let mut searches = Vec::new();
    for (target, aggregate) in [(Target::Listings, "listing"), (Target::Demands, "demand")] {
        if published.iter().any(|e| e.aggregate_type == aggregate) {
            searches.extend(saved::watching(conn, target, last).await?);
        }
    }
    if searches.is_empty() {
        return Ok(Vec::new());
    }
    // The match alerts' own demands and listings, as they are now.
    let (mut demand_ids, mut listing_ids) = (Vec::new(), Vec::new());
    for s in &searches {
        if let Criteria::Matches {
            demand_id,
            listing_id,
            ..
        } = &s.criteria
        {
            demand_ids.extend(demand_id);
            listing_ids.extend(listing_id);
        }
    }
    let source_demands =
        sources::<DemandData>(conn, DemandBoard::TABLE, &demand_ids, demand_text).await?;
    let source_listings =
        sources::<ListingData>(conn, ListingCatalogue::TABLE, &listing_ids, listing_text).await?;

    let mut out = Vec::new();
    for e in published {
        let (object, title, terms);
        match e.aggregate_type.as_str() {
            "listing" => {
                let Some(l) = listings.get(&e.aggregate_id) else {
                    continue;
                };
                if !l.is_visible_to(None) {
                    continue;
                }
                terms = words(&listing_text(l));
                title = l.content.title.as_str().to_string();
                object = Published::Listing(l, &terms);
            }
            "demand" => {
                let Some(d) = demands.get(&e.aggregate_id) else {
                    continue;
                };
                if !d.is_visible_to(None) {
                    continue;
                }
                terms = words(&demand_text(d));
                title = d.content.title.as_str().to_string();
                object = Published::Demand(d, &terms);
            }
            _ => continue,
        }
        let (mut found, mut matched): (Vec<Fit>, Vec<Fit>) = (Vec::new(), Vec::new());
        for s in searches.iter().filter(|s| s.since < e.position) {
            let source = match &s.criteria {
                Criteria::Matches {
                    demand_id: Some(id),
                    ..
                } => source_demands.get(id).map(|(d, w)| Source::Demand(d, w)),
                Criteria::Matches {
                    listing_id: Some(id),
                    ..
                } => source_listings.get(id).map(|(l, w)| Source::Listing(l, w)),
                _ => None,
            };
            if let Some(fit) = alerts::fits(s, &object, source.as_ref()) {
                if fit.recipient == e.actor_id {
                    continue;
                }
                match s.criteria {
                    Criteria::Search { .. } => found.push(fit),
                    Criteria::Matches { .. } => matched.push(fit),
                }
            }
        }
        for (kind, fits) in [(Kind::SavedSearchMatch, found), (Kind::MatchFound, matched)] {
            for f in alerts::merge(fits) {
                let mut data = serde_json::json!({
                    "title": title,
                    "searches": f.name,
                    "why": f.reasons,
                });
                if let Some(score) = f.score {
                    data["score"] = serde_json::json!(score);
                }
                out.push((
                    e,
                    Notice {
                        recipient: f.recipient,
                        kind,
                        data,
                    },
                ));
            }
        }
    }
    Ok(out)
}

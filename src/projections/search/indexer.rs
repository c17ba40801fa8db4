//! The catch-up follower that keeps the search index up with the global log.
//!
//! It reads the log after its checkpoint, and for every aggregate an entry touches it indexes
//! that aggregate's current public state from the read models (or removes it, once it is no
//! longer public). Re-indexing the current state is idempotent, so replaying an entry twice after
//! a crash does no harm, and the checkpoint is committed with the index itself, so nothing is
//! skipped. Pages that touch no listing or demand (contract-heavy traffic) are not committed one
//! by one: searches see them at once, and their checkpoint is committed every few seconds or
//! when the follower goes idle (a crash replays them, which is harmless). A rebuild is requested by bumping `generation` in the database: the follower that
//! owns the index sees the change, empties the index and replays the log from the start.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use esrs::Aggregate;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use super::{Checkpoint, PublicDoc, SearchError, SearchIndex};
use crate::domain::demand::{Demand, DemandData};
use crate::domain::listing::{Listing, ListingData};
use crate::metrics::Progress;
use crate::projections::{demand_board, listing_catalogue};
use crate::store::log;
use crate::store::sql::Arg;
use crate::store::{Db, StoreError};

const PAGE: i64 = 1000;
/// How often, at most, pages that touched no document are committed while the log streams in.
const COMMIT_EVERY: Duration = Duration::from_secs(5);
/// How long, at most, documents put wait for their commit while nobody searches for them.
const STAGE_FOR: Duration = Duration::from_secs(1);
const NAME: &str = "search";

#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("indexing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

pub async fn generation(db: &Db) -> Result<i64, StoreError> {
    let mut rc = db.read().await?;
    let row = rc
        .conn()
        .fetch_optional(
            "SELECT generation FROM projection_generations WHERE name = $1",
            &[Arg::Text(NAME.into())],
        )
        .await?;
    Ok(match row {
        Some(r) => r.i64("generation")?,
        None => 0,
    })
}

/// Asks whoever owns the index to rebuild it from the log; returns the new generation.
pub async fn request_rebuild(db: &Db) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    let row = tx
        .conn()
        .fetch_one(
            "INSERT INTO projection_generations (name, generation) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET generation = projection_generations.generation + 1 RETURNING generation",
            &[Arg::Text(NAME.into())],
        )
        .await?;
    tx.commit().await?;
    Ok(row.i64("generation")?)
}

enum Current {
    Listing(Uuid, Option<ListingData>),
    Demand(Uuid, Option<DemandData>),
}

/// Indexes one page of the log; `Ok(false)` when everything committed has been read.
pub async fn catch_up_once(db: &Db, index: &Arc<SearchIndex>) -> Result<bool, IndexerError> {
    Ok(index_page(db, index).await?.0)
}

/// As [`catch_up_once`], with the log's head as the page saw it.
#[tracing::instrument(
    name = "search_index_page",
    skip_all,
    fields(
        after = tracing::field::Empty,
        entries = tracing::field::Empty,
        documents = tracing::field::Empty,
        rebuild = tracing::field::Empty
    )
)]
async fn index_page(db: &Db, index: &Arc<SearchIndex>) -> Result<(bool, i64), IndexerError> {
    let generation = generation(db).await?;
    let mut checkpoint = index.checkpoint();
    let restart = checkpoint.generation != generation;
    if restart {
        checkpoint = Checkpoint {
            position: 0,
            generation,
        };
    }
    let mut rc = db.read().await?;
    let page = log::page_after(&mut rc.conn(), checkpoint.position, PAGE).await?;
    let head = page.head;
    let span = tracing::Span::current();
    span.record("after", checkpoint.position);
    span.record("entries", page.entries.len());
    span.record("rebuild", restart);
    if page.entries.is_empty() && !restart {
        drop(rc);
        return Ok((page.read_again().await, head));
    }
    let mut touched = HashSet::new();
    let mut current = Vec::new();
    for e in &page.entries {
        if !touched.insert((e.aggregate_type.clone(), e.aggregate_id)) {
            continue;
        }
        if e.aggregate_type == Listing::NAME {
            let row = listing_catalogue::get(&mut rc.conn(), e.aggregate_id).await?;
            current.push(Current::Listing(e.aggregate_id, row.map(|r| r.data)));
        } else if e.aggregate_type == Demand::NAME {
            let row = demand_board::get(&mut rc.conn(), e.aggregate_id).await?;
            current.push(Current::Demand(e.aggregate_id, row.map(|r| r.data)));
        }
    }
    drop(rc);
    span.record("documents", current.len());
    if let Some(last) = page.entries.last() {
        checkpoint.position = last.position;
    }
    if current.is_empty() && !restart {
        // Contracts, negotiations, grants…: nothing to index. Searches may go on at once; the
        // checkpoint is made durable now and then, not for every page.
        if index.has_staged() {
            // Documents wait uncommitted before this page: it joins them.
            index.stage(checkpoint);
        } else {
            index.advance(checkpoint);
        }
        if index.uncommitted(COMMIT_EVERY) {
            flush(index).await?;
        }
        return Ok((page.read_again().await, head));
    }
    let index = index.clone();
    tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
        if restart {
            index.clear()?;
        }
        for c in &current {
            match c {
                Current::Listing(id, data) => {
                    index.put(*id, data.as_ref().and_then(|d| PublicDoc::listing(*id, d)))?
                }
                Current::Demand(id, data) => {
                    index.put(*id, data.as_ref().and_then(|d| PublicDoc::demand(*id, d)))?
                }
            }
        }
        if restart {
            return index.commit(checkpoint);
        }
        // Searchable at the next commit: within a second, or at once for a search that needs it.
        index.stage(checkpoint);
        if index.committed_for() >= STAGE_FOR {
            index.commit_staged()?;
        }
        Ok(())
    })
    .await??;
    Ok((page.read_again().await, head))
}

/// Makes what was read durable (a commit with nothing new but the checkpoint).
async fn flush(index: &Arc<SearchIndex>) -> Result<(), IndexerError> {
    let index = index.clone();
    tokio::task::spawn_blocking(move || {
        if !index.commit_staged()? {
            index.commit(index.checkpoint())?;
        }
        Ok::<_, SearchError>(())
    })
    .await??;
    Ok(())
}

/// Catches up until the index holds the whole log as it is now, durably.
pub async fn catch_up(db: &Db, index: &Arc<SearchIndex>) -> Result<Checkpoint, IndexerError> {
    while catch_up_once(db, index).await? {}
    if index.uncommitted(Duration::ZERO) {
        flush(index).await?;
    }
    Ok(index.checkpoint())
}

/// The background task: follows the log until `shutdown` turns true. `appended` is signalled
/// after each command, so new events are indexed at once rather than at the next poll. After
/// each page, and when it goes idle, it tells `progress` how far searches see the log.
pub async fn run(
    db: Db,
    index: Arc<SearchIndex>,
    appended: Arc<Notify>,
    progress: Arc<Progress>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    let mut head = 0;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let progressed = match index_page(&db, &index).await {
            Ok((p, seen)) => {
                failures = 0;
                head = seen;
                p
            }
            Err(e) => {
                failures += 1;
                if failures == 1 || failures.is_power_of_two() {
                    tracing::warn!(error = %e, failures, "search indexer could not catch up; retrying");
                }
                false
            }
        };
        if !progressed && failures == 0 && index.uncommitted(Duration::ZERO) {
            // Idle: what was read becomes durable before waiting.
            if let Err(e) = flush(&index).await {
                tracing::warn!(error = %e, "search index checkpoint could not be committed");
            }
        }
        // What searches see: documents staged for their commit (within a second) still lag.
        progress.read_to(NAME, index.checkpoint().position, head);
        if !progressed {
            let pause = Duration::from_millis(if failures > 0 { 1000 } else { 500 });
            tokio::select! {
                _ = appended.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

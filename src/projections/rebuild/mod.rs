//! `techmarket projections rebuild`: every read model made again from the global log, side by
//! side with the live ones, then swapped in.
//!
//! 1. **Bulk.** Fresh, empty tables are made beside the live ones ([`shadow`]), and the log is
//!    replayed into them in pages of [`PAGE`] entries (keyset on `position`, so memory stays
//!    bounded however long the log is), each page folded per stream and written with
//!    multi-row statements (see [`super::fold`]), each page its own transaction. Meanwhile the
//!    service goes on as before on the live tables, reads and commands alike.
//! 2. **Catch-up.** Then the secondary indexes, and the log written meanwhile, until little is
//!    left.
//! 3. **Swap.** In one short transaction: the live tables locked (commands touching them wait),
//!    the last committed entries replayed, the new tables put in place of the old. A command
//!    that committed before the lock is in the log the swap reads; one still in flight has not
//!    written its rows yet (the lock would have waited for it), so it writes them afterwards,
//!    on top of the new tables.

mod shadow;

use super::Projections;
use crate::store::log::{self, LoggedEvent};
use crate::store::sql::{Arg, Conn};
use crate::store::{Db, StoreError};
use shadow::Shadow;

/// Log entries per page: large enough that a page's rows go out in a few statements, small
/// enough that a page (its payloads and folded rows) stays a few megabytes.
pub const PAGE: i64 = 5000;

/// Catch-up rounds stop once a round replays fewer entries than this; the rest go in the swap.
const SMALL_REST: u64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub events: u64,
    pub last_position: i64,
}

pub async fn rebuild(db: &Db, projections: &Projections) -> Result<RebuildReport, StoreError> {
    let rebuilt: Vec<_> = projections.iter().filter(|p| p.rebuilt()).collect();
    let tables: Vec<&'static str> = rebuilt.iter().flat_map(|p| p.tables()).copied().collect();
    let mut shadow = Shadow::open(db, tables).await?;
    let mut report = RebuildReport {
        events: 0,
        last_position: 0,
    };
    let done = async {
        replay_settled(db, &mut shadow, projections, &mut report).await?;
        shadow.index().await?;
        for _ in 0..10 {
            let before = report.events;
            replay_settled(db, &mut shadow, projections, &mut report).await?;
            if report.events - before < SMALL_REST {
                break;
            }
        }
        shadow.lock_live().await?;
        let mut conn = shadow.conn();
        loop {
            let page = log::after_committed(&mut conn, report.last_position, PAGE).await?;
            if page.is_empty() {
                break;
            }
            apply(&mut conn, projections, &page, &mut report).await?;
        }
        // Followers that copy a SQL read model (the statistics cube) start again from scratch.
        conn.execute(
            "INSERT INTO projection_generations (name, generation) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET generation = projection_generations.generation + 1",
            &[Arg::Text(super::contract_stats::cube::GENERATION.into())],
        )
        .await?;
        shadow.swap().await
    }
    .await;
    match done {
        Ok(()) => Ok(report),
        Err(e) => {
            shadow.discard().await;
            Err(e)
        }
    }
}

/// Replays the settled log after `report.last_position` into the shadow tables, a page a
/// transaction, until a page comes back short. A reader on a pooled connection fetches the
/// next page while this one is applied (one page ahead, so memory stays bounded).
async fn replay_settled(
    db: &Db,
    shadow: &mut Shadow,
    projections: &Projections,
    report: &mut RebuildReport,
) -> Result<(), StoreError> {
    let (pages, mut next) = tokio::sync::mpsc::channel(1);
    let reader = tokio::spawn({
        let (db, mut position) = (db.clone(), report.last_position);
        async move {
            loop {
                let page = async {
                    let mut rc = db.read().await?;
                    log::after(&mut rc.conn(), position, PAGE).await
                }
                .await;
                let more = match &page {
                    Ok(p) if p.len() as i64 == PAGE => p.last().map(|e| e.position),
                    _ => None,
                };
                if pages.send(page).await.is_err() {
                    return;
                }
                match more {
                    Some(last) => position = last,
                    None => return,
                }
            }
        }
    });
    let mut conn = shadow.conn();
    let replayed = async {
        while let Some(page) = next.recv().await {
            let page: Vec<LoggedEvent> = page?;
            conn.execute("BEGIN", &[]).await?;
            apply(&mut conn, projections, &page, report).await?;
            conn.execute("COMMIT", &[]).await?;
        }
        Ok(())
    }
    .await;
    reader.abort();
    replayed
}

async fn apply(
    conn: &mut Conn<'_>,
    projections: &Projections,
    page: &[LoggedEvent],
    report: &mut RebuildReport,
) -> Result<(), StoreError> {
    let Some(last) = page.last() else {
        return Ok(());
    };
    for p in projections.iter().filter(|p| p.rebuilt()) {
        p.apply_all(conn, page).await?;
    }
    report.events += page.len() as u64;
    report.last_position = last.position;
    Ok(())
}

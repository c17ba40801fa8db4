//! `techmarket projections rebuild`: empty every read model and replay the global log into it.
//!
//! The log is streamed in pages of [`PAGE`] entries (keyset on `position`), so memory stays
//! bounded however long the log is: esrs's `PgRebuilder::all_at_once` would load a whole table.
//! It runs in one transaction that first locks the read models' tables against writes (reads
//! go on), so readers see the old read models until the new ones are complete. A command
//! committed before the lock was granted is in the log the rebuild reads; one still in flight
//! has not yet written its read-model rows (or the lock would have waited for it), so it writes
//! them after the rebuild, on top of the rebuilt rows.

use super::Projections;
use crate::store::log;
use crate::store::{Db, StoreError};

pub const PAGE: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub events: u64,
    pub last_position: i64,
}

pub async fn rebuild(db: &Db, projections: &Projections) -> Result<RebuildReport, StoreError> {
    let mut tx = db.begin().await?;
    let mut conn = tx.conn();
    let rebuilt: Vec<_> = projections.iter().filter(|p| p.rebuilt()).collect();
    let tables: Vec<&str> = rebuilt.iter().flat_map(|p| p.tables()).copied().collect();
    if conn.is_postgres() {
        // SQLite's write transaction already excludes every other writer.
        conn.execute(
            &format!("LOCK TABLE {} IN EXCLUSIVE MODE", tables.join(", ")),
            &[],
        )
        .await?;
    }
    for table in &tables {
        conn.execute(&format!("DELETE FROM {table}"), &[]).await?;
    }
    let mut report = RebuildReport {
        events: 0,
        last_position: 0,
    };
    loop {
        let page = log::after_committed(&mut conn, report.last_position, PAGE).await?;
        let Some(last) = page.last() else { break };
        report.last_position = last.position;
        for event in &page {
            for p in &rebuilt {
                p.apply(&mut conn, event).await?;
            }
        }
        report.events += page.len() as u64;
    }
    // Followers that copy a SQL read model (the statistics cube) start again from scratch.
    conn.execute(
        "INSERT INTO projection_generations (name, generation) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET generation = projection_generations.generation + 1",
        &[crate::store::sql::Arg::Text(
            super::contract_stats::cube::GENERATION.into(),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

//! The runner shared by policies that follow the global log: at least once, in log order, each
//! with its own checkpoint in `policy_checkpoints`. A policy acts on a page of entries, then the
//! page's last position is recorded; a crash in between replays the page, so every policy's
//! handling must be idempotent (each says how it is).

use std::time::Duration;

use actix_web::web;
use async_trait::async_trait;
use tokio::sync::watch;

use crate::error::AppError;
use crate::startup::AppState;
use crate::store::log::{self, LoggedEvent};
use crate::store::sql::Arg;
use crate::store::{Db, StoreError};

const PAGE: i64 = 500;

#[async_trait]
pub trait Policy: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Acts on the entries; returns how many commands it issued.
    async fn handle(&self, state: &AppState, entries: &[LoggedEvent]) -> Result<usize, AppError>;
}

pub async fn checkpoint(db: &Db, name: &str) -> Result<i64, StoreError> {
    let mut rc = db.read().await?;
    let row = rc
        .conn()
        .fetch_optional(
            "SELECT position FROM policy_checkpoints WHERE name = $1",
            &[Arg::Text(name.into())],
        )
        .await?;
    Ok(match row {
        Some(r) => r.i64("position")?,
        None => 0,
    })
}

async fn save_checkpoint(db: &Db, name: &str, position: i64) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "INSERT INTO policy_checkpoints (name, position) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            &[Arg::Text(name.into()), Arg::I64(position)],
        )
        .await?;
    tx.commit().await
}

/// Handles one page of the log after the policy's checkpoint; `Ok(false)` when nothing was new.
pub async fn catch_up_once(policy: &dyn Policy, state: &AppState) -> Result<bool, AppError> {
    let from = checkpoint(&state.db, policy.name()).await?;
    let page = log::after(&mut state.db.read().await?.conn(), from, PAGE).await?;
    let Some(last) = page.last().map(|e| e.position) else {
        return Ok(false);
    };
    policy.handle(state, &page).await?;
    save_checkpoint(&state.db, policy.name(), last).await?;
    Ok(true)
}

/// The background task for `policy`, until `shutdown` turns true.
pub async fn run(
    policy: Box<dyn Policy>,
    state: web::Data<AppState>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let progressed = match catch_up_once(policy.as_ref(), &state).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(policy = policy.name(), error = %e, "policy could not catch up; retrying");
                false
            }
        };
        if !progressed {
            tokio::select! {
                _ = state.appended.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

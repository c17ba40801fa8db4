//! TRL follows verification outcomes: when a verification request completes successfully with a
//! higher TRL, the listing's TRL is revised.
//!
//! Two aggregates are involved, so this is a policy that follows the global log rather than one
//! transaction. It is at-least-once and idempotent: it acts on an entry, then records the
//! entry's position as its checkpoint. A crash between the two means the entry is handled again
//! on restart, and handling it again does nothing: the listing remembers which verification
//! requests already revised its TRL (`ReviseTrl` with a known `source` appends nothing), and a
//! TRL the listing already has or exceeds is left alone.

use std::time::Duration;

use actix_web::web;
use esrs::Aggregate;
use tokio::sync::watch;

use crate::domain::listing::ListingAction;
use crate::domain::verification::VerificationRequest;
use crate::domain::{Actor, Command, DomainError};
use crate::error::AppError;
use crate::startup::AppState;
use crate::store::log::{self, LoggedEvent};
use crate::store::sql::Arg;
use crate::store::{Db, StoreError};

pub const NAME: &str = "trl_from_verification";
const PAGE: i64 = 500;

pub async fn checkpoint(db: &Db) -> Result<i64, StoreError> {
    let mut rc = db.read().await?;
    let row = rc
        .conn()
        .fetch_optional(
            "SELECT position FROM policy_checkpoints WHERE name = $1",
            &[Arg::Text(NAME.into())],
        )
        .await?;
    Ok(match row {
        Some(r) => r.i64("position")?,
        None => 0,
    })
}

async fn save_checkpoint(db: &Db, position: i64) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "INSERT INTO policy_checkpoints (name, position) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            &[Arg::Text(NAME.into()), Arg::I64(position)],
        )
        .await?;
    tx.commit().await
}

/// Acts on the entries (without recording a checkpoint): for each successful completion that
/// raises the TRL, revises the listing's TRL as the system actor.
pub async fn handle(state: &AppState, entries: &[LoggedEvent]) -> Result<usize, AppError> {
    let mut revised = 0;
    for e in entries {
        if e.aggregate_type != VerificationRequest::NAME || e.event_type != "completed" {
            continue;
        }
        let Some(request) = state.aggregates.verifications.load(e.aggregate_id).await? else {
            continue;
        };
        let Some(v) = request.state.request else {
            continue;
        };
        let Some(trl) = v.raised_trl() else { continue };
        let listing_id = v.content.listing_id;
        let Some(listing) = state.aggregates.listings.load(listing_id).await? else {
            continue;
        };
        let version = listing.version;
        let Some(current) = listing.state.listing.map(|l| l.content.trl) else {
            continue;
        };
        if current >= trl {
            continue;
        }
        let action = ListingAction::ReviseTrl {
            trl,
            source: Some(e.aggregate_id),
        };
        match state
            .aggregates
            .listings
            .execute(
                listing_id,
                None,
                Command::new(Actor::system(), state.clock.now(), action),
            )
            .await
        {
            // A known source appends nothing: the version tells whether this call revised it.
            Ok(after) if after.version > version => revised += 1,
            Ok(_) => {}
            // Withdrawn or transferred listings keep their TRL; a concurrent revision won.
            Err(AppError::Domain(DomainError::Conflict(reason))) => {
                tracing::info!(%listing_id, request = %e.aggregate_id, %reason, "TRL not revised");
            }
            Err(AppError::Conflict(_)) => return Err(AppError::Conflict("retry".into())),
            Err(other) => return Err(other),
        }
    }
    Ok(revised)
}

/// Handles one page of the log after the checkpoint; `Ok(false)` when there was nothing new.
pub async fn catch_up_once(state: &AppState) -> Result<bool, AppError> {
    let from = checkpoint(&state.db).await?;
    let page = log::after(&mut state.db.read().await?.conn(), from, PAGE).await?;
    let Some(last) = page.last().map(|e| e.position) else {
        return Ok(false);
    };
    handle(state, &page).await?;
    save_checkpoint(&state.db, last).await?;
    Ok(true)
}

pub async fn run(state: web::Data<AppState>, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let progressed = match catch_up_once(&state).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "TRL policy could not catch up; retrying");
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

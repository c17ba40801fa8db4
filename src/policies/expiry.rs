//! Demands expire by themselves once their valid-until day (a China date) is over: a background
//! task looks for published demands past their day and appends `Expired` as the system actor.
//! It keeps no state of its own, so a restart loses nothing; the aggregate refuses a second
//! expiry, so two sweeps (or two servers) racing append it once.

use std::time::Duration;

use actix_web::web;
use tokio::sync::watch;

use crate::domain::calendar::china_date;
use crate::domain::demand::DemandAction;
use crate::domain::{Actor, Command, DomainError};
use crate::error::AppError;
use crate::projections::demand_board;
use crate::startup::AppState;

/// Expires every demand that is due now; returns how many this call expired.
pub async fn expire_due(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let due =
        demand_board::due_for_expiry(&mut state.db.read().await?.conn(), china_date(now)).await?;
    let mut expired = 0;
    for id in due {
        let command = Command::new(Actor::system(), now, DemandAction::Expire);
        match state.aggregates.demands.execute(id, None, command).await {
            Ok(_) => expired += 1,
            // Someone else got there first, or it was closed meanwhile: nothing to do.
            Err(AppError::Domain(DomainError::Conflict(_))) | Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if expired > 0 {
        tracing::info!(expired, "demands expired");
    }
    Ok(expired)
}

pub async fn run(state: web::Data<AppState>, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_millis(state.settings.expiry_sweep_ms.max(10));
    loop {
        if let Err(e) = expire_due(&state).await {
            tracing::warn!(error = %e, "demand expiry sweep failed; will retry");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

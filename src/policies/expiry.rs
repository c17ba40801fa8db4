//! Demands expire by themselves once their valid-until day (a China date) is over, and
//! negotiations once they have been idle for the configured number of days: a background task
//! looks for both and appends `Expired` as the system actor. Market sales close by themselves
//! when their listing period or auction ends. The same sweep ends ownership-grant
//! terms ([`super::grant_terms`]).
//! It keeps no state of its own, so a restart loses nothing; the aggregate refuses a second
//! expiry, so two sweeps (or two servers) racing append it once.

use std::time::Duration;

use actix_web::web;
use chrono::{DateTime, Utc};
use esrs::Aggregate;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use uuid::Uuid;

use super::PolicyError;
use crate::domain::calendar::china_date;
use crate::domain::demand::DemandAction;
use crate::domain::market_sale::SaleAction;
use crate::domain::negotiation::NegotiationAction;
use crate::domain::{Actor, Command, DomainError, LoggableEvent};
use crate::projections::{demand_board, market_board, negotiation_board};
use crate::state::AppState;
use crate::store::aggregates::EventStoreOf;

/// Expires every demand that is due now; returns how many this call expired.
pub async fn expire_due(state: &AppState) -> Result<usize, PolicyError> {
    let now = state.clock.now();
    let due =
        demand_board::due_for_expiry(&mut state.db.read().await?.conn(), china_date(now)).await?;
    let expired = by_rule(&state.aggregates.demands, due, now, || DemandAction::Expire).await?;
    if expired > 0 {
        tracing::info!(expired, "demands expired");
    }
    Ok(expired
        + expire_idle_negotiations(state).await?
        + close_due_sales(state).await?
        + super::grant_terms::sweep(state).await?)
}

/// Closes every market sale whose listing period or auction has ended: a deal, an auction
/// among the applicants, or no sale, as the sale decides. Returns how many it closed.
pub async fn close_due_sales(state: &AppState) -> Result<usize, PolicyError> {
    let now = state.clock.now();
    let due = market_board::due_for_close(&mut state.db.read().await?.conn(), now).await?;
    let notice_days = state.settings.price_notice_days;
    // Closed by someone else meanwhile, or a bid just extended the auction: a conflict, skipped.
    let closed = by_rule(&state.aggregates.market_sales, due, now, || {
        SaleAction::Close { notice_days }
    })
    .await?;
    if closed > 0 {
        tracing::info!(closed, "market sales closed");
    }
    Ok(closed)
}

/// Expires open negotiations idle for `negotiation_idle_days`; returns how many.
pub async fn expire_idle_negotiations(state: &AppState) -> Result<usize, PolicyError> {
    let now = state.clock.now();
    let idle_days = state.settings.negotiation_idle_days;
    let cutoff = now - chrono::Duration::days(i64::from(idle_days));
    let idle = negotiation_board::idle_since(&mut state.db.read().await?.conn(), cutoff).await?;
    let expired = by_rule(&state.aggregates.negotiations, idle, now, || {
        NegotiationAction::Expire { idle_days }
    })
    .await?;
    if expired > 0 {
        tracing::info!(expired, "idle negotiations expired");
    }
    Ok(expired)
}

/// Runs `action` as the platform on each stream of `ids`; returns how many it applied to. A
/// conflict means someone else got there first, or the stream moved on meanwhile: nothing to
/// do, so it is skipped.
async fn by_rule<A, X>(
    store: &EventStoreOf<A>,
    ids: Vec<Uuid>,
    now: DateTime<Utc>,
    action: impl Fn() -> X,
) -> Result<usize, PolicyError>
where
    A: Aggregate<Error = DomainError, Command = Command<X>> + Send + Sync + 'static,
    A::State: Send + Sync + Clone,
    A::Event: LoggableEvent + DeserializeOwned,
    X: Send,
{
    let mut applied = 0;
    for id in ids {
        let command = Command::new(Actor::system(), now, action());
        match store.execute(id, None, command).await {
            Ok(_) => applied += 1,
            Err(e) if e.is_conflict() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(applied)
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

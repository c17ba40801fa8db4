//! Ownership-grant terms end by themselves: once the last day of a term is over (a China date)
//! the grant expires, and `grant_expiry_warning_days` before that its expiry is announced with
//! an event of its own, for mail and the event feed to react to. Both are appended as the system
//! actor by the expiry sweep; the aggregate refuses a second expiry or a second announcement for
//! the same term end, so racing sweeps append each once.

use chrono::TimeDelta;

use super::PolicyError;
use crate::domain::calendar::china_date;
use crate::domain::ownership_grant::GrantAction;
use crate::domain::{Actor, Command};
use crate::projections::ownership_register;
use crate::state::AppState;

/// Expires the grants whose term is over and announces those ending soon; returns how many
/// events it appended.
pub async fn sweep(state: &AppState) -> Result<usize, PolicyError> {
    let now = state.clock.now();
    let today = china_date(now);
    let warning_days = state.settings.grant_expiry_warning_days;
    let horizon = today + TimeDelta::days(i64::from(warning_days));
    let due =
        ownership_register::terms_ending_by(&mut state.db.read().await?.conn(), horizon).await?;
    let mut appended = 0;
    for row in due {
        let Some(end) = row.data.term_end else {
            continue;
        };
        let action = if end < today {
            GrantAction::Expire
        } else if row.data.expiry_warned_for != Some(end) {
            GrantAction::WarnExpiry { warning_days }
        } else {
            continue;
        };
        let command = Command::new(Actor::system(), now, action);
        match state
            .aggregates
            .ownership_grants
            .execute(row.id, None, command)
            .await
        {
            Ok(_) => appended += 1,
            // Someone else got there first, or it was revoked or extended meanwhile.
            Err(e) if e.is_conflict() => {}
            Err(e) => return Err(e.into()),
        }
    }
    if appended > 0 {
        tracing::info!(appended, "ownership grant terms expired or announced");
    }
    Ok(appended)
}

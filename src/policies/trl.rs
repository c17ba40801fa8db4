//! TRL follows verification outcomes: when a verification request completes successfully with a
//! higher TRL, the listing's TRL is revised.
//!
//! Two aggregates are involved, so this is a policy that follows the global log rather than one
//! transaction. It is at-least-once and idempotent: it acts on an entry, then records the
//! entry's position as its checkpoint. A crash between the two means the entry is handled again
//! on restart, and handling it again does nothing: the listing remembers which verification
//! requests already revised its TRL (`ReviseTrl` with a known `source` appends nothing), and a
//! TRL the listing already has or exceeds is left alone.

use async_trait::async_trait;
use esrs::Aggregate;

use super::PolicyError;
use crate::domain::listing::ListingAction;
use crate::domain::verification::VerificationRequest;
use crate::domain::{Actor, Command, DomainError};
use crate::state::AppState;
use crate::store::aggregates::CommandError;
use crate::store::log::LoggedEvent;

use super::follower::Policy;

pub struct TrlFromVerification;

#[async_trait]
impl Policy for TrlFromVerification {
    fn name(&self) -> &'static str {
        "trl_from_verification"
    }

    /// For each successful completion that raises the TRL, revises the listing's TRL as the
    /// system actor.
    async fn handle(
        &self,
        state: &AppState,
        entries: &[LoggedEvent],
    ) -> Result<usize, PolicyError> {
        handle(state, entries).await
    }
}

/// Acts on the entries (the follower records the checkpoint).
pub async fn handle(state: &AppState, entries: &[LoggedEvent]) -> Result<usize, PolicyError> {
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
            Err(CommandError::Refused(DomainError::Conflict(reason))) => {
                tracing::info!(%listing_id, request = %e.aggregate_id, %reason, "TRL not revised");
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(revised)
}

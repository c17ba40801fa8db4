//! Event → state: how each recorded event changes the listing.

use chrono::{DateTime, Utc};

use super::{
    ListingData, ListingEvent, ListingState, ListingStatus, PriceNotice, RecordedContract,
};

/// Folds one event, recorded at `at`, into the state.
pub(super) fn evolve(
    mut state: ListingState,
    at: DateTime<Utc>,
    event: ListingEvent,
) -> ListingState {
    if let ListingEvent::Created {
        owner_id,
        owner_organization_id,
        content,
    } = event
    {
        state.listing = Some(ListingData {
            owner_id,
            owner_organization_id,
            status: ListingStatus::Draft,
            content,
            return_reasons: Vec::new(),
            withdrawal_reason: None,
            price_notice: None,
            transferred_by_contract: None,
            created_at: at,
            updated_at: at,
            published_at: None,
            trl_sources: Vec::new(),
            contracts: Vec::new(),
        });
        return state;
    }
    // The decider never emits anything before `Created`; applying stays total rather than
    // panicking in the middle of a rebuild.
    let Some(listing) = state.listing.as_mut() else {
        return state;
    };
    listing.updated_at = at;
    match event {
        ListingEvent::Created { .. } => {}
        ListingEvent::Revised { content } => {
            listing.content = content;
            if listing.status == ListingStatus::Returned {
                listing.status = ListingStatus::Draft;
            }
        }
        ListingEvent::Submitted => {
            listing.status = ListingStatus::UnderReview;
            listing.return_reasons.clear();
        }
        ListingEvent::Published => {
            listing.status = ListingStatus::Published;
            listing.published_at = Some(at);
        }
        ListingEvent::Returned { reasons } => {
            listing.status = ListingStatus::Returned;
            listing.return_reasons = reasons;
        }
        ListingEvent::Withdrawn { reason } => {
            listing.status = ListingStatus::Withdrawn;
            listing.withdrawal_reason = reason;
        }
        ListingEvent::PriceNoticeStarted { starts_at, ends_at } => {
            listing.price_notice = Some(PriceNotice { starts_at, ends_at });
        }
        ListingEvent::TrlRevised { to, source, .. } => {
            listing.content.trl = to;
            listing.trl_sources.extend(source);
        }
        ListingEvent::Transferred { contract_id } => {
            listing.status = ListingStatus::Transferred;
            listing.transferred_by_contract = Some(contract_id);
        }
        ListingEvent::ContractRecorded {
            contract_id,
            contract_type,
            subtype,
        } => listing.contracts.push(RecordedContract {
            contract_id,
            contract_type,
            subtype,
            recorded_at: at,
        }),
    }
    state
}

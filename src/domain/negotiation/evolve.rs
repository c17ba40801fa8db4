//! Event → state: how each stored event changes a negotiation.

use super::{NegotiationData, NegotiationEvent, NegotiationState, NegotiationStatus, Side};
use crate::domain::Recorded;

pub(super) fn evolve(
    mut state: NegotiationState,
    payload: Recorded<NegotiationEvent>,
) -> NegotiationState {
    let Recorded { at, event, .. } = payload;
    if let NegotiationEvent::Opened {
        listing_id,
        demand_id,
        buyer_id,
        buyer_organization_id,
        seller_id,
        seller_organization_id,
        message,
    } = event
    {
        state.negotiation = Some(NegotiationData {
            listing_id,
            demand_id,
            buyer_id,
            buyer_organization_id,
            seller_id,
            seller_organization_id,
            broker_id: None,
            status: NegotiationStatus::Open,
            buyer_signed_nda_at: None,
            seller_signed_nda_at: None,
            offers: Vec::new(),
            agreed_offer_id: None,
            abandon_reason: None,
            abandon_note: None,
            message,
            created_at: at,
            updated_at: at,
            last_activity_at: at,
            closed_at: None,
        });
        return state;
    }
    // The decider never emits anything before `Opened`; applying stays total rather than
    // panicking in the middle of a rebuild.
    let Some(n) = state.negotiation.as_mut() else {
        return state;
    };
    n.updated_at = at;
    if event != NegotiationEvent::Expired {
        n.last_activity_at = at;
    }
    match event {
        NegotiationEvent::Opened { .. } => {}
        NegotiationEvent::BrokerAssigned { broker_id } => n.broker_id = Some(broker_id),
        NegotiationEvent::NdaSigned { side } => match side {
            Side::Buyer => n.buyer_signed_nda_at = Some(at),
            Side::Seller => n.seller_signed_nda_at = Some(at),
        },
        NegotiationEvent::OfferMade { offer } => n.offers.push(offer),
        NegotiationEvent::Agreed { offer_id } => {
            n.status = NegotiationStatus::Agreed;
            n.agreed_offer_id = Some(offer_id);
            n.closed_at = Some(at);
        }
        NegotiationEvent::Abandoned { reason, note } => {
            n.status = NegotiationStatus::Abandoned;
            n.abandon_reason = Some(reason);
            n.abandon_note = note;
            n.closed_at = Some(at);
        }
        NegotiationEvent::Expired => {
            n.status = NegotiationStatus::Expired;
            n.closed_at = Some(at);
        }
    }
    state
}

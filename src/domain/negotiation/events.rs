//! What happened to a negotiation: the events it is stored as.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AbandonReason, Offer, Side};
use crate::domain::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NegotiationEvent {
    Opened {
        listing_id: Uuid,
        demand_id: Option<Uuid>,
        buyer_id: Uuid,
        buyer_organization_id: Option<Uuid>,
        seller_id: Uuid,
        seller_organization_id: Option<Uuid>,
        message: String,
    },
    BrokerAssigned {
        broker_id: Uuid,
    },
    NdaSigned {
        side: Side,
    },
    OfferMade {
        offer: Offer,
    },
    Agreed {
        offer_id: Uuid,
    },
    Abandoned {
        reason: AbandonReason,
        note: Option<String>,
    },
    Expired,
}

impl NegotiationEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            NegotiationEvent::Opened { .. } => "opened",
            NegotiationEvent::BrokerAssigned { .. } => "broker_assigned",
            NegotiationEvent::NdaSigned { .. } => "nda_signed",
            NegotiationEvent::OfferMade { .. } => "offer_made",
            NegotiationEvent::Agreed { .. } => "agreed",
            NegotiationEvent::Abandoned { .. } => "abandoned",
            NegotiationEvent::Expired => "expired",
        }
    }
}

impl DomainEvent for NegotiationEvent {
    fn name(&self) -> &'static str {
        NegotiationEvent::name(self)
    }
}

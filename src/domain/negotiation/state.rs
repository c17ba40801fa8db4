//! What a negotiation is, once opened: its parties and broker, the NDA signatures, the offers
//! and how it ended; and the questions asked of it (whose side, who may see it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AbandonReason, NegotiationStatus, Side, Terms};
use crate::domain::{Actor, Role, Visibility};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegotiationState {
    /// `None` until `Opened`.
    pub negotiation: Option<NegotiationData>,
}

impl Visibility for NegotiationState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.negotiation
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegotiationData {
    pub listing_id: Uuid,
    /// The demand the buyer answers, when there is one.
    pub demand_id: Option<Uuid>,
    pub buyer_id: Uuid,
    pub buyer_organization_id: Option<Uuid>,
    pub seller_id: Uuid,
    pub seller_organization_id: Option<Uuid>,
    /// The tech manager brokering the negotiation, when one was assigned.
    pub broker_id: Option<Uuid>,
    pub status: NegotiationStatus,
    pub buyer_signed_nda_at: Option<DateTime<Utc>>,
    pub seller_signed_nda_at: Option<DateTime<Utc>>,
    /// Offers and counter-offers, in the order they were made.
    pub offers: Vec<Offer>,
    /// The accepted offer; `Some` exactly when the status is `agreed`.
    pub agreed_offer_id: Option<Uuid>,
    pub abandon_reason: Option<AbandonReason>,
    pub abandon_note: Option<String>,
    /// The buyer's opening message.
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The last event by a person (everything but expiry): what idleness is measured from.
    pub last_activity_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// One offer or counter-offer, as made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub id: Uuid,
    /// The side the offer is made for: the maker's own side, or the side a broker spoke for.
    pub side: Side,
    pub made_by: Uuid,
    pub terms: Terms,
    pub made_at: DateTime<Utc>,
}

impl NegotiationData {
    /// The side `a` sits on, by user id; `None` for the broker and everyone else.
    pub fn side_of(&self, a: &Actor) -> Option<Side> {
        if a.user_id == self.buyer_id {
            Some(Side::Buyer)
        } else if a.user_id == self.seller_id {
            Some(Side::Seller)
        } else {
            None
        }
    }

    pub fn is_broker(&self, a: &Actor) -> bool {
        self.broker_id == Some(a.user_id)
    }

    /// A party or the broker.
    pub fn is_participant(&self, a: &Actor) -> bool {
        self.side_of(a).is_some() || self.is_broker(a)
    }

    /// Negotiations are private to their participants and the platform admins.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.is_participant(actor) || actor.role == Role::PlatformAdmin
    }

    pub fn signed_nda_at(&self, side: Side) -> Option<DateTime<Utc>> {
        match side {
            Side::Buyer => self.buyer_signed_nda_at,
            Side::Seller => self.seller_signed_nda_at,
        }
    }

    /// Both sides signed the NDA.
    pub fn nda_complete(&self) -> bool {
        self.buyer_signed_nda_at.is_some() && self.seller_signed_nda_at.is_some()
    }

    pub fn offer(&self, id: Uuid) -> Option<&Offer> {
        self.offers.iter().find(|o| o.id == id)
    }

    pub fn latest_offer(&self) -> Option<&Offer> {
        self.offers.last()
    }

    /// The terms of the accepted offer, once agreed.
    pub fn agreed_terms(&self) -> Option<&Terms> {
        self.offer(self.agreed_offer_id?).map(|o| &o.terms)
    }
}

//! What can be asked of a negotiation: the command payloads.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AbandonReason, Side, Terms};
use crate::domain::listing::TransferMode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NegotiationAction {
    /// The seller and the listing are supplied by the app layer from the listing (its owner);
    /// the actor is the buyer.
    Open {
        listing_id: Uuid,
        demand_id: Option<Uuid>,
        seller_id: Uuid,
        seller_organization_id: Option<Uuid>,
        message: String,
    },
    /// `broker_is_tech_manager`: the app layer looked the user up.
    AssignBroker {
        broker_id: Uuid,
        broker_is_tech_manager: bool,
    },
    SignNda,
    /// `on_behalf_of` is required when the actor is the broker, and must be `None` or the
    /// actor's own side for a party.
    MakeOffer {
        offer_id: Uuid,
        terms: Terms,
        on_behalf_of: Option<Side>,
        /// The listing's transfer modes, supplied by the app layer: the terms must fall under
        /// one of them.
        offered_modes: Vec<TransferMode>,
    },
    AcceptOffer {
        offer_id: Uuid,
    },
    Abandon {
        reason: AbandonReason,
        note: Option<String>,
    },
    /// By rule, from the system actor, once nothing has happened for `idle_days` days.
    Expire {
        idle_days: u32,
    },
}

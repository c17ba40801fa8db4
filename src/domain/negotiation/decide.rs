//! Command → event. Authorization first, then state, then the payload: someone who may not act
//! learns nothing about the negotiation's state from the error.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::modes::check_offered;
use super::terms::check_terms;
use super::{
    AbandonReason, NegotiationAction, NegotiationData, NegotiationEvent, NegotiationState,
    NegotiationStatus, Offer, Side, Terms,
};
use crate::domain::error::{require, Validation};
use crate::domain::listing::TransferMode;
use crate::domain::text::clean;
use crate::domain::{Actor, DomainError, Role};

const MESSAGE_MAX: usize = 2_000;
const NOTE_MAX: usize = 500;

pub(super) fn decide(
    state: &NegotiationState,
    actor: &Actor,
    now: DateTime<Utc>,
    action: NegotiationAction,
) -> Result<NegotiationEvent, DomainError> {
    match (&state.negotiation, action) {
        (
            None,
            NegotiationAction::Open {
                listing_id,
                demand_id,
                seller_id,
                seller_organization_id,
                message,
            },
        ) => open(
            actor,
            listing_id,
            demand_id,
            seller_id,
            seller_organization_id,
            &message,
        ),
        (Some(_), NegotiationAction::Open { .. }) => {
            Err(DomainError::conflict("negotiation already exists"))
        }
        (None, _) => Err(DomainError::NotFound),
        (Some(n), NegotiationAction::Expire { idle_days }) => expire(n, actor, now, idle_days),
        (Some(n), action) => act(n, actor, now, action),
    }
}

fn open(
    actor: &Actor,
    listing_id: Uuid,
    demand_id: Option<Uuid>,
    seller_id: Uuid,
    seller_organization_id: Option<Uuid>,
    message: &str,
) -> Result<NegotiationEvent, DomainError> {
    require(
        actor.role == Role::Enterprise,
        "only an enterprise can open a negotiation",
    )?;
    require(
        actor.user_id != seller_id,
        "nobody negotiates with themselves",
    )?;
    let message =
        clean("message", message, 0, MESSAGE_MAX).map_err(|e| DomainError::Invalid(vec![e]))?;
    Ok(NegotiationEvent::Opened {
        listing_id,
        demand_id,
        buyer_id: actor.user_id,
        buyer_organization_id: actor.organization_id,
        seller_id,
        seller_organization_id,
        message,
    })
}

/// By rule only: the system actor, on an open negotiation idle for `idle_days` days.
fn expire(
    n: &NegotiationData,
    actor: &Actor,
    now: DateTime<Utc>,
    idle_days: u32,
) -> Result<NegotiationEvent, DomainError> {
    require(
        actor.is_system(),
        "a negotiation expires by rule, not at anyone's request",
    )?;
    require_open(n.status, "expire")?;
    if now - n.last_activity_at < TimeDelta::days(i64::from(idle_days)) {
        return Err(DomainError::conflict(format!(
            "expiry is not yet due: the last activity was at {}, {idle_days} idle days are needed",
            n.last_activity_at
        )));
    }
    Ok(NegotiationEvent::Expired)
}

/// What the parties and the broker do; everyone else, the system included, is refused first.
fn act(
    n: &NegotiationData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: NegotiationAction,
) -> Result<NegotiationEvent, DomainError> {
    require(
        !actor.is_system() && n.is_participant(actor),
        "only the parties and the broker act on a negotiation",
    )?;
    let side = n.side_of(actor);
    match action {
        NegotiationAction::Open { .. } | NegotiationAction::Expire { .. } => {
            unreachable!("opening and expiry are decided elsewhere")
        }
        NegotiationAction::AssignBroker {
            broker_id,
            broker_is_tech_manager,
        } => assign_broker(n, side, broker_id, broker_is_tech_manager),
        NegotiationAction::SignNda => sign_nda(n, side),
        NegotiationAction::MakeOffer {
            offer_id,
            terms,
            on_behalf_of,
            offered_modes,
        } => make_offer(n, actor, now, offer_id, terms, on_behalf_of, &offered_modes),
        NegotiationAction::AcceptOffer { offer_id } => accept_offer(n, side, offer_id),
        NegotiationAction::Abandon { reason, note } => abandon(n, side, reason, note),
    }
}

fn assign_broker(
    n: &NegotiationData,
    side: Option<Side>,
    broker_id: Uuid,
    broker_is_tech_manager: bool,
) -> Result<NegotiationEvent, DomainError> {
    require(side.is_some(), "only a party can assign a broker")?;
    require_open(n.status, "assign a broker")?;
    if broker_id == n.buyer_id || broker_id == n.seller_id {
        return Err(DomainError::invalid(
            "broker_id",
            "a party cannot broker its own negotiation",
        ));
    }
    if !broker_is_tech_manager {
        return Err(DomainError::invalid(
            "broker_id",
            "the broker must be a tech manager",
        ));
    }
    Ok(NegotiationEvent::BrokerAssigned { broker_id })
}

fn sign_nda(n: &NegotiationData, side: Option<Side>) -> Result<NegotiationEvent, DomainError> {
    let Some(side) = side else {
        return Err(DomainError::forbidden("only a party can sign the NDA"));
    };
    require_open(n.status, "sign the NDA")?;
    if let Some(at) = n.signed_nda_at(side) {
        return Err(DomainError::conflict(format!(
            "the {side} already signed the NDA at {at}"
        )));
    }
    Ok(NegotiationEvent::NdaSigned { side })
}

/// A party offers for its own side; the broker speaks for the side it names. The terms must be
/// a deal the listing offers (`modes`).
fn make_offer(
    n: &NegotiationData,
    actor: &Actor,
    now: DateTime<Utc>,
    offer_id: Uuid,
    terms: Terms,
    on_behalf_of: Option<Side>,
    offered_modes: &[TransferMode],
) -> Result<NegotiationEvent, DomainError> {
    require_open(n.status, "make an offer")?;
    if n.offer(offer_id).is_some() {
        return Err(DomainError::conflict(format!(
            "offer {offer_id} already exists"
        )));
    }
    let mut v = Validation::new();
    let offer_side = match (n.side_of(actor), on_behalf_of) {
        (Some(own), None) => Some(own),
        (Some(own), Some(other)) if other == own => Some(own),
        (Some(own), Some(_)) => {
            v.push(
                "on_behalf_of",
                format!("a party offers only for its own side ({own})"),
            );
            None
        }
        (None, Some(for_side)) => Some(for_side),
        (None, None) => {
            v.push(
                "on_behalf_of",
                "the broker must say which side the offer is for",
            );
            None
        }
    };
    check_terms(&mut v, &terms);
    check_offered(&mut v, &terms, offered_modes);
    v.finish()?;
    let Some(side) = offer_side else {
        unreachable!("a missing side recorded a field error");
    };
    Ok(NegotiationEvent::OfferMade {
        offer: Offer {
            id: offer_id,
            side,
            made_by: actor.user_id,
            terms,
            made_at: now,
        },
    })
}

/// Only the latest offer, and only by the party across the table from the side it is for.
fn accept_offer(
    n: &NegotiationData,
    side: Option<Side>,
    offer_id: Uuid,
) -> Result<NegotiationEvent, DomainError> {
    let Some(side) = side else {
        return Err(DomainError::forbidden(
            "only a party can accept an offer, not the broker",
        ));
    };
    require_open(n.status, "accept an offer")?;
    let Some(latest) = n.latest_offer() else {
        return Err(DomainError::conflict("there is no offer to accept"));
    };
    if latest.id != offer_id {
        return Err(DomainError::conflict(format!(
            "only the latest offer can be accepted: {}",
            latest.id
        )));
    }
    if latest.side == side {
        return Err(DomainError::forbidden(format!(
            "nobody accepts their own side's offer: this one is the {side}'s"
        )));
    }
    Ok(NegotiationEvent::Agreed { offer_id })
}

fn abandon(
    n: &NegotiationData,
    side: Option<Side>,
    reason: AbandonReason,
    note: Option<String>,
) -> Result<NegotiationEvent, DomainError> {
    require(side.is_some(), "only a party can abandon a negotiation")?;
    require_open(n.status, "abandon it")?;
    let mut v = Validation::new();
    let note = note
        .and_then(|raw| v.take(clean("note", &raw, 0, NOTE_MAX)))
        .filter(|n| !n.is_empty());
    if reason == AbandonReason::Other && v.is_empty() && note.is_none() {
        v.push("note", "is required when the reason is other");
    }
    v.finish()?;
    Ok(NegotiationEvent::Abandoned { reason, note })
}

fn require_open(status: NegotiationStatus, verb: &str) -> Result<(), DomainError> {
    if status == NegotiationStatus::Open {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "the negotiation must be open to {verb}; it is {status}"
        )))
    }
}

//! Who is told what, from one entry of the log and its stream as the read models hold it. Pure:
//! the follower fetches the streams' documents, this decides.
//!
//! A person is never told of what they did themselves. The documents are the streams as they
//! are now, not as of the entry; that is enough, since what is read from them (who the parties
//! are, the order of a negotiation's offers) does not change once written.

use serde_json::{json, Value};
use uuid::Uuid;

use super::kinds::Kind;
use crate::domain::contract::{ContractData, ContractEvent};
use crate::domain::demand::{DemandData, DemandEvent};
use crate::domain::listing::{ListingData, ListingEvent};
use crate::domain::negotiation::{NegotiationData, NegotiationEvent, Side};
use crate::domain::ownership_grant::{GrantData, GrantEvent};
use crate::domain::verification::{VerificationData, VerificationEvent};
use crate::domain::Recorded;
use crate::store::log::LoggedEvent;
use crate::store::StoreError;

/// One person to tell one thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub recipient: Uuid,
    pub kind: Kind,
    /// What the message says beyond its kind: the object's title, a reason, an amount.
    pub data: Value,
}

/// The stream an entry belongs to, as its read model holds it.
pub enum Stream<'a> {
    Listing(&'a ListingData),
    Demand(&'a DemandData),
    Negotiation(&'a NegotiationData),
    Contract(&'a ContractData),
    Verification(&'a VerificationData),
    /// A grant, and the people of its institution who run grants (its administrators).
    Grant {
        grant: &'a GrantData,
        office: &'a [Uuid],
    },
}

/// The notices `entry` gives rise to.
pub fn notices(entry: &LoggedEvent, stream: &Stream<'_>) -> Result<Vec<Notice>, StoreError> {
    let mut out = Vec::new();
    let mut tell = |recipient: Uuid, kind: Kind, data: Value| {
        if recipient != entry.actor_id
            && !out
                .iter()
                .any(|n: &Notice| n.recipient == recipient && n.kind == kind)
        {
            out.push(Notice {
                recipient,
                kind,
                data,
            });
        }
    };
    match stream {
        Stream::Listing(l) => {
            let title = json!({ "title": l.content.title.as_str() });
            match entry.recorded::<Recorded<ListingEvent>>()?.event {
                ListingEvent::Returned { reasons } => tell(
                    l.owner_id,
                    Kind::ListingReturned,
                    json!({ "title": l.content.title.as_str(), "reasons": reasons }),
                ),
                ListingEvent::Published => tell(l.owner_id, Kind::ListingPublished, title),
                _ => {}
            }
        }
        Stream::Demand(d) => match entry.recorded::<Recorded<DemandEvent>>()?.event {
            DemandEvent::Applied { application } => tell(
                d.owner_id,
                Kind::ApplicationReceived,
                json!({ "title": d.content.title.as_str(), "application_id": application.id }),
            ),
            DemandEvent::WinnerSelected { applicant_id, .. } => tell(
                applicant_id,
                Kind::WinnerSelected,
                json!({ "title": d.content.title.as_str() }),
            ),
            _ => {}
        },
        Stream::Negotiation(n) => {
            let party = |side: Side| match side {
                Side::Buyer => n.buyer_id,
                Side::Seller => n.seller_id,
            };
            let other = |side: Side| match side {
                Side::Buyer => n.seller_id,
                Side::Seller => n.buyer_id,
            };
            match entry.recorded::<Recorded<NegotiationEvent>>()?.event {
                NegotiationEvent::OfferMade { offer } => {
                    // A counter-offer answers an earlier offer from the other side.
                    let earlier = n.offers.iter().take_while(|o| o.id != offer.id);
                    let countered = earlier.clone().any(|o| o.side != offer.side);
                    let kind = if countered {
                        Kind::OfferCountered
                    } else {
                        Kind::OfferReceived
                    };
                    tell(other(offer.side), kind, json!({ "offer_id": offer.id }));
                }
                NegotiationEvent::Agreed { offer_id } => {
                    if let Some(o) = n.offers.iter().find(|o| o.id == offer_id) {
                        tell(
                            party(o.side),
                            Kind::OfferAccepted,
                            json!({ "offer_id": offer_id }),
                        );
                    }
                }
                NegotiationEvent::NdaSigned { side } => tell(
                    other(side),
                    Kind::NdaSigned,
                    json!({ "side": side_name(side) }),
                ),
                NegotiationEvent::Abandoned { reason, .. } => {
                    let reason = serde_json::to_value(reason)?;
                    for p in [n.buyer_id, n.seller_id].into_iter().chain(n.broker_id) {
                        tell(
                            p,
                            Kind::NegotiationAbandoned,
                            json!({ "reason": reason.clone() }),
                        );
                    }
                }
                NegotiationEvent::Expired => {
                    for p in [n.buyer_id, n.seller_id].into_iter().chain(n.broker_id) {
                        tell(p, Kind::NegotiationExpired, json!({}));
                    }
                }
                _ => {}
            }
        }
        Stream::Contract(c) => {
            let title = c.content.title.as_str();
            let kind = match entry.recorded::<Recorded<ContractEvent>>()?.event {
                ContractEvent::Accepted { .. } => Some(Kind::ContractAccepted),
                ContractEvent::CorrectionRequested { .. } => {
                    Some(Kind::ContractCorrectionRequested)
                }
                ContractEvent::Registered { .. } => Some(Kind::ContractRegistered),
                ContractEvent::Refused { .. } => Some(Kind::ContractRefused),
                _ => None,
            };
            if let Some(kind) = kind {
                // The event's own detail (the registrar's reasons, the registration number)
                // goes with it: the submitter is its party.
                let detail = event_detail(entry)?;
                tell(
                    c.submitter_id,
                    kind,
                    json!({ "title": title, "detail": detail }),
                );
            }
        }
        Stream::Verification(v) => {
            let kind = match entry.recorded::<Recorded<VerificationEvent>>()?.event {
                VerificationEvent::Accepted { .. } => Some(Kind::VerificationAccepted),
                VerificationEvent::Declined { .. } => Some(Kind::VerificationDeclined),
                VerificationEvent::Completed { .. } => Some(Kind::VerificationCompleted),
                _ => None,
            };
            if let Some(kind) = kind {
                tell(
                    v.requester_id,
                    kind,
                    json!({ "listing_id": v.content.listing_id, "detail": event_detail(entry)? }),
                );
            }
        }
        Stream::Grant { grant, office } => {
            let about = |extra: Value| {
                let mut v = json!({ "listing_id": grant.listing_id });
                if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
                    o.extend(e);
                }
                v
            };
            match entry.recorded::<Recorded<GrantEvent>>()?.event {
                GrantEvent::Approved { .. } => {
                    tell(grant.applicant_id, Kind::GrantApproved, about(json!({})))
                }
                GrantEvent::NoticeStarted { .. } => tell(
                    grant.applicant_id,
                    Kind::GrantNoticeStarted,
                    about(json!({})),
                ),
                GrantEvent::ObjectionRaised {
                    objection_id,
                    reason,
                    ..
                } => {
                    for p in office.iter() {
                        tell(
                            *p,
                            Kind::GrantObjectionRaised,
                            about(json!({ "objection_id": objection_id, "reason": reason })),
                        );
                    }
                }
                GrantEvent::Granted {
                    granted_on,
                    term_end,
                } => tell(
                    grant.applicant_id,
                    Kind::GrantGranted,
                    about(json!({ "granted_on": granted_on, "term_end": term_end })),
                ),
                GrantEvent::ExpiryApproaching {
                    term_ends_on,
                    days_left,
                } => tell(
                    grant.applicant_id,
                    Kind::GrantTermExpiring,
                    about(json!({ "term_ends_on": term_ends_on, "days_left": days_left })),
                ),
                GrantEvent::Expired { term_ended_on } => tell(
                    grant.applicant_id,
                    Kind::GrantExpired,
                    about(json!({ "term_ended_on": term_ended_on })),
                ),
                GrantEvent::RevenueDistributed { distribution } => {
                    for m in &distribution.members {
                        tell(
                            m.user_id,
                            Kind::DistributionRecorded,
                            about(json!({ "amount_fen": m.amount_fen })),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buyer => "buyer",
        Side::Seller => "seller",
    }
}

/// The event's own fields (its `event` object without the tag), for the message's detail.
fn event_detail(entry: &LoggedEvent) -> Result<Value, StoreError> {
    let mut v = entry.payload_value()?;
    let mut event = v.get_mut("event").map(Value::take).unwrap_or(Value::Null);
    if let Value::Object(o) = &mut event {
        o.remove("type");
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::negotiation::{
        AbandonReason, Exclusivity, NegotiationStatus, Offer, Payment, Terms,
    };
    use crate::domain::{Actor, Role};

    const BUYER: Uuid = Uuid::from_u128(1);
    const SELLER: Uuid = Uuid::from_u128(2);
    const BROKER: Uuid = Uuid::from_u128(3);

    fn person(id: Uuid, role: Role) -> Actor {
        Actor {
            user_id: id,
            role,
            organization_id: None,
        }
    }

    fn entry(by: Actor, event: NegotiationEvent) -> LoggedEvent {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        LoggedEvent {
            position: 1,
            event_id: Uuid::now_v7(),
            aggregate_type: "negotiation".into(),
            aggregate_id: Uuid::from_u128(9),
            version: 2,
            event_type: event.name().into(),
            actor_id: by.user_id,
            actor_role: by.role.as_str().into(),
            recorded_at: at,
            payload: serde_json::value::to_raw_value(&Recorded {
                actor: by,
                at,
                event,
            })
            .unwrap(),
            schema_version: None,
        }
    }

    fn offer(n: u128, side: Side, by: Uuid) -> Offer {
        Offer {
            id: Uuid::from_u128(0xF0 + n),
            side,
            made_by: by,
            terms: Terms {
                contract_type: "license".into(),
                contract_subtype: None,
                price_fen: 1_000_000,
                payment: Payment::LumpSum,
                term_months: 12,
                territory: "中国大陆".into(),
                exclusivity: Exclusivity::Exclusive,
            },
            made_at: Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap(),
        }
    }

    fn negotiation(offers: Vec<Offer>) -> NegotiationData {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();
        NegotiationData {
            listing_id: Uuid::from_u128(0x11),
            demand_id: None,
            buyer_id: BUYER,
            buyer_organization_id: None,
            seller_id: SELLER,
            seller_organization_id: None,
            broker_id: Some(BROKER),
            status: NegotiationStatus::Open,
            buyer_signed_nda_at: None,
            seller_signed_nda_at: None,
            offers,
            agreed_offer_id: None,
            abandon_reason: None,
            abandon_note: None,
            message: String::new(),
            created_at: at,
            updated_at: at,
            last_activity_at: at,
            closed_at: None,
        }
    }

    fn told(n: &NegotiationData, e: &LoggedEvent) -> Vec<(Uuid, Kind)> {
        notices(e, &Stream::Negotiation(n))
            .unwrap()
            .into_iter()
            .map(|n| (n.recipient, n.kind))
            .collect()
    }

    #[test]
    fn a_first_offer_is_received_and_an_answer_to_the_other_side_is_a_counter() {
        let first = offer(1, Side::Buyer, BUYER);
        let counter = offer(2, Side::Seller, SELLER);
        let again = offer(3, Side::Seller, SELLER);
        let n = negotiation(vec![first.clone(), counter.clone(), again.clone()]);
        let buyer = person(BUYER, Role::Enterprise);
        let seller = person(SELLER, Role::Researcher);
        assert_eq!(
            told(
                &n,
                &entry(buyer, NegotiationEvent::OfferMade { offer: first })
            ),
            [(SELLER, Kind::OfferReceived)]
        );
        assert_eq!(
            told(
                &n,
                &entry(seller, NegotiationEvent::OfferMade { offer: counter })
            ),
            [(BUYER, Kind::OfferCountered)]
        );
        // A second offer in a row from the same side still answers the buyer's.
        assert_eq!(
            told(
                &n,
                &entry(seller, NegotiationEvent::OfferMade { offer: again })
            ),
            [(BUYER, Kind::OfferCountered)]
        );
    }

    #[test]
    fn a_broker_offer_for_the_buyer_goes_to_the_seller_and_its_acceptance_to_the_buyer() {
        let for_buyer = offer(1, Side::Buyer, BROKER);
        let n = negotiation(vec![for_buyer.clone()]);
        let broker = person(BROKER, Role::TechManager);
        assert_eq!(
            told(
                &n,
                &entry(
                    broker,
                    NegotiationEvent::OfferMade {
                        offer: for_buyer.clone()
                    }
                )
            ),
            [(SELLER, Kind::OfferReceived)]
        );
        let seller = person(SELLER, Role::Researcher);
        assert_eq!(
            told(
                &n,
                &entry(
                    seller,
                    NegotiationEvent::Agreed {
                        offer_id: for_buyer.id
                    }
                )
            ),
            [(BUYER, Kind::OfferAccepted)]
        );
    }

    #[test]
    fn an_ending_tells_everyone_in_it_but_who_ended_it() {
        let n = negotiation(vec![]);
        let buyer = person(BUYER, Role::Enterprise);
        let abandoned = entry(
            buyer,
            NegotiationEvent::Abandoned {
                reason: AbandonReason::ALL[0],
                note: None,
            },
        );
        assert_eq!(
            told(&n, &abandoned),
            [
                (SELLER, Kind::NegotiationAbandoned),
                (BROKER, Kind::NegotiationAbandoned)
            ]
        );
        let expired = entry(Actor::system(), NegotiationEvent::Expired);
        assert_eq!(
            told(&n, &expired),
            [
                (BUYER, Kind::NegotiationExpired),
                (SELLER, Kind::NegotiationExpired),
                (BROKER, Kind::NegotiationExpired)
            ]
        );
        let nda = entry(buyer, NegotiationEvent::NdaSigned { side: Side::Buyer });
        assert_eq!(told(&n, &nda), [(SELLER, Kind::NdaSigned)]);
        // What tells nobody anything.
        let assigned = entry(
            buyer,
            NegotiationEvent::BrokerAssigned { broker_id: BROKER },
        );
        assert!(told(&n, &assigned).is_empty());
    }
}

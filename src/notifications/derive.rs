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

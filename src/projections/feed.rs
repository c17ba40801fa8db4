//! What the log shows beyond the parties: the feed (`GET /events`), the live stream and the
//! broker all show the same thing, decided here. Confidential detail is stripped from every
//! payload: the feed is a broadcast, not an entitlement.

use esrs::Aggregate;

use crate::domain::contract::{ContractEvent, ContractRegistration};
use crate::domain::listing::{Listing, ListingEvent};
use crate::domain::market_sale::{MarketSale, SaleEvent};
use crate::domain::ownership_grant::{GrantEvent, OwnershipGrant};
use crate::domain::{Recorded, Role};
use crate::store::log::LoggedEvent;

/// Parts of stored events that belong to their parties, not to the feed: open-call proposals,
/// what negotiating parties write and offer, and what a verification found. (Listings'
/// confidential detail is removed by the aggregate's own `redacted`.)
const PRIVATE: &[(&str, &[&str])] = &[
    ("demand", &["/event/application/proposal"]),
    (
        "negotiation",
        &["/event/message", "/event/note", "/event/offer/terms"],
    ),
    (
        "verification_request",
        &[
            "/event/content/description",
            "/event/milestone/description",
            "/event/report",
            "/event/note",
        ],
    ),
];

/// Whether the feed shows `event` to a viewer of `role`. Statisticians read contracts from
/// registration on and grants from their public notice on, so their feed leaves out what came
/// before (the position still advances past it: the cursor skips, it does not stall).
pub fn shown_to(role: Role, event: &LoggedEvent) -> bool {
    if role != Role::Statistician {
        return true;
    }
    let hidden: &[&str] = match event.aggregate_type.as_str() {
        t if t == ContractRegistration::NAME => &ContractEvent::BEFORE_REGISTER,
        t if t == OwnershipGrant::NAME => &GrantEvent::BEFORE_NOTICE,
        _ => &[],
    };
    !hidden.contains(&event.event_type.as_str())
}

/// The payload with everything confidential removed, whatever the aggregate.
pub fn public_payload(event: &LoggedEvent) -> Result<serde_json::Value, serde_json::Error> {
    if event.aggregate_type == Listing::NAME {
        let mut recorded: Recorded<ListingEvent> = event.recorded()?;
        recorded.event = recorded.event.redacted();
        return serde_json::to_value(recorded);
    }
    if event.aggregate_type == MarketSale::NAME {
        let mut recorded: Recorded<SaleEvent> = event.recorded()?;
        let sealed = matches!(recorded.event, SaleEvent::BidPlaced { sealed: true, .. });
        recorded.event = recorded.event.redacted();
        let mut payload = serde_json::to_value(recorded)?;
        // A sealed bid is announced, not its amount.
        if let Some(bid) = sealed
            .then(|| payload.pointer_mut("/event/bid"))
            .flatten()
            .and_then(|b| b.as_object_mut())
        {
            bid.remove("amount_fen");
        }
        return Ok(payload);
    }
    let mut payload = event.payload_value()?;
    for (aggregate, pointers) in PRIVATE {
        if event.aggregate_type != *aggregate {
            continue;
        }
        for pointer in *pointers {
            let (parent, key) = pointer.rsplit_once('/').expect("pointers have a parent");
            if let Some(obj) = payload.pointer_mut(parent).and_then(|p| p.as_object_mut()) {
                obj.remove(key);
            }
        }
    }
    Ok(payload)
}

/// The entry as the feed shows it: the same, with its payload made public.
pub fn public(event: &LoggedEvent) -> Result<LoggedEvent, serde_json::Error> {
    let mut shown = event.clone();
    shown.payload = serde_json::value::to_raw_value(&public_payload(event)?)?;
    Ok(shown)
}

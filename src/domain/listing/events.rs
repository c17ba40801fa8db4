//! What happens to a listing: the events it records, and how they are named and shown.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ListingContent, Trl};
use crate::domain::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListingEvent {
    Created {
        owner_id: Uuid,
        owner_organization_id: Option<Uuid>,
        content: ListingContent,
    },
    Revised {
        content: ListingContent,
    },
    Submitted,
    Published,
    Returned {
        reasons: Vec<String>,
    },
    Withdrawn {
        reason: Option<String>,
    },
    PriceNoticeStarted {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
    /// `source` is the verification request whose outcome moved the TRL, when there is one.
    TrlRevised {
        from: Trl,
        to: Trl,
        source: Option<Uuid>,
    },
    Transferred {
        contract_id: Uuid,
    },
    /// A registered contract that left the listing available (a non-exclusive licence, a
    /// development or service contract…), recorded on it.
    ContractRecorded {
        contract_id: Uuid,
        contract_type: String,
        subtype: Option<String>,
    },
}

impl ListingEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            ListingEvent::Created { .. } => "created",
            ListingEvent::Revised { .. } => "revised",
            ListingEvent::Submitted => "submitted",
            ListingEvent::Published => "published",
            ListingEvent::Returned { .. } => "returned",
            ListingEvent::Withdrawn { .. } => "withdrawn",
            ListingEvent::PriceNoticeStarted { .. } => "price_notice_started",
            ListingEvent::TrlRevised { .. } => "trl_revised",
            ListingEvent::Transferred { .. } => "transferred",
            ListingEvent::ContractRecorded { .. } => "contract_recorded",
        }
    }

    /// A copy fit for someone who may not see the confidential detail (e.g. the history view).
    pub fn redacted(&self) -> ListingEvent {
        let mut copy = self.clone();
        if let ListingEvent::Created { content, .. } | ListingEvent::Revised { content } = &mut copy
        {
            content.confidential_detail = None;
        }
        copy
    }
}

impl DomainEvent for ListingEvent {
    fn name(&self) -> &'static str {
        ListingEvent::name(self)
    }
}

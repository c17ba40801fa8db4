//! What happened to a grant: its events, named by their serde tags.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Distribution, GrantTerms, Notice, ObjectionOutcome, RegistryChange};
use crate::domain::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GrantEvent {
    Applied {
        applicant_id: Uuid,
        listing_id: Uuid,
        listing_title: String,
        institution_id: Uuid,
        terms: GrantTerms,
    },
    Approved {
        note: Option<String>,
    },
    Rejected {
        reasons: Vec<String>,
        /// The upheld objection that rejected it, if one did.
        objection_id: Option<Uuid>,
    },
    NoticeStarted {
        notice: Notice,
    },
    ObjectionRaised {
        objection_id: Uuid,
        raised_by: Uuid,
        reason: String,
    },
    ObjectionResolved {
        objection_id: Uuid,
        outcome: ObjectionOutcome,
        resolution: String,
    },
    Granted {
        granted_on: NaiveDate,
        term_end: Option<NaiveDate>,
    },
    RegistryChangeRecorded {
        registry_change: RegistryChange,
    },
    Extended {
        previous_end: NaiveDate,
        new_end: NaiveDate,
        reason: String,
    },
    ExpiryApproaching {
        term_ends_on: NaiveDate,
        days_left: u32,
    },
    Expired {
        /// The last day the grant was in force.
        term_ended_on: NaiveDate,
    },
    Revoked {
        on: NaiveDate,
        reason: String,
    },
    Withdrawn {
        reason: Option<String>,
    },
    RevenueDistributed {
        distribution: Distribution,
    },
}

impl GrantEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            GrantEvent::Applied { .. } => "applied",
            GrantEvent::Approved { .. } => "approved",
            GrantEvent::Rejected { .. } => "rejected",
            GrantEvent::NoticeStarted { .. } => "notice_started",
            GrantEvent::ObjectionRaised { .. } => "objection_raised",
            GrantEvent::ObjectionResolved { .. } => "objection_resolved",
            GrantEvent::Granted { .. } => "granted",
            GrantEvent::RegistryChangeRecorded { .. } => "registry_change_recorded",
            GrantEvent::Extended { .. } => "extended",
            GrantEvent::ExpiryApproaching { .. } => "expiry_approaching",
            GrantEvent::Expired { .. } => "expired",
            GrantEvent::Revoked { .. } => "revoked",
            GrantEvent::Withdrawn { .. } => "withdrawn",
            GrantEvent::RevenueDistributed { .. } => "revenue_distributed",
        }
    }
}

impl GrantEvent {
    /// Events a statistician's feed leaves out: those before the public notice, and a rejection
    /// or withdrawal (even one during the notice), after which the grant is no longer on the
    /// public register (`GrantStatus::PUBLIC`) and so no longer theirs to read.
    pub const BEFORE_NOTICE: [&'static str; 4] = ["applied", "approved", "rejected", "withdrawn"];
}

impl DomainEvent for GrantEvent {
    fn name(&self) -> &'static str {
        GrantEvent::name(self)
    }
}

//! What happened to a registration: the events of its stream, tagged by name in the store.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::import::ImportSource;
use super::input::ContractContent;
use super::panel::{Candidate, ExpertOpinion, Recommendation};
use super::state::{Amendment, Payment};
use crate::domain::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContractEvent {
    /// A contract of the past, on the register from its original registration date.
    Imported {
        source: ImportSource,
        registration_number: String,
        registered_on: NaiveDate,
        content: ContractContent,
    },
    Submitted {
        submitter_id: Uuid,
        submitter_organization_id: Option<Uuid>,
        content: ContractContent,
    },
    Accepted {
        accepted_on: NaiveDate,
        due_on: NaiveDate,
    },
    CorrectionRequested {
        reasons: Vec<String>,
    },
    /// Back on the clock (status `accepted`), due again from the day of resubmission.
    Resubmitted {
        content: ContractContent,
        due_on: NaiveDate,
    },
    ExpertReviewed {
        opinion: String,
        /// The panel's opinions; empty when no panel was convened.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        experts: Vec<ExpertOpinion>,
    },
    ExpertPanelRequested {
        size: u32,
        experts: Vec<Candidate>,
    },
    ExpertSeatAccepted {
        expert_id: Uuid,
    },
    ExpertSeatDeclined {
        expert_id: Uuid,
        replacement: Option<Candidate>,
    },
    ExpertOpinionSubmitted {
        expert_id: Uuid,
        recommendation: Recommendation,
        opinion: String,
    },
    Registered {
        registration_number: String,
        registered_on: NaiveDate,
    },
    Refused {
        reason_code: String,
        note: Option<String>,
    },
    Amended {
        amendment: Amendment,
    },
    PaymentRecorded {
        payment: Payment,
    },
    Cancelled {
        on: NaiveDate,
        reason: String,
    },
    Revoked {
        on: NaiveDate,
        reason: String,
    },
}

impl ContractEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            ContractEvent::Imported { .. } => "imported",
            ContractEvent::Submitted { .. } => "submitted",
            ContractEvent::Accepted { .. } => "accepted",
            ContractEvent::CorrectionRequested { .. } => "correction_requested",
            ContractEvent::Resubmitted { .. } => "resubmitted",
            ContractEvent::ExpertReviewed { .. } => "expert_reviewed",
            ContractEvent::ExpertPanelRequested { .. } => "expert_panel_requested",
            ContractEvent::ExpertSeatAccepted { .. } => "expert_seat_accepted",
            ContractEvent::ExpertSeatDeclined { .. } => "expert_seat_declined",
            ContractEvent::ExpertOpinionSubmitted { .. } => "expert_opinion_submitted",
            ContractEvent::Registered { .. } => "registered",
            ContractEvent::Refused { .. } => "refused",
            ContractEvent::Amended { .. } => "amended",
            ContractEvent::PaymentRecorded { .. } => "payment_recorded",
            ContractEvent::Cancelled { .. } => "cancelled",
            ContractEvent::Revoked { .. } => "revoked",
        }
    }
}

impl ContractEvent {
    /// Events of a contract before it is on the register: what a statistician's feed leaves out.
    pub const BEFORE_REGISTER: [&'static str; 10] = [
        "submitted",
        "accepted",
        "correction_requested",
        "resubmitted",
        "expert_reviewed",
        "expert_panel_requested",
        "expert_seat_accepted",
        "expert_seat_declined",
        "expert_opinion_submitted",
        "refused",
    ];
}

impl DomainEvent for ContractEvent {
    fn name(&self) -> &'static str {
        ContractEvent::name(self)
    }
}

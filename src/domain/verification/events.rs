//! What happened to a verification request: the events it is stored as.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Milestone, Outcome, RequestContent};
use crate::domain::listing::Trl;
use crate::domain::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VerificationEvent {
    Requested {
        requester_id: Uuid,
        requester_organization_id: Option<Uuid>,
        content: RequestContent,
    },
    Accepted {
        note: Option<String>,
    },
    Declined {
        reason: String,
    },
    /// The first one moves accepted work to in_progress.
    MilestoneReported {
        milestone: Milestone,
    },
    Completed {
        outcome: Outcome,
        trl_after: Trl,
        report: String,
    },
    Cancelled {
        reason: String,
    },
}

impl VerificationEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            VerificationEvent::Requested { .. } => "requested",
            VerificationEvent::Accepted { .. } => "accepted",
            VerificationEvent::Declined { .. } => "declined",
            VerificationEvent::MilestoneReported { .. } => "milestone_reported",
            VerificationEvent::Completed { .. } => "completed",
            VerificationEvent::Cancelled { .. } => "cancelled",
        }
    }
}

impl DomainEvent for VerificationEvent {
    fn name(&self) -> &'static str {
        VerificationEvent::name(self)
    }
}

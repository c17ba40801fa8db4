//! What happens to a demand: the events it records, and their names.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Application, CloseReason, DemandContent};
use crate::domain::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DemandEvent {
    Created {
        owner_id: Uuid,
        owner_organization_id: Option<Uuid>,
        content: DemandContent,
    },
    Revised {
        content: DemandContent,
    },
    Published,
    Closed {
        reason: CloseReason,
        note: Option<String>,
    },
    Expired,
    Applied {
        application: Application,
    },
    /// Always followed by `Closed { reason: fulfilled }` in the same command.
    WinnerSelected {
        application_id: Uuid,
        applicant_id: Uuid,
    },
    /// A registered contract answered the demand: closed as fulfilled.
    FulfilledByContract {
        contract_id: Uuid,
    },
}

impl DemandEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            DemandEvent::Created { .. } => "created",
            DemandEvent::Revised { .. } => "revised",
            DemandEvent::Published => "published",
            DemandEvent::Closed { .. } => "closed",
            DemandEvent::Expired => "expired",
            DemandEvent::Applied { .. } => "applied",
            DemandEvent::WinnerSelected { .. } => "winner_selected",
            DemandEvent::FulfilledByContract { .. } => "fulfilled_by_contract",
        }
    }
}

impl DomainEvent for DemandEvent {
    fn name(&self) -> &'static str {
        DemandEvent::name(self)
    }
}

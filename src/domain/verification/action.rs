//! What can be asked of a verification request: the command payloads.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Outcome, RequestContent};
use crate::domain::listing::Trl;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VerificationAction {
    Request(RequestContent),
    Accept {
        note: Option<String>,
    },
    Decline {
        reason: String,
    },
    ReportMilestone {
        milestone_id: Uuid,
        title: String,
        description: String,
        progress_percent: Option<u8>,
    },
    Complete {
        outcome: Outcome,
        trl_after: Trl,
        report: String,
    },
    Cancel {
        reason: String,
    },
}

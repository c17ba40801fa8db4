//! What a verification request is, once made: the content, the provider's answer, the
//! milestones and the outcome; and the questions asked of it (who is who, who may see it, what
//! TRL it raises).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Outcome, RequestContent, VerificationStatus};
use crate::domain::listing::Trl;
use crate::domain::{Actor, Role, Visibility};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationState {
    /// `None` until `Requested`.
    pub request: Option<VerificationData>,
}

impl Visibility for VerificationState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.request
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationData {
    pub requester_id: Uuid,
    pub requester_organization_id: Option<Uuid>,
    pub status: VerificationStatus,
    pub content: RequestContent,
    /// The provider's note on accepting, if it gave one.
    pub acceptance_note: Option<String>,
    pub decline_reason: Option<String>,
    pub cancel_reason: Option<String>,
    /// Milestones in the order they were reported.
    pub milestones: Vec<Milestone>,
    pub outcome: Option<Outcome>,
    pub trl_after: Option<Trl>,
    pub report: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A progress report of the provider on accepted work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: Uuid,
    /// 1..=200 characters, a single line.
    pub title: String,
    /// 0..=5000 characters.
    pub description: String,
    /// 0..=100 when given.
    pub progress_percent: Option<u8>,
    pub reported_at: DateTime<Utc>,
}

impl VerificationData {
    pub fn is_requester(&self, a: &Actor) -> bool {
        a.user_id == self.requester_id
    }

    /// A provider-role user of the provider organization.
    pub fn is_provider(&self, a: &Actor) -> bool {
        a.role == Role::Provider && a.belongs_to(Some(self.content.provider_organization_id))
    }

    /// Requester, the provider organization's providers, and PlatformAdmin.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.is_requester(actor) || self.is_provider(actor) || actor.role == Role::PlatformAdmin
    }

    /// Some(trl_after) when the request completed successfully with trl_after > trl_before: what
    /// the listing's TRL should become.
    pub fn raised_trl(&self) -> Option<Trl> {
        match (self.status, self.outcome, self.trl_after) {
            (VerificationStatus::Completed, Some(Outcome::Success), Some(after))
                if after > self.content.trl_before =>
            {
                Some(after)
            }
            _ => None,
        }
    }

    pub fn milestone(&self, id: Uuid) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.id == id)
    }
}

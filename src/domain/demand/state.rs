//! What a demand is once created, and who may see it and its applications.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CloseReason, DemandContent, DemandKind, DemandStatus};
use crate::domain::{Actor, Role, Visibility};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandState {
    /// `None` until `Created`.
    pub demand: Option<DemandData>,
}

impl Visibility for DemandState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.demand
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandData {
    pub owner_id: Uuid,
    pub owner_organization_id: Option<Uuid>,
    pub status: DemandStatus,
    /// Why the demand closed; `None` while it is open.
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    pub content: DemandContent,
    /// Applications to an open call, in the order they arrived.
    pub applications: Vec<Application>,
    /// The selected application (揭榜方) of an open call.
    pub winner: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A researcher's application to an open call (揭榜申请).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: Uuid,
    pub applicant_id: Uuid,
    pub applicant_organization_id: Option<Uuid>,
    /// The applicant's listing the application builds on, when there is one.
    pub listing_id: Option<Uuid>,
    pub proposal: String,
    pub applied_at: DateTime<Utc>,
}

impl DemandData {
    pub fn is_owner(&self, actor: &Actor) -> bool {
        actor.user_id == self.owner_id
    }

    /// Published and closed demands are public; a draft only to its owner and the operators.
    /// Published demands, and closed ones that were published first, are public (the record of
    /// what the market asked for); a draft, even a cancelled one, is its owner's.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        if self.status == DemandStatus::Published
            || (self.status == DemandStatus::Closed && self.published_at.is_some())
        {
            return true;
        }
        let Some(actor) = viewer else { return false };
        self.is_owner(actor) || actor.role == Role::PlatformAdmin
    }

    /// The applications `viewer` may read: all for the owner (and PlatformAdmin), only their own
    /// for an applicant, none otherwise.
    pub fn applications_visible_to(&self, viewer: Option<&Actor>) -> Vec<&Application> {
        let Some(actor) = viewer else {
            return Vec::new();
        };
        if self.is_owner(actor) || actor.role == Role::PlatformAdmin {
            return self.applications.iter().collect();
        }
        self.applications
            .iter()
            .filter(|a| a.applicant_id == actor.user_id)
            .collect()
    }

    /// Published and not yet past `valid_until` on `today`: what matching and the board call
    /// "open".
    pub fn is_open_on(&self, today: NaiveDate) -> bool {
        self.status == DemandStatus::Published && today <= self.content.valid_until
    }

    pub fn application(&self, id: Uuid) -> Option<&Application> {
        self.applications.iter().find(|a| a.id == id)
    }

    pub(super) fn is_open_call(&self) -> bool {
        self.content.kind == DemandKind::OpenCall
    }
}

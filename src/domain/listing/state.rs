//! What a listing is once created, and who may see it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ListingContent, PricingMode, RecordedContract};
use crate::domain::{Actor, Role, Visibility};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingState {
    /// `None` until `Created`.
    pub listing: Option<ListingData>,
}

impl Visibility for ListingState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.listing
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingData {
    pub owner_id: Uuid,
    pub owner_organization_id: Option<Uuid>,
    pub status: ListingStatus,
    pub content: ListingContent,
    /// Reasons of the latest return; cleared on submit.
    pub return_reasons: Vec<String>,
    pub withdrawal_reason: Option<String>,
    pub price_notice: Option<PriceNotice>,
    pub transferred_by_contract: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// The verification requests whose outcomes have already revised the TRL: a replayed
    /// outcome (the policy is at-least-once) must not revise it twice.
    #[serde(default)]
    pub trl_sources: Vec<Uuid>,
    /// Registered contracts that named the listing and left it available, oldest first.
    #[serde(default)]
    pub contracts: Vec<RecordedContract>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ListingStatus {
    Draft,
    UnderReview,
    Returned,
    Published,
    Withdrawn,
    Transferred,
}

crate::codes!(ListingStatus);

/// A price public notice (公示) period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceNotice {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl PriceNotice {
    /// Whether the notice period is over at `t` (the end instant itself counts as over).
    pub fn has_run_by(&self, t: DateTime<Utc>) -> bool {
        t >= self.ends_at
    }
}

/// The refusal of something that waits for a price public notice (公示) to end, in Chinese and
/// English: `then_zh` / `then_en` say what may happen after. It names the instant the notice
/// ends as RFC 3339, written as the views write `ends_at`, so a caller knows when to come back
/// and a program can find the instant in the text.
pub fn price_notice_running(ends_at: DateTime<Utc>, then_zh: &str, then_en: &str) -> String {
    let end = ends_at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    format!(
        "价格公示期至 {end} 结束，{then_zh}。The price public notice (公示) runs until {end}: {then_en}."
    )
}

impl ListingData {
    pub fn is_owner(&self, actor: &Actor) -> bool {
        actor.user_id == self.owner_id
    }

    /// The technology-transfer office of the institution that owns a job-related listing.
    pub fn is_institution_admin(&self, actor: &Actor) -> bool {
        self.content.job_related
            && actor.role == Role::InstitutionAdmin
            && actor.belongs_to(self.content.institution_id)
    }

    /// The kinds of IP the listing's rights are, each once, in code order: what a contract
    /// drafted from it (after a negotiation or a market sale) declares.
    pub fn ip_kind_codes(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .content
            .ip_rights
            .iter()
            .map(|r| r.kind.as_str().to_string())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// A job-related listing with negotiated pricing needs a price public notice before a
    /// contract for it can be registered.
    pub fn needs_price_notice(&self) -> bool {
        self.content.job_related && self.content.pricing_mode == PricingMode::Negotiated
    }

    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        if matches!(
            self.status,
            ListingStatus::Published | ListingStatus::Transferred
        ) {
            return true;
        }
        let Some(actor) = viewer else { return false };
        self.is_owner(actor)
            || actor.role == Role::PlatformAdmin
            || self.is_institution_admin(actor)
            || (actor.role == Role::TechManager && self.status == ListingStatus::UnderReview)
    }

    /// Whether the confidential detail may be shown. Implies visibility, so a caller that checks
    /// only this one cannot leak the detail of a listing the viewer may not see at all.
    pub fn may_see_confidential(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        if !self.is_visible_to(viewer) {
            return false;
        }
        if self.is_owner(actor) {
            return true;
        }
        match actor.role {
            // Operators and statisticians never see confidential detail, whatever their organization.
            Role::PlatformAdmin | Role::Statistician => false,
            Role::TechManager => true,
            _ => actor.belongs_to(self.owner_organization_id) || self.is_institution_admin(actor),
        }
    }
}

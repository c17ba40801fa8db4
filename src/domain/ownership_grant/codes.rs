//! The grant's string codes: its kind and its status, with the status groups the register and
//! the decisions ask about.

use serde::{Deserialize, Serialize};

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
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum GrantKind {
    /// Co-ownership: the institution keeps its share, the team holds the rest.
    OwnershipShare,
    /// The institution keeps ownership; the team holds a long-term right to use the achievement.
    UsageRight,
}

crate::codes!(GrantKind);

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
pub enum GrantStatus {
    Applied,
    Approved,
    Rejected,
    /// 公示: the public notice is running or has run; objections are heard here.
    InNotice,
    Granted,
    /// Granted, and the patent office's record of the change is on file.
    RegistryChanged,
    Expired,
    Revoked,
    Withdrawn,
}

crate::codes!(GrantStatus);

impl GrantStatus {
    /// Statuses in which the grant blocks another for the same listing: under way or in force.
    pub const LIVE: [GrantStatus; 5] = [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::InNotice,
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
    ];

    pub fn is_live(self) -> bool {
        GrantStatus::LIVE.contains(&self)
    }

    /// Granted and not yet ended.
    pub const IN_FORCE: [GrantStatus; 2] = [GrantStatus::Granted, GrantStatus::RegistryChanged];

    pub fn is_in_force(self) -> bool {
        GrantStatus::IN_FORCE.contains(&self)
    }

    /// Was granted at some point (payments received while it was in force can be distributed).
    pub const EVER_GRANTED: [GrantStatus; 4] = [
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ];

    pub fn was_granted(self) -> bool {
        GrantStatus::EVER_GRANTED.contains(&self)
    }

    /// From the public notice on, the grant is public: anyone signed in may read its terms.
    pub const PUBLIC: [GrantStatus; 5] = [
        GrantStatus::InNotice,
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ];

    pub fn is_public(self) -> bool {
        GrantStatus::PUBLIC.contains(&self)
    }
}

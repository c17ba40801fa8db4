//! The codes a registration travels with: its status, and the reasons a registrar may give for
//! refusing it.

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
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ContractStatus {
    Submitted,
    /// 受理: on the registrar's clock.
    Accepted,
    /// 补正: back with the submitter, the clock stopped.
    CorrectionRequested,
    /// Reviewed by experts; still on the clock, ready to be registered.
    ExpertReview,
    Registered,
    Refused,
    /// 注销
    Cancelled,
    /// 撤销
    Revoked,
}

crate::codes!(ContractStatus);

impl ContractStatus {
    /// Not yet registered or refused: what a registrar's work queue holds.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            ContractStatus::Submitted
                | ContractStatus::Accepted
                | ContractStatus::CorrectionRequested
                | ContractStatus::ExpertReview
        )
    }

    /// On the register: registered, and after that cancelled (注销) or revoked (撤销). A
    /// statistician reads a contract from here on, never while it is under review or refused.
    pub const ON_REGISTER: [ContractStatus; 3] = [
        ContractStatus::Registered,
        ContractStatus::Cancelled,
        ContractStatus::Revoked,
    ];

    pub fn is_on_register(self) -> bool {
        ContractStatus::ON_REGISTER.contains(&self)
    }

    /// On the registrar's clock: accepted (or resubmitted) and not yet decided.
    pub fn is_on_the_clock(self) -> bool {
        matches!(
            self,
            ContractStatus::Accepted | ContractStatus::ExpertReview
        )
    }
}

/// `refusal_reasons.csv`, the same file the store seeds its table from: a refusal's reason code
/// is checked by the aggregate itself, which has no other access to reference data.
const REFUSAL_REASONS_CSV: &str = include_str!("../../../migrations/reference/refusal_reasons.csv");

/// The codes of `refusal_reasons.csv`, in file order.
pub fn refusal_reason_codes() -> impl Iterator<Item = &'static str> {
    REFUSAL_REASONS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(str::trim)
        .filter(|code| !code.is_empty())
}

pub fn is_refusal_reason(code: &str) -> bool {
    refusal_reason_codes().any(|known| known == code)
}

//! The verification's codes: stages, services, statuses, outcomes and funding sources. They
//! travel as `snake_case` text in the API and the store.

use serde::{Deserialize, Serialize};

/// 概念验证 or 中试熟化.
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
pub enum Stage {
    /// 概念验证
    ConceptVerification,
    /// 中试熟化
    PilotScale,
}

crate::codes!(Stage);

impl Stage {
    /// The services offered at this stage, in their canonical order.
    pub fn services(self) -> Vec<Service> {
        Service::ALL
            .iter()
            .copied()
            .filter(|s| s.stage() == self)
            .collect()
    }
}

/// A service a provider performs; each belongs to exactly one [`Stage`].
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
pub enum Service {
    /// 原理验证
    PrincipleValidation,
    /// 可行性评估
    FeasibilityAssessment,
    /// 原型制作
    Prototype,
    /// 场景验证
    ScenarioValidation,
    /// 商业验证
    CommercialValidation,
    /// 成熟度评估
    MaturityAssessment,
    /// 样品 / 样机试制
    TrialProduction,
    /// 场景测试
    ScenarioTesting,
    /// 放大生产
    ScaleUp,
    /// 工艺验证
    ProcessValidation,
}

crate::codes!(Service);

impl Service {
    pub fn stage(self) -> Stage {
        match self {
            Service::PrincipleValidation
            | Service::FeasibilityAssessment
            | Service::Prototype
            | Service::ScenarioValidation
            | Service::CommercialValidation => Stage::ConceptVerification,
            Service::MaturityAssessment
            | Service::TrialProduction
            | Service::ScenarioTesting
            | Service::ScaleUp
            | Service::ProcessValidation => Stage::PilotScale,
        }
    }
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
pub enum VerificationStatus {
    Requested,
    Accepted,
    Declined,
    /// Accepted, with at least one milestone reported.
    InProgress,
    Completed,
    Cancelled,
}

crate::codes!(VerificationStatus);

impl VerificationStatus {
    /// Declined, completed and cancelled requests take no further command.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            VerificationStatus::Declined
                | VerificationStatus::Completed
                | VerificationStatus::Cancelled
        )
    }
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
pub enum Outcome {
    Success,
    Failure,
}

crate::codes!(Outcome);

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
pub enum FundingSource {
    /// 自筹
    SelfFunded,
    /// 政府资助
    Government,
    /// 企业出资
    Enterprise,
    Mixed,
}

crate::codes!(FundingSource);

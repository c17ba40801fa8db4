//! The demand's string codes, as the API, the store and the reports write them.

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
pub enum DemandStatus {
    Draft,
    Published,
    Closed,
}

crate::codes!(DemandStatus);

/// Why a demand closed.
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
pub enum CloseReason {
    Fulfilled,
    /// Only by rule (the system actor's `Expire`), never asked for by a person.
    Expired,
    Cancelled,
}

crate::codes!(CloseReason);

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
pub enum DemandKind {
    /// 技术难题
    TechnicalProblem,
    /// 应用场景需求
    Scene,
    /// 揭榜挂帅
    OpenCall,
}

crate::codes!(DemandKind);

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
pub enum CooperationMode {
    Assignment,
    License,
    JointDevelopment,
    CommissionedDevelopment,
    EquityInvestment,
    TechnicalService,
}

crate::codes!(CooperationMode);

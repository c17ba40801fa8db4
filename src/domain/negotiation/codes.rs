//! The negotiation's codes: the sides, the statuses, why a party walked away and how exclusive a
//! licence is. They travel as `snake_case` text in the API and the store.

use serde::{Deserialize, Serialize};

/// The two parties of a negotiation.
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
pub enum Side {
    Buyer,
    Seller,
}

crate::codes!(Side);

impl Side {
    /// The side across the table.
    pub fn other(self) -> Side {
        match self {
            Side::Buyer => Side::Seller,
            Side::Seller => Side::Buyer,
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
pub enum NegotiationStatus {
    Open,
    Agreed,
    Abandoned,
    Expired,
}

crate::codes!(NegotiationStatus);

impl NegotiationStatus {
    /// Agreed, abandoned and expired negotiations are over for good.
    pub fn is_closed(self) -> bool {
        self != NegotiationStatus::Open
    }
}

/// Why a party walked away.
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
pub enum AbandonReason {
    TooEarlyStage,
    BenefitUnclear,
    CommercialRouteUnclear,
    Price,
    Terms,
    /// Needs a note saying what.
    Other,
}

crate::codes!(AbandonReason);

/// 独占 (exclusive: not even the licensor), 排他 (sole: the licensor and the licensee),
/// 普通 (non-exclusive).
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
pub enum Exclusivity {
    Exclusive,
    Sole,
    NonExclusive,
}

crate::codes!(Exclusivity);

//! What may be asked of a grant, and the snapshots of the world outside its stream that the
//! routes load into the commands.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{GrantTerms, ObjectionOutcome};
use crate::domain::contract::{ContractStatus, Payment};

/// What the application needs to know of the listing, loaded by the route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFacts {
    pub listing_id: Uuid,
    pub title: String,
    pub job_related: bool,
    pub institution_id: Option<Uuid>,
    pub owner_id: Uuid,
    /// Inventors who are users of the platform.
    pub inventor_user_ids: Vec<Uuid>,
    pub withdrawn: bool,
}

/// A payment as its contract registration shows it, loaded by the route for a distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPayment {
    pub contract_id: Uuid,
    pub contract_status: ContractStatus,
    pub listing_id: Option<Uuid>,
    pub payment_id: Uuid,
    /// `None` when the contract has no payment with that id.
    pub payment: Option<Payment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GrantAction {
    /// By a researcher of the listing's institution who owns the listing or is one of its inventors.
    Apply {
        listing: ListingFacts,
        terms: GrantTerms,
    },
    /// By the institution's office: approve (with an optional note) or reject (with reasons).
    Review {
        approve: bool,
        note: Option<String>,
        reasons: Vec<String>,
    },
    /// 公示 for `days` days from now.
    StartNotice {
        days: u32,
        /// The shortest notice this instance allows (see [`crate::domain::notice`]).
        #[serde(default = "crate::domain::notice::shortest")]
        shortest: u32,
    },
    /// By anyone signed in, while the notice runs.
    RaiseObjection {
        objection_id: Uuid,
        reason: String,
    },
    ResolveObjection {
        objection_id: Uuid,
        outcome: ObjectionOutcome,
        resolution: String,
    },
    Grant,
    RecordRegistryChange {
        record_number: String,
        recorded_on: NaiveDate,
    },
    Extend {
        until: NaiveDate,
        reason: String,
    },
    /// By rule, `warning_days` or fewer before the term ends: a hook for mail and the feed.
    WarnExpiry {
        warning_days: u32,
    },
    /// By rule, once the last day of the term is over.
    Expire,
    /// From `on` (the first day no longer in force).
    Revoke {
        on: NaiveDate,
        reason: String,
    },
    /// By the applicant, before the grant.
    Withdraw {
        reason: Option<String>,
    },
    Distribute {
        distribution_id: Uuid,
        payment: ContractPayment,
        costs_fen: i64,
        note: Option<String>,
    },
}

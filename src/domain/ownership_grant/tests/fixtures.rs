//! The inputs the tests build on: the application as it arrives and as validated, the listing
//! it is for, and one builder per command.

use std::collections::HashMap;

use uuid::Uuid;

use super::*;
use crate::domain::contract::{ContractStatus, Payment};

// ---------------------------------------------------------------------------------------------
// Terms

pub(super) fn users() -> HashMap<Uuid, String> {
    [
        (applicant(), "李明"),
        (inventor(), "王芳"),
        (colleague(), "张伟"),
        (outsider(), "赵强"),
        (bystander(), "陈静"),
    ]
    .into_iter()
    .map(|(a, name)| (a.user_id, name.to_string()))
    .collect()
}

pub(super) fn member(actor: Actor, share_percent: f64) -> TeamMemberInput {
    TeamMemberInput {
        user_id: actor.user_id,
        share_percent,
    }
}

pub(super) fn team_input() -> Vec<TeamMemberInput> {
    vec![
        member(applicant(), 33.33),
        member(inventor(), 33.33),
        member(colleague(), 33.34),
    ]
}

/// A ten-year usage right with 70% of net income agreed for the team.
pub(super) fn usage_input() -> GrantInput {
    GrantInput {
        listing_id: LISTING,
        kind: GrantKind::UsageRight,
        institution_share_percent: None,
        team_share_percent: None,
        term_years: Some(10),
        team: team_input(),
        team_income_percent: Some(70.0),
        statement: Some("  团队继续开发钠离子电池正极材料  \n".into()),
    }
}

/// 40% for the institution, 60% for the team, no term, the statutory income split.
pub(super) fn share_input() -> GrantInput {
    GrantInput {
        listing_id: LISTING,
        kind: GrantKind::OwnershipShare,
        institution_share_percent: Some(40.0),
        team_share_percent: Some(60.0),
        term_years: None,
        team: team_input(),
        team_income_percent: None,
        statement: None,
    }
}

pub(super) fn parse(input: &GrantInput) -> Result<GrantTerms, DomainError> {
    GrantTerms::parse(input, &users())
}

pub(super) fn invalid(input: &GrantInput) -> DomainError {
    parse(input).expect_err("input should be refused")
}

pub(super) fn usage_terms() -> GrantTerms {
    parse(&usage_input()).unwrap()
}

pub(super) fn share_terms() -> GrantTerms {
    parse(&share_input()).unwrap()
}

pub(super) fn team_of(members: &[(Actor, u32)]) -> Vec<TeamMember> {
    members
        .iter()
        .map(|(a, share_bp)| TeamMember {
            user_id: a.user_id,
            name: format!("member {}", a.user_id.as_u128()),
            share_bp: *share_bp,
        })
        .collect()
}

pub(super) fn listing() -> ListingFacts {
    ListingFacts {
        listing_id: LISTING,
        title: "钠离子电池正极材料制备方法".into(),
        job_related: true,
        institution_id: Some(INSTITUTION),
        owner_id: applicant().user_id,
        inventor_user_ids: vec![inventor().user_id, outsider().user_id],
        withdrawn: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Actions

pub(super) fn apply_for(listing: ListingFacts, terms: GrantTerms) -> GrantAction {
    GrantAction::Apply { listing, terms }
}

pub(super) fn approve(note: Option<&str>) -> GrantAction {
    GrantAction::Review {
        approve: true,
        note: note.map(str::to_string),
        reasons: vec![],
    }
}

pub(super) fn reject(reasons: &[&str]) -> GrantAction {
    GrantAction::Review {
        approve: false,
        note: None,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    }
}

pub(super) fn start_notice(days: u32) -> GrantAction {
    GrantAction::StartNotice { days, shortest: 1 }
}

pub(super) fn objection(objection_id: Uuid, reason: &str) -> GrantAction {
    GrantAction::RaiseObjection {
        objection_id,
        reason: reason.into(),
    }
}

pub(super) fn resolve(
    objection_id: Uuid,
    outcome: ObjectionOutcome,
    resolution: &str,
) -> GrantAction {
    GrantAction::ResolveObjection {
        objection_id,
        outcome,
        resolution: resolution.into(),
    }
}

pub(super) fn registry(record_number: &str, recorded_on: &str) -> GrantAction {
    GrantAction::RecordRegistryChange {
        record_number: record_number.into(),
        recorded_on: date(recorded_on),
    }
}

pub(super) fn extend_to(until: &str, reason: &str) -> GrantAction {
    GrantAction::Extend {
        until: date(until),
        reason: reason.into(),
    }
}

pub(super) fn warn(warning_days: u32) -> GrantAction {
    GrantAction::WarnExpiry { warning_days }
}

pub(super) fn revoke_on(on: &str, reason: &str) -> GrantAction {
    GrantAction::Revoke {
        on: date(on),
        reason: reason.into(),
    }
}

pub(super) fn withdraw(reason: Option<&str>) -> GrantAction {
    GrantAction::Withdraw {
        reason: reason.map(str::to_string),
    }
}

/// A payment of `amount_fen` received on `received_on` under a registered contract for the listing.
pub(super) fn contract_payment(
    payment_id: Uuid,
    amount_fen: i64,
    received_on: &str,
) -> ContractPayment {
    ContractPayment {
        contract_id: CONTRACT,
        contract_status: ContractStatus::Registered,
        listing_id: Some(LISTING),
        payment_id,
        payment: Some(Payment {
            id: payment_id,
            amount_fen,
            received_on: date(received_on),
            note: None,
        }),
    }
}

pub(super) fn distribute(
    distribution_id: Uuid,
    payment: ContractPayment,
    costs_fen: i64,
) -> GrantAction {
    GrantAction::Distribute {
        distribution_id,
        payment,
        costs_fen,
        note: None,
    }
}

/// Every action but `Apply`, for the commands that need a grant.
pub(super) fn every_other_action() -> Vec<GrantAction> {
    vec![
        approve(None),
        reject(&["不符合条件"]),
        start_notice(NOTICE_DAYS),
        objection(OBJ1, "发明人不全"),
        resolve(OBJ1, ObjectionOutcome::Dismissed, "已核实"),
        GrantAction::Grant,
        registry("ZL202610000001", GRANTED_ON),
        extend_to("2040-01-01", "继续转化"),
        warn(30),
        GrantAction::Expire,
        revoke_on(GRANTED_ON, "团队解散"),
        withdraw(None),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
    ]
}

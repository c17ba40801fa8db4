//! Revenue distribution: how a payment received while the grant was in force is split between
//! the institution, the team and its members, and when such a split may be recorded.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::decide::Context;
use super::{ContractPayment, GrantData, GrantEvent, GrantTerms, NOTE_MAX};
use crate::domain::contract::{ContractStatus, Payment};
use crate::domain::error::{require, Validation};
use crate::domain::share::split_fen;
use crate::domain::text::optional;
use crate::domain::DomainError;

/// One member's part of a distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPart {
    pub user_id: Uuid,
    pub amount_fen: i64,
}

/// A payment split by the grant in force on the day it was received:
/// `costs + institution + team = amount`, and the members' parts sum to `team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub payment_id: Uuid,
    pub received_on: NaiveDate,
    pub amount_fen: i64,
    /// Costs of the transfer deducted before the split (net income = amount − costs).
    pub costs_fen: i64,
    pub institution_fen: i64,
    pub team_fen: i64,
    pub members: Vec<MemberPart>,
    pub note: Option<String>,
}

impl Distribution {
    /// Splits `amount − costs` by the income split, then the team's part by the members'
    /// shares, each with [`split_fen`]. The team is listed first in the first split, so a fen
    /// the two sides' remainders tie over goes to the team; among members, to the one listed first.
    pub fn compute(
        terms: &GrantTerms,
        id: Uuid,
        payment: &Payment,
        contract_id: Uuid,
        costs_fen: i64,
        note: Option<String>,
    ) -> Distribution {
        let net = payment.amount_fen - costs_fen;
        let sides = split_fen(net, &[terms.income.team_bp, terms.income.institution_bp()]);
        let (team_fen, institution_fen) = (sides[0], sides[1]);
        let weights: Vec<u32> = terms.team.iter().map(|m| m.share_bp).collect();
        let members = split_fen(team_fen, &weights)
            .into_iter()
            .zip(&terms.team)
            .map(|(amount_fen, m)| MemberPart {
                user_id: m.user_id,
                amount_fen,
            })
            .collect();
        Distribution {
            id,
            contract_id,
            payment_id: payment.id,
            received_on: payment.received_on,
            amount_fen: payment.amount_fen,
            costs_fen,
            institution_fen,
            team_fen,
            members,
            note,
        }
    }
}

/// Records the split of one payment under a registered contract for the granted listing,
/// received on a day the grant was in force; the grant may have ended since.
pub(super) fn distribute(
    cx: &Context,
    distribution_id: Uuid,
    facts: ContractPayment,
    costs_fen: i64,
    note: Option<String>,
) -> Result<GrantEvent, DomainError> {
    let g = cx.g;
    require(
        cx.office,
        "only the institution's office records a distribution",
    )?;
    let status = g.status;
    if !status.was_granted() {
        return Err(DomainError::conflict(format!(
            "only a granted grant distributes revenue; it is {status}"
        )));
    }
    let contract_id = facts.contract_id;
    let payment = payment_to_distribute(g, facts)?;
    let mut v = Validation::new();
    if costs_fen < 0 {
        v.push("costs_fen", "must not be negative");
    } else if costs_fen > payment.amount_fen {
        v.push(
            "costs_fen",
            format!("must not exceed the payment ({} fen)", payment.amount_fen),
        );
    }
    let note = optional(&mut v, "note", note, NOTE_MAX);
    v.finish()?;
    Ok(GrantEvent::RevenueDistributed {
        distribution: Distribution::compute(
            &g.terms,
            distribution_id,
            &payment,
            contract_id,
            costs_fen,
            note,
        ),
    })
}

/// The payment `facts` shows, if it may be distributed under `g`: received under a registered
/// contract for the granted listing, on a day the grant was in force, and not distributed yet.
fn payment_to_distribute(g: &GrantData, facts: ContractPayment) -> Result<Payment, DomainError> {
    use ContractStatus as C;
    if facts.listing_id != Some(g.listing_id) {
        return Err(DomainError::invalid(
            "contract_id",
            format!(
                "the contract is not for the granted listing ({})",
                g.listing_id
            ),
        ));
    }
    // Cancellation or revocation ends a registration, but money received under it stays income.
    if !matches!(
        facts.contract_status,
        C::Registered | C::Cancelled | C::Revoked
    ) {
        return Err(DomainError::conflict(format!(
            "the contract is {}: only payments under a registered contract are distributed",
            facts.contract_status
        )));
    }
    let Some(payment) = facts.payment else {
        return Err(DomainError::invalid(
            "payment_id",
            format!("the contract has no payment {}", facts.payment_id),
        ));
    };
    if let Some(done) = g.distribution_of(payment.id) {
        return Err(DomainError::conflict(format!(
            "payment {} was already distributed (distribution {})",
            payment.id, done.id
        )));
    }
    if !g.in_force_on(payment.received_on, None) {
        return Err(DomainError::conflict(format!(
            "the grant was not in force on {}, the day the payment was received",
            payment.received_on
        )));
    }
    Ok(payment)
}

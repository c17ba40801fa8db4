//! The items of a lineage document, one shape per resource, each with its dates and a link to
//! the resource itself. Who may see which item is decided by the caller of these functions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::contract::ContractStatus;
use crate::domain::demand::{DemandKind, DemandStatus};
use crate::domain::listing::ListingStatus;
use crate::domain::negotiation::NegotiationStatus;
use crate::domain::ownership_grant::{GrantKind, GrantStatus};
use crate::domain::verification::{Outcome, Stage, VerificationStatus};
use crate::projections::contract_stats::ContractRow;
use crate::projections::demand_board::DemandRow;
use crate::projections::lineage::{TrlCause, TrlChange};
use crate::projections::listing_catalogue::ListingRow;
use crate::projections::negotiation_board::NegotiationRow;
use crate::projections::ownership_register::GrantRow;
use crate::projections::verification_queue::VerificationRow;

pub(super) fn href(kind: &str, id: Uuid) -> String {
    format!("/api/v1/{kind}/{id}")
}

#[derive(Serialize)]
pub(super) struct ListingItem {
    id: Uuid,
    href: String,
    title: String,
    status: ListingStatus,
    job_related: bool,
    institution_id: Option<Uuid>,
    trl: u8,
    created_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    transferred_by_contract: Option<Uuid>,
    trl_history: Vec<TrlItem>,
}

#[derive(Serialize)]
struct TrlItem {
    at: DateTime<Utc>,
    from: Option<u8>,
    to: u8,
    /// `created`, `revised` (a draft's revision), `verification` or `correction` (by hand).
    cause: &'static str,
    verification_request_id: Option<Uuid>,
    href: Option<String>,
}

pub(super) fn listing(l: &ListingRow, changes: &[TrlChange]) -> ListingItem {
    let d = &l.data;
    ListingItem {
        id: l.id,
        href: href("listings", l.id),
        title: d.content.title.as_str().to_string(),
        status: d.status,
        job_related: d.content.job_related,
        institution_id: d.content.institution_id,
        trl: d.content.trl.get(),
        created_at: d.created_at,
        published_at: d.published_at,
        updated_at: d.updated_at,
        transferred_by_contract: d.transferred_by_contract,
        trl_history: changes.iter().map(trl).collect(),
    }
}

fn trl(c: &TrlChange) -> TrlItem {
    let (cause, source) = match c.cause {
        TrlCause::Created => ("created", None),
        TrlCause::Revised => ("revised", None),
        TrlCause::Verification(id) => ("verification", Some(id)),
        TrlCause::Correction => ("correction", None),
    };
    TrlItem {
        at: c.at,
        from: c.from.map(|t| t.get()),
        to: c.to.get(),
        cause,
        verification_request_id: source,
        href: source.map(|id| href("verification-requests", id)),
    }
}

#[derive(Serialize)]
pub(super) struct VerificationItem {
    id: Uuid,
    href: String,
    stage: Stage,
    status: VerificationStatus,
    provider_organization_id: Uuid,
    requested_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    trl_before: u8,
    trl_target: u8,
    outcome: Option<Outcome>,
    /// Only once completed.
    trl_after: Option<u8>,
}

pub(super) fn verification(r: &VerificationRow) -> VerificationItem {
    let d = &r.data;
    VerificationItem {
        id: r.id,
        href: href("verification-requests", r.id),
        stage: d.content.stage,
        status: d.status,
        provider_organization_id: d.content.provider_organization_id,
        requested_at: d.created_at,
        updated_at: d.updated_at,
        completed_at: d.completed_at,
        trl_before: d.content.trl_before.get(),
        trl_target: d.content.trl_target.get(),
        outcome: d.outcome,
        trl_after: d.trl_after.map(|t| t.get()),
    }
}

#[derive(Serialize)]
pub(super) struct DemandItem {
    id: Uuid,
    href: String,
    title: String,
    kind: DemandKind,
    status: DemandStatus,
    published_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    /// How the chain answered it, as far as the caller may see.
    answered_by: Vec<AnswerLink>,
}

#[derive(Serialize)]
pub(super) struct AnswerLink {
    /// `negotiation`, `contract` or `open_call` (the selected application).
    pub via: &'static str,
    pub id: Uuid,
    pub href: String,
    pub at: DateTime<Utc>,
}

pub(super) fn demand(d: &DemandRow, answered_by: Vec<AnswerLink>) -> DemandItem {
    DemandItem {
        id: d.id,
        href: href("demands", d.id),
        title: d.data.content.title.as_str().to_string(),
        kind: d.data.content.kind,
        status: d.data.status,
        published_at: d.data.published_at,
        closed_at: d.data.closed_at,
        answered_by,
    }
}

#[derive(Serialize)]
pub(super) struct NegotiationItem {
    id: Uuid,
    href: String,
    status: NegotiationStatus,
    demand_id: Option<Uuid>,
    opened_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    /// The accepted offer's price, once agreed.
    agreed_price_fen: Option<i64>,
}

pub(super) fn negotiation(r: &NegotiationRow) -> NegotiationItem {
    let d = &r.data;
    NegotiationItem {
        id: r.id,
        href: href("negotiations", r.id),
        status: d.status,
        demand_id: d.demand_id,
        opened_at: d.created_at,
        updated_at: d.updated_at,
        closed_at: d.closed_at,
        agreed_price_fen: d.agreed_terms().map(|t| t.price_fen),
    }
}

#[derive(Serialize)]
pub(super) struct ContractItem {
    id: Uuid,
    href: String,
    title: String,
    status: ContractStatus,
    registration_number: Option<String>,
    negotiation_id: Option<Uuid>,
    demand_id: Option<Uuid>,
    signing_date: NaiveDate,
    submitted_at: DateTime<Utc>,
    accepted_on: Option<NaiveDate>,
    registered_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    /// After every amendment.
    contract_amount_fen: i64,
    technology_amount_fen: i64,
    amendments: Vec<AmendmentItem>,
    payments: Vec<PaymentItem>,
}

/// Amendments and payments have no resource of their own: their link is the contract's.
#[derive(Serialize)]
struct AmendmentItem {
    id: Uuid,
    href: String,
    effective_on: NaiveDate,
    previous_contract_amount_fen: i64,
    contract_amount_fen: i64,
    previous_technology_amount_fen: i64,
    technology_amount_fen: i64,
}

#[derive(Serialize)]
struct PaymentItem {
    id: Uuid,
    href: String,
    received_on: NaiveDate,
    amount_fen: i64,
}

pub(super) fn contract(r: &ContractRow) -> ContractItem {
    let d = &r.data;
    let at = href("contracts", r.id);
    let (contract_amount_fen, technology_amount_fen) = d.current_amounts();
    let amendments = d
        .amendments
        .iter()
        .map(|a| AmendmentItem {
            id: a.id,
            href: at.clone(),
            effective_on: a.effective_on,
            previous_contract_amount_fen: a.previous_contract_amount_fen,
            contract_amount_fen: a.contract_amount_fen,
            previous_technology_amount_fen: a.previous_technology_amount_fen,
            technology_amount_fen: a.technology_amount_fen,
        })
        .collect();
    let payments = d
        .payments
        .iter()
        .map(|p| PaymentItem {
            id: p.id,
            href: at.clone(),
            received_on: p.received_on,
            amount_fen: p.amount_fen,
        })
        .collect();
    ContractItem {
        id: r.id,
        href: at,
        title: d.content.title.as_str().to_string(),
        status: d.status,
        registration_number: d.registration_number.clone(),
        negotiation_id: d.content.negotiation_id,
        demand_id: d.content.demand_id,
        signing_date: d.content.signing_date,
        submitted_at: d.created_at,
        accepted_on: d.accepted_on,
        registered_on: d.registered_on,
        ended_on: d.ended_on,
        contract_amount_fen,
        technology_amount_fen,
        amendments,
        payments,
    }
}

#[derive(Serialize)]
pub(super) struct GrantItem {
    id: Uuid,
    href: String,
    status: GrantStatus,
    kind: GrantKind,
    institution_id: Uuid,
    applicant_id: Uuid,
    applied_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    granted_on: Option<NaiveDate>,
    term_end: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
}

pub(super) fn grant(r: &GrantRow) -> GrantItem {
    let d = &r.data;
    GrantItem {
        id: r.id,
        href: href("ownership-grants", r.id),
        status: d.status,
        kind: d.terms.kind,
        institution_id: d.institution_id,
        applicant_id: d.applicant_id,
        applied_at: d.created_at,
        updated_at: d.updated_at,
        granted_on: d.granted_on,
        term_end: d.term_end,
        ended_on: d.ending.as_ref().map(|e| e.on),
    }
}

#[derive(Serialize)]
pub(super) struct DistributionItem {
    id: Uuid,
    /// The grant that recorded it, where its detail is.
    href: String,
    grant_id: Uuid,
    contract_id: Uuid,
    contract_href: String,
    payment_id: Uuid,
    received_on: NaiveDate,
    amount_fen: i64,
    costs_fen: i64,
    institution: InstitutionPart,
    team_fen: i64,
    members: Vec<MemberPart>,
}

#[derive(Serialize)]
struct InstitutionPart {
    id: Uuid,
    amount_fen: i64,
}

#[derive(Serialize)]
struct MemberPart {
    user_id: Uuid,
    /// As the team was applied for.
    name: String,
    amount_fen: i64,
}

/// Every distribution the grant recorded, in the order recorded.
pub(super) fn distributions(g: &GrantRow) -> impl Iterator<Item = DistributionItem> + '_ {
    let d = &g.data;
    d.distributions.iter().map(move |x| DistributionItem {
        id: x.id,
        href: href("ownership-grants", g.id),
        grant_id: g.id,
        contract_id: x.contract_id,
        contract_href: href("contracts", x.contract_id),
        payment_id: x.payment_id,
        received_on: x.received_on,
        amount_fen: x.amount_fen,
        costs_fen: x.costs_fen,
        institution: InstitutionPart {
            id: d.institution_id,
            amount_fen: x.institution_fen,
        },
        team_fen: x.team_fen,
        members: x
            .members
            .iter()
            .map(|m| MemberPart {
                user_id: m.user_id,
                name: d
                    .terms
                    .member(m.user_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                amount_fen: m.amount_fen,
            })
            .collect(),
    })
}

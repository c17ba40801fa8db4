//! Command → events: what a command asks of a demand, and whether it may happen. Authorization
//! first, then state, then the payload: someone who may not act learns nothing about the
//! demand's state from the error.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Application, CloseReason, DemandContent, DemandData, DemandEvent, DemandStatus};
use crate::domain::calendar::china_date;
use crate::domain::error::{require, Validation};
use crate::domain::text::clean;
use crate::domain::{Actor, DomainError, Role};

const PROPOSAL_MAX: usize = 5_000;
const NOTE_MAX: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DemandAction {
    Create(DemandContent),
    Revise(DemandContent),
    Publish,
    Close {
        reason: CloseReason,
        note: Option<String>,
    },
    /// By rule, from the system actor, once `valid_until` is over in China.
    Expire,
    Apply {
        application_id: Uuid,
        proposal: String,
        listing_id: Option<Uuid>,
    },
    SelectWinner {
        application_id: Uuid,
    },
    /// By rule, from the system actor, once a contract that names the demand is registered.
    FulfilByContract {
        contract_id: Uuid,
    },
}

pub(super) fn create(actor: &Actor, content: DemandContent) -> Result<DemandEvent, DomainError> {
    require(
        actor.role == Role::Enterprise,
        "only an enterprise can post a demand",
    )?;
    content.check_rules()?;
    Ok(DemandEvent::Created {
        owner_id: actor.user_id,
        owner_organization_id: actor.organization_id,
        content,
    })
}

/// Decides any command but `Create` on an existing demand. Dates are China dates of `now`.
pub(super) fn decide(
    demand: &DemandData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: DemandAction,
) -> Result<Vec<DemandEvent>, DomainError> {
    let today = china_date(now);
    match action {
        DemandAction::Create(_) => {
            unreachable!("creation is decided before an existing demand is")
        }
        DemandAction::Revise(content) => revise(demand, actor, content),
        DemandAction::Publish => publish(demand, actor, today),
        DemandAction::Close { reason, note } => close(demand, actor, reason, note),
        DemandAction::Expire => expire(demand, actor, today),
        DemandAction::Apply {
            application_id,
            proposal,
            listing_id,
        } => apply(demand, actor, now, application_id, &proposal, listing_id),
        DemandAction::SelectWinner { application_id } => {
            select_winner(demand, actor, application_id)
        }
        DemandAction::FulfilByContract { contract_id } => {
            fulfil_by_contract(demand, actor, contract_id)
        }
    }
}

fn revise(
    demand: &DemandData,
    actor: &Actor,
    content: DemandContent,
) -> Result<Vec<DemandEvent>, DomainError> {
    require(demand.is_owner(actor), "only the owner can revise a demand")?;
    let status = demand.status;
    if status == DemandStatus::Closed {
        return Err(DomainError::conflict(format!(
            "only a draft or published demand can be revised; it is {status}"
        )));
    }
    if status == DemandStatus::Published && content.kind != demand.content.kind {
        return Err(DomainError::conflict(
            "the kind of a published demand cannot change",
        ));
    }
    if !demand.applications.is_empty() && content.open_call != demand.content.open_call {
        return Err(DomainError::conflict(
            "the terms of an open call that has applications cannot change",
        ));
    }
    content.check_rules()?;
    Ok(vec![DemandEvent::Revised { content }])
}

fn publish(
    demand: &DemandData,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<DemandEvent>, DomainError> {
    require(
        demand.is_owner(actor),
        "only the owner can publish a demand",
    )?;
    require_status(demand.status, DemandStatus::Draft, "published")?;
    let valid_until = demand.content.valid_until;
    if valid_until < today {
        return Err(DomainError::conflict(format!(
            "the demand was valid until {valid_until}; revise valid_until before publishing"
        )));
    }
    if let Some(terms) = demand.content.open_call.as_ref() {
        if terms.deadline < today {
            return Err(DomainError::conflict(format!(
                "the open call deadline {} has passed; revise it before publishing",
                terms.deadline
            )));
        }
    }
    Ok(vec![DemandEvent::Published])
}

fn close(
    demand: &DemandData,
    actor: &Actor,
    reason: CloseReason,
    note: Option<String>,
) -> Result<Vec<DemandEvent>, DomainError> {
    require(demand.is_owner(actor), "only the owner can close a demand")?;
    match (demand.status, reason) {
        (DemandStatus::Closed, _) => {
            return Err(DomainError::conflict("the demand is already closed"))
        }
        (DemandStatus::Draft, CloseReason::Fulfilled) => {
            return Err(DomainError::conflict(
                "a draft can only be cancelled, not fulfilled",
            ))
        }
        _ => {}
    }
    let mut v = Validation::new();
    v.check(
        reason != CloseReason::Expired,
        "reason",
        "expiry happens by itself",
    );
    let note = note
        .and_then(|raw| v.take(clean("note", &raw, 0, NOTE_MAX)))
        .filter(|n| !n.is_empty());
    v.finish()?;
    Ok(vec![DemandEvent::Closed { reason, note }])
}

fn expire(
    demand: &DemandData,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<DemandEvent>, DomainError> {
    require(
        actor.is_system(),
        "a demand expires by rule, not at anyone's request",
    )?;
    require_status(demand.status, DemandStatus::Published, "expired")?;
    let valid_until = demand.content.valid_until;
    if today <= valid_until {
        return Err(DomainError::conflict(format!(
            "expiry is not yet due: the demand is valid until {valid_until}"
        )));
    }
    Ok(vec![DemandEvent::Expired])
}

fn apply(
    demand: &DemandData,
    actor: &Actor,
    now: DateTime<Utc>,
    application_id: Uuid,
    proposal: &str,
    listing_id: Option<Uuid>,
) -> Result<Vec<DemandEvent>, DomainError> {
    require(
        actor.role == Role::Researcher,
        "only a researcher can apply to an open call",
    )?;
    require(
        !demand.is_owner(actor),
        "nobody can apply to their own demand",
    )?;
    let Some(terms) = demand.content.open_call.as_ref() else {
        return Err(DomainError::conflict("only open calls take applications"));
    };
    require_status(demand.status, DemandStatus::Published, "applied to")?;
    if china_date(now) > terms.deadline {
        return Err(DomainError::conflict(format!(
            "the deadline has passed: applications closed at the end of {}",
            terms.deadline
        )));
    }
    if demand
        .applications
        .iter()
        .any(|a| a.applicant_id == actor.user_id)
    {
        return Err(DomainError::conflict("already applied to this open call"));
    }
    if demand.application(application_id).is_some() {
        return Err(DomainError::conflict(format!(
            "application {application_id} already exists"
        )));
    }
    let proposal =
        clean("proposal", proposal, 1, PROPOSAL_MAX).map_err(|e| DomainError::Invalid(vec![e]))?;
    Ok(vec![DemandEvent::Applied {
        application: Application {
            id: application_id,
            applicant_id: actor.user_id,
            applicant_organization_id: actor.organization_id,
            listing_id,
            proposal,
            applied_at: now,
        },
    }])
}

/// Selecting a winner fulfils the open call: two events, in one command.
fn select_winner(
    demand: &DemandData,
    actor: &Actor,
    application_id: Uuid,
) -> Result<Vec<DemandEvent>, DomainError> {
    require(demand.is_owner(actor), "only the owner can select a winner")?;
    if !demand.is_open_call() {
        return Err(DomainError::conflict("only an open call selects a winner"));
    }
    require_status(demand.status, DemandStatus::Published, "given a winner")?;
    let Some(application) = demand.application(application_id) else {
        return Err(DomainError::invalid(
            "application_id",
            "no such application",
        ));
    };
    Ok(vec![
        DemandEvent::WinnerSelected {
            application_id,
            applicant_id: application.applicant_id,
        },
        DemandEvent::Closed {
            reason: CloseReason::Fulfilled,
            note: None,
        },
    ])
}

/// A registered contract answering the demand closes it as fulfilled. Only a published demand
/// is: a closed one stays as it closed (which also makes a second delivery of the same contract
/// a refusal that changes nothing), and a draft was never asked of anyone.
fn fulfil_by_contract(
    demand: &DemandData,
    actor: &Actor,
    contract_id: Uuid,
) -> Result<Vec<DemandEvent>, DomainError> {
    require(
        actor.is_system(),
        "a demand is fulfilled by a registered contract, not at anyone's request",
    )?;
    require_status(demand.status, DemandStatus::Published, "fulfilled")?;
    Ok(vec![DemandEvent::FulfilledByContract { contract_id }])
}

fn require_status(
    status: DemandStatus,
    expected: DemandStatus,
    verb: &str,
) -> Result<(), DomainError> {
    if status == expected {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "the demand must be {expected} to be {verb}; it is {status}"
        )))
    }
}

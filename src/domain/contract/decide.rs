//! Command → event: who may ask what of a registration in which state, and what it records.
//! Authorization first, then state, then the payload: someone who may not act learns nothing
//! about the registration's state from the error.

use chrono::{DateTime, NaiveDate, Utc};

use super::action::ContractAction;
use super::calendar::WorkingCalendar;
use super::codes::{is_refusal_reason, refusal_reason_codes, ContractStatus};
use super::contract_type::truncate;
use super::events::ContractEvent;
use super::input::ContractContent;
use super::state::ContractData;
use super::{import, on_register, panel};
use super::{NOTE_MAX, OPINION_MAX, REASONS_MAX, REASON_MAX, REGISTRATION_NUMBER_MAX};
use crate::domain::calendar::china_date;
use crate::domain::error::{require, require_state, Validation};
use crate::domain::text::{clean, optional, Title};
use crate::domain::{Actor, Command, DomainError, Role};

use ContractStatus as S;

/// Decides a command on the registration, if there is one yet: only `Submit` and `Import` open
/// one, and nothing else happens before.
pub(super) fn handle(
    contract: Option<&ContractData>,
    command: Command<ContractAction>,
) -> Result<ContractEvent, DomainError> {
    let Command { actor, now, action } = command;
    match (contract, action) {
        (None, ContractAction::Submit(content)) => submit(&actor, now, content),
        (None, ContractAction::Import { source, historic }) => {
            import::import(&actor, now, source, historic)
        }
        (Some(_), ContractAction::Submit(_) | ContractAction::Import { .. }) => Err(
            DomainError::conflict("contract registration already exists"),
        ),
        (None, _) => Err(DomainError::NotFound),
        (Some(contract), action) => decide(contract, &actor, now, action),
    }
}

/// The command, its author and its day, as the steps of an existing registration see them.
pub(super) struct Ask<'a> {
    pub(super) c: &'a ContractData,
    pub(super) actor: &'a Actor,
    /// The China date of the command.
    pub(super) today: NaiveDate,
    /// A registrar in person: the platform never decides a registration by rule.
    pub(super) registrar: bool,
}

fn decide(
    c: &ContractData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: ContractAction,
) -> Result<ContractEvent, DomainError> {
    let ask = Ask {
        c,
        actor,
        today: china_date(now),
        registrar: actor.role == Role::Registrar && !actor.is_system(),
    };
    match action {
        ContractAction::Submit(_) | ContractAction::Import { .. } => {
            unreachable!("creation is decided before an existing registration is")
        }
        ContractAction::Resubmit { content, calendar } => resubmit(&ask, content, &calendar),
        ContractAction::Accept { calendar } => accept(&ask, &calendar),
        ContractAction::RequestCorrection { reasons } => request_correction(&ask, &reasons),
        ContractAction::ExpertReview { opinion } => expert_review(&ask, &opinion),
        ContractAction::RequestExpertPanel { size, experts } => {
            panel::request(c, actor, size, experts)
        }
        ContractAction::AcceptExpertSeat { expert_id } => panel::accept(c, actor, expert_id),
        ContractAction::DeclineExpertSeat {
            expert_id,
            replacement,
        } => panel::decline(c, actor, expert_id, replacement),
        ContractAction::SubmitExpertOpinion {
            expert_id,
            recommendation,
            opinion,
        } => panel::submit_opinion(c, actor, expert_id, recommendation, &opinion),
        ContractAction::Register {
            registration_number,
        } => register(&ask, &registration_number),
        ContractAction::Refuse { reason_code, note } => refuse(&ask, reason_code, note),
        ContractAction::Amend {
            amendment_id,
            effective_on,
            contract_amount_fen,
            technology_amount_fen,
            seller,
            buyer,
            note,
        } => on_register::amend(
            &ask,
            on_register::Change {
                amendment_id,
                effective_on,
                contract_amount_fen,
                technology_amount_fen,
                seller,
                buyer,
                note,
            },
        ),
        ContractAction::RecordPayment {
            payment_id,
            amount_fen,
            received_on,
            note,
        } => on_register::record_payment(&ask, payment_id, amount_fen, received_on, note),
        ContractAction::Cancel { on, reason } => on_register::cancel(&ask, on, &reason),
        ContractAction::Revoke { on, reason } => on_register::revoke(&ask, on, &reason),
    }
}

/// Researchers and institution admins submit for their own organization as the seller (any
/// seller without an organization on the platform); tech managers submit for clients.
fn check_submitter(actor: &Actor, content: &ContractContent) -> Result<(), DomainError> {
    match actor.role {
        Role::TechManager => Ok(()),
        Role::Researcher | Role::InstitutionAdmin => match content.seller.organization_id {
            Some(seller) => require(
                actor.organization_id == Some(seller),
                "a researcher or an institution admin submits only for their own organization as the seller",
            ),
            None => Ok(()),
        },
        _ => Err(DomainError::forbidden(
            "only a researcher, an institution admin or a tech manager submits a contract",
        )),
    }
}

fn submit(
    actor: &Actor,
    now: DateTime<Utc>,
    content: ContractContent,
) -> Result<ContractEvent, DomainError> {
    require(
        !actor.is_system(),
        "contracts are submitted by people, not by rule",
    )?;
    check_submitter(actor, &content)?;
    content.check_rules(china_date(now))?;
    Ok(ContractEvent::Submitted {
        submitter_id: actor.user_id,
        submitter_organization_id: actor.organization_id,
        content,
    })
}

fn resubmit(
    ask: &Ask,
    content: ContractContent,
    calendar: &WorkingCalendar,
) -> Result<ContractEvent, DomainError> {
    require(
        ask.c.is_submitter(ask.actor),
        "only the submitter resubmits a contract",
    )?;
    require_status(ask.c.status, &[S::CorrectionRequested], "resubmitted")?;
    check_submitter(ask.actor, &content)?;
    content.check_rules(ask.today)?;
    let due_on = calendar.add_working_days(ask.today, content.deadline_days());
    Ok(ContractEvent::Resubmitted { content, due_on })
}

fn accept(ask: &Ask, calendar: &WorkingCalendar) -> Result<ContractEvent, DomainError> {
    require(ask.registrar, "only a registrar accepts a contract")?;
    require_status(ask.c.status, &[S::Submitted], "accepted")?;
    Ok(ContractEvent::Accepted {
        accepted_on: ask.today,
        due_on: calendar.add_working_days(ask.today, ask.c.content.deadline_days()),
    })
}

fn request_correction(ask: &Ask, reasons: &[String]) -> Result<ContractEvent, DomainError> {
    require(ask.registrar, "only a registrar requests corrections")?;
    require_status(ask.c.status, &[S::Accepted], "sent back for correction")?;
    let mut v = Validation::new();
    if reasons.is_empty() {
        v.push("reasons", "must give at least one reason");
    } else if reasons.len() > REASONS_MAX {
        v.push(
            "reasons",
            format!("must have at most {REASONS_MAX} reasons"),
        );
    }
    let reasons: Vec<String> = reasons
        .iter()
        .enumerate()
        .filter_map(|(i, raw)| v.take(clean(&format!("reasons[{i}]"), raw, 1, REASON_MAX)))
        .collect();
    v.finish()?;
    Ok(ContractEvent::CorrectionRequested { reasons })
}

fn expert_review(ask: &Ask, opinion: &str) -> Result<ContractEvent, DomainError> {
    require(ask.registrar, "only a registrar records an expert review")?;
    require_status(ask.c.status, &[S::Accepted], "reviewed by experts")?;
    if !ask.c.requires_expert_review() {
        return Err(DomainError::conflict(
            "expert review is only for technology amounts of 500万元 or more",
        ));
    }
    let experts = panel::outcome(ask.c)?;
    let opinion =
        clean("opinion", opinion, 1, OPINION_MAX).map_err(|e| DomainError::Invalid(vec![e]))?;
    Ok(ContractEvent::ExpertReviewed { opinion, experts })
}

fn register(ask: &Ask, registration_number: &str) -> Result<ContractEvent, DomainError> {
    require(ask.registrar, "only a registrar registers a contract")?;
    let status = ask.c.status;
    match status {
        S::Submitted => {
            return Err(DomainError::conflict(
                "a contract that was never accepted cannot be registered; it is submitted",
            ))
        }
        S::Accepted if ask.c.requires_expert_review() => {
            return Err(DomainError::conflict(
                "expert review is required first: the technology amount is 500万元 or more",
            ))
        }
        S::Accepted | S::ExpertReview => {}
        _ => require_status(status, &[S::Accepted, S::ExpertReview], "registered")?,
    }
    let registration_number = Title::parse(
        "registration_number",
        registration_number,
        REGISTRATION_NUMBER_MAX,
    )
    .map_err(|e| DomainError::Invalid(vec![e]))?;
    Ok(ContractEvent::Registered {
        registration_number: registration_number.as_str().to_string(),
        registered_on: ask.today,
    })
}

fn refuse(
    ask: &Ask,
    reason_code: String,
    note: Option<String>,
) -> Result<ContractEvent, DomainError> {
    require(ask.registrar, "only a registrar refuses a contract")?;
    require_status(
        ask.c.status,
        &[S::Accepted, S::CorrectionRequested, S::ExpertReview],
        "refused",
    )?;
    let mut v = Validation::new();
    if !is_refusal_reason(&reason_code) {
        let known: Vec<&str> = refusal_reason_codes().collect();
        v.push(
            "reason_code",
            format!(
                "unknown refusal reason '{}': expected one of {}",
                truncate(&reason_code),
                known.join(", ")
            ),
        );
    }
    let note = optional_note(&mut v, "note", note);
    v.finish()?;
    Ok(ContractEvent::Refused { reason_code, note })
}

/// A trimmed note of at most [`NOTE_MAX`] characters; blank is none.
pub(super) fn optional_note(
    v: &mut Validation,
    field: &str,
    note: Option<String>,
) -> Option<String> {
    optional(v, field, note, NOTE_MAX)
}

pub(super) fn require_status(
    status: ContractStatus,
    allowed: &[ContractStatus],
    verb: &str,
) -> Result<(), DomainError> {
    require_state("contract", status, allowed, &format!("be {verb}"))
}

//! Command → event: what a command asks of a listing, and whether it may happen. Authorization
//! first, then state, then the payload: someone who may not act learns nothing about the
//! listing's state from the error.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ListingContent, ListingData, ListingEvent, ListingStatus, Trl};
use crate::domain::error::{require, Validation};
use crate::domain::text::clean;
use crate::domain::{notice, Actor, DomainError, Role};

const REASONS_MAX: usize = 20;
const REASON_LEN_MAX: usize = 500;
const NOTICE_DAYS_MAX: u32 = 365;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListingAction {
    Create(ListingContent),
    Revise(ListingContent),
    Submit,
    Publish,
    Return {
        reasons: Vec<String>,
    },
    Withdraw {
        reason: Option<String>,
    },
    StartPriceNotice {
        days: u32,
        /// The shortest notice this instance allows (see [`crate::domain::notice`]).
        #[serde(default = "crate::domain::notice::shortest")]
        shortest: u32,
    },
    ReviseTrl {
        trl: Trl,
        source: Option<Uuid>,
    },
    MarkTransferred {
        contract_id: Uuid,
    },
    /// A registered contract names the listing: it transfers the listing or is recorded on it,
    /// as `contracts` decides.
    RecordContract {
        contract_id: Uuid,
        contract_type: String,
        subtype: Option<String>,
    },
}

pub(super) fn create(actor: &Actor, content: ListingContent) -> Result<ListingEvent, DomainError> {
    if actor.role != Role::Researcher {
        return Err(DomainError::forbidden(
            "only a researcher can create a listing",
        ));
    }
    content.check_institution()?;
    Ok(ListingEvent::Created {
        owner_id: actor.user_id,
        owner_organization_id: actor.organization_id,
        content,
    })
}

/// Decides any command but `Create` on an existing listing.
pub(super) fn decide(
    listing: &ListingData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: ListingAction,
) -> Result<ListingEvent, DomainError> {
    match action {
        ListingAction::Create(_) => {
            unreachable!("creation is decided before an existing listing is")
        }
        ListingAction::Revise(content) => revise(listing, actor, content),
        ListingAction::Submit => submit(listing, actor),
        ListingAction::Publish => publish(listing, actor),
        ListingAction::Return { reasons } => return_for_changes(listing, actor, &reasons),
        ListingAction::Withdraw { reason } => withdraw(listing, actor, reason),
        ListingAction::StartPriceNotice { days, shortest } => {
            start_price_notice(listing, actor, now, days, shortest)
        }
        ListingAction::ReviseTrl { trl, source } => revise_trl(listing, actor, trl, source),
        ListingAction::MarkTransferred { contract_id } => {
            mark_transferred(listing, actor, contract_id)
        }
        ListingAction::RecordContract {
            contract_id,
            contract_type,
            subtype,
        } => super::contracts::record_contract(listing, actor, contract_id, contract_type, subtype),
    }
}

fn revise(
    listing: &ListingData,
    actor: &Actor,
    content: ListingContent,
) -> Result<ListingEvent, DomainError> {
    require(
        listing.is_owner(actor),
        "only the owner can revise a listing",
    )?;
    let status = listing.status;
    if !matches!(status, ListingStatus::Draft | ListingStatus::Returned) {
        return Err(DomainError::conflict(format!(
            "only a draft or returned listing can be revised; it is {status}"
        )));
    }
    content.check_institution()?;
    Ok(ListingEvent::Revised { content })
}

fn submit(listing: &ListingData, actor: &Actor) -> Result<ListingEvent, DomainError> {
    require(
        listing.is_owner(actor),
        "only the owner can submit a listing",
    )?;
    match listing.status {
        ListingStatus::Draft => Ok(ListingEvent::Submitted),
        ListingStatus::Returned => Err(DomainError::conflict(
            "revise the returned listing before resubmitting",
        )),
        status => Err(DomainError::conflict(format!(
            "only a draft can be submitted; the listing is {status}"
        ))),
    }
}

fn publish(listing: &ListingData, actor: &Actor) -> Result<ListingEvent, DomainError> {
    require(
        !listing.is_owner(actor),
        "nobody can publish their own listing",
    )?;
    if listing.content.job_related {
        // For a job-related listing the institution's approval is the publication.
        require(
            listing.is_institution_admin(actor),
            "a job-related listing is published by its institution's technology-transfer office",
        )?;
    } else {
        require(
            actor.role == Role::TechManager,
            "only a tech manager can publish a listing",
        )?;
    }
    require_status(listing.status, ListingStatus::UnderReview, "published")?;
    Ok(ListingEvent::Published)
}

fn return_for_changes(
    listing: &ListingData,
    actor: &Actor,
    reasons: &[String],
) -> Result<ListingEvent, DomainError> {
    require(
        !listing.is_owner(actor),
        "nobody can review their own listing",
    )?;
    require(
        actor.role == Role::TechManager || listing.is_institution_admin(actor),
        "only a tech manager or the owning institution can return a listing",
    )?;
    require_status(listing.status, ListingStatus::UnderReview, "returned")?;
    Ok(ListingEvent::Returned {
        reasons: parse_reasons(reasons)?,
    })
}

fn withdraw(
    listing: &ListingData,
    actor: &Actor,
    reason: Option<String>,
) -> Result<ListingEvent, DomainError> {
    require(
        listing.is_owner(actor) || listing.is_institution_admin(actor),
        "only the owner or the owning institution can withdraw a listing",
    )?;
    let status = listing.status;
    if matches!(
        status,
        ListingStatus::Withdrawn | ListingStatus::Transferred
    ) {
        return Err(DomainError::conflict(format!(
            "a {status} listing cannot be withdrawn"
        )));
    }
    let reason = reason
        .map(|raw| clean("reason", &raw, 0, REASON_LEN_MAX))
        .transpose()
        .map_err(|e| DomainError::Invalid(vec![e]))?
        .filter(|r| !r.is_empty());
    Ok(ListingEvent::Withdrawn { reason })
}

fn start_price_notice(
    listing: &ListingData,
    actor: &Actor,
    now: DateTime<Utc>,
    days: u32,
    shortest: u32,
) -> Result<ListingEvent, DomainError> {
    require(
        listing.is_owner(actor) || listing.is_institution_admin(actor),
        "only the owner or the owning institution can start a price notice",
    )?;
    if !listing.needs_price_notice() {
        return Err(DomainError::conflict(
            "a price notice is only for a job-related listing with negotiated pricing",
        ));
    }
    require_status(
        listing.status,
        ListingStatus::Published,
        "given a price notice",
    )?;
    let days = notice::days(days, shortest, NOTICE_DAYS_MAX)?;
    if let Some(notice) = listing.price_notice.filter(|n| !n.has_run_by(now)) {
        return Err(DomainError::conflict(super::price_notice_running(
            notice.ends_at,
            "期满后方可开始新的公示",
            "a price notice is already running; a new one can start when it ends",
        )));
    }
    Ok(ListingEvent::PriceNoticeStarted {
        starts_at: now,
        ends_at: now + TimeDelta::days(i64::from(days)),
    })
}

fn revise_trl(
    listing: &ListingData,
    actor: &Actor,
    trl: Trl,
    source: Option<Uuid>,
) -> Result<ListingEvent, DomainError> {
    require(
        listing.is_owner(actor) || matches!(actor.role, Role::Provider | Role::PlatformAdmin),
        "only a provider, a platform admin or the owner can revise the TRL",
    )?;
    let status = listing.status;
    if matches!(
        status,
        ListingStatus::Withdrawn | ListingStatus::Transferred
    ) {
        return Err(DomainError::conflict(format!(
            "the TRL of a {status} listing cannot change"
        )));
    }
    let from = listing.content.trl;
    if trl == from {
        return Err(DomainError::conflict(format!("TRL is already {from}")));
    }
    Ok(ListingEvent::TrlRevised {
        from,
        to: trl,
        source,
    })
}

fn mark_transferred(
    listing: &ListingData,
    actor: &Actor,
    contract_id: Uuid,
) -> Result<ListingEvent, DomainError> {
    // A registrar, or the platform acting on a registered contract (policies::transfer).
    require(
        actor.role == Role::Registrar || actor.is_system(),
        "only a registrar can mark a listing transferred",
    )?;
    require_status(listing.status, ListingStatus::Published, "transferred")?;
    Ok(ListingEvent::Transferred { contract_id })
}

fn require_status(
    status: ListingStatus,
    expected: ListingStatus,
    verb: &str,
) -> Result<(), DomainError> {
    if status == expected {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "the listing must be {expected} to be {verb}; it is {status}"
        )))
    }
}

fn parse_reasons(raw: &[String]) -> Result<Vec<String>, DomainError> {
    let mut v = Validation::new();
    v.check(
        (1..=REASONS_MAX).contains(&raw.len()),
        "reasons",
        format!("must give between 1 and {REASONS_MAX} reasons"),
    );
    let reasons = raw
        .iter()
        .enumerate()
        .filter_map(|(i, r)| v.take(clean(&format!("reasons[{i}]"), r, 1, REASON_LEN_MAX)))
        .collect();
    v.finish()?;
    Ok(reasons)
}

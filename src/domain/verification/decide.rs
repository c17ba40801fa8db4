//! Command → event. Authorization first, then state, then the payload: someone who may not act
//! learns nothing about the request's state from the error.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    Milestone, Outcome, RequestContent, VerificationAction, VerificationData, VerificationEvent,
    VerificationState, VerificationStatus as S,
};
use crate::domain::error::{require, Validation};
use crate::domain::listing::Trl;
use crate::domain::text::{clean, Title};
use crate::domain::{Actor, DomainError, Role};

const NOTE_MAX: usize = 500;
const REASON_MAX: usize = 500;
const MILESTONE_TITLE_MAX: usize = 200;
const MILESTONE_DESCRIPTION_MAX: usize = 5_000;
const PROGRESS_MAX: u8 = 100;
const REPORT_MAX: usize = 20_000;

pub(super) fn decide(
    state: &VerificationState,
    actor: &Actor,
    now: DateTime<Utc>,
    action: VerificationAction,
) -> Result<VerificationEvent, DomainError> {
    match (&state.request, action) {
        (None, VerificationAction::Request(content)) => request(actor, content),
        (Some(_), VerificationAction::Request(_)) => {
            Err(DomainError::conflict("verification request already exists"))
        }
        (None, _) => Err(DomainError::NotFound),
        (Some(r), VerificationAction::Accept { note }) => accept(r, actor, note),
        (Some(r), VerificationAction::Decline { reason }) => decline(r, actor, &reason),
        (
            Some(r),
            VerificationAction::ReportMilestone {
                milestone_id,
                title,
                description,
                progress_percent,
            },
        ) => report_milestone(
            r,
            actor,
            now,
            milestone_id,
            &title,
            &description,
            progress_percent,
        ),
        (
            Some(r),
            VerificationAction::Complete {
                outcome,
                trl_after,
                report,
            },
        ) => complete(r, actor, outcome, trl_after, &report),
        (Some(r), VerificationAction::Cancel { reason }) => cancel(r, actor, &reason),
    }
}

fn request(actor: &Actor, content: RequestContent) -> Result<VerificationEvent, DomainError> {
    require(
        actor.role == Role::Researcher,
        "only a researcher can request a verification",
    )?;
    content.check_rules()?;
    Ok(VerificationEvent::Requested {
        requester_id: actor.user_id,
        requester_organization_id: actor.organization_id,
        content,
    })
}

fn accept(
    r: &VerificationData,
    actor: &Actor,
    note: Option<String>,
) -> Result<VerificationEvent, DomainError> {
    require(
        r.is_provider(actor),
        "only a provider of the requested organization can accept",
    )?;
    require_requested(r.status, "accepted")?;
    let note = note
        .map(|raw| clean("note", &raw, 0, NOTE_MAX))
        .transpose()
        .map_err(|e| DomainError::Invalid(vec![e]))?
        .filter(|n| !n.is_empty());
    Ok(VerificationEvent::Accepted { note })
}

fn decline(
    r: &VerificationData,
    actor: &Actor,
    reason: &str,
) -> Result<VerificationEvent, DomainError> {
    require(
        r.is_provider(actor),
        "only a provider of the requested organization can decline",
    )?;
    require_requested(r.status, "declined")?;
    Ok(VerificationEvent::Declined {
        reason: parse_reason(reason)?,
    })
}

/// Progress on accepted work; the first milestone moves it to in_progress (see `evolve`).
fn report_milestone(
    r: &VerificationData,
    actor: &Actor,
    now: DateTime<Utc>,
    milestone_id: Uuid,
    title: &str,
    description: &str,
    progress_percent: Option<u8>,
) -> Result<VerificationEvent, DomainError> {
    require(
        r.is_provider(actor),
        "only a provider of the requested organization can report a milestone",
    )?;
    if !matches!(r.status, S::Accepted | S::InProgress) {
        return Err(DomainError::conflict(format!(
            "milestones are reported on accepted work; the request is {}",
            r.status
        )));
    }
    if r.milestone(milestone_id).is_some() {
        return Err(DomainError::conflict(format!(
            "milestone {milestone_id} was already reported"
        )));
    }
    let mut v = Validation::new();
    let title = v.take(Title::parse("title", title, MILESTONE_TITLE_MAX));
    let description = v.take(clean(
        "description",
        description,
        0,
        MILESTONE_DESCRIPTION_MAX,
    ));
    v.check(
        progress_percent.is_none_or(|p| p <= PROGRESS_MAX),
        "progress_percent",
        format!("must be between 0 and {PROGRESS_MAX}"),
    );
    v.finish()?;
    let (Some(title), Some(description)) = (title, description) else {
        unreachable!("every missing value recorded a field error");
    };
    Ok(VerificationEvent::MilestoneReported {
        milestone: Milestone {
            id: milestone_id,
            title: title.as_str().to_owned(),
            description,
            progress_percent,
            reported_at: now,
        },
    })
}

fn complete(
    r: &VerificationData,
    actor: &Actor,
    outcome: Outcome,
    trl_after: Trl,
    report: &str,
) -> Result<VerificationEvent, DomainError> {
    require(
        r.is_provider(actor),
        "only a provider of the requested organization can complete the work",
    )?;
    if !matches!(r.status, S::Accepted | S::InProgress) {
        return Err(DomainError::conflict(format!(
            "only accepted or in-progress work can be completed; the request is {}",
            r.status
        )));
    }
    let mut v = Validation::new();
    // A success never lowers the TRL; a failure never raises it (reporting a higher TRL for
    // failed work is a contradiction, not a nuance). Only a success raises the listing's TRL,
    // see `raised_trl`.
    let before = r.content.trl_before;
    v.check(
        outcome == Outcome::Failure || trl_after >= before,
        "trl_after",
        "a successful verification does not lower the TRL",
    );
    v.check(
        outcome == Outcome::Success || trl_after <= before,
        "trl_after",
        "a failed verification does not raise the TRL",
    );
    let report = v.take(clean("report", report, 1, REPORT_MAX));
    v.finish()?;
    let Some(report) = report else {
        unreachable!("every missing value recorded a field error");
    };
    Ok(VerificationEvent::Completed {
        outcome,
        trl_after,
        report,
    })
}

fn cancel(
    r: &VerificationData,
    actor: &Actor,
    reason: &str,
) -> Result<VerificationEvent, DomainError> {
    require(
        r.is_requester(actor),
        "only the requester can cancel a verification request",
    )?;
    if !matches!(r.status, S::Requested | S::Accepted | S::InProgress) {
        return Err(DomainError::conflict(format!(
            "a {} request cannot be cancelled",
            r.status
        )));
    }
    Ok(VerificationEvent::Cancelled {
        reason: parse_reason(reason)?,
    })
}

fn require_requested(status: S, verb: &str) -> Result<(), DomainError> {
    if status == S::Requested {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "only a requested verification can be {verb}; it is {status}"
        )))
    }
}

fn parse_reason(raw: &str) -> Result<String, DomainError> {
    clean("reason", raw, 1, REASON_MAX).map_err(|e| DomainError::Invalid(vec![e]))
}

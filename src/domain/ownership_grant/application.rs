//! Decisions up to the grant: the application, its review, the public notice with its
//! objections, the grant itself, and the applicant's withdrawal.

use chrono::TimeDelta;
use uuid::Uuid;

use super::decide::Context;
use super::in_force::years_after;
use super::{
    GrantEvent, GrantStatus as S, GrantTerms, ListingFacts, Notice, ObjectionOutcome, NOTE_MAX,
    NOTICE_DAYS_MAX, REASONS_MAX, REASON_MAX,
};
use crate::domain::error::{require, Validation};
use crate::domain::text::{clean, optional};
use crate::domain::{notice, Actor, DomainError, Role};

/// Who may apply for a grant on `listing`, and whether the listing can be granted at all;
/// gives the owning institution. Routes call it before validating the terms, so someone who may
/// not apply learns nothing from the validation.
pub fn check_applicant(actor: &Actor, listing: &ListingFacts) -> Result<Uuid, DomainError> {
    require(
        actor.role == Role::Researcher && !actor.is_system(),
        "only a researcher applies for an ownership grant",
    )?;
    let Some(institution_id) = listing.institution_id.filter(|_| listing.job_related) else {
        return Err(DomainError::invalid(
            "listing_id",
            "the listing is not job-related (职务科技成果): only job-related achievements are granted to their teams",
        ));
    };
    require(
        actor.belongs_to(Some(institution_id)),
        "only a researcher of the institution that owns the listing applies",
    )?;
    require(
        listing.owner_id == actor.user_id || listing.inventor_user_ids.contains(&actor.user_id),
        "only the listing's owner or one of its inventors applies",
    )?;
    if listing.withdrawn {
        return Err(DomainError::conflict(
            "the listing is withdrawn: nothing is left to grant",
        ));
    }
    Ok(institution_id)
}

/// The first command of a grant's stream.
pub(super) fn apply(
    actor: &Actor,
    listing: ListingFacts,
    terms: GrantTerms,
) -> Result<GrantEvent, DomainError> {
    let institution_id = check_applicant(actor, &listing)?;
    terms.check_rules()?;
    if terms.member(actor.user_id).is_none() {
        return Err(DomainError::invalid(
            "team",
            "the applicant must be a member of the team",
        ));
    }
    Ok(GrantEvent::Applied {
        applicant_id: actor.user_id,
        listing_id: listing.listing_id,
        listing_title: listing.title,
        institution_id,
        terms,
    })
}

pub(super) fn review(
    cx: &Context,
    approve: bool,
    note: Option<String>,
    reasons: Vec<String>,
) -> Result<GrantEvent, DomainError> {
    require(
        cx.office,
        "only the institution's office reviews an application",
    )?;
    cx.require_status(&[S::Applied], "be reviewed")?;
    let mut v = Validation::new();
    if approve {
        v.check(
            reasons.is_empty(),
            "reasons",
            "are given only when rejecting",
        );
        let note = optional(&mut v, "note", note, NOTE_MAX);
        v.finish()?;
        Ok(GrantEvent::Approved { note })
    } else {
        v.check(note.is_none(), "note", "is given only when approving");
        let reasons = check_reasons(&mut v, &reasons);
        v.finish()?;
        Ok(GrantEvent::Rejected {
            reasons,
            objection_id: None,
        })
    }
}

fn check_reasons(v: &mut Validation, reasons: &[String]) -> Vec<String> {
    if reasons.is_empty() {
        v.push("reasons", "must give at least one reason");
    } else if reasons.len() > REASONS_MAX {
        v.push(
            "reasons",
            format!("must have at most {REASONS_MAX} reasons"),
        );
    }
    reasons
        .iter()
        .enumerate()
        .filter_map(|(i, raw)| v.take(clean(&format!("reasons[{i}]"), raw, 1, REASON_MAX)))
        .collect()
}

/// 公示 for `days` days from now.
pub(super) fn start_notice(
    cx: &Context,
    days: u32,
    shortest: u32,
) -> Result<GrantEvent, DomainError> {
    require(
        cx.office,
        "only the institution's office starts the public notice",
    )?;
    cx.require_status(&[S::Approved], "be put on public notice")?;
    let days = notice::days(days, shortest, NOTICE_DAYS_MAX)?;
    Ok(GrantEvent::NoticeStarted {
        notice: Notice {
            days,
            starts_at: cx.now,
            ends_at: cx.now + TimeDelta::days(i64::from(days)),
        },
    })
}

pub(super) fn raise_objection(
    cx: &Context,
    objection_id: Uuid,
    reason: String,
) -> Result<GrantEvent, DomainError> {
    require(!cx.actor.is_system(), "objections are raised by people")?;
    cx.require_status(&[S::InNotice], "be objected to")?;
    let notice = cx.g.notice.expect("a grant in notice has its notice");
    if notice.has_run_by(cx.now) {
        return Err(DomainError::conflict(format!(
            "the public notice ended at {}: objections are taken only while it runs",
            notice.ends_at.to_rfc3339()
        )));
    }
    if cx.g.objection(objection_id).is_some() {
        return Err(DomainError::conflict(format!(
            "objection {objection_id} already exists"
        )));
    }
    let reason =
        clean("reason", &reason, 1, REASON_MAX).map_err(|e| DomainError::Invalid(vec![e]))?;
    Ok(GrantEvent::ObjectionRaised {
        objection_id,
        raised_by: cx.actor.user_id,
        reason,
    })
}

pub(super) fn resolve_objection(
    cx: &Context,
    objection_id: Uuid,
    outcome: ObjectionOutcome,
    resolution: String,
) -> Result<Vec<GrantEvent>, DomainError> {
    require(
        cx.office,
        "only the institution's office resolves objections",
    )?;
    cx.require_status(&[S::InNotice], "have objections resolved")?;
    let Some(objection) = cx.g.objection(objection_id) else {
        return Err(DomainError::NotFound);
    };
    if objection.resolution.is_some() {
        return Err(DomainError::conflict(format!(
            "objection {objection_id} is already resolved"
        )));
    }
    let resolution = clean("resolution", &resolution, 1, REASON_MAX)
        .map_err(|e| DomainError::Invalid(vec![e]))?;
    let resolved = GrantEvent::ObjectionResolved {
        objection_id,
        outcome,
        resolution: resolution.clone(),
    };
    Ok(match outcome {
        ObjectionOutcome::Dismissed => vec![resolved],
        ObjectionOutcome::Upheld => vec![
            resolved,
            GrantEvent::Rejected {
                reasons: vec![resolution],
                objection_id: Some(objection_id),
            },
        ],
    })
}

/// Once the notice has run and every objection is resolved; the term counts from today.
pub(super) fn grant(cx: &Context) -> Result<GrantEvent, DomainError> {
    require(cx.office, "only the institution's office grants")?;
    cx.require_status(&[S::InNotice], "be granted")?;
    let notice = cx.g.notice.expect("a grant in notice has its notice");
    if !notice.has_run_by(cx.now) {
        // When it ends, in both languages, so the office knows when to come back.
        let end = notice.ends_at.to_rfc3339();
        return Err(DomainError::conflict(format!(
            "赋权公示期至 {end} 结束，期满后方可赋权；the public notice runs until {end}: the grant can be made only after it ends"
        )));
    }
    if let Some(open) = cx.g.open_objections().next() {
        return Err(DomainError::conflict(format!(
            "objection {} is not resolved yet",
            open.id
        )));
    }
    Ok(GrantEvent::Granted {
        granted_on: cx.today,
        term_end: cx.g.terms.term_years.map(|y| years_after(cx.today, y)),
    })
}

/// By the applicant, before the grant.
pub(super) fn withdraw(cx: &Context, reason: Option<String>) -> Result<GrantEvent, DomainError> {
    require(
        cx.g.is_applicant(cx.actor),
        "only the applicant withdraws an application",
    )?;
    cx.require_status(&[S::Applied, S::Approved, S::InNotice], "be withdrawn")?;
    let mut v = Validation::new();
    let reason = optional(&mut v, "reason", reason, REASON_MAX);
    v.finish()?;
    Ok(GrantEvent::Withdrawn { reason })
}

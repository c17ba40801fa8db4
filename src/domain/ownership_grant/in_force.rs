//! Decisions on a granted term: the patent office's record, extension, the expiry warning and
//! expiry (by rule), and revocation; and how a term of years is counted.

use chrono::{Datelike, Months, NaiveDate};

use super::decide::Context;
use super::{
    GrantEvent, GrantStatus, RegistryChange, MAX_TERM_YEARS, REASON_MAX, RECORD_NUMBER_MAX,
};
use crate::domain::error::{require, Validation};
use crate::domain::text::{clean, Title};
use crate::domain::DomainError;

pub(super) fn record_registry_change(
    cx: &Context,
    record_number: String,
    recorded_on: NaiveDate,
) -> Result<GrantEvent, DomainError> {
    require(
        cx.office,
        "only the institution's office records the registry change",
    )?;
    cx.require_status(&[GrantStatus::Granted], "be recorded at the patent office")?;
    let today = cx.today;
    let mut v = Validation::new();
    let record_number = v.take(Title::parse(
        "record_number",
        &record_number,
        RECORD_NUMBER_MAX,
    ));
    let granted_on = cx.g.granted_on.expect("a granted grant has its date");
    if recorded_on > today {
        v.push("recorded_on", format!("must not be after today ({today})"));
    } else if recorded_on < granted_on {
        v.push(
            "recorded_on",
            format!("must not be before the grant ({granted_on})"),
        );
    }
    v.finish()?;
    Ok(GrantEvent::RegistryChangeRecorded {
        registry_change: RegistryChange {
            record_number: record_number
                .expect("an invalid record number recorded a field error")
                .as_str()
                .to_string(),
            recorded_on,
        },
    })
}

/// Moves a running term's end forward, at most [`MAX_TERM_YEARS`] from the grant.
pub(super) fn extend(
    cx: &Context,
    until: NaiveDate,
    reason: String,
) -> Result<GrantEvent, DomainError> {
    require(cx.office, "only the institution's office extends a grant")?;
    cx.require_status(&GrantStatus::IN_FORCE, "be extended")?;
    let Some(end) = cx.g.term_end else {
        return Err(DomainError::conflict(
            "the grant has no term: there is nothing to extend",
        ));
    };
    if cx.today > end {
        return Err(DomainError::conflict(format!(
            "the term ended on {end}: an ended term cannot be extended"
        )));
    }
    let granted_on = cx.g.granted_on.expect("a granted grant has its date");
    let furthest = years_after(granted_on, MAX_TERM_YEARS);
    let mut v = Validation::new();
    if until <= end {
        v.push(
            "until",
            format!("must be after the current term end ({end})"),
        );
    } else if until > furthest {
        v.push(
            "until",
            format!("must be at most {MAX_TERM_YEARS} years from the grant ({furthest})"),
        );
    }
    let reason = v.take(clean("reason", &reason, 1, REASON_MAX));
    v.finish()?;
    Ok(GrantEvent::Extended {
        previous_end: end,
        new_end: until,
        reason: reason.expect("a missing reason recorded a field error"),
    })
}

/// By rule, `warning_days` or fewer before the term ends, once per term end.
pub(super) fn warn_expiry(cx: &Context, warning_days: u32) -> Result<GrantEvent, DomainError> {
    require(cx.actor.is_system(), "expiry warnings are given by rule")?;
    cx.require_status(&GrantStatus::IN_FORCE, "be warned of expiry")?;
    let Some(end) = cx.g.term_end else {
        return Err(DomainError::conflict("the grant has no term to expire"));
    };
    let days_left = (end - cx.today).num_days();
    if days_left < 0 || days_left > i64::from(warning_days) {
        return Err(DomainError::conflict(format!(
            "the term ends on {end}, not within {warning_days} days"
        )));
    }
    if cx.g.expiry_warned_for == Some(end) {
        return Err(DomainError::conflict(format!(
            "the expiry on {end} was already announced"
        )));
    }
    Ok(GrantEvent::ExpiryApproaching {
        term_ends_on: end,
        days_left: days_left as u32,
    })
}

/// By rule, once the last day of the term is over.
pub(super) fn expire(cx: &Context) -> Result<GrantEvent, DomainError> {
    require(cx.actor.is_system(), "grants expire by rule, not by hand")?;
    cx.require_status(&GrantStatus::IN_FORCE, "be expired")?;
    match cx.g.term_end {
        Some(end) if cx.today > end => Ok(GrantEvent::Expired { term_ended_on: end }),
        Some(end) => Err(DomainError::conflict(format!("the term runs until {end}"))),
        None => Err(DomainError::conflict("the grant has no term to expire")),
    }
}

/// From `on`, the first day no longer in force: not before the grant, not after today, and not
/// back over a payment already distributed under it.
pub(super) fn revoke(
    cx: &Context,
    on: NaiveDate,
    reason: String,
) -> Result<GrantEvent, DomainError> {
    require(cx.office, "only the institution's office revokes a grant")?;
    cx.require_status(&GrantStatus::IN_FORCE, "be revoked")?;
    let today = cx.today;
    if let Some(end) = cx.g.term_end.filter(|end| today > *end) {
        return Err(DomainError::conflict(format!(
            "the term ended on {end}: the grant expires by itself"
        )));
    }
    let granted_on = cx.g.granted_on.expect("a granted grant has its date");
    let latest_paid = cx.g.distributions.iter().map(|d| d.received_on).max();
    let mut v = Validation::new();
    if on > today {
        v.push("on", format!("must not be after today ({today})"));
    } else if on < granted_on {
        v.push("on", format!("must not be before the grant ({granted_on})"));
    } else if let Some(paid) = latest_paid.filter(|p| on <= *p) {
        v.push(
            "on",
            format!("must be after the latest payment distributed under the grant ({paid})"),
        );
    }
    let reason = v.take(clean("reason", &reason, 1, REASON_MAX));
    v.finish()?;
    Ok(GrantEvent::Revoked {
        on,
        reason: reason.expect("a missing reason recorded a field error"),
    })
}

/// The last day of a term of `years` years starting on `start`: the day before the
/// anniversary, so 2026-11-21 + 10 years runs through 2036-11-20. The anniversary of 29 February
/// in a common year is 1 March, so such a term ends on 28 February.
pub fn years_after(start: NaiveDate, years: u32) -> NaiveDate {
    let Some(clamped) = start.checked_add_months(Months::new(12 * years)) else {
        return NaiveDate::MAX;
    };
    // checked_add_months clamps 29 February to 28 February, which is the last day, not the
    // anniversary.
    if clamped.day() != start.day() {
        return clamped;
    }
    clamped.pred_opt().unwrap_or(clamped)
}

//! Command → events: which decision answers each action on an existing grant. The decisions
//! themselves live by stage: [`super::application`] up to the grant, [`super::in_force`] for
//! the granted term, [`super::distribution`] for the money received under it.

use chrono::{DateTime, NaiveDate, Utc};

use super::{application, distribution, in_force, GrantAction, GrantData, GrantEvent, GrantStatus};
use crate::domain::calendar::china_date;
use crate::domain::error::require_state;
use crate::domain::{Actor, DomainError};

/// What every decision on an existing grant looks at.
pub(super) struct Context<'a> {
    pub g: &'a GrantData,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    /// The China date of `now`: terms, notices and payments are counted in China's days.
    pub today: NaiveDate,
    /// Whether the actor is the institution's technology-transfer office.
    pub office: bool,
}

impl Context<'_> {
    /// Refuses unless the grant is in one of `allowed`, saying what it would have to be to `what`.
    pub fn require_status(&self, allowed: &[GrantStatus], what: &str) -> Result<(), DomainError> {
        require_state("grant", self.g.status, allowed, what)
    }
}

/// Authorization first, then state, then the payload: someone who may not act learns nothing
/// about the grant's state from the error. Each decision keeps that order.
pub(super) fn decide(
    g: &GrantData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: GrantAction,
) -> Result<Vec<GrantEvent>, DomainError> {
    let cx = Context {
        g,
        actor,
        now,
        today: china_date(now),
        office: g.is_institution_admin(actor),
    };
    let event = match action {
        GrantAction::Apply { .. } => unreachable!("applications are decided before a grant is"),
        GrantAction::Review {
            approve,
            note,
            reasons,
        } => application::review(&cx, approve, note, reasons)?,
        GrantAction::StartNotice { days, shortest } => {
            application::start_notice(&cx, days, shortest)?
        }
        GrantAction::RaiseObjection {
            objection_id,
            reason,
        } => application::raise_objection(&cx, objection_id, reason)?,
        // An upheld objection also rejects: the one decision with two events.
        GrantAction::ResolveObjection {
            objection_id,
            outcome,
            resolution,
        } => return application::resolve_objection(&cx, objection_id, outcome, resolution),
        GrantAction::Grant => application::grant(&cx)?,
        GrantAction::Withdraw { reason } => application::withdraw(&cx, reason)?,
        GrantAction::RecordRegistryChange {
            record_number,
            recorded_on,
        } => in_force::record_registry_change(&cx, record_number, recorded_on)?,
        GrantAction::Extend { until, reason } => in_force::extend(&cx, until, reason)?,
        GrantAction::WarnExpiry { warning_days } => in_force::warn_expiry(&cx, warning_days)?,
        GrantAction::Expire => in_force::expire(&cx)?,
        GrantAction::Revoke { on, reason } => in_force::revoke(&cx, on, reason)?,
        GrantAction::Distribute {
            distribution_id,
            payment,
            costs_fen,
            note,
        } => distribution::distribute(&cx, distribution_id, payment, costs_fen, note)?,
    };
    Ok(vec![event])
}

//! The grant's state: the record built from its events, and the questions asked of it (who is a
//! party, who sees it, when it was in force).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Distribution, GrantStatus, GrantTerms};
use crate::domain::{Actor, Role, Visibility};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantState {
    /// `None` until `Applied`.
    pub grant: Option<GrantData>,
}

impl Visibility for GrantState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.grant
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub days: u32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Notice {
    /// Whether the notice period is over at `t` (the end instant itself counts as over).
    pub fn has_run_by(&self, t: DateTime<Utc>) -> bool {
        t >= self.ends_at
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionOutcome {
    /// The objection does not stand; the grant may go ahead.
    Dismissed,
    /// The objection stands; the application is rejected.
    Upheld,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub id: Uuid,
    pub raised_by: Uuid,
    pub reason: String,
    pub raised_at: DateTime<Utc>,
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub outcome: ObjectionOutcome,
    pub text: String,
    pub resolved_by: Uuid,
    pub resolved_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryChange {
    /// The patent office's record number of the change (著录项目变更 / 许可备案).
    pub record_number: String,
    pub recorded_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub at: DateTime<Utc>,
    pub previous_end: NaiveDate,
    pub new_end: NaiveDate,
    pub reason: String,
}

/// How a granted term ended: the first day it is no longer in force, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ending {
    pub at: DateTime<Utc>,
    pub on: NaiveDate,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantData {
    pub applicant_id: Uuid,
    pub listing_id: Uuid,
    /// The listing's title at application, for registers and notices.
    pub listing_title: String,
    pub institution_id: Uuid,
    pub status: GrantStatus,
    pub terms: GrantTerms,
    pub review_note: Option<String>,
    /// Why it was rejected (in review, or by an upheld objection).
    pub rejection_reasons: Vec<String>,
    pub withdrawal_reason: Option<String>,
    pub notice: Option<Notice>,
    pub objections: Vec<Objection>,
    pub granted_at: Option<DateTime<Utc>>,
    /// The first day in force (a China date).
    pub granted_on: Option<NaiveDate>,
    /// The last day in force as granted; `None` when the grant has no term.
    pub original_term_end: Option<NaiveDate>,
    /// The last day in force after every extension.
    pub term_end: Option<NaiveDate>,
    pub extensions: Vec<Extension>,
    pub registry_change: Option<RegistryChange>,
    /// The term end the expiry warning was given for; an extension re-arms it.
    pub expiry_warned_for: Option<NaiveDate>,
    /// Set by expiry or revocation.
    pub ending: Option<Ending>,
    pub distributions: Vec<Distribution>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GrantData {
    pub fn is_applicant(&self, actor: &Actor) -> bool {
        actor.user_id == self.applicant_id
    }

    pub fn is_member(&self, actor: &Actor) -> bool {
        self.terms.member(actor.user_id).is_some()
    }

    /// The technology-transfer office of the institution that grants.
    pub fn is_institution_admin(&self, actor: &Actor) -> bool {
        actor.role == Role::InstitutionAdmin
            && !actor.is_system()
            && actor.belongs_to(Some(self.institution_id))
    }

    /// The applicant, the team and the institution's office.
    pub fn is_party(&self, actor: &Actor) -> bool {
        self.is_applicant(actor) || self.is_member(actor) || self.is_institution_admin(actor)
    }

    /// Parties and platform admins always; anyone signed in once it is public (from the notice
    /// on). Statisticians too only from then: an application is not yet a statistic.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.status.is_public() || self.may_see_money(actor)
    }

    /// Who was paid what is for the parties and platform admins, and for statisticians once
    /// the grant is public.
    pub fn may_see_money(&self, actor: &Actor) -> bool {
        self.is_party(actor)
            || actor.role == Role::PlatformAdmin
            || (actor.role == Role::Statistician && self.status.is_public())
    }

    pub fn open_objections(&self) -> impl Iterator<Item = &Objection> {
        self.objections.iter().filter(|o| o.resolution.is_none())
    }

    pub fn objection(&self, id: Uuid) -> Option<&Objection> {
        self.objections.iter().find(|o| o.id == id)
    }

    pub fn distribution_of(&self, payment_id: Uuid) -> Option<&Distribution> {
        self.distributions
            .iter()
            .find(|d| d.payment_id == payment_id)
    }

    /// The days in force as known at instant `as_of` (everything known when `None`): the first
    /// day and the last (`None` for no end). `None` when it had not been granted by then, or its
    /// term was cut to nothing. An "as of" view ignores every extension and revocation recorded
    /// after that instant.
    pub fn term_as_of(
        &self,
        as_of: Option<DateTime<Utc>>,
    ) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let known = |t: DateTime<Utc>| as_of.is_none_or(|a| t <= a);
        let granted_on = self.granted_on?;
        if !known(self.granted_at?) {
            return None;
        }
        let mut last = self
            .extensions
            .iter()
            .rfind(|e| known(e.at))
            .map(|e| e.new_end)
            .or(self.original_term_end);
        // Expiry ends the term where it was going to end anyway; revocation cuts it short.
        if self.status == GrantStatus::Revoked {
            if let Some(end) = self.ending.as_ref().filter(|e| known(e.at)) {
                let day_before = end.on.pred_opt().unwrap_or(end.on);
                last = Some(last.map_or(day_before, |l| l.min(day_before)));
            }
        }
        match last {
            Some(l) if l < granted_on => None,
            other => Some((granted_on, other)),
        }
    }

    /// Whether the grant was in force on `date`, as known at `as_of`.
    pub fn in_force_on(&self, date: NaiveDate, as_of: Option<DateTime<Utc>>) -> bool {
        self.term_as_of(as_of)
            .is_some_and(|(first, last)| first <= date && last.is_none_or(|l| date <= l))
    }
}

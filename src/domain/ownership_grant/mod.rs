//! Ownership grants for job-related inventions (职务科技成果赋权): an institution gives its
//! research team co-ownership of a job-related achievement (institution % + team %), or a
//! long-term right to use it (at least 10 years), and agrees how the net income from it is shared.
//!
//! applied → approved | rejected → in_notice (公示; objections raised and resolved; an upheld
//! objection rejects) → granted → registry_changed (the patent office's record) → expired (by
//! itself, when the term ends) | revoked. The applicant may withdraw until the grant.
//! A granted term may be extended; while the grant was in force, each payment received under a
//! registered contract for the listing is distributed between institution, team and members.
//!
//! The aggregate sees nothing outside its stream: the listing and the contract payment it judges
//! arrive in the command as snapshots ([`ListingFacts`], [`ContractPayment`]) that the route
//! loads. That only one grant per listing is live at a time is kept by the register's unique
//! index, in the same transaction as the append.
//!
//! The files follow the aggregate's shape: `codes` (kind and status), `terms` (what is applied
//! for), `action` (commands and the snapshots they carry), `events` and `state`; the decider in
//! `decide`, with its stages `application` (up to the grant), `in_force` (the granted term) and
//! `distribution` (the money); and `evolve`.

mod action;
mod application;
mod codes;
mod decide;
mod distribution;
mod events;
mod evolve;
mod in_force;
mod state;
mod terms;

#[cfg(test)]
mod tests;

pub use action::{ContractPayment, GrantAction, ListingFacts};
pub use application::check_applicant;
pub use codes::{GrantKind, GrantStatus};
pub use distribution::{Distribution, MemberPart};
pub use events::GrantEvent;
pub use in_force::years_after;
pub use state::{
    Ending, Extension, GrantData, GrantState, Notice, Objection, ObjectionOutcome, RegistryChange,
    Resolution,
};
pub use terms::{GrantInput, GrantTerms, IncomeSplit, TeamMember, TeamMemberInput};

use super::{Command, DomainError, Recorded};

/// A long-term usage right runs at least this many years.
pub const MIN_USAGE_YEARS: u32 = 10;
/// No term (or extension) reaches further than this many years from the grant.
pub const MAX_TERM_YEARS: u32 = 50;
/// Where no income split was agreed, at least half of the net income goes to the team (促进科技
/// 成果转化法 第四十五条); the platform applies exactly that floor.
pub const STATUTORY_TEAM_INCOME_BP: u32 = 5_000;
pub const NOTICE_DAYS_MAX: u32 = 365;
pub const TEAM_MAX: usize = 50;
const STATEMENT_MAX: usize = 5_000;
const REASON_MAX: usize = 2_000;
const REASONS_MAX: usize = 20;
const RECORD_NUMBER_MAX: usize = 64;
const NOTE_MAX: usize = 500;

/// The ownership-grant aggregate (esrs name `ownership_grant`).
pub struct OwnershipGrant;

impl esrs::Aggregate for OwnershipGrant {
    const NAME: &'static str = "ownership_grant";
    type State = GrantState;
    type Command = Command<GrantAction>;
    type Event = Recorded<GrantEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let events = match (&state.grant, action) {
            (None, GrantAction::Apply { listing, terms }) => {
                vec![application::apply(&actor, listing, terms)?]
            }
            (Some(_), GrantAction::Apply { .. }) => {
                return Err(DomainError::conflict("ownership grant already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            (Some(grant), action) => decide::decide(grant, &actor, now, action)?,
        };
        Ok(events
            .into_iter()
            .map(|event| Recorded {
                actor,
                at: now,
                event,
            })
            .collect())
    }

    fn apply_event(state: Self::State, payload: Self::Event) -> Self::State {
        evolve::evolve(state, payload)
    }
}

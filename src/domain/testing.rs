//! What the aggregates' unit tests share: the given/when/then story, the cast, the clock and
//! the assertions on refusals.

use std::fmt::Debug;

use chrono::{DateTime, TimeDelta, Utc};
use esrs::Aggregate;

use super::{Actor, Command, DomainError, Recorded};

/// The fields a validation error names, in order.
pub fn fields(err: DomainError) -> Vec<String> {
    match err {
        DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The message of the error on `field`.
pub fn message_of(err: &DomainError, field: &str) -> String {
    match err {
        DomainError::Invalid(errors) => errors
            .iter()
            .find(|e| e.field == field)
            .unwrap_or_else(|| panic!("no error on {field}: {errors:?}"))
            .message
            .clone(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub fn assert_forbidden(err: DomainError, who: &str) {
    assert!(
        matches!(err, DomainError::Forbidden(_)),
        "{who}: expected Forbidden, got {err:?}"
    );
}

pub fn assert_conflict(err: DomainError, containing: &str) {
    match err {
        DomainError::Conflict(message) => {
            assert!(
                message.contains(containing),
                "conflict '{message}' does not mention '{containing}'"
            )
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Given/when/then: a story folds commands through `handle_command` and `apply_event`, exactly as
// the store does, and checks what every aggregate promises: each event carries who and when, and
// a refusal leaves the state as it was.

/// A sequence of commands on one aggregate, with a clock that moves `step` after each command.
pub struct Story<A: Aggregate> {
    pub state: A::State,
    pub now: DateTime<Utc>,
    step: TimeDelta,
    /// Every event accepted so far, in order.
    pub history: Vec<A::Event>,
}

impl<A, Act, Ev> Story<A>
where
    A: Aggregate<Command = Command<Act>, Event = Recorded<Ev>, Error = DomainError>,
    A::State: Clone + PartialEq + Debug + Default,
    Ev: Clone + Debug,
{
    /// A story on the aggregate's initial state; the clock stands still unless [`Self::stepping`].
    pub fn starting(now: DateTime<Utc>) -> Self {
        Story {
            state: A::State::default(),
            now,
            step: TimeDelta::zero(),
            history: Vec::new(),
        }
    }

    /// Moves the clock by `step` after every accepted command.
    pub fn stepping(mut self, step: TimeDelta) -> Self {
        self.step = step;
        self
    }

    pub fn at(&mut self, now: DateTime<Utc>) -> &mut Self {
        self.now = now;
        self
    }

    /// Decides `action` now; accepted events are folded into the state and the history.
    pub fn try_run(&mut self, actor: Actor, action: Act) -> Result<Vec<Recorded<Ev>>, DomainError> {
        let at = self.now;
        let events = A::handle_command(&self.state, Command::new(actor, at, action))?;
        self.now += self.step;
        for recorded in &events {
            assert_eq!(
                (recorded.actor, recorded.at),
                (actor, at),
                "events carry who and when"
            );
            self.state = A::apply_event(std::mem::take(&mut self.state), recorded.clone());
        }
        self.history.extend(events.iter().cloned());
        Ok(events)
    }

    /// Runs an accepted command and returns all its events.
    pub fn ok_all(&mut self, actor: Actor, action: Act) -> Vec<Ev> {
        self.try_run(actor, action)
            .unwrap_or_else(|e| panic!("refused: {e:?}"))
            .into_iter()
            .map(|recorded| recorded.event)
            .collect()
    }

    /// Runs an accepted command and returns its single event.
    pub fn ok(&mut self, actor: Actor, action: Act) -> Ev {
        let mut events = self.ok_all(actor, action);
        assert_eq!(events.len(), 1, "one command, one event: {events:?}");
        events.remove(0)
    }

    /// Runs a command that must be refused and leave the state as it was.
    pub fn refused(&mut self, actor: Actor, action: Act) -> DomainError {
        let before = self.state.clone();
        let err = self
            .try_run(actor, action)
            .expect_err("command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        err
    }
}

// ---------------------------------------------------------------------------------------------
// The cast: the organizations and people every aggregate's tests meet. A researcher works in a
// lab under a university (job-related results belong to the university, so "member of the
// owner's organization" and "admin of the owning institution" stay distinguishable); the other
// university, company and agency are there to be refused.

pub mod cast {
    use uuid::Uuid;

    use crate::domain::{Actor, Role};

    pub const LAB: Uuid = Uuid::from_u128(0x1AB);
    pub const OTHER_LAB: Uuid = Uuid::from_u128(0x1AC);
    pub const UNIVERSITY: Uuid = Uuid::from_u128(0x0A1);
    pub const OTHER_UNIVERSITY: Uuid = Uuid::from_u128(0x0A2);
    pub const AGENCY: Uuid = Uuid::from_u128(0x0B1);
    pub const BUREAU: Uuid = Uuid::from_u128(0x0B2);
    pub const COMPANY: Uuid = Uuid::from_u128(0x0C1);
    pub const OTHER_COMPANY: Uuid = Uuid::from_u128(0x0C2);

    /// Anyone: user `n` in `role`, of `organization_id`.
    pub fn person(n: u128, role: Role, organization_id: Option<Uuid>) -> Actor {
        Actor {
            user_id: Uuid::from_u128(n),
            role,
            organization_id,
        }
    }

    pub fn researcher() -> Actor {
        person(1, Role::Researcher, Some(LAB))
    }
    pub fn lab_colleague() -> Actor {
        person(2, Role::Researcher, Some(LAB))
    }
    pub fn outsider_researcher() -> Actor {
        person(3, Role::Researcher, Some(OTHER_UNIVERSITY))
    }
    pub fn tech_manager() -> Actor {
        person(4, Role::TechManager, Some(AGENCY))
    }
    pub fn institution_admin() -> Actor {
        person(5, Role::InstitutionAdmin, Some(UNIVERSITY))
    }
    pub fn lab_admin() -> Actor {
        person(6, Role::InstitutionAdmin, Some(LAB))
    }
    pub fn other_institution_admin() -> Actor {
        person(7, Role::InstitutionAdmin, Some(OTHER_UNIVERSITY))
    }
    pub fn enterprise() -> Actor {
        person(8, Role::Enterprise, Some(COMPANY))
    }
    pub fn other_enterprise() -> Actor {
        person(9, Role::Enterprise, Some(OTHER_COMPANY))
    }
    pub fn provider() -> Actor {
        person(10, Role::Provider, Some(AGENCY))
    }
    pub fn registrar() -> Actor {
        person(11, Role::Registrar, Some(BUREAU))
    }
    pub fn other_registrar() -> Actor {
        person(12, Role::Registrar, Some(BUREAU))
    }
    pub fn statistician() -> Actor {
        person(13, Role::Statistician, None)
    }
    pub fn platform_admin() -> Actor {
        person(14, Role::PlatformAdmin, None)
    }
    pub fn system() -> Actor {
        Actor::system()
    }

    /// Those of `everyone` not named in `allowed`, for "everyone else is refused" checks.
    pub fn all_but(
        everyone: Vec<(&'static str, Actor)>,
        allowed: &[&str],
    ) -> Vec<(&'static str, Actor)> {
        everyone
            .into_iter()
            .filter(|(name, _)| !allowed.contains(name))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Clock

/// An instant from RFC 3339 text.
pub fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .with_timezone(&Utc)
}

/// 09:00 in China (UTC+8) on `day` (YYYY-MM-DD).
pub fn morning(day: &str) -> DateTime<Utc> {
    utc(&format!("{day}T01:00:00Z"))
}

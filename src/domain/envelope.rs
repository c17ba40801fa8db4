use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Actor;

/// What every aggregate receives: the action, who asks for it, and the instant it is decided at.
/// Passing `now` in keeps `handle_command` pure and its tests deterministic.
#[derive(Debug, Clone)]
pub struct Command<A> {
    pub actor: Actor,
    pub now: DateTime<Utc>,
    pub action: A,
}

impl<A> Command<A> {
    pub fn new(actor: Actor, now: DateTime<Utc>, action: A) -> Self {
        Self { actor, now, action }
    }
}

/// An event as stored: the domain fact plus who caused it and when it was decided.
/// The history view ("who did what and when") reads these two fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded<E> {
    pub actor: Actor,
    pub at: DateTime<Utc>,
    pub event: E,
}

impl<E> Recorded<E> {
    pub fn by<A>(command: &Command<A>, event: E) -> Self {
        Self {
            actor: command.actor,
            at: command.now,
            event,
        }
    }
}

/// A domain fact that names itself; its name is the event type in the global log.
pub trait DomainEvent:
    Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static
{
    fn name(&self) -> &'static str;
}

/// What the global log needs to know of any stored event, whatever its aggregate.
pub trait LoggableEvent: Serialize + serde::de::DeserializeOwned + Send + Sync + 'static {
    fn event_type(&self) -> &'static str;
    fn actor(&self) -> Actor;
}

impl<E: DomainEvent> LoggableEvent for Recorded<E> {
    fn event_type(&self) -> &'static str {
        self.event.name()
    }
    fn actor(&self) -> Actor {
        self.actor
    }
}

/// Who may see a stream at all: anyone else is told it does not exist (404), before any
/// version or rule is compared. Implemented by every aggregate's state.
pub trait Visibility {
    fn is_visible_to(&self, actor: &Actor) -> bool;
}

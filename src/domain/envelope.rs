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
    /// The shape this type writes. Stored events keep the version they were written at (none:
    /// version 1); when the shape changes, raise this and teach [`upcast`](Self::upcast) the step.
    const SCHEMA_VERSION: i32 = 1;

    fn name(&self) -> &'static str;

    /// Lifts a stored event (the whole `Recorded` document: `actor`, `at`, `event`) written at
    /// version `from` to version `from + 1`. Pure: the store calls it step by step on read, so
    /// events of every past shape load as today's type.
    fn upcast(stored: &mut serde_json::Value, from: i32) -> Result<(), String> {
        let _ = stored;
        Err(format!("no upcaster from schema version {from}"))
    }
}

/// What the global log needs to know of any stored event, whatever its aggregate.
pub trait LoggableEvent: Serialize + serde::de::DeserializeOwned + Send + Sync + 'static {
    /// The schema version written with new events.
    const SCHEMA_VERSION: i32;

    fn event_type(&self) -> &'static str;
    fn actor(&self) -> Actor;

    /// Lifts a stored document one version up; see [`DomainEvent::upcast`].
    fn upcast(stored: &mut serde_json::Value, from: i32) -> Result<(), String>;

    /// Reads a stored document written at `version` (none: 1), lifting it to today's shape first
    /// when it is older. Today's shape parses straight from the text, as before versions existed.
    fn decode_stored(text: &str, version: Option<i32>) -> Result<Self, serde_json::Error> {
        use serde::de::Error;
        let from = version.unwrap_or(1);
        if from == Self::SCHEMA_VERSION {
            return serde_json::from_str(text);
        }
        if from > Self::SCHEMA_VERSION {
            return Err(serde_json::Error::custom(format!(
                "schema version {from} is newer than this release reads ({})",
                Self::SCHEMA_VERSION
            )));
        }
        let mut document: serde_json::Value = serde_json::from_str(text)?;
        for step in from..Self::SCHEMA_VERSION {
            Self::upcast(&mut document, step).map_err(serde_json::Error::custom)?;
        }
        serde_json::from_value(document)
    }
}

impl<E: DomainEvent> LoggableEvent for Recorded<E> {
    const SCHEMA_VERSION: i32 = E::SCHEMA_VERSION;

    fn event_type(&self) -> &'static str {
        self.event.name()
    }
    fn actor(&self) -> Actor {
        self.actor
    }
    fn upcast(stored: &mut serde_json::Value, from: i32) -> Result<(), String> {
        E::upcast(stored, from)
    }
}

/// Who may see a stream at all: anyone else is told it does not exist (404), before any
/// version or rule is compared. Implemented by every aggregate's state.
pub trait Visibility {
    fn is_visible_to(&self, actor: &Actor) -> bool;
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;

    /// A fact whose shape changed twice: v1 had `amount` in yuan as text, v2 renamed it to
    /// `amount_yuan`, v3 stores integer fen.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Paid {
        Paid { amount_fen: i64 },
    }

    impl DomainEvent for Paid {
        const SCHEMA_VERSION: i32 = 3;

        fn name(&self) -> &'static str {
            "paid"
        }

        fn upcast(stored: &mut serde_json::Value, from: i32) -> Result<(), String> {
            let event = stored["event"].as_object_mut().ok_or("no event")?;
            match from {
                1 => {
                    let amount = event.remove("amount").ok_or("no amount")?;
                    event.insert("amount_yuan".into(), amount);
                }
                2 => {
                    let yuan = event.remove("amount_yuan").ok_or("no amount_yuan")?;
                    let yuan: i64 = yuan.as_str().and_then(|s| s.parse().ok()).ok_or("bad")?;
                    event.insert("amount_fen".into(), json!(yuan * 100));
                }
                _ => return Err(format!("no step from {from}")),
            }
            Ok(())
        }
    }

    fn document(event: serde_json::Value) -> String {
        json!({
            "actor": {"user_id": uuid::Uuid::nil(), "role": "registrar", "organization_id": null},
            "at": "2026-11-29T00:00:00Z",
            "event": event,
        })
        .to_string()
    }

    #[test]
    fn an_old_event_is_lifted_step_by_step_and_todays_is_read_as_it_is() {
        let today = document(json!({"type": "paid", "amount_fen": 15_000}));
        let v1 = document(json!({"type": "paid", "amount": "150"}));
        let v2 = document(json!({"type": "paid", "amount_yuan": "150"}));
        let expected = Paid::Paid { amount_fen: 15_000 };
        for (text, version) in [
            (&today, Some(3)),
            (&v1, None),
            (&v1, Some(1)),
            (&v2, Some(2)),
        ] {
            let read = Recorded::<Paid>::decode_stored(text, version).unwrap();
            assert_eq!(read.event, expected, "from {version:?}");
        }
    }

    #[test]
    fn a_newer_event_than_this_release_knows_is_an_error_not_a_guess() {
        let text = document(json!({"type": "paid", "amount_fen": 1}));
        let err = Recorded::<Paid>::decode_stored(&text, Some(4)).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn a_failing_step_is_an_error() {
        let text = document(json!({"type": "paid", "amount_yuan": "many"}));
        assert!(Recorded::<Paid>::decode_stored(&text, Some(2)).is_err());
    }
}

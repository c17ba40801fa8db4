//! What goes to the broker for one log entry: pure, so the format consumers rely on is tested
//! without a broker. The body is the entry exactly as `GET /events` shows it (the payload made
//! public by [`feed`]); the routing key is `<aggregate>.<event>`; the message id is the event's
//! id, by which a consumer drops the repeats that at-least-once delivery may bring.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::projections::feed;
use crate::store::log::LoggedEvent;

/// The format's version, in every message's headers: a consumer can refuse one it does not know.
pub const FORMAT: i64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub routing_key: String,
    pub message_id: Uuid,
    pub timestamp: DateTime<Utc>,
    /// Headers a consumer can route or order by without parsing the body.
    pub position: i64,
    pub aggregate_id: Uuid,
    pub version: i32,
    /// The body: UTF-8 JSON.
    pub body: Vec<u8>,
}

impl Message {
    pub fn of(entry: &LoggedEvent) -> Result<Message, serde_json::Error> {
        Ok(Message {
            routing_key: format!("{}.{}", entry.aggregate_type, entry.event_type),
            message_id: entry.event_id,
            timestamp: entry.recorded_at,
            position: entry.position,
            aggregate_id: entry.aggregate_id,
            version: entry.version,
            body: serde_json::to_vec(&feed::public(entry)?)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn entry(aggregate_type: &str, event_type: &str, payload: Value) -> LoggedEvent {
        LoggedEvent {
            position: 42,
            event_id: Uuid::new_v4(),
            aggregate_type: aggregate_type.into(),
            aggregate_id: Uuid::new_v4(),
            version: 3,
            event_type: event_type.into(),
            actor_id: Uuid::new_v4(),
            actor_role: "enterprise".into(),
            recorded_at: "2026-11-29T08:00:00Z".parse().unwrap(),
            payload: serde_json::value::to_raw_value(&payload).unwrap(),
            schema_version: None,
        }
    }

    #[test]
    fn a_message_is_the_feed_entry_under_its_aggregate_and_event() {
        let e = entry(
            "demand",
            "published",
            json!({"actor": null, "event": {"type": "published"}}),
        );
        let m = Message::of(&e).unwrap();
        assert_eq!(m.routing_key, "demand.published");
        assert_eq!(m.message_id, e.event_id);
        assert_eq!(
            (m.position, m.version, m.aggregate_id),
            (42, 3, e.aggregate_id)
        );
        let body: Value = serde_json::from_slice(&m.body).unwrap();
        assert_eq!(body["event_id"], json!(e.event_id));
        assert_eq!(body["position"], json!(42));
        assert_eq!(body["payload"]["event"]["type"], json!("published"));
    }

    #[test]
    fn what_the_parties_wrote_stays_out_of_the_message() {
        let e = entry(
            "negotiation",
            "offer_made",
            json!({"event": {"type": "offer_made", "offer": {"price_fen": 100, "terms": "secret"}}}),
        );
        let body: Value = serde_json::from_slice(&Message::of(&e).unwrap().body).unwrap();
        assert_eq!(body["payload"]["event"]["offer"]["price_fen"], json!(100));
        assert!(body["payload"]["event"]["offer"].get("terms").is_none());
    }
}

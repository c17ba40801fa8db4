//! The log published to RabbitMQ (issue 12, item 6), against the machine's broker: every event
//! arrives, as the feed shows it, in order per aggregate, across a broker outage (made by a
//! [`Proxy`] that cuts the connection, never by stopping the shared broker), and one instance
//! publishes at a time. Each test publishes to an exchange of its own and deletes it.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use lapin::options::{
    BasicConsumeOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use reqwest::StatusCode;
use serde_json::Value;
use techmarket::domain::Role;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::both;
use crate::helpers::{amqp_url, json_of, listing_body, rabbitmq_available, TestApp, TestUser};
use crate::proxy::Proxy;

/// One message as a consumer received it.
#[derive(Debug, Clone)]
struct Received {
    routing_key: String,
    message_id: String,
    persistent: bool,
    position: i64,
    body: Value,
}

/// A queue bound to every key of a test's exchange, read straight from the broker.
struct Consumer {
    connection: Connection,
    exchange: String,
    rx: mpsc::UnboundedReceiver<Received>,
    got: Vec<Received>,
}

impl Consumer {
    async fn bind(exchange: &str) -> Consumer {
        let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .expect("RabbitMQ");
        let channel = connection.create_channel().await.unwrap();
        // Declared as the publisher declares it, so that the queue is bound before anything
        // is published.
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        channel
            .queue_bind(
                queue.name().clone(),
                exchange.into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        let mut deliveries = channel
            .basic_consume(
                queue.name().clone(),
                "broker-test".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(d)) = deliveries.next().await {
                let p = &d.properties;
                let position = match p
                    .headers()
                    .as_ref()
                    .and_then(|h| h.inner().get("position").cloned())
                {
                    Some(AMQPValue::LongLongInt(n)) => n,
                    other => panic!("a position header, not {other:?}"),
                };
                let received = Received {
                    routing_key: d.routing_key.to_string(),
                    message_id: p.message_id().as_ref().expect("a message id").to_string(),
                    persistent: *p.delivery_mode() == Some(2),
                    position,
                    body: serde_json::from_slice(&d.data).expect("a JSON body"),
                };
                if tx.send(received).is_err() {
                    return;
                }
            }
        });
        Consumer {
            connection,
            exchange: exchange.to_string(),
            rx,
            got: Vec::new(),
        }
    }

    /// Waits until every event id in `ids` has arrived (at most 20 s).
    async fn until_all(&mut self, ids: &HashSet<String>) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let seen: HashSet<&str> = self.got.iter().map(|r| r.message_id.as_str()).collect();
            if ids.iter().all(|id| seen.contains(id.as_str())) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(r)) => self.got.push(r),
                _ => panic!(
                    "{} of {} events arrived",
                    ids.iter().filter(|id| seen.contains(id.as_str())).count(),
                    ids.len()
                ),
            }
        }
    }

    /// Every event of the log once it has arrived, and whatever strays after it within 300 ms:
    /// the log as the feed shows it.
    async fn caught_up(&mut self, app: &TestApp, admin: &TestUser) -> HashMap<String, Value> {
        let log = feed(app, admin).await;
        self.until_all(&log.keys().cloned().collect()).await;
        self.drain(Duration::from_millis(300)).await;
        log
    }

    /// Whatever else arrives within `wait`.
    async fn drain(&mut self, wait: Duration) {
        while let Ok(Some(r)) = tokio::time::timeout(wait, self.rx.recv()).await {
            self.got.push(r);
        }
    }

    async fn delete(self) {
        if let Ok(channel) = self.connection.create_channel().await {
            let _ = channel
                .exchange_delete(
                    self.exchange.as_str().into(),
                    ExchangeDeleteOptions::default(),
                )
                .await;
        }
        let _ = self.connection.close(200, "bye".into()).await;
    }
}

/// The whole log as the feed shows it to an administrator, by event id.
async fn feed(app: &TestApp, admin: &TestUser) -> HashMap<String, Value> {
    let mut all = HashMap::new();
    let mut after = 0i64;
    loop {
        let (status, page) = json_of(
            app.get(
                &format!("/api/v1/events?after={after}&limit=100"),
                Some(&admin.token),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let items = page["items"].as_array().unwrap();
        for e in items {
            all.insert(e["event_id"].as_str().unwrap().to_string(), e.clone());
        }
        let next: i64 = page["next_cursor"].as_str().unwrap().parse().unwrap();
        if next == after {
            return all;
        }
        after = next;
    }
}

/// The message as `api-spec/asyncapi.yaml` promises it to consumers: exactly its fields, and
/// an aggregate type it names.
fn check_against_asyncapi(body: &Value) {
    let doc: serde_norway::Value =
        serde_norway::from_str(include_str!("../../api-spec/asyncapi.yaml")).expect("YAML");
    let schema = &doc["components"]["schemas"]["LoggedEvent"];
    let required: HashSet<&str> = schema["required"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let keys: HashSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, required, "{body}");
    let types: Vec<&str> = schema["properties"]["aggregate_type"]["enum"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        types.contains(&body["aggregate_type"].as_str().unwrap()),
        "{body}"
    );
}

/// What a consumer that drops repeats by message id has: each event once, first arrival kept.
fn deduplicated(got: &[Received]) -> Vec<&Received> {
    let mut seen = HashSet::new();
    got.iter()
        .filter(|r| seen.insert(r.message_id.as_str()))
        .collect()
}

/// Every event of the log arrived as the feed shows it, under `<aggregate>.<event>`,
/// persistent, and each aggregate's in its order.
fn check_against_feed(got: &[Received], feed: &HashMap<String, Value>) {
    let once = deduplicated(got);
    assert_eq!(once.len(), feed.len(), "one message per event of the log");
    let mut versions: HashMap<&str, i64> = HashMap::new();
    for r in once {
        let entry = &feed[&r.message_id];
        assert_eq!(&r.body, entry, "the message is the feed's entry");
        check_against_asyncapi(&r.body);
        assert_eq!(
            r.routing_key,
            format!(
                "{}.{}",
                entry["aggregate_type"].as_str().unwrap(),
                entry["event_type"].as_str().unwrap()
            )
        );
        assert_eq!(r.position, entry["position"].as_i64().unwrap());
        assert!(r.persistent, "{} is persistent", r.message_id);
        let version = entry["version"].as_i64().unwrap();
        let last = versions
            .entry(entry["aggregate_id"].as_str().unwrap())
            .or_insert(0);
        assert_eq!(version, *last + 1, "in order within the aggregate: {entry}");
        *last = version;
    }
    assert!(
        !got.iter().any(|r| r.body.to_string().contains("SECRET")),
        "confidential detail stays out of the broker"
    );
}

fn unique_exchange() -> String {
    format!("techmarket.test.{}", Uuid::new_v4().simple())
}

both!(
    every_event_reaches_rabbitmq_in_order_across_a_broker_outage,
    |app: TestApp| async move {
        if !rabbitmq_available().await {
            return;
        }
        let exchange = unique_exchange();
        let mut consumer = Consumer::bind(&exchange).await;
        let proxy = Proxy::start().await;
        let broker = amqp_url();
        let (_, hostport_and_path) = broker.split_once('@').unwrap();
        let (hostport, path) = hostport_and_path.split_once('/').unwrap();
        proxy.forward_to(hostport);
        let through = format!("amqp://guest:guest@{}/{path}", proxy.addr());
        // Commands go to `app`; the twin publishes (any instance may, and one does).
        let publisher = app
            .twin_with(|s| {
                s.rabbitmq_url = Some(through.into());
                s.rabbitmq_exchange = exchange.clone();
            })
            .await;

        let admin = app.admin().await;
        let owner = app.user(Role::Researcher, None).await;
        for i in 0..3 {
            app.published(&owner, &listing_body(&format!("发布的成果{i}")))
                .await;
        }
        let log = consumer.caught_up(&app, &admin).await;
        check_against_feed(&consumer.got, &log);

        // The broker goes away: commands go on as before, and the events wait.
        proxy.cut();
        let during = app.user(Role::Researcher, None).await;
        for i in 0..3 {
            app.published(&during, &listing_body(&format!("断开时的成果{i}")))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = consumer.got.len();
        consumer.drain(Duration::from_millis(200)).await;
        assert_eq!(consumer.got.len(), before, "nothing passes a cut link");

        // It comes back: everything missed arrives, in order, nothing lost.
        proxy.restore();
        let log = consumer.caught_up(&app, &admin).await;
        check_against_feed(&consumer.got, &log);

        // The position it resumes from is stored: the last event published.
        let head = log
            .values()
            .map(|e| e["position"].as_i64().unwrap())
            .max()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while publisher_position(&app).await != head {
            assert!(Instant::now() < deadline, "the position reaches the head");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        publisher.state.shutdown.send_replace(true);
        consumer.delete().await;
    }
);

async fn publisher_position(app: &TestApp) -> i64 {
    let mut rc = app.state.db.read().await.unwrap();
    rc.conn()
        .fetch_one(
            "SELECT position FROM broker_publishers WHERE name = 'rabbitmq'",
            &[],
        )
        .await
        .unwrap()
        .i64("position")
        .unwrap()
}

both!(
    one_instance_publishes_at_a_time_and_another_takes_over_when_it_stops,
    |app: TestApp| async move {
        if !rabbitmq_available().await {
            return;
        }
        let exchange = unique_exchange();
        let mut consumer = Consumer::bind(&exchange).await;
        let publishing = |s: &mut techmarket::config::Settings| {
            s.rabbitmq_url = Some(amqp_url().into());
            s.rabbitmq_exchange = exchange.clone();
            s.rabbitmq_lease_ms = 3_000;
        };
        let first = app.twin_with(publishing).await;
        let admin = app.admin().await;
        consumer.caught_up(&app, &admin).await;
        // The first has the lease; the second waits beside it.
        let second = app.twin_with(publishing).await;
        let owner = app.user(Role::Researcher, None).await;
        for i in 0..5 {
            app.published(&owner, &listing_body(&format!("两个实例{i}")))
                .await;
        }
        let log = consumer.caught_up(&app, &admin).await;
        assert_eq!(
            consumer.got.len(),
            log.len(),
            "published once, by one instance"
        );
        check_against_feed(&consumer.got, &log);

        // The first stops (and lets its lease go): the second carries on from where it was.
        first.state.shutdown.send_replace(true);
        first.handle.stop(true).await;
        for i in 0..3 {
            app.published(&owner, &listing_body(&format!("接手之后{i}")))
                .await;
        }
        let log = consumer.caught_up(&app, &admin).await;
        assert_eq!(
            consumer.got.len(),
            log.len(),
            "nothing published twice at the handover"
        );
        check_against_feed(&consumer.got, &log);
        second.state.shutdown.send_replace(true);
        consumer.delete().await;
    }
);

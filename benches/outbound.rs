//! What telling people and systems costs, on both backends:
//! - the RabbitMQ publisher: events per second it publishes (with confirms, into a durable
//!   queue, persistent) while catching up on a log of real events;
//! - the command path (listings created, submitted and published, eight at a time, each
//!   publication notifying its owner) with the notification follower and the mail sender
//!   running, against without; and how far behind the follower was when the commands ended.
//!
//! Needs the machine's RabbitMQ (`TEST_AMQP_URL`, default guest on 127.0.0.1:5672); without
//! it the publisher's part says so and is skipped.
//!
//! Run by hand: `cargo bench --bench outbound [-- --events 50000 --commands 1000 --only sqlite
//! --part publisher|commands]`.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use lapin::options::{
    ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use techmarket::domain::listing::{ListingAction, ListingContent, ListingInput};
use techmarket::domain::{Actor, Command, Role};
use techmarket::projections::Projections;
use techmarket::startup::Application;
use techmarket::state::AppState;
use techmarket::store::Db;
use tokio::sync::Semaphore;
use uuid::Uuid;

fn amqp_url() -> String {
    std::env::var("TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

async fn count(state: &AppState, sql: &str) -> i64 {
    let mut rc = state.db.read().await.unwrap();
    rc.conn()
        .fetch_one(sql, &[])
        .await
        .unwrap()
        .i64("n")
        .unwrap()
}

async fn publisher_rate(name: &str, url: String, events: usize, broker: &Connection) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    support::write_listing_log(&db, &Projections::standard(), events).await;
    db.close().await;

    // A durable queue bound to everything, as a consumer would have: the broker stores each
    // persistent message before it confirms it.
    let exchange = format!("techmarket.bench.{}", Uuid::new_v4().simple());
    let channel = broker.create_channel().await.unwrap();
    channel
        .exchange_declare(
            exchange.as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let queue = format!("{exchange}.all");
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.as_str().into(),
            exchange.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    // The service's other followers (the search index above all) catch up on the fresh log
    // first, in a run without the broker, so that the publisher is timed on its own.
    let quiet = Application::build(support::settings(url.clone(), dir.path()))
        .await
        .unwrap();
    let (state, handle) = (quiet.state.clone(), quiet.handle());
    tokio::spawn(quiet.run_until_stopped());
    let head = {
        let mut rc = state.db.read().await.unwrap();
        techmarket::store::log::head(&mut rc.conn()).await.unwrap()
    };
    assert!(state.search.wait_for(head, Duration::from_secs(600)).await);
    let _ = state.shutdown.send(true);
    handle.stop(true).await;
    state.db.close().await;
    drop(state);

    let mut settings = support::settings(url, dir.path());
    settings.rabbitmq_url = Some(secrecy::SecretString::from(amqp_url()));
    settings.rabbitmq_exchange = exchange.clone();
    let app = Application::build(settings).await.unwrap();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let t = Instant::now();
    let mut first = None;
    loop {
        let at = count(
            &state,
            "SELECT COALESCE(MAX(position), 0) AS n FROM broker_publishers",
        )
        .await;
        if at > 0 && first.is_none() {
            first = Some(t.elapsed());
        }
        if at >= head {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "stuck at {at} of {head}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = t.elapsed();
    let queued = channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap()
        .message_count();
    println!(
        "{name:<9} RabbitMQ publisher: {events} events in {took:.2?} after the service started: {:.0} events/s (first page confirmed after {:.0?}); the queue holds {queued}",
        events as f64 / took.as_secs_f64(),
        first.unwrap_or_default()
    );
    assert!(queued as usize >= events, "every event is in the queue");
    let _ = state.shutdown.send(true);
    let _ = channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await;
    let _ = channel
        .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
        .await;
}

/// Listings created, submitted and published through the command path, `concurrency` at a
/// time, on a fresh store; the notification follower and the mail sender run when `notify`.
async fn command_rate(name: &str, url: String, n: usize, notify: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = support::settings(url, dir.path());
    settings.notifications = notify;
    let app = Application::build(settings).await.unwrap();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());

    let input: ListingInput = serde_json::from_value(support::listing_body(0)).unwrap();
    let content = ListingContent::parse(input, &state.refs).unwrap();
    let owner = Actor {
        user_id: Uuid::now_v7(),
        role: Role::Researcher,
        organization_id: None,
    };
    let reviewer = Actor {
        user_id: Uuid::now_v7(),
        role: Role::TechManager,
        organization_id: None,
    };
    let permits = Arc::new(Semaphore::new(8));
    let t = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (state, content) = (state.clone(), content.clone());
        tasks.push(tokio::spawn(async move {
            let id = Uuid::now_v7();
            let listings = &state.aggregates.listings;
            for (actor, action) in [
                (owner, ListingAction::Create(content)),
                (owner, ListingAction::Submit),
                (reviewer, ListingAction::Publish),
            ] {
                listings
                    .execute(id, None, Command::new(actor, Utc::now(), action))
                    .await
                    .map_err(|e| e.to_string())
                    .unwrap();
            }
            drop(permit);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let took = t.elapsed();
    let mut behind = String::new();
    if notify {
        let caught_up = Instant::now();
        while count(&state, "SELECT COUNT(*) AS n FROM notifications").await < n as i64 {
            assert!(caught_up.elapsed() < Duration::from_secs(300));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        behind = format!("; every notification in {:.0?} more", caught_up.elapsed());
    }
    println!(
        "{name:<9} command path, notifications {}: {:.0} listings published/s ({n} × create, submit, publish){behind}",
        if notify { "on " } else { "off" },
        n as f64 / took.as_secs_f64(),
    );
    let _ = state.shutdown.send(true);
}

#[tokio::main]
async fn main() {
    let events: usize = support::number("--events", 50_000);
    let n: usize = support::number("--commands", 1_000);
    let only = support::flag("--only");
    let part = support::flag("--part");
    let commands = part.as_deref() != Some("publisher");
    let publisher = part.as_deref() != Some("commands");
    let broker = match tokio::time::timeout(
        Duration::from_secs(5),
        Connection::connect(&amqp_url(), ConnectionProperties::default()),
    )
    .await
    {
        Ok(Ok(c)) => Some(c),
        _ => {
            println!(
                "RabbitMQ publisher skipped: nothing answers at {}",
                amqp_url()
            );
            None
        }
    };
    if only.as_deref() != Some("postgres") {
        for notify in [false, true].into_iter().filter(|_| commands) {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/commands.sqlite?mode=rwc", dir.path().display());
            command_rate("sqlite", url, n, notify).await;
        }
        if let Some(broker) = broker.as_ref().filter(|_| publisher) {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/log.sqlite?mode=rwc", dir.path().display());
            publisher_rate("sqlite", url, events, broker).await;
        }
    }
    if only.as_deref() != Some("sqlite") {
        for notify in [false, true].into_iter().filter(|_| commands) {
            support::with_scratch_postgres(|url| command_rate("postgres", url, n, notify)).await;
        }
        if let Some(broker) = broker.as_ref().filter(|_| publisher) {
            support::with_scratch_postgres(|url| publisher_rate("postgres", url, events, broker))
                .await;
        }
    }
}

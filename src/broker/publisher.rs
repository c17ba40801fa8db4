//! The RabbitMQ publisher: follows the global log and publishes every entry (as the feed shows
//! it, see [`message`](super::message)) to a durable topic exchange, persistent, with publisher
//! confirms. A page of entries is published, every confirm awaited, and only then the position
//! recorded; a broker that fails or goes away mid-page has the page published again after it
//! reconnects. So delivery is at least once, in log order (one channel, one publisher), and
//! resumes from the recorded position after a restart or an outage. One instance publishes at a
//! time ([`Lease`]); commands never wait for the broker.

use std::time::{Duration, Instant};

use actix_web::web;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::Confirmation;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;

use super::lease::Lease;
use super::message::{Message, FORMAT};
use crate::state::AppState;
use crate::store::log;
use crate::store::StoreError;

/// Entries published between two recorded positions.
const PAGE: i64 = 500;
/// The longest a connect, a declare or a page's confirms may take before the link is dropped.
const PATIENCE: Duration = Duration::from_secs(30);
/// The wait after a first failure, doubled after each further one up to `MAX_RETRY`.
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("the broker refused the entry at position {0}")]
    Refused(i64),
    #[error("the broker did not answer within {PATIENCE:?}")]
    Timeout,
    #[error("an entry could not be written as a message: {0}")]
    Format(#[from] serde_json::Error),
}

async fn patiently<T, E: Into<PublishError>>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, PublishError> {
    match tokio::time::timeout(PATIENCE, f).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(PublishError::Timeout),
    }
}

/// An open connection with a confirming channel on which the exchange is declared.
struct Link {
    connection: Connection,
    channel: Channel,
}

impl Link {
    async fn open(url: &SecretString, exchange: &str) -> Result<Link, PublishError> {
        let connection = patiently(Connection::connect(
            url.expose_secret(),
            ConnectionProperties::default().with_connection_name("techmarket publisher".into()),
        ))
        .await?;
        let channel = patiently(connection.create_channel()).await?;
        patiently(channel.confirm_select(ConfirmSelectOptions::default())).await?;
        patiently(channel.exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        ))
        .await?;
        Ok(Link {
            connection,
            channel,
        })
    }

    async fn close(self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.connection.close(200, "bye".into()),
        )
        .await;
    }

    /// Publishes the messages in order and waits for every confirm. Each publish is polled
    /// once as it is made, which queues its frames (so in order) and returns at the first wait,
    /// for the frames' write; all are then awaited together. Awaiting each write before making
    /// the next publish would cost a round of the client's I/O loop per message.
    async fn publish(&self, exchange: &str, messages: &[Message]) -> Result<(), PublishError> {
        let mut sends = Vec::with_capacity(messages.len());
        for m in messages {
            let mut send = Box::pin(self.channel.basic_publish(
                exchange.into(),
                m.routing_key.as_str().into(),
                BasicPublishOptions::default(),
                &m.body,
                properties(m),
            ));
            let first = match futures::poll!(send.as_mut()) {
                std::task::Poll::Ready(r) => Some(r?),
                std::task::Poll::Pending => None,
            };
            sends.push((m.position, first, send));
        }
        patiently(async {
            for (position, first, send) in sends {
                let confirm = match first {
                    Some(c) => c,
                    None => send.await?,
                };
                match confirm.await? {
                    Confirmation::Ack(_) => {}
                    _ => return Err(PublishError::Refused(position)),
                }
            }
            Ok::<_, PublishError>(())
        })
        .await
    }
}

fn properties(m: &Message) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert("position".into(), AMQPValue::LongLongInt(m.position));
    headers.insert(
        "aggregate_id".into(),
        AMQPValue::LongString(LongString::from(m.aggregate_id.to_string())),
    );
    headers.insert("version".into(), AMQPValue::LongInt(m.version));
    headers.insert("format".into(), AMQPValue::LongLongInt(FORMAT));
    BasicProperties::default()
        .with_message_id(ShortString::from(m.message_id.to_string()))
        .with_content_type("application/json".into())
        .with_delivery_mode(2)
        .with_timestamp(m.timestamp.timestamp().max(0) as u64)
        .with_type(m.routing_key.as_str().into())
        .with_app_id("techmarket".into())
        .with_headers(headers)
}

/// What one round came to.
enum Round {
    /// A page went out and more may be waiting.
    Busy,
    /// Everything settled is published.
    Idle,
    /// Another instance holds the lease.
    Standby,
}

/// How long an idle publisher waits before it looks at the log again, when no command wakes it.
const IDLE: Duration = Duration::from_millis(500);

struct Publisher {
    state: web::Data<AppState>,
    url: SecretString,
    exchange: String,
    lease: Lease,
    /// While this instance holds the lease: where it stands, and when it last renewed.
    held: Option<(i64, Instant)>,
    link: Option<Link>,
}

impl Publisher {
    /// Where to publish from, taking or renewing the lease when due: `None` in standby.
    async fn position(&mut self) -> Result<Option<i64>, PublishError> {
        match self.held {
            Some((position, renewed)) if renewed.elapsed() < self.lease.ttl() / 3 => {
                Ok(Some(position))
            }
            _ => {
                self.held = self
                    .lease
                    .take(&self.state.db)
                    .await?
                    .map(|p| (p, Instant::now()));
                Ok(self.held.map(|(p, _)| p))
            }
        }
    }

    async fn stand_by(&mut self) -> Round {
        self.held = None;
        if let Some(link) = self.link.take() {
            link.close().await;
        }
        Round::Standby
    }

    async fn round(&mut self) -> Result<Round, PublishError> {
        let Some(position) = self.position().await? else {
            return Ok(self.stand_by().await);
        };
        let db = &self.state.db;
        let page = log::page_after(&mut db.read().await?.conn(), position, PAGE).await?;
        let Some(last) = page.entries.last().map(|e| e.position) else {
            return Ok(if page.read_again().await {
                Round::Busy
            } else {
                Round::Idle
            });
        };
        let messages = page
            .entries
            .iter()
            .map(Message::of)
            .collect::<Result<Vec<_>, _>>()?;
        if self.link.is_none() {
            self.link = Some(Link::open(&self.url, &self.exchange).await?);
            tracing::info!(exchange = %self.exchange, position, "publishing the log to RabbitMQ");
        }
        let link = self.link.as_ref().expect("opened above");
        link.publish(&self.exchange, &messages).await?;
        if !self.lease.advance(db, last).await? {
            return Ok(self.stand_by().await);
        }
        self.held = Some((last, Instant::now()));
        Ok(if page.read_again().await {
            Round::Busy
        } else {
            Round::Idle
        })
    }
}

/// The publisher's background task, when `rabbitmq_url` is set; until `shutdown` turns true.
pub async fn run(state: web::Data<AppState>, mut shutdown: watch::Receiver<bool>) {
    let Some(url) = state.settings.rabbitmq_url.clone() else {
        return;
    };
    let mut p = Publisher {
        url,
        exchange: state.settings.rabbitmq_exchange.clone(),
        lease: Lease::new(
            "rabbitmq",
            Duration::from_millis(state.settings.rabbitmq_lease_ms),
        ),
        held: None,
        link: None,
        state,
    };
    let mut retry = FIRST_RETRY;
    while !*shutdown.borrow() {
        let (wait, on_append) = match p.round().await {
            Ok(Round::Busy) => {
                retry = FIRST_RETRY;
                continue;
            }
            Ok(Round::Idle) => {
                retry = FIRST_RETRY;
                (IDLE, true)
            }
            Ok(Round::Standby) => (p.lease.ttl() / 3, false),
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?retry, "publishing to RabbitMQ failed; the page will be published again");
                // A link that failed may be half-open; the next round opens a fresh one, and
                // reads the position afresh.
                p.held = None;
                if let Some(link) = p.link.take() {
                    link.close().await;
                }
                let wait = retry;
                retry = (retry * 2).min(MAX_RETRY);
                (wait, false)
            }
        };
        tokio::select! {
            _ = p.state.appended.notified(), if on_append => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
    if let Some(link) = p.link.take() {
        link.close().await;
    }
    if let Err(e) = p.lease.release(&p.state.db).await {
        tracing::warn!(error = %e, "the RabbitMQ publisher could not let its lease go");
    }
}

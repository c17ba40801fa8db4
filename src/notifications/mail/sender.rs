//! The mail sender: delivers the outbox's pending notifications, over SMTP when `smtp_url` is
//! set, otherwise to `.eml` files under the data directory (so the embedded default shows what
//! would be sent).
//!
//! A batch is first *claimed* in a short transaction that moves its notifications' next
//! attempt a lease ahead (on PostgreSQL skipping rows another instance holds), then sent with no
//! transaction open (an SMTP exchange must not hold the log's followers back), then each outcome
//! is written. Two instances never take the same notification; one that dies mid-batch leaves
//! its claims to run out and be taken again. A failure is retried with a doubling delay; after
//! `mail_max_attempts` the notification is dead, for an operator to list and retry.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::render;
use crate::config::Settings;
use crate::notifications::inbox::link;
use crate::notifications::kinds::Kind;
use crate::state::AppState;
use crate::store::sql::{Arg, Row};
use crate::store::{Db, StoreError};

/// How long a claimed notification is left to its sender before another may take it.
const LEASE: Duration = Duration::from_secs(300);
/// Notifications claimed at a time.
const BATCH: i64 = 50;
/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(3600);

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Transport> {
        Ok(match &settings.smtp_url {
            Some(url) => {
                let url = url.expose_secret();
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(Duration::from_secs(20)));
                if let Some(ca) = &settings.smtp_ca_file {
                    let pem = std::fs::read(ca)
                        .map_err(|e| anyhow::anyhow!("APP_SMTP_CA_FILE {}: {e}", ca.display()))?;
                    if let Some(tls) = tls_trusting(url, &pem)? {
                        builder = builder.tls(tls);
                    }
                }
                Transport::Smtp(builder.build())
            }
            None => {
                let dir = settings.data_dir.join("mail");
                std::fs::create_dir_all(&dir)?;
                Transport::Files(AsyncFileTransport::new(dir))
            }
        })
    }

    async fn send(&self, message: lettre::Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Files(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
        }
    }
}

/// The TLS of `url` (as lettre reads it: `smtps://`, `?tls=required`, `?tls=opportunistic`)
/// trusting the certificate authority in `pem` besides the system's; `None` for plain SMTP.
fn tls_trusting(url: &str, pem: &[u8]) -> anyhow::Result<Option<Tls>> {
    let parsed = url::Url::parse(url)?;
    // lettre takes a file with no certificate in it without complaint; an operator who named
    // the wrong file must hear of it at start, not from every delivery failing.
    if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
        anyhow::bail!("the SMTP CA file holds no PEM certificate");
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("the SMTP URL names no host"))?;
    let parameters = || -> anyhow::Result<TlsParameters> {
        Ok(TlsParameters::builder(host.to_string())
            .add_root_certificate(Certificate::from_pem(pem)?)
            .build()?)
    };
    let mode = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    Ok(match (parsed.scheme(), mode.as_deref()) {
        ("smtps", _) => Some(Tls::Wrapper(parameters()?)),
        (_, Some("required")) => Some(Tls::Required(parameters()?)),
        (_, Some("opportunistic")) => Some(Tls::Opportunistic(parameters()?)),
        _ => None,
    })
}

/// A claimed notification, with what its message needs.
struct Outgoing {
    id: Uuid,
    recipient_id: Uuid,
    kind: String,
    data: serde_json::Value,
    aggregate_type: String,
    aggregate_id: Uuid,
    attempts: i64,
}

impl Outgoing {
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Outgoing {
            id: r.uuid("id")?,
            recipient_id: r.uuid("recipient_id")?,
            kind: r.text("kind")?,
            data: r.json("data")?,
            aggregate_type: r.text("aggregate_type")?,
            aggregate_id: r.uuid("aggregate_id")?,
            attempts: r.i64("mail_attempts")?,
        })
    }
}

async fn claim(db: &Db, now: DateTime<Utc>) -> Result<Vec<Outgoing>, StoreError> {
    let mut tx = db.begin().await?;
    let skip_locked = if tx.conn().is_postgres() {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let lease = chrono::Duration::from_std(LEASE).expect("a short lease");
    let rows = tx
        .conn()
        .fetch_all(
            &format!(
                "UPDATE notifications SET mail_next_at = $2 WHERE id IN (SELECT id FROM notifications \
                 WHERE mail_status = 'pending' AND mail_next_at <= $1 ORDER BY mail_next_at LIMIT $3{skip_locked}) \
                 RETURNING id, recipient_id, kind, data, aggregate_type, aggregate_id, mail_attempts"
            ),
            &[Arg::Time(now), Arg::Time(now + lease), Arg::I64(BATCH)],
        )
        .await?;
    tx.commit().await?;
    rows.iter().map(Outgoing::from_row).collect()
}

/// The delay before attempt `attempts + 1`: the base doubled for each failure so far.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    base.saturating_mul(1u32 << attempts.min(20)).min(MAX_DELAY)
}

/// One sending's outcome, to be written.
struct Outcome {
    id: Uuid,
    /// Attempts before this one.
    attempts: i64,
    result: Result<(), String>,
}

/// Writes a batch's outcomes in one transaction: a commit per message would cost the commands
/// beside it a WAL flush each. A crash before this commit sends the batch again (at least once;
/// the Message-ID lets a receiver tell a repeat).
async fn record(
    db: &Db,
    outcomes: Vec<Outcome>,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let (sent, failed): (Vec<Outcome>, Vec<Outcome>) =
        outcomes.into_iter().partition(|o| o.result.is_ok());
    for o in sent {
        tx.conn()
            .execute(
                "UPDATE notifications SET mail_status = 'sent', mail_attempts = $2, \
                 mail_next_at = NULL, mail_error = NULL WHERE id = $1",
                &[Arg::Uuid(o.id), Arg::I64(o.attempts + 1)],
            )
            .await?;
    }
    for o in failed {
        let attempts = o.attempts + 1;
        let error = o.result.err().unwrap_or_default();
        let dead = attempts >= i64::from(settings.mail_max_attempts);
        let next = (!dead).then(|| {
            let delay = backoff(
                Duration::from_millis(settings.mail_retry_base_ms),
                attempts as u32 - 1,
            );
            now + chrono::Duration::from_std(delay).expect("at most an hour")
        });
        tracing::warn!(notification = %o.id, attempts, dead, %error, "mail not delivered");
        tx.conn()
            .execute(
                "UPDATE notifications SET mail_status = $2, mail_attempts = $3, \
                 mail_next_at = $4, mail_error = $5 WHERE id = $1",
                &[
                    Arg::Uuid(o.id),
                    Arg::Text(if dead { "dead" } else { "pending" }.into()),
                    Arg::I64(attempts),
                    Arg::OptTime(next),
                    Arg::Text(error),
                ],
            )
            .await?;
    }
    tx.commit().await
}

/// The person a message goes to: their address and name, if they can still receive mail.
async fn recipient(db: &Db, id: Uuid) -> Result<Option<Mailbox>, StoreError> {
    let row = db
        .read()
        .await?
        .conn()
        .fetch_optional(
            "SELECT email, display_name FROM users WHERE id = $1 AND status = 'active'",
            &[Arg::Uuid(id)],
        )
        .await?;
    Ok(match row {
        Some(r) => r
            .text("email")?
            .parse()
            .ok()
            .map(|email| Mailbox::new(r.text("display_name").ok(), email)),
        None => None,
    })
}

fn message(settings: &Settings, to: Mailbox, n: &Outgoing) -> Result<lettre::Message, String> {
    let kind = Kind::parse(&n.kind).ok_or_else(|| format!("unknown kind {}", n.kind))?;
    let url = format!(
        "{}{}",
        settings.public_url.trim_end_matches('/'),
        link(&n.aggregate_type, n.aggregate_id)
    );
    let name = to.name.clone().unwrap_or_else(|| to.email.to_string());
    let rendered = render::render(kind, &name, &n.data, &url).map_err(|e| e.to_string())?;
    let from: Mailbox = settings
        .mail_from
        .parse()
        .map_err(|e| format!("mail_from {:?}: {e}", settings.mail_from))?;
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject)
        // The notification's id: a receiver can tell a message it has seen.
        .message_id(Some(format!("<{}@techmarket>", n.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(rendered.text)
        .map_err(|e| e.to_string())
}

/// Messages in flight at once: an SMTP exchange is mostly waiting on round trips, so a batch
/// is sent over several connections side by side (lettre's pool keeps them open).
const IN_FLIGHT: usize = 8;

/// Claims what is due and sends it; how many were claimed.
pub async fn send_due(state: &AppState, transport: &Transport) -> Result<usize, StoreError> {
    use futures::StreamExt;
    let batch = claim(&state.db, state.clock.now()).await?;
    let claimed = batch.len();
    let outcomes: Vec<Outcome> = futures::stream::iter(batch)
        .map(|n| async move {
            let result = match recipient(&state.db, n.recipient_id).await {
                Ok(Some(to)) => match message(&state.settings, to, &n) {
                    Ok(m) => transport.send(m).await,
                    Err(e) => Err(e),
                },
                Ok(None) => Err("the recipient has no active account with a valid address".into()),
                // Not the message's fault: tried again once the database answers.
                Err(e) => Err(format!("the recipient could not be read: {e}")),
            };
            Outcome {
                id: n.id,
                attempts: n.attempts,
                result,
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    record(&state.db, outcomes, &state.settings, state.clock.now()).await?;
    Ok(claimed)
}

/// The sender's background task, until `shutdown` turns true.
pub async fn run(
    state: actix_web::web::Data<AppState>,
    transport: Transport,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let poll = Duration::from_millis(state.settings.mail_poll_ms);
    loop {
        let busy = match send_due(&state, &transport).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "the mail sender could not read the outbox");
                false
            }
        };
        if *shutdown.borrow() {
            return;
        }
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_ca_changes_nothing_for_plain_smtp_and_a_bad_one_is_refused() {
        let pem = b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assert!(tls_trusting("smtp://127.0.0.1:25", pem).unwrap().is_none());
        assert!(tls_trusting("smtp://mx.example.cn:587?tls=required", b"not a PEM").is_err());
        assert!(tls_trusting("not a url", b"").is_err());
    }

    #[test]
    fn the_delay_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 0), Duration::from_secs(30));
        assert_eq!(backoff(base, 1), Duration::from_secs(60));
        assert_eq!(backoff(base, 3), Duration::from_secs(240));
        assert_eq!(backoff(base, 12), MAX_DELAY);
        assert_eq!(backoff(base, 400), MAX_DELAY);
    }
}

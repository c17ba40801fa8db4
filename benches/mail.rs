//! Mail: messages rendered per second from the template, and mail handed to a real SMTP
//! server per second by the service's sender (the outbox filled with pending notifications,
//! then timed until every one is `sent`), on both backends.
//!
//! The SMTP server is the tests' (aiosmtpd in target/smtp-venv; `scripts/test` installs it).
//!
//! Run by hand: `cargo bench --bench mail [-- --messages 5000 --only sqlite]`.

#[path = "../tests/smtp/server.rs"]
mod smtp_server;
#[path = "support/mod.rs"]
mod support;

use smtp_server::{free_port, SmtpServer};

use std::time::{Duration, Instant};

use serde_json::json;
use techmarket::notifications::follower::COLUMNS;
use techmarket::notifications::kinds::Kind;
use techmarket::notifications::mail::render::render;
use techmarket::projections::rows;
use techmarket::startup::Application;
use techmarket::store::sql::Arg;
use uuid::Uuid;

fn render_rate() {
    let n = 20_000;
    let data = json!({"title": "高镍三元锂电池正极材料制备技术", "reasons": ["缺少专利号"]});
    let t = Instant::now();
    let mut bytes = 0;
    for i in 0..n {
        let kind = Kind::ALL[i % Kind::ALL.len()];
        bytes += render(
            kind,
            "李雷",
            &data,
            "https://market.example.cn/api/v1/listings/x",
        )
        .unwrap()
        .text
        .len();
    }
    let took = t.elapsed();
    println!(
        "render    {n} messages in {took:.2?}: {:.0} messages/s ({} bytes on average)",
        n as f64 / took.as_secs_f64(),
        bytes / n
    );
}

async fn send_rate(name: &str, url: String, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let received = dir.path().join("received");
    let smtp = SmtpServer::start(port, &received);

    let mut settings = support::settings(url, dir.path());
    settings.smtp_url = Some(secrecy::SecretString::from(format!(
        "smtp://127.0.0.1:{port}"
    )));
    settings.mail_poll_ms = 20;
    let app = Application::build(settings).await.unwrap();
    let state = app.state.clone();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let token = support::researcher(&client, &base, "mail-bench@example.cn").await;
    let me: serde_json::Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user: Uuid = me["id"].as_str().unwrap().parse().unwrap();

    // The outbox, filled at once: n notifications due now.
    let now = state.clock.now();
    let outbox: Vec<Vec<Arg>> = (0..n)
        .map(|i| {
            vec![
                Arg::Uuid(Uuid::now_v7()),
                Arg::Uuid(user),
                Arg::Text("listing_published".into()),
                Arg::Uuid(Uuid::now_v7()),
                Arg::I64(i as i64 + 1),
                Arg::Text("listing".into()),
                Arg::Uuid(Uuid::now_v7()),
                Arg::Time(now),
                Arg::Json(json!({"title": format!("成果 {i}")})),
                Arg::Text("pending".into()),
                Arg::Time(now),
            ]
        })
        .collect();
    let t = Instant::now();
    let mut tx = state.db.begin().await.unwrap();
    rows::insert_new(&mut tx.conn(), "notifications", COLUMNS, "id", outbox)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    loop {
        let sent = state
            .db
            .read()
            .await
            .unwrap()
            .conn()
            .fetch_one(
                "SELECT COUNT(*) AS n FROM notifications WHERE mail_status = 'sent'",
                &[],
            )
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        if sent as usize >= n {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(600), "only {sent} sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = t.elapsed();
    let files = std::fs::read_dir(&received).unwrap().count();
    println!(
        "{name:<9} {n} messages handed to SMTP in {took:.2?}: {:.0} messages/s (the server kept {files})",
        n as f64 / took.as_secs_f64()
    );
    assert_eq!(files, n, "each message once");
    let _ = state.shutdown.send(true);
    drop(smtp);
}

#[tokio::main]
async fn main() {
    let n: usize = support::number("--messages", 2_000);
    let only = support::flag("--only");
    render_rate();
    if only.as_deref() != Some("postgres") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/mail.sqlite?mode=rwc", dir.path().display());
        send_rate("sqlite", url, n).await;
    }
    if only.as_deref() != Some("sqlite") {
        support::with_scratch_postgres(|url| async move { send_rate("postgres", url, n).await })
            .await;
    }
}

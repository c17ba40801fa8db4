//! Mail: notifications delivered to a real SMTP server on loopback (aiosmtpd, installed by
//! scripts/test into target/smtp-venv), retried while it is away, dead-lettered after the last
//! attempt and sent again when an operator says so; and `.eml` files when no server is set.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use techmarket::domain::Role;

#[path = "../smtp/server.rs"]
mod smtp_server;
use smtp_server::{free_port, SmtpServer};

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, TestUser};

/// A message as a person would read it.
#[derive(Debug)]
struct Mail {
    to: String,
    subject: String,
    text: String,
    message_id: String,
}

/// Every `.eml` in `folder`, parsed; `envelope` when the SMTP server noted the envelope.
fn mails(folder: &Path) -> Vec<Mail> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return out;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("eml") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let m = mail_parser::MessageParser::default()
            .parse(&bytes[..])
            .expect("a well-formed message");
        out.push(Mail {
            to: m
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string(),
            subject: m.subject().unwrap_or_default().to_string(),
            text: m.body_text(0).unwrap_or_default().to_string(),
            message_id: m.message_id().unwrap_or_default().to_string(),
        });
    }
    out
}

/// The mail in `folder` once there are `n`, or a failure after 10 s.
fn wait_for_mail(folder: &Path, n: usize) -> Vec<Mail> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let m = mails(folder);
        if m.len() >= n {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} messages, have {m:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `user`'s newest notification once `ready` holds for it, or a failure after 15 s.
async fn newest_when(app: &TestApp, user: &TestUser, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let v = app.inbox(user, 1).await;
        let n = v["items"][0].clone();
        if ready(&n) {
            return n;
        }
        assert!(Instant::now() < deadline, "still {n}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many times the notification's mail was tried, from the outbox itself.
async fn attempts(app: &TestApp, id: &str) -> i64 {
    app.state
        .db
        .read()
        .await
        .unwrap()
        .conn()
        .fetch_one(
            "SELECT mail_attempts FROM notifications WHERE id = $1",
            &[techmarket::store::sql::Arg::Uuid(id.parse().unwrap())],
        )
        .await
        .unwrap()
        .i64("mail_attempts")
        .unwrap()
}

fn smtp_settings(port: u16, attempts: u32) -> impl FnOnce(&mut techmarket::config::Settings) {
    move |s| {
        s.smtp_url = Some(SecretString::from(format!("smtp://127.0.0.1:{port}")));
        s.mail_max_attempts = attempts;
        s.public_url = "https://market.example.cn".into();
    }
}

/// The port the app's `smtp_url` names.
fn smtp_port(app: &TestApp) -> u16 {
    use secrecy::ExposeSecret;
    let url = app
        .settings
        .smtp_url
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_string();
    url.rsplit(':').next().unwrap().parse().unwrap()
}

both!(
    a_notification_reaches_the_smtp_server_with_its_recipient_subject_and_text,
    settings => smtp_settings(free_port(), 8),
    |app: TestApp| async move {
        let folder = app.settings.data_dir.join("received");
        let _server = SmtpServer::start(smtp_port(&app), &folder);
        let owner = app.user(Role::Researcher, None).await;
        let listing = app
            .published(&owner, &listing_body("钠离子电池负极材料"))
            .await;
        let got = wait_for_mail(&folder, 1);
        assert_eq!(got.len(), 1, "{got:?}");
        let m = &got[0];
        assert_eq!(m.to, owner.email);
        assert_eq!(
            m.subject,
            "【技术市场】成果已发布：钠离子电池负极材料 / Your listing is published"
        );
        let link = format!("https://market.example.cn/api/v1/listings/{listing}");
        assert!(m.text.contains("成果已发布：钠离子电池负极材料。"), "{}", m.text);
        assert!(m.text.contains("Your listing is published: 钠离子电池负极材料."));
        assert_eq!(m.text.matches(&link).count(), 2, "{}", m.text);
        let n = newest_when(&app, &owner, |n| n["mail_status"] == "sent").await;
        assert_eq!(m.message_id, format!("{}@techmarket", n["id"].as_str().unwrap()));
        // Sent once: nothing more arrives.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(mails(&folder).len(), 1);
    }
);

both!(
    mail_waits_while_the_server_is_away_and_is_delivered_when_it_is_back,
    settings => smtp_settings(free_port(), 8),
    |app: TestApp| async move {
        let folder = app.settings.data_dir.join("received");
        let owner = app.user(Role::Researcher, None).await;
        app.published(&owner, &listing_body("固态电解质")).await;
        // Nothing listens: the command succeeded all the same, and the mail is tried again.
        let n = newest_when(&app, &owner, |n| n["kind"] == "listing_published").await;
        let id = n["id"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(10);
        while attempts(&app, &id).await < 2 {
            assert!(Instant::now() < deadline, "never retried");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            newest_when(&app, &owner, |_| true).await["mail_status"],
            "pending"
        );
        let _server = SmtpServer::start(smtp_port(&app), &folder);
        let got = wait_for_mail(&folder, 1);
        assert_eq!(got[0].to, owner.email);
        newest_when(&app, &owner, |n| n["mail_status"] == "sent").await;
    }
);

both!(
    mail_that_fails_every_attempt_is_dead_until_an_operator_sends_it_again,
    settings => smtp_settings(free_port(), 2),
    |app: TestApp| async move {
        let folder = app.settings.data_dir.join("received");
        let owner = app.user(Role::Researcher, None).await;
        app.published(&owner, &listing_body("工业机器人减速器")).await;
        let n = newest_when(&app, &owner, |n| n["mail_status"] == "dead").await;
        let id = n["id"].as_str().unwrap().to_string();
        assert_eq!(attempts(&app, &id).await, 2);

        let admin = app.admin().await;
        let (s, v) = json_of(app.get("/api/v1/admin/mail/dead", Some(&admin.token)).await).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["items"][0]["id"], id.as_str());
        assert!(v["items"][0]["error"].as_str().unwrap().len() > 3, "{v}");
        // Only platform admins see dead mail or retry it.
        assert_eq!(
            app.get("/api/v1/admin/mail/dead", Some(&owner.token))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let retry = format!("/api/v1/admin/mail/{id}/retry");
        assert_eq!(
            app.post(&retry, Some(&owner.token), None).await.status(),
            StatusCode::FORBIDDEN
        );
        let unknown = format!("/api/v1/admin/mail/{}/retry", uuid::Uuid::now_v7());
        assert_eq!(
            app.post(&unknown, Some(&admin.token), None).await.status(),
            StatusCode::NOT_FOUND
        );

        let _server = SmtpServer::start(smtp_port(&app), &folder);
        // Dead stays dead while nobody acts, server or no server.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(mails(&folder).is_empty());
        assert_eq!(
            app.post(&retry, Some(&admin.token), None).await.status(),
            StatusCode::ACCEPTED
        );
        let got = wait_for_mail(&folder, 1);
        assert_eq!(got[0].to, owner.email);
        newest_when(&app, &owner, |n| n["mail_status"] == "sent").await;
        let (_, v) = json_of(app.get("/api/v1/admin/mail/dead", Some(&admin.token)).await).await;
        assert_eq!(v["items"], serde_json::json!([]));
        // Retrying what is not dead is nothing to retry.
        assert_eq!(
            app.post(&retry, Some(&admin.token), None).await.status(),
            StatusCode::NOT_FOUND
        );
    }
);

both!(
    without_an_smtp_server_mail_is_written_to_files,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        app.published(&owner, &listing_body("柑橘保鲜")).await;
        let got = wait_for_mail(&app.settings.data_dir.join("mail"), 1);
        assert_eq!(got[0].to, owner.email);
        assert!(got[0].subject.contains("柑橘保鲜"), "{got:?}");
        assert!(got[0].text.contains("Dear "));
        newest_when(&app, &owner, |n| n["mail_status"] == "sent").await;
    }
);

both!(
    two_instances_on_one_database_send_each_message_once,
    settings => smtp_settings(free_port(), 8),
    |app: TestApp| async move {
        let folder = app.settings.data_dir.join("received");
        let _server = SmtpServer::start(smtp_port(&app), &folder);
        // Both instances follow the log and both send mail.
        let twin = app.twin().await;
        let owner = app.user(Role::Researcher, None).await;
        const N: usize = 24;
        for i in 0..N {
            // Half the commands through each instance.
            let on = if i % 2 == 0 { &app } else { &twin };
            on.published(&owner, &listing_body(&format!("成果{i}"))).await;
        }
        let got = wait_for_mail(&folder, N);
        // Let both senders go round a few more times: nothing more may arrive.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got_after = mails(&folder);
        assert_eq!(got_after.len(), N, "{got:?}");
        let ids: std::collections::HashSet<&str> =
            got_after.iter().map(|m| m.message_id.as_str()).collect();
        assert_eq!(ids.len(), N, "a message was sent twice");
        assert!(got_after.iter().all(|m| m.to == owner.email));
        let inbox = app.inbox(&owner, N).await;
        assert_eq!(inbox["items"].as_array().unwrap().len(), N);
        drop(twin);
    }
);

/// A self-signed certificate for `localhost` (and 127.0.0.1) in `dir`: its (cert, key) files.
/// Not a CA, so that rustls takes it as a trust anchor for itself.
fn self_signed(dir: &Path) -> (String, String) {
    let (cert, key) = (dir.join("smtp-cert.pem"), dir.join("smtp-key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl makes the test certificate");
    assert!(status.success());
    (
        cert.to_string_lossy().into_owned(),
        key.to_string_lossy().into_owned(),
    )
}

/// The headers `sink.py` wrote before each kept message, for the one in `folder`.
fn session_of(folder: &Path) -> String {
    let path = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().and_then(|x| x.to_str()) == Some("eml"))
        .unwrap();
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    text.lines()
        .filter(|l| l.starts_with("X-Session-"))
        .collect::<Vec<_>>()
        .join("; ")
}

both!(
    mail_goes_over_starttls_with_credentials_to_a_server_of_a_private_ca,
    settings => smtp_settings(free_port(), 8),
    |app: TestApp| async move {
        let port = smtp_port(&app);
        let (cert, key) = self_signed(&app.settings.data_dir);
        let folder = app.settings.data_dir.join("received");
        let _server =
            SmtpServer::start_with(port, &folder, &["--tls", &cert, &key, "--auth", "notices:s3cret"]);
        // The sender, with the credentials, STARTTLS required and the private CA trusted.
        let sender = app
            .twin_with(|s| {
                s.smtp_url = Some(SecretString::from(format!(
                    "smtp://notices:s3cret@localhost:{port}?tls=required"
                )));
                s.smtp_ca_file = Some(cert.clone().into());
            })
            .await;
        // The first instance knows neither: its attempts fail and leave the mail to be retried,
        // and only the sender's can succeed.
        let owner = app.user(Role::Researcher, None).await;
        app.published(&owner, &listing_body("氢燃料电池双极板")).await;
        let got = wait_for_mail(&folder, 1);
        assert_eq!(got[0].to, owner.email);
        assert_eq!(session_of(&folder), "X-Session-TLS: yes; X-Session-User: notices");
        newest_when(&app, &owner, |n| n["mail_status"] == "sent").await;
        sender.state.shutdown.send_replace(true);
    }
);

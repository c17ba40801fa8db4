//! The database goes away (issue 10, item 5): while PostgreSQL cannot be reached, every request
//! fails fast with 503 problem+json and `Retry-After` (never 500, never a hang), `/readyz`
//! answers 503 within a second, the service recovers by itself when the database is back, and
//! nothing acknowledged is lost.
//!
//! The machine's PostgreSQL is shared by every other test, so it is never stopped here: the app
//! reaches it through a [`Proxy`] that the test cuts and restores.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use techmarket::domain::Role;
use uuid::Uuid;

use crate::helpers::{listing_body, spawn_pg_app_at, TestApp};
use crate::proxy::Proxy;

/// The URL that reaches `url`'s database through this proxy; forwards to `url`'s host.
///
/// Without TLS: with the native-tls backend that esrs brings in, every new connection under
/// the default `sslmode=prefer` parses the system's CA bundle on the calling thread (about
/// 110 ms of CPU here), and the pool refilling after the link is restored would measure
/// that rather than how the service rides out the outage (see the README).
fn in_front_of(proxy: &Proxy, url: &str) -> String {
    let (through, upstream) = through(url, proxy.addr());
    proxy.forward_to(upstream);
    let separator = if through.contains('?') { '&' } else { '?' };
    format!("{through}{separator}sslmode=disable")
}

/// `postgres://user@host:port/db` with `host:port` replaced by `addr`; also the old `host:port`.
fn through(url: &str, addr: SocketAddr) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((user, hp)) => (format!("{user}@"), hp),
        None => (String::new(), authority),
    };
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    };
    (format!("{scheme}://{user}{addr}/{path}"), hostport)
}

#[derive(Debug)]
struct Seen {
    /// The phase when the request was sent, and when its answer had arrived.
    phase: u8,
    phase_at_end: u8,
    what: &'static str,
    status: StatusCode,
    elapsed: Duration,
    problem_type: Option<String>,
    content_type: Option<String>,
    retry_after: Option<String>,
}

const BEFORE: u8 = 0;
const CUT: u8 = 1;
const RESTORED: u8 = 2;
const STOP: u8 = 3;

async fn observe(
    phases: &AtomicU8,
    what: &'static str,
    request: crate::helpers::TestRequest,
) -> (Seen, Option<Value>) {
    let phase = phases.load(Ordering::SeqCst);
    let started = Instant::now();
    let r = request
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .expect("the server answers (a hang would time out here)");
    let status = r.status();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, retry_after) = (header("content-type"), header("retry-after"));
    let body: Option<Value> = r.json().await.ok();
    let elapsed = started.elapsed();
    let phase_at_end = phases.load(Ordering::SeqCst);
    let problem_type = body
        .as_ref()
        .and_then(|b| b["type"].as_str())
        .map(str::to_string);
    (
        Seen {
            phase,
            phase_at_end,
            what,
            status,
            elapsed,
            problem_type,
            content_type,
            retry_after,
        },
        body,
    )
}

/// One client: creates draft listings and reads them back, and reads the catalogue, until told
/// to stop. Returns what it saw and the ids of the listings whose creation was acknowledged.
async fn client(
    app: Arc<TestApp>,
    token: String,
    phase: Arc<AtomicU8>,
    acknowledged: Arc<Mutex<Vec<Uuid>>>,
    n: usize,
) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut mine: Option<Uuid> = None;
    for i in 0.. {
        if phase.load(Ordering::SeqCst) == STOP || i > 10_000 {
            break;
        }
        let body = listing_body(&format!("断网演练 {n}-{i} 锂电池正极材料"));
        let (s, v) = observe(
            &phase,
            "POST /listings",
            app.client
                .post(app.url("/api/v1/listings"))
                .bearer_auth(&token)
                .json(&body),
        )
        .await;
        if s.status.is_success() {
            let id: Uuid = v.unwrap()["id"].as_str().unwrap().parse().unwrap();
            acknowledged.lock().unwrap().push(id);
            mine = Some(id);
        }
        seen.push(s);
        if let Some(id) = mine {
            let (s, _) = observe(
                &phase,
                "GET /listings/{id}",
                app.client
                    .get(app.url(&format!("/api/v1/listings/{id}")))
                    .bearer_auth(&token),
            )
            .await;
            seen.push(s);
        }
        let (s, _) = observe(
            &phase,
            "GET /listings",
            app.client.get(app.url("/api/v1/listings?limit=5")),
        )
        .await;
        seen.push(s);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    seen
}

/// A 503 as the issue asks for it: problem+json of type unavailable, with `Retry-After`.
fn is_proper_503(s: &Seen) -> bool {
    s.status == StatusCode::SERVICE_UNAVAILABLE
        && s.content_type.as_deref() == Some("application/problem+json")
        && s.problem_type.as_deref() == Some("/problems/unavailable")
        && s.retry_after
            .as_deref()
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|secs| (1..=30).contains(&secs))
}

async fn readyz(app: &TestApp, phase: &AtomicU8) -> Seen {
    observe(phase, "GET /readyz", app.client.get(app.url("/readyz")))
        .await
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_unreachable_requests_fail_fast_with_503_and_recover() {
    let proxy = Proxy::start().await;
    let Some(app) = spawn_pg_app_at(
        |direct| in_front_of(&proxy, direct),
        |settings| settings.db_acquire_timeout_ms = 1500,
    )
    .await
    else {
        return;
    };
    let _keep = app.keep_alive();
    let app = Arc::new(app);
    let owner = app.user(Role::Researcher, None).await;
    let phase = Arc::new(AtomicU8::new(BEFORE));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..4)
        .map(|n| {
            tokio::spawn(client(
                app.clone(),
                owner.token.clone(),
                phase.clone(),
                acknowledged.clone(),
                n,
            ))
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(readyz(&app, &phase).await.status, StatusCode::OK);

    // The database goes away: open connections die, new ones hang.
    phase.store(CUT, Ordering::SeqCst);
    proxy.cut();
    let mut probes = Vec::new();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        probes.push(readyz(&app, &phase).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // It comes back: the service recovers by itself.
    phase.store(RESTORED, Ordering::SeqCst);
    proxy.restore();
    let back = Instant::now();
    loop {
        let r = readyz(&app, &phase).await;
        if r.status == StatusCode::OK {
            break;
        }
        probes.push(r);
        assert!(
            back.elapsed() < Duration::from_secs(20),
            "/readyz did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let every client get a few requests through the restored link.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    phase.store(STOP, Ordering::SeqCst);
    let mut seen = Vec::new();
    for c in clients {
        seen.push(c.await.unwrap());
    }

    for p in &probes {
        assert!(is_proper_503(p), "{p:?}");
        assert!(
            p.elapsed < Duration::from_secs(1),
            "/readyz was slow: {p:?}"
        );
    }
    let all: Vec<&Seen> = seen.iter().flatten().collect();
    for s in &all {
        assert!(
            s.elapsed < Duration::from_secs(3),
            "a request took too long: {s:?}"
        );
        if s.phase_at_end == BEFORE {
            assert!(s.status.is_success(), "{s:?}");
        } else {
            assert!(s.status.is_success() || is_proper_503(s), "{s:?}");
        }
    }
    let count = |phase: u8, ok: bool| {
        all.iter()
            .filter(|s| s.phase == phase && s.status.is_success() == ok)
            .count()
    };
    eprintln!(
        "before: {} ok; cut: {} ok, {} 503; restored: {} ok, {} 503; readyz 503s: {}",
        count(BEFORE, true),
        count(CUT, true),
        count(CUT, false),
        count(RESTORED, true),
        count(RESTORED, false),
        probes.len()
    );
    assert!(count(BEFORE, true) > 0);
    for what in ["POST /listings", "GET /listings"] {
        assert!(
            all.iter()
                .any(|s| s.phase == CUT && s.what == what && is_proper_503(s)),
            "{what} never answered 503 while the database was away"
        );
    }
    for (n, client) in seen.iter().enumerate() {
        assert!(
            client
                .iter()
                .any(|s| s.phase == RESTORED && s.status.is_success()),
            "client {n} never recovered"
        );
        let last = client.iter().rev().find(|s| s.what == "POST /listings");
        assert!(
            last.is_some_and(|s| s.status.is_success()),
            "client {n} could not write again: {last:?}"
        );
    }

    // Every write acknowledged before, during and after is there.
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(!acknowledged.is_empty());
    for id in &acknowledged {
        let r = app
            .get(&format!("/api/v1/listings/{id}"), Some(&owner.token))
            .await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "acknowledged listing {id} is lost"
        );
    }
    let mut rc = app.state.db.read().await.unwrap();
    let stored = rc
        .conn()
        .fetch_one(
            "SELECT COUNT(DISTINCT aggregate_id) AS n FROM listing_events",
            &[],
        )
        .await
        .unwrap()
        .i64("n")
        .unwrap();
    assert!(stored as usize >= acknowledged.len());
}

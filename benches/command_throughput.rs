//! Command throughput: listings created per second, through the command path (aggregate →
//! esrs event store → global log → inline projection, one transaction each) and over HTTP
//! (the same plus JSON, auth and actix), on SQLite and on PostgreSQL.
//!
//! Run by hand: `cargo bench --bench command_throughput` (optionally `-- 5000` for the count).
//! It prints its figures; nothing asserts on them.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use techmarket::domain::listing::{ListingAction, ListingContent, ListingInput};
use techmarket::domain::{Actor, Command, Role};
use techmarket::startup::Application;
use techmarket::state::AppState;
use tokio::sync::Semaphore;
use uuid::Uuid;

const CONCURRENCY: [usize; 2] = [1, 8];

use support::listing_body as body;

use support::settings;

async fn command_path(state: Arc<AppState>, n: usize, concurrency: usize) -> f64 {
    let input: ListingInput = serde_json::from_value(body(0)).unwrap();
    let content = ListingContent::parse(input, &state.refs).unwrap();
    let actor = Actor {
        user_id: Uuid::now_v7(),
        role: Role::Researcher,
        organization_id: None,
    };
    let permits = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let state = state.clone();
        let content = content.clone();
        tasks.push(tokio::spawn(async move {
            let cmd = Command::new(actor, Utc::now(), ListingAction::Create(content));
            state
                .aggregates
                .listings
                .execute(Uuid::now_v7(), None, cmd)
                .await
                .map_err(|e| e.to_string())
                .unwrap();
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn over_http(address: &str, token: &str, n: usize, concurrency: usize) -> f64 {
    let client = reqwest::Client::new();
    let permits = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (client, url, token) = (
            client.clone(),
            format!("{address}/api/v1/listings"),
            token.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body(i))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn run_backend(name: &str, url: String, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(
        AppState::open(settings(url.clone(), dir.path()))
            .await
            .unwrap(),
    );
    for c in CONCURRENCY {
        let rate = command_path(state.clone(), n, c).await;
        println!(
            "{name:<9} command path  concurrency {c:>2}: {rate:>8.0} listings/s ({n} creates)"
        );
    }

    // The server opens the same data folder, whose search index one process holds at a time:
    // let go of the command path's state (and its index writer) first.
    drop(state);
    let app = Application::build(settings(url, dir.path())).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let token = support::researcher(&client, &address, "bench@example.cn").await;
    for c in CONCURRENCY {
        let rate = over_http(&address, &token, n, c).await;
        println!("{name:<9} over HTTP     concurrency {c:>2}: {rate:>8.0} listings/s ({n} POST /listings)");
    }

    let mut rc = state.db.read().await.unwrap();
    let head = techmarket::store::log::head(&mut rc.conn()).await.unwrap();
    let started = Instant::now();
    let report = techmarket::projections::rebuild::rebuild(&state.db, &state.projections)
        .await
        .unwrap();
    println!(
        "{name:<9} rebuild of {} events (log head {head}): {:.2?}",
        report.events,
        started.elapsed()
    );
    handle.stop(true).await;
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    println!(
        "techmarket command throughput, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let dir = tempfile::tempdir().unwrap();
    run_backend(
        "sqlite",
        format!("sqlite://{}/bench.sqlite?mode=rwc", dir.path().display()),
        n,
    )
    .await;

    support::with_scratch_postgres(|url| run_backend("postgres", url, n)).await;
}

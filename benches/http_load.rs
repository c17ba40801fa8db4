//! HTTP under load, open loop: the service runs as its own process (the release binary, as a
//! user starts it), and requests are sent at a fixed rate whatever the answers do, each timed
//! from the moment it was due, not from when it could be sent, so a slow server shows as
//! latency instead of hiding behind fewer requests (no coordinated omission). For each route:
//! requests/s achieved, p50/p99/max, errors, the server's CPU (per cent of one core) and its
//! peak resident memory.
//!
//! Routes: `GET /listings/{id}`, `GET /listings?q=` (search over 2,000 published listings) and
//! `POST /listings` (a command), in that order.
//! Each runs first closed-loop for a few seconds to find what the machine can do, then open-loop
//! at 80% of that for the set duration.
//!
//! Run by hand: `cargo bench --bench http_load [-- --seconds 30 --only postgres]`.

#[path = "support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

/// Requests in flight beyond which a due request is counted as an error instead of sent.
const MAX_IN_FLIGHT: usize = 2048;

fn body(i: usize) -> Value {
    let topics = [
        "锂电池正极材料",
        "钠离子电池",
        "石墨烯导热膜",
        "工业机器人减速器",
        "基因检测试剂盒",
    ];
    // The shared listing under varied titles, so searches find different sets.
    let mut b = support::listing_body(i);
    b["title"] = json!(format!("{} 制备技术 {i}", topics[i % topics.len()]));
    b
}

#[derive(Clone)]
enum Route {
    Create,
    Search,
    Get(Arc<Vec<Uuid>>),
}

impl Route {
    fn name(&self) -> &'static str {
        match self {
            Route::Create => "POST /listings",
            Route::Search => "GET /listings?q=",
            Route::Get(_) => "GET /listings/{id}",
        }
    }

    async fn send(&self, client: &reqwest::Client, base: &str, token: &str, i: usize) -> bool {
        let r = match self {
            Route::Create => {
                client
                    .post(format!("{base}/api/v1/listings"))
                    .bearer_auth(token)
                    .json(&body(i))
                    .send()
                    .await
            }
            Route::Search => {
                let words = ["锂电池", "电池", "石墨烯", "机器人", "试剂盒", "正极材料"];
                client
                    .get(format!("{base}/api/v1/listings"))
                    .query(&[("q", words[i % words.len()])])
                    .bearer_auth(token)
                    .send()
                    .await
            }
            Route::Get(ids) => {
                client
                    .get(format!("{base}/api/v1/listings/{}", ids[i % ids.len()]))
                    .bearer_auth(token)
                    .send()
                    .await
            }
        };
        match r {
            Ok(r) => {
                let ok = r.status().is_success();
                let _ = r.bytes().await;
                ok
            }
            Err(_) => false,
        }
    }
}

/// Closed loop with `concurrency` clients for `seconds`: requests/s.
async fn capacity(
    route: &Route,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    seconds: u64,
) -> f64 {
    let done = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..16 {
        let (route, client, base, token, done) = (
            route.clone(),
            client.clone(),
            base.to_string(),
            token.to_string(),
            done.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = w * 1_000_000;
            while Instant::now() < until {
                route.send(&client, &base, &token, i).await;
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

struct Outcome {
    sent: usize,
    errors: usize,
    latencies: Vec<Duration>,
    wall: Duration,
}

/// Open loop at `rate` requests/s for `seconds`.
async fn open_loop(
    route: &Route,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    rate: f64,
    seconds: u64,
) -> Outcome {
    let total = (rate * seconds as f64) as usize;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    let mut refused = 0;
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            refused += 1;
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (route, client, base, token, in_flight) = (
            route.clone(),
            client.clone(),
            base.to_string(),
            token.to_string(),
            in_flight.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let ok = route.send(&client, &base, &token, 10_000_000 + i).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            (ok, due.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut errors = refused;
    for t in tasks {
        let (ok, latency) = t.await.unwrap();
        if !ok {
            errors += 1;
        }
        latencies.push(latency);
    }
    latencies.sort();
    Outcome {
        sent: total,
        errors,
        latencies,
        wall: started.elapsed(),
    }
}

fn pct(v: &[Duration], p: f64) -> String {
    if v.is_empty() {
        return "-".into();
    }
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    format!("{:.1} ms", v[i].as_secs_f64() * 1000.0)
}

async fn run(name: &str, url: &str, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let server = support::Server::start(url, dir.path());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .build()
        .unwrap();
    let base = server.base.clone();
    server.ready(&client).await;
    let token = support::researcher(&client, &base, "load@example.cn").await;
    // A reviewer, added by an operator as the README says, to publish what is to be read.
    support::add_user(url, dir.path(), "tm@example.cn", "tech_manager");
    let reviewer = support::login(&client, &base, "tm@example.cn").await;
    // Something to read: 2,000 published listings.
    let mut ids = Vec::new();
    for i in 0..2000 {
        let v: Value = client
            .post(format!("{base}/api/v1/listings"))
            .bearer_auth(&token)
            .json(&body(i))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = v["id"].as_str().unwrap().parse::<Uuid>().unwrap();
        for (verb, who) in [("submit", &token), ("publish", &reviewer)] {
            let r = client
                .post(format!("{base}/api/v1/listings/{id}/{verb}"))
                .bearer_auth(who)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{verb}: {}", r.status());
        }
        ids.push(id);
    }
    // Reads first: after tens of thousands of creates the search index is seconds behind, and
    // searches would measure its catching up (they wait for it) rather than searching.
    let routes = [Route::Get(Arc::new(ids)), Route::Search, Route::Create];
    println!("\n{name}: open loop at 80% of the closed-loop capacity, {seconds} s a route");
    println!("| route | capacity (closed loop) | offered | achieved | p50 | p99 | max | errors | server CPU | server peak RSS |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for route in &routes {
        let cap = capacity(route, &client, &base, &token, 5).await;
        let rate = (cap * 0.8).max(1.0);
        let (cpu0, _) = server.usage();
        let o = open_loop(route, &client, &base, &token, rate, seconds).await;
        let (cpu1, rss) = server.usage();
        let achieved = (o.sent - o.errors) as f64 / o.wall.as_secs_f64();
        println!(
            "| {} | {cap:.0}/s | {rate:.0}/s | {achieved:.0}/s | {} | {} | {} | {} of {} | {:.0}% | {rss:.0} MiB |",
            route.name(),
            pct(&o.latencies, 0.50),
            pct(&o.latencies, 0.99),
            pct(&o.latencies, 1.0),
            o.errors,
            o.sent,
            (cpu1 - cpu0) / o.wall.as_secs_f64() * 100.0,
        );
    }
}

#[tokio::main]
async fn main() {
    let seconds: u64 = support::number("--seconds", 30);
    let only = support::flag("--only");
    println!(
        "techmarket HTTP under load: {} cores, load generator in this process, server the release binary",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    if only.as_deref() != Some("postgres") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/load.sqlite?mode=rwc", dir.path().display());
        run("sqlite", &url, seconds).await;
    }
    if only.as_deref() != Some("sqlite") {
        support::with_scratch_postgres(|url| async move { run("postgres", &url, seconds).await })
            .await;
    }
}

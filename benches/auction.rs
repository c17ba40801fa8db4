//! Bids under contention: one auction, 50 registered bidders bidding at once, each raising the
//! price as fast as the service answers. The service runs as its own process (the release
//! binary), over HTTP. Prints bids decided per second (accepted and refused as too low, which
//! is what losing a race to a higher bid means), the latency p50/p99/max of a bid, and checks
//! that the sale holds exactly the bids that were accepted.
//!
//! Run by hand: `cargo bench --bench auction [-- --bidders 50 --bids 20 --only sqlite]`.

#[path = "support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const PRICE: i64 = 100_000_000;
const INCREMENT: i64 = 10_000;

async fn post(client: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let r = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn cli(url: &str, dir: &std::path::Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_techmarket"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("APP_DATA_DIR", dir)
        .env("RUST_LOG", "error")
        .env("TECHMARKET_PASSWORD", support::PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn run(name: &str, url: String, bidders: usize, bids_each: usize) {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    // The accounts first, with the service's own command line, before it runs.
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let admin = format!("admin-{tag}@bench.cn");
    let reviewer = format!("reviewer-{tag}@bench.cn");
    cli(
        &url,
        dir.path(),
        &["user", "add", "--email", &admin, "--role", "platform_admin"],
    );
    cli(
        &url,
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            &reviewer,
            "--role",
            "tech_manager",
        ],
    );
    let server = support::Server::start(&url, dir.path());
    server.ready(&client).await;
    let base = format!("{}/api/v1", server.base);
    let admin_token = support::login(&client, &server.base, &admin).await;
    let mut tokens = Vec::with_capacity(bidders);
    for i in 0..bidders {
        let (_, org) = post(
            &client,
            format!("{base}/organizations"),
            &admin_token,
            json!({"name": format!("竞买企业{i}-{tag}"), "party_nature": "150", "region": "500112"}),
        )
        .await;
        let org = org["id"].as_str().expect("an organization").to_string();
        let email = format!("bidder{i}-{tag}@bench.cn");
        cli(
            &url,
            dir.path(),
            &[
                "user",
                "add",
                "--email",
                &email,
                "--role",
                "enterprise",
                "--organization",
                &org,
            ],
        );
        tokens.push(support::login(&client, &server.base, &email).await);
    }

    // A published listing in auction mode, and its auction starting in a few seconds.
    let owner = support::researcher(&client, &server.base, &format!("owner-{tag}@bench.cn")).await;
    let mut body = support::listing_body(0);
    body["pricing_mode"] = json!("auction");
    body.as_object_mut().unwrap().remove("asking_price_fen");
    let (s, listing) = post(&client, format!("{base}/listings"), &owner, body).await;
    assert_eq!(s, 201, "{listing}");
    let lid = listing["id"].as_str().unwrap().to_string();
    post(
        &client,
        format!("{base}/listings/{lid}/submit"),
        &owner,
        json!(null),
    )
    .await;
    let reviewer_token = support::login(&client, &server.base, &reviewer).await;
    let (s, v) = post(
        &client,
        format!("{base}/listings/{lid}/publish"),
        &reviewer_token,
        json!(null),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let starts = chrono::Utc::now() + chrono::Duration::seconds(5);
    let (s, sale) = post(
        &client,
        format!("{base}/listings/{lid}/market-sales"),
        &owner,
        json!({
            "kind": "auction",
            "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(1)).to_rfc3339(),
            "auction": {"starting_price_fen": PRICE, "increment_fen": INCREMENT, "extension_minutes": 0}
        }),
    )
    .await;
    assert_eq!(s, 201, "{sale}");
    let sid = sale["id"].as_str().unwrap().to_string();
    for t in &tokens {
        let (s, v) = post(
            &client,
            format!("{base}/market-sales/{sid}/bidders"),
            t,
            json!(null),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let wait = starts - chrono::Utc::now();
    tokio::time::sleep(wait.to_std().unwrap_or_default() + Duration::from_millis(200)).await;

    // Every bidder at once, each bid a step above the last one anybody tried.
    let next = Arc::new(AtomicI64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|token| {
            let (client, url, next) = (
                client.clone(),
                format!("{base}/market-sales/{sid}/bids"),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(bids_each);
                for _ in 0..bids_each {
                    let k = next.fetch_add(1, Ordering::Relaxed) + 1;
                    let t = Instant::now();
                    let r = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"amount_fen": PRICE + k * INCREMENT}))
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    let _ = r.bytes().await;
                    out.push((status, t.elapsed()));
                }
                out
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.extend(t.await.unwrap());
    }
    let wall = started.elapsed();
    let accepted = results.iter().filter(|(s, _)| *s == 200).count();
    let refused = results.iter().filter(|(s, _)| *s == 422).count();
    let failed = results.len() - accepted - refused;
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let (_, sale) = {
        let r = client
            .get(format!("{base}/market-sales/{sid}"))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    let kept = sale["bids"].as_array().map_or(0, |b| b.len());
    let rising = sale["bids"].as_array().is_some_and(|b| {
        b.windows(2).all(|w| {
            w[1]["amount_fen"].as_i64().unwrap() >= w[0]["amount_fen"].as_i64().unwrap() + INCREMENT
        })
    });
    println!(
        "{name}: {bidders} bidders × {bids_each} bids: {} decided in {:.2?} = {:.0} bids/s \
         ({accepted} accepted, {refused} refused as too low, {failed} failed); \
         latency p50 {:.1?} p99 {:.1?} max {:.1?}; sale holds {kept} bids ({}), rising by the increment: {rising}",
        results.len(),
        wall,
        results.len() as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        latencies.last().unwrap(),
        if kept == accepted { "exactly those accepted" } else { "MISMATCH" },
    );
    assert_eq!(kept, accepted, "a bid was lost or counted twice");
    assert_eq!(failed, 0, "bids failed");
    drop(server);
}

#[tokio::main]
async fn main() {
    let bidders = support::number("--bidders", 50usize);
    let bids = support::number("--bids", 20usize);
    let only = support::flag("--only");
    if only.as_deref().is_none_or(|o| o == "sqlite") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        run("sqlite", url, bidders, bids).await;
    }
    if only.as_deref().is_none_or(|o| o == "postgres") {
        support::with_scratch_postgres(|url| run("postgres", url, bidders, bids)).await;
    }
}

//! The million, for real: N contracts (default 1,000,000) registered through the command path
//! (submit, accept, expert review when required, register; not copied facts) with realistic
//! spreads (Chongqing districts, other provinces and abroad; every field and 2026 type; amounts
//! log-uniform from 1万元 to 5亿元; registrations over two years), and M published listings
//! (default 100,000) to search. Then the service starts as a user runs it (the release binary,
//! its own process) on that database and answers over HTTP: the statistics cube's cold start,
//! p50/p99/max of one- and two-dimension cuts with and without `as_of`, search p50/p99/max, and
//! the server's resident memory with it all loaded.
//!
//! The load runs in a child process (this bench run again with `--load`), so that everything it
//! held, the search index's writer included, is let go before the server opens the same folder.
//!
//! Run by hand: `cargo bench --bench contracts [-- --contracts 1000000 --listings 100000
//! --only postgres|sqlite]` (both backends by default; PostgreSQL first), or
//! `-- --database URL --as-of INSTANT` to measure a database loaded before.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use techmarket::domain::calendar::china_date;
use techmarket::domain::contract::{
    ContractAction, ContractContent, ContractInput, WorkingCalendar,
};
use techmarket::domain::listing::{ListingAction, ListingContent, ListingInput};
use techmarket::domain::{Actor, Command, Role};
use techmarket::startup::Application;
use tokio::sync::Semaphore;
use uuid::Uuid;

const REGIONS: &[&str] = &[
    "500103", "500105", "500106", "500107", "500108", "500109", "500112", "500113", "500101",
    "500102", "510000", "440000", "310000", "110000", "320000", "US", "DE",
];
const NATURES: &[&str] = &["021", "022", "110", "150", "160", "170", "300"];
const FIELDS: &[&str] = &[
    "electronic_information",
    "advanced_manufacturing",
    "new_materials",
    "new_energy",
    "biomedicine",
    "environment",
    "agriculture",
    "urban_social",
    "modern_transportation",
];
const TYPES: &[(&str, Option<&str>)] = &[
    ("development", Some("commissioned")),
    ("development", Some("cooperative")),
    ("transfer", Some("patent_right")),
    ("transfer", Some("technical_secret")),
    ("license", Some("exclusive")),
    ("license", Some("non_exclusive")),
    ("consulting", None),
    ("service", Some("service")),
    ("service", Some("training")),
];
const KINDS: &[&str] = &[
    "invention_patent",
    "utility_model",
    "software_copyright",
    "technical_secret",
];

fn input(rng: &mut StdRng, today: chrono::NaiveDate) -> ContractInput {
    // Log-uniform between 1万元 (1,000,000 fen) and 5亿元 (50,000,000,000 fen).
    let amount = (10f64.powf(rng.gen_range(6.0..10.699)) as i64).max(1_000_000);
    let tech = (amount as f64 * rng.gen_range(0.5..1.0)) as i64;
    let (ty, sub) = *TYPES.choose(rng).unwrap();
    let n_kinds = rng.gen_range(0..=2);
    let kinds: Vec<&str> = KINDS.choose_multiple(rng, n_kinds).copied().collect();
    serde_json::from_value(serde_json::json!({
        "contract_type": ty, "contract_subtype": sub, "title": "技术合同",
        "seller": {"name": "卖方", "party_nature": NATURES.choose(rng).unwrap(), "region": REGIONS[rng.gen_range(0..12)]},
        "buyer": {"name": "买方", "party_nature": NATURES.choose(rng).unwrap(), "region": REGIONS.choose(rng).unwrap()},
        "signing_date": (today - chrono::Duration::days(rng.gen_range(0..60))).to_string(),
        "validity_start": today.to_string(), "validity_end": (today + chrono::Duration::days(365)).to_string(),
        "contract_amount_fen": amount, "technology_amount_fen": tech.max(1),
        "field": FIELDS.choose(rng).unwrap(), "ip_kinds": kinds
    }))
    .unwrap()
}

fn percentiles(mut xs: Vec<Duration>) -> String {
    xs.sort();
    let p = |q: f64| xs[((xs.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "p50 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}",
        p(0.50),
        p(0.99),
        p(1.0)
    )
}

/// Topics the listings' titles are drawn from, so that searches find sets of different sizes.
const TOPICS: &[&str] = &[
    "锂电池正极材料",
    "钠离子电池",
    "石墨烯导热膜",
    "工业机器人减速器",
    "基因检测试剂盒",
    "页岩气压裂",
    "柑橘保鲜",
    "桥梁健康监测",
];

/// The child's part: everything through the command path, then exit.
async fn load(url: String, dir: std::path::PathBuf, contracts: usize, listings: usize) {
    let app = Application::build(support::settings(url, &dir))
        .await
        .unwrap();
    let state = app.state.clone();
    let submitter = Actor {
        user_id: Uuid::now_v7(),
        role: Role::TechManager,
        organization_id: None,
    };
    let registrar = Actor {
        user_id: Uuid::now_v7(),
        role: Role::Registrar,
        organization_id: None,
    };
    let researcher = Actor {
        user_id: Uuid::now_v7(),
        role: Role::Researcher,
        organization_id: None,
    };
    let calendar = WorkingCalendar::new([], []);
    // Registrations spread over two years: start the clock two years back and move it on.
    state.clock.advance(chrono::Duration::days(-730));
    let mut rng = StdRng::seed_from_u64(20261121);
    let permits = Arc::new(Semaphore::new(16));
    let started = Instant::now();
    let mut tasks: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    for i in 0..contracts {
        if i > 0 && i % (contracts / 730).max(1) == 0 {
            state.clock.advance(chrono::Duration::days(1));
        }
        if i == contracts / 2 {
            for t in tasks.drain(..) {
                t.await.unwrap();
            }
            // The parent cuts `as_of` this instant: half the contracts.
            std::fs::write(dir.join("as_of"), chrono::Utc::now().to_rfc3339()).unwrap();
        }
        if tasks.len() >= 10_000 {
            // A finished task keeps its memory until its handle is dropped: reap them.
            let (done, running): (Vec<_>, Vec<_>) =
                tasks.into_iter().partition(|t| t.is_finished());
            for t in done {
                t.await.unwrap();
            }
            tasks = running;
        }
        let now = state.clock.now();
        let content = ContractContent::parse(
            input(&mut rng, china_date(now)),
            &state.refs,
            china_date(now),
        )
        .unwrap();
        let (state, calendar, permit) = (
            state.clone(),
            calendar.clone(),
            permits.clone().acquire_owned().await.unwrap(),
        );
        tasks.push(tokio::spawn(async move {
            let c = &state.aggregates.contracts;
            let id = Uuid::now_v7();
            let expert = content.requires_expert_review();
            let mut actions = vec![
                (submitter, ContractAction::Submit(content)),
                (registrar, ContractAction::Accept { calendar }),
            ];
            if expert {
                let opinion = "同意".into();
                actions.push((registrar, ContractAction::ExpertReview { opinion }));
            }
            let registration_number = id.simple().to_string();
            actions.push((
                registrar,
                ContractAction::Register {
                    registration_number,
                },
            ));
            for (who, action) in actions {
                c.execute(id, None, Command::new(who, now, action))
                    .await
                    .unwrap();
            }
            drop(permit);
        }));
        if i % 100_000 == 99_999 {
            eprintln!(
                "  {} contracts registered, {:.0}/s",
                i + 1,
                (i + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    for t in tasks.drain(..) {
        t.await.unwrap();
    }
    let took = started.elapsed();
    println!(
        "registered {contracts} contracts in {took:.1?}: {:.0} contracts/s through the command path",
        contracts as f64 / took.as_secs_f64()
    );

    let started = Instant::now();
    for i in 0..listings {
        let mut body = support::listing_body(i);
        body["title"] = serde_json::json!(format!("{} 制备技术 {i}", TOPICS[i % TOPICS.len()]));
        let input: ListingInput = serde_json::from_value(body).unwrap();
        let content = ListingContent::parse(input, &state.refs).unwrap();
        let (state, permit) = (
            state.clone(),
            permits.clone().acquire_owned().await.unwrap(),
        );
        tasks.push(tokio::spawn(async move {
            let (l, id, now) = (
                &state.aggregates.listings,
                Uuid::now_v7(),
                state.clock.now(),
            );
            for (who, action) in [
                (researcher, ListingAction::Create(content)),
                (researcher, ListingAction::Submit),
                (submitter, ListingAction::Publish),
            ] {
                l.execute(id, None, Command::new(who, now, action))
                    .await
                    .unwrap();
            }
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    println!(
        "published {listings} listings in {:.1?} (create, submit, publish each)",
        started.elapsed()
    );
    // The search index and the cube's snapshot are written in the background: let them settle.
    let waited = Instant::now();
    let head = {
        let mut read = state.db.read().await.unwrap();
        techmarket::store::log::head(&mut read.conn())
            .await
            .unwrap()
    };
    assert!(
        state.search.wait_for(head, Duration::from_secs(600)).await,
        "the search index did not catch up"
    );
    println!(
        "search index caught up {:.1?} after the load",
        waited.elapsed()
    );
}

async fn timed(client: &reqwest::Client, url: &str, token: Option<&str>, n: usize) -> String {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut req = client.get(url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let r = req.send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    percentiles(times)
}

async fn run(name: &str, url: &str, dir: &std::path::Path, contracts: usize, listings: usize) {
    println!("\n{name}: {contracts} contracts, {listings} listings");
    let loaded = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--load", "--url", url, "--dir"])
        .arg(dir)
        .args(["--contracts", &contracts.to_string()])
        .args(["--listings", &listings.to_string()])
        .status()
        .unwrap();
    assert!(loaded.success(), "the load failed");

    let as_of = std::fs::read_to_string(dir.join("as_of")).unwrap_or_default();
    measure(url, dir, as_of.trim()).await;
}

/// The service started on a loaded database, answering over HTTP. `as_of` is the instant the
/// `as_of` cuts ask for (the middle of the load).
async fn measure(url: &str, dir: &std::path::Path, as_of: &str) {
    support::add_user(url, dir, "stat@example.cn", "statistician");
    let server = support::Server::start(url, dir);
    let client = reqwest::Client::new();
    let started = Instant::now();
    server.ready(&client).await;
    println!("server ready in {:.2?}", started.elapsed());
    let base = &server.base;
    let token = support::login(&client, base, "stat@example.cn").await;
    // The first cut waits for the cube: restored from its snapshot, or loaded from the facts.
    let t = Instant::now();
    let first = timed(
        &client,
        &format!("{base}/api/v1/stats/contracts"),
        Some(&token),
        1,
    )
    .await;
    println!(
        "first statistics answer {:.2?} after the server was ready ({first})",
        t.elapsed()
    );
    // Cuts and searches are timed on a quiet server. One started on a database it has not
    // indexed yet builds its search index from the log first: wait until the last listing is
    // found.
    let last = format!("{base}/api/v1/listings?q=99999");
    let waited = Instant::now();
    loop {
        let v: serde_json::Value = client
            .get(&last)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["items"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(1800),
            "the search index never caught up"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!(
        "search index ready {:.1?} after the first answer",
        waited.elapsed()
    );
    let as_of = as_of.replace('+', "%2B");
    let cuts: [(&str, String); 6] = [
        ("one dimension: by=field", "by=field".into()),
        (
            "one dimension: by=period (month)",
            "by=period&granularity=month".into(),
        ),
        (
            "two dimensions: by=type,seller_region",
            "by=type,seller_region".into(),
        ),
        (
            "two dimensions: by=flow,period (quarter)",
            "by=flow,period&granularity=quarter".into(),
        ),
        (
            "one dimension with as_of",
            format!("by=field&as_of={as_of}"),
        ),
        (
            "two dimensions with as_of",
            format!("by=type,seller_region&as_of={as_of}"),
        ),
    ];
    for (what, q) in &cuts {
        let url = format!("{base}/api/v1/stats/contracts?{q}");
        println!(
            "stats  {what:<42} {}",
            timed(&client, &url, Some(&token), 200).await
        );
    }
    let searches = [
        ("a topic (1 in 8 listings)", "钠离子电池"),
        ("words in every listing", "正极材料 锂电池"),
        ("one listing's number", "77777"),
        ("nothing matches", "量子计算机"),
    ];
    for (what, q) in searches {
        let url = format!("{base}/api/v1/listings?q={q}");
        println!(
            "search {what:<42} {}",
            timed(&client, &url, None, 200).await
        );
    }
    let (cpu, peak) = server.usage();
    println!(
        "server memory with everything loaded: RSS {:.0} MiB now, peak {peak:.0} MiB; CPU {cpu:.1} s since start",
        server.rss_mib()
    );
}

#[tokio::main]
async fn main() {
    let contracts: usize = support::number("--contracts", 1_000_000);
    let listings: usize = support::number("--listings", 100_000);
    if std::env::args().any(|a| a == "--load") {
        let url = support::flag("--url").unwrap();
        let dir = support::flag("--dir").unwrap().into();
        load(url, dir, contracts, listings).await;
        return;
    }
    if let Some(url) = support::flag("--database") {
        // Measure a database loaded before (by a run that stopped after its load).
        let dir = tempfile::tempdir().unwrap();
        println!("\nthe database at {url}");
        measure(
            &url,
            dir.path(),
            &support::flag("--as-of").unwrap_or_default(),
        )
        .await;
        return;
    }
    let only = support::flag("--only");
    if only.as_deref() != Some("sqlite") {
        support::with_scratch_postgres(|url| async move {
            let dir = tempfile::tempdir().unwrap();
            run("postgres", &url, dir.path(), contracts, listings).await;
        })
        .await;
    }
    if only.as_deref() != Some("postgres") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.sqlite?mode=rwc", dir.path().display());
        run("sqlite", &url, dir.path(), contracts, listings).await;
    }
}

//! Contract registration and statistics at scale: registers N contracts (default 1,000,000)
//! with realistic spreads (Chongqing districts, other provinces and abroad; every field and
//! 2026 type; amounts log-uniform from 1万元 to 5亿元; registrations over two years) through
//! the real command path on SQLite, then prints registration throughput, p50/p99 of one- and
//! two-dimension cuts over HTTP, the same with `as_of`, and rebuild time and peak memory.
//!
//! Run by hand: `cargo bench --bench contracts` (or `-- 100000` for a smaller load).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;
use techmarket::config::Settings;
use techmarket::domain::calendar::china_date;
use techmarket::domain::contract::{
    ContractAction, ContractContent, ContractInput, WorkingCalendar,
};
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

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

fn percentiles(mut xs: Vec<Duration>) -> String {
    xs.sort();
    let p = |q: f64| xs[((xs.len() as f64 - 1.0) * q).round() as usize];
    format!("p50 {:>8.2?}  p99 {:>8.2?}", p(0.50), p(0.99))
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: Some(SecretString::from(format!(
            "sqlite://{}/bench.sqlite?mode=rwc",
            dir.path().display()
        ))),
        data_dir: dir.path().to_path_buf(),
        jwt_secret: Some(SecretString::from(
            "bench-secret-bench-secret-bench-secret-00".to_string(),
        )),
        ..Settings::default()
    };
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());

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
    let calendar = WorkingCalendar::new([], []);
    // Registrations spread over two years: start the clock two years back and move it on.
    state.clock.advance(chrono::Duration::days(-730));
    let mut rng = StdRng::seed_from_u64(20261121);
    let permits = Arc::new(Semaphore::new(16));
    let started = Instant::now();
    let mut mid_load = None;
    let mut tasks: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    for i in 0..n {
        if i > 0 && i % (n / 730).max(1) == 0 {
            state.clock.advance(chrono::Duration::days(1));
        }
        if i == n / 2 {
            for t in tasks.drain(..) {
                t.await.unwrap();
            }
            mid_load = Some(Utc::now());
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
            c.execute(
                id,
                None,
                Command::new(submitter, now, ContractAction::Submit(content)),
            )
            .await
            .unwrap();
            c.execute(
                id,
                None,
                Command::new(registrar, now, ContractAction::Accept { calendar }),
            )
            .await
            .unwrap();
            if expert {
                c.execute(
                    id,
                    None,
                    Command::new(
                        registrar,
                        now,
                        ContractAction::ExpertReview {
                            opinion: "同意".into(),
                        },
                    ),
                )
                .await
                .unwrap();
            }
            let reg = ContractAction::Register {
                registration_number: id.simple().to_string(),
            };
            c.execute(id, None, Command::new(registrar, now, reg))
                .await
                .unwrap();
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
    for t in tasks {
        t.await.unwrap();
    }
    let took = started.elapsed();
    println!(
        "registered {n} contracts in {took:.1?}: {:.0} contracts/s through the command path",
        n as f64 / took.as_secs_f64()
    );

    let client = reqwest::Client::new();
    let as_of = mid_load
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
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
    let token = {
        let admin = techmarket::domain::user::RegistrationInput {
            email: "stat@example.cn".into(),
            password: SecretString::from("correct horse battery".to_string()),
            display_name: "统计".into(),
            role: Role::Statistician,
            organization_id: None,
        };
        techmarket::accounts::create_user(
            &state.db,
            techmarket::domain::user::NewUser::parse(admin, false).unwrap(),
            false,
            techmarket::accounts::OPERATOR,
        )
        .await
        .unwrap();
        let r: serde_json::Value = client
            .post(format!("{address}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": "stat@example.cn", "password": "correct horse battery"}))
            .send().await.unwrap().json().await.unwrap();
        r["access_token"].as_str().unwrap().to_string()
    };
    // The first request loads the in-memory cube from the facts: time it apart from the cuts.
    let t = Instant::now();
    let r = client
        .get(format!("{address}/api/v1/stats/contracts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    r.bytes().await.unwrap();
    println!(
        "first request, loading the statistics cube ({} facts): {:.2?}",
        state.stats_cube.fact_count().await,
        t.elapsed()
    );
    for (name, q) in &cuts {
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let r = client
                .get(format!(
                    "{address}/api/v1/stats/contracts?{}",
                    q.replace('+', "%2B")
                ))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{q}: {}", r.status());
            r.bytes().await.unwrap();
            times.push(t.elapsed());
        }
        println!("stats {name:<42} {}", percentiles(times));
    }

    // Cut latency at a larger scale without another long load: copy the facts (distinct keys,
    // same log positions, so the cube reads them) until there are `scale` times as many, reset
    // the cube, and time the same cuts again.
    let scale: i64 = std::env::var("FACT_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    if scale > 1 {
        let cols = "recorded_at, registered_basis, signing_date, count_delta, amount_delta, tech_amount_delta, \
                    taxonomy, contract_type, subtype, field, seller_nature, buyer_nature, seller_region, buyer_region, \
                    seller_province, buyer_province, seller_zone, buyer_zone, flow, ip_kinds";
        let mut tx = state.db.begin().await.unwrap();
        for k in 1..scale {
            tx.conn()
                .execute(
                    &format!(
                        "INSERT INTO contract_stat_facts (contract_id, seq, part, position, {cols}) \
                         SELECT contract_id, seq, part + {}, position, {cols} FROM contract_stat_facts WHERE part < 10",
                        10 * k
                    ),
                    &[],
                )
                .await
                .unwrap();
        }
        tx.conn()
            .execute(
                "INSERT INTO projection_generations (name, generation) VALUES ('sql_read_models', 1) \
                 ON CONFLICT (name) DO UPDATE SET generation = projection_generations.generation + 1",
                &[],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let t = Instant::now();
        let r = client
            .get(format!("{address}/api/v1/stats/contracts"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
        println!(
            "facts copied x{scale}: reloading the cube ({} facts): {:.2?}",
            state.stats_cube.fact_count().await,
            t.elapsed()
        );
        for (name, q) in &cuts {
            let mut times = Vec::new();
            for _ in 0..30 {
                let t = Instant::now();
                let r = client
                    .get(format!(
                        "{address}/api/v1/stats/contracts?{}",
                        q.replace('+', "%2B")
                    ))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{q}: {}", r.status());
                r.bytes().await.unwrap();
                times.push(t.elapsed());
            }
            println!("stats x{scale} {name:<39} {}", percentiles(times));
        }
        // Put the facts back as the log makes them before the rebuild is timed.
        let mut tx = state.db.begin().await.unwrap();
        tx.conn()
            .execute("DELETE FROM contract_stat_facts WHERE part >= 10", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    // Rebuild with a fresh peak-memory mark (writing 5 to clear_refs resets VmHWM on Linux).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_rss_kib();
    let t = Instant::now();
    let report = techmarket::projections::rebuild::rebuild(&state.db, &state.projections)
        .await
        .unwrap();
    println!(
        "rebuild of every read model from {} events: {:.1?}; peak RSS during it {} MiB (before {} MiB)",
        report.events,
        t.elapsed(),
        peak_rss_kib() / 1024,
        before / 1024
    );
}

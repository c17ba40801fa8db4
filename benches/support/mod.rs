//! What the benches share: a listing body, their flags, the process's memory, and a scratch
//! PostgreSQL database. Each bench includes this file with `#[path]`; not every bench uses all.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

/// A valid listing, its title numbered `i`.
pub fn listing_body(i: usize) -> Value {
    json!({
        "title": format!("高镍三元锂电池正极材料制备技术 {i}"),
        "summary": "以高镍三元材料为正极的锂离子电池制备工艺，能量密度提升20%。",
        "confidential_detail": "烧结温度 780℃",
        "field": "new_energy",
        "keywords": ["锂电池", "正极材料"],
        "trl": 4,
        "inventors": [{"name": "李雷", "share_percent": 60}, {"name": "韩梅梅", "share_percent": 40}],
        "transfer_modes": ["assignment"],
        "pricing_mode": "listed",
        "asking_price_fen": 5_000_000_000i64,
        "region": "500106"
    })
}

/// The value after `--name` on the command line.
pub fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// `--name` as a number, or `default`.
pub fn number<T: std::str::FromStr>(name: &str, default: T) -> T {
    flag(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A line of `/proc/self/status` in MiB (`VmRSS`, `VmHWM`).
pub fn memory_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(':')))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Runs `run` on a fresh PostgreSQL database (`TEST_POSTGRES_URL`'s server), dropped after;
/// says so and skips when nothing answers.
pub async fn with_scratch_postgres<F, Fut>(run: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let Ok(Ok(pool)) =
        tokio::time::timeout(Duration::from_secs(3), sqlx::PgPool::connect(&admin)).await
    else {
        println!("postgres skipped: nothing answers at {admin}");
        return;
    };
    let name = format!("techmarket_bench_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&pool)
        .await
        .unwrap();
    let (prefix, _) = admin.rsplit_once('/').unwrap();
    run(format!("{prefix}/{name}")).await;
    sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&pool)
        .await
        .unwrap();
}

/// The service's settings for a bench: port 0, `url`'s database, `dir` for its files.
pub fn settings(url: String, dir: &std::path::Path) -> techmarket::config::Settings {
    techmarket::config::Settings {
        listen: "127.0.0.1:0".into(),
        database_url: Some(secrecy::SecretString::from(url)),
        data_dir: dir.to_path_buf(),
        jwt_secret: Some(secrecy::SecretString::from(
            "bench-secret-bench-secret-bench-secret-00".to_string(),
        )),
        ..techmarket::config::Settings::default()
    }
}

/// The password of every account a bench makes.
pub const PASSWORD: &str = "correct horse battery";

/// Signs in at `base` (`http://host:port`); the access token.
pub async fn login(client: &reqwest::Client, base: &str, email: &str) -> String {
    let v: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// Registers a researcher at `base` and signs in; the access token.
pub async fn researcher(client: &reqwest::Client, base: &str, email: &str) -> String {
    client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": "bench", "role": "researcher"}))
        .send()
        .await
        .unwrap();
    login(client, base, email).await
}

//! What the benches share: a listing body, their flags, the process's memory, a scratch
//! PostgreSQL database, and a log of real events. Each bench includes this file with `#[path]`; not every bench uses all.
#![allow(dead_code)]

use std::future::Future;
use std::process::{Child, Command, Stdio};
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
    memory_of("/proc/self/status", key)
}

fn proc_status_mib(pid: u32, key: &str) -> f64 {
    memory_of(&format!("/proc/{pid}/status"), key)
}

fn memory_of(path: &str, key: &str) -> f64 {
    let status = std::fs::read_to_string(path).unwrap_or_default();
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

/// The service as a user runs it: the release binary in a process of its own.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Waits (up to a minute) until `/readyz` answers 200.
    pub async fn ready(&self, client: &reqwest::Client) {
        let started = std::time::Instant::now();
        while client
            .get(format!("{}/readyz", self.base))
            .send()
            .await
            .map(|r| !r.status().is_success())
            .unwrap_or(true)
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server's resident memory now, in MiB.
    pub fn rss_mib(&self) -> f64 {
        proc_status_mib(self.child.id(), "VmRSS")
    }

    pub fn start(database_url: &str, data_dir: &std::path::Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_techmarket"))
            .env("DATABASE_URL", database_url)
            .env("APP_LISTEN", format!("127.0.0.1:{port}"))
            .env("APP_DATA_DIR", data_dir)
            .env("APP_REGISTER_MAX_PER_ADDRESS", "1000")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the techmarket binary starts");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// (user + system CPU seconds, peak RSS in MiB) of the server so far.
    pub fn usage(&self) -> (f64, f64) {
        let pid = self.child.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start after the last ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, r)| r.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name.
        let cpu = (ticks(11) + ticks(12)) / 100.0;
        (cpu, proc_status_mib(pid, "VmHWM"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Adds an account as an operator does, with the service's own command line (one that is
/// there already, from an earlier run on the same database, is fine).
pub fn add_user(url: &str, dir: &std::path::Path, email: &str, role: &str) {
    let added = Command::new(env!("CARGO_BIN_EXE_techmarket"))
        .args(["user", "add", "--email", email, "--password", PASSWORD])
        .args(["--role", role])
        .env("DATABASE_URL", url)
        .env("APP_DATA_DIR", dir)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert!(
        added.status.success() || stderr.contains("already exists"),
        "{stderr}"
    );
}

/// Writes `events` real events (rounded down to tens) through the service's own event store:
/// listings, a creation and nine revisions a command, eight writers at a time. The reference
/// data is seeded first.
pub async fn write_listing_log(
    db: &techmarket::store::Db,
    projections: &techmarket::projections::Projections,
    events: usize,
) {
    use chrono::Utc;
    use esrs::store::EventStore;
    use esrs::{Aggregate, AggregateState};
    use std::sync::Arc;
    use techmarket::domain::listing::{Listing, ListingAction, ListingContent, ListingInput};
    use techmarket::domain::{Actor, Command, Role};
    use techmarket::store::event_store::SqlEventStore;

    techmarket::store::reference::seed(db).await.unwrap();
    let refs = techmarket::store::reference::load(db).await.unwrap();
    let store = Arc::new(SqlEventStore::<Listing>::new(
        db.clone(),
        projections.clone(),
    ));
    let input: ListingInput = serde_json::from_value(listing_body(0)).unwrap();
    let content = ListingContent::parse(input, &refs).unwrap();
    let actor = Actor {
        user_id: Uuid::now_v7(),
        role: Role::Researcher,
        organization_id: None,
    };
    let mut state = <Listing as Aggregate>::State::default();
    let mut batch = Vec::new();
    for i in 0..10 {
        let action = if i == 0 {
            ListingAction::Create(content.clone())
        } else {
            ListingAction::Revise(content.clone())
        };
        for e in Listing::handle_command(&state, Command::new(actor, Utc::now(), action)).unwrap() {
            state = Listing::apply_event(state, e.clone());
            batch.push(e);
        }
    }
    let batch = Arc::new(batch);
    let permits = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for _ in 0..events / batch.len() {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (store, batch) = (store.clone(), batch.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = AggregateState::with_id(Uuid::now_v7());
            store.persist(&mut s, batch.to_vec()).await.unwrap();
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

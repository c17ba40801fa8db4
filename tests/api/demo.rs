//! `scripts/demo`, the walk-through of README.md's "Trying it", run as a reader runs it: the
//! built binary serving on a free port, the operator's `techmarket user add`, curl for every
//! request, each step checked by the script. Once on a fresh SQLite folder and once on a fresh
//! PostgreSQL database (skipped when PostgreSQL is unreachable, failed instead under CI or with
//! TECHMARKET_REQUIRE_POSTGRES=1, like every other case), where the server and every command
//! must use the same `DATABASE_URL`.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::helpers::postgres_available;

/// The demo's last line on a fresh store: the one contract it registers, 50万元, in the totals.
const STATISTICS: &str =
    "statistics: 1 registered contract(s), 成交额 50.00万元 (50000000 fen), this contract's 50000000 fen included";

/// What the steps say they did, in the order they must say it.
const STEPS: &[&str] = &[
    "server ready at",
    "operator created platform_admin, tech_manager, registrar, statistician",
    "platform admin created organization",
    "researcher li.lei.",
    "admin approved request",
    "researcher created listing",
    "tech manager published listing",
    "enterprise posted demand",
    "enterprise opened negotiation",
    "enterprise accepted: agreed",
    "researcher submitted contract registration",
    "registrar accepted and registered contract",
    "closed as fulfilled",
    STATISTICS,
];

/// Longer than the script's own waits could ever add up to on a healthy run.
const TIMEOUT: Duration = Duration::from_secs(300);

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// `scripts/demo` with this test build's binary, on `database_url` or else its own SQLite folder.
async fn demo(database_url: Option<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let out = tempfile::tempdir().expect("temp dir");
        let file = |name: &str| std::fs::File::create(out.path().join(name)).unwrap();
        let mut command = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/demo"));
        command
            .env("TECHMARKET_BIN", env!("CARGO_BIN_EXE_techmarket"))
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(file("stdout"))
            .stderr(file("stderr"));
        if let Some(url) = &database_url {
            command.env("DATABASE_URL", url);
        }
        let mut child = command.spawn().expect("scripts/demo starts");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > TIMEOUT {
                // TERM first: the script's trap stops its server.
                let _ = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                std::thread::sleep(Duration::from_secs(10));
                let _ = child.kill();
                break child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_default();
        Run {
            status,
            stdout: read("stdout"),
            stderr: read("stderr"),
        }
    })
    .await
    .unwrap()
}

/// The run succeeded and said each step, in order, ending with the statistics.
fn walked_the_chain(run: &Run) {
    let Run {
        status,
        stdout,
        stderr,
    } = run;
    assert!(
        status.success(),
        "scripts/demo failed ({status}):\n{stdout}\n{stderr}"
    );
    eprintln!("{stdout}");
    let mut rest = stdout.as_str();
    for step in STEPS {
        let Some(at) = rest.find(step) else {
            panic!("scripts/demo never said '{step}' (in order):\n{stdout}\n{stderr}");
        };
        rest = &rest[at + step.len()..];
    }
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(STATISTICS),
        "the last line: {last}\n{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walk_through_runs_on_sqlite() {
    walked_the_chain(&demo(None).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walk_through_runs_on_postgres() {
    if !postgres_available().await {
        eprintln!("SKIPPED: PostgreSQL is unreachable");
        return;
    }
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let database = Database::create(&admin).await;
    let (prefix, _) = admin.rsplit_once('/').expect("admin url has a database");
    walked_the_chain(&demo(Some(format!("{prefix}/{}", database.name))).await);
}

/// A fresh PostgreSQL database, dropped when the test ends, whatever the outcome.
struct Database {
    admin: String,
    name: String,
}

impl Database {
    async fn create(admin: &str) -> Database {
        let name = format!("techmarket_demo_{}", Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(admin).await.expect("postgres");
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&pool)
            .await
            .expect("create database");
        pool.close().await;
        Database {
            admin: admin.to_string(),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on itself.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&pool)
                            .await;
                }
            })
        })
        .join();
    }
}

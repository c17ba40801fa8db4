//! The write path side by side, in one run on one database: events per second for
//!
//! - **raw**: plain sqlx inserts of the rows a command writes (its events, their log entries,
//!   the catalogue row), one transaction per command, nothing read first: the physical limit;
//! - **esrs**: esrs's bare `PgStore::persist`, no handlers (PostgreSQL only);
//! - **command path**: the project's own path. One-event commands: `EventStoreOf::execute`
//!   (load, decide, append with the global log and the inline projections). Ten-event commands
//!   (no route makes ten at once): the same store's `persist` of a creation and nine revisions;
//! - **HTTP**: `POST /api/v1/listings` (one event), JSON, auth and actix included;
//!
//! for 1, 8 and 32 writers, each as a ratio to raw. Rounds are interleaved (raw, esrs, path,
//! HTTP, raw, …) and the median of each is printed, so drift in the machine hits all alike.
//!
//! Run by hand: `cargo bench --bench compare [-- --commands 1000 --rounds 5 --only postgres]`.
//! It prints its figures; nothing asserts on them.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use esrs::store::postgres::{PgStore, PgStoreBuilder, UuidFormat};
use esrs::store::EventStore;
use esrs::{Aggregate, AggregateState};
use techmarket::domain::listing::{Listing, ListingAction, ListingContent, ListingInput};
use techmarket::domain::{Actor, Command, Role};
use techmarket::startup::Application;
use techmarket::state::AppState;
use techmarket::store::event_store::SqlEventStore;
use techmarket::store::sql::Arg;
use techmarket::store::Db;
use tokio::sync::Semaphore;
use uuid::Uuid;

const WRITERS: [usize; 3] = [1, 8, 32];
type Event = <Listing as Aggregate>::Event;

use support::listing_body as body;

use support::settings;

fn actor() -> Actor {
    Actor {
        user_id: Uuid::now_v7(),
        role: Role::Researcher,
        organization_id: None,
    }
}

/// What one command writes, decided once: its events (a creation, then revisions) and the
/// catalogue's row after them.
#[derive(Clone)]
struct Work {
    content: ListingContent,
    events: Vec<Event>,
    payloads: Vec<serde_json::Value>,
    doc: serde_json::Value,
}

fn work(state: &AppState, events: usize) -> Work {
    let input: ListingInput = serde_json::from_value(body(0)).unwrap();
    let content = ListingContent::parse(input, &state.refs).unwrap();
    let actor = actor();
    let mut s = <Listing as Aggregate>::State::default();
    let mut out = Vec::new();
    for i in 0..events {
        let action = if i == 0 {
            ListingAction::Create(content.clone())
        } else {
            ListingAction::Revise(content.clone())
        };
        let evs = Listing::handle_command(&s, Command::new(actor, Utc::now(), action)).unwrap();
        for e in evs {
            s = Listing::apply_event(s, e.clone());
            out.push(e);
        }
    }
    let payloads = out
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let doc = serde_json::to_value(s.listing.as_ref().unwrap()).unwrap();
    Work {
        content,
        events: out,
        payloads,
        doc,
    }
}

/// The rows of one command, inserted with three multi-row statements in one transaction.
async fn raw_command(db: &Db, w: &Work) {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let mut tx = match db {
        // The same pool the event stores append with.
        Db::Pg(_, appends) => techmarket::store::Tx::Pg(appends.begin().await.unwrap()),
        _ => db.begin().await.unwrap(),
    };
    let mut c = tx.conn();
    let pg = c.is_postgres();
    let n = w.payloads.len();
    let mut args = Vec::new();
    let mut rows = Vec::new();
    for (i, p) in w.payloads.iter().enumerate() {
        let b = args.len();
        rows.push(format!(
            "(${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5
        ));
        args.extend([
            Arg::Uuid(Uuid::now_v7()),
            Arg::Uuid(id),
            Arg::Json(p.clone()),
            Arg::Time(now),
            Arg::I64(i as i64 + 1),
        ]);
    }
    c.execute(
        &format!(
            "INSERT INTO listing_events (id, aggregate_id, payload, occurred_on, sequence_number) VALUES {}",
            rows.join(", ")
        ),
        &args,
    )
    .await
    .unwrap();
    let (mut args, mut rows) = (Vec::new(), Vec::new());
    for (i, p) in w.payloads.iter().enumerate() {
        let b = args.len();
        let position = if pg {
            format!("(pg_current_xact_id()::text::bigint << 20) + {i}, ")
        } else {
            String::new()
        };
        rows.push(format!(
            "({position}${}, 'listing', ${}, ${}, 'created', ${}, 'researcher', ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6
        ));
        args.extend([
            Arg::Uuid(Uuid::now_v7()),
            Arg::Uuid(id),
            Arg::I64(i as i64 + 1),
            Arg::Uuid(Uuid::nil()),
            Arg::Time(now),
            Arg::Json(p.clone()),
        ]);
    }
    let position = if pg { "position, " } else { "" };
    c.execute(
        &format!(
            "INSERT INTO event_log ({position}event_id, aggregate_type, aggregate_id, version, event_type, actor_id, actor_role, recorded_at, payload) VALUES {}",
            rows.join(", ")
        ),
        &args,
    )
    .await
    .unwrap();
    c.execute(
        "INSERT INTO listing_view (id, version, status, owner_id, field, trl, region, region_province, job_related, title, updated_at, doc) \
         VALUES ($1, $2, 'draft', $3, $4, 4, $5, '500000', false, $6, $7, $8)",
        &[
            Arg::Uuid(id),
            Arg::I64(n as i64),
            Arg::Uuid(Uuid::nil()),
            Arg::Text(w.content.field.as_str().into()),
            Arg::Text(w.content.region.as_str().into()),
            Arg::Text(w.content.title.as_str().into()),
            Arg::Time(now),
            Arg::Json(w.doc.clone()),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A store's `persist` of the prepared events on a new stream.
async fn persist<S: EventStore<Aggregate = Listing>>(store: &S, w: &Work)
where
    S::Error: std::fmt::Debug,
{
    let mut state = AggregateState::with_id(Uuid::now_v7());
    store.persist(&mut state, w.events.clone()).await.unwrap();
}

struct Stores {
    /// esrs's own store, no handlers (PostgreSQL only).
    bare: Option<PgStore<Listing>>,
    /// The service's store: events, log and inline projections.
    ours: SqlEventStore<Listing>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Path {
    Raw,
    Esrs,
    Command,
    Http,
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Raw => "raw sqlx inserts",
            Path::Esrs => "bare esrs PgStore",
            Path::Command => "command path",
            Path::Http => "POST /listings",
        }
    }
}

struct Bench {
    state: web::Data,
    stores: Arc<Stores>,
    address: String,
    token: String,
    client: reqwest::Client,
}

mod web {
    pub type Data = actix_web::web::Data<techmarket::state::AppState>;
}

/// Runs `commands` commands of `events` events each with `writers` at once; events per second.
async fn measure(b: &Bench, path: Path, events: usize, writers: usize, commands: usize) -> f64 {
    let w = Arc::new(work(&b.state, events));
    let permits = Arc::new(Semaphore::new(writers));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(commands);
    for i in 0..commands {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (state, stores, w) = (b.state.clone(), b.stores.clone(), w.clone());
        let (client, address, token) = (b.client.clone(), b.address.clone(), b.token.clone());
        tasks.push(tokio::spawn(async move {
            match path {
                Path::Raw => raw_command(&state.db, &w).await,
                Path::Esrs => persist(stores.bare.as_ref().expect("PostgreSQL"), &w).await,
                Path::Command if events == 1 => {
                    let cmd = Command::new(
                        actor(),
                        Utc::now(),
                        ListingAction::Create(w.content.clone()),
                    );
                    state
                        .aggregates
                        .listings
                        .create(Uuid::now_v7(), cmd)
                        .await
                        .unwrap();
                }
                Path::Command => persist(&stores.ours, &w).await,
                Path::Http => {
                    let r = client
                        .post(format!("{address}/api/v1/listings"))
                        .bearer_auth(token)
                        .json(&body(i))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
                }
            }
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (commands * events) as f64 / started.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run_backend(name: &str, url: String, commands: usize, rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    let app = Application::build(settings(url, dir.path())).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());

    let bare = match &state.db {
        Db::Pg(_, appends) => Some(
            PgStoreBuilder::<Listing>::new(appends.clone())
                .without_running_migrations()
                .with_event_id_format(UuidFormat::V7)
                .try_build()
                .await
                .unwrap(),
        ),
        Db::Sqlite { .. } => None,
    };
    let stores = Stores {
        bare,
        ours: SqlEventStore::new(state.db.clone(), state.projections.clone()),
    };

    let client = reqwest::Client::new();
    let token = support::researcher(&client, &address, "bench@example.cn").await;
    let bench = Bench {
        state,
        stores: Arc::new(stores),
        address,
        token,
        client,
    };

    let pg = name == "postgres";
    let mut figures: HashMap<(Path, usize, usize), Vec<f64>> = HashMap::new();
    for round in 0..rounds {
        for events in [1usize, 10] {
            for writers in WRITERS {
                let mut paths = vec![Path::Raw];
                if pg {
                    paths.push(Path::Esrs);
                }
                paths.push(Path::Command);
                if events == 1 {
                    paths.push(Path::Http);
                }
                // Ten-event commands write ten times the rows: fewer of them.
                let n = if events == 1 { commands } else { commands / 5 };
                for path in paths {
                    let rate = measure(&bench, path, events, writers, n).await;
                    figures
                        .entry((path, events, writers))
                        .or_default()
                        .push(rate);
                }
            }
        }
        eprintln!("{name}: round {} of {rounds} done", round + 1);
    }

    println!("\n{name}: events/s, median of {rounds} interleaved rounds ({commands} one-event commands, {} ten-event commands a round)", commands / 5);
    println!("| events/command | path | 1 writer | 8 writers | 32 writers |");
    println!("|---|---|---|---|---|");
    for events in [1usize, 10] {
        let raw: Vec<f64> = WRITERS
            .iter()
            .map(|w| median(figures.get_mut(&(Path::Raw, events, *w)).unwrap()))
            .collect();
        for path in [Path::Raw, Path::Esrs, Path::Command, Path::Http] {
            let mut cells = Vec::new();
            for (i, w) in WRITERS.iter().enumerate() {
                let Some(v) = figures.get_mut(&(path, events, *w)) else {
                    continue;
                };
                let m = median(v);
                cells.push(format!("{m:.0} ({:.2}×)", m / raw[i]));
            }
            if !cells.is_empty() {
                println!("| {events} | {} | {} |", path.name(), cells.join(" | "));
            }
        }
    }
    handle.stop(true).await;
}

#[tokio::main]
async fn main() {
    let commands: usize = support::number("--commands", 1000);
    let rounds: usize = support::number("--rounds", 5);
    let only = support::flag("--only");
    println!(
        "techmarket write path, side by side: {} cores, {commands} commands a measurement, {rounds} rounds",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    if only.as_deref() != Some("sqlite") {
        support::with_scratch_postgres(|url| run_backend("postgres", url, commands, rounds)).await;
    }
    if only.as_deref() != Some("postgres") {
        let dir = tempfile::tempdir().unwrap();
        run_backend(
            "sqlite",
            format!("sqlite://{}/bench.sqlite?mode=rwc", dir.path().display()),
            commands,
            rounds,
        )
        .await;
    }
}

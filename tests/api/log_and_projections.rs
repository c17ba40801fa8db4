use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;
use techmarket::domain::listing::{Listing, ListingAction, ListingContent, ListingInput};
use techmarket::domain::{Actor, Command, Role};
use techmarket::projections::listing_catalogue;
use techmarket::projections::rebuild::rebuild;
use techmarket::projections::Projection;
use techmarket::store::aggregates::EventStoreOf;
use techmarket::store::log::{self, LoggedEvent};
use techmarket::store::sql::Conn;
use techmarket::store::StoreError;
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, PASSWORD};

fn content(app: &TestApp, title: &str) -> ListingContent {
    let input: ListingInput = serde_json::from_value(listing_body(title)).unwrap();
    ListingContent::parse(input, &app.state.refs).unwrap()
}

fn synthetic(i: usize) -> LoggedEvent {
    LoggedEvent {
        position: 0,
        event_id: Uuid::now_v7(),
        aggregate_type: "probe".into(),
        aggregate_id: Uuid::now_v7(),
        version: 1,
        event_type: format!("probe_{i}"),
        actor_id: Uuid::nil(),
        actor_role: "platform_admin".into(),
        recorded_at: Utc::now(),
        payload: serde_json::value::to_raw_value(&json!({})).unwrap(),
        schema_version: None,
    }
}

both!(
    a_slow_transaction_is_never_passed_over,
    |app: TestApp| async move {
        let db = app.state.db.clone();
        // Transaction A appends and stays open, like a slow commit.
        let mut slow = db.begin().await.unwrap();
        let pos_a = log::append(&mut slow.conn(), &synthetic(1)).await.unwrap();

        // Transaction B appends meanwhile.
        let db_b = db.clone();
        let b = tokio::spawn(async move {
            let mut tx = db_b.begin().await.unwrap();
            let pos = log::append(&mut tx.conn(), &synthetic(2)).await.unwrap();
            tx.commit().await.unwrap();
            pos
        });
        if app.state.db.backend() == "postgres" {
            // PostgreSQL appends do not wait for each other: B commits, after A's position.
            let committed = tokio::time::timeout(Duration::from_secs(10), async {
                while !b.is_finished() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
            .await;
            assert!(committed.is_ok(), "the second append waited for the first");
        } else {
            tokio::time::sleep(Duration::from_millis(300)).await;
            // SQLite has one writer: B waits for A.
            assert!(
                !b.is_finished(),
                "the second append did not wait for the first"
            );
        }
        // Either way a follower sees nothing while A is open, and so cannot move its cursor
        // past A's position.
        let seen = log::after(&mut db.read().await.unwrap().conn(), 0, 100)
            .await
            .unwrap();
        assert!(
            seen.is_empty(),
            "a follower saw {:?} while an earlier append was uncommitted",
            seen.iter().map(|e| e.position).collect::<Vec<_>>()
        );
        let page = log::page_after(&mut db.read().await.unwrap().conn(), 0, 100)
            .await
            .unwrap();
        assert!(page.entries.is_empty());
        assert_eq!(
            page.held_back,
            app.state.db.backend() == "postgres",
            "B's committed entry waits behind A"
        );

        slow.commit().await.unwrap();
        let pos_b = b.await.unwrap();
        assert!(pos_b > pos_a);
        // Once A has ended both are settled (other tests' transactions on the same server may
        // hold the horizon a moment longer).
        let head = log::settled_head(
            &mut db.read().await.unwrap().conn(),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(head, pos_b);
        let seen: Vec<_> = log::after(&mut db.read().await.unwrap().conn(), 0, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect();
        assert_eq!(seen, [pos_a, pos_b]);
    }
);

both!(
    a_follower_sees_every_event_exactly_once_under_concurrent_commits,
    |app: TestApp| async move {
        let done = Arc::new(AtomicBool::new(false));
        let db = app.state.db.clone();
        let follower = {
            let done = done.clone();
            tokio::spawn(async move {
                let mut last = 0i64;
                let mut seen: Vec<(i64, Uuid)> = Vec::new();
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let batch = log::after(&mut db.read().await.unwrap().conn(), last, 37)
                        .await
                        .unwrap();
                    for e in &batch {
                        assert!(e.position > last, "positions must increase");
                        last = e.position;
                        seen.push((e.position, e.event_id));
                    }
                    // Stop only once a read that began after every writer had finished has
                    // reached the head (reads stop at the horizon, which other tests'
                    // transactions on the same server may hold back a moment).
                    if finished && batch.is_empty() {
                        let head = log::head(&mut db.read().await.unwrap().conn())
                            .await
                            .unwrap();
                        if last >= head {
                            return seen;
                        }
                    }
                    tokio::task::yield_now().await;
                }
            })
        };

        let writers = 16;
        let per_writer = 12;
        let mut tasks = Vec::new();
        for w in 0..writers {
            let state = app.state.clone();
            let c = content(&app, &format!("并发写入{w}"));
            tasks.push(tokio::spawn(async move {
                let actor = Actor {
                    user_id: Uuid::now_v7(),
                    role: Role::Researcher,
                    organization_id: None,
                };
                for _ in 0..per_writer / 2 {
                    let id = Uuid::now_v7();
                    let create = Command::new(actor, Utc::now(), ListingAction::Create(c.clone()));
                    state
                        .aggregates
                        .listings
                        .execute(id, None, create)
                        .await
                        .unwrap();
                    let submit = Command::new(actor, Utc::now(), ListingAction::Submit);
                    state
                        .aggregates
                        .listings
                        .execute(id, Some(1), submit)
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        done.store(true, Ordering::SeqCst);
        let seen = follower.await.unwrap();

        let total = writers * per_writer;
        let ids: HashSet<Uuid> = seen.iter().map(|(_, id)| *id).collect();
        assert_eq!(
            seen.len(),
            total,
            "the follower saw {} of {total} events",
            seen.len()
        );
        assert_eq!(ids.len(), total, "an event was seen twice");
        // Every event esrs stored has its place in the log, and the follower saw each of them.
        let mut rc = app.state.db.read().await.unwrap();
        let stored = rc
            .conn()
            .fetch_all("SELECT id FROM listing_events", &[])
            .await
            .unwrap();
        let stored: HashSet<Uuid> = stored.iter().map(|r| r.uuid("id").unwrap()).collect();
        assert_eq!(stored, ids);
    }
);

async fn dump(app: &TestApp) -> String {
    let mut rc = app.state.db.read().await.unwrap();
    serde_json::to_string(&listing_catalogue::dump(&mut rc.conn()).await.unwrap()).unwrap()
}

/// A mix of everything a listing goes through, for the rebuild to reproduce.
async fn varied_history(app: &TestApp) {
    let owner = app.user(Role::Researcher, None).await;
    let reviewer = app.user(Role::TechManager, None).await;
    app.published(&owner, &listing_body("已发布")).await;
    let returned = app.draft(&owner, &listing_body("被退回")).await;
    app.command(returned, "submit", &owner.token, None).await;
    app.command(
        returned,
        "return",
        &reviewer.token,
        Some(&json!({"reasons": ["缺少专利证书"]})),
    )
    .await;
    app.command(
        returned,
        "revise",
        &owner.token,
        Some(&listing_body("被退回后修订")),
    )
    .await;
    let withdrawn = app.published(&owner, &listing_body("已撤回")).await;
    app.command(withdrawn, "withdraw", &owner.token, None).await;
    app.draft(&owner, &listing_body("仍是草稿")).await;
}

both!(
    rebuilding_the_read_models_reproduces_them_exactly,
    |app: TestApp| async move {
        varied_history(&app).await;
        let live = dump(&app).await;
        assert!(live.contains("被退回后修订") && live.contains("withdrawn"));

        let report = rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        assert_eq!(report.last_position, app.log_head().await);
        assert_eq!(dump(&app).await, live, "a rebuild changed the read model");

        // Losing the read model entirely is no loss either.
        let mut tx = app.state.db.begin().await.unwrap();
        tx.conn()
            .execute("DELETE FROM listing_view", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(dump(&app).await, "[]");
        rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        assert_eq!(dump(&app).await, live);
    }
);

/// A projection with no tables that makes each page of a rebuild take a while, so that
/// commands certainly run while it does.
struct Dawdle;

#[async_trait::async_trait]
impl Projection for Dawdle {
    fn name(&self) -> &'static str {
        "dawdle"
    }
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }
    async fn apply(&self, _: &mut Conn<'_>, _: &LoggedEvent) -> Result<(), StoreError> {
        Ok(())
    }
    async fn apply_all(&self, _: &mut Conn<'_>, events: &[LoggedEvent]) -> Result<(), StoreError> {
        if !events.is_empty() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Ok(())
    }
}

/// The read models' index names, and whether a rebuild left a schema of its own behind.
async fn indexes_and_leftovers(app: &TestApp) -> (Vec<String>, i64) {
    let mut rc = app.state.db.read().await.unwrap();
    let mut conn = rc.conn();
    let (names, leftovers) = if conn.is_postgres() {
        (
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename LIKE '%\\_view' ORDER BY 1",
            "SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'",
        )
    } else {
        (
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE '%\\_view' ESCAPE '\\' ORDER BY 1",
            "SELECT COUNT(*) AS n FROM sqlite_temp_master",
        )
    };
    let names = conn.fetch_all(names, &[]).await.unwrap();
    let leftovers = conn.fetch_one(leftovers, &[]).await.unwrap();
    (
        names.iter().map(|r| r.text("name").unwrap()).collect(),
        leftovers.i64("n").unwrap(),
    )
}

both!(
    a_rebuild_runs_beside_the_service_and_misses_nothing_written_meanwhile,
    |app: TestApp| async move {
        varied_history(&app).await;
        let owner = app.user(Role::Researcher, None).await;
        let read_me = app
            .published(&owner, &listing_body("重建期间照常可读"))
            .await;
        let (indexes, _) = indexes_and_leftovers(&app).await;
        assert!(indexes.len() >= 5, "{indexes:?}");

        // Commands and reads go on while the rebuild replays, catches up and swaps.
        let slow = app.state.projections.and(Arc::new(Dawdle));
        let rebuilding = rebuild(&app.state.db, &slow);
        tokio::pin!(rebuilding);
        let mut during = Vec::new();
        let report = loop {
            tokio::select! {
                report = &mut rebuilding => break report.unwrap(),
                _ = async {
                    let id = app.draft(&owner, &listing_body(&format!("重建期间新建 {}", during.len()))).await;
                    during.push(id);
                    let r = app.get(&format!("/api/v1/listings/{read_me}"), Some(&owner.token)).await;
                    assert_eq!(r.status(), StatusCode::OK, "a read failed during the rebuild");
                } => {}
            }
        };
        assert!(
            during.len() >= 2,
            "only {} commands ran during the rebuild",
            during.len()
        );
        // Let a create cut short by the rebuild's end finish; whatever it appended is its own.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(report.events > 0);

        // Every listing written meanwhile is there, exactly as a quiet rebuild makes it.
        let after_swap = dump(&app).await;
        for id in &during {
            let r = app
                .get(&format!("/api/v1/listings/{id}"), Some(&owner.token))
                .await;
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "a listing created during the rebuild is missing"
            );
        }
        rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        assert_eq!(
            dump(&app).await,
            after_swap,
            "the swap lost or doubled a write"
        );
        let rows: Vec<_> = serde_json::from_str::<Vec<serde_json::Value>>(&after_swap).unwrap();
        let streams = {
            let mut rc = app.state.db.read().await.unwrap();
            rc.conn()
                .fetch_one(
                    "SELECT COUNT(DISTINCT aggregate_id) AS n FROM listing_events",
                    &[],
                )
                .await
                .unwrap()
                .i64("n")
                .unwrap()
        };
        assert_eq!(rows.len() as i64, streams);

        // The new tables have the old ones' indexes, by name, and nothing is left over.
        assert_eq!(indexes_and_leftovers(&app).await, (indexes, 0));
    }
);

both!(
    the_rebuild_command_rebuilds_from_the_cli,
    |app: TestApp| async move {
        varied_history(&app).await;
        let live = dump(&app).await;
        let mut tx = app.state.db.begin().await.unwrap();
        tx.conn()
            .execute("DELETE FROM listing_view", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();

        use secrecy::ExposeSecret;
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_techmarket"))
            .args(["projections", "rebuild"])
            .env(
                "DATABASE_URL",
                app.settings.database_url.as_ref().unwrap().expose_secret(),
            )
            .env("APP_DATA_DIR", &app.settings.data_dir)
            .env(
                "APP_JWT_SECRET",
                app.settings.jwt_secret.as_ref().unwrap().expose_secret(),
            )
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("rebuilt"), "{stdout}");
        assert_eq!(dump(&app).await, live);
    }
);

both!(a_restart_keeps_everything, |app: TestApp| async move {
    let owner = app.user(Role::Researcher, None).await;
    let id = app.published(&owner, &listing_body("重启后仍在")).await;
    let before = dump(&app).await;
    let head = app.log_len().await;

    let app = app.restart().await;
    assert_eq!(app.log_len().await, head);
    assert_eq!(dump(&app).await, before);
    let (s, v) = json_of(app.get(&format!("/api/v1/listings/{id}"), None).await).await;
    assert_eq!(
        (s, v["title"].as_str(), v["version"].as_i64()),
        (StatusCode::OK, Some("重启后仍在"), Some(3))
    );
    // Accounts survive, and so does the old token (same signing key).
    assert_eq!(
        app.get("/api/v1/me", Some(&owner.token)).await.status(),
        StatusCode::OK
    );
    let token = app.login(&owner.email, PASSWORD).await;
    let r = app
        .post(
            &format!("/api/v1/listings/{id}/withdraw"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"4\"");
});

/// A projection that always fails, to show a failed append leaves nothing behind.
struct Failing;

#[async_trait::async_trait]
impl Projection for Failing {
    fn name(&self) -> &'static str {
        "failing"
    }
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }
    async fn apply(&self, _: &mut Conn<'_>, _: &LoggedEvent) -> Result<(), StoreError> {
        Err(StoreError::Other("projection failed".into()))
    }
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let mut rc = app.state.db.read().await.unwrap();
    rc.conn()
        .fetch_one(&format!("SELECT COUNT(*) AS n FROM {table}"), &[])
        .await
        .unwrap()
        .i64("n")
        .unwrap()
}

both!(
    a_failed_append_leaves_nothing_half_written,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        app.draft(&owner, &listing_body("已有")).await;
        let before = (
            count(&app, "listing_events").await,
            count(&app, "event_log").await,
            count(&app, "listing_view").await,
        );

        // The real projections run first (log + read model), then one that fails.
        let projections = app.state.projections.and(Arc::new(Failing));
        let store: EventStoreOf<Listing> = EventStoreOf::new(
            &app.state.db,
            &projections,
            Arc::new(tokio::sync::Notify::new()),
        );
        let actor = Actor {
            user_id: owner.id,
            role: Role::Researcher,
            organization_id: None,
        };
        let id = Uuid::now_v7();
        let result = store
            .execute(
                id,
                None,
                Command::new(
                    actor,
                    Utc::now(),
                    ListingAction::Create(content(&app, "不应留下")),
                ),
            )
            .await;
        assert!(result.is_err(), "the append should have failed");

        let after = (
            count(&app, "listing_events").await,
            count(&app, "event_log").await,
            count(&app, "listing_view").await,
        );
        assert_eq!(after, before, "events, log and read model all rolled back");
        assert!(store.load(id).await.unwrap().is_none());
        // And the stream is still usable: the normal store creates it.
        let cmd = Command::new(
            actor,
            Utc::now(),
            ListingAction::Create(content(&app, "正常创建")),
        );
        assert_eq!(
            app.state
                .aggregates
                .listings
                .execute(id, None, cmd)
                .await
                .unwrap()
                .version,
            1
        );
    }
);

both!(
    pages_with_nothing_to_index_are_searchable_at_once_and_durable_when_idle,
    |app: TestApp| async move {
        // Contract submissions touch no listing or demand: the indexer advances without a
        // commit per page, yet a search (which waits for the index to reach the log head)
        // answers at once.
        let seller = app.user(Role::Researcher, None).await;
        let today = techmarket::domain::calendar::china_date(app.state.clock.now());
        for i in 0..5 {
            let body = json!({
                "contract_type": "consulting", "title": format!("技术咨询合同 {i}"),
                "seller": {"name": "重庆大学", "party_nature": "022", "region": "500106"},
                "buyer": {"name": "长安汽车", "party_nature": "160", "region": "500112"},
                "signing_date": today.to_string(), "validity_start": today.to_string(),
                "validity_end": (today + chrono::Duration::days(30)).to_string(),
                "contract_amount_fen": 1_000_000i64, "technology_amount_fen": 1_000_000i64,
                "field": "new_energy", "ip_kinds": []
            });
            let (s, v) = json_of(
                app.post("/api/v1/contracts", Some(&seller.token), Some(&body))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        let head = app.log_head().await;
        let r = app.get("/api/v1/listings?q=%E5%90%88%E5%90%8C", None).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(app.state.search.checkpoint().position >= head);
        // Idle, the follower makes what it read durable: the index's own commit says so.
        let mut waited = 0;
        while app.state.search.uncommitted(Duration::ZERO) {
            assert!(
                waited < 100,
                "the indexer never committed its checkpoint when idle"
            );
            waited += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let dir = app.state.search_dir.clone();
        app.handle.stop(true).await;
        drop(app);
        let mut attempts = 0;
        let index = loop {
            match techmarket::projections::search::SearchIndex::open(&dir) {
                Ok(i) => break i,
                Err(e) if attempts < 100 => {
                    attempts += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("index opens: {e}"),
            }
        };
        assert_eq!(index.checkpoint().position, head);
    }
);

/// A log line captured in memory, for tests of what is logged at which level.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

both!(
    a_concurrent_append_is_a_conflict_logged_below_error,
    |app: TestApp| async move {
        use actix_web::ResponseError;
        use tracing::instrument::WithSubscriber;

        let owner = app.user(Role::Researcher, None).await;
        let actor = Actor {
            user_id: owner.id,
            role: Role::Researcher,
            organization_id: None,
        };
        let store = &app.state.aggregates.listings;
        let submit = || Command::new(actor, Utc::now(), ListingAction::Submit);
        let out = Captured::default();
        let mut raced = false;
        // Two submits of one draft, joined on one task: both load version 1, one appends, the
        // other's append collides with it (unless the first commits before the second loads).
        for _ in 0..20 {
            let id = app.draft(&owner, &listing_body("并发提交")).await;
            let subscriber = techmarket::telemetry::subscriber(
                tracing_subscriber::EnvFilter::new("debug,sqlx=warn"),
                true,
                out.clone(),
            );
            // Other tests' subscribers come and go on other threads: make every callsite ask
            // this one too, or an INFO line can be filtered by interest cached without it.
            tracing::callsite::rebuild_interest_cache();
            let lost = async {
                let (a, b) = futures::join!(
                    store.execute(id, None, submit()),
                    store.execute(id, None, submit())
                );
                let lost = techmarket::error::AppError::from(
                    a.err().or(b.err()).expect("one of them was refused"),
                );
                // The answer the HTTP layer would give, logged as it would be.
                let status = lost.error_response().status().as_u16();
                (lost, status)
            }
            .with_subscriber(subscriber)
            .await;
            assert_eq!(lost.1, 409, "{:?}", lost.0);
            if matches!(lost.0, techmarket::error::AppError::Conflict(_)) {
                raced = true;
                break;
            }
        }
        assert!(raced, "the two appends never collided");
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let levels: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["level"].to_string())
            .collect();
        assert!(
            !levels.iter().any(|l| l.contains("ERROR")),
            "a conflict was logged at ERROR:\n{text}"
        );
        assert!(
            text.contains("request refused: conflict"),
            "the conflict was not logged at all:\n{text}"
        );
    }
);

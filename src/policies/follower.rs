//! The runner shared by policies that follow the global log: at least once, in log order, each
//! with its own checkpoint in `policy_checkpoints`. A policy acts on a page of entries, then the
//! page's last position is recorded (at once when it acted, otherwise in batches); a crash in
//! between replays the page, so every policy's handling must be idempotent (each says how it is).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use async_trait::async_trait;
use tokio::sync::watch;

use super::PolicyError;
use crate::metrics::Progress;
use crate::state::AppState;
use crate::store::log::{self, LoggedEvent};
use crate::store::sql::Arg;
use crate::store::{Db, StoreError};

const PAGE: i64 = 500;
/// How long a woken policy waits for more commands before it reads the log.
const COALESCE: Duration = Duration::from_millis(50);

#[async_trait]
pub trait Policy: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Acts on the entries; returns how many commands it issued.
    async fn handle(&self, state: &AppState, entries: &[LoggedEvent])
        -> Result<usize, PolicyError>;
}

pub async fn checkpoint(db: &Db, name: &str) -> Result<i64, StoreError> {
    let mut rc = db.read().await?;
    let row = rc
        .conn()
        .fetch_optional(
            "SELECT position FROM policy_checkpoints WHERE name = $1",
            &[Arg::Text(name.into())],
        )
        .await?;
    Ok(match row {
        Some(r) => r.i64("position")?,
        None => 0,
    })
}

async fn save_checkpoint(db: &Db, name: &str, position: i64) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "INSERT INTO policy_checkpoints (name, position) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            &[Arg::Text(name.into()), Arg::I64(position)],
        )
        .await?;
    tx.commit().await
}

/// How far a policy has read, and how far that is saved. Saving is a write transaction (and a
/// WAL flush on PostgreSQL), so the runner saves when the policy acted, when it has read far
/// without acting, after a while, or when it goes idle; never for every page. A crash loses at
/// most the unsaved stretch, which is replayed, and replaying is idempotent.
pub struct Cursor {
    pub position: i64,
    /// The log's head as the last page read saw it.
    pub head: i64,
    saved: i64,
    saved_at: Instant,
    /// Entries read since the last save (positions are sparse, so they cannot be subtracted).
    unsaved: usize,
}

/// Save at least this often while reading...
const SAVE_EVERY: Duration = Duration::from_secs(5);
/// ...or after reading this many entries past the saved position without acting.
const SAVE_AFTER: usize = 10_000;

impl Cursor {
    pub async fn load(db: &Db, name: &str) -> Result<Cursor, StoreError> {
        let position = checkpoint(db, name).await?;
        Ok(Cursor {
            position,
            head: position,
            saved: position,
            saved_at: Instant::now(),
            unsaved: 0,
        })
    }

    fn due(&self) -> bool {
        self.position > self.saved
            && (self.unsaved >= SAVE_AFTER || self.saved_at.elapsed() >= SAVE_EVERY)
    }

    /// Saves the position if it moved since the last save.
    pub async fn save(&mut self, db: &Db, name: &str) -> Result<(), StoreError> {
        if self.position > self.saved {
            save_checkpoint(db, name, self.position).await?;
            self.saved = self.position;
        }
        self.unsaved = 0;
        self.saved_at = Instant::now();
        Ok(())
    }
}

/// Handles one page after `cursor`; `Ok(false)` when everything settled has been read and
/// nothing committed waits behind an older transaction. Saves the cursor when the policy acted
/// (so what it did is not redone needlessly) or when a save is due.
#[tracing::instrument(
    name = "follower_page",
    skip_all,
    fields(
        follower = policy.name(),
        after = cursor.position,
        entries = tracing::field::Empty,
        acted = tracing::field::Empty
    )
)]
pub async fn step(
    policy: &dyn Policy,
    state: &AppState,
    cursor: &mut Cursor,
) -> Result<bool, PolicyError> {
    let page = log::page_after(&mut state.db.read().await?.conn(), cursor.position, PAGE).await?;
    cursor.head = page.head;
    let span = tracing::Span::current();
    span.record("entries", page.entries.len());
    if let Some(last) = page.entries.last().map(|e| e.position) {
        let acted = policy.handle(state, &page.entries).await?;
        span.record("acted", acted);
        cursor.position = last;
        cursor.unsaved += page.entries.len();
        if acted > 0 || cursor.due() {
            cursor.save(&state.db, policy.name()).await?;
        }
    }
    Ok(page.read_again().await)
}

/// Handles one page of the log after the policy's saved checkpoint and saves it:
/// `Ok(false)` when nothing was new.
pub async fn catch_up_once(policy: &dyn Policy, state: &AppState) -> Result<bool, PolicyError> {
    let mut cursor = Cursor::load(&state.db, policy.name()).await?;
    let progressed = step(policy, state, &mut cursor).await?;
    cursor.save(&state.db, policy.name()).await?;
    Ok(progressed)
}

/// The background task for `policy`, until `shutdown` turns true. After each page, and when
/// it goes idle, it tells `progress` how far it has read.
pub async fn run(
    policy: Box<dyn Policy>,
    state: web::Data<AppState>,
    progress: Arc<Progress>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut cursor = None;
    loop {
        if *shutdown.borrow() {
            if let Some(c) = cursor.as_mut() {
                let _ = Cursor::save(c, &state.db, policy.name()).await;
            }
            return;
        }
        let progressed = async {
            if cursor.is_none() {
                cursor = Some(Cursor::load(&state.db, policy.name()).await?);
            }
            let c = cursor.as_mut().expect("loaded above");
            let progressed = step(policy.as_ref(), &state, c).await?;
            progress.read_to(policy.name(), c.position, c.head);
            if !progressed {
                // Idle: what was read is saved before waiting.
                c.save(&state.db, policy.name()).await?;
            }
            Ok::<_, PolicyError>(progressed)
        };
        let progressed = match progressed.await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(policy = policy.name(), error = %e, "policy could not catch up; retrying");
                // Start again from what is saved: the database may have been replaced or restored.
                cursor = None;
                false
            }
        };
        if !progressed {
            tokio::select! {
                _ = state.appended.notified() => {
                    // Every command wakes every follower; a policy is in no hurry, so it lets
                    // the commands of the next moment gather into one read.
                    tokio::time::sleep(COALESCE).await;
                }
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

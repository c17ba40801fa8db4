//! Fresh tables beside the live read models, on a connection of the rebuild's own, under the
//! same names: the projections' SQL is unchanged and writes to them without knowing. The live
//! tables keep serving reads and commands until [`Shadow::swap`] puts the new ones in place.
//!
//! - PostgreSQL: a schema of its own (`rebuild_…`) first on the connection's `search_path`,
//!   tables made `LIKE` the live ones with the same constraint and index names; the swap drops
//!   the live tables and moves the new ones into their schema (a rename, however large).
//! - SQLite: `TEMP` tables, which SQLite looks up before the main database's; the swap copies
//!   them into the main tables in one write transaction (readers go on meanwhile, in WAL).

use uuid::Uuid;

use crate::store::sql::{Arg, Conn};
use crate::store::{Db, OwnConn, StoreError};

/// One rebuild at a time per database (a session lock on PostgreSQL; SQLite's temporary tables
/// are the connection's own, and its swap is one write transaction).
const REBUILD_LOCK: i64 = 0x0072_6562_7569_6c64; // "rebuild"

/// How long the swap waits for the live tables before it gives way and tries again, so that it
/// never queues every reader behind a long transaction for long.
const SWAP_LOCK_TIMEOUT: &str = "5s";

pub struct Shadow {
    own: OwnConn,
    tables: Vec<&'static str>,
    pg: Option<Pg>,
}

struct Pg {
    /// The schema of the live tables.
    live: String,
    /// The rebuild's schema.
    schema: String,
}

impl Shadow {
    /// Empty tables shaped like `tables`, made the ones this connection writes to.
    pub async fn open(db: &Db, tables: Vec<&'static str>) -> Result<Self, StoreError> {
        let mut own = db.own_connection().await?;
        let pg = if own.conn().is_postgres() {
            Some(open_pg(&mut own.conn(), &tables).await?)
        } else {
            open_sqlite(&mut own.conn(), &tables).await?;
            None
        };
        Ok(Self { own, tables, pg })
    }

    pub fn conn(&mut self) -> Conn<'_> {
        self.own.conn()
    }

    /// Builds the secondary indexes: after the bulk of the rows, which is faster than
    /// maintaining them row by row. SQLite's temporary tables need none (the copy into the
    /// main tables maintains theirs).
    pub async fn index(&mut self) -> Result<(), StoreError> {
        let Some(pg) = &self.pg else { return Ok(()) };
        let mut conn = self.own.conn();
        for table in &self.tables {
            // With the rebuild's schema first on the path the live table is not visible, so
            // its index definitions come schema-qualified.
            let rows = conn
                .fetch_all(
                    "SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i \
                     WHERE i.indrelid = to_regclass($1) \
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                    &[Arg::Text(format!("{}.{table}", pg.live))],
                )
                .await?;
            for r in rows {
                let def = r.text("def")?;
                let (from, to) = (
                    format!(" ON {}.{table} ", pg.live),
                    format!(" ON {}.{table} ", pg.schema),
                );
                if !def.contains(&from) {
                    return Err(StoreError::Other(format!(
                        "cannot read the index of {table} to rebuild it: {def}"
                    )));
                }
                conn.execute(&def.replacen(&from, &to, 1), &[]).await?;
            }
        }
        Ok(())
    }

    /// Opens the swap's transaction: from here until [`swap`](Self::swap) commits, no command
    /// writes the live tables (on PostgreSQL nobody reads them either: the swap is short).
    /// Whatever committed before is in the log for the caller to catch up; whatever commits
    /// after writes on top of the new tables.
    pub async fn lock_live(&mut self) -> Result<(), StoreError> {
        let mut conn = self.own.conn();
        let Some(pg) = &self.pg else {
            conn.execute("BEGIN IMMEDIATE", &[]).await?;
            return Ok(());
        };
        let live: Vec<String> = self
            .tables
            .iter()
            .map(|t| format!("{}.{t}", pg.live))
            .collect();
        let mut tries = 0;
        loop {
            conn.execute("BEGIN", &[]).await?;
            conn.execute("SET LOCAL synchronous_commit = on", &[])
                .await?;
            conn.execute(
                &format!("SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'"),
                &[],
            )
            .await?;
            // In the order commands write them (projection order), so as not to deadlock.
            let locked = conn
                .execute(
                    &format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", live.join(", ")),
                    &[],
                )
                .await;
            match locked {
                Ok(_) => return Ok(()),
                Err(e) if tries < 5 && is_lock_timeout(&e) => {
                    conn.execute("ROLLBACK", &[]).await?;
                    tries += 1;
                    tracing::info!(tries, "rebuild: the read models are busy; trying again");
                }
                Err(e) => {
                    conn.execute("ROLLBACK", &[]).await.ok();
                    return Err(e.into());
                }
            }
        }
    }

    /// Puts the new tables in place of the live ones and commits the transaction of
    /// [`lock_live`](Self::lock_live) (with whatever the caller wrote in it meanwhile).
    pub async fn swap(&mut self) -> Result<(), StoreError> {
        let tables = self.tables.clone();
        let mut conn = self.own.conn();
        match &self.pg {
            Some(pg) => {
                let live: Vec<String> = tables.iter().map(|t| format!("{}.{t}", pg.live)).collect();
                conn.execute(&format!("DROP TABLE {}", live.join(", ")), &[])
                    .await?;
                for t in &tables {
                    conn.execute(
                        &format!("ALTER TABLE {}.{t} SET SCHEMA {}", pg.schema, pg.live),
                        &[],
                    )
                    .await?;
                }
                conn.execute(&format!("DROP SCHEMA {}", pg.schema), &[])
                    .await?;
            }
            None => {
                for t in &tables {
                    conn.execute(&format!("DELETE FROM main.{t}"), &[]).await?;
                    conn.execute(&format!("INSERT INTO main.{t} SELECT * FROM temp.{t}"), &[])
                        .await?;
                    conn.execute(&format!("DROP TABLE temp.{t}"), &[]).await?;
                }
            }
        }
        conn.execute("COMMIT", &[]).await?;
        if self.pg.is_some() {
            // New tables have no planner statistics until autovacuum gets to them (if it runs
            // at all): gather them now, outside the lock, so queries are planned for what the
            // tables hold.
            conn.execute(&format!("ANALYZE {}", tables.join(", ")), &[])
                .await?;
        }
        Ok(())
    }

    /// Undoes what is left after a failure: the rebuild's schema on PostgreSQL (SQLite's
    /// temporary tables go with the connection).
    pub async fn discard(mut self) {
        let mut conn = self.own.conn();
        conn.execute("ROLLBACK", &[]).await.ok();
        if let Some(pg) = &self.pg {
            if let Err(e) = conn
                .execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", pg.schema), &[])
                .await
            {
                tracing::warn!(error = %e, schema = %pg.schema, "rebuild: could not drop its schema");
            }
        }
    }
}

fn is_lock_timeout(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "55P03")
}

async fn open_pg(conn: &mut Conn<'_>, tables: &[&'static str]) -> Result<Pg, StoreError> {
    let locked = conn
        .fetch_one(
            "SELECT pg_try_advisory_lock($1) AS locked",
            &[Arg::I64(REBUILD_LOCK)],
        )
        .await?;
    if !locked.bool("locked")? {
        return Err(StoreError::Other(
            "another rebuild of the read models is running".into(),
        ));
    }
    let live = conn
        .fetch_one("SELECT current_schema() AS s", &[])
        .await?
        .text("s")?;
    // What a rebuild that died (the process killed) left behind: nobody else can be using it
    // while we hold the lock.
    for r in conn
        .fetch_all(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'",
            &[],
        )
        .await?
    {
        let stale = r.text("nspname")?;
        conn.execute(&format!("DROP SCHEMA {stale} CASCADE"), &[])
            .await?;
    }
    let schema = format!("rebuild_{}", Uuid::now_v7().simple());
    conn.execute(&format!("CREATE SCHEMA {schema}"), &[])
        .await?;
    for t in tables {
        conn.execute(
            &format!(
                "CREATE TABLE {schema}.{t} (LIKE {live}.{t} INCLUDING DEFAULTS INCLUDING GENERATED \
                 INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE)"
            ),
            &[],
        )
        .await?;
        // Keys and unique constraints now (the upserts need them), under their own names.
        let keys = conn
            .fetch_all(
                "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint \
                 WHERE conrelid = to_regclass($1) AND contype IN ('p', 'u', 'x')",
                &[Arg::Text(format!("{live}.{t}"))],
            )
            .await?;
        for k in keys {
            conn.execute(
                &format!(
                    "ALTER TABLE {schema}.{t} ADD CONSTRAINT {} {}",
                    k.text("conname")?,
                    k.text("def")?
                ),
                &[],
            )
            .await?;
        }
    }
    conn.execute(&format!("SET search_path = {schema}, {live}"), &[])
        .await?;
    // The bulk can be written again from the log if the machine falls over: no flush per page.
    // The swap's own transaction sets it back.
    conn.execute("SET synchronous_commit = off", &[]).await?;
    Ok(Pg { live, schema })
}

async fn open_sqlite(conn: &mut Conn<'_>, tables: &[&'static str]) -> Result<(), StoreError> {
    for t in tables {
        let sql = conn
            .fetch_one(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1",
                &[Arg::Text((*t).into())],
            )
            .await?
            .text("sql")?;
        // SQLite stores the statement normalized: it starts `CREATE TABLE`.
        let Some(rest) = sql.strip_prefix("CREATE TABLE") else {
            return Err(StoreError::Other(format!(
                "cannot read how {t} was made to rebuild it: {sql}"
            )));
        };
        conn.execute(&format!("CREATE TEMP TABLE{rest}"), &[])
            .await?;
    }
    Ok(())
}

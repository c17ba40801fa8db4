//! An in-memory copy of the statistics facts, for cuts at scale.
//!
//! Summing a million fact rows in SQL takes hundreds of milliseconds; scanning a compact
//! in-memory copy takes a few. The cube holds every fact with its dimensions dictionary-encoded
//! and follows `contract_stat_facts` by log position up to the settled head (see `store::log`:
//! nothing at or below it can still appear), so it is another catch-up projection: it answers
//! from exactly the facts committed up to the log head it has read. The SQL query
//! (`query::run`) stays the reference; the exactness tests hold the two equal. A snapshot on
//! disk (`snapshot`) spares a restart the full load.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use tokio::sync::RwLock;

mod snapshot;

use super::query::{self, Cut, DateBasis, Dim, Granularity, Line, Totals};
use crate::store::log;
use crate::store::sql::{Arg, Conn};
use crate::store::{Db, StoreError};

/// Every dimension but period and IP kind, in the order of [`Row::dims`].
const DIMS: [Dim; 13] = [
    Dim::Taxonomy,
    Dim::Type,
    Dim::Subtype,
    Dim::Field,
    Dim::SellerNature,
    Dim::BuyerNature,
    Dim::SellerRegion,
    Dim::BuyerRegion,
    Dim::SellerProvince,
    Dim::BuyerProvince,
    Dim::Flow,
    Dim::SellerZone,
    Dim::BuyerZone,
];
const COLUMNS: [&str; 13] = [
    "taxonomy",
    "contract_type",
    "subtype",
    "field",
    "seller_nature",
    "buyer_nature",
    "seller_region",
    "buyer_region",
    "seller_province",
    "buyer_province",
    "flow",
    "seller_zone",
    "buyer_zone",
];
/// Facts read per page.
const PAGE: i64 = 50_000;
/// Facts read from the database past the last snapshot before a new one is written.
const SNAPSHOT_AFTER: usize = 100_000;
/// How often the warm-keeping task reads ahead.
const WARM_EVERY: std::time::Duration = std::time::Duration::from_secs(300);
/// How long a cut waits for the log to settle before answering 503.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);
pub const GENERATION: &str = "sql_read_models";

/// A multiply-rotate hasher for the cube's small fixed keys: SipHash's resistance to chosen
/// keys buys nothing here (the keys are our own codes) and costs most of a cut's time.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Default)]
struct Dict {
    values: Vec<String>,
    codes: HashMap<String, u16>,
}

impl Dict {
    fn code(&mut self, v: &str) -> u16 {
        if let Some(c) = self.codes.get(v) {
            return *c;
        }
        let c = self.values.len() as u16;
        self.codes.insert(v.to_string(), c);
        self.values.push(v.to_string());
        c
    }
}

struct Row {
    registered: i32,
    signed: i32,
    /// Months since 1900 of each date: quarters and years follow by integer division, so a
    /// period cut never turns day numbers back into dates.
    registered_month: u16,
    signed_month: u16,
    recorded_us: i64,
    count: i64,
    amount: i64,
    tech: i64,
    dims: [u16; 13],
    /// Bit i set: the contract involves the IP kind coded i.
    ip: u32,
}

#[derive(Default)]
struct Inner {
    generation: i64,
    position: i64,
    dicts: Vec<Dict>,
    ip_kinds: Dict,
    rows: Vec<Row>,
}

#[derive(Default)]
pub struct Cube {
    inner: RwLock<Inner>,
}

/// Where the cube of the database at `database_url` keeps its snapshot.
pub fn snapshot_path(data_dir: &std::path::Path, database_url: &str) -> std::path::PathBuf {
    data_dir.join("stats").join(format!(
        "{}.cube",
        crate::projections::search::database_key(database_url)
    ))
}

/// The SQL read models' generation: a rebuild starts a new one, and the cube starts again.
async fn generation(conn: &mut Conn<'_>) -> Result<i64, StoreError> {
    Ok(conn
        .fetch_optional(
            "SELECT generation FROM projection_generations WHERE name = $1",
            &[Arg::Text(GENERATION.into())],
        )
        .await?
        .map(|r| r.i64("generation"))
        .transpose()?
        .unwrap_or(0))
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse()
        .map_err(|e| StoreError::Other(format!("bad date {s} in facts: {e}")))
}

/// Months since January 1900: periods encoded so that they sort as they read.
fn month_code(d: NaiveDate) -> u16 {
    ((d.year().clamp(1900, 7000) - 1900) * 12 + d.month0() as i32) as u16
}

fn period_code(month: u16, g: Granularity) -> u16 {
    match g {
        Granularity::Year => month / 12,
        Granularity::Quarter => month / 3,
        Granularity::Month => month,
    }
}

fn period_name(code: u16, g: Granularity) -> String {
    let c = code as i32;
    match g {
        Granularity::Year => format!("{}", c + 1900),
        Granularity::Quarter => format!("{}-Q{}", c / 4 + 1900, c % 4 + 1),
        Granularity::Month => format!("{}-{:02}", c / 12 + 1900, c % 12 + 1),
    }
}

impl Cube {
    /// Reads the facts committed since the last call (all of them after a rebuild of the SQL
    /// read models), until the cube holds everything up to the log head as of now.
    pub async fn catch_up(&self, db: &Db) -> Result<(), StoreError> {
        let mut rc = db.read().await?;
        let head = log::settled_head(&mut rc.conn(), PATIENCE).await?;
        let generation = generation(&mut rc.conn()).await?;
        {
            let inner = self.inner.read().await;
            if inner.generation == generation && inner.position >= head {
                return Ok(());
            }
        }
        let mut inner = self.inner.write().await;
        if inner.generation != generation {
            *inner = Inner {
                generation,
                ..Inner::default()
            };
        }
        if inner.dicts.is_empty() {
            inner.dicts = (0..DIMS.len()).map(|_| Dict::default()).collect();
        }
        let columns = COLUMNS.join(", ");
        while inner.position < head {
            let mut rows = rc
                .conn()
                .fetch_all(
                    &format!(
                        "SELECT position, recorded_at, registered_basis, signing_date, count_delta, amount_delta, \
                         tech_amount_delta, ip_kinds, {columns} FROM contract_stat_facts \
                         WHERE position > $1 AND position <= $2 ORDER BY position, part LIMIT $3"
                    ),
                    &[Arg::I64(inner.position), Arg::I64(head), Arg::I64(PAGE)],
                )
                .await?;
            // The facts of one event (an amendment's two) share a position and must never be
            // split across pages: a full page ends before its last position, read again next.
            let upper = if rows.len() == PAGE as usize {
                let last = rows.last().expect("a full page").i64("position")?;
                let first = rows[0].i64("position")?;
                if first == last {
                    return Err(StoreError::Other(format!(
                        "more than {PAGE} statistics facts at position {last}"
                    )));
                }
                while rows.last().map(|r| r.i64("position")).transpose()? == Some(last) {
                    rows.pop();
                }
                last - 1
            } else {
                head
            };
            let mut batch = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut dims = [0u16; 13];
                for (i, col) in COLUMNS.iter().enumerate() {
                    dims[i] = inner.dicts[i].code(r.str(col)?);
                }
                let mut ip = 0u32;
                for kind in r.str("ip_kinds")?.split(';').filter(|k| !k.is_empty()) {
                    ip |= 1 << (inner.ip_kinds.code(kind) as u32).min(31);
                }
                let (registered, signed) = (
                    parse_date(r.str("registered_basis")?)?,
                    parse_date(r.str("signing_date")?)?,
                );
                batch.push(Row {
                    registered: day(registered),
                    signed: day(signed),
                    registered_month: month_code(registered),
                    signed_month: month_code(signed),
                    recorded_us: r.time("recorded_at")?.timestamp_micros(),
                    count: r.i64("count_delta")?,
                    amount: r.i64("amount_delta")?,
                    tech: r.i64("tech_amount_delta")?,
                    dims,
                    ip,
                });
            }
            inner.rows.append(&mut batch);
            inner.position = upper;
        }
        Ok(())
    }

    /// The cut, from memory. Same lines and totals as `query::run` on the same facts.
    pub async fn run(&self, cut: &Cut) -> Result<(Vec<Line>, Totals), StoreError> {
        let inner = self.inner.read().await;
        let from = cut.from.map(day).unwrap_or(i32::MIN);
        let to = cut.to.map(day).unwrap_or(i32::MAX);
        let as_of = cut
            .as_of
            .map(|t: DateTime<Utc>| t.timestamp_micros())
            .unwrap_or(i64::MAX);
        let slots: Vec<Option<usize>> = cut
            .by
            .iter()
            .map(|d| DIMS.iter().position(|x| x == d))
            .collect();
        let ip_slot = cut.by.iter().position(|d| *d == Dim::IpKind);
        // Amounts are summed wide: a region's totals can pass what i64 fen holds, and a sum
        // must never wrap; one that cannot be reported is refused (see `query::fen`).
        let mut groups: HashMap<[u16; 16], (i64, i128, i128), BuildHasherDefault<KeyHasher>> =
            HashMap::default();
        let mut totals = (0i64, 0i128, 0i128);
        for r in &inner.rows {
            let (date, month) = match cut.date_basis {
                DateBasis::Registered => (r.registered, r.registered_month),
                DateBasis::Signed => (r.signed, r.signed_month),
            };
            if date < from || date > to || r.recorded_us > as_of {
                continue;
            }
            totals.0 += r.count;
            totals.1 += r.amount as i128;
            totals.2 += r.tech as i128;
            let mut key = [0u16; 16];
            for (i, d) in cut.by.iter().enumerate() {
                key[i] = match (d, slots[i]) {
                    (Dim::Period, _) => period_code(month, cut.granularity),
                    (_, Some(slot)) => r.dims[slot],
                    _ => 0,
                };
            }
            let mut add = |key: [u16; 16]| {
                let g = groups.entry(key).or_default();
                g.0 += r.count;
                g.1 += r.amount as i128;
                g.2 += r.tech as i128;
            };
            match ip_slot {
                None => add(key),
                Some(slot) => {
                    let mut bits = r.ip;
                    while bits != 0 {
                        let kind = bits.trailing_zeros() as u16;
                        bits &= bits - 1;
                        let mut k = key;
                        k[slot] = kind;
                        add(k);
                    }
                }
            }
        }
        let mut lines = Vec::with_capacity(groups.len());
        for (key, (count, amount, tech)) in groups {
            if (count, amount, tech) == (0, 0, 0) {
                continue;
            }
            lines.push(Line {
                keys: cut
                    .by
                    .iter()
                    .enumerate()
                    .map(|(i, d)| match (d, slots[i]) {
                        (Dim::Period, _) => period_name(key[i], cut.granularity),
                        (Dim::IpKind, _) => inner.ip_kinds.values[key[i] as usize].clone(),
                        (_, Some(slot)) => inner.dicts[slot].values[key[i] as usize].clone(),
                        _ => String::new(),
                    })
                    .collect(),
                count,
                contract_amount_fen: query::fen(amount)?,
                technology_amount_fen: query::fen(tech)?,
            });
        }
        lines.sort_by(|a, b| a.keys.cmp(&b.keys));
        let totals = Totals {
            count: totals.0,
            contract_amount_fen: query::fen(totals.1)?,
            technology_amount_fen: query::fen(totals.2)?,
        };
        Ok((lines, totals))
    }

    /// Keeps the cube warm for the life of the service: at start it takes the snapshot at `path`
    /// if it fits and reads what came since, so the first cut does not wait for a full load;
    /// then, now and then, it reads ahead and writes a new snapshot once enough facts came in.
    pub async fn keep_warm(
        self: std::sync::Arc<Self>,
        db: Db,
        path: std::path::PathBuf,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        match self.restore_snapshot(&db, &path).await {
            Ok(true) => {
                let facts = self.fact_count().await;
                tracing::info!(facts, "statistics cube restored from its snapshot");
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "statistics cube snapshot not read"),
        }
        let mut saved = self.fact_count().await;
        loop {
            match self.catch_up(&db).await {
                Ok(()) => {
                    let now = self.fact_count().await;
                    if now >= saved + SNAPSHOT_AFTER {
                        match self.save_snapshot(&path).await {
                            Ok(_) => saved = now,
                            Err(e) => {
                                tracing::warn!(error = %e, "statistics cube snapshot not written")
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "statistics cube could not catch up"),
            }
            tokio::select! {
                _ = tokio::time::sleep(WARM_EVERY) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// How many facts the cube holds.
    pub async fn fact_count(&self) -> usize {
        self.inner.read().await.rows.len()
    }
}

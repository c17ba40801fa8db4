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

use chrono::{Datelike, NaiveDate};
use tokio::sync::RwLock;

mod scan;
mod snapshot;

use super::query::{self, Cut, Dim, Granularity, Line, Totals};
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
/// Facts read from the database past the last snapshot before a new one is written.
const SNAPSHOT_AFTER: usize = 100_000;
/// How often the warm-keeping task reads ahead.
const WARM_EVERY: std::time::Duration = std::time::Duration::from_secs(300);
/// How long a cut waits for the log to settle before answering 503.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);
pub const GENERATION: &str = "sql_read_models";

/// A multiply-rotate hasher for the cube's own small keys (codes, and the few values of each
/// dimension): SipHash's resistance to chosen keys buys nothing for them and costs most of a
/// wide cut's time, and much of a cold start's.
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

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct Dict {
    values: Vec<String>,
    codes: FastMap<String, u16>,
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
    /// The earliest and latest month of any fact's dates (both bases): the periods a cut has.
    months: Option<(u16, u16)>,
}

impl Inner {
    fn push(&mut self, row: Row) {
        let (lo, hi) = (
            row.registered_month.min(row.signed_month),
            row.registered_month.max(row.signed_month),
        );
        self.months = Some(match self.months {
            None => (lo, hi),
            Some((a, b)) => (a.min(lo), b.max(hi)),
        });
        self.rows.push(row);
    }
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

/// A fact's `YYYY-MM-DD`, read by hand: a million of them through chrono's general parser is
/// a noticeable part of a cold start.
fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let quick = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?))
        .flatten();
    match quick {
        Some(d) => Ok(d),
        None => s
            .parse()
            .map_err(|e| StoreError::Other(format!("bad date {s} in facts: {e}"))),
    }
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

/// The columns of a fact, in the order [`fact`] reads them, as one text joined by the unit
/// separator. sqlx hands SQLite's values over one allocation each, and twenty of them a fact
/// made reading a million facts take ten seconds; one text a fact takes under two.
fn packed(pg: bool) -> String {
    let (separator, recorded) = if pg {
        (
            "chr(31)",
            "CAST(EXTRACT(EPOCH FROM recorded_at) * 1000000 AS BIGINT)",
        )
    } else {
        ("char(31)", "recorded_at")
    };
    [
        recorded,
        "registered_basis",
        "signing_date",
        "count_delta",
        "amount_delta",
        "tech_amount_delta",
        "ip_kinds",
    ]
    .into_iter()
    .chain(COLUMNS)
    .collect::<Vec<_>>()
    .join(&format!(" || {separator} || "))
}

/// One fact as the cube holds it, from its [`packed`] text, coding its values into the cube's
/// dictionaries.
fn fact(inner: &mut Inner, packed: &str, pg: bool) -> Result<Row, StoreError> {
    let bad = || {
        StoreError::Other(format!(
            "a statistics fact the cube cannot read: {packed:?}"
        ))
    };
    let mut fields = packed.split('\u{1f}');
    let mut next = || fields.next().ok_or_else(bad);
    let recorded_us = if pg {
        next()?.parse().map_err(|_| bad())?
    } else {
        chrono::DateTime::parse_from_rfc3339(next()?)
            .map_err(|_| bad())?
            .timestamp_micros()
    };
    let (registered, signed) = (parse_date(next()?)?, parse_date(next()?)?);
    let mut number = || -> Result<i64, StoreError> { next()?.parse().map_err(|_| bad()) };
    let (count, amount, tech) = (number()?, number()?, number()?);
    let mut ip = 0u32;
    for kind in next()?.split(';').filter(|k| !k.is_empty()) {
        ip |= 1 << (inner.ip_kinds.code(kind) as u32).min(31);
    }
    let mut dims = [0u16; 13];
    for (i, d) in dims.iter_mut().enumerate() {
        *d = inner.dicts[i].code(next()?);
    }
    if next().is_ok() {
        return Err(bad());
    }
    Ok(Row {
        registered: day(registered),
        signed: day(signed),
        registered_month: month_code(registered),
        signed_month: month_code(signed),
        recorded_us,
        count,
        amount,
        tech,
        dims,
        ip,
    })
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
        if inner.position >= head {
            return Ok(());
        }
        // One query, streamed, in no order: the sums do not care, and a sort (or a page at a
        // time, each sorting what is left) costs more than the read.
        // A full load reads the table in one pass (`+ 0` keeps either planner off the position
        // index, which would cost a lookup per fact); a catch-up reads the few new ones by it.
        let range = if inner.position == 0 {
            "position + 0 > $1 AND position + 0 <= $2"
        } else {
            "position > $1 AND position <= $2"
        };
        let pg = rc.conn().is_postgres();
        let sql = format!(
            "SELECT {} AS fact FROM contract_stat_facts WHERE {range}",
            packed(pg)
        );
        let before = inner.rows.len();
        let read = rc
            .conn()
            .for_each(
                &sql,
                &[Arg::I64(inner.position), Arg::I64(head)],
                |r| -> Result<(), StoreError> {
                    let row = fact(&mut inner, r.str(0)?, pg)?;
                    inner.push(row);
                    Ok(())
                },
            )
            .await;
        if let Err(e) = read {
            // The read joins the cube whole or not at all; the codes and months it added only
            // widen the cube's dictionaries and span, which no cut sees without facts.
            inner.rows.truncate(before);
            return Err(e);
        }
        inner.position = head;
        Ok(())
    }

    /// The cut, from memory. Same lines and totals as `query::run` on the same facts.
    pub async fn run(&self, cut: &Cut) -> Result<(Vec<Line>, Totals), StoreError> {
        let inner = self.inner.read().await;
        let plan = scan::Plan::new(&inner, cut);
        let (groups, totals) = scan::scan(&inner, &plan);
        let mut lines = Vec::with_capacity(groups.len());
        for (digits, sums) in groups {
            lines.push(Line {
                keys: plan
                    .parts
                    .iter()
                    .zip(&digits)
                    .map(|(part, d)| match part {
                        scan::Part::Period => period_name(plan.first_period + d, plan.granularity),
                        scan::Part::Ip => inner.ip_kinds.values[*d as usize].clone(),
                        scan::Part::Dim(slot) => inner.dicts[*slot].values[*d as usize].clone(),
                    })
                    .collect(),
                count: sums.count,
                contract_amount_fen: query::fen(sums.amount)?,
                technology_amount_fen: query::fen(sums.tech)?,
            });
        }
        lines.sort_by(|a, b| a.keys.cmp(&b.keys));
        let totals = Totals {
            count: totals.count,
            contract_amount_fen: query::fen(totals.amount)?,
            technology_amount_fen: query::fen(totals.tech)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_by_hand_as_chrono_reads_them() {
        // The odd but readable ones go through chrono, as before.
        for s in [
            "2026-11-29",
            "2024-02-29",
            "1999-12-31",
            "0001-01-01",
            "2026-1-01",
        ] {
            assert_eq!(parse_date(s).unwrap(), s.parse::<NaiveDate>().unwrap());
        }
        for s in ["2023-02-29", "2026-13-01", "20261129", "2026-11-2x", ""] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    fn inner() -> Inner {
        Inner {
            dicts: (0..DIMS.len()).map(|_| Dict::default()).collect(),
            ..Inner::default()
        }
    }

    #[test]
    fn a_packed_fact_reads_into_codes() {
        let mut fields = vec![
            "1700000000123456",
            "2026-03-31",
            "2026-01-15",
            "1",
            "250000000",
            "100000000",
            "invention_patent;software_copyright",
        ];
        fields.extend(COLUMNS);
        let text = fields.join("\u{1f}");
        let mut inner = inner();
        let row = fact(&mut inner, &text, true).unwrap();
        assert_eq!(row.recorded_us, 1_700_000_000_123_456);
        assert_eq!(
            row.registered_month,
            month_code("2026-03-31".parse().unwrap())
        );
        assert_eq!(
            (row.count, row.amount, row.tech),
            (1, 250_000_000, 100_000_000)
        );
        assert_eq!(row.ip, 0b11);
        assert_eq!(inner.dicts[3].values, vec!["field".to_string()]);

        let sqlite = text.replacen("1700000000123456", "2023-11-14T22:13:20.123456Z", 1);
        assert_eq!(
            fact(&mut inner, &sqlite, false).unwrap().recorded_us,
            1_700_000_000_123_456
        );
    }

    #[test]
    fn a_fact_with_a_field_too_many_or_too_few_is_refused() {
        let mut fields = vec!["1", "2026-03-31", "2026-01-15", "1", "2", "3", ""];
        fields.extend(COLUMNS);
        let text = fields.join("\u{1f}");
        let mut inner = inner();
        assert!(fact(&mut inner, &text, true).is_ok());
        assert!(fact(&mut inner, &format!("{text}\u{1f}x"), true).is_err());
        let short = &text[..text.rfind('\u{1f}').unwrap()];
        assert!(fact(&mut inner, short, true).is_err());
        assert!(fact(
            &mut inner,
            &text.replacen("2026-03-31", "31/03/2026", 1),
            true
        )
        .is_err());
    }
}

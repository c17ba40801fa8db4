//! The cube on disk, so that a restart answers its first cut in a fraction of a second instead
//! of reading every fact again: the facts as the cube holds them (dictionaries and fixed-width
//! rows), with the log position and generation they stand at.
//!
//! A snapshot is only a cache. It is taken only if it belongs to the database as it is now:
//! the same read-model generation (a rebuild starts a new one), and the facts up to its
//! position counted and summed in the database exactly as in the file. Anything else (another
//! database, a restored backup, a damaged or truncated file) leaves the cube empty, to load from
//! the database as before.

use std::path::Path;

use super::{Cube, Dict, Inner, Row, DIMS};
use crate::store::sql::Arg;
use crate::store::{Db, StoreError};

const MAGIC: &[u8; 8] = b"TMCUBE01";

struct Writer(Vec<u8>);

impl Writer {
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn dict(&mut self, d: &Dict) {
        self.u32(d.values.len() as u32);
        for v in &d.values {
            self.u32(v.len() as u32);
            self.0.extend_from_slice(v.as_bytes());
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take().map(i32::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take().map(i64::from_le_bytes)
    }
    fn dict(&mut self) -> Option<Dict> {
        let n = self.u32()? as usize;
        let mut d = Dict::default();
        for _ in 0..n {
            let len = self.u32()? as usize;
            if self.0.len() < len {
                return None;
            }
            let (s, rest) = self.0.split_at(len);
            self.0 = rest;
            let s = std::str::from_utf8(s).ok()?;
            d.code(s);
        }
        Some(d)
    }
}

/// A fast 64-bit digest of the body, against a damaged file (not an adversary: the file is ours).
fn digest(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    h
}

/// Totals that tie a snapshot to the database's facts up to its position.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Tally {
    facts: i64,
    amount: i64,
    tech: i64,
}

fn tally(inner: &Inner) -> Tally {
    inner.rows.iter().fold(
        Tally {
            facts: 0,
            amount: 0,
            tech: 0,
        },
        |t, r| Tally {
            facts: t.facts + 1,
            amount: t.amount.wrapping_add(r.amount),
            tech: t.tech.wrapping_add(r.tech),
        },
    )
}

fn encode(inner: &Inner) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + inner.rows.len() * 74));
    w.i64(inner.generation);
    w.i64(inner.position);
    let t = tally(inner);
    w.i64(t.facts);
    w.i64(t.amount);
    w.i64(t.tech);
    w.u32(inner.dicts.len() as u32);
    for d in &inner.dicts {
        w.dict(d);
    }
    w.dict(&inner.ip_kinds);
    for r in &inner.rows {
        w.i32(r.registered);
        w.i32(r.signed);
        w.u16(r.registered_month);
        w.u16(r.signed_month);
        w.i64(r.recorded_us);
        w.i64(r.count);
        w.i64(r.amount);
        w.i64(r.tech);
        for d in r.dims {
            w.u16(d);
        }
        w.u32(r.ip);
    }
    let body = w.0;
    let mut out = Vec::with_capacity(body.len() + 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&digest(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

fn decode(bytes: &[u8]) -> Option<(Inner, Tally)> {
    let (magic, rest) = bytes.split_first_chunk::<8>()?;
    let (sum, body) = rest.split_first_chunk::<8>()?;
    if magic != MAGIC || u64::from_le_bytes(*sum) != digest(body) {
        return None;
    }
    let mut r = Reader(body);
    let generation = r.i64()?;
    let position = r.i64()?;
    let stated = Tally {
        facts: r.i64()?,
        amount: r.i64()?,
        tech: r.i64()?,
    };
    let n = r.u32()? as usize;
    if n != DIMS.len() {
        return None;
    }
    let dicts = (0..n).map(|_| r.dict()).collect::<Option<Vec<_>>>()?;
    let ip_kinds = r.dict()?;
    let mut inner = Inner {
        generation,
        position,
        dicts,
        ip_kinds,
        ..Inner::default()
    };
    inner.rows.reserve(stated.facts.clamp(0, 1 << 24) as usize);
    while !r.0.is_empty() {
        let mut row = Row {
            registered: r.i32()?,
            signed: r.i32()?,
            registered_month: r.u16()?,
            signed_month: r.u16()?,
            recorded_us: r.i64()?,
            count: r.i64()?,
            amount: r.i64()?,
            tech: r.i64()?,
            dims: [0; 13],
            ip: 0,
        };
        for d in row.dims.iter_mut() {
            *d = r.u16()?;
        }
        row.ip = r.u32()?;
        inner.push(row);
    }
    (tally(&inner) == stated).then_some((inner, stated))
}

impl Cube {
    /// Writes the cube to `path` (a temporary file renamed over it, so a crash leaves the old
    /// snapshot or the new one); returns its size in bytes.
    pub async fn save_snapshot(&self, path: &Path) -> Result<u64, StoreError> {
        let bytes = encode(&*self.inner.read().await);
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, &bytes)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            Ok(bytes.len() as u64)
        })
        .await
        .map_err(|e| StoreError::Other(format!("the cube snapshot task failed: {e}")))?
        .map_err(|e| StoreError::Other(format!("cannot write the cube snapshot: {e}")))
    }

    /// Takes the snapshot at `path` if it is this database's, as it is now (see the module);
    /// `Ok(false)`, the cube untouched, when there is none or it does not fit.
    pub async fn restore_snapshot(&self, db: &Db, path: &Path) -> Result<bool, StoreError> {
        let path = path.to_path_buf();
        let decoded =
            tokio::task::spawn_blocking(move || std::fs::read(&path).ok().and_then(|b| decode(&b)))
                .await
                .map_err(|e| StoreError::Other(format!("the cube snapshot task failed: {e}")))?;
        let Some((inner, tally)) = decoded else {
            return Ok(false);
        };
        let mut rc = db.read().await?;
        if super::generation(&mut rc.conn()).await? != inner.generation {
            return Ok(false);
        }
        let row = rc
            .conn()
            .fetch_one(
                "SELECT COUNT(*) AS facts, CAST(COALESCE(SUM(amount_delta), 0) AS BIGINT) AS amount, \
                 CAST(COALESCE(SUM(tech_amount_delta), 0) AS BIGINT) AS tech \
                 FROM contract_stat_facts WHERE position <= $1",
                &[Arg::I64(inner.position)],
            )
            .await?;
        let found = Tally {
            facts: row.i64("facts")?,
            amount: row.i64("amount")?,
            tech: row.i64("tech")?,
        };
        if found != tally {
            tracing::info!(?found, snapshot = ?tally, "the statistics cube's snapshot does not fit this database; loading from it instead");
            return Ok(false);
        }
        *self.inner.write().await = inner;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Inner {
        let mut dicts: Vec<Dict> = (0..DIMS.len()).map(|_| Dict::default()).collect();
        dicts[0].code("standard");
        dicts[1].code("技术开发");
        let mut ip_kinds = Dict::default();
        ip_kinds.code("invention_patent");
        let rows = (0..5)
            .map(|i| Row {
                registered: 738_000 + i,
                signed: 737_990 + i,
                registered_month: 1500,
                signed_month: 1499,
                recorded_us: 1_700_000_000_000_000 + i as i64,
                count: 1,
                amount: 1_000_000 * i as i64,
                tech: 500_000,
                dims: [1; 13],
                ip: 1,
            })
            .collect();
        Inner {
            generation: 3,
            position: 42 << 20,
            dicts,
            ip_kinds,
            rows,
            months: Some((1499, 1500)),
        }
    }

    #[test]
    fn a_snapshot_reads_back_as_written() {
        let inner = sample();
        let (back, tally_back) = decode(&encode(&inner)).expect("decodes");
        assert_eq!(encode(&back), encode(&inner));
        assert_eq!(tally_back, tally(&inner));
        assert_eq!(back.dicts[1].values, vec!["技术开发".to_string()]);
    }

    #[test]
    fn a_damaged_or_truncated_snapshot_is_refused() {
        let bytes = encode(&sample());
        for cut in [0, 8, 16, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_none(), "truncated at {cut}");
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x10;
        assert!(decode(&flipped).is_none());
        let mut magic = bytes;
        magic[0] = b'X';
        assert!(decode(&magic).is_none());
    }
}

//! A cut's pass over the cube's facts.
//!
//! A cut is a group-by over every fact, so its cost is the pass. When the cut's groups are few
//! (a dimension or two of a few dozen values, or periods), each group has a slot in a flat array
//! found by arithmetic on the facts' codes, so a fact costs a few additions and no hashing; the
//! facts are split across the machine's cores and the partial sums added up. Wider cuts (many
//! dimensions, or many values in each) group in a hash map instead.

use super::{period_code, FastMap, Inner, Row, DIMS};
use crate::projections::contract_stats::query::{Cut, DateBasis, Dim, Granularity};

/// The most slots a cut groups into by arithmetic (each is 48 bytes, per core).
const DENSE_SLOTS: usize = 1 << 15;
/// Facts below which a cut stays on one core: a thread costs more than the pass it would share.
const PARALLEL_FROM: usize = 100_000;
/// The most cores a cut takes.
const MAX_THREADS: usize = 4;

/// One group's sums. Amounts are summed wide: a region's totals can pass what i64 fen holds,
/// and a sum must never wrap; one that cannot be reported is refused (see `query::fen`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sums {
    pub count: i64,
    pub amount: i128,
    pub tech: i128,
}

impl Sums {
    #[inline]
    fn add(&mut self, r: &Row) {
        self.count += r.count;
        self.amount += r.amount as i128;
        self.tech += r.tech as i128;
    }

    fn merge(&mut self, o: &Sums) {
        self.count += o.count;
        self.amount += o.amount;
        self.tech += o.tech;
    }

    pub fn is_zero(&self) -> bool {
        *self == Sums::default()
    }
}

/// A cut's groups, each as the digits of its parts and its sums.
pub(super) type Found = Vec<(Vec<u16>, Sums)>;

/// What a dimension of the cut reads from a fact.
#[derive(Clone, Copy)]
pub(super) enum Part {
    /// The period of the cut's date, as its code less the cube's earliest.
    Period,
    /// One of the [`DIMS`], by its index there.
    Dim(usize),
    /// The IP kinds: a fact counts once under each kind it involves.
    Ip,
}

/// The cut as codes: which facts count and what each of its dimensions reads.
pub(super) struct Plan {
    pub parts: Vec<Part>,
    /// How many values each part can take.
    radix: Vec<usize>,
    /// The period code of the earliest month in the cube: period digits count from it.
    pub first_period: u16,
    pub granularity: Granularity,
    basis: DateBasis,
    from: i32,
    to: i32,
    as_of: i64,
    /// The cut's filters on [`DIMS`]: the slot, and whether each code there is let through.
    filters: Vec<(usize, Vec<bool>)>,
    /// The IP kinds let through (a fact involving none of them is not), when filtered.
    ip_filter: Option<u32>,
    /// The IP kinds a cut by IP kind counts under: the filter's, or all.
    ip_mask: u32,
}

impl Plan {
    pub fn new(inner: &Inner, cut: &Cut) -> Plan {
        let (first, last) = inner.months.unwrap_or((0, 0));
        let first_period = period_code(first, cut.granularity);
        let periods = (period_code(last, cut.granularity) - first_period) as usize + 1;
        let mut parts = Vec::with_capacity(cut.by.len());
        let mut radix = Vec::with_capacity(cut.by.len());
        for d in &cut.by {
            let (part, values) = match d {
                Dim::Period => (Part::Period, periods),
                Dim::IpKind => (Part::Ip, inner.ip_kinds.values.len()),
                d => {
                    let slot = DIMS
                        .iter()
                        .position(|x| x == d)
                        .expect("every dimension but period and IP kind is in DIMS");
                    (Part::Dim(slot), inner.dicts[slot].values.len())
                }
            };
            parts.push(part);
            radix.push(values.max(1));
        }
        let mut filters = Vec::new();
        let mut ip_filter: Option<u32> = None;
        for f in &cut.filters {
            if f.dim == Dim::IpKind {
                let kinds = f
                    .values
                    .iter()
                    .filter_map(|v| inner.ip_kinds.codes.get(v))
                    .fold(0u32, |m, c| m | 1 << c);
                ip_filter = Some(ip_filter.unwrap_or(u32::MAX) & kinds);
                continue;
            }
            let Some(slot) = DIMS.iter().position(|x| *x == f.dim) else {
                continue;
            };
            let dict = &inner.dicts[slot];
            let mut through = vec![false; dict.values.len()];
            for v in &f.values {
                if let Some(c) = dict.codes.get(v) {
                    through[*c as usize] = true;
                }
            }
            filters.push((slot, through));
        }
        Plan {
            parts,
            radix,
            first_period,
            granularity: cut.granularity,
            basis: cut.date_basis,
            from: cut.from.map(super::day).unwrap_or(i32::MIN),
            to: cut.to.map(super::day).unwrap_or(i32::MAX),
            as_of: cut.as_of.map(|t| t.timestamp_micros()).unwrap_or(i64::MAX),
            filters,
            ip_filter,
            ip_mask: ip_filter.unwrap_or(u32::MAX),
        }
    }

    /// The month of the cut's date if the fact counts in the cut.
    #[inline]
    fn month(&self, r: &Row) -> Option<u16> {
        let (date, month) = match self.basis {
            DateBasis::Registered => (r.registered, r.registered_month),
            DateBasis::Signed => (r.signed, r.signed_month),
        };
        (date >= self.from
            && date <= self.to
            && r.recorded_us <= self.as_of
            && self.ip_filter.is_none_or(|kinds| r.ip & kinds != 0)
            && self
                .filters
                .iter()
                .all(|(slot, through)| through[r.dims[*slot] as usize]))
        .then_some(month)
    }

    #[inline]
    fn digit(&self, part: Part, r: &Row, month: u16) -> u16 {
        match part {
            Part::Period => period_code(month, self.granularity) - self.first_period,
            Part::Dim(slot) => r.dims[slot],
            Part::Ip => 0,
        }
    }

    fn ip_part(&self) -> Option<usize> {
        self.parts.iter().position(|p| matches!(p, Part::Ip))
    }

    fn slots(&self) -> Option<usize> {
        self.radix
            .iter()
            .try_fold(1usize, |n, r| n.checked_mul(*r))
            .filter(|n| *n <= DENSE_SLOTS)
    }
}

/// Every group of the cut that does not net to nothing, as the digits of its parts, and the
/// totals over the facts (a contract counted once, whatever its IP kinds).
pub(super) fn scan(inner: &Inner, plan: &Plan) -> (Found, Sums) {
    match plan.slots() {
        Some(slots) => by_slots(inner, plan, slots),
        None => by_hash(inner, plan),
    }
}

fn by_slots(inner: &Inner, plan: &Plan, slots: usize) -> (Found, Sums) {
    let parts = on_cores(&inner.rows, |rows| dense(rows, plan, slots));
    let mut merged = vec![Sums::default(); slots];
    let mut totals = Sums::default();
    for (cells, t) in parts {
        for (m, c) in merged.iter_mut().zip(&cells) {
            m.merge(c);
        }
        totals.merge(&t);
    }
    let groups = merged
        .into_iter()
        .enumerate()
        .filter(|(_, s)| !s.is_zero())
        .map(|(index, s)| (digits(index, &plan.radix), s))
        .collect();
    (groups, totals)
}

fn by_hash(inner: &Inner, plan: &Plan) -> (Found, Sums) {
    let parts = on_cores(&inner.rows, |rows| sparse(rows, plan));
    let mut merged = Groups::default();
    let mut totals = Sums::default();
    for (groups, t) in parts {
        for (k, s) in groups {
            merged.entry(k).or_default().merge(&s);
        }
        totals.merge(&t);
    }
    let n = plan.parts.len();
    let groups = merged
        .into_iter()
        .filter(|(_, s)| !s.is_zero())
        .map(|(k, s)| (k[..n].to_vec(), s))
        .collect();
    (groups, totals)
}

/// `f` over the facts in as many slices as there are cores to take them.
fn on_cores<T: Send>(rows: &[Row], f: impl Fn(&[Row]) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(MAX_THREADS);
    if threads < 2 || rows.len() < PARALLEL_FROM {
        return vec![f(rows)];
    }
    let chunk = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let f = &f;
        let mut slices = rows.chunks(chunk);
        let first = slices.next().unwrap_or(&[]);
        let others: Vec<_> = slices.map(|c| s.spawn(move || f(c))).collect();
        let mut out = vec![f(first)];
        out.extend(
            others
                .into_iter()
                .map(|h| h.join().expect("a cut's pass does not panic")),
        );
        out
    })
}

fn digits(mut index: usize, radix: &[usize]) -> Vec<u16> {
    let mut out = vec![0u16; radix.len()];
    for (d, r) in out.iter_mut().zip(radix).rev() {
        *d = (index % r) as u16;
        index /= r;
    }
    out
}

fn dense(rows: &[Row], plan: &Plan, slots: usize) -> (Vec<Sums>, Sums) {
    let mut cells = vec![Sums::default(); slots];
    let mut totals = Sums::default();
    let ip = plan.ip_part();
    // Each part's digit is worth the product of the radices after it.
    let mut strides = vec![1usize; plan.parts.len()];
    for i in (0..plan.parts.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * plan.radix[i + 1];
    }
    for r in rows {
        let Some(month) = plan.month(r) else {
            continue;
        };
        totals.add(r);
        let mut index = 0usize;
        for (part, stride) in plan.parts.iter().zip(&strides) {
            index += plan.digit(*part, r, month) as usize * stride;
        }
        match ip {
            None => cells[index].add(r),
            Some(i) => each_kind(r.ip & plan.ip_mask, |kind| {
                cells[index + kind as usize * strides[i]].add(r)
            }),
        }
    }
    (cells, totals)
}

type Groups = FastMap<[u16; 16], Sums>;

fn sparse(rows: &[Row], plan: &Plan) -> (Groups, Sums) {
    let mut groups = Groups::default();
    let mut totals = Sums::default();
    let ip = plan.ip_part();
    for r in rows {
        let Some(month) = plan.month(r) else {
            continue;
        };
        totals.add(r);
        let mut key = [0u16; 16];
        for (k, part) in key.iter_mut().zip(&plan.parts) {
            *k = plan.digit(*part, r, month);
        }
        match ip {
            None => groups.entry(key).or_default().add(r),
            Some(i) => each_kind(r.ip & plan.ip_mask, |kind| {
                let mut k = key;
                k[i] = kind;
                groups.entry(k).or_default().add(r)
            }),
        }
    }
    (groups, totals)
}

/// Each IP kind whose bit is set.
#[inline]
fn each_kind(mut bits: u32, mut f: impl FnMut(u16)) {
    while bits != 0 {
        let kind = bits.trailing_zeros() as u16;
        bits &= bits - 1;
        f(kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts spread over a few values of each dimension, some netting out, some with IP kinds.
    fn facts(n: usize) -> Inner {
        let mut inner = Inner {
            dicts: (0..DIMS.len()).map(|_| Default::default()).collect(),
            ..Inner::default()
        };
        for v in ["a", "b", "c", "d", "e", "f", "g"] {
            for d in inner.dicts.iter_mut() {
                d.code(v);
            }
        }
        for k in ["patent", "software", "secret"] {
            inner.ip_kinds.code(k);
        }
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for i in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let month = 1400 + (x % 40) as u16;
            let mut dims = [0u16; 13];
            for (j, d) in dims.iter_mut().enumerate() {
                *d = ((x >> (j * 3)) % 7) as u16;
            }
            inner.push(Row {
                registered: 700_000 + (x % 1200) as i32,
                signed: 700_000 + (x % 1100) as i32,
                registered_month: month,
                signed_month: month - (x % 3) as u16,
                recorded_us: i as i64,
                count: if x.is_multiple_of(10) { -1 } else { 1 },
                amount: (x % 1_000_000) as i64,
                tech: (x % 1000) as i64,
                dims,
                ip: ((x >> 40) % 8) as u32,
            });
        }
        inner
    }

    fn sorted(mut out: (Found, Sums)) -> (Found, Sums) {
        out.0.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn slots_and_hashing_group_alike_on_one_core_and_on_several() {
        use chrono::TimeZone;
        let small = facts(5_000);
        let large = facts(PARALLEL_FROM + 1_234);
        let cuts = [
            vec![Dim::Field],
            vec![Dim::Period],
            vec![Dim::Type, Dim::SellerRegion],
            vec![Dim::Flow, Dim::Period, Dim::IpKind],
            vec![Dim::IpKind],
            vec![],
        ];
        for inner in [&small, &large] {
            for by in &cuts {
                for (granularity, as_of) in [
                    (Granularity::Month, None),
                    (
                        Granularity::Quarter,
                        Some(chrono::Utc.timestamp_opt(0, 2_000_000).unwrap()),
                    ),
                ] {
                    let cut = Cut {
                        by: by.clone(),
                        granularity,
                        as_of,
                        ..Cut::default()
                    };
                    let plan = Plan::new(inner, &cut);
                    let slots = plan.slots().expect("a narrow cut has slots");
                    let by_slots = sorted(by_slots(inner, &plan, slots));
                    assert_eq!(by_slots, sorted(by_hash(inner, &plan)), "{by:?}");
                    assert!(by_slots.1.count != 0);
                    // And what several cores found is what one finds.
                    let one = dense(&inner.rows, &plan, slots);
                    assert_eq!(one.1, by_slots.1);
                }
            }
        }
    }

    #[test]
    fn a_wide_cut_groups_by_hash() {
        let inner = facts(1_000);
        let cut = Cut {
            by: vec![
                Dim::Type,
                Dim::Subtype,
                Dim::Field,
                Dim::SellerRegion,
                Dim::BuyerRegion,
                Dim::SellerNature,
            ],
            ..Cut::default()
        };
        let plan = Plan::new(&inner, &cut);
        assert_eq!(plan.slots(), None, "7^6 slots is past the limit");
        let (groups, totals) = scan(&inner, &plan);
        let sum: i64 = groups.iter().map(|(_, s)| s.count).sum();
        assert_eq!(sum, totals.count);
        assert!(groups.iter().all(|(k, s)| k.len() == 6 && !s.is_zero()));
    }

    #[test]
    fn an_index_comes_apart_into_its_digits() {
        let radix = [3, 5, 7];
        for a in 0..3 {
            for b in 0..5 {
                for c in 0..7 {
                    let index = (a * 5 + b) * 7 + c;
                    assert_eq!(digits(index, &radix), vec![a as u16, b as u16, c as u16]);
                }
            }
        }
    }

    #[test]
    fn each_kind_visits_every_set_bit_once() {
        let mut seen = Vec::new();
        each_kind(0b1010_0001, |k| seen.push(k));
        assert_eq!(seen, vec![0, 5, 7]);
        each_kind(0, |_| panic!("no kinds"));
    }
}

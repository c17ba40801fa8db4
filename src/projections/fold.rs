//! The document read models (catalogue, board, queue, negotiations, contracts, grants) share one
//! way of being written: each stream's events are folded in memory with the aggregate's own
//! `apply_event`, from its row as it stood, and each stream's row is written once, all rows in
//! multi-row statements. The same code serves a command's events (one stream, its row read
//! first unless the command created it) and a rebuild's page (thousands of events of many
//! streams, their rows read in one query), so the rebuild cannot drift from the live path.
//!
//! A model says what its row holds ([`DocModel`]); [`Docs`] makes it a [`Projection`].

use std::collections::HashMap;
use std::marker::PhantomData;

use async_trait::async_trait;
use esrs::Aggregate;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use super::rows::{self, Inserts};
use super::{doc, Projection};
use crate::domain::Recorded;
use crate::store::log::LoggedEvent;
use crate::store::sql::{Arg, Conn};
use crate::store::{is_unique_violation, StoreError};

type StateOf<M> = <<M as DocModel>::Aggregate as Aggregate>::State;

pub trait DocModel: Send + Sync + 'static {
    type Aggregate: Aggregate<Event = Recorded<Self::Event>>;
    type Event: crate::domain::DomainEvent;
    type Data: Serialize + DeserializeOwned + Clone + Send + Sync;

    /// The projection's name.
    const NAME: &'static str;
    /// The table of one row per stream.
    const TABLE: &'static str;
    /// Every table the model owns: [`TABLE`](Self::TABLE) and those filled by
    /// [`more_rows`](Self::more_rows).
    const TABLES: &'static [&'static str];
    /// The row's columns: `id`, `version`, then those of [`values`](Self::values) in order.
    const COLUMNS: &'static [&'static str];
    /// Whether [`more_rows`](Self::more_rows) is worth calling (it needs the state before each
    /// event, a clone).
    const HAS_MORE_ROWS: bool = false;

    fn state(data: Option<Self::Data>) -> StateOf<Self>;
    fn data(state: StateOf<Self>) -> Option<Self::Data>;
    /// The row's values after `id` and `version`.
    fn values(data: &Self::Data) -> Result<Vec<Arg>, StoreError>;

    /// Rows one event adds to the model's other tables (statistics facts, a grant's team, the
    /// parts of a payment), from the state just before and after it.
    fn more_rows(
        _event: &LoggedEvent,
        _before: Option<&Self::Data>,
        _after: &Self::Data,
        _fact: &Self::Event,
        _out: &mut Inserts,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// Rows of a lower rank are written first. A unique index over "live" rows (one live
    /// grant per listing) must not see a row turn live before another stops being live.
    fn rank(_data: &Self::Data) -> u8 {
        0
    }

    /// What a unique violation on the row of `data` means, when that is a rule of the domain.
    fn unique_violation(_data: &Self::Data) -> Option<StoreError> {
        None
    }
}

/// A [`DocModel`] as a projection.
pub struct Docs<M>(PhantomData<M>);

impl<M> Docs<M> {
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<M> Default for Docs<M> {
    fn default() -> Self {
        Self::new()
    }
}

struct Stream<'e, D> {
    data: Option<D>,
    last: &'e LoggedEvent,
}

#[async_trait]
impl<M: DocModel> Projection for Docs<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        M::TABLES
    }

    async fn apply(&self, conn: &mut Conn<'_>, event: &LoggedEvent) -> Result<(), StoreError> {
        self.apply_all(conn, std::slice::from_ref(event)).await
    }

    async fn apply_all(
        &self,
        conn: &mut Conn<'_>,
        events: &[LoggedEvent],
    ) -> Result<(), StoreError> {
        let ours = || {
            events
                .iter()
                .filter(|e| e.aggregate_type == M::Aggregate::NAME)
        };
        // Streams in the order they first appear; the rows of those that began earlier.
        let mut order: Vec<Uuid> = Vec::new();
        let mut streams: HashMap<Uuid, Stream<'_, M::Data>> = HashMap::new();
        let mut earlier: Vec<Uuid> = Vec::new();
        for e in ours() {
            if let std::collections::hash_map::Entry::Vacant(v) = streams.entry(e.aggregate_id) {
                v.insert(Stream {
                    data: None,
                    last: e,
                });
                order.push(e.aggregate_id);
                if e.version > 1 {
                    earlier.push(e.aggregate_id);
                }
            }
        }
        if order.is_empty() {
            return Ok(());
        }
        for row in doc::get_many::<M::Data>(conn, M::TABLE, &earlier).await? {
            if let Some(s) = streams.get_mut(&row.id) {
                s.data = Some(row.data);
            }
        }
        let mut more = Inserts::default();
        for e in ours() {
            let s = streams
                .get_mut(&e.aggregate_id)
                .expect("every stream was seen");
            let recorded: Recorded<M::Event> = e.recorded()?;
            let fact = M::HAS_MORE_ROWS.then(|| recorded.event.clone());
            let before = if M::HAS_MORE_ROWS {
                s.data.clone()
            } else {
                None
            };
            let state = M::Aggregate::apply_event(M::state(s.data.take()), recorded);
            let Some(after) = M::data(state) else {
                return Err(StoreError::Other(format!(
                    "{} {} has no first event",
                    M::Aggregate::NAME,
                    e.aggregate_id
                )));
            };
            if let Some(fact) = fact {
                M::more_rows(e, before.as_ref(), &after, &fact, &mut more)?;
            }
            s.data = Some(after);
            s.last = e;
        }
        let mut rows: Vec<(u8, Vec<Arg>)> = Vec::with_capacity(order.len());
        let mut only: Option<M::Data> = None;
        for id in &order {
            let s = streams.remove(id).expect("every stream was folded");
            let data = s.data.expect("a folded stream has a state");
            let mut values = Vec::with_capacity(M::COLUMNS.len());
            values.push(Arg::Uuid(*id));
            values.push(Arg::I64(s.last.version as i64));
            values.extend(M::values(&data)?);
            rows.push((M::rank(&data), values));
            if order.len() == 1 {
                only = Some(data);
            }
        }
        rows.sort_by_key(|(rank, _)| *rank);
        let rows: Vec<Vec<Arg>> = rows.into_iter().map(|(_, r)| r).collect();
        rows::upsert(conn, M::TABLE, M::COLUMNS, "id", rows)
            .await
            .map_err(|e| {
                match only.as_ref().filter(|_| is_unique_violation(&e)) {
                    Some(data) => M::unique_violation(data),
                    None => None,
                }
                .unwrap_or_else(|| StoreError::from(e))
            })?;
        more.write(conn).await?;
        Ok(())
    }
}

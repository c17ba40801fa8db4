//! PostgreSQL: esrs's own `PgStore`, with our [`Inline`] handler inside its append transaction.
//! Its tables are created by our migrations (same DDL as esrs's), so the schema has one owner.

use esrs::store::postgres::{PgStore, PgStoreBuilder, UuidFormat};
use esrs::Aggregate;
use sqlx::PgPool;

use crate::domain::LoggableEvent;
use crate::projections::{Inline, Projections};

pub async fn event_store<A>(
    pool: &PgPool,
    projections: &Projections,
) -> Result<PgStore<A>, sqlx::Error>
where
    A: Aggregate + Send + Sync + 'static,
    A::State: Send,
    A::Event: LoggableEvent,
{
    PgStoreBuilder::<A>::new(pool.clone())
        .without_running_migrations()
        .with_event_id_format(UuidFormat::V7)
        .add_transactional_event_handler(Inline::new(projections.clone()))
        .try_build()
        .await
}

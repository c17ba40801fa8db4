//! The state every request handler and background task shares: the store, the event stores, the
//! projections and the settings. It sits below the routes, the auth extractors and the policies
//! that use it; `startup` only builds it and serves it.

use std::sync::Arc;

use tokio::sync::{watch, Notify};

use crate::auth::jwt::{load_or_create_secret, Tokens};
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::reference::ReferenceData;
use crate::projections::contract_stats::cube::Cube;
use crate::projections::search::{index_dir, SearchIndex};
use crate::projections::Projections;
use crate::store::aggregates::Aggregates;
use crate::store::{reference, Db};

/// Everything a request handler may need, shared by all workers.
pub struct AppState {
    pub db: Db,
    pub aggregates: Aggregates,
    pub projections: Projections,
    pub search: Arc<SearchIndex>,
    pub search_dir: std::path::PathBuf,
    /// The contract statistics in memory, for cuts at scale.
    pub stats_cube: Arc<Cube>,
    /// Signalled after every successful command (wakes the search indexer).
    pub appended: Arc<Notify>,
    pub clock: Clock,
    pub refs: ReferenceData,
    pub tokens: Tokens,
    pub settings: Settings,
    /// Turned true when the server stops, so background tasks end with it.
    pub shutdown: watch::Sender<bool>,
    /// The event streams open, per user (`GET /events/stream`).
    pub streams: Arc<crate::http::streams::Streams>,
}

impl AppState {
    /// Opens the configured store and makes it ready: migrations, reference data, event stores.
    pub async fn open(settings: Settings) -> anyhow::Result<AppState> {
        let db = Db::connect_with(&settings.database_url(), settings.db_acquire_timeout()).await?;
        db.migrate().await?;
        crate::store::log::check_positions(&mut db.read().await?.conn()).await?;
        reference::seed(&db).await?;
        let refs = reference::load(&db).await?;
        let projections = Projections::standard();
        let appended = Arc::new(Notify::new());
        let aggregates = Aggregates::new(&db, &projections, appended.clone());
        let secret = load_or_create_secret(settings.jwt_secret.as_ref(), &settings.data_dir)?;
        let tokens = Tokens::new(&secret, settings.token_ttl_seconds);
        let search_dir = index_dir(&settings.data_dir, &settings.database_url());
        let search = Arc::new(SearchIndex::open(&search_dir)?);
        let (shutdown, _) = watch::channel(false);
        Ok(AppState {
            db,
            aggregates,
            projections,
            search,
            search_dir,
            stats_cube: Arc::new(Cube::default()),
            appended,
            clock: Clock::default(),
            refs,
            tokens,
            settings,
            shutdown,
            streams: Arc::default(),
        })
    }
}

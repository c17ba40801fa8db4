//! Wiring: open the store, migrate, seed, build the event stores and serve HTTP.

use std::net::TcpListener;
use std::sync::Arc;

use actix_http::error::DispatchError;
use actix_http::HttpService;
use actix_service::{fn_service, map_config, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, Compress, ErrorHandlers, Next};
use actix_web::{web, App, HttpMessage};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Settings;
use crate::http::request_line::{self, RequestLine};
use crate::metrics::Progress;
use crate::policies::{expiry, follower, transfer, trl};
use crate::projections::search::indexer;
use crate::routes;
use crate::state::AppState;

impl AppState {
    /// Starts the background work: the search indexer, the log's policies, the demand expiry
    /// task, the statistics cube's warm-keeping. All stop when `shutdown` turns true. The log's
    /// followers report how far they have read to `progress`.
    /// Fails when a background part cannot start as configured (the mail transport).
    pub fn spawn_background(
        state: &web::Data<AppState>,
        progress: &Arc<Progress>,
    ) -> anyhow::Result<()> {
        tokio::spawn(indexer::run(
            state.db.clone(),
            state.search.clone(),
            state.appended.clone(),
            progress.clone(),
            state.shutdown.subscribe(),
        ));
        tokio::spawn(expiry::run(state.clone(), state.shutdown.subscribe()));
        tokio::spawn(state.stats_cube.clone().keep_warm(
            state.db.clone(),
            crate::projections::contract_stats::cube::snapshot_path(
                &state.settings.data_dir,
                &state.settings.database_url(),
            ),
            state.shutdown.subscribe(),
        ));
        tokio::spawn(crate::auth::rate_limit::prune_forever(
            state.clone(),
            state.shutdown.subscribe(),
        ));
        tokio::spawn(follower::run(
            Box::new(trl::TrlFromVerification),
            state.clone(),
            progress.clone(),
            state.shutdown.subscribe(),
        ));
        tokio::spawn(follower::run(
            Box::new(transfer::TransferOnRegistration),
            state.clone(),
            progress.clone(),
            state.shutdown.subscribe(),
        ));
        tokio::spawn(follower::run(
            Box::new(crate::policies::fulfilment::FulfilDemandOnRegistration),
            state.clone(),
            progress.clone(),
            state.shutdown.subscribe(),
        ));
        if state.settings.notifications {
            tokio::spawn(follower::run(
                Box::new(crate::notifications::follower::Notifier),
                state.clone(),
                progress.clone(),
                state.shutdown.subscribe(),
            ));
            use crate::notifications::mail::sender::{self, Transport};
            let transport = Transport::from_settings(&state.settings)?;
            tokio::spawn(sender::run(
                state.clone(),
                transport,
                state.shutdown.subscribe(),
            ));
        }
        tokio::spawn(crate::broker::publisher::run(
            state.clone(),
            state.shutdown.subscribe(),
        ));
        Ok(())
    }
}

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics server and its port, unless `metrics_listen` is empty.
    metrics: Option<(u16, Server)>,
    pub state: web::Data<AppState>,
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.listen)?;
        let port = listener.local_addr()?.port();
        let metrics_listener = if settings.metrics_enabled() {
            let listener = TcpListener::bind(settings.metrics_listen.trim())
                .map_err(|e| anyhow::anyhow!("metrics_listen {}: {e}", settings.metrics_listen))?;
            // The settings in force say where metrics really are (port 0 picks one).
            settings.metrics_listen = listener.local_addr()?.to_string();
            Some(listener)
        } else {
            None
        };
        let state = web::Data::new(AppState::open(settings).await?);
        let progress = Arc::new(Progress::default());
        AppState::spawn_background(&state, &progress)?;
        let progress = web::Data::from(progress);
        let metrics = match metrics_listener {
            Some(listener) => {
                let metrics_port = listener.local_addr()?.port();
                let server = crate::metrics::serve(listener, progress.clone())?;
                tokio::spawn(crate::metrics::upkeep(state.shutdown.subscribe()));
                tracing::info!(port = metrics_port, "metrics at /metrics");
                Some((metrics_port, server))
            }
            None => None,
        };
        tracing::info!(backend = state.db.backend(), %port, "techmarket listening");
        let server = serve(listener, state.clone(), progress)?;
        Ok(Application {
            port,
            server,
            metrics,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `GET /metrics` is served on, unless metrics are off.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Stops the server from another task (tests restart it to show nothing is lost).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // Metrics are served while the API is, through its graceful shutdown too.
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let result = self.server.await;
        self.state.shutdown.send_replace(true);
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        result
    }
}

/// Serves the API on `listener`. Built on actix's server and HTTP/1 service rather than
/// `HttpServer` only to read each connection through [`RequestLine`], so a request line with
/// raw UTF-8 gets a problem body (see `http::request_line`); otherwise as `HttpServer` does it.
fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    progress: web::Data<Progress>,
) -> std::io::Result<Server> {
    let local = listener.local_addr()?;
    let server = actix_server::Server::build()
        .listen("api", listener, move || {
            let app = App::new()
                .app_data(state.clone())
                .app_data(progress.clone())
                .wrap(from_fn(uncompressed_streams))
                .wrap(from_fn(request_line::refuse_unencoded))
                .wrap(ErrorHandlers::new().default_handler_client(routes::problem_for_bare_error))
                .wrap(from_fn(crate::http::language::localize_problems))
                .wrap(from_fn(echo_request_id))
                // Gzip for a client that asks (`Accept-Encoding`): the big JSON answers shrink
                // several times over.
                .wrap(Compress::default())
                .wrap(TracingLogger::default())
                .wrap(from_fn(crate::metrics::count_requests))
                .configure(routes::configure)
                .configure(routes::front::docs)
                .default_service(web::to(routes::not_found));
            // The config's host and address serve only URL generation, which nothing here
            // uses; the peer's address comes with each connection below.
            let app = map_config(app, |_| AppConfig::default());
            fn_service(|io: actix_rt::net::TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, DispatchError>((RequestLine::new(io), peer))
            })
            .and_then(HttpService::build().local_addr(local).h1(app))
        })?
        .shutdown_timeout(10)
        .run();
    Ok(server)
}

/// Keeps compression off the event streams: each open stream would hold a compressor's state
/// (hundreds of KiB) for its whole life to shrink small frames little. `Compress` leaves alone a
/// response that names its encoding.
async fn uncompressed_streams(
    req: actix_web::dev::ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let event_stream = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if event_stream {
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    Ok(res)
}

/// Returns the request id TracingLogger assigned, so a client can quote it in a bug report and
/// an operator can find the matching log lines.
async fn echo_request_id(
    req: actix_web::dev::ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(id) = id {
        if let Ok(value) = HeaderValue::from_str(&id) {
            res.headers_mut()
                .insert(header::HeaderName::from_static("x-request-id"), value);
        }
    }
    Ok(res)
}

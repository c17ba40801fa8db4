//! Wiring: open the store, migrate, seed, build the event stores and serve HTTP.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers, Next};
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Settings;
use crate::policies::{expiry, follower, transfer, trl};
use crate::projections::search::indexer;
use crate::routes;
use crate::state::AppState;

impl AppState {
    /// Starts the background work: the search indexer, the log's policies, the demand expiry
    /// task, the statistics cube's warm-keeping. All stop when `shutdown` turns true.
    /// Fails when a background part cannot start as configured (the mail transport).
    pub fn spawn_background(state: &web::Data<AppState>) -> anyhow::Result<()> {
        tokio::spawn(indexer::run(
            state.db.clone(),
            state.search.clone(),
            state.appended.clone(),
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
            state.shutdown.subscribe(),
        ));
        tokio::spawn(follower::run(
            Box::new(transfer::TransferOnRegistration),
            state.clone(),
            state.shutdown.subscribe(),
        ));
        if state.settings.notifications {
            tokio::spawn(follower::run(
                Box::new(crate::notifications::follower::Notifier),
                state.clone(),
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
    pub state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.listen)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState::open(settings).await?);
        AppState::spawn_background(&state)?;
        tracing::info!(backend = state.db.backend(), %port, "techmarket listening");
        let server = serve(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from another task (tests restart it to show nothing is lost).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.state.shutdown.send_replace(true);
        result
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(ErrorHandlers::new().default_handler_client(routes::problem_for_bare_error))
            .wrap(from_fn(echo_request_id))
            .wrap(TracingLogger::default())
            .configure(routes::configure)
            .configure(routes::front::docs)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
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
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id) {
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("x-request-id"),
                value,
            );
        }
    }
    Ok(res)
}

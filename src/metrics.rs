//! Metrics for operators, in Prometheus's text format, served on a port of their own
//! (`metrics_listen`), never on the public one.
//!
//! Two kinds of series:
//! - what the process did (HTTP requests by route pattern, commands by outcome, the wait for the
//!   append transaction): counters and histograms through the `metrics` facade, into one
//!   recorder installed once per process;
//! - where this instance's log followers stand (the log's head, each follower's position and
//!   lag): [`Progress`], which the followers update as they read, turned into gauges when
//!   scraped. It belongs to one application rather than to the process, because a process that
//!   runs several (the tests do) would otherwise show whichever wrote last.
//!
//! Positions are the log's (see [`crate::store::log`]): dense on SQLite, so a lag counts
//! entries; sparse on PostgreSQL (`transaction id << 20`), so a lag there is a distance, not a
//! count. Zero means caught up on both.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, App, HttpResponse, HttpServer};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use tokio::sync::watch;

use crate::store::aggregates::CommandError;
use crate::store::StoreError;

pub const HTTP_REQUESTS: &str = "techmarket_http_requests_total";
pub const HTTP_DURATION: &str = "techmarket_http_request_duration_seconds";
pub const COMMANDS: &str = "techmarket_commands_total";
pub const APPEND_WAIT: &str = "techmarket_append_wait_seconds";
pub const LOG_HEAD: &str = "techmarket_log_head";
pub const FOLLOWER_POSITION: &str = "techmarket_follower_position";
pub const FOLLOWER_LAG: &str = "techmarket_follower_lag";

/// Requests take milliseconds; the slow end is the big downloads.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// An uncontended append waits well under a millisecond; a queue shows as the upper buckets.
const WAIT_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes (the
/// exporter keeps them until then).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static PROCESS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use: the `metrics` facade has one recorder per
/// process, and the tests start many applications in one.
pub fn process() -> &'static PrometheusHandle {
    PROCESS.get_or_init(|| {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        match metrics::set_global_recorder(recorder) {
            Ok(()) => describe(),
            // An embedding program installed its own: ours stays empty, the gauges still show.
            Err(_) => tracing::warn!(
                "another metrics recorder is installed; /metrics shows only the followers' gauges"
            ),
        }
        handle
    })
}

/// Whether anything is recorded: nothing is until an application exports metrics, so an
/// instance without them pays nothing per request.
pub fn recording() -> bool {
    PROCESS.get().is_some()
}

fn builder() -> PrometheusBuilder {
    // Buckets make these true Prometheus histograms (without them the exporter renders
    // summaries, which cannot be aggregated across instances).
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), DURATION_BUCKETS)
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(APPEND_WAIT.into()), WAIT_BUCKETS))
        .expect("the bucket lists are not empty")
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route pattern, method and status class"
    );
    describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time to a response's head, by route pattern and method"
    );
    describe_counter!(
        COMMANDS,
        "Commands run, by aggregate type and outcome (accepted, refused by the aggregate, \
         conflict at the append, failed)"
    );
    describe_histogram!(
        APPEND_WAIT,
        metrics::Unit::Seconds,
        "Time a command waits for its append transaction (appends are serialized)"
    );
}

/// The route label: the matched pattern, never the raw path, so ids do not multiply series.
const UNMATCHED: &str = "unmatched";

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        // Anyone can send any method: they share one label.
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// Middleware counting every request under its route pattern, method and status class, and
/// timing it to its response's head (a stream's body goes on afterwards).
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !recording() {
        return next.call(req).await;
    }
    let started = Instant::now();
    let route = req.match_pattern();
    let method = method_label(req.method());
    let res = next.call(req).await;
    let status = match &res {
        Ok(r) => r.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let route = route.unwrap_or_else(|| UNMATCHED.to_string());
    counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status_class(status))
        .increment(1);
    histogram!(HTTP_DURATION, "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Counts a command by its outcome: accepted; refused by the aggregate (its rules, the caller's
/// rights, a stream they may not see); a conflict at the append (another command appended
/// first, a stale `If-Match`, a rule across streams); or failed (the database).
pub fn command<T>(aggregate: &'static str, outcome: &Result<T, CommandError>) {
    let outcome = match outcome {
        Ok(_) => "accepted",
        Err(CommandError::Refused(_)) => "refused",
        Err(CommandError::Stale { .. }) => "conflict",
        Err(CommandError::Store(StoreError::Conflict | StoreError::Invariant(_))) => "conflict",
        Err(CommandError::Store(_)) => "failed",
    };
    counter!(COMMANDS, "aggregate" => aggregate, "outcome" => outcome).increment(1);
}

/// Records how long an append waited for its transaction (the single writer on SQLite, the
/// appends' pool on PostgreSQL).
pub fn append_wait(aggregate: &'static str, waited: Duration) {
    histogram!(APPEND_WAIT, "aggregate" => aggregate).record(waited.as_secs_f64());
}

/// Where one follower stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub name: &'static str,
    /// The last log position it has read (and acted on).
    pub position: i64,
    /// The log's head minus its position (0 when caught up).
    pub lag: i64,
}

/// How far this instance's log followers have read, as they last saw the log's head. Kept by
/// the followers after each page (and when they go idle), read by `/readyz` and `/metrics`:
/// neither asks the database.
pub struct Progress {
    head: AtomicI64,
    followers: Mutex<BTreeMap<&'static str, i64>>,
    /// The gauges' own recorder, filled from the above at each scrape.
    gauges: PrometheusRecorder,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            head: AtomicI64::new(0),
            followers: Mutex::default(),
            gauges: PrometheusBuilder::new().build_recorder(),
        }
    }
}

impl Progress {
    /// `follower` has read up to `position`, and the log's head was `head` when it looked.
    pub fn read_to(&self, follower: &'static str, position: i64, head: i64) {
        self.head.fetch_max(head.max(position), Ordering::Relaxed);
        self.followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(follower, position);
    }

    /// The highest log position any follower has seen.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Relaxed)
    }

    /// Every follower that has read at least once, by name.
    pub fn followers(&self) -> Vec<Standing> {
        let head = self.head();
        self.followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(&name, &position)| Standing {
                name,
                position,
                lag: (head - position).max(0),
            })
            .collect()
    }

    /// The gauges, in Prometheus's text format.
    pub fn render(&self) -> String {
        let head = self.head();
        let followers = self.followers();
        metrics::with_local_recorder(&self.gauges, || {
            describe_gauge!(
                LOG_HEAD,
                "The global log's last position, as the followers last saw it"
            );
            describe_gauge!(
                FOLLOWER_POSITION,
                "The last log position each follower has read"
            );
            describe_gauge!(
                FOLLOWER_LAG,
                "The log's head minus each follower's position (0: caught up)"
            );
            gauge!(LOG_HEAD).set(head as f64);
            for f in &followers {
                gauge!(FOLLOWER_POSITION, "follower" => f.name).set(f.position as f64);
                gauge!(FOLLOWER_LAG, "follower" => f.name).set(f.lag as f64);
            }
        });
        self.gauges.handle().render()
    }
}

/// `GET /metrics`: the process's series, then this instance's gauges.
async fn scrape(progress: web::Data<Progress>) -> HttpResponse {
    let mut body = process().render();
    body.push_str(&progress.render());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// The metrics server on `listener`: one worker, `GET /metrics` only. Installs the process's
/// recorder if nothing has yet. Its lifetime is the caller's to manage (no signal handling).
pub fn serve(listener: TcpListener, progress: web::Data<Progress>) -> std::io::Result<Server> {
    process();
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(progress.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}

/// Folds histogram samples into their buckets now and then, so that memory stays bounded when
/// nobody scrapes; until `shutdown` turns true.
pub async fn upkeep(mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(UPKEEP_EVERY) => process().run_upkeep(),
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line that starts with `series` (name and labels).
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn lags_are_the_head_minus_each_position_and_never_negative() {
        let p = Progress::default();
        assert!(p.followers().is_empty());
        p.read_to("search", 3, 7);
        p.read_to("notifications", 7, 7);
        // A follower that saw an older head does not pull it back.
        p.read_to("trl_from_verification", 5, 6);
        assert_eq!(p.head(), 7);
        assert_eq!(
            p.followers(),
            vec![
                Standing {
                    name: "notifications",
                    position: 7,
                    lag: 0
                },
                Standing {
                    name: "search",
                    position: 3,
                    lag: 4
                },
                Standing {
                    name: "trl_from_verification",
                    position: 5,
                    lag: 2
                },
            ]
        );
        // A position past every head seen (another instance appended) is caught up.
        p.read_to("search", 9, 8);
        assert_eq!(p.head(), 9);
        let text = p.render();
        assert_eq!(sample(&text, "techmarket_log_head"), Some(9.0));
        assert_eq!(
            sample(&text, "techmarket_follower_lag{follower=\"search\"}"),
            Some(0.0)
        );
        assert_eq!(
            sample(&text, "techmarket_follower_lag{follower=\"notifications\"}"),
            Some(2.0)
        );
        assert!(
            text.contains("# TYPE techmarket_follower_lag gauge"),
            "{text}"
        );
    }

    #[test]
    fn labels_stay_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
    }

    #[test]
    fn commands_are_told_apart_by_outcome() {
        use crate::domain::DomainError;
        let label = |outcome: Result<(), CommandError>| {
            let recorder = builder().build_recorder();
            metrics::with_local_recorder(&recorder, || command("listing", &outcome));
            recorder.handle().render()
        };
        let seen = |text: String, outcome: &str| {
            sample(
                &text,
                &format!("{COMMANDS}{{aggregate=\"listing\",outcome=\"{outcome}\"}}"),
            ) == Some(1.0)
        };
        assert!(seen(label(Ok(())), "accepted"));
        assert!(seen(
            label(Err(DomainError::conflict("published").into())),
            "refused"
        ));
        assert!(seen(label(Err(DomainError::NotFound.into())), "refused"));
        assert!(seen(label(Err(StoreError::Conflict.into())), "conflict"));
        assert!(seen(
            label(Err(CommandError::Stale {
                expected: 1,
                current: None
            })),
            "conflict"
        ));
        assert!(seen(
            label(Err(StoreError::Other("boom".into()).into())),
            "failed"
        ));
    }
}

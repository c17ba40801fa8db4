//! Structured logs to stderr: JSON lines for machines (`APP_LOG_FORMAT=json`), readable otherwise.
//! `RUST_LOG` overrides the default level.
//!
//! Every failed request is logged once, by [`crate::error`], at the level its meaning deserves:
//! a 500 at ERROR with its cause, a 503 (database out of reach) at WARN, a conflict (409/412) at
//! INFO, other client errors at WARN. tracing-actix-web's per-error events, logged before their
//! meaning was known, are kept quiet (its `emit_event_on_error` feature is off).

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;

/// The subscriber the service logs through, writing to `writer`.
pub fn subscriber<W>(filter: EnvFilter, json: bool, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let registry = tracing_subscriber::registry().with(filter);
    // Colours only for a person at a terminal: not in a file, a pipe or a test's capture.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    if json {
        Box::new(registry.with(layer.json()))
    } else {
        Box::new(registry.with(layer))
    }
}

pub fn init(format: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // `try_init` also forwards the `log` crate's records, as `fmt().try_init()` did.
    let _ = subscriber(filter, format == "json", std::io::stderr).try_init();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use actix_web::ResponseError;

    use super::*;
    use crate::domain::DomainError;
    use crate::error::AppError;
    use crate::store::StoreError;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// (level, message or error field) of each JSON line logged while `f` runs.
    fn logged(f: impl FnOnce()) -> Vec<(String, String)> {
        let out = Captured::default();
        let sub = subscriber(EnvFilter::new("debug"), true, out.clone());
        tracing::subscriber::with_default(sub, f);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let fields = &v["fields"];
                let what = fields["message"]
                    .as_str()
                    .or(fields["error"].as_str())
                    .unwrap_or_default();
                (v["level"].as_str().unwrap().to_string(), what.to_string())
            })
            .collect()
    }

    #[test]
    fn each_failure_is_logged_once_at_the_level_its_meaning_deserves() {
        let level_of = |e: AppError| {
            let lines = logged(|| {
                e.error_response();
            });
            assert_eq!(lines.len(), 1, "{lines:?}");
            lines[0].0.clone()
        };
        // Conflicts are normal answers.
        assert_eq!(level_of(StoreError::Conflict.into()), "INFO");
        assert_eq!(
            level_of(DomainError::conflict("already published").into()),
            "INFO"
        );
        assert_eq!(
            level_of(AppError::PreconditionFailed {
                expected: 1,
                current: None
            }),
            "INFO"
        );
        // The database away: a passing condition, not a fault of ours.
        assert_eq!(level_of(sqlx::Error::PoolTimedOut.into()), "WARN");
        // Other client errors as before; only our own faults are errors.
        assert_eq!(level_of(AppError::NotFound), "WARN");
        assert_eq!(level_of(anyhow::anyhow!("boom").into()), "ERROR");
    }
}

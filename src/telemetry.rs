use tracing_subscriber::EnvFilter;

/// Structured logs to stderr: JSON lines for machines (`APP_LOG_FORMAT=json`), readable otherwise.
/// `RUST_LOG` overrides the default level.
pub fn init(format: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

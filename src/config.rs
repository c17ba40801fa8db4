//! Settings, layered: built-in defaults, then an optional TOML file (`APP_CONFIG`, default
//! `techmarket.toml`), then `APP_`-prefixed environment variables, then `DATABASE_URL`.
//! Secrets are `SecretString`, so `Debug` never prints them.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Every setting with its variable, meaning and default, for `techmarket serve --help`.
pub const HELP: &str = include_str!("config_help.txt");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Address to bind; port 0 picks a free port (the tests do).
    pub listen: String,
    /// Where `GET /metrics` (Prometheus) is served, apart from the API; empty turns it off.
    /// [`Settings::load`] defaults it to [`METRICS_LISTEN`]; `Settings::default()`, which the
    /// tests and benches start from, leaves it off, as instances in one process cannot share
    /// a port. Once bound, the settings in force hold the address actually bound (port 0 picks
    /// a free one).
    pub metrics_listen: String,
    /// `postgres://…` or `sqlite://…`; `None` means an SQLite file under `data_dir`.
    pub database_url: Option<SecretString>,
    pub data_dir: PathBuf,
    /// HS256 key for access tokens; generated and kept in `data_dir` when unset.
    pub jwt_secret: Option<SecretString>,
    pub token_ttl_seconds: i64,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// Default length of a price public notice (公示) for job-related listings.
    pub price_notice_days: u32,
    /// A demonstration or test instance: public notices may be 0 days long, so a whole chain
    /// (notice, grant, negotiation) can be walked through in one sitting. Never in production:
    /// the public must get its days to object.
    #[serde(default)]
    pub demo: bool,
    /// `json` for machines, `pretty` for people.
    pub log_format: String,
    /// How often the expiry task looks for demands past their valid-until day.
    pub expiry_sweep_ms: u64,
    /// A negotiation with no activity for this many days expires.
    pub negotiation_idle_days: u32,
    /// Default length of an ownership grant's public notice (公示), in days.
    pub grant_notice_days: u32,
    /// How many days before a grant's term ends its expiry is announced (an event for mail and
    /// the feed to react to).
    pub grant_expiry_warning_days: u32,
    /// Public holidays, and weekend days made working days (调休), for registration deadlines.
    /// Set them for each year, in the TOML file or as `APP_HOLIDAYS=2026-10-01,2026-10-02`.
    #[serde(default)]
    pub holidays: Vec<chrono::NaiveDate>,
    #[serde(default)]
    pub extra_workdays: Vec<chrono::NaiveDate>,
    /// Yearly targets of technology-contract amount, as `YEAR=万元` (1,100亿元 for 2025 is
    /// `2025=11000000`): reports whose dates lie in that year show the progress towards it.
    #[serde(default)]
    pub stats_targets: Vec<String>,
    /// Failed logins (and wrong current passwords) per account within `login_window_seconds`
    /// before further tries get 429; 0 turns the limit off.
    pub login_max_failures_per_account: u32,
    /// Failed logins per client address within `login_window_seconds`.
    pub login_max_failures_per_address: u32,
    pub login_window_seconds: u64,
    /// Registrations per client address within `register_window_seconds`.
    pub register_max_per_address: u32,
    pub register_window_seconds: u64,
    /// Failed password resets (a wrong or spent token) per client address within
    /// `password_reset_window_seconds`.
    pub password_reset_max_per_address: u32,
    pub password_reset_window_seconds: u64,
    /// Take the client address from `Forwarded` / `X-Forwarded-For` (only behind a proxy that
    /// sets them; otherwise anyone could pick their own address and escape the limits).
    pub trust_forwarded_for: bool,
    /// How long an invitation to an organization stays valid.
    pub invitation_valid_days: u32,
    /// How long a password reset token an operator issues stays valid.
    pub password_reset_valid_hours: u32,
    /// How long a request waits for a PostgreSQL connection before answering 503: bounds every
    /// request while the database restarts or is unreachable.
    #[serde(default = "default_db_acquire_timeout_ms")]
    pub db_acquire_timeout_ms: u64,
    /// Whether this instance derives notifications and sends their mail. Off, the inbox stays
    /// as it is and catches up from where it stopped when turned on again.
    #[serde(default = "yes")]
    pub notifications: bool,
    /// Where notifications are mailed: `smtp://user:password@host:587?tls=required`,
    /// `smtps://…` for TLS from the start, or `smtp://127.0.0.1:25` in the clear. Unset: mail
    /// goes to `.eml` files in `data_dir/mail`.
    #[serde(default)]
    pub smtp_url: Option<SecretString>,
    /// A PEM certificate authority to trust for the SMTP server's TLS besides the system's: a
    /// mail server whose certificate a private CA issued.
    #[serde(default)]
    pub smtp_ca_file: Option<PathBuf>,
    /// The mail's sender.
    #[serde(default = "default_mail_from")]
    pub mail_from: String,
    /// Failed deliveries before a notification's mail is dead (for an operator to retry).
    #[serde(default = "default_mail_max_attempts")]
    pub mail_max_attempts: u32,
    /// The wait after a first failure, doubled after each further one (at most an hour).
    #[serde(default = "default_mail_retry_base_ms")]
    pub mail_retry_base_ms: u64,
    /// How often the sender looks for due mail.
    #[serde(default = "default_mail_poll_ms")]
    pub mail_poll_ms: u64,
    /// The service's address as people reach it: the links in mail start with it.
    #[serde(default = "default_public_url")]
    pub public_url: String,
    /// How long an event stream may stay silent before it sends a heartbeat comment.
    #[serde(default = "default_sse_heartbeat_ms")]
    pub sse_heartbeat_ms: u64,
    /// Event streams one user may hold open at a time.
    #[serde(default = "default_sse_max_streams_per_user")]
    pub sse_max_streams_per_user: usize,
    /// RabbitMQ (`amqp://` or `amqps://`); when set, every event is published to
    /// `rabbitmq_exchange`. Unset, nothing is published.
    #[serde(default)]
    pub rabbitmq_url: Option<SecretString>,
    /// The topic exchange events are published to (declared durable if missing).
    #[serde(default = "default_rabbitmq_exchange")]
    pub rabbitmq_exchange: String,
    /// How long an instance publishes without renewing before another may take over.
    #[serde(default = "default_rabbitmq_lease_ms")]
    pub rabbitmq_lease_ms: u64,
}

/// The shipped metrics address: loopback, for a scraper on the same host or a sidecar; set
/// `APP_METRICS_LISTEN=0.0.0.0:9464` to expose it (the Docker image does).
pub const METRICS_LISTEN: &str = "127.0.0.1:9464";

fn yes() -> bool {
    true
}
fn default_rabbitmq_exchange() -> String {
    "techmarket.events".into()
}
fn default_rabbitmq_lease_ms() -> u64 {
    15_000
}

fn default_sse_heartbeat_ms() -> u64 {
    15_000
}
fn default_sse_max_streams_per_user() -> usize {
    3
}

fn default_mail_from() -> String {
    "技术市场 <noreply@techmarket.localhost>".into()
}
fn default_mail_max_attempts() -> u32 {
    8
}
fn default_mail_retry_base_ms() -> u64 {
    30_000
}
fn default_mail_poll_ms() -> u64 {
    1_000
}
fn default_public_url() -> String {
    "http://127.0.0.1:8080".into()
}

fn default_db_acquire_timeout_ms() -> u64 {
    crate::store::DEFAULT_ACQUIRE_TIMEOUT.as_millis() as u64
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            metrics_listen: String::new(),
            database_url: None,
            data_dir: PathBuf::from("./data"),
            jwt_secret: None,
            token_ttl_seconds: 3600,
            body_limit_bytes: 256 * 1024,
            price_notice_days: 15,
            demo: false,
            log_format: "pretty".into(),
            expiry_sweep_ms: 60_000,
            negotiation_idle_days: 30,
            grant_notice_days: 15,
            grant_expiry_warning_days: 90,
            holidays: Vec::new(),
            stats_targets: Vec::new(),
            extra_workdays: Vec::new(),
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 20,
            login_window_seconds: 60,
            register_max_per_address: 10,
            register_window_seconds: 3600,
            password_reset_max_per_address: 10,
            password_reset_window_seconds: 3600,
            trust_forwarded_for: false,
            invitation_valid_days: 7,
            password_reset_valid_hours: 24,
            db_acquire_timeout_ms: default_db_acquire_timeout_ms(),
            notifications: true,
            smtp_url: None,
            smtp_ca_file: None,
            mail_from: default_mail_from(),
            mail_max_attempts: default_mail_max_attempts(),
            mail_retry_base_ms: default_mail_retry_base_ms(),
            mail_poll_ms: default_mail_poll_ms(),
            public_url: default_public_url(),
            sse_heartbeat_ms: default_sse_heartbeat_ms(),
            sse_max_streams_per_user: default_sse_max_streams_per_user(),
            rabbitmq_url: None,
            rabbitmq_exchange: default_rabbitmq_exchange(),
            rabbitmq_lease_ms: default_rabbitmq_lease_ms(),
        }
    }
}

impl Settings {
    pub fn load() -> anyhow::Result<Self> {
        let file = std::env::var("APP_CONFIG").unwrap_or_else(|_| "techmarket.toml".into());
        let d = Settings::default();
        let built = config::Config::builder()
            .set_default("listen", d.listen)?
            .set_default("metrics_listen", METRICS_LISTEN)?
            .set_default("data_dir", d.data_dir.to_string_lossy().to_string())?
            .set_default("token_ttl_seconds", d.token_ttl_seconds)?
            .set_default("body_limit_bytes", d.body_limit_bytes as i64)?
            .set_default("price_notice_days", d.price_notice_days as i64)?
            .set_default("log_format", d.log_format)?
            .set_default("expiry_sweep_ms", d.expiry_sweep_ms as i64)?
            .set_default("negotiation_idle_days", d.negotiation_idle_days as i64)?
            .set_default("grant_notice_days", d.grant_notice_days as i64)?
            .set_default(
                "grant_expiry_warning_days",
                d.grant_expiry_warning_days as i64,
            )?
            .set_default(
                "login_max_failures_per_account",
                d.login_max_failures_per_account as i64,
            )?
            .set_default(
                "login_max_failures_per_address",
                d.login_max_failures_per_address as i64,
            )?
            .set_default("login_window_seconds", d.login_window_seconds as i64)?
            .set_default(
                "register_max_per_address",
                d.register_max_per_address as i64,
            )?
            .set_default("register_window_seconds", d.register_window_seconds as i64)?
            .set_default(
                "password_reset_max_per_address",
                d.password_reset_max_per_address as i64,
            )?
            .set_default(
                "password_reset_window_seconds",
                d.password_reset_window_seconds as i64,
            )?
            .set_default("trust_forwarded_for", d.trust_forwarded_for)?
            .set_default("invitation_valid_days", d.invitation_valid_days as i64)?
            .set_default(
                "password_reset_valid_hours",
                d.password_reset_valid_hours as i64,
            )?
            .add_source(config::File::with_name(&file).required(false))
            .add_source(
                config::Environment::with_prefix("APP")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("holidays")
                    .with_list_parse_key("extra_workdays")
                    .with_list_parse_key("stats_targets"),
            )
            .build()?;
        let mut settings: Settings = built.try_deserialize().map_err(named)?;
        settings.validate()?;
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.trim().is_empty() {
                settings.database_url = Some(SecretString::from(url));
            }
        }
        Ok(settings)
    }

    /// Refuses settings the service cannot run with, naming each by its variable.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut faults = Vec::new();
        if std::net::ToSocketAddrs::to_socket_addrs(self.listen.as_str()).is_err() {
            faults.push(format!(
                "APP_LISTEN: '{}' is not an address and port (e.g. 127.0.0.1:8080, or 0.0.0.0:8080 for every interface)",
                self.listen
            ));
        }
        if self.metrics_enabled()
            && self
                .metrics_listen
                .trim()
                .parse::<std::net::SocketAddr>()
                .is_err()
        {
            faults.push(format!(
                "APP_METRICS_LISTEN: '{}' is not an address and port (e.g. 127.0.0.1:9464), or empty to serve no metrics",
                self.metrics_listen
            ));
        }
        if !matches!(self.log_format.as_str(), "json" | "pretty") {
            faults.push(format!(
                "APP_LOG_FORMAT: '{}' is neither 'json' (for machines) nor 'pretty' (for people)",
                self.log_format
            ));
        }
        for (name, days) in [
            ("APP_PRICE_NOTICE_DAYS", self.price_notice_days),
            ("APP_GRANT_NOTICE_DAYS", self.grant_notice_days),
        ] {
            if days < self.shortest_notice_days() {
                faults.push(format!(
                    "{name}: a public notice (公示) lasts at least {} day; 0 days is for demonstrations and tests only, with APP_DEMO=true",
                    crate::domain::notice::SHORTEST
                ));
            }
        }
        if let Err(e) = self.stats_targets() {
            faults.push(e.to_string());
        }
        if faults.is_empty() {
            Ok(())
        } else {
            Err(anyhow::anyhow!(faults.join("\n")))
        }
    }

    /// The shortest public notice this instance allows: none on a demo instance.
    pub fn shortest_notice_days(&self) -> u32 {
        if self.demo {
            0
        } else {
            crate::domain::notice::SHORTEST
        }
    }

    /// The yearly targets, in fen by year; an entry that is not `YEAR=万元` is refused.
    pub fn stats_targets(&self) -> anyhow::Result<std::collections::BTreeMap<i32, i64>> {
        self.stats_targets
            .iter()
            .map(|entry| {
                let parsed = entry.split_once('=').and_then(|(y, wan)| {
                    let fen = wan.trim().parse::<i64>().ok()?.checked_mul(1_000_000)?;
                    Some((y.trim().parse::<i32>().ok()?, fen))
                });
                parsed.filter(|(_, fen)| *fen > 0).ok_or_else(|| {
                    anyhow::anyhow!(
                        "APP_STATS_TARGETS: '{entry}' is not YEAR=万元 (e.g. 2025=11000000 for 1,100亿元)"
                    )
                })
            })
            .collect()
    }

    /// The target of `year` in fen, if one is set.
    pub fn stats_target_fen(&self, year: i32) -> Option<i64> {
        self.stats_targets().ok()?.get(&year).copied()
    }

    /// Whether `GET /metrics` is served.
    pub fn metrics_enabled(&self) -> bool {
        !self.metrics_listen.trim().is_empty()
    }

    pub fn db_acquire_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.db_acquire_timeout_ms)
    }

    /// The database URL in force: the configured one, or the embedded default.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_string(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("techmarket.sqlite").display()
            ),
        }
    }
}

/// A setting the `config` crate could not read, named as the operator sets it: `for key
/// \`listen\`` becomes `APP_LISTEN`.
fn named(e: config::ConfigError) -> anyhow::Error {
    let text = e.to_string();
    let Some(start) = text.find("for key `") else {
        return anyhow::anyhow!(text);
    };
    let rest = &text[start + "for key `".len()..];
    let key = rest.split('`').next().unwrap_or_default();
    let what = text[..start].trim_end();
    anyhow::anyhow!("APP_{}: {what}", key.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_redacts_secrets() {
        let s = Settings {
            database_url: Some(SecretString::from("postgres://u:hunter2@db/x".to_string())),
            jwt_secret: Some(SecretString::from("topsecret".to_string())),
            smtp_url: Some(SecretString::from("smtp://u:mailpass@mx/".to_string())),
            rabbitmq_url: Some(SecretString::from("amqp://u:mqpass@mq/".to_string())),
            ..Settings::default()
        };
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("hunter2")
                && !printed.contains("topsecret")
                && !printed.contains("mailpass")
                && !printed.contains("mqpass"),
            "{printed}"
        );
    }

    #[test]
    fn metrics_are_served_on_loopback_unless_configured_otherwise() {
        // Loaded settings read the environment and a file: only without either is the
        // shipped default what comes out.
        if std::env::var_os("APP_METRICS_LISTEN").is_none()
            && std::env::var_os("APP_CONFIG").is_none()
            && !std::path::Path::new("techmarket.toml").exists()
        {
            let loaded = Settings::load().unwrap();
            assert_eq!(loaded.metrics_listen, METRICS_LISTEN);
            assert!(loaded.metrics_enabled());
        }
        assert!(!Settings::default().metrics_enabled());
        let off = Settings {
            metrics_listen: " ".into(),
            ..Settings::default()
        };
        assert!(!off.metrics_enabled());
    }

    #[test]
    fn settings_the_service_cannot_run_with_name_themselves() {
        assert!(Settings::default().validate().is_ok());
        let bad = Settings {
            listen: "localhost".into(),
            log_format: "yaml".into(),
            grant_notice_days: 0,
            ..Settings::default()
        };
        let message = bad.validate().unwrap_err().to_string();
        for name in [
            "APP_LISTEN",
            "APP_LOG_FORMAT",
            "APP_GRANT_NOTICE_DAYS",
            "APP_DEMO=true",
        ] {
            assert!(message.contains(name), "{name} is not named in: {message}");
        }
        assert!(!message.contains("APP_PRICE_NOTICE_DAYS"), "{message}");
    }

    #[test]
    fn the_help_names_every_setting() {
        let source = include_str!("config.rs");
        let body = source
            .split("pub struct Settings {")
            .nth(1)
            .and_then(|s| s.split("\n}\n").next())
            .unwrap();
        let fields: Vec<&str> = body
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub "))
            .filter_map(|l| l.split(':').next())
            .collect();
        assert!(fields.len() > 30, "{fields:?}");
        for field in fields {
            let name = match field {
                "database_url" => "DATABASE_URL".to_string(),
                other => format!("APP_{}", other.to_ascii_uppercase()),
            };
            assert!(
                HELP.contains(&name),
                "{name} is missing from config_help.txt"
            );
        }
    }

    #[test]
    fn zero_day_notices_are_for_demo_instances_only() {
        let zero = Settings {
            price_notice_days: 0,
            grant_notice_days: 0,
            ..Settings::default()
        };
        assert_eq!(zero.shortest_notice_days(), 1);
        assert!(zero.validate().is_err());
        let demo = Settings { demo: true, ..zero };
        assert_eq!(demo.shortest_notice_days(), 0);
        assert!(demo.validate().is_ok());
    }

    #[test]
    fn a_setting_of_the_wrong_type_is_named_by_its_variable() {
        let e = config::Config::builder()
            .set_override("token_ttl_seconds", "soon")
            .unwrap()
            .build()
            .unwrap()
            .get::<i64>("token_ttl_seconds")
            .unwrap_err();
        let message = named(e).to_string();
        assert!(message.starts_with("APP_TOKEN_TTL_SECONDS: "), "{message}");
    }

    #[test]
    fn default_database_is_an_sqlite_file_in_the_data_dir() {
        let s = Settings::default();
        assert_eq!(
            s.database_url(),
            "sqlite://./data/techmarket.sqlite?mode=rwc"
        );
    }
}

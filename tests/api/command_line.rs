//! The operator's command line as a person meets it (issue 17): a fault is said once, in
//! words, with the setting or field it is about; `serve --help` lists the settings.

use std::process::Command;

/// Runs the binary with `env` on a data folder of its own: exit code and everything printed.
fn techmarket(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_techmarket"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("APP_DATA_DIR", data.path())
        .env("APP_CONFIG", data.path().join("none.toml"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("techmarket runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// Nothing a person should not have to read: Rust's debug output of a value.
fn readable(text: &str) {
    for debug in ["FieldError {", "Invalid([", "Some(", "Err(", "[\""] {
        assert!(!text.contains(debug), "debug output ({debug}) in:\n{text}");
    }
}

#[test]
fn bad_settings_name_themselves_and_the_service_does_not_start() {
    let (code, text) = techmarket(
        &[],
        &[
            ("APP_LISTEN", "localhost"),
            ("APP_LOG_FORMAT", "yaml"),
            ("APP_PRICE_NOTICE_DAYS", "0"),
        ],
    );
    assert_eq!(code, Some(2), "{text}");
    for name in ["APP_LISTEN", "APP_LOG_FORMAT", "APP_PRICE_NOTICE_DAYS"] {
        assert_eq!(text.matches(name).count(), 1, "{name} once in:\n{text}");
    }
    assert!(text.contains("APP_DEMO=true"), "{text}");
    readable(&text);

    let (code, text) = techmarket(&[], &[("APP_TOKEN_TTL_SECONDS", "soon")]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("APP_TOKEN_TTL_SECONDS"), "{text}");
}

#[test]
fn a_refused_command_says_why_once_in_words() {
    let (code, text) = techmarket(
        &[
            "user",
            "add",
            "--email",
            "not an address",
            "--password",
            "correct horse battery staple",
            "--role",
            "researcher",
        ],
        &[("APP_LOG_FORMAT", "pretty")],
    );
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(text.matches("email").count(), 1, "{text}");
    readable(&text);

    let (code, text) = techmarket(
        &[
            "user",
            "add",
            "--email",
            "a@example.cn",
            "--password",
            "x",
            "--role",
            "wizard",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("unknown role 'wizard'; one of researcher,"),
        "{text}"
    );
    readable(&text);
}

#[test]
fn serve_help_lists_every_setting() {
    let (code, text) = techmarket(&["serve", "--help"], &[]);
    assert_eq!(code, Some(0), "{text}");
    for name in [
        "DATABASE_URL",
        "APP_LISTEN",
        "APP_DATA_DIR",
        "APP_DEMO",
        "APP_PRICE_NOTICE_DAYS",
        "APP_SMTP_URL",
        "APP_RABBITMQ_URL",
    ] {
        assert!(
            text.contains(name),
            "{name} missing from serve --help:\n{text}"
        );
    }
}

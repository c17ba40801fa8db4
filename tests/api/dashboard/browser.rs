//! Headless Debian Chromium for the dashboard test: chromedriver on a free port (killed when
//! the test ends), a WebDriver session that saves downloads into a temp dir, screenshots into
//! `target/screenshots/`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::helpers::Backend;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver in a process group of its own, with the browsers it starts: a test that fails
/// midway (no session closed) still leaves none of them behind.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Browser {
    pub client: Client,
    backend: &'static str,
    downloads: tempfile::TempDir,
    _driver: Driver,
}

fn required() -> bool {
    std::env::var_os("TECHMARKET_REQUIRE_BROWSER").is_some_and(|v| v == "1")
}

fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("screenshots")
}

impl Browser {
    /// The browser, or `None` after a loud banner when Debian's `chromium` or `chromium-driver`
    /// is not installed; with `TECHMARKET_REQUIRE_BROWSER=1` (CI) their absence fails instead.
    pub async fn start(backend: Backend) -> Option<Browser> {
        let missing: Vec<_> = [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .filter(|p| !Path::new(p).exists())
            .collect();
        if !missing.is_empty() {
            assert!(
                !required(),
                "{missing:?} missing, and TECHMARKET_REQUIRE_BROWSER=1 requires the browser test \
                 (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "\n  ###################################################################\n  \
                 #  BROWSER TEST SKIPPED: {missing:?} not installed.\n  \
                 #  Install Debian's chromium and chromium-driver (.ci/run does)\n  \
                 #  to drive /dashboard in a real browser.\n  \
                 ###################################################################\n"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Driver(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        let downloads = tempfile::tempdir().expect("temp dir");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // As root (CI is) Chromium needs --no-sandbox; /dev/shm may be small in a container.
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,800", "--lang=zh-CN"],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "intl.accept_languages": "zh-CN,zh",
                },
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        // chromedriver listens a moment after it starts: try until it answers.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if tokio::time::Instant::now() > deadline => {
                    panic!("no WebDriver session from chromedriver: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        // Screenshots of a 1280×800 page: the window is that plus whatever frame it has.
        let frame = client
            .execute(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await
            .expect("the window's frame");
        let extra = |i: usize| frame[i].as_u64().unwrap_or(0) as u32;
        client
            .set_window_size(1280 + extra(0), 800 + extra(1))
            .await
            .expect("the window resized");
        Some(Browser {
            client,
            backend: match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            },
            downloads,
            _driver: driver,
        })
    }

    /// Saves what the window shows as `target/screenshots/dashboard-<backend>-<step>.png`.
    pub async fn screenshot(&self, step: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("dashboard-{}-{step}.png", self.backend));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    /// The file the browser saved as `name`, once it is complete.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.path().join(name);
        let partial = self.downloads.path().join(format!("{name}.crdownload"));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !path.exists() || partial.exists() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} was never downloaded; the folder holds {:?}",
                std::fs::read_dir(self.downloads.path())
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::fs::read(path).unwrap()
    }

    /// Ends the WebDriver session (and its browser) before chromedriver is stopped.
    pub async fn finish(self) {
        let _ = self.client.clone().close().await;
    }
}

//! `spawn_app`: a real server on a free port over a fresh store, and typed request helpers.
//! Every case runs on both backends: a new SQLite file in a temp dir, and a new PostgreSQL
//! database on the local server (created with a unique name, dropped afterwards).

use std::sync::OnceLock;

use actix_web::web;
use reqwest::{Method, Response, ResponseBuilderExt, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use techmarket::config::Settings;
use techmarket::domain::user::{NewUser, RegistrationInput};
use techmarket::domain::Role;
use techmarket::startup::Application;
use techmarket::state::AppState;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend from one async body: `both!(name, |app| async move { … })`,
/// or with settings changed first: `both!(name, settings => |s| …, |app| async move { … })`.
#[macro_export]
macro_rules! both {
    ($name:ident, settings => $tweak:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app =
                    $crate::helpers::spawn_app_with($crate::helpers::Backend::Sqlite, $tweak).await;
                let _keep = app.keep_alive();
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !$crate::helpers::postgres_available().await {
                    eprintln!("SKIPPED: PostgreSQL is unreachable");
                    return;
                }
                let app =
                    $crate::helpers::spawn_app_with($crate::helpers::Backend::Postgres, $tweak)
                        .await;
                let _keep = app.keep_alive();
                ($body)(app).await;
            }
        }
    };
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await;
                // The body's future may capture only some fields of `app`; keep the store alive.
                let _keep = app.keep_alive();
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = $crate::helpers::spawn_pg_app().await else {
                    return;
                };
                let _keep = app.keep_alive();
                ($body)(app).await;
            }
        }
    };
}

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// CI (and anyone who sets TECHMARKET_REQUIRE_POSTGRES) must not pass with PostgreSQL down.
fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn postgres_required() -> bool {
    under_ci() || std::env::var_os("TECHMARKET_REQUIRE_POSTGRES").is_some_and(|v| v == "1")
}

/// Whether the PostgreSQL half runs; decided once per test binary.
pub async fn postgres_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    if let Some(a) = AVAILABLE.get() {
        return *a;
    }
    // One attempt: a pool would retry a refused connection until its acquire timeout.
    let attempt = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&admin_url()).await
    });
    let ok = matches!(attempt.await, Ok(Ok(_)));
    if !ok && postgres_required() {
        panic!(
            "PostgreSQL at {} is unreachable, and CI requires the PostgreSQL suite",
            admin_url()
        );
    }
    *AVAILABLE.get_or_init(|| ok)
}

/// The RabbitMQ the broker tests publish to (and consume from, directly).
pub fn amqp_url() -> String {
    std::env::var("TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Whether the broker tests run; decided once per test binary. Under CI (or with
/// TECHMARKET_REQUIRE_RABBITMQ=1) an unreachable broker fails them instead of skipping.
pub async fn rabbitmq_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    if let Some(a) = AVAILABLE.get() {
        return *a;
    }
    let url = amqp_url();
    let attempt = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        lapin::Connection::connect(&url, lapin::ConnectionProperties::default()),
    );
    let ok = match attempt.await {
        Ok(Ok(c)) => {
            let _ = c.close(200, "bye".into()).await;
            true
        }
        _ => false,
    };
    let required =
        under_ci() || std::env::var_os("TECHMARKET_REQUIRE_RABBITMQ").is_some_and(|v| v == "1");
    if !ok && required {
        panic!(
            "RabbitMQ at {} is unreachable, and this run requires it",
            amqp_url()
        );
    }
    if !ok {
        eprintln!("SKIPPED: RabbitMQ is unreachable at {}", amqp_url());
    }
    *AVAILABLE.get_or_init(|| ok)
}

pub async fn spawn_pg_app() -> Option<TestApp> {
    if !postgres_available().await {
        eprintln!("SKIPPED: PostgreSQL is unreachable at {}", admin_url());
        return None;
    }
    Some(spawn_app(Backend::Postgres).await)
}

/// Drops the test database when the test ends, whatever the outcome.
pub struct PgDatabase {
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on itself.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(pool) = sqlx::PgPool::connect(&admin_url()).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&pool)
                            .await;
                }
            })
        })
        .join();
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub address: String,
    pub client: TestClient,
    pub state: web::Data<AppState>,
    pub settings: Settings,
    pub handle: actix_web::dev::ServerHandle,
    /// A platform admin made once per app, who approves the test users' memberships.
    operator: tokio::sync::OnceCell<TestUser>,
    _data_dir: std::sync::Arc<tempfile::TempDir>,
    _pg: Option<std::sync::Arc<PgDatabase>>,
}

pub fn test_settings(backend: Backend, data_dir: &std::path::Path, db: Option<&str>) -> Settings {
    Settings {
        listen: "127.0.0.1:0".into(),
        database_url: match backend {
            Backend::Sqlite => Some(SecretString::from(format!(
                "sqlite://{}/test.sqlite?mode=rwc",
                data_dir.display()
            ))),
            Backend::Postgres => {
                let base = admin_url();
                let (prefix, _) = base.rsplit_once('/').expect("admin url has a database");
                Some(SecretString::from(format!(
                    "{prefix}/{}",
                    db.expect("database name")
                )))
            }
        },
        data_dir: data_dir.to_path_buf(),
        jwt_secret: Some(SecretString::from(
            "test-secret-test-secret-test-secret-0123".to_string(),
        )),
        body_limit_bytes: 64 * 1024,
        // The expiry task runs often, so a test that moves the clock sees it act promptly.
        expiry_sweep_ms: 100,
        // Every test user registers from 127.0.0.1; the limits have tests of their own.
        register_max_per_address: 100_000,
        login_max_failures_per_address: 100_000,
        // Mail is looked for and retried promptly, so mail tests wait milliseconds, not minutes.
        mail_poll_ms: 50,
        mail_retry_base_ms: 50,
        ..Settings::default()
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A test app whose settings `tweak` changes first (limits, windows).
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let pg = match backend {
        Backend::Postgres => {
            let name = format!("techmarket_test_{}", Uuid::new_v4().simple());
            let pool = sqlx::PgPool::connect(&admin_url()).await.expect("postgres");
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            Some(PgDatabase { name })
        }
        Backend::Sqlite => None,
    };
    let mut settings = test_settings(
        backend,
        data_dir.path(),
        pg.as_ref().map(|d| d.name.as_str()),
    );
    tweak(&mut settings);
    start(
        backend,
        settings,
        std::sync::Arc::new(data_dir),
        pg.map(std::sync::Arc::new),
    )
    .await
}

async fn start(
    backend: Backend,
    settings: Settings,
    data_dir: std::sync::Arc<tempfile::TempDir>,
    pg: Option<std::sync::Arc<PgDatabase>>,
) -> TestApp {
    // After an in-process restart the old server's tasks may still hold the search index for a
    // moment (a real restart is a new process, whose predecessor's lock died with it).
    let mut attempts = 0;
    let app = loop {
        match Application::build(settings.clone()).await {
            Ok(app) => break app,
            Err(e) if e.to_string().contains("in use") && attempts < 100 => {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("application builds: {e:#}"),
        }
    };
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        backend,
        address,
        client: TestClient(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        ),
        state,
        settings,
        handle,
        operator: tokio::sync::OnceCell::new(),
        _data_dir: data_dir,
        _pg: pg,
    }
}

/// The tests' HTTP client: reqwest's, except that every response it receives is checked against
/// `api-spec/openapi.yaml` before the test sees it (see [`checked`]). Every request of the tests
/// goes through it, the helpers' and those a test builds itself (`app.client.get(...)`).
#[derive(Clone)]
pub struct TestClient(reqwest::Client);

impl TestClient {
    pub fn request<U: reqwest::IntoUrl>(&self, method: Method, url: U) -> TestRequest {
        TestRequest(self.0.request(method, url))
    }

    pub fn get<U: reqwest::IntoUrl>(&self, url: U) -> TestRequest {
        self.request(Method::GET, url)
    }

    pub fn post<U: reqwest::IntoUrl>(&self, url: U) -> TestRequest {
        self.request(Method::POST, url)
    }
}

/// A request being built: reqwest's builder, whose `send` checks the response.
pub struct TestRequest(reqwest::RequestBuilder);

impl TestRequest {
    pub fn header<K, V>(self, key: K, value: V) -> Self
    where
        reqwest::header::HeaderName: TryFrom<K>,
        <reqwest::header::HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        reqwest::header::HeaderValue: TryFrom<V>,
        <reqwest::header::HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        TestRequest(self.0.header(key, value))
    }

    pub fn bearer_auth<T: std::fmt::Display>(self, token: T) -> Self {
        TestRequest(self.0.bearer_auth(token))
    }

    pub fn json<T: serde::Serialize + ?Sized>(self, json: &T) -> Self {
        TestRequest(self.0.json(json))
    }

    pub fn body<T: Into<reqwest::Body>>(self, body: T) -> Self {
        TestRequest(self.0.body(body))
    }

    pub fn timeout(self, timeout: std::time::Duration) -> Self {
        TestRequest(self.0.timeout(timeout))
    }

    pub async fn send(self) -> reqwest::Result<Response> {
        let (client, request) = self.0.build_split();
        let request = request?;
        let method = request.method().clone();
        let response = client.execute(request).await?;
        Ok(checked(&method, response).await)
    }
}

/// `response`, after its JSON body (if it has one) was validated against the schema the
/// OpenAPI document gives for its operation and status (a mismatch fails the test).
/// Other bodies (HTML, CSV, a download, an event stream) pass through unread.
async fn checked(method: &Method, response: Response) -> Response {
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !crate::openapi::is_json(&content_type) {
        return response;
    }
    let (status, version, headers, url) = (
        response.status(),
        response.version(),
        response.headers().clone(),
        response.url().clone(),
    );
    // A body cut off (a server stopped mid-answer) has nothing whole to check: it is handed
    // on empty, which the test cannot read either.
    let body = match response.bytes().await {
        Ok(body) => {
            crate::openapi::assert_conforms(
                method,
                url.path(),
                status.as_u16(),
                &content_type,
                &body,
            );
            body
        }
        Err(_) => Default::default(),
    };
    let mut rebuilt = http::Response::builder()
        .status(status)
        .version(version)
        .url(url);
    *rebuilt.headers_mut().expect("a valid response") = headers;
    Response::from(rebuilt.body(body).expect("a valid response"))
}

/// A signed-in user of the test app.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

/// What must outlive a test body: the temp dir and the test database.
pub type KeepAlive = (
    std::sync::Arc<tempfile::TempDir>,
    Option<std::sync::Arc<PgDatabase>>,
);

impl TestApp {
    pub fn keep_alive(&self) -> KeepAlive {
        (self._data_dir.clone(), self._pg.clone())
    }

    /// A second server on this app's database, with a data folder of its own (the search
    /// index is per folder): two instances of the service side by side.
    pub async fn twin(&self) -> TestApp {
        self.twin_with(|_| {}).await
    }

    /// A twin whose settings `tweak` changes first (a broker to publish to, say).
    pub async fn twin_with(&self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let mut settings = self.settings.clone();
        settings.data_dir = data_dir.path().to_path_buf();
        tweak(&mut settings);
        start(self.backend, settings, data_dir, self._pg.clone()).await
    }

    /// Stops this server and starts a new one on the same store: a restart.
    pub async fn restart(self) -> TestApp {
        self.handle.stop(true).await;
        self.state.db.close().await;
        let TestApp {
            backend,
            settings,
            _data_dir,
            _pg,
            state,
            ..
        } = self;
        // Let go of the old state (and with it the search index) before the new server opens it.
        drop(state);
        start(backend, settings, _data_dir, _pg).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut rb = self.client.request(method, self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        rb.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
        self.request(Method::POST, path, token, body).await
    }

    /// `POST /api/v1/listings/{id}/{verb}` as `user`, with an optional JSON body.
    pub async fn command(
        &self,
        id: Uuid,
        verb: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Response {
        self.post(&format!("/api/v1/listings/{id}/{verb}"), Some(token), body)
            .await
    }

    /// A user with `role`: researchers and enterprises sign up over HTTP like real users, asking
    /// to join `organization_id`, which a platform admin then approves; other roles are created
    /// the way an operator does (`techmarket user add`). Then they log in.
    pub async fn user(&self, role: Role, organization_id: Option<Uuid>) -> TestUser {
        let email = format!("{}-{}@example.cn", role.as_str(), Uuid::new_v4().simple());
        if role.is_self_service() {
            let mut body = json!({"email": email, "password": PASSWORD, "display_name": "测试用户", "role": role.as_str()});
            if let Some(org) = organization_id {
                body["organization_id"] = json!(org);
            }
            let (status, registered) =
                json_of(self.post("/api/v1/auth/register", None, Some(&body)).await).await;
            assert_eq!(status, StatusCode::CREATED, "{registered}");
            if let Some(org) = organization_id {
                let request = registered["membership_request"]["id"].as_str().unwrap();
                let operator = self.operator().await;
                let (status, decided) = json_of(
                    self.post(
                        &format!(
                            "/api/v1/organizations/{org}/membership-requests/{request}/approve"
                        ),
                        Some(&operator.token),
                        None,
                    )
                    .await,
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{decided}");
            }
        } else {
            self.made_by_operator(&email, role, organization_id).await;
        }
        self.signed_in(email).await
    }

    /// A user made the way `techmarket user add` makes one.
    async fn made_by_operator(&self, email: &str, role: Role, organization_id: Option<Uuid>) {
        let input = RegistrationInput {
            email: email.to_string(),
            password: SecretString::from(PASSWORD.to_string()),
            display_name: "测试用户".into(),
            role,
            organization_id,
        };
        techmarket::accounts::create_user(
            &self.state.db,
            NewUser::parse(input, false).unwrap(),
            false,
            techmarket::accounts::OPERATOR,
        )
        .await
        .unwrap();
    }

    async fn signed_in(&self, email: String) -> TestUser {
        let token = self.login(&email, PASSWORD).await;
        let me: Value = self
            .get("/api/v1/me", Some(&token))
            .await
            .json()
            .await
            .unwrap();
        TestUser {
            id: me["id"].as_str().unwrap().parse().unwrap(),
            email,
            token,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                Some(&json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    /// An organization created by a platform admin.
    pub async fn organization(&self, name: &str, nature: &str, region: &str) -> Uuid {
        let admin = self.operator().await;
        let r = self
            .post(
                "/api/v1/organizations",
                Some(&admin.token),
                Some(&json!({"name": name, "party_nature": nature, "region": region})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn admin(&self) -> TestUser {
        self.user(Role::PlatformAdmin, None).await
    }

    /// The app's standing platform admin (made on first use).
    pub async fn operator(&self) -> TestUser {
        self.operator
            .get_or_init(|| async {
                let email = format!("operator-{}@example.cn", Uuid::new_v4().simple());
                self.made_by_operator(&email, Role::PlatformAdmin, None)
                    .await;
                self.signed_in(email).await
            })
            .await
            .clone()
    }

    /// Creates a draft listing and returns its id.
    pub async fn draft(&self, owner: &TestUser, body: &Value) -> Uuid {
        let r = self
            .post("/api/v1/listings", Some(&owner.token), Some(body))
            .await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v["id"].as_str().unwrap().parse().unwrap()
    }

    /// Draft → submitted → published by a tech manager.
    pub async fn published(&self, owner: &TestUser, body: &Value) -> Uuid {
        let id = self.draft(owner, body).await;
        let reviewer = self.user(Role::TechManager, None).await;
        assert_eq!(
            self.post(
                &format!("/api/v1/listings/{id}/submit"),
                Some(&owner.token),
                None
            )
            .await
            .status(),
            200
        );
        let r = self
            .post(
                &format!("/api/v1/listings/{id}/publish"),
                Some(&reviewer.token),
                None,
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        id
    }

    /// A published demand of `owner`.
    pub async fn published_demand(&self, owner: &TestUser, body: &Value) -> Uuid {
        let r = self
            .post("/api/v1/demands", Some(&owner.token), Some(body))
            .await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
        let r = self
            .post(
                &format!("/api/v1/demands/{id}/publish"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        id
    }

    /// How many entries the global log holds: "nothing changed" means it did not grow.
    /// (Positions are sparse on PostgreSQL, so they are not counted by subtracting.)
    /// `user`'s notifications once there are at least `n` (the follower that makes them runs
    /// in the background), newest unread first; a failure after 10 s.
    pub async fn inbox(&self, user: &TestUser, n: usize) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let (s, v) = json_of(
                self.get("/api/v1/me/notifications?limit=100", Some(&user.token))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            if v["items"].as_array().unwrap().len() >= n {
                return v;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "expected {n} notifications, have {v}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn log_len(&self) -> i64 {
        let mut rc = self.state.db.read().await.unwrap();
        rc.conn()
            .fetch_one("SELECT COUNT(*) AS n FROM event_log", &[])
            .await
            .unwrap()
            .i64("n")
            .unwrap()
    }

    /// The highest position of the global log.
    pub async fn log_head(&self) -> i64 {
        let mut rc = self.state.db.read().await.unwrap();
        techmarket::store::log::head(&mut rc.conn()).await.unwrap()
    }
}

/// A valid demand body of `kind`, valid for 30 days; tests change what they need.
pub fn demand_body(kind: &str, title: &str) -> Value {
    let today = techmarket::domain::calendar::china_date(chrono::Utc::now());
    let mut b = json!({
        "kind": kind,
        "title": title,
        "description": "我们需要提升动力电池能量密度的正极材料技术，要求可中试放大。",
        "field": "new_energy",
        "keywords": ["锂电池", "正极材料"],
        "budget_min_fen": 1_000_000_000i64,
        "budget_max_fen": 6_000_000_000i64,
        "cooperation_modes": ["license", "joint_development"],
        "region": "500106",
        "valid_until": (today + chrono::Duration::days(30)).to_string(),
        "trl_min": 5
    });
    if kind == "open_call" {
        b["open_call"] = json!({
            "bounty_fen": 500_000_000i64,
            "deadline": (today + chrono::Duration::days(20)).to_string(),
            "acceptance_criteria": "样品能量密度不低于 300 Wh/kg"
        });
    }
    b
}

/// A valid listing body; tests change what they need.
/// The kinds of an inbox page's notifications, in its order.
pub fn kinds(inbox: &Value) -> Vec<String> {
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

pub fn listing_body(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "以高镍三元材料为正极的锂离子电池制备工艺，能量密度提升20%。",
        "confidential_detail": "SECRET-RECIPE: 烧结温度 780℃，保温 12 小时",
        "field": "new_energy",
        "keywords": ["锂电池", "正极材料"],
        "ip_rights": [{"kind": "invention_patent", "number": "ZL202310000001.X", "status": "granted"}],
        "trl": 4,
        "inventors": [
            {"name": "李雷", "share_percent": 60},
            {"name": "韩梅梅", "share_percent": 40}
        ],
        "transfer_modes": ["assignment", "exclusive_license"],
        "pricing_mode": "listed",
        "asking_price_fen": 5_000_000_000_i64, // 5,000万元 in fen
        "region": "500106"
    })
}

pub async fn json_of(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

/// A PostgreSQL app on a fresh database like [`spawn_pg_app`], whose `DATABASE_URL` is
/// `url_for(the direct URL)`: a test puts something between the app and PostgreSQL (a proxy it
/// can cut). `None` when PostgreSQL is unreachable.
pub async fn spawn_pg_app_at(
    url_for: impl FnOnce(&str) -> String,
    settings_for: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    if !postgres_available().await {
        eprintln!("SKIPPED: PostgreSQL is unreachable at {}", admin_url());
        return None;
    }
    let data_dir = tempfile::tempdir().expect("temp dir");
    let name = format!("techmarket_test_{}", Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin_url()).await.expect("postgres");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&pool)
        .await
        .expect("create database");
    pool.close().await;
    let mut settings = test_settings(Backend::Postgres, data_dir.path(), Some(&name));
    let direct = settings.database_url();
    settings.database_url = Some(SecretString::from(url_for(&direct)));
    settings_for(&mut settings);
    Some(
        start(
            Backend::Postgres,
            settings,
            std::sync::Arc::new(data_dir),
            Some(std::sync::Arc::new(PgDatabase { name })),
        )
        .await,
    )
}

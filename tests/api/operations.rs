//! The operator's kit: Prometheus metrics on a port of their own, `/readyz` telling how far
//! each follower of the log has read, and answers compressed for a client that asks (but not
//! the event streams).

use std::io::Read;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use techmarket::config::Settings;
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{listing_body, TestApp};

/// The followers of the log a test app runs (notifications are on in the tests); /readyz may
/// name more.
const FOLLOWERS: [&str; 5] = [
    "demand_fulfilled_on_registration",
    "listing_transferred_on_registration",
    "notifications",
    "search",
    "trl_from_verification",
];

fn with_metrics(s: &mut Settings) {
    s.metrics_listen = "127.0.0.1:0".into();
}

/// A client that neither validates nor decodes anything: the bytes as they came.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

/// `GET /metrics` on the app's metrics port (the settings in force hold the bound address).
async fn scrape(app: &TestApp) -> String {
    let address = &app.state.settings.metrics_listen;
    assert!(!address.ends_with(":0"), "the bound address: {address}");
    let r = raw_client()
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    r.text().await.unwrap()
}

/// The value of the first sample of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (series, value) = rest.rsplit_once(' ')?;
        if !(series.is_empty() || series.starts_with('{')) {
            return None; // another metric whose name starts with this one
        }
        labels
            .iter()
            .all(|(k, v)| series.contains(&format!("{k}=\"{v}\"")))
            .then(|| value.parse().ok())?
    })
}

/// The log's last position, read through the feed as an operator would.
async fn feed_head(app: &TestApp, token: &str) -> i64 {
    let mut after = 0i64;
    loop {
        let r = app
            .get(
                &format!("/api/v1/events?after={after}&limit=100"),
                Some(token),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        let next: i64 = v["next_cursor"].as_str().unwrap().parse().unwrap();
        if next == after {
            return after;
        }
        after = next;
    }
}

/// `/readyz` once every follower has read up to `head` (lag 0 everywhere); a failure after 10 s.
async fn caught_up(app: &TestApp, head: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = app.get("/readyz", None).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        let followers = v["followers"].as_object().unwrap();
        let all_there = FOLLOWERS.iter().all(|f| followers.contains_key(*f))
            && followers
                .values()
                .all(|f| f["lag"] == 0 && f["position"] == head);
        if v["log_head"] == head && all_there {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "the followers did not catch up with {head}: {v}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

both!(
    metrics_count_requests_by_route_commands_by_outcome_and_show_each_followers_lag,
    settings => with_metrics,
    |app: TestApp| async move {
        let admin = app.admin().await;
        let owner = app.user(Role::Researcher, None).await;
        let before = scrape(&app).await;
        let waits = |text: &str| {
            sample(text, "techmarket_append_wait_seconds_count", &[("aggregate", "listing")])
                .unwrap_or(0.0)
        };

        let id = app.draft(&owner, &listing_body("可观测的成果")).await;
        let r = app.command(id, "submit", &owner.token, None).await;
        assert_eq!(r.status(), StatusCode::OK);
        // Submitted already: the aggregate refuses.
        let r = app.command(id, "submit", &owner.token, None).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);

        let head = feed_head(&app, &admin.token).await;
        caught_up(&app, head).await;
        let text = scrape(&app).await;

        // Requests under their route pattern, never the raw path (ids would multiply series).
        let submitted = [
            ("route", "/api/v1/listings/{id}/submit"),
            ("method", "POST"),
        ];
        let ok = sample(
            &text,
            "techmarket_http_requests_total",
            &[submitted[0], submitted[1], ("status", "2xx")],
        );
        assert!(ok >= Some(1.0), "{text}");
        let refused = sample(
            &text,
            "techmarket_http_requests_total",
            &[submitted[0], submitted[1], ("status", "4xx")],
        );
        assert!(refused >= Some(1.0), "{text}");
        assert!(!text.contains(&id.to_string()), "a raw path in {text}");
        assert!(text.contains("# TYPE techmarket_http_request_duration_seconds histogram"));
        assert!(
            sample(&text, "techmarket_http_request_duration_seconds_count", &submitted) >= Some(2.0)
        );

        // Commands by outcome, and the wait for the append (one per appending command).
        let commands = |outcome| {
            sample(
                &text,
                "techmarket_commands_total",
                &[("aggregate", "listing"), ("outcome", outcome)],
            )
        };
        assert!(commands("accepted") >= Some(2.0), "{text}");
        assert!(commands("refused") >= Some(1.0), "{text}");
        assert!(text.contains("# TYPE techmarket_append_wait_seconds histogram"));
        assert!(waits(&text) >= waits(&before) + 2.0, "{before}\n---\n{text}");

        // The log's head, and every follower at it.
        assert_eq!(sample(&text, "techmarket_log_head", &[]), Some(head as f64));
        for f in FOLLOWERS {
            assert_eq!(
                sample(&text, "techmarket_follower_lag", &[("follower", f)]),
                Some(0.0),
                "{text}"
            );
            assert_eq!(
                sample(&text, "techmarket_follower_position", &[("follower", f)]),
                Some(head as f64)
            );
        }

        // Not on the public port.
        assert_eq!(app.get("/metrics", None).await.status(), StatusCode::NOT_FOUND);
    }
);

both!(
    readyz_tells_how_far_each_follower_has_read,
    |app: TestApp| async move {
        let admin = app.admin().await;
        let owner = app.user(Role::Researcher, None).await;
        // Metrics are off unless configured; the followers' standing is in /readyz anyway.
        assert!(app.state.settings.metrics_listen.is_empty());
        for i in 0..3 {
            app.draft(&owner, &listing_body(&format!("成果{i}"))).await;
        }
        let head = feed_head(&app, &admin.token).await;
        assert!(head > 0);
        let v = caught_up(&app, head).await;
        assert_eq!(v["status"], "ready");
        assert_eq!(
            v["followers"].as_object().unwrap().len(),
            FOLLOWERS.len(),
            "{v}"
        );

        // More commands: the head moves on, and the followers follow.
        let id = app.draft(&owner, &listing_body("又一个成果")).await;
        assert_eq!(
            app.command(id, "submit", &owner.token, None).await.status(),
            StatusCode::OK
        );
        let later = feed_head(&app, &admin.token).await;
        assert!(later > head);
        caught_up(&app, later).await;
    }
);

both!(
    answers_are_gzipped_for_a_client_that_asks_and_event_streams_are_not,
    |app: TestApp| async move {
        let admin = app.admin().await;
        let owner = app.user(Role::Researcher, None).await;
        for i in 0..10 {
            app.draft(&owner, &listing_body(&format!("压缩的成果{i}")))
                .await;
        }
        let url = app.url("/api/v1/events?limit=100");
        let client = raw_client();

        let plain = client
            .get(&url)
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.unwrap();

        let gzipped = client
            .get(&url)
            .bearer_auth(&admin.token)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzipped.status(), StatusCode::OK);
        assert_eq!(gzipped.headers()["content-encoding"], "gzip");
        assert!(gzipped.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let gzipped = gzipped.bytes().await.unwrap();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut decoded)
            .unwrap();
        let plain: Value = serde_json::from_slice(&plain).unwrap();
        let decoded: Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(plain["items"].as_array().unwrap().len(), 10);
        assert_eq!(decoded, plain);
        assert!(
            gzipped.len() * 3 < serde_json::to_vec(&plain).unwrap().len(),
            "{} bytes gzipped",
            gzipped.len()
        );

        // An event stream goes out as it is, each frame at once, whatever the client accepts.
        let mut stream = client
            .get(app.url("/api/v1/events/stream?aggregate_type=listing"))
            .bearer_auth(&admin.token)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        assert_eq!(stream.headers()["content-type"], "text/event-stream");
        let encoding = stream.headers().get("content-encoding");
        assert!(encoding.is_none_or(|e| e == "identity"), "{encoding:?}");
        let mut seen = String::new();
        let id = app.draft(&owner, &listing_body("实时的成果")).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !seen.contains(&id.to_string()) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, stream.chunk()).await {
                Ok(Ok(Some(bytes))) => seen.push_str(std::str::from_utf8(&bytes).unwrap()),
                other => panic!("the new listing's event did not arrive: {other:?}; {seen}"),
            }
        }
        assert!(seen.starts_with(": open\n\n"), "{seen}");
    }
);

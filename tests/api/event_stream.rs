//! `GET /events/stream`: the feed as server-sent events, live, resumable without gaps or
//! repeats, limited per user, and gone with the client.

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::Value;
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp};

/// An open stream and what it has sent that was not read yet.
struct Sse {
    response: Response,
    buffer: String,
}

impl Sse {
    async fn open(app: &TestApp, token: &str, query: &str, last_id: Option<i64>) -> Sse {
        let mut rb = app
            .client
            .get(app.url(&format!("/api/v1/events/stream{query}")))
            .bearer_auth(token);
        if let Some(id) = last_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        let response = rb.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Sse {
            response,
            buffer: String::new(),
        }
    }

    /// The next `n` events (comments skipped): position, name, data; a failure after 10 s.
    async fn events(&mut self, n: usize) -> Vec<(i64, String, Value)> {
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while out.len() < n {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if frame.starts_with(':') {
                    continue;
                }
                let (mut id, mut name, mut data) = (None, None, None);
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = Some(v.parse::<i64>().unwrap());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        name = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = Some(serde_json::from_str::<Value>(v).unwrap());
                    }
                }
                out.push((id.unwrap(), name.unwrap(), data.unwrap()));
                if out.len() == n {
                    return out;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "expected {n} events, have {out:?}");
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(other) => panic!("the stream ended: {other:?}"),
                Err(_) => panic!("expected {n} events, have {out:?}"),
            }
        }
        out
    }

    /// Whatever arrives within `wait`, comments skipped: events only.
    async fn quiet_for(&mut self, wait: Duration) -> Vec<String> {
        let until = Instant::now() + wait;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                _ => break,
            }
        }
        self.buffer
            .split("\n\n")
            .filter(|f| f.starts_with("id: "))
            .map(str::to_string)
            .collect()
    }
}

both!(
    the_stream_is_live_and_resumes_from_the_last_event_id_without_gaps_or_repeats,
    |app: TestApp| async move {
        let admin = app.admin().await;
        let owner = app.user(Role::Researcher, None).await;
        for i in 0..3 {
            app.draft(&owner, &listing_body(&format!("成果{i}"))).await;
        }
        let mut sse = Sse::open(&app, &admin.token, "?aggregate_type=listing", None).await;
        let first = sse.events(3).await;
        assert!(first.iter().all(|(_, name, _)| name == "listing.created"));
        assert!(first.windows(2).all(|w| w[0].0 < w[1].0));
        // The feed's visibility: no confidential detail in the broadcast.
        for (_, _, data) in &first {
            assert!(data["payload"]["event"]["content"]["confidential_detail"].is_null());
            assert!(!data.to_string().contains("SECRET"), "{data}");
            assert_eq!(data["aggregate_type"], "listing");
        }

        // Live: what is committed now arrives on the open stream.
        let id = app.draft(&owner, &listing_body("实时的成果")).await;
        let live = sse.events(1).await;
        assert_eq!(live[0].2["aggregate_id"], id.to_string());
        let last = live[0].0;
        drop(sse);

        // Missed while away: two listings and a user's sign-up (not a listing).
        let a = app.draft(&owner, &listing_body("错过的一")).await;
        let b = app.draft(&owner, &listing_body("错过的二")).await;
        app.user(Role::Researcher, None).await;
        let mut sse = Sse::open(&app, &admin.token, "?aggregate_type=listing", Some(last)).await;
        let missed = sse.events(2).await;
        let ids: Vec<String> = missed
            .iter()
            .map(|(_, _, d)| d["aggregate_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, [a.to_string(), b.to_string()]);
        assert!(missed[0].0 > last);
        assert!(
            sse.quiet_for(Duration::from_millis(300)).await.is_empty(),
            "nothing repeated, nothing more"
        );

        // The same positions the polling feed gives from the same place.
        let (_, feed) = json_of(
            app.get(&format!("/api/v1/events?after={last}"), Some(&admin.token))
                .await,
        )
        .await;
        let polled: Vec<i64> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["aggregate_type"] == "listing")
            .map(|e| e["position"].as_i64().unwrap())
            .collect();
        assert_eq!(polled, missed.iter().map(|m| m.0).collect::<Vec<_>>());
    }
);

both!(
    streams_are_limited_per_user_and_a_client_that_leaves_takes_its_stream_with_it,
    settings => |s| {
        s.sse_heartbeat_ms = 100;
        s.sse_max_streams_per_user = 2;
    },
    |app: TestApp| async move {
        let admin = app.admin().await;
        let one = Sse::open(&app, &admin.token, "", None).await;
        let _two = Sse::open(&app, &admin.token, "", None).await;
        let r = app.get("/api/v1/events/stream", Some(&admin.token)).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert_eq!(app.state.streams.open(admin.id), 2);

        // The client goes: at the next heartbeat its stream is dropped, state and all.
        drop(one);
        let deadline = Instant::now() + Duration::from_secs(5);
        while app.state.streams.open(admin.id) != 1 {
            assert!(Instant::now() < deadline, "the stream outlived its client");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut three = Sse::open(&app, &admin.token, "", None).await;
        // A quiet stream still speaks: heartbeats.
        tokio::time::sleep(Duration::from_millis(250)).await;
        let bytes = three.response.chunk().await.unwrap().unwrap();
        assert!(std::str::from_utf8(&bytes).unwrap().starts_with(':'));
    }
);

both!(
    bad_stream_requests_are_refused_plainly,
    |app: TestApp| async move {
        let admin = app.admin().await;
        for (query, last_id) in [
            ("?after=-1", None),
            ("?aggregate_type=weather", None),
            ("?aggregate_type=listing,", None),
            ("?limit=5", None),
            ("", Some("abc")),
            ("", Some("-3")),
        ] {
            let mut rb = app
                .client
                .get(app.url(&format!("/api/v1/events/stream{query}")))
                .bearer_auth(&admin.token);
            if let Some(id) = last_id {
                rb = rb.header("Last-Event-ID", id);
            }
            let r = rb.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query} {last_id:?}");
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
        assert_eq!(
            app.get("/api/v1/events/stream", None).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let researcher = app.user(Role::Researcher, None).await;
        assert_eq!(
            app.get("/api/v1/events/stream", Some(&researcher.token))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(app.state.streams.open(admin.id), 0);
    }
);

//! Problem details in the caller's language (Chinese unless `Accept-Language` prefers English),
//! every fault of a body's shape at once, and a clear 400 for a query that is not
//! percent-encoded.

use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp};

/// `GET path` with `Accept-Language: accept` (none when `None`): status, `Content-Language`
/// and the problem.
async fn problem(
    app: &TestApp,
    path: &str,
    accept: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let mut rb = app.client.get(app.url(path));
    if let Some(a) = accept {
        rb = rb.header("Accept-Language", a);
    }
    let r = rb.send().await.unwrap();
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/problem+json",
        "{path}"
    );
    let vary = r
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    assert!(vary.contains("accept-language"), "{path}: Vary {vary}");
    let language = r
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_string());
    let (s, v) = json_of(r).await;
    (s, language, v)
}

both!(
    problems_are_in_chinese_unless_english_is_preferred,
    |app: TestApp| async move {
        let missing = format!("/api/v1/listings/{}", uuid::Uuid::now_v7());
        for (accept, tag, title, detail) in [
            (None, "zh-CN", "未找到", "资源不存在"),
            (Some("zh-CN,zh;q=0.9"), "zh-CN", "未找到", "资源不存在"),
            (Some("en"), "en", "Not found", "no such resource"),
            (
                Some("en-GB,en;q=0.8"),
                "en",
                "Not found",
                "no such resource",
            ),
            (Some("en;q=0.5, zh;q=0.9"), "zh-CN", "未找到", "资源不存在"),
            (Some("fr"), "zh-CN", "未找到", "资源不存在"),
            (Some(";;q=x,"), "zh-CN", "未找到", "资源不存在"),
        ] {
            let (s, language, p) = problem(&app, &missing, accept).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{accept:?}");
            assert_eq!(language.as_deref(), Some(tag), "{accept:?}");
            assert_eq!(p["title"], title, "{accept:?}: {p}");
            assert_eq!(p["detail"], detail, "{accept:?}: {p}");
            assert_eq!(p["type"], "/problems/not-found");
            assert_eq!(p["status"], 404);
        }

        // A 400 from a query, a 401, and a 405 the router answered: the titles too.
        let (s, language, p) = problem(&app, "/api/v1/listings?limit=0", None).await;
        assert_eq!(
            (s, language.as_deref()),
            (StatusCode::BAD_REQUEST, Some("zh-CN"))
        );
        assert_eq!(p["title"], "请求格式错误");
        assert_eq!(p["detail"], "查询字符串无效");
        assert_eq!(p["errors"][0]["field"], "limit");
        assert_eq!(p["errors"][0]["message"], "须在 1 到 100 之间");
        let (_, _, p) = problem(&app, "/api/v1/listings?limit=0", Some("en")).await;
        assert_eq!(p["title"], "The request is malformed");
        assert_eq!(p["errors"][0]["message"], "must be between 1 and 100");

        let (s, language, p) = problem(&app, "/api/v1/me", None).await;
        assert_eq!(
            (s, language.as_deref()),
            (StatusCode::UNAUTHORIZED, Some("zh-CN"))
        );
        assert_eq!(p["title"], "需要身份验证");
        let (_, language, p) = problem(&app, "/api/v1/me", Some("en-US")).await;
        assert_eq!(language.as_deref(), Some("en"));
        assert_eq!(p["title"], "Authentication required");

        let r = app
            .client
            .request(reqwest::Method::DELETE, app.url("/api/v1/listings"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers().get("content-language").unwrap(), "zh-CN");
        let (_, p) = json_of(r).await;
        assert_eq!(p["title"], "不支持该请求方法");
    }
);

both!(
    every_fault_of_a_body_is_reported_at_once,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        app.draft(&owner, &listing_body("基准")).await;
        let mine = format!("/api/v1/listings?owner_id={}", owner.id);
        let count = |v: &Value| v["items"].as_array().unwrap().len();
        let (s, before) = json_of(app.get(&mine, Some(&owner.token)).await).await;
        assert_eq!(s, StatusCode::OK, "{before}");
        assert_eq!(count(&before), 1, "{before}");
        let head = app.log_len().await;

        let mut body = listing_body("三处错误");
        body["owner_id"] = json!("me");
        body["pricing_mode"] = json!("barter");
        body["colour"] = json!("red");
        let send = |accept: &'static str| {
            app.client
                .post(app.url("/api/v1/listings"))
                .bearer_auth(&owner.token)
                .header("Accept-Language", accept)
                .json(&body)
                .send()
        };

        let r = send("en").await.unwrap();
        assert_eq!(r.headers().get("content-language").unwrap(), "en");
        let (s, p) = json_of(r).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        let errors = p["errors"].as_array().unwrap();
        let mut fields: Vec<&str> = errors
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        fields.sort();
        assert_eq!(fields, ["colour", "owner_id", "pricing_mode"], "{p}");
        let message = |field: &str| {
            errors.iter().find(|e| e["field"] == field).unwrap()["message"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(
            message("owner_id").starts_with("unknown field `owner_id`"),
            "{p}"
        );
        assert!(message("pricing_mode").contains("`barter`"), "{p}");
        assert!(!p.to_string().contains("missing field"), "{p}");
        assert_eq!(p["title"], "The request is not valid");

        // The same in Chinese, field for field.
        let r = send("zh-CN").await.unwrap();
        assert_eq!(r.headers().get("content-language").unwrap(), "zh-CN");
        let (s, zh) = json_of(r).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{zh}");
        assert_eq!(zh["title"], "请求内容无效");
        let zh_errors = zh["errors"].as_array().unwrap();
        assert_eq!(zh_errors.len(), 3, "{zh}");
        for (en, zh) in errors.iter().zip(zh_errors) {
            assert_eq!(en["field"], zh["field"]);
        }
        let zh_message = |field: &str| {
            zh_errors.iter().find(|e| e["field"] == field).unwrap()["message"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(
            zh_message("owner_id").starts_with("未知字段 `owner_id`"),
            "{zh}"
        );
        assert!(
            zh_message("pricing_mode").starts_with("未知取值 `barter`"),
            "{zh}"
        );

        // A wrong type and a missing field are found beside the rest.
        let mut body = listing_body("两处错误");
        body["trl"] = json!("four");
        body.as_object_mut().unwrap().remove("summary");
        body["extra"] = json!(1);
        let (s, p) = json_of(
            app.client
                .post(app.url("/api/v1/listings"))
                .bearer_auth(&owner.token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        let mut fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        fields.sort();
        assert_eq!(fields, ["extra", "summary", "trl"], "{p}");

        assert_eq!(
            app.log_len().await,
            head,
            "a refused body appended an event"
        );
        let (_, after) = json_of(app.get(&mine, Some(&owner.token)).await).await;
        assert_eq!(count(&after), 1, "{after}");
    }
);

/// Sends `request` as written, byte for byte (reqwest would encode the query), and reads the
/// whole answer: its status line, headers and body.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> (u16, String, Vec<u8>) {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server answers and closes")
    .unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head");
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    (status, head, answer[split + 4..].to_vec())
}

both!(
    a_query_that_is_not_percent_encoded_is_a_clear_400,
    |app: TestApp| async move {
        // Escapes that are not UTF-8 reach the route: 400 naming the parameter, not a search
        // for U+FFFD.
        let (s, language, p) = problem(&app, "/api/v1/listings?limit=5&q=%E5%8A", None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
        assert_eq!(language.as_deref(), Some("zh-CN"));
        assert_eq!(p["errors"][0]["field"], "q", "{p}");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("%E5%8A%A8"),
            "{p}"
        );
        let (_, _, p) = problem(&app, "/api/v1/listings?q=%E5%8A", Some("en")).await;
        assert_eq!(
            p["detail"], "the query string is not percent-encoded UTF-8",
            "{p}"
        );
        assert_eq!(p["errors"][0]["field"], "q", "{p}");

        // Raw UTF-8 in the request line, as a careless client sends it: actix-http's parser
        // would refuse it with a bare 400; the connection is read through
        // `http::request_line`, so the answer is a problem naming the parameter.
        let request = "GET /api/v1/listings?limit=5&q=动力电池 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        let (status, head, body) = raw_exchange(&app, request.as_bytes()).await;
        assert_eq!(status, 400, "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{head}"
        );
        let p: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(p["type"], "/problems/malformed", "{p}");
        assert_eq!(p["errors"][0]["field"], "q", "{p}");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("%E5%8A%A8"),
            "{p}"
        );
        // In English on request, like any problem.
        let request = "GET /api/v1/search?q=动力 HTTP/1.1\r\nHost: localhost\r\nAccept-Language: en\r\nConnection: close\r\n\r\n";
        let (status, _, body) = raw_exchange(&app, request.as_bytes()).await;
        assert_eq!(status, 400);
        let p: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            p["detail"], "the query string is not percent-encoded UTF-8",
            "{p}"
        );
        // The server is none the worse: the same search, encoded, is answered.
        let r = app
            .client
            .get(app.url("/api/v1/listings?q=%E5%8A%A8%E5%8A%9B%E7%94%B5%E6%B1%A0"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
);

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use techmarket::auth::jwt::Tokens;
use techmarket::domain::{Actor, Role};

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp};

/// Sends a raw request and checks it is refused with `status` as problem+json.
async fn refused(
    app: &TestApp,
    rb: crate::helpers::TestRequest,
    status: StatusCode,
    what: &str,
) -> Value {
    let r = rb.send().await.unwrap();
    assert_eq!(r.status(), status, "{what}");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    assert_eq!(ct.as_deref(), Some("application/problem+json"), "{what}");
    let (_, body) = json_of(r).await;
    assert_eq!(body["status"], status.as_u16(), "{what}");
    let text = body.to_string();
    for leak in ["sqlx", "SELECT", "panicked", "src/", "AppError"] {
        assert!(!text.contains(leak), "{what} leaked {leak}: {text}");
    }
    let _ = app;
    body
}

both!(
    malformed_and_invalid_bodies_change_nothing,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let id = app.draft(&owner, &listing_body("基准")).await;
        let head = app.log_len().await;
        let post = |path: &str| app.client.post(app.url(path)).bearer_auth(&owner.token);
        let create = "/api/v1/listings";

        refused(
            &app,
            post(create)
                .header("content-type", "application/json")
                .body("{\"title\": "),
            StatusCode::BAD_REQUEST,
            "truncated JSON",
        )
        .await;
        refused(
            &app,
            post(create)
                .header("content-type", "application/json")
                .body("[1,2"),
            StatusCode::BAD_REQUEST,
            "broken array",
        )
        .await;
        refused(
            &app,
            post(create)
                .header("content-type", "application/json")
                .body(""),
            StatusCode::BAD_REQUEST,
            "empty body",
        )
        .await;
        refused(
            &app,
            post(create)
                .header("content-type", "text/plain")
                .body("hello"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not JSON",
        )
        .await;
        let huge = json!({"title": "x".repeat(100 * 1024)});
        refused(
            &app,
            post(create).json(&huge),
            StatusCode::PAYLOAD_TOO_LARGE,
            "oversized body",
        )
        .await;

        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "unknown enum",
                {
                    let mut b = listing_body("t");
                    b["pricing_mode"] = json!("barter");
                    b
                },
                "pricing_mode",
            ),
            (
                "unknown transfer mode",
                {
                    let mut b = listing_body("t");
                    b["transfer_modes"] = json!(["theft"]);
                    b
                },
                "transfer_modes[0]",
            ),
            (
                "missing field",
                {
                    let mut b = listing_body("t");
                    b.as_object_mut().unwrap().remove("summary");
                    b
                },
                "summary",
            ),
            (
                "wrong type",
                {
                    let mut b = listing_body("t");
                    b["trl"] = json!("four");
                    b
                },
                "trl",
            ),
            (
                "unknown field",
                {
                    let mut b = listing_body("t");
                    b["owner_id"] = json!("me");
                    b
                },
                "owner_id",
            ),
            (
                "TRL out of range",
                {
                    let mut b = listing_body("t");
                    b["trl"] = json!(10);
                    b
                },
                "trl",
            ),
            (
                "invalid field code",
                {
                    let mut b = listing_body("t");
                    b["field"] = json!("alchemy");
                    b
                },
                "field",
            ),
            (
                "invalid region",
                {
                    let mut b = listing_body("t");
                    b["region"] = json!("'; DROP TABLE listing_view; --");
                    b
                },
                "region",
            ),
            (
                "invalid IP kind",
                {
                    let mut b = listing_body("t");
                    b["ip_rights"][0]["kind"] = json!("trademark");
                    b
                },
                "ip_rights[0].kind",
            ),
            (
                "shares not 100",
                {
                    let mut b = listing_body("t");
                    b["inventors"][1]["share_percent"] = json!(30);
                    b
                },
                "inventors",
            ),
            (
                "negative price",
                {
                    let mut b = listing_body("t");
                    b["asking_price_fen"] = json!(-1);
                    b
                },
                "asking_price_fen",
            ),
            (
                "job-related without institution",
                {
                    let mut b = listing_body("t");
                    b["job_related"] = json!(true);
                    b
                },
                "institution_id",
            ),
            (
                "empty title",
                {
                    let mut b = listing_body("t");
                    b["title"] = json!("   ");
                    b
                },
                "title",
            ),
            (
                "control characters",
                {
                    let mut b = listing_body("t");
                    b["title"] = json!("bad\u{0007}bell");
                    b
                },
                "title",
            ),
        ];
        for (what, body, field) in cases {
            let p = refused(
                &app,
                post(create).json(&body),
                StatusCode::UNPROCESSABLE_ENTITY,
                what,
            )
            .await;
            let fields: Vec<_> = p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect();
            assert!(
                fields.iter().any(|f| f == field),
                "{what}: expected an error on {field}, got {fields:?}"
            );
            // The same body as a revision is refused the same way.
            refused(
                &app,
                post(&format!("/api/v1/listings/{id}/revise")).json(&body),
                StatusCode::UNPROCESSABLE_ENTITY,
                what,
            )
            .await;
        }
        assert_eq!(
            app.log_len().await,
            head,
            "a refused request appended an event"
        );

        // SQL and HTML in text are just text: stored and returned verbatim, never executed.
        let mut b = listing_body("<script>alert('x')</script>'); DROP TABLE users; --");
        b["summary"] = json!("<img src=x onerror=alert(1)> OR 1=1 -- 😀 混合 scripts");
        let (s, v) = json_of(post(create).json(&b).send().await.unwrap()).await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(v["title"], b["title"]);
        assert_eq!(v["summary"], b["summary"]);
        assert_eq!(
            app.get("/api/v1/me", Some(&owner.token)).await.status(),
            StatusCode::OK,
            "users table intact"
        );
    }
);

both!(
    bad_headers_queries_and_paths_are_refused,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let id = app.draft(&owner, &listing_body("基准")).await;
        let head = app.log_len().await;

        let r = app
            .client
            .post(app.url(&format!("/api/v1/listings/{id}/submit")))
            .bearer_auth(&owner.token)
            .header("If-Match", "version-one");
        refused(&app, r, StatusCode::BAD_REQUEST, "malformed If-Match").await;
        let r = app
            .client
            .post(app.url("/api/v1/listings"))
            .bearer_auth(&owner.token)
            .header("Idempotency-Key", "")
            .json(&listing_body("t"));
        refused(&app, r, StatusCode::BAD_REQUEST, "empty Idempotency-Key").await;
        for q in [
            "trl_min=abc",
            "trl_min=12",
            "limit=0",
            "limit=1000",
            "cursor=garbage",
            "colour=red",
            "field=alchemy",
            "state=lost",
            "region=999999",
        ] {
            let r = app.client.get(app.url(&format!("/api/v1/listings?{q}")));
            let p = refused(&app, r, StatusCode::BAD_REQUEST, q).await;
            let param = q.split('=').next().unwrap();
            assert_eq!(p["errors"][0]["field"], param, "{q}: {p}");
        }
        refused(
            &app,
            app.client.get(app.url("/api/v1/listings/not-a-uuid")),
            StatusCode::NOT_FOUND,
            "non-uuid id",
        )
        .await;
        refused(
            &app,
            app.client
                .get(app.url(&format!("/api/v1/listings/{}", uuid::Uuid::now_v7()))),
            StatusCode::NOT_FOUND,
            "unknown id",
        )
        .await;
        refused(
            &app,
            app.client
                .post(app.url(&format!("/api/v1/listings/{}/submit", uuid::Uuid::now_v7())))
                .bearer_auth(&owner.token),
            StatusCode::NOT_FOUND,
            "command on unknown id",
        )
        .await;
        refused(
            &app,
            app.client.get(app.url("/api/v1/no-such-route")),
            StatusCode::NOT_FOUND,
            "unknown route",
        )
        .await;
        assert_eq!(app.log_len().await, head);
    }
);

both!(
    forged_expired_and_malformed_tokens_are_401,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let actor = Actor {
            user_id: owner.id,
            role: Role::PlatformAdmin,
            organization_id: None,
        };
        let forged = Tokens::new(b"an-attacker-secret-an-attacker-secret", 3600)
            .issue(&actor, 0, Utc::now())
            .unwrap();
        let secret = {
            use secrecy::ExposeSecret;
            app.settings
                .jwt_secret
                .as_ref()
                .unwrap()
                .expose_secret()
                .as_bytes()
                .to_vec()
        };
        let expired = Tokens::new(&secret, 3600)
            .issue_with_expiry(&actor, 0, Utc::now(), Utc::now().timestamp() - 600)
            .unwrap();
        // Flip the role claim of a real token without re-signing it.
        let tampered = {
            let parts: Vec<&str> = owner.token.split('.').collect();
            use base64::Engine;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let claims = String::from_utf8(b64.decode(parts[1]).unwrap())
                .unwrap()
                .replace("researcher", "platform_admin");
            format!("{}.{}.{}", parts[0], b64.encode(claims), parts[2])
        };
        let head = app.log_len().await;
        for (what, header) in [
            ("forged", format!("Bearer {forged}")),
            ("expired", format!("Bearer {expired}")),
            ("tampered", format!("Bearer {tampered}")),
            ("garbage", "Bearer abc.def.ghi".to_string()),
            ("wrong scheme", format!("Basic {}", owner.token)),
        ] {
            let r = app
                .client
                .request(Method::POST, app.url("/api/v1/listings"))
                .header("Authorization", &header)
                .json(&listing_body("t"));
            let p = refused(&app, r, StatusCode::UNAUTHORIZED, what).await;
            assert_eq!(p["type"], "/problems/unauthorized");
            let r = app
                .client
                .get(app.url("/api/v1/events"))
                .header("Authorization", &header);
            refused(&app, r, StatusCode::UNAUTHORIZED, what).await;
        }
        assert_eq!(app.log_len().await, head);
    }
);

// PostgreSQL refuses NUL in TEXT and JSONB, so a NUL that slipped through validation would be a
// 500 there and not on SQLite. Every string a client can send is tried, one at a time.
both!(
    nul_characters_in_any_text_field_are_refused,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let reviewer = app.user(Role::TechManager, None).await;
        let id = app.draft(&owner, &listing_body("基准")).await;
        let head = app.log_len().await;
        let nul = "bad\u{0000}text";
        let pointers = [
            "/title",
            "/summary",
            "/confidential_detail",
            "/field",
            "/keywords/0",
            "/ip_rights/0/kind",
            "/ip_rights/0/number",
            "/inventors/0/name",
            "/region",
        ];
        for p in pointers {
            let mut body = listing_body("t");
            *body.pointer_mut(p).unwrap() = json!(nul);
            let r = app
                .client
                .post(app.url("/api/v1/listings"))
                .bearer_auth(&owner.token)
                .json(&body);
            refused(&app, r, StatusCode::UNPROCESSABLE_ENTITY, p).await;
        }
        app.command(id, "submit", &owner.token, None).await;
        let head = head + 1;
        let r = app
            .client
            .post(app.url(&format!("/api/v1/listings/{id}/return")))
            .bearer_auth(&reviewer.token)
            .json(&json!({"reasons": [nul]}));
        refused(&app, r, StatusCode::UNPROCESSABLE_ENTITY, "return reason").await;
        let r = app
            .client
            .post(app.url(&format!("/api/v1/listings/{id}/withdraw")))
            .bearer_auth(&owner.token)
            .json(&json!({"reason": nul}));
        refused(
            &app,
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "withdrawal reason",
        )
        .await;
        assert_eq!(app.log_len().await, head);

        let admin = app.admin().await;
        let org = json!({"name": nul, "party_nature": "021", "region": "500112"});
        let r = app
            .client
            .post(app.url("/api/v1/organizations"))
            .bearer_auth(&admin.token)
            .json(&org);
        refused(
            &app,
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "organization name",
        )
        .await;
        for (field, value) in [
            ("email", json!("a\u{0000}@b.cn")),
            ("display_name", json!(nul)),
        ] {
            let mut reg = json!({"email": "nul@b.cn", "password": "correct horse battery", "display_name": "x", "role": "researcher"});
            reg[field] = value;
            refused(
                &app,
                app.client.post(app.url("/api/v1/auth/register")).json(&reg),
                StatusCode::UNPROCESSABLE_ENTITY,
                field,
            )
            .await;
        }
        let login = json!({"email": "x\u{0000}@b.cn", "password": nul});
        let r = app.client.post(app.url("/api/v1/auth/login")).json(&login);
        refused(&app, r, StatusCode::UNPROCESSABLE_ENTITY, "login").await;
        let r = app
            .client
            .post(app.url("/api/v1/listings"))
            .bearer_auth(&owner.token)
            .header("Idempotency-Key", "k")
            .json(&listing_body("ok"));
        assert_eq!(r.send().await.unwrap().status(), StatusCode::CREATED);
    }
);

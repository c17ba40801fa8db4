use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp};

both!(draft_to_published_to_withdrawn, |app: TestApp| async move {
    let owner = app.user(Role::Researcher, None).await;
    let reviewer = app.user(Role::TechManager, None).await;
    let id = app
        .draft(&owner, &listing_body("高镍三元锂电池正极材料制备技术"))
        .await;

    let (s, v) = json_of(
        app.get(&format!("/api/v1/listings/{id}"), Some(&owner.token))
            .await,
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("draft")));
    assert_eq!(v["version"], 1);

    let r = app
        .post(
            &format!("/api/v1/listings/{id}/submit"),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(r.headers()["etag"], "\"2\"");
    let (_, v) = json_of(r).await;
    assert_eq!(v["status"], "under_review");

    let (s, v) = json_of(app.command(id, "publish", &reviewer.token, None).await).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "published");
    assert!(v["published_at"].is_string());

    // Published listings are public, to anonymous callers too.
    let (s, v) = json_of(app.get(&format!("/api/v1/listings/{id}"), None).await).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("published"))
    );
    let (_, page) = json_of(app.get("/api/v1/listings", None).await).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    let (s, v) = json_of(
        app.command(
            id,
            "withdraw",
            &owner.token,
            Some(&json!({"reason": "已另行转让"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["withdrawal_reason"].as_str()),
        (Some("withdrawn"), Some("已另行转让"))
    );

    // Gone from the public catalogue and detail, still there for its owner.
    assert_eq!(
        app.get(&format!("/api/v1/listings/{id}"), None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, page) = json_of(app.get("/api/v1/listings", None).await).await;
    assert!(page["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get(&format!("/api/v1/listings/{id}"), Some(&owner.token))
            .await
            .status(),
        StatusCode::OK
    );

    // The history says who did what, in order.
    let (s, h) = json_of(
        app.get(
            &format!("/api/v1/listings/{id}/history"),
            Some(&owner.token),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let items = h["items"].as_array().unwrap();
    let types: Vec<_> = items.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["created", "submitted", "published", "withdrawn"]);
    assert_eq!(items[2]["actor"]["user_id"], json!(reviewer.id));
    assert_eq!(items[2]["actor"]["role"], "tech_manager");
    let versions: Vec<_> = items
        .iter()
        .map(|e| e["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
});

both!(
    a_returned_listing_is_revised_and_resubmitted,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let reviewer = app.user(Role::TechManager, None).await;
        let id = app.draft(&owner, &listing_body("一种快速检测方法")).await;
        app.command(id, "submit", &owner.token, None).await;

        // A return needs reasons.
        let (s, v) = json_of(
            app.command(id, "return", &reviewer.token, Some(&json!({"reasons": []})))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let reasons = json!({"reasons": ["专利号与权利人不符", "摘要过短"]});
        let (s, v) = json_of(
            app.command(id, "return", &reviewer.token, Some(&reasons))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "returned");
        assert_eq!(v["return_reasons"], reasons["reasons"]);

        // Resubmitting unchanged is refused; revising moves it back to draft.
        assert_eq!(
            app.command(id, "submit", &owner.token, None).await.status(),
            StatusCode::CONFLICT
        );
        let mut body = listing_body("一种快速检测方法（修订）");
        body["trl"] = json!(5);
        let (s, v) = json_of(app.command(id, "revise", &owner.token, Some(&body)).await).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["status"].as_str(), v["trl"].as_i64(), v["title"].as_str()),
            (Some("draft"), Some(5), Some("一种快速检测方法（修订）"))
        );
        assert_eq!(
            app.command(id, "submit", &owner.token, None).await.status(),
            StatusCode::OK
        );
        let (s, v) = json_of(app.command(id, "publish", &reviewer.token, None).await).await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("published"))
        );
        assert_eq!(v["return_reasons"], json!([]));
    }
);

both!(
    job_related_listings_are_published_by_their_institution,
    |app: TestApp| async move {
        let cqu = app.organization("重庆大学", "022", "500106").await;
        let other = app.organization("西南大学", "022", "500109").await;
        let owner = app.user(Role::Researcher, Some(cqu)).await;
        let tto = app.user(Role::InstitutionAdmin, Some(cqu)).await;
        let other_tto = app.user(Role::InstitutionAdmin, Some(other)).await;
        let reviewer = app.user(Role::TechManager, None).await;

        let mut body = listing_body("职务发明：柔性传感器");
        body["job_related"] = json!(true);
        body["institution_id"] = json!(cqu);
        body["pricing_mode"] = json!("negotiated");
        body["asking_price_fen"] = Value::Null;
        let id = app.draft(&owner, &body).await;
        app.command(id, "submit", &owner.token, None).await;

        let publish = format!("/api/v1/listings/{id}/publish");
        assert_eq!(
            app.post(&publish, Some(&reviewer.token), None)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(&publish, Some(&other_tto.token), None)
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        let (s, v) = json_of(app.post(&publish, Some(&tto.token), None).await).await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("published")),
            "{v}"
        );

        // Price public notice, default 15 days.
        let (s, v) = json_of(app.command(id, "price-notice", &tto.token, None).await).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let starts =
            chrono::DateTime::parse_from_rfc3339(v["price_notice"]["starts_at"].as_str().unwrap())
                .unwrap();
        let ends =
            chrono::DateTime::parse_from_rfc3339(v["price_notice"]["ends_at"].as_str().unwrap())
                .unwrap();
        assert_eq!((ends - starts).num_days(), 15);
        // A second notice while the first runs is refused.
        assert_eq!(
            app.command(id, "price-notice", &tto.token, None)
                .await
                .status(),
            StatusCode::CONFLICT
        );

        // The institution must exist.
        body["institution_id"] = json!(uuid::Uuid::now_v7());
        let (s, v) = json_of(
            app.post("/api/v1/listings", Some(&owner.token), Some(&body))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["errors"][0]["field"], "institution_id");
    }
);

both!(
    every_wrong_role_is_refused_and_nothing_is_appended,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let published = app.published(&owner, &listing_body("已发布成果")).await;
        let draft = app.draft(&owner, &listing_body("草稿成果")).await;
        let head = app.log_len().await;

        for role in Role::ALL.iter().copied().filter(|r| *r != Role::Researcher) {
            let u = app.user(role, None).await;
            // Only researchers list achievements.
            let r = app
                .post(
                    "/api/v1/listings",
                    Some(&u.token),
                    Some(&listing_body("不该存在")),
                )
                .await;
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "{role} created a listing"
            );
            let (_, p) = json_of(r).await;
            assert_eq!(p["type"], "/problems/forbidden");
            // Only the owner withdraws a published listing.
            let r = app
                .post(
                    &format!("/api/v1/listings/{published}/withdraw"),
                    Some(&u.token),
                    None,
                )
                .await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role} withdrew");
            // Someone else's draft does not exist for them (platform admins may see it, not change it).
            let r = app
                .post(
                    &format!("/api/v1/listings/{draft}/submit"),
                    Some(&u.token),
                    None,
                )
                .await;
            let expected = if role == Role::PlatformAdmin {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status(), expected, "{role} submitted someone's draft");
        }
        // Another researcher: not the owner.
        let stranger = app.user(Role::Researcher, None).await;
        assert_eq!(
            app.command(published, "withdraw", &stranger.token, None)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.command(draft, "revise", &stranger.token, Some(&listing_body("x")))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        // The owner may not publish their own listing.
        app.command(draft, "submit", &owner.token, None).await;
        let head_after_submit = app.log_len().await;
        assert_eq!(
            app.command(draft, "publish", &owner.token, None)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        // No token at all.
        let r = app
            .post(
                &format!("/api/v1/listings/{published}/withdraw"),
                None,
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()["content-type"], "application/problem+json");

        assert_eq!(
            head_after_submit,
            head + 1,
            "only the owner's submit was appended"
        );
        assert_eq!(app.log_len().await, head_after_submit);
    }
);

both!(
    confidential_detail_reaches_only_the_entitled,
    |app: TestApp| async move {
        let org = app.organization("重庆大学", "022", "500106").await;
        let owner = app.user(Role::Researcher, Some(org)).await;
        let colleague = app.user(Role::Researcher, Some(org)).await;
        let id = app
            .published(&owner, &listing_body("含保密细节的成果"))
            .await;
        let secret = "SECRET-RECIPE";

        let outsiders = [
            ("anonymous", None),
            (
                "enterprise",
                Some(app.user(Role::Enterprise, None).await.token),
            ),
            (
                "statistician",
                Some(app.user(Role::Statistician, None).await.token),
            ),
            (
                "platform admin",
                Some(app.user(Role::PlatformAdmin, None).await.token),
            ),
            (
                "other researcher",
                Some(app.user(Role::Researcher, None).await.token),
            ),
        ];
        for (who, token) in &outsiders {
            for path in [
                format!("/api/v1/listings/{id}"),
                "/api/v1/listings".into(),
                format!("/api/v1/listings/{id}/history"),
            ] {
                let r = app.get(&path, token.as_deref()).await;
                assert_eq!(r.status(), StatusCode::OK, "{who} {path}");
                let text = r.text().await.unwrap();
                assert!(!text.contains(secret), "{who} saw the secret at {path}");
                assert!(
                    !text.contains("confidential_detail\":\""),
                    "{who} saw a confidential field at {path}"
                );
            }
        }
        // The event feed is for operators and statisticians, and strips it too.
        let stat = &outsiders[2].1;
        let text = app
            .get("/api/v1/events?limit=100", stat.as_deref())
            .await
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("含保密细节的成果") && !text.contains(secret),
            "{text}"
        );

        // The owner side and reviewers see it.
        let reviewer = app.user(Role::TechManager, None).await;
        for token in [&owner.token, &colleague.token, &reviewer.token] {
            let (_, v) = json_of(
                app.get(&format!("/api/v1/listings/{id}"), Some(token))
                    .await,
            )
            .await;
            assert!(v["confidential_detail"].as_str().unwrap().contains(secret));
            let text = app
                .get(&format!("/api/v1/listings/{id}/history"), Some(token))
                .await
                .text()
                .await
                .unwrap();
            assert!(text.contains(secret));
        }
        // Even the owner's catalogue entries carry no detail: that is for the detail view.
        let text = app
            .get("/api/v1/listings", Some(&owner.token))
            .await
            .text()
            .await
            .unwrap();
        assert!(!text.contains(secret));
    }
);

both!(
    two_concurrent_revisions_exactly_one_wins,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let id = app.draft(&owner, &listing_body("并发修订")).await;
        let path = format!("/api/v1/listings/{id}/revise");
        let send = |title: &'static str| {
            app.client
                .post(app.url(&path))
                .bearer_auth(&owner.token)
                .header("If-Match", "\"1\"")
                .json(&listing_body(title))
                .send()
        };
        for _round in 0..3 {
            let head = app.log_len().await;
            let current: Value = app
                .get(&format!("/api/v1/listings/{id}"), Some(&owner.token))
                .await
                .json()
                .await
                .unwrap();
            let version = current["version"].as_i64().unwrap();
            let path_v = path.clone();
            let tag = format!("\"{version}\"");
            let a = app
                .client
                .post(app.url(&path_v))
                .bearer_auth(&owner.token)
                .header("If-Match", &tag)
                .json(&listing_body("甲"))
                .send();
            let b = app
                .client
                .post(app.url(&path_v))
                .bearer_auth(&owner.token)
                .header("If-Match", &tag)
                .json(&listing_body("乙"))
                .send();
            let (a, b) = tokio::join!(a, b);
            let mut statuses = [a.unwrap().status(), b.unwrap().status()];
            statuses.sort();
            assert_eq!(statuses, [StatusCode::OK, StatusCode::PRECONDITION_FAILED]);
            assert_eq!(
                app.log_len().await,
                head + 1,
                "exactly one revision appended"
            );
        }
        // A stale If-Match is refused outright and changes nothing.
        let head = app.log_len().await;
        let (s, v) = json_of(send("过期").await.unwrap()).await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED);
        assert_eq!(v["type"], "/problems/stale-version");
        assert_eq!(app.log_len().await, head);
    }
);

both!(
    idempotency_key_makes_create_safe_to_retry,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let body = listing_body("幂等创建");
        let send = |b: &Value, key: &str| {
            app.client
                .post(app.url("/api/v1/listings"))
                .bearer_auth(&owner.token)
                .header("Idempotency-Key", key)
                .json(b)
                .send()
        };
        let head = app.log_len().await;
        let first = send(&body, "key-1").await.unwrap();
        assert_eq!(first.status(), StatusCode::CREATED);
        let location = first.headers()["location"].to_str().unwrap().to_string();
        let first: Value = first.json().await.unwrap();
        let second = send(&body, "key-1").await.unwrap();
        assert_eq!(second.status(), StatusCode::CREATED);
        assert_eq!(second.headers()["location"].to_str().unwrap(), location);
        let second: Value = second.json().await.unwrap();
        assert_eq!(first, second);
        assert_eq!(app.log_len().await, head + 1, "the retry appended nothing");

        // Same key, different body: refused, nothing appended.
        let (s, v) = json_of(send(&listing_body("另一个"), "key-1").await.unwrap()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["errors"][0]["field"], "Idempotency-Key");
        // Concurrent retries with a fresh key still create one listing.
        let (a, b) = tokio::join!(send(&body, "key-2"), send(&body, "key-2"));
        let (a, b): (Value, Value) = (
            a.unwrap().json().await.unwrap(),
            b.unwrap().json().await.unwrap(),
        );
        assert_eq!(a["id"], b["id"]);
        assert_eq!(app.log_len().await, head + 2);
    }
);

both!(
    catalogue_filters_and_pages_without_gaps,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let mut ids = Vec::new();
        for i in 0..5 {
            let mut body = listing_body(&format!("成果{i}"));
            body["trl"] = json!(3 + i);
            body["field"] = json!(if i % 2 == 0 {
                "new_energy"
            } else {
                "new_materials"
            });
            body["region"] = json!(if i < 3 { "500106" } else { "510000" });
            ids.push(app.published(&owner, &body).await);
        }
        app.draft(&owner, &listing_body("未发布")).await;

        let mut seen = Vec::new();
        let mut path = "/api/v1/listings?limit=2".to_string();
        loop {
            let (s, page) = json_of(app.get(&path, None).await).await;
            assert_eq!(s, StatusCode::OK);
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/listings?limit=2&cursor={c}"),
                None => break,
            }
        }
        let mut expected: Vec<String> = ids.iter().rev().map(|i| i.to_string()).collect();
        assert_eq!(seen, expected, "newest first, each once, drafts excluded");

        let count = |q: &'static str| {
            let app = &app;
            async move {
                json_of(app.get(&format!("/api/v1/listings?{q}"), None).await)
                    .await
                    .1["items"]
                    .as_array()
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(count("field=new_energy").await, 3);
        assert_eq!(count("trl_min=6").await, 2);
        assert_eq!(
            count("region=500000").await,
            3,
            "a province matches its districts"
        );
        assert_eq!(count("region=510000&field=new_materials").await, 1);
        assert_eq!(
            count("state=draft").await,
            0,
            "anonymous callers see no drafts"
        );
        let mine = json_of(
            app.get(
                &format!("/api/v1/listings?state=draft&owner_id={}", owner.id),
                Some(&owner.token),
            )
            .await,
        )
        .await
        .1;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        expected.clear();
    }
);

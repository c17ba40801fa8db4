use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::Role;
use uuid::Uuid;

use crate::both;
use crate::helpers::{demand_body, json_of, listing_body, TestApp};

async fn demand(app: &TestApp, id: Uuid, token: Option<&str>) -> Value {
    let (s, v) = json_of(app.get(&format!("/api/v1/demands/{id}"), token).await).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

both!(
    an_open_call_from_publication_to_a_selected_winner,
    |app: TestApp| async move {
        let company = app.user(Role::Enterprise, None).await;
        let a = app.user(Role::Researcher, None).await;
        let b = app.user(Role::Researcher, None).await;
        let a_listing = app
            .published(&a, &listing_body("高镍三元锂电池正极材料制备技术"))
            .await;
        let id = app
            .published_demand(
                &company,
                &demand_body("open_call", "揭榜挂帅：高能量密度正极材料"),
            )
            .await;
        let v = demand(&app, id, None).await;
        assert_eq!(
            (v["kind"].as_str(), v["status"].as_str()),
            (Some("open_call"), Some("published"))
        );
        assert_eq!(v["open_call"]["bounty_fen"], 500_000_000i64);

        let apply = |token: String, body: Value| {
            let app = &app;
            async move {
                json_of(
                    app.post(
                        &format!("/api/v1/demands/{id}/applications"),
                        Some(&token),
                        Some(&body),
                    )
                    .await,
                )
                .await
            }
        };
        let (s, app_a) = apply(
            a.token.clone(),
            json!({"proposal": "我们的共沉淀工艺可达 310 Wh/kg", "listing_id": a_listing}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{app_a}");
        let (s, app_b) = apply(
            b.token.clone(),
            json!({"proposal": "单晶高镍路线，已完成中试"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{app_b}");
        // Once per applicant; only researchers; only their own published listing.
        assert_eq!(
            apply(a.token.clone(), json!({"proposal": "再来一次"}))
                .await
                .0,
            StatusCode::CONFLICT
        );
        assert_eq!(
            apply(company.token.clone(), json!({"proposal": "x"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let c = app.user(Role::Researcher, None).await;
        let (s, v) = apply(
            c.token.clone(),
            json!({"proposal": "借用别人的成果", "listing_id": a_listing}),
        )
        .await;
        assert_eq!(
            (s, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("listing_id"))
        );

        // Each application has its own address, for its applicant and the demand's owner only.
        let app_path = format!(
            "/api/v1/demands/{id}/applications/{}",
            app_a["id"].as_str().unwrap()
        );
        assert_eq!(
            json_of(app.get(&app_path, Some(&a.token)).await).await.1["proposal"],
            app_a["proposal"]
        );
        assert_eq!(
            app.get(&app_path, Some(&company.token)).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            app.get(&app_path, Some(&b.token)).await.status(),
            StatusCode::NOT_FOUND
        );
        // The event feed does not carry proposals.
        let stat = app.user(Role::Statistician, None).await;
        let feed = app
            .get("/api/v1/events?limit=100", Some(&stat.token))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            feed.contains("\"applied\"") && !feed.contains("310 Wh/kg"),
            "{feed}"
        );

        // The owner reads every application; an applicant only their own; the public none.
        assert_eq!(
            demand(&app, id, Some(&company.token)).await["applications"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let mine = demand(&app, id, Some(&b.token)).await;
        assert_eq!(mine["applications"].as_array().unwrap().len(), 1);
        assert_eq!(mine["applications"][0]["id"], app_b["id"]);
        let public = demand(&app, id, None).await;
        assert_eq!(
            (
                public["application_count"].as_i64(),
                public["applications"].as_array().map(Vec::len)
            ),
            (Some(2), Some(0))
        );

        // Only the owner selects, and only an application of this call.
        let select = |app_id: &str| format!("/api/v1/demands/{id}/applications/{app_id}/select");
        assert_eq!(
            app.post(&select(app_b["id"].as_str().unwrap()), Some(&a.token), None)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let (s, v) = json_of(
            app.post(
                &select(&Uuid::now_v7().to_string()),
                Some(&company.token),
                None,
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("application_id"))
        );
        let (s, v) = json_of(
            app.post(
                &select(app_b["id"].as_str().unwrap()),
                Some(&company.token),
                None,
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["status"].as_str(), v["close_reason"].as_str()),
            (Some("closed"), Some("fulfilled"))
        );
        assert_eq!(v["winner"], app_b["id"]);
        // Closed: no more applications.
        assert_eq!(
            apply(c.token.clone(), json!({"proposal": "太晚了"}))
                .await
                .0,
            StatusCode::CONFLICT
        );
    }
);

both!(a_demand_expires_by_itself_once, |app: TestApp| async move {
    let company = app.user(Role::Enterprise, None).await;
    let mut body = demand_body("scene", "智慧工地安全监测场景");
    body["valid_until"] = json!(china_date(app.state.clock.now()).to_string());
    let id = app.published_demand(&company, &body).await;
    let other = app
        .published_demand(
            &company,
            &demand_body("technical_problem", "仍然有效的需求"),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        demand(&app, id, None).await["status"],
        "published",
        "valid through the end of its day"
    );

    // The day passes.
    app.state.clock.advance(Duration::days(1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let v = demand(&app, id, None).await;
        if v["status"] == "closed" {
            assert_eq!(v["close_reason"], "expired");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the demand did not expire by itself"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Several more sweeps later, there is still exactly one Expired event, by the system.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut rc = app.state.db.read().await.unwrap();
    let events = techmarket::store::log::stream(&mut rc.conn(), "demand", id)
        .await
        .unwrap();
    let expired: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "expired")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].actor_id, Uuid::nil());
    assert_eq!(demand(&app, other, None).await["status"], "published");
    // The owner cannot "expire" it by hand, and a closed demand cannot be closed again.
    let (s, _) = json_of(
        app.post(
            &format!("/api/v1/demands/{other}/close"),
            Some(&company.token),
            Some(&json!({"reason": "expired"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = json_of(
        app.post(
            &format!("/api/v1/demands/{id}/close"),
            Some(&company.token),
            Some(&json!({"reason": "cancelled"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
});

both!(
    a_pending_expiry_survives_a_restart,
    |app: TestApp| async move {
        let company = app.user(Role::Enterprise, None).await;
        let mut body = demand_body("technical_problem", "重启前发布的需求");
        body["valid_until"] = json!(china_date(app.state.clock.now()).to_string());
        let id = app.published_demand(&company, &body).await;
        let app = app.restart().await;
        app.state.clock.advance(Duration::days(1));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while demand(&app, id, None).await["status"] != "closed" {
            assert!(
                std::time::Instant::now() < deadline,
                "the restarted service did not expire it"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
);

both!(
    demand_lifecycle_roles_and_validation,
    |app: TestApp| async move {
        let company = app.user(Role::Enterprise, None).await;
        let researcher = app.user(Role::Researcher, None).await;
        let head = app.log_len().await;
        // Only enterprises post demands.
        let r = app
            .post(
                "/api/v1/demands",
                Some(&researcher.token),
                Some(&demand_body("scene", "x")),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        for (mutate, field) in [
            (json!({"kind": "wish"}), "kind"),
            (json!({"field": "alchemy"}), "field"),
            (
                json!({"budget_min_fen": 9_000_000_000i64}),
                "budget_max_fen",
            ),
            (json!({"budget_max_fen": -1}), "budget_max_fen"),
            (json!({"valid_until": "2020-01-01"}), "valid_until"),
            (json!({"valid_until": "tomorrow"}), "valid_until"),
            (json!({"cooperation_modes": []}), "cooperation_modes"),
            (json!({"trl_min": 0}), "trl_min"),
            (
                json!({"open_call": {"bounty_fen": 1, "deadline": "2030-01-01", "acceptance_criteria": "x"}}),
                "open_call",
            ),
        ] {
            let mut body = demand_body("scene", "校验");
            for (k, v) in mutate.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, v) = json_of(
                app.post("/api/v1/demands", Some(&company.token), Some(&body))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{mutate}: {v}");
            let fields: Vec<_> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect();
            assert!(fields.iter().any(|f| f == field), "{mutate}: {fields:?}");
        }
        let mut no_terms = demand_body("open_call", "揭榜");
        no_terms.as_object_mut().unwrap().remove("open_call");
        assert_eq!(
            app.post("/api/v1/demands", Some(&company.token), Some(&no_terms))
                .await
                .status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(app.log_len().await, head, "nothing appended");

        // Draft: private to its owner; revise, publish, revise again, close.
        let r = app
            .post(
                "/api/v1/demands",
                Some(&company.token),
                Some(&demand_body("technical_problem", "草稿需求")),
            )
            .await;
        let (_, d) = json_of(r).await;
        let id = d["id"].as_str().unwrap().to_string();
        assert_eq!(
            app.get(&format!("/api/v1/demands/{id}"), None)
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        let (_, board) = json_of(app.get("/api/v1/demands", None).await).await;
        assert!(board["items"].as_array().unwrap().is_empty());
        let other = app.user(Role::Enterprise, None).await;
        assert_eq!(
            app.post(
                &format!("/api/v1/demands/{id}/publish"),
                Some(&other.token),
                None
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
        let (s, v) = json_of(
            app.post(
                &format!("/api/v1/demands/{id}/revise"),
                Some(&company.token),
                Some(&demand_body("technical_problem", "修订后的需求")),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["title"].as_str(), v["version"].as_i64()),
            (StatusCode::OK, Some("修订后的需求"), Some(2))
        );
        let r = app
            .client
            .post(app.url(&format!("/api/v1/demands/{id}/publish")))
            .bearer_auth(&company.token)
            .header("If-Match", "\"1\"")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
        assert_eq!(
            app.post(
                &format!("/api/v1/demands/{id}/publish"),
                Some(&company.token),
                None
            )
            .await
            .status(),
            StatusCode::OK
        );
        let (_, board) = json_of(
            app.get("/api/v1/demands?kind=technical_problem&region=500000", None)
                .await,
        )
        .await;
        assert_eq!(board["items"].as_array().unwrap().len(), 1);
        assert_eq!(
            app.post(
                &format!("/api/v1/demands/{id}/close"),
                Some(&other.token),
                Some(&json!({"reason": "cancelled"}))
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        let (s, v) = json_of(
            app.post(
                &format!("/api/v1/demands/{id}/close"),
                Some(&company.token),
                Some(&json!({"reason": "cancelled", "note": "预算调整"})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["close_reason"].as_str(), v["close_note"].as_str()),
            (StatusCode::OK, Some("cancelled"), Some("预算调整"))
        );
        // Closed demands stay on the board for the record, filterable by state.
        let (_, board) = json_of(app.get("/api/v1/demands?state=published", None).await).await;
        assert!(board["items"].as_array().unwrap().is_empty());
    }
);

both!(
    matches_are_ranked_with_their_reasons,
    |app: TestApp| async move {
        let researcher = app.user(Role::Researcher, None).await;
        let company = app.user(Role::Enterprise, None).await;
        let mut good = listing_body("高镍三元锂电池正极材料制备技术");
        good["trl"] = json!(6);
        good["asking_price_fen"] = json!(5_000_000_000i64);
        let good = app.published(&researcher, &good).await;
        let mut weak = listing_body("一种电池外壳焊接装置");
        weak["summary"] = json!("用于电池外壳的激光焊接夹具。");
        weak["keywords"] = json!(["焊接"]);
        weak["field"] = json!("advanced_manufacturing");
        weak["trl"] = json!(3);
        weak["region"] = json!("510000");
        weak["asking_price_fen"] = json!(9_000_000_000i64);
        let weak = app.published(&researcher, &weak).await;
        let unrelated = {
            let mut b = listing_body("智能农业灌溉控制系统");
            b["summary"] = json!("基于土壤湿度传感器的节水灌溉。");
            b["keywords"] = json!(["农业"]);
            app.published(&researcher, &b).await
        };
        let demand = app
            .published_demand(
                &company,
                &demand_body("technical_problem", "寻求高镍锂电池正极材料技术"),
            )
            .await;

        // The reasons' wording is checked in English, which the caller asks for (Chinese is the
        // default).
        let (s, v) = json_of(
            app.client
                .get(app.url(&format!("/api/v1/demands/{demand}/matches")))
                .header("Accept-Language", "en")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let items = v["items"].as_array().unwrap();
        let ids: Vec<_> = items
            .iter()
            .map(|i| i["listing"]["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.first(), Some(&good.to_string()), "{v}");
        assert!(
            ids.contains(&weak.to_string()) && !ids.contains(&unrelated.to_string()),
            "{ids:?}"
        );
        let best = &items[0];
        let reason = |kind: &str| {
            best["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["kind"] == kind)
                .cloned()
                .unwrap()
        };
        assert!(reason("shared_terms")["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "锂电池"));
        assert_eq!(reason("field")["points"], 20.0);
        assert_eq!(reason("trl")["points"], 10.0);
        assert_eq!(reason("region")["points"], 10.0);
        assert_eq!(reason("price")["points"], 10.0);
        assert!(reason("price")["detail"]
            .as_str()
            .unwrap()
            .contains("5000万元"));
        let worst = items
            .iter()
            .find(|i| i["listing"]["id"] == weak.to_string())
            .unwrap();
        assert!(worst["score"].as_f64().unwrap() < best["score"].as_f64().unwrap());
        let trl = worst["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "trl")
            .unwrap();
        assert_eq!(
            (trl["points"].as_f64(), trl["detail"].as_str()),
            (Some(-10.0), Some("TRL 3 is 2 below the required 5"))
        );
        assert!(best.to_string().find("SECRET").is_none());

        // And the other way round: open demands for a listing.
        let (s, v) = json_of(
            app.get(&format!("/api/v1/listings/{good}/matches"), None)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["items"][0]["demand"]["id"], demand.to_string());
        assert!(v["items"][0]["score"].as_f64().unwrap() > 50.0);
        // A closed demand is no longer proposed.
        app.post(
            &format!("/api/v1/demands/{demand}/close"),
            Some(&company.token),
            Some(&json!({"reason": "fulfilled"})),
        )
        .await;
        let (_, v) = json_of(
            app.get(&format!("/api/v1/listings/{good}/matches"), None)
                .await,
        )
        .await;
        assert!(v["items"].as_array().unwrap().is_empty(), "{v}");
    }
);

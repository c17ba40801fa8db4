//! Finding people (issue 17, item 5): an enterprise finds a tech manager in the directory by
//! field and region and appoints them broker; a contract shows who accepted and registered it,
//! and its history who did what.

use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, TestUser};
use crate::reference_data::registered;

async fn put_profile(app: &TestApp, user: &TestUser, body: &Value) -> (StatusCode, Value) {
    json_of(
        app.request(
            reqwest::Method::PUT,
            "/api/v1/me/profile",
            Some(&user.token),
            Some(body),
        )
        .await,
    )
    .await
}

async fn directory(app: &TestApp, user: &TestUser, path: &str) -> Value {
    let (s, v) = json_of(
        app.get(&format!("/api/v1/directory/{path}"), Some(&user.token))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

fn ids(page: &Value) -> Vec<Uuid> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["user_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

both!(
    an_enterprise_finds_a_tech_manager_and_appoints_them_broker,
    |app: TestApp| async move {
        let office = app.organization("成都技术转移中心", "030", "510107").await;
        let manager = app.user(Role::TechManager, Some(office)).await;
        let generalist = app.user(Role::TechManager, None).await;
        let provider = app.user(Role::Provider, None).await;

        // The tech manager says what they work in; every mistake is named at once.
        let (s, v) = put_profile(
            &app,
            &manager,
            &json!({"fields": ["alchemy", "new_materials", "new_materials"], "region": "999999"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["fields[0]", "fields[2]", "region"], "{v}");
        let (s, before) = json_of(app.get("/api/v1/me/profile", Some(&manager.token)).await).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (&before["fields"], &before["updated_at"]),
            (&json!([]), &Value::Null)
        );
        let (s, saved) = put_profile(
        &app,
        &manager,
        &json!({"fields": ["new_materials", "new_energy"], "headline": "新材料与新能源成果转化，十年经验"}),
    )
    .await;
        assert_eq!(s, StatusCode::OK, "{saved}");
        assert_eq!(saved["fields"], json!(["new_energy", "new_materials"]));
        assert_eq!(
            saved["field_names"],
            json!(["新能源与高效节能", "新材料及其应用"])
        );
        let (_, read) = json_of(app.get("/api/v1/me/profile", Some(&manager.token)).await).await;
        assert_eq!(read, saved);
        let (s, _) = put_profile(&app, &generalist, &json!({"fields": ["agriculture"]})).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = put_profile(&app, &provider, &json!({"fields": ["new_materials"]})).await;
        assert_eq!(s, StatusCode::OK);

        // An enterprise looks for a new-materials tech manager in Sichuan, and finds exactly them.
        let buyer = app.user(Role::Enterprise, None).await;
        let found = directory(
            &app,
            &buyer,
            "tech-managers?field=new_materials&region=510000",
        )
        .await;
        assert_eq!(ids(&found), [manager.id], "{found}");
        let entry = &found["items"][0];
        assert_eq!(entry["role"], "tech_manager");
        assert_eq!(entry["organization"]["name"], "成都技术转移中心");
        assert_eq!(
            (&entry["region"], &entry["region_name"]),
            (&json!("510107"), &json!("武侯区"))
        );
        assert_eq!(entry["headline"], "新材料与新能源成果转化，十年经验");
        assert!(entry.get("email").is_none());
        // Elsewhere, or in another field, or among providers, they are not.
        assert!(ids(&directory(&app, &buyer, "tech-managers?region=500000").await).is_empty());
        let farming = directory(&app, &buyer, "tech-managers?field=agriculture").await;
        assert_eq!(ids(&farming), [generalist.id]);
        assert_eq!(
            ids(&directory(&app, &buyer, "providers?field=new_materials").await),
            [provider.id]
        );
        assert!(ids(&directory(&app, &buyer, "institutions").await).is_empty());
        // By name, and a page at a time.
        let by_name = directory(&app, &buyer, "tech-managers?q=%E6%88%90%E9%83%BD").await;
        assert_eq!(ids(&by_name), [manager.id]);
        let first = directory(&app, &buyer, "tech-managers?limit=1").await;
        assert_eq!(ids(&first).len(), 1);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = directory(
            &app,
            &buyer,
            &format!("tech-managers?limit=1&cursor={cursor}"),
        )
        .await;
        assert_ne!(ids(&first), ids(&second));
        // Signed-in users only; filters are checked.
        assert_eq!(
            app.get("/api/v1/directory/tech-managers", None)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
        let (s, v) = json_of(
            app.get(
                "/api/v1/directory/tech-managers?field=alchemy",
                Some(&buyer.token),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, &v["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("field"))
        );

        // The one found is appointed broker of the enterprise's negotiation.
        let researcher = app.user(Role::Researcher, None).await;
        let listing = app
            .published(&researcher, &listing_body("固态电解质薄膜"))
            .await;
        let (s, n) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": listing, "message": "请技术经理人协助洽谈"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{n}");
        let broker_id = &entry["user_id"];
        let (s, v) = json_of(
            app.post(
                &format!("/api/v1/negotiations/{}/broker", n["id"].as_str().unwrap()),
                Some(&buyer.token),
                Some(&json!({"broker_id": broker_id})),
            )
            .await,
        )
        .await;
        assert_eq!((s, &v["broker_id"]), (StatusCode::OK, broker_id), "{v}");
    }
);

both!(
    a_contract_shows_who_accepted_and_registered_it,
    |app: TestApp| async move {
        let seller = app.user(Role::Researcher, None).await;
        let registrar = app.user(Role::Registrar, None).await;
        let today = techmarket::domain::calendar::china_date(app.state.clock.now());
        let body = json!({
            "contract_type": "consulting", "title": "技术咨询合同",
            "seller": {"name": "甲", "party_nature": "021", "region": "500106"},
            "buyer": {"name": "乙", "party_nature": "150", "region": "510104"},
            "signing_date": today.to_string(), "validity_start": today.to_string(),
            "validity_end": (today + chrono::Duration::days(30)).to_string(),
            "contract_amount_fen": 1_000_000i64, "technology_amount_fen": 1_000_000i64,
            "field": "new_energy", "ip_kinds": ["invention_patent"]
        });
        // Before a registrar acts, nobody has.
        let (s, v) = json_of(
            app.post("/api/v1/contracts", Some(&seller.token), Some(&body))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let pending = v["id"].as_str().unwrap();
        let (_, v) = json_of(
            app.get(&format!("/api/v1/contracts/{pending}"), Some(&seller.token))
                .await,
        )
        .await;
        assert_eq!(
            (&v["accepted_by"], &v["registered_by"]),
            (&Value::Null, &Value::Null),
            "{v}"
        );

        let id = registered(&app, &seller, &registrar, &body).await;
        let decider = json!({"id": registrar.id, "name": "测试用户", "role": "registrar"});
        let (s, v) = json_of(
            app.get(&format!("/api/v1/contracts/{id}"), Some(&seller.token))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (&v["accepted_by"], &v["registered_by"]),
            (&decider, &decider),
            "{v}"
        );
        // The queue says the same.
        let (_, page) = json_of(app.get("/api/v1/contracts", Some(&seller.token)).await).await;
        let listed = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id.as_str())
            .unwrap();
        assert_eq!(listed["registered_by"], decider);

        // The history: each event, who did it, when.
        let (s, h) = json_of(
            app.get(
                &format!("/api/v1/contracts/{id}/history"),
                Some(&seller.token),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{h}");
        let items = h["items"].as_array().unwrap();
        let seen: Vec<(&str, &str, &str)> = items
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap(),
                    e["actor"]["id"].as_str().unwrap(),
                    e["actor"]["role"].as_str().unwrap(),
                )
            })
            .collect();
        let (s_id, r_id) = (seller.id.to_string(), registrar.id.to_string());
        assert_eq!(
            seen,
            [
                ("submitted", s_id.as_str(), "researcher"),
                ("accepted", r_id.as_str(), "registrar"),
                ("registered", r_id.as_str(), "registrar"),
            ]
        );
        assert!(items
            .iter()
            .all(|e| e["actor"]["name"] == "测试用户" && e["at"].is_string()));
        // As visible as the contract: a statistician sees a registered one, a stranger nothing.
        let stat = app.user(Role::Statistician, None).await;
        let r = app
            .get(
                &format!("/api/v1/contracts/{id}/history"),
                Some(&stat.token),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let stranger = app.user(Role::Researcher, None).await;
        for path in [
            format!("/api/v1/contracts/{id}/history"),
            format!("/api/v1/contracts/{pending}/history"),
        ] {
            assert_eq!(
                app.get(&path, Some(&stranger.token)).await.status(),
                StatusCode::NOT_FOUND
            );
        }
    }
);

//! Saved searches and match alerts (issue 12, item 4): a person saves a search or asks for
//! matches to their own demand or listing, and hears once of each newly published listing or
//! demand that fits, with the reasons.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{demand_body, json_of, kinds, listing_body, TestApp, TestUser};

async fn save(app: &TestApp, user: &TestUser, body: Value) -> Value {
    let (status, v) = json_of(
        app.post("/api/v1/me/saved-searches", Some(&user.token), Some(&body))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

/// A listing that fits none of the searches below: another field, region and words.
fn unrelated_listing() -> Value {
    let mut b = listing_body("基因测序试剂盒");
    b["summary"] = json!("一种快速基因测序的试剂盒，检测时间缩短一半。");
    b["keywords"] = json!(["基因测序", "试剂盒"]);
    b["field"] = json!("biomedicine");
    b["region"] = json!("110000");
    b
}

/// The inbox's notifications of `kind`, after the follower has had time for everything.
async fn settled(app: &TestApp, user: &TestUser, kind: &str) -> Vec<Value> {
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, v) = json_of(
        app.get("/api/v1/me/notifications?limit=100", Some(&user.token))
            .await,
    )
    .await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

both!(
    a_saved_search_hears_once_of_each_fitting_publication_with_the_reasons,
    |app: TestApp| async move {
        let watcher = app.user(Role::Enterprise, None).await;
        let owner = app.user(Role::Researcher, None).await;
        app.published(&owner, &listing_body("发布在保存之前的锂电池成果"))
            .await;
        let saved = save(
            &app,
            &watcher,
            json!({"name": "锂电池成果", "target": "listings", "q": "锂电池", "field": "new_energy"}),
        )
        .await;
        assert_eq!(saved["criteria"]["type"], "search");
        save(
            &app,
            &watcher,
            json!({"name": "重庆的", "target": "listings", "region": "500000"}),
        )
        .await;
        save(
            &app,
            &watcher,
            json!({"name": "需求里的电池", "target": "demands", "q": "锂电池"}),
        )
        .await;

        let fitting = app.published(&owner, &listing_body("高镍锂电池正极")).await;
        app.published(&owner, &unrelated_listing()).await;
        let inbox = app.inbox(&watcher, 1).await;
        assert_eq!(kinds(&inbox), ["saved_search_match"], "{inbox}");
        let n = &inbox["items"][0];
        assert_eq!(n["aggregate_id"], fitting.to_string());
        assert_eq!(n["link"], format!("/api/v1/listings/{fitting}"));
        assert_eq!(n["data"]["title"], "高镍锂电池正极");
        // Both listing searches fit: one notice, naming both, every reason once.
        assert_eq!(n["data"]["searches"], "锂电池成果、重庆的");
        let why: Vec<&str> = n["data"]["why"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(why, ["包含：锂电池", "领域：new_energy", "地区：500106"]);
        // Nothing for the earlier listing, the unrelated one, or twice for this one.
        assert_eq!(settled(&app, &watcher, "saved_search_match").await.len(), 1);
        // The owner hears that their listing is published, not that it fits somebody's search.
        assert!(settled(&app, &owner, "saved_search_match").await.is_empty());

        // A demand search hears of demands.
        let company = app.user(Role::Enterprise, None).await;
        let demand = app
            .published_demand(
                &company,
                &demand_body("technical_problem", "锂电池低温衰减"),
            )
            .await;
        let inbox = app.inbox(&watcher, 2).await;
        let n = &inbox["items"][0];
        assert_eq!(
            (n["kind"].as_str(), n["aggregate_id"].as_str()),
            (
                Some("saved_search_match"),
                Some(demand.to_string().as_str())
            )
        );
        assert_eq!(n["data"]["searches"], "需求里的电池");

        // Deleted, it hears of nothing more.
        let (_, list) = json_of(
            app.get("/api/v1/me/saved-searches", Some(&watcher.token))
                .await,
        )
        .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 3);
        for s in list["items"].as_array().unwrap() {
            let r = app
                .request(
                    reqwest::Method::DELETE,
                    &format!("/api/v1/me/saved-searches/{}", s["id"].as_str().unwrap()),
                    Some(&watcher.token),
                    None,
                )
                .await;
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        }
        app.published(&owner, &listing_body("又一个锂电池成果"))
            .await;
        assert_eq!(settled(&app, &watcher, "saved_search_match").await.len(), 2);
    }
);

both!(
    a_match_alert_on_ones_demand_hears_of_listings_above_its_score,
    |app: TestApp| async move {
        let company = app.user(Role::Enterprise, None).await;
        let demand = app
            .published_demand(
                &company,
                &demand_body("technical_problem", "寻求锂电池正极材料"),
            )
            .await;
        let alert = save(
            &app,
            &company,
            json!({"name": "正极材料", "matches_for": {"demand_id": demand}, "min_score": 50}),
        )
        .await;
        assert_eq!(alert["target"], "listings");
        assert_eq!(alert["criteria"]["min_score"], 50.0);

        let owner = app.user(Role::Researcher, None).await;
        let fitting = app
            .published(&owner, &listing_body("高镍锂电池正极材料"))
            .await;
        app.published(&owner, &unrelated_listing()).await;
        let inbox = app.inbox(&company, 1).await;
        let found: Vec<&Value> = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "match_found")
            .collect();
        assert_eq!(found.len(), 1, "{inbox}");
        let n = found[0];
        assert_eq!(n["aggregate_id"], fitting.to_string());
        let score = n["data"]["score"].as_f64().unwrap();
        assert!((50.0..=100.0).contains(&score), "{score}");
        let why = n["data"]["why"].to_string();
        assert!(
            why.contains("shared terms") && why.contains("field"),
            "{why}"
        );
        // The same pair as the matches route ranks it, with the same grounds.
        let (_, ranked) = json_of(
            app.get(
                &format!("/api/v1/demands/{demand}/matches"),
                Some(&company.token),
            )
            .await,
        )
        .await;
        assert_eq!(ranked["items"][0]["listing"]["id"], fitting.to_string());
        assert_eq!(settled(&app, &company, "match_found").await.len(), 1);
    }
);

both!(
    saved_searches_refuse_bad_input_and_other_peoples_things,
    |app: TestApp| async move {
        let me = app.user(Role::Enterprise, None).await;
        let other = app.user(Role::Enterprise, None).await;
        let theirs = app
            .published_demand(&other, &demand_body("technical_problem", "别人的需求"))
            .await;
        for (body, fields) in [
            (
                json!({"name": "", "target": "weather", "trl_min": 0}),
                vec!["name", "target", "trl_min"],
            ),
            (json!({"name": "x", "target": "listings"}), vec!["q"]),
            (
                json!({"name": "x", "target": "listings", "field": "astrology", "region": "999999"}),
                vec!["field", "region"],
            ),
            (
                json!({"name": "x", "matches_for": {"demand_id": theirs}}),
                vec!["matches_for.demand_id"],
            ),
            (
                json!({"name": "x", "matches_for": {"listing_id": uuid::Uuid::nil()}}),
                vec!["matches_for.listing_id"],
            ),
            (
                json!({"name": "x", "matches_for": {}, "min_score": -1}),
                vec!["min_score", "matches_for"],
            ),
        ] {
            let (status, v) = json_of(
                app.post("/api/v1/me/saved-searches", Some(&me.token), Some(&body))
                    .await,
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} {v}");
            let named: Vec<&str> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert_eq!(named, fields, "{body}");
        }
        let (status, v) = json_of(
            app.post(
                "/api/v1/me/saved-searches",
                Some(&me.token),
                Some(&json!({"name": "x", "colour": "red"})),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v.to_string().contains("colour"), "{v}");
        let r = app
            .post(
                "/api/v1/me/saved-searches",
                None,
                Some(&json!({"name": "x"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

        // Another person's saved search is not there for me; nothing of theirs shows.
        let mine = save(
            &app,
            &me,
            json!({"name": "电池", "target": "listings", "q": "电池"}),
        )
        .await;
        for path in [
            format!("/api/v1/me/saved-searches/{}", mine["id"].as_str().unwrap()),
            format!("/api/v1/me/saved-searches/{}", uuid::Uuid::nil()),
        ] {
            let r = app
                .request(reqwest::Method::DELETE, &path, Some(&other.token), None)
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
        let (_, list) = json_of(
            app.get("/api/v1/me/saved-searches", Some(&other.token))
                .await,
        )
        .await;
        assert_eq!(list["items"], json!([]));
        let (_, list) = json_of(app.get("/api/v1/me/saved-searches", Some(&me.token)).await).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
);

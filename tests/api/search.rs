use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;
use uuid::Uuid;

use crate::both;
use crate::helpers::{demand_body, json_of, listing_body, TestApp, TestUser};

async fn titles(app: &TestApp, path: &str) -> Vec<String> {
    let (s, v) = json_of(app.get(path, None).await).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

fn q(text: &str) -> String {
    format!("/api/v1/listings?q={}", urlencode(text))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn publish(
    app: &TestApp,
    owner: &TestUser,
    title: &str,
    summary: &str,
    keywords: Value,
) -> Uuid {
    let mut body = listing_body(title);
    body["summary"] = json!(summary);
    body["keywords"] = keywords;
    body["confidential_detail"] = json!("机密工艺：钴酸锂烧结炉温曲线 SECRETWORD");
    app.published(owner, &body).await
}

/// A small catalogue in Chinese and English.
async fn catalogue(app: &TestApp) -> (TestUser, Vec<Uuid>) {
    let owner = app.user(Role::Researcher, None).await;
    let ids = vec![
        publish(
            app,
            &owner,
            "高镍三元锂电池正极材料制备技术",
            "一种高镍三元正极材料的共沉淀制备方法，循环寿命长。",
            json!(["锂电池", "正极材料"]),
        )
        .await,
        publish(
            app,
            &owner,
            "一种电池外壳焊接装置",
            "用于电池外壳的激光焊接夹具，提高良率。",
            json!(["焊接"]),
        )
        .await,
        publish(
            app,
            &owner,
            "智能农业灌溉控制系统",
            "基于土壤湿度传感器的节水灌溉。",
            json!(["农业", "物联网"]),
        )
        .await,
        publish(
            app,
            &owner,
            "High-nickel cathode materials for lithium batteries",
            "A co-precipitation process for NCM cathodes with long cycle life.",
            json!(["battery", "cathode"]),
        )
        .await,
        publish(
            app,
            &owner,
            "Precision irrigation controller",
            "Soil moisture sensing for water-saving irrigation.",
            json!(["agriculture"]),
        )
        .await,
    ];
    (owner, ids)
}

both!(
    chinese_queries_find_and_rank_by_relevance,
    |app: TestApp| async move {
        catalogue(&app).await;
        let found = titles(&app, &q("锂电池 正极材料")).await;
        assert_eq!(
            found.first().map(String::as_str),
            Some("高镍三元锂电池正极材料制备技术"),
            "{found:?}"
        );
        let shell = found.iter().position(|t| t == "一种电池外壳焊接装置");
        assert!(
            shell.is_some_and(|p| p > 0),
            "the listing that only mentions 电池 ranks below: {found:?}"
        );
        assert!(!found.iter().any(|t| t.contains("灌溉")), "{found:?}");

        // Scores are reported and descend.
        let (_, v) = json_of(app.get(&q("锂电池 正极材料"), None).await).await;
        let scores: Vec<f64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["score"].as_f64().unwrap())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        assert!(v["items"][0].get("confidential_detail").is_none());
    }
);

both!(
    english_queries_find_english_listings,
    |app: TestApp| async move {
        catalogue(&app).await;
        let found = titles(&app, &q("lithium battery cathode")).await;
        assert_eq!(
            found,
            ["High-nickel cathode materials for lithium batteries"]
        );
        let found = titles(&app, &q("IRRIGATION")).await;
        assert_eq!(found, ["Precision irrigation controller"]);
        // Mixed scripts and emoji are searched as text.
        let found = titles(&app, &q("灌溉 irrigation 😀")).await;
        assert_eq!(found.len(), 2, "{found:?}");
    }
);

both!(
    search_follows_the_log_and_never_sees_confidential_detail,
    |app: TestApp| async move {
        let (owner, ids) = catalogue(&app).await;
        assert!(titles(&app, &q("SECRETWORD")).await.is_empty());
        assert!(titles(&app, &q("钴酸锂烧结炉温曲线")).await.is_empty());
        // A draft is not public, so not found either.
        app.draft(&owner, &listing_body("未发布的钠离子电池")).await;
        assert!(titles(&app, &q("钠离子")).await.is_empty());

        // Withdrawing removes it from results at once (read-your-writes).
        assert_eq!(
            app.command(ids[0], "withdraw", &owner.token, None)
                .await
                .status(),
            StatusCode::OK
        );
        let found = titles(&app, &q("锂电池 正极材料")).await;
        assert!(
            !found.contains(&"高镍三元锂电池正极材料制备技术".to_string()),
            "{found:?}"
        );
    }
);

both!(
    search_combines_with_filters_and_pages,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        for i in 0..5 {
            let mut b = listing_body(&format!("锂电池隔膜技术 {i}"));
            b["trl"] = json!(3 + i);
            b["region"] = json!(if i % 2 == 0 { "500106" } else { "510000" });
            app.published(&owner, &b).await;
        }
        assert_eq!(
            titles(&app, &format!("{}&trl_min=6", q("隔膜")))
                .await
                .len(),
            2
        );
        assert_eq!(
            titles(&app, &format!("{}&region=500000", q("隔膜")))
                .await
                .len(),
            3
        );
        assert_eq!(
            titles(&app, &format!("{}&field=agriculture", q("隔膜")))
                .await
                .len(),
            0
        );

        let mut seen = Vec::new();
        let mut path = format!("{}&limit=2", q("隔膜"));
        loop {
            let (_, v) = json_of(app.get(&path, None).await).await;
            seen.extend(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_string()),
            );
            match v["next_cursor"].as_str() {
                Some(c) => path = format!("{}&limit=2&cursor={c}", q("隔膜")),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (5, 5));
    }
);

both!(
    odd_queries_are_text_or_a_clear_400,
    |app: TestApp| async move {
        catalogue(&app).await;
        for text in [
            "title:电池 AND (正极 OR \"x\")",
            "'; DROP TABLE listing_view; --",
            "电池*?~^",
            "a\\b/c",
        ] {
            let (s, v) = json_of(app.get(&q(text), None).await).await;
            assert_eq!(s, StatusCode::OK, "{text}: {v}");
        }
        for (text, why) in [
            ("", "empty"),
            ("   ", "blank"),
            ("😀🔋", "no words"),
            ("！？。，", "punctuation"),
        ] {
            let (s, v) = json_of(app.get(&q(text), None).await).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{why}: {v}");
            assert_eq!(v["errors"][0]["field"], "q");
        }
        let (s, _) = json_of(app.get(&q(&"电池".repeat(150)), None).await).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, v) = json_of(
            app.get(&format!("{}&cursor=garbage", q("电池")), None)
                .await,
        )
        .await;
        assert_eq!(
            (s, v["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("cursor"))
        );
    }
);

both!(
    a_rebuild_gives_the_same_results,
    |app: TestApp| async move {
        let (owner, ids) = catalogue(&app).await;
        app.command(ids[2], "withdraw", &owner.token, None).await;
        let demand_owner = app.user(Role::Enterprise, None).await;
        app.published_demand(
            &demand_owner,
            &demand_body("technical_problem", "寻求锂电池正极材料技术"),
        )
        .await;
        let queries = [
            "锂电池 正极材料",
            "lithium battery",
            "灌溉",
            "焊接",
            "irrigation",
        ];
        let mut before = Vec::new();
        for text in queries {
            before.push(titles(&app, &q(text)).await);
        }
        before.push(
            titles(
                &app,
                &format!("/api/v1/demands?q={}", urlencode("正极材料")),
            )
            .await,
        );

        // Rebuild everything: the SQL read models, then the index from the log.
        techmarket::projections::rebuild::rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        let generation = techmarket::projections::search::indexer::request_rebuild(&app.state.db)
            .await
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while app.state.search.checkpoint().generation != generation {
            assert!(
                std::time::Instant::now() < deadline,
                "the indexer did not pick up the rebuild"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let mut after = Vec::new();
        for text in queries {
            after.push(titles(&app, &q(text)).await);
        }
        after.push(
            titles(
                &app,
                &format!("/api/v1/demands?q={}", urlencode("正极材料")),
            )
            .await,
        );
        assert_eq!(after, before);
        assert!(!before[0].is_empty() && !before[5].is_empty());
    }
);

both!(
    the_index_is_consistent_after_a_restart,
    |app: TestApp| async move {
        let (owner, ids) = catalogue(&app).await;
        let before = titles(&app, &q("锂电池")).await;
        let app = app.restart().await;
        assert_eq!(titles(&app, &q("锂电池")).await, before);
        // Changes after the restart are followed too.
        let token = app.login(&owner.email, crate::helpers::PASSWORD).await;
        app.command(ids[0], "withdraw", &token, None).await;
        assert_eq!(titles(&app, &q("锂电池")).await.len(), before.len() - 1);
    }
);

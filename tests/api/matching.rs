//! Matching as a technology manager reads it (issue 17): a demand for 动力电池正极材料 is not
//! offered graphene listings that share only the word 材料 as good matches, the same-field
//! 固态电解质薄膜 is proposed above them, the reasons read in Chinese (English on request), and
//! over the labelled relevance set precision@5 stays at its measured level.

mod relevance;

use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;
use uuid::Uuid;

use crate::both;
use crate::helpers::{demand_body, json_of, listing_body, TestApp};

/// `GET path` with `Accept-Language` (when given): status, `Content-Language`, body.
async fn get_in(app: &TestApp, path: &str, language: Option<&str>) -> (StatusCode, String, Value) {
    let mut rb = app.client.get(app.url(path));
    if let Some(l) = language {
        rb = rb.header("Accept-Language", l);
    }
    let r = rb.send().await.unwrap();
    let language = r
        .headers()
        .get("content-language")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (status, v) = json_of(r).await;
    (status, language, v)
}

fn item<'a>(items: &'a Value, side: &str, id: Uuid) -> Option<(usize, &'a Value)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, i)| i[side]["id"] == id.to_string())
}

fn reason<'a>(item: &'a Value, kind: &str) -> &'a Value {
    item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} reason in {item}"))
}

fn is_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

both!(
    a_cathode_demand_prefers_the_same_field_to_a_shared_common_word,
    |app: TestApp| async move {
        let researcher = app.user(Role::Researcher, None).await;
        let company = app.user(Role::Enterprise, None).await;
        let listing = |title: &str, summary: &str, field: &str, keywords: Value| {
            let mut b = listing_body(title);
            b["summary"] = json!(summary);
            b["field"] = json!(field);
            b["keywords"] = keywords;
            b["trl"] = json!(6);
            b
        };
        let film = app
            .published(
                &researcher,
                &listing(
                    "石墨烯导热膜材料",
                    "以氧化石墨烯为原料制成高导热膜，用于手机散热。",
                    "new_materials",
                    json!(["石墨烯", "导热膜"]),
                ),
            )
            .await;
        let coating = app
            .published(
                &researcher,
                &listing(
                    "石墨烯防腐涂层材料",
                    "少层石墨烯分散于环氧树脂，用于桥梁钢结构防腐。",
                    "new_materials",
                    json!(["石墨烯", "防腐涂料"]),
                ),
            )
            .await;
        let electrolyte = app
            .published(
                &researcher,
                &listing(
                    "固态电解质薄膜",
                    "氧化物固态电解质薄膜的低温流延制备，离子电导率高，面向全固态储能器件。",
                    "new_energy",
                    json!(["固态电解质", "薄膜"]),
                ),
            )
            .await;
        let mut body = demand_body("technical_problem", "动力电池正极材料");
        body["description"] =
            json!("公司为新能源汽车配套生产动力电池，寻求高能量密度正极材料的量产工艺。");
        body["keywords"] = json!(["正极材料", "动力电池"]);
        let demand = app.published_demand(&company, &body).await;

        let path = format!("/api/v1/demands/{demand}/matches");
        let (s, language, v) = get_in(&app, &path, None).await;
        assert_eq!((s, language.as_str()), (StatusCode::OK, "zh-CN"), "{v}");
        eprintln!(
            "DEBUGV {}",
            serde_json::to_string_pretty(
                &v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(
                        |i| json!({"t": i["listing"]["title"], "s": i["score"], "r": i["reasons"]})
                    )
                    .collect::<Vec<_>>()
            )
            .unwrap()
        );
        let (at, proposed) = item(&v["items"], "listing", electrolyte).expect("electrolyte");
        assert_eq!(
            reason(proposed, "field")["detail"],
            "同属新能源与高效节能领域"
        );
        assert_eq!(reason(proposed, "shared_terms")["detail"], "没有共同关键词");
        for graphene in [film, coating] {
            let (below, g) = item(&v["items"], "listing", graphene).expect("graphene");
            assert!(at < below, "{v}");
            let score = g["score"].as_f64().unwrap();
            assert!(score < 40.0, "{score}: {g}");
            assert!(score < proposed["score"].as_f64().unwrap(), "{v}");
            let shared = reason(g, "shared_terms");
            assert_eq!(shared["terms"], json!(["材料"]), "{g}");
            assert!(
                shared["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with("共同关键词：材料"),
                "{shared}"
            );
            assert_eq!(
                reason(g, "field")["detail"],
                "成果属新材料及其应用领域，需求属新能源与高效节能领域"
            );
        }
        for i in v["items"].as_array().unwrap() {
            for r in i["reasons"].as_array().unwrap() {
                let d = r["detail"].as_str().unwrap();
                assert!(is_chinese(d), "{d}");
            }
        }

        // English on request, with the same scores.
        let (s, language, en) = get_in(&app, &path, Some("en-US,en;q=0.9,zh;q=0.5")).await;
        assert_eq!((s, language.as_str()), (StatusCode::OK, "en"), "{en}");
        let (_, e) = item(&en["items"], "listing", electrolyte).unwrap();
        assert_eq!(
            reason(e, "field")["detail"],
            "both in the field New energy and energy efficiency"
        );
        assert_eq!(e["score"], proposed["score"]);

        // And the other way round: the demand is proposed for the same-field listing.
        let (s, _, back) = get_in(
            &app,
            &format!("/api/v1/listings/{electrolyte}/matches"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{back}");
        let (_, d) = item(&back["items"], "demand", demand).expect("demand");
        assert_eq!(reason(d, "field")["detail"], "同属新能源与高效节能领域");
    }
);

both!(
    the_relevance_set_keeps_its_precision_at_five,
    |app: TestApp| async move {
        let set = relevance::set();
        let loaded = relevance::load(&app.state, &set).await;
        let mut judged = Vec::new();
        for (d, (id, _)) in set.demands.iter().zip(&loaded.demands) {
            let (s, _, v) = get_in(
                &app,
                &format!("/api/v1/demands/{id}/matches?limit=20"),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let ranked = relevance::ranked(&v, "listing", &loaded.listings);
            judged.push(relevance::judge(&ranked, &d.relevant));
        }
        let mean = relevance::mean(&judged);
        // Measured 0.469 (of the 0.497 the labels allow) with issue 17's scorer, 0.441 before
        // (`cargo bench --bench matching`). The ranking has not moved across runs, but scores
        // may by a few tenths (rarity counts a document's replaced copies until the index
        // merges them), so the floor leaves room for two swaps at fifth place while staying
        // above what the old scorer reached.
        assert!(mean.precision >= 0.45, "{mean:?}");
        assert!(mean.recall >= 0.95, "{mean:?}");
    }
);

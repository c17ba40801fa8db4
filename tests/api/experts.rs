//! The expert pool (专家库) and a contract's expert-review panel (issue 14, item 3): experts
//! registered by a platform admin, a panel drawn without anyone of a party's organization, a
//! decline replaced, opinions, and the registrar's review outcome recording them before the
//! contract is registered.

use std::collections::BTreeSet;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::Role;
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, TestApp, TestUser};

async fn put_expert(app: &TestApp, by: &TestUser, user: Uuid, body: Value) -> (StatusCode, Value) {
    json_of(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/experts/{user}"),
            Some(&by.token),
            Some(&body),
        )
        .await,
    )
    .await
}

/// A user of `role` in `organization`, registered as an expert in `fields`.
async fn expert(
    app: &TestApp,
    role: Role,
    organization: Option<Uuid>,
    fields: &[&str],
) -> TestUser {
    let admin = app.operator().await;
    let user = app.user(role, organization).await;
    let (s, v) = put_expert(
        app,
        &admin,
        user.id,
        json!({"fields": fields, "title": "研究员", "affiliation": "重庆市科学技术研究院"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    user
}

fn big_contract(app: &TestApp, seller_org: Uuid, buyer_org: Uuid) -> Value {
    let today = china_date(app.state.clock.now());
    json!({
        "contract_type": "consulting",
        "title": "钠离子电池正极材料专利许可",
        "seller": {"organization_id": seller_org, "name": "重庆大学", "party_nature": "022", "region": "500106"},
        "buyer": {"organization_id": buyer_org, "name": "重庆钠能科技有限公司", "party_nature": "150", "region": "500112"},
        "signing_date": (today - Duration::days(3)).to_string(),
        "validity_start": today.to_string(), "validity_end": (today + Duration::days(365)).to_string(),
        "contract_amount_fen": 800_000_000i64, "technology_amount_fen": 600_000_000i64,
        "field": "new_energy", "ip_kinds": ["invention_patent"]
    })
}

fn seats(contract: &Value) -> Vec<(Uuid, String)> {
    contract["expert_panel"]["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["expert_id"].as_str().unwrap().parse().unwrap(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

both!(
    the_pool_is_kept_by_platform_admins_and_read_by_registrars,
    |app: TestApp| async move {
        let admin = app.operator().await;
        let registrar = app.user(Role::Registrar, None).await;
        let stat = app.user(Role::Statistician, None).await;
        let institute = app
            .organization("重庆市科学技术研究院", "021", "500106")
            .await;
        let member = app.user(Role::Researcher, Some(institute)).await;
        let loner = app.user(Role::TechManager, None).await;

        let body = json!({"fields": ["new_energy", "biomedicine"], "title": " 教授 "});
        let (s, _) = put_expert(&app, &registrar, member.id, body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = put_expert(&app, &admin, Uuid::now_v7(), body.clone()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = put_expert(
            &app,
            &admin,
            member.id,
            json!({"fields": ["alchemy", "new_energy", "new_energy"], "title": ""}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let named: BTreeSet<&str> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            named,
            BTreeSet::from(["fields[0]", "fields[2]", "title"]),
            "{v}"
        );
        // Without an organization, an expert needs an affiliation.
        let (s, v) = put_expert(&app, &admin, loner.id, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "affiliation");

        let (s, v) = put_expert(&app, &admin, member.id, body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["title"], "教授");
        assert_eq!(v["fields"], json!(["biomedicine", "new_energy"]));
        assert_eq!(v["organization_id"], json!(institute));
        let (s, v) = put_expert(
            &app,
            &admin,
            loner.id,
            json!({"fields": ["aerospace"], "title": "高级工程师", "affiliation": "航天科技集团"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // A second PUT replaces the entry.
        let (s, v) = put_expert(
        &app,
        &admin,
        loner.id,
        json!({"fields": ["new_energy"], "title": "正高级工程师", "affiliation": "航天科技集团"}),
    )
    .await;
        assert_eq!(
            (s, v["fields"].clone()),
            (StatusCode::OK, json!(["new_energy"]))
        );

        let list = |token: String, query: &'static str| {
            let app = &app;
            async move {
                json_of(
                    app.get(&format!("/api/v1/experts{query}"), Some(&token))
                        .await,
                )
                .await
            }
        };
        let (s, v) = list(registrar.token.clone(), "?field=new_energy").await;
        assert_eq!(s, StatusCode::OK);
        let ids: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["user_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [member.id.to_string(), loner.id.to_string()]);
        let (_, v) = list(admin.token.clone(), "?field=biomedicine").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        let (s, _) = list(registrar.token.clone(), "?field=alchemy").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = list(stat.token.clone(), "").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
);

both!(
    a_panel_drawn_without_the_parties_reviews_a_contract_into_the_register,
    |app: TestApp| async move {
        let admin = app.operator().await;
        let registrar = app.user(Role::Registrar, None).await;
        let university = app.organization("重庆大学", "022", "500106").await;
        let company = app
            .organization("重庆钠能科技有限公司", "150", "500112")
            .await;
        let institute = app
            .organization("四川省科学技术研究院", "021", "510000")
            .await;
        let seller = app.user(Role::Researcher, Some(university)).await;

        // The pool for new energy: two of the parties' own people, and four who may sit.
        let of_seller = expert(&app, Role::Researcher, Some(university), &["new_energy"]).await;
        let of_buyer = expert(&app, Role::Enterprise, Some(company), &["new_energy"]).await;
        let mut eligible = Vec::new();
        for _ in 0..3 {
            eligible.push(expert(&app, Role::Researcher, Some(institute), &["new_energy"]).await);
        }
        eligible.push(expert(&app, Role::TechManager, None, &["new_energy", "aerospace"]).await);
        // Of another field: never drawn for this contract.
        expert(&app, Role::Researcher, Some(institute), &["aerospace"]).await;

        let (s, v) = json_of(
            app.post(
                "/api/v1/contracts",
                Some(&seller.token),
                Some(&big_contract(&app, university, company)),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        let url = |tail: &str| format!("/api/v1/contracts/{id}/{tail}");
        let (s, v) = json_of(app.post(&url("accept"), Some(&registrar.token), None).await).await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // Only the registrar convenes, and never more seats than eligible experts.
        let (s, _) = json_of(
            app.post(
                &url("expert-panel"),
                Some(&seller.token),
                Some(&json!({"size": 3})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = json_of(
            app.post(
                &url("expert-panel"),
                Some(&registrar.token),
                Some(&json!({"size": 5})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let detail = v["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("4 for 5 seat(s)")
                && detail.contains("2 belongs to a party's organization"),
            "{v}"
        );

        let (s, v) = json_of(
            app.post(
                &url("expert-panel"),
                Some(&registrar.token),
                Some(&json!({"size": 3})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let drawn = seats(&v);
        assert_eq!(drawn.len(), 3);
        let eligible_ids: BTreeSet<Uuid> = eligible.iter().map(|e| e.id).collect();
        for (expert_id, status) in &drawn {
            assert!(
                eligible_ids.contains(expert_id),
                "{expert_id} was not eligible"
            );
            assert!(*expert_id != of_seller.id && *expert_id != of_buyer.id);
            assert_eq!(status, "invited");
        }
        let user_of = |id: Uuid| eligible.iter().find(|e| e.id == id).unwrap().clone();
        let left_over = *eligible_ids
            .iter()
            .find(|id| !drawn.iter().any(|(d, _)| d == *id))
            .unwrap();
        let (first, second, third) = (
            user_of(drawn[0].0),
            user_of(drawn[1].0),
            user_of(drawn[2].0),
        );

        // The drawn read the contract; the one left over does not.
        let (s, _) = json_of(
            app.get(&format!("/api/v1/contracts/{id}"), Some(&first.token))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = json_of(
            app.get(
                &format!("/api/v1/contracts/{id}"),
                Some(&user_of(left_over).token),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The first declines: the only eligible expert left takes the seat.
        let seat = |who: &TestUser, verb: &str| url(&format!("expert-panel/{}/{verb}", who.id));
        let (s, v) = json_of(
            app.post(&seat(&first, "decline"), Some(&first.token), None)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let now = seats(&v);
        assert!(now.contains(&(first.id, "declined".into())), "{v}");
        assert!(now.contains(&(left_over, "invited".into())), "{v}");
        let (s, _) = json_of(
            app.get(&format!("/api/v1/contracts/{id}"), Some(&first.token))
                .await,
        )
        .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "a decliner is done with the contract"
        );
        // The second declines too: nobody eligible is left, so the seat stays empty.
        let (s, v) = json_of(
            app.post(&seat(&second, "decline"), Some(&second.token), None)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(seats(&v).len(), 4, "{v}");

        // Nobody answers for another expert.
        let (s, _) = json_of(
            app.post(&seat(&third, "accept"), Some(&registrar.token), None)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let replacement = user_of(left_over);
        for who in [&third, &replacement] {
            let (s, v) =
                json_of(app.post(&seat(who, "accept"), Some(&who.token), None).await).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let (s, v) = json_of(
            app.post(
                &seat(&third, "opinion"),
                Some(&third.token),
                Some(&json!({"recommendation": "abstain", "opinion": "无"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = json_of(
            app.post(
                &seat(&third, "opinion"),
                Some(&third.token),
                Some(&json!({"recommendation": "approve", "opinion": "技术先进，价格合理。"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // The outcome waits for the last opinion.
        let review = json!({"opinion": "专家组同意登记"});
        let (s, v) = json_of(
            app.post(&url("expert-review"), Some(&registrar.token), Some(&review))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = json_of(
            app.post(
                &seat(&replacement, "opinion"),
                Some(&replacement.token),
                Some(&json!({"recommendation": "revise", "opinion": "建议补充检测报告"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = json_of(
            app.post(&url("expert-review"), Some(&registrar.token), Some(&review))
                .await,
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("expert_review")),
            "{v}"
        );

        // The outcome, as the log has it, names the experts and their opinions.
        let mut after = 0i64;
        let reviewed = loop {
            let (s, page) = json_of(
                app.get(
                    &format!("/api/v1/events?after={after}&limit=100"),
                    Some(&admin.token),
                )
                .await,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            let items = page["items"].as_array().unwrap();
            if let Some(e) = items
                .iter()
                .find(|e| e["event_type"] == "expert_reviewed" && e["aggregate_id"] == json!(id))
            {
                break e.clone();
            }
            let next: i64 = page["next_cursor"].as_str().unwrap().parse().unwrap();
            assert!(next != after, "the review outcome is in the log");
            after = next;
        };
        assert_eq!(
            reviewed["payload"]["event"]["experts"],
            json!([
                {"expert_id": third.id, "recommendation": "approve", "opinion": "技术先进，价格合理。"},
                {"expert_id": replacement.id, "recommendation": "revise", "opinion": "建议补充检测报告"},
            ])
        );

        let number = format!("5001{}", id.replace('-', ""));
        let (s, v) = json_of(
            app.post(
                &url("register"),
                Some(&registrar.token),
                Some(&json!({"registration_number": number})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("registered")),
            "{v}"
        );
    }
);

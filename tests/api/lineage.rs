//! The chain from achievement to money in one view (issue 14, item 4): one job-related listing
//! walked from publication through verification, an open call, a negotiation, an ownership grant,
//! a registered, amended and paid contract to the distribution of that payment; its lineage is
//! one document from the listing, the contract and the grant, and each caller sees only what
//! each resource's own rule lets them see.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::Role;
use techmarket::projections::rebuild::rebuild;
use uuid::Uuid;

use crate::both;
use crate::helpers::{demand_body, json_of, listing_body, Backend, TestApp, TestUser};

/// Everyone the chain involves, and what it made.
struct Chain {
    owner: TestUser,
    buyer: TestUser,
    caller: TestUser,
    listing: Uuid,
    verification: String,
    demand: String,
    open_call: String,
    application: String,
    negotiation: String,
    contract: String,
    payment: String,
    grant: String,
}

async fn ok(app: &TestApp, path: &str, token: &str, body: Option<&Value>) -> Value {
    let (s, v) = json_of(app.post(path, Some(token), body).await).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Polls `path` as `token` until `done` holds of it (a policy following the log acts on it).
async fn eventually(app: &TestApp, path: &str, token: &str, done: impl Fn(&Value) -> bool) {
    for _ in 0..400 {
        if done(&json_of(app.get(path, Some(token)).await).await.1) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{path} never came to the expected state");
}

async fn lineage(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    json_of(app.get(&format!("/api/v1/{path}/lineage"), token).await).await
}

/// The whole chain, in the order things happen.
async fn walk(app: &TestApp) -> Chain {
    let today = || china_date(app.state.clock.now());
    let institution = app.organization("重庆大学", "022", "500106").await;
    let owner = app.user(Role::Researcher, Some(institution)).await;
    let colleague = app.user(Role::Researcher, Some(institution)).await;
    let tto = app.user(Role::InstitutionAdmin, Some(institution)).await;
    let buyer_org = app.organization("长安汽车", "160", "500112").await;
    let buyer = app.user(Role::Enterprise, Some(buyer_org)).await;
    let caller_org = app.organization("赛力斯", "160", "500109").await;
    let caller = app.user(Role::Enterprise, Some(caller_org)).await;
    let provider_org = app.organization("重庆概念验证中心", "021", "500106").await;
    let provider = app.user(Role::Provider, Some(provider_org)).await;
    let registrar = app.user(Role::Registrar, None).await;

    // A job-related listing at TRL 4, negotiated pricing, published by its institution.
    let mut body = listing_body("职务发明：高镍正极材料");
    body["job_related"] = json!(true);
    body["institution_id"] = json!(institution);
    body["pricing_mode"] = json!("negotiated");
    let listing = app.draft(&owner, &body).await;
    ok(
        app,
        &format!("/api/v1/listings/{listing}/submit"),
        &owner.token,
        None,
    )
    .await;
    ok(
        app,
        &format!("/api/v1/listings/{listing}/publish"),
        &tto.token,
        None,
    )
    .await;
    let notice = json!({"days": 1});
    ok(
        app,
        &format!("/api/v1/listings/{listing}/price-notice"),
        &owner.token,
        Some(&notice),
    )
    .await;

    // A concept verification raises the TRL from 4 to 6.
    let request = json!({
        "stage": "concept_verification", "listing_id": listing,
        "provider_organization_id": provider_org, "services": ["principle_validation"],
        "trl_target": 6, "budget_fen": 80_000_000i64, "funding_source": "government",
        "schedule": {"start": today().to_string(), "end": (today() + Duration::days(90)).to_string()},
        "description": "验证正极材料的循环性能。"
    });
    let v = ok(
        app,
        "/api/v1/verification-requests",
        &owner.token,
        Some(&request),
    )
    .await;
    let verification = id_of(&v);
    let run = format!("/api/v1/verification-requests/{verification}");
    ok(app, &format!("{run}/accept"), &provider.token, None).await;
    let done = json!({"outcome": "success", "trl_after": 6, "report": "样机通过循环测试。"});
    ok(
        app,
        &format!("{run}/complete"),
        &provider.token,
        Some(&done),
    )
    .await;
    let listing_path = format!("/api/v1/listings/{listing}");
    eventually(app, &listing_path, &owner.token, |l| l["trl"] == 6).await;

    // Another enterprise's open call, won by the listing.
    let call = app
        .published_demand(&caller, &demand_body("open_call", "高能量密度正极材料揭榜"))
        .await;
    let apply = json!({"proposal": "以本成果揭榜", "listing_id": listing});
    let v = ok(
        app,
        &format!("/api/v1/demands/{call}/applications"),
        &owner.token,
        Some(&apply),
    )
    .await;
    let application = id_of(&v);
    let select = format!("/api/v1/demands/{call}/applications/{application}/select");
    ok(app, &select, &caller.token, None).await;

    // The buyer answers its own demand with a negotiation, agreed at 50万元.
    let demand = app
        .published_demand(
            &buyer,
            &demand_body("technical_problem", "动力电池正极材料需求"),
        )
        .await;
    let open = json!({"listing_id": listing, "demand_id": demand, "message": "希望许可"});
    let negotiation = id_of(&ok(app, "/api/v1/negotiations", &buyer.token, Some(&open)).await);
    let talks = format!("/api/v1/negotiations/{negotiation}");
    let terms = json!({"terms": {"contract_type": "license", "contract_subtype": "exclusive",
        "price_fen": 50_000_000i64, "payment": {"kind": "lump_sum"}, "term_months": 60,
        "territory": "中国大陆", "exclusivity": "exclusive"}});
    let v = ok(app, &format!("{talks}/offers"), &buyer.token, Some(&terms)).await;
    let offer = json!({"offer_id": v["offers"][0]["id"]});
    ok(app, &format!("{talks}/accept"), &owner.token, Some(&offer)).await;

    // The institution grants the team a usage right (notice of 5 days, which also lets the price
    // notice run out).
    let apply = json!({"listing_id": listing, "kind": "usage_right", "term_years": 10,
        "team": [{"user_id": owner.id, "share_percent": 60}, {"user_id": colleague.id, "share_percent": 40}]});
    let grant = id_of(&ok(app, "/api/v1/ownership-grants", &owner.token, Some(&apply)).await);
    let g = format!("/api/v1/ownership-grants/{grant}");
    ok(
        app,
        &format!("{g}/review"),
        &tto.token,
        Some(&json!({"decision": "approve"})),
    )
    .await;
    ok(
        app,
        &format!("{g}/notice"),
        &tto.token,
        Some(&json!({"days": 5})),
    )
    .await;
    app.state.clock.advance(Duration::days(5));
    ok(app, &format!("{g}/grant"), &tto.token, None).await;

    // The contract from the negotiation's draft: registered, amended, paid, distributed.
    let (_, draft) = json_of(
        app.get(&format!("{talks}/contract-draft"), Some(&owner.token))
            .await,
    )
    .await;
    let contract = id_of(&ok(app, "/api/v1/contracts", &owner.token, Some(&draft)).await);
    let c = format!("/api/v1/contracts/{contract}");
    ok(app, &format!("{c}/accept"), &registrar.token, None).await;
    let number = json!({"registration_number": "5001062026000123"});
    ok(
        app,
        &format!("{c}/register"),
        &registrar.token,
        Some(&number),
    )
    .await;
    eventually(app, &listing_path, &owner.token, |l| {
        l["status"] == "transferred"
    })
    .await;
    let amend = json!({"effective_on": today().to_string(), "contract_amount_fen": 60_000_000i64,
        "technology_amount_fen": 60_000_000i64, "note": "追加技术服务"});
    ok(app, &format!("{c}/amend"), &registrar.token, Some(&amend)).await;
    let paid = json!({"amount_fen": 1_000_000i64, "received_on": today().to_string()});
    let v = ok(app, &format!("{c}/payments"), &owner.token, Some(&paid)).await;
    let payment = id_of(&v["payments"][0]);
    let share = json!({"contract_id": contract, "payment_id": payment});
    ok(app, &format!("{g}/distributions"), &tto.token, Some(&share)).await;

    Chain {
        owner,
        buyer,
        caller,
        listing,
        verification,
        demand: demand.to_string(),
        open_call: call.to_string(),
        application,
        negotiation,
        contract,
        payment,
        grant,
    }
}

/// Empties `demand_view.winning_listing_id` and fills it again with the migration's own
/// statement, as for the demands there before the column was.
async fn refill_as_migrated(app: &TestApp) {
    let migration = match app.backend {
        Backend::Sqlite => include_str!("../../migrations/sqlite/20261129000008_lineage.sql"),
        Backend::Postgres => include_str!("../../migrations/postgres/20261129000008_lineage.sql"),
    };
    let fill = migration
        .split(';')
        .find(|s| s.trim_start().starts_with("UPDATE demand_view"))
        .unwrap();
    let mut tx = app.state.db.begin().await.unwrap();
    tx.conn()
        .execute("UPDATE demand_view SET winning_listing_id = NULL", &[])
        .await
        .unwrap();
    tx.conn().execute(fill, &[]).await.unwrap();
    tx.commit().await.unwrap();
}

/// `(items, hidden)` of a section.
fn counts(doc: &Value, section: &str) -> (usize, i64) {
    let s = &doc[section];
    (
        s["items"].as_array().unwrap().len(),
        s["hidden"].as_i64().unwrap(),
    )
}

/// Every link in the document.
fn hrefs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("href" | "contract_href", Value::String(s)) => out.push(s.clone()),
                    _ => hrefs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| hrefs(x, out)),
        _ => {}
    }
}

both!(
    one_chain_from_listing_to_distribution_seen_from_each_end,
    |app: TestApp| async move {
        let c = walk(&app).await;
        let today = china_date(app.state.clock.now()).to_string();
        let token = Some(c.owner.token.as_str());
        let (s, doc) = lineage(&app, &format!("listings/{}", c.listing), token).await;
        assert_eq!(s, StatusCode::OK, "{doc}");
        for from in [
            format!("contracts/{}", c.contract),
            format!("ownership-grants/{}", c.grant),
        ] {
            assert_eq!(
                lineage(&app, &from, token).await,
                (StatusCode::OK, doc.clone()),
                "{from}"
            );
        }

        // The owner is party to every step: nothing hidden.
        for section in [
            "verification_runs",
            "demands",
            "negotiations",
            "contracts",
            "ownership_grants",
            "distributions",
        ] {
            assert_eq!(doc[section]["hidden"], 0, "{section}: {doc}");
        }
        let l = &doc["listing"];
        assert_eq!(
            (l["status"].as_str(), l["trl"].as_i64()),
            (Some("transferred"), Some(6))
        );
        assert!(
            l["published_at"].is_string() && l["created_at"].is_string(),
            "{l}"
        );
        assert_eq!(l["transferred_by_contract"], json!(c.contract));
        let trl = &l["trl_history"];
        assert_eq!(
            (trl[0]["cause"].as_str(), trl[0]["to"].as_i64()),
            (Some("created"), Some(4))
        );
        assert_eq!(trl[1]["cause"], "verification");
        assert_eq!(
            (trl[1]["from"].as_i64(), trl[1]["to"].as_i64()),
            (Some(4), Some(6))
        );
        assert_eq!(
            trl[1]["href"],
            json!(format!("/api/v1/verification-requests/{}", c.verification))
        );

        let run = &doc["verification_runs"]["items"][0];
        assert_eq!(
            (run["status"].as_str(), run["outcome"].as_str()),
            (Some("completed"), Some("success"))
        );
        assert_eq!(
            (run["trl_before"].as_i64(), run["trl_after"].as_i64()),
            (Some(4), Some(6))
        );
        assert!(run["completed_at"].is_string());

        // Two demands answered: the buyer's, by the negotiation and the contract; the open call,
        // by the selected application.
        let demands = doc["demands"]["items"].as_array().unwrap();
        assert_eq!(demands.len(), 2, "{doc}");
        let by = |id: &str| demands.iter().find(|d| d["id"] == id).unwrap()["answered_by"].clone();
        let vias = |links: &Value| -> Vec<(String, String)> {
            links
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    (
                        x["via"].as_str().unwrap().into(),
                        x["id"].as_str().unwrap().into(),
                    )
                })
                .collect()
        };
        assert_eq!(
            vias(&by(&c.demand)),
            [
                ("negotiation".to_string(), c.negotiation.clone()),
                ("contract".to_string(), c.contract.clone())
            ]
        );
        assert_eq!(
            vias(&by(&c.open_call)),
            [("open_call".to_string(), c.application.clone())]
        );

        let n = &doc["negotiations"]["items"][0];
        assert_eq!(
            (n["status"].as_str(), n["agreed_price_fen"].as_i64()),
            (Some("agreed"), Some(50_000_000))
        );
        assert!(n["closed_at"].is_string());

        let k = &doc["contracts"]["items"][0];
        assert_eq!(
            (k["status"].as_str(), k["registered_on"].as_str()),
            (Some("registered"), Some(today.as_str()))
        );
        assert_eq!(k["registration_number"], "5001062026000123");
        assert_eq!(k["contract_amount_fen"], 60_000_000);
        assert_eq!(k["negotiation_id"], json!(c.negotiation));
        let a = &k["amendments"][0];
        assert_eq!(
            (
                a["previous_contract_amount_fen"].as_i64(),
                a["contract_amount_fen"].as_i64()
            ),
            (Some(50_000_000), Some(60_000_000))
        );
        assert_eq!(a["effective_on"], json!(today));
        assert_eq!(
            k["payments"],
            json!([{"id": c.payment, "href": format!("/api/v1/contracts/{}", c.contract),
            "received_on": today, "amount_fen": 1_000_000}])
        );

        let g = &doc["ownership_grants"]["items"][0];
        assert_eq!(
            (
                g["status"].as_str(),
                g["kind"].as_str(),
                g["granted_on"].as_str()
            ),
            (Some("granted"), Some("usage_right"), Some(today.as_str()))
        );
        // The statutory half to the team, split 60/40.
        let d = &doc["distributions"]["items"][0];
        assert_eq!(
            (d["payment_id"].as_str(), d["grant_id"].as_str()),
            (Some(c.payment.as_str()), Some(c.grant.as_str()))
        );
        assert_eq!(
            (
                d["institution"]["amount_fen"].as_i64(),
                d["team_fen"].as_i64()
            ),
            (Some(500_000), Some(500_000))
        );
        let members: Vec<(String, i64)> = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["user_id"].as_str().unwrap().into(),
                    m["amount_fen"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(members[0], (c.owner.id.to_string(), 300_000));
        assert_eq!(members[1].1, 200_000);

        // Every link leads to its resource.
        let mut links = Vec::new();
        hrefs(&doc, &mut links);
        assert_eq!(links.len(), 15, "{links:?}");
        for link in links {
            assert_eq!(
                app.get(&link, token).await.status(),
                StatusCode::OK,
                "{link}"
            );
        }

        // Anyone sees the published listing and only counts of the rest; signed in, the public
        // grant too (but not who was paid what). The contract is none of their business.
        let stranger = app.user(Role::Enterprise, None).await;
        let (_, anonymous) = lineage(&app, &format!("listings/{}", c.listing), None).await;
        let (_, signed_in) = lineage(
            &app,
            &format!("listings/{}", c.listing),
            Some(&stranger.token),
        )
        .await;
        for (doc, grants) in [(&anonymous, (0, 1)), (&signed_in, (1, 0))] {
            assert_eq!(doc["listing"]["id"], json!(c.listing));
            assert_eq!(counts(doc, "verification_runs"), (0, 1));
            assert_eq!(counts(doc, "demands"), (0, 2));
            assert_eq!(counts(doc, "negotiations"), (0, 1));
            assert_eq!(counts(doc, "contracts"), (0, 1));
            assert_eq!(counts(doc, "ownership_grants"), grants);
            assert_eq!(counts(doc, "distributions"), (0, 1));
        }
        let from_grant = lineage(
            &app,
            &format!("ownership-grants/{}", c.grant),
            Some(&stranger.token),
        )
        .await;
        assert_eq!(from_grant, (StatusCode::OK, signed_in));
        let from_contract = lineage(
            &app,
            &format!("contracts/{}", c.contract),
            Some(&stranger.token),
        )
        .await;
        assert_eq!(from_contract.0, StatusCode::NOT_FOUND);

        // The buyer's organization is party to the negotiation and the contract: it sees them and
        // its own demand, not the open call's winner, the verification or the distribution.
        let (_, buyer) = lineage(
            &app,
            &format!("contracts/{}", c.contract),
            Some(&c.buyer.token),
        )
        .await;
        assert_eq!(counts(&buyer, "verification_runs"), (0, 1));
        assert_eq!(counts(&buyer, "demands"), (1, 1));
        assert_eq!(buyer["demands"]["items"][0]["id"], json!(c.demand));
        assert_eq!(
            (counts(&buyer, "negotiations"), counts(&buyer, "contracts")),
            ((1, 0), (1, 0))
        );
        assert_eq!(counts(&buyer, "distributions"), (0, 1));
        let (_, same) = lineage(
            &app,
            &format!("listings/{}", c.listing),
            Some(&c.buyer.token),
        )
        .await;
        assert_eq!(same, buyer);
        // The open call's owner sees the win, and nothing of the deal.
        let (_, caller) = lineage(
            &app,
            &format!("listings/{}", c.listing),
            Some(&c.caller.token),
        )
        .await;
        assert_eq!(counts(&caller, "demands"), (1, 1));
        assert_eq!(
            caller["demands"]["items"][0]["answered_by"][0]["via"],
            "open_call"
        );
        assert_eq!(counts(&caller, "contracts"), (0, 1));

        // Rebuilt from the log, or with the open calls' winners filled as the migration fills
        // them, the read models give the same lineage.
        let listing = format!("listings/{}", c.listing);
        rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        assert_eq!(
            lineage(&app, &listing, token).await,
            (StatusCode::OK, doc.clone())
        );
        refill_as_migrated(&app).await;
        assert_eq!(lineage(&app, &listing, token).await, (StatusCode::OK, doc));
    }
);

/// A consulting contract of `seller_org` (西南大学) with a buyer, on or off the platform,
/// naming `listing` or none.
fn consulting(
    app: &TestApp,
    seller_org: Uuid,
    buyer_org: Option<Uuid>,
    listing: Option<Uuid>,
) -> Value {
    let today = china_date(app.state.clock.now());
    json!({
        "contract_type": "consulting", "title": "技术咨询合同",
        "seller": {"organization_id": seller_org, "name": "西南大学", "party_nature": "022", "region": "500109"},
        "buyer": {"organization_id": buyer_org, "name": "长安汽车", "party_nature": "160", "region": "500112"},
        "signing_date": today.to_string(), "validity_start": today.to_string(),
        "validity_end": (today + Duration::days(30)).to_string(),
        "contract_amount_fen": 1_000_000, "technology_amount_fen": 1_000_000, "field": "new_energy",
        "listing_id": listing
    })
}

both!(
    drafts_withdrawn_listings_and_contracts_without_one,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let stranger = app.user(Role::Researcher, None).await;
        let draft = app.draft(&owner, &listing_body("尚未提交的成果")).await;
        let path = format!("listings/{draft}");
        assert_eq!(lineage(&app, &path, None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            lineage(&app, &path, Some(&stranger.token)).await.0,
            StatusCode::NOT_FOUND
        );
        let (s, doc) = lineage(&app, &path, Some(&owner.token)).await;
        assert_eq!(s, StatusCode::OK, "{doc}");
        assert_eq!(doc["listing"]["status"], "draft");
        assert_eq!(doc["listing"]["trl_history"].as_array().unwrap().len(), 1);
        assert_eq!(counts(&doc, "contracts"), (0, 0));
        let nowhere = format!("listings/{}", Uuid::now_v7());
        assert_eq!(
            lineage(&app, &nowhere, Some(&owner.token)).await.0,
            StatusCode::NOT_FOUND
        );

        // A contract that names no listing: its lineage is the contract alone.
        let seller_org = app.organization("西南大学", "022", "500109").await;
        let seller = app.user(Role::Researcher, Some(seller_org)).await;
        let body = consulting(&app, seller_org, None, None);
        let contract = id_of(&ok(&app, "/api/v1/contracts", &seller.token, Some(&body)).await);
        let path = format!("contracts/{contract}");
        let (s, doc) = lineage(&app, &path, Some(&seller.token)).await;
        assert_eq!(s, StatusCode::OK, "{doc}");
        assert_eq!(
            (&doc["listing"], &doc["listing_hidden"]),
            (&Value::Null, &json!(false))
        );
        assert_eq!(counts(&doc, "contracts"), (1, 0));
        assert_eq!(doc["contracts"]["items"][0]["status"], "submitted");
        assert_eq!(counts(&doc, "negotiations"), (0, 0));
        assert_eq!(
            lineage(&app, &path, Some(&stranger.token)).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(lineage(&app, &path, None).await.0, StatusCode::UNAUTHORIZED);

        // The buyer's organization, party to a contract on a listing withdrawn since, reaches the
        // chain from the contract without seeing the listing.
        let listing = app.published(&seller, &listing_body("已撤回的成果")).await;
        let buyer_org = app.organization("长安汽车", "160", "500112").await;
        let buyer = app.user(Role::Enterprise, Some(buyer_org)).await;
        let body = consulting(&app, seller_org, Some(buyer_org), Some(listing));
        let contract = id_of(&ok(&app, "/api/v1/contracts", &seller.token, Some(&body)).await);
        ok(
            &app,
            &format!("/api/v1/listings/{listing}/withdraw"),
            &seller.token,
            None,
        )
        .await;
        let (s, doc) = lineage(&app, &format!("contracts/{contract}"), Some(&buyer.token)).await;
        assert_eq!(s, StatusCode::OK, "{doc}");
        assert_eq!(
            (&doc["listing"], &doc["listing_hidden"]),
            (&Value::Null, &json!(true))
        );
        assert_eq!(doc["contracts"]["items"][0]["id"], json!(contract));
        let (s, _) = lineage(&app, &format!("listings/{listing}"), Some(&buyer.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, own) = lineage(&app, &format!("listings/{listing}"), Some(&seller.token)).await;
        assert_eq!(own["listing"]["status"], "withdrawn");
    }
);

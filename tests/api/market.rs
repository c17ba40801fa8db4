//! Market sales (issue 14): the listed-price path and the auction end to end into a registered
//! contract, and bids under contention.

use chrono::{Duration, SecondsFormat};
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, TestUser};

/// 100万元.
const PRICE: i64 = 100_000_000;

async fn post(app: &TestApp, path: &str, who: &TestUser, body: Value) -> (StatusCode, Value) {
    json_of(
        app.post(&format!("/api/v1{path}"), Some(&who.token), Some(&body))
            .await,
    )
    .await
}

async fn get(app: &TestApp, path: &str, who: &TestUser) -> (StatusCode, Value) {
    json_of(app.get(&format!("/api/v1{path}"), Some(&who.token)).await).await
}

/// A published listing of `owner`'s in `mode`.
async fn listing(app: &TestApp, owner: &TestUser, mode: &str) -> Uuid {
    let mut body = listing_body("钠离子电池正极材料专利");
    body["pricing_mode"] = json!(mode);
    if mode != "listed" {
        body.as_object_mut().unwrap().remove("asking_price_fen");
    }
    app.published(owner, &body).await
}

/// `n` enterprises, each of its own organization.
async fn enterprises(app: &TestApp, n: usize) -> Vec<TestUser> {
    let mut out = Vec::new();
    for i in 0..n {
        let org = app
            .organization(&format!("某科技有限公司{i}"), "150", "500112")
            .await;
        out.push(app.user(Role::Enterprise, Some(org)).await);
    }
    out
}

fn rules() -> Value {
    json!({"increment_fen": 1_000_000, "duration_minutes": 30, "extension_minutes": 5})
}

/// Submits the draft (its seller filled in by hand: the owner has no organization), has it
/// accepted and registered, and returns the registered contract.
async fn register_deal(app: &TestApp, sale: &str, seller: &TestUser) -> Value {
    let (s, mut draft) = get(app, &format!("/market-sales/{sale}/contract-draft"), seller).await;
    assert_eq!(s, StatusCode::OK, "{draft}");
    draft["seller"] = json!({"name": "重庆大学", "party_nature": "021", "region": "500106"});
    let (s, c) = post(app, "/contracts", seller, draft).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    let registrar = app.user(Role::Registrar, None).await;
    let (s, _) = post(
        app,
        &format!("/contracts/{id}/accept"),
        &registrar,
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, c) = post(
        app,
        &format!("/contracts/{id}/register"),
        &registrar,
        json!({"registration_number": format!("M{}", &id[..8])}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    c
}

/// Closes a sale that is due, as anyone may; the service's own sweep may have closed it a moment
/// before (it runs every 100 ms in tests), so the sale is read back either way.
async fn close(app: &TestApp, sid: &str, who: &TestUser) -> Value {
    let (s, v) = post(app, &format!("/market-sales/{sid}/close"), who, json!(null)).await;
    assert!(matches!(s, StatusCode::OK | StatusCode::CONFLICT), "{v}");
    get(app, &format!("/market-sales/{sid}"), who).await.1
}

async fn stats_total(app: &TestApp) -> i64 {
    let stat = app.user(Role::Statistician, None).await;
    let (_, v) = get(app, "/stats/contracts", &stat).await;
    v["totals"]["contract_amount_fen"].as_i64().unwrap()
}

both!(
    a_listed_price_sale_with_two_applicants_goes_to_auction_and_into_a_registered_contract,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let id = listing(&app, &owner, "listed").await;
        let [acme, beta, late]: [TestUser; 3] = enterprises(&app, 3).await.try_into().ok().unwrap();

        // A listing in negotiated mode cannot be listed; bad rules are named under `auction`.
        let (s, v) = post(&app, &format!("/listings/{id}/market-sales"), &owner,
            json!({"kind": "listed", "price_fen": PRICE, "period_days": 3, "auction": {"increment_fen": 0}})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "auction.increment_fen");
        let (s, _) = post(
            &app,
            &format!("/listings/{id}/market-sales"),
            &acme,
            json!({"kind": "listed", "price_fen": PRICE, "period_days": 3, "auction": rules()}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, sale) = post(&app, &format!("/listings/{id}/market-sales"), &owner,
            json!({"kind": "listed", "price_fen": PRICE, "period_days": 3, "deposit_fen": 5_000_000, "auction": rules()})).await;
        assert_eq!(s, StatusCode::CREATED, "{sale}");
        assert_eq!(sale["phase"], "listed_open");
        let sid = sale["id"].as_str().unwrap().to_string();
        let at = |p: &str| format!("/market-sales/{sid}{p}");

        let (s, v) = post(&app, &at("/applications"), &acme, json!({})).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a deposit is asked: {v}"
        );
        for who in [&acme, &beta] {
            let (s, v) = post(
                &app,
                &at("/applications"),
                who,
                json!({"deposit_fen": 5_000_000}),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        // Nothing closes before the period ends; nobody applies after.
        let (s, _) = post(&app, &at("/close"), &owner, json!(null)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        app.state.clock.advance(Duration::days(3));
        let (s, v) = post(
            &app,
            &at("/applications"),
            &late,
            json!({"deposit_fen": 5_000_000}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");

        // Two applicants: an auction among them, from the listed price.
        let v = close(&app, &sid, &late).await;
        assert_eq!(v["phase"], "auction", "{v}");
        assert_eq!(v["starting_price_fen"], PRICE);
        let (s, v) = post(&app, &at("/bids"), &late, json!({"amount_fen": PRICE * 2})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let (s, v) = post(&app, &at("/bids"), &acme, json!({"amount_fen": PRICE - 1})).await;
        assert_eq!(
            (s, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("amount_fen"))
        );
        let (s, _) = post(&app, &at("/bids"), &acme, json!({"amount_fen": PRICE})).await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = post(
            &app,
            &at("/bids"),
            &beta,
            json!({"amount_fen": PRICE + 500_000}),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "below the increment: {v}"
        );
        let (s, _) = post(
            &app,
            &at("/bids"),
            &beta,
            json!({"amount_fen": PRICE + 3_000_000}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        app.state.clock.advance(Duration::minutes(30));
        let (s, v) = post(&app, &at("/bids"), &acme, json!({"amount_fen": PRICE * 3})).await;
        assert_eq!(s, StatusCode::CONFLICT, "late: {v}");
        let v = close(&app, &sid, &owner).await;
        assert_eq!(v["phase"], "sold", "{v}");
        assert_eq!(v["deal"]["price_fen"], PRICE + 3_000_000);

        // The outsider has no draft; the deal becomes a registered contract in the statistics.
        let (s, _) = get(&app, &at("/contract-draft"), &late).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let c = register_deal(&app, &sid, &owner).await;
        assert_eq!(c["content"]["contract_amount_fen"], PRICE + 3_000_000);
        assert_eq!(c["content"]["listing_id"], id.to_string());
        assert_eq!(stats_total(&app).await, PRICE + 3_000_000);
    }
);

both!(
    one_applicant_buys_at_the_price_and_none_lets_the_seller_relist,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let id = listing(&app, &owner, "listed").await;
        let [acme]: [TestUser; 1] = enterprises(&app, 1).await.try_into().ok().unwrap();
        let (_, sale) = post(
            &app,
            &format!("/listings/{id}/market-sales"),
            &owner,
            json!({"kind": "listed", "price_fen": PRICE, "period_days": 2, "auction": rules()}),
        )
        .await;
        let sid = sale["id"].as_str().unwrap().to_string();
        let at = |p: &str| format!("/market-sales/{sid}{p}");
        // The sale closes by itself when its period ends: the service's sweep (called here too,
        // in case its next turn is still to come).
        app.state.clock.advance(Duration::days(2));
        techmarket::policies::expiry::close_due_sales(&app.state)
            .await
            .unwrap();
        let (s, list) = get(&app, &format!("/listings/{id}/market-sales"), &acme).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let v = &list["items"][0];
        assert_eq!(v["id"], sid.as_str());
        assert_eq!(
            (v["phase"].as_str(), v["no_sale"].as_str()),
            (Some("unsold"), Some("no_applicants"))
        );
        assert_eq!(
            techmarket::policies::expiry::close_due_sales(&app.state)
                .await
                .unwrap(),
            0,
            "nothing is closed twice"
        );
        let (s, v) = post(
            &app,
            &at("/relist"),
            &owner,
            json!({"price_fen": PRICE / 2, "period_days": 2}),
        )
        .await;
        assert_eq!((s, v["round"].as_i64()), (StatusCode::OK, Some(2)), "{v}");
        let (s, _) = post(&app, &at("/applications"), &acme, json!({})).await;
        assert_eq!(s, StatusCode::OK);
        app.state.clock.advance(Duration::days(2));
        let v = close(&app, &sid, &acme).await;
        assert_eq!(v["deal"]["price_fen"], PRICE / 2, "{v}");
        let c = register_deal(&app, &sid, &owner).await;
        assert_eq!(c["status"], "registered");

        // The feed announces the sale, the relisting and the deal.
        let stat = app.user(Role::Statistician, None).await;
        let (_, feed) = get(&app, "/events?limit=100", &stat).await;
        let kinds: Vec<&str> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["aggregate_type"] == "market_sale")
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["listed_opened", "not_sold", "relisted", "applied", "sold"]
        );
    }
);

both!(
    a_sealed_auction_takes_every_bid_made_together_and_hides_them_until_the_close,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let id = listing(&app, &owner, "auction").await;
        let bidders = enterprises(&app, 12).await;
        let now = app.state.clock.now();
        let (s, sale) = post(&app, &format!("/listings/{id}/market-sales"), &owner, json!({
            "kind": "auction",
            "starts_at": (now + Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Millis, true),
            "ends_at": (now + Duration::hours(2)).to_rfc3339_opts(SecondsFormat::Millis, true),
            "auction": {"starting_price_fen": PRICE, "reserve_fen": PRICE * 2, "increment_fen": 1_000_000, "sealed": true}
        })).await;
        assert_eq!(s, StatusCode::CREATED, "{sale}");
        assert!(
            sale["rules"]["reserve_fen"].is_i64(),
            "the seller sees the reserve"
        );
        let sid = sale["id"].as_str().unwrap().to_string();
        let at = |p: &str| format!("/market-sales/{sid}{p}");
        for b in &bidders {
            let (s, v) = post(&app, &at("/bidders"), b, json!(null)).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        app.state.clock.advance(Duration::minutes(119));
        // Every bidder in the last minute, at once: each bid judged, none lost, none twice.
        let bids = futures::future::join_all(bidders.iter().enumerate().map(|(i, b)| {
            let app = &app;
            let path = at("/bids");
            async move {
                post(
                    app,
                    &path,
                    b,
                    json!({"amount_fen": PRICE + (i as i64) * 10_000_000}),
                )
                .await
            }
        }))
        .await;
        for (s, v) in &bids {
            assert_eq!(*s, StatusCode::OK, "{v}");
        }
        // Each sees only its own bid, and no reserve.
        let (_, mine) = get(&app, &at(""), &bidders[0]).await;
        assert_eq!(mine["bids"].as_array().unwrap().len(), 1, "{mine}");
        assert!(mine["rules"]["reserve_fen"].is_null());
        let (_, all) = get(&app, &at(""), &owner).await;
        assert_eq!(all["bids"].as_array().unwrap().len(), 12);
        // The feed announces bids, not their amounts.
        let stat = app.user(Role::Statistician, None).await;
        let (_, feed) = get(&app, "/events?limit=100", &stat).await;
        let placed: Vec<&Value> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event_type"] == "bid_placed")
            .collect();
        assert_eq!(placed.len(), 12);
        assert!(
            placed
                .iter()
                .all(|e| e["payload"]["event"]["bid"].get("amount_fen").is_none()),
            "{feed}"
        );
        // A bid in the last minutes extended the end; at the new end the highest wins.
        let ends = chrono::DateTime::parse_from_rfc3339(all["ends_at"].as_str().unwrap()).unwrap();
        assert!(ends.with_timezone(&chrono::Utc) > now + Duration::hours(2));
        app.state.clock.advance(Duration::minutes(10));
        let v = close(&app, &sid, &owner).await;
        assert_eq!(v["deal"]["price_fen"], PRICE + 110_000_000);
        assert_eq!(v["deal"]["buyer_id"], bidders[11].id.to_string());
        // The auction's deal becomes a registered contract in the statistics.
        let c = register_deal(&app, &sid, &owner).await;
        assert_eq!(c["content"]["contract_amount_fen"], PRICE + 110_000_000);
        assert_eq!(stats_total(&app).await, PRICE + 110_000_000);
    }
);

both!(
    open_bids_racing_for_one_auction_are_each_kept_once_or_refused,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let id = listing(&app, &owner, "auction").await;
        let bidders = enterprises(&app, 8).await;
        let now = app.state.clock.now();
        let (_, sale) = post(&app, &format!("/listings/{id}/market-sales"), &owner, json!({
            "kind": "auction",
            "starts_at": (now + Duration::minutes(10)).to_rfc3339_opts(SecondsFormat::Millis, true),
            "ends_at": (now + Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Millis, true),
            "auction": {"starting_price_fen": PRICE, "increment_fen": 1_000_000}
        })).await;
        let sid = sale["id"].as_str().unwrap().to_string();
        for b in &bidders {
            post(
                &app,
                &format!("/market-sales/{sid}/bidders"),
                b,
                json!(null),
            )
            .await;
        }
        app.state.clock.advance(Duration::minutes(10));
        // Each bidder raises five times, all at once: every accepted bid is on the sale once,
        // and the accepted ones climb by at least the increment in the order they were kept.
        let path = format!("/market-sales/{sid}/bids");
        let attempts = futures::future::join_all((0..40).map(|k| {
            let (app, path, b) = (&app, path.clone(), &bidders[k % 8]);
            let bid_id = Uuid::now_v7();
            async move {
                let (s, _) = post(
                    app,
                    &path,
                    b,
                    json!({"bid_id": bid_id, "amount_fen": PRICE + (k as i64) * 1_000_000}),
                )
                .await;
                (bid_id, s)
            }
        }))
        .await;
        for (_, s) in &attempts {
            assert!(
                matches!(*s, StatusCode::OK | StatusCode::UNPROCESSABLE_ENTITY),
                "{s}"
            );
        }
        let (_, v) = get(&app, &format!("/market-sales/{sid}"), &owner).await;
        let kept: Vec<(String, i64)> = v["bids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().unwrap().to_string(),
                    b["amount_fen"].as_i64().unwrap(),
                )
            })
            .collect();
        let accepted: std::collections::BTreeSet<String> = attempts
            .iter()
            .filter(|(_, s)| *s == StatusCode::OK)
            .map(|(id, _)| id.to_string())
            .collect();
        let kept_ids: std::collections::BTreeSet<String> =
            kept.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(kept_ids.len(), kept.len(), "no bid twice");
        assert_eq!(
            kept_ids, accepted,
            "every accepted bid kept, no refused one"
        );
        assert!(
            kept.windows(2).all(|w| w[1].1 >= w[0].1 + 1_000_000),
            "{kept:?}"
        );
        assert!(!kept.is_empty());
    }
);

both!(
    a_job_related_listings_market_price_is_noticed_before_its_contract_is_registered,
    |app: TestApp| async move {
        let institution = app.organization("重庆大学", "022", "500106").await;
        let owner = app.user(Role::Researcher, Some(institution)).await;
        let tto = app.user(Role::InstitutionAdmin, Some(institution)).await;
        let mut body = listing_body("职务发明：固态电解质");
        body["job_related"] = json!(true);
        body["institution_id"] = json!(institution);
        let id = app.draft(&owner, &body).await;
        assert_eq!(
            app.command(id, "submit", &owner.token, None).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            app.command(id, "publish", &tto.token, None).await.status(),
            StatusCode::OK
        );
        let [acme]: [TestUser; 1] = enterprises(&app, 1).await.try_into().ok().unwrap();
        // The institution's office puts it up.
        let (s, sale) = post(
            &app,
            &format!("/listings/{id}/market-sales"),
            &tto,
            json!({"kind": "listed", "price_fen": PRICE, "period_days": 5, "auction": rules()}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{sale}");
        let sid = sale["id"].as_str().unwrap().to_string();
        let (s, _) = post(
            &app,
            &format!("/market-sales/{sid}/applications"),
            &acme,
            json!({}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        app.state.clock.advance(Duration::days(5));
        let v = close(&app, &sid, &acme).await;
        assert_eq!(v["phase"], "sold", "{v}");
        assert!(v["deal"]["notice_ends_at"].is_string(), "{v}");

        let (s, draft) = get(&app, &format!("/market-sales/{sid}/contract-draft"), &owner).await;
        assert_eq!(s, StatusCode::OK, "{draft}");
        assert_eq!(draft["seller"]["name"], "重庆大学");
        let (s, c) = post(&app, "/contracts", &owner, draft).await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let cid = c["id"].as_str().unwrap().to_string();
        let registrar = app.user(Role::Registrar, None).await;
        let (s, _) = post(
            &app,
            &format!("/contracts/{cid}/accept"),
            &registrar,
            json!(null),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let register = json!({"registration_number": format!("J{}", &cid[..8])});
        let (s, v) = post(
            &app,
            &format!("/contracts/{cid}/register"),
            &registrar,
            register.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("公示"), "{v}");
        app.state.clock.advance(Duration::days(15));
        let (s, v) = post(
            &app,
            &format!("/contracts/{cid}/register"),
            &registrar,
            register,
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("registered")),
            "{v}"
        );
    }
);

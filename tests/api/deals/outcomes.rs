//! What a registered contract does to the listing and the demand it names (issue 17, item 1): a
//! non-exclusive licence is recorded on the listing, which stays published and negotiable; an
//! assignment then transfers it; a contract answering a demand closes the demand as fulfilled;
//! and offers are held to the deals the listing offers.

use reqwest::StatusCode;
use serde_json::json;
use techmarket::domain::Role;
use uuid::Uuid;

use super::steps::{
    agree, eventually, followed_past, get, opened, post, register, submit_draft, terms,
};
use crate::both;
use crate::helpers::{demand_body, listing_body, TestApp};

/// 50万元: below the expert-review threshold, so a registrar registers it at once.
const PRICE: i64 = 50_000_000;

both!(
    a_non_exclusive_licence_is_recorded_and_an_assignment_then_transfers_the_listing,
    |app: TestApp| async move {
        let seller = app.user(Role::Researcher, None).await;
        let registrar = app.user(Role::Registrar, None).await;
        let mut body = listing_body("钠离子电池硬碳负极材料");
        body["transfer_modes"] = json!(["assignment", "non_exclusive_license"]);
        let listing = app.published(&seller, &body).await;
        let path = format!("/listings/{listing}");

        // A first enterprise licenses it, non-exclusively, answering its own demand.
        let first_org = app.organization("重庆某新能源公司", "150", "500112").await;
        let first = app.user(Role::Enterprise, Some(first_org)).await;
        let demand = app
            .published_demand(
                &first,
                &demand_body("technical_problem", "硬碳负极材料需求"),
            )
            .await;
        let talks = opened(&app, listing, &first, Some(demand)).await;
        agree(
            &app,
            &talks,
            &first,
            &seller,
            terms("license", Some("non_exclusive"), PRICE),
        )
        .await;
        let draft = format!("/negotiations/{talks}/contract-draft");
        let (_, licence) = submit_draft(&app, &draft, &seller, &seller).await;
        register(&app, &licence, &registrar).await;

        // The licence is recorded; the listing stays published, in the catalogue too.
        let l = eventually(&app, &path, &seller, |l| {
            l["contracts"].as_array().unwrap().len() == 1
        })
        .await;
        assert_eq!(l["status"], "published", "{l}");
        assert_eq!(l["transferred_by_contract"], json!(null));
        let recorded = &l["contracts"][0];
        assert_eq!(
            (
                recorded["contract_id"].as_str(),
                recorded["contract_type"].as_str(),
                recorded["subtype"].as_str()
            ),
            (
                Some(licence.as_str()),
                Some("license"),
                Some("non_exclusive")
            ),
            "{l}"
        );
        let (s, page) = get(&app, "/listings?state=published&limit=100", &first).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let entry = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == json!(listing))
            .cloned();
        assert_eq!(
            entry.map(|e| e["contracts"].clone()),
            Some(l["contracts"].clone())
        );

        // The demand it answered is closed as fulfilled.
        let d = eventually(&app, &format!("/demands/{demand}"), &first, |d| {
            d["status"] == "closed"
        })
        .await;
        assert_eq!(d["close_reason"], "fulfilled", "{d}");

        // Another enterprise may still negotiate, but only for what the listing offers.
        let second = app.user(Role::Enterprise, None).await;
        let talks = opened(&app, listing, &second, None).await;
        let offers = format!("/negotiations/{talks}/offers");
        for (ty, sub, field) in [
            ("development", Some("cooperative"), "terms.contract_type"),
            ("consulting", None, "terms.contract_type"),
            ("license", Some("exclusive"), "terms.contract_subtype"),
        ] {
            let (s, v) = post(&app, &offers, &second, terms(ty, sub, PRICE)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{ty} {sub:?}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{v}");
            let message = v["errors"][0]["message"].as_str().unwrap();
            assert!(
                message.contains("assignment, non_exclusive_license"),
                "{message}"
            );
        }
        let (_, n) = get(&app, &format!("/negotiations/{talks}"), &second).await;
        assert_eq!(
            n["offers"],
            json!([]),
            "a refused offer leaves nothing: {n}"
        );

        // An assignment ends the listing's availability.
        agree(
            &app,
            &talks,
            &second,
            &seller,
            terms("transfer", Some("patent_right"), PRICE * 2),
        )
        .await;
        let draft = format!("/negotiations/{talks}/contract-draft");
        let (_, assignment) = submit_draft(&app, &draft, &seller, &seller).await;
        register(&app, &assignment, &registrar).await;
        let l = eventually(&app, &path, &seller, |l| l["status"] == "transferred").await;
        assert_eq!(l["transferred_by_contract"], json!(assignment));
        assert_eq!(l["contracts"].as_array().unwrap().len(), 1, "{l}");

        // The history tells it in order, by the platform.
        let (_, h) = get(&app, &format!("{path}/history"), &seller).await;
        let kinds: Vec<&str> = h["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds[kinds.len() - 2..],
            ["contract_recorded", "transferred"],
            "{h}"
        );
        assert_eq!(
            h["items"][kinds.len() - 2]["actor"]["user_id"],
            json!(Uuid::nil()),
            "{h}"
        );

        // Nobody opens a negotiation on it any more.
        let third = app.user(Role::Enterprise, None).await;
        let (s, v) = post(
            &app,
            "/negotiations",
            &third,
            json!({"listing_id": listing}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
);

both!(
    an_exclusive_licence_transfers_the_listing_and_a_closed_demand_stays_as_it_closed,
    |app: TestApp| async move {
        let seller = app.user(Role::Researcher, None).await;
        let registrar = app.user(Role::Registrar, None).await;
        let listing = app
            .published(&seller, &listing_body("固态电解质薄膜"))
            .await;
        let org = app.organization("重庆某电池公司", "160", "500109").await;
        let buyer = app.user(Role::Enterprise, Some(org)).await;
        let demand = app
            .published_demand(&buyer, &demand_body("scene", "固态电池应用场景"))
            .await;
        let talks = opened(&app, listing, &buyer, Some(demand)).await;
        agree(
            &app,
            &talks,
            &buyer,
            &seller,
            terms("license", Some("exclusive"), PRICE),
        )
        .await;
        // The buyer cancels the demand before the contract is registered: it stays cancelled.
        let (s, v) = post(
            &app,
            &format!("/demands/{demand}/close"),
            &buyer,
            json!({"reason": "cancelled"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let draft = format!("/negotiations/{talks}/contract-draft");
        let (_, id) = submit_draft(&app, &draft, &seller, &seller).await;
        register(&app, &id, &registrar).await;

        let l = eventually(&app, &format!("/listings/{listing}"), &seller, |l| {
            l["status"] == "transferred"
        })
        .await;
        assert_eq!(
            (l["transferred_by_contract"].clone(), l["contracts"].clone()),
            (json!(id), json!([]))
        );
        // Once the demand's policy has read past the registration, the demand is unchanged.
        followed_past(
            &app,
            "demand_fulfilled_on_registration",
            app.log_head().await,
        )
        .await;
        let (_, d) = get(&app, &format!("/demands/{demand}"), &buyer).await;
        assert_eq!(d["close_reason"], "cancelled", "{d}");
        assert_eq!(d["version"], json!(3), "created, published, closed: {d}");
    }
);

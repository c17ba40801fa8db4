//! A refusal while a price public notice (公示) runs says when it ends (issue 17, item 9): the
//! instant, as the views write it, in the Chinese and the English message; for a job-related
//! listing's notice and for the notice of a market sale's price.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;
use uuid::Uuid;

use super::steps::{agree, created, get, opened, post, submit_draft, terms};
use crate::both;
use crate::helpers::{listing_body, TestApp, TestUser};

const PRICE: i64 = 30_000_000;

/// A job-related listing of a new university, published by its office.
struct Job {
    listing: Uuid,
    owner: TestUser,
    office: TestUser,
}

async fn job_related(app: &TestApp, pricing: &str) -> Job {
    let university = app.organization("重庆理工大学", "022", "500113").await;
    let office = app.user(Role::InstitutionAdmin, Some(university)).await;
    let owner = app.user(Role::Researcher, Some(university)).await;
    let mut body = listing_body("职务发明：电池热管理");
    body["job_related"] = json!(true);
    body["institution_id"] = json!(university);
    body["pricing_mode"] = json!(pricing);
    if pricing != "listed" {
        body.as_object_mut().unwrap().remove("asking_price_fen");
    }
    let listing = app.draft(&owner, &body).await;
    for (verb, who) in [("submit", &owner), ("publish", &office)] {
        let status = app.command(listing, verb, &who.token, None).await.status();
        assert_eq!(status, StatusCode::OK, "{verb}");
    }
    Job {
        listing,
        owner,
        office,
    }
}

/// The 409's detail, after checking it names `end` in both languages.
fn says_when_it_ends(status: StatusCode, v: &Value, end: &str) -> String {
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let detail = v["detail"].as_str().unwrap().to_string();
    assert!(detail.contains(&format!("公示期至 {end} 结束")), "{detail}");
    assert!(detail.contains(&format!("runs until {end}")), "{detail}");
    detail
}

both!(
    registering_before_the_listings_price_notice_ends_is_refused_with_its_end,
    |app: TestApp| async move {
        let job = job_related(&app, "negotiated").await;
        let registrar = app.user(Role::Registrar, None).await;
        let buyer = app.user(Role::Enterprise, None).await;
        let talks = opened(&app, job.listing, &buyer, None).await;
        agree(
            &app,
            &talks,
            &buyer,
            &job.owner,
            terms("transfer", Some("patent_right"), PRICE),
        )
        .await;
        let draft = format!("/negotiations/{talks}/contract-draft");
        let (_, id) = submit_draft(&app, &draft, &job.office, &job.office).await;
        let (s, v) = post(
            &app,
            &format!("/contracts/{id}/accept"),
            &registrar,
            json!(null),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let register = format!("/contracts/{id}/register");
        let number = json!({"registration_number": format!("P{}", id.replace('-', ""))});

        // No notice yet: refused, saying so.
        let (s, v) = post(&app, &register, &registrar, number.clone()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("has not been started"),
            "{v}"
        );

        // A notice runs: refused with the instant it ends, as the listing shows it.
        let notice = format!("/listings/{}/price-notice", job.listing);
        let (s, l) = post(&app, &notice, &job.office, json!({"days": 15})).await;
        assert_eq!(s, StatusCode::OK, "{l}");
        let end = l["price_notice"]["ends_at"].as_str().unwrap().to_string();
        let (s, v) = post(&app, &register, &registrar, number.clone()).await;
        says_when_it_ends(s, &v, &end);
        // So does a second notice asked for meanwhile.
        let (s, v) = post(&app, &notice, &job.office, json!({"days": 5})).await;
        says_when_it_ends(s, &v, &end);

        // From its end on, the contract is registered.
        app.state.clock.advance(Duration::days(15));
        let (s, v) = post(&app, &register, &registrar, number).await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("registered")),
            "{v}"
        );
    }
);

both!(
    registering_a_market_deal_under_price_notice_is_refused_with_its_end,
    |app: TestApp| async move {
        let job = job_related(&app, "listed").await;
        let registrar = app.user(Role::Registrar, None).await;
        let company = app.organization("重庆某储能公司", "150", "500112").await;
        let buyer = app.user(Role::Enterprise, Some(company)).await;
        let rules =
            json!({"increment_fen": 1_000_000, "duration_minutes": 30, "extension_minutes": 5});
        let sale = created(
            post(
                &app,
                &format!("/listings/{}/market-sales", job.listing),
                &job.office,
                json!({"kind": "listed", "price_fen": PRICE, "period_days": 5, "auction": rules}),
            )
            .await,
        );
        let (s, v) = post(
            &app,
            &format!("/market-sales/{sale}/applications"),
            &buyer,
            json!({}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        app.state.clock.advance(Duration::days(5));
        let (s, v) = post(
            &app,
            &format!("/market-sales/{sale}/close"),
            &buyer,
            json!(null),
        )
        .await;
        assert!(matches!(s, StatusCode::OK | StatusCode::CONFLICT), "{v}");
        let (_, v) = get(&app, &format!("/market-sales/{sale}"), &buyer).await;
        assert_eq!(v["phase"], "sold", "{v}");
        let end = v["deal"]["notice_ends_at"].as_str().unwrap().to_string();

        // The office reads the sale's draft and submits it as it is.
        let draft = format!("/market-sales/{sale}/contract-draft");
        let (d, id) = submit_draft(&app, &draft, &job.office, &job.office).await;
        assert_eq!(d["seller"]["name"], "重庆理工大学", "{d}");
        let (s, v) = post(
            &app,
            &format!("/contracts/{id}/accept"),
            &registrar,
            json!(null),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let number = json!({"registration_number": format!("M{}", id.replace('-', ""))});
        let (s, v) = post(
            &app,
            &format!("/contracts/{id}/register"),
            &registrar,
            number,
        )
        .await;
        says_when_it_ends(s, &v, &end);
    }
);

//! The contract drafts of deals can be submitted as they stand (issue 17, item 3): a party
//! without an organization is the person as an individual, named after them, in the listing's
//! region; the seller of a job-related listing is its institution, whose office reads the draft
//! and submits it.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;

use super::steps::{agree, created, get, opened, post, submit_draft, terms};
use crate::both;
use crate::helpers::{listing_body, TestApp};

const PRICE: i64 = 80_000_000;

/// The party a person without an organization is, as the draft fills it in.
fn individual() -> Value {
    json!({"organization_id": null, "name": "测试用户", "party_nature": "400",
        "region": "500106", "zone": null})
}

both!(
    a_negotiations_draft_between_people_without_organizations_is_submitted_as_it_is,
    |app: TestApp| async move {
        let seller = app.user(Role::Researcher, None).await;
        let buyer = app.user(Role::Enterprise, None).await;
        let listing = app
            .published(&seller, &listing_body("高镍正极材料烧结工艺"))
            .await;
        let talks = opened(&app, listing, &buyer, None).await;
        agree(
            &app,
            &talks,
            &buyer,
            &seller,
            terms("transfer", Some("patent_right"), PRICE),
        )
        .await;

        let path = format!("/negotiations/{talks}/contract-draft");
        let (draft, id) = submit_draft(&app, &path, &seller, &seller).await;
        assert_eq!(
            (draft["seller"].clone(), draft["buyer"].clone()),
            (individual(), individual())
        );
        let (s, c) = get(&app, &format!("/contracts/{id}"), &seller).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["content"]["seller"]["party_nature"], "400", "{c}");
        assert_eq!(c["content"]["negotiation_id"], json!(talks));
        // The buyer reads the same draft; an outsider learns nothing of it.
        let (s, same) = get(&app, &path, &buyer).await;
        assert_eq!((s, same), (StatusCode::OK, draft));
        let outsider = app.user(Role::Enterprise, None).await;
        assert_eq!(get(&app, &path, &outsider).await.0, StatusCode::NOT_FOUND);
    }
);

both!(
    the_institutions_office_reads_and_submits_the_draft_of_its_job_related_listing,
    |app: TestApp| async move {
        let university = app.organization("重庆大学", "022", "500106").await;
        let office = app.user(Role::InstitutionAdmin, Some(university)).await;
        let elsewhere = app.organization("西南大学", "022", "500109").await;
        let other_office = app.user(Role::InstitutionAdmin, Some(elsewhere)).await;
        // The inventor belongs to no organization on the platform; the university owns the
        // job-related achievement.
        let owner = app.user(Role::Researcher, None).await;
        let mut body = listing_body("职务发明：锂电池隔膜涂层");
        body["job_related"] = json!(true);
        body["institution_id"] = json!(university);
        let listing = app.draft(&owner, &body).await;
        assert_eq!(
            app.command(listing, "submit", &owner.token, None)
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            app.command(listing, "publish", &office.token, None)
                .await
                .status(),
            StatusCode::OK
        );
        let company = app.organization("重庆某汽车公司", "160", "500112").await;
        let buyer = app.user(Role::Enterprise, Some(company)).await;
        let talks = opened(&app, listing, &buyer, None).await;
        agree(
            &app,
            &talks,
            &buyer,
            &owner,
            terms("license", Some("exclusive"), PRICE),
        )
        .await;

        let path = format!("/negotiations/{talks}/contract-draft");
        let (s, v) = get(&app, &path, &other_office).await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "another institution's office: {v}"
        );
        let (draft, id) = submit_draft(&app, &path, &office, &office).await;
        assert_eq!(
            (
                draft["seller"]["organization_id"].clone(),
                draft["seller"]["name"].clone(),
                draft["seller"]["party_nature"].clone()
            ),
            (json!(university), json!("重庆大学"), json!("022")),
            "{draft}"
        );
        assert_eq!(draft["buyer"]["organization_id"], json!(company));
        let (s, c) = get(&app, &format!("/contracts/{id}"), &office).await;
        assert_eq!(
            (s, c["status"].as_str()),
            (StatusCode::OK, Some("submitted")),
            "{c}"
        );
    }
);

both!(
    a_market_sales_draft_by_an_owner_without_an_organization_is_submitted_as_it_is,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let listing = app.published(&owner, &listing_body("钠电正极前驱体")).await;
        let company = app.organization("重庆某材料公司", "150", "500112").await;
        let buyer = app.user(Role::Enterprise, Some(company)).await;
        let rules =
            json!({"increment_fen": 1_000_000, "duration_minutes": 30, "extension_minutes": 5});
        let sale = created(
            post(
                &app,
                &format!("/listings/{listing}/market-sales"),
                &owner,
                json!({"kind": "listed", "price_fen": PRICE, "period_days": 3, "auction": rules}),
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
        app.state.clock.advance(Duration::days(3));
        // The service's own sweep may close it first; either way it is sold.
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

        let path = format!("/market-sales/{sale}/contract-draft");
        let (draft, _) = submit_draft(&app, &path, &owner, &owner).await;
        assert_eq!(draft["seller"], individual());
        assert_eq!(draft["buyer"]["organization_id"], json!(company));
        assert_eq!(draft["contract_amount_fen"], PRICE);
    }
);

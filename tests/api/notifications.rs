//! Notifications: derived from the log for the people concerned, once each, into an inbox with
//! per-kind mail preferences.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use techmarket::domain::Role;
use techmarket::notifications::follower::Notifier;
use techmarket::policies::follower;

use crate::both;
use crate::helpers::{json_of, kinds, listing_body, TestApp};

fn terms(price_fen: i64) -> Value {
    json!({"terms": {
        "contract_type": "license", "contract_subtype": "exclusive", "price_fen": price_fen,
        "payment": {"kind": "lump_sum"}, "term_months": 60, "territory": "中国大陆",
        "exclusivity": "exclusive"
    }})
}

both!(
    a_negotiation_tells_each_party_what_the_other_did,
    |app: TestApp| async move {
        let seller = app.user(Role::Researcher, None).await;
        let listing = app
            .published(&seller, &listing_body("钠离子电池负极材料"))
            .await;
        // The seller hears the listing went out; the reviewer who published it hears nothing.
        let v = app.inbox(&seller, 1).await;
        assert_eq!(kinds(&v), ["listing_published"]);
        assert_eq!(v["items"][0]["data"]["title"], "钠离子电池负极材料");
        assert_eq!(v["items"][0]["link"], format!("/api/v1/listings/{listing}"));
        assert_ne!(v["items"][0]["mail_status"], "off");

        let buyer = app.user(Role::Enterprise, None).await;
        let (s, n) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": listing, "message": "希望独占许可"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{n}");
        let id = n["id"].as_str().unwrap().to_string();
        let path = |verb: &str| format!("/api/v1/negotiations/{id}/{verb}");
        let ok = |r: reqwest::Response| async move {
            let (s, v) = json_of(r).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        };
        ok(app.post(&path("nda"), Some(&buyer.token), None).await).await;
        ok(app.post(&path("nda"), Some(&seller.token), None).await).await;
        ok(app
            .post(
                &path("offers"),
                Some(&buyer.token),
                Some(&terms(3_000_000_000)),
            )
            .await)
        .await;
        let v = ok(app
            .post(
                &path("offers"),
                Some(&seller.token),
                Some(&terms(5_000_000_000)),
            )
            .await)
        .await;
        let counter = v["offers"][1]["id"].as_str().unwrap().to_string();
        ok(app
            .post(
                &path("accept"),
                Some(&buyer.token),
                Some(&json!({"offer_id": counter})),
            )
            .await)
        .await;

        // The seller: published, NDA signed by the buyer, an offer received, their counter
        // accepted. Unread first, newest first: here all are unread.
        let v = app.inbox(&seller, 4).await;
        assert_eq!(
            kinds(&v),
            [
                "offer_accepted",
                "offer_received",
                "nda_signed",
                "listing_published"
            ]
        );
        assert_eq!(v["unread"], 4);
        assert_eq!(v["items"][2]["data"]["side"], "buyer");
        // The buyer: the seller's NDA signature and counter-offer.
        let v = app.inbox(&buyer, 2).await;
        assert_eq!(kinds(&v), ["offer_countered", "nda_signed"]);
        assert_eq!(v["items"][0]["data"]["offer_id"], counter.as_str());

        // A replay of the whole log tells nobody anything twice.
        let sql_count = |app: &TestApp| {
            let db = app.state.db.clone();
            async move {
                db.read()
                    .await
                    .unwrap()
                    .conn()
                    .fetch_one("SELECT COUNT(*) AS n FROM notifications", &[])
                    .await
                    .unwrap()
                    .i64("n")
                    .unwrap()
            }
        };
        let before = sql_count(&app).await;
        assert_eq!(before, 6);
        app.state
            .db
            .read()
            .await
            .unwrap()
            .conn()
            .execute(
                "UPDATE policy_checkpoints SET position = 0 WHERE name = 'notifications'",
                &[],
            )
            .await
            .unwrap();
        while follower::catch_up_once(&Notifier, &app.state)
            .await
            .unwrap()
        {}
        assert_eq!(sql_count(&app).await, before);
    }
);

both!(
    the_inbox_pages_unread_first_and_marks_read,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        for i in 0..5 {
            app.published(&owner, &listing_body(&format!("成果{i}")))
                .await;
        }
        let all = app.inbox(&owner, 5).await;
        let ids: Vec<String> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            all["items"][0]["data"]["title"], "成果4",
            "newest first: {all}"
        );

        // Mark the newest and the third read: they go to the end, the rest keep their order.
        for id in [&ids[0], &ids[2]] {
            let r = app
                .post(
                    &format!("/api/v1/me/notifications/{id}/read"),
                    Some(&owner.token),
                    None,
                )
                .await;
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        }
        // Twice is fine.
        let again = app
            .post(
                &format!("/api/v1/me/notifications/{}/read", ids[0]),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(again.status(), StatusCode::NO_CONTENT);

        // Two at a time, following the cursor.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = match &cursor {
                Some(c) => format!("/api/v1/me/notifications?limit=2&cursor={c}"),
                None => "/api/v1/me/notifications?limit=2".into(),
            };
            let (s, v) = json_of(app.get(&q, Some(&owner.token)).await).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            assert_eq!(v["unread"], 3);
            for n in v["items"].as_array().unwrap() {
                seen.push((
                    n["id"].as_str().unwrap().to_string(),
                    n["read_at"].is_string(),
                ));
            }
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let expected: Vec<(String, bool)> = [1, 3, 4, 0, 2]
            .iter()
            .map(|i| (ids[*i].clone(), *i == 0 || *i == 2))
            .collect();
        assert_eq!(seen, expected);

        let (_, unread) = json_of(
            app.get("/api/v1/me/notifications?unread=true", Some(&owner.token))
                .await,
        )
        .await;
        assert_eq!(unread["items"].as_array().unwrap().len(), 3);

        let (s, v) = json_of(
            app.post(
                "/api/v1/me/notifications/read-all",
                Some(&owner.token),
                None,
            )
            .await,
        )
        .await;
        assert_eq!((s, v["marked_read"].as_i64()), (StatusCode::OK, Some(3)));
        assert_eq!(app.inbox(&owner, 5).await["unread"], 0);

        // Somebody else's notification is nobody's: 404, and it stays unread for its owner.
        let other = app.user(Role::Researcher, None).await;
        app.published(&other, &listing_body("别人的成果")).await;
        let theirs = app.inbox(&other, 1).await["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app
            .post(
                &format!("/api/v1/me/notifications/{theirs}/read"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.inbox(&other, 1).await["unread"], 1);
    }
);

both!(
    mail_preferences_per_kind_and_the_ones_that_cannot_be_turned_off,
    |app: TestApp| async move {
        let owner = app.user(Role::Researcher, None).await;
        let (s, v) = json_of(
            app.get("/api/v1/me/notification-preferences", Some(&owner.token))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let published = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "listing_published")
            .unwrap()
            .clone();
        assert_eq!(
            (
                published["mail"].as_bool(),
                published["mandatory"].as_bool()
            ),
            (Some(true), Some(false))
        );

        let put = |body: Value| {
            let app = &app;
            let token = owner.token.clone();
            async move {
                let r = app
                    .request(
                        Method::PUT,
                        "/api/v1/me/notification-preferences",
                        Some(&token),
                        Some(&body),
                    )
                    .await;
                json_of(r).await
            }
        };
        // A mandatory kind cannot be silenced, an unknown kind is named: nothing is changed.
        let (s, v) = put(json!({"mail": {
            "listing_published": false,
            "listing_returned": false,
            "weather": true
        }}))
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["mail.listing_returned", "mail.weather"]);
        let (s, v) = put(json!({"mail": {"listing_published": false}})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "listing_published" && p["mail"] == false));

        // Turned off: the next one is in the inbox but not to be mailed.
        let id = app.published(&owner, &listing_body("静音的成果")).await;
        let v = app.inbox(&owner, 1).await;
        assert_eq!(
            (
                v["items"][0]["kind"].as_str(),
                v["items"][0]["mail_status"].as_str()
            ),
            (Some("listing_published"), Some("off"))
        );
        // A return is mandatory: mailed whatever the settings say.
        let reviewer = app.user(Role::TechManager, None).await;
        let draft = app.draft(&owner, &listing_body("待修改的成果")).await;
        assert_eq!(
            app.post(
                &format!("/api/v1/listings/{draft}/submit"),
                Some(&owner.token),
                None
            )
            .await
            .status(),
            StatusCode::OK
        );
        let r = app
            .post(
                &format!("/api/v1/listings/{draft}/return"),
                Some(&reviewer.token),
                Some(&json!({"reasons": ["缺少专利号"]})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let v = app.inbox(&owner, 2).await;
        let returned = &v["items"][0];
        assert_eq!(returned["kind"], "listing_returned");
        assert_ne!(returned["mail_status"], "off", "{returned}");
        assert_eq!(returned["data"]["reasons"], json!(["缺少专利号"]));
        assert_ne!(returned["aggregate_id"], json!(id));
    }
);

both!(
    bad_inbox_requests_are_refused_plainly,
    |app: TestApp| async move {
        let user = app.user(Role::Enterprise, None).await;
        for q in [
            "limit=0",
            "limit=-1",
            "limit=101",
            "cursor=not-a-cursor",
            "cursor=MS4y",
            "unread=maybe",
            "colour=red",
        ] {
            let r = app
                .get(&format!("/api/v1/me/notifications?{q}"), Some(&user.token))
                .await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
            assert_eq!(
                r.headers()["content-type"],
                "application/problem+json",
                "{q}"
            );
        }
        for id in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"] {
            let r = app
                .post(
                    &format!("/api/v1/me/notifications/{id}/read"),
                    Some(&user.token),
                    None,
                )
                .await;
            assert!(r.status().is_client_error(), "{id}: {}", r.status());
        }
        assert_eq!(
            app.get("/api/v1/me/notifications", None).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let r = app
            .request(
                Method::PUT,
                "/api/v1/me/notification-preferences",
                Some(&user.token),
                Some(&json!({"mail": {"listing_published": "yes"}})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
);

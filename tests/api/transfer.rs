//! Concept verification, the TRL policy, and brokered negotiations (issue 4).

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::listing::{ListingAction, Trl};
use techmarket::domain::{Actor, Command, Role};
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, TestUser};

fn request_body(app: &TestApp, listing: Uuid, provider_org: Uuid) -> Value {
    let today = china_date(app.state.clock.now());
    json!({
        "stage": "concept_verification",
        "listing_id": listing,
        "provider_organization_id": provider_org,
        "services": ["principle_validation", "prototype"],
        "trl_target": 6,
        "budget_fen": 80_000_000i64,
        "funding_source": "government",
        "schedule": {"start": today.to_string(), "end": (today + Duration::days(90)).to_string()},
        "description": "验证高镍正极材料在 10 Ah 软包电池中的循环性能。"
    })
}

fn terms(price_fen: i64, payment: Value) -> Value {
    json!({"terms": {
        "contract_type": "license", "contract_subtype": "exclusive", "price_fen": price_fen,
        "payment": payment, "term_months": 60, "territory": "中国大陆", "exclusivity": "exclusive"
    }})
}

struct Cast {
    researcher: TestUser,
    listing: Uuid,
    provider: TestUser,
    provider_org: Uuid,
}

async fn cast(app: &TestApp) -> Cast {
    let researcher = app.user(Role::Researcher, None).await;
    let mut body = listing_body("高镍三元锂电池正极材料制备技术");
    body["trl"] = json!(4);
    let listing = app.published(&researcher, &body).await;
    let provider_org = app.organization("重庆概念验证中心", "021", "500106").await;
    let provider = app.user(Role::Provider, Some(provider_org)).await;
    Cast {
        researcher,
        listing,
        provider,
        provider_org,
    }
}

async fn listing_trl(app: &TestApp, id: Uuid) -> i64 {
    json_of(app.get(&format!("/api/v1/listings/{id}"), None).await)
        .await
        .1["trl"]
        .as_i64()
        .unwrap()
}

async fn wait_for_trl(app: &TestApp, id: Uuid, trl: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while listing_trl(app, id).await != trl {
        assert!(
            std::time::Instant::now() < deadline,
            "the listing's TRL never became {trl}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Requested → accepted → milestone → completed (4 → 6), the request's id.
async fn verified(app: &TestApp, c: &Cast) -> Uuid {
    let (s, v) = json_of(
        app.post(
            "/api/v1/verification-requests",
            Some(&c.researcher.token),
            Some(&request_body(app, c.listing, c.provider_org)),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["content"]["trl_before"].as_i64()),
        (Some("requested"), Some(4))
    );
    let id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
    let base = format!("/api/v1/verification-requests/{id}");
    let (s, v) = json_of(
        app.post(
            &format!("{base}/accept"),
            Some(&c.provider.token),
            Some(&json!({"note": "本月启动"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{v}"
    );
    let milestone = json!({"title": "原理验证完成", "description": "首批样品 300 Wh/kg", "progress_percent": 50});
    let (s, v) = json_of(
        app.post(
            &format!("{base}/milestones"),
            Some(&c.provider.token),
            Some(&milestone),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("in_progress")),
        "{v}"
    );
    assert_eq!(v["milestones"][0]["progress_percent"], 50);
    let done = json!({"outcome": "success", "trl_after": 6, "report": "样机通过 500 次循环测试。"});
    let (s, v) = json_of(
        app.post(
            &format!("{base}/complete"),
            Some(&c.provider.token),
            Some(&done),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str(), v["trl_after"].as_i64()),
        (StatusCode::OK, Some("completed"), Some(6)),
        "{v}"
    );
    id
}

both!(
    verification_raises_the_listing_trl,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let request = verified(&app, &c).await;
        wait_for_trl(&app, c.listing, 6).await;
        // The history says the platform did it, on the strength of which request.
        let (_, h) = json_of(
            app.get(&format!("/api/v1/listings/{}/history", c.listing), None)
                .await,
        )
        .await;
        let revised: Vec<_> = h["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "trl_revised")
            .collect();
        assert_eq!(revised.len(), 1);
        assert_eq!(revised[0]["data"]["source"], request.to_string());
        assert_eq!(
            (
                revised[0]["data"]["from"].as_i64(),
                revised[0]["data"]["to"].as_i64()
            ),
            (Some(4), Some(6))
        );
        assert_eq!(revised[0]["actor"]["user_id"], Uuid::nil().to_string());

        // The provider's queue shows it; another provider's does not; the researcher sees their own.
        let (_, q) = json_of(
            app.get(
                "/api/v1/verification-requests?state=completed",
                Some(&c.provider.token),
            )
            .await,
        )
        .await;
        assert_eq!(q["items"][0]["id"], request.to_string());
        let other_org = app.organization("另一中试平台", "021", "500112").await;
        let other = app.user(Role::Provider, Some(other_org)).await;
        let (_, q) = json_of(
            app.get("/api/v1/verification-requests", Some(&other.token))
                .await,
        )
        .await;
        assert!(q["items"].as_array().unwrap().is_empty());
        assert_eq!(
            app.get(
                &format!("/api/v1/verification-requests/{request}"),
                Some(&other.token)
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
        let (_, q) = json_of(
            app.get("/api/v1/verification-requests", Some(&c.researcher.token))
                .await,
        )
        .await;
        assert_eq!(q["items"].as_array().unwrap().len(), 1);
        let enterprise = app.user(Role::Enterprise, None).await;
        assert_eq!(
            app.get("/api/v1/verification-requests", Some(&enterprise.token))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        // The feed says a verification completed, not what it found.
        let stat = app.user(Role::Statistician, None).await;
        let feed = app
            .get("/api/v1/events?limit=100", Some(&stat.token))
            .await
            .text()
            .await
            .unwrap();
        assert!(feed.contains("\"completed\""), "{feed}");
        for private in ["样机通过", "首批样品", "软包电池"] {
            assert!(!feed.contains(private), "the feed shows {private}");
        }
    }
);

both!(
    the_trl_policy_survives_its_crash_window,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let request = verified(&app, &c).await;
        wait_for_trl(&app, c.listing, 6).await;
        // Meanwhile the owner lowers the TRL by hand (a correction, no source).
        let owner = Actor {
            user_id: c.researcher.id,
            role: Role::Researcher,
            organization_id: None,
        };
        let lower = ListingAction::ReviseTrl {
            trl: Trl::parse("trl", 5).unwrap(),
            source: None,
        };
        app.state
            .aggregates
            .listings
            .execute(
                c.listing,
                None,
                Command::new(owner, app.state.clock.now(), lower),
            )
            .await
            .unwrap();

        // A crash after the listing was revised but before the checkpoint was saved means the
        // completion is handled again on restart. Handling it again must do nothing.
        let mut rc = app.state.db.read().await.unwrap();
        let entries =
            techmarket::store::log::stream(&mut rc.conn(), "verification_request", request)
                .await
                .unwrap();
        drop(rc);
        assert_eq!(
            techmarket::policies::trl::handle(&app.state, &entries)
                .await
                .unwrap(),
            0
        );
        // And so does replaying the whole log from a lost checkpoint.
        let mut tx = app.state.db.begin().await.unwrap();
        tx.conn()
            .execute("UPDATE policy_checkpoints SET position = 0", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        while techmarket::policies::follower::catch_up_once(
            &techmarket::policies::trl::TrlFromVerification,
            &app.state,
        )
        .await
        .unwrap()
        {}

        assert_eq!(
            listing_trl(&app, c.listing).await,
            5,
            "the old outcome was applied again"
        );
        let mut rc = app.state.db.read().await.unwrap();
        let listing_events = techmarket::store::log::stream(&mut rc.conn(), "listing", c.listing)
            .await
            .unwrap();
        let from_request = listing_events
            .iter()
            .filter(|e| {
                e.event_type == "trl_revised"
                    && e.payload_value().unwrap()["event"]["source"] == request.to_string()
            })
            .count();
        assert_eq!(from_request, 1);
        assert!(
            techmarket::policies::follower::checkpoint(&app.state.db, "trl_from_verification")
                .await
                .unwrap()
                >= entries.last().unwrap().position
        );
    }
);

both!(
    a_brokered_negotiation_with_nda_offers_and_agreement,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let buyer = app.user(Role::Enterprise, None).await;
        let broker = app.user(Role::TechManager, None).await;
        let (s, n) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": c.listing, "message": "希望独占许可"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{n}");
        let id = n["id"].as_str().unwrap().to_string();
        assert_eq!(
            (n["seller_id"].as_str(), n["status"].as_str()),
            (Some(c.researcher.id.to_string().as_str()), Some("open"))
        );
        let path = |verb: &str| format!("/api/v1/negotiations/{id}/{verb}");

        let (s, v) = json_of(
            app.post(
                &path("broker"),
                Some(&buyer.token),
                Some(&json!({"broker_id": broker.id})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["broker_id"].as_str()),
            (StatusCode::OK, Some(broker.id.to_string().as_str())),
            "{v}"
        );
        // Not a tech manager: refused.
        let (s, v) = json_of(
            app.post(
                &path("broker"),
                Some(&buyer.token),
                Some(&json!({"broker_id": c.provider.id})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("broker_id"))
        );

        // Before the NDA the buyer does not see the confidential detail.
        let detail = |token: String| {
            let app = &app;
            let listing = c.listing;
            async move {
                json_of(
                    app.get(&format!("/api/v1/listings/{listing}"), Some(&token))
                        .await,
                )
                .await
                .1
            }
        };
        assert!(detail(buyer.token.clone())
            .await
            .get("confidential_detail")
            .is_none());
        assert_eq!(
            app.post(&path("nda"), Some(&buyer.token), None)
                .await
                .status(),
            StatusCode::OK
        );
        assert!(
            detail(buyer.token.clone())
                .await
                .get("confidential_detail")
                .is_none(),
            "one signature is not an NDA"
        );
        let (s, v) = json_of(
            app.post(&path("nda"), Some(&c.researcher.token), None)
                .await,
        )
        .await;
        assert_eq!(
            (s, v["nda_complete"].as_bool()),
            (StatusCode::OK, Some(true))
        );
        assert!(detail(buyer.token.clone()).await["confidential_detail"]
            .as_str()
            .unwrap()
            .contains("SECRET-RECIPE"));
        let history = app
            .get(
                &format!("/api/v1/listings/{}/history", c.listing),
                Some(&buyer.token),
            )
            .await
            .text()
            .await
            .unwrap();
        assert!(history.contains("SECRET-RECIPE"));
        // Another enterprise still does not.
        let other = app.user(Role::Enterprise, None).await;
        assert!(detail(other.token.clone())
            .await
            .get("confidential_detail")
            .is_none());

        // Three rounds: buyer offers, seller counters, the broker counters for the buyer; the seller accepts.
        let offer = |token: String, body: Value| {
            let app = &app;
            let p = path("offers");
            async move { json_of(app.post(&p, Some(&token), Some(&body)).await).await }
        };
        let (s, v) = offer(
            buyer.token.clone(),
            terms(3_000_000_000, json!({"kind": "lump_sum"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = offer(
            c.researcher.token.clone(),
            terms(6_000_000_000, json!({"kind": "instalments", "count": 4})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let mut third = terms(4_500_000_000, json!({"kind": "royalty", "rate_bp": 350}));
        third["on_behalf_of"] = json!("buyer");
        let (s, v) = offer(broker.token.clone(), third.clone()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let offers = v["offers"].as_array().unwrap().clone();
        assert_eq!(offers.len(), 3);
        let latest = offers[2]["id"].as_str().unwrap().to_string();
        // Nobody accepts their own side's offer, the broker accepts nothing, only the latest counts.
        assert_eq!(
            app.post(
                &path("accept"),
                Some(&buyer.token),
                Some(&json!({"offer_id": latest}))
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(
                &path("accept"),
                Some(&broker.token),
                Some(&json!({"offer_id": latest}))
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        let earlier = offers[0]["id"].as_str().unwrap();
        assert_eq!(
            app.post(
                &path("accept"),
                Some(&c.researcher.token),
                Some(&json!({"offer_id": earlier}))
            )
            .await
            .status(),
            StatusCode::CONFLICT
        );
        let (s, v) = json_of(
            app.post(
                &path("accept"),
                Some(&c.researcher.token),
                Some(&json!({"offer_id": latest})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("agreed")),
            "{v}"
        );

        // The agreed terms are readable, by the parties and the broker, as structured terms.
        for token in [&buyer.token, &c.researcher.token, &broker.token] {
            let (s, v) = json_of(
                app.get(&format!("/api/v1/negotiations/{id}"), Some(token))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(v["agreed_terms"]["price_fen"], 4_500_000_000i64);
            assert_eq!(
                v["agreed_terms"]["payment"],
                json!({"kind": "royalty", "rate_bp": 350})
            );
            assert_eq!(v["agreed_terms"]["contract_type"], "license");
        }
        assert_eq!(
            app.get(&format!("/api/v1/negotiations/{id}"), Some(&other.token))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        // Each participant's list shows it.
        for token in [&buyer.token, &c.researcher.token, &broker.token] {
            let (_, l) = json_of(
                app.get("/api/v1/negotiations?state=agreed", Some(token))
                    .await,
            )
            .await;
            assert_eq!(l["items"][0]["id"], id.as_str());
        }
        let (_, l) = json_of(app.get("/api/v1/negotiations", Some(&other.token)).await).await;
        assert!(l["items"].as_array().unwrap().is_empty());
        // The event feed records that offers were made and accepted, not their terms or messages.
        let stat = app.user(Role::Statistician, None).await;
        let feed = app
            .get("/api/v1/events?limit=100", Some(&stat.token))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            feed.contains("\"offer_made\"") && feed.contains("\"agreed\""),
            "{feed}"
        );
        for private in ["rate_bp", "4500000000", "希望独占许可"] {
            assert!(!feed.contains(private), "the feed shows {private}");
        }
    }
);

both!(
    wrong_roles_and_states_are_refused_and_append_nothing,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let buyer = app.user(Role::Enterprise, None).await;
        let outsider_tm = app.user(Role::TechManager, None).await;
        let stranger = app.user(Role::Researcher, None).await;
        let other_org = app.organization("另一平台", "021", "500112").await;
        let other_provider = app.user(Role::Provider, Some(other_org)).await;

        // A declined request, an open request, an open negotiation and an abandoned one.
        let (_, v) = json_of(
            app.post(
                "/api/v1/verification-requests",
                Some(&c.researcher.token),
                Some(&request_body(&app, c.listing, c.provider_org)),
            )
            .await,
        )
        .await;
        let declined = v["id"].as_str().unwrap().to_string();
        app.post(
            &format!("/api/v1/verification-requests/{declined}/decline"),
            Some(&c.provider.token),
            Some(&json!({"reason": "排期已满"})),
        )
        .await;
        let (_, v) = json_of(
            app.post(
                "/api/v1/verification-requests",
                Some(&c.researcher.token),
                Some(&request_body(&app, c.listing, c.provider_org)),
            )
            .await,
        )
        .await;
        let open_req = v["id"].as_str().unwrap().to_string();
        let (_, v) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": c.listing})),
            )
            .await,
        )
        .await;
        let open_neg = v["id"].as_str().unwrap().to_string();
        let (_, v) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": c.listing})),
            )
            .await,
        )
        .await;
        let closed_neg = v["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/negotiations/{closed_neg}/abandon"),
                Some(&buyer.token),
                Some(&json!({"reason": "too_early_stage"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let head = app.log_len().await;

        let vr = |id: &str, verb: &str| format!("/api/v1/verification-requests/{id}/{verb}");
        let ng = |id: &str, verb: &str| format!("/api/v1/negotiations/{id}/{verb}");
        let milestone = json!({"title": "进展"});
        let done = json!({"outcome": "success", "trl_after": 6, "report": "完成"});
        let good_offer = terms(1_000_000, json!({"kind": "lump_sum"}));
        let cases: Vec<(&str, &str, String, Option<Value>, StatusCode)> = vec![
            (
                "enterprise requests verification",
                &buyer.token,
                "/api/v1/verification-requests".into(),
                Some(request_body(&app, c.listing, c.provider_org)),
                StatusCode::FORBIDDEN,
            ),
            (
                "verification of someone else's listing",
                &stranger.token,
                "/api/v1/verification-requests".into(),
                Some(request_body(&app, c.listing, c.provider_org)),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "another organization's provider accepts",
                &other_provider.token,
                vr(&open_req, "accept"),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                "the requester accepts",
                &c.researcher.token,
                vr(&open_req, "accept"),
                None,
                StatusCode::FORBIDDEN,
            ),
            (
                "milestone before acceptance",
                &c.provider.token,
                vr(&open_req, "milestones"),
                Some(milestone.clone()),
                StatusCode::CONFLICT,
            ),
            (
                "milestone on a declined request",
                &c.provider.token,
                vr(&declined, "milestones"),
                Some(milestone.clone()),
                StatusCode::CONFLICT,
            ),
            (
                "completing a declined request",
                &c.provider.token,
                vr(&declined, "complete"),
                Some(done.clone()),
                StatusCode::CONFLICT,
            ),
            (
                "the requester completes",
                &c.researcher.token,
                vr(&open_req, "complete"),
                Some(done.clone()),
                StatusCode::FORBIDDEN,
            ),
            (
                "the provider cancels",
                &c.provider.token,
                vr(&open_req, "cancel"),
                Some(json!({"reason": "x"})),
                StatusCode::FORBIDDEN,
            ),
            (
                "cancelling a declined request",
                &c.researcher.token,
                vr(&declined, "cancel"),
                Some(json!({"reason": "x"})),
                StatusCode::CONFLICT,
            ),
            (
                "a researcher opens a negotiation",
                &stranger.token,
                "/api/v1/negotiations".into(),
                Some(json!({"listing_id": c.listing})),
                StatusCode::FORBIDDEN,
            ),
            (
                "negotiating an unknown listing",
                &buyer.token,
                "/api/v1/negotiations".into(),
                Some(json!({"listing_id": Uuid::now_v7()})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "offer on an abandoned negotiation",
                &buyer.token,
                ng(&closed_neg, "offers"),
                Some(good_offer.clone()),
                StatusCode::CONFLICT,
            ),
            (
                "signing an abandoned negotiation's NDA",
                &buyer.token,
                ng(&closed_neg, "nda"),
                None,
                StatusCode::CONFLICT,
            ),
            (
                "a broker who is not part of it",
                &outsider_tm.token,
                ng(&open_neg, "offers"),
                Some(good_offer.clone()),
                StatusCode::NOT_FOUND,
            ),
            (
                "a stranger makes an offer",
                &stranger.token,
                ng(&open_neg, "offers"),
                Some(good_offer.clone()),
                StatusCode::NOT_FOUND,
            ),
            (
                "negative price",
                &buyer.token,
                ng(&open_neg, "offers"),
                Some(terms(-1, json!({"kind": "lump_sum"}))),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "royalty over 100%",
                &buyer.token,
                ng(&open_neg, "offers"),
                Some(terms(0, json!({"kind": "royalty", "rate_bp": 12000}))),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "unknown payment kind",
                &buyer.token,
                ng(&open_neg, "offers"),
                Some(terms(0, json!({"kind": "barter"}))),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "accepting with no offer",
                &c.researcher.token,
                ng(&open_neg, "accept"),
                Some(json!({"offer_id": Uuid::now_v7()})),
                StatusCode::CONFLICT,
            ),
            (
                "abandoning for an unknown reason",
                &buyer.token,
                ng(&open_neg, "abandon"),
                Some(json!({"reason": "bored"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "abandoning twice",
                &buyer.token,
                ng(&closed_neg, "abandon"),
                Some(json!({"reason": "price"})),
                StatusCode::CONFLICT,
            ),
        ];
        for (what, token, path, body, expected) in cases {
            let r = app.post(&path, Some(token), body.as_ref()).await;
            let (s, v) = json_of(r).await;
            assert_eq!(s, expected, "{what}: {v}");
            assert_eq!(
                v["status"],
                expected.as_u16(),
                "{what}: problem+json expected"
            );
        }
        // The offer errors name their fields inside `terms`.
        let (_, v) = json_of(
            app.post(
                &ng(&open_neg, "offers"),
                Some(&buyer.token),
                Some(&terms(0, json!({"kind": "royalty", "rate_bp": 12000}))),
            )
            .await,
        )
        .await;
        assert_eq!(v["errors"][0]["field"], "terms.payment.rate_bp");
        assert_eq!(
            app.log_len().await,
            head,
            "a refused command appended something"
        );
    }
);

both!(
    an_idle_negotiation_expires_by_itself,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let buyer = app.user(Role::Enterprise, None).await;
        let (_, v) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": c.listing})),
            )
            .await,
        )
        .await;
        let id = v["id"].as_str().unwrap().to_string();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let path = format!("/api/v1/negotiations/{id}");
        let status = || async {
            json_of(app.get(&path, Some(&buyer.token)).await).await.1["status"].clone()
        };
        assert_eq!(status().await, "open");
        app.state.clock.advance(Duration::days(
            i64::from(app.settings.negotiation_idle_days) + 1,
        ));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while status().await != "expired" {
            assert!(
                std::time::Instant::now() < deadline,
                "the idle negotiation did not expire"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let r = app
            .post(
                &format!("/api/v1/negotiations/{id}/offers"),
                Some(&buyer.token),
                Some(&terms(1, json!({"kind": "lump_sum"}))),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
);

both!(
    invisible_negotiations_and_requests_are_404_before_any_validation,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let buyer = app.user(Role::Enterprise, None).await;
        let (_, v) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": c.listing})),
            )
            .await,
        )
        .await;
        let neg = v["id"].as_str().unwrap().to_string();
        let (_, v) = json_of(
            app.post(
                "/api/v1/verification-requests",
                Some(&c.researcher.token),
                Some(&request_body(&app, c.listing, c.provider_org)),
            )
            .await,
        )
        .await;
        let req = v["id"].as_str().unwrap().to_string();
        let stranger = app.user(Role::Enterprise, None).await;
        // Invalid content from someone who may not see the target: 404, not 422.
        let r = app
            .post(
                &format!("/api/v1/negotiations/{neg}/offers"),
                Some(&stranger.token),
                Some(&terms(-5, json!({"kind": "lump_sum"}))),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let bad = json!({"outcome": "success", "trl_after": 42, "report": "x"});
        let r = app
            .post(
                &format!("/api/v1/verification-requests/{req}/complete"),
                Some(&stranger.token),
                Some(&bad),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // The same from a participant is a 422 naming the field.
        let (s, v) = json_of(
            app.post(
                &format!("/api/v1/verification-requests/{req}/complete"),
                Some(&c.provider.token),
                Some(&bad),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("trl_after"))
        );
    }
);

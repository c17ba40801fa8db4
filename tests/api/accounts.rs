use reqwest::StatusCode;
use serde_json::json;
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{json_of, TestApp, PASSWORD};

both!(register_login_and_me, |app: TestApp| async move {
    let org = app
        .organization("重庆长安汽车股份有限公司", "160", "500112")
        .await;
    let body = json!({"email": "Wang.Fang@Changan.com.cn", "password": PASSWORD, "display_name": "王芳", "role": "enterprise", "organization_id": org});
    let r = app.post("/api/v1/auth/register", None, Some(&body)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (_, user) = json_of(r).await;
    assert_eq!(user["email"], "wang.fang@changan.com.cn");
    // Naming an organization asks to join it; membership is the organization's to grant.
    assert_eq!(user["organization_id"], json!(null));
    assert_eq!(user["membership_request"]["organization_id"], json!(org));
    assert_eq!(user["membership_request"]["status"], "pending");
    assert!(user.get("password_hash").is_none() && !user.to_string().contains("argon2"));

    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            Some(&json!({"email": "WANG.FANG@changan.com.cn", "password": PASSWORD})),
        )
        .await;
    let (s, t) = json_of(r).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    let token = t["access_token"].as_str().unwrap();
    let (s, me) = json_of(app.get("/api/v1/me", Some(token)).await).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        me,
        json!({"id": user["id"], "email": "wang.fang@changan.com.cn", "display_name": "王芳", "role": "enterprise",
               "organization_id": null, "organization_admin": false, "status": "active",
               "must_change_password": false, "created_at": user["created_at"]})
    );
    assert_eq!(
        app.get(&location, Some(token)).await.status(),
        StatusCode::OK
    );
    let other = app.user(Role::Researcher, None).await;
    assert_eq!(
        app.get(&location, Some(&other.token)).await.status(),
        StatusCode::NOT_FOUND
    );

    // The same address twice, in another case.
    let mut again = body.clone();
    again["email"] = json!("wang.fang@CHANGAN.com.cn");
    assert_eq!(
        app.post("/api/v1/auth/register", None, Some(&again))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    // Wrong password and unknown address get the same answer.
    for (email, pw) in [
        ("wang.fang@changan.com.cn", "wrong password!!"),
        ("nobody@changan.com.cn", PASSWORD),
    ] {
        let (s, p) = json_of(
            app.post(
                "/api/v1/auth/login",
                None,
                Some(&json!({"email": email, "password": pw})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(p["detail"], "wrong e-mail address or password");
    }
    assert_eq!(
        app.get("/api/v1/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
});

both!(registration_is_validated, |app: TestApp| async move {
    for (body, field) in [
        (
            json!({"email": "x@y.cn", "password": PASSWORD, "display_name": "x", "role": "registrar"}),
            "role",
        ),
        (
            json!({"email": "x@y.cn", "password": PASSWORD, "display_name": "x", "role": "wizard"}),
            "role",
        ),
        (
            json!({"email": "not-an-email", "password": PASSWORD, "display_name": "x", "role": "researcher"}),
            "email",
        ),
        (
            json!({"email": "x@y.cn", "password": "short", "display_name": "x", "role": "researcher"}),
            "password",
        ),
        (
            json!({"email": "x@y.cn", "password": PASSWORD, "display_name": "", "role": "researcher"}),
            "display_name",
        ),
        (
            json!({"email": "x@y.cn", "password": PASSWORD, "display_name": "x", "role": "researcher", "organization_id": uuid::Uuid::now_v7()}),
            "organization_id",
        ),
        (
            json!({"email": "x@y.cn", "password": PASSWORD, "display_name": "x"}),
            "role",
        ),
    ] {
        let (s, p) = json_of(app.post("/api/v1/auth/register", None, Some(&body)).await).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    // Nothing was created: the address is still free.
    let body =
        json!({"email": "x@y.cn", "password": PASSWORD, "display_name": "x", "role": "researcher"});
    assert_eq!(
        app.post("/api/v1/auth/register", None, Some(&body))
            .await
            .status(),
        StatusCode::CREATED
    );
});

both!(
    organizations_are_checked_against_reference_data,
    |app: TestApp| async move {
        let admin = app.admin().await;
        let researcher = app.user(Role::Researcher, None).await;
        let good = json!({"name": "两江新区某研究院", "party_nature": "021", "region": "500112", "zone": "liangjiang"});
        assert_eq!(
            app.post(
                "/api/v1/organizations",
                Some(&researcher.token),
                Some(&good)
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        let (s, org) = json_of(
            app.post("/api/v1/organizations", Some(&admin.token), Some(&good))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(org["zone"], "liangjiang");

        for (body, field) in [
            (
                json!({"name": "x", "party_nature": "999", "region": "500112"}),
                "party_nature",
            ),
            (
                json!({"name": "x", "party_nature": "021", "region": "123456"}),
                "region",
            ),
            (
                json!({"name": "x", "party_nature": "021", "region": "CN"}),
                "region",
            ),
            (
                json!({"name": "x", "party_nature": "021", "region": "500106", "zone": "liangjiang"}),
                "zone",
            ),
            (
                json!({"name": "x", "party_nature": "021", "region": "500112", "zone": "atlantis"}),
                "zone",
            ),
        ] {
            let (s, p) = json_of(
                app.post("/api/v1/organizations", Some(&admin.token), Some(&body))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(p["errors"][0]["field"], field);
        }
        let foreign = json!({"name": "Fraunhofer", "party_nature": "300", "region": "DE"});
        assert_eq!(
            app.post("/api/v1/organizations", Some(&admin.token), Some(&foreign))
                .await
                .status(),
            StatusCode::CREATED
        );

        let (s, page) = json_of(
            app.get("/api/v1/organizations?limit=1", Some(&researcher.token))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["items"][0]["name"], "Fraunhofer");
        let cursor = page["next_cursor"].as_str().unwrap();
        let (_, page) = json_of(
            app.get(
                &format!("/api/v1/organizations?limit=1&cursor={cursor}"),
                Some(&researcher.token),
            )
            .await,
        )
        .await;
        assert_eq!(page["items"][0]["name"], "两江新区某研究院");
        let id = org["id"].as_str().unwrap();
        assert_eq!(
            json_of(
                app.get(
                    &format!("/api/v1/organizations/{id}"),
                    Some(&researcher.token)
                )
                .await
            )
            .await
            .1["region"],
            "500112"
        );
        assert_eq!(
            app.get("/api/v1/organizations", None).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
);

both!(service_routes_answer, |app: TestApp| async move {
    let (s, v) = json_of(app.get("/healthz", None).await).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, v) = json_of(app.get("/readyz", None).await).await;
    assert_eq!(s, StatusCode::OK);
    let expected = match app.backend {
        crate::helpers::Backend::Sqlite => "sqlite",
        crate::helpers::Backend::Postgres => "postgres",
    };
    assert_eq!(v["backend"], expected);
    let r = app.get("/healthz", None).await;
    assert!(r.headers().contains_key("x-request-id"));
    let r = app.get("/api-spec/openapi.yaml", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().starts_with("openapi: 3.1"));
});

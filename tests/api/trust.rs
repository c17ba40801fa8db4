//! Trust that cannot be claimed: membership granted by an organization's admins, invitations,
//! accounts an operator manages, tokens that end the moment an account changes, least privilege
//! for statisticians, and brute-force limits.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use techmarket::domain::Role;
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, TestUser, PASSWORD};

fn org_path(org: Uuid, rest: &str) -> String {
    format!("/api/v1/organizations/{org}/{rest}")
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    json_of(app.request(method, path, Some(token), body).await).await
}

async fn post_ok(app: &TestApp, path: &str, token: &str, body: Option<&Value>) -> Value {
    let (s, v) = call(app, Method::POST, path, token, body).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let (s, v) = call(app, Method::GET, path, token, None).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

/// Signs up over HTTP with no organization and signs in.
async fn signed_up(app: &TestApp, role: &str, org: Option<Uuid>) -> (TestUser, Value) {
    let email = format!("{role}-{}@example.cn", Uuid::new_v4().simple());
    let mut body =
        json!({"email": email, "password": PASSWORD, "display_name": "新用户", "role": role});
    if let Some(o) = org {
        body["organization_id"] = json!(o);
    }
    let (s, registered) = json_of(app.post("/api/v1/auth/register", None, Some(&body)).await).await;
    assert_eq!(s, StatusCode::CREATED, "{registered}");
    let token = app.login(&email, PASSWORD).await;
    let id = registered["id"].as_str().unwrap().parse().unwrap();
    (TestUser { id, email, token }, registered)
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> (StatusCode, Value) {
    json_of(
        app.post(
            "/api/v1/auth/login",
            None,
            Some(&json!({"email": email, "password": password})),
        )
        .await,
    )
    .await
}

fn confidential(listing: &Value) -> Option<&str> {
    listing["confidential_detail"].as_str()
}

/// A contract submitted by `seller` naming its organization as the seller.
async fn submitted_contract(app: &TestApp, seller: &TestUser, org: Uuid) -> String {
    let today = techmarket::domain::calendar::china_date(app.state.clock.now());
    let body = json!({
        "contract_type": "transfer", "contract_subtype": "patent_right",
        "title": "高镍正极材料专利转让合同",
        "seller": {"organization_id": org, "name": "重庆大学", "party_nature": "022", "region": "500106"},
        "buyer": {"name": "长安汽车", "party_nature": "160", "region": "500112"},
        "signing_date": (today - Duration::days(3)).to_string(),
        "validity_start": today.to_string(), "validity_end": (today + Duration::days(365)).to_string(),
        "contract_amount_fen": 300_000_000i64, "technology_amount_fen": 250_000_000i64,
        "field": "new_energy", "ip_kinds": ["invention_patent"]
    });
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/contracts",
        &seller.token,
        Some(&body),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

both!(
    membership_is_granted_never_claimed,
    |app: TestApp| async move {
        let org = app.organization("重庆大学", "022", "500106").await;
        let tto = app.user(Role::InstitutionAdmin, Some(org)).await;
        let owner = app.user(Role::Researcher, Some(org)).await;
        let listing = app
            .published(&owner, &listing_body("高镍三元正极材料"))
            .await;
        let contract = submitted_contract(&app, &owner, org).await;
        let listing_path = format!("/api/v1/listings/{listing}");
        let contract_path = format!("/api/v1/contracts/{contract}");
        // A member reads the confidential detail and the organization's contract.
        assert!(confidential(&get_ok(&app, &listing_path, &owner.token).await).is_some());

        // Anyone can name the organization at sign-up: that is a request, not a membership.
        let (intruder, registered) = signed_up(&app, "researcher", Some(org)).await;
        assert_eq!(registered["organization_id"], Value::Null);
        assert_eq!(registered["membership_request"]["status"], "pending");
        let request = registered["membership_request"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let sees_nothing_private = |who: TestUser| {
            let app = &app;
            let listing_path = listing_path.clone();
            let contract_path = contract_path.clone();
            async move {
                let l = get_ok(app, &listing_path, &who.token).await;
                assert_eq!(confidential(&l), None, "{l}");
                let (_, history) = call(
                    app,
                    Method::GET,
                    &format!("{listing_path}/history"),
                    &who.token,
                    None,
                )
                .await;
                assert!(!history.to_string().contains("SECRET-RECIPE"));
                let (s, _) = call(app, Method::GET, &contract_path, &who.token, None).await;
                assert_eq!(s, StatusCode::NOT_FOUND);
                let list = get_ok(app, "/api/v1/contracts", &who.token).await;
                assert_eq!(list["items"], json!([]), "{list}");
            }
        };
        sees_nothing_private(intruder.clone()).await;

        // Outsiders may not decide (404: they learn nothing); a plain member may not either (403).
        let approve = org_path(org, &format!("membership-requests/{request}/approve"));
        let reject = org_path(org, &format!("membership-requests/{request}/reject"));
        let (s, _) = call(&app, Method::POST, &approve, &intruder.token, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, p) = call(&app, Method::POST, &approve, &owner.token, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        // A second request while one is pending is refused.
        let (s, p) = call(
            &app,
            Method::POST,
            &org_path(org, "membership-requests"),
            &intruder.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        let (s, p) = call(
            &app,
            Method::POST,
            &org_path(Uuid::now_v7(), "membership-requests"),
            &intruder.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");

        // The office sees the request and rejects it; the intruder still sees nothing.
        let pending = get_ok(
            &app,
            &org_path(org, "membership-requests?status=pending"),
            &tto.token,
        )
        .await;
        assert!(pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == json!(request) && r["user_id"] == json!(intruder.id)));
        let decided = post_ok(
            &app,
            &reject,
            &tto.token,
            Some(&json!({"reason": "不是本校人员"})),
        )
        .await;
        assert_eq!(decided["status"], "rejected");
        assert_eq!(decided["decided_by"], json!(tto.id));
        let (s, _) = call(&app, Method::POST, &approve, &tto.token, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "a request is decided once");
        sees_nothing_private(intruder.clone()).await;
        let mine = get_ok(&app, "/api/v1/me/membership-requests", &intruder.token).await;
        assert_eq!(mine["items"][0]["status"], "rejected");

        // A real colleague asks, the office approves, and the same token reads at once.
        let (colleague, registered) = signed_up(&app, "researcher", Some(org)).await;
        sees_nothing_private(colleague.clone()).await;
        let request2 = registered["membership_request"]["id"].as_str().unwrap();
        post_ok(
            &app,
            &org_path(org, &format!("membership-requests/{request2}/approve")),
            &tto.token,
            None,
        )
        .await;
        assert!(confidential(&get_ok(&app, &listing_path, &colleague.token).await).is_some());
        get_ok(&app, &contract_path, &colleague.token).await;
        let me = get_ok(&app, "/api/v1/me", &colleague.token).await;
        assert_eq!(me["organization_id"], json!(org));

        // Every change is recorded with who and when; only the organization's admins list it.
        let history = get_ok(&app, &org_path(org, "membership-history"), &tto.token).await;
        let entries = history["items"].as_array().unwrap();
        let find = |action: &str, user: Uuid| {
            entries
                .iter()
                .find(|e| e["action"] == action && e["user_id"] == json!(user))
                .unwrap_or_else(|| panic!("{action} of {user} in {history}"))
        };
        assert_eq!(
            find("membership_requested", intruder.id)["actor_id"],
            json!(intruder.id)
        );
        assert_eq!(
            find("membership_rejected", intruder.id)["actor_id"],
            json!(tto.id)
        );
        assert_eq!(
            find("membership_approved", colleague.id)["actor_id"],
            json!(tto.id)
        );
        assert!(find("membership_approved", colleague.id)["at"].is_string());
        let (s, _) = call(
            &app,
            Method::GET,
            &org_path(org, "membership-history"),
            &intruder.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = call(
            &app,
            Method::GET,
            &org_path(org, "membership-history"),
            &colleague.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // An unknown organization at sign-up is still a 422 naming the field.
        let (s, p) = json_of(
            app.post(
                "/api/v1/auth/register",
                None,
                Some(
                    &json!({"email": "x@y.cn", "password": PASSWORD, "display_name": "x",
                         "role": "researcher", "organization_id": Uuid::now_v7()}),
                ),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, p["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("organization_id"))
        );
    }
);

both!(
    invitations_are_single_use_personal_and_expire,
    |app: TestApp| async move {
        let operator = app.operator().await;
        let org = app
            .organization("重庆长安汽车股份有限公司", "160", "500112")
            .await;
        let (boss, _) = signed_up(&app, "enterprise", None).await;
        let (stranger, _) = signed_up(&app, "enterprise", None).await;

        // Bad input is refused with the field and changes nothing.
        for (body, field) in [
            (json!({"email": "not-an-address"}), "email"),
            (json!({"email": "a@b.cn", "valid_days": 0}), "valid_days"),
            (json!({"email": "a@b.cn", "valid_days": 31}), "valid_days"),
            (json!({"email": "a@b.cn", "role": "registrar"}), "role"),
        ] {
            let (s, p) = call(
                &app,
                Method::POST,
                &org_path(org, "invitations"),
                &operator.token,
                Some(&body),
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
            assert_eq!(p["errors"][0]["field"], field, "{p}");
        }
        let (s, _) = call(
            &app,
            Method::GET,
            &org_path(Uuid::now_v7(), "invitations"),
            &operator.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The operator invites the enterprise's first admin.
        let (s, inv) = call(
            &app,
            Method::POST,
            &org_path(org, "invitations"),
            &operator.token,
            Some(&json!({"email": boss.email.to_uppercase(), "organization_admin": true})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{inv}");
        assert_eq!(inv["status"], "open");
        let token = inv["token"].as_str().unwrap().to_string();
        let accept = |who: &TestUser, token: &str| {
            let (app, who, token) = (&app, who.clone(), token.to_string());
            async move {
                call(
                    app,
                    Method::POST,
                    "/api/v1/invitations/accept",
                    &who.token,
                    Some(&json!({"token": token})),
                )
                .await
            }
        };
        // Someone else holding the token cannot use it.
        let (s, p) = accept(&stranger, &token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        let (s, p) = accept(&boss, "no-such-token").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        let (s, p) = accept(&boss, &token).await;
        assert_eq!(
            (s, p["status"].as_str()),
            (StatusCode::OK, Some("accepted")),
            "{p}"
        );
        let me = get_ok(&app, "/api/v1/me", &boss.token).await;
        assert_eq!(
            (
                me["organization_id"].clone(),
                me["organization_admin"].clone()
            ),
            (json!(org), json!(true))
        );
        // Single use.
        let (s, p) = accept(&boss, &token).await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");

        // The new admin invites staff; an invitation runs out after its days.
        let (staff, _) = signed_up(&app, "enterprise", None).await;
        let inv = post_ok(
            &app,
            &org_path(org, "invitations"),
            &boss.token,
            Some(&json!({"email": staff.email, "valid_days": 2})),
        )
        .await;
        app.state.clock.advance(Duration::days(3));
        let (s, p) = accept(&staff, inv["token"].as_str().unwrap()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        assert!(p["detail"].as_str().unwrap().contains("expired"), "{p}");
        // A revoked one is dead too.
        let inv = post_ok(
            &app,
            &org_path(org, "invitations"),
            &boss.token,
            Some(&json!({"email": staff.email})),
        )
        .await;
        let revoked = post_ok(
            &app,
            &org_path(
                org,
                &format!("invitations/{}/revoke", inv["id"].as_str().unwrap()),
            ),
            &boss.token,
            None,
        )
        .await;
        assert_eq!(revoked["status"], "revoked");
        let (s, _) = accept(&staff, inv["token"].as_str().unwrap()).await;
        assert_eq!(s, StatusCode::CONFLICT);
        // A fresh one works, and the list shows every invitation's state but never a token.
        let inv = post_ok(
            &app,
            &org_path(org, "invitations"),
            &boss.token,
            Some(&json!({"email": staff.email})),
        )
        .await;
        let (s, _) = accept(&staff, inv["token"].as_str().unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        let list = get_ok(&app, &org_path(org, "invitations"), &boss.token).await;
        let states: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["status"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["accepted", "revoked", "expired", "accepted"]);
        assert!(!list.to_string().contains("token\""), "{list}");
        // Staff is a member but not an admin: it may not invite.
        let (s, _) = call(
            &app,
            Method::POST,
            &org_path(org, "invitations"),
            &staff.token,
            Some(&json!({"email": "z@y.cn"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let members = get_ok(&app, &org_path(org, "members"), &boss.token).await;
        let ids: Vec<&str> = members["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&staff.id.to_string().as_str())
                && ids.contains(&boss.id.to_string().as_str())
        );
    }
);

both!(
    a_removed_member_loses_access_on_the_next_request,
    |app: TestApp| async move {
        let org = app.organization("重庆大学", "022", "500106").await;
        let tto = app.user(Role::InstitutionAdmin, Some(org)).await;
        let owner = app.user(Role::Researcher, Some(org)).await;
        let member = app.user(Role::Researcher, Some(org)).await;
        let listing = app.published(&owner, &listing_body("固态电解质薄膜")).await;
        let path = format!("/api/v1/listings/{listing}");
        assert!(confidential(&get_ok(&app, &path, &member.token).await).is_some());

        let (s, _) = call(
            &app,
            Method::POST,
            &org_path(org, &format!("members/{}/remove", member.id)),
            &owner.token,
            None,
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "a plain member removes nobody else"
        );
        let (s, _) = call(
            &app,
            Method::POST,
            &org_path(org, &format!("members/{}/remove", member.id)),
            &tto.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        // The very next request with the token it already had is refused, on any route.
        for p in [path.as_str(), "/api/v1/me", "/api/v1/contracts"] {
            let (s, body) = call(&app, Method::GET, p, &member.token, None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}: {body}");
        }
        let token = app.login(&member.email, PASSWORD).await;
        assert_eq!(confidential(&get_ok(&app, &path, &token).await), None);
        assert_eq!(
            get_ok(&app, "/api/v1/me", &token).await["organization_id"],
            Value::Null
        );
        // Removing someone who is not a member is a 404; a member may leave by itself.
        let (s, _) = call(
            &app,
            Method::POST,
            &org_path(org, &format!("members/{}/remove", member.id)),
            &tto.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = call(
            &app,
            Method::POST,
            &org_path(org, &format!("members/{}/remove", owner.id)),
            &owner.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let history = get_ok(&app, &org_path(org, "membership-history"), &tto.token).await;
        let removed: Vec<&Value> = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "member_removed")
            .collect();
        assert_eq!(removed.len(), 2, "{history}");
        assert!(removed
            .iter()
            .any(|e| e["actor_id"] == json!(tto.id) && e["user_id"] == json!(member.id)));
        assert!(removed
            .iter()
            .any(|e| e["actor_id"] == json!(owner.id) && e["detail"]["left"] == json!(true)));
        // The organization-admin flag is granted and revoked by admins; revoking ends tokens.
        let (again, _) = signed_up(&app, "researcher", None).await;
        let inv = post_ok(
            &app,
            &org_path(org, "invitations"),
            &tto.token,
            Some(&json!({"email": again.email})),
        )
        .await;
        post_ok(
            &app,
            "/api/v1/invitations/accept",
            &again.token,
            Some(&json!({"token": inv["token"]})),
        )
        .await;
        let flagged = post_ok(
            &app,
            &org_path(org, &format!("members/{}/admin", again.id)),
            &tto.token,
            Some(&json!({"organization_admin": true})),
        )
        .await;
        assert_eq!(flagged["organization_admin"], true);
        get_ok(&app, &org_path(org, "members"), &again.token).await;
        post_ok(
            &app,
            &org_path(org, &format!("members/{}/admin", again.id)),
            &tto.token,
            Some(&json!({"organization_admin": false})),
        )
        .await;
        let (s, _) = call(
            &app,
            Method::GET,
            &org_path(org, "members"),
            &again.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
);

both!(
    operators_manage_accounts_and_changes_end_tokens,
    |app: TestApp| async move {
        let operator = app.operator().await;
        let researcher = app.user(Role::Researcher, None).await;
        let registrar = app.user(Role::Registrar, None).await;
        let listing = app.draft(&researcher, &listing_body("石墨烯导热膜")).await;

        // Finding people: only for platform admins.
        let found = get_ok(
            &app,
            &format!("/api/v1/users?q={}", &registrar.email[..20]),
            &operator.token,
        )
        .await;
        assert_eq!(found["items"][0]["id"], json!(registrar.id), "{found}");
        let found = get_ok(&app, "/api/v1/users?role=registrar", &operator.token).await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let found = get_ok(&app, "/api/v1/users?q=%25", &operator.token).await;
        assert_eq!(found["items"], json!([]), "LIKE wildcards are literal");
        let (s, _) = call(&app, Method::GET, "/api/v1/users", &registrar.token, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, p) = call(
            &app,
            Method::GET,
            "/api/v1/users?role=wizard",
            &operator.token,
            None,
        )
        .await;
        assert!(s.is_client_error(), "{p}");

        // Disabled: the still-valid token is refused everywhere, sign-in says why.
        let disabled = post_ok(
            &app,
            &format!("/api/v1/users/{}/disable", researcher.id),
            &operator.token,
            Some(&json!({"reason": "离职"})),
        )
        .await;
        assert_eq!(disabled["status"], "disabled");
        for (m, p) in [
            (Method::GET, "/api/v1/me".to_string()),
            (Method::GET, "/api/v1/listings".into()),
            (Method::GET, format!("/api/v1/listings/{listing}")),
            (Method::POST, format!("/api/v1/listings/{listing}/submit")),
        ] {
            let (s, body) = call(&app, m, &p, &researcher.token, None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}: {body}");
        }
        let (s, p) = login_status(&app, &researcher.email, PASSWORD).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        let (s, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/disable", researcher.id),
            &operator.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, p) = call(
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/password-reset", researcher.id),
            &operator.token,
            None,
        )
        .await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "no reset token for a disabled account: {p}"
        );
        post_ok(
            &app,
            &format!("/api/v1/users/{}/enable", researcher.id),
            &operator.token,
            None,
        )
        .await;
        let (s, _) = call(&app, Method::GET, "/api/v1/me", &researcher.token, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "the old token stays dead");
        let researcher_token = app.login(&researcher.email, PASSWORD).await;
        get_ok(
            &app,
            &format!("/api/v1/listings/{listing}"),
            &researcher_token,
        )
        .await;

        // A role change ends the tokens issued under the old role.
        let changed = post_ok(
            &app,
            &format!("/api/v1/users/{}/role", registrar.id),
            &operator.token,
            Some(&json!({"role": "statistician"})),
        )
        .await;
        assert_eq!(changed["role"], "statistician");
        let (s, _) = call(
            &app,
            Method::GET,
            "/api/v1/contracts",
            &registrar.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let t = app.login(&registrar.email, PASSWORD).await;
        assert_eq!(get_ok(&app, "/api/v1/me", &t).await["role"], "statistician");
        let (s, p) = call(
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/role", registrar.id),
            &operator.token,
            Some(&json!({"role": "wizard"})),
        )
        .await;
        assert_eq!(
            (s, p["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("role"))
        );

        // Forced password change: tokens end; after signing in, only /me and /me/password work.
        post_ok(
            &app,
            &format!("/api/v1/users/{}/force-password-change", researcher.id),
            &operator.token,
            None,
        )
        .await;
        let (s, _) = call(&app, Method::GET, "/api/v1/me", &researcher_token, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let forced = app.login(&researcher.email, PASSWORD).await;
        assert_eq!(
            get_ok(&app, "/api/v1/me", &forced).await["must_change_password"],
            true
        );
        let (s, p) = call(&app, Method::GET, "/api/v1/listings", &forced, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        let (s, p) = call(&app, Method::POST, "/api/v1/me/password", &forced, Some(&json!({"current_password": "wrong password!", "new_password": "a brand new passphrase"}))).await;
        assert_eq!(
            (s, p["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password"))
        );
        let (s, p) = call(
            &app,
            Method::POST,
            "/api/v1/me/password",
            &forced,
            Some(&json!({"current_password": PASSWORD, "new_password": "short"})),
        )
        .await;
        assert_eq!(
            (s, p["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("new_password"))
        );
        let fresh = post_ok(
            &app,
            "/api/v1/me/password",
            &forced,
            Some(&json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"})),
        )
        .await;
        let fresh = fresh["access_token"].as_str().unwrap().to_string();
        get_ok(&app, "/api/v1/listings", &fresh).await;
        let (s, _) = call(&app, Method::GET, "/api/v1/me", &forced, None).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "the other session ends with the old password"
        );
        assert_eq!(
            login_status(&app, &researcher.email, PASSWORD).await.0,
            StatusCode::UNAUTHORIZED
        );

        // A reset token from the operator buys one new password.
        let (s, reset) = call(
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/password-reset", researcher.id),
            &operator.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{reset}");
        let body = json!({"token": reset["token"], "new_password": "yet another passphrase"});
        let (s, v) = json_of(
            app.post("/api/v1/auth/password-reset", None, Some(&body))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, p) = json_of(
            app.post("/api/v1/auth/password-reset", None, Some(&body))
                .await,
        )
        .await;
        assert_eq!(
            (s, p["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("token"))
        );
        app.login(&researcher.email, "yet another passphrase").await;
        let (s, _) = call(&app, Method::GET, "/api/v1/me", &fresh, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // The account's history says who did what, when.
        let history = get_ok(
            &app,
            &format!("/api/v1/users/{}/history", researcher.id),
            &operator.token,
        )
        .await;
        let actions: Vec<&str> = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "password_reset",
                "password_reset_issued",
                "password_changed",
                "password_change_forced",
                "enabled",
                "disabled",
                "created"
            ]
        );
        assert_eq!(history["items"][5]["actor_id"], json!(operator.id));
        assert_eq!(history["items"][5]["detail"]["reason"], "离职");

        // Removal erases the person but keeps the id that events name.
        let (s, _) = call(
            &app,
            Method::DELETE,
            &format!("/api/v1/users/{}", researcher.id),
            &operator.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(
            login_status(&app, &researcher.email, "yet another passphrase")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        let gone = get_ok(
            &app,
            &format!("/api/v1/users/{}", researcher.id),
            &operator.token,
        )
        .await;
        assert_eq!(
            (gone["status"].as_str(), gone["display_name"].as_str()),
            (Some("removed"), Some("已注销用户"))
        );
        assert!(!gone.to_string().contains(&researcher.email));
        let found = get_ok(
            &app,
            &format!("/api/v1/users?q={}", &researcher.email[..20]),
            &operator.token,
        )
        .await;
        assert_eq!(found["items"], json!([]));
        let history = get_ok(
            &app,
            &format!("/api/v1/listings/{listing}/history"),
            &operator.token,
        )
        .await;
        assert_eq!(
            history["items"][0]["actor"]["user_id"],
            json!(researcher.id),
            "{history}"
        );
        let (s, _) = call(
            &app,
            Method::DELETE,
            &format!("/api/v1/users/{}", researcher.id),
            &operator.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);

        // The platform never loses its last active platform admin.
        for (m, p, b) in [
            (
                Method::POST,
                format!("/api/v1/users/{}/disable", operator.id),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/users/{}/role", operator.id),
                Some(json!({"role": "registrar"})),
            ),
            (
                Method::DELETE,
                format!("/api/v1/users/{}", operator.id),
                None,
            ),
        ] {
            let (s, body) = call(&app, m, &p, &operator.token, b.as_ref()).await;
            assert_eq!(s, StatusCode::CONFLICT, "{p}: {body}");
        }
        let (s, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/users/{}/disable", Uuid::now_v7()),
            &operator.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

both!(
    statisticians_read_contracts_from_registration_and_grants_from_notice,
    |app: TestApp| async move {
        let org = app.organization("重庆大学", "022", "500106").await;
        let seller = app.user(Role::Researcher, Some(org)).await;
        let registrar = app.user(Role::Registrar, None).await;
        let stat = app.user(Role::Statistician, None).await;
        let id = submitted_contract(&app, &seller, org).await;
        let path = format!("/api/v1/contracts/{id}");
        let hidden = |step: &'static str| {
            let (app, path, stat) = (&app, path.clone(), stat.clone());
            async move {
                for p in [path.clone(), format!("{path}/history")] {
                    let (s, _) = call(app, Method::GET, &p, &stat.token, None).await;
                    assert_eq!(s, StatusCode::NOT_FOUND, "{step}: {p}");
                }
                let list = get_ok(app, "/api/v1/contracts", &stat.token).await;
                assert_eq!(list["items"], json!([]), "{step}");
            }
        };
        hidden("submitted").await;
        post_ok(&app, &format!("{path}/accept"), &registrar.token, None).await;
        hidden("accepted").await;
        // The feed leaves the submission out for statisticians, and its cursor moves past it.
        let feed = get_ok(&app, "/api/v1/events?limit=100", &stat.token).await;
        assert!(
            !feed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["aggregate_type"] == "contract_registration"),
            "{feed}"
        );
        assert_eq!(feed["next_cursor"], json!(app.log_head().await.to_string()));
        let admin_feed = get_ok(
            &app,
            "/api/v1/events?limit=100",
            &app.operator().await.token,
        )
        .await;
        assert!(admin_feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == "submitted"));

        post_ok(
            &app,
            &format!("{path}/register"),
            &registrar.token,
            Some(&json!({"registration_number": format!("5001{}", id.replace('-', ""))})),
        )
        .await;
        let c = get_ok(&app, &path, &stat.token).await;
        assert_eq!(c["status"], "registered");
        assert_eq!(
            get_ok(&app, "/api/v1/contracts", &stat.token).await["items"][0]["id"],
            json!(id)
        );
        let feed = get_ok(&app, "/api/v1/events?limit=100", &stat.token).await;
        let types: Vec<&str> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["aggregate_type"] == "contract_registration")
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["registered"]);

        // A refused submission stays out of sight.
        let refused = submitted_contract(&app, &seller, org).await;
        post_ok(
            &app,
            &format!("/api/v1/contracts/{refused}/accept"),
            &registrar.token,
            None,
        )
        .await;
        let (s, p) = call(
            &app,
            Method::POST,
            &format!("/api/v1/contracts/{refused}/refuse"),
            &registrar.token,
            Some(&json!({"reason_code": "not_technology_contract", "note": "不属于技术合同"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let (s, _) = call(
            &app,
            Method::GET,
            &format!("/api/v1/contracts/{refused}"),
            &stat.token,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // A grant application is not the statistician's until its public notice.
        let tto = app.user(Role::InstitutionAdmin, Some(org)).await;
        let mut body = listing_body("职务发明：固态电解质");
        body["job_related"] = json!(true);
        body["institution_id"] = json!(org);
        let listing = app.draft(&seller, &body).await;
        assert_eq!(
            app.command(listing, "submit", &seller.token, None)
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            app.command(listing, "publish", &tto.token, None)
                .await
                .status(),
            StatusCode::OK
        );
        let grant = post_ok(
            &app,
            "/api/v1/ownership-grants",
            &seller.token,
            Some(&json!({
                "listing_id": listing, "kind": "usage_right", "term_years": 10,
                "team": [{"user_id": seller.id, "share_percent": 100}]
            })),
        )
        .await;
        let grant_path = format!("/api/v1/ownership-grants/{}", grant["id"].as_str().unwrap());
        let grant_hidden = |step: &'static str| {
            let (app, grant_path, stat) = (&app, grant_path.clone(), stat.clone());
            async move {
                for p in [grant_path.clone(), format!("{grant_path}/history")] {
                    let (s, _) = call(app, Method::GET, &p, &stat.token, None).await;
                    assert_eq!(s, StatusCode::NOT_FOUND, "{step}: {p}");
                }
                assert_eq!(
                    get_ok(app, "/api/v1/ownership-grants", &stat.token).await["items"],
                    json!([]),
                    "{step}"
                );
            }
        };
        grant_hidden("applied").await;
        post_ok(
            &app,
            &format!("{grant_path}/review"),
            &tto.token,
            Some(&json!({"decision": "approve"})),
        )
        .await;
        grant_hidden("approved").await;
        post_ok(
            &app,
            &format!("{grant_path}/notice"),
            &tto.token,
            Some(&json!({"days": 5})),
        )
        .await;
        assert_eq!(
            get_ok(&app, &grant_path, &stat.token).await["status"],
            "in_notice"
        );
        assert_eq!(
            get_ok(&app, "/api/v1/ownership-grants", &stat.token).await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let feed = get_ok(&app, "/api/v1/events?limit=100", &stat.token).await;
        let types: Vec<&str> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["aggregate_type"] == "ownership_grant")
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["notice_started"]);
        // Rejected during the notice (an upheld objection), it leaves the public register, and the
        // statistician's sight with it.
        let objection = post_ok(
            &app,
            &format!("{grant_path}/objections"),
            &stat.token,
            Some(&json!({"reason": "发明人不完整"})),
        )
        .await;
        let objection_id = objection["objections"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{objection}"))
            .to_string();
        post_ok(
            &app,
            &format!("{grant_path}/objections/{objection_id}/resolve"),
            &tto.token,
            Some(&json!({"outcome": "upheld", "resolution": "补充发明人后重新申请"})),
        )
        .await;
        assert_eq!(
            get_ok(&app, &grant_path, &tto.token).await["status"],
            "rejected"
        );
        let (s, _) = call(&app, Method::GET, &grant_path, &stat.token, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let feed = get_ok(&app, "/api/v1/events?limit=100", &stat.token).await;
        let types: Vec<&str> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["aggregate_type"] == "ownership_grant")
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            ["notice_started", "objection_raised", "objection_resolved"]
        );
        // Withdrawn before any notice stays out of the statistician's sight.
        let second = post_ok(
            &app,
            "/api/v1/ownership-grants",
            &seller.token,
            Some(&json!({
                "listing_id": listing, "kind": "usage_right", "term_years": 10,
                "team": [{"user_id": seller.id, "share_percent": 100}]
            })),
        )
        .await;
        let second_path = format!(
            "/api/v1/ownership-grants/{}",
            second["id"].as_str().unwrap()
        );
        post_ok(
            &app,
            &format!("{second_path}/withdraw"),
            &seller.token,
            None,
        )
        .await;
        let (s, _) = call(&app, Method::GET, &second_path, &stat.token, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let feed = get_ok(&app, "/api/v1/events?limit=100", &stat.token).await;
        assert!(
            !feed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["aggregate_id"] == second["id"]),
            "{feed}"
        );
    }
);

both!(
    brute_force_gets_429_and_the_right_password_works_after_the_window,
    settings => |s: &mut techmarket::config::Settings| {
        s.login_max_failures_per_account = 5;
        s.login_max_failures_per_address = 8;
        s.login_window_seconds = 60;
        s.register_max_per_address = 3;
        s.register_window_seconds = 3600;
        s.password_reset_max_per_address = 2;
    },
    |app: TestApp| async move {
        // Operator-made users: registrations are counted against this address below.
        let victim = app.user(Role::Registrar, None).await;
        let other = app.user(Role::Registrar, None).await;
        let third = app.user(Role::Registrar, None).await;
        for i in 0..5 {
            let (s, _) = login_status(&app, &victim.email, "wrong password!").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "try {i}");
        }
        let r = app.post("/api/v1/auth/login", None, Some(&json!({"email": victim.email, "password": "wrong password!"}))).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let (_, p) = json_of(r).await;
        assert_eq!(p["type"], "/problems/rate-limited");
        assert_eq!(p["status"], 429);
        // While the account is locked even the right password is refused: guessing learns nothing.
        let (s, _) = login_status(&app, &victim.email, PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        // Other accounts still sign in; three more failures spend the address's budget of 8.
        app.login(&other.email, PASSWORD).await;
        for _ in 0..3 {
            assert_eq!(login_status(&app, &other.email, "wrong password!").await.0, StatusCode::UNAUTHORIZED);
        }
        let (s, p) = login_status(&app, &third.email, PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{p}");
        assert!(p["detail"].as_str().unwrap().contains("address"), "{p}");
        // After the window the right password works again.
        app.state.clock.advance(Duration::seconds(61));
        app.login(&victim.email, PASSWORD).await;
        app.login(&third.email, PASSWORD).await;

        // A stolen token does not turn /me/password into an unlimited guessing oracle.
        let token = app.login(&other.email, PASSWORD).await;
        for _ in 0..5 {
            let (s, _) = call(&app, Method::POST, "/api/v1/me/password", &token, Some(&json!({"current_password": "wrong password!", "new_password": "a brand new passphrase"}))).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let (s, _) = call(&app, Method::POST, "/api/v1/me/password", &token, Some(&json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}))).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

        // Registration: 3 an hour from one address.
        for i in 0..3 {
            let body = json!({"email": format!("r{i}@example.cn"), "password": PASSWORD, "display_name": "x", "role": "researcher"});
            assert_eq!(app.post("/api/v1/auth/register", None, Some(&body)).await.status(), StatusCode::CREATED);
        }
        let head = app.log_len().await;
        let body = json!({"email": "r9@example.cn", "password": PASSWORD, "display_name": "x", "role": "researcher"});
        let r = app.post("/api/v1/auth/register", None, Some(&body)).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("retry-after"));
        assert_eq!(login_status(&app, "r9@example.cn", PASSWORD).await.0, StatusCode::UNAUTHORIZED, "nothing was created");
        assert_eq!(app.log_len().await, head);

        // Password reset: wrong tokens from one address, then 429.
        let body = json!({"token": "guess", "new_password": "a brand new passphrase"});
        for _ in 0..2 {
            assert_eq!(app.post("/api/v1/auth/password-reset", None, Some(&body)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        assert_eq!(app.post("/api/v1/auth/password-reset", None, Some(&body)).await.status(), StatusCode::TOO_MANY_REQUESTS);
        // The pruner forgets windows that can no longer refuse anything.
        let mut tx = app.state.db.begin().await.unwrap();
        let later = app.state.clock.now().timestamp_millis() + 1;
        let pruned = techmarket::store::rate_limit::prune(&mut tx.conn(), later).await.unwrap();
        tx.commit().await.unwrap();
        assert!(pruned >= 3, "{pruned}");
        assert_eq!(app.post("/api/v1/auth/password-reset", None, Some(&body)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
);

/// Runs the `techmarket` binary against the app's store.
fn cli(app: &TestApp, args: &[&str], password: Option<&str>) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_techmarket"));
    cmd.args(args)
        .env("DATABASE_URL", app.settings.database_url())
        .env("APP_DATA_DIR", &app.settings.data_dir)
        .env("APP_LOG_FORMAT", "pretty")
        .env_remove("TECHMARKET_PASSWORD");
    if let Some(p) = password {
        cmd.env("TECHMARKET_PASSWORD", p);
    }
    let out = cmd.output().expect("techmarket runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

both!(
    the_operator_manages_accounts_from_the_command_line,
    |app: TestApp| async move {
        let org = app.organization("重庆大学", "022", "500106").await;
        let org_s = org.to_string();
        let run = |args: Vec<String>, pw: Option<&'static str>| {
            let app = &app;
            async move {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                tokio::task::block_in_place(|| cli(app, &args, pw))
            }
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
        let (ok, out) = run(
            s(&[
                "user",
                "add",
                "--email",
                "Office@CQU.edu.cn",
                "--role",
                "institution_admin",
                "--organization",
                &org_s,
                "--organization-admin",
            ]),
            Some(PASSWORD),
        )
        .await;
        assert!(ok, "{out}");
        let token = app.login("office@cqu.edu.cn", PASSWORD).await;
        let me = get_ok(&app, "/api/v1/me", &token).await;
        assert_eq!(
            (
                me["organization_id"].clone(),
                me["organization_admin"].clone()
            ),
            (json!(org), json!(true))
        );

        let (ok, out) = run(s(&["user", "list", "--query", "office@"]), None).await;
        assert!(
            ok && out.contains("office@cqu.edu.cn") && out.contains("institution_admin"),
            "{out}"
        );
        let (ok, out) = run(
            s(&[
                "user",
                "disable",
                "--email",
                "office@cqu.edu.cn",
                "--reason",
                "调离",
            ]),
            None,
        )
        .await;
        assert!(ok, "{out}");
        assert_eq!(
            call(&app, Method::GET, "/api/v1/me", &token, None).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            login_status(&app, "office@cqu.edu.cn", PASSWORD).await.0,
            StatusCode::FORBIDDEN
        );
        let (ok, out) = run(s(&["user", "enable", "--email", "office@cqu.edu.cn"]), None).await;
        assert!(ok, "{out}");
        let (ok, out) = run(
            s(&["user", "reset-password", "--email", "office@cqu.edu.cn"]),
            None,
        )
        .await;
        assert!(ok, "{out}");
        let reset = out.lines().nth(1).unwrap().trim().to_string();
        let (s2, v) = json_of(
            app.post(
                "/api/v1/auth/password-reset",
                None,
                Some(&json!({"token": reset, "new_password": "the office passphrase"})),
            )
            .await,
        )
        .await;
        assert_eq!(s2, StatusCode::OK, "{v}");
        let (ok, out) = run(
            s(&[
                "user",
                "role",
                "--email",
                "office@cqu.edu.cn",
                "--role",
                "tech_manager",
            ]),
            None,
        )
        .await;
        assert!(ok && out.contains("tech_manager"), "{out}");
        // The operator is named as such (nil id) in the account's history.
        let operator = app.operator().await;
        let id = me["id"].as_str().unwrap();
        let history = get_ok(
            &app,
            &format!("/api/v1/users/{id}/history"),
            &operator.token,
        )
        .await;
        assert!(history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "disabled" && e["actor_id"] == json!(Uuid::nil())));
        // Mistakes read as sentences, not debug dumps, and change nothing.
        let (ok, out) = run(
            s(&[
                "user",
                "role",
                "--email",
                "office@cqu.edu.cn",
                "--role",
                "wizard",
            ]),
            None,
        )
        .await;
        assert!(!ok && out.contains("unknown role 'wizard'"), "{out}");
        let (ok, out) = run(
            s(&["user", "disable", "--email", "nobody@cqu.edu.cn"]),
            None,
        )
        .await;
        assert!(
            !ok && out.contains("no user with the e-mail address"),
            "{out}"
        );
        let (ok, out) = run(
            s(&["user", "add", "--email", "bad", "--role", "researcher"]),
            Some("short"),
        )
        .await;
        assert!(
            !ok && out.contains("email: must be an e-mail address")
                && out.contains("password: must be at least 10"),
            "{out}"
        );
        let (ok, out) = run(s(&["user", "remove", "--email", "office@cqu.edu.cn"]), None).await;
        assert!(ok, "{out}");
        assert_eq!(
            login_status(&app, "office@cqu.edu.cn", "the office passphrase")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
);

//! Ownership grants for job-related inventions (职务科技成果赋权) and revenue distribution
//! (issue 6): the grant's life over HTTP, exact splits, the register as of any date and instant,
//! expiry by itself, refusals that append nothing, and a rebuild that reproduces the register.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::ownership_grant::{
    years_after, GrantAction, GrantKind, GrantTerms, IncomeSplit, ListingFacts, TeamMember,
};
use techmarket::domain::{Actor, Command, Role};
use techmarket::projections::doc;
use techmarket::projections::rebuild::rebuild;
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, kinds, listing_body, TestApp, TestUser};

/// An institution with its office, two researchers and a published job-related listing.
struct Lab {
    institution: Uuid,
    owner: TestUser,
    colleague: TestUser,
    tto: TestUser,
    listing: Uuid,
}

async fn lab(app: &TestApp) -> Lab {
    let institution = app.organization("重庆大学", "022", "500106").await;
    let owner = app.user(Role::Researcher, Some(institution)).await;
    let colleague = app.user(Role::Researcher, Some(institution)).await;
    let tto = app.user(Role::InstitutionAdmin, Some(institution)).await;
    let listing = job_related_listing(app, institution, &owner, &tto).await;
    Lab {
        institution,
        owner,
        colleague,
        tto,
        listing,
    }
}

async fn job_related_listing(
    app: &TestApp,
    institution: Uuid,
    owner: &TestUser,
    tto: &TestUser,
) -> Uuid {
    let mut body = listing_body("职务发明：固态电解质");
    body["job_related"] = json!(true);
    body["institution_id"] = json!(institution);
    let listing = app.draft(owner, &body).await;
    assert_eq!(
        app.command(listing, "submit", &owner.token, None)
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
    listing
}

/// A third researcher, so that a team of three has shares that do not divide evenly.
async fn third(app: &TestApp, lab: &Lab) -> TestUser {
    app.user(Role::Researcher, Some(lab.institution)).await
}

/// An ownership share 30/70 with 70% of net income to a team of three (33.33/33.33/33.34).
fn ownership_share(lab: &Lab, third: &TestUser) -> Value {
    json!({
        "listing_id": lab.listing,
        "kind": "ownership_share",
        "institution_share_percent": 30,
        "team_share_percent": 70,
        "team": [
            {"user_id": lab.owner.id, "share_percent": 33.33},
            {"user_id": lab.colleague.id, "share_percent": 33.33},
            {"user_id": third.id, "share_percent": 33.34}
        ],
        "team_income_percent": 70,
        "statement": "团队完成了全部研发工作"
    })
}

/// A ten-year usage right for the owner and a colleague (60/40), income split left statutory.
fn usage_right(lab: &Lab) -> Value {
    json!({
        "listing_id": lab.listing,
        "kind": "usage_right",
        "term_years": 10,
        "team": [
            {"user_id": lab.owner.id, "share_percent": 60},
            {"user_id": lab.colleague.id, "share_percent": 40}
        ]
    })
}

fn grant_path(id: &str, verb: &str) -> String {
    format!("/api/v1/ownership-grants/{id}/{verb}")
}

async fn ok(app: &TestApp, path: &str, token: &str, body: Option<&Value>) -> Value {
    let (s, v) = json_of(app.post(path, Some(token), body).await).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

async fn apply(app: &TestApp, lab: &Lab, body: &Value) -> String {
    let (s, v) = json_of(
        app.post(
            "/api/v1/ownership-grants",
            Some(&lab.owner.token),
            Some(body),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "applied");
    v["id"].as_str().unwrap().to_string()
}

/// Applied, approved, noticed for 5 days, the clock moved past the notice, granted.
async fn granted(app: &TestApp, lab: &Lab, body: &Value) -> (String, Value) {
    let id = apply(app, lab, body).await;
    ok(
        app,
        &grant_path(&id, "review"),
        &lab.tto.token,
        Some(&json!({"decision": "approve"})),
    )
    .await;
    ok(
        app,
        &grant_path(&id, "notice"),
        &lab.tto.token,
        Some(&json!({"days": 5})),
    )
    .await;
    app.state.clock.advance(Duration::days(5));
    let v = ok(app, &grant_path(&id, "grant"), &lab.tto.token, None).await;
    assert_eq!(v["status"], "granted", "{v}");
    (id, v)
}

async fn get_grant(app: &TestApp, id: &str, token: &str) -> Value {
    let (s, v) = json_of(
        app.get(&format!("/api/v1/ownership-grants/{id}"), Some(token))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let (s, v) = json_of(
        app.get(
            &format!("/api/v1/stats/ownership-grants?{query}"),
            Some(token),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    v
}

fn today(app: &TestApp) -> NaiveDate {
    china_date(app.state.clock.now())
}

both!(
    a_grant_runs_from_application_to_registry_change,
    |app: TestApp| async move {
        let lab = lab(&app).await;
        let public = app.user(Role::Enterprise, None).await;
        let id = apply(&app, &lab, &usage_right(&lab)).await;

        // Before the notice only the parties see the application.
        assert_eq!(
            app.get(
                &format!("/api/v1/ownership-grants/{id}"),
                Some(&public.token)
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
        let v = get_grant(&app, &id, &lab.colleague.token).await;
        assert_eq!(
            v["terms"]["income"],
            json!({"team_bp": 5000, "agreed": false})
        );
        assert_eq!(v["terms"]["institution_share_bp"], 10000);

        // Only the institution's office reviews.
        let (s, _) = json_of(
            app.post(
                &grant_path(&id, "review"),
                Some(&lab.owner.token),
                Some(&json!({"decision": "approve"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let v = ok(
            &app,
            &grant_path(&id, "review"),
            &lab.tto.token,
            Some(&json!({"decision": "approve", "note": "符合赋权条件"})),
        )
        .await;
        assert_eq!(v["status"], "approved");

        // 公示 with the configured default period.
        let v = ok(&app, &grant_path(&id, "notice"), &lab.tto.token, None).await;
        assert_eq!(v["status"], "in_notice");
        assert_eq!(v["notice"]["days"], app.settings.grant_notice_days);
        let starts: DateTime<Utc> = v["notice"]["starts_at"].as_str().unwrap().parse().unwrap();
        let ends: DateTime<Utc> = v["notice"]["ends_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            (ends - starts).num_days(),
            i64::from(app.settings.grant_notice_days)
        );

        // Now public: anyone signed in reads it and may object.
        get_grant(&app, &id, &public.token).await;
        let v = ok(
            &app,
            &grant_path(&id, "objections"),
            &public.token,
            Some(&json!({"reason": "发明人名单遗漏了合作者"})),
        )
        .await;
        let objection = v["objections"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(v["objections"][0]["raised_by"], json!(public.id));

        // Granting before the notice ends is refused, and appends nothing.
        let head = app.log_len().await;
        let (s, v) = json_of(
            app.post(&grant_path(&id, "grant"), Some(&lab.tto.token), None)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("public notice runs until"),
            "{v}"
        );
        assert_eq!(app.log_len().await, head);

        app.state
            .clock
            .advance(Duration::days(i64::from(app.settings.grant_notice_days)));
        // After the notice no new objection is taken; the open one still blocks the grant.
        let (s, _) = json_of(
            app.post(
                &grant_path(&id, "objections"),
                Some(&public.token),
                Some(&json!({"reason": "迟到的异议"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, v) = json_of(
            app.post(&grant_path(&id, "grant"), Some(&lab.tto.token), None)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(v["detail"].as_str().unwrap().contains(&objection), "{v}");

        let v = ok(
            &app,
            &format!("/api/v1/ownership-grants/{id}/objections/{objection}/resolve"),
            &lab.tto.token,
            Some(&json!({"outcome": "dismissed", "resolution": "合作者未参与本成果研发"})),
        )
        .await;
        assert_eq!(v["objections"][0]["resolution"]["outcome"], "dismissed");

        let v = ok(&app, &grant_path(&id, "grant"), &lab.tto.token, None).await;
        let granted_on: NaiveDate = v["granted_on"].as_str().unwrap().parse().unwrap();
        assert_eq!(granted_on, today(&app));
        assert_eq!(
            v["term_end"],
            json!(years_after(granted_on, 10).to_string())
        );
        assert_eq!(v["in_force"], true);

        // The patent office's record: not before the grant, not in the future.
        let (s, v) = json_of(
            app.post(
                &grant_path(&id, "registry-change"),
                Some(&lab.tto.token),
                Some(&json!({"record_number": "2026-ZL-0001", "recorded_on": (granted_on + Duration::days(1)).to_string()})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["errors"][0]["field"], "recorded_on");
        let v = ok(
            &app,
            &grant_path(&id, "registry-change"),
            &lab.tto.token,
            Some(&json!({"record_number": "2026-ZL-0001", "recorded_on": granted_on.to_string()})),
        )
        .await;
        assert_eq!(v["status"], "registry_changed");
        assert_eq!(v["registry_change"]["record_number"], "2026-ZL-0001");

        // Who was told: the office of the objection, the applicant of each step.
        let office = app.inbox(&lab.tto, 1).await;
        assert_eq!(kinds(&office), ["grant_objection_raised"]);
        assert_eq!(
            office["items"][0]["data"]["reason"],
            "发明人名单遗漏了合作者"
        );
        assert_ne!(office["items"][0]["mail_status"], "off");
        let applicant = app.inbox(&lab.owner, 4).await;
        assert_eq!(
            kinds(&applicant),
            [
                "grant_granted",
                "grant_notice_started",
                "grant_approved",
                "listing_published"
            ]
        );
        assert!(kinds(&app.inbox(&public, 0).await).is_empty());

        // The history tells who did what, in order; the feed carries the objection as a hook.
        let (_, h) = json_of(
            app.get(
                &format!("/api/v1/ownership-grants/{id}/history"),
                Some(&lab.owner.token),
            )
            .await,
        )
        .await;
        let types: Vec<&str> = h["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "applied",
                "approved",
                "notice_started",
                "objection_raised",
                "objection_resolved",
                "granted",
                "registry_change_recorded"
            ]
        );
        let stat = app.user(Role::Statistician, None).await;
        let (_, feed) = json_of(app.get("/api/v1/events?limit=100", Some(&stat.token)).await).await;
        assert!(
            feed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["aggregate_type"] == "ownership_grant"
                    && e["event_type"] == "objection_raised"),
            "{feed}"
        );

        // The list finds it by researcher and by state.
        let (_, list) = json_of(
            app.get(
                &format!(
                    "/api/v1/ownership-grants?researcher_id={}&state=registry_changed",
                    lab.colleague.id
                ),
                Some(&public.token),
            )
            .await,
        )
        .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
        assert_eq!(list["items"][0]["id"], json!(id));
    }
);

/// A contract naming the listing, submitted by the owner for the institution, registered.
async fn registered_contract(app: &TestApp, lab: &Lab, registrar: &TestUser) -> String {
    let id = submitted_contract(app, lab, registrar).await;
    ok(
        app,
        &format!("/api/v1/contracts/{id}/register"),
        &registrar.token,
        Some(&json!({"registration_number": format!("N{}", id.replace('-', ""))})),
    )
    .await;
    // The registration marks the listing transferred by a policy that follows the log; wait for
    // it, so that its event does not land in the middle of a "nothing appended" check.
    for _ in 0..200 {
        let (_, l) = json_of(
            app.get(
                &format!("/api/v1/listings/{}", lab.listing),
                Some(&lab.owner.token),
            )
            .await,
        )
        .await;
        if l["status"] == "transferred" {
            return id;
        }
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
    panic!("the listing was never marked transferred by contract {id}");
}

/// Submitted and accepted, not yet decided.
async fn submitted_contract(app: &TestApp, lab: &Lab, registrar: &TestUser) -> String {
    let today = today(app);
    let body = json!({
        "contract_type": "license", "contract_subtype": "exclusive", "title": "固态电解质专利实施许可",
        "seller": {"organization_id": lab.institution, "name": "重庆大学", "party_nature": "022", "region": "500106"},
        "buyer": {"name": "某电池公司", "party_nature": "150", "region": "500112"},
        "signing_date": (today - Duration::days(1)).to_string(),
        "validity_start": today.to_string(), "validity_end": (today + Duration::days(365)).to_string(),
        "contract_amount_fen": 50_000_000, "technology_amount_fen": 50_000_000, "field": "new_energy",
        "listing_id": lab.listing
    });
    let (s, v) = json_of(
        app.post("/api/v1/contracts", Some(&lab.owner.token), Some(&body))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    ok(
        app,
        &format!("/api/v1/contracts/{id}/accept"),
        &registrar.token,
        None,
    )
    .await;
    id
}

async fn payment(app: &TestApp, lab: &Lab, contract: &str, amount: i64) -> String {
    let v = ok(
        app,
        &format!("/api/v1/contracts/{contract}/payments"),
        &lab.owner.token,
        Some(&json!({"amount_fen": amount, "received_on": today(app).to_string()})),
    )
    .await;
    v["payments"].as_array().unwrap().last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn amounts(d: &Value) -> (i64, i64, i64, Vec<i64>) {
    (
        d["costs_fen"].as_i64().unwrap(),
        d["institution_fen"].as_i64().unwrap(),
        d["team_fen"].as_i64().unwrap(),
        d["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["amount_fen"].as_i64().unwrap())
            .collect(),
    )
}

both!(
    payments_are_split_exactly_by_the_grant_in_force,
    |app: TestApp| async move {
        let lab = lab(&app).await;
        let third = third(&app, &lab).await;
        let registrar = app.user(Role::Registrar, None).await;
        let (id, _) = granted(&app, &lab, &ownership_share(&lab, &third)).await;
        let contract = registered_contract(&app, &lab, &registrar).await;

        // 1,000,000 fen at 70% to the team: 700,000; members 33.33/33.33/33.34 of it exactly.
        let first = payment(&app, &lab, &contract, 1_000_000).await;
        let v = ok(
            &app,
            &grant_path(&id, "distributions"),
            &lab.tto.token,
            Some(&json!({"contract_id": contract, "payment_id": first})),
        )
        .await;
        assert_eq!(
            amounts(&v["distributions"][0]),
            (0, 300_000, 700_000, vec![233_310, 233_310, 233_380])
        );

        // 100,001 fen less 1 fen of costs: 100,000 net, split exactly 30,000 / 70,000, and
        // 70,000 in 33.33/33.33/33.34 is exact too.
        let second = payment(&app, &lab, &contract, 100_001).await;
        let v = ok(
            &app,
            &grant_path(&id, "distributions"),
            &lab.tto.token,
            Some(&json!({"contract_id": contract, "payment_id": second, "costs_fen": 1})),
        )
        .await;
        assert_eq!(
            amounts(&v["distributions"][1]),
            (1, 30_000, 70_000, vec![23_331, 23_331, 23_338])
        );
        // And a payment whose fen do not divide evenly at all: 7 fen.
        let third_payment = payment(&app, &lab, &contract, 7).await;
        let v = ok(
            &app,
            &grant_path(&id, "distributions"),
            &lab.tto.token,
            Some(&json!({"contract_id": contract, "payment_id": third_payment})),
        )
        .await;
        // 7 × 70% = 4.9 → 4 (rem .9) and 7 × 30% = 2.1 → 2 (rem .1): the leftover fen to the team.
        // 5 × 33.33% = 1.6665, 1.6665, 1.667 → 1, 1, 1 and two fen left: to the 33.34% member,
        // then to the first-listed of the tied two.
        assert_eq!(amounts(&v["distributions"][2]), (0, 2, 5, vec![2, 1, 2]));
        for d in v["distributions"].as_array().unwrap() {
            let (costs, inst, team, members) = amounts(d);
            assert_eq!(costs + inst + team, d["amount_fen"].as_i64().unwrap());
            assert_eq!(members.iter().sum::<i64>(), team);
        }

        // Each member is told of each distribution, with their own part; the submitter of
        // the contract heard it accepted and registered.
        let told = app.inbox(&third, 3).await;
        assert_eq!(kinds(&told), ["distribution_recorded"; 3]);
        let parts: Vec<i64> = told["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["data"]["amount_fen"].as_i64().unwrap())
            .collect();
        assert_eq!(parts, [2, 23_338, 233_380]);
        let owner = app.inbox(&lab.owner, 3).await;
        let owner_kinds = kinds(&owner);
        for k in [
            "distribution_recorded",
            "contract_registered",
            "contract_accepted",
        ] {
            assert!(owner_kinds.contains(&k.to_string()), "{owner_kinds:?}");
        }

        // The same payment twice: refused, nothing appended.
        let head = app.log_len().await;
        let (s, v) = json_of(
            app.post(
                &grant_path(&id, "distributions"),
                Some(&lab.tto.token),
                Some(&json!({"contract_id": contract, "payment_id": first})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["detail"]
            .as_str()
            .unwrap()
            .contains("already distributed"));
        assert_eq!(app.log_len().await, head);

        // Who was paid what: the revenue report per holder, and its CSV with a total row.
        let stat = app.user(Role::Statistician, None).await;
        let r = report(&app, &stat.token, "report=revenue").await;
        assert_eq!(r["totals"]["payments"], 3);
        assert_eq!(r["totals"]["amount_fen"], 1_100_008);
        assert_eq!(r["totals"]["costs_fen"], 1);
        assert_eq!(r["totals"]["institution_fen"], 330_002);
        assert_eq!(r["totals"]["team_fen"], 770_005);
        let member_total = |user: &TestUser| {
            r["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["holder_id"] == json!(user.id))
                .map(|i| i["amount_fen"].as_i64().unwrap())
        };
        assert_eq!(member_total(&lab.owner), Some(233_310 + 23_331 + 2));
        assert_eq!(member_total(&lab.colleague), Some(233_310 + 23_331 + 1));
        assert_eq!(member_total(&third), Some(233_380 + 23_338 + 2));

        // A researcher sees their own part only; the office its institution's.
        let mine = report(&app, &third.token, "report=revenue").await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
        assert_eq!(mine["totals"]["amount_fen"], 233_380 + 23_338 + 2);
        let (s, _) = json_of(
            app.get(
                &format!(
                    "/api/v1/stats/ownership-grants?report=revenue&researcher_id={}",
                    lab.owner.id
                ),
                Some(&third.token),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let csv = app
            .client
            .get(app.url("/api/v1/stats/ownership-grants?report=revenue"))
            .bearer_auth(&stat.token)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // A byte-order mark first, so that spreadsheets read UTF-8 (issue 17).
        let csv = csv.strip_prefix('\u{feff}').expect("a byte-order mark");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "holder_type,holder_id,holder_name,payments,amount_fen,amount_wan,institution_id"
        );
        assert_eq!(lines.len(), 1 + 5 + 1, "{csv}");
        assert!(
            lines.last().unwrap().starts_with("total,,,3,1100008,1.10,"),
            "{csv}"
        );

        // A later period holds nothing.
        let later = (today(&app) + Duration::days(1)).to_string();
        let r = report(&app, &stat.token, &format!("report=revenue&from={later}")).await;
        assert_eq!(r["totals"]["amount_fen"], 0);

        // Someone outside the money sees the grant's terms but not who was paid what.
        let public = app.user(Role::Enterprise, None).await;
        let v = get_grant(&app, &id, &public.token).await;
        assert!(v.get("distributions").is_none(), "{v}");
        assert_eq!(
            get_grant(&app, &id, &lab.colleague.token).await["distributions"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
);

both!(
    the_cap_table_as_of_a_date_before_and_after_an_extension,
    |app: TestApp| async move {
        let lab = lab(&app).await;
        let (id, v) = granted(&app, &lab, &usage_right(&lab)).await;
        let granted_on: NaiveDate = v["granted_on"].as_str().unwrap().parse().unwrap();
        let first_end = years_after(granted_on, 10);
        let stat = app.user(Role::Statistician, None).await;
        let in_year_12 = granted_on + Duration::days(365 * 11 + 30);
        let in_year_2 = granted_on + Duration::days(400);

        let cap = |on: NaiveDate, as_of: Option<DateTime<Utc>>| {
            let mut q = format!("report=cap_table&on={on}");
            if let Some(t) = as_of {
                q.push_str(&format!("&as_of={}", t.to_rfc3339().replace('+', "%2B")));
            }
            q
        };
        let r = report(&app, &stat.token, &cap(in_year_2, None)).await;
        assert_eq!(r["totals"]["grants"], 1, "{r}");
        let items = r["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "the institution and two members: {r}");
        assert_eq!(items[0]["holder_type"], "institution");
        assert_eq!(items[0]["ownership_percent"], "100");
        assert_eq!(items[0]["income_percent"], "50");
        assert_eq!(items[1]["holder_id"], json!(lab.owner.id));
        assert_eq!(items[1]["right"], "usage_right");
        assert_eq!(items[1]["share_of_team_percent"], "60");
        assert_eq!(items[1]["income_percent"], "30");
        assert_eq!(items[2]["income_percent"], "20");
        assert_eq!(items[1]["term_end"], json!(first_end.to_string()));
        // Past the ten years, nothing is in force.
        let r = report(&app, &stat.token, &cap(in_year_12, None)).await;
        assert_eq!(r["totals"]["grants"], 0, "{r}");

        let before_extension = app.state.clock.now();
        tokio::time::sleep(StdDuration::from_millis(5)).await;
        let new_end = years_after(granted_on, 15);
        let v = ok(
            &app,
            &grant_path(&id, "extend"),
            &lab.tto.token,
            Some(&json!({"until": new_end.to_string(), "reason": "成果转化进展良好"})),
        )
        .await;
        assert_eq!(v["term_end"], json!(new_end.to_string()));
        assert_eq!(v["original_term_end"], json!(first_end.to_string()));

        // On a date in year 12: in force now; not as known before the extension.
        let r = report(&app, &stat.token, &cap(in_year_12, None)).await;
        assert_eq!(r["totals"]["grants"], 1, "{r}");
        assert_eq!(r["items"][1]["term_end"], json!(new_end.to_string()));
        let r = report(&app, &stat.token, &cap(in_year_12, Some(before_extension))).await;
        assert_eq!(r["totals"]["grants"], 0, "{r}");
        // In year 2 it is in force either way, with the term as it was known then.
        let r = report(&app, &stat.token, &cap(in_year_2, Some(before_extension))).await;
        assert_eq!(r["items"][1]["term_end"], json!(first_end.to_string()));
        // Before the grant was made, nothing was known of it.
        let r = report(
            &app,
            &stat.token,
            &cap(in_year_2, Some(before_extension - Duration::days(1))),
        )
        .await;
        assert_eq!(r["totals"]["grants"], 0, "{r}");

        // A researcher's own holdings; another institution's office may not look.
        let mine = report(&app, &lab.colleague.token, &cap(in_year_12, None)).await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        assert_eq!(mine["items"][0]["holder_id"], json!(lab.colleague.id));
        let elsewhere = app.organization("西南大学", "022", "500109").await;
        let other_tto = app.user(Role::InstitutionAdmin, Some(elsewhere)).await;
        let (s, _) = json_of(
            app.get(
                &format!(
                    "/api/v1/stats/ownership-grants?institution_id={}",
                    lab.institution
                ),
                Some(&other_tto.token),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let theirs = report(&app, &other_tto.token, "report=cap_table").await;
        assert_eq!(theirs["totals"]["grants"], 0);

        // Terms expiring: within 15 years of year 12, the extended end; within 30 days, none.
        let r = report(
            &app,
            &stat.token,
            &format!("report=expiring&on={in_year_12}&within_days=2000"),
        )
        .await;
        assert_eq!(r["items"][0]["term_end"], json!(new_end.to_string()), "{r}");
        assert_eq!(
            r["items"][0]["days_left"],
            (new_end - in_year_12).num_days()
        );
        let r = report(
            &app,
            &stat.token,
            &format!("report=expiring&on={in_year_12}&within_days=30"),
        )
        .await;
        assert_eq!(r["totals"]["grants"], 0);

        // The cap table as CSV.
        let csv = app
            .client
            .get(app.url(&format!(
                "/api/v1/stats/ownership-grants?{}",
                cap(in_year_12, None)
            )))
            .bearer_auth(&stat.token)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // A byte-order mark first, so that spreadsheets read UTF-8 (issue 17).
        let csv = csv.strip_prefix('\u{feff}').expect("a byte-order mark");
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].starts_with("grant_id,listing_id,listing_title,"),
            "{csv}"
        );
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(
            lines[1].contains(",institution,") && lines[1].contains("重庆大学"),
            "{csv}"
        );
    }
);

/// Polls the grant until `status`, or fails after a few seconds.
async fn wait_for_status(app: &TestApp, id: &str, token: &str, status: &str) -> Value {
    for _ in 0..100 {
        let v = get_grant(app, id, token).await;
        if v["status"] == status {
            return v;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("grant {id} never became {status}");
}

both!(a_term_expires_by_itself, |app: TestApp| async move {
    let lab = lab(&app).await;
    let third = third(&app, &lab).await;
    let mut body = ownership_share(&lab, &third);
    body["term_years"] = json!(1);
    let (id, v) = granted(&app, &lab, &body).await;
    let end: NaiveDate = v["term_end"].as_str().unwrap().parse().unwrap();

    // Within the warning period the expiry is announced, by the platform, once.
    let to_warning = end - today(&app) - Duration::days(30);
    app.state.clock.advance(to_warning);
    let mut announced = false;
    for _ in 0..100 {
        let (_, h) = json_of(
            app.get(&grant_path(&id, "history"), Some(&lab.tto.token))
                .await,
        )
        .await;
        let warnings: Vec<&Value> = h["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "expiry_approaching")
            .collect();
        if let Some(w) = warnings.first() {
            assert_eq!(warnings.len(), 1);
            assert_eq!(w["data"]["term_ends_on"], json!(end.to_string()));
            assert_eq!(w["actor"]["user_id"], json!(Uuid::nil()));
            announced = true;
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(announced, "the expiry was never announced");
    assert_eq!(
        get_grant(&app, &id, &lab.tto.token).await["status"],
        "granted"
    );

    // The last day is still in force; the day after, it expires by itself.
    app.state.clock.advance(Duration::days(31));
    let v = wait_for_status(&app, &id, &lab.tto.token, "expired").await;
    assert_eq!(
        v["ending"]["on"],
        json!((end + Duration::days(1)).to_string())
    );
    assert_eq!(v["in_force"], false);
    let stat = app.user(Role::Statistician, None).await;
    let r = report(&app, &stat.token, &format!("report=cap_table&on={end}")).await;
    assert_eq!(
        r["totals"]["grants"], 1,
        "still in force on its last day: {r}"
    );
    let r = report(&app, &stat.token, "report=cap_table").await;
    assert_eq!(r["totals"]["grants"], 0, "{r}");

    // The applicant was warned before the end and told of it.
    let told = kinds(&app.inbox(&lab.owner, 6).await);
    assert_eq!(
        told[..2],
        ["grant_expired", "grant_term_expiring"],
        "{told:?}"
    );

    // The listing is free for a new grant.
    apply(&app, &lab, &usage_right(&lab)).await;
});

async fn refused(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let head = app.log_len().await;
    let (s, v) = json_of(app.post(path, Some(token), Some(body)).await).await;
    assert!(s.is_client_error(), "{path}: {s} {v}");
    assert_eq!(app.log_len().await, head, "{path} appended after a refusal");
    (s, v)
}

fn first_field(v: &Value) -> &str {
    v["errors"][0]["field"].as_str().unwrap_or_default()
}

both!(
    bad_input_is_refused_precisely_and_appends_nothing,
    |app: TestApp| async move {
        let lab = lab(&app).await;
        let third = third(&app, &lab).await;
        let apply_path = "/api/v1/ownership-grants";
        let token = lab.owner.token.clone();

        // A listing that is not job-related.
        let plain = app.published(&lab.owner, &listing_body("非职务成果")).await;
        let mut b = usage_right(&lab);
        b["listing_id"] = json!(plain);
        let (s, v) = refused(&app, &token, apply_path, &b).await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "listing_id"),
            "{v}"
        );
        assert!(v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("job-related"));

        // Shares that do not sum to 100%.
        let mut b = ownership_share(&lab, &third);
        b["institution_share_percent"] = json!(40);
        let (s, v) = refused(&app, &token, apply_path, &b).await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "team_share_percent"),
            "{v}"
        );
        assert!(
            v["errors"][0]["message"].as_str().unwrap().contains("110%"),
            "{v}"
        );
        let mut b = ownership_share(&lab, &third);
        b["team"][2]["share_percent"] = json!(30);
        let (_, v) = refused(&app, &token, apply_path, &b).await;
        assert_eq!(first_field(&v), "team", "{v}");

        // A usage term under ten years.
        let mut b = usage_right(&lab);
        b["term_years"] = json!(9);
        let (s, v) = refused(&app, &token, apply_path, &b).await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "term_years"),
            "{v}"
        );

        // A team member who is not a user.
        let mut b = usage_right(&lab);
        b["team"][1]["user_id"] = json!(Uuid::now_v7());
        let (s, v) = refused(&app, &token, apply_path, &b).await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "team[1].user_id"),
            "{v}"
        );

        // Someone who may not apply: an enterprise, a researcher who did not invent it.
        let outsider = app.user(Role::Researcher, Some(lab.institution)).await;
        let (s, _) = refused(&app, &outsider.token, apply_path, &usage_right(&lab)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // A second grant while one is under way, then while one is in force.
        let id = apply(&app, &lab, &usage_right(&lab)).await;
        let (s, v) = refused(&app, &token, apply_path, &ownership_share(&lab, &third)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["detail"].as_str().unwrap().contains(&id), "{v}");

        // Granting before the notice ends.
        ok(
            &app,
            &grant_path(&id, "review"),
            &lab.tto.token,
            Some(&json!({"decision": "approve"})),
        )
        .await;
        ok(
            &app,
            &grant_path(&id, "notice"),
            &lab.tto.token,
            Some(&json!({"days": 10})),
        )
        .await;
        let (s, _) = refused(
            &app,
            &lab.tto.token,
            &grant_path(&id, "grant"),
            &json!(null),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        app.state.clock.advance(Duration::days(10));
        ok(&app, &grant_path(&id, "grant"), &lab.tto.token, None).await;
        let (s, _) = refused(&app, &token, apply_path, &ownership_share(&lab, &third)).await;
        assert_eq!(s, StatusCode::CONFLICT);

        // Extending to before the current end; revoking in the future.
        let (s, v) = refused(
            &app,
            &lab.tto.token,
            &grant_path(&id, "extend"),
            &json!({"until": today(&app).to_string(), "reason": "x"}),
        )
        .await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "until")
        );
        let (s, v) = refused(
            &app,
            &lab.tto.token,
            &grant_path(&id, "revoke"),
            &json!({"on": (today(&app) + Duration::days(1)).to_string(), "reason": "未实施"}),
        )
        .await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "on")
        );

        // Distributing on a refused contract.
        let registrar = app.user(Role::Registrar, None).await;
        let contract = submitted_contract(&app, &lab, &registrar).await;
        ok(
            &app,
            &format!("/api/v1/contracts/{contract}/refuse"),
            &registrar.token,
            Some(&json!({"reason_code": "not_technology_contract"})),
        )
        .await;
        let (s, v) = refused(
            &app,
            &lab.tto.token,
            &grant_path(&id, "distributions"),
            &json!({"contract_id": contract, "payment_id": Uuid::now_v7()}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("refused"), "{v}");
        // A contract that does not exist; costs above the payment.
        let (s, v) = refused(
            &app,
            &lab.tto.token,
            &grant_path(&id, "distributions"),
            &json!({"contract_id": Uuid::now_v7(), "payment_id": Uuid::now_v7()}),
        )
        .await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "contract_id")
        );
        let good = registered_contract(&app, &lab, &registrar).await;
        let paid = payment(&app, &lab, &good, 1_000).await;
        let (s, v) = refused(
            &app,
            &lab.tto.token,
            &grant_path(&id, "distributions"),
            &json!({"contract_id": good, "payment_id": paid, "costs_fen": 1_001}),
        )
        .await;
        assert_eq!(
            (s, first_field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "costs_fen")
        );
        // Only the institution's office distributes.
        let (s, _) = refused(
            &app,
            &lab.owner.token,
            &grant_path(&id, "distributions"),
            &json!({"contract_id": good, "payment_id": paid}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Nor can anyone else probe contracts through a public grant.
        let public = app.user(Role::Enterprise, None).await;
        let (s, _) = refused(
            &app,
            &public.token,
            &grant_path(&id, "distributions"),
            &json!({"contract_id": Uuid::now_v7(), "payment_id": Uuid::now_v7()}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
);

both!(
    one_live_grant_per_listing_holds_even_past_the_route_check,
    |app: TestApp| async move {
        // Two applications decided side by side, as two racing requests would be: the register's
        // unique index, written in the append's transaction, refuses the second.
        let lab = lab(&app).await;
        let actor = Actor {
            user_id: lab.owner.id,
            role: Role::Researcher,
            organization_id: Some(lab.institution),
        };
        let facts = ListingFacts {
            listing_id: lab.listing,
            title: "职务发明：固态电解质".into(),
            job_related: true,
            institution_id: Some(lab.institution),
            owner_id: lab.owner.id,
            inventor_user_ids: vec![],
            withdrawn: false,
        };
        let terms = GrantTerms {
            kind: GrantKind::UsageRight,
            institution_share_bp: 10_000,
            team_share_bp: 0,
            term_years: Some(10),
            team: vec![TeamMember {
                user_id: lab.owner.id,
                name: "测试用户".into(),
                share_bp: 10_000,
            }],
            income: IncomeSplit {
                team_bp: 5_000,
                agreed: false,
            },
            statement: None,
        };
        let command = || {
            Command::new(
                actor,
                app.state.clock.now(),
                GrantAction::Apply {
                    listing: facts.clone(),
                    terms: terms.clone(),
                },
            )
        };
        let store = &app.state.aggregates.ownership_grants;
        let (a, b) = tokio::join!(
            store.execute(Uuid::now_v7(), None, command()),
            store.execute(Uuid::now_v7(), None, command())
        );
        let outcomes = [a.is_ok(), b.is_ok()];
        assert_eq!(
            outcomes.iter().filter(|ok| **ok).count(),
            1,
            "exactly one application may stand: {outcomes:?}"
        );
        let err = if let Err(e) = a { e } else { b.unwrap_err() };
        assert!(err.to_string().contains("only one at a time"), "{err}");
        let mut rc = app.state.db.read().await.unwrap();
        let n = rc
            .conn()
            .fetch_one("SELECT COUNT(*) AS n FROM ownership_grant_events", &[])
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(n, 1, "the refused application left no event");
    }
);

/// The register's three tables and its reports, as text: what a rebuild must reproduce.
async fn register_dump(app: &TestApp, stat: &TestUser, on: NaiveDate) -> String {
    let mut rc = app.state.db.read().await.unwrap();
    let grants = doc::dump::<Value>(&mut rc.conn(), "ownership_grant_view")
        .await
        .unwrap();
    let members: Vec<(Uuid, Uuid)> = rc
        .conn()
        .fetch_all(
            "SELECT grant_id, user_id FROM ownership_grant_members ORDER BY grant_id, user_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.uuid("grant_id").unwrap(), r.uuid("user_id").unwrap()))
        .collect();
    let parts: Vec<(Uuid, i64, i64, String, i64)> = rc
        .conn()
        .fetch_all(
            "SELECT distribution_id, part, position, received_on, amount_fen \
             FROM ownership_distribution_parts ORDER BY distribution_id, part",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.uuid("distribution_id").unwrap(),
                r.i64("part").unwrap(),
                r.i64("position").unwrap(),
                r.text("received_on").unwrap(),
                r.i64("amount_fen").unwrap(),
            )
        })
        .collect();
    drop(rc);
    let cap = report(app, &stat.token, &format!("report=cap_table&on={on}")).await;
    let revenue = report(app, &stat.token, "report=revenue").await;
    serde_json::to_string(&json!({
        "grants": grants, "members": members, "parts": parts, "cap": cap, "revenue": revenue
    }))
    .unwrap()
}

both!(
    a_rebuild_reproduces_the_register_exactly,
    |app: TestApp| async move {
        let lab = lab(&app).await;
        let third = third(&app, &lab).await;
        let registrar = app.user(Role::Registrar, None).await;
        let stat = app.user(Role::Statistician, None).await;
        // A granted, paid, revoked grant; then a second one, extended; and a withdrawn third.
        let (first, _) = granted(&app, &lab, &ownership_share(&lab, &third)).await;
        let contract = registered_contract(&app, &lab, &registrar).await;
        let paid = payment(&app, &lab, &contract, 123_457).await;
        ok(
            &app,
            &grant_path(&first, "distributions"),
            &lab.tto.token,
            Some(&json!({"contract_id": contract, "payment_id": paid, "costs_fen": 457})),
        )
        .await;
        app.state.clock.advance(Duration::days(2));
        ok(
            &app,
            &grant_path(&first, "revoke"),
            &lab.tto.token,
            Some(&json!({"on": today(&app).to_string(), "reason": "约定期限内未实施转化"})),
        )
        .await;
        let (second, v) = granted(&app, &lab, &usage_right(&lab)).await;
        let granted_on: NaiveDate = v["granted_on"].as_str().unwrap().parse().unwrap();
        ok(
            &app,
            &grant_path(&second, "extend"),
            &lab.tto.token,
            Some(&json!({"until": years_after(granted_on, 12).to_string(), "reason": "续期"})),
        )
        .await;
        // The first payment was received while the first grant was in force: it is not the
        // second one's to distribute.
        let (s, v) = refused(
            &app,
            &lab.tto.token,
            &grant_path(&second, "distributions"),
            &json!({"contract_id": contract, "payment_id": paid}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(v["detail"].as_str().unwrap().contains(&first), "{v}");
        let other = job_related_listing(&app, lab.institution, &lab.owner, &lab.tto).await;
        let mut b = usage_right(&lab);
        b["listing_id"] = json!(other);
        let withdrawn = apply(&app, &lab, &b).await;
        ok(
            &app,
            &grant_path(&withdrawn, "withdraw"),
            &lab.owner.token,
            None,
        )
        .await;

        let on = today(&app);
        let live = register_dump(&app, &stat, on).await;
        assert!(live.contains("revoked") && live.contains("withdrawn") && live.contains("123457"));

        let report_ = rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        assert_eq!(report_.last_position, app.log_head().await);
        assert_eq!(
            register_dump(&app, &stat, on).await,
            live,
            "a rebuild changed the register"
        );
    }
);

both!(
    a_zero_day_notice_is_refused_on_a_production_instance,
    |app: TestApp| async move {
        let lab = lab(&app).await;
        let id = apply(&app, &lab, &usage_right(&lab)).await;
        ok(
            &app,
            &grant_path(&id, "review"),
            &lab.tto.token,
            Some(&json!({"decision": "approve"})),
        )
        .await;
        let head = app.log_len().await;
        let (s, v) = json_of(
            app.post(
                &grant_path(&id, "notice"),
                Some(&lab.tto.token),
                Some(&json!({"days": 0})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "days", "{v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("between 1 and"),
            "{v}"
        );
        assert_eq!(app.log_len().await, head);
    }
);

both!(
    a_demo_instance_grants_in_one_sitting,
    settings => |s| {
        s.demo = true;
        s.grant_notice_days = 0;
    },
    |app: TestApp| async move {
        let lab = lab(&app).await;
        let id = apply(&app, &lab, &usage_right(&lab)).await;
        ok(
            &app,
            &grant_path(&id, "review"),
            &lab.tto.token,
            Some(&json!({"decision": "approve"})),
        )
        .await;
        // The instance's default notice, 0 days: it has run as soon as it starts.
        let v = ok(&app, &grant_path(&id, "notice"), &lab.tto.token, None).await;
        assert_eq!(v["notice"]["days"], 0, "{v}");
        let v = ok(&app, &grant_path(&id, "grant"), &lab.tto.token, None).await;
        assert_eq!(v["status"], "granted", "{v}");
    }
);

//! Contract registration and exact contract-value statistics (issue 5).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use esrs::Aggregate;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::contract::{
    ContractAction, ContractContent, ContractData, ContractEvent, ContractInput,
    ContractRegistration, ContractState, WorkingCalendar,
};
use techmarket::domain::{Actor, Command, Recorded, Role};
use techmarket::projections::contract_stats::cube::Cube;
use techmarket::projections::contract_stats::query::{
    self, Cut, DateBasis, Dim, Filter, Granularity,
};
use uuid::Uuid;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, TestUser};

fn party(name: &str, nature: &str, region: &str) -> Value {
    json!({"name": name, "party_nature": nature, "region": region})
}

fn contract_body(
    app: &TestApp,
    ty: (&str, Option<&str>),
    field: &str,
    seller: Value,
    buyer: Value,
    amount: i64,
    tech: i64,
) -> Value {
    let today = china_date(app.state.clock.now());
    json!({
        "contract_type": ty.0, "contract_subtype": ty.1, "title": "技术合同",
        "seller": seller, "buyer": buyer,
        "signing_date": (today - Duration::days(3)).to_string(),
        "validity_start": today.to_string(), "validity_end": (today + Duration::days(365)).to_string(),
        "contract_amount_fen": amount, "technology_amount_fen": tech, "field": field,
        "ip_kinds": ["invention_patent"]
    })
}

/// A one-万元 consulting contract between two parties with no organization.
fn small_contract(app: &TestApp) -> Value {
    contract_body(
        app,
        ("consulting", None),
        "new_energy",
        party("甲", "021", "500106"),
        party("乙", "150", "500112"),
        1_000_000,
        1_000_000,
    )
}

struct Desk {
    seller: TestUser,
    registrar: TestUser,
    stat: TestUser,
}

async fn desk(app: &TestApp) -> Desk {
    Desk {
        seller: app.user(Role::Researcher, None).await,
        registrar: app.user(Role::Registrar, None).await,
        stat: app.user(Role::Statistician, None).await,
    }
}

/// Submitted, accepted, expert-reviewed when needed, registered: the contract's id.
async fn registered(app: &TestApp, d: &Desk, body: &Value) -> String {
    let (s, v) = json_of(
        app.post("/api/v1/contracts", Some(&d.seller.token), Some(body))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let cmd = |verb: &str| format!("/api/v1/contracts/{id}/{verb}");
    let (s, v) = json_of(
        app.post(&cmd("accept"), Some(&d.registrar.token), None)
            .await,
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{v}"
    );
    if body["technology_amount_fen"].as_i64().unwrap() >= 500_000_000 {
        let r = app
            .post(
                &cmd("expert-review"),
                Some(&d.registrar.token),
                Some(&json!({"opinion": "同意登记"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let number = format!("5001{}", id.replace('-', ""));
    let (s, v) = json_of(
        app.post(
            &cmd("register"),
            Some(&d.registrar.token),
            Some(&json!({"registration_number": number})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("registered")),
        "{v}"
    );
    id
}

async fn stats(app: &TestApp, token: &str, query: &str) -> Value {
    let (s, v) = json_of(
        app.get(&format!("/api/v1/stats/contracts?{query}"), Some(token))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    v
}

/// By construction: 4 contracts, 3 types, 2 fields; an inflow from Sichuan, an outflow abroad.
/// 758,456,789 fen in all (technology 683,000,001).
async fn known_data_set(app: &TestApp, d: &Desk) {
    let cq = |district: &str| party("重庆某研究院", "021", district);
    let company = |region: &str| party("某公司", "150", region);
    let rows = [
        (
            ("development", Some("commissioned")),
            "new_energy",
            cq("500106"),
            company("500112"),
            10_000_000i64,
            8_000_000i64,
        ),
        (
            ("transfer", Some("patent_right")),
            "new_energy",
            cq("500107"),
            company("500105"),
            600_000_000,
            550_000_000,
        ),
        (
            ("license", Some("exclusive")),
            "biomedicine",
            party("四川大学", "022", "510000"),
            company("500103"),
            25_000_000,
            25_000_000,
        ),
        (
            ("development", Some("cooperative")),
            "biomedicine",
            cq("500106"),
            party("Siemens AG", "300", "DE"),
            123_456_789,
            100_000_001,
        ),
    ];
    for (ty, field, seller, buyer, amount, tech) in rows {
        registered(
            app,
            d,
            &contract_body(app, ty, field, seller, buyer, amount, tech),
        )
        .await;
    }
}

/// The lines of a report as (key, count, contract amount, share) in its order.
fn lines_of(v: &Value, key: &str) -> Vec<(String, i64, i64, Option<f64>)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i[key].as_str().unwrap().to_string(),
                i["count"].as_i64().unwrap(),
                i["contract_amount_fen"].as_i64().unwrap(),
                i["share_percent"].as_f64(),
            )
        })
        .collect()
}

both!(
    statistics_filter_by_any_dimension_rank_the_top_lines_and_give_shares,
    |app: TestApp| async move {
        let d = desk(&app).await;
        known_data_set(&app, &d).await;
        let t = &d.stat.token;

        // One dimension as a filter: biomedicine alone.
        let v = stats(&app, t, "field=biomedicine").await;
        assert_eq!(v["totals"]["count"], 2);
        assert_eq!(v["totals"]["contract_amount_fen"], 148_456_789i64);
        assert_eq!(v["filters"]["field"], json!(["biomedicine"]));
        // A cut by nothing reports its totals once, not again as a line.
        assert_eq!(v["items"], json!([]));

        // Several values, several filters, with a cut: Chongqing sellers' flows.
        let v = stats(
            &app,
            t,
            "by=flow&field=biomedicine,new_energy&seller_province=500000",
        )
        .await;
        assert_eq!(
            lines_of(&v, "flow"),
            [
                ("abroad".to_string(), 1, 123_456_789, Some(16.83)),
                ("within_chongqing".to_string(), 2, 610_000_000, Some(83.17)),
            ]
        );
        assert_eq!(v["totals"]["contract_amount_fen"], 733_456_789i64);

        // The top line by contract amount, and its share of everything.
        let v = stats(&app, t, "by=type&top=1").await;
        assert_eq!(
            lines_of(&v, "type"),
            [("transfer".to_string(), 1, 600_000_000, Some(79.11))]
        );
        assert_eq!(
            v["totals"]["count"], 4,
            "the totals stay those of the whole cut"
        );
        let v = stats(&app, t, "by=type&top=2").await;
        let types: Vec<String> = lines_of(&v, "type").into_iter().map(|l| l.0).collect();
        assert_eq!(types, ["transfer", "development"]);

        // An IP-kind filter keeps the contracts with any of the kinds: all four have one.
        let v = stats(&app, t, "ip_kind=invention_patent,utility_model").await;
        assert_eq!(v["totals"]["count"], 4);
        let v = stats(&app, t, "ip_kind=utility_model").await;
        assert_eq!(v["totals"]["count"], 0);

        // as_of: a date is the end of that day in China; an instant's + may come unencoded.
        let today = china_date(app.state.clock.now());
        let v = stats(&app, t, &format!("as_of={today}")).await;
        assert_eq!(v["totals"]["count"], 4);
        let v = stats(&app, t, "as_of=2000-01-01").await;
        assert_eq!(v["totals"]["count"], 0);
        assert_eq!(v["as_of"], "2000-01-01T15:59:59.999999Z");
        let v = stats(&app, t, "as_of=2001-01-01T08:00:00+08:00").await;
        assert_eq!(v["as_of"], "2001-01-01T00:00:00Z");

        // CSV marks its totals: in a column of their own when the cut has no dimension.
        let csv = app
            .client
            .get(app.url("/api/v1/stats/contracts?field=biomedicine"))
            .bearer_auth(t)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // A byte-order mark first, so that spreadsheets read UTF-8 (issue 17).
        let csv = csv.strip_prefix('\u{feff}').expect("a byte-order mark");
        assert_eq!(
            csv.lines().collect::<Vec<_>>(),
            [
                "row,count,contract_amount_fen,technology_amount_fen,contract_amount_wan,technology_amount_wan",
                "total,2,148456789,125000001,148.45,125.00"
            ]
        );

        // What it cannot do, said plainly.
        for (query, field, says) in [
            ("field=astrology", "field", "unknown field 'astrology'"),
            (
                "seller_region=999999",
                "seller_region",
                "unknown seller_region",
            ),
            ("flow=sideways", "flow", "unknown flow"),
            ("top=0", "top", "between 1 and 1000"),
            ("as_of=yesterday", "as_of", "RFC 3339"),
            ("as_of=2026-13-01", "as_of", "a date"),
            ("colour=red", "colour", ""),
        ] {
            let (s, v) = json_of(
                app.get(&format!("/api/v1/stats/contracts?{query}"), Some(t))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{query}: {v}");
            assert!(
                v["errors"][0]["message"].as_str().unwrap().contains(says),
                "{query}: {v}"
            );
        }
    }
);

both!(
    statistics_compare_with_a_year_earlier_and_a_target,
    settings => |s| {
        let year = china_date(Utc::now()).year();
        s.stats_targets = vec![format!("{year}=1000")];
    },
    |app: TestApp| async move {
        let d = desk(&app).await;
        known_data_set(&app, &d).await;
        let t = &d.stat.token;
        let today = china_date(app.state.clock.now());
        let a_year_ago = today.checked_sub_months(chrono::Months::new(12)).unwrap();
        raw_facts_on(&app, &[(a_year_ago.to_string(), 500_000_000)]).await;

        // Each period against the same period a year before.
        let v = stats(&app, t, "by=period&granularity=year&compare=year_earlier").await;
        assert_eq!(v["compare"], "year_earlier");
        let this_year = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["period"].as_str() == Some(today.year().to_string().as_str()))
            .unwrap();
        assert_eq!(this_year["contract_amount_fen"], 758_456_789i64);
        assert_eq!(this_year["year_earlier"]["contract_amount_fen"], 500_000_000i64);
        assert_eq!(this_year["growth_percent"], 51.69);
        let last_year = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["period"].as_str() == Some(a_year_ago.year().to_string().as_str()))
            .unwrap();
        assert_eq!(last_year["growth_percent"], Value::Null, "nothing two years ago");

        // Dates: the totals against the same dates a year before.
        let from = today - Duration::days(30);
        let v = stats(&app, t, &format!("from={from}&to={today}&by=field&compare=year_earlier")).await;
        assert_eq!(v["totals"]["year_earlier"]["contract_amount_fen"], 500_000_000i64);
        assert_eq!(v["totals"]["growth_percent"], Value::Null, "growth sits in year_earlier");
        assert_eq!(v["totals"]["year_earlier"]["growth_percent"], 51.69);
        let energy = v["items"].as_array().unwrap().iter().find(|i| i["field"] == "new_energy").unwrap();
        assert_eq!(energy["year_earlier"]["contract_amount_fen"], 500_000_000i64);
        assert_eq!(energy["growth_percent"], 22.0);

        // The year's target (1,000万元): how far this year's contracts reach it.
        let jan1 = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap();
        let v = stats(&app, t, &format!("from={jan1}&to={today}")).await;
        assert_eq!(v["totals"]["target"]["contract_amount_fen"], 1_000_000_000i64);
        assert_eq!(v["totals"]["target"]["progress_percent"], 75.85);
        let v = stats(&app, t, "").await;
        assert!(v["totals"].get("target").is_none(), "no dates, no year: {v}");

        for (query, says) in [
            ("by=field&compare=year_earlier", "needs from and to"),
            ("compare=last_week", "year_earlier"),
        ] {
            let (s, v) = json_of(app.get(&format!("/api/v1/stats/contracts?{query}"), Some(t)).await).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {v}");
            assert_eq!(v["errors"][0]["field"], "compare");
            assert!(v["errors"][0]["message"].as_str().unwrap().contains(says), "{v}");
        }
    }
);

both!(
    a_known_data_set_gives_its_totals_in_json_and_csv,
    |app: TestApp| async move {
        let d = desk(&app).await;
        known_data_set(&app, &d).await;
        let v = stats(&app, &d.stat.token, "").await;
        assert_eq!(v["totals"]["count"], 4);
        assert_eq!(v["totals"]["contract_amount_fen"], 758_456_789i64);
        assert_eq!(v["totals"]["technology_amount_fen"], 683_000_001i64);
        assert_eq!(v["totals"]["contract_amount_wan"], "758.45");

        let v = stats(&app, &d.stat.token, "by=flow").await;
        let by: BTreeMap<String, (i64, i64)> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["flow"].as_str().unwrap().to_string(),
                    (
                        i["count"].as_i64().unwrap(),
                        i["contract_amount_fen"].as_i64().unwrap(),
                    ),
                )
            })
            .collect();
        assert_eq!(by["within_chongqing"], (2, 610_000_000));
        assert_eq!(by["chongqing_sichuan"], (1, 25_000_000));
        assert_eq!(by["abroad"], (1, 123_456_789));

        let v = stats(&app, &d.stat.token, "by=type,field").await;
        let key = |i: &Value| {
            format!(
                "{}/{}",
                i["type"].as_str().unwrap(),
                i["field"].as_str().unwrap()
            )
        };
        let by: BTreeMap<String, i64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (key(i), i["technology_amount_fen"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            by,
            BTreeMap::from([
                ("development/biomedicine".into(), 100_000_001),
                ("development/new_energy".into(), 8_000_000),
                ("license/biomedicine".into(), 25_000_000),
                ("transfer/new_energy".into(), 550_000_000),
            ])
        );
        let v = stats(&app, &d.stat.token, "by=seller_province").await;
        let sichuan = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["seller_province"] == "510000")
            .unwrap();
        assert_eq!(sichuan["count"], 1);

        // CSV: fen and 万元, exactly, with a total line.
        let r = app
            .client
            .get(app.url("/api/v1/stats/contracts?by=flow"))
            .bearer_auth(&d.stat.token)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = r.text().await.unwrap();
        let csv = csv.strip_prefix('\u{feff}').expect("a byte-order mark");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "flow,count,contract_amount_fen,technology_amount_fen,contract_amount_wan,technology_amount_wan");
        assert!(
            lines.contains(&"abroad,1,123456789,100000001,123.45,100.00"),
            "{csv}"
        );
        assert!(
            lines.contains(&"chongqing_sichuan,1,25000000,25000000,25.00,25.00"),
            "{csv}"
        );
        assert_eq!(
            lines.last(),
            Some(&"total,4,758456789,683000001,758.45,683.00")
        );

        // Who may read statistics.
        assert_eq!(
            app.get("/api/v1/stats/contracts", Some(&d.seller.token))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        for q in [
            "by=colour",
            "by=flow,flow",
            "granularity=week",
            "from=2026-02-01&to=2026-01-01",
            "as_of=yesterday",
        ] {
            assert_eq!(
                app.get(&format!("/api/v1/stats/contracts?{q}"), Some(&d.stat.token))
                    .await
                    .status(),
                StatusCode::BAD_REQUEST,
                "{q}"
            );
        }
    }
);

both!(
    from_agreed_negotiation_to_registered_amended_and_cancelled,
    |app: TestApp| async move {
        let d = desk(&app).await;
        let seller_org = app.organization("重庆大学", "022", "500106").await;
        let buyer_org = app.organization("长安汽车", "160", "500112").await;
        let seller = app.user(Role::Researcher, Some(seller_org)).await;
        let buyer = app.user(Role::Enterprise, Some(buyer_org)).await;
        let mut body = listing_body("固态电池电解质");
        body["trl"] = json!(6);
        let listing = app.published(&seller, &body).await;
        let (_, n) = json_of(
            app.post(
                "/api/v1/negotiations",
                Some(&buyer.token),
                Some(&json!({"listing_id": listing})),
            )
            .await,
        )
        .await;
        let nid = n["id"].as_str().unwrap().to_string();
        let terms = json!({"terms": {"contract_type": "transfer", "contract_subtype": "patent_right", "price_fen": 800_000_000i64,
        "payment": {"kind": "instalments", "count": 2}, "term_months": 24, "territory": "中国", "exclusivity": "exclusive"}});
        let (_, v) = json_of(
            app.post(
                &format!("/api/v1/negotiations/{nid}/offers"),
                Some(&buyer.token),
                Some(&terms),
            )
            .await,
        )
        .await;
        let offer = v["offers"][0]["id"].as_str().unwrap().to_string();
        app.post(
            &format!("/api/v1/negotiations/{nid}/accept"),
            Some(&seller.token),
            Some(&json!({"offer_id": offer})),
        )
        .await;

        // The draft is pre-filled from the agreed terms, the organizations and the listing.
        let (s, mut draft) = json_of(
            app.get(
                &format!("/api/v1/negotiations/{nid}/contract-draft"),
                Some(&seller.token),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{draft}");
        assert_eq!(
            (
                draft["contract_type"].as_str(),
                draft["contract_amount_fen"].as_i64()
            ),
            (Some("transfer"), Some(800_000_000))
        );
        assert_eq!(
            (
                draft["seller"]["region"].as_str(),
                draft["buyer"]["party_nature"].as_str()
            ),
            (Some("500106"), Some("160"))
        );
        assert_eq!(draft["listing_id"], listing.to_string());
        draft["technology_amount_fen"] = json!(700_000_000i64);
        let (s, c) = json_of(
            app.post("/api/v1/contracts", Some(&seller.token), Some(&draft))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let id = c["id"].as_str().unwrap().to_string();
        let cmd = |verb: &str| format!("/api/v1/contracts/{id}/{verb}");

        let (_, v) = json_of(
            app.post(&cmd("accept"), Some(&d.registrar.token), None)
                .await,
        )
        .await;
        assert!(v["due_on"].is_string() && v["overdue"] == false, "{v}");
        // 7,000,000 yuan of technology: expert review first.
        let r = app
            .post(
                &cmd("register"),
                Some(&d.registrar.token),
                Some(&json!({"registration_number": "50011"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        app.post(
            &cmd("expert-review"),
            Some(&d.registrar.token),
            Some(&json!({"opinion": "同意"})),
        )
        .await;
        let before_register = app.state.clock.now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let (s, v) = json_of(
            app.post(
                &cmd("register"),
                Some(&d.registrar.token),
                Some(&json!({"registration_number": "50011"})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("registered")),
            "{v}"
        );
        let totals = |v: &Value| {
            (
                v["totals"]["count"].as_i64().unwrap(),
                v["totals"]["contract_amount_fen"].as_i64().unwrap(),
                v["totals"]["technology_amount_fen"].as_i64().unwrap(),
            )
        };
        assert_eq!(
            totals(&stats(&app, &d.stat.token, "").await),
            (1, 800_000_000, 700_000_000)
        );
        // The registered contract marks the listing transferred (a policy following the log).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while json_of(app.get(&format!("/api/v1/listings/{listing}"), None).await)
            .await
            .1["status"]
            != "transferred"
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the listing was not marked transferred"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        let today = china_date(app.state.clock.now()).to_string();
        let amend = json!({"effective_on": today, "contract_amount_fen": 900_000_000i64, "technology_amount_fen": 750_000_000i64, "note": "增加技术服务"});
        let (s, v) = json_of(
            app.post(&cmd("amend"), Some(&d.registrar.token), Some(&amend))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let after_amend = app.state.clock.now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(
            totals(&stats(&app, &d.stat.token, "").await),
            (1, 900_000_000, 750_000_000)
        );
        let r = app
            .post(
                &cmd("payments"),
                Some(&seller.token),
                Some(&json!({"amount_fen": 400_000_000i64, "received_on": today})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (s, v) = json_of(
            app.post(
                &cmd("cancel"),
                Some(&d.registrar.token),
                Some(&json!({"on": today, "reason": "双方协商解除"})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("cancelled")),
            "{v}"
        );
        assert_eq!(totals(&stats(&app, &d.stat.token, "").await), (0, 0, 0));

        // As of past instants, the past answers.
        let at = |t: DateTime<Utc>| {
            format!(
                "as_of={}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            )
        };
        assert_eq!(
            totals(&stats(&app, &d.stat.token, &at(before_register)).await),
            (0, 0, 0)
        );
        assert_eq!(
            totals(&stats(&app, &d.stat.token, &at(after_amend)).await),
            (1, 900_000_000, 750_000_000)
        );
        // Amending a cancelled contract is refused and changes nothing.
        let head = app.log_len().await;
        assert_eq!(
            app.post(&cmd("amend"), Some(&d.registrar.token), Some(&amend))
                .await
                .status(),
            StatusCode::CONFLICT
        );
        assert_eq!(app.log_len().await, head);
    }
);

both!(
    bad_registrations_are_refused_and_append_nothing,
    |app: TestApp| async move {
        let d = desk(&app).await;
        let ok = small_contract(&app);
        let submitted = {
            let (_, v) = json_of(
                app.post("/api/v1/contracts", Some(&d.seller.token), Some(&ok))
                    .await,
            )
            .await;
            v["id"].as_str().unwrap().to_string()
        };
        let head = app.log_len().await;
        let tomorrow = (china_date(app.state.clock.now()) + Duration::days(1)).to_string();
        for (mutate, field) in [
            (
                json!({"technology_amount_fen": 2_000_000}),
                "technology_amount_fen",
            ),
            (json!({"contract_amount_fen": 0}), "contract_amount_fen"),
            (
                json!({"technology_amount_fen": -5}),
                "technology_amount_fen",
            ),
            (json!({"signing_date": tomorrow}), "signing_date"),
            (json!({"field": "alchemy"}), "field"),
            (json!({"contract_type": "gift"}), "contract_type"),
            (json!({"taxonomy": "2001"}), "taxonomy"),
        ] {
            let mut body = ok.clone();
            for (k, v) in mutate.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, v) = json_of(
                app.post("/api/v1/contracts", Some(&d.seller.token), Some(&body))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{mutate}: {v}");
            assert!(
                v["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["field"] == field),
                "{mutate}: {v}"
            );
        }
        let mut body = ok.clone();
        body["seller"]["region"] = json!("123456");
        let (_, v) = json_of(
            app.post("/api/v1/contracts", Some(&d.seller.token), Some(&body))
                .await,
        )
        .await;
        assert_eq!(v["errors"][0]["field"], "seller.region");
        // A registrar registering a contract never accepted; a non-registrar deciding.
        let cmd = |verb: &str| format!("/api/v1/contracts/{submitted}/{verb}");
        assert_eq!(
            app.post(
                &cmd("register"),
                Some(&d.registrar.token),
                Some(&json!({"registration_number": "1"}))
            )
            .await
            .status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            app.post(&cmd("accept"), Some(&d.seller.token), None)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        // A statistician may not even see a submission under review: 404, not 403.
        assert_eq!(
            app.post(&cmd("accept"), Some(&d.stat.token), None)
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        // Refused: then not amendable.
        app.post(&cmd("accept"), Some(&d.registrar.token), None)
            .await;
        let (s, _) = json_of(
            app.post(
                &cmd("refuse"),
                Some(&d.registrar.token),
                Some(&json!({"reason_code": "not_a_reason"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let head_before_refusal = app.log_len().await;
        assert_eq!(
            app.post(
                &cmd("refuse"),
                Some(&d.registrar.token),
                Some(&json!({"reason_code": "unclear_subject"}))
            )
            .await
            .status(),
            StatusCode::OK
        );
        let today = china_date(app.state.clock.now()).to_string();
        let amend = json!({"effective_on": today, "contract_amount_fen": 2_000_000, "technology_amount_fen": 1_000_000});
        assert_eq!(
            app.post(&cmd("amend"), Some(&d.registrar.token), Some(&amend))
                .await
                .status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            head_before_refusal,
            head + 1,
            "only the acceptance was appended before the refusal"
        );
        assert_eq!(app.log_len().await, head_before_refusal + 1);
    }
);

// ------------------------------------------------------------------------------------------
// Exactness: random histories, every cut against a recomputation straight from the log.

type Key = Vec<String>;
type Totals = BTreeMap<Key, (i64, i64, i64)>;

/// An independent recomputation: folds every contract event in the log recorded up to `as_of`
/// and adds up each registration, amendment (old out, new in) and end, by the cut's keys.
async fn recompute(app: &TestApp, cut: &Cut) -> Totals {
    let mut rc = app.state.db.read().await.unwrap();
    let mut states: BTreeMap<Uuid, ContractData> = BTreeMap::new();
    let mut out: Totals = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = techmarket::store::log::after(&mut rc.conn(), after, 500)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        for e in page
            .iter()
            .filter(|e| e.aggregate_type == "contract_registration")
        {
            if cut.as_of.is_some_and(|t| e.recorded_at > t) {
                continue;
            }
            let recorded: Recorded<ContractEvent> = e.recorded().unwrap();
            let event = recorded.event.clone();
            let before = states.get(&e.aggregate_id).cloned();
            let now = ContractRegistration::apply_event(
                ContractState {
                    contract: before.clone(),
                },
                recorded,
            )
            .contract
            .unwrap();
            let mut add = |c: &ContractData, sign: i64, on: NaiveDate| {
                let date = match cut.date_basis {
                    DateBasis::Registered => on,
                    DateBasis::Signed => c.content.signing_date,
                };
                if cut.from.is_some_and(|f| date < f) || cut.to.is_some_and(|t| date > t) {
                    return;
                }
                let (seller, buyer) = c.current_parties();
                let (amount, tech) = c.current_amounts();
                let province = |r: &str| {
                    if r.len() == 6 {
                        format!("{}0000", &r[..2])
                    } else {
                        r.to_string()
                    }
                };
                let flow = match (
                    province(seller.region.as_str()).as_str(),
                    province(buyer.region.as_str()).as_str(),
                ) {
                    (s, b) if s.len() != 6 || b.len() != 6 => "abroad",
                    ("500000", "500000") => "within_chongqing",
                    ("500000", "510000") | ("510000", "500000") => "chongqing_sichuan",
                    _ => "rest_of_china",
                };
                let all_kinds: Vec<String> = c
                    .content
                    .ip_kinds
                    .iter()
                    .map(|k| k.as_str().to_string())
                    .collect();
                let value_of = |d: &Dim, kind: &str| -> String {
                    match d {
                        Dim::Period => {
                            let s = date.to_string();
                            match cut.granularity {
                                Granularity::Year => s[..4].to_string(),
                                Granularity::Month => s[..7].to_string(),
                                Granularity::Quarter => format!(
                                    "{}-Q{}",
                                    &s[..4],
                                    s[5..7].parse::<u32>().unwrap().div_ceil(3)
                                ),
                            }
                        }
                        Dim::Type => c.content.contract_type.contract_type.clone(),
                        Dim::Field => c.content.field.as_str().to_string(),
                        Dim::SellerNature => seller.party_nature.as_str().to_string(),
                        Dim::BuyerNature => buyer.party_nature.as_str().to_string(),
                        Dim::SellerRegion => seller.region.as_str().to_string(),
                        Dim::BuyerRegion => buyer.region.as_str().to_string(),
                        Dim::SellerProvince => province(seller.region.as_str()),
                        Dim::Flow => flow.to_string(),
                        Dim::IpKind => kind.to_string(),
                        other => panic!("the recomputation does not cut by {other:?}"),
                    }
                };
                // The filters: an IP-kind filter keeps the contracts with any of its kinds, and
                // a cut by IP kind shows only those kinds.
                let mut allowed_kinds = all_kinds.clone();
                for f in &cut.filters {
                    if f.dim == Dim::IpKind {
                        allowed_kinds.retain(|k| f.values.contains(k));
                        if allowed_kinds.is_empty() {
                            return;
                        }
                    } else if !f.values.contains(&value_of(&f.dim, "")) {
                        return;
                    }
                }
                let kinds: Vec<String> = if cut.by.contains(&Dim::IpKind) {
                    allowed_kinds
                } else {
                    vec![String::new()]
                };
                for kind in kinds {
                    let key: Key = cut.by.iter().map(|d| value_of(d, &kind)).collect();
                    let t = out.entry(key).or_default();
                    t.0 += sign;
                    t.1 += sign * amount;
                    t.2 += sign * tech;
                }
            };
            match &event {
                ContractEvent::Registered { registered_on, .. } => add(&now, 1, *registered_on),
                ContractEvent::Amended { amendment } => {
                    add(before.as_ref().unwrap(), -1, amendment.effective_on);
                    add(&now, 1, amendment.effective_on);
                }
                ContractEvent::Cancelled { on, .. } | ContractEvent::Revoked { on, .. } => {
                    add(before.as_ref().unwrap(), -1, *on)
                }
                _ => {}
            }
            states.insert(e.aggregate_id, now);
        }
    }
    out.retain(|_, t| *t != (0, 0, 0));
    out
}

/// The projection's answer, from SQL and from the in-memory cube, which must agree line for
/// line and in their totals.
async fn projected(app: &TestApp, cut: &Cut) -> Totals {
    let mut rc = app.state.db.read().await.unwrap();
    let (lines, totals) = query::run(&mut rc.conn(), cut).await.unwrap();
    app.state.stats_cube.catch_up(&app.state.db).await.unwrap();
    let (cube_lines, cube_totals) = app.state.stats_cube.run(cut).await.unwrap();
    assert_eq!(cube_lines, lines, "the cube and SQL differ on {cut:?}");
    assert_eq!(
        cube_totals, totals,
        "the cube and SQL totals differ on {cut:?}"
    );
    lines
        .into_iter()
        .map(|l| {
            (
                l.keys,
                (l.count, l.contract_amount_fen, l.technology_amount_fen),
            )
        })
        .collect()
}

fn random_input(rng: &mut StdRng, today: NaiveDate) -> ContractInput {
    let types = [
        ("development", Some("commissioned")),
        ("transfer", Some("patent_right")),
        ("license", Some("sole")),
        ("consulting", None),
        ("service", Some("training")),
    ];
    let regions = ["500103", "500106", "500112", "510000", "440000", "DE"];
    let natures = ["021", "022", "150", "170", "300"];
    let fields = [
        "new_energy",
        "biomedicine",
        "agriculture",
        "electronic_information",
    ];
    let kinds = [
        "invention_patent",
        "utility_model",
        "software_copyright",
        "technical_secret",
    ];
    let (ty, sub) = *types.choose(rng).unwrap();
    let amount = rng.gen_range(1_000_000i64..=50_000_000_000);
    let tech = rng.gen_range(1..=amount);
    let party = |rng: &mut StdRng| -> techmarket::domain::contract::PartyInput {
        serde_json::from_value(json!({"name": "某单位", "party_nature": *natures.choose(rng).unwrap(), "region": *regions.choose(rng).unwrap()})).unwrap()
    };
    let seller = party(rng);
    let buyer = party(rng);
    let n_kinds = rng.gen_range(0..=2);
    let ip: Vec<String> = kinds
        .choose_multiple(rng, n_kinds)
        .map(|s| s.to_string())
        .collect();
    serde_json::from_value(json!({
        "contract_type": ty, "contract_subtype": sub, "title": "随机合同", "seller": seller, "buyer": buyer,
        "signing_date": (today - Duration::days(rng.gen_range(0..400))).to_string(),
        "validity_start": today.to_string(), "validity_end": (today + Duration::days(100)).to_string(),
        "contract_amount_fen": amount, "technology_amount_fen": tech,
        "field": *fields.choose(rng).unwrap(), "ip_kinds": ip
    }))
    .unwrap()
}

both!(
    every_cut_equals_a_recomputation_from_the_log,
    |app: TestApp| async move {
        let mut rng = StdRng::seed_from_u64(5);
        let submitter = Actor {
            user_id: Uuid::now_v7(),
            role: Role::Researcher,
            organization_id: None,
        };
        let registrar = Actor {
            user_id: Uuid::now_v7(),
            role: Role::Registrar,
            organization_id: None,
        };
        let store = &app.state.aggregates.contracts;
        let calendar = WorkingCalendar::new([], []);
        let mut live: Vec<Uuid> = Vec::new();
        let mut instants = Vec::new();
        for step in 0..60 {
            // Time passes unevenly, across months and quarters.
            app.state
                .clock
                .advance(Duration::days(rng.gen_range(0..40)));
            let now = app.state.clock.now();
            let today = china_date(now);
            let roll = rng.gen_range(0..10);
            if live.is_empty() || roll < 5 {
                let content =
                    ContractContent::parse(random_input(&mut rng, today), &app.state.refs, today)
                        .unwrap();
                let expert = content.requires_expert_review();
                let id = Uuid::now_v7();
                store
                    .execute(
                        id,
                        None,
                        Command::new(submitter, now, ContractAction::Submit(content)),
                    )
                    .await
                    .unwrap();
                store
                    .execute(
                        id,
                        None,
                        Command::new(
                            registrar,
                            now,
                            ContractAction::Accept {
                                calendar: calendar.clone(),
                            },
                        ),
                    )
                    .await
                    .unwrap();
                if expert {
                    store
                        .execute(
                            id,
                            None,
                            Command::new(
                                registrar,
                                now,
                                ContractAction::ExpertReview {
                                    opinion: "同意".into(),
                                },
                            ),
                        )
                        .await
                        .unwrap();
                }
                let number = format!("R{step}");
                store
                    .execute(
                        id,
                        None,
                        Command::new(
                            registrar,
                            now,
                            ContractAction::Register {
                                registration_number: number,
                            },
                        ),
                    )
                    .await
                    .unwrap();
                live.push(id);
            } else {
                let id = live[rng.gen_range(0..live.len())];
                let action = if roll < 8 {
                    let amount = rng.gen_range(1_000_000i64..=50_000_000_000);
                    let seller = (rng.gen_bool(0.3)).then(|| {
                        let input = random_input(&mut rng, today);
                        techmarket::domain::contract::Party::parse(
                            "seller",
                            &input.seller,
                            &app.state.refs,
                        )
                        .unwrap()
                    });
                    ContractAction::Amend {
                        amendment_id: Uuid::now_v7(),
                        effective_on: today,
                        contract_amount_fen: amount,
                        technology_amount_fen: rng.gen_range(1..=amount),
                        seller,
                        buyer: None,
                        note: None,
                    }
                } else if roll == 8 {
                    ContractAction::Cancel {
                        on: today,
                        reason: "注销".into(),
                    }
                } else {
                    ContractAction::Revoke {
                        on: today,
                        reason: "撤销".into(),
                    }
                };
                let ends = !matches!(action, ContractAction::Amend { .. });
                store
                    .execute(id, None, Command::new(registrar, now, action))
                    .await
                    .unwrap();
                if ends {
                    live.retain(|l| *l != id);
                }
            }
            instants.push(Utc::now());
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }

        let mut cuts = Vec::new();
        let dims: [&[Dim]; 9] = [
            &[],
            &[Dim::Period],
            &[Dim::Type],
            &[Dim::Field, Dim::Period],
            &[Dim::SellerRegion],
            &[Dim::Flow, Dim::BuyerNature],
            &[Dim::IpKind],
            &[Dim::BuyerRegion, Dim::Type, Dim::Period],
            &[Dim::SellerNature, Dim::IpKind],
        ];
        for by in dims {
            for granularity in [Granularity::Month, Granularity::Quarter, Granularity::Year] {
                for date_basis in [DateBasis::Registered, DateBasis::Signed] {
                    let as_of = [None, Some(instants[15]), Some(instants[40])][rng.gen_range(0..3)];
                    // Some cuts filtered as well: one or two dimensions, IP kinds among them.
                    let filters = match rng.gen_range(0..4) {
                        0 => vec![Filter {
                            dim: Dim::Field,
                            values: vec!["new_energy".into(), "biomedicine".into()],
                        }],
                        1 => vec![
                            Filter {
                                dim: Dim::SellerProvince,
                                values: vec!["500000".into()],
                            },
                            Filter {
                                dim: Dim::IpKind,
                                values: vec!["invention_patent".into()],
                            },
                        ],
                        _ => Vec::new(),
                    };
                    cuts.push(Cut {
                        by: by.to_vec(),
                        granularity,
                        date_basis,
                        from: None,
                        to: None,
                        as_of,
                        filters,
                    });
                }
            }
        }
        let today = china_date(app.state.clock.now());
        cuts.push(Cut {
            by: vec![Dim::Period],
            from: Some(today - Duration::days(400)),
            to: Some(today - Duration::days(100)),
            ..Cut::default()
        });

        let mut before = Vec::new();
        for cut in &cuts {
            let p = projected(&app, cut).await;
            assert_eq!(p, recompute(&app, cut).await, "cut {cut:?}");
            before.push(p);
        }
        assert!(
            before.iter().any(|p| p.len() > 3),
            "the random history should give non-trivial cuts"
        );
        // A cube restored from its snapshot answers the same.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cube");
        app.state.stats_cube.save_snapshot(&file).await.unwrap();
        let restored = Cube::default();
        assert!(restored
            .restore_snapshot(&app.state.db, &file)
            .await
            .unwrap());
        restored.catch_up(&app.state.db).await.unwrap();
        for cut in &cuts {
            assert_eq!(
                restored.run(cut).await.unwrap(),
                app.state.stats_cube.run(cut).await.unwrap()
            );
        }
        // A snapshot that does not fit the database's facts is not taken: here the facts up to
        // its position changed under it (as after restoring an older backup).
        let mut tx = app.state.db.begin().await.unwrap();
        tx.conn()
            .execute(
                "UPDATE contract_stat_facts SET amount_delta = amount_delta + 1 \
                 WHERE position = (SELECT MIN(position) FROM contract_stat_facts)",
                &[],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!Cube::default()
            .restore_snapshot(&app.state.db, &file)
            .await
            .unwrap());

        // And the same after dropping and rebuilding every read model from the log (which
        // also puts the fact changed above back as the log says).
        techmarket::projections::rebuild::rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        for (cut, b) in cuts.iter().zip(&before) {
            assert_eq!(&projected(&app, cut).await, b, "after rebuild, cut {cut:?}");
        }
        // A snapshot of the generation before the rebuild is not taken either.
        assert!(!Cube::default()
            .restore_snapshot(&app.state.db, &file)
            .await
            .unwrap());
    }
);

both!(
    the_price_notice_gates_registration_and_the_queue_flags_overdue,
    |app: TestApp| async move {
        let d = desk(&app).await;
        let university = app.organization("重庆大学", "022", "500106").await;
        let researcher = app.user(Role::Researcher, Some(university)).await;
        let tto = app.user(Role::InstitutionAdmin, Some(university)).await;
        let mut body = listing_body("职务发明：高效催化剂");
        body["job_related"] = json!(true);
        body["institution_id"] = json!(university);
        body["pricing_mode"] = json!("negotiated");
        body["asking_price_fen"] = Value::Null;
        let listing = app.draft(&researcher, &body).await;
        app.command(listing, "submit", &researcher.token, None)
            .await;
        assert_eq!(
            app.command(listing, "publish", &tto.token, None)
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            app.command(listing, "price-notice", &tto.token, None)
                .await
                .status(),
            StatusCode::OK
        );

        let mut c = contract_body(
            &app,
            ("transfer", Some("patent_right")),
            "new_energy",
            party("重庆大学", "022", "500106"),
            party("某公司", "150", "500112"),
            30_000_000,
            30_000_000,
        );
        c["listing_id"] = json!(listing);
        let (_, v) = json_of(
            app.post("/api/v1/contracts", Some(&researcher.token), Some(&c))
                .await,
        )
        .await;
        let id = v["id"].as_str().unwrap().to_string();
        let cmd = |verb: &str| format!("/api/v1/contracts/{id}/{verb}");
        let (_, v) = json_of(
            app.post(&cmd("accept"), Some(&d.registrar.token), None)
                .await,
        )
        .await;
        let due: NaiveDate = v["due_on"].as_str().unwrap().parse().unwrap();
        let accepted: NaiveDate = v["accepted_on"].as_str().unwrap().parse().unwrap();
        // 15 working days (the tests configure no holidays): three weeks of weekdays, counted
        // from the next working day, whatever day of the week it was accepted on.
        assert_eq!(
            due,
            WorkingCalendar::new([], []).add_working_days(accepted, 15),
            "{accepted} → {due}"
        );
        assert!(
            (19..=21).contains(&(due - accepted).num_days()),
            "{accepted} → {due}"
        );

        // The notice (15 days) has not run: registration is refused.
        let (s, v) = json_of(
            app.post(
                &cmd("register"),
                Some(&d.registrar.token),
                Some(&json!({"registration_number": "N1"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("公示"));

        // A month later the notice has run, and the registration is overdue in the queue.
        app.state.clock.advance(Duration::days(30));
        let (_, q) = json_of(
            app.get("/api/v1/contracts?state=accepted", Some(&d.registrar.token))
                .await,
        )
        .await;
        let item = q["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id.as_str())
            .cloned()
            .unwrap();
        assert_eq!(item["overdue"], true);
        assert_eq!(item["due_on"], due.to_string());
        let (s, v) = json_of(
            app.post(
                &cmd("register"),
                Some(&d.registrar.token),
                Some(&json!({"registration_number": "N1"})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, v["status"].as_str(), v["overdue"].as_bool()),
            (StatusCode::OK, Some("registered"), Some(false)),
            "{v}"
        );
        // Others see only their own registrations.
        let stranger = app.user(Role::Researcher, None).await;
        let (_, q) = json_of(app.get("/api/v1/contracts", Some(&stranger.token)).await).await;
        assert!(q["items"].as_array().unwrap().is_empty());
        assert_eq!(
            app.get(&format!("/api/v1/contracts/{id}"), Some(&stranger.token))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
);

/// The `by=` lines of a cut keyed by `key`: (count, contract amount).
fn lines_by(v: &Value, key: &str) -> BTreeMap<String, (i64, i64)> {
    lines_of(v, key)
        .into_iter()
        .map(|(k, count, amount, _)| (k, (count, amount)))
        .collect()
}

both!(
    a_foreign_region_is_an_iso_country_and_hong_kong_is_one_line_whichever_code,
    |app: TestApp| async move {
        let d = desk(&app).await;
        let admin = app.admin().await;
        let org = |region: &str| json!({"name": "港澳台及境外单位", "party_nature": "300", "region": region});

        // Any two capital letters are no longer a country.
        let (s, v) = json_of(
            app.post(
                "/api/v1/organizations",
                Some(&admin.token),
                Some(&org("XX")),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["type"], "/problems/validation");
        assert_eq!(v["errors"][0]["field"], "region");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("XX"));
        // An organization in Hong Kong is stored under its GB/T code, whichever code it gave.
        for region in ["HK", "810000"] {
            let (s, v) = json_of(
                app.post(
                    "/api/v1/organizations",
                    Some(&admin.token),
                    Some(&org(region)),
                )
                .await,
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            assert_eq!(v["region"], "810000", "{region}: {v}");
        }

        // A contract party with XX: refused, naming the field, and nothing is appended.
        let cq = party("重庆某研究院", "021", "500106");
        let head = app.log_len().await;
        for (side, field) in [("seller", "seller.region"), ("buyer", "buyer.region")] {
            let mut body = contract_body(
                &app,
                ("development", Some("commissioned")),
                "new_energy",
                cq.clone(),
                party("某公司", "300", "JP"),
                1_000_000,
                1_000_000,
            );
            body[side]["region"] = json!("XX");
            let (s, v) = json_of(
                app.post("/api/v1/contracts", Some(&d.seller.token), Some(&body))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["errors"][0]["field"], field, "{v}");
        }
        assert_eq!(app.log_len().await, head);

        // Buyers in Hong Kong by either code, Macao, and Japan.
        let mut ids = Vec::new();
        for (region, amount) in [
            ("HK", 1_000_000i64),
            ("810000", 2_000_000),
            ("MO", 4_000_000),
            ("JP", 8_000_000),
        ] {
            let body = contract_body(
                &app,
                ("development", Some("commissioned")),
                "new_energy",
                cq.clone(),
                party("某公司", "300", region),
                amount,
                amount,
            );
            ids.push(registered(&app, &d, &body).await);
        }
        let (_, v) = json_of(
            app.get(
                &format!("/api/v1/contracts/{}", ids[0]),
                Some(&d.registrar.token),
            )
            .await,
        )
        .await;
        assert_eq!(v["content"]["buyer"]["region"], "810000", "{v}");

        let by_region = lines_by(
            &stats(&app, &d.stat.token, "by=buyer_region").await,
            "buyer_region",
        );
        assert_eq!(
            by_region,
            BTreeMap::from([
                ("810000".to_string(), (2, 3_000_000)),
                ("820000".to_string(), (1, 4_000_000)),
                ("JP".to_string(), (1, 8_000_000)),
            ])
        );
        let by_province = lines_by(
            &stats(&app, &d.stat.token, "by=buyer_province").await,
            "buyer_province",
        );
        assert_eq!(by_province["810000"], (2, 3_000_000));
        // Hong Kong and Macao are China outside Chongqing and Sichuan; only Japan is abroad.
        let by_flow = lines_by(&stats(&app, &d.stat.token, "by=flow").await, "flow");
        assert_eq!(
            by_flow,
            BTreeMap::from([
                ("abroad".to_string(), (1, 8_000_000)),
                ("rest_of_china".to_string(), (3, 7_000_000)),
            ])
        );
    }
);

both!(
    payments_never_add_up_to_more_than_the_contract_amount,
    |app: TestApp| async move {
        let d = desk(&app).await;
        let body = contract_body(
            &app,
            ("development", Some("commissioned")),
            "new_energy",
            party("重庆某研究院", "021", "500106"),
            party("某公司", "150", "500112"),
            10_000_000,
            8_000_000,
        );
        let id = registered(&app, &d, &body).await;
        let today = china_date(app.state.clock.now()).to_string();
        let cmd = format!("/api/v1/contracts/{id}/payments");
        let pay = |amount: i64| json!({"amount_fen": amount, "received_on": today});
        let amend = |amount: i64| json!({"effective_on": today, "contract_amount_fen": amount, "technology_amount_fen": 8_000_000});

        let r = app
            .post(&cmd, Some(&d.seller.token), Some(&pay(6_000_000)))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        // One fen over the contract amount: 422 on the field, and nothing is appended.
        let head = app.log_len().await;
        let (s, v) = json_of(
            app.post(&cmd, Some(&d.seller.token), Some(&pay(4_000_001)))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "amount_fen");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("amend the contract first"),
            "{v}"
        );
        assert_eq!(app.log_len().await, head);
        // Exactly the contract amount is fine.
        let (s, v) = json_of(
            app.post(&cmd, Some(&d.registrar.token), Some(&pay(4_000_000)))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["payments"].as_array().unwrap().len(), 2);

        // Lowering the contract amount below what was received: refused on the field.
        let amend_cmd = format!("/api/v1/contracts/{id}/amend");
        let head = app.log_len().await;
        let (s, v) = json_of(
            app.post(
                &amend_cmd,
                Some(&d.registrar.token),
                Some(&amend(9_999_999)),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "contract_amount_fen");
        assert_eq!(app.log_len().await, head);
        // Amend it up first, then the rest can be received.
        let r = app
            .post(
                &amend_cmd,
                Some(&d.registrar.token),
                Some(&amend(12_000_000)),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app
            .post(&cmd, Some(&d.seller.token), Some(&pay(2_000_000)))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (_, v) = json_of(
            app.get(&format!("/api/v1/contracts/{id}"), Some(&d.registrar.token))
                .await,
        )
        .await;
        let received: i64 = v["payments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["amount_fen"].as_i64().unwrap())
            .sum();
        assert_eq!(received, 12_000_000);
    }
);

/// Facts written straight into the register (as many as a region's years would hold, without
/// registering them one by one), at `amounts` fen on the first of successive months; the cube
/// is told to reload them.
async fn raw_facts(app: &TestApp, amounts: &[i64]) {
    let dated: Vec<(String, i64)> = amounts
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("2025-{:02}-01", i % 12 + 1), *a))
        .collect();
    raw_facts_on(app, &dated).await
}

/// Facts written straight into the register, each on its date (registered and signed).
async fn raw_facts_on(app: &TestApp, dated: &[(String, i64)]) {
    let mut tx = app.state.db.begin().await.unwrap();
    for (date, amount) in dated {
        let date = date.clone();
        tx.conn()
            .execute(
                "INSERT INTO contract_stat_facts (contract_id, seq, part, position, recorded_at, registered_basis, \
                 signing_date, count_delta, amount_delta, tech_amount_delta, taxonomy, contract_type, subtype, field, \
                 seller_nature, buyer_nature, seller_region, buyer_region, seller_province, buyer_province, seller_zone, \
                 buyer_zone, flow, ip_kinds) VALUES ($1, 1, 0, 1, $2, $3, $3, 1, $4, 1, '2026', 'consulting', '', \
                 'new_energy', '021', '150', '500106', '500112', '500000', '500000', '', '', 'local', '')",
                &[
                    techmarket::store::sql::Arg::Uuid(Uuid::now_v7()),
                    techmarket::store::sql::Arg::Time(Utc::now() - Duration::days(1)),
                    techmarket::store::sql::Arg::Text(date),
                    techmarket::store::sql::Arg::I64(*amount),
                ],
            )
            .await
            .unwrap();
    }
    tx.conn()
        .execute(
            "INSERT INTO projection_generations (name, generation) VALUES ('sql_read_models', 1) \
             ON CONFLICT (name) DO UPDATE SET generation = projection_generations.generation + 1",
            &[],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

both!(
    totals_beyond_i64_fen_are_refused_never_wrapped,
    |app: TestApp| async move {
        let d = desk(&app).await;
        // One real registration, so the log's head is past the facts' position.
        registered(&app, &d, &small_contract(&app)).await;
        let real = stats(&app, &d.stat.token, "").await["totals"]["contract_amount_fen"]
            .as_i64()
            .unwrap();
        // Three near a third of i64::MAX each: the sum still fits, and is exact on both paths.
        let third = i64::MAX / 3 - 1_000_000_000;
        raw_facts(&app, &[third, third, third]).await;
        let exact = 3 * third + real;
        let v = stats(&app, &d.stat.token, "").await;
        assert_eq!(v["totals"]["contract_amount_fen"], exact, "{v}");
        let all = Cut::default();
        assert_eq!(projected(&app, &all).await, {
            let mut m = BTreeMap::new();
            m.insert(vec![], (4, exact, 3 + 1_000_000));
            m
        });

        // A fourth: each month's line fits, the total does not. A clear 422, never a number.
        raw_facts(&app, &[third]).await;
        let (s, v) = json_of(
            app.get("/api/v1/stats/contracts?by=period", Some(&d.stat.token))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "from", "{v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("beyond the largest amount"),
            "{v}"
        );
        let csv = app
            .client
            .get(app.url("/api/v1/stats/contracts"))
            .bearer_auth(&d.stat.token)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The SQL reference refuses alike.
        let mut rc = app.state.db.read().await.unwrap();
        assert!(matches!(
            query::run(&mut rc.conn(), &all).await,
            Err(techmarket::store::StoreError::TooLarge(_))
        ));
        drop(rc);
        // A narrower cut that fits is exact (January holds two of the four, February one).
        let v = stats(&app, &d.stat.token, "from=2025-01-01&to=2025-02-28").await;
        assert_eq!(v["totals"]["contract_amount_fen"], 3 * third, "{v}");
    }
);

both!(
    a_registration_number_is_held_by_one_contract,
    |app: TestApp| async move {
        let d = desk(&app).await;
        let body = small_contract(&app);
        let holder = registered(&app, &d, &body).await;
        let number = format!("5001{}", holder.replace('-', ""));
        let accepted = || async {
            let (_, v) = json_of(
                app.post("/api/v1/contracts", Some(&d.seller.token), Some(&body))
                    .await,
            )
            .await;
            let id = v["id"].as_str().unwrap().to_string();
            let r = app
                .post(
                    &format!("/api/v1/contracts/{id}/accept"),
                    Some(&d.registrar.token),
                    None,
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK);
            id
        };
        let register = |id: String, number: String| {
            let (app, token) = (&app, d.registrar.token.clone());
            async move {
                json_of(
                    app.post(
                        &format!("/api/v1/contracts/{id}/register"),
                        Some(&token),
                        Some(&json!({"registration_number": number})),
                    )
                    .await,
                )
                .await
            }
        };
        let second = accepted().await;
        let before = app.log_len().await;
        let (s, v) = register(second.clone(), number.clone()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["detail"].as_str().unwrap().contains(&holder), "{v}");
        assert_eq!(
            app.log_len().await,
            before,
            "a refused registration appended"
        );
        // Another number is fine.
        let (s, _) = register(second, format!("{number}-2")).await;
        assert_eq!(s, StatusCode::OK);

        // Two registrars racing for one number: exactly one wins.
        let (a, b) = (accepted().await, accepted().await);
        let raced = format!("{number}-raced");
        let (ra, rb) = tokio::join!(register(a, raced.clone()), register(b, raced));
        let mut statuses = [ra.0, rb.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "{ra:?} {rb:?}"
        );

        // The guard survives a rebuild of the read models, and still holds.
        techmarket::projections::rebuild::rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        let third = accepted().await;
        let (s, _) = register(third, number).await;
        assert_eq!(s, StatusCode::CONFLICT);
    }
);

both!(
    a_party_on_the_platform_is_its_organization,
    |app: TestApp| async move {
        let d = desk(&app).await;
        let org = app.organization("重庆某研究院", "021", "500106").await;
        // The buyer: a researcher submits for no organization as the seller here.
        let with_buyer = |buyer: Value| {
            let mut body = small_contract(&app);
            body["buyer"] = buyer;
            body
        };
        let mut false_buyer = party("重庆某研究院", "150", "510000");
        false_buyer["organization_id"] = json!(org);
        let before = app.log_len().await;
        let (s, v) = json_of(
            app.post(
                "/api/v1/contracts",
                Some(&d.seller.token),
                Some(&with_buyer(false_buyer)),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["buyer.party_nature", "buyer.region"], "{v}");
        assert_eq!(app.log_len().await, before);
        // A zone the organization is not in.
        let mut zoned = party("重庆某研究院", "021", "500106");
        zoned["organization_id"] = json!(org);
        zoned["zone"] = json!("science_city");
        let (s, v) = json_of(
            app.post(
                "/api/v1/contracts",
                Some(&d.seller.token),
                Some(&with_buyer(zoned)),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "buyer.zone", "{v}");

        // As the organization is registered: accepted, and amended only as it is.
        let mut true_buyer = party("重庆某研究院", "021", "500106");
        true_buyer["organization_id"] = json!(org);
        let id = registered(&app, &d, &with_buyer(true_buyer.clone())).await;
        let today = china_date(app.state.clock.now()).to_string();
        let mut moved = true_buyer.clone();
        moved["region"] = json!("510104");
        let (s, v) = json_of(
            app.post(
                &format!("/api/v1/contracts/{id}/amend"),
                Some(&d.registrar.token),
                Some(
                    &json!({"effective_on": today, "contract_amount_fen": 1_000_000,
                    "technology_amount_fen": 1_000_000, "buyer": moved}),
                ),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["field"], "buyer.region", "{v}");
    }
);

both!(a_report_says_what_it_cannot_do, |app: TestApp| async move {
    let d = desk(&app).await;
    // The subtype a report writes for "none" is accepted as input.
    let mut body = small_contract(&app);
    body["contract_subtype"] = json!("");
    registered(&app, &d, &body).await;
    let v = stats(&app, &d.stat.token, "by=subtype").await;
    assert_eq!(v["items"][0]["subtype"], "", "{v}");

    let refused = |query: &'static str, field: &'static str| {
        let (app, token) = (&app, d.stat.token.clone());
        async move {
            let (s, v) = json_of(
                app.get(&format!("/api/v1/stats/contracts?{query}"), Some(&token))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{query}: {v}");
        }
    };
    let tomorrow = (Utc::now() + Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .replace('+', "%2B");
    let (s, v) = json_of(
        app.get(
            &format!("/api/v1/stats/contracts?as_of={tomorrow}"),
            Some(&d.stat.token),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["errors"][0]["field"], "as_of");
    refused("granularity=quarter", "granularity").await;
    refused("by=type&granularity=year", "granularity").await;
    stats(&app, &d.stat.token, "by=type,period&granularity=year").await;

    // Accept, by its q-values.
    let with_accept = |accept: &'static str| {
        let (app, token) = (&app, d.stat.token.clone());
        async move {
            let r = app
                .client
                .get(app.url("/api/v1/stats/contracts"))
                .bearer_auth(token)
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (r.status(), ct)
        }
    };
    for (accept, want) in [
        ("text/csv;q=0.5, application/json;q=0.9", "application/json"),
        ("application/json;q=0, text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("*/*", "application/json"),
        ("application/json, text/csv", "application/json"),
    ] {
        let (s, ct) = with_accept(accept).await;
        assert_eq!(s, StatusCode::OK, "{accept}");
        assert!(ct.starts_with(want), "{accept}: {ct}");
    }
    for accept in ["application/xml", "text/csv;q=0, application/json;q=0"] {
        let (s, ct) = with_accept(accept).await;
        assert_eq!(s, StatusCode::NOT_ACCEPTABLE, "{accept}");
        assert!(ct.starts_with("application/problem+json"), "{accept}: {ct}");
    }
});

both!(
    a_registrar_finds_contracts_by_number_party_and_title_deadlines_first,
    |app: TestApp| async move {
        let d = desk(&app).await;
        known_data_set(&app, &d).await;
        let reg = &d.registrar.token;
        // One more, accepted and so on the registrar's clock, with a deadline.
        let mut body = small_contract(&app);
        body["title"] = json!("氢能储运技术开发合同");
        let (_, v) = json_of(
            app.post("/api/v1/contracts", Some(&d.seller.token), Some(&body))
                .await,
        )
        .await;
        let pending = v["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/contracts/{pending}/accept"),
                Some(reg),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);

        let find = |query: String| {
            let (app, token) = (&app, reg.clone());
            async move {
                let (s, v) = json_of(
                    app.get(&format!("/api/v1/contracts?{query}"), Some(&token))
                        .await,
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{query}: {v}");
                v
            }
        };
        let ids = |v: &Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect()
        };

        // A party's name, in any case; a word of the title.
        let v = find("q=SIEMENS".into()).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(v["items"][0]["content"]["buyer"]["name"], "Siemens AG");
        let number = v["items"][0]["registration_number"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            find("q=四川大学".into()).await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(ids(&find("q=氢能储运".into()).await), vec![pending.clone()]);
        // Every word must be there.
        assert!(ids(&find("q=四川大学%20Siemens".into()).await).is_empty());

        // The registration number, exactly.
        let v = find(format!("registration_number={number}")).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        assert_eq!(v["items"][0]["registration_number"], number.as_str());

        // Deadlines first: the one on the clock leads; paged without gaps or repeats.
        let all = find("q=合同&limit=100".into()).await;
        assert_eq!(all["items"].as_array().unwrap().len(), 5, "{all}");
        assert_eq!(all["items"][0]["id"], pending.as_str());
        let first = find("q=合同&limit=3".into()).await;
        let cursor = first["next_cursor"].as_str().unwrap().to_string();
        let second = find(format!("q=合同&limit=3&cursor={cursor}")).await;
        assert!(second["next_cursor"].is_null());
        let paged: Vec<String> = ids(&first).into_iter().chain(ids(&second)).collect();
        assert_eq!(paged, ids(&all));

        // With the state: only the registered ones; an organization nobody has: none.
        let v = find("q=合同&state=registered".into()).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 4);
        assert!(ids(&find(format!("organization_id={}", Uuid::now_v7())).await).is_empty());

        for (query, field) in [
            ("q=%20%20", "q"),
            ("registration_number=", "registration_number"),
            ("q=x&cursor=nonsense", "cursor"),
        ] {
            let (s, v) = json_of(
                app.get(&format!("/api/v1/contracts?{query}"), Some(reg))
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{query}: {v}");
        }
    }
);

both!(
    statistics_download_as_an_excel_workbook_with_numbers_as_numbers,
    |app: TestApp| async move {
        use calamine::{Data, Reader};
        let d = desk(&app).await;
        known_data_set(&app, &d).await;
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        let r = app
            .client
            .get(app.url("/api/v1/stats/contracts?by=flow&field=biomedicine"))
            .bearer_auth(&d.stat.token)
            .header("Accept", xlsx)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], xlsx);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx"));
        let bytes = r.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["flow", "参数"]);
        let sheet = book.worksheet_range("flow").unwrap();
        let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
        assert_eq!(rows[0][0], Data::String("flow".into()));
        assert_eq!(rows[0][4], Data::String("成交额（万元）".into()));
        // The same lines as the JSON report, numbers as numbers.
        let json = stats(&app, &d.stat.token, "by=flow&field=biomedicine").await;
        let items = json["items"].as_array().unwrap();
        assert_eq!(rows.len(), items.len() + 2, "header, lines, totals");
        for (row, item) in rows[1..].iter().zip(items) {
            assert_eq!(row[0], Data::String(item["flow"].as_str().unwrap().into()));
            assert_eq!(row[1], Data::Float(item["count"].as_i64().unwrap() as f64));
            assert_eq!(
                row[2],
                Data::Float(item["contract_amount_fen"].as_i64().unwrap() as f64)
            );
            let wan: f64 = item["contract_amount_wan"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            match &row[4] {
                Data::Float(v) => assert!((v - wan).abs() < 0.01, "{v} vs {wan}"),
                other => panic!("万元 as a number, not {other:?}"),
            }
        }
        let last = rows.last().unwrap();
        assert_eq!(last[0], Data::String("合计".into()));
        assert_eq!(last[2], Data::Float(148_456_789.0));
        let about = book.worksheet_range("参数").unwrap();
        let params: Vec<String> = about.rows().map(|r| format!("{}={}", r[0], r[1])).collect();
        assert!(
            params.contains(&"filters=field=biomedicine".to_string()),
            "{params:?}"
        );
    }
);

both!(
    the_annual_report_is_one_workbook_of_the_standard_tables,
    |app: TestApp| async move {
        use calamine::{Data, Reader};
        let d = desk(&app).await;
        known_data_set(&app, &d).await;
        let year = china_date(app.state.clock.now()).year();
        let r = app
            .get(
                &format!("/api/v1/stats/contracts/annual-report?year={year}"),
                Some(&d.stat.token),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("contract-stats-{year}.xlsx")));
        let bytes = r.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            [
                "总表",
                "按月份",
                "按合同类型",
                "按技术领域",
                "按卖方性质",
                "按买方性质",
                "按卖方省份",
                "按买方省份",
                "按技术流向",
                "参数"
            ]
        );
        // Each table holds what the API gives for the same cut of that year.
        let range = format!("from={year}-01-01&to={year}-12-31");
        for (sheet, by) in [
            ("按合同类型", "type"),
            ("按技术流向", "flow"),
            ("按卖方省份", "seller_province"),
        ] {
            let rows: Vec<Vec<Data>> = book
                .worksheet_range(sheet)
                .unwrap()
                .rows()
                .map(|r| r.to_vec())
                .collect();
            let json = stats(&app, &d.stat.token, &format!("by={by}&{range}")).await;
            let items = json["items"].as_array().unwrap();
            assert_eq!(rows.len(), items.len() + 2, "{sheet}");
            for (row, item) in rows[1..].iter().zip(items) {
                assert_eq!(
                    row[0],
                    Data::String(item[by].as_str().unwrap().into()),
                    "{sheet}"
                );
                assert_eq!(
                    row[2],
                    Data::Float(item["contract_amount_fen"].as_i64().unwrap() as f64)
                );
            }
        }
        let total: Vec<Vec<Data>> = book
            .worksheet_range("总表")
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect();
        assert_eq!(total[1][1], Data::Float(758_456_789.0));

        for (query, status) in [
            ("year=1900", StatusCode::BAD_REQUEST),
            (&*format!("year={}", year + 1), StatusCode::BAD_REQUEST),
            ("", StatusCode::BAD_REQUEST),
        ] {
            let r = app
                .get(
                    &format!("/api/v1/stats/contracts/annual-report?{query}"),
                    Some(&d.stat.token),
                )
                .await;
            assert_eq!(r.status(), status, "{query}");
        }
        let r = app
            .get(
                &format!("/api/v1/stats/contracts/annual-report?year={year}"),
                Some(&d.seller.token),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);

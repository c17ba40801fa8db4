//! Codes with names, and every county code (issue 17, item 4): the reference tables served
//! with their names, a Chengdu district accepted and rolled up to Sichuan in the statistics,
//! names beside codes in views, and a CSV that a spreadsheet opens with its Chinese intact.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{json_of, listing_body, TestApp, TestUser};

/// The items of a public reference route, checked to be cacheable.
async fn reference(app: &TestApp, path: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/reference/{path}"), None).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(
        r.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=86400"
    );
    let v: Value = r.json().await.unwrap();
    v["items"].as_array().unwrap().clone()
}

fn find<'a>(items: &'a [Value], key: &str, code: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i[key] == code)
        .unwrap_or_else(|| panic!("no {code} among {items:?}"))
}

both!(
    the_reference_tables_name_every_code,
    |app: TestApp| async move {
        let chengdu = reference(&app, "regions?parent=510100").await;
        assert!(chengdu.iter().all(|r| r["parent"] == "510100"));
        assert_eq!(
            find(&chengdu, "code", "510104"),
            &json!({"code": "510104", "name_zh": "锦江区", "name_en": "", "level": "district", "parent": "510100"})
        );
        let provinces = reference(&app, "regions?level=province").await;
        assert_eq!(provinces.len(), 34);
        assert_eq!(find(&provinces, "code", "500000")["name_en"], "Chongqing");
        let sichuan_cities = reference(&app, "regions?parent=510000&level=city").await;
        assert_eq!(find(&sichuan_cities, "code", "510100")["name_zh"], "成都市");
        // Chongqing's districts hang from the municipality itself.
        let chongqing = reference(&app, "regions?parent=500000").await;
        assert_eq!(chongqing.len(), 38);
        assert!(reference(&app, "regions").await.len() > 3000);

        for (query, field) in [("parent=999999", "parent"), ("level=town", "level")] {
            let (s, v) = json_of(
                app.get(&format!("/api/v1/reference/regions?{query}"), None)
                    .await,
            )
            .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
            assert_eq!(v["errors"][0]["field"], field, "{v}");
        }

        let fields = reference(&app, "technology-fields").await;
        assert_eq!(
            find(&fields, "code", "new_materials")["name_zh"],
            "新材料及其应用"
        );
        let types = reference(&app, "contract-types?taxonomy=2026").await;
        assert_eq!(types.len(), 13);
        assert!(types.iter().all(|t| t["taxonomy"] == "2026"));
        assert!(types.iter().any(|t| t["contract_type"] == "license"
            && t["subtype"] == "exclusive"
            && t["name_zh"] == "技术许可（独占许可）"));
        assert_eq!(reference(&app, "contract-types").await.len(), 23);
        let (s, _) = json_of(
            app.get("/api/v1/reference/contract-types?taxonomy=1999", None)
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let natures = reference(&app, "party-natures").await;
        assert_eq!(find(&natures, "code", "022")["name_zh"], "高等院校");
        let kinds = reference(&app, "ip-kinds").await;
        assert_eq!(
            find(&kinds, "code", "invention_patent")["name_zh"],
            "发明专利"
        );
        let zones = reference(&app, "zones").await;
        assert_eq!(
            find(&zones, "code", "liangjiang")["spans_parts_of"],
            json!(["500105", "500112", "500109"])
        );
        let reasons = reference(&app, "refusal-reasons").await;
        assert_eq!(
            find(&reasons, "code", "unclear_subject")["name_en"],
            "Subject matter, price or remuneration unclear"
        );
        let countries = reference(&app, "countries").await;
        assert_eq!(find(&countries, "code", "HK")["gbt2260"], "810000");
        assert_eq!(find(&countries, "code", "DE")["gbt2260"], Value::Null);

        // Public, but a token sent must still be a valid one.
        let r = app
            .get("/api/v1/reference/zones", Some("not-a-token"))
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
);

fn party(name: &str, nature: &str, region: &str) -> Value {
    json!({"name": name, "party_nature": nature, "region": region})
}

/// A Chengdu university licenses a patent to a Chongqing company: 10万元.
fn chengdu_contract(app: &TestApp) -> Value {
    let today = china_date(app.state.clock.now());
    json!({
        "contract_type": "transfer", "contract_subtype": "patent_right", "title": "成渝专利转让合同",
        "seller": party("成都某大学", "022", "510104"),
        "buyer": party("重庆某公司", "150", "500112"),
        "signing_date": (today - Duration::days(3)).to_string(),
        "validity_start": today.to_string(), "validity_end": (today + Duration::days(365)).to_string(),
        "contract_amount_fen": 10_000_000i64, "technology_amount_fen": 10_000_000i64,
        "field": "new_materials", "ip_kinds": ["invention_patent"]
    })
}

/// Submitted by `seller`, accepted and registered by `registrar`: the contract's id.
pub async fn registered(
    app: &TestApp,
    seller: &TestUser,
    registrar: &TestUser,
    body: &Value,
) -> String {
    let (s, v) = json_of(
        app.post("/api/v1/contracts", Some(&seller.token), Some(body))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (s, v) = json_of(
        app.post(
            &format!("/api/v1/contracts/{id}/accept"),
            Some(&registrar.token),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let number = format!("5101{}", id.replace('-', ""));
    let (s, v) = json_of(
        app.post(
            &format!("/api/v1/contracts/{id}/register"),
            Some(&registrar.token),
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

both!(
    a_chengdu_district_is_accepted_and_counted_under_sichuan,
    |app: TestApp| async move {
        // A listing in 锦江区 is accepted and says where that is.
        let researcher = app.user(Role::Researcher, None).await;
        let mut body = listing_body("成都锦江区的固态电解质薄膜");
        body["region"] = json!("510104");
        let listing = app.draft(&researcher, &body).await;
        let (s, v) = json_of(
            app.get(
                &format!("/api/v1/listings/{listing}"),
                Some(&researcher.token),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (&v["region"], &v["region_name"], &v["field_name"]),
            (
                &json!("510104"),
                &json!("锦江区"),
                &json!("新能源与高效节能")
            )
        );

        // A Chengdu contract: registered, its codes named in its view.
        let registrar = app.user(Role::Registrar, None).await;
        let stat = app.user(Role::Statistician, None).await;
        let id = registered(&app, &researcher, &registrar, &chengdu_contract(&app)).await;
        let (s, c) = json_of(
            app.get(&format!("/api/v1/contracts/{id}"), Some(&stat.token))
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let content = &c["content"];
        assert_eq!(content["field_name"], "新材料及其应用");
        assert_eq!(content["contract_type"]["name"], "技术转让（专利权转让）");
        assert_eq!(
            (
                &content["seller"]["region_name"],
                &content["seller"]["party_nature_name"]
            ),
            (&json!("锦江区"), &json!("高等院校"))
        );
        assert_eq!(content["buyer"]["region_name"], "渝北区");
        assert_eq!(content["buyer"]["zone_name"], Value::Null);

        // The statistics roll 锦江区 up to 四川省 and name both.
        let cut = |query: &'static str| stats(&app, &stat.token, query);
        let v = cut("by=seller_province").await;
        let line = &v["items"][0];
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(
            (
                &line["seller_province"],
                &line["seller_province_name"],
                &line["count"]
            ),
            (&json!("510000"), &json!("四川省"), &json!(1)),
            "{v}"
        );
        assert_eq!(line["contract_amount_fen"], 10_000_000, "{v}");
        let v = cut("by=seller_region,flow").await;
        let line = &v["items"][0];
        assert_eq!(
            (
                &line["seller_region"],
                &line["seller_region_name"],
                &line["flow"]
            ),
            (
                &json!("510104"),
                &json!("锦江区"),
                &json!("chongqing_sichuan")
            ),
            "{v}"
        );
        assert!(line.get("flow_name").is_none(), "{v}");
        let v = cut("seller_province=510000").await;
        assert_eq!(v["totals"]["count"], 1, "{v}");
        let v = cut("seller_region=510104&by=buyer_province").await;
        assert_eq!(v["items"][0]["buyer_province_name"], "重庆市", "{v}");

        // The CSV opens in a spreadsheet: a byte-order mark, a file name, a name column per code.
        let r = app
            .client
            .get(app.url("/api/v1/stats/contracts?by=seller_province,field"))
            .bearer_auth(&stat.token)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()["content-disposition"].to_str().unwrap(),
            "attachment; filename=\"contract-stats.csv\""
        );
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let csv = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "seller_province,seller_province_name,field,field_name,count,contract_amount_fen,technology_amount_fen,contract_amount_wan,technology_amount_wan",
            "510000,四川省,new_materials,新材料及其应用,1,10000000,10000000,10.00,10.00",
            "total,,,,1,10000000,10000000,10.00,10.00",
        ]
    );
    }
);

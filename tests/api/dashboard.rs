//! `/dashboard` in a real browser: headless Debian Chromium driven through chromedriver over
//! WebDriver. A statistician signs in, filters, moves `as_of` and downloads; every number the
//! page shows is compared with the API's answer to the same query. A registrar finds a contract
//! by number; an account the API refuses sees the refusal. Screenshots go to
//! `target/screenshots/`.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::calendar::china_date;
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{json_of, TestApp, TestUser, PASSWORD};

mod browser;
use browser::Browser;

/// Waits on the page give up after this long (a guard against a hang, not a measured time).
const PATIENCE: Duration = Duration::from_secs(60);

fn party(name: &str, nature: &str, region: &str) -> Value {
    json!({"name": name, "party_nature": nature, "region": region})
}

/// A contract submitted by `seller`, accepted and registered by `registrar`: its id and number.
async fn register(
    app: &TestApp,
    (seller, registrar): (&TestUser, &TestUser),
    title: &str,
    (ty, subtype, field): (&str, Option<&str>, &str),
    (from, to): (Value, Value),
    amount_fen: i64,
) -> (String, String) {
    let today = china_date(app.state.clock.now());
    let body = json!({
        "contract_type": ty, "contract_subtype": subtype, "title": title,
        "seller": from, "buyer": to,
        "signing_date": (today - chrono::Duration::days(2)).to_string(),
        "validity_start": today.to_string(),
        "validity_end": (today + chrono::Duration::days(200)).to_string(),
        "contract_amount_fen": amount_fen, "technology_amount_fen": amount_fen / 10 * 9,
        "field": field, "ip_kinds": ["invention_patent"],
    });
    let (s, v) = json_of(
        app.post("/api/v1/contracts", Some(&seller.token), Some(&body))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/contracts/{id}/accept"),
            Some(&registrar.token),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let number = format!("DB-{}", &id[id.len() - 12..]);
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
        (StatusCode::OK, Some("registered"))
    );
    (id, number)
}

/// `GET /stats/contracts?query` as JSON.
async fn stats(app: &TestApp, token: &str, query: &str) -> Value {
    let (s, v) = json_of(
        app.get(&format!("/api/v1/stats/contracts?{query}"), Some(token))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    v
}

/// The same query in another representation, as bytes.
async fn stats_as(app: &TestApp, token: &str, path: &str, accept: &str) -> Vec<u8> {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/stats/contracts{path}")))
        .bearer_auth(token)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.bytes().await.unwrap().to_vec()
}

fn and(query: &str, more: &str) -> String {
    [query, more]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("&")
}

/// The visible text of the element `css` names.
async fn text(c: &Client, css: &str) -> String {
    let e = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} on the page: {e}"));
    e.text().await.unwrap()
}

/// Every figure the statistics tab shows equals the API's answer to `query` (its filters).
async fn page_shows(c: &Client, app: &TestApp, token: &str, query: &str) -> Value {
    let head = stats(app, token, query).await;
    let t = &head["totals"];
    assert_eq!(
        text(c, "[data-testid=total-contract-amount]").await,
        t["contract_amount_wan"].as_str().unwrap()
    );
    assert_eq!(
        text(c, "[data-testid=total-technology-amount]").await,
        t["technology_amount_wan"].as_str().unwrap()
    );
    assert_eq!(
        text(c, "[data-testid=total-count]").await,
        t["count"].to_string()
    );
    let as_of = head["as_of"]
        .as_str()
        .unwrap_or("最新（截至此刻登记的全部变更）");
    assert_eq!(text(c, "[data-testid=as-of-answered]").await, as_of);

    let trend = stats(app, token, &and(query, "by=period&granularity=month")).await;
    for item in trend["items"].as_array().unwrap() {
        let css = format!(
            "[data-testid='trend-{}-amount']",
            item["period"].as_str().unwrap()
        );
        assert_eq!(
            text(c, &css).await,
            item["contract_amount_wan"].as_str().unwrap()
        );
    }
    for (cut, by) in [
        ("type", "type"),
        ("field", "field"),
        ("region", "seller_province"),
        ("flow", "flow"),
    ] {
        let v = stats(app, token, &and(query, &format!("by={by}"))).await;
        let items = v["items"].as_array().unwrap();
        let rows = c
            .find_all(Locator::Css(&format!("#table-{cut} tbody tr")))
            .await
            .unwrap();
        assert_eq!(rows.len(), items.len(), "{cut} lines for {query}");
        for item in items {
            let row = format!("cut-{cut}-{}", item[by].as_str().unwrap());
            for (suffix, key) in [
                ("amount", "contract_amount_wan"),
                ("technology", "technology_amount_wan"),
            ] {
                let css = format!("[data-testid='{row}-{suffix}']");
                assert_eq!(text(c, &css).await, item[key].as_str().unwrap(), "{css}");
            }
            let css = format!("[data-testid='{row}-count']");
            assert_eq!(text(c, &css).await, item["count"].to_string(), "{css}");
        }
    }
    head
}

/// Polls the page until `condition` (a JavaScript expression) holds.
async fn until(c: &Client, condition: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let v = c
            .execute(&format!("return Boolean({condition});"), vec![])
            .await
            .unwrap();
        if v == Value::Bool(true) {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let error = c
                .execute(
                    "return document.querySelector('[role=alert]:not([hidden])')?.textContent || '';",
                    vec![],
                )
                .await
                .unwrap();
            panic!("the page never came to `{condition}` (alert: {error})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_in(c: &Client, user: &TestUser) {
    let email = c.find(Locator::Id("email")).await.unwrap();
    email.clear().await.unwrap();
    email.send_keys(&user.email).await.unwrap();
    let password = c.find(Locator::Id("password")).await.unwrap();
    password.send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Id("sign-in-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(c, "!document.getElementById('workbench').hidden").await;
}

async fn sign_out(c: &Client) {
    c.find(Locator::Id("sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(c, "!document.getElementById('sign-in-panel').hidden").await;
}

/// Waits for the statistics tab to have answered, then shows the as_of it answered with.
async fn stats_ready(c: &Client, as_of_shown: &str) {
    until(
        c,
        &format!(
            "document.getElementById('tab-stats').dataset.state === 'ready' && \
             document.getElementById('as-of-answered').textContent === {}",
            Value::String(as_of_shown.into())
        ),
    )
    .await;
}

fn rfc3339_china(t: DateTime<Utc>) -> String {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// The sheets of a workbook, each as its rows of cells.
fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<calamine::Data>>)> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            (name, range.rows().map(|r| r.to_vec()).collect())
        })
        .collect()
}

both!(dashboard_in_a_real_browser, |app: TestApp| async move {
    let Some(browser) = Browser::start(app.backend).await else {
        return;
    };
    let c = &browser.client;
    let stat = app.user(Role::Statistician, None).await;
    let registrar = app.user(Role::Registrar, None).await;
    let seller = app.user(Role::Researcher, None).await;
    let cq = |district: &str| party("重庆某研究院", "021", district);
    let firm = |region: &str| party("某科技公司", "150", region);

    // Three contracts a month apart, then the instant the as_of control will go back to, then
    // two more a month later: a trend of four months.
    let a_month_on = || app.state.clock.advance(chrono::Duration::days(31));
    let (first, first_number) = register(
        &app,
        (&seller, &registrar),
        "高镍三元正极材料专利权转让",
        ("transfer", Some("patent_right"), "new_energy"),
        (cq("500106"), firm("500112")),
        123_456_789,
    )
    .await;
    a_month_on();
    register(
        &app,
        (&seller, &registrar),
        "固态电解质联合开发",
        ("development", Some("commissioned"), "new_energy"),
        (party("四川大学", "022", "510000"), firm("500103")),
        25_000_000,
    )
    .await;
    a_month_on();
    register(
        &app,
        (&seller, &registrar),
        "靶向药物筛选技术咨询",
        ("consulting", None, "biomedicine"),
        (cq("500107"), party("Siemens AG", "300", "DE")),
        3_333_333,
    )
    .await;
    // Events are stamped with the system's time (the test clock moves only the business dates),
    // so `as_of` is an instant of that time; the rest is recorded after it, not within its
    // microsecond.
    let before_the_rest = Utc::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    a_month_on();
    register(
        &app,
        (&seller, &registrar),
        "储能电池管理系统独占许可",
        ("license", Some("exclusive"), "new_energy"),
        (cq("500106"), firm("440000")),
        77_777_777,
    )
    .await;
    register(
        &app,
        (&seller, &registrar),
        "工业互联网平台技术服务",
        ("service", Some("service"), "electronic_information"),
        (cq("500105"), firm("500112")),
        9_990_001,
    )
    .await;

    // Sign in: the page answers what the API answers, unfiltered.
    c.goto(&app.url("/dashboard")).await.unwrap();
    until(c, "!document.getElementById('sign-in-panel').hidden").await;
    browser.screenshot("sign-in").await;
    sign_in(c, &stat).await;
    stats_ready(c, "最新（截至此刻登记的全部变更）").await;
    assert_eq!(text(c, "[data-testid=who-role]").await, "统计人员");
    c.find(Locator::Css("#tab-stats details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let all = page_shows(c, &app, &stat.token, "").await;
    assert_eq!(all["totals"]["count"], 5);
    c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    browser.screenshot("overview").await;

    // A field: the figures follow the filter.
    c.find(Locator::Id("f-field"))
        .await
        .unwrap()
        .select_by_value("new_energy")
        .await
        .unwrap();
    c.find(Locator::Id("apply-filters"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "document.getElementById('tab-stats').dataset.query === 'field=new_energy' && \
         document.getElementById('tab-stats').dataset.state === 'ready'",
    )
    .await;
    let energy = page_shows(c, &app, &stat.token, "field=new_energy").await;
    assert_eq!(energy["totals"]["count"], 3);
    assert_eq!(energy["totals"]["contract_amount_wan"], "226.23");

    // As known before the last two registrations: the page shows the API's as_of and its figures.
    let instant = rfc3339_china(before_the_rest);
    let as_of_query = format!(
        "field=new_energy&as_of={}",
        form_urlencoded::byte_serialize(instant.as_bytes()).collect::<String>()
    );
    let then = stats(&app, &stat.token, &as_of_query).await;
    let answered = then["as_of"].as_str().unwrap().to_string();
    assert_eq!(
        answered.parse::<DateTime<Utc>>().unwrap(),
        instant.parse::<DateTime<Utc>>().unwrap()
    );
    let as_of = c.find(Locator::Id("f-as-of")).await.unwrap();
    as_of.send_keys(&instant).await.unwrap();
    c.find(Locator::Id("apply-filters"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    stats_ready(c, &answered).await;
    page_shows(c, &app, &stat.token, &as_of_query).await;
    assert_eq!(then["totals"]["count"], 2);
    assert_ne!(
        then["totals"]["contract_amount_wan"],
        energy["totals"]["contract_amount_wan"]
    );
    assert_eq!(
        text(c, "[data-testid=total-contract-amount]").await,
        "148.45"
    );
    c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    browser.screenshot("filtered-as-of").await;
    c.execute("document.getElementById('cuts').scrollIntoView();", vec![])
        .await
        .unwrap();
    browser.screenshot("cuts").await;

    // Downloads of the cut on the page: the same bytes as the API's CSV, the same cells as its
    // workbook; and the year's report.
    c.find(Locator::Css("[data-testid=download-csv-field]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let csv = browser.downloaded("contract-stats-field.csv").await;
    let api_csv = stats_as(
        &app,
        &stat.token,
        &format!("?{}", and(&as_of_query, "by=field")),
        "text/csv",
    )
    .await;
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        String::from_utf8(api_csv).unwrap()
    );

    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    c.find(Locator::Css("[data-testid=download-xlsx-type]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let book = sheets(browser.downloaded("contract-stats-type.xlsx").await);
    let api_book = sheets(
        stats_as(
            &app,
            &stat.token,
            &format!("?{}", and(&as_of_query, "by=type")),
            xlsx,
        )
        .await,
    );
    assert_eq!(book, api_book);
    assert!(book.len() >= 2, "a sheet for the cut and one of parameters");

    c.find(Locator::Css("[data-testid=download-annual]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The year the page offers first (the browser's own year).
    let year = c
        .find(Locator::Id("annual-year"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .expect("a year");
    let annual = sheets(
        browser
            .downloaded(&format!("contract-stats-{year}.xlsx"))
            .await,
    );
    let api_annual = sheets(
        stats_as(
            &app,
            &stat.token,
            &format!(
                "/annual-report?year={year}&as_of={}",
                form_urlencoded::byte_serialize(instant.as_bytes()).collect::<String>()
            ),
            xlsx,
        )
        .await,
    );
    assert_eq!(annual, api_annual);

    // A wrong as_of: the page says what the API said.
    let as_of = c.find(Locator::Id("f-as-of")).await.unwrap();
    as_of.clear().await.unwrap();
    as_of.send_keys("昨天").await.unwrap();
    c.find(Locator::Id("apply-filters"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "document.getElementById('tab-stats').dataset.state === 'error'",
    )
    .await;
    assert!(text(c, "[data-testid=stats-error]")
        .await
        .contains("RFC 3339"));
    assert_eq!(text(c, "[data-testid=total-contract-amount]").await, "—");
    sign_out(c).await;

    // The registrar finds a contract by its number in the queue.
    sign_in(c, &registrar).await;
    c.find(Locator::Id("tab-button-queue"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "document.querySelectorAll('[data-testid=queue-row]').length === 5",
    )
    .await;
    let number = c.find(Locator::Id("q-registration_number")).await.unwrap();
    number.send_keys(&first_number).await.unwrap();
    c.find(Locator::Css("#queue-filters button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "document.querySelectorAll('[data-testid=queue-row]').length === 1",
    )
    .await;
    let row = c
        .find(Locator::Css("[data-testid=queue-row]"))
        .await
        .unwrap();
    assert_eq!(
        row.attr("data-id").await.unwrap().as_deref(),
        Some(first.as_str())
    );
    browser.screenshot("queue").await;
    // The queue as found, downloaded: the same rows as the API's workbook (its second sheet
    // says when each was made, so only the first is compared).
    c.find(Locator::Id("queue-download"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let book = sheets(browser.downloaded("contracts.xlsx").await);
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/contracts?registration_number={first_number}"
        )))
        .bearer_auth(&registrar.token)
        .header("Accept", xlsx)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let api_book = sheets(r.bytes().await.unwrap().to_vec());
    assert_eq!(book[0], api_book[0]);
    assert_eq!(book[0].1.len(), 2, "a header and the contract found");
    sign_out(c).await;

    // An institution admin without an organization: no statistics tab, and the grant register
    // the API refuses is refused on the page too, politely.
    let outsider = app.user(Role::InstitutionAdmin, None).await;
    let r = app
        .get("/api/v1/stats/ownership-grants", Some(&outsider.token))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    sign_in(c, &outsider).await;
    assert!(c.find(Locator::Id("tab-button-stats")).await.is_err());
    c.find(Locator::Id("tab-button-grants"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(c, "!document.getElementById('grants-error').hidden").await;
    assert!(text(c, "#grants-error").await.contains("无权查看"));
    browser.finish().await;
});

/// Without a browser: the page and its assets come from the binary with their types and cache
/// rules, nothing is loaded from elsewhere, and the front door links the page.
#[tokio::test]
async fn the_dashboard_is_served_from_the_binary() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let _keep = app.keep_alive();
    let r = app.get("/dashboard", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let header =
        |r: &reqwest::Response, name: &str| r.headers()[name].to_str().unwrap().to_string();
    assert!(header(&r, "content-type").starts_with("text/html"));
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert!(header(&r, "content-security-policy").contains("script-src 'self'"));
    let page = r.text().await.unwrap();
    let script = page
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page names its script")
        .to_string();
    assert!(script.starts_with("/dashboard/dashboard.js?v="), "{script}");
    // The reference data the filters offer: Chinese names of the codes.
    assert!(page.contains("新能源与高效节能") && page.contains("四川省"));
    for (path, kind) in [
        (script.as_str(), "text/javascript"),
        ("/dashboard/dashboard.css", "text/css"),
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(header(&r, "content-type").starts_with(kind), "{path}");
        assert!(header(&r, "cache-control").contains("immutable"), "{path}");
        let body = r.text().await.unwrap();
        let body = body.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{path}"
        );
    }
    assert!(app
        .get("/", None)
        .await
        .text()
        .await
        .unwrap()
        .contains("href=\"/dashboard\""));
    let links: Value = app
        .client
        .get(app.url("/"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(links["links"]["dashboard"], "/dashboard");
}

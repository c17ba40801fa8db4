//! History import (issue 13): contracts of the past from CSV or JSON lines, validated row by
//! row, applied whole or not at all, idempotent by registration number, counted in the
//! statistics on their original dates, and amendable afterwards.

use reqwest::StatusCode;
use serde_json::{json, Value};
use techmarket::domain::Role;

use crate::both;
use crate::helpers::{json_of, TestApp, TestUser};

const HEADER: &str = "registration_number,registered_on,taxonomy,contract_type,contract_subtype,title,signing_date,validity_start,validity_end,contract_amount_yuan,technology_amount_fen,field,ip_kinds,seller_name,seller_party_nature,seller_region,buyer_name,buyer_party_nature,buyer_region";

/// Three contracts of 2020 and 2021: 145,000.50元 + 2,000,000元 in 2020, 80,000元 in 2021.
fn history_csv() -> String {
    format!(
        "\u{feff}{HEADER}\n\
         2020500106000001,2020-03-20,2001,consulting,,页岩气压裂工艺咨询,2020-03-02,2020-03-20,2020-12-31,145000.50,14000000,new_energy,,重庆大学,021,500106,重庆某能源公司,150,500112\n\
         2020500106000002,2020-11-05,2001,transfer,patent_right,钠电正极专利转让,2020-10-30,2020-11-05,2030-11-04,2000000,180000000,new_energy,invention_patent,重庆某研究院,021,500106,四川某科技公司,150,510000\n\
         2021500106000003,2021-06-18,2026,consulting,,生物医药临床方案咨询,2021-06-01,2021-06-18,2022-06-17,80000,8000000,biomedicine,,重庆医科大学,021,500103,重庆某药业,150,500112\n"
    )
}

async fn upload(
    app: &TestApp,
    token: &str,
    content_type: &str,
    query: &str,
    body: String,
) -> (StatusCode, Value) {
    json_of(
        app.client
            .post(app.url(&format!("/api/v1/admin/contract-imports?{query}")))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn stats(app: &TestApp, stat: &TestUser, query: &str) -> Value {
    let (s, v) = json_of(
        app.get(
            &format!("/api/v1/stats/contracts?{query}"),
            Some(&stat.token),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    v
}

fn totals(v: &Value) -> (i64, i64, i64) {
    let t = &v["totals"];
    (
        t["count"].as_i64().unwrap(),
        t["contract_amount_fen"].as_i64().unwrap(),
        t["technology_amount_fen"].as_i64().unwrap(),
    )
}

async fn by_number(app: &TestApp, token: &str, number: &str) -> Vec<Value> {
    let (s, v) = json_of(
        app.get(
            &format!("/api/v1/contracts?registration_number={number}"),
            Some(token),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

both!(
    a_history_file_is_imported_once_counted_on_its_dates_and_amendable,
    |app: TestApp| async move {
        let registrar = app.user(Role::Registrar, None).await;
        let stat = app.user(Role::Statistician, None).await;
        let before_import = app.state.clock.now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;

        // A dry run checks the file and imports nothing.
        let head = app.log_len().await;
        let (s, v) = upload(
            &app,
            &registrar.token,
            "text/csv",
            "file=history.csv&dry_run=true",
            history_csv(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["dry_run"].as_bool(), v["imported"].as_i64()),
            (Some(true), Some(3))
        );
        assert_eq!(app.log_len().await, head);

        let (s, v) = upload(
            &app,
            &registrar.token,
            "text/csv",
            "file=history.csv",
            history_csv(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            (
                v["rows"].as_i64(),
                v["imported"].as_i64(),
                v["unchanged"].as_i64()
            ),
            (Some(3), Some(3), Some(0))
        );
        let batch = v["batch_id"].as_str().unwrap().to_string();
        assert_eq!(v["contracts"][0]["line"], 2);
        assert_eq!(v["contracts"][2]["registration_number"], "2021500106000003");
        assert_eq!(app.log_len().await, head + 3);

        // On the register with their own numbers and dates, recorded as an import.
        let found = by_number(&app, &registrar.token, "2020500106000002").await;
        assert_eq!(found.len(), 1);
        let c = &found[0];
        assert_eq!(c["status"], "registered");
        assert_eq!(c["registered_on"], "2020-11-05");
        assert_eq!(c["content"]["signing_date"], "2020-10-30");
        assert_eq!(c["content"]["contract_type"]["taxonomy"], "2001");
        assert_eq!(c["imported"]["batch_id"], batch.as_str());
        assert_eq!(c["imported"]["file"], "history.csv");
        assert_eq!(c["imported"]["line"], 3);
        let id = c["id"].as_str().unwrap().to_string();
        let (s, feed) = json_of(app.get("/api/v1/events?limit=100", Some(&stat.token)).await).await;
        assert_eq!(s, StatusCode::OK, "{feed}");
        let imports: Vec<&Value> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["aggregate_id"] == id.as_str())
            .collect();
        assert_eq!(imports.len(), 1, "{feed}");
        assert_eq!(imports[0]["event_type"], "imported");
        assert_eq!(imports[0]["actor_id"], registrar.id.to_string());

        // The statistics count them in the years they happened: 2020 has two.
        let v = stats(&app, &stat, "from=2020-01-01&to=2020-12-31").await;
        assert_eq!(
            totals(&v),
            (2, 14_500_050 + 200_000_000, 14_000_000 + 180_000_000)
        );
        let v = stats(&app, &stat, "from=2021-01-01&to=2021-12-31&by=field").await;
        assert_eq!(totals(&v), (1, 8_000_000, 8_000_000));
        assert_eq!(v["items"][0]["field"], "biomedicine");
        let v = stats(
            &app,
            &stat,
            "from=2020-01-01&to=2021-12-31&by=period&granularity=year",
        )
        .await;
        let years: Vec<(&str, i64)> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["period"].as_str().unwrap(), i["count"].as_i64().unwrap()))
            .collect();
        assert_eq!(years, [("2020", 2), ("2021", 1)], "{v}");
        // As known before the import, the past was empty.
        let as_of = before_import.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let v = stats(
            &app,
            &stat,
            &format!(
                "from=2020-01-01&to=2021-12-31&as_of={}",
                as_of.replace('+', "%2B")
            ),
        )
        .await;
        assert_eq!(totals(&v).0, 0);

        // The same file again changes nothing.
        let (s, v) = upload(
            &app,
            &registrar.token,
            "text/csv",
            "file=history.csv",
            history_csv(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["imported"].as_i64(), v["unchanged"].as_i64()),
            (Some(0), Some(3))
        );
        assert_eq!(v["contracts"][1]["outcome"], "unchanged");
        assert_eq!(app.log_len().await, head + 3);

        // An imported contract is amended like any other, from a date after its registration.
        let (s, v) = json_of(app.post(&format!("/api/v1/contracts/{id}/amend"), Some(&registrar.token),
            Some(&json!({"effective_on": "2021-02-01", "contract_amount_fen": 250_000_000i64, "technology_amount_fen": 200_000_000i64, "note": "补充协议"}))).await).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let v = stats(&app, &stat, "from=2021-01-01&to=2021-12-31").await;
        assert_eq!(
            totals(&v),
            (1, 8_000_000 + 50_000_000, 8_000_000 + 20_000_000)
        );
        // ... and re-importing the file still leaves it as amended.
        let (s, v) = upload(
            &app,
            &registrar.token,
            "text/csv",
            "file=history.csv",
            history_csv(),
        )
        .await;
        assert_eq!((s, v["unchanged"].as_i64()), (StatusCode::OK, Some(3)));
        let c = &by_number(&app, &registrar.token, "2020500106000002").await[0];
        assert_eq!(c["amendments"][0]["contract_amount_fen"], 250_000_000i64);

        // The read models rebuilt from the log hold the imports exactly as before.
        let cut = "from=2019-01-01&to=2022-12-31&by=period,field&granularity=month";
        let live = stats(&app, &stat, cut).await;
        let queue = by_number(&app, &registrar.token, "2020500106000002").await;
        techmarket::projections::rebuild::rebuild(&app.state.db, &app.state.projections)
            .await
            .unwrap();
        assert_eq!(
            stats(&app, &stat, cut).await,
            live,
            "a rebuild changed the statistics"
        );
        assert_eq!(
            by_number(&app, &registrar.token, "2020500106000002").await,
            queue
        );

        // The same contract with other content is not quietly replaced.
        let changed = history_csv().replace("钠电正极专利转让", "钠电负极专利转让");
        let (s, v) = upload(
            &app,
            &registrar.token,
            "text/csv",
            "file=history-v2.csv",
            changed,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["line"], 3);
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("amend that contract"),
            "{v}"
        );
    }
);

both!(
    a_bad_row_is_reported_by_line_and_nothing_of_the_file_is_applied,
    |app: TestApp| async move {
        let admin = app.admin().await;
        let head = app.log_len().await;
        let bad = format!(
            "{HEADER}\n\
             2019500106000001,2019-05-01,2001,consulting,,好的一行,2019-04-20,2019-05-01,2019-12-31,1000,100000,new_energy,,重庆大学,021,500106,某公司,150,500112\n\
             2019500106000002,2019-13-01,2001,consulting,,坏日期与地区,2019-04-20,2019-05-01,2019-12-31,1000,200000,new_energy,,重庆大学,021,999999,某公司,150,500112\n\
             2019500106000001,2019-06-01,2001,consulting,,重复的编号,2019-05-20,2019-06-01,2019-12-31,1000,100000,new_energy,,重庆大学,021,500106,某公司,150,500112\n\
             2019500106000004,2019-06-01,2001,license,,不存在的子类,2019-05-20,2019-06-01,2019-12-31,1000,100000,new_energy,,重庆大学,021,500106,某公司,150,500112\n"
        );
        let (s, v) = upload(&app, &admin.token, "text/csv", "file=2019.csv", bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["type"], "/problems/validation");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("nothing of the file was imported"),
            "{v}"
        );
        let faults: Vec<(i64, String)> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_i64().unwrap(),
                    e["field"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(faults.contains(&(3, "registered_on".into())), "{v}");
        assert!(faults.contains(&(3, "seller.region".into())), "{v}");
        assert!(faults.contains(&(3, "technology_amount_fen".into())), "{v}");
        assert!(faults.contains(&(4, "registration_number".into())), "{v}");
        assert!(
            faults
                .iter()
                .any(|(l, f)| *l == 5 && f.starts_with("contract_")),
            "{v}"
        );
        assert!(
            !faults.iter().any(|(l, _)| *l == 2),
            "the good line has no fault: {v}"
        );
        assert_eq!(app.log_len().await, head);
        assert!(by_number(&app, &admin.token, "2019500106000001")
            .await
            .is_empty());

        // A header the importer does not know, a file of no rows, a stranger's format.
        let (s, v) = upload(
            &app,
            &admin.token,
            "text/csv",
            "",
            "编号,日期\n1,2\n".into(),
        )
        .await;
        assert_eq!(
            (s, v["errors"][0]["line"].as_i64()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(1))
        );
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("registration_number"),
            "{v}"
        );
        let (s, v) = upload(&app, &admin.token, "text/csv", "", format!("{HEADER}\n")).await;
        assert_eq!(
            (s, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("file"))
        );
        let (s, _) = upload(&app, &admin.token, "application/pdf", "", "%PDF".into()).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (s, _) = upload(&app, &admin.token, "text/csv", "colour=red", history_csv()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // Only those who keep the register import into it.
        let stat = app.user(Role::Statistician, None).await;
        let (s, _) = upload(&app, &stat.token, "text/csv", "", history_csv()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(app.log_len().await, head);
    }
);

both!(
    json_lines_import_and_a_number_held_on_the_platform_is_refused,
    |app: TestApp| async move {
        let registrar = app.user(Role::Registrar, None).await;
        let line = |number: &str, title: &str| {
            json!({
                "registration_number": number, "registered_on": "2022-08-08", "taxonomy": "2026",
                "contract_type": "consulting", "title": title,
                "seller": {"name": "重庆大学", "party_nature": "021", "region": "500106"},
                "buyer": {"name": "某公司", "party_nature": "150", "region": "500112"},
                "signing_date": "2022-08-01", "validity_start": "2022-08-08", "validity_end": "2023-08-07",
                "contract_amount_fen": 30_000_000, "technology_amount_fen": 30_000_000, "field": "new_energy"
            })
            .to_string()
        };
        let body = format!("{}\n\n{}\n", line("J-1", "一号"), line("J-2", "二号"));
        let (s, v) = upload(
            &app,
            &registrar.token,
            "application/x-ndjson",
            "file=2022.jsonl",
            body.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["imported"], 2);
        assert_eq!(v["contracts"][1]["line"], 3);

        // A JSON line's fault names its field and line.
        let bad = format!(
            "{}\n{{\"registration_number\": \"J-3\", \"colour\": 1}}\n",
            line("J-9", "九号")
        );
        let (s, v) = upload(&app, &registrar.token, "application/x-ndjson", "", bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["line"], 2);
        assert!(by_number(&app, &registrar.token, "J-9").await.is_empty());

        // Another line under a number imported before is not a second contract.
        let again = format!("{}\n", line("J-1", "一号（另一份）"));
        let (s, v) = upload(&app, &registrar.token, "application/x-ndjson", "", again).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("other content"),
            "{v}"
        );

        // A number a contract registered on the platform holds cannot be imported.
        let seller = app.user(Role::Researcher, None).await;
        let mut submitted: Value = serde_json::from_str(&line("-", "平台上登记的合同")).unwrap();
        let obj = submitted.as_object_mut().unwrap();
        obj.remove("registration_number");
        obj.remove("registered_on");
        let (s, v) = json_of(
            app.post("/api/v1/contracts", Some(&seller.token), Some(&submitted))
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
        let r = app
            .post(
                &format!("/api/v1/contracts/{id}/register"),
                Some(&registrar.token),
                Some(&json!({"registration_number": "P-1"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (s, v) = upload(
            &app,
            &registrar.token,
            "application/x-ndjson",
            "",
            format!("{}\n", line("P-1", "冒名")),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("held by contract {id}")),
            "{v}"
        );
    }
);

both!(
    the_registrars_queue_downloads_as_a_workbook,
    |app: TestApp| async move {
        use calamine::{Data, Reader};
        let registrar = app.user(Role::Registrar, None).await;
        let (s, v) = upload(
            &app,
            &registrar.token,
            "text/csv",
            "file=history.csv",
            history_csv(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        let fetch = |query: &'static str, token: String| {
            let app = &app;
            async move {
                app.client
                    .get(app.url(&format!("/api/v1/contracts?{query}")))
                    .bearer_auth(token)
                    .header("Accept", xlsx)
                    .send()
                    .await
                    .unwrap()
            }
        };
        // A lookup, whole: the limit pages the JSON, not the download.
        let r = fetch("q=重庆&limit=1", registrar.token.clone()).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], xlsx);
        let bytes = r.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["登记队列", "参数"]);
        let rows: Vec<Vec<Data>> = book
            .worksheet_range("登记队列")
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect();
        assert_eq!(rows.len(), 4, "a header and the three contracts");
        assert_eq!(rows[0][13], Data::String("成交额（万元）".into()));
        let by_number = |n: &str| {
            rows.iter()
                .find(|r| r[0] == Data::String(n.into()))
                .unwrap()
        };
        let first = by_number("2020500106000001");
        assert_eq!(first[1], Data::String("页岩气压裂工艺咨询".into()));
        assert_eq!(first[2], Data::String("registered".into()));
        assert_eq!(first[8], Data::String("2020-03-20".into()));
        assert_eq!(first[11], Data::Float(14_500_050.0));
        assert_eq!(first[13], Data::Float(14.50005));
        // Only what the JSON would show: a stranger's queue is empty.
        let outsider = app.user(Role::Researcher, None).await;
        let r = fetch("q=重庆", outsider.token.clone()).await;
        let bytes = r.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.worksheet_range("登记队列").unwrap().rows().count(), 1);
        // CSV is not offered for the queue.
        let r = app
            .client
            .get(app.url("/api/v1/contracts"))
            .bearer_auth(&registrar.token)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    }
);

//! The OpenAPI document is the contract: it must describe every route the server answers, and
//! no route it does not.

use std::collections::BTreeSet;

use techmarket::routes::ROUTES;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

#[test]
fn the_openapi_document_describes_exactly_the_served_routes() {
    let doc: serde_norway::Value =
        serde_norway::from_str(techmarket::routes::spec::OPENAPI_YAML).expect("valid YAML");
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        let path = path.as_str().unwrap();
        for (method, _) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if METHODS.contains(&method) {
                documented.insert((method.to_string(), path.to_string()));
            }
        }
    }
    let served: BTreeSet<_> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "served but not in api-spec/openapi.yaml: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in api-spec/openapi.yaml but not served: {extra:?}"
    );
}

#[tokio::test]
async fn the_front_door_says_where_to_go_and_the_docs_work_offline() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let _keep = app.keep_alive();
    // A person: a page in Chinese and English with the links.
    let r = app.get("/", None).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(
        page.contains("技术转移交易平台") && page.contains("href=\"/docs/\""),
        "{page}"
    );
    assert!(page.contains(env!("CARGO_PKG_VERSION")));
    // An API client: the same links as JSON.
    let r = app
        .client
        .get(app.url("/"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["links"]["docs"], "/docs/");
    assert_eq!(v["links"]["openapi"], "/api-spec/openapi.yaml");

    // /docs: Swagger UI, every file from the binary, nothing from elsewhere.
    let r = app.get("/docs", None).await;
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/docs/");
    let index = app.get("/docs/", None).await.text().await.unwrap();
    assert!(index.contains("/docs/swagger-ui-bundle.js"), "{index}");
    assert!(index.contains("/docs/openapi.yaml"), "{index}");
    assert!(
        !index.contains("http://") && !index.contains("https://"),
        "no CDN: {index}"
    );
    for (path, kind) in [
        ("/docs/swagger-ui-bundle.js", "javascript"),
        ("/docs/swagger-ui.css", "css"),
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"].to_str().unwrap().contains(kind),
            "{path}"
        );
        assert!(r.bytes().await.unwrap().len() > 10_000, "{path}");
    }
    let served = app
        .get("/docs/openapi.yaml", None)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(served, techmarket::routes::spec::OPENAPI_YAML);
}

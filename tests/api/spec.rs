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

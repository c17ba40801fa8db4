//! The moves the deal tests share: calls as a user, an agreed negotiation, a registration, and
//! waiting for what the policies following the log do.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{json_of, TestApp, TestUser};

/// `method /api/v1{path}` as `who`, with an optional JSON body.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &TestUser,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let r = app
        .request(method, &format!("/api/v1{path}"), Some(&who.token), body)
        .await;
    json_of(r).await
}

pub async fn get(app: &TestApp, path: &str, who: &TestUser) -> (StatusCode, Value) {
    call(app, Method::GET, path, who, None).await
}

pub async fn post(app: &TestApp, path: &str, who: &TestUser, body: Value) -> (StatusCode, Value) {
    call(app, Method::POST, path, who, Some(&body)).await
}

/// The `id` of a created resource, after checking it was created.
pub fn created((status, v): (StatusCode, Value)) -> String {
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Offer terms of `contract_type`/`subtype` at `price_fen`, paid at once, as exclusive as the
/// subtype says (an assignment leaves nobody else).
pub fn terms(contract_type: &str, subtype: Option<&str>, price_fen: i64) -> Value {
    let exclusivity = match (contract_type, subtype) {
        (_, Some("sole")) => "sole",
        ("transfer", _) | (_, Some("exclusive")) => "exclusive",
        _ => "non_exclusive",
    };
    json!({"terms": {"contract_type": contract_type, "contract_subtype": subtype,
        "price_fen": price_fen, "payment": {"kind": "lump_sum"}, "term_months": 36,
        "territory": "中国大陆", "exclusivity": exclusivity}})
}

/// A negotiation `buyer` opens on `listing` (answering `demand` when given).
pub async fn opened(
    app: &TestApp,
    listing: Uuid,
    buyer: &TestUser,
    demand: Option<Uuid>,
) -> String {
    let body = json!({"listing_id": listing, "demand_id": demand, "message": "希望合作"});
    created(post(app, "/negotiations", buyer, body).await)
}

/// `buyer` offers `terms` on negotiation `id`, and `seller` accepts them.
pub async fn agree(app: &TestApp, id: &str, buyer: &TestUser, seller: &TestUser, terms: Value) {
    let (s, v) = post(app, &format!("/negotiations/{id}/offers"), buyer, terms).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let offer = v["offers"].as_array().unwrap().last().unwrap()["id"].clone();
    let (s, v) = post(
        app,
        &format!("/negotiations/{id}/accept"),
        seller,
        json!({"offer_id": offer}),
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("agreed")),
        "{v}"
    );
}

/// The draft at `path` (a `…/contract-draft`), read by `reader` and submitted unchanged by
/// `submitter`: the id of the new registration.
pub async fn submit_draft(
    app: &TestApp,
    path: &str,
    reader: &TestUser,
    submitter: &TestUser,
) -> (Value, String) {
    let (s, draft) = get(app, path, reader).await;
    assert_eq!(s, StatusCode::OK, "{draft}");
    let id = created(post(app, "/contracts", submitter, draft.clone()).await);
    (draft, id)
}

/// Accepts registration `id` as `registrar`, then asks to register it: the answer.
pub async fn try_register(app: &TestApp, id: &str, registrar: &TestUser) -> (StatusCode, Value) {
    let (s, v) = post(
        app,
        &format!("/contracts/{id}/accept"),
        registrar,
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let number = json!({"registration_number": format!("R{}", id.replace('-', ""))});
    post(app, &format!("/contracts/{id}/register"), registrar, number).await
}

/// Accepts and registers `id`.
pub async fn register(app: &TestApp, id: &str, registrar: &TestUser) {
    let (s, v) = try_register(app, id, registrar).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("registered")),
        "{v}"
    );
}

/// `path` as `who` sees it once `done` holds (the policies follow the log in the background);
/// a failure after 10 s.
pub async fn eventually(
    app: &TestApp,
    path: &str,
    who: &TestUser,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..400 {
        let (s, v) = get(app, path, who).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if done(&v) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (_, ready) = json_of(app.get("/readyz", None).await).await;
    let (_, last) = get(app, path, who).await;
    panic!("{path} never came to the expected state: {last}; followers: {ready}");
}

/// Waits until the log's follower `name` has read up to `position` (`GET /readyz`).
pub async fn followed_past(app: &TestApp, name: &str, position: i64) {
    for _ in 0..400 {
        let (s, v) = json_of(app.get("/readyz", None).await).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if v["followers"][name]["position"]
            .as_i64()
            .is_some_and(|p| p >= position)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{name} never read up to {position}");
}

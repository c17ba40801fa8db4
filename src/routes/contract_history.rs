//! Who did what to a contract registration (issue 17): `GET /contracts/{id}/history`, each event
//! with its actor's id, name and role; the people who accepted and registered it, shown in the
//! contract's reads; and the names beside the codes of a contract's JSON. All read from the log
//! and the accounts, so the aggregate and its read model stay as they are.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use esrs::Aggregate;
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::contract::ContractRegistration;
use crate::domain::reference::ReferenceData;
use crate::error::AppError;
use crate::http::etag;
use crate::projections::contract_stats;
use crate::state::AppState;
use crate::store::log;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

/// Someone who acted on a contract. `name` is null for the platform acting by rule.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Person {
    id: Uuid,
    name: Option<String>,
    role: String,
}

/// `$1, $2, …` from `first` on, one per value.
fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Display names of `ids` (removed accounts keep their placeholder name).
async fn names(conn: &mut Conn<'_>, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let args: Vec<Arg> = ids.iter().map(|i| Arg::Uuid(*i)).collect();
    conn.fetch_all(
        &format!(
            "SELECT id, display_name FROM users WHERE id IN ({})",
            marks(1, ids.len())
        ),
        &args,
    )
    .await?
    .iter()
    .map(|r| Ok((r.uuid("id")?, r.text("display_name")?)))
    .collect()
}

/// The registrar who accepted each of `contracts` and the one who registered it, as far as
/// that happened.
async fn deciders(
    conn: &mut Conn<'_>,
    contracts: &[Uuid],
) -> Result<HashMap<Uuid, [Option<Person>; 2]>, StoreError> {
    let mut out: HashMap<Uuid, [Option<Person>; 2]> = HashMap::new();
    if contracts.is_empty() {
        return Ok(out);
    }
    let mut args = vec![Arg::Text(ContractRegistration::NAME.into())];
    args.extend(contracts.iter().map(|c| Arg::Uuid(*c)));
    let rows = conn
        .fetch_all(
            &format!(
                "SELECT aggregate_id, event_type, actor_id, actor_role FROM event_log \
                 WHERE aggregate_type = $1 AND event_type IN ('accepted', 'registered') \
                 AND aggregate_id IN ({}) ORDER BY position",
                marks(2, contracts.len())
            ),
            &args,
        )
        .await?;
    let actors: Vec<Uuid> = rows
        .iter()
        .map(|r| r.uuid("actor_id"))
        .collect::<Result<_, _>>()?;
    let named = names(conn, &actors).await?;
    for r in &rows {
        let id = r.uuid("actor_id")?;
        let person = Person {
            id,
            name: named.get(&id).cloned(),
            role: r.text("actor_role")?,
        };
        let slot = if r.text("event_type")? == "accepted" {
            0
        } else {
            1
        };
        out.entry(r.uuid("aggregate_id")?).or_default()[slot] = Some(person);
    }
    Ok(out)
}

/// Each `(id, contract JSON)` with `accepted_by` and `registered_by` added (null until it
/// happened).
pub(super) async fn with_deciders(
    state: &AppState,
    views: Vec<(Uuid, Value)>,
) -> Result<Vec<Value>, AppError> {
    let ids: Vec<Uuid> = views.iter().map(|(id, _)| *id).collect();
    let mut found = deciders(&mut state.db.read().await?.conn(), &ids).await?;
    Ok(views
        .into_iter()
        .map(|(id, mut view)| {
            let [accepted, registered] = found.remove(&id).unwrap_or_default();
            if let Some(o) = view.as_object_mut() {
                o.insert("accepted_by".into(), json!(accepted));
                o.insert("registered_by".into(), json!(registered));
            }
            view
        })
        .collect())
}

/// Names beside the codes of a contract's JSON: `field_name` beside the content's `field`,
/// `name` in its `contract_type`, and each party's (as submitted and as amended)
/// `party_nature_name`, `region_name` and `zone_name`. Null where a code has no name.
pub(super) fn name_codes(contract: &mut Value, refs: &ReferenceData) {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let name_party = |party: &mut Value| {
        let nature = text(party, "party_nature");
        let region = text(party, "region");
        let zone = text(party, "zone");
        if let Some(o) = party.as_object_mut() {
            let name = |n: Option<&str>| json!(n);
            o.insert(
                "party_nature_name".into(),
                name(nature.as_deref().and_then(|c| refs.nature_name(c))),
            );
            o.insert(
                "region_name".into(),
                name(region.as_deref().and_then(|c| refs.region_name(c))),
            );
            o.insert(
                "zone_name".into(),
                name(zone.as_deref().and_then(|c| refs.zone_name(c))),
            );
        }
    };
    if let Some(content) = contract.get_mut("content") {
        let field = text(content, "field");
        if let Some(o) = content.as_object_mut() {
            o.insert(
                "field_name".into(),
                json!(field.as_deref().and_then(|f| refs.field_name(f))),
            );
        }
        if let Some(t) = content.get_mut("contract_type") {
            let name = refs
                .contract_type_name(
                    &text(t, "taxonomy").unwrap_or_default(),
                    &text(t, "contract_type").unwrap_or_default(),
                    text(t, "subtype").as_deref(),
                )
                .map(str::to_string);
            if let Some(o) = t.as_object_mut() {
                o.insert("name".into(), json!(name));
            }
        }
        for side in ["seller", "buyer"] {
            if let Some(p) = content.get_mut(side) {
                name_party(p);
            }
        }
    }
    if let Some(Value::Array(amendments)) = contract.get_mut("amendments") {
        for a in amendments {
            for side in ["seller", "buyer"] {
                if let Some(p) = a.get_mut(side) {
                    name_party(p);
                }
            }
        }
    }
}

#[derive(Serialize)]
struct HistoryEntry {
    position: i64,
    version: i32,
    #[serde(rename = "type")]
    event_type: String,
    actor: Person,
    /// When it was decided.
    at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
}

/// `GET /contracts/{id}/history`: every event of the registration, oldest first, for those who
/// may see the contract (anyone else gets 404, as for the contract itself).
pub(super) async fn history(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut rc = state.db.read().await?;
    let row = contract_stats::get(&mut rc.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    let events = log::stream(&mut rc.conn(), ContractRegistration::NAME, id).await?;
    let actors: Vec<Uuid> = events.iter().map(|e| e.actor_id).collect();
    let named = names(&mut rc.conn(), &actors).await?;
    let mut items = Vec::with_capacity(events.len());
    for e in events {
        // Only the envelope is read: the event itself is the contract's own business.
        let recorded = e.envelope().map_err(|err| AppError::Internal(err.into()))?;
        items.push(HistoryEntry {
            position: e.position,
            version: e.version,
            event_type: e.event_type,
            actor: Person {
                id: e.actor_id,
                name: named.get(&e.actor_id).cloned(),
                role: e.actor_role,
            },
            at: recorded.at,
            recorded_at: e.recorded_at,
        });
    }
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(json!({ "items": items })))
}

//! The expert pool (专家库) and a contract's expert-review panel. The pool is account data a
//! platform admin keeps; a panel is drawn here from the pool (the draw needs the database) and
//! lives in the contract's events, where the rules re-check every expert drawn.

use actix_web::{web, HttpResponse};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{self, On};
use crate::auth::Authenticated;
use crate::domain::contract::panel::{self, PANEL_SIZE_MAX};
use crate::domain::contract::{Candidate, ContractAction, ContractData, Recommendation};
use crate::domain::error::Validation;
use crate::domain::membership::AccountStatus;
use crate::domain::reference::TechnologyField;
use crate::domain::text::Title;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{Body, IfMatch, Query};
use crate::projections::contract_stats;
use crate::state::AppState;
use crate::store::accounts;
use crate::store::experts::{self, Expert, ExpertRow};

const FIELDS_MAX: usize = 20;
const TITLE_MAX: usize = 100;
const AFFILIATION_MAX: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExpertInput {
    fields: Vec<String>,
    title: String,
    #[serde(default)]
    affiliation: Option<String>,
}

/// `PUT /experts/{user_id}`: registers a user as an expert, or replaces their entry.
pub(super) async fn put(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Body<ExpertInput>,
) -> Result<HttpResponse, AppError> {
    let by = auth.require(&[Role::PlatformAdmin])?.user_id;
    let user_id = path.into_inner();
    let input = body.value;
    let mut rc = state.db.read().await?;
    let user = accounts::user_by_id(&mut rc.conn(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(rc);
    let mut v = Validation::new();
    if input.fields.is_empty() {
        v.push("fields", "must name at least one technology field");
    } else if input.fields.len() > FIELDS_MAX {
        v.push("fields", format!("must have at most {FIELDS_MAX} fields"));
    }
    let mut fields: Vec<String> = Vec::new();
    for (i, raw) in input.fields.iter().enumerate() {
        let path = format!("fields[{i}]");
        let Some(f) = v.take(TechnologyField::parse(&path, raw, &state.refs)) else {
            continue;
        };
        if fields.iter().any(|known| known == f.as_str()) {
            v.push(path, "repeats an earlier field");
        } else {
            fields.push(f.as_str().to_string());
        }
    }
    let title = v.take(Title::parse("title", &input.title, TITLE_MAX));
    let affiliation = match input.affiliation.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => v.take(Title::parse("affiliation", raw, AFFILIATION_MAX)),
        _ => None,
    };
    // Every expert is of somewhere: the conflict-of-interest rule and the reader need it.
    let gave_affiliation = input
        .affiliation
        .as_deref()
        .is_some_and(|a| !a.trim().is_empty());
    if user.organization_id.is_none() && !gave_affiliation {
        v.push(
            "affiliation",
            "is required for a user who belongs to no organization",
        );
    }
    v.finish()?;
    let title = title.expect("a missing title recorded a field error");
    fields.sort();
    let mut tx = state.db.begin().await?;
    experts::upsert(
        &mut tx.conn(),
        ExpertRow {
            user_id,
            fields: &fields,
            title: title.as_str(),
            affiliation: affiliation.as_ref().map(|a| a.as_str()),
            by,
        },
        state.clock.now(),
    )
    .await?;
    let expert = experts::get(&mut tx.conn(), user_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the expert just written is gone")))?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(expert))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    #[serde(default)]
    field: Option<String>,
}

#[derive(Serialize)]
struct ExpertList {
    items: Vec<Expert>,
}

/// `GET /experts?field=`: the pool, or the experts of one field.
pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::Registrar, Role::PlatformAdmin])?;
    let field = match &query.0.field {
        Some(raw) => Some(
            TechnologyField::parse("field", raw, &state.refs)
                .map_err(|e| AppError::Unprocessable(vec![e]))?,
        ),
        None => None,
    };
    let mut rc = state.db.read().await?;
    let items = experts::list(&mut rc.conn(), field.as_ref().map(|f| f.as_str())).await?;
    Ok(HttpResponse::Ok().json(ExpertList { items }))
}

/// The contract as its read model has it, if `auth` may see it.
async fn contract(
    state: &AppState,
    auth: &Authenticated,
    id: Uuid,
) -> Result<ContractData, AppError> {
    let mut rc = state.db.read().await?;
    let row = contract_stats::get(&mut rc.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !row.data.is_visible_to(Some(&auth.0)) {
        return Err(AppError::NotFound);
    }
    Ok(row.data)
}

/// The active experts of the contract's field who may sit on its panel, and a count of those
/// left out, by reason, for the message when too few remain.
async fn eligible(
    state: &AppState,
    c: &ContractData,
) -> Result<(Vec<Candidate>, Vec<String>), AppError> {
    let field = c.content.field.as_str();
    let mut rc = state.db.read().await?;
    let pool = experts::list(&mut rc.conn(), Some(field)).await?;
    drop(rc);
    let mut eligible = Vec::new();
    let mut excluded: Vec<(&'static str, usize)> = Vec::new();
    let mut exclude = |why: &'static str| match excluded.iter_mut().find(|(w, _)| *w == why) {
        Some((_, n)) => *n += 1,
        None => excluded.push((why, 1)),
    };
    for e in pool {
        let candidate = Candidate {
            expert_id: e.user_id,
            organization_id: e.organization_id,
        };
        if e.status != AccountStatus::Active {
            exclude("has an inactive account");
        } else if let Some(why) = panel::conflict(c, &candidate) {
            exclude(why);
        } else {
            eligible.push(candidate);
        }
    }
    let excluded = excluded
        .into_iter()
        .map(|(why, n)| format!("{n} {why}"))
        .collect();
    Ok((eligible, excluded))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PanelInput {
    size: u32,
}

/// `POST /contracts/{id}/expert-panel`: the registrar convenes `size` experts drawn at random
/// among the eligible of the contract's field.
pub(super) async fn request_panel(
    on: On,
    body: Body<PanelInput>,
) -> Result<HttpResponse, AppError> {
    let state = &on.state;
    let c = contract(state, &on.auth, on.id).await?;
    on.auth.require(&[Role::Registrar])?;
    let size = body.value.size;
    if size == 0 || size > PANEL_SIZE_MAX {
        return Err(AppError::invalid(
            "size",
            format!("must be from 1 to {PANEL_SIZE_MAX}"),
        ));
    }
    let (pool, excluded) = eligible(state, &c).await?;
    let drawn =
        panel::draw(&pool, size as usize, &mut StdRng::from_entropy()).ok_or_else(|| {
            let mut message = format!(
                "too few eligible experts in the field '{}': {} for {size} seat(s)",
                c.content.field,
                pool.len()
            );
            if !excluded.is_empty() {
                message.push_str(&format!(" (left out: {})", excluded.join("; ")));
            }
            AppError::Conflict(message)
        })?;
    let action = ContractAction::RequestExpertPanel {
        size,
        experts: drawn,
    };
    on.run(action).await
}

pub(super) async fn accept_seat(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (id, expert_id) = path.into_inner();
    let action = ContractAction::AcceptExpertSeat { expert_id };
    command::run(&state, auth.0, id, if_match.0, action).await
}

/// A decline seats a replacement drawn among the eligible, when anyone is.
pub(super) async fn decline_seat(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (id, expert_id) = path.into_inner();
    let c = contract(&state, &auth, id).await?;
    // Only the expert's own decline draws: anyone else is refused by the rules anyway.
    let replacement = if auth.0.user_id == expert_id {
        let (pool, _) = eligible(&state, &c).await?;
        panel::draw(&pool, 1, &mut StdRng::from_entropy()).and_then(|d| d.into_iter().next())
    } else {
        None
    };
    let action = ContractAction::DeclineExpertSeat {
        expert_id,
        replacement,
    };
    command::run(&state, auth.0, id, if_match.0, action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OpinionInput {
    recommendation: String,
    opinion: String,
}

pub(super) async fn submit_opinion(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Body<OpinionInput>,
) -> Result<HttpResponse, AppError> {
    let (id, expert_id) = path.into_inner();
    // Who first: someone who may not see the contract learns nothing from validation.
    contract(&state, &auth, id).await?;
    let OpinionInput {
        recommendation,
        opinion,
    } = body.value;
    let recommendation = Recommendation::parse(&recommendation).ok_or_else(|| {
        AppError::invalid("recommendation", "must be one of approve, reject, revise")
    })?;
    let action = ContractAction::SubmitExpertOpinion {
        expert_id,
        recommendation,
        opinion,
    };
    command::run(&state, auth.0, id, if_match.0, action).await
}

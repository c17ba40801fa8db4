//! `GET /stats/contracts`: technology-contract statistics (技术合同成交额), any cut, JSON or CSV.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Authenticated;
use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::http::Query;
use crate::projections::contract_stats::query::{
    self, Cut, DateBasis, Dim, Granularity, Line, Totals,
};
use crate::startup::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StatsQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    by: Option<String>,
    granularity: Option<Granularity>,
    date_basis: Option<DateBasis>,
    as_of: Option<DateTime<Utc>>,
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::BadRequest {
        detail: "the query string is not valid".into(),
        errors: vec![FieldError::new(field, message)],
    }
}

fn cut_of(q: StatsQuery) -> Result<Cut, AppError> {
    let mut by = Vec::new();
    for name in
        q.by.as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    {
        let dim = Dim::parse(name).ok_or_else(|| {
            let names: Vec<_> = Dim::ALL.iter().map(|d| d.name()).collect();
            bad(
                "by",
                format!(
                    "unknown dimension '{}'; one of {}",
                    name.chars().take(30).collect::<String>(),
                    names.join(", ")
                ),
            )
        })?;
        if by.contains(&dim) {
            return Err(bad("by", format!("'{name}' is given twice")));
        }
        by.push(dim);
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(bad("to", "must not be before from"));
        }
    }
    Ok(Cut {
        by,
        granularity: q.granularity.unwrap_or_default(),
        date_basis: q.date_basis.unwrap_or_default(),
        from: q.from,
        to: q.to,
        as_of: q.as_of,
    })
}

#[derive(Serialize)]
struct Report<'a> {
    date_basis: DateBasis,
    granularity: Granularity,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    as_of: Option<DateTime<Utc>>,
    by: Vec<&'static str>,
    items: Vec<Map<String, Value>>,
    totals: TotalsView<'a>,
}

#[derive(Serialize)]
struct TotalsView<'a> {
    #[serde(flatten)]
    totals: &'a Totals,
    contract_amount_wan: String,
    technology_amount_wan: String,
}

fn item(cut: &Cut, line: &Line) -> Map<String, Value> {
    let mut m = Map::new();
    for (d, k) in cut.by.iter().zip(&line.keys) {
        m.insert(d.name().into(), Value::String(k.clone()));
    }
    m.insert("count".into(), line.count.into());
    m.insert(
        "contract_amount_fen".into(),
        line.contract_amount_fen.into(),
    );
    m.insert(
        "technology_amount_fen".into(),
        line.technology_amount_fen.into(),
    );
    m.insert(
        "contract_amount_wan".into(),
        query::wan_number(line.contract_amount_fen).into(),
    );
    m.insert(
        "technology_amount_wan".into(),
        query::wan_number(line.technology_amount_fen).into(),
    );
    m
}

pub(super) async fn contracts(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    q: Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::Statistician, Role::Registrar, Role::PlatformAdmin])?;
    let cut = cut_of(q.0)?;
    // From the in-memory cube, caught up with everything committed before this request; the
    // SQL query over the same facts is the reference it is tested against.
    state.stats_cube.catch_up(&state.db).await?;
    let (lines, totals) = state.stats_cube.run(&cut).await;
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|m| m.trim().starts_with("text/csv")));
    if wants_csv {
        let body =
            query::to_csv(&cut, &lines, &totals).map_err(|e| AppError::Internal(e.into()))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(body));
    }
    let report = Report {
        date_basis: cut.date_basis,
        granularity: cut.granularity,
        from: cut.from,
        to: cut.to,
        as_of: cut.as_of,
        by: cut.by.iter().map(|d| d.name()).collect(),
        items: lines.iter().map(|l| item(&cut, l)).collect(),
        totals: TotalsView {
            totals: &totals,
            contract_amount_wan: query::wan_number(totals.contract_amount_fen),
            technology_amount_wan: query::wan_number(totals.technology_amount_fen),
        },
    };
    Ok(HttpResponse::Ok().json(report))
}

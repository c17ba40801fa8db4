//! `GET /stats/contracts`: technology-contract statistics (技术合同成交额), any cut, JSON, CSV
//! or Excel; the year's standard tables (`annual`); the ownership-grant register's reports
//! (`ownership_grants`). The query is checked in `cut`, the representation chosen in `http::negotiate`.

mod annual;
mod cut;
mod names;
mod ownership_grants;

pub(super) use annual::annual_report;
pub(super) use ownership_grants::ownership_grants;

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::Authenticated;
use crate::domain::reference::ReferenceData;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::negotiate::{negotiate, Format, XLSX};
use crate::http::Query;
use crate::projections::contract_stats::query::{self, Cut, DateBasis, Granularity, Line, Totals};
use crate::projections::contract_stats::{compare, workbook};
use crate::state::AppState;
use cut::{cut_of, StatsQuery};

#[derive(Serialize)]
struct Report<'a> {
    date_basis: DateBasis,
    granularity: Granularity,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    as_of: Option<DateTime<Utc>>,
    by: Vec<&'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    filters: BTreeMap<&'static str, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compare: Option<&'static str>,
    items: Vec<Map<String, Value>>,
    totals: TotalsView<'a>,
}

#[derive(Serialize)]
struct TotalsView<'a> {
    #[serde(flatten)]
    totals: &'a Totals,
    contract_amount_wan: String,
    technology_amount_wan: String,
    /// With `compare=year_earlier` and dates: the same dates a year before.
    #[serde(skip_serializing_if = "Option::is_none")]
    year_earlier: Option<YearEarlier>,
    /// The configured target of the year the cut's dates lie in, and how far it is reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<Target>,
}

#[derive(Serialize)]
struct YearEarlier {
    #[serde(flatten)]
    totals: Value,
    growth_percent: Option<f64>,
}

#[derive(Serialize)]
struct Target {
    year: i32,
    contract_amount_fen: i64,
    contract_amount_wan: String,
    progress_percent: Option<f64>,
}

/// Count and amounts a year before (zeros when there was nothing).
fn before_view(before: Option<(i64, i64, i64)>) -> Value {
    let (count, amount, tech) = before.unwrap_or((0, 0, 0));
    serde_json::json!({
        "count": count,
        "contract_amount_fen": amount,
        "technology_amount_fen": tech,
        "contract_amount_wan": query::wan_number(amount),
    })
}

fn item(cut: &Cut, line: &Line, totals: &Totals, refs: &ReferenceData) -> Map<String, Value> {
    let mut m = Map::new();
    for (d, k) in cut.by.iter().zip(&line.keys) {
        m.insert(d.name().into(), Value::String(k.clone()));
        if let Some(name) = names::name_of(*d, k, refs) {
            m.insert(format!("{}_name", d.name()), name.into());
        }
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
    // The line's share of the totals' contract amount (an IP-kind cut's shares add up to more
    // than 100: a contract counts under each of its kinds).
    m.insert(
        "share_percent".into(),
        compare::percent(
            line.contract_amount_fen as i128,
            totals.contract_amount_fen as i128,
        )
        .into(),
    );
    m
}

pub(in crate::routes) async fn contracts(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    q: Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::Statistician, Role::Registrar, Role::PlatformAdmin])?;
    let format = negotiate(&req)?;
    let top = q.0.top;
    let compare_to = match q.0.compare.as_deref() {
        None => None,
        Some("year_earlier") => Some(()),
        Some(_) => {
            return Err(AppError::bad_query(
                "compare",
                "year_earlier is the comparison there is",
            ))
        }
    };
    let cut = cut_of(q.0, state.clock.now(), &state.refs)?;
    let earlier_cut = match compare_to {
        Some(()) => Some(
            compare::year_earlier(&cut)
                .ok_or_else(|| AppError::bad_query("compare", compare::NEEDS_RANGE))?,
        ),
        None => None,
    };
    // From the in-memory cube, caught up with everything committed before this request; the
    // SQL query over the same facts is the reference it is tested against.
    state.stats_cube.catch_up(&state.db).await?;
    let (mut lines, totals) = state.stats_cube.run(&cut).await?;
    let earlier = match &earlier_cut {
        Some(c) => Some(state.stats_cube.run(c).await?),
        None => None,
    };
    if cut.by.is_empty() {
        // The one line of a cut by nothing is the totals: reported once, as the totals.
        lines.clear();
    }
    if let Some(n) = top {
        lines.sort_by(|a, b| {
            b.contract_amount_fen
                .cmp(&a.contract_amount_fen)
                .then_with(|| a.keys.cmp(&b.keys))
        });
        lines.truncate(n);
    }
    if format == Format::Csv {
        let body = names::to_csv(&cut, &lines, &totals, &state.refs)
            .map_err(|e| AppError::Internal(e.into()))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contract-stats.csv\"",
            ))
            .body(body));
    }
    if format == Format::Xlsx {
        let show = |v: Option<String>| v.unwrap_or_else(|| "—".into());
        let parameters = [
            (
                "by",
                show((!cut.by.is_empty()).then(|| {
                    cut.by
                        .iter()
                        .map(|d| d.name())
                        .collect::<Vec<_>>()
                        .join(",")
                })),
            ),
            ("date_basis", format!("{:?}", cut.date_basis).to_lowercase()),
            (
                "granularity",
                format!("{:?}", cut.granularity).to_lowercase(),
            ),
            ("from", show(cut.from.map(|d| d.to_string()))),
            ("to", show(cut.to.map(|d| d.to_string()))),
            ("as_of", show(cut.as_of.map(|t| t.to_rfc3339()))),
            (
                "filters",
                show((!cut.filters.is_empty()).then(|| {
                    cut.filters
                        .iter()
                        .map(|f| format!("{}={}", f.dim.name(), f.values.join(",")))
                        .collect::<Vec<_>>()
                        .join("; ")
                })),
            ),
            ("top", show(top.map(|n| n.to_string()))),
        ];
        let body = workbook::to_xlsx(&cut, &lines, &totals, &parameters)
            .map_err(|e| AppError::Internal(e.into()))?;
        return Ok(HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contract-stats.xlsx\"",
            ))
            .body(body));
    }
    let report = Report {
        date_basis: cut.date_basis,
        granularity: cut.granularity,
        from: cut.from,
        to: cut.to,
        as_of: cut.as_of,
        by: cut.by.iter().map(|d| d.name()).collect(),
        filters: cut
            .filters
            .iter()
            .map(|f| (f.dim.name(), f.values.clone()))
            .collect(),
        top,
        compare: compare_to.map(|_| "year_earlier"),
        items: lines
            .iter()
            .map(|l| {
                let mut m = item(&cut, l, &totals, &state.refs);
                if let Some((earlier_lines, _)) = &earlier {
                    let keys = compare::keys_a_year_earlier(&cut, l);
                    let before = earlier_lines.iter().find(|e| e.keys == keys);
                    m.insert(
                        "year_earlier".into(),
                        before_view(
                            before
                                .map(|b| (b.count, b.contract_amount_fen, b.technology_amount_fen)),
                        ),
                    );
                    m.insert(
                        "growth_percent".into(),
                        compare::growth_percent(
                            l.contract_amount_fen,
                            before.map_or(0, |b| b.contract_amount_fen),
                        )
                        .into(),
                    );
                }
                m
            })
            .collect(),
        totals: TotalsView {
            totals: &totals,
            contract_amount_wan: query::wan_number(totals.contract_amount_fen),
            technology_amount_wan: query::wan_number(totals.technology_amount_fen),
            year_earlier: earlier
                .as_ref()
                .filter(|_| cut.from.is_some() || cut.to.is_some())
                .map(|(_, t)| YearEarlier {
                    totals: before_view(Some((
                        t.count,
                        t.contract_amount_fen,
                        t.technology_amount_fen,
                    ))),
                    growth_percent: compare::growth_percent(
                        totals.contract_amount_fen,
                        t.contract_amount_fen,
                    ),
                }),
            target: compare::year_of(&cut).and_then(|year| {
                let fen = state.settings.stats_target_fen(year)?;
                Some(Target {
                    year,
                    contract_amount_fen: fen,
                    contract_amount_wan: query::wan_number(fen),
                    progress_percent: compare::progress_percent(&totals, fen),
                })
            }),
        },
    };
    Ok(HttpResponse::Ok().json(report))
}

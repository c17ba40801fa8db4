//! `GET /stats/contracts/annual-report`: the standard tables of a year, as one workbook.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::Query;
use crate::projections::contract_stats::query::{Cut, DateBasis, Dim, Granularity};
use crate::projections::contract_stats::workbook;
use crate::state::AppState;

use super::cut::as_of_of;
use crate::http::negotiate::XLSX;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes) struct AnnualQuery {
    year: i32,
    /// As known at this date (end of that China day) or instant.
    as_of: Option<String>,
    date_basis: Option<DateBasis>,
}

/// The annual report's standard tables: (sheet title, the dimensions it cuts by).
const ANNUAL_TABLES: [(&str, &[Dim]); 9] = [
    ("总表", &[]),
    ("按月份", &[Dim::Period]),
    ("按合同类型", &[Dim::Type]),
    ("按技术领域", &[Dim::Field]),
    ("按卖方性质", &[Dim::SellerNature]),
    ("按买方性质", &[Dim::BuyerNature]),
    ("按卖方省份", &[Dim::SellerProvince]),
    ("按买方省份", &[Dim::BuyerProvince]),
    ("按技术流向", &[Dim::Flow]),
];

/// `GET /stats/contracts/annual-report?year=`: a year's technology contracts in the standard
/// tables (by month, type, field, each party's nature and province, flow), one sheet each, as
/// an Excel workbook.
pub(in crate::routes) async fn annual_report(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: Query<AnnualQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(&[Role::Statistician, Role::Registrar, Role::PlatformAdmin])?;
    let q = q.0;
    let now = state.clock.now();
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(q.year, 1, 1),
        NaiveDate::from_ymd_opt(q.year, 12, 31),
    ) else {
        return Err(AppError::bad_query("year", "not a year"));
    };
    if !(1980..=china_date(now).year()).contains(&q.year) {
        return Err(AppError::bad_query(
            "year",
            "must be a year from 1980 to this one",
        ));
    }
    let as_of = q
        .as_of
        .as_deref()
        .map(|raw| as_of_of(raw, now))
        .transpose()?;
    if as_of.is_some_and(|t| t > now) {
        return Err(AppError::bad_query("as_of", "must not be in the future"));
    }
    state.stats_cube.catch_up(&state.db).await?;
    let mut results = Vec::with_capacity(ANNUAL_TABLES.len());
    for (title, by) in ANNUAL_TABLES {
        let cut = Cut {
            by: by.to_vec(),
            granularity: Granularity::Month,
            date_basis: q.date_basis.unwrap_or_default(),
            from: Some(from),
            to: Some(to),
            as_of,
            filters: Vec::new(),
        };
        let (lines, totals) = state.stats_cube.run(&cut).await?;
        results.push((title, cut, lines, totals));
    }
    let sheets: Vec<workbook::Sheet<'_>> = results
        .iter()
        .map(|(title, cut, lines, totals)| workbook::Sheet {
            title,
            cut,
            lines,
            totals,
        })
        .collect();
    let parameters = [
        ("year", q.year.to_string()),
        (
            "date_basis",
            format!("{:?}", q.date_basis.unwrap_or_default()).to_lowercase(),
        ),
        (
            "as_of",
            as_of.map(|t| t.to_rfc3339()).unwrap_or_else(|| "—".into()),
        ),
    ];
    let body =
        workbook::workbook(&sheets, &parameters).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"contract-stats-{}.xlsx\"", q.year),
        ))
        .body(body))
}

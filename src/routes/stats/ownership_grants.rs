//! `GET /stats/ownership-grants`: the ownership-grant register's reports, JSON or CSV.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::{Actor, Role};
use crate::error::AppError;
use crate::http::Query;
use crate::projections::ownership_register::query::{
    self as grant_query, Report as GrantReportKind, Scope,
};
use crate::state::AppState;

use crate::http::negotiate::{negotiate, Format};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes) struct GrantStatsQuery {
    report: Option<GrantReportKind>,
    on: Option<NaiveDate>,
    as_of: Option<DateTime<Utc>>,
    institution_id: Option<Uuid>,
    researcher_id: Option<Uuid>,
    within_days: Option<u32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// The longest look ahead for expiring terms: the longest term there is.
const WITHIN_DAYS_MAX: u32 = 366 * 50;

/// Whose grants the caller may report on: statisticians, registrars and platform admins
/// anyone's; an institution's office its own institution's; a researcher their own holdings.
fn grant_scope(actor: &Actor, q: &GrantStatsQuery) -> Result<Scope, AppError> {
    let asked = Scope {
        institution_id: q.institution_id,
        researcher_id: q.researcher_id,
    };
    match actor.role {
        Role::Statistician | Role::Registrar | Role::PlatformAdmin => Ok(asked),
        Role::InstitutionAdmin => match (actor.organization_id, q.institution_id) {
            (Some(own), None) => Ok(Scope {
                institution_id: Some(own),
                ..asked
            }),
            (Some(own), Some(i)) if i == own => Ok(asked),
            _ => Err(AppError::Forbidden(
                "an institution's office reports on its own institution only".into(),
            )),
        },
        Role::Researcher => match q.researcher_id {
            None => Ok(Scope {
                researcher_id: Some(actor.user_id),
                ..asked
            }),
            Some(r) if r == actor.user_id => Ok(asked),
            Some(_) => Err(AppError::Forbidden(
                "a researcher reports on their own holdings only".into(),
            )),
        },
        _ => Err(AppError::Forbidden(
            "the ownership-grant register is for statisticians, registrars, institutions and their researchers".into(),
        )),
    }
}

#[derive(Serialize)]
struct GrantReport<'a> {
    report: GrantReportKind,
    on: Option<NaiveDate>,
    as_of: Option<DateTime<Utc>>,
    within_days: Option<u32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    institution_id: Option<Uuid>,
    researcher_id: Option<Uuid>,
    items: &'a [Map<String, Value>],
    totals: &'a Map<String, Value>,
}

/// The ownership-grant register: the cap table on a date (`report=cap_table`, the default),
/// terms expiring within N days (`report=expiring`) or revenue distributed over a period
/// (`report=revenue`); each as known at `as_of`, for one institution or researcher or all.
pub(in crate::routes) async fn ownership_grants(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    q: Query<GrantStatsQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.0;
    let scope = grant_scope(&auth.0, &q)?;
    let report = q.report.unwrap_or_default();
    let today = china_date(state.clock.now());
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(AppError::bad_query("to", "must not be before from"));
        }
    }
    if q.within_days.is_some_and(|d| d > WITHIN_DAYS_MAX) {
        return Err(AppError::bad_query(
            "within_days",
            format!("must be at most {WITHIN_DAYS_MAX}"),
        ));
    }
    for (field, given, applies) in [
        ("on", q.on.is_some(), report != GrantReportKind::Revenue),
        (
            "within_days",
            q.within_days.is_some(),
            report == GrantReportKind::Expiring,
        ),
        ("from", q.from.is_some(), report == GrantReportKind::Revenue),
        ("to", q.to.is_some(), report == GrantReportKind::Revenue),
    ] {
        if given && !applies {
            return Err(AppError::bad_query(
                field,
                format!("does not apply to the {} report", report_name(report)),
            ));
        }
    }
    let mut rc = state.db.read().await?;
    let (on, within_days) = match report {
        GrantReportKind::Revenue => (None, None),
        GrantReportKind::CapTable => (Some(q.on.unwrap_or(today)), None),
        GrantReportKind::Expiring => (
            Some(q.on.unwrap_or(today)),
            Some(
                q.within_days
                    .unwrap_or(state.settings.grant_expiry_warning_days),
            ),
        ),
    };
    let table = match report {
        GrantReportKind::CapTable => {
            grant_query::cap_table(&mut rc.conn(), scope, on.unwrap_or(today), q.as_of).await?
        }
        GrantReportKind::Expiring => {
            grant_query::expiring(
                &mut rc.conn(),
                scope,
                on.unwrap_or(today),
                within_days.unwrap_or(0),
                q.as_of,
            )
            .await?
        }
        GrantReportKind::Revenue => {
            grant_query::revenue(&mut rc.conn(), scope, q.from, q.to, q.as_of).await?
        }
    };
    if negotiate(&req)? == Format::Csv {
        let body = grant_query::to_csv(&table).map_err(|e| AppError::Internal(e.into()))?;
        // A byte-order mark first, or Excel reads the Chinese names in another code page.
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ownership-grants.csv\"",
            ))
            .body(format!("\u{feff}{body}")));
    }
    Ok(HttpResponse::Ok().json(GrantReport {
        report,
        on,
        as_of: q.as_of,
        within_days,
        from: q.from,
        to: q.to,
        institution_id: scope.institution_id,
        researcher_id: scope.researcher_id,
        items: &table.items,
        totals: &table.totals,
    }))
}

fn report_name(r: GrantReportKind) -> &'static str {
    match r {
        GrantReportKind::CapTable => "cap_table",
        GrantReportKind::Expiring => "expiring",
        GrantReportKind::Revenue => "revenue",
    }
}

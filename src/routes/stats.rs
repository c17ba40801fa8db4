//! `GET /stats/contracts`: technology-contract statistics (技术合同成交额), any cut, JSON or CSV.
//! `GET /stats/ownership-grants`: the ownership-grant register's reports, JSON or CSV.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::domain::calendar::china_date;
use crate::domain::reference::ReferenceData;
use crate::domain::{Actor, FieldError, Role};
use crate::error::AppError;
use crate::http::Query;
use crate::projections::contract_stats::query::{
    self, Cut, DateBasis, Dim, Filter, Granularity, Line, Totals,
};
use crate::projections::contract_stats::{compare, workbook};
use crate::projections::ownership_register::query::{
    self as grant_query, Report as GrantReportKind, Scope,
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
    /// A date (the end of that day in China) or an RFC 3339 instant.
    as_of: Option<String>,
    /// Only the `top` lines by contract amount, largest first.
    top: Option<usize>,
    /// `year_earlier`: each line (and the totals) against the same a year before.
    compare: Option<String>,
    // Filters: each dimension by name, its values comma-separated.
    taxonomy: Option<String>,
    r#type: Option<String>,
    subtype: Option<String>,
    field: Option<String>,
    seller_nature: Option<String>,
    buyer_nature: Option<String>,
    seller_region: Option<String>,
    buyer_region: Option<String>,
    seller_province: Option<String>,
    buyer_province: Option<String>,
    flow: Option<String>,
    seller_zone: Option<String>,
    buyer_zone: Option<String>,
    ip_kind: Option<String>,
}

impl StatsQuery {
    /// Each filter the query gives, as its dimension and raw values.
    fn filters(&self) -> Vec<(Dim, &str)> {
        [
            (Dim::Taxonomy, &self.taxonomy),
            (Dim::Type, &self.r#type),
            (Dim::Subtype, &self.subtype),
            (Dim::Field, &self.field),
            (Dim::SellerNature, &self.seller_nature),
            (Dim::BuyerNature, &self.buyer_nature),
            (Dim::SellerRegion, &self.seller_region),
            (Dim::BuyerRegion, &self.buyer_region),
            (Dim::SellerProvince, &self.seller_province),
            (Dim::BuyerProvince, &self.buyer_province),
            (Dim::Flow, &self.flow),
            (Dim::SellerZone, &self.seller_zone),
            (Dim::BuyerZone, &self.buyer_zone),
            (Dim::IpKind, &self.ip_kind),
        ]
        .into_iter()
        .filter_map(|(d, v)| v.as_deref().map(|v| (d, v)))
        .collect()
    }
}

/// The most lines `top` may ask for.
const TOP_MAX: usize = 1000;

/// The values a dimension's facts can hold, from the reference data.
fn known_values(dim: Dim, refs: &ReferenceData) -> BTreeSet<String> {
    let regions = || {
        refs.regions
            .keys()
            .chain(refs.countries.keys())
            .cloned()
            .collect()
    };
    match dim {
        Dim::Taxonomy => refs
            .contract_types
            .iter()
            .map(|t| t.taxonomy.clone())
            .collect(),
        Dim::Type => refs
            .contract_types
            .iter()
            .map(|t| t.contract_type.clone())
            .collect(),
        Dim::Subtype => refs
            .contract_types
            .iter()
            .map(|t| t.subtype.clone().unwrap_or_default())
            .chain([String::new()])
            .collect(),
        Dim::Field => refs.technology_fields.keys().cloned().collect(),
        Dim::SellerNature | Dim::BuyerNature => refs.party_natures.keys().cloned().collect(),
        Dim::SellerRegion | Dim::BuyerRegion | Dim::SellerProvince | Dim::BuyerProvince => {
            regions()
        }
        Dim::Flow => [
            "within_chongqing",
            "chongqing_sichuan",
            "rest_of_china",
            "abroad",
        ]
        .map(String::from)
        .into(),
        Dim::SellerZone | Dim::BuyerZone => {
            refs.zones.keys().cloned().chain([String::new()]).collect()
        }
        Dim::IpKind => refs.ip_kinds.keys().cloned().collect(),
        Dim::Period => BTreeSet::new(),
    }
}

/// The query's filters, each value checked against what the dimension can hold.
fn filters_of(q: &StatsQuery, refs: &ReferenceData) -> Result<Vec<Filter>, AppError> {
    let mut out = Vec::new();
    for (dim, raw) in q.filters() {
        let known = known_values(dim, refs);
        let mut values = Vec::new();
        for v in raw.split(',').map(str::trim) {
            if !known.contains(v) {
                return Err(bad(
                    dim.name(),
                    format!(
                        "unknown {} '{}'",
                        dim.name(),
                        v.chars().take(30).collect::<String>()
                    ),
                ));
            }
            if !values.iter().any(|x: &String| x == v) {
                values.push(v.to_string());
            }
        }
        out.push(Filter { dim, values });
    }
    Ok(out)
}

/// `as_of` as a date (the end of that day in China; today's, as known now) or an RFC 3339
/// instant. A `+` sent unencoded arrives as a space; it is read as the `+` it was.
fn as_of_of(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    let raw = raw.trim();
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        if day == china_date(now) {
            return Ok(now);
        }
        return Ok(end_of_china_day(day));
    }
    let repaired = match raw.rsplit_once(' ') {
        Some((instant, offset)) if offset.contains(':') => format!("{instant}+{offset}"),
        _ => raw.to_string(),
    };
    DateTime::parse_from_rfc3339(&repaired)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            bad(
                "as_of",
                "send a date (2026-06-30: the end of that day in China) or an RFC 3339 instant \
                 (2026-06-30T18:00:00%2B08:00, or 2026-06-30T10:00:00Z)",
            )
        })
}

/// The last microsecond of `day` in China (UTC+8).
fn end_of_china_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day
        .succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    DateTime::<Utc>::from_naive_utc_and_offset(next, Utc)
        - chrono::Duration::hours(8)
        - chrono::Duration::microseconds(1)
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::BadRequest {
        detail: "the query string is not valid".into(),
        errors: vec![FieldError::new(field, message)],
    }
}

fn cut_of(q: StatsQuery, now: DateTime<Utc>, refs: &ReferenceData) -> Result<Cut, AppError> {
    let filters = filters_of(&q, refs)?;
    let as_of = q
        .as_of
        .as_deref()
        .map(|raw| as_of_of(raw, now))
        .transpose()?;
    if q.top.is_some_and(|n| n == 0 || n > TOP_MAX) {
        return Err(bad("top", format!("must be between 1 and {TOP_MAX}")));
    }
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
    // A report as of a moment still to come would be labelled a fixed snapshot and change.
    if as_of.is_some_and(|t| t > now) {
        return Err(bad("as_of", "must not be in the future"));
    }
    if q.granularity.is_some() && !by.contains(&Dim::Period) {
        return Err(bad(
            "granularity",
            "applies to the period dimension only: add period to by",
        ));
    }
    Ok(Cut {
        by,
        granularity: q.granularity.unwrap_or_default(),
        date_basis: q.date_basis.unwrap_or_default(),
        from: q.from,
        to: q.to,
        as_of,
        filters,
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

fn item(cut: &Cut, line: &Line, totals: &Totals) -> Map<String, Value> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Xlsx,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The representation `Accept` prefers, by its q-values (RFC 9110 §12.5.1): JSON or CSV, JSON
/// when either will do or no `Accept` is sent; 406 when it accepts neither.
fn negotiate(req: &HttpRequest) -> Result<Format, AppError> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(Format::Json);
    };
    if accept.trim().is_empty() {
        return Ok(Format::Json);
    }
    // For each format, the q of the most specific range that matches it (exact, type/*, */*).
    let mut best: [(u8, f32); 3] = [(0, -1.0); 3];
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        for (i, (kind, sub)) in [
            ("application", "json"),
            ("text", "csv"),
            (
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ]
        .iter()
        .enumerate()
        {
            let specificity = if media == format!("{kind}/{sub}") {
                3
            } else if media == format!("{kind}/*") {
                2
            } else if media == "*/*" {
                1
            } else {
                continue;
            };
            if specificity > best[i].0 {
                best[i] = (specificity, q);
            }
        }
    }
    // `*/*` and `application/*` alone do not ask for a spreadsheet: it must be named.
    let (json, csv) = (best[0].1, best[1].1);
    let xlsx = if best[2].0 == 3 { best[2].1 } else { -1.0 };
    if json <= 0.0 && csv <= 0.0 && xlsx <= 0.0 {
        return Err(AppError::NotAcceptable(format!(
            "this report is application/json, text/csv or {XLSX}"
        )));
    }
    Ok(if xlsx > json && xlsx > csv {
        Format::Xlsx
    } else if csv > json {
        Format::Csv
    } else {
        Format::Json
    })
}

pub(super) async fn contracts(
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
        Some(_) => return Err(bad("compare", "year_earlier is the comparison there is")),
    };
    let cut = cut_of(q.0, state.clock.now(), &state.refs)?;
    let earlier_cut = match compare_to {
        Some(()) => {
            Some(compare::year_earlier(&cut).ok_or_else(|| bad("compare", compare::NEEDS_RANGE))?)
        }
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
        let body =
            query::to_csv(&cut, &lines, &totals).map_err(|e| AppError::Internal(e.into()))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
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
                let mut m = item(&cut, l, &totals);
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnnualQuery {
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
pub(super) async fn annual_report(
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
        return Err(bad("year", "not a year"));
    };
    if !(1980..=china_date(now).year()).contains(&q.year) {
        return Err(bad("year", "must be a year from 1980 to this one"));
    }
    let as_of = q
        .as_of
        .as_deref()
        .map(|raw| as_of_of(raw, now))
        .transpose()?;
    if as_of.is_some_and(|t| t > now) {
        return Err(bad("as_of", "must not be in the future"));
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GrantStatsQuery {
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
pub(super) async fn ownership_grants(
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
            return Err(bad("to", "must not be before from"));
        }
    }
    if q.within_days.is_some_and(|d| d > WITHIN_DAYS_MAX) {
        return Err(bad(
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
            return Err(bad(
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
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(body));
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

//! A statistics query as it arrives, checked: its dimensions, filters, dates and `as_of`.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::domain::calendar::china_date;
use crate::domain::reference::ReferenceData;
use crate::error::AppError;
use crate::projections::contract_stats::query::{Cut, DateBasis, Dim, Filter, Granularity};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes) struct StatsQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    by: Option<String>,
    granularity: Option<Granularity>,
    date_basis: Option<DateBasis>,
    /// A date (the end of that day in China) or an RFC 3339 instant.
    as_of: Option<String>,
    /// Only the `top` lines by contract amount, largest first.
    pub(super) top: Option<usize>,
    /// `year_earlier`: each line (and the totals) against the same a year before.
    pub(super) compare: Option<String>,
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
                return Err(AppError::bad_query(
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
pub(super) fn as_of_of(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
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
            AppError::bad_query(
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

pub(super) fn cut_of(
    q: StatsQuery,
    now: DateTime<Utc>,
    refs: &ReferenceData,
) -> Result<Cut, AppError> {
    let filters = filters_of(&q, refs)?;
    let as_of = q
        .as_of
        .as_deref()
        .map(|raw| as_of_of(raw, now))
        .transpose()?;
    if q.top.is_some_and(|n| n == 0 || n > TOP_MAX) {
        return Err(AppError::bad_query(
            "top",
            format!("must be between 1 and {TOP_MAX}"),
        ));
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
            AppError::bad_query(
                "by",
                format!(
                    "unknown dimension '{}'; one of {}",
                    name.chars().take(30).collect::<String>(),
                    names.join(", ")
                ),
            )
        })?;
        if by.contains(&dim) {
            return Err(AppError::bad_query(
                "by",
                format!("'{name}' is given twice"),
            ));
        }
        by.push(dim);
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(AppError::bad_query("to", "must not be before from"));
        }
    }
    // A report as of a moment still to come would be labelled a fixed snapshot and change.
    if as_of.is_some_and(|t| t > now) {
        return Err(AppError::bad_query("as_of", "must not be in the future"));
    }
    if q.granularity.is_some() && !by.contains(&Dim::Period) {
        return Err(AppError::bad_query(
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

//! Reports over the ownership-grant register, each a table (JSON items or CSV rows):
//! - the cap table: who holds what of each grant in force on a date, as known at an instant;
//! - terms expiring within N days of a date;
//! - revenue distributed over a period of payment dates, per holder.
//!
//! Each can be scoped to one institution or one researcher. Shares are exact decimal
//! percentages computed from basis points; money is integer fen (with 万元 beside it).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{status_in, GrantRow, TABLE};
use crate::domain::ownership_grant::{GrantData, GrantKind, GrantStatus};
use crate::domain::share::{product_percent, FULL_BP};
use crate::projections::contract_stats::query::wan_number;
use crate::projections::doc::{self, Where};
use crate::store::accounts;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    #[default]
    CapTable,
    Expiring,
    Revenue,
}

/// Whose grants a report covers: everyone's, one institution's, one researcher's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub institution_id: Option<Uuid>,
    pub researcher_id: Option<Uuid>,
}

/// A report's rows, with its columns in order (the CSV header) and its totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    #[serde(skip)]
    pub columns: Vec<&'static str>,
    pub items: Vec<Map<String, Value>>,
    pub totals: Map<String, Value>,
}

fn row(columns: &[&'static str], values: Vec<Value>) -> Map<String, Value> {
    debug_assert_eq!(columns.len(), values.len());
    columns.iter().map(|c| c.to_string()).zip(values).collect()
}

/// Grants that were ever granted, within the scope, oldest first.
async fn granted(
    conn: &mut Conn<'_>,
    scope: Scope,
    ending: Option<(NaiveDate, NaiveDate)>,
) -> Result<Vec<GrantRow>, StoreError> {
    let mut w = Where::default();
    // Terms only grow by extension, so the current end bounds every earlier one from above:
    // with everything known, a term ending between the two dates can be picked by its column.
    if let Some((first, last)) = ending {
        let (a, b) = (
            w.arg(Arg::Text(first.to_string())),
            w.arg(Arg::Text(last.to_string())),
        );
        w.and(format!(
            "term_end IS NOT NULL AND term_end >= {a} AND term_end <= {b}"
        ));
    }
    w.and(status_in(&GrantStatus::EVER_GRANTED));
    if let Some(i) = scope.institution_id {
        let p = w.arg(Arg::Uuid(i));
        w.and(format!("institution_id = {p}"));
    }
    if let Some(r) = scope.researcher_id {
        let p = w.arg(Arg::Uuid(r));
        w.and(format!(
            "id IN (SELECT grant_id FROM ownership_grant_members WHERE user_id = {p})"
        ));
    }
    let sql = format!(
        "SELECT id, version, doc FROM {TABLE} WHERE {} ORDER BY id",
        w.sql()
    );
    let rows = conn.fetch_all(&sql, &w.args).await?;
    rows.iter().map(doc::from_row).collect()
}

fn date_value(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

pub const CAP_TABLE_COLUMNS: [&str; 14] = [
    "grant_id",
    "listing_id",
    "listing_title",
    "institution_id",
    "kind",
    "term_start",
    "term_end",
    "holder_type",
    "holder_id",
    "holder_name",
    "right",
    "ownership_percent",
    "share_of_team_percent",
    "income_percent",
];

/// Who held what of each grant in force on `on`, as known at `as_of`: a line for the
/// institution and one for each member. A researcher's scope shows only their own lines.
pub async fn cap_table(
    conn: &mut Conn<'_>,
    scope: Scope,
    on: NaiveDate,
    as_of: Option<DateTime<Utc>>,
) -> Result<Table, StoreError> {
    let grants: Vec<(Uuid, GrantData)> = granted(conn, scope, None)
        .await?
        .into_iter()
        .filter(|r| r.data.in_force_on(on, as_of))
        .map(|r| (r.id, r.data))
        .collect();
    let names =
        accounts::organization_names(conn, grants.iter().map(|(_, g)| g.institution_id)).await?;
    let columns = CAP_TABLE_COLUMNS.to_vec();
    let mut items = Vec::new();
    for (id, g) in &grants {
        let (start, end) = g.term_as_of(as_of).expect("filtered to grants in force");
        let t = &g.terms;
        let common = |holder_type: &str, holder_id: Uuid, name: &str, right: &str| {
            vec![
                Value::String(id.to_string()),
                Value::String(g.listing_id.to_string()),
                Value::String(g.listing_title.clone()),
                Value::String(g.institution_id.to_string()),
                Value::String(t.kind.as_str().into()),
                date_value(Some(start)),
                date_value(end),
                Value::String(holder_type.into()),
                Value::String(holder_id.to_string()),
                Value::String(name.into()),
                Value::String(right.into()),
            ]
        };
        if scope.researcher_id.is_none() {
            let mut values = common(
                "institution",
                g.institution_id,
                names.get(&g.institution_id).map_or("", |n| n.as_str()),
                "ownership",
            );
            values.extend([
                Value::String(product_percent(t.institution_share_bp, FULL_BP)),
                Value::Null,
                Value::String(product_percent(t.income.institution_bp(), FULL_BP)),
            ]);
            items.push(row(&columns, values));
        }
        let right = match t.kind {
            GrantKind::OwnershipShare => "ownership",
            GrantKind::UsageRight => "usage_right",
        };
        for m in &t.team {
            if scope.researcher_id.is_some_and(|r| r != m.user_id) {
                continue;
            }
            let mut values = common("member", m.user_id, &m.name, right);
            values.extend([
                Value::String(product_percent(t.team_share_bp, m.share_bp)),
                Value::String(product_percent(m.share_bp, FULL_BP)),
                Value::String(product_percent(t.income.team_bp, m.share_bp)),
            ]);
            items.push(row(&columns, values));
        }
    }
    let mut totals = Map::new();
    totals.insert("grants".into(), grants.len().into());
    totals.insert("holdings".into(), items.len().into());
    Ok(Table {
        columns,
        items,
        totals,
    })
}

pub const EXPIRING_COLUMNS: [&str; 10] = [
    "grant_id",
    "listing_id",
    "listing_title",
    "institution_id",
    "institution_name",
    "kind",
    "status",
    "term_end",
    "days_left",
    "expiry_announced",
];

/// Grants in force on `on` whose term (as known at `as_of`) ends within `within_days` of it,
/// soonest first.
pub async fn expiring(
    conn: &mut Conn<'_>,
    scope: Scope,
    on: NaiveDate,
    within_days: u32,
    as_of: Option<DateTime<Utc>>,
) -> Result<Table, StoreError> {
    let horizon = on + TimeDelta::days(i64::from(within_days));
    let ending = as_of.is_none().then_some((on, horizon));
    let mut due: Vec<(NaiveDate, Uuid, GrantData)> = granted(conn, scope, ending)
        .await?
        .into_iter()
        .filter(|r| r.data.in_force_on(on, as_of))
        .filter_map(|r| {
            let (_, end) = r.data.term_as_of(as_of)?;
            end.filter(|e| *e <= horizon).map(|e| (e, r.id, r.data))
        })
        .collect();
    due.sort_by_key(|(end, id, _)| (*end, *id));
    let names =
        accounts::organization_names(conn, due.iter().map(|(_, _, g)| g.institution_id)).await?;
    let columns = EXPIRING_COLUMNS.to_vec();
    let items: Vec<_> = due
        .iter()
        .map(|(end, id, g)| {
            row(
                &columns,
                vec![
                    Value::String(id.to_string()),
                    Value::String(g.listing_id.to_string()),
                    Value::String(g.listing_title.clone()),
                    Value::String(g.institution_id.to_string()),
                    Value::String(names.get(&g.institution_id).cloned().unwrap_or_default()),
                    Value::String(g.terms.kind.as_str().into()),
                    Value::String(g.status.as_str().into()),
                    date_value(Some(*end)),
                    Value::from((*end - on).num_days()),
                    Value::Bool(g.expiry_warned_for == Some(*end)),
                ],
            )
        })
        .collect();
    let mut totals = Map::new();
    totals.insert("grants".into(), items.len().into());
    Ok(Table {
        columns,
        items,
        totals,
    })
}

pub const REVENUE_COLUMNS: [&str; 7] = [
    "holder_type",
    "holder_id",
    "holder_name",
    "payments",
    "amount_fen",
    "amount_wan",
    "institution_id",
];

/// Money distributed per holder for payments received from `from` to `to` (inclusive), as
/// recorded by `as_of`. Totals split it into institution, team and costs; without a
/// researcher's scope they add up to the payments distributed.
pub async fn revenue(
    conn: &mut Conn<'_>,
    scope: Scope,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    as_of: Option<DateTime<Utc>>,
) -> Result<Table, StoreError> {
    let mut w = Where::default();
    if let Some(f) = from {
        let p = w.arg(Arg::Text(f.to_string()));
        w.and(format!("received_on >= {p}"));
    }
    if let Some(t) = to {
        let p = w.arg(Arg::Text(t.to_string()));
        w.and(format!("received_on <= {p}"));
    }
    if let Some(a) = as_of {
        let p = w.arg(Arg::Time(a));
        w.and(format!("recorded_at <= {p}"));
    }
    if let Some(i) = scope.institution_id {
        let p = w.arg(Arg::Uuid(i));
        w.and(format!("institution_id = {p}"));
    }
    if let Some(r) = scope.researcher_id {
        let p = w.arg(Arg::Uuid(r));
        w.and(format!("holder_type = 'member' AND holder_id = {p}"));
    }
    let sql = format!(
        "SELECT holder_type, holder_id, institution_id, distribution_id, amount_fen \
         FROM ownership_distribution_parts WHERE {} ORDER BY distribution_id, part",
        w.sql()
    );
    let rows = conn.fetch_all(&sql, &w.args).await?;
    // Grouped here rather than in SQL: a part's holder is (type, id, institution), and the
    // payments it shares in are counted once each.
    type Key = (String, Option<Uuid>, Uuid);
    let mut groups: BTreeMap<Key, (std::collections::BTreeSet<Uuid>, i64)> = BTreeMap::new();
    let mut distributions = std::collections::BTreeSet::new();
    let mut by_type: BTreeMap<String, i64> = BTreeMap::new();
    for r in &rows {
        let holder_type = r.text("holder_type")?;
        let amount = r.i64("amount_fen")?;
        let distribution = r.uuid("distribution_id")?;
        distributions.insert(distribution);
        *by_type.entry(holder_type.clone()).or_default() += amount;
        let g = groups
            .entry((
                holder_type,
                r.opt_uuid("holder_id")?,
                r.uuid("institution_id")?,
            ))
            .or_default();
        g.0.insert(distribution);
        g.1 += amount;
    }
    let institutions = accounts::organization_names(conn, groups.keys().map(|k| k.2)).await?;
    let member_names = accounts::display_names(
        conn,
        groups
            .keys()
            .filter(|(kind, _, _)| kind == "member")
            .filter_map(|(_, id, _)| *id),
    )
    .await?;
    let columns = REVENUE_COLUMNS.to_vec();
    let items: Vec<_> = groups
        .iter()
        .map(|((kind, id, institution), (payments, amount))| {
            let name = match (kind.as_str(), id) {
                ("institution", Some(i)) => institutions.get(i).cloned().unwrap_or_default(),
                ("member", Some(u)) => member_names.get(u).cloned().unwrap_or_default(),
                _ => "costs of transfer".into(),
            };
            row(
                &columns,
                vec![
                    Value::String(kind.clone()),
                    id.map_or(Value::Null, |i| Value::String(i.to_string())),
                    Value::String(name),
                    Value::from(payments.len()),
                    Value::from(*amount),
                    Value::String(wan_number(*amount)),
                    Value::String(institution.to_string()),
                ],
            )
        })
        .collect();
    let part = |k: &str| by_type.get(k).copied().unwrap_or(0);
    let total = part("institution") + part("member") + part("costs");
    let mut totals = Map::new();
    totals.insert("payments".into(), distributions.len().into());
    totals.insert("amount_fen".into(), total.into());
    totals.insert("amount_wan".into(), wan_number(total).into());
    totals.insert("institution_fen".into(), part("institution").into());
    totals.insert("team_fen".into(), part("member").into());
    totals.insert("costs_fen".into(), part("costs").into());
    Ok(Table {
        columns,
        items,
        totals,
    })
}

/// The table as CSV: its columns, then its rows (absent values empty), then, as for contract
/// statistics, a `total` row when the totals share columns with the rows.
pub fn to_csv(table: &Table) -> Result<String, csv::Error> {
    let cell = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&table.columns)?;
    for item in &table.items {
        let rec: Vec<String> = table.columns.iter().map(|c| cell(item.get(*c))).collect();
        w.write_record(&rec)?;
    }
    if table.columns.iter().any(|c| table.totals.contains_key(*c)) {
        let mut rec: Vec<String> = table
            .columns
            .iter()
            .map(|c| cell(table.totals.get(*c)))
            .collect();
        rec[0] = "total".into();
        w.write_record(&rec)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8"))
}

//! Cuts of the contract statistics: any combination of dimensions, a period granularity, a
//! date basis, a date range and an `as_of` instant. Sums are integer fen (cast to BIGINT, since
//! PostgreSQL sums BIGINT as NUMERIC); rows that net to nothing are left out.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    Period,
    Taxonomy,
    Type,
    Subtype,
    Field,
    SellerNature,
    BuyerNature,
    SellerRegion,
    BuyerRegion,
    SellerProvince,
    BuyerProvince,
    Flow,
    SellerZone,
    BuyerZone,
    IpKind,
}

impl Dim {
    pub const ALL: [Dim; 15] = [
        Dim::Period,
        Dim::Taxonomy,
        Dim::Type,
        Dim::Subtype,
        Dim::Field,
        Dim::SellerNature,
        Dim::BuyerNature,
        Dim::SellerRegion,
        Dim::BuyerRegion,
        Dim::SellerProvince,
        Dim::BuyerProvince,
        Dim::Flow,
        Dim::SellerZone,
        Dim::BuyerZone,
        Dim::IpKind,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dim::Period => "period",
            Dim::Taxonomy => "taxonomy",
            Dim::Type => "type",
            Dim::Subtype => "subtype",
            Dim::Field => "field",
            Dim::SellerNature => "seller_nature",
            Dim::BuyerNature => "buyer_nature",
            Dim::SellerRegion => "seller_region",
            Dim::BuyerRegion => "buyer_region",
            Dim::SellerProvince => "seller_province",
            Dim::BuyerProvince => "buyer_province",
            Dim::Flow => "flow",
            Dim::SellerZone => "seller_zone",
            Dim::BuyerZone => "buyer_zone",
            Dim::IpKind => "ip_kind",
        }
    }

    pub fn parse(s: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.name() == s)
    }

    /// The fact column (every dimension but period is one).
    fn column(self) -> &'static str {
        match self {
            Dim::Type => "contract_type",
            other => other.name(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Year,
    Quarter,
    #[default]
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateBasis {
    #[default]
    Registered,
    Signed,
}

#[derive(Debug, Clone, Default)]
pub struct Cut {
    pub by: Vec<Dim>,
    pub granularity: Granularity,
    pub date_basis: DateBasis,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub as_of: Option<DateTime<Utc>>,
    /// Only the facts whose value of each filter's dimension is one of its values.
    pub filters: Vec<Filter>,
}

/// A dimension held to some of its values. An IP-kind filter keeps the contracts that involve
/// any of the kinds; cut by IP kind as well, only those kinds' lines are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub dim: Dim,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// One value per dimension of the cut, in its order.
    pub keys: Vec<String>,
    pub count: i64,
    pub contract_amount_fen: i64,
    pub technology_amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub count: i64,
    pub contract_amount_fen: i64,
    pub technology_amount_fen: i64,
}

/// The period a date falls in, as SQL both backends run: `2026`, `2026-Q3`, `2026-07`.
fn period_sql(date_column: &str, g: Granularity) -> String {
    match g {
        Granularity::Year => format!("substr({date_column}, 1, 4)"),
        Granularity::Month => format!("substr({date_column}, 1, 7)"),
        Granularity::Quarter => format!(
            "substr({date_column}, 1, 4) || '-Q' || CAST((CAST(substr({date_column}, 6, 2) AS INTEGER) + 2) / 3 AS TEXT)"
        ),
    }
}

pub async fn run(conn: &mut Conn<'_>, cut: &Cut) -> Result<(Vec<Line>, Totals), StoreError> {
    let date_column = match cut.date_basis {
        DateBasis::Registered => "registered_basis",
        DateBasis::Signed => "signing_date",
    };
    // A contract counts once per IP kind in an IP-kind cut, so those come from their own table.
    let table = if cut.by.contains(&Dim::IpKind) {
        "contract_stat_ip_facts"
    } else {
        "contract_stat_facts"
    };
    let keys: Vec<String> = cut
        .by
        .iter()
        .map(|d| match d {
            Dim::Period => period_sql(date_column, cut.granularity),
            other => other.column().to_string(),
        })
        .collect();
    let mut args = Vec::new();
    let mut conditions = vec!["1 = 1".to_string()];
    if let Some(from) = cut.from {
        args.push(Arg::Text(from.to_string()));
        conditions.push(format!("{date_column} >= ${}", args.len()));
    }
    if let Some(to) = cut.to {
        args.push(Arg::Text(to.to_string()));
        conditions.push(format!("{date_column} <= ${}", args.len()));
    }
    if let Some(as_of) = cut.as_of {
        args.push(Arg::Time(as_of));
        conditions.push(format!("recorded_at <= ${}", args.len()));
    }
    for f in &cut.filters {
        let mut alternatives = Vec::with_capacity(f.values.len());
        for v in &f.values {
            if f.dim == Dim::IpKind && table == "contract_stat_facts" {
                // The contract's kinds are ';'-joined in one column.
                args.push(Arg::Text(format!("%;{v};%")));
                alternatives.push(format!("(';' || ip_kinds || ';') LIKE ${}", args.len()));
            } else {
                args.push(Arg::Text(v.clone()));
                alternatives.push(format!("{} = ${}", f.dim.column(), args.len()));
            }
        }
        conditions.push(format!("({})", alternatives.join(" OR ")));
    }
    // Each amount is summed in two halves that cannot overflow (billions of fen and the rest:
    // integer division and remainder truncate alike on both backends), joined in i128 here.
    let sums = "CAST(SUM(count_delta) AS BIGINT) AS n, \
                CAST(SUM(amount_delta / 1000000000) AS BIGINT) AS amount_hi, \
                CAST(SUM(amount_delta % 1000000000) AS BIGINT) AS amount_lo, \
                CAST(SUM(tech_amount_delta / 1000000000) AS BIGINT) AS tech_hi, \
                CAST(SUM(tech_amount_delta % 1000000000) AS BIGINT) AS tech_lo";
    let select: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS k{i}"))
        .collect();
    let group = if keys.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", keys.join(", "))
    };
    let order = if keys.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", keys.join(", "))
    };
    let sql = format!(
        "SELECT {}{sums} FROM {table} WHERE {}{group}{order}",
        select.iter().map(|s| format!("{s}, ")).collect::<String>(),
        conditions.join(" AND "),
    );
    let rows = conn.fetch_all(&sql, &args).await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let keys = (0..cut.by.len())
            .map(|i| r.text(&format!("k{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let wide = |hi: &str, lo: &str| -> Result<i128, StoreError> {
            Ok(r.i64(hi)? as i128 * 1_000_000_000 + r.i64(lo)? as i128)
        };
        let (count, amount, tech) = (
            r.i64("n")?,
            wide("amount_hi", "amount_lo")?,
            wide("tech_hi", "tech_lo")?,
        );
        // Lines that net to nothing are left out, as the cube leaves them out.
        if (count, amount, tech) == (0, 0, 0) {
            continue;
        }
        lines.push(Line {
            keys,
            count,
            contract_amount_fen: fen(amount)?,
            technology_amount_fen: fen(tech)?,
        });
    }
    // Totals over contracts, not over lines: an IP-kind cut counts a contract once per kind.
    let totals_cut = Cut {
        by: Vec::new(),
        ..cut.clone()
    };
    let totals = if cut.by.is_empty() {
        lines.first().map(|l| Totals {
            count: l.count,
            contract_amount_fen: l.contract_amount_fen,
            technology_amount_fen: l.technology_amount_fen,
        })
    } else {
        Box::pin(run(conn, &totals_cut))
            .await?
            .0
            .first()
            .map(|l| Totals {
                count: l.count,
                contract_amount_fen: l.contract_amount_fen,
                technology_amount_fen: l.technology_amount_fen,
            })
    }
    .unwrap_or(Totals {
        count: 0,
        contract_amount_fen: 0,
        technology_amount_fen: 0,
    });
    Ok((lines, totals))
}

/// An exact sum as the report carries it, or a clear refusal: never a wrapped number.
pub fn fen(sum: i128) -> Result<i64, StoreError> {
    i64::try_from(sum).map_err(|_| {
        StoreError::TooLarge(format!(
            "a total of this cut ({sum} fen) is beyond the largest amount a report carries \
             ({} fen); narrow the cut with from and to, or cut it by a dimension",
            i64::MAX
        ))
    })
}

/// 万元 with two decimals as a plain number (for spreadsheets), exact: 1万元 = 1,000,000 fen.
pub fn wan_number(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 1_000_000, (f % 1_000_000) / 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_numbers_are_exact() {
        assert_eq!(wan_number(123_456_789), "123.45");
        assert_eq!(wan_number(-1_000_000), "-1.00");
        assert_eq!(wan_number(0), "0.00");
    }

    #[test]
    fn dims_round_trip_by_name() {
        for d in Dim::ALL {
            assert_eq!(Dim::parse(d.name()), Some(d));
        }
        assert_eq!(Dim::parse("colour"), None);
    }
}

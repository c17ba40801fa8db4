//! Seeds the reference tables from the CSV files shipped in `migrations/reference/` (compiled
//! into the binary) and loads them back for validation. Seeding is an upsert, so a corrected
//! name in a CSV reaches an existing database at the next start.

use std::collections::BTreeMap;

use super::sql::{Arg, Conn};
use super::{Db, StoreError};
use crate::domain::reference::{ContractType, Country, Named, ReferenceData, Region, Zone};

const REGIONS: &str = include_str!("../../migrations/reference/regions.csv");
const COUNTRIES: &str = include_str!("../../migrations/reference/countries.csv");
const ZONES: &str = include_str!("../../migrations/reference/zones.csv");
const FIELDS: &str = include_str!("../../migrations/reference/technology_fields.csv");
const NATURES: &str = include_str!("../../migrations/reference/party_natures.csv");
const IP_KINDS: &str = include_str!("../../migrations/reference/ip_kinds.csv");
const REFUSALS: &str = include_str!("../../migrations/reference/refusal_reasons.csv");
const CONTRACT_TYPES: &str = include_str!("../../migrations/reference/contract_types.csv");

/// Parses a reference CSV whose rows have `columns` fields. The shipped files leave commas in
/// the last column (the English name, e.g. "Biology, medicine and medical devices") unquoted,
/// so surplus fields are joined back into the last column rather than refused.
fn records(csv_text: &str, columns: usize) -> Result<Vec<Vec<String>>, StoreError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (i, r) in reader.records().enumerate() {
        let r = r.map_err(|e| StoreError::Other(format!("reference CSV: {e}")))?;
        let fields: Vec<&str> = r.iter().collect();
        if fields.len() < columns {
            return Err(StoreError::Other(format!(
                "reference CSV: row {} has {} fields, expected {columns}",
                i + 2,
                fields.len()
            )));
        }
        let mut row: Vec<String> = fields[..columns - 1]
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        row.push(fields[columns - 1..].join(",").trim().to_string());
        out.push(row);
    }
    Ok(out)
}

async fn upsert_named(conn: &mut Conn<'_>, table: &str, csv_text: &str) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO {table} (code, name_zh, name_en) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en"
    );
    for r in records(csv_text, 3)? {
        conn.execute(
            &sql,
            &[
                Arg::Text(r[0].clone()),
                Arg::Text(r[1].clone()),
                Arg::Text(r[2].clone()),
            ],
        )
        .await?;
    }
    Ok(())
}

pub async fn seed(db: &Db) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let mut conn = tx.conn();
    for r in records(REGIONS, 5)? {
        let parent = Some(r[4].clone()).filter(|p| !p.is_empty());
        conn.execute(
            "INSERT INTO ref_regions (code, name_zh, name_en, level, parent) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             level = excluded.level, parent = excluded.parent",
            &[Arg::Text(r[0].clone()), Arg::Text(r[1].clone()), Arg::Text(r[2].clone()), Arg::Text(r[3].clone()), Arg::OptText(parent)],
        )
        .await?;
    }
    for r in records(COUNTRIES, 4)? {
        let gbt2260 = Some(r[3].clone()).filter(|c| !c.is_empty());
        conn.execute(
            "INSERT INTO ref_countries (code, name_zh, name_en, gbt2260) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             gbt2260 = excluded.gbt2260",
            &[Arg::Text(r[0].clone()), Arg::Text(r[1].clone()), Arg::Text(r[2].clone()), Arg::OptText(gbt2260)],
        )
        .await?;
    }
    for r in records(ZONES, 4)? {
        conn.execute(
            "INSERT INTO ref_zones (code, name_zh, name_en, spans_parts_of) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             spans_parts_of = excluded.spans_parts_of",
            &[Arg::Text(r[0].clone()), Arg::Text(r[1].clone()), Arg::Text(r[2].clone()), Arg::Text(r[3].clone())],
        )
        .await?;
    }
    upsert_named(&mut conn, "ref_technology_fields", FIELDS).await?;
    upsert_named(&mut conn, "ref_party_natures", NATURES).await?;
    upsert_named(&mut conn, "ref_ip_kinds", IP_KINDS).await?;
    upsert_named(&mut conn, "ref_refusal_reasons", REFUSALS).await?;
    for r in records(CONTRACT_TYPES, 5)? {
        conn.execute(
            "INSERT INTO ref_contract_types (taxonomy, contract_type, subtype, name_zh, name_en) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (taxonomy, contract_type, subtype) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en",
            &[Arg::Text(r[0].clone()), Arg::Text(r[1].clone()), Arg::Text(r[2].clone()), Arg::Text(r[3].clone()), Arg::Text(r[4].clone())],
        )
        .await?;
    }
    tx.commit().await
}

async fn load_named(
    conn: &mut Conn<'_>,
    table: &str,
) -> Result<BTreeMap<String, Named>, StoreError> {
    let rows = conn
        .fetch_all(&format!("SELECT code, name_zh, name_en FROM {table}"), &[])
        .await?;
    rows.iter()
        .map(|r| {
            let n = Named {
                code: r.text("code")?,
                name_zh: r.text("name_zh")?,
                name_en: r.text("name_en")?,
            };
            Ok((n.code.clone(), n))
        })
        .collect()
}

pub async fn load(db: &Db) -> Result<ReferenceData, StoreError> {
    let mut rc = db.read().await?;
    let mut conn = rc.conn();
    let mut data = ReferenceData::default();
    for r in conn
        .fetch_all(
            "SELECT code, name_zh, name_en, level, parent FROM ref_regions",
            &[],
        )
        .await?
    {
        let region = Region {
            code: r.text("code")?,
            name_zh: r.text("name_zh")?,
            name_en: r.text("name_en")?,
            level: r.text("level")?,
            parent: r.opt_text("parent")?,
        };
        data.regions.insert(region.code.clone(), region);
    }
    for r in conn
        .fetch_all(
            "SELECT code, name_zh, name_en, gbt2260 FROM ref_countries",
            &[],
        )
        .await?
    {
        let country = Country {
            code: r.text("code")?,
            name_zh: r.text("name_zh")?,
            name_en: r.text("name_en")?,
            gbt2260: r.opt_text("gbt2260")?,
        };
        data.countries.insert(country.code.clone(), country);
    }
    for r in conn
        .fetch_all(
            "SELECT code, name_zh, name_en, spans_parts_of FROM ref_zones",
            &[],
        )
        .await?
    {
        let zone = Zone {
            code: r.text("code")?,
            name_zh: r.text("name_zh")?,
            name_en: r.text("name_en")?,
            spans_parts_of: r
                .text("spans_parts_of")?
                .split(';')
                .map(|s| s.trim().to_string())
                .collect(),
        };
        data.zones.insert(zone.code.clone(), zone);
    }
    data.technology_fields = load_named(&mut conn, "ref_technology_fields").await?;
    data.party_natures = load_named(&mut conn, "ref_party_natures").await?;
    data.ip_kinds = load_named(&mut conn, "ref_ip_kinds").await?;
    data.refusal_reasons = load_named(&mut conn, "ref_refusal_reasons").await?;
    for r in conn
        .fetch_all("SELECT taxonomy, contract_type, subtype, name_zh, name_en FROM ref_contract_types ORDER BY taxonomy, contract_type, subtype", &[])
        .await?
    {
        data.contract_types.push(ContractType {
            taxonomy: r.text("taxonomy")?,
            contract_type: r.text("contract_type")?,
            subtype: Some(r.text("subtype")?).filter(|s| !s.is_empty()),
            name_zh: r.text("name_zh")?,
            name_en: r.text("name_en")?,
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_commas_stay_in_the_last_column() {
        let rows = records(FIELDS, 3).unwrap();
        let bio = rows.iter().find(|r| r[0] == "biomedicine").unwrap();
        assert_eq!(bio[2], "Biology, medicine and medical devices");
        let refusals = records(REFUSALS, 3).unwrap();
        assert!(refusals
            .iter()
            .any(|r| r[2] == "Subject matter, price or remuneration unclear"));
    }

    #[test]
    fn countries_are_the_assigned_iso_codes_and_name_their_gbt_twins() {
        let rows = records(COUNTRIES, 4).unwrap();
        let codes: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted, "sorted and unique");
        assert!(codes
            .iter()
            .all(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase())));
        // Names with commas are quoted, not spread over the last column.
        let kr = rows.iter().find(|r| r[0] == "KR").unwrap();
        assert_eq!(kr[2], "Korea, Republic of");
        assert_eq!(kr[3], "");
        // Every GB/T twin is a region of the regions table.
        let regions: Vec<String> = records(REGIONS, 5)
            .unwrap()
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        let twins: Vec<(&str, &str)> = rows
            .iter()
            .filter(|r| !r[3].is_empty())
            .map(|r| (r[0].as_str(), r[3].as_str()))
            .collect();
        assert_eq!(
            twins,
            [("HK", "810000"), ("MO", "820000"), ("TW", "710000")]
        );
        assert!(twins
            .iter()
            .all(|(_, gbt)| regions.iter().any(|r| r == gbt)));
        assert!(!codes.contains(&"XX") && codes.contains(&"CN"));
    }

    #[test]
    fn every_shipped_file_parses_with_its_column_count() {
        assert_eq!(records(REGIONS, 5).unwrap().len(), 72);
        assert_eq!(records(COUNTRIES, 4).unwrap().len(), 249);
        assert_eq!(records(ZONES, 4).unwrap().len(), 3);
        assert_eq!(records(CONTRACT_TYPES, 5).unwrap().len(), 23);
        assert!(records(NATURES, 3).unwrap().iter().any(|r| r[0] == "022"));
        assert!(records(IP_KINDS, 3)
            .unwrap()
            .iter()
            .any(|r| r[0] == "invention_patent"));
    }
}

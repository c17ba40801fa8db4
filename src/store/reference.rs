//! Seeds the reference tables from the CSV files shipped in `migrations/reference/` (compiled
//! into the binary) and loads them back for validation. Seeding is an upsert, so a corrected
//! name in a CSV reaches an existing database at the next start.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::sql::{Arg, Conn};
use super::{Db, StoreError};
use crate::domain::reference::{ContractType, Country, Named, ReferenceData, Region, Zone};
use crate::projections::rows;

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

fn text(s: &str) -> Arg {
    Arg::Text(s.to_string())
}

fn named_rows(table: &BTreeMap<String, Named>) -> Vec<Vec<Arg>> {
    table
        .values()
        .map(|n| vec![text(&n.code), text(&n.name_zh), text(&n.name_en)])
        .collect()
}

/// Upserts every shipped table. Many rows a statement: the regions alone are some 3,200 rows,
/// which one round trip each would make every start (and every test's fresh store) slow.
pub async fn seed(db: &Db) -> Result<(), StoreError> {
    let data = parse_shipped()?;
    let regions = data
        .regions
        .values()
        .map(|r| {
            vec![
                text(&r.code),
                text(&r.name_zh),
                text(&r.name_en),
                text(&r.level),
                Arg::OptText(r.parent.clone()),
            ]
        })
        .collect();
    let countries = data
        .countries
        .values()
        .map(|c| {
            vec![
                text(&c.code),
                text(&c.name_zh),
                text(&c.name_en),
                Arg::OptText(c.gbt2260.clone()),
            ]
        })
        .collect();
    let zones = data
        .zones
        .values()
        .map(|z| {
            vec![
                text(&z.code),
                text(&z.name_zh),
                text(&z.name_en),
                Arg::Text(z.spans_parts_of.join(";")),
            ]
        })
        .collect();
    // A type without subtypes has the empty subtype: the key's columns are not null.
    let contract_types = data
        .contract_types
        .iter()
        .map(|t| {
            vec![
                text(&t.taxonomy),
                text(&t.contract_type),
                text(t.subtype.as_deref().unwrap_or_default()),
                text(&t.name_zh),
                text(&t.name_en),
            ]
        })
        .collect();
    let named = ["code", "name_zh", "name_en"];
    let mut tx = db.begin().await?;
    let mut conn = tx.conn();
    for (table, columns, key, rows) in [
        (
            "ref_regions",
            &["code", "name_zh", "name_en", "level", "parent"][..],
            "code",
            regions,
        ),
        (
            "ref_countries",
            &["code", "name_zh", "name_en", "gbt2260"][..],
            "code",
            countries,
        ),
        (
            "ref_zones",
            &["code", "name_zh", "name_en", "spans_parts_of"][..],
            "code",
            zones,
        ),
        (
            "ref_technology_fields",
            &named[..],
            "code",
            named_rows(&data.technology_fields),
        ),
        (
            "ref_party_natures",
            &named[..],
            "code",
            named_rows(&data.party_natures),
        ),
        (
            "ref_ip_kinds",
            &named[..],
            "code",
            named_rows(&data.ip_kinds),
        ),
        (
            "ref_refusal_reasons",
            &named[..],
            "code",
            named_rows(&data.refusal_reasons),
        ),
        (
            "ref_contract_types",
            &["taxonomy", "contract_type", "subtype", "name_zh", "name_en"][..],
            "taxonomy, contract_type, subtype",
            contract_types,
        ),
    ] {
        rows::upsert(&mut conn, table, columns, key, rows).await?;
    }
    tx.commit().await
}

/// The shipped tables as parsed from the CSVs compiled in: what [`seed`] writes and [`load`]
/// reads back. For code that has no store at hand (a view, a projection's roll-up); the CSVs
/// are known to parse (the tests below).
pub fn shipped() -> &'static ReferenceData {
    static SHIPPED: OnceLock<ReferenceData> = OnceLock::new();
    SHIPPED.get_or_init(|| parse_shipped().expect("the shipped reference CSVs parse"))
}

fn named_map(csv_text: &str) -> Result<BTreeMap<String, Named>, StoreError> {
    Ok(records(csv_text, 3)?
        .into_iter()
        .map(|r| {
            let n = Named {
                code: r[0].clone(),
                name_zh: r[1].clone(),
                name_en: r[2].clone(),
            };
            (n.code.clone(), n)
        })
        .collect())
}

fn parse_shipped() -> Result<ReferenceData, StoreError> {
    let mut data = ReferenceData::default();
    for r in records(REGIONS, 5)? {
        let region = Region {
            code: r[0].clone(),
            name_zh: r[1].clone(),
            name_en: r[2].clone(),
            level: r[3].clone(),
            parent: Some(r[4].clone()).filter(|p| !p.is_empty()),
        };
        data.regions.insert(region.code.clone(), region);
    }
    for r in records(COUNTRIES, 4)? {
        let country = Country {
            code: r[0].clone(),
            name_zh: r[1].clone(),
            name_en: r[2].clone(),
            gbt2260: Some(r[3].clone()).filter(|c| !c.is_empty()),
        };
        data.countries.insert(country.code.clone(), country);
    }
    for r in records(ZONES, 4)? {
        let zone = Zone {
            code: r[0].clone(),
            name_zh: r[1].clone(),
            name_en: r[2].clone(),
            spans_parts_of: r[3].split(';').map(|s| s.trim().to_string()).collect(),
        };
        data.zones.insert(zone.code.clone(), zone);
    }
    data.technology_fields = named_map(FIELDS)?;
    data.party_natures = named_map(NATURES)?;
    data.ip_kinds = named_map(IP_KINDS)?;
    data.refusal_reasons = named_map(REFUSALS)?;
    let mut types = records(CONTRACT_TYPES, 5)?;
    types.sort();
    data.contract_types = types
        .into_iter()
        .map(|r| ContractType {
            taxonomy: r[0].clone(),
            contract_type: r[1].clone(),
            subtype: Some(r[2].clone()).filter(|s| !s.is_empty()),
            name_zh: r[3].clone(),
            name_en: r[4].clone(),
        })
        .collect();
    Ok(data)
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
        assert_eq!(records(REGIONS, 5).unwrap().len(), 3218);
        assert_eq!(records(COUNTRIES, 4).unwrap().len(), 249);
        assert_eq!(records(ZONES, 4).unwrap().len(), 3);
        assert_eq!(records(CONTRACT_TYPES, 5).unwrap().len(), 23);
        assert!(records(NATURES, 3).unwrap().iter().any(|r| r[0] == "022"));
        assert!(records(IP_KINDS, 3)
            .unwrap()
            .iter()
            .any(|r| r[0] == "invention_patent"));
    }

    #[test]
    fn every_county_rolls_up_through_its_city_to_the_province_its_code_names() {
        let refs = shipped();
        let jinjiang = &refs.regions["510104"];
        assert_eq!(
            (jinjiang.name_zh.as_str(), jinjiang.level.as_str()),
            ("锦江区", "district")
        );
        assert_eq!(jinjiang.parent.as_deref(), Some("510100"));
        assert_eq!(refs.regions["510100"].parent.as_deref(), Some("510000"));
        assert_eq!(refs.province_of("510104"), Some("510000"));
        for (code, region) in &refs.regions {
            let province = refs.province_of(code).unwrap();
            assert_eq!(refs.regions[province].level, "province", "{code}");
            // GB/T 2260 spells the province in a code's first two digits: the parent chain and
            // the code agree, so statistics rolled up either way are the same.
            assert_eq!(province, format!("{}0000", &code[..2]), "{code}");
            if let Some(parent) = &region.parent {
                assert!(refs.regions.contains_key(parent), "{code}: parent {parent}");
            }
        }
    }

    #[test]
    fn chongqing_keeps_its_hand_written_rows() {
        let refs = shipped();
        let chongqing: Vec<&Region> = refs
            .regions
            .values()
            .filter(|r| r.code.starts_with("50") && r.code != "500000")
            .collect();
        assert_eq!(chongqing.len(), 38);
        assert!(chongqing
            .iter()
            .all(|r| r.parent.as_deref() == Some("500000") && !r.name_en.is_empty()));
        assert_eq!(refs.regions["500106"].name_en, "Shapingba");
    }

    #[test]
    fn the_shipped_tables_are_what_the_seed_writes() {
        let refs = shipped();
        assert_eq!(refs.regions.len(), records(REGIONS, 5).unwrap().len());
        assert_eq!(refs.countries.len(), 249);
        assert_eq!(refs.contract_types.len(), 23);
        assert_eq!(
            refs.technology_fields["new_materials"].name_zh,
            "新材料及其应用"
        );
    }
}

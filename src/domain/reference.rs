//! Reference codes (regions, zones, fields, party natures, IP kinds, contract types, refusal
//! reasons). The CSV files under `migrations/reference/` are seeded into tables at start-up; this
//! module holds them in memory and parses raw strings into codes that are known to exist.

use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: String,
    pub parent: Option<String>,
}

/// An ISO 3166-1 alpha-2 country code, for parties abroad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The GB/T 2260 code of the same place (Hong Kong 810000, Macao 820000, Taiwan 710000):
    /// that code is what is stored, whichever of the two the input used.
    pub gbt2260: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Districts the zone covers part of: an organization in the zone must be in one of them.
    pub spans_parts_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractType {
    pub taxonomy: String,
    pub contract_type: String,
    pub subtype: Option<String>,
    pub name_zh: String,
    pub name_en: String,
}

/// All reference tables, as loaded from the store.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    pub regions: BTreeMap<String, Region>,
    pub countries: BTreeMap<String, Country>,
    pub zones: BTreeMap<String, Zone>,
    pub technology_fields: BTreeMap<String, Named>,
    pub party_natures: BTreeMap<String, Named>,
    pub ip_kinds: BTreeMap<String, Named>,
    pub refusal_reasons: BTreeMap<String, Named>,
    pub contract_types: Vec<ContractType>,
}

/// How many levels a parent chain may climb (province, prefecture, county): a loop in a
/// corrupted table ends there instead of spinning.
const MAX_DEPTH: usize = 4;

impl ReferenceData {
    /// The province-level code a region rolls up to by its parent chain (a county → its
    /// prefecture → its province; itself for a province), `None` abroad.
    pub fn province_of(&self, code: &str) -> Option<&str> {
        let mut r = self.regions.get(code)?;
        for _ in 0..MAX_DEPTH {
            match r.parent.as_deref().and_then(|p| self.regions.get(p)) {
                Some(parent) => r = parent,
                None => break,
            }
        }
        Some(&r.code)
    }

    /// `code` and every region below it (a province's prefectures and counties).
    pub fn region_and_below(&self, code: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .regions
            .get_key_value(code)
            .map(|(k, _)| k.as_str())
            .into_iter()
            .collect();
        let mut i = 0;
        while i < out.len() {
            let at = out[i];
            out.extend(
                self.regions
                    .values()
                    .filter(|r| r.parent.as_deref() == Some(at))
                    .map(|r| r.code.as_str()),
            );
            i += 1;
        }
        out
    }

    /// The Chinese name of a region, or of a country for a party abroad.
    pub fn region_name(&self, code: &str) -> Option<&str> {
        self.regions
            .get(code)
            .map(|r| r.name_zh.as_str())
            .or_else(|| self.countries.get(code).map(|c| c.name_zh.as_str()))
    }

    pub fn field_name(&self, code: &str) -> Option<&str> {
        self.technology_fields.get(code).map(|n| n.name_zh.as_str())
    }

    pub fn nature_name(&self, code: &str) -> Option<&str> {
        self.party_natures.get(code).map(|n| n.name_zh.as_str())
    }

    pub fn zone_name(&self, code: &str) -> Option<&str> {
        self.zones.get(code).map(|z| z.name_zh.as_str())
    }

    pub fn ip_kind_name(&self, code: &str) -> Option<&str> {
        self.ip_kinds.get(code).map(|n| n.name_zh.as_str())
    }

    /// The name of a contract type row (taxonomy, type, subtype).
    pub fn contract_type_name(
        &self,
        taxonomy: &str,
        contract_type: &str,
        subtype: Option<&str>,
    ) -> Option<&str> {
        self.contract_types
            .iter()
            .find(|t| {
                t.taxonomy == taxonomy
                    && t.contract_type == contract_type
                    && t.subtype.as_deref() == subtype
            })
            .map(|t| t.name_zh.as_str())
    }

    /// The name of a type whatever its subtype: the table names rows, "技术转让（专利权转让）",
    /// so a type's name is the part before the subtype's brackets.
    pub fn type_name(&self, contract_type: &str) -> Option<&str> {
        self.contract_types
            .iter()
            .find(|t| t.contract_type == contract_type)
            .map(|t| t.name_zh.split('（').next().unwrap_or(&t.name_zh))
    }

    /// The name of a subtype whatever its type: the bracketed part of its row's name, or the
    /// whole name where the row has no brackets (技术培训).
    pub fn subtype_name(&self, subtype: &str) -> Option<&str> {
        self.contract_types
            .iter()
            .find(|t| t.subtype.as_deref() == Some(subtype))
            .map(|t| match t.name_zh.split_once('（') {
                Some((_, inner)) => inner.trim_end_matches('）'),
                None => t.name_zh.as_str(),
            })
    }
}

/// Marker types that say which table a [`Code`] was checked against.
pub mod kind {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct TechnologyField;
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct IpKind;
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct PartyNature;
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Zone;
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Region;
}

/// A code known to exist in one reference table. Only `parse` (or deserializing a stored event,
/// which was parsed when it was decided) makes one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Code<K> {
    code: String,
    #[serde(skip)]
    _kind: PhantomData<K>,
}

impl<K> Code<K> {
    fn known(code: &str) -> Self {
        Self {
            code: code.to_string(),
            _kind: PhantomData,
        }
    }
    pub fn as_str(&self) -> &str {
        &self.code
    }
    /// For tests and for codes re-read from the store, where they were validated on the way in.
    pub fn trusted(code: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            _kind: PhantomData,
        }
    }
}

impl<K> std::fmt::Display for Code<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)
    }
}

fn lookup<K, V>(
    table: &BTreeMap<String, V>,
    field: &str,
    raw: &str,
    what: &str,
) -> Result<Code<K>, FieldError> {
    if table.contains_key(raw) {
        Ok(Code::known(raw))
    } else {
        Err(FieldError::new(
            field,
            format!("unknown {what} code '{}'", truncate(raw)),
        ))
    }
}

/// Echoing a 10 kB "code" back in an error helps nobody.
fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

pub type TechnologyField = Code<kind::TechnologyField>;
pub type IpKind = Code<kind::IpKind>;
pub type PartyNature = Code<kind::PartyNature>;
pub type ZoneCode = Code<kind::Zone>;
pub type RegionCode = Code<kind::Region>;

impl TechnologyField {
    pub fn parse(field: &str, raw: &str, refs: &ReferenceData) -> Result<Self, FieldError> {
        lookup(&refs.technology_fields, field, raw, "technology field")
    }
}
impl IpKind {
    pub fn parse(field: &str, raw: &str, refs: &ReferenceData) -> Result<Self, FieldError> {
        lookup(&refs.ip_kinds, field, raw, "IP kind")
    }
}
impl PartyNature {
    pub fn parse(field: &str, raw: &str, refs: &ReferenceData) -> Result<Self, FieldError> {
        lookup(&refs.party_natures, field, raw, "party nature")
    }
}
impl ZoneCode {
    /// A zone is declared, never derived, but it must overlap the organization's district.
    pub fn parse_for_region(
        field: &str,
        raw: &str,
        region: &RegionCode,
        refs: &ReferenceData,
    ) -> Result<Self, FieldError> {
        let zone = refs.zones.get(raw).ok_or_else(|| {
            FieldError::new(field, format!("unknown zone code '{}'", truncate(raw)))
        })?;
        if !zone.spans_parts_of.iter().any(|d| d == region.as_str()) {
            return Err(FieldError::new(
                field,
                format!(
                    "zone '{}' does not span region '{}'",
                    zone.code,
                    region.as_str()
                ),
            ));
        }
        Ok(Code::known(raw))
    }
}
impl RegionCode {
    /// A GB/T 2260 code from the reference table, or for a party abroad an ISO 3166-1 alpha-2
    /// code from the country table. Chinese parties use the GB/T code, so `CN` is refused. Hong
    /// Kong, Macao and Taiwan have both; their GB/T code (810000, 820000, 710000) is the one kept,
    /// so storage, statistics and the flow classification see one code for one place.
    pub fn parse(field: &str, raw: &str, refs: &ReferenceData) -> Result<Self, FieldError> {
        if refs.regions.contains_key(raw) {
            return Ok(Code::known(raw));
        }
        if let Some(country) = refs.countries.get(raw) {
            if let Some(gbt) = country.gbt2260.as_deref() {
                if refs.regions.contains_key(gbt) {
                    return Ok(Code::known(gbt));
                }
            }
            if raw == "CN" {
                return Err(FieldError::new(
                    field,
                    "Chinese parties use a GB/T 2260 region code, not CN",
                ));
            }
            return Ok(Code::known(raw));
        }
        Err(FieldError::new(
            field,
            format!("unknown region code '{}': use a GB/T 2260 code or an ISO 3166-1 alpha-2 country code", truncate(raw)),
        ))
    }
    pub fn is_abroad(&self) -> bool {
        self.code.len() == 2
    }
}

/// Checks that a list of codes has no repeats; returns the sorted set.
pub fn distinct<K: Clone + Ord>(
    field: &str,
    codes: Vec<Code<K>>,
) -> Result<Vec<Code<K>>, FieldError> {
    let n = codes.len();
    let set: BTreeSet<Code<K>> = codes.into_iter().collect();
    if set.len() != n {
        return Err(FieldError::new(field, "must not repeat a code"));
    }
    Ok(set.into_iter().collect())
}

/// A tiny reference set for unit tests, shaped like the seeded one.
#[cfg(test)]
pub fn sample() -> ReferenceData {
    let named = |code: &str| Named {
        code: code.into(),
        name_zh: code.into(),
        name_en: code.into(),
    };
    let mut r = ReferenceData::default();
    for (code, parent) in [
        ("500000", None),
        ("500106", Some("500000")),
        ("500112", Some("500000")),
        ("510000", None),
        ("710000", None),
        ("810000", None),
        ("820000", None),
    ] {
        r.regions.insert(
            code.into(),
            Region {
                code: code.into(),
                name_zh: code.into(),
                name_en: code.into(),
                level: if parent.is_some() {
                    "district".into()
                } else {
                    "province".into()
                },
                parent: parent.map(Into::into),
            },
        );
    }
    for (code, gbt) in [
        ("DE", None),
        ("US", None),
        ("CN", None),
        ("HK", Some("810000")),
        ("MO", Some("820000")),
        ("TW", Some("710000")),
    ] {
        r.countries.insert(
            code.into(),
            Country {
                code: code.into(),
                name_zh: code.into(),
                name_en: code.into(),
                gbt2260: gbt.map(Into::into),
            },
        );
    }
    r.zones.insert(
        "liangjiang".into(),
        Zone {
            code: "liangjiang".into(),
            name_zh: "".into(),
            name_en: "".into(),
            spans_parts_of: vec!["500112".into()],
        },
    );
    for c in ["new_energy", "new_materials", "electronic_information"] {
        r.technology_fields.insert(c.into(), named(c));
    }
    for c in ["invention_patent", "utility_model", "software_copyright"] {
        r.ip_kinds.insert(c.into(), named(c));
    }
    for c in ["021", "022", "170"] {
        r.party_natures.insert(c.into(), named(c));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_accepts_gbt_codes_and_foreign_iso_codes_only() {
        let r = sample();
        assert!(RegionCode::parse("region", "500106", &r).is_ok());
        assert!(RegionCode::parse("region", "DE", &r).unwrap().is_abroad());
        assert_eq!(
            RegionCode::parse("region", "CN", &r).unwrap_err().field,
            "region"
        );
        assert!(RegionCode::parse("region", "999999", &r).is_err());
        assert!(RegionCode::parse("region", "de", &r).is_err());
    }

    #[test]
    fn a_foreign_code_must_be_an_assigned_iso_country() {
        let r = sample();
        assert_eq!(
            RegionCode::parse("region", "US", &r).unwrap().as_str(),
            "US"
        );
        for bogus in ["XX", "ZZ", "AA", "EU", "UK"] {
            let e = RegionCode::parse("seller.region", bogus, &r).unwrap_err();
            assert_eq!(e.field, "seller.region");
            assert!(e.message.contains(bogus), "{}", e.message);
        }
        let e = RegionCode::parse("region", "CN", &r).unwrap_err();
        assert!(e.message.contains("GB/T 2260"), "{}", e.message);
    }

    #[test]
    fn hong_kong_macao_and_taiwan_are_one_code_whichever_is_used() {
        let r = sample();
        for (iso, gbt) in [("HK", "810000"), ("MO", "820000"), ("TW", "710000")] {
            let by_iso = RegionCode::parse("region", iso, &r).unwrap();
            let by_gbt = RegionCode::parse("region", gbt, &r).unwrap();
            assert_eq!(by_iso, by_gbt);
            assert_eq!(by_iso.as_str(), gbt);
            assert!(!by_iso.is_abroad());
            assert_eq!(r.province_of(by_iso.as_str()), Some(gbt));
        }
    }

    #[test]
    fn zone_must_span_the_region() {
        let r = sample();
        let yubei = RegionCode::parse("region", "500112", &r).unwrap();
        let shapingba = RegionCode::parse("region", "500106", &r).unwrap();
        assert!(ZoneCode::parse_for_region("zone", "liangjiang", &yubei, &r).is_ok());
        assert!(ZoneCode::parse_for_region("zone", "liangjiang", &shapingba, &r).is_err());
        assert!(ZoneCode::parse_for_region("zone", "nowhere", &yubei, &r).is_err());
    }

    #[test]
    fn unknown_codes_are_refused_with_the_field_name() {
        let r = sample();
        let e = TechnologyField::parse("field", "alchemy", &r).unwrap_err();
        assert_eq!(e.field, "field");
        assert!(e.message.contains("alchemy"));
        assert!(IpKind::parse("ip", "invention_patent", &r).is_ok());
        assert!(PartyNature::parse("nature", "999", &r).is_err());
    }

    #[test]
    fn province_rolls_up_districts() {
        let r = sample();
        assert_eq!(r.province_of("500106"), Some("500000"));
        assert_eq!(r.province_of("510000"), Some("510000"));
        assert_eq!(r.province_of("DE"), None);
    }

    #[test]
    fn a_county_rolls_up_through_its_city() {
        let mut r = sample();
        for (code, parent) in [("510100", "510000"), ("510104", "510100")] {
            r.regions.insert(
                code.into(),
                Region {
                    code: code.into(),
                    name_zh: code.into(),
                    name_en: String::new(),
                    level: "city".into(),
                    parent: Some(parent.into()),
                },
            );
        }
        assert_eq!(r.province_of("510104"), Some("510000"));
        assert_eq!(r.province_of("510100"), Some("510000"));
        assert_eq!(r.region_and_below("510000"), ["510000", "510100", "510104"]);
        assert_eq!(r.region_and_below("510104"), ["510104"]);
        assert!(r.region_and_below("999999").is_empty());
    }

    #[test]
    fn names_come_from_the_tables() {
        let mut r = sample();
        r.contract_types.push(ContractType {
            taxonomy: "2026".into(),
            contract_type: "transfer".into(),
            subtype: Some("patent_right".into()),
            name_zh: "技术转让（专利权转让）".into(),
            name_en: String::new(),
        });
        r.contract_types.push(ContractType {
            taxonomy: "2026".into(),
            contract_type: "consulting".into(),
            subtype: None,
            name_zh: "技术咨询".into(),
            name_en: String::new(),
        });
        assert_eq!(r.type_name("transfer"), Some("技术转让"));
        assert_eq!(r.subtype_name("patent_right"), Some("专利权转让"));
        assert_eq!(r.type_name("consulting"), Some("技术咨询"));
        assert_eq!(
            r.contract_type_name("2026", "consulting", None),
            Some("技术咨询")
        );
        assert_eq!(r.contract_type_name("2001", "consulting", None), None);
        assert_eq!(r.region_name("DE"), Some("DE"));
        assert_eq!(r.region_name("nowhere"), None);
    }
}

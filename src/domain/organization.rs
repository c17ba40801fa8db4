//! Organizations: every user belongs to one. Party nature, region and zone are checked against
//! the reference data because contract statistics are cut by them.

use serde::Deserialize;

use super::error::Validation;
use super::reference::{PartyNature, ReferenceData, RegionCode, ZoneCode};
use super::text::Title;
use super::DomainError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    pub name: String,
    pub party_nature: String,
    pub region: String,
    #[serde(default)]
    pub zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganization {
    pub name: Title,
    pub party_nature: PartyNature,
    pub region: RegionCode,
    pub zone: Option<ZoneCode>,
}

impl NewOrganization {
    pub fn parse(input: OrganizationInput, refs: &ReferenceData) -> Result<Self, DomainError> {
        let mut v = Validation::new();
        let name = v.take(Title::parse("name", &input.name, 200));
        let party_nature = v.take(PartyNature::parse(
            "party_nature",
            &input.party_nature,
            refs,
        ));
        let region = v.take(RegionCode::parse("region", &input.region, refs));
        let zone = match (&input.zone, &region) {
            (Some(z), Some(r)) => v.take(ZoneCode::parse_for_region("zone", z, r, refs)),
            _ => None,
        };
        v.finish()?;
        Ok(Self {
            name: name.expect("validated"),
            party_nature: party_nature.expect("validated"),
            region: region.expect("validated"),
            zone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reference::sample;

    fn input(nature: &str, region: &str, zone: Option<&str>) -> OrganizationInput {
        OrganizationInput {
            name: "重庆大学".into(),
            party_nature: nature.into(),
            region: region.into(),
            zone: zone.map(Into::into),
        }
    }

    #[test]
    fn a_valid_organization_parses_with_its_zone() {
        let org =
            NewOrganization::parse(input("022", "500112", Some("liangjiang")), &sample()).unwrap();
        assert_eq!(org.zone.unwrap().as_str(), "liangjiang");
        assert!(NewOrganization::parse(input("170", "DE", None), &sample())
            .unwrap()
            .region
            .is_abroad());
    }

    #[test]
    fn invalid_codes_are_each_reported() {
        let DomainError::Invalid(errors) =
            NewOrganization::parse(input("999", "123456", None), &sample()).unwrap_err()
        else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["party_nature", "region"]);
    }

    #[test]
    fn a_zone_outside_the_region_is_refused() {
        let DomainError::Invalid(errors) =
            NewOrganization::parse(input("022", "500106", Some("liangjiang")), &sample())
                .unwrap_err()
        else {
            panic!()
        };
        assert_eq!(errors[0].field, "zone");
    }
}

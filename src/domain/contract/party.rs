//! The parties to a contract, as they arrive and as validated.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::NAME_MAX;
use crate::domain::error::Validation;
use crate::domain::reference::{PartyNature, ReferenceData, RegionCode, ZoneCode};
use crate::domain::text::Title;
use crate::domain::DomainError;

/// A party to the contract (seller: 卖方 / 受托方; buyer: 买方 / 委托方).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The party's organization on the platform, when it has one.
    pub organization_id: Option<Uuid>,
    pub name: Title,
    pub party_nature: PartyNature,
    pub region: RegionCode,
    /// The development zone (`zones.csv`) the party declares, spanning its region; registrations
    /// stored before zones were recorded read back without one.
    #[serde(default)]
    pub zone: Option<ZoneCode>,
}

/// A party as it arrives in a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    pub name: String,
    pub party_nature: String,
    pub region: String,
    #[serde(default)]
    pub zone: Option<String>,
}

impl Party {
    /// Validates a party, naming fields under `path` (`seller.region`).
    pub fn parse(
        path: &str,
        input: &PartyInput,
        refs: &ReferenceData,
    ) -> Result<Party, DomainError> {
        let mut v = Validation::new();
        let party = parse_party(&mut v, path, input, refs);
        v.finish()?;
        Ok(party.expect("a missing party recorded a field error"))
    }
}

pub(super) fn parse_party(
    v: &mut Validation,
    path: &str,
    input: &PartyInput,
    refs: &ReferenceData,
) -> Option<Party> {
    let name = v.take(Title::parse(&format!("{path}.name"), &input.name, NAME_MAX));
    let party_nature = v.take(PartyNature::parse(
        &format!("{path}.party_nature"),
        &input.party_nature,
        refs,
    ));
    let region = v.take(RegionCode::parse(
        &format!("{path}.region"),
        &input.region,
        refs,
    ));
    // A zone is judged against the region it must span; without a region it cannot be.
    let zone = match (&input.zone, &region) {
        (Some(raw), Some(region)) => Some(v.take(ZoneCode::parse_for_region(
            &format!("{path}.zone"),
            raw,
            region,
            refs,
        ))?),
        _ => None,
    };
    Some(Party {
        organization_id: input.organization_id,
        name: name?,
        party_nature: party_nature?,
        region: region?,
        zone,
    })
}

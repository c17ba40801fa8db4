//! What each contract event contributes to the statistics, as signed deltas ("facts").
//!
//! A registration (or the import of a contract registered before the platform) adds the
//! contract (+1, its amounts) on its registration date. An amendment
//! retracts the contract as it was (−1, old amounts, old parties) and adds it as it is now (+1,
//! new amounts, new parties) on the amendment's date, so every cut moves by exactly the
//! difference. Cancellation and revocation retract it on their date. Every fact also carries the
//! contract's signing date (the other date basis) and the instant the event was recorded (for
//! `as_of`). Summing facts is the whole of the statistics, which is what makes them exact.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::contract::{ContractData, ContractEvent, Party};
use crate::projections::search;
use crate::store::reference::shipped;

/// The province a party's region rolls up to by the reference table's parent chain (锦江区
/// 510104 → 成都市 510100 → 四川省 510000); `None` abroad. A code the table no longer has
/// (stored before a division was renumbered) still rolls up by its first two digits.
fn province_of(region: &str) -> Option<String> {
    shipped()
        .province_of(region)
        .map(str::to_string)
        .or_else(|| search::province_of(region))
}

/// The dimensions a fact can be cut by (besides period and IP kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dims {
    pub taxonomy: String,
    pub contract_type: String,
    pub subtype: String,
    pub field: String,
    pub seller_nature: String,
    pub buyer_nature: String,
    pub seller_region: String,
    pub buyer_region: String,
    pub seller_province: String,
    pub buyer_province: String,
    pub seller_zone: String,
    pub buyer_zone: String,
    pub flow: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    pub contract_id: Uuid,
    /// The event's version in its stream, and which half of an amendment (0 retract, 1 add).
    pub seq: i64,
    pub part: i64,
    pub recorded_at: DateTime<Utc>,
    pub registered_basis: NaiveDate,
    pub signing_date: NaiveDate,
    pub count: i64,
    pub contract_amount_fen: i64,
    pub technology_amount_fen: i64,
    pub dims: Dims,
    pub ip_kinds: Vec<String>,
}

const CHONGQING: &str = "500000";
const SICHUAN: &str = "510000";

/// Where the technology flows, seen from Chongqing: within Chongqing, between Chongqing and
/// Sichuan, with the rest of China, or abroad (either party outside China).
pub fn flow(seller_region: &str, buyer_region: &str) -> &'static str {
    let (s, b) = (province_of(seller_region), province_of(buyer_region));
    match (s.as_deref(), b.as_deref()) {
        (None, _) | (_, None) => "abroad",
        (Some(CHONGQING), Some(CHONGQING)) => "within_chongqing",
        (Some(CHONGQING), Some(SICHUAN)) | (Some(SICHUAN), Some(CHONGQING)) => "chongqing_sichuan",
        _ => "rest_of_china",
    }
}

fn dims(c: &ContractData, seller: &Party, buyer: &Party) -> Dims {
    let t = &c.content.contract_type;
    let (sr, br) = (seller.region.as_str(), buyer.region.as_str());
    Dims {
        taxonomy: t.taxonomy.clone(),
        contract_type: t.contract_type.clone(),
        subtype: t.subtype.clone().unwrap_or_default(),
        field: c.content.field.as_str().to_string(),
        seller_nature: seller.party_nature.as_str().to_string(),
        buyer_nature: buyer.party_nature.as_str().to_string(),
        seller_region: sr.to_string(),
        buyer_region: br.to_string(),
        seller_province: province_of(sr).unwrap_or_else(|| sr.to_string()),
        buyer_province: province_of(br).unwrap_or_else(|| br.to_string()),
        seller_zone: seller
            .zone
            .as_ref()
            .map(|z| z.as_str().to_string())
            .unwrap_or_default(),
        buyer_zone: buyer
            .zone
            .as_ref()
            .map(|z| z.as_str().to_string())
            .unwrap_or_default(),
        flow: flow(sr, br),
    }
}

/// The facts one event adds, given the contract before and after it.
pub fn facts_for(
    contract_id: Uuid,
    seq: i64,
    recorded_at: DateTime<Utc>,
    before: Option<&ContractData>,
    after: &ContractData,
    event: &ContractEvent,
) -> Vec<Fact> {
    let ip_kinds: Vec<String> = after
        .content
        .ip_kinds
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    let fact = |c: &ContractData, part: i64, sign: i64, on: NaiveDate| {
        let (seller, buyer) = c.current_parties();
        let (amount, tech) = c.current_amounts();
        Fact {
            contract_id,
            seq,
            part,
            recorded_at,
            registered_basis: on,
            signing_date: c.content.signing_date,
            count: sign,
            contract_amount_fen: sign * amount,
            technology_amount_fen: sign * tech,
            dims: dims(c, seller, buyer),
            ip_kinds: ip_kinds.clone(),
        }
    };
    match (event, before) {
        (
            ContractEvent::Registered { registered_on, .. }
            | ContractEvent::Imported { registered_on, .. },
            _,
        ) => {
            vec![fact(after, 1, 1, *registered_on)]
        }
        (ContractEvent::Amended { amendment }, Some(before)) => vec![
            fact(before, 0, -1, amendment.effective_on),
            fact(after, 1, 1, amendment.effective_on),
        ],
        (ContractEvent::Cancelled { on, .. } | ContractEvent::Revoked { on, .. }, Some(before)) => {
            vec![fact(before, 0, -1, *on)]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::flow;

    #[test]
    fn flows_are_seen_from_chongqing() {
        assert_eq!(flow("500106", "500112"), "within_chongqing");
        assert_eq!(flow("500106", "510000"), "chongqing_sichuan");
        assert_eq!(flow("510000", "500103"), "chongqing_sichuan");
        assert_eq!(flow("500106", "440000"), "rest_of_china");
        assert_eq!(flow("500106", "DE"), "abroad");
        assert_eq!(flow("US", "500106"), "abroad");
    }

    #[test]
    fn a_chengdu_district_is_sichuan() {
        assert_eq!(super::province_of("510104").as_deref(), Some("510000"));
        assert_eq!(flow("510104", "500106"), "chongqing_sichuan");
        assert_eq!(flow("510104", "440305"), "rest_of_china");
    }

    #[test]
    fn hong_kong_macao_and_taiwan_are_china_outside_chongqing_and_sichuan() {
        // Stored under their GB/T codes (HK, MO and TW are normalised when parsed).
        for region in ["810000", "820000", "710000"] {
            assert_eq!(flow("500106", region), "rest_of_china");
            assert_eq!(flow(region, "510000"), "rest_of_china");
        }
    }
}

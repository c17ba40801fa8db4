//! Names beside the codes of a statistics cut (issue 17): a line cut by `field` also says
//! `field_name: 新材料及其应用`, in JSON and in the CSV download. The CSV is for people opening
//! it in a spreadsheet: a UTF-8 byte-order mark, without which Excel reads the Chinese names as
//! another code page, and a name column after each code column.

use crate::domain::reference::ReferenceData;
use crate::projections::contract_stats::query::{wan_number, Cut, Dim, Line, Totals};

/// The UTF-8 byte-order mark.
const BOM: &str = "\u{feff}";

/// The name of `key` in dimension `dim`: `None` for a dimension without a code table (period,
/// taxonomy, flow), `Some(None)` for a code without a name (no zone, no subtype).
pub(super) fn name_of<'r>(dim: Dim, key: &str, refs: &'r ReferenceData) -> Option<Option<&'r str>> {
    Some(match dim {
        Dim::Period | Dim::Taxonomy | Dim::Flow => return None,
        Dim::Type => refs.type_name(key),
        Dim::Subtype => refs.subtype_name(key),
        Dim::Field => refs.field_name(key),
        Dim::SellerNature | Dim::BuyerNature => refs.nature_name(key),
        Dim::SellerRegion | Dim::BuyerRegion | Dim::SellerProvince | Dim::BuyerProvince => {
            refs.region_name(key)
        }
        Dim::SellerZone | Dim::BuyerZone => refs.zone_name(key),
        Dim::IpKind => refs.ip_kind_name(key),
    })
}

fn has_names(dim: Dim) -> bool {
    name_of(dim, "", &ReferenceData::default()).is_some()
}

/// The cut as CSV: its lines, then a `total` line; fen and 万元 columns, a `<dim>_name` column
/// after each coded dimension's.
pub(super) fn to_csv(
    cut: &Cut,
    lines: &[Line],
    totals: &Totals,
    refs: &ReferenceData,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(BOM.as_bytes().to_vec());
    let mut header: Vec<String> = Vec::new();
    for d in &cut.by {
        header.push(d.name().into());
        if has_names(*d) {
            header.push(format!("{}_name", d.name()));
        }
    }
    if header.is_empty() {
        header.push("row".into());
    }
    header.extend(
        [
            "count",
            "contract_amount_fen",
            "technology_amount_fen",
            "contract_amount_wan",
            "technology_amount_wan",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    let mut write = |keys: Vec<String>, count: i64, amount: i64, tech: i64| {
        let mut rec = keys;
        rec.extend([
            count.to_string(),
            amount.to_string(),
            tech.to_string(),
            wan_number(amount),
            wan_number(tech),
        ]);
        w.write_record(&rec)
    };
    // A cut by nothing has one line, the totals themselves: written once, as the totals.
    for l in lines.iter().filter(|_| !cut.by.is_empty()) {
        let mut keys = Vec::new();
        for (d, k) in cut.by.iter().zip(&l.keys) {
            keys.push(k.clone());
            if let Some(name) = name_of(*d, k, refs) {
                keys.push(name.unwrap_or_default().to_string());
            }
        }
        write(
            keys,
            l.count,
            l.contract_amount_fen,
            l.technology_amount_fen,
        )?;
    }
    let width = header.len() - 5;
    let mut total_keys = vec![String::new(); width];
    total_keys[0] = "total".into();
    write(
        total_keys,
        totals.count,
        totals.contract_amount_fen,
        totals.technology_amount_fen,
    )?;
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reference::shipped;

    fn cut(by: Vec<Dim>) -> Cut {
        Cut {
            by,
            ..Cut::default()
        }
    }

    fn totals() -> Totals {
        Totals {
            count: 1,
            contract_amount_fen: 25_000_000,
            technology_amount_fen: 25_000_000,
        }
    }

    #[test]
    fn codes_get_their_names_in_a_column_of_their_own() {
        let line = Line {
            keys: vec!["510000".into(), "chongqing_sichuan".into()],
            count: 1,
            contract_amount_fen: 25_000_000,
            technology_amount_fen: 25_000_000,
        };
        let bytes = to_csv(
            &cut(vec![Dim::SellerProvince, Dim::Flow]),
            &[line],
            &totals(),
            shipped(),
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let text = text.strip_prefix(BOM).expect("a byte-order mark first");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "seller_province,seller_province_name,flow,count,contract_amount_fen,\
                 technology_amount_fen,contract_amount_wan,technology_amount_wan",
                "510000,四川省,chongqing_sichuan,1,25000000,25000000,25.00,25.00",
                "total,,,1,25000000,25000000,25.00,25.00",
            ]
        );
    }

    #[test]
    fn a_cut_by_nothing_is_its_totals() {
        let bytes = to_csv(&cut(vec![]), &[], &totals(), shipped()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text.strip_prefix(BOM).unwrap().lines().collect::<Vec<_>>(),
            [
                "row,count,contract_amount_fen,technology_amount_fen,contract_amount_wan,\
                 technology_amount_wan",
                "total,1,25000000,25000000,25.00,25.00",
            ]
        );
    }

    #[test]
    fn types_and_subtypes_are_named_from_their_rows() {
        let refs = shipped();
        assert_eq!(name_of(Dim::Type, "license", refs), Some(Some("技术许可")));
        assert_eq!(
            name_of(Dim::Subtype, "exclusive", refs),
            Some(Some("独占许可"))
        );
        assert_eq!(name_of(Dim::Subtype, "", refs), Some(None));
        assert_eq!(name_of(Dim::SellerZone, "", refs), Some(None));
        assert_eq!(name_of(Dim::Flow, "abroad", refs), None);
        assert_eq!(
            name_of(Dim::BuyerRegion, "DE", refs),
            Some(Some(refs.countries["DE"].name_zh.as_str()))
        );
    }
}

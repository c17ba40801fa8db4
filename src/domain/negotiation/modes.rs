//! Whether an offer's terms are a deal the listing offers: a listing says how it may change hands
//! (its transfer modes), and a negotiation on it cannot agree on something else, or the contract
//! it leads to would deal away what the owner never put on the market.
//!
//! Terms fall under a transfer mode by their contract type (2026 taxonomy):
//! - `transfer` (any subtype) under `assignment`;
//! - `license` under the licence of its kind: the subtype (`exclusive`, `sole`,
//!   `non_exclusive`), or without one the terms' `exclusivity`;
//! - `transfer` or `license` paid in equity (`payment.kind` = `equity`) also under
//!   `equity_investment` (作价入股: the right is contributed against shares);
//! - `development` (commissioned or cooperative) under `joint_development`.
//!
//! Consulting and service contracts deal in no right to the listing, so no mode offers them.

use super::{Exclusivity, Payment, Terms};
use crate::domain::error::Validation;
use crate::domain::listing::TransferMode;

fn code(mode: TransferMode) -> &'static str {
    match mode {
        TransferMode::Assignment => "assignment",
        TransferMode::ExclusiveLicense => "exclusive_license",
        TransferMode::SoleLicense => "sole_license",
        TransferMode::NonExclusiveLicense => "non_exclusive_license",
        TransferMode::EquityInvestment => "equity_investment",
        TransferMode::JointDevelopment => "joint_development",
    }
}

/// The licence mode of licence terms: the subtype says it, or else the exclusivity.
fn licence_mode(terms: &Terms) -> Option<TransferMode> {
    match terms.contract_subtype.as_deref() {
        Some("exclusive") => Some(TransferMode::ExclusiveLicense),
        Some("sole") => Some(TransferMode::SoleLicense),
        Some("non_exclusive") => Some(TransferMode::NonExclusiveLicense),
        Some(_) => None,
        None => Some(match terms.exclusivity {
            Exclusivity::Exclusive => TransferMode::ExclusiveLicense,
            Exclusivity::Sole => TransferMode::SoleLicense,
            Exclusivity::NonExclusive => TransferMode::NonExclusiveLicense,
        }),
    }
}

/// The modes the terms fall under; empty for consulting and services.
fn modes_of(terms: &Terms) -> Vec<TransferMode> {
    let equity = matches!(terms.payment, Payment::Equity { .. });
    let mut modes: Vec<TransferMode> = match terms.contract_type.as_str() {
        "transfer" => vec![TransferMode::Assignment],
        "license" => licence_mode(terms).into_iter().collect(),
        "development" => vec![TransferMode::JointDevelopment],
        _ => vec![],
    };
    if equity && matches!(terms.contract_type.as_str(), "transfer" | "license") {
        modes.push(TransferMode::EquityInvestment);
    }
    modes
}

/// The contract types a mode can be concluded as, whatever the subtype or payment.
fn types_of(mode: TransferMode) -> &'static [&'static str] {
    match mode {
        TransferMode::Assignment => &["transfer"],
        TransferMode::ExclusiveLicense
        | TransferMode::SoleLicense
        | TransferMode::NonExclusiveLicense => &["license"],
        TransferMode::EquityInvestment => &["transfer", "license"],
        TransferMode::JointDevelopment => &["development"],
    }
}

/// Refuses terms that fall under none of the listing's `offered` modes, on the field that makes
/// the difference: the contract type when the listing offers nothing of that type, the licence's
/// kind (subtype, or exclusivity without one) when it offers other licences, the payment when
/// only an equity investment would fit. Paths are those of the offer body (`terms.…`).
pub(super) fn check_offered(v: &mut Validation, terms: &Terms, offered: &[TransferMode]) {
    if modes_of(terms).iter().any(|m| offered.contains(m)) {
        return;
    }
    let list = offered
        .iter()
        .map(|m| code(*m))
        .collect::<Vec<_>>()
        .join(", ");
    let ty = terms.contract_type.as_str();
    let related: Vec<TransferMode> = offered
        .iter()
        .copied()
        .filter(|m| types_of(*m).contains(&ty))
        .collect();
    let (field, what) = if related.is_empty() {
        ("terms.contract_type", format!("a '{ty}' contract"))
    } else if ty == "license" && related.iter().any(|m| types_of(*m) == ["license"]) {
        let kind = licence_mode(terms).map_or("this", code);
        let field = if terms.contract_subtype.is_some() {
            "terms.contract_subtype"
        } else {
            "terms.exclusivity"
        };
        (field, format!("a licence of the kind '{kind}'"))
    } else {
        (
            "terms.payment",
            format!("a '{ty}' contract other than as an equity investment (payment in equity)"),
        )
    };
    v.push(
        field,
        format!("the listing does not offer {what}; its transfer modes are: {list}"),
    );
}

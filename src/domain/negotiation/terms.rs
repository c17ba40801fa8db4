//! The terms an offer is written in: how the price is paid ([`Payment`]), the raw
//! [`TermsInput`] of a JSON body and the validated [`Terms`] built from it.

use serde::{Deserialize, Serialize};

use super::Exclusivity;
use crate::domain::error::Validation;
use crate::domain::reference::ReferenceData;
use crate::domain::text::Title;
use crate::domain::{DomainError, FieldError};

/// The contract taxonomy offers are written in (`contract_types.csv`, column `taxonomy`).
pub const TAXONOMY: &str = "2026";
const TERRITORY_MAX: usize = 100;
/// 10^18 fen (10^16 yuan): far above any real price, yet inside `i64`.
const MAX_PRICE_FEN: i64 = 1_000_000_000_000_000;
/// 100% in basis points.
const FULL_BP: u32 = 10_000;
const INSTALMENTS_MIN: u32 = 2;
const INSTALMENTS_MAX: u32 = 120;
const TERM_MONTHS_MAX: u32 = 600;

/// How the price is paid. In JSON, tagged by `kind`: `{"kind": "royalty", "rate_bp": 500}`;
/// fields that do not belong to the kind are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", from = "PaymentRepr")]
pub enum Payment {
    LumpSum,
    /// Between 2 and 120 instalments.
    Instalments {
        count: u32,
    },
    /// A royalty on sales, in basis points (1 to 10 000, i.e. up to 100%).
    Royalty {
        rate_bp: u32,
    },
    /// An equity share, in basis points (1 to 10 000).
    Equity {
        share_bp: u32,
    },
}

/// The wire form [`Payment`] is read through: serde lets unknown fields through on an internally
/// tagged unit variant even with `deny_unknown_fields`, so `lump_sum` is an empty struct here.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum PaymentRepr {
    LumpSum {},
    Instalments { count: u32 },
    Royalty { rate_bp: u32 },
    Equity { share_bp: u32 },
}

impl From<PaymentRepr> for Payment {
    fn from(repr: PaymentRepr) -> Payment {
        match repr {
            PaymentRepr::LumpSum {} => Payment::LumpSum,
            PaymentRepr::Instalments { count } => Payment::Instalments { count },
            PaymentRepr::Royalty { rate_bp } => Payment::Royalty { rate_bp },
            PaymentRepr::Equity { share_bp } => Payment::Equity { share_bp },
        }
    }
}

impl Payment {
    /// The serde tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Payment::LumpSum => "lump_sum",
            Payment::Instalments { .. } => "instalments",
            Payment::Royalty { .. } => "royalty",
            Payment::Equity { .. } => "equity",
        }
    }
}

/// Validated structured terms of an offer. Built by [`Terms::parse`]; events re-read from the
/// store were parsed when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// A `type` of the 2026 taxonomy.
    pub contract_type: String,
    /// A subtype of `contract_type` in the 2026 taxonomy, when given.
    pub contract_subtype: Option<String>,
    pub price_fen: i64,
    pub payment: Payment,
    pub term_months: u32,
    pub territory: String,
    pub exclusivity: Exclusivity,
}

/// The raw terms as they arrive in a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    pub contract_type: String,
    #[serde(default)]
    pub contract_subtype: Option<String>,
    pub price_fen: i64,
    pub payment: Payment,
    pub term_months: u32,
    pub territory: String,
    pub exclusivity: Exclusivity,
}

impl Terms {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `payment.rate_bp`. Codes are matched exactly against the 2026 taxonomy; a subtype is
    /// optional, and checked against its type only when the type itself is known.
    pub fn parse(input: TermsInput, refs: &ReferenceData) -> Result<Terms, DomainError> {
        let mut v = Validation::new();
        check_contract_type(
            &mut v,
            &input.contract_type,
            input.contract_subtype.as_deref(),
            refs,
        );
        check_amounts(&mut v, input.price_fen, &input.payment, input.term_months);
        let territory = v.take(parse_territory(&input.territory));
        v.finish()?;
        let Some(territory) = territory else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(Terms {
            contract_type: input.contract_type,
            contract_subtype: input.contract_subtype,
            price_fen: input.price_fen,
            payment: input.payment,
            term_months: input.term_months,
            territory,
            exclusivity: input.exclusivity,
        })
    }
}

/// Re-checks the rules of [`Terms::parse`] that need no reference data, because the fields are
/// public and an offer could be built by hand; the contract type was checked when parsed.
pub(super) fn check_terms(v: &mut Validation, terms: &Terms) {
    check_amounts(v, terms.price_fen, &terms.payment, terms.term_months);
    match parse_territory(&terms.territory) {
        Ok(clean) if clean == terms.territory => {}
        Ok(_) => v.push("territory", "must not have surrounding whitespace"),
        Err(e) => v.push(e.field, e.message),
    }
}

fn check_contract_type(
    v: &mut Validation,
    contract_type: &str,
    subtype: Option<&str>,
    refs: &ReferenceData,
) {
    let rows: Vec<_> = refs
        .contract_types
        .iter()
        .filter(|c| c.taxonomy == TAXONOMY && c.contract_type == contract_type)
        .collect();
    if rows.is_empty() {
        v.push(
            "contract_type",
            format!(
                "unknown contract type '{}' in the {TAXONOMY} taxonomy",
                truncate(contract_type)
            ),
        );
        // The subtype of an unknown type cannot be judged: checking it would only repeat the error.
        return;
    }
    let Some(subtype) = subtype else { return };
    if !rows.iter().any(|c| c.subtype.as_deref() == Some(subtype)) {
        let known: Vec<&str> = rows.iter().filter_map(|c| c.subtype.as_deref()).collect();
        v.push(
            "contract_subtype",
            if known.is_empty() {
                format!("contract type '{contract_type}' has no subtypes")
            } else {
                format!(
                    "unknown subtype '{}' of '{contract_type}': expected one of {}",
                    truncate(subtype),
                    known.join(", ")
                )
            },
        );
    }
}

fn check_amounts(v: &mut Validation, price_fen: i64, payment: &Payment, term_months: u32) {
    if price_fen < 0 {
        v.push("price_fen", "must not be negative");
    } else if price_fen > MAX_PRICE_FEN {
        v.push("price_fen", format!("must be at most {MAX_PRICE_FEN} fen"));
    }
    match *payment {
        Payment::LumpSum => {}
        Payment::Instalments { count } => v.check(
            (INSTALMENTS_MIN..=INSTALMENTS_MAX).contains(&count),
            "payment.count",
            format!("must be between {INSTALMENTS_MIN} and {INSTALMENTS_MAX} instalments"),
        ),
        Payment::Royalty { rate_bp } => v.check(
            (1..=FULL_BP).contains(&rate_bp),
            "payment.rate_bp",
            format!("must be between 1 and {FULL_BP} basis points (0.01% to 100%)"),
        ),
        Payment::Equity { share_bp } => v.check(
            (1..=FULL_BP).contains(&share_bp),
            "payment.share_bp",
            format!("must be between 1 and {FULL_BP} basis points (0.01% to 100%)"),
        ),
    }
    v.check(
        (1..=TERM_MONTHS_MAX).contains(&term_months),
        "term_months",
        format!("must be between 1 and {TERM_MONTHS_MAX} months"),
    );
}

fn parse_territory(raw: &str) -> Result<String, FieldError> {
    Title::parse("territory", raw, TERRITORY_MAX).map(|t| t.as_str().to_string())
}

/// Echoing a 10 kB "code" back in an error helps nobody.
fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

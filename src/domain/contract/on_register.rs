//! What happens to a contract once it is on the register: amendments (变更), payments received
//! (技术性收入), and its end by cancellation (注销) or revocation (撤销). Each takes effect on a
//! date statistics read in order, so none may lie before the registration or an earlier change.

use chrono::NaiveDate;
use uuid::Uuid;

use super::codes::ContractStatus;
use super::decide::{optional_note, require_status, Ask};
use super::events::ContractEvent;
use super::input::{check_amount, check_amounts, check_distinct_parties};
use super::party::Party;
use super::state::{Amendment, ContractData, Payment};
use super::REASON_MAX;
use crate::domain::error::{require, Validation};
use crate::domain::text::clean;
use crate::domain::DomainError;

use ContractStatus as S;

/// An amendment as asked for: the full amounts after it, and the parties it replaces, if any.
pub(super) struct Change {
    pub(super) amendment_id: Uuid,
    pub(super) effective_on: NaiveDate,
    pub(super) contract_amount_fen: i64,
    pub(super) technology_amount_fen: i64,
    pub(super) seller: Option<Party>,
    pub(super) buyer: Option<Party>,
    pub(super) note: Option<String>,
}

pub(super) fn amend(ask: &Ask, change: Change) -> Result<ContractEvent, DomainError> {
    let Change {
        amendment_id,
        effective_on,
        contract_amount_fen,
        technology_amount_fen,
        seller,
        buyer,
        note,
    } = change;
    let c = ask.c;
    require(ask.registrar, "only a registrar amends a contract")?;
    require_status(c.status, &[S::Registered], "amended")?;
    if c.amendment(amendment_id).is_some() {
        return Err(DomainError::conflict(format!(
            "amendment {amendment_id} already exists"
        )));
    }
    let mut v = Validation::new();
    check_effective_date(&mut v, c, "effective_on", effective_on, ask.today);
    check_amounts(&mut v, contract_amount_fen, technology_amount_fen);
    let received = c.received_fen();
    if contract_amount_fen > 0 && i128::from(contract_amount_fen) < received {
        v.push(
            "contract_amount_fen",
            format!(
                "must not be below what has already been received under the contract \
                 ({received} fen)"
            ),
        );
    }
    let (current_seller, current_buyer) = c.current_parties();
    let seller = seller.unwrap_or_else(|| current_seller.clone());
    let buyer = buyer.unwrap_or_else(|| current_buyer.clone());
    check_distinct_parties(&mut v, seller.organization_id, buyer.organization_id);
    let note = optional_note(&mut v, "note", note);
    let (previous_contract_amount_fen, previous_technology_amount_fen) = c.current_amounts();
    if v.is_empty()
        && contract_amount_fen == previous_contract_amount_fen
        && technology_amount_fen == previous_technology_amount_fen
        && &seller == current_seller
        && &buyer == current_buyer
    {
        v.push("amendment", "must change an amount or a party");
    }
    v.finish()?;
    Ok(ContractEvent::Amended {
        amendment: Amendment {
            id: amendment_id,
            effective_on,
            contract_amount_fen,
            technology_amount_fen,
            seller,
            buyer,
            previous_contract_amount_fen,
            previous_technology_amount_fen,
            note,
        },
    })
}

pub(super) fn record_payment(
    ask: &Ask,
    payment_id: Uuid,
    amount_fen: i64,
    received_on: NaiveDate,
    note: Option<String>,
) -> Result<ContractEvent, DomainError> {
    let (c, today) = (ask.c, ask.today);
    require(
        ask.registrar || c.is_submitter(ask.actor),
        "only a registrar or the submitter records a payment",
    )?;
    require_status(c.status, &[S::Registered], "paid")?;
    if c.payment(payment_id).is_some() {
        return Err(DomainError::conflict(format!(
            "payment {payment_id} already exists"
        )));
    }
    let mut v = Validation::new();
    if check_amount(&mut v, "amount_fen", amount_fen) {
        let (contract_amount, _) = c.current_amounts();
        let received = c.received_fen();
        let total = received + i128::from(amount_fen);
        if total > i128::from(contract_amount) {
            v.push(
                "amount_fen",
                format!(
                    "the payments would add up to {total} fen, more than the contract \
                     amount of {contract_amount} fen ({received} fen received so far); \
                     amend the contract first"
                ),
            );
        }
    }
    if received_on > today {
        v.push("received_on", format!("must not be after today ({today})"));
    } else if received_on < c.content.signing_date {
        v.push(
            "received_on",
            format!(
                "must not be before the signing date ({})",
                c.content.signing_date
            ),
        );
    }
    let note = optional_note(&mut v, "note", note);
    v.finish()?;
    Ok(ContractEvent::PaymentRecorded {
        payment: Payment {
            id: payment_id,
            amount_fen,
            received_on,
            note,
        },
    })
}

pub(super) fn cancel(ask: &Ask, on: NaiveDate, reason: &str) -> Result<ContractEvent, DomainError> {
    require(ask.registrar, "only a registrar cancels a registration")?;
    require_status(ask.c.status, &[S::Registered], "cancelled")?;
    let reason = check_ending(ask.c, on, reason, ask.today)?;
    Ok(ContractEvent::Cancelled { on, reason })
}

pub(super) fn revoke(ask: &Ask, on: NaiveDate, reason: &str) -> Result<ContractEvent, DomainError> {
    require(ask.registrar, "only a registrar revokes a registration")?;
    require_status(ask.c.status, &[S::Registered], "revoked")?;
    let reason = check_ending(ask.c, on, reason, ask.today)?;
    Ok(ContractEvent::Revoked { on, reason })
}

/// A date from which something changes on a registered contract: not in the future, not before
/// the registration, and not before the latest amendment (statistics read them in order).
fn check_effective_date(
    v: &mut Validation,
    c: &ContractData,
    field: &str,
    date: NaiveDate,
    today: NaiveDate,
) {
    let latest_amendment = c.amendments.last().map(|a| a.effective_on);
    if date > today {
        v.push(field, format!("must not be after today ({today})"));
    } else if let Some(registered_on) = c.registered_on.filter(|r| date < *r) {
        v.push(
            field,
            format!("must not be before the registration date ({registered_on})"),
        );
    } else if let Some(previous) = latest_amendment.filter(|p| date < *p) {
        v.push(
            field,
            format!("must not be before the latest amendment's effective date ({previous})"),
        );
    }
}

fn check_ending(
    c: &ContractData,
    on: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<String, DomainError> {
    let mut v = Validation::new();
    check_effective_date(&mut v, c, "on", on, today);
    let reason = v.take(clean("reason", reason, 1, REASON_MAX));
    v.finish()?;
    Ok(reason.expect("a missing reason recorded a field error"))
}

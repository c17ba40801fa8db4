//! What a registration is: its data as the events left it, the amendments and payments kept
//! beside the content, and the questions asked of it (amounts in force, parties, who may see it).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codes::ContractStatus;
use super::import::ImportSource;
use super::input::ContractContent;
use super::panel::ExpertPanel;
use super::party::Party;
use crate::domain::{Actor, Role, Visibility};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractState {
    /// `None` until `Submitted`.
    pub contract: Option<ContractData>,
}

impl Visibility for ContractState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.contract
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractData {
    pub submitter_id: Uuid,
    pub submitter_organization_id: Option<Uuid>,
    pub status: ContractStatus,
    /// As submitted, or as last resubmitted; amendments are in `amendments`.
    pub content: ContractContent,
    /// The China date the registrar accepted the contract (受理).
    pub accepted_on: Option<NaiveDate>,
    /// The last working day for the registrar's decision; moved by each resubmission.
    pub due_on: Option<NaiveDate>,
    /// The reasons of the latest correction request.
    pub correction_reasons: Vec<String>,
    /// How many corrections were requested.
    pub corrections: u32,
    pub expert_opinion: Option<String>,
    pub registration_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    pub refusal: Option<Refusal>,
    /// In the order they were made, which is also the order of their effective dates.
    pub amendments: Vec<Amendment>,
    pub payments: Vec<Payment>,
    /// The date a cancellation or revocation takes effect.
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// Where a contract of the past came from; `None` for one registered on the platform.
    #[serde(default)]
    pub imported: Option<ImportSource>,
    /// The experts convened to review it, when the registrar convened a panel.
    #[serde(default)]
    pub expert_panel: Option<ExpertPanel>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// A code of `refusal_reasons.csv`.
    pub reason_code: String,
    pub note: Option<String>,
}

/// A change to a registered contract (变更). Holds the full values after the change and the
/// amounts before it, so statistics move their totals by the difference from `effective_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub id: Uuid,
    pub effective_on: NaiveDate,
    pub contract_amount_fen: i64,
    pub technology_amount_fen: i64,
    pub seller: Party,
    pub buyer: Party,
    pub previous_contract_amount_fen: i64,
    pub previous_technology_amount_fen: i64,
    pub note: Option<String>,
}

impl Amendment {
    /// How much the contract amount moved (negative when it fell).
    pub fn contract_amount_change_fen(&self) -> i64 {
        self.contract_amount_fen - self.previous_contract_amount_fen
    }

    /// How much the technology amount moved (negative when it fell).
    pub fn technology_amount_change_fen(&self) -> i64 {
        self.technology_amount_fen - self.previous_technology_amount_fen
    }
}

/// Money actually received under a registered contract (技术性收入).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: Uuid,
    pub amount_fen: i64,
    pub received_on: NaiveDate,
    pub note: Option<String>,
}

impl ContractData {
    pub fn is_submitter(&self, actor: &Actor) -> bool {
        actor.user_id == self.submitter_id
    }

    pub fn requires_expert_review(&self) -> bool {
        self.content.requires_expert_review()
    }

    /// (成交额, 技术交易额) after every amendment.
    pub fn current_amounts(&self) -> (i64, i64) {
        match self.amendments.last() {
            Some(a) => (a.contract_amount_fen, a.technology_amount_fen),
            None => (
                self.content.contract_amount_fen,
                self.content.technology_amount_fen,
            ),
        }
    }

    /// The sum of the payments recorded (技术性收入 received), which may never exceed the
    /// contract amount. Wide, so that no sum of stored payments can overflow.
    pub fn received_fen(&self) -> i128 {
        self.payments.iter().map(|p| i128::from(p.amount_fen)).sum()
    }

    /// (成交额, 技术交易额) in force on `date`: after the amendments effective by then.
    pub fn amounts_on(&self, date: NaiveDate) -> (i64, i64) {
        match self.amendments.iter().rfind(|a| a.effective_on <= date) {
            Some(a) => (a.contract_amount_fen, a.technology_amount_fen),
            None => (
                self.content.contract_amount_fen,
                self.content.technology_amount_fen,
            ),
        }
    }

    /// (seller, buyer) after every amendment.
    pub fn current_parties(&self) -> (&Party, &Party) {
        match self.amendments.last() {
            Some(a) => (&a.seller, &a.buyer),
            None => (&self.content.seller, &self.content.buyer),
        }
    }

    /// On the registrar's clock and past the due date on `today` (a China date).
    pub fn is_overdue_on(&self, today: NaiveDate) -> bool {
        self.status.is_on_the_clock() && self.due_on.is_some_and(|due| today > due)
    }

    /// Whether `actor` belongs to the seller's or the buyer's organization, as submitted or as
    /// named by any amendment.
    pub fn is_party(&self, actor: &Actor) -> bool {
        std::iter::once((&self.content.seller, &self.content.buyer))
            .chain(self.amendments.iter().map(|a| (&a.seller, &a.buyer)))
            .any(|(seller, buyer)| {
                actor.belongs_to(seller.organization_id) || actor.belongs_to(buyer.organization_id)
            })
    }

    /// The submitter, the registrars, the platform admins, the people of the seller's and the
    /// buyer's organizations, the experts invited to or seated on its panel (not those who
    /// declined), and the statisticians once it is on the register (least privilege: a
    /// submission under review or refused is not a statistic).
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.is_submitter(actor)
            || matches!(actor.role, Role::Registrar | Role::PlatformAdmin)
            || (actor.role == Role::Statistician && self.status.is_on_register())
            || self.is_party(actor)
            || self
                .expert_panel
                .as_ref()
                .is_some_and(|p| p.is_member(actor.user_id))
    }

    pub fn amendment(&self, id: Uuid) -> Option<&Amendment> {
        self.amendments.iter().find(|a| a.id == id)
    }

    pub fn payment(&self, id: Uuid) -> Option<&Payment> {
        self.payments.iter().find(|p| p.id == id)
    }
}

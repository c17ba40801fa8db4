//! What may be asked of a registration, as commands carry it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::calendar::WorkingCalendar;
use super::import::{HistoricRegistration, ImportSource};
use super::input::ContractContent;
use super::panel::{Candidate, Recommendation};
use super::party::Party;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContractAction {
    /// By a researcher or an institution admin of the seller, or a tech manager for a client.
    Submit(ContractContent),
    /// By a registrar or a platform admin: a contract registered before the platform, straight
    /// onto the register with its original dates and number.
    Import {
        source: ImportSource,
        historic: HistoricRegistration,
    },
    /// By the submitter, after a correction request; restarts the clock on `calendar`.
    Resubmit {
        content: ContractContent,
        calendar: WorkingCalendar,
    },
    /// 受理: starts the clock on `calendar`.
    Accept {
        calendar: WorkingCalendar,
    },
    /// 补正
    RequestCorrection {
        reasons: Vec<String>,
    },
    /// The review outcome: once a panel is convened, only when every seated expert has given
    /// an opinion, and the outcome records them.
    ExpertReview {
        opinion: String,
    },
    /// Convenes a panel of `size` experts, drawn by the caller (drawing needs the pool).
    RequestExpertPanel {
        size: u32,
        experts: Vec<Candidate>,
    },
    /// By the expert invited.
    AcceptExpertSeat {
        expert_id: Uuid,
    },
    /// By the expert invited; `replacement` is drawn by the caller, when anyone is eligible.
    DeclineExpertSeat {
        expert_id: Uuid,
        replacement: Option<Candidate>,
    },
    /// By an expert who accepted.
    SubmitExpertOpinion {
        expert_id: Uuid,
        recommendation: Recommendation,
        opinion: String,
    },
    Register {
        registration_number: String,
    },
    Refuse {
        reason_code: String,
        note: Option<String>,
    },
    /// 变更: the full amounts after the change; a party left out stays as it is.
    Amend {
        amendment_id: Uuid,
        effective_on: NaiveDate,
        contract_amount_fen: i64,
        technology_amount_fen: i64,
        seller: Option<Party>,
        buyer: Option<Party>,
        note: Option<String>,
    },
    RecordPayment {
        payment_id: Uuid,
        amount_fen: i64,
        received_on: NaiveDate,
        note: Option<String>,
    },
    /// 注销, from `on`.
    Cancel {
        on: NaiveDate,
        reason: String,
    },
    /// 撤销, from `on`.
    Revoke {
        on: NaiveDate,
        reason: String,
    },
}

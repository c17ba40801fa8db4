//! Contract registration (技术合同认定登记): the seller side of a technology contract (a researcher,
//! its institution's technology-transfer office, or a tech manager for a client) submits it; a
//! registrar (技术合同登记机构) accepts it (受理), may ask for corrections (补正), has it reviewed by
//! experts when the technology amount is 500万元 or more, and registers or refuses it.
//!
//! submitted → accepted → [correction_requested → (resubmitted) accepted]* → [expert_review]
//! → registered | refused. A registered contract may be amended (变更: amounts or parties), takes
//! payments (技术性收入 actually received), and ends by cancellation (注销) or revocation (撤销).
//!
//! Each accepted registration is due within 15 working days, 30 when experts review it; a
//! resubmission after a correction restarts the clock. The content stays as submitted (or
//! resubmitted); amendments are kept beside it with the amounts they replaced, so statistics can
//! move their totals by the difference from the amendment's effective date on.
//!
//! The parts: what is submitted (`input`, `party`, `contract_type`), what a registration is
//! (`state`, `codes`), what may be asked of it (`action`) and what it records (`events`);
//! `decide` and `on_register` turn commands into events, `evolve` folds events into the state;
//! [`panel`], [`import`] and [`calendar`] are the expert panel, contracts of the past and
//! working days.

mod action;
pub mod calendar;
mod codes;
mod contract_type;
mod decide;
mod events;
mod evolve;
pub mod import;
mod input;
mod on_register;
pub mod panel;
mod party;
mod state;

pub use action::ContractAction;
pub use calendar::WorkingCalendar;
pub use codes::{is_refusal_reason, refusal_reason_codes, ContractStatus};
pub use contract_type::ContractTypeRef;
pub(crate) use contract_type::Taxonomies;
pub use events::ContractEvent;
pub use import::{HistoricInput, HistoricRegistration, ImportSource};
pub use input::{ContractContent, ContractInput};
pub use panel::{Candidate, ExpertOpinion, ExpertPanel, Recommendation};
pub use party::{Party, PartyInput};
pub use state::{Amendment, ContractData, ContractState, Payment, Refusal};

use super::{Command, DomainError, Recorded};

#[cfg(test)]
mod tests;

/// The contract taxonomy new registrations use (`contract_types.csv`, column `taxonomy`).
pub const TAXONOMY: &str = "2026";
/// The taxonomy of contracts registered under the 2001 rules: still readable, never submitted.
pub const LEGACY_TAXONOMY: &str = "2001";
/// 500万元 = 5 000 000 元 = 500 000 000 fen: from this technology amount on, experts review.
pub const EXPERT_REVIEW_THRESHOLD_FEN: i64 = 500_000_000;
/// Working days from acceptance (or resubmission) to the due date.
pub const DEADLINE_DAYS: u32 = 15;
/// The same, when experts review the contract.
pub const DEADLINE_DAYS_EXPERT: u32 = 30;
/// 10^15 fen (10^13 yuan): far above any real contract, and far from `i64`'s limits when summed.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;
const TITLE_MAX: usize = 200;
const NAME_MAX: usize = 200;
const REASONS_MAX: usize = 20;
const REASON_MAX: usize = 500;
const OPINION_MAX: usize = 5_000;
const REGISTRATION_NUMBER_MAX: usize = 64;
const NOTE_MAX: usize = 500;

/// The contract registration aggregate (esrs name `contract_registration`).
pub struct ContractRegistration;

impl esrs::Aggregate for ContractRegistration {
    const NAME: &'static str = "contract_registration";
    type State = ContractState;
    type Command = Command<ContractAction>;
    type Event = Recorded<ContractEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let (actor, at) = (command.actor, command.now);
        let event = decide::handle(state.contract.as_ref(), command)?;
        Ok(vec![Recorded { actor, at, event }])
    }

    fn apply_event(state: Self::State, payload: Self::Event) -> Self::State {
        evolve::evolve(state, payload)
    }
}

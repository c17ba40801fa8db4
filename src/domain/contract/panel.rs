//! The expert-review panel (专家评审) of a contract of 500万元 or more of technology: the
//! registrar convenes N experts drawn from the pool by the contract's field, each accepts or
//! declines (a decline seats a replacement when one is eligible), the accepted submit an opinion
//! with a recommendation, and once all of them have, the registrar records the review outcome
//! with their opinions in it.
//!
//! Drawing needs the database, so the caller draws and passes the candidates in; the rules here
//! still refuse any candidate who is in conflict (from a party's organization, the submitter)
//! or who has been invited to this contract before (a decliner is never drawn again).

use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::decide::require_status;
use super::{ContractData, ContractEvent, ContractStatus};
use crate::domain::error::require;
use crate::domain::text::clean;
use crate::domain::{Actor, DomainError, Role};

/// Panels are small: a review board, not a committee of the whole pool.
pub const PANEL_SIZE_MAX: u32 = 15;
const OPINION_MAX: usize = 5_000;

/// An expert drawn for a seat, with the organization the conflict-of-interest rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub expert_id: Uuid,
    pub organization_id: Option<Uuid>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Recommendation {
    Approve,
    Reject,
    Revise,
}

crate::codes!(Recommendation);

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SeatStatus {
    Invited,
    Accepted,
    Declined,
    /// Accepted, and the opinion is in.
    Submitted,
}

crate::codes!(SeatStatus);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub expert_id: Uuid,
    pub organization_id: Option<Uuid>,
    pub status: SeatStatus,
    pub recommendation: Option<Recommendation>,
    pub opinion: Option<String>,
}

/// One expert's opinion as the review outcome records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertOpinion {
    pub expert_id: Uuid,
    pub recommendation: Recommendation,
    pub opinion: String,
}

/// Every seat ever offered on this contract, declined ones included: they are what keeps a
/// decliner from being drawn again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertPanel {
    pub size: u32,
    pub seats: Vec<Seat>,
}

impl ExpertPanel {
    pub fn seat(&self, expert_id: Uuid) -> Option<&Seat> {
        self.seats.iter().find(|s| s.expert_id == expert_id)
    }

    fn seat_mut(&mut self, expert_id: Uuid) -> Option<&mut Seat> {
        self.seats.iter_mut().find(|s| s.expert_id == expert_id)
    }

    /// Everyone who declined this contract.
    pub fn decliners(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.seats
            .iter()
            .filter(|s| s.status == SeatStatus::Declined)
            .map(|s| s.expert_id)
    }

    /// Invited, accepted or done: the seats that count.
    pub fn is_member(&self, expert_id: Uuid) -> bool {
        self.seat(expert_id)
            .is_some_and(|s| s.status != SeatStatus::Declined)
    }

    fn live(&self) -> usize {
        self.seats
            .iter()
            .filter(|s| s.status != SeatStatus::Declined)
            .count()
    }

    /// What keeps the review from being recorded, if anything.
    fn outstanding(&self) -> Option<String> {
        let count = |st| self.seats.iter().filter(|s| s.status == st).count();
        let (invited, accepted) = (count(SeatStatus::Invited), count(SeatStatus::Accepted));
        if invited + accepted > 0 {
            Some(format!(
                "the expert panel has not finished: {invited} invitation(s) unanswered, \
                 {accepted} opinion(s) outstanding"
            ))
        } else {
            None
        }
    }

    /// The submitted opinions, in seating order.
    pub fn opinions(&self) -> Vec<ExpertOpinion> {
        self.seats
            .iter()
            .filter_map(|s| match (s.status, s.recommendation, &s.opinion) {
                (SeatStatus::Submitted, Some(recommendation), Some(opinion)) => {
                    Some(ExpertOpinion {
                        expert_id: s.expert_id,
                        recommendation,
                        opinion: opinion.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }
}

/// `n` of `eligible`, chosen at random by `rng` (seedable, so a draw can be replayed); `None`
/// when there are fewer than `n`.
pub fn draw<R: Rng + ?Sized>(
    eligible: &[Candidate],
    n: usize,
    rng: &mut R,
) -> Option<Vec<Candidate>> {
    (eligible.len() >= n).then(|| eligible.choose_multiple(rng, n).copied().collect())
}

/// Why `candidate` may not sit on this contract's panel, if they may not.
pub fn conflict(c: &ContractData, candidate: &Candidate) -> Option<&'static str> {
    let (seller, buyer) = c.current_parties();
    let org = candidate.organization_id;
    if org.is_some() && (org == seller.organization_id || org == buyer.organization_id) {
        Some("belongs to a party's organization")
    } else if candidate.expert_id == c.submitter_id {
        Some("submitted the contract")
    } else if c
        .expert_panel
        .as_ref()
        .is_some_and(|p| p.seat(candidate.expert_id).is_some())
    {
        Some("has already been invited to review this contract")
    } else {
        None
    }
}

fn check_candidate(
    c: &ContractData,
    field: &str,
    candidate: &Candidate,
) -> Result<(), DomainError> {
    match conflict(c, candidate) {
        Some(why) => Err(DomainError::invalid(
            field,
            format!("expert {} {why}", candidate.expert_id),
        )),
        None => Ok(()),
    }
}

pub(super) fn request(
    c: &ContractData,
    actor: &Actor,
    size: u32,
    experts: Vec<Candidate>,
) -> Result<ContractEvent, DomainError> {
    require(
        actor.role == Role::Registrar && !actor.is_system(),
        "only a registrar convenes an expert panel",
    )?;
    require_status(c.status, &[ContractStatus::Accepted], "reviewed by experts")?;
    if !c.requires_expert_review() {
        return Err(DomainError::conflict(
            "expert review is only for technology amounts of 500万元 or more",
        ));
    }
    if c.expert_panel.as_ref().is_some_and(|p| p.live() > 0) {
        return Err(DomainError::conflict(
            "an expert panel is already convened for this contract",
        ));
    }
    if size == 0 || size > PANEL_SIZE_MAX {
        return Err(DomainError::invalid(
            "size",
            format!("must be from 1 to {PANEL_SIZE_MAX}"),
        ));
    }
    if experts.len() != size as usize {
        return Err(DomainError::invalid(
            "experts",
            format!("{} expert(s) drawn for {size} seat(s)", experts.len()),
        ));
    }
    for (i, e) in experts.iter().enumerate() {
        if experts[..i].iter().any(|o| o.expert_id == e.expert_id) {
            return Err(DomainError::invalid(
                format!("experts[{i}]"),
                "repeats an earlier expert",
            ));
        }
        check_candidate(c, &format!("experts[{i}]"), e)?;
    }
    Ok(ContractEvent::ExpertPanelRequested { size, experts })
}

/// The seat `actor` answers for: their own, in `expected` status, on an accepted contract.
fn own_seat<'a>(
    c: &'a ContractData,
    actor: &Actor,
    expert_id: Uuid,
    expected: SeatStatus,
    verb: &str,
) -> Result<&'a Seat, DomainError> {
    require(
        actor.user_id == expert_id && !actor.is_system(),
        "only the expert answers for their own seat",
    )?;
    let seat = c
        .expert_panel
        .as_ref()
        .and_then(|p| p.seat(expert_id))
        .ok_or_else(|| DomainError::forbidden("you are not on this contract's expert panel"))?;
    require_status(c.status, &[ContractStatus::Accepted], "reviewed by experts")?;
    if seat.status != expected {
        return Err(DomainError::conflict(format!(
            "this expert cannot {verb}: their seat is {}",
            seat.status.as_str()
        )));
    }
    Ok(seat)
}

pub(super) fn accept(
    c: &ContractData,
    actor: &Actor,
    expert_id: Uuid,
) -> Result<ContractEvent, DomainError> {
    own_seat(c, actor, expert_id, SeatStatus::Invited, "accept")?;
    Ok(ContractEvent::ExpertSeatAccepted { expert_id })
}

pub(super) fn decline(
    c: &ContractData,
    actor: &Actor,
    expert_id: Uuid,
    replacement: Option<Candidate>,
) -> Result<ContractEvent, DomainError> {
    own_seat(c, actor, expert_id, SeatStatus::Invited, "decline")?;
    if let Some(r) = &replacement {
        check_candidate(c, "replacement", r)?;
    }
    Ok(ContractEvent::ExpertSeatDeclined {
        expert_id,
        replacement,
    })
}

pub(super) fn submit_opinion(
    c: &ContractData,
    actor: &Actor,
    expert_id: Uuid,
    recommendation: Recommendation,
    opinion: &str,
) -> Result<ContractEvent, DomainError> {
    own_seat(
        c,
        actor,
        expert_id,
        SeatStatus::Accepted,
        "submit an opinion",
    )?;
    let opinion =
        clean("opinion", opinion, 1, OPINION_MAX).map_err(|e| DomainError::Invalid(vec![e]))?;
    Ok(ContractEvent::ExpertOpinionSubmitted {
        expert_id,
        recommendation,
        opinion,
    })
}

/// The opinions the review outcome records: none without a panel (the registrar's own record of
/// a review held elsewhere), all of them once every seated expert has given one.
pub(super) fn outcome(c: &ContractData) -> Result<Vec<ExpertOpinion>, DomainError> {
    match &c.expert_panel {
        None => Ok(Vec::new()),
        Some(p) => match p.outstanding() {
            Some(why) => Err(DomainError::conflict(why)),
            None => Ok(p.opinions()),
        },
    }
}

/// Applies a panel event to the contract.
pub(super) fn apply(c: &mut ContractData, event: ContractEvent) {
    let invite = |c: Candidate| Seat {
        expert_id: c.expert_id,
        organization_id: c.organization_id,
        status: SeatStatus::Invited,
        recommendation: None,
        opinion: None,
    };
    let panel = c.expert_panel.get_or_insert_with(ExpertPanel::default);
    match event {
        ContractEvent::ExpertPanelRequested { size, experts } => {
            panel.size = size;
            panel.seats.extend(experts.into_iter().map(invite));
        }
        ContractEvent::ExpertSeatAccepted { expert_id } => {
            if let Some(s) = panel.seat_mut(expert_id) {
                s.status = SeatStatus::Accepted;
            }
        }
        ContractEvent::ExpertSeatDeclined {
            expert_id,
            replacement,
        } => {
            if let Some(s) = panel.seat_mut(expert_id) {
                s.status = SeatStatus::Declined;
            }
            panel.seats.extend(replacement.map(invite));
        }
        ContractEvent::ExpertOpinionSubmitted {
            expert_id,
            recommendation,
            opinion,
        } => {
            if let Some(s) = panel.seat_mut(expert_id) {
                s.status = SeatStatus::Submitted;
                s.recommendation = Some(recommendation);
                s.opinion = Some(opinion);
            }
        }
        _ => {}
    }
}

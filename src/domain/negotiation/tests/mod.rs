//! Given/when/then tests of the negotiation, on the shared story and cast of
//! `domain::testing`. This file holds the fixtures; each topic has its own file.

use chrono::{DateTime, TimeDelta, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::listing::TransferMode;
use crate::domain::reference::{sample, ContractType, ReferenceData};
use crate::domain::testing::cast::{self, platform_admin, system, AGENCY, COMPANY, LAB};
use crate::domain::testing::{
    assert_conflict, assert_forbidden, fields, message_of, morning, Story as Harness,
};
use crate::domain::{Actor, DomainError, Recorded, Role};

mod abandon;
mod access;
mod agreement;
mod broker_and_nda;
mod expire;
mod json;
mod offers;
mod open;
mod state;
mod terms;
mod transfer_modes;

// ---------------------------------------------------------------------------------------------
// Cast: an enterprise buys, a researcher sells (owns the listing), a tech manager brokers. The
// buyer's colleague and a second tech manager are outsiders who look like insiders.

const LISTING: Uuid = Uuid::from_u128(0x11);
const DEMAND: Uuid = Uuid::from_u128(0xD1);
const OFFER1: Uuid = Uuid::from_u128(0xF1);
const OFFER2: Uuid = Uuid::from_u128(0xF2);
const OFFER3: Uuid = Uuid::from_u128(0xF3);
const OFFER4: Uuid = Uuid::from_u128(0xF4);
const OFFER5: Uuid = Uuid::from_u128(0xF5);
const OFFER6: Uuid = Uuid::from_u128(0xF6);

const MAX_FEN: i64 = 1_000_000_000_000_000;
const IDLE: u32 = 30;

fn buyer() -> Actor {
    cast::enterprise()
}
fn seller() -> Actor {
    cast::researcher()
}
fn broker() -> Actor {
    cast::tech_manager()
}
/// The shared cast has no second enterprise user of the buyer's company.
fn buyer_colleague() -> Actor {
    cast::person(20, Role::Enterprise, Some(COMPANY))
}
fn outsider_enterprise() -> Actor {
    cast::other_enterprise()
}
/// Nor a second tech manager of the broker's agency.
fn other_tech_manager() -> Actor {
    cast::person(21, Role::TechManager, Some(AGENCY))
}
fn seller_colleague() -> Actor {
    cast::lab_colleague()
}
/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("buyer", buyer()),
        ("seller", seller()),
        ("broker", broker()),
        ("buyer_colleague", buyer_colleague()),
        ("outsider_enterprise", outsider_enterprise()),
        ("other_tech_manager", other_tech_manager()),
        ("seller_colleague", seller_colleague()),
        ("platform_admin", platform_admin()),
        ("system", system()),
    ]
}

fn everyone_but(allowed: &[&str]) -> Vec<(&'static str, Actor)> {
    cast::all_but(everyone(), allowed)
}

/// 2026-06-01 09:00 in China.
fn t0() -> DateTime<Utc> {
    morning("2026-06-01")
}

// ---------------------------------------------------------------------------------------------
// Reference data and terms

fn row(taxonomy: &str, contract_type: &str, subtype: Option<&str>) -> ContractType {
    ContractType {
        taxonomy: taxonomy.into(),
        contract_type: contract_type.into(),
        subtype: subtype.map(Into::into),
        name_zh: contract_type.into(),
        name_en: contract_type.into(),
    }
}

/// `sample()` plus a few rows of both taxonomies, shaped like `contract_types.csv`.
fn refs() -> ReferenceData {
    let mut r = sample();
    r.contract_types = vec![
        row("2026", "development", Some("commissioned")),
        row("2026", "development", Some("cooperative")),
        row("2026", "transfer", Some("patent_right")),
        row("2026", "license", Some("exclusive")),
        row("2026", "license", Some("sole")),
        row("2026", "license", Some("non_exclusive")),
        row("2026", "consulting", None),
        row("2001", "transfer", Some("patent_license")),
        row("2001", "consulting", None),
    ];
    r
}

fn terms_input() -> TermsInput {
    TermsInput {
        contract_type: "license".into(),
        contract_subtype: Some("exclusive".into()),
        price_fen: 500_000_000,
        payment: Payment::Royalty { rate_bp: 350 },
        term_months: 60,
        territory: "  中国大陆 ".into(),
        exclusivity: Exclusivity::Exclusive,
    }
}

fn parse(input: TermsInput) -> Result<Terms, DomainError> {
    Terms::parse(input, &refs())
}

fn terms() -> Terms {
    parse(terms_input()).unwrap()
}

fn priced(price_fen: i64) -> Terms {
    Terms {
        price_fen,
        ..terms()
    }
}

fn invalid(input: TermsInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

// ---------------------------------------------------------------------------------------------
// Stories: the shared given/when/then harness on a negotiation, its clock one hour further after
// each accepted command.

type Story = Harness<Negotiation>;

fn story() -> Story {
    Story::starting(t0()).stepping(TimeDelta::hours(1))
}

impl Story {
    fn negotiation(&self) -> &NegotiationData {
        self.state
            .negotiation
            .as_ref()
            .expect("the negotiation exists")
    }

    fn status(&self) -> NegotiationStatus {
        self.negotiation().status
    }

    /// The instant expiry becomes due with [`IDLE`] days.
    fn expiry_due(&self) -> DateTime<Utc> {
        self.negotiation().last_activity_at + TimeDelta::days(i64::from(IDLE))
    }
}

const OPENING_MESSAGE: &str = "我们对贵方的钠电池技术很感兴趣，希望洽谈许可。";

fn open_action() -> NegotiationAction {
    NegotiationAction::Open {
        listing_id: LISTING,
        demand_id: Some(DEMAND),
        seller_id: seller().user_id,
        seller_organization_id: Some(LAB),
        message: format!("  {OPENING_MESSAGE}\n"),
    }
}

fn assign(broker: Actor) -> NegotiationAction {
    NegotiationAction::AssignBroker {
        broker_id: broker.user_id,
        broker_is_tech_manager: true,
    }
}

/// What the listing offers, as the app layer passes it: assignment and an exclusive licence,
/// which `terms()` falls under.
fn offered() -> Vec<TransferMode> {
    vec![TransferMode::Assignment, TransferMode::ExclusiveLicense]
}

fn offer(offer_id: Uuid, terms: Terms) -> NegotiationAction {
    NegotiationAction::MakeOffer {
        offer_id,
        terms,
        on_behalf_of: None,
        offered_modes: offered(),
    }
}

fn offer_for(offer_id: Uuid, terms: Terms, side: Side) -> NegotiationAction {
    NegotiationAction::MakeOffer {
        offer_id,
        terms,
        on_behalf_of: Some(side),
        offered_modes: offered(),
    }
}

fn accept(offer_id: Uuid) -> NegotiationAction {
    NegotiationAction::AcceptOffer { offer_id }
}

fn abandon(reason: AbandonReason) -> NegotiationAction {
    NegotiationAction::Abandon { reason, note: None }
}

fn expire() -> NegotiationAction {
    NegotiationAction::Expire { idle_days: IDLE }
}

fn opened() -> Story {
    let mut s = story();
    s.ok(buyer(), open_action());
    s
}

/// Opened and brokered by `broker()`.
fn brokered() -> Story {
    let mut s = opened();
    s.ok(buyer(), assign(broker()));
    s
}

/// Brokered, with one offer by the seller (`OFFER1`) that the buyer could accept.
fn with_seller_offer() -> Story {
    let mut s = brokered();
    s.ok(seller(), offer(OFFER1, terms()));
    s
}

/// A brokered negotiation closed the way each status really happens.
fn closed(status: NegotiationStatus) -> Story {
    let mut s = with_seller_offer();
    match status {
        NegotiationStatus::Open => {}
        NegotiationStatus::Agreed => {
            s.ok(buyer(), accept(OFFER1));
        }
        NegotiationStatus::Abandoned => {
            s.ok(buyer(), abandon(AbandonReason::Price));
        }
        NegotiationStatus::Expired => {
            let due = s.expiry_due();
            s.at(due).ok(system(), expire());
        }
    }
    assert_eq!(s.status(), status);
    s
}

fn closed_statuses() -> [NegotiationStatus; 3] {
    [
        NegotiationStatus::Agreed,
        NegotiationStatus::Abandoned,
        NegotiationStatus::Expired,
    ]
}

fn every_action_but_open() -> Vec<NegotiationAction> {
    vec![
        assign(broker()),
        NegotiationAction::SignNda,
        offer(OFFER2, terms()),
        accept(OFFER1),
        abandon(AbandonReason::Terms),
        expire(),
    ]
}

/// What a command came to, coarsely, for tables of outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Forbidden,
    Conflict,
    Invalid,
    NotFound,
}

fn outcome(result: Result<Vec<Recorded<NegotiationEvent>>, DomainError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Accepted,
        Err(DomainError::Forbidden(_)) => Outcome::Forbidden,
        Err(DomainError::Conflict(_)) => Outcome::Conflict,
        Err(DomainError::Invalid(_)) => Outcome::Invalid,
        Err(DomainError::NotFound) => Outcome::NotFound,
    }
}

// ---------------------------------------------------------------------------------------------
// Events, for evolving and serde

fn offer_of(id: Uuid, side: Side) -> Offer {
    Offer {
        id,
        side,
        made_by: seller().user_id,
        terms: terms(),
        made_at: t0(),
    }
}

fn all_events() -> Vec<NegotiationEvent> {
    vec![
        NegotiationEvent::Opened {
            listing_id: LISTING,
            demand_id: Some(DEMAND),
            buyer_id: buyer().user_id,
            buyer_organization_id: Some(COMPANY),
            seller_id: seller().user_id,
            seller_organization_id: Some(LAB),
            message: "hello".into(),
        },
        NegotiationEvent::BrokerAssigned {
            broker_id: broker().user_id,
        },
        NegotiationEvent::NdaSigned { side: Side::Buyer },
        NegotiationEvent::NdaSigned { side: Side::Seller },
        NegotiationEvent::OfferMade {
            offer: offer_of(OFFER1, Side::Seller),
        },
        NegotiationEvent::Agreed { offer_id: OFFER1 },
        NegotiationEvent::Abandoned {
            reason: AbandonReason::Other,
            note: Some("n".into()),
        },
        NegotiationEvent::Expired,
    ]
}

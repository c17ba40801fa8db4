//! Negotiation (洽谈): a buyer (an enterprise, often answering a demand) and a seller (a listing's
//! owner) work towards terms, optionally brokered by a tech manager.
//!
//! open → (NDA signatures, offers and counter-offers) → agreed | abandoned | expired.
//! An agreement is the acceptance of the latest offer by the party on the *other* side; nobody
//! accepts their own side's offer. Only the two parties and the broker act on a negotiation;
//! expiry happens by rule, from the system actor, once it has been idle long enough.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{require, Validation};
use super::reference::ReferenceData;
use super::text::{clean, Title};
use super::{Actor, Command, DomainError, DomainEvent, FieldError, Recorded, Role};

#[cfg(test)]
mod tests;

/// The contract taxonomy offers are written in (`contract_types.csv`, column `taxonomy`).
pub const TAXONOMY: &str = "2026";
const MESSAGE_MAX: usize = 2_000;
const NOTE_MAX: usize = 500;
const TERRITORY_MAX: usize = 100;
/// 10^18 fen (10^16 yuan): far above any real price, yet inside `i64`.
const MAX_PRICE_FEN: i64 = 1_000_000_000_000_000;
/// 100% in basis points.
const FULL_BP: u32 = 10_000;
const INSTALMENTS_MIN: u32 = 2;
const INSTALMENTS_MAX: u32 = 120;
const TERM_MONTHS_MAX: u32 = 600;

/// The negotiation aggregate (esrs name `negotiation`).
pub struct Negotiation;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegotiationState {
    /// `None` until `Opened`.
    pub negotiation: Option<NegotiationData>,
}

impl super::Visibility for NegotiationState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.negotiation
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegotiationData {
    pub listing_id: Uuid,
    /// The demand the buyer answers, when there is one.
    pub demand_id: Option<Uuid>,
    pub buyer_id: Uuid,
    pub buyer_organization_id: Option<Uuid>,
    pub seller_id: Uuid,
    pub seller_organization_id: Option<Uuid>,
    /// The tech manager brokering the negotiation, when one was assigned.
    pub broker_id: Option<Uuid>,
    pub status: NegotiationStatus,
    pub buyer_signed_nda_at: Option<DateTime<Utc>>,
    pub seller_signed_nda_at: Option<DateTime<Utc>>,
    /// Offers and counter-offers, in the order they were made.
    pub offers: Vec<Offer>,
    /// The accepted offer; `Some` exactly when the status is `agreed`.
    pub agreed_offer_id: Option<Uuid>,
    pub abandon_reason: Option<AbandonReason>,
    pub abandon_note: Option<String>,
    /// The buyer's opening message.
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The last event by a person (everything but expiry): what idleness is measured from.
    pub last_activity_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// The two parties of a negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Buyer,
    Seller,
}

impl Side {
    pub const ALL: [Side; 2] = [Side::Buyer, Side::Seller];

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buyer => "buyer",
            Side::Seller => "seller",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|side| side.as_str() == s)
    }

    /// The side across the table.
    pub fn other(self) -> Side {
        match self {
            Side::Buyer => Side::Seller,
            Side::Seller => Side::Buyer,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegotiationStatus {
    Open,
    Agreed,
    Abandoned,
    Expired,
}

impl NegotiationStatus {
    pub const ALL: [NegotiationStatus; 4] = [
        NegotiationStatus::Open,
        NegotiationStatus::Agreed,
        NegotiationStatus::Abandoned,
        NegotiationStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NegotiationStatus::Open => "open",
            NegotiationStatus::Agreed => "agreed",
            NegotiationStatus::Abandoned => "abandoned",
            NegotiationStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<NegotiationStatus> {
        NegotiationStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    /// Agreed, abandoned and expired negotiations are over for good.
    pub fn is_closed(self) -> bool {
        self != NegotiationStatus::Open
    }
}

impl fmt::Display for NegotiationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a party walked away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonReason {
    TooEarlyStage,
    BenefitUnclear,
    CommercialRouteUnclear,
    Price,
    Terms,
    /// Needs a note saying what.
    Other,
}

impl AbandonReason {
    pub const ALL: [AbandonReason; 6] = [
        AbandonReason::TooEarlyStage,
        AbandonReason::BenefitUnclear,
        AbandonReason::CommercialRouteUnclear,
        AbandonReason::Price,
        AbandonReason::Terms,
        AbandonReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AbandonReason::TooEarlyStage => "too_early_stage",
            AbandonReason::BenefitUnclear => "benefit_unclear",
            AbandonReason::CommercialRouteUnclear => "commercial_route_unclear",
            AbandonReason::Price => "price",
            AbandonReason::Terms => "terms",
            AbandonReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AbandonReason> {
        AbandonReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for AbandonReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 独占 (exclusive: not even the licensor), 排他 (sole: the licensor and the licensee),
/// 普通 (non-exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusivity {
    Exclusive,
    Sole,
    NonExclusive,
}

impl Exclusivity {
    pub const ALL: [Exclusivity; 3] = [
        Exclusivity::Exclusive,
        Exclusivity::Sole,
        Exclusivity::NonExclusive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Exclusivity::Exclusive => "exclusive",
            Exclusivity::Sole => "sole",
            Exclusivity::NonExclusive => "non_exclusive",
        }
    }

    pub fn parse(s: &str) -> Option<Exclusivity> {
        Exclusivity::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl fmt::Display for Exclusivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
fn check_terms(v: &mut Validation, terms: &Terms) {
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

/// One offer or counter-offer, as made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub id: Uuid,
    /// The side the offer is made for: the maker's own side, or the side a broker spoke for.
    pub side: Side,
    pub made_by: Uuid,
    pub terms: Terms,
    pub made_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NegotiationAction {
    /// The seller and the listing are supplied by the app layer from the listing (its owner);
    /// the actor is the buyer.
    Open {
        listing_id: Uuid,
        demand_id: Option<Uuid>,
        seller_id: Uuid,
        seller_organization_id: Option<Uuid>,
        message: String,
    },
    /// `broker_is_tech_manager`: the app layer looked the user up.
    AssignBroker {
        broker_id: Uuid,
        broker_is_tech_manager: bool,
    },
    SignNda,
    /// `on_behalf_of` is required when the actor is the broker, and must be `None` or the
    /// actor's own side for a party.
    MakeOffer {
        offer_id: Uuid,
        terms: Terms,
        on_behalf_of: Option<Side>,
    },
    AcceptOffer {
        offer_id: Uuid,
    },
    Abandon {
        reason: AbandonReason,
        note: Option<String>,
    },
    /// By rule, from the system actor, once nothing has happened for `idle_days` days.
    Expire {
        idle_days: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NegotiationEvent {
    Opened {
        listing_id: Uuid,
        demand_id: Option<Uuid>,
        buyer_id: Uuid,
        buyer_organization_id: Option<Uuid>,
        seller_id: Uuid,
        seller_organization_id: Option<Uuid>,
        message: String,
    },
    BrokerAssigned {
        broker_id: Uuid,
    },
    NdaSigned {
        side: Side,
    },
    OfferMade {
        offer: Offer,
    },
    Agreed {
        offer_id: Uuid,
    },
    Abandoned {
        reason: AbandonReason,
        note: Option<String>,
    },
    Expired,
}

impl NegotiationEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            NegotiationEvent::Opened { .. } => "opened",
            NegotiationEvent::BrokerAssigned { .. } => "broker_assigned",
            NegotiationEvent::NdaSigned { .. } => "nda_signed",
            NegotiationEvent::OfferMade { .. } => "offer_made",
            NegotiationEvent::Agreed { .. } => "agreed",
            NegotiationEvent::Abandoned { .. } => "abandoned",
            NegotiationEvent::Expired => "expired",
        }
    }
}

impl DomainEvent for NegotiationEvent {
    fn name(&self) -> &'static str {
        NegotiationEvent::name(self)
    }
}

impl NegotiationData {
    /// The side `a` sits on, by user id; `None` for the broker and everyone else.
    pub fn side_of(&self, a: &Actor) -> Option<Side> {
        if a.user_id == self.buyer_id {
            Some(Side::Buyer)
        } else if a.user_id == self.seller_id {
            Some(Side::Seller)
        } else {
            None
        }
    }

    pub fn is_broker(&self, a: &Actor) -> bool {
        self.broker_id == Some(a.user_id)
    }

    /// A party or the broker.
    pub fn is_participant(&self, a: &Actor) -> bool {
        self.side_of(a).is_some() || self.is_broker(a)
    }

    /// Negotiations are private to their participants and the platform admins.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.is_participant(actor) || actor.role == Role::PlatformAdmin
    }

    pub fn signed_nda_at(&self, side: Side) -> Option<DateTime<Utc>> {
        match side {
            Side::Buyer => self.buyer_signed_nda_at,
            Side::Seller => self.seller_signed_nda_at,
        }
    }

    /// Both sides signed the NDA.
    pub fn nda_complete(&self) -> bool {
        self.buyer_signed_nda_at.is_some() && self.seller_signed_nda_at.is_some()
    }

    pub fn offer(&self, id: Uuid) -> Option<&Offer> {
        self.offers.iter().find(|o| o.id == id)
    }

    pub fn latest_offer(&self) -> Option<&Offer> {
        self.offers.last()
    }

    /// The terms of the accepted offer, once agreed.
    pub fn agreed_terms(&self) -> Option<&Terms> {
        self.offer(self.agreed_offer_id?).map(|o| &o.terms)
    }
}

impl esrs::Aggregate for Negotiation {
    const NAME: &'static str = "negotiation";
    type State = NegotiationState;
    type Command = Command<NegotiationAction>;
    type Event = Recorded<NegotiationEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let event = match (&state.negotiation, action) {
            (
                None,
                NegotiationAction::Open {
                    listing_id,
                    demand_id,
                    seller_id,
                    seller_organization_id,
                    message,
                },
            ) => open(
                &actor,
                listing_id,
                demand_id,
                seller_id,
                seller_organization_id,
                &message,
            )?,
            (Some(_), NegotiationAction::Open { .. }) => {
                return Err(DomainError::conflict("negotiation already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            (Some(negotiation), action) => decide(negotiation, &actor, now, action)?,
        };
        Ok(vec![Recorded {
            actor,
            at: now,
            event,
        }])
    }

    fn apply_event(mut state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { at, event, .. } = payload;
        if let NegotiationEvent::Opened {
            listing_id,
            demand_id,
            buyer_id,
            buyer_organization_id,
            seller_id,
            seller_organization_id,
            message,
        } = event
        {
            state.negotiation = Some(NegotiationData {
                listing_id,
                demand_id,
                buyer_id,
                buyer_organization_id,
                seller_id,
                seller_organization_id,
                broker_id: None,
                status: NegotiationStatus::Open,
                buyer_signed_nda_at: None,
                seller_signed_nda_at: None,
                offers: Vec::new(),
                agreed_offer_id: None,
                abandon_reason: None,
                abandon_note: None,
                message,
                created_at: at,
                updated_at: at,
                last_activity_at: at,
                closed_at: None,
            });
            return state;
        }
        // The decider never emits anything before `Opened`; applying stays total rather than
        // panicking in the middle of a rebuild.
        let Some(n) = state.negotiation.as_mut() else {
            return state;
        };
        n.updated_at = at;
        if event != NegotiationEvent::Expired {
            n.last_activity_at = at;
        }
        match event {
            NegotiationEvent::Opened { .. } => {}
            NegotiationEvent::BrokerAssigned { broker_id } => n.broker_id = Some(broker_id),
            NegotiationEvent::NdaSigned { side } => match side {
                Side::Buyer => n.buyer_signed_nda_at = Some(at),
                Side::Seller => n.seller_signed_nda_at = Some(at),
            },
            NegotiationEvent::OfferMade { offer } => n.offers.push(offer),
            NegotiationEvent::Agreed { offer_id } => {
                n.status = NegotiationStatus::Agreed;
                n.agreed_offer_id = Some(offer_id);
                n.closed_at = Some(at);
            }
            NegotiationEvent::Abandoned { reason, note } => {
                n.status = NegotiationStatus::Abandoned;
                n.abandon_reason = Some(reason);
                n.abandon_note = note;
                n.closed_at = Some(at);
            }
            NegotiationEvent::Expired => {
                n.status = NegotiationStatus::Expired;
                n.closed_at = Some(at);
            }
        }
        state
    }
}

fn open(
    actor: &Actor,
    listing_id: Uuid,
    demand_id: Option<Uuid>,
    seller_id: Uuid,
    seller_organization_id: Option<Uuid>,
    message: &str,
) -> Result<NegotiationEvent, DomainError> {
    require(
        actor.role == Role::Enterprise,
        "only an enterprise can open a negotiation",
    )?;
    require(
        actor.user_id != seller_id,
        "nobody negotiates with themselves",
    )?;
    let message =
        clean("message", message, 0, MESSAGE_MAX).map_err(|e| DomainError::Invalid(vec![e]))?;
    Ok(NegotiationEvent::Opened {
        listing_id,
        demand_id,
        buyer_id: actor.user_id,
        buyer_organization_id: actor.organization_id,
        seller_id,
        seller_organization_id,
        message,
    })
}

/// Authorization first, then state, then the payload: someone who may not act learns nothing
/// about the negotiation's state from the error.
fn decide(
    n: &NegotiationData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: NegotiationAction,
) -> Result<NegotiationEvent, DomainError> {
    let status = n.status;
    if let NegotiationAction::Expire { idle_days } = action {
        require(
            actor.is_system(),
            "a negotiation expires by rule, not at anyone's request",
        )?;
        require_open(status, "expire")?;
        if now - n.last_activity_at < TimeDelta::days(i64::from(idle_days)) {
            return Err(DomainError::conflict(format!(
                "expiry is not yet due: the last activity was at {}, {idle_days} idle days are needed",
                n.last_activity_at
            )));
        }
        return Ok(NegotiationEvent::Expired);
    }
    require(
        !actor.is_system() && n.is_participant(actor),
        "only the parties and the broker act on a negotiation",
    )?;
    let side = n.side_of(actor);
    match action {
        NegotiationAction::Open { .. } | NegotiationAction::Expire { .. } => {
            unreachable!("opening and expiry are decided elsewhere")
        }

        NegotiationAction::AssignBroker {
            broker_id,
            broker_is_tech_manager,
        } => {
            require(side.is_some(), "only a party can assign a broker")?;
            require_open(status, "assign a broker")?;
            if broker_id == n.buyer_id || broker_id == n.seller_id {
                return Err(DomainError::invalid(
                    "broker_id",
                    "a party cannot broker its own negotiation",
                ));
            }
            if !broker_is_tech_manager {
                return Err(DomainError::invalid(
                    "broker_id",
                    "the broker must be a tech manager",
                ));
            }
            Ok(NegotiationEvent::BrokerAssigned { broker_id })
        }

        NegotiationAction::SignNda => {
            let Some(side) = side else {
                return Err(DomainError::forbidden("only a party can sign the NDA"));
            };
            require_open(status, "sign the NDA")?;
            if let Some(at) = n.signed_nda_at(side) {
                return Err(DomainError::conflict(format!(
                    "the {side} already signed the NDA at {at}"
                )));
            }
            Ok(NegotiationEvent::NdaSigned { side })
        }

        NegotiationAction::MakeOffer {
            offer_id,
            terms,
            on_behalf_of,
        } => {
            require_open(status, "make an offer")?;
            if n.offer(offer_id).is_some() {
                return Err(DomainError::conflict(format!(
                    "offer {offer_id} already exists"
                )));
            }
            let mut v = Validation::new();
            let offer_side = match (side, on_behalf_of) {
                (Some(own), None) => Some(own),
                (Some(own), Some(other)) if other == own => Some(own),
                (Some(own), Some(_)) => {
                    v.push(
                        "on_behalf_of",
                        format!("a party offers only for its own side ({own})"),
                    );
                    None
                }
                (None, Some(for_side)) => Some(for_side),
                (None, None) => {
                    v.push(
                        "on_behalf_of",
                        "the broker must say which side the offer is for",
                    );
                    None
                }
            };
            check_terms(&mut v, &terms);
            v.finish()?;
            let Some(side) = offer_side else {
                unreachable!("a missing side recorded a field error");
            };
            Ok(NegotiationEvent::OfferMade {
                offer: Offer {
                    id: offer_id,
                    side,
                    made_by: actor.user_id,
                    terms,
                    made_at: now,
                },
            })
        }

        NegotiationAction::AcceptOffer { offer_id } => {
            let Some(side) = side else {
                return Err(DomainError::forbidden(
                    "only a party can accept an offer, not the broker",
                ));
            };
            require_open(status, "accept an offer")?;
            let Some(latest) = n.latest_offer() else {
                return Err(DomainError::conflict("there is no offer to accept"));
            };
            if latest.id != offer_id {
                return Err(DomainError::conflict(format!(
                    "only the latest offer can be accepted: {}",
                    latest.id
                )));
            }
            if latest.side == side {
                return Err(DomainError::forbidden(format!(
                    "nobody accepts their own side's offer: this one is the {side}'s"
                )));
            }
            Ok(NegotiationEvent::Agreed { offer_id })
        }

        NegotiationAction::Abandon { reason, note } => {
            require(side.is_some(), "only a party can abandon a negotiation")?;
            require_open(status, "abandon it")?;
            let mut v = Validation::new();
            let note = note
                .and_then(|raw| v.take(clean("note", &raw, 0, NOTE_MAX)))
                .filter(|n| !n.is_empty());
            if reason == AbandonReason::Other && v.is_empty() && note.is_none() {
                v.push("note", "is required when the reason is other");
            }
            v.finish()?;
            Ok(NegotiationEvent::Abandoned { reason, note })
        }
    }
}

fn require_open(status: NegotiationStatus, verb: &str) -> Result<(), DomainError> {
    if status == NegotiationStatus::Open {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "the negotiation must be open to {verb}; it is {status}"
        )))
    }
}

use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::reference::{sample, ContractType};
use crate::domain::{Actor, Command, DomainError, Recorded, Role};

// ---------------------------------------------------------------------------------------------
// Cast: an enterprise buys, a researcher sells (owns the listing), a tech manager brokers. The
// buyer's colleague and a second tech manager are outsiders who look like insiders.

const COMPANY: Uuid = Uuid::from_u128(0x0C1);
const OTHER_COMPANY: Uuid = Uuid::from_u128(0x0C2);
const LAB: Uuid = Uuid::from_u128(0x1AB);
const AGENCY: Uuid = Uuid::from_u128(0x0B1);
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

fn person(n: u128, role: Role, organization_id: Option<Uuid>) -> Actor {
    Actor {
        user_id: Uuid::from_u128(n),
        role,
        organization_id,
    }
}
fn buyer() -> Actor {
    person(1, Role::Enterprise, Some(COMPANY))
}
fn seller() -> Actor {
    person(2, Role::Researcher, Some(LAB))
}
fn broker() -> Actor {
    person(3, Role::TechManager, Some(AGENCY))
}
fn buyer_colleague() -> Actor {
    person(4, Role::Enterprise, Some(COMPANY))
}
fn outsider_enterprise() -> Actor {
    person(5, Role::Enterprise, Some(OTHER_COMPANY))
}
fn other_tech_manager() -> Actor {
    person(6, Role::TechManager, Some(AGENCY))
}
fn seller_colleague() -> Actor {
    person(7, Role::Researcher, Some(LAB))
}
fn platform_admin() -> Actor {
    person(8, Role::PlatformAdmin, None)
}
fn system() -> Actor {
    Actor::system()
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
    everyone()
        .into_iter()
        .filter(|(name, _)| !allowed.contains(name))
        .collect()
}

/// 2026-06-01 09:00 in China.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap()
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
// Stories: a sequence of commands folded through handle_command and apply_event.

struct Story {
    state: NegotiationState,
    now: DateTime<Utc>,
}

impl Story {
    fn new() -> Self {
        Story {
            state: NegotiationState::default(),
            now: t0(),
        }
    }

    fn at(&mut self, now: DateTime<Utc>) -> &mut Self {
        self.now = now;
        self
    }

    fn try_run(
        &mut self,
        actor: Actor,
        action: NegotiationAction,
    ) -> Result<Vec<Recorded<NegotiationEvent>>, DomainError> {
        let events =
            Negotiation::handle_command(&self.state, Command::new(actor, self.now, action))?;
        for recorded in events.iter().cloned() {
            self.state = Negotiation::apply_event(std::mem::take(&mut self.state), recorded);
        }
        self.now += TimeDelta::hours(1);
        Ok(events)
    }

    /// Runs an accepted command and returns its single event, checking who and when.
    fn ok(&mut self, actor: Actor, action: NegotiationAction) -> NegotiationEvent {
        let at = self.now;
        let mut events = self
            .try_run(actor, action)
            .unwrap_or_else(|e| panic!("refused: {e:?}"));
        assert_eq!(events.len(), 1, "one command, one event");
        let recorded = events.remove(0);
        assert_eq!((recorded.actor, recorded.at), (actor, at));
        recorded.event
    }

    /// Runs a command that must be refused and leave the state as it was.
    fn refused(&mut self, actor: Actor, action: NegotiationAction) -> DomainError {
        let before = self.state.clone();
        let err = self
            .try_run(actor, action)
            .expect_err("command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        err
    }

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

fn offer(offer_id: Uuid, terms: Terms) -> NegotiationAction {
    NegotiationAction::MakeOffer {
        offer_id,
        terms,
        on_behalf_of: None,
    }
}

fn offer_for(offer_id: Uuid, terms: Terms, side: Side) -> NegotiationAction {
    NegotiationAction::MakeOffer {
        offer_id,
        terms,
        on_behalf_of: Some(side),
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
    let mut s = Story::new();
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

// =============================================================================================
// Terms::parse

#[test]
fn parse_accepts_valid_terms_trimming_the_territory() {
    assert_eq!(
        terms(),
        Terms {
            contract_type: "license".into(),
            contract_subtype: Some("exclusive".into()),
            price_fen: 500_000_000,
            payment: Payment::Royalty { rate_bp: 350 },
            term_months: 60,
            territory: "中国大陆".into(),
            exclusivity: Exclusivity::Exclusive,
        }
    );
}

#[test]
fn every_payment_kind_is_accepted_at_its_bounds() {
    for payment in [
        Payment::LumpSum,
        Payment::Instalments { count: 2 },
        Payment::Instalments { count: 120 },
        Payment::Royalty { rate_bp: 1 },
        Payment::Royalty { rate_bp: 10_000 },
        Payment::Equity { share_bp: 1 },
        Payment::Equity { share_bp: 10_000 },
    ] {
        assert_eq!(
            parse(TermsInput {
                payment,
                ..terms_input()
            })
            .unwrap()
            .payment,
            payment
        );
    }
}

#[test]
fn payments_out_of_bounds_are_refused_on_their_own_field() {
    for (payment, field) in [
        (Payment::Instalments { count: 0 }, "payment.count"),
        (Payment::Instalments { count: 1 }, "payment.count"),
        (Payment::Instalments { count: 121 }, "payment.count"),
        (Payment::Instalments { count: u32::MAX }, "payment.count"),
        (Payment::Royalty { rate_bp: 0 }, "payment.rate_bp"),
        (Payment::Royalty { rate_bp: 10_001 }, "payment.rate_bp"),
        (Payment::Royalty { rate_bp: u32::MAX }, "payment.rate_bp"),
        (Payment::Equity { share_bp: 0 }, "payment.share_bp"),
        (Payment::Equity { share_bp: 10_001 }, "payment.share_bp"),
    ] {
        assert_eq!(
            invalid(TermsInput {
                payment,
                ..terms_input()
            }),
            vec![field],
            "{payment:?}"
        );
    }
    let err = parse(TermsInput {
        payment: Payment::Royalty { rate_bp: 10_001 },
        ..terms_input()
    })
    .unwrap_err();
    assert!(message_of(&err, "payment.rate_bp").contains("100%"));
}

#[test]
fn the_price_is_zero_to_the_maximum_and_never_negative() {
    let price = |price_fen: i64| TermsInput {
        price_fen,
        ..terms_input()
    };
    for good in [0, 1, MAX_FEN] {
        assert_eq!(parse(price(good)).unwrap().price_fen, good);
    }
    for bad in [-1, i64::MIN] {
        let err = parse(price(bad)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["price_fen"], "{bad}");
        assert_eq!(message_of(&err, "price_fen"), "must not be negative");
    }
    for bad in [MAX_FEN + 1, i64::MAX] {
        let err = parse(price(bad)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["price_fen"], "{bad}");
        assert!(message_of(&err, "price_fen").contains("at most"));
    }
}

#[test]
fn the_term_is_1_to_600_months() {
    let term = |term_months: u32| TermsInput {
        term_months,
        ..terms_input()
    };
    for bad in [0, 601, u32::MAX] {
        assert_eq!(invalid(term(bad)), vec!["term_months"], "{bad}");
    }
    for good in [1, 600] {
        assert_eq!(parse(term(good)).unwrap().term_months, good);
    }
}

#[test]
fn the_territory_is_a_single_line_of_1_to_100_characters() {
    let territory = |raw: String| TermsInput {
        territory: raw,
        ..terms_input()
    };
    for bad in [
        String::new(),
        "   ".to_string(),
        "重庆\n四川".to_string(),
        "地".repeat(101),
        "nul\u{0}".to_string(),
    ] {
        assert_eq!(
            invalid(territory(bad.clone())),
            vec!["territory"],
            "{bad:?}"
        );
    }
    for good in ["地".repeat(100), "Worldwide".to_string()] {
        assert_eq!(parse(territory(good.clone())).unwrap().territory, good);
    }
}

#[test]
fn every_exclusivity_is_accepted() {
    for exclusivity in Exclusivity::ALL {
        assert_eq!(
            parse(TermsInput {
                exclusivity,
                ..terms_input()
            })
            .unwrap()
            .exclusivity,
            exclusivity
        );
    }
}

#[test]
fn the_contract_type_and_subtype_come_from_the_2026_taxonomy() {
    let kind = |contract_type: &str, subtype: Option<&str>| TermsInput {
        contract_type: contract_type.into(),
        contract_subtype: subtype.map(Into::into),
        ..terms_input()
    };
    for (contract_type, subtype) in [
        ("development", Some("commissioned")),
        ("development", Some("cooperative")),
        ("development", None),
        ("transfer", Some("patent_right")),
        ("license", Some("non_exclusive")),
        ("license", None),
        ("consulting", None),
    ] {
        let t = parse(kind(contract_type, subtype)).unwrap();
        assert_eq!(
            (t.contract_type.as_str(), t.contract_subtype.as_deref()),
            (contract_type, subtype)
        );
    }

    let err = parse(kind("gift", None)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_type"]);
    assert!(message_of(&err, "contract_type").contains("'gift'"));
    // Codes match exactly.
    assert_eq!(invalid(kind("License", None)), vec!["contract_type"]);
    assert_eq!(invalid(kind(" license", None)), vec!["contract_type"]);
    // A long bogus code is not echoed in full.
    let err = parse(kind(&"x".repeat(1000), None)).unwrap_err();
    assert!(message_of(&err, "contract_type").len() < 200);

    // A subtype of the 2001 taxonomy only, or of another type, is unknown.
    for (contract_type, subtype) in [
        ("transfer", "patent_license"),
        ("license", "commissioned"),
        ("development", ""),
    ] {
        let err = parse(kind(contract_type, Some(subtype))).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["contract_subtype"], "{subtype}");
        assert!(message_of(&err, "contract_subtype").contains("unknown subtype"));
    }
    let err = parse(kind("license", Some("commissioned"))).unwrap_err();
    assert!(message_of(&err, "contract_subtype").contains("exclusive, sole, non_exclusive"));
    let err = parse(kind("consulting", Some("expert"))).unwrap_err();
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "contract type 'consulting' has no subtypes"
    );
    // The subtype of an unknown type is not judged: that would only repeat the error.
    assert_eq!(
        invalid(kind("gift", Some("wrapped"))),
        vec!["contract_type"]
    );
}

#[test]
fn a_type_of_the_2001_taxonomy_alone_is_unknown() {
    let mut old_only = refs();
    old_only.contract_types.retain(|c| c.taxonomy == "2001");
    let err = Terms::parse(terms_input(), &old_only).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_type"]);
    assert!(message_of(&err, "contract_type").contains("2026"));
    // With no contract types at all (the bare sample set), nothing is known.
    assert_eq!(
        fields(Terms::parse(terms_input(), &sample()).unwrap_err()),
        vec!["contract_type"]
    );
}

#[test]
fn parse_reports_every_invalid_field_at_once_in_order() {
    let err = parse(TermsInput {
        contract_type: "gift".into(),
        contract_subtype: Some("wrapped".into()),
        price_fen: -1,
        payment: Payment::Royalty { rate_bp: 12_000 },
        term_months: 0,
        territory: " ".into(),
        exclusivity: Exclusivity::Sole,
    })
    .unwrap_err();
    assert_eq!(
        fields(err),
        vec![
            "contract_type",
            "price_fen",
            "payment.rate_bp",
            "term_months",
            "territory"
        ]
    );
    assert_eq!(
        invalid(TermsInput {
            contract_subtype: Some("sold".into()),
            payment: Payment::Instalments { count: 1 },
            term_months: 601,
            ..terms_input()
        }),
        vec!["contract_subtype", "payment.count", "term_months"]
    );
}

#[test]
fn terms_input_deserializes_with_payment_tagged_by_kind_and_refuses_unknown_fields() {
    let body = json!({
        "contract_type": "license",
        "contract_subtype": "exclusive",
        "price_fen": 500_000_000,
        "payment": {"kind": "royalty", "rate_bp": 350},
        "term_months": 60,
        "territory": "  中国大陆 ",
        "exclusivity": "exclusive"
    });
    let input: TermsInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(input, terms_input());
    assert_eq!(serde_json::to_value(&input).unwrap(), body);

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<TermsInput>(b)
    };
    for (payment, expected) in [
        (json!({"kind": "lump_sum"}), Payment::LumpSum),
        (
            json!({"kind": "instalments", "count": 4}),
            Payment::Instalments { count: 4 },
        ),
        (
            json!({"kind": "royalty", "rate_bp": 10_001}),
            Payment::Royalty { rate_bp: 10_001 },
        ),
        (
            json!({"kind": "equity", "share_bp": 2_500}),
            Payment::Equity { share_bp: 2_500 },
        ),
    ] {
        let input = with("/payment", payment.clone()).unwrap();
        assert_eq!(input.payment, expected);
        assert_eq!(serde_json::to_value(expected).unwrap(), payment);
        assert_eq!(payment["kind"], expected.kind());
    }
    for bad_payment in [
        json!("lump_sum"),
        json!({"kind": "barter"}),
        json!({"kind": "royalty"}),
        json!({"kind": "royalty", "rate_bp": -5}),
        json!({"kind": "royalty", "rate_bp": 3.5}),
        json!({"rate_bp": 350}),
        json!({"kind": "lump_sum", "count": 3}),
        json!({"kind": "equity", "share_bp": 100, "rate_bp": 100}),
    ] {
        assert!(
            with("/payment", bad_payment.clone()).is_err(),
            "{bad_payment}"
        );
    }
    for (path, bad) in [
        ("/exclusivity", json!("partial")),
        ("/exclusivity", json!("NonExclusive")),
        ("/price_fen", json!(1.5)),
        ("/price_fen", json!("100")),
        ("/term_months", json!(-1)),
    ] {
        assert!(with(path, bad.clone()).is_err(), "{path} {bad}");
    }
    // A negative price deserializes, and is refused by parse with a field path.
    let negative = with("/price_fen", json!(-100)).unwrap();
    assert_eq!(fields(parse(negative).unwrap_err()), vec!["price_fen"]);
    // The subtype may be absent or null.
    let mut no_subtype = body.clone();
    no_subtype
        .as_object_mut()
        .unwrap()
        .remove("contract_subtype");
    assert_eq!(
        serde_json::from_value::<TermsInput>(no_subtype)
            .unwrap()
            .contract_subtype,
        None
    );
    assert_eq!(
        with("/contract_subtype", json!(null))
            .unwrap()
            .contract_subtype,
        None
    );
    let mut unknown = body.clone();
    unknown["currency"] = json!("CNY");
    assert!(serde_json::from_value::<TermsInput>(unknown).is_err());
    let mut missing = body;
    missing.as_object_mut().unwrap().remove("territory");
    assert!(serde_json::from_value::<TermsInput>(missing).is_err());
}

// =============================================================================================
// Existence

#[test]
fn every_action_but_open_needs_an_existing_negotiation() {
    for action in every_action_but_open() {
        for (who, actor) in everyone() {
            let mut s = Story::new();
            assert_eq!(
                s.refused(actor, action.clone()),
                DomainError::NotFound,
                "{who} {action:?}"
            );
            assert_eq!(s.state.negotiation, None);
        }
    }
}

#[test]
fn open_on_an_existing_negotiation_conflicts() {
    for status in NegotiationStatus::ALL {
        let mut s = closed(status);
        for (who, actor) in [("buyer", buyer()), ("outsider", outsider_enterprise())] {
            let err = s.refused(actor, open_action());
            assert_eq!(
                err,
                DomainError::conflict("negotiation already exists"),
                "{who} {status}"
            );
        }
    }
}

#[test]
fn applying_anything_but_opened_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: buyer(),
            at: t0(),
            event,
        };
        assert_eq!(
            Negotiation::apply_event(NegotiationState::default(), recorded).negotiation,
            None
        );
    }
}

// =============================================================================================
// Open

#[test]
fn an_enterprise_opens_a_negotiation_as_the_buyer() {
    let mut s = Story::new();
    let events = s.try_run(buyer(), open_action()).unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: buyer(),
            at: t0(),
            event: NegotiationEvent::Opened {
                listing_id: LISTING,
                demand_id: Some(DEMAND),
                buyer_id: buyer().user_id,
                buyer_organization_id: Some(COMPANY),
                seller_id: seller().user_id,
                seller_organization_id: Some(LAB),
                message: OPENING_MESSAGE.into(),
            },
        }]
    );
    assert_eq!(
        s.negotiation(),
        &NegotiationData {
            listing_id: LISTING,
            demand_id: Some(DEMAND),
            buyer_id: buyer().user_id,
            buyer_organization_id: Some(COMPANY),
            seller_id: seller().user_id,
            seller_organization_id: Some(LAB),
            broker_id: None,
            status: NegotiationStatus::Open,
            buyer_signed_nda_at: None,
            seller_signed_nda_at: None,
            offers: vec![],
            agreed_offer_id: None,
            abandon_reason: None,
            abandon_note: None,
            message: OPENING_MESSAGE.into(),
            created_at: t0(),
            updated_at: t0(),
            last_activity_at: t0(),
            closed_at: None,
        }
    );
}

#[test]
fn a_negotiation_may_open_without_a_demand_an_organization_or_a_message() {
    let loner = person(50, Role::Enterprise, None);
    let mut s = Story::new();
    let event = s.ok(
        loner,
        NegotiationAction::Open {
            listing_id: LISTING,
            demand_id: None,
            seller_id: seller().user_id,
            seller_organization_id: None,
            message: "   ".into(),
        },
    );
    assert_eq!(
        event,
        NegotiationEvent::Opened {
            listing_id: LISTING,
            demand_id: None,
            buyer_id: loner.user_id,
            buyer_organization_id: None,
            seller_id: seller().user_id,
            seller_organization_id: None,
            message: String::new(),
        }
    );
}

#[test]
fn only_an_enterprise_opens() {
    for (who, actor) in everyone_but(&["buyer", "buyer_colleague", "outsider_enterprise"]) {
        assert_forbidden(Story::new().refused(actor, open_action()), who);
    }
    for actor in [buyer_colleague(), outsider_enterprise()] {
        let mut s = Story::new();
        s.ok(actor, open_action());
        assert_eq!(s.negotiation().buyer_id, actor.user_id);
    }
}

#[test]
fn the_buyer_may_not_be_the_seller() {
    let err = Story::new().refused(
        buyer(),
        NegotiationAction::Open {
            listing_id: LISTING,
            demand_id: None,
            seller_id: buyer().user_id,
            seller_organization_id: Some(COMPANY),
            message: "hi".into(),
        },
    );
    assert_eq!(
        err,
        DomainError::forbidden("nobody negotiates with themselves")
    );
}

#[test]
fn the_opening_message_is_at_most_2000_characters() {
    let with_message = |message: String| NegotiationAction::Open {
        listing_id: LISTING,
        demand_id: None,
        seller_id: seller().user_id,
        seller_organization_id: None,
        message,
    };
    for bad in ["话".repeat(2001), "bell\u{7}".to_string()] {
        assert_eq!(
            fields(Story::new().refused(buyer(), with_message(bad))),
            vec!["message"]
        );
    }
    let mut s = Story::new();
    s.ok(buyer(), with_message("话".repeat(2000)));
    assert_eq!(s.negotiation().message.chars().count(), 2000);
    let mut s = Story::new();
    s.ok(buyer(), with_message("第一段\n第二段".into()));
    assert_eq!(s.negotiation().message, "第一段\n第二段");
}

#[test]
fn open_checks_the_actor_before_the_message() {
    let bad = NegotiationAction::Open {
        listing_id: LISTING,
        demand_id: None,
        seller_id: seller().user_id,
        seller_organization_id: None,
        message: "话".repeat(2001),
    };
    assert_forbidden(Story::new().refused(seller(), bad.clone()), "seller");
    let self_dealing = NegotiationAction::Open {
        listing_id: LISTING,
        demand_id: None,
        seller_id: buyer().user_id,
        seller_organization_id: None,
        message: "话".repeat(2001),
    };
    assert_forbidden(Story::new().refused(buyer(), self_dealing), "buyer");
}

// =============================================================================================
// Who may act: the whole table

#[test]
fn each_action_is_open_to_exactly_the_right_participants() {
    use Outcome::{Accepted as A, Forbidden as F, Invalid as I};
    // Columns: buyer, seller, broker, buyer_colleague, outsider_enterprise, other_tech_manager,
    // seller_colleague, platform_admin, system — on a brokered negotiation with the seller's
    // offer OFFER1 on the table, each command tried on a fresh copy.
    let table: Vec<(&str, NegotiationAction, [Outcome; 9])> = vec![
        (
            "assign broker",
            assign(other_tech_manager()),
            [A, A, F, F, F, F, F, F, F],
        ),
        (
            "sign nda",
            NegotiationAction::SignNda,
            [A, A, F, F, F, F, F, F, F],
        ),
        (
            "offer for own side",
            offer(OFFER2, terms()),
            [A, A, I, F, F, F, F, F, F],
        ),
        (
            "offer for the buyer",
            offer_for(OFFER2, terms(), Side::Buyer),
            [A, I, A, F, F, F, F, F, F],
        ),
        (
            "offer for the seller",
            offer_for(OFFER2, terms(), Side::Seller),
            [I, A, A, F, F, F, F, F, F],
        ),
        (
            "accept the seller's offer",
            accept(OFFER1),
            [A, F, F, F, F, F, F, F, F],
        ),
        (
            "abandon",
            abandon(AbandonReason::TooEarlyStage),
            [A, A, F, F, F, F, F, F, F],
        ),
    ];
    for (what, action, expected) in table {
        for ((who, actor), expected) in everyone().into_iter().zip(expected) {
            let mut s = with_seller_offer();
            let before = s.state.clone();
            let got = outcome(s.try_run(actor, action.clone()));
            assert_eq!(got, expected, "{who}: {what}");
            if got != A {
                assert_eq!(s.state, before, "{who}: {what}");
            }
        }
    }
}

#[test]
fn only_the_system_actor_expires_and_it_does_nothing_else() {
    for (who, actor) in everyone() {
        let mut s = with_seller_offer();
        let due = s.expiry_due();
        let got = outcome(s.at(due).try_run(actor, expire()));
        let expected = if who == "system" {
            Outcome::Accepted
        } else {
            Outcome::Forbidden
        };
        assert_eq!(got, expected, "{who}");
    }
    for action in every_action_but_open() {
        if matches!(action, NegotiationAction::Expire { .. }) {
            continue;
        }
        assert_forbidden(
            with_seller_offer().refused(system(), action.clone()),
            &format!("system {action:?}"),
        );
    }
}

#[test]
fn outsiders_are_forbidden_whatever_the_state_and_the_input() {
    let outsiders = everyone_but(&["buyer", "seller", "broker", "system"]);
    let bad_terms = priced(-1);
    let actions = vec![
        NegotiationAction::AssignBroker {
            broker_id: buyer().user_id,
            broker_is_tech_manager: false,
        },
        NegotiationAction::SignNda,
        offer(OFFER1, bad_terms.clone()),
        offer_for(OFFER2, bad_terms, Side::Buyer),
        accept(OFFER6),
        NegotiationAction::Abandon {
            reason: AbandonReason::Other,
            note: None,
        },
        NegotiationAction::Expire { idle_days: 10_000 },
    ];
    for status in NegotiationStatus::ALL {
        for action in &actions {
            for (who, actor) in &outsiders {
                assert_forbidden(
                    closed(status).refused(*actor, action.clone()),
                    &format!("{who} {status} {action:?}"),
                );
            }
        }
    }
}

#[test]
fn a_broker_of_another_negotiation_is_an_outsider_here() {
    // broker() brokers one negotiation; in another, without a broker, they are nobody.
    let mine = with_seller_offer();
    assert!(mine.negotiation().is_broker(&broker()));
    let mut other = opened();
    other.ok(seller(), offer(OFFER1, terms()));
    for action in [
        offer_for(OFFER2, terms(), Side::Seller),
        accept(OFFER1),
        NegotiationAction::SignNda,
        assign(broker()),
        abandon(AbandonReason::Price),
    ] {
        assert_eq!(
            other.refused(broker(), action),
            DomainError::forbidden("only the parties and the broker act on a negotiation")
        );
    }
    // Nor in one brokered by another tech manager.
    let mut third = opened();
    third.ok(seller(), assign(other_tech_manager()));
    assert_forbidden(
        third.refused(broker(), offer_for(OFFER2, terms(), Side::Buyer)),
        "broker",
    );
    third.ok(
        other_tech_manager(),
        offer_for(OFFER2, terms(), Side::Buyer),
    );
}

// =============================================================================================
// AssignBroker

#[test]
fn either_party_assigns_a_broker_who_then_takes_part() {
    for party in [buyer(), seller()] {
        let mut s = opened();
        assert!(!s.negotiation().is_participant(&broker()));
        let at = s.now;
        assert_eq!(
            s.ok(party, assign(broker())),
            NegotiationEvent::BrokerAssigned {
                broker_id: broker().user_id
            }
        );
        let n = s.negotiation();
        assert_eq!(n.broker_id, Some(broker().user_id));
        assert!(n.is_broker(&broker()) && n.is_participant(&broker()));
        assert_eq!(n.side_of(&broker()), None);
        assert!(n.is_visible_to(Some(&broker())));
        assert_eq!((n.updated_at, n.last_activity_at), (at, at));
    }
}

#[test]
fn a_party_replaces_the_broker_and_the_old_one_loses_every_right() {
    let mut s = brokered();
    s.ok(seller(), assign(other_tech_manager()));
    assert_eq!(
        s.negotiation().broker_id,
        Some(other_tech_manager().user_id)
    );
    assert!(!s.negotiation().is_participant(&broker()));
    assert!(!s.negotiation().is_visible_to(Some(&broker())));
    assert_forbidden(
        s.refused(broker(), offer_for(OFFER1, terms(), Side::Seller)),
        "old broker",
    );
    s.ok(
        other_tech_manager(),
        offer_for(OFFER1, terms(), Side::Seller),
    );
    // Assigning the same broker again is harmless.
    s.ok(buyer(), assign(other_tech_manager()));
    assert_eq!(
        s.negotiation().broker_id,
        Some(other_tech_manager().user_id)
    );
}

#[test]
fn the_broker_does_not_assign_brokers() {
    let mut s = brokered();
    assert_eq!(
        s.refused(broker(), assign(other_tech_manager())),
        DomainError::forbidden("only a party can assign a broker")
    );
}

#[test]
fn the_broker_is_a_tech_manager_and_not_a_party() {
    let mut s = opened();
    for party in [buyer(), seller()] {
        for is_tm in [true, false] {
            let err = s.refused(
                buyer(),
                NegotiationAction::AssignBroker {
                    broker_id: party.user_id,
                    broker_is_tech_manager: is_tm,
                },
            );
            assert_eq!(
                err,
                DomainError::invalid("broker_id", "a party cannot broker its own negotiation")
            );
        }
    }
    let err = s.refused(
        seller(),
        NegotiationAction::AssignBroker {
            broker_id: outsider_enterprise().user_id,
            broker_is_tech_manager: false,
        },
    );
    assert_eq!(
        err,
        DomainError::invalid("broker_id", "the broker must be a tech manager")
    );
    assert_eq!(s.negotiation().broker_id, None);
}

#[test]
fn no_broker_is_assigned_to_a_closed_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for party in [buyer(), seller()] {
            assert_conflict(
                s.refused(party, assign(other_tech_manager())),
                status.as_str(),
            );
        }
        // The state is checked before the input.
        let err = s.refused(
            buyer(),
            NegotiationAction::AssignBroker {
                broker_id: seller().user_id,
                broker_is_tech_manager: false,
            },
        );
        assert_conflict(err, "must be open to assign a broker");
    }
}

// =============================================================================================
// SignNda

#[test]
fn each_side_signs_the_nda_once_and_it_is_complete_when_both_have() {
    let mut s = brokered();
    assert!(!s.negotiation().nda_complete());
    let seller_at = s.now;
    assert_eq!(
        s.ok(seller(), NegotiationAction::SignNda),
        NegotiationEvent::NdaSigned { side: Side::Seller }
    );
    assert_eq!(s.negotiation().seller_signed_nda_at, Some(seller_at));
    assert_eq!(s.negotiation().buyer_signed_nda_at, None);
    assert!(!s.negotiation().nda_complete());
    assert_conflict(
        s.refused(seller(), NegotiationAction::SignNda),
        "already signed",
    );

    let buyer_at = s.now;
    assert_eq!(
        s.ok(buyer(), NegotiationAction::SignNda),
        NegotiationEvent::NdaSigned { side: Side::Buyer }
    );
    let n = s.negotiation();
    assert_eq!(
        (n.buyer_signed_nda_at, n.seller_signed_nda_at),
        (Some(buyer_at), Some(seller_at))
    );
    assert_eq!(
        (n.signed_nda_at(Side::Buyer), n.signed_nda_at(Side::Seller)),
        (Some(buyer_at), Some(seller_at))
    );
    assert!(n.nda_complete());
    let err = s.refused(buyer(), NegotiationAction::SignNda);
    assert_eq!(
        err,
        DomainError::conflict(format!("the buyer already signed the NDA at {buyer_at}"))
    );
}

#[test]
fn the_broker_does_not_sign_the_nda() {
    let mut s = brokered();
    assert_eq!(
        s.refused(broker(), NegotiationAction::SignNda),
        DomainError::forbidden("only a party can sign the NDA")
    );
}

#[test]
fn the_nda_is_not_signed_on_a_closed_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for party in [buyer(), seller()] {
            assert_eq!(
                s.refused(party, NegotiationAction::SignNda),
                DomainError::conflict(format!(
                    "the negotiation must be open to sign the NDA; it is {status}"
                ))
            );
        }
        assert!(!s.negotiation().nda_complete());
    }
}

// =============================================================================================
// MakeOffer

#[test]
fn a_party_makes_an_offer_for_its_own_side() {
    for (party, side) in [(buyer(), Side::Buyer), (seller(), Side::Seller)] {
        for on_behalf_of in [None, Some(side)] {
            let mut s = opened();
            let at = s.now;
            let event = s.ok(
                party,
                NegotiationAction::MakeOffer {
                    offer_id: OFFER1,
                    terms: terms(),
                    on_behalf_of,
                },
            );
            let expected = Offer {
                id: OFFER1,
                side,
                made_by: party.user_id,
                terms: terms(),
                made_at: at,
            };
            assert_eq!(
                event,
                NegotiationEvent::OfferMade {
                    offer: expected.clone()
                }
            );
            let n = s.negotiation();
            assert_eq!(n.offers, vec![expected.clone()]);
            assert_eq!(n.latest_offer(), Some(&expected));
            assert_eq!(n.offer(OFFER1), Some(&expected));
            assert_eq!(n.status, NegotiationStatus::Open);
            assert_eq!((n.updated_at, n.last_activity_at), (at, at));
        }
    }
}

#[test]
fn a_party_may_not_offer_for_the_other_side() {
    for (party, other) in [(buyer(), Side::Seller), (seller(), Side::Buyer)] {
        let err = opened().refused(party, offer_for(OFFER1, terms(), other));
        assert_eq!(fields(err.clone()), vec!["on_behalf_of"]);
        assert!(message_of(&err, "on_behalf_of").contains("its own side"));
    }
}

#[test]
fn the_broker_offers_on_behalf_of_a_side_which_must_be_named() {
    let mut s = brokered();
    let err = s.refused(broker(), offer(OFFER1, terms()));
    assert_eq!(
        err,
        DomainError::invalid(
            "on_behalf_of",
            "the broker must say which side the offer is for"
        )
    );
    for (id, side) in [(OFFER1, Side::Seller), (OFFER2, Side::Buyer)] {
        let at = s.now;
        assert_eq!(
            s.ok(broker(), offer_for(id, terms(), side)),
            NegotiationEvent::OfferMade {
                offer: Offer {
                    id,
                    side,
                    made_by: broker().user_id,
                    terms: terms(),
                    made_at: at,
                }
            }
        );
    }
    assert_eq!(s.negotiation().offers.len(), 2);
}

#[test]
fn an_offer_id_is_used_once() {
    let mut s = with_seller_offer();
    for (actor, side) in [
        (buyer(), None),
        (seller(), None),
        (broker(), Some(Side::Buyer)),
    ] {
        let err = s.refused(
            actor,
            NegotiationAction::MakeOffer {
                offer_id: OFFER1,
                terms: priced(1),
                on_behalf_of: side,
            },
        );
        assert_eq!(
            err,
            DomainError::conflict(format!("offer {OFFER1} already exists"))
        );
    }
}

#[test]
fn a_side_may_revise_its_own_offer_before_the_other_answers() {
    let mut s = opened();
    s.ok(seller(), offer(OFFER1, priced(900)));
    s.ok(seller(), offer(OFFER2, priced(800)));
    let n = s.negotiation();
    assert_eq!(n.latest_offer().unwrap().id, OFFER2);
    assert_eq!(
        n.offers.iter().map(|o| o.side).collect::<Vec<_>>(),
        vec![Side::Seller, Side::Seller]
    );
}

#[test]
fn no_offer_is_made_on_an_agreed_abandoned_or_expired_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for (who, actor, side) in [
            ("buyer", buyer(), None),
            ("seller", seller(), None),
            ("broker", broker(), Some(Side::Buyer)),
        ] {
            let err = s.refused(
                actor,
                NegotiationAction::MakeOffer {
                    offer_id: OFFER2,
                    terms: terms(),
                    on_behalf_of: side,
                },
            );
            assert_eq!(
                err,
                DomainError::conflict(format!(
                    "the negotiation must be open to make an offer; it is {status}"
                )),
                "{who}"
            );
        }
        assert_eq!(s.negotiation().offers.len(), 1);
    }
}

#[test]
fn hand_built_terms_are_rechecked_and_every_error_reported() {
    let broken = Terms {
        price_fen: -1,
        payment: Payment::Royalty { rate_bp: 10_001 },
        term_months: 0,
        territory: "a\nb".into(),
        ..terms()
    };
    let mut s = brokered();
    assert_eq!(
        fields(s.refused(broker(), offer(OFFER1, broken.clone()))),
        vec![
            "on_behalf_of",
            "price_fen",
            "payment.rate_bp",
            "term_months",
            "territory"
        ]
    );
    assert_eq!(
        fields(s.refused(buyer(), offer_for(OFFER1, broken, Side::Seller))),
        vec![
            "on_behalf_of",
            "price_fen",
            "payment.rate_bp",
            "term_months",
            "territory"
        ]
    );
    for (bad, field) in [
        (priced(MAX_FEN + 1), "price_fen"),
        (
            Terms {
                payment: Payment::Instalments { count: 1 },
                ..terms()
            },
            "payment.count",
        ),
        (
            Terms {
                payment: Payment::Equity { share_bp: 0 },
                ..terms()
            },
            "payment.share_bp",
        ),
        (
            Terms {
                term_months: 601,
                ..terms()
            },
            "term_months",
        ),
        (
            Terms {
                territory: String::new(),
                ..terms()
            },
            "territory",
        ),
        (
            Terms {
                territory: " untrimmed ".into(),
                ..terms()
            },
            "territory",
        ),
    ] {
        assert_eq!(fields(s.refused(seller(), offer(OFFER1, bad))), vec![field]);
    }
    assert!(s.negotiation().offers.is_empty());
}

#[test]
fn make_offer_checks_the_actor_then_the_state_then_the_input() {
    let broken = priced(-1);
    // Actor: an outsider learns nothing, even on a closed negotiation with bad terms.
    let mut s = closed(NegotiationStatus::Agreed);
    assert_forbidden(
        s.refused(
            other_tech_manager(),
            offer_for(OFFER1, broken.clone(), Side::Buyer),
        ),
        "other_tech_manager",
    );
    // State: closed before invalid.
    assert_conflict(s.refused(broker(), offer(OFFER2, broken.clone())), "agreed");
    // A reused id before invalid.
    let mut s = with_seller_offer();
    assert_conflict(
        s.refused(broker(), offer(OFFER1, broken.clone())),
        "already exists",
    );
    // Then the input.
    assert_eq!(
        fields(s.refused(buyer(), offer(OFFER2, broken))),
        vec!["price_fen"]
    );
}

// =============================================================================================
// AcceptOffer and a whole negotiation

#[test]
fn three_rounds_of_offers_and_counter_offers_then_agreement() {
    let mut s = opened();
    s.ok(seller(), assign(broker()));
    s.ok(buyer(), NegotiationAction::SignNda);
    s.ok(seller(), NegotiationAction::SignNda);
    assert!(s.negotiation().nda_complete());

    let round = |price: i64, payment: Payment| Terms {
        price_fen: price,
        payment,
        ..terms()
    };
    // Round 1: the seller asks, the buyer counters.
    s.ok(
        seller(),
        offer(OFFER1, round(900_000_000, Payment::LumpSum)),
    );
    s.ok(
        buyer(),
        offer(
            OFFER2,
            round(500_000_000, Payment::Instalments { count: 12 }),
        ),
    );
    // Round 2: the broker counters for the seller, the buyer counters again.
    s.ok(
        broker(),
        offer_for(
            OFFER3,
            round(800_000_000, Payment::Instalments { count: 6 }),
            Side::Seller,
        ),
    );
    s.ok(
        buyer(),
        offer(
            OFFER4,
            round(600_000_000, Payment::Royalty { rate_bp: 300 }),
        ),
    );
    // Round 3: the seller counters, the broker counters for the buyer.
    s.ok(
        seller(),
        offer(
            OFFER5,
            round(700_000_000, Payment::Royalty { rate_bp: 500 }),
        ),
    );
    let final_terms = round(650_000_000, Payment::Royalty { rate_bp: 450 });
    s.ok(
        broker(),
        offer_for(OFFER6, final_terms.clone(), Side::Buyer),
    );
    assert_eq!(s.negotiation().agreed_terms(), None);

    // The buyer may not accept what the broker offered in its name; the seller may.
    assert_eq!(
        s.refused(buyer(), accept(OFFER6)),
        DomainError::forbidden("nobody accepts their own side's offer: this one is the buyer's")
    );
    assert_eq!(
        s.refused(seller(), accept(OFFER5)),
        DomainError::conflict(format!("only the latest offer can be accepted: {OFFER6}"))
    );
    let at = s.now;
    assert_eq!(
        s.ok(seller(), accept(OFFER6)),
        NegotiationEvent::Agreed { offer_id: OFFER6 }
    );

    let n = s.negotiation();
    assert_eq!(n.status, NegotiationStatus::Agreed);
    assert_eq!(n.agreed_offer_id, Some(OFFER6));
    assert_eq!(n.agreed_terms(), Some(&final_terms));
    assert_eq!(n.closed_at, Some(at));
    assert_eq!((n.updated_at, n.last_activity_at), (at, at));
    assert_eq!(n.created_at, t0());
    assert_eq!(at, t0() + TimeDelta::hours(10));
    assert_eq!(
        n.offers
            .iter()
            .map(|o| (o.id, o.side, o.made_by))
            .collect::<Vec<_>>(),
        vec![
            (OFFER1, Side::Seller, seller().user_id),
            (OFFER2, Side::Buyer, buyer().user_id),
            (OFFER3, Side::Seller, broker().user_id),
            (OFFER4, Side::Buyer, buyer().user_id),
            (OFFER5, Side::Seller, seller().user_id),
            (OFFER6, Side::Buyer, broker().user_id),
        ]
    );
    assert_eq!(
        n.offers
            .iter()
            .map(|o| o.terms.price_fen)
            .collect::<Vec<_>>(),
        vec![
            900_000_000,
            500_000_000,
            800_000_000,
            600_000_000,
            700_000_000,
            650_000_000
        ]
    );
    assert_eq!((n.abandon_reason, n.abandon_note.as_ref()), (None, None));
}

#[test]
fn the_buyer_accepts_the_sellers_offer() {
    let mut s = with_seller_offer();
    let at = s.now;
    assert_eq!(
        s.ok(buyer(), accept(OFFER1)),
        NegotiationEvent::Agreed { offer_id: OFFER1 }
    );
    let n = s.negotiation();
    assert_eq!(
        (n.status, n.agreed_offer_id, n.closed_at),
        (NegotiationStatus::Agreed, Some(OFFER1), Some(at))
    );
    assert_eq!(n.agreed_terms(), Some(&terms()));
}

#[test]
fn nobody_accepts_their_own_sides_offer() {
    // The seller's own offer.
    let mut s = with_seller_offer();
    assert_eq!(
        s.refused(seller(), accept(OFFER1)),
        DomainError::forbidden("nobody accepts their own side's offer: this one is the seller's")
    );
    // An offer the broker made for the seller is the seller's side's too.
    let mut s = brokered();
    s.ok(broker(), offer_for(OFFER1, terms(), Side::Seller));
    assert_forbidden(s.refused(seller(), accept(OFFER1)), "seller");
    s.ok(buyer(), accept(OFFER1));
    // And the buyer's.
    let mut s = opened();
    s.ok(buyer(), offer(OFFER1, terms()));
    assert_forbidden(s.refused(buyer(), accept(OFFER1)), "buyer");
    s.ok(seller(), accept(OFFER1));
    assert_eq!(s.status(), NegotiationStatus::Agreed);
}

#[test]
fn the_broker_never_accepts() {
    let mut s = brokered();
    s.ok(seller(), offer(OFFER1, terms()));
    s.ok(buyer(), offer(OFFER2, terms()));
    for id in [OFFER1, OFFER2] {
        assert_eq!(
            s.refused(broker(), accept(id)),
            DomainError::forbidden("only a party can accept an offer, not the broker")
        );
    }
}

#[test]
fn only_the_latest_offer_is_accepted() {
    let mut s = with_seller_offer();
    s.ok(buyer(), offer(OFFER2, priced(1)));
    s.ok(seller(), offer(OFFER3, priced(2)));
    for stale in [OFFER1, OFFER2, OFFER6] {
        for party in [buyer(), seller()] {
            assert_eq!(
                s.refused(party, accept(stale)),
                DomainError::conflict(format!("only the latest offer can be accepted: {OFFER3}"))
            );
        }
    }
    // Staleness is a state matter, checked before whose offer it is: the buyer's stale OFFER2
    // is refused as stale even to the buyer.
    assert_conflict(s.refused(buyer(), accept(OFFER2)), "latest");
    s.ok(buyer(), accept(OFFER3));
    assert_eq!(s.negotiation().agreed_terms(), Some(&priced(2)));
}

#[test]
fn there_is_nothing_to_accept_before_an_offer() {
    let mut s = brokered();
    for party in [buyer(), seller()] {
        assert_eq!(
            s.refused(party, accept(OFFER1)),
            DomainError::conflict("there is no offer to accept")
        );
    }
}

#[test]
fn no_offer_is_accepted_on_a_closed_negotiation() {
    for status in closed_statuses() {
        let mut s = closed(status);
        assert_eq!(
            s.refused(buyer(), accept(OFFER1)),
            DomainError::conflict(format!(
                "the negotiation must be open to accept an offer; it is {status}"
            ))
        );
        // Even one's own offer: the state speaks first.
        assert_conflict(s.refused(seller(), accept(OFFER1)), status.as_str());
        assert_forbidden(s.refused(broker(), accept(OFFER1)), "broker");
    }
}

#[test]
fn agreed_terms_are_none_until_agreement_and_never_for_other_endings() {
    assert_eq!(opened().negotiation().agreed_terms(), None);
    assert_eq!(with_seller_offer().negotiation().agreed_terms(), None);
    for status in [NegotiationStatus::Abandoned, NegotiationStatus::Expired] {
        let s = closed(status);
        assert_eq!(s.negotiation().agreed_terms(), None);
        assert_eq!(s.negotiation().agreed_offer_id, None);
    }
    assert_eq!(
        closed(NegotiationStatus::Agreed)
            .negotiation()
            .agreed_terms(),
        Some(&terms())
    );
}

// =============================================================================================
// Abandon

#[test]
fn either_party_abandons_for_any_reason_with_an_optional_trimmed_note() {
    for party in [buyer(), seller()] {
        for reason in AbandonReason::ALL {
            let mut s = with_seller_offer();
            let at = s.now;
            assert_eq!(
                s.ok(
                    party,
                    NegotiationAction::Abandon {
                        reason,
                        note: Some("  预算不足 ".into()),
                    }
                ),
                NegotiationEvent::Abandoned {
                    reason,
                    note: Some("预算不足".into())
                }
            );
            let n = s.negotiation();
            assert_eq!(n.status, NegotiationStatus::Abandoned);
            assert_eq!(
                (n.abandon_reason, n.abandon_note.as_deref()),
                (Some(reason), Some("预算不足"))
            );
            assert_eq!((n.closed_at, n.updated_at), (Some(at), at));
        }
    }
}

#[test]
fn a_note_is_optional_but_for_reason_other() {
    for note in [None, Some(String::new()), Some("   ".to_string())] {
        let mut s = opened();
        assert_eq!(
            s.ok(
                seller(),
                NegotiationAction::Abandon {
                    reason: AbandonReason::BenefitUnclear,
                    note: note.clone(),
                }
            ),
            NegotiationEvent::Abandoned {
                reason: AbandonReason::BenefitUnclear,
                note: None
            },
            "{note:?}"
        );
        let err = opened().refused(
            buyer(),
            NegotiationAction::Abandon {
                reason: AbandonReason::Other,
                note,
            },
        );
        assert_eq!(
            err,
            DomainError::invalid("note", "is required when the reason is other")
        );
    }
}

#[test]
fn the_note_is_at_most_500_characters() {
    for reason in [AbandonReason::Price, AbandonReason::Other] {
        let err = opened().refused(
            buyer(),
            NegotiationAction::Abandon {
                reason,
                note: Some("注".repeat(501)),
            },
        );
        assert_eq!(fields(err), vec!["note"], "{reason}");
        let mut s = opened();
        s.ok(
            buyer(),
            NegotiationAction::Abandon {
                reason,
                note: Some("注".repeat(500)),
            },
        );
        assert_eq!(
            s.negotiation()
                .abandon_note
                .as_ref()
                .unwrap()
                .chars()
                .count(),
            500
        );
    }
}

#[test]
fn the_broker_does_not_abandon() {
    assert_eq!(
        brokered().refused(broker(), abandon(AbandonReason::Price)),
        DomainError::forbidden("only a party can abandon a negotiation")
    );
}

#[test]
fn a_closed_negotiation_is_not_abandoned() {
    for status in closed_statuses() {
        let mut s = closed(status);
        for party in [buyer(), seller()] {
            assert_eq!(
                s.refused(party, abandon(AbandonReason::Terms)),
                DomainError::conflict(format!(
                    "the negotiation must be open to abandon it; it is {status}"
                ))
            );
            // The state is checked before the note.
            assert_conflict(
                s.refused(
                    party,
                    NegotiationAction::Abandon {
                        reason: AbandonReason::Other,
                        note: None,
                    },
                ),
                status.as_str(),
            );
        }
    }
}

// =============================================================================================
// Expire

#[test]
fn expiry_is_due_exactly_idle_days_after_the_last_activity() {
    let mut s = with_seller_offer();
    let last = s.negotiation().last_activity_at;
    let due = last + TimeDelta::days(30);
    let err = s
        .at(due - TimeDelta::seconds(1))
        .refused(system(), expire());
    assert_conflict(err, "not yet due");
    assert_eq!(s.status(), NegotiationStatus::Open);
    assert_eq!(s.at(due).ok(system(), expire()), NegotiationEvent::Expired);
    let n = s.negotiation();
    assert_eq!(n.status, NegotiationStatus::Expired);
    assert_eq!((n.closed_at, n.updated_at), (Some(due), due));
    // Expiry is not activity.
    assert_eq!(n.last_activity_at, last);
    assert_eq!(n.offers.len(), 1);
}

#[test]
fn any_activity_restarts_the_idle_clock() {
    let mut s = opened();
    let opened_at = t0();
    s.at(opened_at + TimeDelta::days(20))
        .ok(buyer(), NegotiationAction::SignNda);
    let signed_at = opened_at + TimeDelta::days(20);
    assert_eq!(s.negotiation().last_activity_at, signed_at);
    assert_conflict(
        s.at(opened_at + TimeDelta::days(30))
            .refused(system(), expire()),
        "not yet due",
    );
    assert_conflict(
        s.at(signed_at + TimeDelta::days(30) - TimeDelta::milliseconds(1))
            .refused(system(), expire()),
        "not yet due",
    );
    s.at(signed_at + TimeDelta::days(45)).ok(system(), expire());
    assert_eq!(s.status(), NegotiationStatus::Expired);
}

#[test]
fn the_idle_period_is_the_commands_and_zero_means_at_once() {
    let mut s = opened();
    let err = s.refused(system(), NegotiationAction::Expire { idle_days: 1 });
    assert_conflict(err, "1 idle days");
    s.at(t0())
        .ok(system(), NegotiationAction::Expire { idle_days: 0 });
    assert_eq!(s.status(), NegotiationStatus::Expired);
}

#[test]
fn a_closed_negotiation_does_not_expire() {
    for status in closed_statuses() {
        let mut s = closed(status);
        let later = s.now + TimeDelta::days(3650);
        assert_eq!(
            s.at(later).refused(system(), expire()),
            DomainError::conflict(format!(
                "the negotiation must be open to expire; it is {status}"
            ))
        );
    }
}

#[test]
fn expire_checks_the_actor_before_the_state_and_the_clock() {
    let mut s = closed(NegotiationStatus::Agreed);
    assert_eq!(
        s.refused(buyer(), expire()),
        DomainError::forbidden("a negotiation expires by rule, not at anyone's request")
    );
    let mut s = opened();
    assert_forbidden(s.refused(platform_admin(), expire()), "platform_admin");
    assert_conflict(s.refused(system(), expire()), "not yet due");
}

// =============================================================================================
// Evolving: timestamps

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

#[test]
fn every_event_moves_updated_at_and_all_but_expiry_move_last_activity_at() {
    let mut state = NegotiationState::default();
    let mut last_activity = t0();
    for (n, event) in all_events().into_iter().enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64);
        state = Negotiation::apply_event(
            state,
            Recorded {
                actor: buyer(),
                at,
                event: event.clone(),
            },
        );
        if event != NegotiationEvent::Expired {
            last_activity = at;
        }
        let d = state.negotiation.as_ref().unwrap();
        assert_eq!(
            (d.created_at, d.updated_at, d.last_activity_at),
            (t0(), at, last_activity),
            "{}",
            event.name()
        );
        match event {
            NegotiationEvent::NdaSigned { side } => assert_eq!(d.signed_nda_at(side), Some(at)),
            NegotiationEvent::Agreed { .. }
            | NegotiationEvent::Abandoned { .. }
            | NegotiationEvent::Expired => assert_eq!(d.closed_at, Some(at)),
            _ => assert_eq!(d.closed_at, None),
        }
    }
    let d = state.negotiation.unwrap();
    assert_eq!(d.status, NegotiationStatus::Expired);
    assert_eq!(d.last_activity_at, t0() + TimeDelta::minutes(6));
}

// =============================================================================================
// Visibility and membership

/// Who passes `check` on the negotiation of `s`, among anonymous + everyone.
fn who_passes(
    s: &Story,
    check: impl Fn(&NegotiationData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.negotiation(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.negotiation(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

#[test]
fn a_negotiation_is_visible_to_its_participants_and_the_platform_admins_only() {
    assert_eq!(
        who_passes(&opened(), NegotiationData::is_visible_to),
        vec!["buyer", "seller", "platform_admin", "system"]
    );
    for status in NegotiationStatus::ALL {
        assert_eq!(
            who_passes(&closed(status), NegotiationData::is_visible_to),
            vec!["buyer", "seller", "broker", "platform_admin", "system"],
            "{status}"
        );
    }
}

#[test]
fn sides_brokers_and_participants_are_told_apart_by_user_id() {
    let s = brokered();
    let n = s.negotiation();
    for (who, actor) in everyone() {
        let expected = match who {
            "buyer" => (Some(Side::Buyer), false, true),
            "seller" => (Some(Side::Seller), false, true),
            "broker" => (None, true, true),
            _ => (None, false, false),
        };
        assert_eq!(
            (
                n.side_of(&actor),
                n.is_broker(&actor),
                n.is_participant(&actor)
            ),
            expected,
            "{who}"
        );
    }
    // The same person under another role is still the same party.
    let buyer_as_admin = Actor {
        role: Role::PlatformAdmin,
        ..buyer()
    };
    assert_eq!(n.side_of(&buyer_as_admin), Some(Side::Buyer));
    assert!(!opened().negotiation().is_broker(&broker()));
}

// =============================================================================================
// Events and enums: names, serde

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(NegotiationEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "opened",
            "broker_assigned",
            "nda_signed",
            "nda_signed",
            "offer_made",
            "agreed",
            "abandoned",
            "expired"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <NegotiationEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(
            serde_json::from_value::<NegotiationEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: buyer(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<NegotiationEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    let b = buyer().user_id;
    let sl = seller().user_id;
    let shapes = [
        (
            all_events()[0].clone(),
            json!({"type": "opened", "listing_id": LISTING, "demand_id": DEMAND,
                   "buyer_id": b, "buyer_organization_id": COMPANY,
                   "seller_id": sl, "seller_organization_id": LAB, "message": "hello"}),
        ),
        (
            NegotiationEvent::BrokerAssigned {
                broker_id: broker().user_id,
            },
            json!({"type": "broker_assigned", "broker_id": broker().user_id}),
        ),
        (
            NegotiationEvent::NdaSigned { side: Side::Seller },
            json!({"type": "nda_signed", "side": "seller"}),
        ),
        (
            NegotiationEvent::OfferMade {
                offer: offer_of(OFFER1, Side::Seller),
            },
            json!({"type": "offer_made", "offer": {
                "id": OFFER1, "side": "seller", "made_by": sl,
                "terms": {
                    "contract_type": "license", "contract_subtype": "exclusive",
                    "price_fen": 500_000_000, "payment": {"kind": "royalty", "rate_bp": 350},
                    "term_months": 60, "territory": "中国大陆", "exclusivity": "exclusive"
                },
                "made_at": "2026-06-01T01:00:00Z"
            }}),
        ),
        (
            NegotiationEvent::Agreed { offer_id: OFFER1 },
            json!({"type": "agreed", "offer_id": OFFER1}),
        ),
        (
            NegotiationEvent::Abandoned {
                reason: AbandonReason::CommercialRouteUnclear,
                note: None,
            },
            json!({"type": "abandoned", "reason": "commercial_route_unclear", "note": null}),
        ),
        (NegotiationEvent::Expired, json!({"type": "expired"})),
    ];
    for (event, shape) in shapes {
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            shape,
            "{}",
            event.name()
        );
    }
}

#[test]
fn the_state_round_trips_through_json() {
    let s = closed(NegotiationStatus::Agreed);
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<NegotiationState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(NegotiationState::default()).unwrap(),
        json!({"negotiation": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["negotiation"]["status"], "agreed");
    assert_eq!(value["negotiation"]["agreed_offer_id"], json!(OFFER1));
    assert_eq!(value["negotiation"]["broker_id"], json!(broker().user_id));
    assert_eq!(
        value["negotiation"]["offers"][0]["terms"]["payment"]["kind"],
        "royalty"
    );
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action_but_open().into_iter().chain([
        open_action(),
        offer_for(OFFER3, terms(), Side::Seller),
        NegotiationAction::Abandon {
            reason: AbandonReason::Other,
            note: Some("n".into()),
        },
    ]) {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<NegotiationAction>(value).unwrap(),
            action
        );
    }
    assert_eq!(
        serde_json::to_value(NegotiationAction::SignNda).unwrap(),
        json!({"type": "sign_nda"})
    );
}

#[test]
fn enums_serialize_as_snake_case_and_parse_back() {
    for side in Side::ALL {
        assert_eq!(serde_json::to_value(side).unwrap(), side.as_str());
        assert_eq!(Side::parse(side.as_str()), Some(side));
        assert_eq!(side.to_string(), side.as_str());
        assert_eq!(side.other().other(), side);
        assert_ne!(side.other(), side);
    }
    assert_eq!(Side::ALL.map(Side::as_str), ["buyer", "seller"]);
    assert_eq!(Side::parse("broker"), None);

    for status in NegotiationStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(NegotiationStatus::parse(status.as_str()), Some(status));
        assert_eq!(status.to_string(), status.as_str());
        assert_eq!(status.is_closed(), status != NegotiationStatus::Open);
    }
    assert_eq!(
        NegotiationStatus::ALL.map(NegotiationStatus::as_str),
        ["open", "agreed", "abandoned", "expired"]
    );
    assert_eq!(NegotiationStatus::parse("Open"), None);

    for reason in AbandonReason::ALL {
        assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        assert_eq!(AbandonReason::parse(reason.as_str()), Some(reason));
        assert_eq!(reason.to_string(), reason.as_str());
    }
    assert_eq!(
        AbandonReason::ALL.map(AbandonReason::as_str),
        [
            "too_early_stage",
            "benefit_unclear",
            "commercial_route_unclear",
            "price",
            "terms",
            "other"
        ]
    );

    for exclusivity in Exclusivity::ALL {
        assert_eq!(
            serde_json::to_value(exclusivity).unwrap(),
            exclusivity.as_str()
        );
        assert_eq!(Exclusivity::parse(exclusivity.as_str()), Some(exclusivity));
        assert_eq!(exclusivity.to_string(), exclusivity.as_str());
    }
    assert_eq!(
        Exclusivity::ALL.map(Exclusivity::as_str),
        ["exclusive", "sole", "non_exclusive"]
    );
}

#[test]
fn the_global_log_names_negotiation_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: seller(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), seller());
    }
    assert_eq!(Negotiation::NAME, "negotiation");
}

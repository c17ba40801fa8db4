use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::reference::{sample, ContractType, Named, ZoneCode};
use crate::domain::{Actor, Command, DomainError, Recorded, Role};

mod import;
mod panel;

// ---------------------------------------------------------------------------------------------
// Cast: a university lab sells a licence to a company; a researcher of the lab submits, a tech
// manager of an agency could submit for a client, and two registrars of the registration bureau
// decide. The others look on, or try their luck.

const LAB: Uuid = Uuid::from_u128(0x1AB);
const OTHER_LAB: Uuid = Uuid::from_u128(0x2AB);
const COMPANY: Uuid = Uuid::from_u128(0x0C1);
const OTHER_COMPANY: Uuid = Uuid::from_u128(0x0C2);
const AGENCY: Uuid = Uuid::from_u128(0x0B1);
const BUREAU: Uuid = Uuid::from_u128(0x0B2);
const NEGOTIATION: Uuid = Uuid::from_u128(0x77);
const LISTING: Uuid = Uuid::from_u128(0x11);
const DEMAND: Uuid = Uuid::from_u128(0xD1);
const AMEND1: Uuid = Uuid::from_u128(0xA1);
const AMEND2: Uuid = Uuid::from_u128(0xA2);
const AMEND3: Uuid = Uuid::from_u128(0xA3);
const PAY1: Uuid = Uuid::from_u128(0xE1);
const PAY2: Uuid = Uuid::from_u128(0xE2);

/// 300万元 and 250万元.
const AMOUNT: i64 = 300_000_000;
const TECH_AMOUNT: i64 = 250_000_000;
const NUMBER: &str = "2026500106000123";

fn person(n: u128, role: Role, organization_id: Option<Uuid>) -> Actor {
    Actor {
        user_id: Uuid::from_u128(n),
        role,
        organization_id,
    }
}
fn researcher() -> Actor {
    person(1, Role::Researcher, Some(LAB))
}
fn lab_admin() -> Actor {
    person(2, Role::InstitutionAdmin, Some(LAB))
}
fn tech_manager() -> Actor {
    person(3, Role::TechManager, Some(AGENCY))
}
fn registrar() -> Actor {
    person(4, Role::Registrar, Some(BUREAU))
}
fn other_registrar() -> Actor {
    person(5, Role::Registrar, Some(BUREAU))
}
fn statistician() -> Actor {
    person(6, Role::Statistician, None)
}
fn platform_admin() -> Actor {
    person(7, Role::PlatformAdmin, None)
}
fn buyer_staff() -> Actor {
    person(8, Role::Enterprise, Some(COMPANY))
}
fn lab_colleague() -> Actor {
    person(9, Role::Researcher, Some(LAB))
}
fn outsider_researcher() -> Actor {
    person(10, Role::Researcher, Some(OTHER_LAB))
}
fn provider() -> Actor {
    person(11, Role::Provider, None)
}
fn system() -> Actor {
    Actor::system()
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("researcher", researcher()),
        ("lab_admin", lab_admin()),
        ("tech_manager", tech_manager()),
        ("registrar", registrar()),
        ("other_registrar", other_registrar()),
        ("statistician", statistician()),
        ("platform_admin", platform_admin()),
        ("buyer_staff", buyer_staff()),
        ("lab_colleague", lab_colleague()),
        ("outsider_researcher", outsider_researcher()),
        ("provider", provider()),
        ("system", system()),
    ]
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 09:00 in China on `day`.
fn morning(day: &str) -> DateTime<Utc> {
    let d = date(day);
    Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).unwrap())
}

/// Monday 2026-09-21, 09:00 in China: ten days before the National Day holiday.
fn t0() -> DateTime<Utc> {
    morning("2026-09-21")
}

fn today() -> NaiveDate {
    date("2026-09-21")
}

/// National Day 2026: 10-01 to 10-07 off, Sunday 09-27 and Saturday 10-10 worked.
fn national_day() -> WorkingCalendar {
    WorkingCalendar::new(
        (1..=7).map(|d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap()),
        [date("2026-09-27"), date("2026-10-10")],
    )
}

// ---------------------------------------------------------------------------------------------
// Reference data and content

/// `sample()` plus the real contract types and refusal reasons.
fn refs() -> ReferenceData {
    let mut r = sample();
    let types = include_str!("../../../migrations/reference/contract_types.csv");
    r.contract_types = types
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            ContractType {
                taxonomy: cols[0].into(),
                contract_type: cols[1].into(),
                subtype: Some(cols[2].to_string()).filter(|s| !s.is_empty()),
                name_zh: cols[3].into(),
                name_en: cols[4].into(),
            }
        })
        .collect();
    for code in refusal_reason_codes() {
        r.refusal_reasons.insert(
            code.into(),
            Named {
                code: code.into(),
                name_zh: code.into(),
                name_en: code.into(),
            },
        );
    }
    r
}

fn seller_input() -> PartyInput {
    PartyInput {
        organization_id: Some(LAB),
        name: " 重庆大学 ".into(),
        party_nature: "021".into(),
        region: "500106".into(),
        zone: None,
    }
}

fn buyer_input() -> PartyInput {
    PartyInput {
        organization_id: Some(COMPANY),
        name: "重庆钠能科技有限公司".into(),
        party_nature: "170".into(),
        region: "500112".into(),
        zone: Some("liangjiang".into()),
    }
}

fn input() -> ContractInput {
    ContractInput {
        taxonomy: "2026".into(),
        contract_type: "license".into(),
        contract_subtype: Some("exclusive".into()),
        title: "  钠离子电池正极材料专利独占许可合同\t".into(),
        seller: seller_input(),
        buyer: buyer_input(),
        broker_id: Some(tech_manager().user_id),
        signing_date: date("2026-09-01"),
        validity_start: date("2026-09-01"),
        validity_end: date("2031-08-31"),
        contract_amount_fen: AMOUNT,
        technology_amount_fen: TECH_AMOUNT,
        field: "new_energy".into(),
        ip_kinds: vec!["invention_patent".into(), "software_copyright".into()],
        negotiation_id: Some(NEGOTIATION),
        listing_id: Some(LISTING),
        demand_id: None,
    }
}

fn parse(input: ContractInput) -> Result<ContractContent, DomainError> {
    ContractContent::parse(input, &refs(), today())
}

fn invalid(input: ContractInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

fn content() -> ContractContent {
    parse(input()).unwrap()
}

fn priced(contract_amount_fen: i64, technology_amount_fen: i64) -> ContractContent {
    ContractContent {
        contract_amount_fen,
        technology_amount_fen,
        ..content()
    }
}

/// Exactly 500万元 of technology: experts must review it.
fn big_content() -> ContractContent {
    priced(600_000_000, EXPERT_REVIEW_THRESHOLD_FEN)
}

fn party(organization_id: Option<Uuid>, name: &str, nature: &str, region: &str) -> Party {
    Party::parse(
        "party",
        &PartyInput {
            organization_id,
            name: name.into(),
            party_nature: nature.into(),
            region: region.into(),
            zone: None,
        },
        &refs(),
    )
    .unwrap()
}

fn seller_party() -> Party {
    party(Some(LAB), "重庆大学", "021", "500106")
}

fn buyer_party() -> Party {
    Party {
        zone: Some(ZoneCode::trusted("liangjiang")),
        ..party(Some(COMPANY), "重庆钠能科技有限公司", "170", "500112")
    }
}

fn new_buyer() -> Party {
    party(
        Some(OTHER_COMPANY),
        "四川锂钠新材料有限公司",
        "170",
        "510000",
    )
}

// ---------------------------------------------------------------------------------------------
// Stories: a sequence of commands folded through handle_command and apply_event.

struct Story {
    state: ContractState,
    now: DateTime<Utc>,
}

impl Story {
    fn new() -> Self {
        Story {
            state: ContractState::default(),
            now: t0(),
        }
    }

    /// Moves the clock to 09:00 in China on `day`.
    fn on(&mut self, day: &str) -> &mut Self {
        self.now = morning(day);
        self
    }

    fn at(&mut self, now: DateTime<Utc>) -> &mut Self {
        self.now = now;
        self
    }

    fn try_run(
        &mut self,
        actor: Actor,
        action: ContractAction,
    ) -> Result<Vec<Recorded<ContractEvent>>, DomainError> {
        let events = ContractRegistration::handle_command(
            &self.state,
            Command::new(actor, self.now, action),
        )?;
        for recorded in events.iter().cloned() {
            self.state =
                ContractRegistration::apply_event(std::mem::take(&mut self.state), recorded);
        }
        self.now += TimeDelta::minutes(30);
        Ok(events)
    }

    /// Runs an accepted command and returns its single event, checking who and when.
    fn ok(&mut self, actor: Actor, action: ContractAction) -> ContractEvent {
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
    fn refused(&mut self, actor: Actor, action: ContractAction) -> DomainError {
        let before = self.state.clone();
        let err = self
            .try_run(actor, action)
            .expect_err("command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        err
    }

    fn contract(&self) -> &ContractData {
        self.state.contract.as_ref().expect("the contract exists")
    }

    fn status(&self) -> ContractStatus {
        self.contract().status
    }
}

fn submit(content: ContractContent) -> ContractAction {
    ContractAction::Submit(content)
}

fn resubmit(content: ContractContent) -> ContractAction {
    ContractAction::Resubmit {
        content,
        calendar: national_day(),
    }
}

fn accept() -> ContractAction {
    ContractAction::Accept {
        calendar: national_day(),
    }
}

fn request_correction(reasons: &[&str]) -> ContractAction {
    ContractAction::RequestCorrection {
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    }
}

fn expert_review(opinion: &str) -> ContractAction {
    ContractAction::ExpertReview {
        opinion: opinion.into(),
    }
}

fn register(number: &str) -> ContractAction {
    ContractAction::Register {
        registration_number: number.into(),
    }
}

fn refuse(code: &str) -> ContractAction {
    ContractAction::Refuse {
        reason_code: code.into(),
        note: None,
    }
}

fn amend(id: Uuid, effective_on: &str, contract: i64, technology: i64) -> ContractAction {
    ContractAction::Amend {
        amendment_id: id,
        effective_on: date(effective_on),
        contract_amount_fen: contract,
        technology_amount_fen: technology,
        seller: None,
        buyer: None,
        note: None,
    }
}

fn pay(id: Uuid, amount_fen: i64, received_on: &str) -> ContractAction {
    ContractAction::RecordPayment {
        payment_id: id,
        amount_fen,
        received_on: date(received_on),
        note: None,
    }
}

fn cancel(on: &str) -> ContractAction {
    ContractAction::Cancel {
        on: date(on),
        reason: "双方协议解除合同".into(),
    }
}

fn revoke(on: &str) -> ContractAction {
    ContractAction::Revoke {
        on: date(on),
        reason: "以欺骗手段取得登记".into(),
    }
}

fn submitted_with(content: ContractContent) -> Story {
    let mut s = Story::new();
    s.ok(researcher(), submit(content));
    s
}

fn submitted() -> Story {
    submitted_with(content())
}

/// Accepted on Monday 2026-09-21.
fn accepted() -> Story {
    let mut s = submitted();
    s.ok(registrar(), accept());
    s
}

/// Accepted on Monday 2026-09-21, with 500万元 of technology.
fn accepted_big() -> Story {
    let mut s = submitted_with(big_content());
    s.ok(registrar(), accept());
    s
}

fn correction_requested() -> Story {
    let mut s = accepted();
    s.ok(registrar(), request_correction(&["缺少专利证书复印件"]));
    s
}

fn expert_reviewed() -> Story {
    let mut s = accepted_big();
    s.ok(registrar(), expert_review("技术先进，价格合理。"));
    s
}

/// Registered on 2026-09-21.
fn registered() -> Story {
    let mut s = accepted();
    s.ok(registrar(), register(NUMBER));
    s
}

/// A registration in `status`, reached the way it really happens.
fn in_status(status: ContractStatus) -> Story {
    use ContractStatus as S;
    let s = match status {
        S::Submitted => submitted(),
        S::Accepted => accepted(),
        S::CorrectionRequested => correction_requested(),
        S::ExpertReview => expert_reviewed(),
        S::Registered => registered(),
        S::Refused => {
            let mut s = accepted();
            s.ok(registrar(), refuse("documents_missing"));
            s
        }
        S::Cancelled => {
            let mut s = registered();
            s.ok(registrar(), cancel("2026-09-21"));
            s
        }
        S::Revoked => {
            let mut s = registered();
            s.ok(registrar(), revoke("2026-09-21"));
            s
        }
    };
    assert_eq!(s.status(), status);
    s
}

fn every_action_but_submit() -> Vec<ContractAction> {
    vec![
        resubmit(content()),
        accept(),
        request_correction(&["r"]),
        expert_review("o"),
        register(NUMBER),
        refuse("other"),
        amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
        pay(PAY1, 100, "2026-09-21"),
        cancel("2026-09-21"),
        revoke("2026-09-21"),
    ]
}

/// A way to reach a state, for tables.
type StoryFn = fn() -> Story;

/// What a command came to, coarsely, for tables of outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Forbidden,
    Conflict,
    Invalid,
    NotFound,
}

fn outcome(result: Result<Vec<Recorded<ContractEvent>>, DomainError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Accepted,
        Err(DomainError::Forbidden(_)) => Outcome::Forbidden,
        Err(DomainError::Conflict(_)) => Outcome::Conflict,
        Err(DomainError::Invalid(_)) => Outcome::Invalid,
        Err(DomainError::NotFound) => Outcome::NotFound,
    }
}

// =============================================================================================
// ContractContent::parse

#[test]
fn parse_accepts_valid_input_trimming_text() {
    assert_eq!(
        content(),
        ContractContent {
            contract_type: ContractTypeRef {
                taxonomy: "2026".into(),
                contract_type: "license".into(),
                subtype: Some("exclusive".into()),
            },
            title: Title::parse("t", "钠离子电池正极材料专利独占许可合同", 200).unwrap(),
            seller: seller_party(),
            buyer: buyer_party(),
            broker_id: Some(tech_manager().user_id),
            signing_date: date("2026-09-01"),
            validity_start: date("2026-09-01"),
            validity_end: date("2031-08-31"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            field: TechnologyField::trusted("new_energy"),
            ip_kinds: vec![
                IpKind::trusted("invention_patent"),
                IpKind::trusted("software_copyright"),
            ],
            negotiation_id: Some(NEGOTIATION),
            listing_id: Some(LISTING),
            demand_id: None,
        }
    );
    assert_eq!(content().seller.name.as_str(), "重庆大学");
}

#[test]
fn the_technology_amount_never_exceeds_the_contract_amount() {
    let amounts = |contract: i64, technology: i64| ContractInput {
        contract_amount_fen: contract,
        technology_amount_fen: technology,
        ..input()
    };
    let err = parse(amounts(AMOUNT, AMOUNT + 1)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["technology_amount_fen"]);
    assert_eq!(
        message_of(&err, "technology_amount_fen"),
        "技术交易额 cannot exceed 成交额"
    );
    // Equal is fine, and so is one fen of technology.
    for (contract, technology) in [(AMOUNT, AMOUNT), (AMOUNT, 1), (1, 1)] {
        let c = parse(amounts(contract, technology)).unwrap();
        assert_eq!(
            (c.contract_amount_fen, c.technology_amount_fen),
            (contract, technology)
        );
    }
}

#[test]
fn amounts_are_more_than_zero_and_at_most_the_maximum() {
    let amounts = |contract: i64, technology: i64| ContractInput {
        contract_amount_fen: contract,
        technology_amount_fen: technology,
        ..input()
    };
    for bad in [0, -1, i64::MIN] {
        let err = parse(amounts(bad, 1)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["contract_amount_fen"], "{bad}");
        assert_eq!(
            message_of(&err, "contract_amount_fen"),
            "must be more than 0"
        );
        let err = parse(amounts(AMOUNT, bad)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["technology_amount_fen"], "{bad}");
        assert_eq!(
            message_of(&err, "technology_amount_fen"),
            "must be more than 0"
        );
    }
    for bad in [MAX_AMOUNT_FEN + 1, i64::MAX] {
        let err = parse(amounts(bad, 1)).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["contract_amount_fen"], "{bad}");
        assert_eq!(
            message_of(&err, "contract_amount_fen"),
            "must be at most 1000000000000000 fen"
        );
        // Above the maximum and above the contract amount: only the range is reported.
        assert_eq!(invalid(amounts(AMOUNT, bad)), vec!["technology_amount_fen"]);
    }
    assert!(parse(amounts(MAX_AMOUNT_FEN, MAX_AMOUNT_FEN)).is_ok());
    // Both wrong: both reported, and no comparison between two wrong numbers.
    assert_eq!(
        invalid(amounts(0, -5)),
        vec!["contract_amount_fen", "technology_amount_fen"]
    );
    // A wrong contract amount is not compared with a good technology amount.
    assert_eq!(invalid(amounts(-1, 5)), vec!["contract_amount_fen"]);
}

#[test]
fn the_signing_date_is_never_after_today() {
    let signed = |d: &str| ContractInput {
        signing_date: date(d),
        ..input()
    };
    let err = parse(signed("2026-09-22")).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["signing_date"]);
    assert_eq!(
        message_of(&err, "signing_date"),
        "must not be after today (2026-09-21)"
    );
    assert_eq!(invalid(signed("2027-01-01")), vec!["signing_date"]);
    for good in ["2026-09-21", "2020-02-29"] {
        assert_eq!(parse(signed(good)).unwrap().signing_date, date(good));
    }
}

#[test]
fn the_validity_period_ends_on_or_after_its_start() {
    let validity = |start: &str, end: &str| ContractInput {
        validity_start: date(start),
        validity_end: date(end),
        ..input()
    };
    assert_eq!(
        invalid(validity("2026-09-01", "2026-08-31")),
        vec!["validity_end"]
    );
    let c = parse(validity("2026-09-01", "2026-09-01")).unwrap();
    assert_eq!(
        (c.validity_start, c.validity_end),
        (date("2026-09-01"), date("2026-09-01"))
    );
    // The validity may start before signing (a retroactive contract) or lie in the future.
    assert!(parse(validity("2026-08-01", "2036-08-01")).is_ok());
    assert!(parse(validity("2027-01-01", "2027-12-31")).is_ok());
}

#[test]
fn regions_party_natures_and_names_are_checked_per_party() {
    let with_parties = |seller: PartyInput, buyer: PartyInput| ContractInput {
        seller,
        buyer,
        ..input()
    };
    let err = parse(with_parties(
        PartyInput {
            region: "999999".into(),
            ..seller_input()
        },
        buyer_input(),
    ))
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["seller.region"]);
    assert!(message_of(&err, "seller.region").contains("'999999'"));
    assert_eq!(
        invalid(with_parties(
            seller_input(),
            PartyInput {
                region: "CN".into(),
                ..buyer_input()
            }
        )),
        vec!["buyer.region"]
    );
    assert_eq!(
        invalid(with_parties(
            PartyInput {
                party_nature: "999".into(),
                ..seller_input()
            },
            buyer_input()
        )),
        vec!["seller.party_nature"]
    );
    for bad_name in [
        String::new(),
        "  ".into(),
        "甲\n乙".into(),
        "名".repeat(201),
    ] {
        assert_eq!(
            invalid(with_parties(
                seller_input(),
                PartyInput {
                    name: bad_name.clone(),
                    ..buyer_input()
                }
            )),
            vec!["buyer.name"],
            "{bad_name:?}"
        );
    }
    // A foreign buyer with an ISO code and no organization on the platform is fine.
    let foreign = PartyInput {
        organization_id: None,
        name: "Natrium GmbH".into(),
        party_nature: "170".into(),
        region: "DE".into(),
        zone: None,
    };
    let c = parse(with_parties(seller_input(), foreign)).unwrap();
    assert_eq!(c.buyer.region.as_str(), "DE");
    assert!(c.buyer.region.is_abroad());
    assert_eq!(c.buyer.organization_id, None);
    assert_eq!(
        parse(with_parties(
            seller_input(),
            PartyInput {
                name: "名".repeat(200),
                ..buyer_input()
            }
        ))
        .unwrap()
        .buyer
        .name
        .as_str()
        .chars()
        .count(),
        200
    );
}

#[test]
fn a_declared_zone_must_span_the_partys_region() {
    let zoned = |region: &str, zone: Option<&str>| ContractInput {
        seller: PartyInput {
            region: region.into(),
            zone: zone.map(Into::into),
            ..seller_input()
        },
        ..input()
    };
    // 两江新区 spans part of 渝北 (500112), not 沙坪坝 (500106).
    let c = parse(zoned("500112", Some("liangjiang"))).unwrap();
    assert_eq!(c.seller.zone, Some(ZoneCode::trusted("liangjiang")));
    assert_eq!(c.buyer.zone, Some(ZoneCode::trusted("liangjiang")));
    assert_eq!(parse(zoned("500106", None)).unwrap().seller.zone, None);
    let err = parse(zoned("500106", Some("liangjiang"))).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["seller.zone"]);
    assert_eq!(
        message_of(&err, "seller.zone"),
        "zone 'liangjiang' does not span region '500106'"
    );
    assert_eq!(
        invalid(zoned("500112", Some("nowhere"))),
        vec!["seller.zone"]
    );
    assert_eq!(
        invalid(zoned("DE", Some("liangjiang"))),
        vec!["seller.zone"]
    );
    // Without a valid region the zone cannot be judged: only the region is reported.
    assert_eq!(
        invalid(zoned("999999", Some("nowhere"))),
        vec!["seller.region"]
    );
    // A party stored before zones were recorded reads back without one.
    let old: Party = serde_json::from_value(json!({
        "organization_id": null, "name": "甲", "party_nature": "021", "region": "500106"
    }))
    .unwrap();
    assert_eq!(old.zone, None);
}

#[test]
fn seller_and_buyer_are_different_organizations() {
    let same = ContractInput {
        buyer: PartyInput {
            organization_id: Some(LAB),
            ..buyer_input()
        },
        ..input()
    };
    let err = parse(same).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["buyer.organization_id"]);
    assert_eq!(
        message_of(&err, "buyer.organization_id"),
        "must differ from the seller's organization"
    );
    // Two parties off the platform have no organization to compare.
    let both_off = ContractInput {
        seller: PartyInput {
            organization_id: None,
            ..seller_input()
        },
        buyer: PartyInput {
            organization_id: None,
            ..buyer_input()
        },
        ..input()
    };
    assert!(parse(both_off).is_ok());
}

#[test]
fn the_title_is_a_single_line_of_1_to_200_characters() {
    let titled = |t: String| ContractInput {
        title: t,
        ..input()
    };
    for bad in [
        String::new(),
        "合同\n第二行".into(),
        "合".repeat(201),
        "nul\u{0}".into(),
    ] {
        assert_eq!(invalid(titled(bad.clone())), vec!["title"], "{bad:?}");
    }
    assert_eq!(
        parse(titled("合".repeat(200))).unwrap().title.as_str(),
        "合".repeat(200)
    );
}

#[test]
fn the_field_and_ip_kinds_are_reference_codes() {
    let err = parse(ContractInput {
        field: "alchemy".into(),
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["field"]);
    assert!(message_of(&err, "field").contains("alchemy"));

    let kinds = |list: &[&str]| ContractInput {
        ip_kinds: list.iter().map(|k| k.to_string()).collect(),
        ..input()
    };
    assert_eq!(
        invalid(kinds(&[
            "invention_patent",
            "trade_secret",
            "utility_model",
            "x"
        ])),
        vec!["ip_kinds[1]", "ip_kinds[3]"]
    );
    let err = parse(kinds(&[
        "utility_model",
        "invention_patent",
        "utility_model",
    ]))
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["ip_kinds[2]"]);
    assert_eq!(
        message_of(&err, "ip_kinds[2]"),
        "repeats an earlier IP kind"
    );
    // The order given is kept; none at all is fine.
    assert_eq!(
        parse(kinds(&["utility_model", "invention_patent"]))
            .unwrap()
            .ip_kinds,
        vec![
            IpKind::trusted("utility_model"),
            IpKind::trusted("invention_patent")
        ]
    );
    assert_eq!(parse(kinds(&[])).unwrap().ip_kinds, vec![]);
}

#[test]
fn the_contract_type_is_a_row_of_the_2026_taxonomy() {
    let typed = |t: &str, sub: Option<&str>| ContractInput {
        contract_type: t.into(),
        contract_subtype: sub.map(Into::into),
        ..input()
    };
    // Every 2026 row of contract_types.csv is accepted as it stands.
    let rows: Vec<ContractType> = refs()
        .contract_types
        .into_iter()
        .filter(|c| c.taxonomy == "2026")
        .collect();
    assert_eq!(rows.len(), 13);
    for row in rows {
        let c = parse(typed(&row.contract_type, row.subtype.as_deref())).unwrap();
        assert_eq!(
            c.contract_type,
            ContractTypeRef {
                taxonomy: "2026".into(),
                contract_type: row.contract_type.clone(),
                subtype: row.subtype.clone(),
            }
        );
        assert_eq!(c.contract_type.row(&refs()), Some(&row));
    }

    let err = parse(typed("gift", None)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_type"]);
    assert_eq!(
        message_of(&err, "contract_type"),
        "unknown contract type 'gift' in the 2026 taxonomy"
    );
    // The subtype of an unknown type is not judged.
    assert_eq!(
        invalid(typed("gift", Some("wrapped"))),
        vec!["contract_type"]
    );
    assert_eq!(
        invalid(typed("License", Some("exclusive"))),
        vec!["contract_type"]
    );

    // A type with subtypes needs one of its own.
    let err = parse(typed("development", None)).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["contract_subtype"]);
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "is required for 'development': one of commissioned, cooperative"
    );
    let err = parse(typed("license", Some("commissioned"))).unwrap_err();
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "unknown subtype 'commissioned' of 'license': expected one of exclusive, sole, non_exclusive"
    );
    // 专利实施许可 is a subtype of transfer in 2001 only.
    assert_eq!(
        invalid(typed("transfer", Some("patent_license"))),
        vec!["contract_subtype"]
    );
    // A type without subtypes takes none.
    let err = parse(typed("consulting", Some("expert"))).unwrap_err();
    assert_eq!(
        message_of(&err, "contract_subtype"),
        "contract type 'consulting' has no subtypes"
    );
    // "" is none, as the statistics write it: what a report says can be sent back.
    let c = parse(typed("consulting", Some(""))).unwrap();
    assert_eq!(c.contract_type.subtype, None);
    assert_eq!(
        parse(typed("development", Some(""))).map_err(|e| message_of(&e, "contract_subtype")),
        Err("is required for 'development': one of commissioned, cooperative".into())
    );
}

#[test]
fn new_registrations_use_the_2026_taxonomy_only() {
    let taxonomy = |t: &str| ContractInput {
        taxonomy: t.into(),
        ..input()
    };
    let err = parse(taxonomy("2001")).unwrap_err();
    assert_eq!(fields(err.clone()), vec!["taxonomy"]);
    assert_eq!(
        message_of(&err, "taxonomy"),
        "the 2001 taxonomy is kept only for contracts registered under it; new registrations use 2026"
    );
    // Even a type that exists in 2001 only is refused on the taxonomy, not on the type.
    assert_eq!(
        invalid(ContractInput {
            contract_type: "transfer".into(),
            contract_subtype: Some("patent_license".into()),
            ..taxonomy("2001")
        }),
        vec!["taxonomy"]
    );
    let err = parse(taxonomy("2020")).unwrap_err();
    assert_eq!(
        message_of(&err, "taxonomy"),
        "unknown taxonomy '2020': new registrations use 2026"
    );
    assert_eq!(invalid(taxonomy("")), vec!["taxonomy"]);
    assert_eq!(invalid(taxonomy(" 2026")), vec!["taxonomy"]);
}

#[test]
fn contract_type_refs_parse_on_their_own_and_find_rows_of_either_taxonomy() {
    let r = refs();
    assert_eq!(
        ContractTypeRef::parse("2026", "service", Some("training"), &r).unwrap(),
        ContractTypeRef {
            taxonomy: "2026".into(),
            contract_type: "service".into(),
            subtype: Some("training".into()),
        }
    );
    assert_eq!(
        fields(ContractTypeRef::parse("2001", "consulting", None, &r).unwrap_err()),
        vec!["taxonomy"]
    );
    assert_eq!(
        fields(ContractTypeRef::parse("2026", "service", None, &r).unwrap_err()),
        vec!["contract_subtype"]
    );
    // A stored 2001 reference reads back and still finds its names.
    let old: ContractTypeRef = serde_json::from_value(
        json!({"taxonomy": "2001", "contract_type": "transfer", "subtype": "patent_license"}),
    )
    .unwrap();
    assert!(!old.is_current());
    assert_eq!(
        old.row(&r).map(|row| row.name_zh.as_str()),
        Some("技术转让（专利实施许可）")
    );
    let consulting = ContractTypeRef::parse("2026", "consulting", None, &r).unwrap();
    assert!(consulting.is_current());
    assert_eq!(consulting.row(&r).unwrap().name_en, "Technology consulting");
    // With no contract types at all (the bare sample set), nothing is known.
    assert_eq!(
        fields(ContractTypeRef::parse("2026", "consulting", None, &sample()).unwrap_err()),
        vec!["contract_type"]
    );
}

#[test]
fn a_party_parses_on_its_own_under_its_path() {
    let err = Party::parse(
        "buyer",
        &PartyInput {
            organization_id: None,
            name: "".into(),
            party_nature: "x".into(),
            region: "y".into(),
            zone: None,
        },
        &refs(),
    )
    .unwrap_err();
    assert_eq!(
        fields(err),
        vec!["buyer.name", "buyer.party_nature", "buyer.region"]
    );
    assert_eq!(
        Party::parse("seller", &seller_input(), &refs()).unwrap(),
        seller_party()
    );
}

#[test]
fn parse_reports_every_invalid_field_at_once_in_order() {
    let bad = ContractInput {
        taxonomy: "2026".into(),
        contract_type: "license".into(),
        contract_subtype: Some("partial".into()),
        title: "".into(),
        seller: PartyInput {
            organization_id: Some(LAB),
            name: "重庆大学".into(),
            party_nature: "000".into(),
            region: "500106".into(),
            zone: None,
        },
        buyer: PartyInput {
            organization_id: Some(LAB),
            name: "x".into(),
            party_nature: "170".into(),
            region: "nowhere".into(),
            zone: None,
        },
        broker_id: None,
        signing_date: date("2026-09-22"),
        validity_start: date("2026-09-01"),
        validity_end: date("2026-08-01"),
        contract_amount_fen: 100,
        technology_amount_fen: 101,
        field: "alchemy".into(),
        ip_kinds: vec!["invention_patent".into(), "magic".into()],
        negotiation_id: None,
        listing_id: None,
        demand_id: None,
    };
    assert_eq!(
        invalid(bad),
        vec![
            "contract_subtype",
            "title",
            "seller.party_nature",
            "buyer.region",
            "buyer.organization_id",
            "signing_date",
            "validity_end",
            "technology_amount_fen",
            "field",
            "ip_kinds[1]",
        ]
    );
}

#[test]
fn the_expert_threshold_is_500_wan_yuan_of_technology_inclusive() {
    assert_eq!(EXPERT_REVIEW_THRESHOLD_FEN, 5_000_000 * 100);
    assert!(priced(600_000_000, 500_000_000).requires_expert_review());
    assert!(!priced(600_000_000, 499_999_999).requires_expert_review());
    // The contract amount does not count: only the technology amount does.
    assert!(!priced(900_000_000, 100).requires_expert_review());
    assert_eq!(priced(600_000_000, 500_000_000).deadline_days(), 30);
    assert_eq!(priced(600_000_000, 499_999_999).deadline_days(), 15);
    assert_eq!((DEADLINE_DAYS, DEADLINE_DAYS_EXPERT), (15, 30));
}

#[test]
fn contract_input_deserializes_from_json_and_refuses_unknown_fields() {
    let body = json!({
        "taxonomy": "2026",
        "contract_type": "license",
        "contract_subtype": "exclusive",
        "title": "  钠离子电池正极材料专利独占许可合同\t",
        "seller": {"organization_id": LAB, "name": " 重庆大学 ", "party_nature": "021", "region": "500106", "zone": null},
        "buyer": {"organization_id": COMPANY, "name": "重庆钠能科技有限公司", "party_nature": "170", "region": "500112", "zone": "liangjiang"},
        "broker_id": tech_manager().user_id,
        "signing_date": "2026-09-01",
        "validity_start": "2026-09-01",
        "validity_end": "2031-08-31",
        "contract_amount_fen": AMOUNT,
        "technology_amount_fen": TECH_AMOUNT,
        "field": "new_energy",
        "ip_kinds": ["invention_patent", "software_copyright"],
        "negotiation_id": NEGOTIATION,
        "listing_id": LISTING,
        "demand_id": null
    });
    let parsed: ContractInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(parsed, input());
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);

    // The taxonomy, subtype, broker, IP kinds, links and organizations may be left out.
    let minimal = json!({
        "contract_type": "consulting",
        "title": "咨询合同",
        "seller": {"name": "甲", "party_nature": "021", "region": "500106"},
        "buyer": {"name": "乙", "party_nature": "170", "region": "500112"},
        "signing_date": "2026-09-01",
        "validity_start": "2026-09-01",
        "validity_end": "2026-12-31",
        "contract_amount_fen": 1,
        "technology_amount_fen": 1,
        "field": "new_materials",
        "demand_id": DEMAND
    });
    let parsed: ContractInput = serde_json::from_value(minimal).unwrap();
    assert_eq!(parsed.taxonomy, "2026");
    assert_eq!(parsed.contract_subtype, None);
    assert_eq!(parsed.seller.organization_id, None);
    assert!(parsed.ip_kinds.is_empty());
    let c = parse(parsed).unwrap();
    assert_eq!(c.contract_type.subtype, None);
    assert_eq!(
        (c.negotiation_id, c.listing_id, c.demand_id),
        (None, None, Some(DEMAND))
    );

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<ContractInput>(b)
    };
    for (path, bad) in [
        ("/signing_date", json!("2026/09/01")),
        ("/signing_date", json!("2026-09-01T00:00:00Z")),
        ("/validity_end", json!("2026-02-30")),
        ("/contract_amount_fen", json!(1.5)),
        ("/contract_amount_fen", json!("100")),
        ("/technology_amount_fen", json!(null)),
        ("/ip_kinds", json!("invention_patent")),
        ("/seller/organization_id", json!("lab")),
        (
            "/seller",
            json!({"name": "甲", "party_nature": "021", "region": "500106", "district": "x"}),
        ),
    ] {
        assert!(with(path, bad.clone()).is_err(), "{path} {bad}");
    }
    // A negative amount deserializes, and is refused by parse with a field path.
    let negative = with("/contract_amount_fen", json!(-100)).unwrap();
    assert_eq!(invalid(negative), vec!["contract_amount_fen"]);
    let mut unknown = body.clone();
    unknown["currency"] = json!("CNY");
    assert!(serde_json::from_value::<ContractInput>(unknown).is_err());
    let mut missing = body;
    missing.as_object_mut().unwrap().remove("signing_date");
    assert!(serde_json::from_value::<ContractInput>(missing).is_err());
}

#[test]
fn refusal_reasons_are_the_codes_of_the_csv() {
    assert_eq!(
        refusal_reason_codes().collect::<Vec<_>>(),
        vec![
            "invalid_contract",
            "not_technology_contract",
            "unclear_subject",
            "approval_missing",
            "name_content_mismatch",
            "restrictive_clauses",
            "documents_missing",
            "seal_inconsistent",
            "other",
        ]
    );
    assert!(is_refusal_reason("other"));
    assert!(!is_refusal_reason("Other"));
    assert!(!is_refusal_reason("code"));
    assert!(!is_refusal_reason(""));
}

// =============================================================================================
// Existence

#[test]
fn every_action_but_submit_needs_an_existing_registration() {
    for action in every_action_but_submit() {
        for (who, actor) in everyone() {
            let mut s = Story::new();
            assert_eq!(
                s.refused(actor, action.clone()),
                DomainError::NotFound,
                "{who} {action:?}"
            );
            assert_eq!(s.state.contract, None);
        }
    }
}

#[test]
fn submitting_an_existing_registration_conflicts() {
    for status in ContractStatus::ALL {
        let mut s = in_status(status);
        for actor in [researcher(), registrar()] {
            assert_eq!(
                s.refused(actor, submit(content())),
                DomainError::conflict("contract registration already exists"),
                "{status}"
            );
        }
    }
}

#[test]
fn applying_anything_but_submitted_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        assert_eq!(
            ContractRegistration::apply_event(ContractState::default(), recorded).contract,
            None
        );
    }
}

// =============================================================================================
// Submission

#[test]
fn a_researcher_submits_a_contract_of_their_lab() {
    let mut s = Story::new();
    let event = s.ok(researcher(), submit(content()));
    assert_eq!(
        event,
        ContractEvent::Submitted {
            submitter_id: researcher().user_id,
            submitter_organization_id: Some(LAB),
            content: content(),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Submitted);
    assert_eq!(c.content, content());
    assert_eq!((c.created_at, c.updated_at), (t0(), t0()));
    assert_eq!((c.accepted_on, c.due_on), (None, None));
    assert_eq!(c.corrections, 0);
    assert!(c.correction_reasons.is_empty());
    assert_eq!(c.registration_number, None);
    assert_eq!(c.current_amounts(), (AMOUNT, TECH_AMOUNT));
    assert_eq!(c.current_parties(), (&seller_party(), &buyer_party()));
    assert!(c.is_submitter(&researcher()));
    assert!(!c.is_submitter(&lab_colleague()));
}

#[test]
fn who_may_submit() {
    use Outcome::{Accepted as A, Forbidden as F};
    // The seller is LAB: its researchers and admin submit, a tech manager submits for a client,
    // a researcher of another lab does not, nor anyone else.
    let expected = [
        ("researcher", A),
        ("lab_admin", A),
        ("tech_manager", A),
        ("registrar", F),
        ("other_registrar", F),
        ("statistician", F),
        ("platform_admin", F),
        ("buyer_staff", F),
        ("lab_colleague", A),
        ("outsider_researcher", F),
        ("provider", F),
        ("system", F),
    ];
    for ((who, actor), (name, expected)) in everyone().into_iter().zip(expected) {
        assert_eq!(who, name);
        let mut s = Story::new();
        assert_eq!(
            outcome(s.try_run(actor, submit(content()))),
            expected,
            "{who}"
        );
        if expected == F {
            assert_eq!(s.state.contract, None, "{who}");
        } else {
            assert_eq!(s.contract().submitter_id, actor.user_id);
            assert_eq!(
                s.contract().submitter_organization_id,
                actor.organization_id
            );
        }
    }
}

#[test]
fn a_seller_off_the_platform_may_be_submitted_by_any_researcher() {
    let individual = ContractContent {
        seller: party(None, "张三", "021", "500106"),
        ..content()
    };
    let mut s = Story::new();
    s.ok(outsider_researcher(), submit(individual.clone()));
    assert_eq!(s.contract().content.seller.organization_id, None);
    // And an institution admin of the buyer's side may not submit for the buyer's organization.
    let mut s = Story::new();
    let buyer_admin = person(12, Role::InstitutionAdmin, Some(COMPANY));
    assert_forbidden(s.refused(buyer_admin, submit(content())), "buyer admin");
}

#[test]
fn submission_rechecks_hand_built_content_and_reports_every_error() {
    let cases: Vec<(ContractContent, Vec<&str>)> = vec![
        (priced(AMOUNT, AMOUNT + 1), vec!["technology_amount_fen"]),
        (
            priced(0, 0),
            vec!["contract_amount_fen", "technology_amount_fen"],
        ),
        (priced(-1, 1), vec!["contract_amount_fen"]),
        (priced(MAX_AMOUNT_FEN + 1, 1), vec!["contract_amount_fen"]),
        (
            ContractContent {
                signing_date: date("2026-09-22"),
                ..content()
            },
            vec!["signing_date"],
        ),
        (
            ContractContent {
                validity_end: date("2026-08-31"),
                ..content()
            },
            vec!["validity_end"],
        ),
        (
            ContractContent {
                contract_type: ContractTypeRef {
                    taxonomy: "2001".into(),
                    contract_type: "consulting".into(),
                    subtype: None,
                },
                ..content()
            },
            vec!["taxonomy"],
        ),
        (
            ContractContent {
                ip_kinds: vec![
                    IpKind::trusted("utility_model"),
                    IpKind::trusted("invention_patent"),
                    IpKind::trusted("utility_model"),
                ],
                ..content()
            },
            vec!["ip_kinds[2]"],
        ),
        (
            ContractContent {
                buyer: party(Some(LAB), "重庆大学", "021", "500106"),
                ..content()
            },
            vec!["buyer.organization_id"],
        ),
        (
            ContractContent {
                signing_date: date("2027-01-01"),
                validity_end: date("2020-01-01"),
                ..priced(5, 6)
            },
            vec!["signing_date", "validity_end", "technology_amount_fen"],
        ),
    ];
    for (bad, expected) in cases {
        let mut s = Story::new();
        let err = s.refused(researcher(), submit(bad));
        assert_eq!(fields(err), expected);
        assert_eq!(s.state.contract, None);
    }
    // The signing date is judged against the China date of the command: at 23:30 in China on
    // 09-21 (15:30 UTC), a contract signed on 09-22 is still in the future; at 00:30 on 09-22
    // (16:30 UTC on 09-21) it is not.
    let signed_22 = ContractContent {
        signing_date: date("2026-09-22"),
        validity_start: date("2026-09-22"),
        ..content()
    };
    let mut s = Story::new();
    s.at(Utc.with_ymd_and_hms(2026, 9, 21, 15, 30, 0).unwrap());
    assert_eq!(
        fields(s.refused(researcher(), submit(signed_22.clone()))),
        vec!["signing_date"]
    );
    s.at(Utc.with_ymd_and_hms(2026, 9, 21, 16, 30, 0).unwrap());
    s.ok(researcher(), submit(signed_22));
}

#[test]
fn submission_checks_the_actor_before_the_content() {
    let mut s = Story::new();
    assert_forbidden(s.refused(registrar(), submit(priced(0, 0))), "registrar");
    assert_forbidden(
        s.refused(outsider_researcher(), submit(priced(0, 0))),
        "outsider",
    );
    assert_forbidden(s.refused(system(), submit(priced(0, 0))), "system");
}

// =============================================================================================
// Who may decide: the whole table

#[test]
fn only_registrars_decide() {
    use Outcome::{Accepted as A, Forbidden as F};
    let cases: Vec<(&str, StoryFn, ContractAction)> = vec![
        ("accept", submitted, accept()),
        (
            "request correction",
            accepted,
            request_correction(&["补充材料"]),
        ),
        ("expert review", accepted_big, expert_review("同意")),
        ("register", accepted, register(NUMBER)),
        ("register after review", expert_reviewed, register(NUMBER)),
        ("refuse", accepted, refuse("other")),
        (
            "amend",
            registered,
            amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
        ),
        ("cancel", registered, cancel("2026-09-21")),
        ("revoke", registered, revoke("2026-09-21")),
    ];
    for (what, story, action) in cases {
        for (who, actor) in everyone() {
            let mut s = story();
            let before = s.state.clone();
            let got = outcome(s.try_run(actor, action.clone()));
            let expected = if actor.role == Role::Registrar { A } else { F };
            assert_eq!(got, expected, "{who}: {what}");
            if got != A {
                assert_eq!(s.state, before, "{who}: {what}");
            }
        }
    }
}

#[test]
fn only_the_submitter_resubmits_and_only_a_registrar_or_the_submitter_records_payments() {
    for (who, actor) in everyone() {
        let mut s = correction_requested();
        let got = outcome(s.try_run(actor, resubmit(content())));
        let expected = if who == "researcher" {
            Outcome::Accepted
        } else {
            Outcome::Forbidden
        };
        assert_eq!(got, expected, "{who}: resubmit");

        let mut s = registered();
        let got = outcome(s.try_run(actor, pay(PAY1, 100_000, "2026-09-21")));
        let expected = if matches!(who, "researcher" | "registrar" | "other_registrar") {
            Outcome::Accepted
        } else {
            Outcome::Forbidden
        };
        assert_eq!(got, expected, "{who}: payment");
    }
}

#[test]
fn the_forbidden_learn_nothing_of_the_state_or_the_input() {
    let outsiders: Vec<(&str, Actor)> = everyone()
        .into_iter()
        .filter(|(_, a)| a.role != Role::Registrar && a.user_id != researcher().user_id)
        .collect();
    let bad = vec![
        resubmit(priced(0, 0)),
        accept(),
        request_correction(&[]),
        expert_review(""),
        register(""),
        refuse("nonsense"),
        amend(AMEND1, "2030-01-01", 0, 0),
        pay(PAY1, -1, "2030-01-01"),
        cancel("2030-01-01"),
        revoke("2030-01-01"),
    ];
    for status in ContractStatus::ALL {
        for action in &bad {
            for (who, actor) in &outsiders {
                assert_forbidden(
                    in_status(status).refused(*actor, action.clone()),
                    &format!("{who} {status} {action:?}"),
                );
            }
        }
    }
    // The submitter is no registrar either.
    for action in bad
        .iter()
        .skip(1)
        .filter(|a| !matches!(a, ContractAction::RecordPayment { .. }))
    {
        assert_forbidden(
            in_status(ContractStatus::Accepted).refused(researcher(), action.clone()),
            &format!("submitter {action:?}"),
        );
    }
}

// =============================================================================================
// Acceptance and due dates

#[test]
fn acceptance_starts_a_clock_of_15_working_days_across_the_holiday() {
    let mut s = submitted();
    let event = s.ok(registrar(), accept());
    // From Monday 09-21: 22–25, Sunday 27 (made up), 28–30, then 10-08, 10-09, Saturday 10-10
    // (made up), 10-12 … 10-15.
    assert_eq!(
        event,
        ContractEvent::Accepted {
            accepted_on: date("2026-09-21"),
            due_on: date("2026-10-15"),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Accepted);
    assert_eq!(c.accepted_on, Some(date("2026-09-21")));
    assert_eq!(c.due_on, Some(date("2026-10-15")));
    // Another registrar may accept just as well.
    let mut s = submitted();
    s.ok(other_registrar(), accept());
    assert_eq!(s.contract().due_on, Some(date("2026-10-15")));
}

#[test]
fn with_expert_review_the_clock_is_30_working_days() {
    let s = accepted_big();
    assert_eq!(s.contract().due_on, Some(date("2026-11-05")));
    // One fen below the threshold is the ordinary 15.
    let mut s = submitted_with(priced(600_000_000, EXPERT_REVIEW_THRESHOLD_FEN - 1));
    s.ok(registrar(), accept());
    assert_eq!(s.contract().due_on, Some(date("2026-10-15")));
}

#[test]
fn the_due_date_follows_the_calendar_given_and_skips_weekends() {
    // Accepted on Friday 09-25 with weekends only: 15 working days is Friday 10-16.
    let mut s = submitted();
    s.on("2026-09-25").ok(
        registrar(),
        ContractAction::Accept {
            calendar: WorkingCalendar::weekends_only(),
        },
    );
    assert_eq!(s.contract().due_on, Some(date("2026-10-16")));
    // Accepted on a Saturday (10-10, a make-up workday, by the national-day calendar).
    let mut s = submitted();
    s.on("2026-10-10").ok(registrar(), accept());
    assert_eq!(s.contract().accepted_on, Some(date("2026-10-10")));
    assert_eq!(s.contract().due_on, Some(date("2026-10-30")));
    // Accepted late in the evening in China: the China date counts, not the UTC one.
    let mut s = submitted();
    s.at(Utc.with_ymd_and_hms(2026, 9, 30, 16, 30, 0).unwrap())
        .ok(registrar(), accept());
    assert_eq!(s.contract().accepted_on, Some(date("2026-10-01")));
    assert_eq!(s.contract().due_on, Some(date("2026-10-27")));
}

#[test]
fn only_a_submitted_contract_is_accepted() {
    for status in ContractStatus::ALL {
        if status == ContractStatus::Submitted {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), accept()),
            &format!("must be submitted to be accepted; it is {status}"),
        );
    }
}

#[test]
fn overdue_means_on_the_clock_and_past_the_due_date() {
    let s = accepted();
    let c = s.contract();
    assert!(!c.is_overdue_on(date("2026-09-21")));
    assert!(!c.is_overdue_on(date("2026-10-15")));
    assert!(c.is_overdue_on(date("2026-10-16")));
    // Under expert review the clock runs on.
    let s = expert_reviewed();
    assert!(!s.contract().is_overdue_on(date("2026-11-05")));
    assert!(s.contract().is_overdue_on(date("2026-11-06")));
    // Off the clock nothing is overdue, whatever the date.
    for status in [
        ContractStatus::Submitted,
        ContractStatus::CorrectionRequested,
        ContractStatus::Registered,
        ContractStatus::Refused,
        ContractStatus::Cancelled,
        ContractStatus::Revoked,
    ] {
        assert!(
            !in_status(status)
                .contract()
                .is_overdue_on(date("2030-01-01")),
            "{status}"
        );
    }
}

// =============================================================================================
// Corrections and resubmission

#[test]
fn a_registrar_requests_corrections_with_trimmed_reasons() {
    let mut s = accepted();
    let event = s.ok(
        registrar(),
        request_correction(&["  缺少专利证书复印件 ", "技术交易额的计算\n需附明细"]),
    );
    assert_eq!(
        event,
        ContractEvent::CorrectionRequested {
            reasons: vec![
                "缺少专利证书复印件".into(),
                "技术交易额的计算\n需附明细".into()
            ],
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::CorrectionRequested);
    assert_eq!(c.corrections, 1);
    assert_eq!(c.correction_reasons.len(), 2);
    // The due date stays as it was until resubmission.
    assert_eq!(c.due_on, Some(date("2026-10-15")));
}

#[test]
fn correction_reasons_are_1_to_20_of_1_to_500_characters() {
    let long = "补".repeat(501);
    let too_many: Vec<String> = (0..21).map(|i| format!("原因{i}")).collect();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (vec![], vec!["reasons"]),
        (too_many, vec!["reasons"]),
        (vec!["ok".into(), "  ".into()], vec!["reasons[1]"]),
        (
            vec![long, "ok".into(), "nul\u{0}".into()],
            vec!["reasons[0]", "reasons[2]"],
        ),
    ];
    for (reasons, expected) in cases {
        let err = accepted().refused(
            registrar(),
            ContractAction::RequestCorrection {
                reasons: reasons.clone(),
            },
        );
        assert_eq!(fields(err), expected, "{reasons:?}");
    }
    let err = accepted().refused(registrar(), request_correction(&[]));
    assert_eq!(message_of(&err, "reasons"), "must give at least one reason");
    let twenty: Vec<String> = (0..20).map(|i| format!("原因{i}")).collect();
    let mut s = accepted();
    s.ok(
        registrar(),
        ContractAction::RequestCorrection {
            reasons: twenty.clone(),
        },
    );
    assert_eq!(s.contract().correction_reasons, twenty);
    let mut s = accepted();
    s.ok(
        registrar(),
        request_correction(&["补".repeat(500).as_str()]),
    );
}

#[test]
fn corrections_are_requested_only_of_an_accepted_contract() {
    for status in ContractStatus::ALL {
        if status == ContractStatus::Accepted {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), request_correction(&["r"])),
            &format!("must be accepted to be sent back for correction; it is {status}"),
        );
    }
}

#[test]
fn resubmission_replaces_the_content_and_restarts_the_clock() {
    let mut s = accepted();
    s.on("2026-10-12")
        .ok(registrar(), request_correction(&["补充技术交易额明细"]));
    let corrected = priced(AMOUNT, 200_000_000);
    let event = s
        .on("2026-10-13")
        .ok(researcher(), resubmit(corrected.clone()));
    // 15 working days after Tuesday 10-13.
    assert_eq!(
        event,
        ContractEvent::Resubmitted {
            content: corrected.clone(),
            due_on: date("2026-11-03"),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Accepted);
    assert_eq!(c.content, corrected);
    assert_eq!(c.accepted_on, Some(date("2026-09-21")), "acceptance stays");
    assert_eq!(c.due_on, Some(date("2026-11-03")));
    assert!(!c.is_overdue_on(date("2026-11-03")));
    assert!(c.is_overdue_on(date("2026-11-04")));
    // The correction's reasons and count remain on record.
    assert_eq!(c.corrections, 1);
    assert_eq!(c.correction_reasons, vec!["补充技术交易额明细".to_string()]);
}

#[test]
fn a_resubmission_crossing_the_threshold_gets_30_days_and_needs_experts() {
    let mut s = correction_requested();
    s.on("2026-10-13").ok(researcher(), resubmit(big_content()));
    // 30 working days after Tuesday 10-13.
    assert_eq!(s.contract().due_on, Some(date("2026-11-24")));
    assert_conflict(
        s.refused(registrar(), register(NUMBER)),
        "expert review is required first",
    );
    s.ok(registrar(), expert_review("同意"));
    s.ok(registrar(), register(NUMBER));
}

#[test]
fn corrections_may_be_requested_again_and_again() {
    let mut s = correction_requested();
    s.ok(researcher(), resubmit(content()));
    s.ok(registrar(), request_correction(&["第二次补正", "盖章不清"]));
    let c = s.contract();
    assert_eq!(c.corrections, 2);
    assert_eq!(
        c.correction_reasons,
        vec!["第二次补正".to_string(), "盖章不清".to_string()]
    );
    s.ok(researcher(), resubmit(content()));
    s.ok(registrar(), register(NUMBER));
    assert_eq!(s.status(), ContractStatus::Registered);
}

#[test]
fn resubmission_is_only_after_a_correction_request() {
    for status in ContractStatus::ALL {
        if status == ContractStatus::CorrectionRequested {
            continue;
        }
        assert_conflict(
            in_status(status).refused(researcher(), resubmit(content())),
            &format!("must be correction_requested to be resubmitted; it is {status}"),
        );
    }
}

#[test]
fn resubmitted_content_is_checked_like_a_submission() {
    let mut s = correction_requested();
    assert_eq!(
        fields(s.refused(researcher(), resubmit(priced(AMOUNT, AMOUNT + 1)))),
        vec!["technology_amount_fen"]
    );
    assert_eq!(
        fields(s.refused(
            researcher(),
            resubmit(ContractContent {
                signing_date: date("2026-09-22"),
                ..content()
            })
        )),
        vec!["signing_date"]
    );
    // Nor may the submitter move the contract to another seller organization.
    let elsewhere = ContractContent {
        seller: party(Some(OTHER_LAB), "四川大学", "021", "510000"),
        ..content()
    };
    assert_forbidden(s.refused(researcher(), resubmit(elsewhere)), "researcher");
    // The state check comes before the content.
    assert_conflict(
        accepted().refused(researcher(), resubmit(priced(0, 0))),
        "must be correction_requested",
    );
}

// =============================================================================================
// Expert review

#[test]
fn experts_review_a_contract_of_500_wan_yuan_of_technology() {
    let mut s = accepted_big();
    let event = s.ok(
        registrar(),
        expert_review("  技术先进，价格合理。\n建议登记。 "),
    );
    assert_eq!(
        event,
        ContractEvent::ExpertReviewed {
            opinion: "技术先进，价格合理。\n建议登记。".into(),
            experts: vec![],
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::ExpertReview);
    assert_eq!(
        c.expert_opinion.as_deref(),
        Some("技术先进，价格合理。\n建议登记。")
    );
    assert_eq!(c.due_on, Some(date("2026-11-05")));
}

#[test]
fn below_500_wan_yuan_there_is_no_expert_review() {
    for technology in [EXPERT_REVIEW_THRESHOLD_FEN - 1, TECH_AMOUNT, 1] {
        let mut s = submitted_with(priced(600_000_000, technology));
        s.ok(registrar(), accept());
        assert_conflict(
            s.refused(registrar(), expert_review("同意")),
            "expert review is only for technology amounts of 500万元 or more",
        );
    }
}

#[test]
fn the_expert_opinion_is_1_to_5000_characters() {
    for bad in [String::new(), " \n ".into(), "评".repeat(5_001)] {
        assert_eq!(
            fields(accepted_big().refused(
                registrar(),
                ContractAction::ExpertReview {
                    opinion: bad.clone()
                }
            )),
            vec!["opinion"],
            "{}",
            bad.len()
        );
    }
    accepted_big().ok(registrar(), expert_review(&"评".repeat(5_000)));
}

#[test]
fn expert_review_is_only_of_an_accepted_contract() {
    for status in ContractStatus::ALL {
        if status == ContractStatus::Accepted {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), expert_review("同意")),
            &format!("must be accepted to be reviewed by experts; it is {status}"),
        );
    }
    // Checked before the input, and before the threshold.
    assert_conflict(
        submitted_with(big_content()).refused(registrar(), expert_review("")),
        "must be accepted",
    );
    assert_conflict(
        accepted().refused(registrar(), expert_review("")),
        "only for technology amounts",
    );
}

// =============================================================================================
// Registration

#[test]
fn an_accepted_contract_below_the_threshold_is_registered() {
    let mut s = accepted();
    s.on("2026-10-14");
    let event = s.ok(registrar(), register("  2026500106000123 "));
    assert_eq!(
        event,
        ContractEvent::Registered {
            registration_number: NUMBER.into(),
            registered_on: date("2026-10-14"),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Registered);
    assert_eq!(c.registration_number.as_deref(), Some(NUMBER));
    assert_eq!(c.registered_on, Some(date("2026-10-14")));
}

#[test]
fn a_contract_of_500_wan_yuan_is_registered_only_after_expert_review() {
    let mut s = accepted_big();
    assert_conflict(
        s.refused(registrar(), register(NUMBER)),
        "expert review is required first: the technology amount is 500万元 or more",
    );
    s.ok(registrar(), expert_review("同意登记"));
    s.ok(registrar(), register(NUMBER));
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Registered);
    assert_eq!(c.expert_opinion.as_deref(), Some("同意登记"));
}

#[test]
fn a_contract_never_accepted_is_not_registered() {
    let mut s = submitted();
    let err = s.refused(registrar(), register(NUMBER));
    assert_eq!(
        err,
        DomainError::conflict(
            "a contract that was never accepted cannot be registered; it is submitted"
        )
    );
    for status in [
        ContractStatus::CorrectionRequested,
        ContractStatus::Registered,
        ContractStatus::Refused,
        ContractStatus::Cancelled,
        ContractStatus::Revoked,
    ] {
        assert_conflict(
            in_status(status).refused(registrar(), register(NUMBER)),
            &format!("must be accepted or expert_review to be registered; it is {status}"),
        );
    }
    // The state is judged before the number.
    assert_conflict(
        submitted().refused(registrar(), register("")),
        "never accepted",
    );
}

#[test]
fn the_registration_number_is_a_single_line_of_1_to_64_characters() {
    for bad in [
        String::new(),
        "   ".into(),
        "2026\n0001".into(),
        "9".repeat(65),
    ] {
        assert_eq!(
            fields(accepted().refused(
                registrar(),
                ContractAction::Register {
                    registration_number: bad.clone()
                }
            )),
            vec!["registration_number"],
            "{bad:?}"
        );
    }
    let mut s = accepted();
    s.ok(registrar(), register(&"9".repeat(64)));
    assert_eq!(s.contract().registration_number, Some("9".repeat(64)));
}

// =============================================================================================
// Refusal

#[test]
fn a_registrar_refuses_with_a_reason_from_the_list() {
    for code in refusal_reason_codes() {
        let mut s = accepted();
        let event = s.ok(
            registrar(),
            ContractAction::Refuse {
                reason_code: code.into(),
                note: Some("  见附件 ".into()),
            },
        );
        assert_eq!(
            event,
            ContractEvent::Refused {
                reason_code: code.into(),
                note: Some("见附件".into()),
            }
        );
        assert_eq!(s.status(), ContractStatus::Refused);
        assert_eq!(
            s.contract().refusal,
            Some(Refusal {
                reason_code: code.into(),
                note: Some("见附件".into()),
            })
        );
    }
}

#[test]
fn an_unknown_refusal_reason_is_refused_on_its_field() {
    for bad in ["nonsense", "Other", "", " other"] {
        let err = accepted().refused(registrar(), refuse(bad));
        assert_eq!(fields(err.clone()), vec!["reason_code"], "{bad:?}");
        assert!(
            message_of(&err, "reason_code").contains("invalid_contract, not_technology_contract")
        );
    }
    // With a bad note too, both are reported.
    let err = accepted().refused(
        registrar(),
        ContractAction::Refuse {
            reason_code: "nonsense".into(),
            note: Some("注".repeat(501)),
        },
    );
    assert_eq!(fields(err), vec!["reason_code", "note"]);
    // A blank note is no note.
    let mut s = accepted();
    s.ok(
        registrar(),
        ContractAction::Refuse {
            reason_code: "other".into(),
            note: Some("   ".into()),
        },
    );
    assert_eq!(s.contract().refusal.as_ref().unwrap().note, None);
}

#[test]
fn refusal_is_possible_while_the_contract_is_under_consideration() {
    use ContractStatus as S;
    for status in ContractStatus::ALL {
        let mut s = in_status(status);
        let got = outcome(s.try_run(registrar(), refuse("unclear_subject")));
        let expected = if matches!(
            status,
            S::Accepted | S::CorrectionRequested | S::ExpertReview
        ) {
            Outcome::Accepted
        } else {
            Outcome::Conflict
        };
        assert_eq!(got, expected, "{status}");
    }
    assert_conflict(
        submitted().refused(registrar(), refuse("other")),
        "must be accepted or correction_requested or expert_review to be refused; it is submitted",
    );
}

// =============================================================================================
// Amendments

#[test]
fn an_amendment_records_the_new_values_and_the_amounts_it_replaces() {
    let mut s = registered();
    s.on("2026-11-02");
    let event = s.ok(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-10-20"),
            contract_amount_fen: 350_000_000,
            technology_amount_fen: 280_000_000,
            seller: None,
            buyer: None,
            note: Some(" 增加许可地域 ".into()),
        },
    );
    let expected = Amendment {
        id: AMEND1,
        effective_on: date("2026-10-20"),
        contract_amount_fen: 350_000_000,
        technology_amount_fen: 280_000_000,
        seller: seller_party(),
        buyer: buyer_party(),
        previous_contract_amount_fen: AMOUNT,
        previous_technology_amount_fen: TECH_AMOUNT,
        note: Some("增加许可地域".into()),
    };
    assert_eq!(
        event,
        ContractEvent::Amended {
            amendment: expected.clone()
        }
    );
    let c = s.contract();
    assert_eq!(c.amendments, vec![expected.clone()]);
    assert_eq!(c.status, ContractStatus::Registered);
    assert_eq!(c.current_amounts(), (350_000_000, 280_000_000));
    // The content stays as submitted.
    assert_eq!(
        (
            c.content.contract_amount_fen,
            c.content.technology_amount_fen
        ),
        (AMOUNT, TECH_AMOUNT)
    );
    assert_eq!(expected.contract_amount_change_fen(), 50_000_000);
    assert_eq!(expected.technology_amount_change_fen(), 30_000_000);
}

#[test]
fn two_amendments_chain_their_previous_amounts() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(
        registrar(),
        amend(AMEND1, "2026-10-20", 350_000_000, 280_000_000),
    );
    let event = s.ok(
        registrar(),
        amend(AMEND2, "2026-11-01", 320_000_000, 200_000_000),
    );
    let ContractEvent::Amended { amendment } = event else {
        panic!("expected Amended");
    };
    assert_eq!(
        (
            amendment.previous_contract_amount_fen,
            amendment.previous_technology_amount_fen
        ),
        (350_000_000, 280_000_000)
    );
    assert_eq!(amendment.contract_amount_change_fen(), -30_000_000);
    assert_eq!(amendment.technology_amount_change_fen(), -80_000_000);
    let c = s.contract();
    assert_eq!(c.current_amounts(), (320_000_000, 200_000_000));
    assert_eq!(c.amounts_on(date("2026-09-30")), (AMOUNT, TECH_AMOUNT));
    assert_eq!(c.amounts_on(date("2026-10-20")), (350_000_000, 280_000_000));
    assert_eq!(c.amounts_on(date("2026-10-31")), (350_000_000, 280_000_000));
    assert_eq!(c.amounts_on(date("2026-11-01")), (320_000_000, 200_000_000));
    // The sum of the changes moves the original totals to the current ones.
    let moved: i64 = c
        .amendments
        .iter()
        .map(Amendment::contract_amount_change_fen)
        .sum();
    assert_eq!(AMOUNT + moved, 320_000_000);
}

#[test]
fn an_amendment_may_change_a_party_only() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-11-02"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            seller: None,
            buyer: Some(new_buyer()),
            note: None,
        },
    );
    let c = s.contract();
    assert_eq!(c.current_parties(), (&seller_party(), &new_buyer()));
    assert_eq!(c.current_amounts(), (AMOUNT, TECH_AMOUNT));
    let a = &c.amendments[0];
    assert_eq!(
        (a.previous_contract_amount_fen, a.contract_amount_fen),
        (AMOUNT, AMOUNT)
    );
    assert_eq!(c.content.buyer, buyer_party());
    // A second amendment keeps the new buyer unless it names another.
    s.ok(
        registrar(),
        amend(AMEND2, "2026-11-02", AMOUNT + 100, TECH_AMOUNT),
    );
    assert_eq!(s.contract().current_parties().1, &new_buyer());
    // Naming the current parties and amounts again changes nothing: refused.
    let err = s.refused(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND3,
            effective_on: date("2026-11-02"),
            contract_amount_fen: AMOUNT + 100,
            technology_amount_fen: TECH_AMOUNT,
            seller: Some(seller_party()),
            buyer: Some(new_buyer()),
            note: Some("无变化".into()),
        },
    );
    assert_eq!(fields(err.clone()), vec!["amendment"]);
    assert_eq!(
        message_of(&err, "amendment"),
        "must change an amount or a party"
    );
}

#[test]
fn amendments_follow_the_amount_rules() {
    let mut s = registered();
    for (contract, technology, expected) in [
        (AMOUNT, AMOUNT + 1, vec!["technology_amount_fen"]),
        (0, 0, vec!["contract_amount_fen", "technology_amount_fen"]),
        (-AMOUNT, 1, vec!["contract_amount_fen"]),
        (AMOUNT, -1, vec!["technology_amount_fen"]),
        (MAX_AMOUNT_FEN + 1, 1, vec!["contract_amount_fen"]),
    ] {
        let err = s.refused(
            registrar(),
            amend(AMEND1, "2026-09-21", contract, technology),
        );
        assert_eq!(fields(err), expected, "{contract} {technology}");
    }
    let err = s.refused(registrar(), amend(AMEND1, "2026-09-21", AMOUNT, AMOUNT + 1));
    assert_eq!(
        message_of(&err, "technology_amount_fen"),
        "技术交易额 cannot exceed 成交额"
    );
    // No "nothing changed" on top of other errors.
    assert_eq!(
        fields(s.refused(
            registrar(),
            amend(AMEND1, "2030-01-01", AMOUNT, TECH_AMOUNT)
        )),
        vec!["effective_on"]
    );
    // A new buyer of the seller's own organization is refused.
    let err = s.refused(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-09-21"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            seller: None,
            buyer: Some(party(Some(LAB), "重庆大学", "021", "500106")),
            note: Some("注".repeat(501)),
        },
    );
    assert_eq!(fields(err), vec!["buyer.organization_id", "note"]);
}

#[test]
fn an_amendment_takes_effect_between_the_registration_and_today_in_order() {
    let mut s = accepted();
    s.on("2026-10-12").ok(registrar(), register(NUMBER));
    s.on("2026-11-02");
    let err = s.refused(
        registrar(),
        amend(AMEND1, "2026-11-03", AMOUNT + 1, TECH_AMOUNT),
    );
    assert_eq!(
        message_of(&err, "effective_on"),
        "must not be after today (2026-11-02)"
    );
    let err = s.refused(
        registrar(),
        amend(AMEND1, "2026-10-11", AMOUNT + 1, TECH_AMOUNT),
    );
    assert_eq!(
        message_of(&err, "effective_on"),
        "must not be before the registration date (2026-10-12)"
    );
    s.ok(
        registrar(),
        amend(AMEND1, "2026-10-20", AMOUNT + 1, TECH_AMOUNT),
    );
    let err = s.refused(
        registrar(),
        amend(AMEND2, "2026-10-19", AMOUNT + 2, TECH_AMOUNT),
    );
    assert_eq!(
        message_of(&err, "effective_on"),
        "must not be before the latest amendment's effective date (2026-10-20)"
    );
    // The same day as the latest amendment, the registration day and today are all fine.
    s.ok(
        registrar(),
        amend(AMEND2, "2026-10-20", AMOUNT + 2, TECH_AMOUNT),
    );
    s.ok(
        registrar(),
        amend(AMEND3, "2026-11-02", AMOUNT + 3, TECH_AMOUNT),
    );
    let mut s2 = accepted();
    s2.on("2026-10-12").ok(registrar(), register(NUMBER));
    s2.ok(
        registrar(),
        amend(AMEND1, "2026-10-12", AMOUNT + 1, TECH_AMOUNT),
    );
}

#[test]
fn an_amendment_id_is_used_once() {
    let mut s = registered();
    s.ok(
        registrar(),
        amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
    );
    assert_conflict(
        s.refused(
            registrar(),
            amend(AMEND1, "2026-09-21", AMOUNT + 2, TECH_AMOUNT),
        ),
        "already exists",
    );
}

#[test]
fn only_a_registered_contract_is_amended() {
    for status in ContractStatus::ALL {
        if status == ContractStatus::Registered {
            continue;
        }
        assert_conflict(
            in_status(status).refused(
                registrar(),
                amend(AMEND1, "2026-09-21", AMOUNT + 1, TECH_AMOUNT),
            ),
            &format!("must be registered to be amended; it is {status}"),
        );
    }
    // Amending a refused contract: a conflict, whatever the input.
    let mut s = in_status(ContractStatus::Refused);
    assert_eq!(
        s.refused(registrar(), amend(AMEND1, "2030-01-01", 0, 0)),
        DomainError::conflict("the contract must be registered to be amended; it is refused")
    );
}

// =============================================================================================
// Payments

#[test]
fn payments_received_are_recorded_by_the_registrar_or_the_submitter() {
    let mut s = registered();
    s.on("2026-11-02");
    let event = s.ok(
        researcher(),
        ContractAction::RecordPayment {
            payment_id: PAY1,
            amount_fen: 100_000_000,
            received_on: date("2026-10-30"),
            note: Some(" 首期款 ".into()),
        },
    );
    let first = Payment {
        id: PAY1,
        amount_fen: 100_000_000,
        received_on: date("2026-10-30"),
        note: Some("首期款".into()),
    };
    assert_eq!(
        event,
        ContractEvent::PaymentRecorded {
            payment: first.clone()
        }
    );
    s.ok(registrar(), pay(PAY2, 50_000_000, "2026-11-02"));
    let c = s.contract();
    assert_eq!(c.payments.len(), 2);
    assert_eq!(c.payment(PAY1), Some(&first));
    assert_eq!(c.payment(PAY2).unwrap().amount_fen, 50_000_000);
    assert_eq!(c.payment(PAY2).unwrap().note, None);
    assert_eq!(c.status, ContractStatus::Registered);
}

#[test]
fn a_payment_is_a_positive_amount_received_between_signing_and_today() {
    let mut s = registered();
    for (amount, received_on, expected) in [
        (0, "2026-09-21", vec!["amount_fen"]),
        (-1, "2026-09-21", vec!["amount_fen"]),
        (MAX_AMOUNT_FEN + 1, "2026-09-21", vec!["amount_fen"]),
        (1, "2026-09-22", vec!["received_on"]),
        (1, "2026-08-31", vec!["received_on"]),
        (0, "2026-09-22", vec!["amount_fen", "received_on"]),
    ] {
        assert_eq!(
            fields(s.refused(registrar(), pay(PAY1, amount, received_on))),
            expected,
            "{amount} {received_on}"
        );
    }
    let err = s.refused(registrar(), pay(PAY1, 1, "2026-08-31"));
    assert_eq!(
        message_of(&err, "received_on"),
        "must not be before the signing date (2026-09-01)"
    );
    // Received before the registration but after signing is fine.
    s.ok(registrar(), pay(PAY1, 1, "2026-09-01"));
    assert_conflict(
        s.refused(registrar(), pay(PAY1, 2, "2026-09-21")),
        "already exists",
    );
}

#[test]
fn payments_may_add_up_to_the_contract_amount_and_no_more() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(registrar(), pay(PAY1, AMOUNT - 100, "2026-10-30"));
    // One fen over: refused on the field, and nothing changes (`refused` checks the state).
    let err = s.refused(researcher(), pay(PAY2, 101, "2026-11-02"));
    assert_eq!(fields(err.clone()), vec!["amount_fen"]);
    assert_eq!(
        message_of(&err, "amount_fen"),
        "the payments would add up to 300000001 fen, more than the contract amount of \
         300000000 fen (299999900 fen received so far); amend the contract first"
    );
    // Exactly the contract amount is fine.
    s.ok(researcher(), pay(PAY2, 100, "2026-11-02"));
    assert_eq!(s.contract().received_fen(), i128::from(AMOUNT));
    // Then not a fen more.
    let third = Uuid::from_u128(0xE3);
    assert_eq!(
        fields(s.refused(registrar(), pay(third, 1, "2026-11-02"))),
        vec!["amount_fen"]
    );
}

#[test]
fn a_single_payment_above_the_contract_amount_is_refused() {
    let mut s = registered();
    assert_eq!(
        fields(s.refused(registrar(), pay(PAY1, AMOUNT + 1, "2026-09-21"))),
        vec!["amount_fen"]
    );
    s.ok(registrar(), pay(PAY1, AMOUNT, "2026-09-21"));
}

#[test]
fn the_payment_cap_follows_the_amended_contract_amount() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(registrar(), pay(PAY1, AMOUNT, "2026-10-30"));
    assert_eq!(
        fields(s.refused(registrar(), pay(PAY2, 50_000_000, "2026-11-02"))),
        vec!["amount_fen"]
    );
    // Amend the contract first: then the rest can be received.
    s.ok(
        registrar(),
        amend(AMEND1, "2026-11-02", AMOUNT + 50_000_000, TECH_AMOUNT),
    );
    s.ok(registrar(), pay(PAY2, 50_000_000, "2026-11-02"));
    assert_eq!(s.contract().received_fen(), i128::from(AMOUNT + 50_000_000));
}

#[test]
fn an_amendment_may_not_lower_the_amount_below_what_was_received() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(registrar(), pay(PAY1, 120_000_000, "2026-10-30"));
    s.ok(registrar(), pay(PAY2, 80_000_000, "2026-11-02"));
    let err = s.refused(
        registrar(),
        amend(AMEND1, "2026-11-02", 199_999_999, 150_000_000),
    );
    assert_eq!(fields(err.clone()), vec!["contract_amount_fen"]);
    assert_eq!(
        message_of(&err, "contract_amount_fen"),
        "must not be below what has already been received under the contract (200000000 fen)"
    );
    // Down to exactly what was received is fine.
    s.ok(
        registrar(),
        amend(AMEND1, "2026-11-02", 200_000_000, 150_000_000),
    );
    assert_eq!(s.contract().current_amounts(), (200_000_000, 150_000_000));
}

#[test]
fn payments_are_recorded_only_on_a_registered_contract() {
    for status in ContractStatus::ALL {
        if status == ContractStatus::Registered {
            continue;
        }
        for actor in [registrar(), researcher()] {
            assert_conflict(
                in_status(status).refused(actor, pay(PAY1, 100, "2026-09-21")),
                &format!("must be registered to be paid; it is {status}"),
            );
        }
    }
}

// =============================================================================================
// Cancellation and revocation

#[test]
fn a_registration_is_cancelled_from_a_date() {
    let mut s = registered();
    s.on("2026-12-01");
    let event = s.ok(
        registrar(),
        ContractAction::Cancel {
            on: date("2026-11-30"),
            reason: "  双方协议解除合同 ".into(),
        },
    );
    assert_eq!(
        event,
        ContractEvent::Cancelled {
            on: date("2026-11-30"),
            reason: "双方协议解除合同".into(),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Cancelled);
    assert_eq!(c.ended_on, Some(date("2026-11-30")));
    assert_eq!(c.end_reason.as_deref(), Some("双方协议解除合同"));
    // The registration itself stays on record.
    assert_eq!(c.registration_number.as_deref(), Some(NUMBER));
}

#[test]
fn a_registration_is_revoked_from_a_date() {
    let mut s = registered();
    s.on("2026-12-01");
    let event = s.ok(registrar(), revoke("2026-12-01"));
    assert_eq!(
        event,
        ContractEvent::Revoked {
            on: date("2026-12-01"),
            reason: "以欺骗手段取得登记".into(),
        }
    );
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Revoked);
    assert_eq!(c.ended_on, Some(date("2026-12-01")));
    assert_eq!(c.end_reason.as_deref(), Some("以欺骗手段取得登记"));
}

#[test]
fn an_end_date_lies_between_the_registration_and_today_and_needs_a_reason() {
    for end in [cancel as fn(&str) -> ContractAction, revoke] {
        let mut s = accepted();
        s.on("2026-10-12").ok(registrar(), register(NUMBER));
        s.on("2026-11-02");
        let err = s.refused(registrar(), end("2026-11-03"));
        assert_eq!(fields(err.clone()), vec!["on"]);
        assert_eq!(
            message_of(&err, "on"),
            "must not be after today (2026-11-02)"
        );
        let err = s.refused(registrar(), end("2026-10-11"));
        assert_eq!(
            message_of(&err, "on"),
            "must not be before the registration date (2026-10-12)"
        );
        s.ok(
            registrar(),
            amend(AMEND1, "2026-10-20", AMOUNT + 1, TECH_AMOUNT),
        );
        assert_eq!(
            message_of(&s.refused(registrar(), end("2026-10-19")), "on"),
            "must not be before the latest amendment's effective date (2026-10-20)"
        );
        let mut bad = end("2026-11-03");
        match &mut bad {
            ContractAction::Cancel { reason, .. } | ContractAction::Revoke { reason, .. } => {
                *reason = "  ".into()
            }
            _ => unreachable!(),
        }
        assert_eq!(fields(s.refused(registrar(), bad)), vec!["on", "reason"]);
        let mut long = end("2026-10-20");
        if let ContractAction::Cancel { reason, .. } | ContractAction::Revoke { reason, .. } =
            &mut long
        {
            *reason = "由".repeat(501);
        }
        assert_eq!(fields(s.refused(registrar(), long)), vec!["reason"]);
        s.ok(registrar(), end("2026-10-20"));
    }
}

#[test]
fn only_a_registered_contract_is_cancelled_or_revoked() {
    for status in ContractStatus::ALL {
        if status == ContractStatus::Registered {
            continue;
        }
        assert_conflict(
            in_status(status).refused(registrar(), cancel("2026-09-21")),
            &format!("must be registered to be cancelled; it is {status}"),
        );
        assert_conflict(
            in_status(status).refused(registrar(), revoke("2026-09-21")),
            &format!("must be registered to be revoked; it is {status}"),
        );
    }
}

#[test]
fn after_the_end_nothing_more_happens() {
    for status in [ContractStatus::Cancelled, ContractStatus::Revoked] {
        let mut s = in_status(status);
        for action in every_action_but_submit() {
            let who = match action {
                ContractAction::Resubmit { .. } => researcher(),
                _ => registrar(),
            };
            assert!(
                matches!(s.refused(who, action.clone()), DomainError::Conflict(_)),
                "{status} {action:?}"
            );
        }
    }
}

// =============================================================================================
// A whole story

#[test]
fn from_submission_through_corrections_experts_registration_amendment_payment_to_cancellation() {
    let mut s = Story::new();
    s.ok(tech_manager(), submit(big_content()));
    s.ok(registrar(), accept());
    assert_eq!(s.contract().due_on, Some(date("2026-11-05")));
    s.on("2026-09-28")
        .ok(registrar(), request_correction(&["缺少专利证书"]));
    s.on("2026-09-30")
        .ok(tech_manager(), resubmit(big_content()));
    // 30 working days after 09-30, with the holiday week skipped and 10-10 worked.
    assert_eq!(s.contract().due_on, Some(date("2026-11-17")));
    s.on("2026-10-20")
        .ok(other_registrar(), expert_review("同意"));
    s.on("2026-10-22").ok(registrar(), register(NUMBER));
    s.on("2026-11-02").ok(
        registrar(),
        amend(AMEND1, "2026-11-01", 700_000_000, 650_000_000),
    );
    s.ok(tech_manager(), pay(PAY1, 300_000_000, "2026-11-02"));
    s.on("2026-12-31").ok(registrar(), cancel("2026-12-31"));
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Cancelled);
    assert_eq!(c.submitter_id, tech_manager().user_id);
    assert_eq!(c.submitter_organization_id, Some(AGENCY));
    assert_eq!(c.accepted_on, Some(date("2026-09-21")));
    assert_eq!(c.corrections, 1);
    assert_eq!(c.registered_on, Some(date("2026-10-22")));
    assert_eq!(c.current_amounts(), (700_000_000, 650_000_000));
    assert_eq!(c.amendments[0].previous_technology_amount_fen, 500_000_000);
    assert_eq!(c.payments.len(), 1);
    assert_eq!(c.ended_on, Some(date("2026-12-31")));
    assert_eq!(c.created_at, t0());
    assert_eq!(c.updated_at, morning("2026-12-31"));
}

// =============================================================================================
// Visibility

/// Who passes `check` on the contract of `s`, among anonymous + everyone.
fn who_passes(
    s: &Story,
    check: impl Fn(&ContractData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.contract(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.contract(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

#[test]
fn a_registration_is_visible_to_the_submitter_the_parties_and_the_officials() {
    let expected = vec![
        "researcher",
        "lab_admin",
        "registrar",
        "other_registrar",
        "statistician",
        "platform_admin",
        "buyer_staff",
        "lab_colleague",
        "system",
    ];
    for status in ContractStatus::ALL {
        // Least privilege: a statistician reads a contract from registration on, never while
        // it is under review or once refused.
        let expected: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|n| *n != "statistician" || status.is_on_register())
            .collect();
        assert_eq!(
            who_passes(&in_status(status), ContractData::is_visible_to),
            expected,
            "{status}"
        );
    }
    for (status, on_register) in [
        (ContractStatus::Submitted, false),
        (ContractStatus::Accepted, false),
        (ContractStatus::CorrectionRequested, false),
        (ContractStatus::ExpertReview, false),
        (ContractStatus::Refused, false),
        (ContractStatus::Registered, true),
        (ContractStatus::Cancelled, true),
        (ContractStatus::Revoked, true),
    ] {
        assert_eq!(status.is_on_register(), on_register, "{status}");
    }
    // A tech manager sees what they submitted; the agency's colleagues do not.
    let mut s = Story::new();
    s.ok(tech_manager(), submit(content()));
    let c = s.contract();
    assert!(c.is_visible_to(Some(&tech_manager())));
    assert!(!c.is_visible_to(Some(&person(13, Role::TechManager, Some(AGENCY)))));
    // A party brought in by an amendment sees it, and the one it replaced still does.
    let mut s = registered();
    s.ok(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-09-21"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            seller: None,
            buyer: Some(new_buyer()),
            note: None,
        },
    );
    let newcomer = person(14, Role::Enterprise, Some(OTHER_COMPANY));
    assert!(s.contract().is_visible_to(Some(&newcomer)));
    assert!(s.contract().is_party(&newcomer));
    assert!(s.contract().is_visible_to(Some(&buyer_staff())));
    // Nobody without an organization is a party, even when a party has none.
    let off = ContractContent {
        seller: party(None, "张三", "021", "500106"),
        ..content()
    };
    let s = submitted_with(off);
    assert!(!s.contract().is_party(&person(15, Role::Researcher, None)));
    assert!(!s
        .contract()
        .is_visible_to(Some(&person(15, Role::Researcher, None))));
}

// =============================================================================================
// Events, state and enums: names, serde

fn amendment_of() -> Amendment {
    Amendment {
        id: AMEND1,
        effective_on: date("2026-10-20"),
        contract_amount_fen: 350_000_000,
        technology_amount_fen: 280_000_000,
        seller: seller_party(),
        buyer: new_buyer(),
        previous_contract_amount_fen: AMOUNT,
        previous_technology_amount_fen: TECH_AMOUNT,
        note: Some("n".into()),
    }
}

fn all_events() -> Vec<ContractEvent> {
    vec![
        ContractEvent::Submitted {
            submitter_id: researcher().user_id,
            submitter_organization_id: Some(LAB),
            content: content(),
        },
        ContractEvent::Accepted {
            accepted_on: date("2026-09-21"),
            due_on: date("2026-10-15"),
        },
        ContractEvent::CorrectionRequested {
            reasons: vec!["r".into()],
        },
        ContractEvent::Resubmitted {
            content: big_content(),
            due_on: date("2026-11-24"),
        },
        ContractEvent::ExpertReviewed {
            opinion: "o".into(),
            experts: vec![],
        },
        ContractEvent::Registered {
            registration_number: NUMBER.into(),
            registered_on: date("2026-10-22"),
        },
        ContractEvent::Refused {
            reason_code: "other".into(),
            note: None,
        },
        ContractEvent::Amended {
            amendment: amendment_of(),
        },
        ContractEvent::PaymentRecorded {
            payment: Payment {
                id: PAY1,
                amount_fen: 1,
                received_on: date("2026-10-30"),
                note: None,
            },
        },
        ContractEvent::Cancelled {
            on: date("2026-12-01"),
            reason: "c".into(),
        },
        ContractEvent::Revoked {
            on: date("2026-12-02"),
            reason: "r".into(),
        },
    ]
}

#[test]
fn every_event_moves_updated_at_and_sets_what_it_says() {
    let mut state = ContractState::default();
    for (n, event) in all_events().into_iter().enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64);
        state = ContractRegistration::apply_event(
            state,
            Recorded {
                actor: registrar(),
                at,
                event: event.clone(),
            },
        );
        let c = state.contract.as_ref().unwrap();
        assert_eq!((c.created_at, c.updated_at), (t0(), at), "{}", event.name());
        let expected_status = match event {
            ContractEvent::Submitted { .. } => ContractStatus::Submitted,
            ContractEvent::Accepted { .. } | ContractEvent::Resubmitted { .. } => {
                ContractStatus::Accepted
            }
            ContractEvent::CorrectionRequested { .. } => ContractStatus::CorrectionRequested,
            ContractEvent::ExpertReviewed { .. } => ContractStatus::ExpertReview,
            // The panel's steps happen while the contract is accepted, and leave it so.
            ContractEvent::ExpertPanelRequested { .. }
            | ContractEvent::ExpertSeatAccepted { .. }
            | ContractEvent::ExpertSeatDeclined { .. }
            | ContractEvent::ExpertOpinionSubmitted { .. } => c.status,
            ContractEvent::Registered { .. }
            | ContractEvent::Imported { .. }
            | ContractEvent::Amended { .. }
            | ContractEvent::PaymentRecorded { .. } => ContractStatus::Registered,
            ContractEvent::Refused { .. } => ContractStatus::Refused,
            ContractEvent::Cancelled { .. } => ContractStatus::Cancelled,
            ContractEvent::Revoked { .. } => ContractStatus::Revoked,
        };
        // Applying is total: a refusal after registration is not a real history, but the
        // status follows the event all the same.
        if !matches!(
            event,
            ContractEvent::Amended { .. } | ContractEvent::PaymentRecorded { .. }
        ) {
            assert_eq!(c.status, expected_status, "{}", event.name());
        }
    }
    let c = state.contract.unwrap();
    assert_eq!(c.status, ContractStatus::Revoked);
    assert_eq!(c.accepted_on, Some(date("2026-09-21")));
    assert_eq!(c.due_on, Some(date("2026-11-24")));
    assert_eq!(c.content, big_content());
    assert_eq!(c.corrections, 1);
    assert_eq!(c.expert_opinion.as_deref(), Some("o"));
    assert_eq!(c.registration_number.as_deref(), Some(NUMBER));
    assert_eq!(c.registered_on, Some(date("2026-10-22")));
    assert_eq!(
        c.refusal,
        Some(Refusal {
            reason_code: "other".into(),
            note: None
        })
    );
    assert_eq!(c.amendments, vec![amendment_of()]);
    assert_eq!(c.payments.len(), 1);
    assert_eq!(c.ended_on, Some(date("2026-12-02")));
    assert_eq!(c.end_reason.as_deref(), Some("r"));
    assert_eq!(c.updated_at, t0() + TimeDelta::minutes(10));
}

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(ContractEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "submitted",
            "accepted",
            "correction_requested",
            "resubmitted",
            "expert_reviewed",
            "registered",
            "refused",
            "amended",
            "payment_recorded",
            "cancelled",
            "revoked",
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <ContractEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(
            serde_json::from_value::<ContractEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<ContractEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    let content_json = json!({
        "contract_type": {"taxonomy": "2026", "contract_type": "license", "subtype": "exclusive"},
        "title": "钠离子电池正极材料专利独占许可合同",
        "seller": {"organization_id": LAB, "name": "重庆大学", "party_nature": "021", "region": "500106", "zone": null},
        "buyer": {"organization_id": COMPANY, "name": "重庆钠能科技有限公司", "party_nature": "170", "region": "500112", "zone": "liangjiang"},
        "broker_id": tech_manager().user_id,
        "signing_date": "2026-09-01",
        "validity_start": "2026-09-01",
        "validity_end": "2031-08-31",
        "contract_amount_fen": AMOUNT,
        "technology_amount_fen": TECH_AMOUNT,
        "field": "new_energy",
        "ip_kinds": ["invention_patent", "software_copyright"],
        "negotiation_id": NEGOTIATION,
        "listing_id": LISTING,
        "demand_id": null
    });
    let shapes = [
        (
            all_events()[0].clone(),
            json!({"type": "submitted", "submitter_id": researcher().user_id,
                   "submitter_organization_id": LAB, "content": content_json}),
        ),
        (
            all_events()[1].clone(),
            json!({"type": "accepted", "accepted_on": "2026-09-21", "due_on": "2026-10-15"}),
        ),
        (
            all_events()[2].clone(),
            json!({"type": "correction_requested", "reasons": ["r"]}),
        ),
        (
            all_events()[4].clone(),
            json!({"type": "expert_reviewed", "opinion": "o"}),
        ),
        (
            all_events()[5].clone(),
            json!({"type": "registered", "registration_number": NUMBER, "registered_on": "2026-10-22"}),
        ),
        (
            all_events()[6].clone(),
            json!({"type": "refused", "reason_code": "other", "note": null}),
        ),
        (
            all_events()[7].clone(),
            json!({"type": "amended", "amendment": {
                "id": AMEND1, "effective_on": "2026-10-20",
                "contract_amount_fen": 350_000_000, "technology_amount_fen": 280_000_000,
                "seller": {"organization_id": LAB, "name": "重庆大学", "party_nature": "021", "region": "500106", "zone": null},
                "buyer": {"organization_id": OTHER_COMPANY, "name": "四川锂钠新材料有限公司", "party_nature": "170", "region": "510000", "zone": null},
                "previous_contract_amount_fen": AMOUNT, "previous_technology_amount_fen": TECH_AMOUNT,
                "note": "n"
            }}),
        ),
        (
            all_events()[8].clone(),
            json!({"type": "payment_recorded", "payment": {
                "id": PAY1, "amount_fen": 1, "received_on": "2026-10-30", "note": null}}),
        ),
        (
            all_events()[9].clone(),
            json!({"type": "cancelled", "on": "2026-12-01", "reason": "c"}),
        ),
        (
            all_events()[10].clone(),
            json!({"type": "revoked", "on": "2026-12-02", "reason": "r"}),
        ),
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
fn a_contract_stored_under_the_2001_taxonomy_reads_back_and_replays() {
    let mut value = serde_json::to_value(&all_events()[0]).unwrap();
    value["content"]["contract_type"] =
        json!({"taxonomy": "2001", "contract_type": "transfer", "subtype": "patent_license"});
    let event: ContractEvent = serde_json::from_value(value).unwrap();
    let state = ContractRegistration::apply_event(
        ContractState::default(),
        Recorded {
            actor: researcher(),
            at: t0(),
            event,
        },
    );
    let c = state.contract.unwrap();
    assert_eq!(c.content.contract_type.taxonomy, "2001");
    assert_eq!(
        c.content.contract_type.row(&refs()).unwrap().name_en,
        "Technology transfer (patent licensing)"
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let mut s = registered();
    s.on("2026-11-02");
    s.ok(
        registrar(),
        amend(AMEND1, "2026-10-20", 350_000_000, 280_000_000),
    );
    s.ok(registrar(), pay(PAY1, 1_000, "2026-11-01"));
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<ContractState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(ContractState::default()).unwrap(),
        json!({"contract": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["contract"]["status"], "registered");
    assert_eq!(value["contract"]["registration_number"], NUMBER);
    assert_eq!(value["contract"]["due_on"], "2026-10-15");
    assert_eq!(
        value["contract"]["amendments"][0]["previous_contract_amount_fen"],
        AMOUNT
    );
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action_but_submit().into_iter().chain([
        submit(content()),
        ContractAction::Amend {
            amendment_id: AMEND2,
            effective_on: date("2026-10-20"),
            contract_amount_fen: 1,
            technology_amount_fen: 1,
            seller: Some(seller_party()),
            buyer: Some(new_buyer()),
            note: Some("n".into()),
        },
    ]) {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<ContractAction>(value).unwrap(),
            action
        );
    }
    assert_eq!(
        serde_json::to_value(accept()).unwrap(),
        json!({"type": "accept", "calendar": {
            "holidays": ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                         "2026-10-05", "2026-10-06", "2026-10-07"],
            "extra_workdays": ["2026-09-27", "2026-10-10"]
        }})
    );
    assert_eq!(
        serde_json::to_value(refuse("other")).unwrap(),
        json!({"type": "refuse", "reason_code": "other", "note": null})
    );
}

#[test]
fn statuses_serialize_as_snake_case_and_parse_back() {
    for status in ContractStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(ContractStatus::parse(status.as_str()), Some(status));
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(
        ContractStatus::ALL.map(ContractStatus::as_str),
        [
            "submitted",
            "accepted",
            "correction_requested",
            "expert_review",
            "registered",
            "refused",
            "cancelled",
            "revoked",
        ]
    );
    assert_eq!(ContractStatus::parse("Registered"), None);
    let pending: Vec<&str> = ContractStatus::ALL
        .into_iter()
        .filter(|s| s.is_pending())
        .map(ContractStatus::as_str)
        .collect();
    assert_eq!(
        pending,
        [
            "submitted",
            "accepted",
            "correction_requested",
            "expert_review"
        ]
    );
    let on_the_clock: Vec<&str> = ContractStatus::ALL
        .into_iter()
        .filter(|s| s.is_on_the_clock())
        .map(ContractStatus::as_str)
        .collect();
    assert_eq!(on_the_clock, ["accepted", "expert_review"]);
}

#[test]
fn the_global_log_names_contract_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), registrar());
    }
    assert_eq!(ContractRegistration::NAME, "contract_registration");
}

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::contract::{ContractStatus, Payment};
use crate::domain::share::FULL_BP;
use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use crate::domain::{Actor, Command, DomainError, Recorded, Role};

// ---------------------------------------------------------------------------------------------
// Cast: a university owns a job-related achievement listed by one of its researchers; the
// researcher applies for the team with an inventor and a colleague. The university's
// technology-transfer office decides; everyone else looks on, objects, or tries their luck.

const INSTITUTION: Uuid = Uuid::from_u128(0x1A);
const OTHER_INSTITUTION: Uuid = Uuid::from_u128(0x2A);
const COMPANY: Uuid = Uuid::from_u128(0xC1);
const LISTING: Uuid = Uuid::from_u128(0x11);
const OTHER_LISTING: Uuid = Uuid::from_u128(0x12);
const CONTRACT: Uuid = Uuid::from_u128(0xCC);
const OBJ1: Uuid = Uuid::from_u128(0x0B1);
const OBJ2: Uuid = Uuid::from_u128(0x0B2);
const PAY1: Uuid = Uuid::from_u128(0xE1);
const PAY2: Uuid = Uuid::from_u128(0xE2);
const PAY3: Uuid = Uuid::from_u128(0xE3);
const DIST1: Uuid = Uuid::from_u128(0xD1);
const DIST2: Uuid = Uuid::from_u128(0xD2);
const DIST3: Uuid = Uuid::from_u128(0xD3);
/// A user id that is not in the platform's user list.
const NOBODY: Uuid = Uuid::from_u128(0x999);

const NOTICE_DAYS: u32 = 30;
/// The China date of [`grant_at`].
const GRANTED_ON: &str = "2026-11-21";
/// Ten years from [`GRANTED_ON`], the first day counted.
const TERM_END: &str = "2036-11-20";

fn person(n: u128, role: Role, organization_id: Option<Uuid>) -> Actor {
    Actor {
        user_id: Uuid::from_u128(n),
        role,
        organization_id,
    }
}
/// Owns the listing.
fn applicant() -> Actor {
    person(1, Role::Researcher, Some(INSTITUTION))
}
/// One of the listing's inventors.
fn inventor() -> Actor {
    person(2, Role::Researcher, Some(INSTITUTION))
}
/// On the team, but neither owner nor inventor of the listing.
fn colleague() -> Actor {
    person(3, Role::Researcher, Some(INSTITUTION))
}
/// The technology-transfer office of the institution.
fn office() -> Actor {
    person(4, Role::InstitutionAdmin, Some(INSTITUTION))
}
fn other_office() -> Actor {
    person(5, Role::InstitutionAdmin, Some(OTHER_INSTITUTION))
}
/// A researcher of another institution, listed as an inventor too.
fn outsider() -> Actor {
    person(6, Role::Researcher, Some(OTHER_INSTITUTION))
}
fn enterprise() -> Actor {
    person(7, Role::Enterprise, Some(COMPANY))
}
fn tech_manager() -> Actor {
    person(8, Role::TechManager, None)
}
fn statistician() -> Actor {
    person(9, Role::Statistician, None)
}
fn platform_admin() -> Actor {
    person(10, Role::PlatformAdmin, None)
}
fn registrar() -> Actor {
    person(11, Role::Registrar, None)
}
fn provider() -> Actor {
    person(12, Role::Provider, None)
}
/// A researcher of the institution with nothing to do with this listing.
fn bystander() -> Actor {
    person(13, Role::Researcher, Some(INSTITUTION))
}
/// An institution admin without an organization.
fn loose_admin() -> Actor {
    person(14, Role::InstitutionAdmin, None)
}
fn system() -> Actor {
    Actor::system()
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("applicant", applicant()),
        ("inventor", inventor()),
        ("colleague", colleague()),
        ("office", office()),
        ("other_office", other_office()),
        ("outsider", outsider()),
        ("enterprise", enterprise()),
        ("tech_manager", tech_manager()),
        ("statistician", statistician()),
        ("platform_admin", platform_admin()),
        ("registrar", registrar()),
        ("provider", provider()),
        ("bystander", bystander()),
        ("loose_admin", loose_admin()),
        ("system", system()),
    ]
}

fn everyone_but(who: &[Actor]) -> Vec<(&'static str, Actor)> {
    everyone()
        .into_iter()
        .filter(|(_, a)| !who.contains(a))
        .collect()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// 09:00 in China on `day`.
fn morning(day: &str) -> DateTime<Utc> {
    at(&format!("{day}T01:00:00Z"))
}

fn apply_at() -> DateTime<Utc> {
    morning("2026-10-08")
}

fn notice_start() -> DateTime<Utc> {
    at("2026-10-20T02:00:00Z")
}

fn notice_end() -> DateTime<Utc> {
    at("2026-11-19T02:00:00Z")
}

/// 00:30 on 2026-11-21 in China, still 2026-11-20 in UTC.
fn grant_at() -> DateTime<Utc> {
    at("2026-11-20T16:30:00Z")
}

// ---------------------------------------------------------------------------------------------
// Terms

fn users() -> HashMap<Uuid, String> {
    [
        (applicant(), "李明"),
        (inventor(), "王芳"),
        (colleague(), "张伟"),
        (outsider(), "赵强"),
        (bystander(), "陈静"),
    ]
    .into_iter()
    .map(|(a, name)| (a.user_id, name.to_string()))
    .collect()
}

fn member(actor: Actor, share_percent: f64) -> TeamMemberInput {
    TeamMemberInput {
        user_id: actor.user_id,
        share_percent,
    }
}

fn team_input() -> Vec<TeamMemberInput> {
    vec![
        member(applicant(), 33.33),
        member(inventor(), 33.33),
        member(colleague(), 33.34),
    ]
}

/// A ten-year usage right with 70% of net income agreed for the team.
fn usage_input() -> GrantInput {
    GrantInput {
        listing_id: LISTING,
        kind: GrantKind::UsageRight,
        institution_share_percent: None,
        team_share_percent: None,
        term_years: Some(10),
        team: team_input(),
        team_income_percent: Some(70.0),
        statement: Some("  团队继续开发钠离子电池正极材料  \n".into()),
    }
}

/// 40% for the institution, 60% for the team, no term, the statutory income split.
fn share_input() -> GrantInput {
    GrantInput {
        listing_id: LISTING,
        kind: GrantKind::OwnershipShare,
        institution_share_percent: Some(40.0),
        team_share_percent: Some(60.0),
        term_years: None,
        team: team_input(),
        team_income_percent: None,
        statement: None,
    }
}

fn parse(input: &GrantInput) -> Result<GrantTerms, DomainError> {
    GrantTerms::parse(input, &users())
}

fn invalid(input: &GrantInput) -> DomainError {
    parse(input).expect_err("input should be refused")
}

fn usage_terms() -> GrantTerms {
    parse(&usage_input()).unwrap()
}

fn share_terms() -> GrantTerms {
    parse(&share_input()).unwrap()
}

fn team_of(members: &[(Actor, u32)]) -> Vec<TeamMember> {
    members
        .iter()
        .map(|(a, share_bp)| TeamMember {
            user_id: a.user_id,
            name: format!("member {}", a.user_id.as_u128()),
            share_bp: *share_bp,
        })
        .collect()
}

fn listing() -> ListingFacts {
    ListingFacts {
        listing_id: LISTING,
        title: "钠离子电池正极材料制备方法".into(),
        job_related: true,
        institution_id: Some(INSTITUTION),
        owner_id: applicant().user_id,
        inventor_user_ids: vec![inventor().user_id, outsider().user_id],
        withdrawn: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Actions

fn apply_for(listing: ListingFacts, terms: GrantTerms) -> GrantAction {
    GrantAction::Apply { listing, terms }
}

fn approve(note: Option<&str>) -> GrantAction {
    GrantAction::Review {
        approve: true,
        note: note.map(str::to_string),
        reasons: vec![],
    }
}

fn reject(reasons: &[&str]) -> GrantAction {
    GrantAction::Review {
        approve: false,
        note: None,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    }
}

fn start_notice(days: u32) -> GrantAction {
    GrantAction::StartNotice { days }
}

fn objection(objection_id: Uuid, reason: &str) -> GrantAction {
    GrantAction::RaiseObjection {
        objection_id,
        reason: reason.into(),
    }
}

fn resolve(objection_id: Uuid, outcome: ObjectionOutcome, resolution: &str) -> GrantAction {
    GrantAction::ResolveObjection {
        objection_id,
        outcome,
        resolution: resolution.into(),
    }
}

fn registry(record_number: &str, recorded_on: &str) -> GrantAction {
    GrantAction::RecordRegistryChange {
        record_number: record_number.into(),
        recorded_on: date(recorded_on),
    }
}

fn extend_to(until: &str, reason: &str) -> GrantAction {
    GrantAction::Extend {
        until: date(until),
        reason: reason.into(),
    }
}

fn warn(warning_days: u32) -> GrantAction {
    GrantAction::WarnExpiry { warning_days }
}

fn revoke_on(on: &str, reason: &str) -> GrantAction {
    GrantAction::Revoke {
        on: date(on),
        reason: reason.into(),
    }
}

fn withdraw(reason: Option<&str>) -> GrantAction {
    GrantAction::Withdraw {
        reason: reason.map(str::to_string),
    }
}

/// A payment of `amount_fen` received on `received_on` under a registered contract for the listing.
fn contract_payment(payment_id: Uuid, amount_fen: i64, received_on: &str) -> ContractPayment {
    ContractPayment {
        contract_id: CONTRACT,
        contract_status: ContractStatus::Registered,
        listing_id: Some(LISTING),
        payment_id,
        payment: Some(Payment {
            id: payment_id,
            amount_fen,
            received_on: date(received_on),
            note: None,
        }),
    }
}

fn distribute(distribution_id: Uuid, payment: ContractPayment, costs_fen: i64) -> GrantAction {
    GrantAction::Distribute {
        distribution_id,
        payment,
        costs_fen,
        note: None,
    }
}

/// Every action but `Apply`, for the commands that need a grant.
fn every_other_action() -> Vec<GrantAction> {
    vec![
        approve(None),
        reject(&["不符合条件"]),
        start_notice(NOTICE_DAYS),
        objection(OBJ1, "发明人不全"),
        resolve(OBJ1, ObjectionOutcome::Dismissed, "已核实"),
        GrantAction::Grant,
        registry("ZL202610000001", GRANTED_ON),
        extend_to("2040-01-01", "继续转化"),
        warn(30),
        GrantAction::Expire,
        revoke_on(GRANTED_ON, "团队解散"),
        withdraw(None),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
    ]
}

// ---------------------------------------------------------------------------------------------
// Stories: commands folded through handle_command and apply_event.

/// Decides `action` on `state` and folds the events it yields into the next state.
fn run(
    state: &GrantState,
    actor: Actor,
    now: DateTime<Utc>,
    action: GrantAction,
) -> Result<(GrantState, Vec<Recorded<GrantEvent>>), DomainError> {
    let recorded = OwnershipGrant::handle_command(state, Command::new(actor, now, action))?;
    let mut next = state.clone();
    for r in &recorded {
        assert_eq!((r.actor, r.at), (actor, now), "events carry who and when");
        next = OwnershipGrant::apply_event(next, r.clone());
    }
    Ok((next, recorded))
}

struct Story {
    state: GrantState,
    now: DateTime<Utc>,
    history: Vec<Recorded<GrantEvent>>,
}

impl Story {
    fn new() -> Self {
        Story {
            state: GrantState::default(),
            now: apply_at(),
            history: Vec::new(),
        }
    }

    fn at(&mut self, now: DateTime<Utc>) -> &mut Self {
        self.now = now;
        self
    }

    /// Moves the clock to 09:00 in China on `day`.
    fn on(&mut self, day: &str) -> &mut Self {
        self.at(morning(day))
    }

    fn try_run(
        &mut self,
        actor: Actor,
        action: GrantAction,
    ) -> Result<Vec<GrantEvent>, DomainError> {
        let (next, recorded) = run(&self.state, actor, self.now, action)?;
        self.state = next;
        let events = recorded.iter().map(|r| r.event.clone()).collect();
        self.history.extend(recorded);
        Ok(events)
    }

    /// Runs an accepted command and returns all its events.
    fn ok_all(&mut self, actor: Actor, action: GrantAction) -> Vec<GrantEvent> {
        self.try_run(actor, action)
            .unwrap_or_else(|e| panic!("refused: {e:?}"))
    }

    /// Runs an accepted command and returns its single event.
    fn ok(&mut self, actor: Actor, action: GrantAction) -> GrantEvent {
        let mut events = self.ok_all(actor, action);
        assert_eq!(events.len(), 1, "one command, one event: {events:?}");
        events.remove(0)
    }

    /// Runs a command that must be refused and leave the state as it was.
    fn refused(&mut self, actor: Actor, action: GrantAction) -> DomainError {
        let before = self.state.clone();
        let err = self
            .try_run(actor, action)
            .expect_err("command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        err
    }

    fn grant(&self) -> &GrantData {
        self.state.grant.as_ref().expect("the grant exists")
    }

    fn status(&self) -> GrantStatus {
        self.grant().status
    }
}

fn applied_with(terms: GrantTerms) -> Story {
    let mut s = Story::new();
    s.ok(applicant(), apply_for(listing(), terms));
    s
}

fn approved_with(terms: GrantTerms) -> Story {
    let mut s = applied_with(terms);
    s.on("2026-10-12").ok(office(), approve(None));
    s
}

fn in_notice_with(terms: GrantTerms) -> Story {
    let mut s = approved_with(terms);
    s.at(notice_start()).ok(office(), start_notice(NOTICE_DAYS));
    s
}

fn granted_with(terms: GrantTerms) -> Story {
    let mut s = in_notice_with(terms);
    s.at(grant_at()).ok(office(), GrantAction::Grant);
    s
}

fn applied() -> Story {
    applied_with(usage_terms())
}

fn approved() -> Story {
    approved_with(usage_terms())
}

fn in_notice() -> Story {
    in_notice_with(usage_terms())
}

/// A ten-year usage right granted on 2026-11-21, in force through 2036-11-20.
fn granted() -> Story {
    granted_with(usage_terms())
}

/// A 40/60 ownership share without a term, granted on 2026-11-21.
fn granted_share() -> Story {
    granted_with(share_terms())
}

fn registry_changed() -> Story {
    let mut s = granted();
    s.on("2026-12-15")
        .ok(office(), registry("ZL202610000001.X", "2026-12-10"));
    s
}

/// A story that has reached `status`.
fn story_in(status: GrantStatus) -> Story {
    use GrantStatus as S;
    let s = match status {
        S::Applied => applied(),
        S::Approved => approved(),
        S::Rejected => {
            let mut s = applied();
            s.ok(office(), reject(&["不是职务成果"]));
            s
        }
        S::InNotice => in_notice(),
        S::Granted => granted(),
        S::RegistryChanged => registry_changed(),
        S::Expired => {
            let mut s = granted();
            s.on("2036-11-21").ok(system(), GrantAction::Expire);
            s
        }
        S::Revoked => {
            let mut s = granted();
            s.on("2027-03-01")
                .ok(office(), revoke_on("2027-02-01", "团队解散"));
            s
        }
        S::Withdrawn => {
            let mut s = applied();
            s.ok(applicant(), withdraw(None));
            s
        }
    };
    assert_eq!(s.status(), status);
    s
}

/// Every person but the office is refused `action`, before anything about the state is said.
fn assert_only_office(story: &mut Story, action: GrantAction) {
    for (who, actor) in everyone_but(&[office()]) {
        assert_forbidden(story.refused(actor, action.clone()), who);
    }
}

// ---------------------------------------------------------------------------------------------
// GrantTerms::parse

#[test]
fn a_usage_right_keeps_full_ownership_with_the_institution() {
    let t = usage_terms();
    assert_eq!(t.kind, GrantKind::UsageRight);
    assert_eq!((t.institution_share_bp, t.team_share_bp), (FULL_BP, 0));
    assert_eq!(t.term_years, Some(10));
    assert_eq!(
        t.team,
        vec![
            TeamMember {
                user_id: applicant().user_id,
                name: "李明".into(),
                share_bp: 3_333,
            },
            TeamMember {
                user_id: inventor().user_id,
                name: "王芳".into(),
                share_bp: 3_333,
            },
            TeamMember {
                user_id: colleague().user_id,
                name: "张伟".into(),
                share_bp: 3_334,
            },
        ]
    );
    assert_eq!(
        t.income,
        IncomeSplit {
            team_bp: 7_000,
            agreed: true
        }
    );
    assert_eq!(t.income.institution_bp(), 3_000);
    assert_eq!(
        t.statement.as_deref(),
        Some("团队继续开发钠离子电池正极材料")
    );
    assert_eq!(t.member(inventor().user_id).unwrap().share_bp, 3_333);
    assert_eq!(t.member(bystander().user_id), None);
}

#[test]
fn an_ownership_share_splits_ownership_between_institution_and_team() {
    let t = share_terms();
    assert_eq!(t.kind, GrantKind::OwnershipShare);
    assert_eq!((t.institution_share_bp, t.team_share_bp), (4_000, 6_000));
    assert_eq!(t.term_years, None);
    assert_eq!(t.team.len(), 3);
    assert_eq!(t.statement, None);

    // The whole of it may go to the team, and a share may have a term of its own.
    let all_to_team = parse(&GrantInput {
        institution_share_percent: Some(0.0),
        team_share_percent: Some(100.0),
        term_years: Some(5),
        ..share_input()
    })
    .unwrap();
    assert_eq!(
        (all_to_team.institution_share_bp, all_to_team.team_share_bp),
        (0, FULL_BP)
    );
    assert_eq!(all_to_team.term_years, Some(5));

    // Two decimals are exact.
    let fine = parse(&GrantInput {
        institution_share_percent: Some(33.33),
        team_share_percent: Some(66.67),
        ..share_input()
    })
    .unwrap();
    assert_eq!(
        (fine.institution_share_bp, fine.team_share_bp),
        (3_333, 6_667)
    );
}

#[test]
fn ownership_shares_must_sum_to_100_percent() {
    let err = invalid(&GrantInput {
        institution_share_percent: Some(40.0),
        team_share_percent: Some(50.0),
        ..share_input()
    });
    assert_eq!(fields(err.clone()), vec!["team_share_percent"]);
    let message = message_of(&err, "team_share_percent");
    assert!(message.contains("must sum to 100%"), "{message}");
    assert!(message.contains("they sum to 90%"), "{message}");

    let over = invalid(&GrantInput {
        institution_share_percent: Some(50.5),
        team_share_percent: Some(50.0),
        ..share_input()
    });
    assert!(message_of(&over, "team_share_percent").contains("they sum to 100.5%"));
}

#[test]
fn an_ownership_share_needs_both_shares_and_some_for_the_team() {
    let err = invalid(&GrantInput {
        institution_share_percent: None,
        team_share_percent: None,
        ..share_input()
    });
    assert_eq!(
        fields(err.clone()),
        vec!["institution_share_percent", "team_share_percent"]
    );
    for field in ["institution_share_percent", "team_share_percent"] {
        assert!(message_of(&err, field).contains("is required for an ownership share"));
    }

    let nothing_for_the_team = invalid(&GrantInput {
        institution_share_percent: Some(100.0),
        team_share_percent: Some(0.0),
        ..share_input()
    });
    assert_eq!(
        fields(nothing_for_the_team.clone()),
        vec!["team_share_percent"]
    );
    assert!(message_of(&nothing_for_the_team, "team_share_percent").contains("more than 0"));

    let out_of_range = invalid(&GrantInput {
        institution_share_percent: Some(-1.0),
        team_share_percent: Some(101.0),
        ..share_input()
    });
    assert_eq!(
        fields(out_of_range.clone()),
        vec!["institution_share_percent", "team_share_percent"]
    );
    assert!(message_of(&out_of_range, "institution_share_percent").contains("between 0 and 100"));
}

#[test]
fn shares_are_refused_for_a_usage_right() {
    let err = invalid(&GrantInput {
        institution_share_percent: Some(100.0),
        team_share_percent: Some(0.0),
        ..usage_input()
    });
    assert_eq!(
        fields(err.clone()),
        vec!["institution_share_percent", "team_share_percent"]
    );
    assert!(message_of(&err, "institution_share_percent")
        .contains("applies only to an ownership share"));

    let one = invalid(&GrantInput {
        team_share_percent: Some(30.0),
        ..usage_input()
    });
    assert_eq!(fields(one), vec!["team_share_percent"]);
}

#[test]
fn a_usage_right_runs_ten_to_fifty_years() {
    for (years, says) in [
        (None, "is required for a usage right: at least 10 years"),
        (Some(9), "runs at least 10 years"),
        (Some(0), "runs at least 10 years"),
        (Some(-3), "runs at least 10 years"),
        (Some(51), "must be at most 50 years"),
        (Some(i64::MAX), "must be at most 50 years"),
    ] {
        let err = invalid(&GrantInput {
            term_years: years,
            ..usage_input()
        });
        assert_eq!(fields(err.clone()), vec!["term_years"], "{years:?}");
        let message = message_of(&err, "term_years");
        assert!(message.contains(says), "{years:?}: {message}");
    }
    for years in [10, 25, 50] {
        let t = parse(&GrantInput {
            term_years: Some(years),
            ..usage_input()
        })
        .unwrap();
        assert_eq!(t.term_years, Some(years as u32));
    }
}

#[test]
fn an_ownership_share_term_is_optional_but_at_least_a_year() {
    for (years, says) in [
        (Some(0), "must be at least 1 year"),
        (Some(-5), "must be at least 1 year"),
        (Some(51), "must be at most 50 years"),
    ] {
        let err = invalid(&GrantInput {
            term_years: years,
            ..share_input()
        });
        assert_eq!(fields(err.clone()), vec!["term_years"], "{years:?}");
        assert!(message_of(&err, "term_years").contains(says), "{years:?}");
    }
    for years in [None, Some(1), Some(9), Some(50)] {
        let t = parse(&GrantInput {
            term_years: years,
            ..share_input()
        })
        .unwrap();
        assert_eq!(t.term_years, years.map(|y| y as u32));
    }
}

#[test]
fn the_team_names_at_least_one_member() {
    let err = invalid(&GrantInput {
        team: vec![],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team"]);
    assert!(message_of(&err, "team").contains("at least one member"));
}

#[test]
fn the_team_has_at_most_fifty_members() {
    let team: Vec<TeamMemberInput> = (0..=TEAM_MAX as u128)
        .map(|i| TeamMemberInput {
            user_id: Uuid::from_u128(0x1000 + i),
            share_percent: 1.0,
        })
        .collect();
    let users: HashMap<Uuid, String> = team
        .iter()
        .map(|m| (m.user_id, "someone".to_string()))
        .collect();
    let err = GrantTerms::parse(
        &GrantInput {
            team,
            ..usage_input()
        },
        &users,
    )
    .unwrap_err();
    assert!(message_of(&err, "team").contains("at most 50 members"));
}

#[test]
fn every_team_member_needs_an_account() {
    let err = invalid(&GrantInput {
        team: vec![
            member(applicant(), 50.0),
            TeamMemberInput {
                user_id: NOBODY,
                share_percent: 50.0,
            },
        ],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team[1].user_id"]);
    assert!(message_of(&err, "team[1].user_id").contains("is not a user of the platform"));
}

#[test]
fn a_member_is_named_once() {
    let err = invalid(&GrantInput {
        team: vec![
            member(applicant(), 50.0),
            member(inventor(), 25.0),
            member(applicant(), 25.0),
        ],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team[2].user_id"]);
    assert!(message_of(&err, "team[2].user_id").contains("same user as an earlier member"));
}

#[test]
fn members_shares_must_sum_to_100_percent() {
    let err = invalid(&GrantInput {
        team: vec![member(applicant(), 50.0), member(inventor(), 40.0)],
        ..usage_input()
    });
    assert_eq!(fields(err.clone()), vec!["team"]);
    assert!(message_of(&err, "team").contains("they sum to 90%"));

    let thirds = invalid(&GrantInput {
        team: vec![
            member(applicant(), 33.33),
            member(inventor(), 33.33),
            member(colleague(), 33.33),
        ],
        ..usage_input()
    });
    assert!(message_of(&thirds, "team").contains("they sum to 99.99%"));

    // A share that is itself refused is reported on its own, without a sum to repeat it.
    let zero = invalid(&GrantInput {
        team: vec![member(applicant(), 100.0), member(inventor(), 0.0)],
        ..usage_input()
    });
    assert_eq!(fields(zero.clone()), vec!["team[1].share_percent"]);
    assert!(message_of(&zero, "team[1].share_percent").contains("more than 0"));
}

#[test]
fn percentages_have_at_most_two_decimals() {
    let err = invalid(&GrantInput {
        institution_share_percent: Some(40.005),
        team_share_percent: Some(59.995),
        team: vec![member(applicant(), 33.333), member(inventor(), 66.667)],
        team_income_percent: Some(70.001),
        ..share_input()
    });
    assert_eq!(
        fields(err.clone()),
        vec![
            "institution_share_percent",
            "team_share_percent",
            "team[0].share_percent",
            "team[1].share_percent",
            "team_income_percent",
        ]
    );
    for field in [
        "institution_share_percent",
        "team[0].share_percent",
        "team_income_percent",
    ] {
        assert!(
            message_of(&err, field).contains("at most 2 decimal places"),
            "{field}"
        );
    }
}

#[test]
fn without_an_agreed_income_split_the_statutory_floor_applies() {
    let statutory = share_terms().income;
    assert_eq!(
        statutory,
        IncomeSplit {
            team_bp: STATUTORY_TEAM_INCOME_BP,
            agreed: false
        }
    );
    assert_eq!(statutory.team_bp, 5_000);
    assert_eq!(statutory.institution_bp(), 5_000);

    let agreed = parse(&GrantInput {
        team_income_percent: Some(70.0),
        ..share_input()
    })
    .unwrap()
    .income;
    assert_eq!(
        agreed,
        IncomeSplit {
            team_bp: 7_000,
            agreed: true
        }
    );
    assert_eq!(agreed.institution_bp(), 3_000);

    let everything = parse(&GrantInput {
        team_income_percent: Some(100.0),
        ..share_input()
    })
    .unwrap()
    .income;
    assert_eq!(
        (everything.team_bp, everything.institution_bp()),
        (FULL_BP, 0)
    );

    for bad in [0.0, -10.0, 100.5, f64::NAN] {
        let err = invalid(&GrantInput {
            team_income_percent: Some(bad),
            ..share_input()
        });
        assert_eq!(fields(err.clone()), vec!["team_income_percent"], "{bad}");
        assert!(message_of(&err, "team_income_percent").contains("more than 0 and at most 100"));
    }
}

#[test]
fn the_statement_is_trimmed_and_blank_is_none() {
    let with = |statement: Option<&str>| {
        parse(&GrantInput {
            statement: statement.map(str::to_string),
            ..share_input()
        })
    };
    assert_eq!(
        with(Some("  赋权说明 \t")).unwrap().statement.as_deref(),
        Some("赋权说明")
    );
    assert_eq!(with(Some(" \n\t ")).unwrap().statement, None);
    assert_eq!(with(Some("")).unwrap().statement, None);
    assert_eq!(with(None).unwrap().statement, None);
    assert_eq!(
        with(Some("字".repeat(5_000).as_str()))
            .unwrap()
            .statement
            .map(|s| s.chars().count()),
        Some(5_000)
    );

    let long = with(Some("字".repeat(5_001).as_str())).unwrap_err();
    assert_eq!(fields(long.clone()), vec!["statement"]);
    assert!(message_of(&long, "statement").contains("at most 5000 characters"));
    assert_eq!(
        fields(with(Some("响铃\u{7}")).unwrap_err()),
        vec!["statement"]
    );
}

#[test]
fn every_invalid_field_is_reported_at_once() {
    let err = invalid(&GrantInput {
        listing_id: LISTING,
        kind: GrantKind::OwnershipShare,
        institution_share_percent: Some(40.0),
        team_share_percent: Some(50.0),
        term_years: Some(0),
        team: vec![
            TeamMemberInput {
                user_id: NOBODY,
                share_percent: 60.0,
            },
            member(applicant(), 30.0),
            member(applicant(), 10.0),
        ],
        team_income_percent: Some(0.0),
        statement: Some("x".repeat(5_001)),
    });
    assert_eq!(
        fields(err),
        vec![
            "team_share_percent",
            "term_years",
            "team[0].user_id",
            "team[2].user_id",
            "team_income_percent",
            "statement",
        ]
    );
}

#[test]
fn the_application_body_refuses_unknown_fields_and_defaults_the_optional_ones() {
    let body = json!({
        "listing_id": LISTING,
        "kind": "usage_right",
        "term_years": 10,
        "team": [{"user_id": applicant().user_id, "share_percent": 100}],
    });
    let input: GrantInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(input.kind, GrantKind::UsageRight);
    assert_eq!(input.institution_share_percent, None);
    assert_eq!(input.team_share_percent, None);
    assert_eq!(input.team_income_percent, None);
    assert_eq!(input.statement, None);
    assert_eq!(
        parse(&input).unwrap().income.team_bp,
        STATUTORY_TEAM_INCOME_BP
    );

    let mut extra = body.clone();
    extra["team_share"] = json!(50);
    assert!(serde_json::from_value::<GrantInput>(extra).is_err());
    let mut extra_member = body;
    extra_member["team"][0]["name"] = json!("李明");
    assert!(serde_json::from_value::<GrantInput>(extra_member).is_err());
}

// ---------------------------------------------------------------------------------------------
// Apply

#[test]
fn the_owner_of_the_listing_applies() {
    let mut s = Story::new();
    let event = s.ok(applicant(), apply_for(listing(), usage_terms()));
    assert_eq!(
        event,
        GrantEvent::Applied {
            applicant_id: applicant().user_id,
            listing_id: LISTING,
            listing_title: "钠离子电池正极材料制备方法".into(),
            institution_id: INSTITUTION,
            terms: usage_terms(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Applied);
    assert_eq!(g.applicant_id, applicant().user_id);
    assert_eq!(g.listing_id, LISTING);
    assert_eq!(g.institution_id, INSTITUTION);
    assert_eq!(g.terms, usage_terms());
    assert_eq!((g.created_at, g.updated_at), (apply_at(), apply_at()));
    assert_eq!(g.notice, None);
    assert_eq!(g.granted_on, None);
    assert_eq!(g.term_end, None);
    assert!(g.objections.is_empty() && g.distributions.is_empty());
}

#[test]
fn an_inventor_of_the_listing_applies_too() {
    let mut s = Story::new();
    s.ok(inventor(), apply_for(listing(), usage_terms()));
    assert_eq!(s.grant().applicant_id, inventor().user_id);
    assert!(s.grant().is_applicant(&inventor()));
    assert!(!s.grant().is_applicant(&applicant()));
}

#[test]
fn only_a_researcher_applies() {
    for (who, actor) in everyone() {
        if actor.role == Role::Researcher {
            continue;
        }
        assert_forbidden(
            Story::new().refused(actor, apply_for(listing(), usage_terms())),
            who,
        );
    }
    // The platform itself does not apply, even for a listing it "owns".
    let by_system = ListingFacts {
        owner_id: Uuid::nil(),
        ..listing()
    };
    assert_forbidden(
        Story::new().refused(system(), apply_for(by_system, usage_terms())),
        "system",
    );
}

#[test]
fn a_researcher_of_another_institution_does_not_apply() {
    // The outsider is one of the listing's inventors, but not of its institution.
    let terms = GrantTerms {
        team: team_of(&[(outsider(), FULL_BP)]),
        ..usage_terms()
    };
    let err = Story::new().refused(outsider(), apply_for(listing(), terms.clone()));
    assert!(
        matches!(&err, DomainError::Forbidden(m) if m.contains("institution")),
        "{err:?}"
    );
    // Even owning the listing does not make up for belonging elsewhere.
    let owned = ListingFacts {
        owner_id: outsider().user_id,
        ..listing()
    };
    assert_forbidden(
        Story::new().refused(outsider(), apply_for(owned, terms)),
        "outsider owner",
    );
}

#[test]
fn a_researcher_who_is_neither_owner_nor_inventor_does_not_apply() {
    for (who, actor) in [("colleague", colleague()), ("bystander", bystander())] {
        let err = Story::new().refused(actor, apply_for(listing(), usage_terms()));
        assert!(
            matches!(&err, DomainError::Forbidden(m) if m.contains("owner or one of its inventors")),
            "{who}: {err:?}"
        );
    }
}

#[test]
fn only_job_related_listings_of_an_institution_are_granted() {
    for facts in [
        ListingFacts {
            job_related: false,
            ..listing()
        },
        ListingFacts {
            institution_id: None,
            ..listing()
        },
        ListingFacts {
            job_related: false,
            institution_id: None,
            ..listing()
        },
    ] {
        let err = Story::new().refused(applicant(), apply_for(facts.clone(), usage_terms()));
        assert_eq!(fields(err.clone()), vec!["listing_id"], "{facts:?}");
        assert!(message_of(&err, "listing_id").contains("not job-related"));
    }
}

#[test]
fn a_withdrawn_listing_is_not_granted() {
    let facts = ListingFacts {
        withdrawn: true,
        ..listing()
    };
    assert_conflict(
        Story::new().refused(applicant(), apply_for(facts, usage_terms())),
        "withdrawn",
    );
}

#[test]
fn the_applicant_is_on_the_team() {
    let terms = GrantTerms {
        team: team_of(&[(inventor(), 5_000), (colleague(), 5_000)]),
        ..usage_terms()
    };
    let err = Story::new().refused(applicant(), apply_for(listing(), terms));
    assert_eq!(fields(err.clone()), vec!["team"]);
    assert!(message_of(&err, "team").contains("applicant must be a member"));
}

#[test]
fn hand_built_terms_are_checked_again_at_application() {
    let usage = usage_terms();
    let share = share_terms();
    let cases: Vec<(&str, GrantTerms, Vec<&str>)> = vec![
        (
            "usage right with a team share",
            GrantTerms {
                team_share_bp: 1,
                ..usage.clone()
            },
            vec!["kind"],
        ),
        (
            "usage right without full ownership",
            GrantTerms {
                institution_share_bp: 9_000,
                ..usage.clone()
            },
            vec!["kind"],
        ),
        (
            "usage right of nine years",
            GrantTerms {
                term_years: Some(9),
                ..usage.clone()
            },
            vec!["term_years"],
        ),
        (
            "usage right without a term",
            GrantTerms {
                term_years: None,
                ..usage.clone()
            },
            vec!["term_years"],
        ),
        (
            "usage right of 51 years",
            GrantTerms {
                term_years: Some(51),
                ..usage.clone()
            },
            vec!["term_years"],
        ),
        (
            "no team",
            GrantTerms {
                team: vec![],
                ..usage.clone()
            },
            vec!["team"],
        ),
        (
            "members short of 100%",
            GrantTerms {
                team: team_of(&[(applicant(), 5_000), (inventor(), 4_999)]),
                ..usage.clone()
            },
            vec!["team"],
        ),
        (
            "a member with nothing",
            GrantTerms {
                team: team_of(&[(applicant(), FULL_BP), (inventor(), 0)]),
                ..usage.clone()
            },
            vec!["team"],
        ),
        (
            "a member twice",
            GrantTerms {
                team: team_of(&[(applicant(), 5_000), (applicant(), 5_000)]),
                ..usage.clone()
            },
            vec!["team[1].user_id"],
        ),
        (
            "nothing of the income for the team",
            GrantTerms {
                income: IncomeSplit {
                    team_bp: 0,
                    agreed: true,
                },
                ..usage.clone()
            },
            vec!["team_income_percent"],
        ),
        (
            "more than all of the income for the team",
            GrantTerms {
                income: IncomeSplit {
                    team_bp: FULL_BP + 1,
                    agreed: true,
                },
                ..usage.clone()
            },
            vec!["team_income_percent"],
        ),
        (
            "share with nothing for the team",
            GrantTerms {
                institution_share_bp: FULL_BP,
                team_share_bp: 0,
                ..share.clone()
            },
            vec!["team_share_percent"],
        ),
        (
            "shares short of 100%",
            GrantTerms {
                institution_share_bp: 4_000,
                team_share_bp: 5_000,
                ..share.clone()
            },
            vec!["team_share_percent"],
        ),
        (
            "share with a zero term",
            GrantTerms {
                term_years: Some(0),
                ..share.clone()
            },
            vec!["term_years"],
        ),
        (
            "several at once",
            GrantTerms {
                institution_share_bp: 0,
                team_share_bp: 0,
                term_years: Some(60),
                team: vec![],
                income: IncomeSplit {
                    team_bp: 0,
                    agreed: false,
                },
                ..share
            },
            vec![
                "team_share_percent",
                "team_share_percent",
                "term_years",
                "team",
                "team_income_percent",
            ],
        ),
    ];
    for (what, terms, expected) in cases {
        let err = Story::new().refused(applicant(), apply_for(listing(), terms));
        assert_eq!(fields(err), expected, "{what}");
    }
}

#[test]
fn hand_built_shares_that_overflow_are_refused() {
    // u32::MAX + 10_001 wraps to exactly 10_000.
    let terms = GrantTerms {
        institution_share_bp: u32::MAX,
        team_share_bp: 10_001,
        ..share_terms()
    };
    let err = Story::new().refused(applicant(), apply_for(listing(), terms));
    assert_eq!(fields(err), vec!["team_share_percent"]);
}

#[test]
fn hand_built_terms_keep_the_length_limits() {
    let long = GrantTerms {
        statement: Some("述".repeat(5_001)),
        ..share_terms()
    };
    let err = Story::new().refused(applicant(), apply_for(listing(), long));
    assert_eq!(fields(err), vec!["statement"]);
    let mut crowd = share_terms();
    let member = crowd.team[0].clone();
    crowd.team = (0..=TEAM_MAX as u128)
        .map(|i| TeamMember {
            user_id: if i == 0 {
                member.user_id
            } else {
                Uuid::from_u128(1_000 + i)
            },
            share_bp: if i == 0 { 10_000 - TEAM_MAX as u32 } else { 1 },
            ..member.clone()
        })
        .collect();
    let err = Story::new().refused(applicant(), apply_for(listing(), crowd));
    assert_eq!(fields(err), vec!["team"]);
}

#[test]
fn a_grant_is_applied_for_once() {
    let mut s = applied();
    for actor in [applicant(), inventor(), office()] {
        assert_conflict(
            s.refused(actor, apply_for(listing(), usage_terms())),
            "already exists",
        );
    }
    let mut g = granted();
    assert_conflict(
        g.refused(applicant(), apply_for(listing(), usage_terms())),
        "already exists",
    );
}

#[test]
fn nothing_but_an_application_is_decided_without_a_grant() {
    for action in every_other_action() {
        for (who, actor) in everyone() {
            let err = Story::new().refused(actor, action.clone());
            assert_eq!(err, DomainError::NotFound, "{who}: {action:?}");
        }
    }
}

#[test]
fn applying_anything_but_applied_to_an_empty_state_leaves_it_empty() {
    let s = registry_changed();
    for recorded in s.history.iter().skip(1) {
        let state = OwnershipGrant::apply_event(GrantState::default(), recorded.clone());
        assert_eq!(state, GrantState::default(), "{:?}", recorded.event);
    }
}

// ---------------------------------------------------------------------------------------------
// Review

#[test]
fn the_office_approves_with_an_optional_note() {
    let mut s = applied();
    s.on("2026-10-12");
    let event = s.ok(office(), approve(Some("  材料齐全 ")));
    assert_eq!(
        event,
        GrantEvent::Approved {
            note: Some("材料齐全".into())
        }
    );
    assert_eq!(s.status(), GrantStatus::Approved);
    assert_eq!(s.grant().review_note.as_deref(), Some("材料齐全"));
    assert_eq!(s.grant().updated_at, morning("2026-10-12"));
    assert_eq!(s.grant().created_at, apply_at());

    let mut blank = applied();
    assert_eq!(
        blank.ok(office(), approve(Some("   "))),
        GrantEvent::Approved { note: None }
    );
    assert_eq!(blank.grant().review_note, None);

    let too_long = applied().refused(office(), approve(Some("x".repeat(501).as_str())));
    assert_eq!(fields(too_long), vec!["note"]);
}

#[test]
fn an_approval_gives_no_reasons() {
    let err = applied().refused(
        office(),
        GrantAction::Review {
            approve: true,
            note: None,
            reasons: vec!["理由".into()],
        },
    );
    assert_eq!(fields(err.clone()), vec!["reasons"]);
    assert!(message_of(&err, "reasons").contains("only when rejecting"));
}

#[test]
fn the_office_rejects_with_reasons() {
    let mut s = applied();
    let event = s.ok(office(), reject(&["  不属于职务科技成果 ", "团队成员不全"]));
    assert_eq!(
        event,
        GrantEvent::Rejected {
            reasons: vec!["不属于职务科技成果".into(), "团队成员不全".into()],
            objection_id: None,
        }
    );
    assert_eq!(s.status(), GrantStatus::Rejected);
    assert_eq!(
        s.grant().rejection_reasons,
        vec!["不属于职务科技成果", "团队成员不全"]
    );
}

#[test]
fn a_rejection_needs_reasons_and_no_note() {
    let none = applied().refused(office(), reject(&[]));
    assert_eq!(fields(none.clone()), vec!["reasons"]);
    assert!(message_of(&none, "reasons").contains("at least one reason"));

    let blank = applied().refused(office(), reject(&["好", "  "]));
    assert_eq!(fields(blank), vec!["reasons[1]"]);

    let many: Vec<String> = (0..21).map(|i| format!("理由{i}")).collect();
    let too_many = applied().refused(
        office(),
        GrantAction::Review {
            approve: false,
            note: None,
            reasons: many,
        },
    );
    assert!(message_of(&too_many, "reasons").contains("at most 20"));

    let with_note = applied().refused(
        office(),
        GrantAction::Review {
            approve: false,
            note: Some("备注".into()),
            reasons: vec!["理由".into()],
        },
    );
    assert_eq!(fields(with_note.clone()), vec!["note"]);
    assert!(message_of(&with_note, "note").contains("only when approving"));

    let both = applied().refused(
        office(),
        GrantAction::Review {
            approve: false,
            note: Some("备注".into()),
            reasons: vec![],
        },
    );
    assert_eq!(fields(both), vec!["note", "reasons"]);
}

#[test]
fn only_the_institutions_office_reviews() {
    let mut s = applied();
    assert_only_office(&mut s, approve(None));
    assert_only_office(&mut s, reject(&["理由"]));
    // Authorization comes first: the office of another institution learns nothing of the state.
    assert_forbidden(
        approved().refused(other_office(), approve(None)),
        "other_office",
    );
    assert!(!s.grant().is_institution_admin(&other_office()));
    assert!(!s.grant().is_institution_admin(&loose_admin()));
    assert!(s.grant().is_institution_admin(&office()));
}

#[test]
fn an_application_is_reviewed_once() {
    let mut s = approved();
    assert_conflict(
        s.refused(office(), approve(None)),
        "must be applied to be reviewed; it is approved",
    );
    assert_conflict(s.refused(office(), reject(&["理由"])), "it is approved");
}

// ---------------------------------------------------------------------------------------------
// Public notice

#[test]
fn the_office_starts_the_public_notice() {
    let mut s = approved();
    s.at(notice_start());
    let event = s.ok(office(), start_notice(NOTICE_DAYS));
    let notice = Notice {
        days: NOTICE_DAYS,
        starts_at: notice_start(),
        ends_at: notice_end(),
    };
    assert_eq!(event, GrantEvent::NoticeStarted { notice });
    assert_eq!(s.status(), GrantStatus::InNotice);
    assert_eq!(s.grant().notice, Some(notice));
    assert_eq!(notice.ends_at - notice.starts_at, TimeDelta::days(30));
    assert!(!notice.has_run_by(notice_end() - TimeDelta::seconds(1)));
    assert!(notice.has_run_by(notice_end()));
}

#[test]
fn a_notice_runs_one_to_365_days() {
    for days in [0, NOTICE_DAYS_MAX + 1, u32::MAX] {
        let err = approved().refused(office(), start_notice(days));
        assert_eq!(fields(err.clone()), vec!["days"], "{days}");
        assert!(message_of(&err, "days").contains("between 1 and 365"));
    }
    for days in [1, NOTICE_DAYS_MAX] {
        let mut s = approved();
        s.ok(office(), start_notice(days));
        let notice = s.grant().notice.unwrap();
        assert_eq!(notice.ends_at, s.now + TimeDelta::days(i64::from(days)));
    }
}

#[test]
fn only_an_approved_application_goes_on_notice() {
    assert_conflict(
        applied().refused(office(), start_notice(30)),
        "must be approved to be put on public notice; it is applied",
    );
    assert_conflict(
        in_notice().refused(office(), start_notice(30)),
        "it is in_notice",
    );
    // The state is judged before the days.
    assert_conflict(
        applied().refused(office(), start_notice(0)),
        "it is applied",
    );
    assert_only_office(&mut approved(), start_notice(30));
}

// ---------------------------------------------------------------------------------------------
// Objections

#[test]
fn anyone_signed_in_objects_while_the_notice_runs() {
    let mut s = in_notice();
    let people = everyone_but(&[system()]);
    s.at(notice_end() - TimeDelta::seconds(1));
    for (i, (who, actor)) in people.iter().enumerate() {
        let id = Uuid::from_u128(0x0B00 + i as u128);
        let event = s.ok(*actor, objection(id, &format!("  {who} 的异议 ")));
        assert_eq!(
            event,
            GrantEvent::ObjectionRaised {
                objection_id: id,
                raised_by: actor.user_id,
                reason: format!("{who} 的异议"),
            }
        );
    }
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::InNotice);
    assert_eq!(g.objections.len(), people.len());
    let first = g.objection(Uuid::from_u128(0x0B00)).unwrap();
    assert_eq!(
        *first,
        Objection {
            id: Uuid::from_u128(0x0B00),
            raised_by: applicant().user_id,
            reason: "applicant 的异议".into(),
            raised_at: notice_end() - TimeDelta::seconds(1),
            resolution: None,
        }
    );
    assert_eq!(g.open_objections().count(), people.len());
}

#[test]
fn the_platform_does_not_object() {
    assert_forbidden(
        in_notice().refused(system(), objection(OBJ1, "异议")),
        "system",
    );
}

#[test]
fn objections_are_taken_only_while_the_notice_runs() {
    let mut s = in_notice();
    s.at(notice_end());
    assert_conflict(
        s.refused(enterprise(), objection(OBJ1, "异议")),
        "objections are taken only while it runs",
    );
    s.at(notice_end() + TimeDelta::days(3));
    assert_conflict(
        s.refused(enterprise(), objection(OBJ1, "异议")),
        "notice ended",
    );
}

#[test]
fn an_objection_id_is_used_once_and_a_reason_is_given() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "异议"));
    assert_conflict(
        s.refused(outsider(), objection(OBJ1, "另一个异议")),
        "already exists",
    );
    let blank = s.refused(outsider(), objection(OBJ2, "  \n "));
    assert_eq!(fields(blank), vec!["reason"]);
    let long = s.refused(outsider(), objection(OBJ2, &"异".repeat(2_001)));
    assert_eq!(fields(long), vec!["reason"]);
}

#[test]
fn objections_are_raised_only_in_notice() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::Granted,
        GrantStatus::Rejected,
    ] {
        assert_conflict(
            story_in(status).refused(enterprise(), objection(OBJ1, "异议")),
            &format!("must be in_notice to be objected to; it is {status}"),
        );
    }
}

#[test]
fn a_dismissed_objection_keeps_the_notice_going() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "发明人不全"));
    s.at(notice_start() + TimeDelta::days(5));
    let event = s.ok(
        office(),
        resolve(OBJ1, ObjectionOutcome::Dismissed, " 经核实发明人完整 "),
    );
    assert_eq!(
        event,
        GrantEvent::ObjectionResolved {
            objection_id: OBJ1,
            outcome: ObjectionOutcome::Dismissed,
            resolution: "经核实发明人完整".into(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::InNotice);
    assert_eq!(
        g.objection(OBJ1).unwrap().resolution,
        Some(Resolution {
            outcome: ObjectionOutcome::Dismissed,
            text: "经核实发明人完整".into(),
            resolved_by: office().user_id,
            resolved_at: notice_start() + TimeDelta::days(5),
        })
    );
    assert_eq!(g.open_objections().count(), 0);
}

#[test]
fn an_upheld_objection_rejects_the_application() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "发明人不全"));
    s.ok(outsider(), objection(OBJ2, "我也是发明人"));
    let events = s.ok_all(
        office(),
        resolve(OBJ2, ObjectionOutcome::Upheld, "  发明人确有遗漏 "),
    );
    assert_eq!(
        events,
        vec![
            GrantEvent::ObjectionResolved {
                objection_id: OBJ2,
                outcome: ObjectionOutcome::Upheld,
                resolution: "发明人确有遗漏".into(),
            },
            GrantEvent::Rejected {
                reasons: vec!["发明人确有遗漏".into()],
                objection_id: Some(OBJ2),
            },
        ]
    );
    assert_eq!(s.status(), GrantStatus::Rejected);
    assert_eq!(s.grant().rejection_reasons, vec!["发明人确有遗漏"]);
    assert_eq!(
        s.grant()
            .objection(OBJ2)
            .unwrap()
            .resolution
            .as_ref()
            .unwrap()
            .outcome,
        ObjectionOutcome::Upheld
    );
    // The other objection stays open, and nothing more is decided on a rejected grant.
    assert_eq!(s.grant().open_objections().count(), 1);
    assert_conflict(
        s.refused(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回")),
        "it is rejected",
    );
    s.at(notice_end());
    assert_conflict(s.refused(office(), GrantAction::Grant), "it is rejected");
}

#[test]
fn resolving_needs_a_known_open_objection_and_a_resolution() {
    let mut s = in_notice();
    assert_eq!(
        s.refused(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回")),
        DomainError::NotFound
    );
    s.ok(enterprise(), objection(OBJ1, "异议"));
    let blank = s.refused(office(), resolve(OBJ1, ObjectionOutcome::Upheld, "  "));
    assert_eq!(fields(blank), vec!["resolution"]);
    s.ok(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回"));
    for outcome in [ObjectionOutcome::Dismissed, ObjectionOutcome::Upheld] {
        assert_conflict(
            s.refused(office(), resolve(OBJ1, outcome, "再议")),
            "already resolved",
        );
    }
}

#[test]
fn only_the_office_resolves_objections() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "异议"));
    assert_only_office(&mut s, resolve(OBJ1, ObjectionOutcome::Upheld, "成立"));
    assert_only_office(&mut s, resolve(OBJ2, ObjectionOutcome::Dismissed, "驳回"));
    assert_conflict(
        approved().refused(office(), resolve(OBJ1, ObjectionOutcome::Upheld, "成立")),
        "must be in_notice to have objections resolved; it is approved",
    );
}

#[test]
fn the_refusal_to_resolve_out_of_notice_reads_well() {
    let err = approved().refused(office(), resolve(OBJ1, ObjectionOutcome::Upheld, "成立"));
    let DomainError::Conflict(message) = err else {
        panic!("expected Conflict, got {err:?}")
    };
    assert!(!message.contains("to be have"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Grant

#[test]
fn the_grant_waits_for_the_end_of_the_notice() {
    let mut s = in_notice();
    for now in [notice_start(), notice_end() - TimeDelta::seconds(1)] {
        s.at(now);
        assert_conflict(
            s.refused(office(), GrantAction::Grant),
            "the public notice runs until 2026-11-19T02:00:00+00:00",
        );
    }
    s.at(notice_end());
    s.ok(office(), GrantAction::Grant);
    assert_eq!(s.status(), GrantStatus::Granted);
    assert_eq!(s.grant().granted_on, Some(date("2026-11-19")));
}

#[test]
fn the_grant_waits_for_every_objection_to_be_resolved() {
    let mut s = in_notice();
    s.ok(enterprise(), objection(OBJ1, "异议"));
    s.ok(outsider(), objection(OBJ2, "异议"));
    s.ok(office(), resolve(OBJ2, ObjectionOutcome::Dismissed, "驳回"));
    s.at(grant_at());
    assert_conflict(
        s.refused(office(), GrantAction::Grant),
        &format!("objection {OBJ1} is not resolved yet"),
    );
    s.ok(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回"));
    s.ok(office(), GrantAction::Grant);
    assert_eq!(s.status(), GrantStatus::Granted);
}

#[test]
fn a_granted_term_runs_from_the_china_date_of_the_grant() {
    let s = granted();
    let g = s.grant();
    assert_eq!(
        s.history.last().unwrap().event,
        GrantEvent::Granted {
            granted_on: date(GRANTED_ON),
            term_end: Some(date(TERM_END)),
        }
    );
    assert_eq!(g.status, GrantStatus::Granted);
    assert_eq!(g.granted_at, Some(grant_at()));
    // 2026-11-20T16:30Z is already the 21st in China.
    assert_eq!(grant_at().date_naive(), date("2026-11-20"));
    assert_eq!(g.granted_on, Some(date(GRANTED_ON)));
    assert_eq!(g.term_end, Some(date(TERM_END)));
    assert_eq!(g.original_term_end, Some(date(TERM_END)));
    assert_eq!(g.updated_at, grant_at());
}

#[test]
fn a_grant_at_ten_in_the_morning_counts_ten_years_from_that_day() {
    let mut s = in_notice();
    s.at(at("2026-11-21T02:00:00Z"));
    s.ok(office(), GrantAction::Grant);
    assert_eq!(s.grant().granted_on, Some(date("2026-11-21")));
    assert_eq!(s.grant().term_end, Some(date("2036-11-20")));
}

#[test]
fn an_ownership_share_without_a_term_has_no_end() {
    let s = granted_share();
    assert_eq!(s.status(), GrantStatus::Granted);
    assert_eq!(s.grant().granted_on, Some(date(GRANTED_ON)));
    assert_eq!(s.grant().term_end, None);
    assert_eq!(s.grant().original_term_end, None);

    let with_term = granted_with(GrantTerms {
        term_years: Some(3),
        ..share_terms()
    });
    assert_eq!(with_term.grant().term_end, Some(date("2029-11-20")));
}

#[test]
fn only_the_office_grants_and_only_from_notice() {
    let mut s = in_notice();
    s.at(grant_at());
    assert_only_office(&mut s, GrantAction::Grant);
    assert_conflict(
        approved().refused(office(), GrantAction::Grant),
        "must be in_notice to be granted; it is approved",
    );
    assert_conflict(
        granted().refused(office(), GrantAction::Grant),
        "it is granted",
    );
}

// ---------------------------------------------------------------------------------------------
// Registry change

#[test]
fn the_office_records_the_patent_offices_change() {
    let mut s = granted();
    s.on("2026-12-15");
    let event = s.ok(office(), registry("  ZL202610000001.X ", "2026-12-10"));
    let change = RegistryChange {
        record_number: "ZL202610000001.X".into(),
        recorded_on: date("2026-12-10"),
    };
    assert_eq!(
        event,
        GrantEvent::RegistryChangeRecorded {
            registry_change: change.clone()
        }
    );
    assert_eq!(s.status(), GrantStatus::RegistryChanged);
    assert_eq!(s.grant().registry_change, Some(change));
    assert!(s.status().is_in_force());

    // From the day of the grant to today, both included (today in China).
    let mut same_day = granted();
    same_day.at(grant_at());
    same_day.ok(office(), registry("R1", GRANTED_ON));
    let mut today = granted();
    today.at(at("2026-12-14T16:00:00Z"));
    today.ok(office(), registry("R1", "2026-12-15"));
}

#[test]
fn a_registry_change_is_dated_between_the_grant_and_today() {
    let mut s = granted();
    s.on("2026-12-15");
    let later = s.refused(office(), registry("R1", "2026-12-16"));
    assert_eq!(fields(later.clone()), vec!["recorded_on"]);
    assert!(message_of(&later, "recorded_on").contains("after today (2026-12-15)"));
    let earlier = s.refused(office(), registry("R1", "2026-11-20"));
    assert_eq!(fields(earlier.clone()), vec!["recorded_on"]);
    assert!(message_of(&earlier, "recorded_on").contains("before the grant (2026-11-21)"));

    let blank = s.refused(office(), registry("   ", "2026-12-10"));
    assert_eq!(fields(blank), vec!["record_number"]);
    let two_lines = s.refused(office(), registry("R1\nR2", "2026-12-10"));
    assert_eq!(fields(two_lines), vec!["record_number"]);
    let long = s.refused(office(), registry(&"9".repeat(65), "2026-12-10"));
    assert_eq!(fields(long), vec!["record_number"]);
    let both = s.refused(office(), registry("", "2027-01-01"));
    assert_eq!(fields(both), vec!["record_number", "recorded_on"]);
}

#[test]
fn only_the_office_records_and_only_once_granted() {
    let mut s = granted();
    s.on("2026-12-15");
    assert_only_office(&mut s, registry("R1", "2026-12-10"));
    let mut again = registry_changed();
    assert_conflict(
        again.refused(office(), registry("R2", "2026-12-15")),
        "must be granted to be recorded at the patent office; it is registry_changed",
    );
    assert_conflict(
        in_notice().refused(office(), registry("R1", "2026-10-20")),
        "it is in_notice",
    );
}

// ---------------------------------------------------------------------------------------------
// Extension

#[test]
fn the_office_extends_a_term() {
    let mut s = granted();
    s.on("2030-01-10");
    let event = s.ok(office(), extend_to("2040-11-20", "  成果转化仍在进行 "));
    assert_eq!(
        event,
        GrantEvent::Extended {
            previous_end: date(TERM_END),
            new_end: date("2040-11-20"),
            reason: "成果转化仍在进行".into(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Granted);
    assert_eq!(g.term_end, Some(date("2040-11-20")));
    assert_eq!(g.original_term_end, Some(date(TERM_END)));
    assert_eq!(
        g.extensions,
        vec![Extension {
            at: morning("2030-01-10"),
            previous_end: date(TERM_END),
            new_end: date("2040-11-20"),
            reason: "成果转化仍在进行".into(),
        }]
    );
}

#[test]
fn a_registered_grant_is_extended_again_and_again() {
    let mut s = registry_changed();
    s.on("2030-01-10")
        .ok(office(), extend_to("2040-11-20", "第一次"));
    s.on("2040-11-20")
        .ok(office(), extend_to("2050-11-20", "第二次"));
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::RegistryChanged);
    assert_eq!(g.term_end, Some(date("2050-11-20")));
    assert_eq!(g.original_term_end, Some(date(TERM_END)));
    assert_eq!(g.extensions.len(), 2);
    assert_eq!(g.extensions[1].previous_end, date("2040-11-20"));
}

#[test]
fn an_extension_moves_the_end_forward_within_fifty_years_of_the_grant() {
    let mut s = granted();
    s.on("2030-01-10");
    for until in [TERM_END, "2036-11-19", "2030-01-01"] {
        let err = s.refused(office(), extend_to(until, "理由"));
        assert_eq!(fields(err.clone()), vec!["until"], "{until}");
        assert!(message_of(&err, "until").contains("after the current term end (2036-11-20)"));
    }
    let far = s.refused(office(), extend_to("2076-11-21", "理由"));
    assert_eq!(fields(far.clone()), vec!["until"]);
    assert!(message_of(&far, "until").contains("at most 50 years from the grant (2076-11-20)"));

    let blank = s.refused(office(), extend_to("2040-11-20", " "));
    assert_eq!(fields(blank), vec!["reason"]);
    let both = s.refused(office(), extend_to(TERM_END, ""));
    assert_eq!(fields(both), vec!["until", "reason"]);

    s.ok(office(), extend_to("2076-11-20", "到顶"));
    assert_eq!(s.grant().term_end, Some(date("2076-11-20")));
}

#[test]
fn a_fifty_year_usage_right_cannot_be_extended() {
    let mut s = granted_with(GrantTerms {
        term_years: Some(50),
        ..usage_terms()
    });
    assert_eq!(s.grant().term_end, Some(date("2076-11-20")));
    let err = s.refused(office(), extend_to("2076-11-21", "再延"));
    assert!(message_of(&err, "until").contains("at most 50 years"));
}

#[test]
fn only_a_running_term_is_extended() {
    assert_conflict(
        granted_share().refused(office(), extend_to("2040-01-01", "理由")),
        "no term",
    );
    let mut s = granted();
    s.on(TERM_END)
        .ok(office(), extend_to("2037-11-20", "最后一天延期"));
    let mut late = granted();
    late.on("2036-11-21");
    assert_conflict(
        late.refused(office(), extend_to("2040-11-20", "理由")),
        "the term ended on 2036-11-20",
    );
}

#[test]
fn only_the_office_extends_and_only_while_granted() {
    let mut s = granted();
    s.on("2030-01-10");
    assert_only_office(&mut s, extend_to("2040-11-20", "理由"));
    for status in [
        GrantStatus::InNotice,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ] {
        assert_conflict(
            story_in(status).refused(office(), extend_to("2040-11-20", "理由")),
            &format!("must be granted or registry_changed to be extended; it is {status}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Expiry warning and expiry

#[test]
fn expiry_is_announced_within_the_warning_days() {
    let mut s = granted();
    s.on("2036-10-20");
    assert_conflict(
        s.refused(system(), warn(30)),
        "the term ends on 2036-11-20, not within 30 days",
    );
    s.on("2036-10-21");
    let event = s.ok(system(), warn(30));
    assert_eq!(
        event,
        GrantEvent::ExpiryApproaching {
            term_ends_on: date(TERM_END),
            days_left: 30,
        }
    );
    assert_eq!(s.grant().expiry_warned_for, Some(date(TERM_END)));
    assert_eq!(s.status(), GrantStatus::Granted);

    let mut last_day = registry_changed();
    last_day.on(TERM_END);
    assert_eq!(
        last_day.ok(system(), warn(0)),
        GrantEvent::ExpiryApproaching {
            term_ends_on: date(TERM_END),
            days_left: 0,
        }
    );

    let mut over = granted();
    over.on("2036-11-21");
    assert_conflict(over.refused(system(), warn(30)), "not within 30 days");
}

#[test]
fn expiry_is_announced_once_per_end_and_an_extension_rearms_it() {
    let mut s = granted();
    s.on("2036-10-21").ok(system(), warn(30));
    assert_conflict(
        s.refused(system(), warn(30)),
        "the expiry on 2036-11-20 was already announced",
    );
    s.on("2036-11-01");
    assert_conflict(s.refused(system(), warn(30)), "already announced");

    s.ok(office(), extend_to("2037-11-20", "延期"));
    assert_conflict(s.refused(system(), warn(30)), "the term ends on 2037-11-20");
    assert_eq!(
        s.ok(system(), warn(400)),
        GrantEvent::ExpiryApproaching {
            term_ends_on: date("2037-11-20"),
            days_left: 384,
        }
    );
    assert_eq!(s.grant().expiry_warned_for, Some(date("2037-11-20")));
    assert_conflict(s.refused(system(), warn(400)), "already announced");
}

#[test]
fn expiry_warnings_are_given_by_rule_for_a_term() {
    let mut s = granted();
    s.on("2036-10-21");
    for (who, actor) in everyone_but(&[system()]) {
        assert_forbidden(s.refused(actor, warn(30)), who);
    }
    assert_conflict(
        granted_share().refused(system(), warn(30)),
        "no term to expire",
    );
    assert_conflict(
        in_notice().refused(system(), warn(30)),
        "must be granted or registry_changed to be warned of expiry",
    );
}

#[test]
fn a_grant_expires_once_its_last_day_is_over() {
    let mut s = granted();
    for now in [morning(TERM_END), at("2036-11-20T15:59:59Z")] {
        s.at(now);
        assert_conflict(
            s.refused(system(), GrantAction::Expire),
            "the term runs until 2036-11-20",
        );
    }
    // Midnight in China.
    s.at(at("2036-11-20T16:00:00Z"));
    let event = s.ok(system(), GrantAction::Expire);
    assert_eq!(
        event,
        GrantEvent::Expired {
            term_ended_on: date(TERM_END)
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Expired);
    assert_eq!(
        g.ending,
        Some(Ending {
            at: at("2036-11-20T16:00:00Z"),
            on: date("2036-11-21"),
            reason: "the term ended".into(),
        })
    );
    assert_eq!(g.term_end, Some(date(TERM_END)));
    assert!(!g.status.is_in_force() && g.status.was_granted());
    assert_conflict(s.refused(system(), GrantAction::Expire), "it is expired");
}

#[test]
fn expiry_follows_the_extended_end_and_a_registered_grant() {
    let mut s = registry_changed();
    s.on("2030-01-01")
        .ok(office(), extend_to("2040-11-20", "延期"));
    s.on("2036-11-21");
    assert_conflict(
        s.refused(system(), GrantAction::Expire),
        "runs until 2040-11-20",
    );
    s.on("2040-11-21").ok(system(), GrantAction::Expire);
    assert_eq!(s.status(), GrantStatus::Expired);
    assert_eq!(s.grant().ending.as_ref().unwrap().on, date("2040-11-21"));
}

#[test]
fn grants_expire_by_rule_and_only_with_a_term() {
    let mut s = granted();
    s.on("2036-11-21");
    for (who, actor) in everyone_but(&[system()]) {
        assert_forbidden(s.refused(actor, GrantAction::Expire), who);
    }
    let mut open = granted_share();
    open.on("2090-01-01");
    assert_conflict(
        open.refused(system(), GrantAction::Expire),
        "no term to expire",
    );
    assert_conflict(
        in_notice().refused(system(), GrantAction::Expire),
        "must be granted or registry_changed to be expired; it is in_notice",
    );
}

// ---------------------------------------------------------------------------------------------
// Revocation

#[test]
fn the_office_revokes_a_grant_from_a_day() {
    let mut s = granted();
    s.on("2027-03-01");
    let event = s.ok(office(), revoke_on("2027-02-01", "  团队解散 "));
    assert_eq!(
        event,
        GrantEvent::Revoked {
            on: date("2027-02-01"),
            reason: "团队解散".into(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Revoked);
    assert_eq!(
        g.ending,
        Some(Ending {
            at: morning("2027-03-01"),
            on: date("2027-02-01"),
            reason: "团队解散".into(),
        })
    );
    assert!(!g.status.is_live());

    // From the day of the grant up to today, and from a registered grant too.
    let mut first_day = registry_changed();
    first_day.on("2026-12-20");
    first_day.ok(office(), revoke_on(GRANTED_ON, "自始撤销"));
    assert_eq!(first_day.status(), GrantStatus::Revoked);
    // Revoked from its first day, it was never in force: nothing received is distributed.
    assert_conflict(
        first_day.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
        ),
        "not in force",
    );
}

#[test]
fn a_revocation_is_dated_between_the_grant_and_today() {
    let mut s = granted();
    s.on("2027-03-01");
    let future = s.refused(office(), revoke_on("2027-03-02", "理由"));
    assert_eq!(fields(future.clone()), vec!["on"]);
    assert!(message_of(&future, "on").contains("after today (2027-03-01)"));
    let before = s.refused(office(), revoke_on("2026-11-20", "理由"));
    assert_eq!(fields(before.clone()), vec!["on"]);
    assert!(message_of(&before, "on").contains("before the grant (2026-11-21)"));
    let blank = s.refused(office(), revoke_on("2027-02-01", "  "));
    assert_eq!(fields(blank), vec!["reason"]);
    let both = s.refused(office(), revoke_on("2028-01-01", ""));
    assert_eq!(fields(both), vec!["on", "reason"]);
    s.ok(office(), revoke_on("2027-03-01", "今日撤销"));
}

#[test]
fn a_revocation_does_not_reach_back_over_distributed_payments() {
    let mut s = granted();
    s.on("2026-12-20");
    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 10_000, "2026-12-01"), 0),
    );
    for on in ["2026-11-21", "2026-11-30", "2026-12-01"] {
        let err = s.refused(office(), revoke_on(on, "理由"));
        assert_eq!(fields(err.clone()), vec!["on"], "{on}");
        assert!(message_of(&err, "on")
            .contains("after the latest payment distributed under the grant (2026-12-01)"));
    }
    s.ok(office(), revoke_on("2026-12-02", "理由"));
    assert_eq!(s.status(), GrantStatus::Revoked);
}

#[test]
fn a_term_that_has_ended_is_not_revoked_but_expires() {
    // In force through 2036-11-20; the day after, only the expiry sweep may end it.
    let mut s = granted();
    s.on("2036-11-21");
    assert_conflict(
        s.refused(office(), revoke_on("2036-11-21", "理由")),
        "the term ended on 2036-11-20: the grant expires by itself",
    );
    s.ok(system(), GrantAction::Expire);
    assert_eq!(s.status(), GrantStatus::Expired);
}

#[test]
fn only_the_office_revokes_and_only_a_grant_in_force() {
    let mut s = granted();
    s.on("2027-03-01");
    assert_only_office(&mut s, revoke_on("2027-02-01", "理由"));
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::InNotice,
        GrantStatus::Rejected,
        GrantStatus::Withdrawn,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ] {
        assert_conflict(
            story_in(status).refused(office(), revoke_on(GRANTED_ON, "理由")),
            &format!("must be granted or registry_changed to be revoked; it is {status}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Withdrawal

#[test]
fn the_applicant_withdraws_before_the_grant() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::InNotice,
    ] {
        let mut s = story_in(status);
        let event = s.ok(applicant(), withdraw(Some("  团队决定不再申请 ")));
        assert_eq!(
            event,
            GrantEvent::Withdrawn {
                reason: Some("团队决定不再申请".into())
            },
            "{status}"
        );
        assert_eq!(s.status(), GrantStatus::Withdrawn);
        assert_eq!(
            s.grant().withdrawal_reason.as_deref(),
            Some("团队决定不再申请")
        );
        assert!(!s.status().is_live());
    }
    let mut blank = applied();
    assert_eq!(
        blank.ok(applicant(), withdraw(Some("   "))),
        GrantEvent::Withdrawn { reason: None }
    );
    let mut none = in_notice();
    none.ok(enterprise(), objection(OBJ1, "异议"));
    assert_eq!(
        none.ok(applicant(), withdraw(None)),
        GrantEvent::Withdrawn { reason: None }
    );
    let long = applied().refused(applicant(), withdraw(Some("字".repeat(2_001).as_str())));
    assert_eq!(fields(long), vec!["reason"]);
}

#[test]
fn only_the_applicant_withdraws() {
    let mut s = in_notice();
    for (who, actor) in everyone_but(&[applicant()]) {
        assert_forbidden(s.refused(actor, withdraw(None)), who);
    }
}

#[test]
fn a_grant_is_not_withdrawn() {
    for status in [
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
        GrantStatus::Expired,
        GrantStatus::Revoked,
        GrantStatus::Rejected,
        GrantStatus::Withdrawn,
    ] {
        assert_conflict(
            story_in(status).refused(applicant(), withdraw(None)),
            &format!("must be applied or approved or in_notice to be withdrawn; it is {status}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Distribution

#[test]
fn a_payment_is_split_exactly() {
    let mut s = granted();
    s.on("2026-12-20");
    let event = s.ok(
        office(),
        GrantAction::Distribute {
            distribution_id: DIST1,
            payment: contract_payment(PAY1, 1_000_001, "2026-12-01"),
            costs_fen: 0,
            note: Some("  首笔 ".into()),
        },
    );
    let expected = Distribution {
        id: DIST1,
        contract_id: CONTRACT,
        payment_id: PAY1,
        received_on: date("2026-12-01"),
        amount_fen: 1_000_001,
        costs_fen: 0,
        institution_fen: 300_000,
        team_fen: 700_001,
        members: vec![
            MemberPart {
                user_id: applicant().user_id,
                amount_fen: 233_310,
            },
            MemberPart {
                user_id: inventor().user_id,
                amount_fen: 233_310,
            },
            MemberPart {
                user_id: colleague().user_id,
                amount_fen: 233_381,
            },
        ],
        note: Some("首笔".into()),
    };
    assert_eq!(
        event,
        GrantEvent::RevenueDistributed {
            distribution: expected.clone()
        }
    );
    let d = &s.grant().distributions[0];
    assert_eq!(*d, expected);
    assert_eq!(d.costs_fen + d.institution_fen + d.team_fen, d.amount_fen);
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).sum::<i64>(),
        d.team_fen
    );
    assert_eq!(s.grant().distribution_of(PAY1), Some(d));
    assert_eq!(s.status(), GrantStatus::Granted);
}

#[test]
fn costs_are_deducted_before_the_split_and_ties_go_to_the_first_listed() {
    let mut s = granted();
    s.on("2026-12-20");
    s.ok(
        office(),
        distribute(
            DIST1,
            contract_payment(PAY1, 1_000_000, "2026-12-01"),
            1_000,
        ),
    );
    let d = &s.grant().distributions[0];
    // Net 999_000: 70% is 699_300 for the team; its thirds tie on their remainders.
    assert_eq!(
        (d.costs_fen, d.institution_fen, d.team_fen),
        (1_000, 299_700, 699_300)
    );
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).collect::<Vec<_>>(),
        vec![233_077, 233_077, 233_146]
    );
}

#[test]
fn without_an_agreed_split_the_team_gets_half_and_the_odd_fen() {
    let mut s = granted_share();
    s.on("2026-12-20");
    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 1_001, "2026-12-01"), 0),
    );
    let d = s.grant().distributions[0].clone();
    assert_eq!((d.institution_fen, d.team_fen), (500, 501));
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).collect::<Vec<_>>(),
        vec![167, 167, 167]
    );

    s.ok(
        office(),
        distribute(DIST2, contract_payment(PAY2, 10_000, "2026-12-02"), 2_000),
    );
    let d = &s.grant().distributions[1];
    assert_eq!(
        (d.costs_fen, d.institution_fen, d.team_fen),
        (2_000, 4_000, 4_000)
    );
    assert_eq!(
        d.members.iter().map(|m| m.amount_fen).collect::<Vec<_>>(),
        vec![1_333, 1_333, 1_334]
    );

    // Costs may take everything.
    s.ok(
        office(),
        distribute(DIST3, contract_payment(PAY3, 777, "2026-12-03"), 777),
    );
    let d = &s.grant().distributions[2];
    assert_eq!((d.institution_fen, d.team_fen), (0, 0));
    assert!(d.members.iter().all(|m| m.amount_fen == 0));
    assert_eq!(s.grant().distributions.len(), 3);
}

#[test]
fn every_distribution_adds_up() {
    let terms = [
        usage_terms(),
        share_terms(),
        GrantTerms {
            team: team_of(&[(applicant(), 1), (inventor(), 9_999)]),
            income: IncomeSplit {
                team_bp: 1,
                agreed: true,
            },
            ..usage_terms()
        },
    ];
    for t in &terms {
        for amount in (0..500).chain([999_999_999_999, 4_611_686_018_427_387_903]) {
            for costs in [0, amount / 3, amount] {
                let payment = Payment {
                    id: PAY1,
                    amount_fen: amount,
                    received_on: date("2026-12-01"),
                    note: None,
                };
                let d = Distribution::compute(t, DIST1, &payment, CONTRACT, costs, None);
                assert_eq!(d.costs_fen + d.institution_fen + d.team_fen, amount);
                assert_eq!(
                    d.members.iter().map(|m| m.amount_fen).sum::<i64>(),
                    d.team_fen
                );
                assert!(d.institution_fen >= 0 && d.members.iter().all(|m| m.amount_fen >= 0));
                // Never more than a fen from the exact team share.
                let exact = i128::from(amount - costs) * i128::from(t.income.team_bp);
                let mine = i128::from(d.team_fen) * i128::from(FULL_BP);
                assert!((mine - exact).abs() < i128::from(FULL_BP));
            }
        }
    }
}

#[test]
fn only_the_office_distributes() {
    let mut s = granted();
    s.on("2026-12-20");
    assert_only_office(
        &mut s,
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
    );
}

#[test]
fn only_a_grant_that_was_in_force_distributes() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::Rejected,
        GrantStatus::InNotice,
        GrantStatus::Withdrawn,
    ] {
        assert_conflict(
            story_in(status).refused(
                office(),
                distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
            ),
            &format!("only a granted grant distributes revenue; it is {status}"),
        );
    }
    // Money received while it was in force is distributed after it ended.
    for status in [
        GrantStatus::Expired,
        GrantStatus::Revoked,
        GrantStatus::RegistryChanged,
    ] {
        let mut s = story_in(status);
        s.ok(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
        );
        assert_eq!(s.grant().distributions.len(), 1, "{status}");
        assert_eq!(s.status(), status);
    }
}

#[test]
fn the_contract_is_for_the_granted_listing() {
    let mut s = granted();
    for listing_id in [Some(OTHER_LISTING), None] {
        let payment = ContractPayment {
            listing_id,
            ..contract_payment(PAY1, 100, "2026-12-01")
        };
        let err = s.refused(office(), distribute(DIST1, payment, 0));
        assert_eq!(fields(err.clone()), vec!["contract_id"], "{listing_id:?}");
        assert!(message_of(&err, "contract_id").contains("not for the granted listing"));
    }
}

#[test]
fn only_payments_under_a_registration_are_distributed() {
    use ContractStatus as C;
    for status in ContractStatus::ALL {
        let mut s = granted();
        s.on("2027-06-01");
        let payment = ContractPayment {
            contract_status: status,
            ..contract_payment(PAY1, 100, "2026-12-01")
        };
        let result = s.try_run(office(), distribute(DIST1, payment, 0));
        match status {
            // Cancellation or revocation of the registration leaves received money as income.
            C::Registered | C::Cancelled | C::Revoked => {
                assert!(result.is_ok(), "{status}: {result:?}");
            }
            _ => assert_conflict(
                result.expect_err("should be refused"),
                &format!("the contract is {status}: only payments under a registered contract"),
            ),
        }
    }
    let refused = ContractPayment {
        contract_status: C::Refused,
        ..contract_payment(PAY1, 100, "2026-12-01")
    };
    assert_conflict(
        granted().refused(office(), distribute(DIST1, refused, 0)),
        "refused",
    );
    let submitted = ContractPayment {
        contract_status: C::Submitted,
        ..contract_payment(PAY1, 100, "2026-12-01")
    };
    assert_conflict(
        granted().refused(office(), distribute(DIST1, submitted, 0)),
        "submitted",
    );
}

#[test]
fn the_payment_exists_and_is_distributed_once() {
    let mut s = granted();
    s.on("2026-12-20");
    let missing = ContractPayment {
        payment: None,
        ..contract_payment(PAY1, 100, "2026-12-01")
    };
    let err = s.refused(office(), distribute(DIST1, missing, 0));
    assert_eq!(fields(err.clone()), vec!["payment_id"]);
    assert!(message_of(&err, "payment_id").contains(&format!("no payment {PAY1}")));

    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 0),
    );
    assert_conflict(
        s.refused(
            office(),
            distribute(DIST2, contract_payment(PAY1, 100, "2026-12-01"), 0),
        ),
        &format!("payment {PAY1} was already distributed (distribution {DIST1})"),
    );
}

#[test]
fn only_payments_received_while_in_force_are_distributed() {
    let mut s = granted();
    s.on("2026-12-20");
    assert_conflict(
        s.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2026-11-20"), 0),
        ),
        "the grant was not in force on 2026-11-20",
    );
    s.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, GRANTED_ON), 0),
    );

    // After a revocation, up to the day before it.
    let mut revoked = granted();
    revoked
        .on("2027-03-01")
        .ok(office(), revoke_on("2027-02-01", "理由"));
    assert_conflict(
        revoked.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2027-02-01"), 0),
        ),
        "not in force",
    );
    revoked.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2027-01-31"), 0),
    );

    // After the term, through its last day.
    let mut ended = granted();
    ended.on("2036-12-01");
    assert_conflict(
        ended.refused(
            office(),
            distribute(DIST1, contract_payment(PAY1, 100, "2036-11-21"), 0),
        ),
        "not in force",
    );
    ended.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, TERM_END), 0),
    );

    // An extension covers what the original term did not.
    let mut extended = granted();
    extended
        .on("2036-11-01")
        .ok(office(), extend_to("2037-11-20", "延期"));
    extended.on("2037-01-01");
    extended.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2036-12-31"), 0),
    );
}

#[test]
fn costs_are_between_nothing_and_the_payment() {
    let mut s = granted();
    s.on("2026-12-20");
    let negative = s.refused(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), -1),
    );
    assert_eq!(fields(negative.clone()), vec!["costs_fen"]);
    assert!(message_of(&negative, "costs_fen").contains("must not be negative"));
    let over = s.refused(
        office(),
        distribute(DIST1, contract_payment(PAY1, 100, "2026-12-01"), 101),
    );
    assert_eq!(fields(over.clone()), vec!["costs_fen"]);
    assert!(message_of(&over, "costs_fen").contains("must not exceed the payment (100 fen)"));

    let long_note = s.refused(
        office(),
        GrantAction::Distribute {
            distribution_id: DIST1,
            payment: contract_payment(PAY1, 100, "2026-12-01"),
            costs_fen: -1,
            note: Some("x".repeat(501)),
        },
    );
    assert_eq!(fields(long_note), vec!["costs_fen", "note"]);

    let mut blank = granted();
    blank.ok_all(
        office(),
        GrantAction::Distribute {
            distribution_id: DIST1,
            payment: contract_payment(PAY1, 100, "2026-12-01"),
            costs_fen: 100,
            note: Some("   ".into()),
        },
    );
    assert_eq!(blank.grant().distributions[0].note, None);
}

// ---------------------------------------------------------------------------------------------
// Term as of an instant

#[test]
fn nothing_is_in_force_before_the_grant() {
    for status in [
        GrantStatus::Applied,
        GrantStatus::InNotice,
        GrantStatus::Rejected,
        GrantStatus::Withdrawn,
    ] {
        let s = story_in(status);
        assert_eq!(s.grant().term_as_of(None), None, "{status}");
        assert!(!s.grant().in_force_on(date("2027-01-01"), None));
    }
    let s = granted();
    let g = s.grant();
    assert_eq!(g.term_as_of(Some(grant_at() - TimeDelta::seconds(1))), None);
    assert!(!g.in_force_on(date("2027-01-01"), Some(grant_at() - TimeDelta::seconds(1))));
    let term = Some((date(GRANTED_ON), Some(date(TERM_END))));
    assert_eq!(g.term_as_of(Some(grant_at())), term);
    assert_eq!(g.term_as_of(None), term);
    assert!(!g.in_force_on(date("2026-11-20"), None));
    assert!(g.in_force_on(date(GRANTED_ON), None));
    assert!(g.in_force_on(date(TERM_END), None));
    assert!(!g.in_force_on(date("2036-11-21"), None));
}

#[test]
fn an_extension_counts_from_when_it_was_recorded() {
    let mut s = granted();
    let t2 = morning("2030-01-10");
    s.at(t2).ok(office(), extend_to("2040-11-20", "延期"));
    let g = s.grant();
    let before = Some(t2 - TimeDelta::seconds(1));
    assert_eq!(
        g.term_as_of(before),
        Some((date(GRANTED_ON), Some(date(TERM_END))))
    );
    let extended = Some((date(GRANTED_ON), Some(date("2040-11-20"))));
    assert_eq!(g.term_as_of(Some(t2)), extended);
    assert_eq!(g.term_as_of(Some(morning("2035-01-01"))), extended);
    assert_eq!(g.term_as_of(None), extended);
    // A day between the old and the new end flips.
    let between = date("2038-06-01");
    assert!(!g.in_force_on(between, before));
    assert!(g.in_force_on(between, Some(t2)));
    assert!(g.in_force_on(between, None));
    assert!(!g.in_force_on(date("2040-11-21"), None));
}

#[test]
fn the_latest_known_extension_counts() {
    let mut s = granted();
    let (t2, t3) = (morning("2030-01-10"), morning("2035-01-10"));
    s.at(t2).ok(office(), extend_to("2040-11-20", "第一次"));
    s.at(t3).ok(office(), extend_to("2045-11-20", "第二次"));
    let g = s.grant();
    let end = |as_of| g.term_as_of(as_of).and_then(|(_, last)| last);
    assert_eq!(end(Some(t2 - TimeDelta::days(1))), Some(date(TERM_END)));
    assert_eq!(end(Some(t2 + TimeDelta::days(1))), Some(date("2040-11-20")));
    assert_eq!(end(Some(t3)), Some(date("2045-11-20")));
    assert_eq!(end(None), Some(date("2045-11-20")));
}

#[test]
fn a_revocation_cuts_the_term_once_it_is_recorded() {
    let mut s = granted();
    s.on("2030-01-10")
        .ok(office(), extend_to("2040-11-20", "延期"));
    let recorded = morning("2031-06-01");
    s.at(recorded).ok(office(), revoke_on("2031-05-01", "撤销"));
    let g = s.grant();
    let cut = Some((date(GRANTED_ON), Some(date("2031-04-30"))));
    assert_eq!(g.term_as_of(None), cut);
    assert_eq!(g.term_as_of(Some(recorded)), cut);
    assert!(g.in_force_on(date("2031-04-30"), None));
    assert!(!g.in_force_on(date("2031-05-01"), None));
    // Before it was recorded, the extended term was all there was to know.
    let earlier = Some(recorded - TimeDelta::seconds(1));
    assert_eq!(
        g.term_as_of(earlier),
        Some((date(GRANTED_ON), Some(date("2040-11-20"))))
    );
    assert!(g.in_force_on(date("2031-05-01"), earlier));
}

#[test]
fn a_revocation_from_the_first_day_leaves_nothing_in_force() {
    let mut s = granted();
    s.on(GRANTED_ON)
        .ok(office(), revoke_on(GRANTED_ON, "自始无效"));
    let g = s.grant();
    assert_eq!(g.term_as_of(None), None);
    assert!(!g.in_force_on(date(GRANTED_ON), None));
    assert_eq!(
        g.term_as_of(Some(grant_at())),
        Some((date(GRANTED_ON), Some(date(TERM_END))))
    );
}

#[test]
fn a_revocation_ends_an_open_ended_grant() {
    let mut s = granted_share();
    assert_eq!(s.grant().term_as_of(None), Some((date(GRANTED_ON), None)));
    s.on("2030-05-01")
        .ok(office(), revoke_on("2030-04-01", "撤销"));
    assert_eq!(
        s.grant().term_as_of(None),
        Some((date(GRANTED_ON), Some(date("2030-03-31"))))
    );
    assert!(!s.grant().in_force_on(date("2030-04-01"), None));
}

#[test]
fn expiry_does_not_change_the_days_in_force() {
    let before = granted();
    let after = story_in(GrantStatus::Expired);
    assert_eq!(
        after.grant().term_as_of(None),
        before.grant().term_as_of(None)
    );
    assert!(after.grant().in_force_on(date(TERM_END), None));
    assert!(!after.grant().in_force_on(date("2036-11-21"), None));
}

#[test]
fn an_open_ended_grant_stays_in_force() {
    let s = granted_share();
    let g = s.grant();
    assert_eq!(g.term_as_of(None), Some((date(GRANTED_ON), None)));
    assert!(g.in_force_on(date("2126-01-01"), None));
    assert!(g.in_force_on(NaiveDate::MAX, Some(morning("2100-01-01"))));
    assert!(!g.in_force_on(date("2026-11-20"), None));
}

// ---------------------------------------------------------------------------------------------
// Statuses, kinds, events, and terms of years

#[test]
fn statuses_round_trip_and_say_what_they_allow() {
    use GrantStatus as S;
    for st in GrantStatus::ALL {
        assert_eq!(GrantStatus::parse(st.as_str()), Some(st));
        assert_eq!(st.to_string(), st.as_str());
        assert_eq!(serde_json::to_value(st).unwrap(), json!(st.as_str()));
    }
    assert_eq!(GrantStatus::parse("Granted"), None);
    assert_eq!(GrantStatus::parse(""), None);

    let which = |f: fn(GrantStatus) -> bool| -> Vec<GrantStatus> {
        GrantStatus::ALL.into_iter().filter(|s| f(*s)).collect()
    };
    assert_eq!(
        which(GrantStatus::is_live),
        vec![
            S::Applied,
            S::Approved,
            S::InNotice,
            S::Granted,
            S::RegistryChanged
        ]
    );
    assert_eq!(
        which(GrantStatus::is_public),
        vec![
            S::InNotice,
            S::Granted,
            S::RegistryChanged,
            S::Expired,
            S::Revoked
        ]
    );
    assert_eq!(
        which(GrantStatus::is_in_force),
        vec![S::Granted, S::RegistryChanged]
    );
    assert_eq!(
        which(GrantStatus::was_granted),
        vec![S::Granted, S::RegistryChanged, S::Expired, S::Revoked]
    );
}

#[test]
fn kinds_are_named_as_they_are_stored() {
    for kind in [GrantKind::OwnershipShare, GrantKind::UsageRight] {
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
    }
    assert_eq!(GrantKind::UsageRight.as_str(), "usage_right");
    assert_eq!(GrantKind::OwnershipShare.as_str(), "ownership_share");
}

#[test]
fn every_event_is_named_by_its_tag_and_replays_to_the_same_state() {
    let mut stories = vec![
        story_in(GrantStatus::Rejected),
        story_in(GrantStatus::Withdrawn),
        story_in(GrantStatus::Revoked),
    ];
    let mut full = in_notice();
    full.ok(enterprise(), objection(OBJ1, "异议"));
    full.ok(office(), resolve(OBJ1, ObjectionOutcome::Dismissed, "驳回"));
    full.at(grant_at()).ok(office(), GrantAction::Grant);
    full.on("2026-12-15")
        .ok(office(), registry("R1", "2026-12-10"));
    full.ok(
        office(),
        distribute(DIST1, contract_payment(PAY1, 12_345, "2026-12-01"), 45),
    );
    full.on("2030-01-01")
        .ok(office(), extend_to("2040-11-20", "延期"));
    full.on("2040-11-01").ok(system(), warn(30));
    full.on("2040-11-21").ok(system(), GrantAction::Expire);
    stories.push(full);

    let mut names = std::collections::BTreeSet::new();
    for s in &stories {
        let mut replayed = GrantState::default();
        for recorded in &s.history {
            let value = serde_json::to_value(recorded).unwrap();
            assert_eq!(value["event"]["type"], json!(recorded.event.name()));
            let back: Recorded<GrantEvent> = serde_json::from_value(value).unwrap();
            assert_eq!(&back, recorded);
            names.insert(recorded.event.name());
            replayed = OwnershipGrant::apply_event(replayed, back);
        }
        assert_eq!(replayed, s.state);
    }
    assert_eq!(names.len(), 14, "{names:?}");
    assert_eq!(OwnershipGrant::NAME, "ownership_grant");
}

#[test]
fn a_term_of_years_ends_the_day_before_its_anniversary() {
    assert_eq!(years_after(date("2026-11-21"), 10), date("2036-11-20"));
    assert_eq!(years_after(date("2026-01-01"), 1), date("2026-12-31"));
    assert_eq!(years_after(date("2026-03-01"), 2), date("2028-02-29"));
    assert_eq!(years_after(date("2026-11-21"), 50), date("2076-11-20"));
    // From 29 February to a leap year: the anniversary exists.
    assert_eq!(years_after(date("2028-02-29"), 4), date("2032-02-28"));
    // To a common year: the anniversary of 29 February is 1 March, so the term ends on the 28th,
    // as a term from 1 March does, and a day after a term from 28 February.
    assert_eq!(years_after(date("2028-02-29"), 10), date("2038-02-28"));
    assert_eq!(years_after(date("2028-02-28"), 10), date("2038-02-27"));
    assert_eq!(years_after(date("2028-03-01"), 10), date("2038-02-28"));
}

// ---------------------------------------------------------------------------------------------
// Who sees what

#[test]
fn parties_always_see_a_grant_and_others_once_it_is_public() {
    let parties = [applicant(), inventor(), colleague(), office()];
    let watchers = [platform_admin()];
    let others = [
        other_office(),
        outsider(),
        enterprise(),
        tech_manager(),
        registrar(),
        provider(),
        bystander(),
        loose_admin(),
    ];
    for status in GrantStatus::ALL {
        let s = story_in(status);
        let g = s.grant();
        for a in parties.iter().chain(&watchers) {
            assert!(g.is_visible_to(Some(a)), "{status} {a:?}");
        }
        for a in &others {
            assert_eq!(
                g.is_visible_to(Some(a)),
                status.is_public(),
                "{status} {a:?}"
            );
        }
        // A statistician reads a grant, and who was paid what, from its notice on only.
        assert_eq!(
            g.is_visible_to(Some(&statistician())),
            status.is_public(),
            "{status}"
        );
        assert_eq!(
            g.may_see_money(&statistician()),
            status.is_public(),
            "{status}"
        );
        assert!(
            !g.is_visible_to(None),
            "{status}: nobody signed in sees nothing"
        );
    }
    // Public from the notice on, hidden again once withdrawn from it.
    let mut s = in_notice();
    assert!(s.grant().is_visible_to(Some(&enterprise())));
    s.ok(applicant(), withdraw(None));
    assert!(!s.grant().is_visible_to(Some(&enterprise())));
}

#[test]
fn money_is_for_the_parties_and_the_watchers() {
    let s = story_in(GrantStatus::Granted);
    let g = s.grant();
    for a in [
        applicant(),
        inventor(),
        colleague(),
        office(),
        statistician(),
        platform_admin(),
    ] {
        assert!(g.may_see_money(&a), "{a:?}");
    }
    for a in [
        other_office(),
        outsider(),
        enterprise(),
        tech_manager(),
        registrar(),
        provider(),
        bystander(),
        loose_admin(),
    ] {
        assert!(!g.may_see_money(&a), "{a:?}");
        assert!(
            g.is_visible_to(Some(&a)),
            "the grant itself is public: {a:?}"
        );
    }
    assert!(g.is_party(&colleague()) && g.is_member(&colleague()));
    assert!(g.is_party(&office()) && !g.is_member(&office()));
    assert!(!g.is_party(&bystander()));
}

use crate::domain::testing::{assert_conflict, assert_forbidden, fields, message_of};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use esrs::Aggregate;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::domain::calendar::china_date;
use crate::domain::{Actor, Command, DomainError, Recorded, Role};

// ---------------------------------------------------------------------------------------------
// Cast: the requester is a researcher of a lab; a colleague of the same lab is not the
// requester. The requested provider organization is a concept-verification centre with two
// providers; another centre's provider, a provider without organization and a non-provider of
// the centre must all stay out.

const LAB: Uuid = Uuid::from_u128(0x1AB);
const UNIVERSITY: Uuid = Uuid::from_u128(0x0A1);
const CENTRE: Uuid = Uuid::from_u128(0xCE1);
const OTHER_CENTRE: Uuid = Uuid::from_u128(0xCE2);
const COMPANY: Uuid = Uuid::from_u128(0x0C1);
const AGENCY: Uuid = Uuid::from_u128(0x0B1);
const LISTING: Uuid = Uuid::from_u128(0x11);
const M1: Uuid = Uuid::from_u128(0xA1);
const M2: Uuid = Uuid::from_u128(0xA2);

fn person(n: u128, role: Role, organization_id: Option<Uuid>) -> Actor {
    Actor {
        user_id: Uuid::from_u128(n),
        role,
        organization_id,
    }
}
fn requester() -> Actor {
    person(1, Role::Researcher, Some(LAB))
}
fn colleague() -> Actor {
    person(2, Role::Researcher, Some(LAB))
}
fn other_researcher() -> Actor {
    person(3, Role::Researcher, Some(UNIVERSITY))
}
fn provider() -> Actor {
    person(4, Role::Provider, Some(CENTRE))
}
fn provider_colleague() -> Actor {
    person(5, Role::Provider, Some(CENTRE))
}
fn other_provider() -> Actor {
    person(6, Role::Provider, Some(OTHER_CENTRE))
}
fn provider_without_organization() -> Actor {
    person(7, Role::Provider, None)
}
/// Belongs to the centre but is not a provider.
fn centre_admin() -> Actor {
    person(8, Role::InstitutionAdmin, Some(CENTRE))
}
fn enterprise() -> Actor {
    person(9, Role::Enterprise, Some(COMPANY))
}
fn tech_manager() -> Actor {
    person(10, Role::TechManager, Some(AGENCY))
}
fn institution_admin() -> Actor {
    person(11, Role::InstitutionAdmin, Some(LAB))
}
fn registrar() -> Actor {
    person(12, Role::Registrar, Some(AGENCY))
}
fn statistician() -> Actor {
    person(13, Role::Statistician, Some(AGENCY))
}
fn platform_admin() -> Actor {
    person(14, Role::PlatformAdmin, None)
}
fn system() -> Actor {
    Actor::system()
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("requester", requester()),
        ("colleague", colleague()),
        ("other_researcher", other_researcher()),
        ("provider", provider()),
        ("provider_colleague", provider_colleague()),
        ("other_provider", other_provider()),
        (
            "provider_without_organization",
            provider_without_organization(),
        ),
        ("centre_admin", centre_admin()),
        ("enterprise", enterprise()),
        ("tech_manager", tech_manager()),
        ("institution_admin", institution_admin()),
        ("registrar", registrar()),
        ("statistician", statistician()),
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

const PROVIDERS: [&str; 2] = ["provider", "provider_colleague"];

/// 2026-06-01 09:00 in China.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap()
}

fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    china_date(t0())
}

const MAX_FEN: i64 = 1_000_000_000_000_000;

fn trl(n: i64) -> Trl {
    Trl::parse("trl", n).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// The listing is at TRL 4 when the request is made.
fn trl_before() -> Trl {
    trl(4)
}

fn input() -> RequestInput {
    RequestInput {
        stage: Stage::ConceptVerification,
        listing_id: LISTING,
        provider_organization_id: CENTRE,
        services: vec![Service::PrincipleValidation, Service::Prototype],
        trl_target: 6,
        budget_fen: 50_000_000,
        funding_source: FundingSource::Government,
        schedule: ScheduleInput {
            start: date(2026, 7, 1),
            end: date(2026, 12, 31),
        },
        description: "  验证钠离子电池低温电解液的原理并制作原型。 ".into(),
    }
}

fn pilot_input() -> RequestInput {
    RequestInput {
        stage: Stage::PilotScale,
        services: vec![Service::TrialProduction, Service::ScaleUp],
        ..input()
    }
}

fn parse(input: RequestInput) -> Result<RequestContent, DomainError> {
    RequestContent::parse(input, trl_before(), today())
}

fn content() -> RequestContent {
    parse(input()).unwrap()
}

fn invalid(input: RequestInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

// ---------------------------------------------------------------------------------------------
// Stories: a sequence of commands folded through handle_command and apply_event.

struct Story {
    state: VerificationState,
    now: DateTime<Utc>,
}

impl Story {
    fn new() -> Self {
        Story {
            state: VerificationState::default(),
            now: t0(),
        }
    }

    fn try_run(
        &mut self,
        actor: Actor,
        action: VerificationAction,
    ) -> Result<Vec<Recorded<VerificationEvent>>, DomainError> {
        let events = VerificationRequest::handle_command(
            &self.state,
            Command::new(actor, self.now, action),
        )?;
        for recorded in events.iter().cloned() {
            self.state =
                VerificationRequest::apply_event(std::mem::take(&mut self.state), recorded);
        }
        self.now += TimeDelta::hours(1);
        Ok(events)
    }

    /// Runs an accepted command and returns its single event, checking who and when.
    fn ok(&mut self, actor: Actor, action: VerificationAction) -> VerificationEvent {
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
    fn refused(&mut self, actor: Actor, action: VerificationAction) -> DomainError {
        let before = self.state.clone();
        let err = self
            .try_run(actor, action)
            .expect_err("command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        err
    }

    fn request(&self) -> &VerificationData {
        self.state.request.as_ref().expect("the request exists")
    }

    fn status(&self) -> VerificationStatus {
        self.request().status
    }
}

fn accept(note: Option<&str>) -> VerificationAction {
    VerificationAction::Accept {
        note: note.map(str::to_owned),
    }
}

fn decline(reason: &str) -> VerificationAction {
    VerificationAction::Decline {
        reason: reason.into(),
    }
}

fn milestone(id: Uuid, title: &str, progress_percent: Option<u8>) -> VerificationAction {
    VerificationAction::ReportMilestone {
        milestone_id: id,
        title: title.into(),
        description: "".into(),
        progress_percent,
    }
}

fn complete(outcome: Outcome, trl_after: i64, report: &str) -> VerificationAction {
    VerificationAction::Complete {
        outcome,
        trl_after: trl(trl_after),
        report: report.into(),
    }
}

fn cancel(reason: &str) -> VerificationAction {
    VerificationAction::Cancel {
        reason: reason.into(),
    }
}

fn requested() -> Story {
    let mut s = Story::new();
    s.ok(requester(), VerificationAction::Request(content()));
    s
}

fn in_status(status: VerificationStatus) -> Story {
    use VerificationStatus as S;
    let mut s = requested();
    match status {
        S::Requested => {}
        S::Accepted => {
            s.ok(provider(), accept(None));
        }
        S::Declined => {
            s.ok(provider(), decline("fully booked"));
        }
        S::InProgress => {
            s.ok(provider(), accept(None));
            s.ok(provider(), milestone(M1, "Kick-off", Some(10)));
        }
        S::Completed => {
            s.ok(provider(), accept(None));
            s.ok(provider(), milestone(M1, "Kick-off", Some(10)));
            s.ok(provider(), complete(Outcome::Success, 6, "Verified."));
        }
        S::Cancelled => {
            s.ok(requester(), cancel("funding fell through"));
        }
    }
    assert_eq!(s.status(), status);
    s
}

fn every_action_but_request() -> Vec<VerificationAction> {
    vec![
        accept(Some("welcome")),
        decline("no capacity"),
        milestone(M1, "Kick-off", Some(5)),
        complete(Outcome::Success, 6, "done"),
        cancel("changed plans"),
    ]
}

/// Every action, `Request` included.
fn every_action() -> Vec<VerificationAction> {
    let mut all = every_action_but_request();
    all.push(VerificationAction::Request(content()));
    all
}

// =============================================================================================
// RequestContent::parse

#[test]
fn parse_accepts_a_valid_input_with_the_callers_trl_before_and_a_trimmed_description() {
    let c = content();
    assert_eq!(
        c,
        RequestContent {
            stage: Stage::ConceptVerification,
            listing_id: LISTING,
            provider_organization_id: CENTRE,
            services: vec![Service::PrincipleValidation, Service::Prototype],
            trl_before: trl(4),
            trl_target: trl(6),
            budget_fen: 50_000_000,
            funding_source: FundingSource::Government,
            schedule: Schedule {
                start: date(2026, 7, 1),
                end: date(2026, 12, 31),
            },
            description: "验证钠离子电池低温电解液的原理并制作原型。".into(),
        }
    );
    let p = parse(pilot_input()).unwrap();
    assert_eq!(p.stage, Stage::PilotScale);
    assert_eq!(p.services, vec![Service::TrialProduction, Service::ScaleUp]);
    // The same input against another current TRL keeps that one.
    let c = RequestContent::parse(input(), trl(1), today()).unwrap();
    assert_eq!((c.trl_before, c.trl_target), (trl(1), trl(6)));
}

#[test]
fn parse_collects_every_error_with_its_field_path() {
    let i = RequestInput {
        services: vec![Service::Prototype, Service::ScaleUp, Service::Prototype],
        trl_target: 4,
        budget_fen: 0,
        schedule: ScheduleInput {
            start: date(2026, 5, 31),
            end: date(2026, 5, 30),
        },
        description: " ".into(),
        ..input()
    };
    let err = parse(i).unwrap_err();
    assert_eq!(
        fields(err.clone()),
        vec![
            "services[1]",
            "services[2]",
            "trl_target",
            "budget_fen",
            "schedule.start",
            "schedule.end",
            "description",
        ]
    );
    assert_eq!(
        message_of(&err, "services[1]"),
        "not a service of the concept_verification stage"
    );
    assert_eq!(
        message_of(&err, "services[2]"),
        "repeats an earlier service"
    );
    assert_eq!(
        message_of(&err, "trl_target"),
        "must be above the listing's current TRL (4)"
    );
    assert_eq!(
        message_of(&err, "budget_fen"),
        format!("must be more than 0 and at most {MAX_FEN} fen")
    );
    assert_eq!(
        message_of(&err, "schedule.start"),
        "must not be before today (2026-06-01)"
    );
    assert_eq!(
        message_of(&err, "schedule.end"),
        "must not be before schedule.start"
    );
    assert_eq!(message_of(&err, "description"), "must not be empty");
}

#[test]
fn services_are_required() {
    let err = parse(RequestInput {
        services: vec![],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["services"]);
    assert_eq!(
        message_of(&err, "services"),
        "must name at least one service"
    );
}

#[test]
fn services_must_not_repeat() {
    assert_eq!(
        invalid(RequestInput {
            services: vec![
                Service::Prototype,
                Service::FeasibilityAssessment,
                Service::Prototype,
                Service::FeasibilityAssessment,
            ],
            ..input()
        }),
        vec!["services[2]", "services[3]"]
    );
    assert_eq!(
        parse(RequestInput {
            services: Stage::ConceptVerification.services(),
            ..input()
        })
        .unwrap()
        .services,
        Stage::ConceptVerification.services()
    );
    assert_eq!(
        parse(RequestInput {
            services: Stage::PilotScale.services(),
            ..pilot_input()
        })
        .unwrap()
        .services,
        Stage::PilotScale.services()
    );
}

#[test]
fn every_service_must_belong_to_the_requested_stage() {
    for service in Stage::PilotScale.services() {
        let err = parse(RequestInput {
            services: vec![Service::Prototype, service],
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["services[1]"], "{service}");
        assert_eq!(
            message_of(&err, "services[1]"),
            "not a service of the concept_verification stage"
        );
    }
    for service in Stage::ConceptVerification.services() {
        let err = parse(RequestInput {
            services: vec![service],
            ..pilot_input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["services[0]"], "{service}");
        assert_eq!(
            message_of(&err, "services[0]"),
            "not a service of the pilot_scale stage"
        );
    }
    // A repeated service of the wrong stage is reported as of the wrong stage each time.
    let err = parse(RequestInput {
        services: vec![Service::ScaleUp, Service::ScaleUp],
        ..input()
    })
    .unwrap_err();
    assert_eq!(fields(err.clone()), vec!["services[0]", "services[1]"]);
    assert_eq!(
        message_of(&err, "services[1]"),
        "not a service of the concept_verification stage"
    );
}

#[test]
fn each_service_names_its_stage() {
    assert_eq!(
        Stage::ConceptVerification.services(),
        vec![
            Service::PrincipleValidation,
            Service::FeasibilityAssessment,
            Service::Prototype,
            Service::ScenarioValidation,
            Service::CommercialValidation,
        ]
    );
    assert_eq!(
        Stage::PilotScale.services(),
        vec![
            Service::MaturityAssessment,
            Service::TrialProduction,
            Service::ScenarioTesting,
            Service::ScaleUp,
            Service::ProcessValidation,
        ]
    );
    for service in Service::ALL {
        assert!(service.stage().services().contains(&service), "{service}");
    }
}

#[test]
fn trl_target_is_a_trl_above_the_listings_current_one() {
    for bad in [0, 10, -1, i64::MAX, i64::MIN, 256 + 6] {
        let err = parse(RequestInput {
            trl_target: bad,
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["trl_target"], "{bad}");
        assert_eq!(
            message_of(&err, "trl_target"),
            "must be a TRL between 1 and 9"
        );
    }
    for not_above in [1, 3, 4] {
        let err = parse(RequestInput {
            trl_target: not_above,
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(err.clone()), vec!["trl_target"], "{not_above}");
        assert_eq!(
            message_of(&err, "trl_target"),
            "must be above the listing's current TRL (4)"
        );
    }
    for good in 5..=9 {
        assert_eq!(
            parse(RequestInput {
                trl_target: good,
                ..input()
            })
            .unwrap()
            .trl_target,
            trl(good)
        );
    }
    // A listing already at TRL 9 has nowhere to go.
    for target in 1..=9 {
        let err = RequestContent::parse(
            RequestInput {
                trl_target: target,
                ..input()
            },
            trl(9),
            today(),
        )
        .unwrap_err();
        assert_eq!(fields(err), vec!["trl_target"], "{target}");
    }
}

#[test]
fn the_budget_is_more_than_zero_and_at_most_the_maximum() {
    for bad in [0, -1, MAX_FEN + 1, i64::MIN, i64::MAX] {
        assert_eq!(
            invalid(RequestInput {
                budget_fen: bad,
                ..input()
            }),
            vec!["budget_fen"],
            "{bad}"
        );
    }
    for good in [1, MAX_FEN] {
        assert_eq!(
            parse(RequestInput {
                budget_fen: good,
                ..input()
            })
            .unwrap()
            .budget_fen,
            good
        );
    }
}

#[test]
fn the_schedule_starts_today_at_the_earliest_and_ends_on_or_after_its_start() {
    let schedule = |start: NaiveDate, end: NaiveDate| RequestInput {
        schedule: ScheduleInput { start, end },
        ..input()
    };
    // One day, today.
    assert_eq!(
        parse(schedule(today(), today())).unwrap().schedule,
        Schedule {
            start: today(),
            end: today()
        }
    );
    assert_eq!(
        invalid(schedule(date(2026, 5, 31), date(2026, 12, 31))),
        vec!["schedule.start"]
    );
    assert_eq!(
        invalid(schedule(date(2026, 7, 2), date(2026, 7, 1))),
        vec!["schedule.end"]
    );
    assert_eq!(
        invalid(schedule(date(2026, 5, 31), date(2026, 5, 30))),
        vec!["schedule.start", "schedule.end"]
    );
    // An end before today is reported through its start.
    assert_eq!(
        invalid(schedule(date(2026, 5, 1), date(2026, 5, 31))),
        vec!["schedule.start"]
    );
    assert!(parse(schedule(date(2026, 7, 1), date(2029, 2, 28))).is_ok());
}

#[test]
fn today_is_the_china_date_of_the_request() {
    // 2026-06-30T15:59:59Z is still 06-30 in China; 16:00 is 07-01 there.
    let starts_07_01 = RequestInput {
        schedule: ScheduleInput {
            start: date(2026, 7, 1),
            end: date(2026, 7, 31),
        },
        ..input()
    };
    let starts_06_30 = RequestInput {
        schedule: ScheduleInput {
            start: date(2026, 6, 30),
            end: date(2026, 7, 31),
        },
        ..input()
    };
    let last_of_june = china_date(utc("2026-06-30T15:59:59Z"));
    let first_of_july = china_date(utc("2026-06-30T16:00:00Z"));
    assert!(RequestContent::parse(starts_06_30.clone(), trl_before(), last_of_june).is_ok());
    assert_eq!(
        fields(RequestContent::parse(starts_06_30, trl_before(), first_of_july).unwrap_err()),
        vec!["schedule.start"]
    );
    assert!(RequestContent::parse(starts_07_01, trl_before(), first_of_july).is_ok());
}

#[test]
fn the_description_is_required_multiline_and_at_most_5000_characters() {
    for bad in [
        " \n\t ".to_string(),
        "述".repeat(5001),
        "bell\u{7}".to_string(),
    ] {
        assert_eq!(
            invalid(RequestInput {
                description: bad.clone(),
                ..input()
            }),
            vec!["description"],
            "{bad:?}"
        );
    }
    for good in ["第一段\n第二段".to_string(), "述".repeat(5000), "x".into()] {
        assert_eq!(
            parse(RequestInput {
                description: good.clone(),
                ..input()
            })
            .unwrap()
            .description,
            good
        );
    }
}

#[test]
fn input_deserializes_from_json_with_iso_dates_and_refuses_unknown_fields() {
    let body = json!({
        "stage": "pilot_scale",
        "listing_id": LISTING,
        "provider_organization_id": CENTRE,
        "services": ["maturity_assessment", "process_validation"],
        "trl_target": 7,
        "budget_fen": 120_000_000,
        "funding_source": "self_funded",
        "schedule": {"start": "2026-07-01", "end": "2027-06-30"},
        "description": "中试"
    });
    let i: RequestInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        i,
        RequestInput {
            stage: Stage::PilotScale,
            listing_id: LISTING,
            provider_organization_id: CENTRE,
            services: vec![Service::MaturityAssessment, Service::ProcessValidation],
            trl_target: 7,
            budget_fen: 120_000_000,
            funding_source: FundingSource::SelfFunded,
            schedule: ScheduleInput {
                start: date(2026, 7, 1),
                end: date(2027, 6, 30),
            },
            description: "中试".into(),
        }
    );
    assert_eq!(serde_json::to_value(&i).unwrap(), body);
    let c = parse(i).unwrap();
    assert_eq!((c.trl_before, c.trl_target), (trl(4), trl(7)));

    let with = |path: &str, value: serde_json::Value| {
        let mut b = body.clone();
        *b.pointer_mut(path).unwrap() = value;
        serde_json::from_value::<RequestInput>(b)
    };
    assert!(with("/stage", json!("concept_verification")).is_ok());
    assert!(with("/stage", json!("PilotScale")).is_err());
    assert!(with("/services", json!(["sample_trial"])).is_err());
    assert!(with("/services", json!("scale_up")).is_err());
    for source in ["self_funded", "government", "enterprise", "mixed"] {
        assert!(with("/funding_source", json!(source)).is_ok(), "{source}");
    }
    assert!(with("/funding_source", json!("bank")).is_err());
    assert!(with("/listing_id", json!("not-a-uuid")).is_err());
    assert!(with("/trl_target", json!(6.5)).is_err());
    assert!(with("/budget_fen", json!("100")).is_err());
    assert!(with("/schedule/start", json!("2026-07-01T00:00:00Z")).is_err());
    assert!(with("/schedule/end", json!("2026-02-30")).is_err());
    assert!(with("/schedule", json!({"start": "2026-07-01"})).is_err());
    assert!(with(
        "/schedule",
        json!({"start": "2026-07-01", "end": "2026-07-02", "days": 2})
    )
    .is_err());
    // The current TRL comes from the listing, never from the body.
    for unknown in ["trl_before", "status", "requester_id"] {
        let mut b = body.clone();
        b[unknown] = json!(1);
        assert!(
            serde_json::from_value::<RequestInput>(b).is_err(),
            "{unknown}"
        );
    }
    for required in [
        "stage",
        "listing_id",
        "provider_organization_id",
        "services",
        "trl_target",
        "budget_fen",
        "funding_source",
        "schedule",
        "description",
    ] {
        let mut b = body.clone();
        b.as_object_mut().unwrap().remove(required);
        assert!(
            serde_json::from_value::<RequestInput>(b).is_err(),
            "{required}"
        );
    }
}

// =============================================================================================
// Existence

#[test]
fn every_action_but_request_needs_an_existing_request() {
    for action in every_action_but_request() {
        for (who, actor) in everyone() {
            let mut s = Story::new();
            assert_eq!(
                s.refused(actor, action.clone()),
                DomainError::NotFound,
                "{who} {action:?}"
            );
            assert_eq!(s.state.request, None);
        }
    }
}

#[test]
fn applying_anything_but_requested_to_an_empty_state_leaves_it_empty() {
    for event in all_events().into_iter().skip(1) {
        let recorded = Recorded {
            actor: provider(),
            at: t0(),
            event,
        };
        assert_eq!(
            VerificationRequest::apply_event(VerificationState::default(), recorded).request,
            None
        );
    }
}

// =============================================================================================
// Request

#[test]
fn a_researcher_requests_a_verification() {
    let mut s = Story::new();
    let events = s
        .try_run(requester(), VerificationAction::Request(content()))
        .unwrap();
    assert_eq!(
        events,
        vec![Recorded {
            actor: requester(),
            at: t0(),
            event: VerificationEvent::Requested {
                requester_id: requester().user_id,
                requester_organization_id: Some(LAB),
                content: content(),
            },
        }]
    );
    assert_eq!(
        s.request(),
        &VerificationData {
            requester_id: requester().user_id,
            requester_organization_id: Some(LAB),
            status: VerificationStatus::Requested,
            content: content(),
            acceptance_note: None,
            decline_reason: None,
            cancel_reason: None,
            milestones: vec![],
            outcome: None,
            trl_after: None,
            report: None,
            created_at: t0(),
            updated_at: t0(),
            completed_at: None,
        }
    );
}

#[test]
fn a_researcher_without_organization_may_request_a_pilot_run() {
    let loner = person(50, Role::Researcher, None);
    let pilot = parse(pilot_input()).unwrap();
    let mut s = Story::new();
    s.ok(loner, VerificationAction::Request(pilot.clone()));
    let r = s.request();
    assert_eq!(
        (r.requester_id, r.requester_organization_id, &r.content),
        (loner.user_id, None, &pilot)
    );
}

#[test]
fn only_researchers_request() {
    for (who, actor) in everyone_but(&["requester", "colleague", "other_researcher"]) {
        let err = Story::new().refused(actor, VerificationAction::Request(content()));
        assert_eq!(
            err,
            DomainError::forbidden("only a researcher can request a verification"),
            "{who}"
        );
    }
}

#[test]
fn request_on_an_existing_request_conflicts_whatever_its_state() {
    for status in VerificationStatus::ALL {
        for (who, actor) in everyone() {
            let err = in_status(status).refused(actor, VerificationAction::Request(content()));
            assert_eq!(
                err,
                DomainError::conflict("verification request already exists"),
                "{status} {who}"
            );
        }
    }
}

/// Content that bypassed `parse`, each breaking one rule.
fn hand_built_breaches() -> Vec<(RequestContent, Vec<&'static str>)> {
    vec![
        (
            RequestContent {
                services: vec![],
                ..content()
            },
            vec!["services"],
        ),
        (
            RequestContent {
                services: vec![Service::Prototype, Service::ScaleUp, Service::Prototype],
                ..content()
            },
            vec!["services[1]", "services[2]"],
        ),
        (
            RequestContent {
                stage: Stage::PilotScale,
                ..content()
            },
            vec!["services[0]", "services[1]"],
        ),
        (
            RequestContent {
                trl_target: trl(4),
                ..content()
            },
            vec!["trl_target"],
        ),
        (
            RequestContent {
                trl_before: trl(7),
                ..content()
            },
            vec!["trl_target"],
        ),
        (
            RequestContent {
                budget_fen: 0,
                ..content()
            },
            vec!["budget_fen"],
        ),
        (
            RequestContent {
                budget_fen: MAX_FEN + 1,
                ..content()
            },
            vec!["budget_fen"],
        ),
        (
            RequestContent {
                schedule: Schedule {
                    start: date(2026, 8, 1),
                    end: date(2026, 7, 31),
                },
                ..content()
            },
            vec!["schedule.end"],
        ),
    ]
}

#[test]
fn request_rechecks_the_rules_on_hand_built_content() {
    for (bad, expected) in hand_built_breaches() {
        assert_eq!(
            fields(Story::new().refused(requester(), VerificationAction::Request(bad.clone()))),
            expected,
            "{bad:?}"
        );
        // The actor comes first: a non-researcher learns nothing about the content.
        assert_forbidden(
            Story::new().refused(provider(), VerificationAction::Request(bad)),
            "provider",
        );
    }
    // A schedule that has started by now is not re-checked: it was when the content was parsed.
    let mut s = Story::new();
    s.now = utc("2026-09-01T00:00:00Z");
    s.ok(requester(), VerificationAction::Request(content()));
}

// =============================================================================================
// Accept

#[test]
fn a_provider_of_the_organization_accepts_a_request_with_a_trimmed_note() {
    for (who, actor) in [
        ("provider", provider()),
        ("colleague", provider_colleague()),
    ] {
        let mut s = requested();
        let at = s.now;
        assert_eq!(
            s.ok(actor, accept(Some("  欢迎，下周启动。 "))),
            VerificationEvent::Accepted {
                note: Some("欢迎，下周启动。".into())
            },
            "{who}"
        );
        let r = s.request();
        assert_eq!(r.status, VerificationStatus::Accepted);
        assert_eq!(r.acceptance_note.as_deref(), Some("欢迎，下周启动。"));
        assert_eq!((r.created_at, r.updated_at), (t0(), at));
        assert_eq!(r.completed_at, None);
    }
}

#[test]
fn the_acceptance_note_is_optional_and_at_most_500_characters() {
    for blank in [None, Some(""), Some(" \n ")] {
        let mut s = requested();
        assert_eq!(
            s.ok(provider(), accept(blank)),
            VerificationEvent::Accepted { note: None },
            "{blank:?}"
        );
        assert_eq!(s.request().acceptance_note, None);
    }
    let mut s = requested();
    let long = "注".repeat(501);
    let err = s.refused(provider(), accept(Some(&long)));
    assert_eq!(fields(err.clone()), vec!["note"]);
    assert_eq!(message_of(&err, "note"), "must be at most 500 characters");
    assert_eq!(
        fields(s.refused(provider(), accept(Some("bell\u{7}")))),
        vec!["note"]
    );
    let at_most = "注".repeat(500);
    s.ok(provider(), accept(Some(&at_most)));
    assert_eq!(s.request().acceptance_note, Some(at_most));
}

#[test]
fn only_a_provider_of_the_requested_organization_accepts() {
    for (who, actor) in everyone_but(&PROVIDERS) {
        let err = requested().refused(actor, accept(None));
        assert_eq!(
            err,
            DomainError::forbidden("only a provider of the requested organization can accept"),
            "{who}"
        );
    }
}

#[test]
fn only_a_requested_verification_is_accepted() {
    use VerificationStatus as S;
    for status in [
        S::Accepted,
        S::Declined,
        S::InProgress,
        S::Completed,
        S::Cancelled,
    ] {
        let err = in_status(status).refused(provider(), accept(None));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "only a requested verification can be accepted; it is {status}"
            ))
        );
    }
}

#[test]
fn accept_checks_the_actor_then_the_status_then_the_note() {
    let long = "注".repeat(501);
    let mut s = in_status(VerificationStatus::Declined);
    assert_forbidden(s.refused(other_provider(), accept(Some(&long))), "other");
    assert_conflict(s.refused(provider(), accept(Some(&long))), "declined");
    assert_eq!(
        fields(requested().refused(provider(), accept(Some(&long)))),
        vec!["note"]
    );
}

// =============================================================================================
// Decline

#[test]
fn a_provider_of_the_organization_declines_a_request_with_a_reason() {
    for (who, actor) in [
        ("provider", provider()),
        ("colleague", provider_colleague()),
    ] {
        let mut s = requested();
        let at = s.now;
        assert_eq!(
            s.ok(actor, decline("  本季度排期已满 ")),
            VerificationEvent::Declined {
                reason: "本季度排期已满".into()
            },
            "{who}"
        );
        let r = s.request();
        assert_eq!(r.status, VerificationStatus::Declined);
        assert_eq!(r.decline_reason.as_deref(), Some("本季度排期已满"));
        assert_eq!(
            (r.acceptance_note.as_ref(), r.cancel_reason.as_ref()),
            (None, None)
        );
        assert_eq!(r.updated_at, at);
    }
}

#[test]
fn the_decline_reason_is_required_and_at_most_500_characters() {
    let mut s = requested();
    for bad in [
        "".to_string(),
        " \n ".to_string(),
        "因".repeat(501),
        "nul\u{0}".into(),
    ] {
        let err = s.refused(provider(), decline(&bad));
        assert_eq!(fields(err), vec!["reason"], "{bad:?}");
    }
    assert_eq!(
        message_of(&s.refused(provider(), decline("")), "reason"),
        "must not be empty"
    );
    s.ok(provider(), decline(&"因".repeat(500)));
    assert_eq!(
        s.request()
            .decline_reason
            .as_ref()
            .map(|r| r.chars().count()),
        Some(500)
    );
}

#[test]
fn only_a_provider_of_the_requested_organization_declines() {
    for (who, actor) in everyone_but(&PROVIDERS) {
        let err = requested().refused(actor, decline("no"));
        assert_eq!(
            err,
            DomainError::forbidden("only a provider of the requested organization can decline"),
            "{who}"
        );
    }
}

#[test]
fn only_a_requested_verification_is_declined() {
    use VerificationStatus as S;
    for status in [
        S::Accepted,
        S::Declined,
        S::InProgress,
        S::Completed,
        S::Cancelled,
    ] {
        let err = in_status(status).refused(provider(), decline("no"));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "only a requested verification can be declined; it is {status}"
            ))
        );
    }
}

#[test]
fn decline_checks_the_actor_then_the_status_then_the_reason() {
    let mut s = in_status(VerificationStatus::Accepted);
    assert_forbidden(s.refused(requester(), decline("")), "requester");
    assert_conflict(s.refused(provider(), decline("")), "accepted");
    assert_eq!(
        fields(requested().refused(provider(), decline(""))),
        vec!["reason"]
    );
}

// =============================================================================================
// ReportMilestone

#[test]
fn the_first_milestone_starts_the_work_and_later_ones_add_to_it() {
    let mut s = in_status(VerificationStatus::Accepted);
    let first_at = s.now;
    assert_eq!(
        s.ok(
            provider(),
            VerificationAction::ReportMilestone {
                milestone_id: M1,
                title: "  原理样机完成 ".into(),
                description: " 完成了三组低温循环测试。\n数据见附件。 ".into(),
                progress_percent: Some(40),
            }
        ),
        VerificationEvent::MilestoneReported {
            milestone: Milestone {
                id: M1,
                title: "原理样机完成".into(),
                description: "完成了三组低温循环测试。\n数据见附件。".into(),
                progress_percent: Some(40),
                reported_at: first_at,
            }
        }
    );
    assert_eq!(s.status(), VerificationStatus::InProgress);
    assert_eq!(s.request().updated_at, first_at);
    let second_at = s.now;
    s.ok(provider_colleague(), milestone(M2, "Second", None));
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::InProgress);
    assert_eq!(
        r.milestones.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![M1, M2]
    );
    assert_eq!(
        r.milestone(M2),
        Some(&Milestone {
            id: M2,
            title: "Second".into(),
            description: "".into(),
            progress_percent: None,
            reported_at: second_at,
        })
    );
    assert_eq!(r.milestone(Uuid::from_u128(0xA9)), None);
    assert_eq!(r.updated_at, second_at);
}

#[test]
fn only_a_provider_of_the_requested_organization_reports_milestones() {
    for status in [VerificationStatus::Accepted, VerificationStatus::InProgress] {
        for (who, actor) in everyone_but(&PROVIDERS) {
            let err = in_status(status).refused(actor, milestone(M2, "m", Some(50)));
            assert_eq!(
                err,
                DomainError::forbidden(
                    "only a provider of the requested organization can report a milestone"
                ),
                "{status} {who}"
            );
        }
    }
}

#[test]
fn milestones_are_reported_on_accepted_work_only() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Declined, S::Completed, S::Cancelled] {
        let err = in_status(status).refused(provider(), milestone(M2, "m", Some(50)));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "milestones are reported on accepted work; the request is {status}"
            ))
        );
    }
}

#[test]
fn a_milestone_id_is_reported_once() {
    let mut s = in_status(VerificationStatus::InProgress);
    let err = s.refused(provider(), milestone(M1, "Again", Some(20)));
    assert_eq!(
        err,
        DomainError::conflict(format!("milestone {M1} was already reported"))
    );
    assert_eq!(s.request().milestones.len(), 1);
}

#[test]
fn a_milestone_has_a_title_an_optional_description_and_a_progress_of_0_to_100() {
    let report = |title: String, description: String, progress_percent: Option<u8>| {
        VerificationAction::ReportMilestone {
            milestone_id: M2,
            title,
            description,
            progress_percent,
        }
    };
    let mut s = in_status(VerificationStatus::Accepted);
    for bad_title in ["".to_string(), " ".into(), "a\nb".into(), "标".repeat(201)] {
        assert_eq!(
            fields(s.refused(provider(), report(bad_title.clone(), "".into(), None))),
            vec!["title"],
            "{bad_title:?}"
        );
    }
    for bad_description in ["述".repeat(5001), "bell\u{7}".into()] {
        assert_eq!(
            fields(s.refused(provider(), report("t".into(), bad_description, None))),
            vec!["description"]
        );
    }
    for bad_progress in [101, 200, u8::MAX] {
        let err = s.refused(
            provider(),
            report("t".into(), "".into(), Some(bad_progress)),
        );
        assert_eq!(
            fields(err.clone()),
            vec!["progress_percent"],
            "{bad_progress}"
        );
        assert_eq!(
            message_of(&err, "progress_percent"),
            "must be between 0 and 100"
        );
    }
    // Every problem at once.
    assert_eq!(
        fields(s.refused(provider(), report("".into(), "述".repeat(5001), Some(101)))),
        vec!["title", "description", "progress_percent"]
    );
    // The boundaries are fine.
    for (n, progress) in [Some(0), Some(100), None].into_iter().enumerate() {
        let id = Uuid::from_u128(0xB0 + n as u128);
        s.ok(
            provider(),
            VerificationAction::ReportMilestone {
                milestone_id: id,
                title: "标".repeat(200),
                description: "述".repeat(5000),
                progress_percent: progress,
            },
        );
        let m = s.request().milestone(id).unwrap();
        assert_eq!(
            (
                m.title.chars().count(),
                m.description.chars().count(),
                m.progress_percent
            ),
            (200, 5000, progress)
        );
    }
}

#[test]
fn report_milestone_checks_the_actor_then_the_status_then_the_id_then_the_payload() {
    let bad = milestone(M1, "", Some(101));
    let mut done = in_status(VerificationStatus::Completed);
    assert_forbidden(done.refused(requester(), bad.clone()), "requester");
    assert_conflict(done.refused(provider(), bad.clone()), "accepted work");
    let mut running = in_status(VerificationStatus::InProgress);
    assert_conflict(running.refused(provider(), bad.clone()), "already reported");
    assert_eq!(
        fields(running.refused(provider(), milestone(M2, "", Some(101)))),
        vec!["title", "progress_percent"]
    );
}

// =============================================================================================
// Complete

#[test]
fn a_provider_completes_work_in_progress_with_a_raised_trl() {
    let mut s = in_status(VerificationStatus::InProgress);
    let at = s.now;
    assert_eq!(
        s.ok(
            provider_colleague(),
            complete(Outcome::Success, 6, "  原理验证通过，原型达到设计指标。 ")
        ),
        VerificationEvent::Completed {
            outcome: Outcome::Success,
            trl_after: trl(6),
            report: "原理验证通过，原型达到设计指标。".into(),
        }
    );
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::Completed);
    assert_eq!(
        (r.outcome, r.trl_after, r.report.as_deref()),
        (
            Some(Outcome::Success),
            Some(trl(6)),
            Some("原理验证通过，原型达到设计指标。")
        )
    );
    assert_eq!((r.completed_at, r.updated_at), (Some(at), at));
    assert_eq!(r.raised_trl(), Some(trl(6)));
}

#[test]
fn accepted_work_may_be_completed_without_milestones() {
    let mut s = in_status(VerificationStatus::Accepted);
    s.ok(provider(), complete(Outcome::Failure, 4, "原理不成立。"));
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::Completed);
    assert!(r.milestones.is_empty());
    assert_eq!(
        (r.outcome, r.trl_after),
        (Some(Outcome::Failure), Some(trl(4)))
    );
}

#[test]
fn only_a_provider_of_the_requested_organization_completes() {
    for status in [VerificationStatus::Accepted, VerificationStatus::InProgress] {
        for (who, actor) in everyone_but(&PROVIDERS) {
            let err = in_status(status).refused(actor, complete(Outcome::Success, 6, "r"));
            assert_eq!(
                err,
                DomainError::forbidden(
                    "only a provider of the requested organization can complete the work"
                ),
                "{status} {who}"
            );
        }
    }
}

#[test]
fn only_accepted_or_in_progress_work_is_completed() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Declined, S::Completed, S::Cancelled] {
        let err = in_status(status).refused(provider(), complete(Outcome::Success, 6, "r"));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "only accepted or in-progress work can be completed; the request is {status}"
            ))
        );
    }
}

#[test]
fn a_success_does_not_lower_the_trl_a_failure_may() {
    for lower in 1..=3 {
        let err = in_status(VerificationStatus::InProgress)
            .refused(provider(), complete(Outcome::Success, lower, "r"));
        assert_eq!(
            err,
            DomainError::invalid(
                "trl_after",
                "a successful verification does not lower the TRL"
            ),
            "{lower}"
        );
    }
    for (outcome, after) in [
        (Outcome::Success, 4),
        (Outcome::Success, 9),
        (Outcome::Failure, 4),
        (Outcome::Failure, 3),
        (Outcome::Failure, 1),
    ] {
        let mut s = in_status(VerificationStatus::InProgress);
        s.ok(provider(), complete(outcome, after, "r"));
        assert_eq!(
            (s.request().outcome, s.request().trl_after),
            (Some(outcome), Some(trl(after)))
        );
    }
}

#[test]
fn the_report_is_required_and_at_most_20000_characters() {
    let mut s = in_status(VerificationStatus::InProgress);
    for bad in [" ".to_string(), "报".repeat(20_001), "nul\u{0}".into()] {
        assert_eq!(
            fields(s.refused(provider(), complete(Outcome::Failure, 4, &bad))),
            vec!["report"]
        );
    }
    // Both problems at once.
    assert_eq!(
        fields(s.refused(provider(), complete(Outcome::Success, 2, ""))),
        vec!["trl_after", "report"]
    );
    s.ok(
        provider(),
        complete(Outcome::Success, 5, &"报\n".repeat(10_000)),
    );
    assert_eq!(
        s.request().report.as_ref().map(|r| r.chars().count()),
        Some(19_999)
    );
    let mut s = in_status(VerificationStatus::InProgress);
    s.ok(
        provider(),
        complete(Outcome::Success, 5, &"报".repeat(20_000)),
    );
}

#[test]
fn complete_checks_the_actor_then_the_status_then_the_payload() {
    let bad = complete(Outcome::Success, 1, "");
    let mut s = in_status(VerificationStatus::Requested);
    assert_forbidden(s.refused(platform_admin(), bad.clone()), "platform_admin");
    assert_conflict(s.refused(provider(), bad.clone()), "requested");
    assert_eq!(
        fields(in_status(VerificationStatus::Accepted).refused(provider(), bad)),
        vec!["trl_after", "report"]
    );
}

// =============================================================================================
// Cancel

#[test]
fn the_requester_cancels_before_the_work_is_done() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Accepted, S::InProgress] {
        let mut s = in_status(status);
        let at = s.now;
        let milestones = s.request().milestones.clone();
        assert_eq!(
            s.ok(requester(), cancel("  经费未获批 ")),
            VerificationEvent::Cancelled {
                reason: "经费未获批".into()
            }
        );
        let r = s.request();
        assert_eq!(r.status, S::Cancelled, "{status}");
        assert_eq!(r.cancel_reason.as_deref(), Some("经费未获批"));
        assert_eq!((r.updated_at, r.completed_at), (at, None));
        assert_eq!(r.milestones, milestones);
    }
}

#[test]
fn only_the_requester_cancels() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Accepted, S::InProgress] {
        for (who, actor) in everyone_but(&["requester"]) {
            let err = in_status(status).refused(actor, cancel("r"));
            assert_eq!(
                err,
                DomainError::forbidden("only the requester can cancel a verification request"),
                "{status} {who}"
            );
        }
    }
}

#[test]
fn finished_requests_cannot_be_cancelled() {
    use VerificationStatus as S;
    for status in [S::Declined, S::Completed, S::Cancelled] {
        let err = in_status(status).refused(requester(), cancel("r"));
        assert_eq!(
            err,
            DomainError::conflict(format!("a {status} request cannot be cancelled"))
        );
    }
}

#[test]
fn the_cancel_reason_is_required_and_at_most_500_characters() {
    let mut s = in_status(VerificationStatus::Accepted);
    for bad in [
        "".to_string(),
        "\n".into(),
        "因".repeat(501),
        "bell\u{7}".into(),
    ] {
        assert_eq!(
            fields(s.refused(requester(), cancel(&bad))),
            vec!["reason"],
            "{bad:?}"
        );
    }
    s.ok(requester(), cancel(&"因".repeat(500)));
    assert_eq!(s.status(), VerificationStatus::Cancelled);
}

#[test]
fn cancel_checks_the_actor_then_the_status_then_the_reason() {
    let mut s = in_status(VerificationStatus::Completed);
    assert_forbidden(s.refused(provider(), cancel("")), "provider");
    assert_conflict(s.refused(requester(), cancel("")), "completed");
    assert_eq!(
        fields(requested().refused(requester(), cancel(""))),
        vec!["reason"]
    );
}

// =============================================================================================
// The transition table, in one place

#[test]
fn each_action_is_allowed_exactly_in_its_states() {
    use VerificationStatus as S;
    let allowed = |action: &VerificationAction| -> (Actor, Vec<S>) {
        match action {
            VerificationAction::Request(_) => (requester(), vec![]),
            VerificationAction::Accept { .. } | VerificationAction::Decline { .. } => {
                (provider(), vec![S::Requested])
            }
            VerificationAction::ReportMilestone { .. } | VerificationAction::Complete { .. } => {
                (provider(), vec![S::Accepted, S::InProgress])
            }
            VerificationAction::Cancel { .. } => {
                (requester(), vec![S::Requested, S::Accepted, S::InProgress])
            }
        }
    };
    for action in every_action() {
        let (actor, states) = allowed(&action);
        for status in VerificationStatus::ALL {
            let mut s = in_status(status);
            // The milestone of `in_status(InProgress)` is M1; report another one.
            let action = match action.clone() {
                VerificationAction::ReportMilestone { .. } => milestone(M2, "m", None),
                other => other,
            };
            let result = s.try_run(actor, action.clone());
            assert_eq!(
                result.is_ok(),
                states.contains(&status),
                "{action:?} in {status}: {result:?}"
            );
            if let Err(err) = result {
                assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
            }
        }
    }
}

// =============================================================================================
// A whole story, and timestamps

#[test]
fn a_concept_verification_from_request_to_a_raised_trl() {
    let mut s = requested();
    s.ok(provider(), accept(Some("OK")));
    s.ok(provider(), milestone(M1, "原理验证", Some(50)));
    s.ok(provider_colleague(), milestone(M2, "原型", Some(100)));
    let last = s.now;
    s.ok(provider(), complete(Outcome::Success, 7, "达到 TRL 7"));
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::Completed);
    assert_eq!(r.acceptance_note.as_deref(), Some("OK"));
    assert_eq!(r.milestones.len(), 2);
    assert_eq!(r.created_at, t0());
    assert_eq!((r.completed_at, r.updated_at), (Some(last), last));
    assert_eq!(last, t0() + TimeDelta::hours(4));
    assert_eq!(r.raised_trl(), Some(trl(7)));
    assert_eq!(r.content.trl_before, trl(4));
}

#[test]
fn every_event_moves_updated_at_to_its_recorded_instant() {
    let mut state = VerificationRequest::apply_event(
        VerificationState::default(),
        Recorded {
            actor: requester(),
            at: t0(),
            event: all_events().remove(0),
        },
    );
    for (n, event) in all_events().into_iter().skip(1).enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64 + 1);
        state = VerificationRequest::apply_event(
            state,
            Recorded {
                actor: provider(),
                at,
                event: event.clone(),
            },
        );
        let r = state.request.as_ref().unwrap();
        assert_eq!((r.created_at, r.updated_at), (t0(), at), "{}", event.name());
        if let VerificationEvent::Completed { .. } = event {
            assert_eq!(r.completed_at, Some(at));
        }
    }
}

#[test]
fn a_milestone_replayed_outside_accepted_work_keeps_the_status() {
    // Replaying the log exactly: only accepted work moves to in_progress.
    let mut state = in_status(VerificationStatus::Requested).state;
    state = VerificationRequest::apply_event(
        state,
        Recorded {
            actor: provider(),
            at: t0(),
            event: VerificationEvent::MilestoneReported {
                milestone: sample_milestone(),
            },
        },
    );
    let r = state.request.unwrap();
    assert_eq!(r.status, VerificationStatus::Requested);
    assert_eq!(r.milestones, vec![sample_milestone()]);
}

// =============================================================================================
// Events and enums: names, serde

fn sample_milestone() -> Milestone {
    Milestone {
        id: M1,
        title: "原型".into(),
        description: "".into(),
        progress_percent: Some(60),
        reported_at: t0(),
    }
}

fn all_events() -> Vec<VerificationEvent> {
    vec![
        VerificationEvent::Requested {
            requester_id: requester().user_id,
            requester_organization_id: Some(LAB),
            content: content(),
        },
        VerificationEvent::Accepted {
            note: Some("ok".into()),
        },
        VerificationEvent::MilestoneReported {
            milestone: sample_milestone(),
        },
        VerificationEvent::Completed {
            outcome: Outcome::Success,
            trl_after: trl(6),
            report: "done".into(),
        },
        VerificationEvent::Declined {
            reason: "busy".into(),
        },
        VerificationEvent::Cancelled {
            reason: "money".into(),
        },
    ]
}

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(VerificationEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "requested",
            "accepted",
            "milestone_reported",
            "completed",
            "declined",
            "cancelled"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            <VerificationEvent as crate::domain::DomainEvent>::name(&event),
            event.name()
        );
        assert_eq!(
            serde_json::from_value::<VerificationEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: provider(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<VerificationEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    let shapes = [
        json!({
            "type": "requested",
            "requester_id": requester().user_id,
            "requester_organization_id": LAB,
            "content": {
                "stage": "concept_verification",
                "listing_id": LISTING,
                "provider_organization_id": CENTRE,
                "services": ["principle_validation", "prototype"],
                "trl_before": 4,
                "trl_target": 6,
                "budget_fen": 50_000_000,
                "funding_source": "government",
                "schedule": {"start": "2026-07-01", "end": "2026-12-31"},
                "description": "验证钠离子电池低温电解液的原理并制作原型。"
            }
        }),
        json!({"type": "accepted", "note": "ok"}),
        json!({"type": "milestone_reported", "milestone": {
            "id": M1, "title": "原型", "description": "", "progress_percent": 60,
            "reported_at": "2026-06-01T01:00:00Z"
        }}),
        json!({"type": "completed", "outcome": "success", "trl_after": 6, "report": "done"}),
        json!({"type": "declined", "reason": "busy"}),
        json!({"type": "cancelled", "reason": "money"}),
    ];
    for (event, shape) in all_events().into_iter().zip(shapes) {
        assert_eq!(serde_json::to_value(&event).unwrap(), shape);
    }
    assert_eq!(
        serde_json::to_value(VerificationEvent::Accepted { note: None }).unwrap(),
        json!({"type": "accepted", "note": null})
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let s = in_status(VerificationStatus::Completed);
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<VerificationState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(VerificationState::default()).unwrap(),
        json!({"request": null})
    );
    let value = serde_json::to_value(&s.state).unwrap();
    assert_eq!(value["request"]["status"], "completed");
    assert_eq!(value["request"]["outcome"], "success");
    assert_eq!(value["request"]["trl_after"], 6);
    assert_eq!(value["request"]["milestones"][0]["id"], json!(M1));
}

#[test]
fn actions_round_trip_through_json() {
    for action in every_action() {
        let value = serde_json::to_value(&action).unwrap();
        assert_eq!(
            serde_json::from_value::<VerificationAction>(value).unwrap(),
            action
        );
    }
    assert_eq!(
        serde_json::to_value(accept(None)).unwrap(),
        json!({"type": "accept", "note": null})
    );
}

#[test]
fn enums_serialize_as_snake_case_and_parse_back() {
    for stage in Stage::ALL {
        assert_eq!(serde_json::to_value(stage).unwrap(), stage.as_str());
        assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        assert_eq!(stage.to_string(), stage.as_str());
    }
    assert_eq!(
        Stage::ALL.map(Stage::as_str),
        ["concept_verification", "pilot_scale"]
    );
    for service in Service::ALL {
        assert_eq!(serde_json::to_value(service).unwrap(), service.as_str());
        assert_eq!(Service::parse(service.as_str()), Some(service));
        assert_eq!(service.to_string(), service.as_str());
    }
    assert_eq!(
        Service::ALL.map(Service::as_str),
        [
            "principle_validation",
            "feasibility_assessment",
            "prototype",
            "scenario_validation",
            "commercial_validation",
            "maturity_assessment",
            "trial_production",
            "scenario_testing",
            "scale_up",
            "process_validation",
        ]
    );
    for status in VerificationStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(VerificationStatus::parse(status.as_str()), Some(status));
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(
        VerificationStatus::ALL.map(VerificationStatus::as_str),
        [
            "requested",
            "accepted",
            "declined",
            "in_progress",
            "completed",
            "cancelled"
        ]
    );
    assert_eq!(
        VerificationStatus::ALL.map(VerificationStatus::is_final),
        [false, false, true, false, true, true]
    );
    for outcome in Outcome::ALL {
        assert_eq!(serde_json::to_value(outcome).unwrap(), outcome.as_str());
        assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
        assert_eq!(outcome.to_string(), outcome.as_str());
    }
    assert_eq!(Outcome::ALL.map(Outcome::as_str), ["success", "failure"]);
    for source in FundingSource::ALL {
        assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        assert_eq!(FundingSource::parse(source.as_str()), Some(source));
        assert_eq!(source.to_string(), source.as_str());
    }
    assert_eq!(
        FundingSource::ALL.map(FundingSource::as_str),
        ["self_funded", "government", "enterprise", "mixed"]
    );
    assert_eq!(Stage::parse("PilotScale"), None);
    assert_eq!(Service::parse("sample_trial"), None);
    assert_eq!(VerificationStatus::parse("in-progress"), None);
    assert_eq!(Outcome::parse("partial"), None);
    assert_eq!(FundingSource::parse("self"), None);
}

#[test]
fn the_global_log_names_verification_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: provider(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), provider());
    }
    assert_eq!(VerificationRequest::NAME, "verification_request");
}

// =============================================================================================
// Roles, visibility and the TRL a request raises

/// Who passes `check` on the request of `s`, among anonymous + everyone.
fn who_passes(
    s: &Story,
    check: impl Fn(&VerificationData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.request(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.request(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

#[test]
fn a_request_is_visible_to_its_requester_the_providers_and_the_platform_admins_in_every_state() {
    for status in VerificationStatus::ALL {
        assert_eq!(
            who_passes(&in_status(status), VerificationData::is_visible_to),
            vec![
                "requester",
                "provider",
                "provider_colleague",
                "platform_admin",
                "system"
            ],
            "{status}"
        );
    }
}

#[test]
fn requester_and_provider_are_told_apart() {
    let s = requested();
    assert_eq!(
        who_passes(&s, |r, a| a.is_some_and(|a| r.is_requester(a))),
        vec!["requester"]
    );
    assert_eq!(
        who_passes(&s, |r, a| a.is_some_and(|a| r.is_provider(a))),
        vec!["provider", "provider_colleague"]
    );
}

#[test]
fn raised_trl_is_the_trl_after_of_a_success_above_the_trl_before() {
    let completed = |outcome: Outcome, after: i64| {
        let mut s = in_status(VerificationStatus::InProgress);
        s.ok(provider(), complete(outcome, after, "r"));
        s.request().raised_trl()
    };
    assert_eq!(completed(Outcome::Success, 5), Some(trl(5)));
    assert_eq!(completed(Outcome::Success, 9), Some(trl(9)));
    assert_eq!(completed(Outcome::Success, 4), None);
    assert_eq!(completed(Outcome::Failure, 4), None);
    assert_eq!(completed(Outcome::Failure, 2), None);
    // A failure that claims a higher level is refused outright.
    let mut s = in_status(VerificationStatus::InProgress);
    assert_eq!(
        fields(s.refused(provider(), complete(Outcome::Failure, 6, "r"))),
        ["trl_after"]
    );
    use VerificationStatus as S;
    for status in [
        S::Requested,
        S::Accepted,
        S::Declined,
        S::InProgress,
        S::Cancelled,
    ] {
        assert_eq!(in_status(status).request().raised_trl(), None, "{status}");
    }
}

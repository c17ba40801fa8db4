//! The listing's unit tests: the fixtures every topic shares, then one file per topic.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::reference::sample;
use crate::domain::testing::cast::{
    self, enterprise, institution_admin, other_institution_admin, platform_admin, provider,
    registrar, statistician, tech_manager, LAB, UNIVERSITY,
};
use crate::domain::testing::{fields, utc};
use crate::domain::{Actor, DomainError};

mod contracts;
mod events;
mod lifecycle;
mod parse;
mod parse_terms;
mod review;
mod trl_and_transfer;
mod visibility;
mod withdraw_and_notice;

// ---------------------------------------------------------------------------------------------
// Cast: the owner works in a lab; job-related listings belong to the university above it, so
// "member of the owner's organization" and "admin of the owning institution" stay distinguishable.

const CONTRACT: Uuid = Uuid::from_u128(0xC0);
const VERIFICATION: Uuid = Uuid::from_u128(0xF1);

fn owner() -> Actor {
    cast::researcher()
}
fn colleague() -> Actor {
    cast::lab_colleague()
}
fn stranger() -> Actor {
    cast::outsider_researcher()
}

/// Everyone with a name, so a failing assertion says who.
fn everyone() -> Vec<(&'static str, Actor)> {
    vec![
        ("owner", owner()),
        ("colleague", colleague()),
        ("stranger", stranger()),
        ("tech_manager", tech_manager()),
        ("institution_admin", institution_admin()),
        ("other_institution_admin", other_institution_admin()),
        ("enterprise", enterprise()),
        ("provider", provider()),
        ("registrar", registrar()),
        ("statistician", statistician()),
        ("platform_admin", platform_admin()),
    ]
}

fn everyone_but(allowed: &[&str]) -> Vec<(&'static str, Actor)> {
    cast::all_but(everyone(), allowed)
}

fn t0() -> DateTime<Utc> {
    utc("2024-03-01T09:00:00Z")
}

fn trl(n: i64) -> Trl {
    Trl::parse("trl", n).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Inputs

fn inventor(name: &str, user_id: Option<Uuid>, share_percent: f64) -> InventorInput {
    InventorInput {
        name: name.into(),
        user_id,
        share_percent,
    }
}

fn ip(kind: &str, number: &str) -> IpRightInput {
    IpRightInput {
        kind: kind.into(),
        number: number.into(),
        status: IpStatus::Granted,
    }
}

fn input() -> ListingInput {
    ListingInput {
        title: "  Sulfide solid electrolyte for sodium batteries ".into(),
        summary: " 一种用于钠离子电池的硫化物固态电解质。 ".into(),
        confidential_detail: Some("Sinter at 450 °C under argon for 6 h.".into()),
        field: "new_energy".into(),
        keywords: vec!["sodium battery".into(), " electrolyte ".into()],
        ip_rights: vec![ip("invention_patent", "ZL202310001234.5")],
        trl: 4,
        job_related: false,
        institution_id: None,
        inventors: vec![
            inventor("张三", Some(owner().user_id), 60.5),
            inventor(" 李四 ", None, 39.5),
        ],
        transfer_modes: vec![TransferMode::Assignment, TransferMode::ExclusiveLicense],
        pricing_mode: PricingMode::Negotiated,
        asking_price_fen: None,
        region: "500106".into(),
    }
}

fn job_input() -> ListingInput {
    ListingInput {
        job_related: true,
        institution_id: Some(UNIVERSITY),
        ..input()
    }
}

fn parse(input: ListingInput) -> Result<ListingContent, DomainError> {
    ListingContent::parse(input, &sample())
}

fn content(job: bool) -> ListingContent {
    parse(if job { job_input() } else { input() }).unwrap()
}

fn invalid(input: ListingInput) -> Vec<String> {
    fields(parse(input).expect_err("input should be refused"))
}

// ---------------------------------------------------------------------------------------------
// Stories: a sequence of commands folded through handle_command and apply_event.

type Story = crate::domain::testing::Story<Listing>;

/// A story on no listing yet, from `t0`, the clock moving an hour per accepted command.
fn story() -> Story {
    Story::starting(t0()).stepping(TimeDelta::hours(1))
}

impl Story {
    fn listing(&self) -> &ListingData {
        self.state.listing.as_ref().expect("the listing exists")
    }

    fn status(&self) -> ListingStatus {
        self.listing().status
    }
}

fn reviewer(job: bool) -> Actor {
    if job {
        institution_admin()
    } else {
        tech_manager()
    }
}

fn draft_of(content: ListingContent) -> Story {
    let mut s = story();
    s.ok(owner(), ListingAction::Create(content));
    s
}

fn in_status_of(content: ListingContent, status: ListingStatus) -> Story {
    let job = content.job_related;
    let mut s = draft_of(content);
    if status == ListingStatus::Draft {
        return s;
    }
    s.ok(owner(), ListingAction::Submit);
    match status {
        ListingStatus::Draft | ListingStatus::UnderReview => {}
        ListingStatus::Returned => {
            s.ok(
                reviewer(job),
                ListingAction::Return {
                    reasons: vec!["add test data".into()],
                },
            );
        }
        ListingStatus::Published | ListingStatus::Withdrawn | ListingStatus::Transferred => {
            s.ok(reviewer(job), ListingAction::Publish);
            if status == ListingStatus::Withdrawn {
                s.ok(owner(), ListingAction::Withdraw { reason: None });
            } else if status == ListingStatus::Transferred {
                s.ok(
                    registrar(),
                    ListingAction::MarkTransferred {
                        contract_id: CONTRACT,
                    },
                );
            }
        }
    }
    assert_eq!(s.status(), status);
    s
}

fn in_status(status: ListingStatus, job: bool) -> Story {
    in_status_of(content(job), status)
}

fn statuses_except(allowed: &[ListingStatus]) -> Vec<ListingStatus> {
    ListingStatus::ALL
        .iter()
        .copied()
        .filter(|s| !allowed.contains(s))
        .collect()
}

fn every_action_but_create() -> Vec<ListingAction> {
    vec![
        ListingAction::Revise(content(false)),
        ListingAction::Submit,
        ListingAction::Publish,
        ListingAction::Return {
            reasons: vec!["x".into()],
        },
        ListingAction::Withdraw { reason: None },
        ListingAction::StartPriceNotice {
            days: 15,
            shortest: 1,
        },
        ListingAction::ReviseTrl {
            trl: trl(5),
            source: None,
        },
        ListingAction::MarkTransferred {
            contract_id: CONTRACT,
        },
    ]
}

fn return_with(reasons: &[&str]) -> ListingAction {
    ListingAction::Return {
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    }
}

fn notice(days: u32) -> ListingAction {
    ListingAction::StartPriceNotice { days, shortest: 1 }
}

fn all_events() -> Vec<ListingEvent> {
    vec![
        ListingEvent::Created {
            owner_id: owner().user_id,
            owner_organization_id: Some(LAB),
            content: content(true),
        },
        ListingEvent::Revised {
            content: content(true),
        },
        ListingEvent::Submitted,
        ListingEvent::Published,
        ListingEvent::Returned {
            reasons: vec!["a".into(), "b".into()],
        },
        ListingEvent::Withdrawn {
            reason: Some("r".into()),
        },
        ListingEvent::PriceNoticeStarted {
            starts_at: t0(),
            ends_at: t0() + TimeDelta::days(15),
        },
        ListingEvent::TrlRevised {
            from: trl(4),
            to: trl(6),
            source: Some(VERIFICATION),
        },
        ListingEvent::Transferred {
            contract_id: CONTRACT,
        },
    ]
}

//! The ownership grant told as stories: the terms applied for, then one file per stage of a
//! grant's life (application, review and notice, objections, the grant, its term, revocation,
//! withdrawal, distribution), then what is in force when, the codes, and who sees what.
//!
//! This file holds the cast, the clock and the ready-made stories; `fixtures` the inputs and
//! one builder per command.

mod apply;
mod codes;
mod distribution;
mod fixtures;
mod grant;
mod in_force;
mod objections;
mod review;
mod revoke;
mod term;
mod terms;
mod visibility;
mod withdraw;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use self::fixtures::*;
use super::*;
use crate::domain::testing::cast::{
    all_but, enterprise, platform_admin, provider, registrar, statistician, system, tech_manager,
};
use crate::domain::testing::{self, assert_forbidden, cast, morning, utc};
use crate::domain::{Actor, Role};

// ---------------------------------------------------------------------------------------------
// Cast: a lab owns a job-related achievement listed by one of its researchers; the researcher
// applies for the team with an inventor and a colleague. The lab's technology-transfer office
// decides; everyone else looks on, objects, or tries their luck. The lab is the institution
// here because a researcher applies only through the organization they belong to.

const INSTITUTION: Uuid = cast::LAB;
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

/// Owns the listing.
fn applicant() -> Actor {
    cast::researcher()
}
/// One of the listing's inventors.
fn inventor() -> Actor {
    cast::lab_colleague()
}
/// On the team, but neither owner nor inventor of the listing.
fn colleague() -> Actor {
    cast::person(15, Role::Researcher, Some(INSTITUTION))
}
/// The technology-transfer office of the institution.
fn office() -> Actor {
    cast::lab_admin()
}
fn other_office() -> Actor {
    cast::other_institution_admin()
}
/// A researcher of another institution, listed as an inventor too.
fn outsider() -> Actor {
    cast::outsider_researcher()
}
/// A researcher of the institution with nothing to do with this listing.
fn bystander() -> Actor {
    cast::person(16, Role::Researcher, Some(INSTITUTION))
}
/// An institution admin without an organization.
fn loose_admin() -> Actor {
    cast::person(17, Role::InstitutionAdmin, None)
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

// ---------------------------------------------------------------------------------------------
// Clock

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn apply_at() -> DateTime<Utc> {
    morning("2026-10-08")
}

fn notice_start() -> DateTime<Utc> {
    utc("2026-10-20T02:00:00Z")
}

fn notice_end() -> DateTime<Utc> {
    utc("2026-11-19T02:00:00Z")
}

/// 00:30 on 2026-11-21 in China, still 2026-11-20 in UTC.
fn grant_at() -> DateTime<Utc> {
    utc("2026-11-20T16:30:00Z")
}

// ---------------------------------------------------------------------------------------------
// Stories: commands folded through handle_command and apply_event by the shared harness.

type Story = testing::Story<OwnershipGrant>;

/// A story from the day of the application; the clock moves only when a test moves it.
fn story() -> Story {
    Story::starting(apply_at())
}

impl Story {
    /// Moves the clock to 09:00 in China on `day`.
    fn on(&mut self, day: &str) -> &mut Self {
        self.at(morning(day))
    }

    fn grant(&self) -> &GrantData {
        self.state.grant.as_ref().expect("the grant exists")
    }

    fn status(&self) -> GrantStatus {
        self.grant().status
    }
}

fn applied_with(terms: GrantTerms) -> Story {
    let mut s = story();
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
    for (who, actor) in all_but(everyone(), &["office"]) {
        assert_forbidden(story.refused(actor, action.clone()), who);
    }
}

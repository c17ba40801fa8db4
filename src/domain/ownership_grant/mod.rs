//! Ownership grants for job-related inventions (职务科技成果赋权): an institution gives its
//! research team co-ownership of a job-related achievement (institution % + team %), or a
//! long-term right to use it (at least 10 years), and agrees how the net income from it is shared.
//!
//! applied → approved | rejected → in_notice (公示; objections raised and resolved; an upheld
//! objection rejects) → granted → registry_changed (the patent office's record) → expired (by
//! itself, when the term ends) | revoked. The applicant may withdraw until the grant.
//! A granted term may be extended; while the grant was in force, each payment received under a
//! registered contract for the listing is distributed between institution, team and members.
//!
//! The aggregate sees nothing outside its stream: the listing and the contract payment it judges
//! arrive in the command as snapshots ([`ListingFacts`], [`ContractPayment`]) that the route
//! loads. That only one grant per listing is live at a time is kept by the register's unique
//! index, in the same transaction as the append.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::calendar::china_date;
use super::contract::{ContractStatus, Payment};
use super::error::{require, require_state, Validation};
use super::share::{parse_percent, percent_text, split_fen, FULL_BP};
use super::text::{clean, optional};
use super::{Actor, Command, DomainError, DomainEvent, Recorded, Role};

#[cfg(test)]
mod tests;

/// A long-term usage right runs at least this many years.
pub const MIN_USAGE_YEARS: u32 = 10;
/// No term (or extension) reaches further than this many years from the grant.
pub const MAX_TERM_YEARS: u32 = 50;
/// Where no income split was agreed, at least half of the net income goes to the team (促进科技
/// 成果转化法 第四十五条); the platform applies exactly that floor.
pub const STATUTORY_TEAM_INCOME_BP: u32 = 5_000;
pub const NOTICE_DAYS_MAX: u32 = 365;
pub const TEAM_MAX: usize = 50;
const STATEMENT_MAX: usize = 5_000;
const REASON_MAX: usize = 2_000;
const REASONS_MAX: usize = 20;
const RECORD_NUMBER_MAX: usize = 64;
const NOTE_MAX: usize = 500;

/// The ownership-grant aggregate (esrs name `ownership_grant`).
pub struct OwnershipGrant;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantState {
    /// `None` until `Applied`.
    pub grant: Option<GrantData>,
}

impl super::Visibility for GrantState {
    fn is_visible_to(&self, actor: &Actor) -> bool {
        self.grant
            .as_ref()
            .is_some_and(|d| d.is_visible_to(Some(actor)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// Co-ownership: the institution keeps its share, the team holds the rest.
    OwnershipShare,
    /// The institution keeps ownership; the team holds a long-term right to use the achievement.
    UsageRight,
}

impl GrantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::OwnershipShare => "ownership_share",
            GrantKind::UsageRight => "usage_right",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    Applied,
    Approved,
    Rejected,
    /// 公示: the public notice is running or has run; objections are heard here.
    InNotice,
    Granted,
    /// Granted, and the patent office's record of the change is on file.
    RegistryChanged,
    Expired,
    Revoked,
    Withdrawn,
}

impl GrantStatus {
    pub const ALL: [GrantStatus; 9] = [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::Rejected,
        GrantStatus::InNotice,
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
        GrantStatus::Expired,
        GrantStatus::Revoked,
        GrantStatus::Withdrawn,
    ];

    /// Statuses in which the grant blocks another for the same listing: under way or in force.
    pub const LIVE: [GrantStatus; 5] = [
        GrantStatus::Applied,
        GrantStatus::Approved,
        GrantStatus::InNotice,
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Applied => "applied",
            GrantStatus::Approved => "approved",
            GrantStatus::Rejected => "rejected",
            GrantStatus::InNotice => "in_notice",
            GrantStatus::Granted => "granted",
            GrantStatus::RegistryChanged => "registry_changed",
            GrantStatus::Expired => "expired",
            GrantStatus::Revoked => "revoked",
            GrantStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<GrantStatus> {
        GrantStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_live(self) -> bool {
        GrantStatus::LIVE.contains(&self)
    }

    /// Granted and not yet ended.
    pub const IN_FORCE: [GrantStatus; 2] = [GrantStatus::Granted, GrantStatus::RegistryChanged];

    pub fn is_in_force(self) -> bool {
        GrantStatus::IN_FORCE.contains(&self)
    }

    /// Was granted at some point (payments received while it was in force can be distributed).
    pub const EVER_GRANTED: [GrantStatus; 4] = [
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ];

    pub fn was_granted(self) -> bool {
        GrantStatus::EVER_GRANTED.contains(&self)
    }

    /// From the public notice on, the grant is public: anyone signed in may read its terms.
    pub const PUBLIC: [GrantStatus; 5] = [
        GrantStatus::InNotice,
        GrantStatus::Granted,
        GrantStatus::RegistryChanged,
        GrantStatus::Expired,
        GrantStatus::Revoked,
    ];

    pub fn is_public(self) -> bool {
        GrantStatus::PUBLIC.contains(&self)
    }
}

impl fmt::Display for GrantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member of the research team and their part of the team's share (basis points; all members
/// sum to 100%). `name` is the user's display name when the application was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub user_id: Uuid,
    pub name: String,
    pub share_bp: u32,
}

/// How net income is shared: the team's part, and whether it was agreed or is the statutory floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeSplit {
    pub team_bp: u32,
    pub agreed: bool,
}

impl IncomeSplit {
    pub fn institution_bp(&self) -> u32 {
        FULL_BP - self.team_bp
    }
}

/// The terms applied for, noticed publicly and granted unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantTerms {
    pub kind: GrantKind,
    /// Ownership the institution keeps: 100% for a usage right.
    pub institution_share_bp: u32,
    /// Ownership the team holds: 0 for a usage right.
    pub team_share_bp: u32,
    /// Years from the grant date; required (at least 10) for a usage right, optional for a share.
    pub term_years: Option<u32>,
    pub team: Vec<TeamMember>,
    pub income: IncomeSplit,
    pub statement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberInput {
    pub user_id: Uuid,
    pub share_percent: f64,
}

/// The application as it arrives in a JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub listing_id: Uuid,
    pub kind: GrantKind,
    #[serde(default)]
    pub institution_share_percent: Option<f64>,
    #[serde(default)]
    pub team_share_percent: Option<f64>,
    #[serde(default)]
    pub term_years: Option<i64>,
    pub team: Vec<TeamMemberInput>,
    /// The agreed part of net income for the team; left out, the statutory floor applies.
    #[serde(default)]
    pub team_income_percent: Option<f64>,
    #[serde(default)]
    pub statement: Option<String>,
}

impl GrantTerms {
    /// Validates an application, reporting every invalid field at once. `users` holds the
    /// display name of each team member who is a user of the platform (the route looks them
    /// up); a member missing from it is refused.
    pub fn parse(input: &GrantInput, users: &HashMap<Uuid, String>) -> Result<Self, DomainError> {
        let mut v = Validation::new();
        let (institution_share_bp, team_share_bp) = match input.kind {
            GrantKind::OwnershipShare => {
                let inst = match input.institution_share_percent {
                    Some(p) => v.take(parse_percent("institution_share_percent", p, true)),
                    None => {
                        v.push(
                            "institution_share_percent",
                            "is required for an ownership share",
                        );
                        None
                    }
                };
                let team = match input.team_share_percent {
                    Some(p) => v.take(parse_percent("team_share_percent", p, false)),
                    None => {
                        v.push("team_share_percent", "is required for an ownership share");
                        None
                    }
                };
                match (inst, team) {
                    (Some(i), Some(t)) if i + t != FULL_BP => {
                        v.push(
                            "team_share_percent",
                            format!(
                                "the institution's and the team's shares must sum to 100%, they sum to {}",
                                percent_text(u64::from(i + t))
                            ),
                        );
                        (i, t)
                    }
                    (i, t) => (i.unwrap_or(0), t.unwrap_or(0)),
                }
            }
            GrantKind::UsageRight => {
                for (field, given) in [
                    ("institution_share_percent", input.institution_share_percent),
                    ("team_share_percent", input.team_share_percent),
                ] {
                    if given.is_some() {
                        v.push(
                            field,
                            "applies only to an ownership share: with a usage right the institution keeps full ownership",
                        );
                    }
                }
                (FULL_BP, 0)
            }
        };
        let term_years = check_term_years(&mut v, input.kind, input.term_years);
        let team = parse_team(&mut v, &input.team, users);
        let income = match input.team_income_percent {
            Some(p) => v
                .take(parse_percent("team_income_percent", p, false))
                .map(|team_bp| IncomeSplit {
                    team_bp,
                    agreed: true,
                }),
            None => Some(IncomeSplit {
                team_bp: STATUTORY_TEAM_INCOME_BP,
                agreed: false,
            }),
        };
        let statement = input
            .statement
            .as_deref()
            .and_then(|s| v.take(clean("statement", s, 0, STATEMENT_MAX)))
            .filter(|s| !s.is_empty());
        v.finish()?;
        Ok(GrantTerms {
            kind: input.kind,
            institution_share_bp,
            team_share_bp,
            term_years,
            team,
            income: income.expect("an invalid income split recorded a field error"),
            statement,
        })
    }

    /// The rules of [`GrantTerms::parse`] that need no lookup, re-checked at application because
    /// the fields are public and terms could be built by hand.
    fn check_rules(&self) -> Result<(), DomainError> {
        let mut v = Validation::new();
        match self.kind {
            GrantKind::OwnershipShare => {
                v.check(
                    self.team_share_bp > 0,
                    "team_share_percent",
                    "must be more than 0",
                );
                v.check(
                    u64::from(self.institution_share_bp) + u64::from(self.team_share_bp)
                        == u64::from(FULL_BP),
                    "team_share_percent",
                    "the institution's and the team's shares must sum to 100%",
                );
            }
            GrantKind::UsageRight => v.check(
                self.institution_share_bp == FULL_BP && self.team_share_bp == 0,
                "kind",
                "with a usage right the institution keeps full ownership",
            ),
        }
        check_term_years(&mut v, self.kind, self.term_years.map(i64::from));
        let total: u64 = self.team.iter().map(|m| u64::from(m.share_bp)).sum();
        v.check(
            self.team.len() <= TEAM_MAX,
            "team",
            format!("must have at most {TEAM_MAX} members"),
        );
        if let Some(statement) = &self.statement {
            if let Err(e) = clean("statement", statement, 1, STATEMENT_MAX) {
                v.push(e.field, e.message);
            }
        }
        if self.team.is_empty() {
            v.push("team", "must name at least one member");
        } else if total != u64::from(FULL_BP) || self.team.iter().any(|m| m.share_bp == 0) {
            v.push(
                "team",
                "members' shares must each be more than 0 and sum to 100%",
            );
        }
        for (i, m) in self.team.iter().enumerate() {
            if self.team[..i].iter().any(|o| o.user_id == m.user_id) {
                v.push(
                    format!("team[{i}].user_id"),
                    "names the same user as an earlier member",
                );
            }
        }
        v.check(
            self.income.team_bp > 0 && self.income.team_bp <= FULL_BP,
            "team_income_percent",
            "must be more than 0 and at most 100",
        );
        v.finish()
    }

    pub fn member(&self, user_id: Uuid) -> Option<&TeamMember> {
        self.team.iter().find(|m| m.user_id == user_id)
    }
}

fn check_term_years(v: &mut Validation, kind: GrantKind, years: Option<i64>) -> Option<u32> {
    let max = i64::from(MAX_TERM_YEARS);
    match (kind, years) {
        (GrantKind::UsageRight, None) => {
            v.push(
                "term_years",
                format!("is required for a usage right: at least {MIN_USAGE_YEARS} years"),
            );
            None
        }
        (GrantKind::UsageRight, Some(y)) if y < i64::from(MIN_USAGE_YEARS) => {
            v.push(
                "term_years",
                format!("a long-term usage right runs at least {MIN_USAGE_YEARS} years"),
            );
            None
        }
        (_, Some(y)) if y < 1 => {
            v.push("term_years", "must be at least 1 year");
            None
        }
        (_, Some(y)) if y > max => {
            v.push(
                "term_years",
                format!("must be at most {MAX_TERM_YEARS} years"),
            );
            None
        }
        (_, y) => y.map(|y| y as u32),
    }
}

fn parse_team(
    v: &mut Validation,
    raw: &[TeamMemberInput],
    users: &HashMap<Uuid, String>,
) -> Vec<TeamMember> {
    if raw.is_empty() {
        v.push("team", "must name at least one member");
    }
    v.check(
        raw.len() <= TEAM_MAX,
        "team",
        format!("must have at most {TEAM_MAX} members"),
    );
    let mut out: Vec<TeamMember> = Vec::with_capacity(raw.len());
    let mut all_shares_valid = true;
    // u64: the list length is checked but still walked, so a huge list must not overflow.
    let mut total_bp: u64 = 0;
    for (i, m) in raw.iter().enumerate() {
        let share = v.take(parse_percent(
            &format!("team[{i}].share_percent"),
            m.share_percent,
            false,
        ));
        match share {
            Some(bp) => total_bp += u64::from(bp),
            None => all_shares_valid = false,
        }
        if raw[..i].iter().any(|o| o.user_id == m.user_id) {
            v.push(
                format!("team[{i}].user_id"),
                "names the same user as an earlier member",
            );
            continue;
        }
        let Some(name) = users.get(&m.user_id) else {
            v.push(
                format!("team[{i}].user_id"),
                "is not a user of the platform: every team member needs an account",
            );
            continue;
        };
        if let Some(share_bp) = share {
            out.push(TeamMember {
                user_id: m.user_id,
                name: name.clone(),
                share_bp,
            });
        }
    }
    // A sum over shares that were themselves refused would only repeat those errors.
    if all_shares_valid && !raw.is_empty() && total_bp != u64::from(FULL_BP) {
        v.push(
            "team",
            format!(
                "members' shares of the team's part must sum to 100%, they sum to {}",
                percent_text(total_bp)
            ),
        );
    }
    out
}

/// What the application needs to know of the listing, loaded by the route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFacts {
    pub listing_id: Uuid,
    pub title: String,
    pub job_related: bool,
    pub institution_id: Option<Uuid>,
    pub owner_id: Uuid,
    /// Inventors who are users of the platform.
    pub inventor_user_ids: Vec<Uuid>,
    pub withdrawn: bool,
}

/// A payment as its contract registration shows it, loaded by the route for a distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPayment {
    pub contract_id: Uuid,
    pub contract_status: ContractStatus,
    pub listing_id: Option<Uuid>,
    pub payment_id: Uuid,
    /// `None` when the contract has no payment with that id.
    pub payment: Option<Payment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub days: u32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Notice {
    /// Whether the notice period is over at `t` (the end instant itself counts as over).
    pub fn has_run_by(&self, t: DateTime<Utc>) -> bool {
        t >= self.ends_at
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionOutcome {
    /// The objection does not stand; the grant may go ahead.
    Dismissed,
    /// The objection stands; the application is rejected.
    Upheld,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub id: Uuid,
    pub raised_by: Uuid,
    pub reason: String,
    pub raised_at: DateTime<Utc>,
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub outcome: ObjectionOutcome,
    pub text: String,
    pub resolved_by: Uuid,
    pub resolved_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryChange {
    /// The patent office's record number of the change (著录项目变更 / 许可备案).
    pub record_number: String,
    pub recorded_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub at: DateTime<Utc>,
    pub previous_end: NaiveDate,
    pub new_end: NaiveDate,
    pub reason: String,
}

/// How a granted term ended: the first day it is no longer in force, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ending {
    pub at: DateTime<Utc>,
    pub on: NaiveDate,
    pub reason: String,
}

/// One member's part of a distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPart {
    pub user_id: Uuid,
    pub amount_fen: i64,
}

/// A payment split by the grant in force on the day it was received:
/// `costs + institution + team = amount`, and the members' parts sum to `team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub payment_id: Uuid,
    pub received_on: NaiveDate,
    pub amount_fen: i64,
    /// Costs of the transfer deducted before the split (net income = amount − costs).
    pub costs_fen: i64,
    pub institution_fen: i64,
    pub team_fen: i64,
    pub members: Vec<MemberPart>,
    pub note: Option<String>,
}

impl Distribution {
    /// Splits `amount − costs` by the income split, then the team's part by the members'
    /// shares, each with [`split_fen`]. The team is listed first in the first split, so a fen
    /// the two sides' remainders tie over goes to the team; among members, to the one listed first.
    pub fn compute(
        terms: &GrantTerms,
        id: Uuid,
        payment: &Payment,
        contract_id: Uuid,
        costs_fen: i64,
        note: Option<String>,
    ) -> Distribution {
        let net = payment.amount_fen - costs_fen;
        let sides = split_fen(net, &[terms.income.team_bp, terms.income.institution_bp()]);
        let (team_fen, institution_fen) = (sides[0], sides[1]);
        let weights: Vec<u32> = terms.team.iter().map(|m| m.share_bp).collect();
        let members = split_fen(team_fen, &weights)
            .into_iter()
            .zip(&terms.team)
            .map(|(amount_fen, m)| MemberPart {
                user_id: m.user_id,
                amount_fen,
            })
            .collect();
        Distribution {
            id,
            contract_id,
            payment_id: payment.id,
            received_on: payment.received_on,
            amount_fen: payment.amount_fen,
            costs_fen,
            institution_fen,
            team_fen,
            members,
            note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantData {
    pub applicant_id: Uuid,
    pub listing_id: Uuid,
    /// The listing's title at application, for registers and notices.
    pub listing_title: String,
    pub institution_id: Uuid,
    pub status: GrantStatus,
    pub terms: GrantTerms,
    pub review_note: Option<String>,
    /// Why it was rejected (in review, or by an upheld objection).
    pub rejection_reasons: Vec<String>,
    pub withdrawal_reason: Option<String>,
    pub notice: Option<Notice>,
    pub objections: Vec<Objection>,
    pub granted_at: Option<DateTime<Utc>>,
    /// The first day in force (a China date).
    pub granted_on: Option<NaiveDate>,
    /// The last day in force as granted; `None` when the grant has no term.
    pub original_term_end: Option<NaiveDate>,
    /// The last day in force after every extension.
    pub term_end: Option<NaiveDate>,
    pub extensions: Vec<Extension>,
    pub registry_change: Option<RegistryChange>,
    /// The term end the expiry warning was given for; an extension re-arms it.
    pub expiry_warned_for: Option<NaiveDate>,
    /// Set by expiry or revocation.
    pub ending: Option<Ending>,
    pub distributions: Vec<Distribution>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GrantData {
    pub fn is_applicant(&self, actor: &Actor) -> bool {
        actor.user_id == self.applicant_id
    }

    pub fn is_member(&self, actor: &Actor) -> bool {
        self.terms.member(actor.user_id).is_some()
    }

    /// The technology-transfer office of the institution that grants.
    pub fn is_institution_admin(&self, actor: &Actor) -> bool {
        actor.role == Role::InstitutionAdmin
            && !actor.is_system()
            && actor.belongs_to(Some(self.institution_id))
    }

    /// The applicant, the team and the institution's office.
    pub fn is_party(&self, actor: &Actor) -> bool {
        self.is_applicant(actor) || self.is_member(actor) || self.is_institution_admin(actor)
    }

    /// Parties and platform admins always; anyone signed in once it is public (from the notice
    /// on). Statisticians too only from then: an application is not yet a statistic.
    pub fn is_visible_to(&self, viewer: Option<&Actor>) -> bool {
        let Some(actor) = viewer else { return false };
        self.status.is_public() || self.may_see_money(actor)
    }

    /// Who was paid what is for the parties and platform admins, and for statisticians once
    /// the grant is public.
    pub fn may_see_money(&self, actor: &Actor) -> bool {
        self.is_party(actor)
            || actor.role == Role::PlatformAdmin
            || (actor.role == Role::Statistician && self.status.is_public())
    }

    pub fn open_objections(&self) -> impl Iterator<Item = &Objection> {
        self.objections.iter().filter(|o| o.resolution.is_none())
    }

    pub fn objection(&self, id: Uuid) -> Option<&Objection> {
        self.objections.iter().find(|o| o.id == id)
    }

    pub fn distribution_of(&self, payment_id: Uuid) -> Option<&Distribution> {
        self.distributions
            .iter()
            .find(|d| d.payment_id == payment_id)
    }

    /// The days in force as known at instant `as_of` (everything known when `None`): the first
    /// day and the last (`None` for no end). `None` when it had not been granted by then, or its
    /// term was cut to nothing. An "as of" view ignores every extension and revocation recorded
    /// after that instant.
    pub fn term_as_of(
        &self,
        as_of: Option<DateTime<Utc>>,
    ) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let known = |t: DateTime<Utc>| as_of.is_none_or(|a| t <= a);
        let granted_on = self.granted_on?;
        if !known(self.granted_at?) {
            return None;
        }
        let mut last = self
            .extensions
            .iter()
            .rfind(|e| known(e.at))
            .map(|e| e.new_end)
            .or(self.original_term_end);
        // Expiry ends the term where it was going to end anyway; revocation cuts it short.
        if self.status == GrantStatus::Revoked {
            if let Some(end) = self.ending.as_ref().filter(|e| known(e.at)) {
                let day_before = end.on.pred_opt().unwrap_or(end.on);
                last = Some(last.map_or(day_before, |l| l.min(day_before)));
            }
        }
        match last {
            Some(l) if l < granted_on => None,
            other => Some((granted_on, other)),
        }
    }

    /// Whether the grant was in force on `date`, as known at `as_of`.
    pub fn in_force_on(&self, date: NaiveDate, as_of: Option<DateTime<Utc>>) -> bool {
        self.term_as_of(as_of)
            .is_some_and(|(first, last)| first <= date && last.is_none_or(|l| date <= l))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GrantAction {
    /// By a researcher of the listing's institution who owns the listing or is one of its inventors.
    Apply {
        listing: ListingFacts,
        terms: GrantTerms,
    },
    /// By the institution's office: approve (with an optional note) or reject (with reasons).
    Review {
        approve: bool,
        note: Option<String>,
        reasons: Vec<String>,
    },
    /// 公示 for `days` days from now.
    StartNotice {
        days: u32,
    },
    /// By anyone signed in, while the notice runs.
    RaiseObjection {
        objection_id: Uuid,
        reason: String,
    },
    ResolveObjection {
        objection_id: Uuid,
        outcome: ObjectionOutcome,
        resolution: String,
    },
    Grant,
    RecordRegistryChange {
        record_number: String,
        recorded_on: NaiveDate,
    },
    Extend {
        until: NaiveDate,
        reason: String,
    },
    /// By rule, `warning_days` or fewer before the term ends: a hook for mail and the feed.
    WarnExpiry {
        warning_days: u32,
    },
    /// By rule, once the last day of the term is over.
    Expire,
    /// From `on` (the first day no longer in force).
    Revoke {
        on: NaiveDate,
        reason: String,
    },
    /// By the applicant, before the grant.
    Withdraw {
        reason: Option<String>,
    },
    Distribute {
        distribution_id: Uuid,
        payment: ContractPayment,
        costs_fen: i64,
        note: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GrantEvent {
    Applied {
        applicant_id: Uuid,
        listing_id: Uuid,
        listing_title: String,
        institution_id: Uuid,
        terms: GrantTerms,
    },
    Approved {
        note: Option<String>,
    },
    Rejected {
        reasons: Vec<String>,
        /// The upheld objection that rejected it, if one did.
        objection_id: Option<Uuid>,
    },
    NoticeStarted {
        notice: Notice,
    },
    ObjectionRaised {
        objection_id: Uuid,
        raised_by: Uuid,
        reason: String,
    },
    ObjectionResolved {
        objection_id: Uuid,
        outcome: ObjectionOutcome,
        resolution: String,
    },
    Granted {
        granted_on: NaiveDate,
        term_end: Option<NaiveDate>,
    },
    RegistryChangeRecorded {
        registry_change: RegistryChange,
    },
    Extended {
        previous_end: NaiveDate,
        new_end: NaiveDate,
        reason: String,
    },
    ExpiryApproaching {
        term_ends_on: NaiveDate,
        days_left: u32,
    },
    Expired {
        /// The last day the grant was in force.
        term_ended_on: NaiveDate,
    },
    Revoked {
        on: NaiveDate,
        reason: String,
    },
    Withdrawn {
        reason: Option<String>,
    },
    RevenueDistributed {
        distribution: Distribution,
    },
}

impl GrantEvent {
    /// The serde tag of the event.
    pub fn name(&self) -> &'static str {
        match self {
            GrantEvent::Applied { .. } => "applied",
            GrantEvent::Approved { .. } => "approved",
            GrantEvent::Rejected { .. } => "rejected",
            GrantEvent::NoticeStarted { .. } => "notice_started",
            GrantEvent::ObjectionRaised { .. } => "objection_raised",
            GrantEvent::ObjectionResolved { .. } => "objection_resolved",
            GrantEvent::Granted { .. } => "granted",
            GrantEvent::RegistryChangeRecorded { .. } => "registry_change_recorded",
            GrantEvent::Extended { .. } => "extended",
            GrantEvent::ExpiryApproaching { .. } => "expiry_approaching",
            GrantEvent::Expired { .. } => "expired",
            GrantEvent::Revoked { .. } => "revoked",
            GrantEvent::Withdrawn { .. } => "withdrawn",
            GrantEvent::RevenueDistributed { .. } => "revenue_distributed",
        }
    }
}

impl GrantEvent {
    /// Events a statistician's feed leaves out: those before the public notice, and a rejection
    /// or withdrawal (even one during the notice), after which the grant is no longer on the
    /// public register (`GrantStatus::PUBLIC`) and so no longer theirs to read.
    pub const BEFORE_NOTICE: [&'static str; 4] = ["applied", "approved", "rejected", "withdrawn"];
}

impl DomainEvent for GrantEvent {
    fn name(&self) -> &'static str {
        GrantEvent::name(self)
    }
}

impl esrs::Aggregate for OwnershipGrant {
    const NAME: &'static str = "ownership_grant";
    type State = GrantState;
    type Command = Command<GrantAction>;
    type Event = Recorded<GrantEvent>;
    type Error = DomainError;

    fn handle_command(
        state: &Self::State,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        let Command { actor, now, action } = command;
        let events = match (&state.grant, action) {
            (None, GrantAction::Apply { listing, terms }) => vec![apply(&actor, listing, terms)?],
            (Some(_), GrantAction::Apply { .. }) => {
                return Err(DomainError::conflict("ownership grant already exists"))
            }
            (None, _) => return Err(DomainError::NotFound),
            (Some(grant), action) => decide(grant, &actor, now, action)?,
        };
        Ok(events
            .into_iter()
            .map(|event| Recorded {
                actor,
                at: now,
                event,
            })
            .collect())
    }

    fn apply_event(mut state: Self::State, payload: Self::Event) -> Self::State {
        let Recorded { actor, at, event } = payload;
        if let GrantEvent::Applied {
            applicant_id,
            listing_id,
            listing_title,
            institution_id,
            terms,
        } = event
        {
            state.grant = Some(GrantData {
                applicant_id,
                listing_id,
                listing_title,
                institution_id,
                status: GrantStatus::Applied,
                terms,
                review_note: None,
                rejection_reasons: Vec::new(),
                withdrawal_reason: None,
                notice: None,
                objections: Vec::new(),
                granted_at: None,
                granted_on: None,
                original_term_end: None,
                term_end: None,
                extensions: Vec::new(),
                registry_change: None,
                expiry_warned_for: None,
                ending: None,
                distributions: Vec::new(),
                created_at: at,
                updated_at: at,
            });
            return state;
        }
        // The decider never emits anything before `Applied`; applying stays total rather than
        // panicking in the middle of a rebuild.
        let Some(g) = state.grant.as_mut() else {
            return state;
        };
        g.updated_at = at;
        match event {
            GrantEvent::Applied { .. } => {}
            GrantEvent::Approved { note } => {
                g.status = GrantStatus::Approved;
                g.review_note = note;
            }
            GrantEvent::Rejected { reasons, .. } => {
                g.status = GrantStatus::Rejected;
                g.rejection_reasons = reasons;
            }
            GrantEvent::NoticeStarted { notice } => {
                g.status = GrantStatus::InNotice;
                g.notice = Some(notice);
            }
            GrantEvent::ObjectionRaised {
                objection_id,
                raised_by,
                reason,
            } => g.objections.push(Objection {
                id: objection_id,
                raised_by,
                reason,
                raised_at: at,
                resolution: None,
            }),
            GrantEvent::ObjectionResolved {
                objection_id,
                outcome,
                resolution,
            } => {
                if let Some(o) = g.objections.iter_mut().find(|o| o.id == objection_id) {
                    o.resolution = Some(Resolution {
                        outcome,
                        text: resolution,
                        resolved_by: actor.user_id,
                        resolved_at: at,
                    });
                }
            }
            GrantEvent::Granted {
                granted_on,
                term_end,
            } => {
                g.status = GrantStatus::Granted;
                g.granted_at = Some(at);
                g.granted_on = Some(granted_on);
                g.original_term_end = term_end;
                g.term_end = term_end;
            }
            GrantEvent::RegistryChangeRecorded { registry_change } => {
                g.status = GrantStatus::RegistryChanged;
                g.registry_change = Some(registry_change);
            }
            GrantEvent::Extended {
                previous_end,
                new_end,
                reason,
            } => {
                g.term_end = Some(new_end);
                g.extensions.push(Extension {
                    at,
                    previous_end,
                    new_end,
                    reason,
                });
            }
            GrantEvent::ExpiryApproaching { term_ends_on, .. } => {
                g.expiry_warned_for = Some(term_ends_on);
            }
            GrantEvent::Expired { term_ended_on } => {
                g.status = GrantStatus::Expired;
                g.ending = Some(Ending {
                    at,
                    on: term_ended_on.succ_opt().unwrap_or(term_ended_on),
                    reason: "the term ended".into(),
                });
            }
            GrantEvent::Revoked { on, reason } => {
                g.status = GrantStatus::Revoked;
                g.ending = Some(Ending { at, on, reason });
            }
            GrantEvent::Withdrawn { reason } => {
                g.status = GrantStatus::Withdrawn;
                g.withdrawal_reason = reason;
            }
            GrantEvent::RevenueDistributed { distribution } => g.distributions.push(distribution),
        }
        state
    }
}

/// Who may apply for a grant on `listing`, and whether the listing can be granted at all;
/// gives the owning institution. Routes call it before validating the terms, so someone who may
/// not apply learns nothing from the validation.
pub fn check_applicant(actor: &Actor, listing: &ListingFacts) -> Result<Uuid, DomainError> {
    require(
        actor.role == Role::Researcher && !actor.is_system(),
        "only a researcher applies for an ownership grant",
    )?;
    let Some(institution_id) = listing.institution_id.filter(|_| listing.job_related) else {
        return Err(DomainError::invalid(
            "listing_id",
            "the listing is not job-related (职务科技成果): only job-related achievements are granted to their teams",
        ));
    };
    require(
        actor.belongs_to(Some(institution_id)),
        "only a researcher of the institution that owns the listing applies",
    )?;
    require(
        listing.owner_id == actor.user_id || listing.inventor_user_ids.contains(&actor.user_id),
        "only the listing's owner or one of its inventors applies",
    )?;
    if listing.withdrawn {
        return Err(DomainError::conflict(
            "the listing is withdrawn: nothing is left to grant",
        ));
    }
    Ok(institution_id)
}

fn apply(
    actor: &Actor,
    listing: ListingFacts,
    terms: GrantTerms,
) -> Result<GrantEvent, DomainError> {
    let institution_id = check_applicant(actor, &listing)?;
    terms.check_rules()?;
    if terms.member(actor.user_id).is_none() {
        return Err(DomainError::invalid(
            "team",
            "the applicant must be a member of the team",
        ));
    }
    Ok(GrantEvent::Applied {
        applicant_id: actor.user_id,
        listing_id: listing.listing_id,
        listing_title: listing.title,
        institution_id,
        terms,
    })
}

/// Authorization first, then state, then the payload: someone who may not act learns nothing
/// about the grant's state from the error.
fn decide(
    g: &GrantData,
    actor: &Actor,
    now: DateTime<Utc>,
    action: GrantAction,
) -> Result<Vec<GrantEvent>, DomainError> {
    use GrantStatus as S;
    let status = g.status;
    let today = china_date(now);
    let office = g.is_institution_admin(actor);
    let event = match action {
        GrantAction::Apply { .. } => unreachable!("applications are decided before a grant is"),

        GrantAction::Review {
            approve,
            note,
            reasons,
        } => {
            require(
                office,
                "only the institution's office reviews an application",
            )?;
            require_status(status, &[S::Applied], "be reviewed")?;
            let mut v = Validation::new();
            if approve {
                v.check(
                    reasons.is_empty(),
                    "reasons",
                    "are given only when rejecting",
                );
                let note = optional(&mut v, "note", note, NOTE_MAX);
                v.finish()?;
                GrantEvent::Approved { note }
            } else {
                v.check(note.is_none(), "note", "is given only when approving");
                let reasons = check_reasons(&mut v, &reasons);
                v.finish()?;
                GrantEvent::Rejected {
                    reasons,
                    objection_id: None,
                }
            }
        }

        GrantAction::StartNotice { days } => {
            require(
                office,
                "only the institution's office starts the public notice",
            )?;
            require_status(status, &[S::Approved], "be put on public notice")?;
            if days == 0 || days > NOTICE_DAYS_MAX {
                return Err(DomainError::invalid(
                    "days",
                    format!("must be between 1 and {NOTICE_DAYS_MAX}"),
                ));
            }
            GrantEvent::NoticeStarted {
                notice: Notice {
                    days,
                    starts_at: now,
                    ends_at: now + TimeDelta::days(i64::from(days)),
                },
            }
        }

        GrantAction::RaiseObjection {
            objection_id,
            reason,
        } => {
            require(!actor.is_system(), "objections are raised by people")?;
            require_status(status, &[S::InNotice], "be objected to")?;
            let notice = g.notice.expect("a grant in notice has its notice");
            if notice.has_run_by(now) {
                return Err(DomainError::conflict(format!(
                    "the public notice ended at {}: objections are taken only while it runs",
                    notice.ends_at.to_rfc3339()
                )));
            }
            if g.objection(objection_id).is_some() {
                return Err(DomainError::conflict(format!(
                    "objection {objection_id} already exists"
                )));
            }
            let reason = clean("reason", &reason, 1, REASON_MAX)
                .map_err(|e| DomainError::Invalid(vec![e]))?;
            GrantEvent::ObjectionRaised {
                objection_id,
                raised_by: actor.user_id,
                reason,
            }
        }

        GrantAction::ResolveObjection {
            objection_id,
            outcome,
            resolution,
        } => {
            require(office, "only the institution's office resolves objections")?;
            require_status(status, &[S::InNotice], "have objections resolved")?;
            let Some(objection) = g.objection(objection_id) else {
                return Err(DomainError::NotFound);
            };
            if objection.resolution.is_some() {
                return Err(DomainError::conflict(format!(
                    "objection {objection_id} is already resolved"
                )));
            }
            let resolution = clean("resolution", &resolution, 1, REASON_MAX)
                .map_err(|e| DomainError::Invalid(vec![e]))?;
            let resolved = GrantEvent::ObjectionResolved {
                objection_id,
                outcome,
                resolution: resolution.clone(),
            };
            return Ok(match outcome {
                ObjectionOutcome::Dismissed => vec![resolved],
                ObjectionOutcome::Upheld => vec![
                    resolved,
                    GrantEvent::Rejected {
                        reasons: vec![resolution],
                        objection_id: Some(objection_id),
                    },
                ],
            });
        }

        GrantAction::Grant => {
            require(office, "only the institution's office grants")?;
            require_status(status, &[S::InNotice], "be granted")?;
            let notice = g.notice.expect("a grant in notice has its notice");
            if !notice.has_run_by(now) {
                return Err(DomainError::conflict(format!(
                    "the public notice runs until {}: the grant can be made only after it ends",
                    notice.ends_at.to_rfc3339()
                )));
            }
            if let Some(open) = g.open_objections().next() {
                return Err(DomainError::conflict(format!(
                    "objection {} is not resolved yet",
                    open.id
                )));
            }
            GrantEvent::Granted {
                granted_on: today,
                term_end: g.terms.term_years.map(|y| years_after(today, y)),
            }
        }

        GrantAction::RecordRegistryChange {
            record_number,
            recorded_on,
        } => {
            require(
                office,
                "only the institution's office records the registry change",
            )?;
            require_status(status, &[S::Granted], "be recorded at the patent office")?;
            let mut v = Validation::new();
            let record_number = v.take(super::text::Title::parse(
                "record_number",
                &record_number,
                RECORD_NUMBER_MAX,
            ));
            let granted_on = g.granted_on.expect("a granted grant has its date");
            if recorded_on > today {
                v.push("recorded_on", format!("must not be after today ({today})"));
            } else if recorded_on < granted_on {
                v.push(
                    "recorded_on",
                    format!("must not be before the grant ({granted_on})"),
                );
            }
            v.finish()?;
            GrantEvent::RegistryChangeRecorded {
                registry_change: RegistryChange {
                    record_number: record_number
                        .expect("an invalid record number recorded a field error")
                        .as_str()
                        .to_string(),
                    recorded_on,
                },
            }
        }

        GrantAction::Extend { until, reason } => {
            require(office, "only the institution's office extends a grant")?;
            require_status(status, &S::IN_FORCE, "be extended")?;
            let Some(end) = g.term_end else {
                return Err(DomainError::conflict(
                    "the grant has no term: there is nothing to extend",
                ));
            };
            if today > end {
                return Err(DomainError::conflict(format!(
                    "the term ended on {end}: an ended term cannot be extended"
                )));
            }
            let granted_on = g.granted_on.expect("a granted grant has its date");
            let furthest = years_after(granted_on, MAX_TERM_YEARS);
            let mut v = Validation::new();
            if until <= end {
                v.push(
                    "until",
                    format!("must be after the current term end ({end})"),
                );
            } else if until > furthest {
                v.push(
                    "until",
                    format!("must be at most {MAX_TERM_YEARS} years from the grant ({furthest})"),
                );
            }
            let reason = v.take(clean("reason", &reason, 1, REASON_MAX));
            v.finish()?;
            GrantEvent::Extended {
                previous_end: end,
                new_end: until,
                reason: reason.expect("a missing reason recorded a field error"),
            }
        }

        GrantAction::WarnExpiry { warning_days } => {
            require(actor.is_system(), "expiry warnings are given by rule")?;
            require_status(status, &S::IN_FORCE, "be warned of expiry")?;
            let Some(end) = g.term_end else {
                return Err(DomainError::conflict("the grant has no term to expire"));
            };
            let days_left = (end - today).num_days();
            if days_left < 0 || days_left > i64::from(warning_days) {
                return Err(DomainError::conflict(format!(
                    "the term ends on {end}, not within {warning_days} days"
                )));
            }
            if g.expiry_warned_for == Some(end) {
                return Err(DomainError::conflict(format!(
                    "the expiry on {end} was already announced"
                )));
            }
            GrantEvent::ExpiryApproaching {
                term_ends_on: end,
                days_left: days_left as u32,
            }
        }

        GrantAction::Expire => {
            require(actor.is_system(), "grants expire by rule, not by hand")?;
            require_status(status, &S::IN_FORCE, "be expired")?;
            match g.term_end {
                Some(end) if today > end => GrantEvent::Expired { term_ended_on: end },
                Some(end) => {
                    return Err(DomainError::conflict(format!("the term runs until {end}")))
                }
                None => return Err(DomainError::conflict("the grant has no term to expire")),
            }
        }

        GrantAction::Revoke { on, reason } => {
            require(office, "only the institution's office revokes a grant")?;
            require_status(status, &S::IN_FORCE, "be revoked")?;
            if let Some(end) = g.term_end.filter(|end| today > *end) {
                return Err(DomainError::conflict(format!(
                    "the term ended on {end}: the grant expires by itself"
                )));
            }
            let granted_on = g.granted_on.expect("a granted grant has its date");
            let latest_paid = g.distributions.iter().map(|d| d.received_on).max();
            let mut v = Validation::new();
            if on > today {
                v.push("on", format!("must not be after today ({today})"));
            } else if on < granted_on {
                v.push("on", format!("must not be before the grant ({granted_on})"));
            } else if let Some(paid) = latest_paid.filter(|p| on <= *p) {
                v.push(
                    "on",
                    format!(
                        "must be after the latest payment distributed under the grant ({paid})"
                    ),
                );
            }
            let reason = v.take(clean("reason", &reason, 1, REASON_MAX));
            v.finish()?;
            GrantEvent::Revoked {
                on,
                reason: reason.expect("a missing reason recorded a field error"),
            }
        }

        GrantAction::Withdraw { reason } => {
            require(
                g.is_applicant(actor),
                "only the applicant withdraws an application",
            )?;
            require_status(
                status,
                &[S::Applied, S::Approved, S::InNotice],
                "be withdrawn",
            )?;
            let mut v = Validation::new();
            let reason = optional(&mut v, "reason", reason, REASON_MAX);
            v.finish()?;
            GrantEvent::Withdrawn { reason }
        }

        GrantAction::Distribute {
            distribution_id,
            payment,
            costs_fen,
            note,
        } => {
            require(
                office,
                "only the institution's office records a distribution",
            )?;
            if !status.was_granted() {
                return Err(DomainError::conflict(format!(
                    "only a granted grant distributes revenue; it is {status}"
                )));
            }
            distribute(g, distribution_id, payment, costs_fen, note)?
        }
    };
    Ok(vec![event])
}

fn distribute(
    g: &GrantData,
    distribution_id: Uuid,
    facts: ContractPayment,
    costs_fen: i64,
    note: Option<String>,
) -> Result<GrantEvent, DomainError> {
    use ContractStatus as C;
    if facts.listing_id != Some(g.listing_id) {
        return Err(DomainError::invalid(
            "contract_id",
            format!(
                "the contract is not for the granted listing ({})",
                g.listing_id
            ),
        ));
    }
    // Cancellation or revocation ends a registration, but money received under it stays income.
    if !matches!(
        facts.contract_status,
        C::Registered | C::Cancelled | C::Revoked
    ) {
        return Err(DomainError::conflict(format!(
            "the contract is {}: only payments under a registered contract are distributed",
            facts.contract_status
        )));
    }
    let Some(payment) = facts.payment else {
        return Err(DomainError::invalid(
            "payment_id",
            format!("the contract has no payment {}", facts.payment_id),
        ));
    };
    if let Some(done) = g.distribution_of(payment.id) {
        return Err(DomainError::conflict(format!(
            "payment {} was already distributed (distribution {})",
            payment.id, done.id
        )));
    }
    if !g.in_force_on(payment.received_on, None) {
        return Err(DomainError::conflict(format!(
            "the grant was not in force on {}, the day the payment was received",
            payment.received_on
        )));
    }
    let mut v = Validation::new();
    if costs_fen < 0 {
        v.push("costs_fen", "must not be negative");
    } else if costs_fen > payment.amount_fen {
        v.push(
            "costs_fen",
            format!("must not exceed the payment ({} fen)", payment.amount_fen),
        );
    }
    let note = optional(&mut v, "note", note, NOTE_MAX);
    v.finish()?;
    Ok(GrantEvent::RevenueDistributed {
        distribution: Distribution::compute(
            &g.terms,
            distribution_id,
            &payment,
            facts.contract_id,
            costs_fen,
            note,
        ),
    })
}

/// The last day of a term of `years` years starting on `start`: the day before the
/// anniversary, so 2026-11-21 + 10 years runs through 2036-11-20. The anniversary of 29 February
/// in a common year is 1 March, so such a term ends on 28 February.
pub fn years_after(start: NaiveDate, years: u32) -> NaiveDate {
    let Some(clamped) = start.checked_add_months(Months::new(12 * years)) else {
        return NaiveDate::MAX;
    };
    // checked_add_months clamps 29 February to 28 February, which is the last day, not the
    // anniversary.
    if clamped.day() != start.day() {
        return clamped;
    }
    clamped.pred_opt().unwrap_or(clamped)
}

fn check_reasons(v: &mut Validation, reasons: &[String]) -> Vec<String> {
    if reasons.is_empty() {
        v.push("reasons", "must give at least one reason");
    } else if reasons.len() > REASONS_MAX {
        v.push(
            "reasons",
            format!("must have at most {REASONS_MAX} reasons"),
        );
    }
    reasons
        .iter()
        .enumerate()
        .filter_map(|(i, raw)| v.take(clean(&format!("reasons[{i}]"), raw, 1, REASON_MAX)))
        .collect()
}

fn require_status(
    status: GrantStatus,
    allowed: &[GrantStatus],
    what: &str,
) -> Result<(), DomainError> {
    require_state("grant", status, allowed, what)
}

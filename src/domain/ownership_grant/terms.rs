//! The terms of a grant: the shares, the term, the team and the income split, as applied for
//! (`GrantInput`) and as validated (`GrantTerms`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    GrantKind, MAX_TERM_YEARS, MIN_USAGE_YEARS, STATEMENT_MAX, STATUTORY_TEAM_INCOME_BP, TEAM_MAX,
};
use crate::domain::error::Validation;
use crate::domain::share::{parse_percent, percent_text, FULL_BP};
use crate::domain::text::clean;
use crate::domain::DomainError;

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
        let (institution_share_bp, team_share_bp) = parse_shares(&mut v, input);
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
    pub(super) fn check_rules(&self) -> Result<(), DomainError> {
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

/// The ownership the institution keeps and the team holds, in basis points: both given and
/// summing to 100% for an ownership share, all the institution's for a usage right.
fn parse_shares(v: &mut Validation, input: &GrantInput) -> (u32, u32) {
    match input.kind {
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

//! A demand's content: the raw input as it arrives in a JSON body, and [`DemandContent`], the
//! validated form every event carries.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{CooperationMode, DemandKind};
use crate::domain::error::Validation;
use crate::domain::listing::Trl;
use crate::domain::reference::{ReferenceData, RegionCode, TechnologyField};
use crate::domain::text::{clean, Title};
use crate::domain::DomainError;

const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 5_000;
const KEYWORDS_MAX: usize = 20;
const KEYWORD_LEN_MAX: usize = 40;
/// 10^15 fen (10^13 yuan): far above any real budget, well inside `i64`.
const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;
const CRITERIA_MAX: usize = 5_000;

/// Validated content: everything `revise` replaces. Built by [`DemandContent::parse`]; events
/// re-read from the store were parsed when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandContent {
    pub kind: DemandKind,
    pub title: Title,
    pub description: String,
    pub field: TechnologyField,
    pub keywords: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub cooperation_modes: Vec<CooperationMode>,
    pub region: RegionCode,
    /// The last China date on which the demand is valid.
    pub valid_until: NaiveDate,
    /// The readiness the enterprise needs.
    pub trl_min: Option<Trl>,
    /// The terms of an open call; `Some` exactly when `kind` is `open_call`.
    pub open_call: Option<OpenCallTerms>,
}

/// 揭榜挂帅 terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCallTerms {
    pub bounty_fen: i64,
    /// The last China date on which applications are taken; never after `valid_until`.
    pub deadline: NaiveDate,
    pub acceptance_criteria: String,
}

/// The raw content as it arrives in a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemandInput {
    pub kind: DemandKind,
    pub title: String,
    pub description: String,
    pub field: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub budget_min_fen: Option<i64>,
    #[serde(default)]
    pub budget_max_fen: Option<i64>,
    pub cooperation_modes: Vec<CooperationMode>,
    pub region: String,
    pub valid_until: NaiveDate,
    #[serde(default)]
    pub trl_min: Option<i64>,
    #[serde(default)]
    pub open_call: Option<OpenCallInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCallInput {
    pub bounty_fen: i64,
    pub deadline: NaiveDate,
    pub acceptance_criteria: String,
}

impl DemandContent {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `open_call.bounty_fen` or `keywords[2]`. `today` is the China date of the request
    /// ([`china_date`](crate::domain::calendar::china_date) of the command's `now`): neither
    /// `valid_until` nor the open call's deadline may lie before it.
    pub fn parse(
        input: DemandInput,
        refs: &ReferenceData,
        today: NaiveDate,
    ) -> Result<DemandContent, DomainError> {
        let mut v = Validation::new();

        let title = v.take(Title::parse("title", &input.title, TITLE_MAX));
        let description = v.take(clean("description", &input.description, 1, DESCRIPTION_MAX));
        let field = v.take(TechnologyField::parse("field", &input.field, refs));
        let keywords = parse_keywords(&mut v, &input.keywords);
        let budget_min_ok = check_amount(&mut v, "budget_min_fen", input.budget_min_fen);
        let budget_max_ok = check_amount(&mut v, "budget_max_fen", input.budget_max_fen);
        if budget_min_ok && budget_max_ok {
            check_budget_order(&mut v, input.budget_min_fen, input.budget_max_fen);
        }
        let cooperation_modes = parse_cooperation_modes(&mut v, input.cooperation_modes);
        let region = v.take(RegionCode::parse("region", &input.region, refs));
        v.check(
            input.valid_until >= today,
            "valid_until",
            format!("must not be before today ({today})"),
        );
        let trl_min = input
            .trl_min
            .and_then(|raw| v.take(Trl::parse("trl_min", raw)));
        let open_call = match (input.kind, input.open_call) {
            (DemandKind::OpenCall, None) => {
                v.push("open_call", "is required for open_call");
                None
            }
            (DemandKind::OpenCall, Some(terms)) => {
                parse_open_call(&mut v, terms, input.valid_until, today)
            }
            (_, Some(_)) => {
                v.push("open_call", "is only for open_call");
                None
            }
            (_, None) => None,
        };

        v.finish()?;
        let (Some(title), Some(description), Some(field), Some(region)) =
            (title, description, field, region)
        else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(DemandContent {
            kind: input.kind,
            title,
            description,
            field,
            keywords,
            budget_min_fen: input.budget_min_fen,
            budget_max_fen: input.budget_max_fen,
            cooperation_modes,
            region,
            valid_until: input.valid_until,
            trl_min,
            open_call,
        })
    }

    /// The rules between fields that commands rely on, re-checked because the fields are public.
    /// Dates against "today" are not re-checked: they were checked when the content was parsed.
    pub(super) fn check_rules(&self) -> Result<(), DomainError> {
        let mut v = Validation::new();
        match (self.kind, &self.open_call) {
            (DemandKind::OpenCall, None) => v.push("open_call", "is required for open_call"),
            (DemandKind::OpenCall, Some(terms)) => v.check(
                terms.deadline <= self.valid_until,
                "open_call.deadline",
                "must not be after valid_until",
            ),
            (_, Some(_)) => v.push("open_call", "is only for open_call"),
            (_, None) => {}
        }
        check_budget_order(&mut v, self.budget_min_fen, self.budget_max_fen);
        v.finish()
    }
}

/// Records an error unless `amount` is absent or within `0..=MAX_AMOUNT_FEN`; says whether it was.
fn check_amount(v: &mut Validation, field: &str, amount: Option<i64>) -> bool {
    let ok = amount.is_none_or(|a| (0..=MAX_AMOUNT_FEN).contains(&a));
    v.check(
        ok,
        field,
        format!("must be between 0 and {MAX_AMOUNT_FEN} fen"),
    );
    ok
}

fn check_budget_order(v: &mut Validation, min: Option<i64>, max: Option<i64>) {
    if let (Some(min), Some(max)) = (min, max) {
        v.check(
            min <= max,
            "budget_max_fen",
            "must not be below budget_min_fen",
        );
    }
}

fn parse_keywords(v: &mut Validation, raw: &[String]) -> Vec<String> {
    v.check(
        raw.len() <= KEYWORDS_MAX,
        "keywords",
        format!("must have at most {KEYWORDS_MAX} entries"),
    );
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, kw) in raw.iter().enumerate() {
        let path = format!("keywords[{i}]");
        let Some(kw) = v.take(Title::parse(&path, kw, KEYWORD_LEN_MAX)) else {
            continue;
        };
        if out.iter().any(|k| k == kw.as_str()) {
            v.push(path, "repeats an earlier keyword");
        } else {
            out.push(kw.as_str().to_owned());
        }
    }
    out
}

fn parse_cooperation_modes(v: &mut Validation, raw: Vec<CooperationMode>) -> Vec<CooperationMode> {
    if raw.is_empty() {
        v.push(
            "cooperation_modes",
            "must name at least one cooperation mode",
        );
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, mode) in raw.into_iter().enumerate() {
        if out.contains(&mode) {
            v.push(
                format!("cooperation_modes[{i}]"),
                "repeats an earlier cooperation mode",
            );
        } else {
            out.push(mode);
        }
    }
    out
}

fn parse_open_call(
    v: &mut Validation,
    raw: OpenCallInput,
    valid_until: NaiveDate,
    today: NaiveDate,
) -> Option<OpenCallTerms> {
    v.check(
        raw.bounty_fen > 0 && raw.bounty_fen <= MAX_AMOUNT_FEN,
        "open_call.bounty_fen",
        format!("must be more than 0 and at most {MAX_AMOUNT_FEN} fen"),
    );
    if raw.deadline < today {
        v.push(
            "open_call.deadline",
            format!("must not be before today ({today})"),
        );
    } else if raw.deadline > valid_until {
        v.push("open_call.deadline", "must not be after valid_until");
    }
    let acceptance_criteria = v.take(clean(
        "open_call.acceptance_criteria",
        &raw.acceptance_criteria,
        1,
        CRITERIA_MAX,
    ))?;
    Some(OpenCallTerms {
        bounty_fen: raw.bounty_fen,
        deadline: raw.deadline,
        acceptance_criteria,
    })
}

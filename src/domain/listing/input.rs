//! A listing's content: the raw input as it arrives in a JSON body, and [`ListingContent`], the
//! validated form every event carries.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::error::Validation;
use crate::domain::reference::{IpKind, ReferenceData, RegionCode, TechnologyField};
use crate::domain::share::{parse_percent, percent_text, FULL_BP};
use crate::domain::text::{clean, Title};
use crate::domain::{DomainError, FieldError};

const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 2_000;
const CONFIDENTIAL_MAX: usize = 20_000;
const KEYWORDS_MAX: usize = 20;
const KEYWORD_LEN_MAX: usize = 40;
const IP_RIGHTS_MAX: usize = 20;
const IP_NUMBER_MAX: usize = 64;
const INVENTORS_MAX: usize = 50;
const INVENTOR_NAME_MAX: usize = 100;
/// 10^18 fen (10^16 yuan): far above any real price, yet inside `i64`.
const MAX_PRICE_FEN: i64 = 1_000_000_000_000_000;

/// Validated content: everything `revise` replaces. Built by [`ListingContent::parse`]; events
/// re-read from the store were parsed when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingContent {
    pub title: Title,
    pub summary: String,
    pub confidential_detail: Option<String>,
    pub field: TechnologyField,
    pub keywords: Vec<String>,
    pub ip_rights: Vec<IpRight>,
    pub trl: Trl,
    pub job_related: bool,
    /// The owning institution of a job-related (职务) listing; `None` otherwise.
    pub institution_id: Option<Uuid>,
    pub inventors: Vec<Inventor>,
    pub transfer_modes: Vec<TransferMode>,
    pub pricing_mode: PricingMode,
    pub asking_price_fen: Option<i64>,
    pub region: RegionCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpRight {
    pub kind: IpKind,
    pub number: String,
    pub status: IpStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpStatus {
    Pending,
    Granted,
    Lapsed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventor {
    pub name: String,
    pub user_id: Option<Uuid>,
    /// Contribution share in basis points (1..=10000); all inventors sum to 10000.
    pub share_bp: u32,
}

/// Technology readiness level, 1..=9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Trl(u8);

impl Trl {
    pub fn parse(field: &str, raw: i64) -> Result<Trl, FieldError> {
        match u8::try_from(raw) {
            Ok(n @ 1..=9) => Ok(Trl(n)),
            _ => Err(FieldError::new(field, "must be a TRL between 1 and 9")),
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Trl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    Assignment,
    ExclusiveLicense,
    SoleLicense,
    NonExclusiveLicense,
    EquityInvestment,
    JointDevelopment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PricingMode {
    /// 协议定价
    Negotiated,
    /// 挂牌
    Listed,
    /// 拍卖
    Auction,
}

/// The raw content as it arrives in a JSON body.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub confidential_detail: Option<String>,
    pub field: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub ip_rights: Vec<IpRightInput>,
    pub trl: i64,
    #[serde(default)]
    pub job_related: bool,
    #[serde(default)]
    pub institution_id: Option<Uuid>,
    pub inventors: Vec<InventorInput>,
    pub transfer_modes: Vec<TransferMode>,
    pub pricing_mode: PricingMode,
    #[serde(default)]
    pub asking_price_fen: Option<i64>,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IpRightInput {
    pub kind: String,
    pub number: String,
    pub status: IpStatus,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InventorInput {
    pub name: String,
    #[serde(default)]
    pub user_id: Option<Uuid>,
    pub share_percent: f64,
}

impl ListingContent {
    /// Validates the raw input, reporting every invalid field at once with paths such as
    /// `inventors[1].share_percent`, `ip_rights[0].kind` or `keywords[2]`.
    pub fn parse(input: ListingInput, refs: &ReferenceData) -> Result<ListingContent, DomainError> {
        let mut v = Validation::new();

        let title = v.take(Title::parse("title", &input.title, TITLE_MAX));
        let summary = v.take(clean("summary", &input.summary, 1, SUMMARY_MAX));
        let confidential_detail = input
            .confidential_detail
            .and_then(|raw| v.take(clean("confidential_detail", &raw, 0, CONFIDENTIAL_MAX)))
            .filter(|s| !s.is_empty());
        let field = v.take(TechnologyField::parse("field", &input.field, refs));
        let keywords = parse_keywords(&mut v, &input.keywords);
        let ip_rights = parse_ip_rights(&mut v, &input.ip_rights, refs);
        let trl = v.take(Trl::parse("trl", input.trl));
        match (input.job_related, input.institution_id) {
            (true, None) => v.push("institution_id", "is required for a job-related listing"),
            (false, Some(_)) => v.push("institution_id", "is only given for a job-related listing"),
            _ => {}
        }
        let inventors = parse_inventors(&mut v, &input.inventors);
        let transfer_modes = parse_transfer_modes(&mut v, input.transfer_modes);
        match input.asking_price_fen {
            None if input.pricing_mode == PricingMode::Listed => v.push(
                "asking_price_fen",
                "is required when pricing_mode is listed",
            ),
            Some(p) if !(0..=MAX_PRICE_FEN).contains(&p) => v.push(
                "asking_price_fen",
                format!("must be between 0 and {MAX_PRICE_FEN} fen"),
            ),
            _ => {}
        }
        let region = v.take(RegionCode::parse("region", &input.region, refs));

        v.finish()?;
        let (Some(title), Some(summary), Some(field), Some(trl), Some(region)) =
            (title, summary, field, trl, region)
        else {
            unreachable!("every missing value recorded a field error");
        };
        Ok(ListingContent {
            title,
            summary,
            confidential_detail,
            field,
            keywords,
            ip_rights,
            trl,
            job_related: input.job_related,
            institution_id: input.institution_id,
            inventors,
            transfer_modes,
            pricing_mode: input.pricing_mode,
            asking_price_fen: input.asking_price_fen,
            region,
        })
    }

    /// The one rule that commands rely on, re-checked because the fields are public.
    pub(super) fn check_institution(&self) -> Result<(), DomainError> {
        if self.job_related != self.institution_id.is_some() {
            return Err(DomainError::invalid(
                "institution_id",
                "a job-related listing names its institution, and only a job-related one does",
            ));
        }
        Ok(())
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

fn parse_ip_rights(v: &mut Validation, raw: &[IpRightInput], refs: &ReferenceData) -> Vec<IpRight> {
    v.check(
        raw.len() <= IP_RIGHTS_MAX,
        "ip_rights",
        format!("must have at most {IP_RIGHTS_MAX} entries"),
    );
    let mut out: Vec<IpRight> = Vec::with_capacity(raw.len());
    for (i, ip) in raw.iter().enumerate() {
        let kind = v.take(IpKind::parse(
            &format!("ip_rights[{i}].kind"),
            &ip.kind,
            refs,
        ));
        let number = v.take(Title::parse(
            &format!("ip_rights[{i}].number"),
            &ip.number,
            IP_NUMBER_MAX,
        ));
        let (Some(kind), Some(number)) = (kind, number) else {
            continue;
        };
        if out
            .iter()
            .any(|r| r.kind == kind && r.number == number.as_str())
        {
            v.push(
                format!("ip_rights[{i}]"),
                "repeats an earlier IP right of the same kind and number",
            );
        } else {
            out.push(IpRight {
                kind,
                number: number.as_str().to_owned(),
                status: ip.status,
            });
        }
    }
    out
}

fn parse_inventors(v: &mut Validation, raw: &[InventorInput]) -> Vec<Inventor> {
    if raw.is_empty() {
        v.push("inventors", "must name at least one inventor");
    }
    v.check(
        raw.len() <= INVENTORS_MAX,
        "inventors",
        format!("must have at most {INVENTORS_MAX} entries"),
    );
    let mut out: Vec<Inventor> = Vec::with_capacity(raw.len());
    let mut seen_users: Vec<Uuid> = Vec::new();
    let mut all_shares_valid = true;
    // u64: the list length is checked but still walked, so a huge list must not overflow.
    let mut total_bp: u64 = 0;
    for (i, inv) in raw.iter().enumerate() {
        let name = v.take(Title::parse(
            &format!("inventors[{i}].name"),
            &inv.name,
            INVENTOR_NAME_MAX,
        ));
        let share = v.take(parse_percent(
            &format!("inventors[{i}].share_percent"),
            inv.share_percent,
            false,
        ));
        match share {
            Some(bp) => total_bp += u64::from(bp),
            None => all_shares_valid = false,
        }
        if let Some(user_id) = inv.user_id {
            if seen_users.contains(&user_id) {
                v.push(
                    format!("inventors[{i}].user_id"),
                    "names the same user as an earlier inventor",
                );
            }
            seen_users.push(user_id);
        }
        if let (Some(name), Some(share_bp)) = (name, share) {
            out.push(Inventor {
                name: name.as_str().to_owned(),
                user_id: inv.user_id,
                share_bp,
            });
        }
    }
    // A sum over shares that were themselves refused would only repeat those errors.
    if all_shares_valid && !raw.is_empty() && total_bp != u64::from(FULL_BP) {
        v.push(
            "inventors",
            format!(
                "shares must sum to 100%, they sum to {}",
                percent_text(total_bp)
            ),
        );
    }
    out
}

fn parse_transfer_modes(v: &mut Validation, raw: Vec<TransferMode>) -> Vec<TransferMode> {
    if raw.is_empty() {
        v.push("transfer_modes", "must offer at least one transfer mode");
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, mode) in raw.into_iter().enumerate() {
        if out.contains(&mode) {
            v.push(
                format!("transfer_modes[{i}]"),
                "repeats an earlier transfer mode",
            );
        } else {
            out.push(mode);
        }
    }
    out
}

//! An auction's rules, validated once when the sale is opened.

use serde::{Deserialize, Serialize};

use crate::domain::error::Validation;
use crate::domain::DomainError;

/// 10^18 fen: far above any real price, yet inside `i64`.
pub const MAX_PRICE_FEN: i64 = 1_000_000_000_000_000;
const MAX_MINUTES: u32 = 60 * 24 * 30;
const MAX_EXTENSION_MINUTES: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuctionRules {
    /// The first bid must reach it (for an auction among a listed sale's applicants: the
    /// listed price).
    pub starting_price_fen: i64,
    /// Below it nothing is sold; `None` for no reserve.
    pub reserve_fen: Option<i64>,
    /// A shown reserve refuses lower bids; a hidden one is only judged at the close.
    pub reserve_shown: bool,
    /// Each open bid must beat the leading one by at least this.
    pub increment_fen: i64,
    /// Sealed: one bid per bidder, amounts unseen by the others until the close.
    pub sealed: bool,
    /// For an auction among a listed sale's applicants: how long it runs.
    pub duration_minutes: u32,
    /// A bid within this many minutes of the end moves the end to this many minutes after it
    /// (0: no extension).
    pub extension_minutes: u32,
}

/// The rules as they arrive in a JSON body; omitted ones take the usual values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuctionRulesInput {
    #[serde(default)]
    pub starting_price_fen: Option<i64>,
    #[serde(default)]
    pub reserve_fen: Option<i64>,
    #[serde(default)]
    pub reserve_shown: bool,
    pub increment_fen: i64,
    #[serde(default)]
    pub sealed: bool,
    #[serde(default = "default_duration")]
    pub duration_minutes: u32,
    #[serde(default = "default_extension")]
    pub extension_minutes: u32,
}

fn default_duration() -> u32 {
    60
}

fn default_extension() -> u32 {
    5
}

/// Records an error unless `fen` is a price: more than 0, at most [`MAX_PRICE_FEN`].
pub(super) fn price(v: &mut Validation, field: &str, fen: i64) {
    if fen <= 0 {
        v.push(field, "must be more than 0");
    } else if fen > MAX_PRICE_FEN {
        v.push(field, format!("must be at most {MAX_PRICE_FEN} fen"));
    }
}

impl AuctionRules {
    /// Validates the rules; `starting_price_fen` is what the first bid must reach when the
    /// input names none (a listed sale's price), and is required otherwise.
    pub fn parse(
        input: AuctionRulesInput,
        starting_price_fen: Option<i64>,
    ) -> Result<AuctionRules, DomainError> {
        let mut v = Validation::new();
        let start = input.starting_price_fen.or(starting_price_fen);
        match start {
            Some(p) => price(&mut v, "starting_price_fen", p),
            None => v.push("starting_price_fen", "is required"),
        }
        price(&mut v, "increment_fen", input.increment_fen);
        if let Some(r) = input.reserve_fen {
            if r <= 0 || r > MAX_PRICE_FEN {
                price(&mut v, "reserve_fen", r);
            } else if start.is_some_and(|s| r < s) {
                v.push("reserve_fen", "must not be below the starting price");
            }
        } else if input.reserve_shown {
            v.push("reserve_shown", "there is no reserve to show");
        }
        if input.duration_minutes == 0 || input.duration_minutes > MAX_MINUTES {
            v.push(
                "duration_minutes",
                format!("must be between 1 and {MAX_MINUTES}"),
            );
        }
        if input.extension_minutes > MAX_EXTENSION_MINUTES {
            v.push(
                "extension_minutes",
                format!("must be at most {MAX_EXTENSION_MINUTES}"),
            );
        }
        v.finish()?;
        Ok(AuctionRules {
            starting_price_fen: start.expect("checked above"),
            reserve_fen: input.reserve_fen,
            reserve_shown: input.reserve_shown,
            increment_fen: input.increment_fen,
            sealed: input.sealed,
            duration_minutes: input.duration_minutes,
            extension_minutes: input.extension_minutes,
        })
    }

    /// The least an open bid may be, given the leading one.
    pub fn minimum_bid(&self, leading: Option<i64>) -> i64 {
        let floor = match (self.reserve_shown, self.reserve_fen) {
            (true, Some(r)) => r.max(self.starting_price_fen),
            _ => self.starting_price_fen,
        };
        match leading {
            Some(l) if !self.sealed => floor.max(l.saturating_add(self.increment_fen)),
            _ => floor,
        }
    }
}

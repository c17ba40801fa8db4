//! What a person may ask to hear about, as it arrives and once checked: a saved search (words
//! and filters, on listings or demands) or a match alert on their own demand or listing. Pure;
//! that the demand or listing is the caller's own is checked where it is read.

use serde::Deserialize;
use uuid::Uuid;

use super::alerts::{Criteria, Target};
use crate::domain::reference::{ReferenceData, RegionCode, TechnologyField};
use crate::domain::FieldError;
use crate::projections::search::analyzer;

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_QUERY_CHARS: usize = 200;
/// The threshold of a match alert that names none.
pub const DEFAULT_MIN_SCORE: f64 = 60.0;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSearchInput {
    pub name: String,
    pub target: Option<String>,
    pub q: Option<String>,
    pub field: Option<String>,
    pub region: Option<String>,
    pub trl_min: Option<i64>,
    pub matches_for: Option<MatchesFor>,
    pub min_score: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchesFor {
    pub demand_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
}

/// The checked name, target and criteria; or every reason the input is refused.
pub fn parse(
    input: SavedSearchInput,
    refs: &ReferenceData,
) -> Result<(String, Target, Criteria), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new("name", "must not be empty"));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    let parsed = match input.matches_for {
        Some(m) => {
            for (given, field) in [
                (input.target.is_some(), "target"),
                (input.q.is_some(), "q"),
                (input.field.is_some(), "field"),
                (input.region.is_some(), "region"),
                (input.trl_min.is_some(), "trl_min"),
            ] {
                if given {
                    errors.push(FieldError::new(
                        field,
                        "cannot be combined with matches_for: a match alert weighs the whole demand or listing",
                    ));
                }
            }
            let min_score = input.min_score.unwrap_or(DEFAULT_MIN_SCORE);
            if !(0.0..=100.0).contains(&min_score) {
                errors.push(FieldError::new("min_score", "must be between 0 and 100"));
            }
            match (m.demand_id, m.listing_id) {
                (Some(d), None) => Some((
                    Target::Listings,
                    Criteria::Matches {
                        demand_id: Some(d),
                        listing_id: None,
                        min_score,
                    },
                )),
                (None, Some(l)) => Some((
                    Target::Demands,
                    Criteria::Matches {
                        demand_id: None,
                        listing_id: Some(l),
                        min_score,
                    },
                )),
                _ => {
                    errors.push(FieldError::new(
                        "matches_for",
                        "name exactly one of demand_id (to hear of listings) or listing_id (to hear of demands)",
                    ));
                    None
                }
            }
        }
        None => search(&input, refs, &mut errors),
    };
    match parsed {
        Some((target, criteria)) if errors.is_empty() => Ok((name, target, criteria)),
        _ => Err(errors),
    }
}

fn search(
    input: &SavedSearchInput,
    refs: &ReferenceData,
    errors: &mut Vec<FieldError>,
) -> Option<(Target, Criteria)> {
    if input.min_score.is_some() {
        errors.push(FieldError::new(
            "min_score",
            "applies to match alerts (matches_for) only",
        ));
    }
    let target = match input.target.as_deref() {
        None => {
            errors.push(FieldError::new(
                "target",
                "required: listings or demands (or matches_for, for a match alert)",
            ));
            None
        }
        Some(t) => {
            let parsed = Target::parse(t);
            if parsed.is_none() {
                errors.push(FieldError::new("target", "one of listings, demands"));
            }
            parsed
        }
    };
    let q = input.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut terms = Vec::new();
    if let Some(q) = q {
        if q.chars().count() > MAX_QUERY_CHARS {
            errors.push(FieldError::new(
                "q",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        } else {
            terms = analyzer::significant(analyzer::terms(q));
            if terms.is_empty() {
                errors.push(FieldError::new("q", "contains no searchable words"));
            }
        }
    }
    if let Some(f) = &input.field {
        if let Err(e) = TechnologyField::parse("field", f, refs) {
            errors.push(e);
        }
    }
    if let Some(r) = &input.region {
        if let Err(e) = RegionCode::parse("region", r, refs) {
            errors.push(e);
        }
    }
    if let Some(t) = input.trl_min {
        if !(1..=9).contains(&t) {
            errors.push(FieldError::new("trl_min", "must be between 1 and 9"));
        }
    }
    if q.is_none() && input.field.is_none() && input.region.is_none() && input.trl_min.is_none() {
        errors.push(FieldError::new(
            "q",
            "a saved search needs words (q) or a filter (field, region, trl_min)",
        ));
    }
    Some((
        target?,
        Criteria::Search {
            q: q.map(Into::into),
            terms,
            field: input.field.clone(),
            region: input.region.clone(),
            trl_min: input.trl_min.map(|t| t.clamp(1, 9) as u8),
        },
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::reference::sample;

    fn input(v: serde_json::Value) -> SavedSearchInput {
        serde_json::from_value(v).unwrap()
    }

    fn refused(v: serde_json::Value) -> Vec<String> {
        parse(input(v), &sample())
            .expect_err("refused")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_search_keeps_its_words_and_filters() {
        let (name, target, criteria) = parse(
            input(json!({"name": " 电池 ", "target": "listings", "q": "锂电池 正极", "field": "new_energy", "region": "500000", "trl_min": 4})),
            &sample(),
        )
        .unwrap();
        assert_eq!((name.as_str(), target), ("电池", Target::Listings));
        let Criteria::Search {
            q,
            terms,
            field,
            region,
            trl_min,
        } = criteria
        else {
            panic!("a search");
        };
        assert_eq!(q.as_deref(), Some("锂电池 正极"));
        assert!(terms.contains(&"锂电池".to_string()) && terms.contains(&"正极".to_string()));
        assert_eq!(
            (field.as_deref(), region.as_deref(), trl_min),
            (Some("new_energy"), Some("500000"), Some(4))
        );
    }

    #[test]
    fn a_match_alert_names_its_demand_or_listing_and_a_threshold() {
        let id = Uuid::from_u128(5);
        let (_, target, criteria) = parse(
            input(json!({"name": "需求匹配", "matches_for": {"demand_id": id}})),
            &sample(),
        )
        .unwrap();
        assert_eq!(target, Target::Listings);
        assert_eq!(
            criteria,
            Criteria::Matches {
                demand_id: Some(id),
                listing_id: None,
                min_score: DEFAULT_MIN_SCORE
            }
        );
        let (_, target, _) = parse(
            input(json!({"name": "成果匹配", "matches_for": {"listing_id": id}, "min_score": 40})),
            &sample(),
        )
        .unwrap();
        assert_eq!(target, Target::Demands);
    }

    #[test]
    fn every_fault_is_named_at_once() {
        assert_eq!(
            refused(
                json!({"name": " ", "target": "weather", "q": "！？。", "field": "astrology", "region": "999999", "trl_min": 12})
            ),
            ["name", "target", "q", "field", "region", "trl_min"]
        );
        assert_eq!(
            refused(json!({"name": "空的", "target": "listings"})),
            ["q"]
        );
        assert_eq!(refused(json!({"name": "x", "q": "电池"})), ["target"]);
        assert_eq!(
            refused(
                json!({"name": "x", "matches_for": {"demand_id": Uuid::nil()}, "q": "电池", "min_score": 101})
            ),
            ["q", "min_score"]
        );
        assert_eq!(
            refused(
                json!({"name": "x", "matches_for": {"demand_id": Uuid::nil(), "listing_id": Uuid::nil()}})
            ),
            ["matches_for"]
        );
        assert_eq!(
            refused(json!({"name": "x", "target": "listings", "q": "电池", "min_score": 50})),
            ["min_score"]
        );
        assert_eq!(
            refused(json!({"name": "x".repeat(101), "target": "demands", "q": "电".repeat(201)})),
            ["name", "q"]
        );
    }
}

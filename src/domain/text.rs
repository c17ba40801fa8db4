//! Validated free-text newtypes. Text is stored as given (after trimming) and escaped by whoever
//! renders it; we refuse only what no legitimate user sends: control characters and absurd lengths.

use serde::{Deserialize, Serialize};

use super::FieldError;

/// Trims, then checks length in characters (not bytes: Chinese text is 3 bytes a character)
/// and rejects control characters other than newlines and tabs.
pub fn clean(field: &str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let s = raw.trim();
    let n = s.chars().count();
    if n < min {
        return Err(FieldError::new(
            field,
            if min <= 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {min} characters")
            },
        ));
    }
    if n > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(s.to_string())
}

/// Optional free text: trimmed, at most `max` characters, blank taken as none. An invalid one
/// is recorded in `v`.
pub fn optional(
    v: &mut super::error::Validation,
    field: &str,
    raw: Option<String>,
    max: usize,
) -> Option<String> {
    raw.and_then(|raw| v.take(clean(field, &raw, 0, max)))
        .filter(|s| !s.is_empty())
}

/// A short, single-line, non-empty name or title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Title(String);

impl Title {
    pub fn parse(field: &str, raw: &str, max: usize) -> Result<Self, FieldError> {
        let s = clean(field, raw, 1, max)?;
        if s.contains('\n') {
            return Err(FieldError::new(field, "must be a single line"));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Title {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

//! How long a public notice (公示) runs: a job-related listing's price notice, an ownership
//! grant's notice. At least a day on a production instance; a demo instance (`APP_DEMO`) may
//! allow none, so the whole chain can be shown, or tested, in one sitting.

use super::DomainError;

/// The shortest notice a production instance allows.
pub const SHORTEST: u32 = 1;

/// serde's default for an action recorded before the shortest notice was part of it.
pub fn shortest() -> u32 {
    SHORTEST
}

/// `days` when it lies between `shortest` and `longest`, otherwise the field error on `days`.
pub fn days(days: u32, shortest: u32, longest: u32) -> Result<u32, DomainError> {
    if (shortest..=longest).contains(&days) {
        Ok(days)
    } else {
        Err(DomainError::invalid(
            "days",
            format!("must be between {shortest} and {longest}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_runs_between_the_shortest_and_the_longest() {
        assert_eq!(days(1, SHORTEST, 30).unwrap(), 1);
        assert_eq!(days(30, SHORTEST, 30).unwrap(), 30);
        assert_eq!(days(0, 0, 30).unwrap(), 0);
        for (asked, shortest) in [(0, SHORTEST), (31, SHORTEST), (31, 0)] {
            match days(asked, shortest, 30) {
                Err(DomainError::Invalid(errors)) => {
                    assert_eq!(errors[0].field, "days");
                    assert_eq!(
                        errors[0].message,
                        format!("must be between {shortest} and 30")
                    );
                }
                other => panic!("{asked} days with {shortest} at least: {other:?}"),
            }
        }
    }
}

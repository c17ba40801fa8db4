//! Assertions shared by the aggregates' unit tests.

use super::DomainError;

/// The fields a validation error names, in order.
pub fn fields(err: DomainError) -> Vec<String> {
    match err {
        DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The message of the error on `field`.
pub fn message_of(err: &DomainError, field: &str) -> String {
    match err {
        DomainError::Invalid(errors) => errors
            .iter()
            .find(|e| e.field == field)
            .unwrap_or_else(|| panic!("no error on {field}: {errors:?}"))
            .message
            .clone(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub fn assert_forbidden(err: DomainError, who: &str) {
    assert!(
        matches!(err, DomainError::Forbidden(_)),
        "{who}: expected Forbidden, got {err:?}"
    );
}

pub fn assert_conflict(err: DomainError, containing: &str) {
    match err {
        DomainError::Conflict(message) => {
            assert!(
                message.contains(containing),
                "conflict '{message}' does not mention '{containing}'"
            )
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
}

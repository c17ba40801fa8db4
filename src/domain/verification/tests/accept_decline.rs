//! The provider's answer: accepting or declining a request.

use super::*;

// =============================================================================================
// Accept

#[test]
fn a_provider_of_the_organization_accepts_a_request_with_a_trimmed_note() {
    for (who, actor) in [
        ("provider", provider()),
        ("colleague", provider_colleague()),
    ] {
        let mut s = requested();
        let at = s.now;
        assert_eq!(
            s.ok(actor, accept(Some("  欢迎，下周启动。 "))),
            VerificationEvent::Accepted {
                note: Some("欢迎，下周启动。".into())
            },
            "{who}"
        );
        let r = s.request();
        assert_eq!(r.status, VerificationStatus::Accepted);
        assert_eq!(r.acceptance_note.as_deref(), Some("欢迎，下周启动。"));
        assert_eq!((r.created_at, r.updated_at), (t0(), at));
        assert_eq!(r.completed_at, None);
    }
}

#[test]
fn the_acceptance_note_is_optional_and_at_most_500_characters() {
    for blank in [None, Some(""), Some(" \n ")] {
        let mut s = requested();
        assert_eq!(
            s.ok(provider(), accept(blank)),
            VerificationEvent::Accepted { note: None },
            "{blank:?}"
        );
        assert_eq!(s.request().acceptance_note, None);
    }
    let mut s = requested();
    let long = "注".repeat(501);
    let err = s.refused(provider(), accept(Some(&long)));
    assert_eq!(fields(err.clone()), vec!["note"]);
    assert_eq!(message_of(&err, "note"), "must be at most 500 characters");
    assert_eq!(
        fields(s.refused(provider(), accept(Some("bell\u{7}")))),
        vec!["note"]
    );
    let at_most = "注".repeat(500);
    s.ok(provider(), accept(Some(&at_most)));
    assert_eq!(s.request().acceptance_note, Some(at_most));
}

#[test]
fn only_a_provider_of_the_requested_organization_accepts() {
    for (who, actor) in everyone_but(&PROVIDERS) {
        let err = requested().refused(actor, accept(None));
        assert_eq!(
            err,
            DomainError::forbidden("only a provider of the requested organization can accept"),
            "{who}"
        );
    }
}

#[test]
fn only_a_requested_verification_is_accepted() {
    use VerificationStatus as S;
    for status in [
        S::Accepted,
        S::Declined,
        S::InProgress,
        S::Completed,
        S::Cancelled,
    ] {
        let err = in_status(status).refused(provider(), accept(None));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "only a requested verification can be accepted; it is {status}"
            ))
        );
    }
}

#[test]
fn accept_checks_the_actor_then_the_status_then_the_note() {
    let long = "注".repeat(501);
    let mut s = in_status(VerificationStatus::Declined);
    assert_forbidden(s.refused(other_provider(), accept(Some(&long))), "other");
    assert_conflict(s.refused(provider(), accept(Some(&long))), "declined");
    assert_eq!(
        fields(requested().refused(provider(), accept(Some(&long)))),
        vec!["note"]
    );
}

// =============================================================================================
// Decline

#[test]
fn a_provider_of_the_organization_declines_a_request_with_a_reason() {
    for (who, actor) in [
        ("provider", provider()),
        ("colleague", provider_colleague()),
    ] {
        let mut s = requested();
        let at = s.now;
        assert_eq!(
            s.ok(actor, decline("  本季度排期已满 ")),
            VerificationEvent::Declined {
                reason: "本季度排期已满".into()
            },
            "{who}"
        );
        let r = s.request();
        assert_eq!(r.status, VerificationStatus::Declined);
        assert_eq!(r.decline_reason.as_deref(), Some("本季度排期已满"));
        assert_eq!(
            (r.acceptance_note.as_ref(), r.cancel_reason.as_ref()),
            (None, None)
        );
        assert_eq!(r.updated_at, at);
    }
}

#[test]
fn the_decline_reason_is_required_and_at_most_500_characters() {
    let mut s = requested();
    for bad in [
        "".to_string(),
        " \n ".to_string(),
        "因".repeat(501),
        "nul\u{0}".into(),
    ] {
        let err = s.refused(provider(), decline(&bad));
        assert_eq!(fields(err), vec!["reason"], "{bad:?}");
    }
    assert_eq!(
        message_of(&s.refused(provider(), decline("")), "reason"),
        "must not be empty"
    );
    s.ok(provider(), decline(&"因".repeat(500)));
    assert_eq!(
        s.request()
            .decline_reason
            .as_ref()
            .map(|r| r.chars().count()),
        Some(500)
    );
}

#[test]
fn only_a_provider_of_the_requested_organization_declines() {
    for (who, actor) in everyone_but(&PROVIDERS) {
        let err = requested().refused(actor, decline("no"));
        assert_eq!(
            err,
            DomainError::forbidden("only a provider of the requested organization can decline"),
            "{who}"
        );
    }
}

#[test]
fn only_a_requested_verification_is_declined() {
    use VerificationStatus as S;
    for status in [
        S::Accepted,
        S::Declined,
        S::InProgress,
        S::Completed,
        S::Cancelled,
    ] {
        let err = in_status(status).refused(provider(), decline("no"));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "only a requested verification can be declined; it is {status}"
            ))
        );
    }
}

#[test]
fn decline_checks_the_actor_then_the_status_then_the_reason() {
    let mut s = in_status(VerificationStatus::Accepted);
    assert_forbidden(s.refused(requester(), decline("")), "requester");
    assert_conflict(s.refused(provider(), decline("")), "accepted");
    assert_eq!(
        fields(requested().refused(provider(), decline(""))),
        vec!["reason"]
    );
}

//! The requester cancelling before the work is done.

use super::*;

#[test]
fn the_requester_cancels_before_the_work_is_done() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Accepted, S::InProgress] {
        let mut s = in_status(status);
        let at = s.now;
        let milestones = s.request().milestones.clone();
        assert_eq!(
            s.ok(requester(), cancel("  经费未获批 ")),
            VerificationEvent::Cancelled {
                reason: "经费未获批".into()
            }
        );
        let r = s.request();
        assert_eq!(r.status, S::Cancelled, "{status}");
        assert_eq!(r.cancel_reason.as_deref(), Some("经费未获批"));
        assert_eq!((r.updated_at, r.completed_at), (at, None));
        assert_eq!(r.milestones, milestones);
    }
}

#[test]
fn only_the_requester_cancels() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Accepted, S::InProgress] {
        for (who, actor) in everyone_but(&["requester"]) {
            let err = in_status(status).refused(actor, cancel("r"));
            assert_eq!(
                err,
                DomainError::forbidden("only the requester can cancel a verification request"),
                "{status} {who}"
            );
        }
    }
}

#[test]
fn finished_requests_cannot_be_cancelled() {
    use VerificationStatus as S;
    for status in [S::Declined, S::Completed, S::Cancelled] {
        let err = in_status(status).refused(requester(), cancel("r"));
        assert_eq!(
            err,
            DomainError::conflict(format!("a {status} request cannot be cancelled"))
        );
    }
}

#[test]
fn the_cancel_reason_is_required_and_at_most_500_characters() {
    let mut s = in_status(VerificationStatus::Accepted);
    for bad in [
        "".to_string(),
        "\n".into(),
        "因".repeat(501),
        "bell\u{7}".into(),
    ] {
        assert_eq!(
            fields(s.refused(requester(), cancel(&bad))),
            vec!["reason"],
            "{bad:?}"
        );
    }
    s.ok(requester(), cancel(&"因".repeat(500)));
    assert_eq!(s.status(), VerificationStatus::Cancelled);
}

#[test]
fn cancel_checks_the_actor_then_the_status_then_the_reason() {
    let mut s = in_status(VerificationStatus::Completed);
    assert_forbidden(s.refused(provider(), cancel("")), "provider");
    assert_conflict(s.refused(requester(), cancel("")), "completed");
    assert_eq!(
        fields(requested().refused(requester(), cancel(""))),
        vec!["reason"]
    );
}

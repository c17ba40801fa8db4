//! Completing the work, with its outcome and the TRL after.

use super::*;

#[test]
fn a_provider_completes_work_in_progress_with_a_raised_trl() {
    let mut s = in_status(VerificationStatus::InProgress);
    let at = s.now;
    assert_eq!(
        s.ok(
            provider_colleague(),
            complete(Outcome::Success, 6, "  原理验证通过，原型达到设计指标。 ")
        ),
        VerificationEvent::Completed {
            outcome: Outcome::Success,
            trl_after: trl(6),
            report: "原理验证通过，原型达到设计指标。".into(),
        }
    );
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::Completed);
    assert_eq!(
        (r.outcome, r.trl_after, r.report.as_deref()),
        (
            Some(Outcome::Success),
            Some(trl(6)),
            Some("原理验证通过，原型达到设计指标。")
        )
    );
    assert_eq!((r.completed_at, r.updated_at), (Some(at), at));
    assert_eq!(r.raised_trl(), Some(trl(6)));
}

#[test]
fn accepted_work_may_be_completed_without_milestones() {
    let mut s = in_status(VerificationStatus::Accepted);
    s.ok(provider(), complete(Outcome::Failure, 4, "原理不成立。"));
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::Completed);
    assert!(r.milestones.is_empty());
    assert_eq!(
        (r.outcome, r.trl_after),
        (Some(Outcome::Failure), Some(trl(4)))
    );
}

#[test]
fn only_a_provider_of_the_requested_organization_completes() {
    for status in [VerificationStatus::Accepted, VerificationStatus::InProgress] {
        for (who, actor) in everyone_but(&PROVIDERS) {
            let err = in_status(status).refused(actor, complete(Outcome::Success, 6, "r"));
            assert_eq!(
                err,
                DomainError::forbidden(
                    "only a provider of the requested organization can complete the work"
                ),
                "{status} {who}"
            );
        }
    }
}

#[test]
fn only_accepted_or_in_progress_work_is_completed() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Declined, S::Completed, S::Cancelled] {
        let err = in_status(status).refused(provider(), complete(Outcome::Success, 6, "r"));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "only accepted or in-progress work can be completed; the request is {status}"
            ))
        );
    }
}

#[test]
fn a_success_does_not_lower_the_trl_a_failure_may() {
    for lower in 1..=3 {
        let err = in_status(VerificationStatus::InProgress)
            .refused(provider(), complete(Outcome::Success, lower, "r"));
        assert_eq!(
            err,
            DomainError::invalid(
                "trl_after",
                "a successful verification does not lower the TRL"
            ),
            "{lower}"
        );
    }
    for (outcome, after) in [
        (Outcome::Success, 4),
        (Outcome::Success, 9),
        (Outcome::Failure, 4),
        (Outcome::Failure, 3),
        (Outcome::Failure, 1),
    ] {
        let mut s = in_status(VerificationStatus::InProgress);
        s.ok(provider(), complete(outcome, after, "r"));
        assert_eq!(
            (s.request().outcome, s.request().trl_after),
            (Some(outcome), Some(trl(after)))
        );
    }
}

#[test]
fn the_report_is_required_and_at_most_20000_characters() {
    let mut s = in_status(VerificationStatus::InProgress);
    for bad in [" ".to_string(), "报".repeat(20_001), "nul\u{0}".into()] {
        assert_eq!(
            fields(s.refused(provider(), complete(Outcome::Failure, 4, &bad))),
            vec!["report"]
        );
    }
    // Both problems at once.
    assert_eq!(
        fields(s.refused(provider(), complete(Outcome::Success, 2, ""))),
        vec!["trl_after", "report"]
    );
    s.ok(
        provider(),
        complete(Outcome::Success, 5, &"报\n".repeat(10_000)),
    );
    assert_eq!(
        s.request().report.as_ref().map(|r| r.chars().count()),
        Some(19_999)
    );
    let mut s = in_status(VerificationStatus::InProgress);
    s.ok(
        provider(),
        complete(Outcome::Success, 5, &"报".repeat(20_000)),
    );
}

#[test]
fn complete_checks_the_actor_then_the_status_then_the_payload() {
    let bad = complete(Outcome::Success, 1, "");
    let mut s = in_status(VerificationStatus::Requested);
    assert_forbidden(s.refused(platform_admin(), bad.clone()), "platform_admin");
    assert_conflict(s.refused(provider(), bad.clone()), "requested");
    assert_eq!(
        fields(in_status(VerificationStatus::Accepted).refused(provider(), bad)),
        vec!["trl_after", "report"]
    );
}

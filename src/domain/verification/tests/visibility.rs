//! Who sees a request, who is who, and the TRL a request raises.

use super::*;

/// Who passes `check` on the request of `s`, among anonymous + everyone.
fn who_passes(
    s: &Story,
    check: impl Fn(&VerificationData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.request(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.request(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

#[test]
fn a_request_is_visible_to_its_requester_the_providers_and_the_platform_admins_in_every_state() {
    for status in VerificationStatus::ALL.iter().copied() {
        assert_eq!(
            who_passes(&in_status(status), VerificationData::is_visible_to),
            vec![
                "requester",
                "provider",
                "provider_colleague",
                "platform_admin",
                "system"
            ],
            "{status}"
        );
    }
}

#[test]
fn requester_and_provider_are_told_apart() {
    let s = requested();
    assert_eq!(
        who_passes(&s, |r, a| a.is_some_and(|a| r.is_requester(a))),
        vec!["requester"]
    );
    assert_eq!(
        who_passes(&s, |r, a| a.is_some_and(|a| r.is_provider(a))),
        vec!["provider", "provider_colleague"]
    );
}

#[test]
fn raised_trl_is_the_trl_after_of_a_success_above_the_trl_before() {
    let completed = |outcome: Outcome, after: i64| {
        let mut s = in_status(VerificationStatus::InProgress);
        s.ok(provider(), complete(outcome, after, "r"));
        s.request().raised_trl()
    };
    assert_eq!(completed(Outcome::Success, 5), Some(trl(5)));
    assert_eq!(completed(Outcome::Success, 9), Some(trl(9)));
    assert_eq!(completed(Outcome::Success, 4), None);
    assert_eq!(completed(Outcome::Failure, 4), None);
    assert_eq!(completed(Outcome::Failure, 2), None);
    // A failure that claims a higher level is refused outright.
    let mut s = in_status(VerificationStatus::InProgress);
    assert_eq!(
        fields(s.refused(provider(), complete(Outcome::Failure, 6, "r"))),
        ["trl_after"]
    );
    use VerificationStatus as S;
    for status in [
        S::Requested,
        S::Accepted,
        S::Declined,
        S::InProgress,
        S::Cancelled,
    ] {
        assert_eq!(in_status(status).request().raised_trl(), None, "{status}");
    }
}

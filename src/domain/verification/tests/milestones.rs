//! Reporting milestones on accepted work.

use super::*;

#[test]
fn the_first_milestone_starts_the_work_and_later_ones_add_to_it() {
    let mut s = in_status(VerificationStatus::Accepted);
    let first_at = s.now;
    assert_eq!(
        s.ok(
            provider(),
            VerificationAction::ReportMilestone {
                milestone_id: M1,
                title: "  原理样机完成 ".into(),
                description: " 完成了三组低温循环测试。\n数据见附件。 ".into(),
                progress_percent: Some(40),
            }
        ),
        VerificationEvent::MilestoneReported {
            milestone: Milestone {
                id: M1,
                title: "原理样机完成".into(),
                description: "完成了三组低温循环测试。\n数据见附件。".into(),
                progress_percent: Some(40),
                reported_at: first_at,
            }
        }
    );
    assert_eq!(s.status(), VerificationStatus::InProgress);
    assert_eq!(s.request().updated_at, first_at);
    let second_at = s.now;
    s.ok(provider_colleague(), milestone(M2, "Second", None));
    let r = s.request();
    assert_eq!(r.status, VerificationStatus::InProgress);
    assert_eq!(
        r.milestones.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![M1, M2]
    );
    assert_eq!(
        r.milestone(M2),
        Some(&Milestone {
            id: M2,
            title: "Second".into(),
            description: "".into(),
            progress_percent: None,
            reported_at: second_at,
        })
    );
    assert_eq!(r.milestone(Uuid::from_u128(0xA9)), None);
    assert_eq!(r.updated_at, second_at);
}

#[test]
fn only_a_provider_of_the_requested_organization_reports_milestones() {
    for status in [VerificationStatus::Accepted, VerificationStatus::InProgress] {
        for (who, actor) in everyone_but(&PROVIDERS) {
            let err = in_status(status).refused(actor, milestone(M2, "m", Some(50)));
            assert_eq!(
                err,
                DomainError::forbidden(
                    "only a provider of the requested organization can report a milestone"
                ),
                "{status} {who}"
            );
        }
    }
}

#[test]
fn milestones_are_reported_on_accepted_work_only() {
    use VerificationStatus as S;
    for status in [S::Requested, S::Declined, S::Completed, S::Cancelled] {
        let err = in_status(status).refused(provider(), milestone(M2, "m", Some(50)));
        assert_eq!(
            err,
            DomainError::conflict(format!(
                "milestones are reported on accepted work; the request is {status}"
            ))
        );
    }
}

#[test]
fn a_milestone_id_is_reported_once() {
    let mut s = in_status(VerificationStatus::InProgress);
    let err = s.refused(provider(), milestone(M1, "Again", Some(20)));
    assert_eq!(
        err,
        DomainError::conflict(format!("milestone {M1} was already reported"))
    );
    assert_eq!(s.request().milestones.len(), 1);
}

#[test]
fn a_milestone_has_a_title_an_optional_description_and_a_progress_of_0_to_100() {
    let report = |title: String, description: String, progress_percent: Option<u8>| {
        VerificationAction::ReportMilestone {
            milestone_id: M2,
            title,
            description,
            progress_percent,
        }
    };
    let mut s = in_status(VerificationStatus::Accepted);
    for bad_title in ["".to_string(), " ".into(), "a\nb".into(), "标".repeat(201)] {
        assert_eq!(
            fields(s.refused(provider(), report(bad_title.clone(), "".into(), None))),
            vec!["title"],
            "{bad_title:?}"
        );
    }
    for bad_description in ["述".repeat(5001), "bell\u{7}".into()] {
        assert_eq!(
            fields(s.refused(provider(), report("t".into(), bad_description, None))),
            vec!["description"]
        );
    }
    for bad_progress in [101, 200, u8::MAX] {
        let err = s.refused(
            provider(),
            report("t".into(), "".into(), Some(bad_progress)),
        );
        assert_eq!(
            fields(err.clone()),
            vec!["progress_percent"],
            "{bad_progress}"
        );
        assert_eq!(
            message_of(&err, "progress_percent"),
            "must be between 0 and 100"
        );
    }
    // Every problem at once.
    assert_eq!(
        fields(s.refused(provider(), report("".into(), "述".repeat(5001), Some(101)))),
        vec!["title", "description", "progress_percent"]
    );
    // The boundaries are fine.
    for (n, progress) in [Some(0), Some(100), None].into_iter().enumerate() {
        let id = Uuid::from_u128(0xB0 + n as u128);
        s.ok(
            provider(),
            VerificationAction::ReportMilestone {
                milestone_id: id,
                title: "标".repeat(200),
                description: "述".repeat(5000),
                progress_percent: progress,
            },
        );
        let m = s.request().milestone(id).unwrap();
        assert_eq!(
            (
                m.title.chars().count(),
                m.description.chars().count(),
                m.progress_percent
            ),
            (200, 5000, progress)
        );
    }
}

#[test]
fn report_milestone_checks_the_actor_then_the_status_then_the_id_then_the_payload() {
    let bad = milestone(M1, "", Some(101));
    let mut done = in_status(VerificationStatus::Completed);
    assert_forbidden(done.refused(requester(), bad.clone()), "requester");
    assert_conflict(done.refused(provider(), bad.clone()), "accepted work");
    let mut running = in_status(VerificationStatus::InProgress);
    assert_conflict(running.refused(provider(), bad.clone()), "already reported");
    assert_eq!(
        fields(running.refused(provider(), milestone(M2, "", Some(101)))),
        vec!["title", "progress_percent"]
    );
}

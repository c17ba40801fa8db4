//! Who sees a demand and its applications, and when it is open.

use super::*;

// =============================================================================================
// Visibility, applications, openness

/// Who passes `check` on the demand of `s`, among anonymous + everyone.
fn who_passes(s: &Story, check: impl Fn(&DemandData, Option<&Actor>) -> bool) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.demand(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.demand(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

fn all_names() -> Vec<&'static str> {
    std::iter::once("anonymous")
        .chain(everyone().into_iter().map(|(n, _)| n))
        .collect()
}

#[test]
fn published_and_closed_demands_are_visible_to_everyone() {
    for kind in DemandKind::ALL.iter().copied() {
        for status in [DemandStatus::Published, DemandStatus::Closed] {
            assert_eq!(
                who_passes(&in_status(status, kind), DemandData::is_visible_to),
                all_names(),
                "{kind} {status}"
            );
        }
    }
    assert_eq!(
        who_passes(&closed_by(CloseReason::Expired), DemandData::is_visible_to),
        all_names()
    );
}

#[test]
fn a_draft_is_visible_to_its_owner_and_the_platform_admins_only() {
    for kind in DemandKind::ALL.iter().copied() {
        assert_eq!(
            who_passes(
                &in_status(DemandStatus::Draft, kind),
                DemandData::is_visible_to
            ),
            vec!["owner", "platform_admin", "system"],
            "{kind}"
        );
    }
    // A cancelled draft never went public, and closing it does not make it so.
    let mut s = in_status(DemandStatus::Draft, DemandKind::Scene);
    s.ok(owner(), close(CloseReason::Cancelled));
    assert!(!s.demand().is_visible_to(None));
    assert!(s.demand().is_visible_to(Some(&owner())));
    // A demand closed after publication stays public, for the record.
    let mut s = in_status(DemandStatus::Published, DemandKind::Scene);
    s.ok(owner(), close(CloseReason::Cancelled));
    assert!(s.demand().is_visible_to(None));
}

#[test]
fn applications_are_visible_to_the_owner_and_admins_in_full_and_to_each_applicant_their_own() {
    let mut s = with_application();
    s.ok(other_researcher(), apply(APP2, "second"));
    fn ids_of(s: &Story, viewer: Option<&Actor>) -> Vec<Uuid> {
        s.demand()
            .applications_visible_to(viewer)
            .into_iter()
            .map(|a| a.id)
            .collect()
    }
    let ids = |viewer: Option<&Actor>| ids_of(&s, viewer);
    for (name, actor) in everyone() {
        let expected = match name {
            "owner" | "platform_admin" | "system" => vec![APP1, APP2],
            "researcher" => vec![APP1],
            "other_researcher" => vec![APP2],
            _ => vec![],
        };
        assert_eq!(ids(Some(&actor)), expected, "{name}");
    }
    assert_eq!(ids(None), Vec::<Uuid>::new());
    // Still after the call is closed.
    s.ok_all(owner(), select(APP1));
    assert_eq!(ids_of(&s, Some(&owner())), vec![APP1, APP2]);
    assert_eq!(ids_of(&s, Some(&other_researcher())), vec![APP2]);
    assert!(ids_of(&s, Some(&colleague())).is_empty());
}

#[test]
fn applications_visible_to_is_empty_for_everyone_on_a_demand_without_applications() {
    let s = in_status(DemandStatus::Published, DemandKind::OpenCall);
    assert_eq!(
        who_passes(&s, |d, v| !d.applications_visible_to(v).is_empty()),
        Vec::<&str>::new()
    );
}

#[test]
fn a_demand_is_open_while_published_through_its_valid_until_date() {
    let s = in_status(DemandStatus::Published, DemandKind::TechnicalProblem);
    let d = s.demand();
    assert!(d.is_open_on(today()));
    assert!(d.is_open_on(date(2026, 12, 31)));
    assert!(d.is_open_on(china_date(utc(LAST_VALID_INSTANT))));
    assert!(!d.is_open_on(china_date(utc(FIRST_EXPIRED_INSTANT))));
    assert!(!d.is_open_on(date(2027, 1, 1)));
    assert!(!in_status(DemandStatus::Draft, DemandKind::Scene)
        .demand()
        .is_open_on(today()));
    for reason in CloseReason::ALL.iter().copied() {
        assert!(!closed_by(reason).demand().is_open_on(today()), "{reason}");
    }
}

//! Who sees a listing, and who sees its confidential detail.

use super::*;
use crate::domain::Role;

// =============================================================================================
// Visibility and confidentiality

/// Who sees a listing in `status`, among anonymous + everyone.
fn viewers(
    status: ListingStatus,
    job: bool,
    check: fn(&ListingData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let s = in_status(status, job);
    let mut names = Vec::new();
    if check(s.listing(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.listing(), Some(&actor)) {
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
fn published_and_transferred_listings_are_visible_to_everyone() {
    for job in [false, true] {
        for status in [ListingStatus::Published, ListingStatus::Transferred] {
            assert_eq!(
                viewers(status, job, ListingData::is_visible_to),
                all_names(),
                "{status}"
            );
        }
    }
}

#[test]
fn unpublished_listings_are_visible_to_the_owner_the_platform_admin_and_the_owning_institution() {
    let check = ListingData::is_visible_to;
    assert_eq!(
        viewers(ListingStatus::Draft, true, check),
        vec!["owner", "institution_admin", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Draft, false, check),
        vec!["owner", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Returned, true, check),
        vec!["owner", "institution_admin", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Returned, false, check),
        vec!["owner", "platform_admin"]
    );
}

#[test]
fn tech_managers_see_listings_under_review() {
    let check = ListingData::is_visible_to;
    assert_eq!(
        viewers(ListingStatus::UnderReview, true, check),
        vec![
            "owner",
            "tech_manager",
            "institution_admin",
            "platform_admin"
        ]
    );
    assert_eq!(
        viewers(ListingStatus::UnderReview, false, check),
        vec!["owner", "tech_manager", "platform_admin"]
    );
}

#[test]
fn withdrawn_listings_are_visible_to_the_owner_the_platform_admin_and_the_institution_only() {
    let check = ListingData::is_visible_to;
    assert_eq!(
        viewers(ListingStatus::Withdrawn, true, check),
        vec!["owner", "institution_admin", "platform_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::Withdrawn, false, check),
        vec!["owner", "platform_admin"]
    );
}

#[test]
fn confidential_detail_goes_to_the_owner_side_reviewers_and_the_owning_institution() {
    let check = ListingData::may_see_confidential;
    assert_eq!(
        viewers(ListingStatus::Published, true, check),
        vec!["owner", "colleague", "tech_manager", "institution_admin"]
    );
    // Not job-related: the university's office is no party to it.
    assert_eq!(
        viewers(ListingStatus::Published, false, check),
        vec!["owner", "colleague", "tech_manager"]
    );
    assert_eq!(
        viewers(ListingStatus::Transferred, true, check),
        vec!["owner", "colleague", "tech_manager", "institution_admin"]
    );
}

#[test]
fn confidential_detail_never_goes_where_the_listing_itself_is_not_visible() {
    let check = ListingData::may_see_confidential;
    assert_eq!(
        viewers(ListingStatus::Draft, true, check),
        vec!["owner", "institution_admin"]
    );
    assert_eq!(
        viewers(ListingStatus::UnderReview, false, check),
        vec!["owner", "tech_manager"]
    );
    assert_eq!(
        viewers(ListingStatus::Withdrawn, true, check),
        vec!["owner", "institution_admin"]
    );
}

#[test]
fn platform_admins_and_statisticians_never_see_confidential_detail_even_in_the_owner_organization()
{
    let s = in_status(ListingStatus::Published, false);
    let l = s.listing();
    for role in [Role::PlatformAdmin, Role::Statistician] {
        let insider = cast::person(60, role, Some(LAB));
        assert!(l.is_visible_to(Some(&insider)));
        assert!(!l.may_see_confidential(Some(&insider)), "{role}");
    }
    // Other roles within the owner's organization are on the owner side.
    for role in [Role::Researcher, Role::InstitutionAdmin, Role::Enterprise] {
        assert!(
            l.may_see_confidential(Some(&cast::person(61, role, Some(LAB)))),
            "{role}"
        );
    }
}

#[test]
fn an_owner_without_organization_shares_confidential_detail_with_nobody_else_without_one() {
    let loner = cast::person(50, Role::Researcher, None);
    let mut s = story();
    s.ok(loner, ListingAction::Create(content(false)));
    s.ok(loner, ListingAction::Submit);
    s.ok(tech_manager(), ListingAction::Publish);
    let l = s.listing();
    assert!(l.may_see_confidential(Some(&loner)));
    assert!(!l.may_see_confidential(Some(&cast::person(51, Role::Researcher, None))));
    assert!(!l.may_see_confidential(Some(&colleague())));
}

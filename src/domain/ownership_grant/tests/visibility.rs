//! Who sees a grant, and who sees the money.

use super::*;

// ---------------------------------------------------------------------------------------------
// Who sees what

#[test]
fn parties_always_see_a_grant_and_others_once_it_is_public() {
    let parties = [applicant(), inventor(), colleague(), office()];
    let watchers = [platform_admin()];
    let others = [
        other_office(),
        outsider(),
        enterprise(),
        tech_manager(),
        registrar(),
        provider(),
        bystander(),
        loose_admin(),
    ];
    for status in GrantStatus::ALL.iter().copied() {
        let s = story_in(status);
        let g = s.grant();
        for a in parties.iter().chain(&watchers) {
            assert!(g.is_visible_to(Some(a)), "{status} {a:?}");
        }
        for a in &others {
            assert_eq!(
                g.is_visible_to(Some(a)),
                status.is_public(),
                "{status} {a:?}"
            );
        }
        // A statistician reads a grant, and who was paid what, from its notice on only.
        assert_eq!(
            g.is_visible_to(Some(&statistician())),
            status.is_public(),
            "{status}"
        );
        assert_eq!(
            g.may_see_money(&statistician()),
            status.is_public(),
            "{status}"
        );
        assert!(
            !g.is_visible_to(None),
            "{status}: nobody signed in sees nothing"
        );
    }
    // Public from the notice on, hidden again once withdrawn from it.
    let mut s = in_notice();
    assert!(s.grant().is_visible_to(Some(&enterprise())));
    s.ok(applicant(), withdraw(None));
    assert!(!s.grant().is_visible_to(Some(&enterprise())));
}

#[test]
fn money_is_for_the_parties_and_the_watchers() {
    let s = story_in(GrantStatus::Granted);
    let g = s.grant();
    for a in [
        applicant(),
        inventor(),
        colleague(),
        office(),
        statistician(),
        platform_admin(),
    ] {
        assert!(g.may_see_money(&a), "{a:?}");
    }
    for a in [
        other_office(),
        outsider(),
        enterprise(),
        tech_manager(),
        registrar(),
        provider(),
        bystander(),
        loose_admin(),
    ] {
        assert!(!g.may_see_money(&a), "{a:?}");
        assert!(
            g.is_visible_to(Some(&a)),
            "the grant itself is public: {a:?}"
        );
    }
    assert!(g.is_party(&colleague()) && g.is_member(&colleague()));
    assert!(g.is_party(&office()) && !g.is_member(&office()));
    assert!(!g.is_party(&bystander()));
}

//! Apply: who may apply for which listing, and the terms checked again when they do.

use esrs::Aggregate;

use super::*;
use crate::domain::share::FULL_BP;
use crate::domain::testing::{assert_conflict, fields, message_of};
use crate::domain::DomainError;

// ---------------------------------------------------------------------------------------------
// Apply

#[test]
fn the_owner_of_the_listing_applies() {
    let mut s = story();
    let event = s.ok(applicant(), apply_for(listing(), usage_terms()));
    assert_eq!(
        event,
        GrantEvent::Applied {
            applicant_id: applicant().user_id,
            listing_id: LISTING,
            listing_title: "钠离子电池正极材料制备方法".into(),
            institution_id: INSTITUTION,
            terms: usage_terms(),
        }
    );
    let g = s.grant();
    assert_eq!(g.status, GrantStatus::Applied);
    assert_eq!(g.applicant_id, applicant().user_id);
    assert_eq!(g.listing_id, LISTING);
    assert_eq!(g.institution_id, INSTITUTION);
    assert_eq!(g.terms, usage_terms());
    assert_eq!((g.created_at, g.updated_at), (apply_at(), apply_at()));
    assert_eq!(g.notice, None);
    assert_eq!(g.granted_on, None);
    assert_eq!(g.term_end, None);
    assert!(g.objections.is_empty() && g.distributions.is_empty());
}

#[test]
fn an_inventor_of_the_listing_applies_too() {
    let mut s = story();
    s.ok(inventor(), apply_for(listing(), usage_terms()));
    assert_eq!(s.grant().applicant_id, inventor().user_id);
    assert!(s.grant().is_applicant(&inventor()));
    assert!(!s.grant().is_applicant(&applicant()));
}

#[test]
fn only_a_researcher_applies() {
    for (who, actor) in everyone() {
        if actor.role == Role::Researcher {
            continue;
        }
        assert_forbidden(
            story().refused(actor, apply_for(listing(), usage_terms())),
            who,
        );
    }
    // The platform itself does not apply, even for a listing it "owns".
    let by_system = ListingFacts {
        owner_id: Uuid::nil(),
        ..listing()
    };
    assert_forbidden(
        story().refused(system(), apply_for(by_system, usage_terms())),
        "system",
    );
}

#[test]
fn a_researcher_of_another_institution_does_not_apply() {
    // The outsider is one of the listing's inventors, but not of its institution.
    let terms = GrantTerms {
        team: team_of(&[(outsider(), FULL_BP)]),
        ..usage_terms()
    };
    let err = story().refused(outsider(), apply_for(listing(), terms.clone()));
    assert!(
        matches!(&err, DomainError::Forbidden(m) if m.contains("institution")),
        "{err:?}"
    );
    // Even owning the listing does not make up for belonging elsewhere.
    let owned = ListingFacts {
        owner_id: outsider().user_id,
        ..listing()
    };
    assert_forbidden(
        story().refused(outsider(), apply_for(owned, terms)),
        "outsider owner",
    );
}

#[test]
fn a_researcher_who_is_neither_owner_nor_inventor_does_not_apply() {
    for (who, actor) in [("colleague", colleague()), ("bystander", bystander())] {
        let err = story().refused(actor, apply_for(listing(), usage_terms()));
        assert!(
            matches!(&err, DomainError::Forbidden(m) if m.contains("owner or one of its inventors")),
            "{who}: {err:?}"
        );
    }
}

#[test]
fn only_job_related_listings_of_an_institution_are_granted() {
    for facts in [
        ListingFacts {
            job_related: false,
            ..listing()
        },
        ListingFacts {
            institution_id: None,
            ..listing()
        },
        ListingFacts {
            job_related: false,
            institution_id: None,
            ..listing()
        },
    ] {
        let err = story().refused(applicant(), apply_for(facts.clone(), usage_terms()));
        assert_eq!(fields(err.clone()), vec!["listing_id"], "{facts:?}");
        assert!(message_of(&err, "listing_id").contains("not job-related"));
    }
}

#[test]
fn a_withdrawn_listing_is_not_granted() {
    let facts = ListingFacts {
        withdrawn: true,
        ..listing()
    };
    assert_conflict(
        story().refused(applicant(), apply_for(facts, usage_terms())),
        "withdrawn",
    );
}

#[test]
fn the_applicant_is_on_the_team() {
    let terms = GrantTerms {
        team: team_of(&[(inventor(), 5_000), (colleague(), 5_000)]),
        ..usage_terms()
    };
    let err = story().refused(applicant(), apply_for(listing(), terms));
    assert_eq!(fields(err.clone()), vec!["team"]);
    assert!(message_of(&err, "team").contains("applicant must be a member"));
}

#[test]
fn hand_built_terms_are_checked_again_at_application() {
    let usage = usage_terms();
    let share = share_terms();
    let cases: Vec<(&str, GrantTerms, Vec<&str>)> = vec![
        (
            "usage right with a team share",
            GrantTerms {
                team_share_bp: 1,
                ..usage.clone()
            },
            vec!["kind"],
        ),
        (
            "usage right without full ownership",
            GrantTerms {
                institution_share_bp: 9_000,
                ..usage.clone()
            },
            vec!["kind"],
        ),
        (
            "usage right of nine years",
            GrantTerms {
                term_years: Some(9),
                ..usage.clone()
            },
            vec!["term_years"],
        ),
        (
            "usage right without a term",
            GrantTerms {
                term_years: None,
                ..usage.clone()
            },
            vec!["term_years"],
        ),
        (
            "usage right of 51 years",
            GrantTerms {
                term_years: Some(51),
                ..usage.clone()
            },
            vec!["term_years"],
        ),
        (
            "no team",
            GrantTerms {
                team: vec![],
                ..usage.clone()
            },
            vec!["team"],
        ),
        (
            "members short of 100%",
            GrantTerms {
                team: team_of(&[(applicant(), 5_000), (inventor(), 4_999)]),
                ..usage.clone()
            },
            vec!["team"],
        ),
        (
            "a member with nothing",
            GrantTerms {
                team: team_of(&[(applicant(), FULL_BP), (inventor(), 0)]),
                ..usage.clone()
            },
            vec!["team"],
        ),
        (
            "a member twice",
            GrantTerms {
                team: team_of(&[(applicant(), 5_000), (applicant(), 5_000)]),
                ..usage.clone()
            },
            vec!["team[1].user_id"],
        ),
        (
            "nothing of the income for the team",
            GrantTerms {
                income: IncomeSplit {
                    team_bp: 0,
                    agreed: true,
                },
                ..usage.clone()
            },
            vec!["team_income_percent"],
        ),
        (
            "more than all of the income for the team",
            GrantTerms {
                income: IncomeSplit {
                    team_bp: FULL_BP + 1,
                    agreed: true,
                },
                ..usage.clone()
            },
            vec!["team_income_percent"],
        ),
        (
            "share with nothing for the team",
            GrantTerms {
                institution_share_bp: FULL_BP,
                team_share_bp: 0,
                ..share.clone()
            },
            vec!["team_share_percent"],
        ),
        (
            "shares short of 100%",
            GrantTerms {
                institution_share_bp: 4_000,
                team_share_bp: 5_000,
                ..share.clone()
            },
            vec!["team_share_percent"],
        ),
        (
            "share with a zero term",
            GrantTerms {
                term_years: Some(0),
                ..share.clone()
            },
            vec!["term_years"],
        ),
        (
            "several at once",
            GrantTerms {
                institution_share_bp: 0,
                team_share_bp: 0,
                term_years: Some(60),
                team: vec![],
                income: IncomeSplit {
                    team_bp: 0,
                    agreed: false,
                },
                ..share
            },
            vec![
                "team_share_percent",
                "team_share_percent",
                "term_years",
                "team",
                "team_income_percent",
            ],
        ),
    ];
    for (what, terms, expected) in cases {
        let err = story().refused(applicant(), apply_for(listing(), terms));
        assert_eq!(fields(err), expected, "{what}");
    }
}

#[test]
fn hand_built_shares_that_overflow_are_refused() {
    // u32::MAX + 10_001 wraps to exactly 10_000.
    let terms = GrantTerms {
        institution_share_bp: u32::MAX,
        team_share_bp: 10_001,
        ..share_terms()
    };
    let err = story().refused(applicant(), apply_for(listing(), terms));
    assert_eq!(fields(err), vec!["team_share_percent"]);
}

#[test]
fn hand_built_terms_keep_the_length_limits() {
    let long = GrantTerms {
        statement: Some("述".repeat(5_001)),
        ..share_terms()
    };
    let err = story().refused(applicant(), apply_for(listing(), long));
    assert_eq!(fields(err), vec!["statement"]);
    let mut crowd = share_terms();
    let member = crowd.team[0].clone();
    crowd.team = (0..=TEAM_MAX as u128)
        .map(|i| TeamMember {
            user_id: if i == 0 {
                member.user_id
            } else {
                Uuid::from_u128(1_000 + i)
            },
            share_bp: if i == 0 { 10_000 - TEAM_MAX as u32 } else { 1 },
            ..member.clone()
        })
        .collect();
    let err = story().refused(applicant(), apply_for(listing(), crowd));
    assert_eq!(fields(err), vec!["team"]);
}

#[test]
fn a_grant_is_applied_for_once() {
    let mut s = applied();
    for actor in [applicant(), inventor(), office()] {
        assert_conflict(
            s.refused(actor, apply_for(listing(), usage_terms())),
            "already exists",
        );
    }
    let mut g = granted();
    assert_conflict(
        g.refused(applicant(), apply_for(listing(), usage_terms())),
        "already exists",
    );
}

#[test]
fn nothing_but_an_application_is_decided_without_a_grant() {
    for action in every_other_action() {
        for (who, actor) in everyone() {
            let err = story().refused(actor, action.clone());
            assert_eq!(err, DomainError::NotFound, "{who}: {action:?}");
        }
    }
}

#[test]
fn applying_anything_but_applied_to_an_empty_state_leaves_it_empty() {
    let s = registry_changed();
    for recorded in s.history.iter().skip(1) {
        let state = OwnershipGrant::apply_event(GrantState::default(), recorded.clone());
        assert_eq!(state, GrantState::default(), "{:?}", recorded.event);
    }
}

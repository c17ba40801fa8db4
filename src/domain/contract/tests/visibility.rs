//! Who sees a registration: the submitter, the parties, the officials, and the statisticians
//! once it is on the register.

use super::*;

/// Who passes `check` on the contract of `s`, among anonymous + everyone.
fn who_passes(
    s: &Story,
    check: impl Fn(&ContractData, Option<&Actor>) -> bool,
) -> Vec<&'static str> {
    let mut names = Vec::new();
    if check(s.contract(), None) {
        names.push("anonymous");
    }
    for (name, actor) in everyone() {
        if check(s.contract(), Some(&actor)) {
            names.push(name);
        }
    }
    names
}

#[test]
fn a_registration_is_visible_to_the_submitter_the_parties_and_the_officials() {
    let expected = vec![
        "researcher",
        "lab_admin",
        "registrar",
        "other_registrar",
        "statistician",
        "platform_admin",
        "buyer_staff",
        "lab_colleague",
        "system",
    ];
    for status in ContractStatus::ALL.iter().copied() {
        // Least privilege: a statistician reads a contract from registration on, never while
        // it is under review or once refused.
        let expected: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|n| *n != "statistician" || status.is_on_register())
            .collect();
        assert_eq!(
            who_passes(&in_status(status), ContractData::is_visible_to),
            expected,
            "{status}"
        );
    }
    for (status, on_register) in [
        (ContractStatus::Submitted, false),
        (ContractStatus::Accepted, false),
        (ContractStatus::CorrectionRequested, false),
        (ContractStatus::ExpertReview, false),
        (ContractStatus::Refused, false),
        (ContractStatus::Registered, true),
        (ContractStatus::Cancelled, true),
        (ContractStatus::Revoked, true),
    ] {
        assert_eq!(status.is_on_register(), on_register, "{status}");
    }
    // A tech manager sees what they submitted; the agency's colleagues do not.
    let mut s = story();
    s.ok(tech_manager(), submit(content()));
    let c = s.contract();
    assert!(c.is_visible_to(Some(&tech_manager())));
    assert!(!c.is_visible_to(Some(&person(21, Role::TechManager, Some(AGENCY)))));
    // A party brought in by an amendment sees it, and the one it replaced still does.
    let mut s = registered();
    s.ok(
        registrar(),
        ContractAction::Amend {
            amendment_id: AMEND1,
            effective_on: date("2026-09-21"),
            contract_amount_fen: AMOUNT,
            technology_amount_fen: TECH_AMOUNT,
            seller: None,
            buyer: Some(new_buyer()),
            note: None,
        },
    );
    let newcomer = cast::other_enterprise();
    assert!(s.contract().is_visible_to(Some(&newcomer)));
    assert!(s.contract().is_party(&newcomer));
    assert!(s.contract().is_visible_to(Some(&buyer_staff())));
    // Nobody without an organization is a party, even when a party has none.
    let off = ContractContent {
        seller: party(None, "张三", "021", "500106"),
        ..content()
    };
    let s = submitted_with(off);
    assert!(!s.contract().is_party(&person(22, Role::Researcher, None)));
    assert!(!s
        .contract()
        .is_visible_to(Some(&person(22, Role::Researcher, None))));
}

//! The expert-review panel: convening, accepting, declining with a replacement, opinions, and
//! the review outcome that records them; every refusal on the way.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::domain::contract::panel::{draw, SeatStatus, PANEL_SIZE_MAX};

const INSTITUTE: Uuid = Uuid::from_u128(0x1157);

/// Experts of the pool: from other organizations than the parties', or from none.
fn expert(n: u128) -> Actor {
    person(100 + n, Role::Researcher, Some(INSTITUTE))
}

fn candidate(a: Actor) -> Candidate {
    Candidate {
        expert_id: a.user_id,
        organization_id: a.organization_id,
    }
}

fn convene(experts: &[Actor]) -> ContractAction {
    ContractAction::RequestExpertPanel {
        size: experts.len() as u32,
        experts: experts.iter().copied().map(candidate).collect(),
    }
}

fn accept_seat(a: Actor) -> ContractAction {
    ContractAction::AcceptExpertSeat {
        expert_id: a.user_id,
    }
}

fn decline_seat(a: Actor, replacement: Option<Actor>) -> ContractAction {
    ContractAction::DeclineExpertSeat {
        expert_id: a.user_id,
        replacement: replacement.map(candidate),
    }
}

fn opinion(a: Actor, recommendation: Recommendation, text: &str) -> ContractAction {
    ContractAction::SubmitExpertOpinion {
        expert_id: a.user_id,
        recommendation,
        opinion: text.into(),
    }
}

fn convened() -> Story {
    let mut s = accepted_big();
    s.ok(registrar(), convene(&[expert(1), expert(2)]));
    s
}

fn panel(s: &Story) -> &ExpertPanel {
    s.contract().expert_panel.as_ref().expect("a panel")
}

fn seat_status(s: &Story, a: Actor) -> SeatStatus {
    panel(s).seat(a.user_id).expect("a seat").status
}

/// Both experts accepted and gave their opinions.
fn all_opinions_in() -> Story {
    let mut s = convened();
    s.ok(expert(1), accept_seat(expert(1)));
    s.ok(expert(2), accept_seat(expert(2)));
    s.ok(
        expert(1),
        opinion(expert(1), Recommendation::Approve, " 技术先进 "),
    );
    s.ok(
        expert(2),
        opinion(expert(2), Recommendation::Revise, "价格偏高"),
    );
    s
}

#[test]
fn a_registrar_convenes_a_panel_of_the_experts_drawn() {
    let mut s = accepted_big();
    let event = s.ok(registrar(), convene(&[expert(1), expert(2)]));
    assert_eq!(
        event,
        ContractEvent::ExpertPanelRequested {
            size: 2,
            experts: vec![candidate(expert(1)), candidate(expert(2))],
        }
    );
    assert_eq!(event.name(), "expert_panel_requested");
    let c = s.contract();
    assert_eq!(c.status, ContractStatus::Accepted, "still on the clock");
    let p = panel(&s);
    assert_eq!(p.size, 2);
    assert_eq!(seat_status(&s, expert(1)), SeatStatus::Invited);
    assert_eq!(seat_status(&s, expert(2)), SeatStatus::Invited);
    // The invited read the contract they are asked to review; other experts do not.
    assert!(c.is_visible_to(Some(&expert(1))));
    assert!(!c.is_visible_to(Some(&expert(3))));
}

#[test]
fn only_a_registrar_convenes_a_panel() {
    for (who, actor) in everyone() {
        if actor.role == Role::Registrar && !actor.is_system() {
            continue;
        }
        let err = accepted_big().refused(actor, convene(&[expert(1)]));
        assert_forbidden(err, who);
    }
}

#[test]
fn a_panel_is_for_an_accepted_contract_of_500_wan_yuan_or_more() {
    let mut small = accepted();
    assert_conflict(small.refused(registrar(), convene(&[expert(1)])), "500万元");
    let mut submitted = submitted_with(big_content());
    assert_conflict(
        submitted.refused(registrar(), convene(&[expert(1)])),
        "submitted",
    );
    let mut reviewed = expert_reviewed();
    assert_conflict(
        reviewed.refused(registrar(), convene(&[expert(1)])),
        "expert_review",
    );
}

#[test]
fn a_panel_has_from_one_to_fifteen_seats_and_as_many_experts_drawn() {
    let mut s = accepted_big();
    let none = ContractAction::RequestExpertPanel {
        size: 0,
        experts: vec![],
    };
    assert_eq!(fields(s.refused(registrar(), none)), ["size"]);
    let many: Vec<Actor> = (1..=u128::from(PANEL_SIZE_MAX) + 1).map(expert).collect();
    assert_eq!(fields(s.refused(registrar(), convene(&many))), ["size"]);
    let short = ContractAction::RequestExpertPanel {
        size: 3,
        experts: vec![candidate(expert(1)), candidate(expert(2))],
    };
    let err = s.refused(registrar(), short);
    assert_eq!(
        message_of(&err, "experts"),
        "2 expert(s) drawn for 3 seat(s)"
    );
    let twice = convene(&[expert(1), expert(1)]);
    assert_eq!(fields(s.refused(registrar(), twice)), ["experts[1]"]);
}

#[test]
fn no_one_of_a_partys_organization_nor_the_submitter_sits_on_the_panel() {
    let from_seller = person(200, Role::Researcher, Some(LAB));
    let from_buyer = person(201, Role::Enterprise, Some(COMPANY));
    for (who, conflicted) in [
        ("seller's colleague", from_seller),
        ("buyer's staff", from_buyer),
        ("submitter", researcher()),
    ] {
        let mut s = accepted_big();
        let err = s.refused(registrar(), convene(&[expert(1), conflicted]));
        assert_eq!(fields(err), ["experts[1]"], "{who}");
    }
    let err = accepted_big().refused(registrar(), convene(&[from_seller]));
    assert!(message_of(&err, "experts[0]").contains("a party's organization"));
    // An expert with no organization is in conflict with no party.
    let independent = person(202, Role::Researcher, None);
    accepted_big().ok(registrar(), convene(&[independent]));
}

#[test]
fn a_second_panel_waits_until_the_first_has_no_one_left() {
    let mut s = convened();
    assert_conflict(
        s.refused(registrar(), convene(&[expert(3)])),
        "already convened",
    );
    // Both decline and nobody eligible is left to replace them: the registrar convenes again
    // when the pool has grown, never with those who declined.
    s.ok(expert(1), decline_seat(expert(1), None));
    s.ok(expert(2), decline_seat(expert(2), None));
    let err = s.refused(registrar(), convene(&[expert(1)]));
    assert!(message_of(&err, "experts[0]").contains("already been invited"));
    s.ok(registrar(), convene(&[expert(3)]));
    assert_eq!(seat_status(&s, expert(3)), SeatStatus::Invited);
    assert_eq!(
        panel(&s).decliners().collect::<Vec<_>>(),
        [expert(1).user_id, expert(2).user_id]
    );
}

#[test]
fn an_invited_expert_accepts_their_own_seat_once() {
    let mut s = convened();
    let event = s.ok(expert(1), accept_seat(expert(1)));
    assert_eq!(
        event,
        ContractEvent::ExpertSeatAccepted {
            expert_id: expert(1).user_id
        }
    );
    assert_eq!(seat_status(&s, expert(1)), SeatStatus::Accepted);
    assert_conflict(s.refused(expert(1), accept_seat(expert(1))), "accepted");
    // Nobody answers for someone else, registrars included.
    for (who, actor) in [
        ("registrar", registrar()),
        ("another panel member", expert(1)),
        ("an expert not drawn", expert(3)),
        ("system", system()),
    ] {
        assert_forbidden(s.refused(actor, accept_seat(expert(2))), who);
    }
    assert_forbidden(
        s.refused(expert(3), accept_seat(expert(3))),
        "not on the panel",
    );
}

#[test]
fn a_decline_seats_the_replacement_drawn() {
    let mut s = convened();
    let event = s.ok(expert(1), decline_seat(expert(1), Some(expert(3))));
    assert_eq!(event.name(), "expert_seat_declined");
    assert_eq!(seat_status(&s, expert(1)), SeatStatus::Declined);
    assert_eq!(seat_status(&s, expert(3)), SeatStatus::Invited);
    let c = s.contract();
    assert!(!c.is_visible_to(Some(&expert(1))), "a decliner is done");
    assert!(c.is_visible_to(Some(&expert(3))));
    // Declining twice, or after accepting, is refused.
    assert_conflict(
        s.refused(expert(1), decline_seat(expert(1), None)),
        "declined",
    );
    s.ok(expert(2), accept_seat(expert(2)));
    assert_conflict(
        s.refused(expert(2), decline_seat(expert(2), None)),
        "accepted",
    );
}

#[test]
fn a_replacement_is_held_to_the_same_rules_as_a_first_draw() {
    let from_buyer = person(201, Role::Enterprise, Some(COMPANY));
    let mut s = convened();
    s.ok(expert(2), decline_seat(expert(2), None));
    for (who, replacement) in [
        ("a decliner", expert(2)),
        ("a member already", expert(1)),
        ("the buyer's staff", from_buyer),
        ("the submitter", researcher()),
    ] {
        let mut t = convened();
        t.ok(expert(2), decline_seat(expert(2), None));
        let err = t.refused(expert(1), decline_seat(expert(1), Some(replacement)));
        assert_eq!(fields(err), ["replacement"], "{who}");
    }
    // Without anyone eligible the seat simply stays empty.
    s.ok(expert(1), decline_seat(expert(1), None));
    assert_eq!(panel(&s).seats.len(), 2);
}

#[test]
fn an_accepted_expert_gives_one_opinion_with_a_recommendation() {
    let mut s = convened();
    assert_conflict(
        s.refused(expert(1), opinion(expert(1), Recommendation::Approve, "好")),
        "invited",
    );
    s.ok(expert(1), accept_seat(expert(1)));
    assert_eq!(
        fields(s.refused(expert(1), opinion(expert(1), Recommendation::Approve, "  "))),
        ["opinion"]
    );
    assert_forbidden(
        s.refused(
            registrar(),
            opinion(expert(1), Recommendation::Approve, "好"),
        ),
        "registrar",
    );
    let event = s.ok(
        expert(1),
        opinion(expert(1), Recommendation::Reject, " 技术不成熟 "),
    );
    assert_eq!(
        event,
        ContractEvent::ExpertOpinionSubmitted {
            expert_id: expert(1).user_id,
            recommendation: Recommendation::Reject,
            opinion: "技术不成熟".into(),
        }
    );
    assert_eq!(seat_status(&s, expert(1)), SeatStatus::Submitted);
    assert_conflict(
        s.refused(expert(1), opinion(expert(1), Recommendation::Approve, "改")),
        "submitted",
    );
}

#[test]
fn the_review_outcome_waits_for_every_seated_expert() {
    let mut s = convened();
    assert_conflict(
        s.refused(registrar(), expert_review("同意")),
        "2 invitation(s) unanswered",
    );
    s.ok(expert(1), accept_seat(expert(1)));
    s.ok(expert(2), decline_seat(expert(2), None));
    assert_conflict(
        s.refused(registrar(), expert_review("同意")),
        "1 opinion(s) outstanding",
    );
    // Nor can the contract be registered around the panel.
    assert_conflict(s.refused(registrar(), register(NUMBER)), "expert review");
}

#[test]
fn the_review_outcome_records_the_experts_and_their_opinions() {
    let mut s = all_opinions_in();
    let event = s.ok(registrar(), expert_review("建议登记，价格需说明"));
    assert_eq!(
        event,
        ContractEvent::ExpertReviewed {
            opinion: "建议登记，价格需说明".into(),
            experts: vec![
                ExpertOpinion {
                    expert_id: expert(1).user_id,
                    recommendation: Recommendation::Approve,
                    opinion: "技术先进".into(),
                },
                ExpertOpinion {
                    expert_id: expert(2).user_id,
                    recommendation: Recommendation::Revise,
                    opinion: "价格偏高".into(),
                },
            ],
        }
    );
    assert_eq!(s.status(), ContractStatus::ExpertReview);
    s.ok(registrar(), register(NUMBER));
    assert_eq!(s.status(), ContractStatus::Registered);
    // The panel's steps end with the review.
    let mut after = all_opinions_in();
    after.ok(registrar(), expert_review("同意"));
    assert_conflict(
        after.refused(expert(1), decline_seat(expert(1), None)),
        "expert_review",
    );
}

#[test]
fn only_a_registrar_records_the_outcome_of_a_panel() {
    for (who, actor) in [("expert", expert(1)), ("platform admin", platform_admin())] {
        assert_forbidden(all_opinions_in().refused(actor, expert_review("同意")), who);
    }
}

#[test]
fn a_review_without_a_panel_records_no_experts_and_reads_back_from_old_events() {
    let mut s = accepted_big();
    let event = s.ok(registrar(), expert_review("同意"));
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json, json!({"type": "expert_reviewed", "opinion": "同意"}));
    let back: ContractEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, event);
}

#[test]
fn a_draw_picks_distinct_eligible_experts_and_replays_with_its_seed() {
    let pool: Vec<Candidate> = (1..=10).map(|n| candidate(expert(n))).collect();
    let pick = draw(&pool, 3, &mut StdRng::seed_from_u64(7)).unwrap();
    assert_eq!(pick.len(), 3);
    assert!(pick.iter().all(|c| pool.contains(c)));
    assert!(pick[0] != pick[1] && pick[1] != pick[2] && pick[0] != pick[2]);
    assert_eq!(draw(&pool, 3, &mut StdRng::seed_from_u64(7)).unwrap(), pick);
    assert_eq!(draw(&pool, 11, &mut StdRng::seed_from_u64(7)), None);
    assert_eq!(
        draw(&pool, 10, &mut StdRng::seed_from_u64(7))
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn recommendations_read_and_write_as_their_names() {
    assert_serde_agrees::<Recommendation>();
    assert_eq!(Recommendation::parse("abstain"), None);
}

#[test]
fn seat_statuses_read_and_write_as_their_names() {
    assert_serde_agrees::<SeatStatus>();
    assert_eq!(
        SeatStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        ["invited", "accepted", "declined", "submitted"]
    );
}

#[test]
fn panel_events_keep_the_contract_from_the_statisticians_feed() {
    for name in [
        "expert_panel_requested",
        "expert_seat_accepted",
        "expert_seat_declined",
        "expert_opinion_submitted",
    ] {
        assert!(ContractEvent::BEFORE_REGISTER.contains(&name), "{name}");
    }
}

//! A whole story and its timestamps; the events' names, JSON and redaction; the codes.

use esrs::Aggregate;
use serde_json::json;

use super::*;
use crate::domain::code::assert_serde_agrees;

// =============================================================================================
// A whole story, and timestamps

#[test]
fn a_job_related_listing_from_draft_to_transfer() {
    let mut s = draft_of(content(true));
    s.ok(owner(), ListingAction::Submit);
    s.ok(
        institution_admin(),
        return_with(&["shares do not match the agreement"]),
    );
    s.ok(
        owner(),
        ListingAction::Revise(
            parse(ListingInput {
                trl: 5,
                ..job_input()
            })
            .unwrap(),
        ),
    );
    s.ok(owner(), ListingAction::Submit);
    let published_at = s.now;
    s.ok(institution_admin(), ListingAction::Publish);
    s.ok(institution_admin(), notice(15));
    s.ok(
        provider(),
        ListingAction::ReviseTrl {
            trl: trl(7),
            source: Some(VERIFICATION),
        },
    );
    let last = s.now;
    s.ok(
        registrar(),
        ListingAction::MarkTransferred {
            contract_id: CONTRACT,
        },
    );

    let l = s.listing();
    assert_eq!(l.status, ListingStatus::Transferred);
    assert_eq!(l.content.trl, trl(7));
    assert!(l.return_reasons.is_empty());
    assert_eq!(l.created_at, t0());
    assert_eq!(l.published_at, Some(published_at));
    assert_eq!(l.updated_at, last);
    assert_eq!(l.updated_at, t0() + TimeDelta::hours(8));
    assert_eq!(
        l.price_notice.map(|n| n.ends_at),
        Some(published_at + TimeDelta::hours(1) + TimeDelta::days(15))
    );
}

#[test]
fn every_event_moves_updated_at_to_its_recorded_instant() {
    let mut state = Listing::apply_event(
        ListingState::default(),
        Recorded {
            actor: owner(),
            at: t0(),
            event: ListingEvent::Created {
                owner_id: owner().user_id,
                owner_organization_id: None,
                content: content(true),
            },
        },
    );
    for (n, event) in all_events().into_iter().skip(1).enumerate() {
        let at = t0() + TimeDelta::minutes(n as i64 + 1);
        state = Listing::apply_event(
            state,
            Recorded {
                actor: owner(),
                at,
                event: event.clone(),
            },
        );
        let l = state.listing.as_ref().unwrap();
        assert_eq!((l.created_at, l.updated_at), (t0(), at), "{}", event.name());
    }
}

// =============================================================================================
// Events: names, serde, redaction

#[test]
fn every_event_round_trips_through_json_tagged_with_its_name() {
    let names: Vec<&str> = all_events().iter().map(ListingEvent::name).collect();
    assert_eq!(
        names,
        vec![
            "created",
            "revised",
            "submitted",
            "published",
            "returned",
            "withdrawn",
            "price_notice_started",
            "trl_revised",
            "transferred"
        ]
    );
    for event in all_events() {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.name());
        assert_eq!(
            serde_json::from_value::<ListingEvent>(value).unwrap(),
            event
        );
        let recorded = Recorded {
            actor: owner(),
            at: t0(),
            event,
        };
        let text = serde_json::to_string(&recorded).unwrap();
        assert_eq!(
            serde_json::from_str::<Recorded<ListingEvent>>(&text).unwrap(),
            recorded
        );
    }
}

#[test]
fn events_have_a_stable_json_shape() {
    assert_eq!(
        serde_json::to_value(ListingEvent::TrlRevised {
            from: trl(4),
            to: trl(6),
            source: None
        })
        .unwrap(),
        json!({"type": "trl_revised", "from": 4, "to": 6, "source": null})
    );
    assert_eq!(
        serde_json::to_value(ListingEvent::Submitted).unwrap(),
        json!({"type": "submitted"})
    );
    let created = serde_json::to_value(&all_events()[0]).unwrap();
    let c = &created["content"];
    assert_eq!(c["title"], "Sulfide solid electrolyte for sodium batteries");
    assert_eq!(c["field"], "new_energy");
    assert_eq!(c["region"], "500106");
    assert_eq!(c["trl"], 4);
    assert_eq!(c["institution_id"], json!(UNIVERSITY));
    assert_eq!(c["pricing_mode"], "negotiated");
    assert_eq!(
        c["transfer_modes"],
        json!(["assignment", "exclusive_license"])
    );
    assert_eq!(
        c["ip_rights"],
        json!([{"kind": "invention_patent", "number": "ZL202310001234.5", "status": "granted"}])
    );
    assert_eq!(
        c["inventors"][0],
        json!({"name": "张三", "user_id": owner().user_id, "share_bp": 6050})
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let s = in_status(ListingStatus::Transferred, true);
    let text = serde_json::to_string(&s.state).unwrap();
    assert_eq!(
        serde_json::from_str::<ListingState>(&text).unwrap(),
        s.state
    );
    assert_eq!(
        serde_json::to_value(ListingState::default()).unwrap(),
        json!({"listing": null})
    );
}

#[test]
fn redacted_drops_only_the_confidential_detail() {
    for event in all_events() {
        let redacted = event.redacted();
        match (&event, &redacted) {
            (
                ListingEvent::Created {
                    owner_id,
                    owner_organization_id,
                    content,
                },
                ListingEvent::Created {
                    owner_id: o2,
                    owner_organization_id: org2,
                    content: c2,
                },
            ) => {
                assert!(
                    content.confidential_detail.is_some(),
                    "the original keeps it"
                );
                assert_eq!((owner_id, owner_organization_id), (o2, org2));
                assert_eq!(
                    c2,
                    &ListingContent {
                        confidential_detail: None,
                        ..content.clone()
                    }
                );
            }
            (ListingEvent::Revised { content }, ListingEvent::Revised { content: c2 }) => {
                assert!(
                    content.confidential_detail.is_some(),
                    "the original keeps it"
                );
                assert_eq!(
                    c2,
                    &ListingContent {
                        confidential_detail: None,
                        ..content.clone()
                    }
                );
            }
            _ => assert_eq!(redacted, event),
        }
        assert!(!serde_json::to_string(&redacted)
            .unwrap()
            .contains("Sinter at 450"));
    }
}

#[test]
fn statuses_and_enums_serialize_as_snake_case() {
    assert_serde_agrees::<ListingStatus>();
    // Display is derived apart from the table: it must name each status the same way.
    for status in ListingStatus::ALL {
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(ListingStatus::parse("archived"), None);
    assert_eq!(
        serde_json::to_value(TransferMode::NonExclusiveLicense).unwrap(),
        "non_exclusive_license"
    );
    assert_eq!(serde_json::to_value(PricingMode::Listed).unwrap(), "listed");
    assert_eq!(serde_json::to_value(IpStatus::Pending).unwrap(), "pending");
    assert_eq!(serde_json::from_value::<Trl>(json!(7)).unwrap(), trl(7));
}

#[test]
fn the_global_log_names_listing_events_by_their_tag() {
    use crate::domain::LoggableEvent;
    for event in all_events() {
        let recorded = Recorded {
            actor: registrar(),
            at: t0(),
            event,
        };
        assert_eq!(recorded.event_type(), recorded.event.name());
        assert_eq!(recorded.actor(), registrar());
    }
}

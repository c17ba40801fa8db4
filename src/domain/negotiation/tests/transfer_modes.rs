//! Offers are held to what the listing offers (its transfer modes): each mode lets its terms
//! through, and terms no mode offers are refused on the field that makes the difference.

use super::*;

fn with(contract_type: &str, subtype: Option<&str>) -> Terms {
    Terms {
        contract_type: contract_type.into(),
        contract_subtype: subtype.map(Into::into),
        ..terms()
    }
}

fn paid_in_equity(t: Terms) -> Terms {
    Terms {
        payment: Payment::Equity { share_bp: 2_000 },
        ..t
    }
}

fn offered_as(terms: Terms, modes: &[TransferMode]) -> Result<NegotiationEvent, DomainError> {
    let action = NegotiationAction::MakeOffer {
        offer_id: OFFER1,
        terms,
        on_behalf_of: None,
        offered_modes: modes.to_vec(),
    };
    let s = opened();
    Negotiation::handle_command(
        &s.state,
        crate::domain::Command::new(buyer(), s.now, action),
    )
    .map(|mut events| events.pop().expect("one event").event)
}

/// The one field an offer was refused on, and its message.
fn refusal(terms: Terms, modes: &[TransferMode]) -> (String, String) {
    let err = offered_as(terms, modes).expect_err("the offer should be refused");
    let fields = fields(err.clone());
    assert_eq!(fields.len(), 1, "{err:?}");
    let message = message_of(&err, &fields[0]);
    (fields[0].clone(), message)
}

#[test]
fn each_mode_lets_its_own_terms_through() {
    use TransferMode::*;
    let cases = [
        (Assignment, with("transfer", Some("patent_right"))),
        (Assignment, with("transfer", Some("technical_secret"))),
        (ExclusiveLicense, with("license", Some("exclusive"))),
        (SoleLicense, with("license", Some("sole"))),
        (NonExclusiveLicense, with("license", Some("non_exclusive"))),
        (
            EquityInvestment,
            paid_in_equity(with("transfer", Some("patent_right"))),
        ),
        (
            EquityInvestment,
            paid_in_equity(with("license", Some("non_exclusive"))),
        ),
        (JointDevelopment, with("development", Some("cooperative"))),
        (JointDevelopment, with("development", Some("commissioned"))),
    ];
    for (mode, terms) in cases {
        let event = offered_as(terms.clone(), &[mode]);
        assert!(
            matches!(event, Ok(NegotiationEvent::OfferMade { .. })),
            "{mode:?} {terms:?}: {event:?}"
        );
    }
}

#[test]
fn a_licence_without_a_subtype_is_of_the_kind_its_exclusivity_says() {
    let licence = |exclusivity| Terms {
        exclusivity,
        ..with("license", None)
    };
    assert!(offered_as(
        licence(Exclusivity::NonExclusive),
        &[TransferMode::NonExclusiveLicense]
    )
    .is_ok());
    let (field, message) = refusal(
        licence(Exclusivity::NonExclusive),
        &[TransferMode::ExclusiveLicense],
    );
    assert_eq!(field, "terms.exclusivity");
    assert!(message.contains("non_exclusive_license"), "{message}");
}

#[test]
fn a_type_the_listing_does_not_offer_is_refused_on_the_contract_type() {
    use TransferMode::*;
    for (terms, modes) in [
        (
            with("transfer", Some("patent_right")),
            vec![ExclusiveLicense, NonExclusiveLicense],
        ),
        (with("license", Some("exclusive")), vec![Assignment]),
        (with("development", Some("cooperative")), vec![Assignment]),
        (with("consulting", None), vec![Assignment, JointDevelopment]),
    ] {
        let ty = terms.contract_type.clone();
        let (field, message) = refusal(terms, &modes);
        assert_eq!(field, "terms.contract_type", "{ty}");
        assert!(message.contains(&format!("'{ty}'")), "{message}");
    }
}

#[test]
fn another_kind_of_licence_is_refused_on_the_subtype() {
    let (field, message) = refusal(
        with("license", Some("non_exclusive")),
        &[TransferMode::Assignment, TransferMode::ExclusiveLicense],
    );
    assert_eq!(field, "terms.contract_subtype");
    assert_eq!(
        message,
        "the listing does not offer a licence of the kind 'non_exclusive_license'; \
         its transfer modes are: assignment, exclusive_license"
    );
}

#[test]
fn where_only_an_equity_investment_fits_the_payment_is_refused() {
    let (field, message) = refusal(
        with("transfer", Some("patent_right")),
        &[TransferMode::EquityInvestment],
    );
    assert_eq!(field, "terms.payment");
    assert!(message.contains("equity"), "{message}");
}

#[test]
fn a_refused_offer_appends_nothing_and_reports_every_other_fault_too() {
    let mut s = opened();
    let before = s.state.clone();
    let bad = Terms {
        price_fen: -1,
        ..with("consulting", None)
    };
    let err = s.refused(
        buyer(),
        NegotiationAction::MakeOffer {
            offer_id: OFFER1,
            terms: bad,
            on_behalf_of: None,
            offered_modes: offered(),
        },
    );
    assert_eq!(fields(err), vec!["price_fen", "terms.contract_type"]);
    assert_eq!(s.state, before);
}

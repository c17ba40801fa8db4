//! What a person can be told, each kind by name, and whether its mail can be turned off.

use serde::{Deserialize, Serialize};

macro_rules! kinds {
    ($( $kind:ident => $name:literal, $mandatory:literal, $title:literal; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $( $kind, )*
        }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$( Kind::$kind, )*];

            /// The kind's name in the API, the preferences and the templates.
            pub fn name(self) -> &'static str {
                match self {
                    $( Kind::$kind => $name, )*
                }
            }

            /// Whether its mail is always sent: a person must hear of what asks something of
            /// them by a deadline, or what refuses what they filed.
            pub fn mandatory(self) -> bool {
                match self {
                    $( Kind::$kind => $mandatory, )*
                }
            }

            /// A short title in Chinese, for the inbox and the mail's subject.
            pub fn title(self) -> &'static str {
                match self {
                    $( Kind::$kind => $title, )*
                }
            }
        }
    };
}

kinds! {
    OfferReceived => "offer_received", false, "收到报价";
    OfferCountered => "offer_countered", false, "对方还价";
    OfferAccepted => "offer_accepted", false, "报价已被接受";
    NdaSigned => "nda_signed", false, "对方已签署保密协议";
    NegotiationAbandoned => "negotiation_abandoned", false, "洽谈已终止";
    NegotiationExpired => "negotiation_expired", false, "洽谈已过期";
    ListingReturned => "listing_returned", true, "成果被退回修改";
    ListingPublished => "listing_published", false, "成果已发布";
    ContractAccepted => "contract_accepted", false, "合同已受理";
    ContractCorrectionRequested => "contract_correction_requested", true, "合同需补正";
    ContractRegistered => "contract_registered", false, "合同已登记";
    ContractRefused => "contract_refused", true, "合同不予登记";
    VerificationAccepted => "verification_accepted", false, "验证申请已受理";
    VerificationDeclined => "verification_declined", true, "验证申请未受理";
    VerificationCompleted => "verification_completed", false, "验证已完成";
    ApplicationReceived => "application_received", false, "收到揭榜申请";
    WinnerSelected => "winner_selected", false, "您已中选";
    GrantApproved => "grant_approved", false, "赋权申请已批准";
    GrantNoticeStarted => "grant_notice_started", false, "赋权公示开始";
    GrantObjectionRaised => "grant_objection_raised", true, "赋权公示收到异议";
    GrantGranted => "grant_granted", false, "赋权已生效";
    GrantTermExpiring => "grant_term_expiring", true, "赋权期限即将届满";
    GrantExpired => "grant_expired", false, "赋权期限已届满";
    DistributionRecorded => "distribution_recorded", false, "收益分配已登记";
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name_and_as_json() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(*k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.name())
            );
            assert!(!k.title().is_empty());
        }
        assert_eq!(Kind::parse("weather"), None);
    }

    #[test]
    fn what_asks_something_of_a_person_cannot_be_silenced() {
        assert!(Kind::ContractCorrectionRequested.mandatory());
        assert!(Kind::GrantObjectionRaised.mandatory());
        assert!(!Kind::ListingPublished.mandatory());
    }
}

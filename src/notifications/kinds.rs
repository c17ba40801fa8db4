//! What a person can be told, each kind by name, and whether its mail can be turned off.

use serde::{Deserialize, Serialize};

macro_rules! kinds {
    ($( $kind:ident, $mandatory:literal, $title:literal, $english:literal; )*) => {
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            Serialize,
            Deserialize,
            strum::VariantArray,
            strum::IntoStaticStr,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum Kind {
            $( $kind, )*
        }

        impl Kind {
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

            /// The same in English, for the mail's English part.
            pub fn english(self) -> &'static str {
                match self {
                    $( Kind::$kind => $english, )*
                }
            }
        }
    };
}

kinds! {
    OfferReceived, false, "收到报价", "You received an offer";
    OfferCountered, false, "对方还价", "The other side made a counter-offer";
    OfferAccepted, false, "报价已被接受", "Your offer was accepted";
    NdaSigned, false, "对方已签署保密协议", "The other side signed the NDA";
    NegotiationAbandoned, false, "洽谈已终止", "A negotiation was abandoned";
    NegotiationExpired, false, "洽谈已过期", "A negotiation expired";
    ListingReturned, true, "成果被退回修改", "Your listing was returned for changes";
    ListingPublished, false, "成果已发布", "Your listing is published";
    ContractAccepted, false, "合同已受理", "Your contract was accepted for registration";
    ContractCorrectionRequested, true, "合同需补正", "Your contract needs corrections";
    ContractRegistered, false, "合同已登记", "Your contract is registered";
    ContractRefused, true, "合同不予登记", "Your contract was refused registration";
    VerificationAccepted, false, "验证申请已受理", "Your verification request was accepted";
    VerificationDeclined, true, "验证申请未受理", "Your verification request was declined";
    VerificationCompleted, false, "验证已完成", "Your verification is completed";
    ApplicationReceived, false, "收到揭榜申请", "Your open call received an application";
    WinnerSelected, false, "您已中选", "You were selected";
    GrantApproved, false, "赋权申请已批准", "Your ownership grant application was approved";
    GrantNoticeStarted, false, "赋权公示开始", "The public notice of your grant has started";
    GrantObjectionRaised, true, "赋权公示收到异议", "An objection was raised against a grant";
    GrantGranted, false, "赋权已生效", "Your ownership grant is in force";
    GrantTermExpiring, true, "赋权期限即将届满", "Your grant's term is ending soon";
    GrantExpired, false, "赋权期限已届满", "Your grant's term has ended";
    DistributionRecorded, false, "收益分配已登记", "A revenue distribution was recorded for you";
    SavedSearchMatch, false, "有新发布符合您保存的搜索", "Something newly published fits your saved search";
    MatchFound, false, "有新的匹配", "A new match for your demand or listing";
}

crate::codes!(Kind);

impl Kind {
    /// The kind's name in the API, the preferences and the templates.
    pub fn name(self) -> &'static str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name_and_as_json() {
        crate::domain::code::assert_serde_agrees::<Kind>();
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(*k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.name())
            );
            assert!(!k.title().is_empty() && !k.english().is_empty());
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

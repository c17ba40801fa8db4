//! The follower that turns the log into notifications: for each page of entries, the streams'
//! documents are read (only for entries that tell somebody something), [`derive`](super::derive)
//! decides who hears what, and the notifications are inserted once each. A notification's id is
//! a function of its event, person and kind, so a replayed page (the runner is at least once)
//! inserts nothing twice.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::derive::{self, Notice, Stream};
use super::kinds::Kind;
use super::{alert_notices, inbox};
use crate::domain::contract::ContractData;
use crate::domain::demand::DemandData;
use crate::domain::listing::ListingData;
use crate::domain::negotiation::NegotiationData;
use crate::domain::ownership_grant::GrantData;
use crate::domain::verification::VerificationData;
use crate::policies::follower::Policy;
use crate::policies::PolicyError;
use crate::projections::doc;
use crate::projections::fold::DocModel;
use crate::projections::rows;
use crate::state::AppState;
use crate::store::log::LoggedEvent;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub struct Notifier;

/// The events that tell somebody something, by aggregate type; no document is read for others.
const TELLING: &[(&str, &[&str])] = &[
    ("listing", &["returned", "published"]),
    ("demand", &["published", "applied", "winner_selected"]),
    (
        "negotiation",
        &["offer_made", "agreed", "nda_signed", "abandoned", "expired"],
    ),
    (
        "contract_registration",
        &["accepted", "correction_requested", "registered", "refused"],
    ),
    (
        "verification_request",
        &["accepted", "declined", "completed"],
    ),
    (
        "ownership_grant",
        &[
            "approved",
            "notice_started",
            "objection_raised",
            "granted",
            "expiry_approaching",
            "expired",
            "revenue_distributed",
        ],
    ),
];

fn tells(e: &LoggedEvent) -> bool {
    TELLING
        .iter()
        .any(|(t, events)| *t == e.aggregate_type && events.contains(&e.event_type.as_str()))
}

/// A notification's id: the same event, person and kind always give the same one.
pub fn notification_id(event_id: Uuid, recipient: Uuid, kind: Kind) -> Uuid {
    let mut name = recipient.as_bytes().to_vec();
    name.extend_from_slice(kind.name().as_bytes());
    Uuid::new_v5(&event_id, &name)
}

pub const COLUMNS: &[&str] = &[
    "id",
    "recipient_id",
    "kind",
    "event_id",
    "position",
    "aggregate_type",
    "aggregate_id",
    "created_at",
    "data",
    "mail_status",
    "mail_next_at",
];

/// The documents of the streams a page's telling entries belong to.
#[derive(Default)]
struct Documents {
    listings: HashMap<Uuid, ListingData>,
    demands: HashMap<Uuid, DemandData>,
    negotiations: HashMap<Uuid, NegotiationData>,
    contracts: HashMap<Uuid, ContractData>,
    verifications: HashMap<Uuid, VerificationData>,
    grants: HashMap<Uuid, GrantData>,
    /// Each granting institution's administrators.
    offices: HashMap<Uuid, Vec<Uuid>>,
}

async fn fetch<M: DocModel>(
    conn: &mut Conn<'_>,
    entries: &[&LoggedEvent],
    aggregate_type: &str,
) -> Result<HashMap<Uuid, M::Data>, StoreError>
where
    M::Data: DeserializeOwned,
{
    let ids: Vec<Uuid> = entries
        .iter()
        .filter(|e| e.aggregate_type == aggregate_type)
        .map(|e| e.aggregate_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(doc::get_many::<M::Data>(conn, M::TABLE, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r.data))
        .collect())
}

impl Documents {
    async fn read(conn: &mut Conn<'_>, entries: &[&LoggedEvent]) -> Result<Self, StoreError> {
        use crate::projections::{
            contract_stats::ContractRegister, demand_board::DemandBoard,
            listing_catalogue::ListingCatalogue, negotiation_board::NegotiationBoard,
            ownership_register::OwnershipRegister, verification_queue::VerificationQueue,
        };
        let mut d = Documents {
            listings: fetch::<ListingCatalogue>(conn, entries, "listing").await?,
            demands: fetch::<DemandBoard>(conn, entries, "demand").await?,
            negotiations: fetch::<NegotiationBoard>(conn, entries, "negotiation").await?,
            contracts: fetch::<ContractRegister>(conn, entries, "contract_registration").await?,
            verifications: fetch::<VerificationQueue>(conn, entries, "verification_request")
                .await?,
            grants: fetch::<OwnershipRegister>(conn, entries, "ownership_grant").await?,
            offices: HashMap::new(),
        };
        let institutions: HashSet<Uuid> = entries
            .iter()
            .filter(|e| e.event_type == "objection_raised")
            .filter_map(|e| d.grants.get(&e.aggregate_id))
            .map(|g| g.institution_id)
            .collect();
        for institution in institutions {
            let admins = conn
                .fetch_all(
                    "SELECT id FROM users WHERE organization_id = $1 AND role = 'institution_admin' \
                     AND status = 'active' ORDER BY id",
                    &[Arg::Uuid(institution)],
                )
                .await?
                .iter()
                .map(|r| r.uuid("id"))
                .collect::<Result<Vec<_>, _>>()?;
            d.offices.insert(institution, admins);
        }
        Ok(d)
    }

    fn stream(&self, e: &LoggedEvent) -> Option<Stream<'_>> {
        let id = &e.aggregate_id;
        Some(match e.aggregate_type.as_str() {
            "listing" => Stream::Listing(self.listings.get(id)?),
            "demand" => Stream::Demand(self.demands.get(id)?),
            "negotiation" => Stream::Negotiation(self.negotiations.get(id)?),
            "contract_registration" => Stream::Contract(self.contracts.get(id)?),
            "verification_request" => Stream::Verification(self.verifications.get(id)?),
            "ownership_grant" => {
                let grant = self.grants.get(id)?;
                let office = self
                    .offices
                    .get(&grant.institution_id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                Stream::Grant { grant, office }
            }
            _ => return None,
        })
    }
}

/// Which of `notices`' (person, kind) pairs have mail turned off.
async fn mail_off(
    conn: &mut Conn<'_>,
    notices: &[(&LoggedEvent, Notice)],
) -> Result<HashSet<(Uuid, String)>, StoreError> {
    let people: HashSet<Uuid> = notices.iter().map(|(_, n)| n.recipient).collect();
    let mut off = HashSet::new();
    for person in people {
        for kind in inbox::mail_off(conn, person).await? {
            off.insert((person, kind));
        }
    }
    Ok(off)
}

#[async_trait]
impl Policy for Notifier {
    fn name(&self) -> &'static str {
        "notifications"
    }

    #[tracing::instrument(
        name = "notify",
        skip_all,
        fields(
            entries = entries.len(),
            telling = tracing::field::Empty,
            inserted = tracing::field::Empty
        )
    )]
    async fn handle(
        &self,
        state: &AppState,
        entries: &[LoggedEvent],
    ) -> Result<usize, PolicyError> {
        let telling: Vec<&LoggedEvent> = entries.iter().filter(|e| tells(e)).collect();
        tracing::Span::current().record("telling", telling.len());
        if telling.is_empty() {
            return Ok(0);
        }
        let mut rc = state.db.read().await?;
        let documents = Documents::read(&mut rc.conn(), &telling).await?;
        let mut notices = Vec::new();
        for e in &telling {
            // A stream without its document (the read models are being rebuilt) is read again
            // on the next pass: the checkpoint does not pass it.
            let Some(stream) = documents.stream(e) else {
                return Err(PolicyError::NotReady(format!(
                    "the document of {} {} is not there yet",
                    e.aggregate_type, e.aggregate_id
                )));
            };
            for n in derive::notices(e, &stream)? {
                notices.push((*e, n));
            }
        }
        notices.extend(
            alert_notices::of(
                &mut rc.conn(),
                &documents.listings,
                &documents.demands,
                &telling,
            )
            .await?,
        );
        if notices.is_empty() {
            return Ok(0);
        }
        let off = mail_off(&mut rc.conn(), &notices).await?;
        drop(rc);
        let rows: Vec<Vec<Arg>> = notices
            .into_iter()
            .map(|(e, n)| {
                let mail_on =
                    n.kind.mandatory() || !off.contains(&(n.recipient, n.kind.name().to_string()));
                vec![
                    Arg::Uuid(notification_id(e.event_id, n.recipient, n.kind)),
                    Arg::Uuid(n.recipient),
                    Arg::Text(n.kind.name().into()),
                    Arg::Uuid(e.event_id),
                    Arg::I64(e.position),
                    Arg::Text(e.aggregate_type.clone()),
                    Arg::Uuid(e.aggregate_id),
                    Arg::Time(e.recorded_at),
                    Arg::Json(n.data),
                    Arg::Text(if mail_on { "pending" } else { "off" }.into()),
                    Arg::OptTime(mail_on.then_some(e.recorded_at)),
                ]
            })
            .collect();
        let mut tx = state.db.begin().await?;
        let new = rows::insert_new(&mut tx.conn(), "notifications", COLUMNS, "id", rows).await?;
        tx.commit().await?;
        tracing::Span::current().record("inserted", new);
        Ok(new as usize)
    }
}

//! Registration numbers are unique in the register. Written in the append's transaction like a
//! read model, so two registrars racing for one number meet at its primary key and the second
//! append is refused (409, naming the holder) with nothing written.
//!
//! It is a guard, not a read model: a rebuild leaves it alone. A log written before the guard
//! existed may hold a number twice; replaying it must reproduce the register, not fail, and the
//! guard keeps the first holder (the migration that made it took them from the register).

use async_trait::async_trait;
use esrs::Aggregate;

use super::super::Projection;
use crate::domain::contract::{ContractEvent, ContractRegistration};
use crate::domain::Recorded;
use crate::store::log::LoggedEvent;
use crate::store::sql::{Arg, Conn};
use crate::store::StoreError;

pub struct RegistrationNumbers;

#[async_trait]
impl Projection for RegistrationNumbers {
    fn name(&self) -> &'static str {
        "registration_numbers"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["contract_registration_numbers"]
    }

    fn rebuilt(&self) -> bool {
        false
    }

    async fn apply(&self, conn: &mut Conn<'_>, event: &LoggedEvent) -> Result<(), StoreError> {
        if event.aggregate_type != ContractRegistration::NAME
            || !matches!(event.event_type.as_str(), "registered" | "imported")
        {
            return Ok(());
        }
        let recorded: Recorded<ContractEvent> = event.recorded()?;
        let (ContractEvent::Registered {
            registration_number,
            ..
        }
        | ContractEvent::Imported {
            registration_number,
            ..
        }) = recorded.event
        else {
            return Ok(());
        };
        let inserted = conn
            .execute(
                "INSERT INTO contract_registration_numbers (registration_number, contract_id, registered_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (registration_number) DO NOTHING",
                &[
                    Arg::Text(registration_number.clone()),
                    Arg::Uuid(event.aggregate_id),
                    Arg::Time(event.recorded_at),
                ],
            )
            .await?;
        if inserted == 1 {
            return Ok(());
        }
        let holder = conn
            .fetch_one(
                "SELECT contract_id FROM contract_registration_numbers WHERE registration_number = $1",
                &[Arg::Text(registration_number.clone())],
            )
            .await?
            .uuid("contract_id")?;
        if holder == event.aggregate_id {
            return Ok(());
        }
        Err(StoreError::Invariant(format!(
            "registration number {registration_number} is already held by contract {holder}"
        )))
    }
}

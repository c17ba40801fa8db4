//! History import: an operator brings the register's past in from a file (the admin route and
//! the `contracts import` command both land here). A batch is one file, applied whole or not at
//! all: every row is validated first and every fault reported with its line; only a batch with
//! none is appended, in one transaction. A row whose registration number was imported before
//! with the same content is left as it is, so importing a file twice changes nothing.

pub mod rows;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use esrs::Aggregate;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::calendar::china_date;
use crate::domain::contract::{
    ContractAction, ContractData, ContractRegistration, ContractState, HistoricRegistration,
    ImportSource,
};
use crate::domain::reference::ReferenceData;
use crate::domain::{Actor, Command, DomainError, FieldError, Role};
use crate::error::AppError;
use crate::projections::contract_stats;
use crate::projections::doc;
use crate::store::aggregates::EventStoreOf;
use crate::store::sql::Arg;
use crate::store::{Db, StoreError};
pub use rows::Format;

/// The most faults a refused batch lists (the count says how many there were in all).
const FAULTS_LISTED: usize = 200;

/// An import file and what to do with it.
pub struct Batch<'a> {
    /// The file's name as the operator knows it; recorded with each contract.
    pub file: &'a str,
    pub format: Format,
    pub body: &'a [u8],
    /// Validate and report, append nothing.
    pub dry_run: bool,
}

/// What became of a batch.
#[derive(Debug, Serialize)]
pub struct Report {
    pub batch_id: Uuid,
    pub file: String,
    pub dry_run: bool,
    /// Contracts in the file.
    pub rows: usize,
    /// Put on the register by this batch (or, in a dry run, that would be).
    pub imported: usize,
    /// Already on the register from an earlier import of the same content.
    pub unchanged: usize,
    pub contracts: Vec<RowOutcome>,
}

#[derive(Debug, Serialize)]
pub struct RowOutcome {
    pub line: u64,
    pub registration_number: String,
    pub contract_id: Uuid,
    /// `imported` or `unchanged`.
    pub outcome: &'static str,
}

/// What an import needs of the service.
pub struct Importer<'a> {
    pub db: &'a Db,
    pub contracts: &'a EventStoreOf<ContractRegistration>,
    pub refs: &'a ReferenceData,
}

impl Importer<'_> {
    pub async fn run(
        &self,
        actor: Actor,
        now: DateTime<Utc>,
        batch: Batch<'_>,
    ) -> Result<Report, AppError> {
        // Who may import is decided before the file is read: a stranger learns nothing of it.
        if actor.is_system() || !matches!(actor.role, Role::Registrar | Role::PlatformAdmin) {
            return Err(AppError::Forbidden(
                "only a registrar or a platform admin imports contracts of the past".into(),
            ));
        }
        let batch_id = Uuid::now_v7();
        let today = china_date(now);
        let rows = rows::read(batch.format, batch.body).map_err(|f| AppError::InvalidFile {
            detail: format!("{} cannot be read; nothing of it was imported", batch.file),
            errors: vec![FieldError::new(f.field, f.message).on_line(f.line)],
        })?;
        if rows.is_empty() {
            return Err(AppError::invalid(
                "file",
                "holds no contracts: a CSV needs its header and at least one row",
            ));
        }

        let mut faults: Vec<FieldError> = Vec::new();
        let mut valid: Vec<(u64, HistoricRegistration)> = Vec::new();
        let mut first_line: HashMap<String, u64> = HashMap::new();
        for row in rows.iter() {
            let on_line = |e: FieldError| e.on_line(row.line);
            faults.extend(row.faults.iter().cloned().map(on_line));
            let Some(input) = row.input.clone() else {
                continue;
            };
            match HistoricRegistration::parse(input, self.refs, today) {
                Ok(_) if !row.faults.is_empty() => {}
                Ok(h) => match first_line.get(&h.registration_number) {
                    Some(first) => faults.push(
                        FieldError::new(
                            "registration_number",
                            format!(
                                "{} is on line {first} already: a number is registered once",
                                h.registration_number
                            ),
                        )
                        .on_line(row.line),
                    ),
                    None => {
                        first_line.insert(h.registration_number.clone(), row.line);
                        valid.push((row.line, h));
                    }
                },
                Err(DomainError::Invalid(errors)) => faults.extend(
                    errors
                        .into_iter()
                        .filter(|e| !row.masks(&e.field))
                        .map(on_line),
                ),
                Err(other) => return Err(other.into()),
            }
        }

        // Idempotent by registration number: the register's guard on numbers says which
        // contract holds each, and a holder imported with the same content is this very row.
        let holders = self.holders(&valid).await?;
        let existing = self
            .contracts_of(holders.values().copied().collect())
            .await?;
        let mut outcomes = Vec::with_capacity(valid.len());
        let mut streams = Vec::new();
        for (line, h) in valid {
            if let Some(&holder) = holders.get(&h.registration_number) {
                let before = existing.get(&holder);
                let fault = match before {
                    Some(before) if same_import(before, &h) => {
                        outcomes.push(RowOutcome {
                            line,
                            registration_number: h.registration_number,
                            contract_id: holder,
                            outcome: "unchanged",
                        });
                        continue;
                    }
                    Some(before) if before.imported.is_some() => format!(
                        "{} was imported before (contract {holder}) with other content; \
                         amend that contract rather than importing it again",
                        h.registration_number
                    ),
                    _ => format!(
                        "{} is already on the register, held by contract {holder}",
                        h.registration_number
                    ),
                };
                faults.push(FieldError::new("registration_number", fault).on_line(line));
                continue;
            }
            let id = Uuid::now_v7();
            let source = ImportSource {
                batch_id,
                file: batch.file.to_string(),
                line,
            };
            let number = h.registration_number.clone();
            let command = Command::new(
                actor,
                now,
                ContractAction::Import {
                    source,
                    historic: h,
                },
            );
            match ContractRegistration::handle_command(&ContractState::default(), command) {
                Ok(events) => {
                    streams.push((id, events));
                    outcomes.push(RowOutcome {
                        line,
                        registration_number: number,
                        contract_id: id,
                        outcome: "imported",
                    });
                }
                Err(DomainError::Invalid(errors)) => {
                    faults.extend(errors.into_iter().map(|e| e.on_line(line)))
                }
                Err(other) => return Err(other.into()),
            }
        }

        if !faults.is_empty() {
            faults.sort_by_key(|f| f.line);
            let total = faults.len();
            faults.truncate(FAULTS_LISTED);
            return Err(AppError::InvalidFile {
                detail: format!(
                    "{total} fault(s) in {}; nothing of the file was imported",
                    batch.file
                ),
                errors: faults,
            });
        }
        let imported = streams.len();
        if !batch.dry_run && !streams.is_empty() {
            self.contracts
                .start_streams(streams)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict | StoreError::Invariant(_) => AppError::Conflict(
                        "another import or registration took some of these registration numbers \
                         at the same time; nothing of this file was imported: send it again"
                            .into(),
                    ),
                    other => other.into(),
                })?;
        }
        outcomes.sort_by_key(|o| o.line);
        Ok(Report {
            batch_id,
            file: batch.file.to_string(),
            dry_run: batch.dry_run,
            rows: rows.len(),
            imported,
            unchanged: outcomes.len() - imported,
            contracts: outcomes,
        })
    }

    /// The contracts with these ids, by id.
    async fn contracts_of(&self, ids: Vec<Uuid>) -> Result<HashMap<Uuid, ContractData>, AppError> {
        let mut rc = self.db.read().await?;
        let found =
            doc::get_many::<ContractData>(&mut rc.conn(), contract_stats::TABLE, &ids).await?;
        Ok(found.into_iter().map(|r| (r.id, r.data)).collect())
    }

    /// Which contract holds each of these rows' registration numbers, where one does.
    async fn holders(
        &self,
        rows: &[(u64, HistoricRegistration)],
    ) -> Result<HashMap<String, Uuid>, AppError> {
        let mut rc = self.db.read().await?;
        let mut conn = rc.conn();
        let mut out = HashMap::new();
        for chunk in rows.chunks(100) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let args: Vec<Arg> = chunk
                .iter()
                .map(|(_, h)| Arg::Text(h.registration_number.clone()))
                .collect();
            let sql = format!(
                "SELECT registration_number, contract_id FROM contract_registration_numbers \
                 WHERE registration_number IN ({})",
                placeholders.join(", ")
            );
            for r in conn.fetch_all(&sql, &args).await? {
                out.insert(r.text("registration_number")?, r.uuid("contract_id")?);
            }
        }
        Ok(out)
    }
}

/// Whether `before` is this very row imported earlier: same number, date and content (later
/// amendments, payments or an end do not make it differ: they happened after the import).
fn same_import(before: &ContractData, h: &HistoricRegistration) -> bool {
    before.imported.is_some()
        && before.registration_number.as_deref() == Some(h.registration_number.as_str())
        && before.registered_on == Some(h.registered_on)
        && before.content == h.content
}

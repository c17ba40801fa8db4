//! Why a follower of the log could not act on a page. The runner logs it and reads the page
//! again from the saved checkpoint, so every variant is something a later pass may get past.

use crate::store::aggregates::CommandError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A command the policy issued failed in a way it does not skip (a concurrent append, the
    /// database).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// Reading the log, a stream or a read model, or saving the checkpoint, failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What the entry needs is not there yet (its read model is being rebuilt).
    #[error("{0}")]
    NotReady(String),
}

impl From<sqlx::Error> for PolicyError {
    fn from(e: sqlx::Error) -> Self {
        PolicyError::Store(e.into())
    }
}

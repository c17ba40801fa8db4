//! Policies: commands issued by the platform itself when a rule says so, driven by time or by
//! the log rather than by a request.

pub mod error;
pub mod expiry;
pub mod follower;
pub mod fulfilment;
pub mod grant_terms;
mod platform;
pub mod transfer;
pub mod trl;

pub use error::PolicyError;

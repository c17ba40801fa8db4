//! The pure domain: aggregates decide (command → events) and evolve (event → state) with no I/O.
//! Everything here is deterministic given its inputs; the clock and the reference data come in
//! through the command envelope and validated newtypes, never from a global.

pub mod actor;
pub mod calendar;
pub mod code;
pub mod contract;
pub mod demand;
pub mod envelope;
pub mod error;
pub mod listing;
pub mod market_sale;
pub mod membership;
pub mod negotiation;
pub mod notice;
pub mod organization;
pub mod ownership_grant;
pub mod reference;
pub mod share;
#[cfg(test)]
pub mod testing;
pub mod text;
pub mod user;
pub mod verification;

pub use actor::{Actor, Role};
pub use code::Code;
pub use envelope::{Command, DomainEvent, LoggableEvent, Recorded, Visibility};
pub use error::{DomainError, FieldError};

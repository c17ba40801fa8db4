//! techmarket: the backend of a regional technology-transfer marketplace.
//!
//! - `domain/`: aggregates and validated values, pure (command → events, event → state).
//! - `store/`: the two event stores (esrs `PgStore`, our SQLite one), the global ordered log,
//!   account tables, reference data.
//! - `projections/`: read models built from the log (SQL tables and the search index), and
//!   their rebuild.
//! - `policies/`: what happens by rule rather than by request (demands expiring).
//! - `contract_import/`: the register's past brought in from a file (admin route and CLI).
//! - `routes/`: the HTTP API, one module per route group; `http/` and `auth/` are its plumbing.

pub mod accounts;
pub mod auth;
pub mod broker;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contract_import;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod notifications;
pub mod policies;
pub mod projections;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

//! Policies: commands issued by the platform itself when a rule says so, driven by time or by
//! the log rather than by a request.

pub mod expiry;
pub mod follower;
pub mod grant_terms;
pub mod transfer;
pub mod trl;

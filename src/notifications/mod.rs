//! Telling people what happened. A follower of the log (`follower`) decides from each entry who
//! is concerned (`derive`, pure) and writes their notifications, once each, to a durable outbox
//! (the `notifications` table); the inbox (`inbox`) shows them and keeps each person's mail
//! preferences per kind (`kinds`). Saved searches and match alerts (`saved`, `alerts`) tell
//! people of newly published listings and demands that fit what they asked for.

mod alert_notices;
pub mod alerts;
pub mod derive;
pub mod follower;
pub mod inbox;
pub mod kinds;
pub mod mail;
pub mod saved;
pub mod subscribe;

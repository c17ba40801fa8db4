//! Telling people what happened. A follower of the log (`follower`) decides from each entry who
//! is concerned (`derive`, pure) and writes their notifications, once each, to a durable outbox
//! (the `notifications` table); the inbox (`inbox`) shows them and keeps each person's mail
//! preferences per kind (`kinds`).

pub mod derive;
pub mod follower;
pub mod inbox;
pub mod kinds;
pub mod mail;

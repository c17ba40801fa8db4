//! One integration binary (zero2prod style): real HTTP against a real server on a fresh store.
//! Cases written with `both!` run once on SQLite and once on PostgreSQL.

mod helpers;

mod accounts;
mod alerts;
mod bad_input;
mod broker;
mod command_line;
mod dashboard;
mod deals;
mod demands;
mod demo;
mod directory;
mod event_stream;
mod experts;
mod import;
mod language;
mod lineage;
mod listings;
mod log_and_projections;
mod mail;
mod market;
mod matching;
mod notifications;
mod openapi;
mod operations;
mod ownership;
mod proxy;
mod reference_data;
mod search;
mod spec;
mod statistics;
mod transfer;
mod trust;
mod unavailable;

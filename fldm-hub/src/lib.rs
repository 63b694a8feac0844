//! # fldm-hub
//!
//! The reference hub of the FLDM SDK. For now this crate holds the storage
//! layer, [`store`]: persons (the Kerndatensatz as JSON), a change feed,
//! idempotent writes, corrections (Berichtigungen) and search keys, in an
//! embedded SQLite database. The API is synchronous; an async server calls
//! it from `tokio::task::spawn_blocking`.

pub mod api;
pub mod audit_log;
pub mod config;
pub mod server;
pub mod store;

pub use config::HubConfig;
pub use server::{Hub, HubError, RunningHub, load_persons, serve};

// The README's example is compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

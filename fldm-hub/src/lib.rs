//! # fldm-hub
//!
//! The reference hub of the FLDM SDK ("Datendrehscheibe"): an HTTPS server
//! (axum on tokio, mutual TLS through `fldm-tls`) that speaks protocol
//! version 1 (`/v1`, described in `docs/openapi.yaml`) to the department
//! systems. For every request it maps the client certificate to an office,
//! asks the policy ([`fldm_core::policy`]) for a decision, works on the
//! [`store`] (persons as JSON in SQLite, change feed, idempotent writes,
//! corrections, search keys), projects records to the permitted attributes
//! and appends a hub-stage record to the audit journal
//! ([`fldm_core::audit`]) before it answers (fail closed).
//!
//! The public API is what a binary or an embedding needs:
//!
//! - [`HubConfig`] ([`config`]) and [`serve`] to run a hub until it is
//!   stopped; [`Hub::start`] to run one in-process ([`RunningHub`], for
//!   tests and embedding), with its shared [`AppState`];
//! - [`server::serve_tls`] to serve any router through the hub's TLS and
//!   HTTP stack (benchmarks); its requests carry the peer's
//!   [`OfficeIdentity`];
//! - [`store`] for tools that open the database directly, and
//!   [`load_persons`] to fill it with persons (the CLI passes a synthetic
//!   population from `fldm-synth`, which this crate does not link);
//! - [`lifecycle`]: bulk import, deletion, merge and deletion deadlines,
//!   shared by the endpoints and by the commands that work on the hub's
//!   database directly ([`open_offline`], which takes the journal's
//!   [`JournalLock`]).
//!
//! The protocol handlers and the audit-record facts are internal.

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod api;
mod audit_log;
pub mod config;
pub mod lifecycle;
pub mod server;
pub mod store;

pub use api::{AppState, OfficeIdentity};
pub use audit_log::{JOURNAL_LOCK_FILE, JournalLock, JournalLockError};
pub use config::HubConfig;
pub use server::{Hub, HubError, RunningHub, load_persons, open_offline, serve};

// The README's example is compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

//! # fldm-client
//!
//! The safe, boring way for department software to talk to an FLDM hub:
//!
//! - HTTPS with a client certificate (mTLS) and the BSI TLS profile of
//!   `fldm-tls` (TLS 1.2/1.3, ECDHE + AES-GCM, P-256/P-384, ring only);
//! - every data call takes a [`Context`]: the purpose (Abrufzweck) and, where
//!   the rule requires it, the case reference (Geschäftszeichen); the
//!   retrieving person is set once on the client;
//! - typed errors ([`Error`]) for every hub problem code;
//! - a client-stage audit journal, on by default, whose records share the
//!   request id with the hub's records;
//! - retries with exponential backoff for idempotent calls (reads, search,
//!   and writes, which always carry an idempotency key);
//! - an async API ([`HubClient`]) and a blocking facade ([`blocking::HubClient`]);
//! - the [`bridge`]: what the C (`fldm-ffi`) and Python faces share, so
//!   that they only convert (options and profiles, the typed JSON request,
//!   the views that leave the library, one error view).
//!
//! ```no_run
//! # fn main() -> Result<(), fldm_client::Error> {
//! use fldm_client::{Context, HubClientBuilder};
//! let client = HubClientBuilder::new("https://hub.stadt.example:8443")
//!     .ca_pem_file("pki/ca.pem")
//!     .identity_pem_files("pki/wohnungsamt.pem", "pki/wohnungsamt-key.pem")
//!     .user("sachbearbeitung-17")
//!     .office("wohnungsamt")
//!     .journal_dir("journal")
//!     .build_blocking()?;
//! let ctx = Context::new("W01").case("WA-2026-0815");
//! let disclosure = client.get_person("P00000017", &ctx)?;
//! println!("{}", disclosure.decision.legal_basis.section);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod audit;
pub mod blocking;
pub mod bridge;
mod builder;
mod client;
mod error;

pub use builder::{DEFAULT_IMPORT_BATCH, HubClientBuilder, RetryPolicy};
pub use client::{
    BulkReport, ChangeEvent, ChangeFeed, Context, HubClient, ImportReport, LocalAction,
};
pub use error::{Error, Result};
pub use fldm_core::wire;

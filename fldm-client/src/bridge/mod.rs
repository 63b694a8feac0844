//! # The bridge: what the C and Python faces share
//!
//! `fldm-ffi` (C) and the Python module only convert arguments and
//! results and map errors; everything else they need lives here, once:
//!
//! - [`ClientOptions`]: client options as one serde struct, mapped onto
//!   [`HubClientBuilder`](crate::HubClientBuilder); [`Profile`]: the client
//!   profile file of `fldm init-pki`. The client journal is on unless
//!   turned off explicitly (`no_journal`).
//! - [`Request`]: one typed request per operation for the JSON entry
//!   point (`{"op": "get_person", ...}`), with errors naming the field, and
//!   [`Response`]; [`call_json`] decodes, runs and encodes.
//! - [`view`]: the types that leave the library, each with one JSON form
//!   (permit, decision, explain row, disclosure, search result, change
//!   event and page, correction, access report, health, verification,
//!   write, delete and merge results, import report, acknowledgement of a
//!   deletion).
//! - [`Error`], [`ErrorKind`] and [`ErrorView`]: one error with stable
//!   kinds, the request id, the field and the reason code, for C error
//!   objects and Python exceptions alike.
//! - Local work without a hub: policy decisions, explain, applying a
//!   permit, journal and bundle verification, argument decoding
//!   ([`decide`], [`explain`], [`verify_dir`], [`parse_json`], ...).
//! - The blocking runtime is [`crate::blocking::HubClient`]; its change
//!   feed iterator ([`crate::blocking::ChangeIter`]) owns what it needs,
//!   so a face can keep it after the client is gone.

mod error;
mod local;
mod options;
mod request;
pub mod view;

#[cfg(test)]
mod tests;

pub use error::{Error, ErrorKind, ErrorView, Location, MAX_PROBLEMS_IN_MESSAGE, Result};
pub use local::{
    apply_json, apply_xml, context, decide, explain, explain_rows, parse_correction_status,
    parse_json, parse_operation, permit, to_json, verify_bundle, verify_dir,
};
pub use options::{ClientOptions, Profile};
pub use request::{ActionArg, DEFAULT_PAGE_LIMIT, FormatArg, Request, Response, call_json};

//! The hub client: configuration ([`config`]), the typed calls
//! ([`requests`]), the change feed ([`feed`]); here the client handle
//! itself and the JSON-in/JSON-out entry point. The client is the bridge's
//! blocking client (`fldm_client::blocking::HubClient`, with its own small
//! runtime); the JSON entry point decodes into the bridge's typed request.

use std::ffi::c_char;

use ::fldm_client::blocking::HubClient;
use ::fldm_client::bridge;

use crate::boundary::{fallible, guard};
use crate::error::{Result, fldm_error};
use crate::ptr::{Out, free_box, handle, opt_str_arg, str_arg};

pub mod config;
pub mod feed;
pub mod requests;

pub use config::*;
pub use feed::*;
pub use requests::*;

/// The purpose and case reference of a call, as owned strings.
///
/// # Safety
/// `purpose` and `case_reference` are NULL or NUL-terminated.
unsafe fn context_args(
    purpose: *const c_char,
    case_reference: *const c_char,
) -> Result<(String, Option<String>)> {
    // SAFETY: caller contract.
    let (purpose, case) = unsafe {
        (
            str_arg(purpose, "purpose")?,
            opt_str_arg(case_reference, "case_reference")?,
        )
    };
    Ok((purpose.to_string(), case.map(str::to_string)))
}

/// A connected hub client: TLS configuration, connection pool, client-stage
/// audit journal and a small runtime of two worker threads. Thread-safe:
/// one client may be used from many threads at once.
#[derive(Debug)]
pub struct fldm_client {
    pub(crate) client: HubClient,
}

/// Connect: read the certificates, open the journal, start the runtime.
/// Nothing is sent yet. `FLDM_E_CONFIG` names the missing or unreadable
/// setting (`fldm_error_field`). The configuration is not consumed.
///
/// # Safety
/// `config` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_new(
    config: *const fldm_client_config,
    out: *mut *mut fldm_client,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (c, out) = unsafe { (handle(config, "config")?, Out::new(out, "out")?) };
        out.write_box(fldm_client {
            client: c.options.connect()?,
        });
        Ok(())
    })
}

/// Free a client: waits for its runtime to stop; the journal is closed.
/// NULL is allowed. Change feeds created from the client stay usable
/// until they are freed themselves.
///
/// # Safety
/// `client` is NULL or a client from this library, not yet freed, and no
/// other thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_free(client: *mut fldm_client) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(client) })
}

/// Write a signed checkpoint of the client journal now (needs a signing
/// key; without a journal this does nothing).
///
/// # Safety
/// `client` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_journal_checkpoint(
    client: *const fldm_client,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let cl = unsafe { handle(client, "client")? };
        cl.client.journal_checkpoint()?;
        Ok(())
    })
}

/// One entry point for every client operation, JSON in and JSON out, so
/// that new operations need no new symbols. `request_json` is an object
/// with `"op"` and the operation's fields (see docs/c-api.md):
/// `health`; `get_person` (`fldm_id` or `azr_nummer`); `search` (`query`);
/// `update_address` (`fldm_id`, `anschrift`, `idempotency_key`?);
/// `report_correction` (`fldm_id`, `report`, `idempotency_key`?);
/// `corrections` (`status`?); `decide_correction` (`correction_id`,
/// `status`, `idempotency_key`?); `changes_page` (`cursor`?, `limit`?);
/// `access_report` (`fldm_id`). Every op except `health` takes `purpose`
/// and `case_reference`?. `*out_json` is the hub's response object.
/// A malformed request (unknown op, missing, mistyped or unknown field) is
/// `FLDM_E_INVALID_ARGUMENT` and `fldm_error_field` names the field;
/// malformed JSON is `FLDM_E_JSON`; the other errors are the typed calls'.
///
/// # Safety
/// `client` is live; `request_json` is NUL-terminated; `out_json` is valid
/// for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_call_json(
    client: *const fldm_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, req, out) = unsafe {
            (
                handle(client, "client")?,
                str_arg(request_json, "request_json")?,
                Out::new(out_json, "out_json")?,
            )
        };
        out.write_string(bridge::call_json(&cl.client, req)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn handles_documented_as_thread_safe_are_send_and_sync() {
        fn sync<T: Send + Sync>() {}
        sync::<super::fldm_client>();
        sync::<crate::person::fldm_person>();
        sync::<super::fldm_disclosure>();
        sync::<crate::policy::fldm_policy>();
        sync::<crate::policy::fldm_permit>();
    }

    #[test]
    fn handles_documented_as_movable_are_send() {
        fn send<T: Send>() {}
        send::<super::fldm_client_config>();
        send::<super::fldm_change_feed>();
        send::<crate::error::fldm_error>();
    }
}

//! `fldm_client`: the hub client handle and the calls that answer JSON
//! (the JSON entry point, search, the writes); its configuration is in
//! [`config`], `get_person` and its `fldm_disclosure` in [`disclosure`],
//! the change feed in [`feed`], the record life cycle (import, create,
//! update, delete, merge, acknowledging a deletion) in [`lifecycle`]. The client is the bridge's blocking client
//! (`fldm_client::blocking::HubClient`, with its own small runtime); every
//! JSON-answering call runs as the bridge's typed request, the one path of
//! `fldm_client_call_json`.

use std::ffi::c_char;

use ::fldm_client::blocking::HubClient;
use ::fldm_client::bridge::{self, Request};

use crate::error::{Result, fldm_error};
use crate::ptr::{Arg, Handle, OptArg, arg, call, free, opt_arg, opt_out_arg, out_arg, read, run};

pub mod config;
pub mod disclosure;
pub mod feed;
pub mod lifecycle;

pub use config::*;
pub use disclosure::*;
pub use feed::*;
pub use lifecycle::*;

/// A connected hub client: TLS configuration, connection pool, client-stage
/// audit journal and a small runtime of two worker threads. Thread-safe:
/// one client may be used from many threads at once.
#[derive(Debug)]
pub struct fldm_client {
    pub(crate) client: HubClient,
}

impl Handle for fldm_client {}

impl fldm_client {
    /// Run a typed call as the bridge's request; its answer as JSON.
    fn respond(&self, request: Request) -> Result<String> {
        Ok(request.run(&self.client)?.to_json()?)
    }
}

/// The purpose (required) and the case reference (NULL if none) of a hub
/// call, as arguments.
fn context(purpose: *const c_char, case_reference: *const c_char) -> (Arg<*const c_char>, OptArg) {
    (
        arg(purpose, "purpose"),
        opt_arg(case_reference, "case_reference"),
    )
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
    // SAFETY: caller contract.
    unsafe {
        read(config, "config", out, |c| {
            let client = c.options.connect()?;
            Ok(fldm_client { client })
        })
    }
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
    unsafe { free(client) }
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
    // SAFETY: caller contract.
    unsafe {
        run(arg(client, "client"), |cl| {
            Ok(cl.client.journal_checkpoint()?)
        })
    }
}

/// One entry point for every client operation, JSON in and JSON out, so
/// that new operations need no new symbols. `request_json` is an object
/// with `"op"` and the operation's fields (see docs/c-api.md):
/// `health`; `get_person` (`fldm_id` or `azr_nummer`); `search` (`query`);
/// `update_address` (`fldm_id`, `anschrift`, `idempotency_key`?);
/// `report_correction` (`fldm_id`, `report`, `idempotency_key`?);
/// `corrections` (`status`?); `decide_correction` (`correction_id`,
/// `status`, `idempotency_key`?); `changes_page` (`cursor`?, `limit`?);
/// `access_report` (`fldm_id`); the record life cycle: `import_persons`
/// (`records`), `import_file` (`path`, `format`?), `create_person`
/// (`record`), `update_person` (`record`, `expected_version`?),
/// `delete_person` (`fldm_id`, `reason`), `merge_persons` (`survivor`,
/// `duplicate`), `acknowledge_deletion` (`fldm_id`, `reason`, `at`,
/// `merged_into`?, `action`, `to`?). Every op except `health` takes `purpose`
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
    let args = (arg(client, "client"), arg(request_json, "request_json"));
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out_json, "out_json"), |(cl, request)| {
            Ok(bridge::call_json(&cl.client, request)?)
        })
    }
}

/// Search by Grundpersonalien. `query_json`: `{"familienname": ...,
/// "vornamen": ..., "geburtsdatum": ..., "geschlecht": ...,
/// "staatsangehoerigkeit": ..., "limit": ...}` (all optional). `*out` is
/// the response JSON: `request_id`, `decision`, `candidates` (each with
/// `score`, `probability`, `matched_on`, `record`). Non-matching
/// candidates must be deleted at once (AZRG § 10 Abs. 3).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_search(
    client: *const fldm_client,
    query_json: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(query_json, "query_json"),
        context(purpose, case_reference),
    );
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(cl, query, (purpose, case))| {
            cl.respond(Request::Search {
                purpose: purpose.into(),
                case_reference: case.map(Into::into),
                query: bridge::parse_json(query)?,
            })
        })
    }
}

/// Write back the current address (housing office). `anschrift_json`: an
/// address object (`strasse`, `hausnummer`, `zusatz`, `postleitzahl`,
/// `ort`, `einzugsdatum`). `idempotency_key`: a stable key makes the write
/// safe to repeat (NULL: generated). `*out` (if `out` is not NULL) is the
/// write result JSON (`fldm_id`, `version`, `changed`, `decision`).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_update_address(
    client: *const fldm_client,
    fldm_id: *const c_char,
    anschrift_json: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    idempotency_key: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(fldm_id, "fldm_id"),
        arg(anschrift_json, "anschrift_json"),
        context(purpose, case_reference),
        opt_arg(idempotency_key, "idempotency_key"),
    );
    // SAFETY: caller contract.
    unsafe {
        call(
            args,
            opt_out_arg(out),
            |(cl, id, anschrift, (purpose, case), key)| {
                cl.respond(Request::UpdateAddress {
                    purpose: purpose.into(),
                    case_reference: case.map(Into::into),
                    fldm_id: id.into(),
                    anschrift: bridge::parse_json(anschrift)?,
                    idempotency_key: key.map(Into::into),
                })
            },
        )
    }
}

/// Report a correction (Berichtigung) to the owning office. `report_json`:
/// `{"attributes": ["grundpersonalien.familienname", ...], "note": "..."}`.
/// `*out` (if `out` is not NULL) is the correction JSON (`id`, `status`, ...).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_report_correction(
    client: *const fldm_client,
    fldm_id: *const c_char,
    report_json: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    idempotency_key: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(fldm_id, "fldm_id"),
        arg(report_json, "report_json"),
        context(purpose, case_reference),
        opt_arg(idempotency_key, "idempotency_key"),
    );
    // SAFETY: caller contract.
    unsafe {
        call(
            args,
            opt_out_arg(out),
            |(cl, id, report, (purpose, case), key)| {
                cl.respond(Request::ReportCorrection {
                    purpose: purpose.into(),
                    case_reference: case.map(Into::into),
                    fldm_id: id.into(),
                    report: bridge::parse_json(report)?,
                    idempotency_key: key.map(Into::into),
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handles_documented_as_thread_safe_are_send_and_sync() {
        fn sync<T: Send + Sync>() {}
        sync::<super::fldm_client>();
        sync::<crate::person::fldm_person>();
        sync::<super::fldm_disclosure>();
        sync::<super::fldm_change>();
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

//! `fldm_client_call_json`: every client operation, JSON in and JSON out,
//! decoded into the bridge's typed request.

use std::ffi::c_char;

use ::fldm_client::bridge;

use super::connect::fldm_client;
use crate::boundary::fallible;
use crate::error::fldm_error;
use crate::ptr::{Out, handle, str_arg};

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

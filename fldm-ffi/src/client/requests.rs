//! The typed hub calls: get a person (a `fldm_disclosure` handle), search,
//! address write-back, correction report. The calls that answer JSON run
//! as the bridge's typed requests, the same path as
//! `fldm_client_call_json`.

use std::ffi::c_char;

use ::fldm_client::bridge::{self, Request, view};
use ::fldm_client::wire::Disclosure;

use super::context_args;
use super::fldm_client;
use crate::boundary::{fallible, guard};
use crate::error::{Error, FLDM_E_INVALID_ARGUMENT, Result, fldm_error};
use crate::person::fldm_person;
use crate::ptr::{Out, free_box, handle, opt_str_arg, str_arg, string_out};

/// `id_kind` of `fldm_client_get_person`: an FLDM id (`P` + 9 digits).
pub const FLDM_ID_FLDM: i32 = 0;
/// `id_kind` of `fldm_client_get_person`: an AZR-Nummer (12 digits).
pub const FLDM_ID_AZR: i32 = 1;

/// A disclosure received from the hub: the filtered record plus the
/// decision (rule, legal basis, policy hash). Immutable; free with
/// `fldm_disclosure_free`.
#[derive(Debug)]
pub struct fldm_disclosure {
    inner: Disclosure,
    person: fldm_person,
}

/// Get a person by FLDM id (`id_kind` 0) or AZR-Nummer (`id_kind` 1),
/// filtered to what the office may receive for `purpose` (Abrufzweck) with
/// `case_reference` (Geschäftszeichen, NULL if none).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_get_person(
    client: *const fldm_client,
    id: *const c_char,
    id_kind: i32,
    purpose: *const c_char,
    case_reference: *const c_char,
    out: *mut *mut fldm_disclosure,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, id, (purpose, case), out) = unsafe {
            (
                handle(client, "client")?,
                str_arg(id, "id")?,
                context_args(purpose, case_reference)?,
                Out::new(out, "out")?,
            )
        };
        let ctx = bridge::context(&purpose, case.as_deref());
        let d = match id_kind {
            FLDM_ID_FLDM => cl.client.get_person(id, &ctx)?,
            FLDM_ID_AZR => cl.client.get_person_by_azr(id, &ctx)?,
            _ => {
                return Err(Error::new(
                    FLDM_E_INVALID_ARGUMENT,
                    "id_kind must be FLDM_ID_FLDM (0) or FLDM_ID_AZR (1)",
                ));
            }
        };
        let person = fldm_person {
            inner: d.record.clone(),
        };
        out.write_box(fldm_disclosure { inner: d, person });
        Ok(())
    })
}

/// Free a disclosure. NULL is allowed.
///
/// # Safety
/// `disclosure` is NULL or a disclosure from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_free(disclosure: *mut fldm_disclosure) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(disclosure) })
}

/// The disclosed record. Borrowed: valid as long as `disclosure`; do not
/// free it. NULL if `disclosure` is NULL.
///
/// # Safety
/// `disclosure` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_person(
    disclosure: *const fldm_disclosure,
) -> *const fldm_person {
    // SAFETY: caller contract.
    guard(|| unsafe { disclosure.as_ref() }.map_or(std::ptr::null(), |d| &d.person))
}

/// The whole disclosure as JSON (`request_id`, `decision` with `rule_id`,
/// `legal_basis`, `policy_hash`, `attributes`, `transformations`, and
/// `record`), as sent by the hub.
///
/// # Safety
/// `disclosure` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_to_json(
    disclosure: *const fldm_disclosure,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        string_out(disclosure, "disclosure", out, |d| {
            Ok(bridge::to_json(&d.inner)?)
        })
    }
}

/// The deciding rule id and the legal basis, e.g. `§ 14 Abs. 1 AZRG`.
///
/// # Safety
/// `disclosure` is live; `out_rule_id` and `out_legal_basis` are valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_decision(
    disclosure: *const fldm_disclosure,
    out_rule_id: *mut *mut c_char,
    out_legal_basis: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (d, rule, basis) = unsafe {
            (
                handle(disclosure, "disclosure")?,
                Out::new(out_rule_id, "out_rule_id")?,
                Out::new(out_legal_basis, "out_legal_basis")?,
            )
        };
        let dec = &d.inner.decision;
        rule.write_string(dec.rule_id.clone());
        basis.write_string(view::legal_basis_short(&dec.legal_basis));
        Ok(())
    })
}

/// Run a typed call as the bridge's request; its JSON answer to `out`
/// (if wanted).
fn run(cl: &fldm_client, request: Request, out: Option<Out<*mut c_char>>) -> Result<()> {
    let text = request.run(&cl.client)?.to_json()?;
    if let Some(out) = out {
        out.write_string(text);
    }
    Ok(())
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
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, query, (purpose, case_reference), out) = unsafe {
            (
                handle(client, "client")?,
                str_arg(query_json, "query_json")?,
                context_args(purpose, case_reference)?,
                Out::new(out, "out")?,
            )
        };
        let request = Request::Search {
            purpose,
            case_reference,
            query: bridge::parse_json(query)?,
        };
        run(cl, request, Some(out))
    })
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
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, id, anschrift, (purpose, case_reference), key) = unsafe {
            (
                handle(client, "client")?,
                str_arg(fldm_id, "fldm_id")?,
                str_arg(anschrift_json, "anschrift_json")?,
                context_args(purpose, case_reference)?,
                opt_str_arg(idempotency_key, "idempotency_key")?,
            )
        };
        let request = Request::UpdateAddress {
            purpose,
            case_reference,
            fldm_id: id.to_string(),
            anschrift: bridge::parse_json(anschrift)?,
            idempotency_key: key.map(str::to_string),
        };
        run(cl, request, Out::optional(out))
    })
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
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, id, report, (purpose, case_reference), key) = unsafe {
            (
                handle(client, "client")?,
                str_arg(fldm_id, "fldm_id")?,
                str_arg(report_json, "report_json")?,
                context_args(purpose, case_reference)?,
                opt_str_arg(idempotency_key, "idempotency_key")?,
            )
        };
        let request = Request::ReportCorrection {
            purpose,
            case_reference,
            fldm_id: id.to_string(),
            report: bridge::parse_json(report)?,
            idempotency_key: key.map(str::to_string),
        };
        run(cl, request, Out::optional(out))
    })
}

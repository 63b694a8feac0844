//! `fldm_client_get_person` and what it returns: `fldm_disclosure`, the
//! filtered record plus the decision.

use std::ffi::c_char;

use ::fldm_client::bridge::{self, view};
use ::fldm_client::wire::Disclosure;

use super::{context, fldm_client};
use crate::error::{Error, FLDM_E_INVALID_ARGUMENT, fldm_error};
use crate::person::fldm_person;
use crate::ptr::{Handle, arg, call, free, out_arg, peek, run, to_json};

/// A disclosure received from the hub: the filtered record plus the
/// decision (rule, legal basis, policy hash). Immutable; free with
/// `fldm_disclosure_free`.
#[derive(Debug)]
pub struct fldm_disclosure {
    inner: Disclosure,
    person: fldm_person,
}

impl Handle for fldm_disclosure {}

/// `id_kind` of `fldm_client_get_person`: an FLDM id (`P` + 9 digits).
pub const FLDM_ID_FLDM: i32 = 0;
/// `id_kind` of `fldm_client_get_person`: an AZR-Nummer (12 digits).
pub const FLDM_ID_AZR: i32 = 1;

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
    let args = (
        arg(client, "client"),
        arg(id, "id"),
        context(purpose, case_reference),
    );
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(cl, id, (purpose, case))| {
            let ctx = bridge::context(purpose, case);
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
            let person = fldm_person::copy_of(&d.record);
            Ok(fldm_disclosure { inner: d, person })
        })
    }
}

/// Free a disclosure. NULL is allowed.
///
/// # Safety
/// `disclosure` is NULL or a disclosure from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_free(disclosure: *mut fldm_disclosure) {
    // SAFETY: caller contract.
    unsafe { free(disclosure) }
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
    unsafe { peek(disclosure, |d| std::ptr::from_ref(&d.person)) }
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
    unsafe { to_json(disclosure, "disclosure", out, |d| bridge::to_json(&d.inner)) }
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
    let args = (
        arg(disclosure, "disclosure"),
        out_arg(out_rule_id, "out_rule_id"),
        out_arg(out_legal_basis, "out_legal_basis"),
    );
    // SAFETY: caller contract.
    unsafe {
        run(args, |(d, rule_id, legal_basis)| {
            let decision = &d.inner.decision;
            rule_id.put(decision.rule_id.clone());
            legal_basis.put(view::legal_basis_short(&decision.legal_basis));
            Ok(())
        })
    }
}

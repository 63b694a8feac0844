//! `fldm_policy`: load a policy, decide requests and explain it locally
//! (no hub needed). The work and the JSON forms are the bridge's
//! (`fldm_client::bridge`).

use std::ffi::c_char;

use ::fldm_client::bridge::{self, view};
use fldm_core::policy::Policy;

use crate::error::fldm_error;
use crate::permit::fldm_permit;
use crate::ptr::{Handle, arg, call, free, opt_arg, out_arg, to_json};

/// A loaded, validated policy; immutable and safe to share between threads.
#[derive(Debug)]
pub struct fldm_policy {
    inner: Policy,
}

impl Handle for fldm_policy {}

/// Load and validate a policy file (TOML). Errors name file, line and rule.
///
/// # Safety
/// `path` is a NUL-terminated string; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_policy_load(
    path: *const c_char,
    out: *mut *mut fldm_policy,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        call(arg(path, "path"), out_arg(out, "out"), |path| {
            let inner = Policy::load(path)?;
            Ok(fldm_policy { inner })
        })
    }
}

/// Parse and validate policy text; `source_name` is used in error messages.
///
/// # Safety
/// `text` and `source_name` are NUL-terminated strings; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_policy_from_str(
    text: *const c_char,
    source_name: *const c_char,
    out: *mut *mut fldm_policy,
) -> *mut fldm_error {
    let args = (arg(text, "text"), arg(source_name, "source_name"));
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(text, name)| {
            let inner = Policy::from_str(text, name)?;
            Ok(fldm_policy { inner })
        })
    }
}

/// Free a policy. NULL is allowed.
///
/// # Safety
/// `policy` is NULL or a policy from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_policy_free(policy: *mut fldm_policy) {
    // SAFETY: caller contract.
    unsafe { free(policy) }
}

/// The policy's id and the hash of its canonical form, as a JSON object
/// `{"id": ..., "hash": ..., "source": ...}`.
///
/// # Safety
/// `policy` is a live policy; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_policy_info_json(
    policy: *const fldm_policy,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        to_json(policy, "policy", out, |p| {
            bridge::to_json(&view::PolicyInfoView::from(&p.inner))
        })
    }
}

/// Decide a request locally: may `office` perform `operation` (`read`,
/// `search`, `write`, `changes`, `statistics`, `audit`) for `purpose`
/// (Abrufzweck code), with `case_reference` (NULL if none), on `date`
/// (`YYYY-MM-DD`, NULL = today in UTC)? On a permit `*out` is the permit;
/// a denial is the error `FLDM_E_POLICY_DENIED` whose reason is the deny
/// reason code (`no_matching_rule`, `case_reference_required`, ...).
///
/// # Safety
/// `policy` is a live policy; the strings are NUL-terminated or NULL where
/// allowed; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_policy_decide(
    policy: *const fldm_policy,
    office: *const c_char,
    operation: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    date: *const c_char,
    out: *mut *mut fldm_permit,
) -> *mut fldm_error {
    let args = (
        arg(policy, "policy"),
        arg(office, "office"),
        arg(operation, "operation"),
        opt_arg(purpose, "purpose"),
        opt_arg(case_reference, "case_reference"),
        opt_arg(date, "date"),
    );
    // SAFETY: caller contract.
    unsafe {
        call(
            args,
            out_arg(out, "out"),
            |(p, office, op, purpose, case, date)| {
                let inner = bridge::permit(&p.inner, office, op, purpose, case, date)?;
                Ok(fldm_permit { inner })
            },
        )
    }
}

/// What `office` (NULL: all) receives for `purpose` (NULL: all), and why.
/// `format`: `text`, `markdown`, `csv` (the DSGVO Art. 30 matrix) or `json`
/// (an array of rows; retention as an ISO 8601 duration such as `P6M`
/// plus `retention_text`, e.g. `6 months`).
///
/// # Safety
/// `policy` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_policy_explain(
    policy: *const fldm_policy,
    office: *const c_char,
    purpose: *const c_char,
    format: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(policy, "policy"),
        opt_arg(office, "office"),
        opt_arg(purpose, "purpose"),
        arg(format, "format"),
    );
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(p, office, purpose, format)| {
            Ok(bridge::explain(&p.inner, office, purpose, format)?)
        })
    }
}

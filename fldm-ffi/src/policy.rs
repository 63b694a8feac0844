//! Local policy functions: load, decide, apply, explain (no hub needed):
//! `fldm_policy` and the `fldm_permit` its decisions give. The work and
//! the JSON forms are the bridge's (`fldm_client::bridge`).

use std::ffi::c_char;

use ::fldm_client::bridge::{self, view};
use fldm_core::policy::{Permit, Policy};

use crate::error::fldm_error;
use crate::person::fldm_person;
use crate::ptr::{Handle, arg, call, free, opt_arg, out_arg, read, to_json};

/// A loaded, validated policy; immutable and safe to share between threads.
#[derive(Debug)]
pub struct fldm_policy {
    inner: Policy,
}

impl Handle for fldm_policy {}

/// A permit: the deciding rule, its legal basis, the attribute set and the
/// transformations. Immutable and safe to share between threads; it stays
/// valid after the policy it came from is freed.
#[derive(Debug)]
pub struct fldm_permit {
    pub(crate) inner: Permit,
}

impl Handle for fldm_permit {}

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

/// Free a permit. NULL is allowed.
///
/// # Safety
/// `permit` is NULL or a permit from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_permit_free(permit: *mut fldm_permit) {
    // SAFETY: caller contract.
    unsafe { free(permit) }
}

/// The permit as JSON: rule id, operation, legal basis (law, section,
/// citation), permitted attributes, transformations, case reference
/// requirement, retention (ISO 8601 duration such as `P6M`, and
/// `retention_text`, e.g. `6 months`) and policy hash.
///
/// # Safety
/// `permit` is a live permit; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_permit_to_json(
    permit: *const fldm_permit,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        to_json(permit, "permit", out, |p| {
            bridge::to_json(&view::PermitView::from(&p.inner))
        })
    }
}

/// The id of the deciding rule (owned string).
///
/// # Safety
/// `permit` is a live permit; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_permit_rule_id(
    permit: *const fldm_permit,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(permit, "permit", out, |p| Ok(p.inner.rule_id().to_string())) }
}

/// The legal basis in short form, e.g. `§ 14 Abs. 1 AZRG` (owned string).
///
/// # Safety
/// `permit` is a live permit; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_permit_legal_basis(
    permit: *const fldm_permit,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(permit, "permit", out, |p| Ok(p.inner.legal_basis().short())) }
}

/// Apply the permit to a person: `*out` is a new person holding exactly the
/// permitted attributes (plus the FLDM id), transformations applied.
///
/// # Safety
/// `permit` and `person` are live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_permit_apply(
    permit: *const fldm_permit,
    person: *const fldm_person,
    out: *mut *mut fldm_person,
) -> *mut fldm_error {
    let args = (arg(permit, "permit"), arg(person, "person"));
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(permit, person)| {
            let inner = permit.inner.apply(&person.inner);
            Ok(fldm_person { inner })
        })
    }
}

/// Shared body of the two text forms of `apply`.
///
/// # Safety
/// `permit` is NULL or live; `record` is NULL or NUL-terminated; `out` is
/// NULL or valid for a write.
unsafe fn apply_text(
    permit: *const fldm_permit,
    record: *const c_char,
    record_name: &'static str,
    out: *mut *mut c_char,
    apply: fn(&Permit, &str) -> bridge::Result<String>,
) -> *mut fldm_error {
    let args = (arg(permit, "permit"), arg(record, record_name));
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(permit, record)| {
            Ok(apply(&permit.inner, record)?)
        })
    }
}

/// Apply the permit to one JSON record (strictly decoded and validated);
/// `*out` is the disclosure as compact JSON.
///
/// # Safety
/// `permit` is live; `record_json` is NUL-terminated; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_permit_apply_json(
    permit: *const fldm_permit,
    record_json: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { apply_text(permit, record_json, "record_json", out, bridge::apply_json) }
}

/// Apply the permit to one XML record (`<fldm:person>` document); `*out` is
/// the disclosure as an XML document.
///
/// # Safety
/// `permit` is live; `record_xml` is NUL-terminated; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_permit_apply_xml(
    permit: *const fldm_permit,
    record_xml: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { apply_text(permit, record_xml, "record_xml", out, bridge::apply_xml) }
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

/// Benchmark baseline: run `fldm_permit_apply_json`'s work (decode,
/// validate, apply, encode) `iterations` times in a plain Rust loop and
/// write the elapsed nanoseconds. A C program times its own loop of
/// `fldm_permit_apply_json` calls on the same input; the ratio of the two
/// is the cost of the C boundary.
///
/// # Safety
/// `permit` is live; `record_json` is NUL-terminated; `out_nanos` is valid
/// for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_bench_rust_apply_json(
    permit: *const fldm_permit,
    record_json: *const c_char,
    iterations: u64,
    out_nanos: *mut u64,
) -> *mut fldm_error {
    let args = (arg(permit, "permit"), arg(record_json, "record_json"));
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out_nanos, "out_nanos"), |(permit, record)| {
            let start = std::time::Instant::now();
            let mut bytes = 0usize;
            for _ in 0..iterations {
                let s = bridge::apply_json(&permit.inner, std::hint::black_box(record))?;
                bytes = bytes.wrapping_add(s.len());
            }
            std::hint::black_box(bytes);
            Ok(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX))
        })
    }
}

//! `fldm_permit`: the outcome of a local decision, and applying it to
//! records. The work and the JSON forms are the bridge's
//! (`fldm_client::bridge`).

use std::ffi::c_char;

use ::fldm_client::bridge::{self, view};
use fldm_core::policy::Permit;

use crate::error::fldm_error;
use crate::person::fldm_person;
use crate::ptr::{Handle, arg, call, free, out_arg, read, to_json};

/// A permit: the deciding rule, its legal basis, the attribute set and the
/// transformations. Immutable and safe to share between threads; it stays
/// valid after the policy it came from is freed.
#[derive(Debug)]
pub struct fldm_permit {
    pub(crate) inner: Permit,
}

impl Handle for fldm_permit {}

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

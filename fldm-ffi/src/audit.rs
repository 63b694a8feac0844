//! Offline verification of audit journals and proof bundles.

use std::ffi::c_char;
use std::path::Path;

use ::fldm_client::bridge;

use crate::error::fldm_error;
use crate::ptr::{arg, call, out_arg};

/// Verify the journal in directory `dir` with the owner's public key file
/// (as written by `fldm audit keygen` / `fldm init-pki`). Intact: `*out` is
/// a JSON report (`intact`, `entries`, `pruned`, `checkpoints`,
/// `checkpoints_verified`, `verified_size`, `uncovered`, `bytes`, `notes`).
/// Tampered: `FLDM_E_AUDIT_TAMPERED`, the message lists the problems, each
/// naming the entry or checkpoint. Unreadable: `FLDM_E_IO` / `FLDM_E_AUDIT`.
///
/// # Safety
/// `dir` and `public_key_path` are NUL-terminated; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_audit_verify_dir(
    dir: *const c_char,
    public_key_path: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (arg(dir, "dir"), arg(public_key_path, "public_key_path"));
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(dir, key)| {
            let report = bridge::verify_dir(Path::new(dir), Path::new(key))?;
            Ok(bridge::to_json(&report)?)
        })
    }
}

/// Verify an offline proof bundle (the JSON text of `fldm audit prove`)
/// with the owner's public key file. On success `*out_index` is the index
/// of the proven entry. `FLDM_E_BUNDLE_INVALID` when the proof or the
/// signature does not verify; `FLDM_E_JSON` / `FLDM_E_AUDIT` when the text
/// is not a bundle.
///
/// # Safety
/// `bundle_json` and `public_key_path` are NUL-terminated; `out_index` is
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_audit_verify_bundle(
    bundle_json: *const c_char,
    public_key_path: *const c_char,
    out_index: *mut u64,
) -> *mut fldm_error {
    let args = (
        arg(bundle_json, "bundle_json"),
        arg(public_key_path, "public_key_path"),
    );
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out_index, "out_index"), |(text, key)| {
            Ok(bridge::verify_bundle(text, Path::new(key))?.leaf_index)
        })
    }
}

//! Offline verification of audit journals and proof bundles.

use std::ffi::c_char;
use std::path::Path;

use fldm_core::audit::{Bundle, PublicKey, verify_dir};

use crate::error::{Error, FLDM_E_AUDIT_TAMPERED, FLDM_E_BUNDLE_INVALID, fallible, fldm_error};
use crate::ptr::{Out, str_arg};

/// Problems listed in the message of `FLDM_E_AUDIT_TAMPERED`.
const MAX_PROBLEMS_IN_MESSAGE: usize = 20;

/// Verify the journal in directory `dir` with the owner's public key file
/// (as written by `fldm audit keygen` / `fldm init-pki`). Intact: `*out` is
/// a JSON report (`entries`, `pruned`, `checkpoints`,
/// `checkpoints_verified`, `verified_size`, `uncovered`, `notes`).
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
    fallible(|| {
        // SAFETY: caller contract.
        let (dir, key, out) = unsafe {
            (
                str_arg(dir, "dir")?,
                str_arg(public_key_path, "public_key_path")?,
                Out::new(out, "out")?,
            )
        };
        let key = PublicKey::load(Path::new(key))?;
        let r = verify_dir(dir, &key)?;
        if !r.is_intact() {
            let mut msg = format!(
                "the journal was tampered with: {} problem(s): ",
                r.problems.len()
            );
            let listed: Vec<String> = r
                .problems
                .iter()
                .take(MAX_PROBLEMS_IN_MESSAGE)
                .map(ToString::to_string)
                .collect();
            msg.push_str(&listed.join("; "));
            return Err(Error::new(FLDM_E_AUDIT_TAMPERED, msg));
        }
        let v = serde_json::json!({
            "intact": true,
            "entries": r.entries,
            "pruned": r.pruned,
            "checkpoints": r.checkpoints,
            "checkpoints_verified": r.checkpoints_verified,
            "verified_size": r.verified_size,
            "uncovered": r.uncovered,
            "notes": r.notes,
        });
        out.write_string(v.to_string());
        Ok(())
    })
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
    fallible(|| {
        // SAFETY: caller contract.
        let (text, key, out) = unsafe {
            (
                str_arg(bundle_json, "bundle_json")?,
                str_arg(public_key_path, "public_key_path")?,
                Out::new(out_index, "out_index")?,
            )
        };
        let key = PublicKey::load(Path::new(key))?;
        let bundle = Bundle::from_json(text)?;
        bundle
            .verify(&key)
            .map_err(|p| Error::new(FLDM_E_BUNDLE_INVALID, p.to_string()))?;
        out.write(bundle.entry.index);
        Ok(())
    })
}

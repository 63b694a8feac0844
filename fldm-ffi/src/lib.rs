//! # fldm-ffi: the C ABI of the FLDM SDK
//!
//! This crate has no logic of its own: every function checks its pointers,
//! converts strings, calls the bridge (`fldm_client::bridge`, which the
//! Python module shares) or `fldm-core`, and converts the result and the
//! error. The conventions (handles, ownership, errors, strings, threads,
//! versioning, linking) are specified in `docs/c-api.md`; the header
//! `include/fldm.h` is generated from this crate by a pinned cbindgen and
//! committed.
//!
//! Every entry point runs its body through one panic boundary
//! (`boundary::guard`), so a panic never unwinds into C.
#![allow(non_camel_case_types)]
// The C ABI needs `unsafe`; the workspace denies it elsewhere.
#![allow(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod audit;
mod boundary;
mod client;
mod error;
mod person;
mod policy;
mod ptr;

use std::ffi::c_char;

pub use audit::*;
pub use client::*;
pub use error::*;
pub use person::*;
pub use policy::*;

/// Major version of this library (the header's `FLDM_VERSION_MAJOR`).
pub const FLDM_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const FLDM_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const FLDM_VERSION_PATCH: u32 = 0;
// FLDM_VERSION_STRING is defined in cbindgen.toml (cbindgen does not
// export string constants); a unit test checks it against the crate version.

const VERSION_C: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The version of the library actually linked, e.g. `"0.1.0"`. Static
/// string: do not free. Compare with `FLDM_VERSION_STRING` of the header
/// the program was compiled with.
#[unsafe(no_mangle)]
pub extern "C" fn fldm_version() -> *const c_char {
    boundary::guard(|| VERSION_C.as_ptr().cast::<c_char>())
}

/// Free a string returned by this library. NULL is allowed.
///
/// # Safety
/// `s` is NULL or a string returned by this library through an out
/// parameter, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_string_free(s: *mut c_char) {
    // SAFETY: caller contract.
    unsafe { ptr::free_string(s) }
}

/// TEST ONLY: panics inside the library, to show that the panic boundary
/// turns a panic into the error `FLDM_E_PANIC` instead of aborting the
/// process. Compiled into every build so that a vendor can check the
/// boundary with the very library they ship; never call it otherwise.
/// (The panic message is also printed to stderr by the default panic hook.)
#[unsafe(no_mangle)]
pub extern "C" fn fldm_test_panic() -> *mut fldm_error {
    boundary::fallible(|| {
        let v: Vec<u8> = Vec::new();
        // An out-of-bounds index: a real bug pattern, not a `panic!` call.
        let i = std::hint::black_box(3usize);
        let _ = v[i];
        Ok(())
    })
}

#[cfg(test)]
mod tests;

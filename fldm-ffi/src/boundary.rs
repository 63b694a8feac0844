//! The one panic boundary every entry point goes through (as rustls-ffi's
//! `ffi_panic_boundary!`): a panic never unwinds into C.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{Error, FLDM_E_PANIC, Result, fldm_error};

/// What an infallible entry point returns when it has nothing to give: for
/// a NULL handle, and when a panic was caught.
pub(crate) trait Neutral {
    fn neutral() -> Self;
}

impl Neutral for () {
    fn neutral() -> Self {}
}

impl Neutral for i32 {
    fn neutral() -> Self {
        0
    }
}

impl Neutral for u64 {
    fn neutral() -> Self {
        0
    }
}

impl<T> Neutral for *const T {
    fn neutral() -> Self {
        std::ptr::null()
    }
}

/// What an entry point returns when a panic was caught.
pub(crate) trait OnPanic {
    fn on_panic(message: String) -> Self;
}

impl OnPanic for *mut fldm_error {
    fn on_panic(message: String) -> Self {
        Error::new(
            FLDM_E_PANIC,
            format!("internal error: a panic was caught at the C boundary: {message}"),
        )
        .into_raw()
    }
}

impl<T: Neutral> OnPanic for T {
    fn on_panic(_: String) -> Self {
        T::neutral()
    }
}

/// The one panic boundary: every `extern "C"` function of this crate runs
/// its body through `guard`, so a panic never unwinds into C. Panics become
/// `FLDM_E_PANIC` errors for fallible functions and a neutral value
/// (NULL, 0, nothing) for the others.
pub(crate) fn guard<R: OnPanic>(body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(payload) => {
            let message = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "unknown panic payload".to_string()
            };
            R::on_panic(message)
        }
    }
}

/// `guard` for fallible functions: `Ok` becomes NULL, `Err` an error object.
pub(crate) fn fallible(body: impl FnOnce() -> Result<()>) -> *mut fldm_error {
    guard(|| match body() {
        Ok(()) => std::ptr::null_mut(),
        Err(e) => e.into_raw(),
    })
}

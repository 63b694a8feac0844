//! Pointer handling shared by the entry points: checked arguments, out
//! parameters written only on success, owned strings and handles, and the
//! bodies of the common shapes ("handle in, string out", "string in,
//! handle out").

use std::ffi::{CStr, CString, c_char};

use crate::boundary::fallible;
use crate::error::{Error, FLDM_E_INVALID_UTF8, Result, c_string_lossy, fldm_error};

/// A required UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    // SAFETY: caller contract.
    unsafe { opt_str_arg(p, name) }?.ok_or_else(|| Error::null(name))
}

/// An optional UTF-8 string argument (NULL = absent).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn opt_str_arg<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null and NUL-terminated by the caller's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map(Some).map_err(|e| {
        Error::new(
            FLDM_E_INVALID_UTF8,
            format!(
                "argument {name} is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A required handle argument.
///
/// # Safety
/// `p` is NULL or points to a live `T`.
pub(crate) unsafe fn handle<'a, T>(p: *const T, name: &str) -> Result<&'a T> {
    // SAFETY: caller contract.
    unsafe { p.as_ref() }.ok_or_else(|| Error::null(name))
}

/// A required mutable handle argument.
///
/// # Safety
/// `p` is NULL or points to a live `T` not used by another thread.
pub(crate) unsafe fn handle_mut<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T> {
    // SAFETY: caller contract.
    unsafe { p.as_mut() }.ok_or_else(|| Error::null(name))
}

/// An out parameter: checked for NULL before any work is done, written only
/// by [`Out::write`] after the work succeeded.
#[derive(Debug)]
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// # Safety
    /// `p` is NULL or valid for a write of `T`.
    pub(crate) unsafe fn new(p: *mut T, name: &str) -> Result<Self> {
        if p.is_null() {
            Err(Error::null(name))
        } else {
            Ok(Out(p))
        }
    }

    /// An out parameter the caller may leave NULL ("not wanted").
    pub(crate) fn optional(p: *mut T) -> Option<Self> {
        (!p.is_null()).then_some(Out(p))
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: checked non-null in `new`; valid for writes by contract.
        unsafe { self.0.write(value) }
    }
}

impl Out<*mut c_char> {
    /// Write an owned copy of `s` (freed by `fldm_string_free`).
    pub(crate) fn write_string(self, s: String) {
        self.write(c_string_lossy(s).into_raw());
    }

    /// Write an owned copy of `s`, or NULL when absent.
    pub(crate) fn write_opt_string(self, s: Option<String>) {
        self.write(s.map_or(std::ptr::null_mut(), |s| c_string_lossy(s).into_raw()));
    }
}

impl<T> Out<*mut T> {
    /// Move `value` to the heap and write the handle.
    pub(crate) fn write_box(self, value: T) {
        self.write(Box::into_raw(Box::new(value)));
    }
}

/// Free a handle allocated with `Box::into_raw`; NULL is ignored.
///
/// # Safety
/// `p` is NULL or was returned by this library as a `*mut T` and not freed.
pub(crate) unsafe fn free_box<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: caller contract.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Free a string returned by this library; NULL is ignored.
///
/// # Safety
/// `p` is NULL or was returned by this library as an owned string.
pub(crate) unsafe fn free_string(p: *mut c_char) {
    if !p.is_null() {
        // SAFETY: caller contract: produced by `CString::into_raw`.
        drop(unsafe { CString::from_raw(p) });
    }
}

/// Body of the functions "live handle in, owned string (or NULL) out":
/// checks both pointers, runs `get`, writes what it returns (NULL for
/// `None`).
///
/// # Safety
/// `h` is NULL or points to a live `H`; `out` is NULL or valid for a write.
pub(crate) unsafe fn opt_string_out<H>(
    h: *const H,
    name: &str,
    out: *mut *mut c_char,
    get: impl FnOnce(&H) -> Result<Option<String>>,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (h, out) = unsafe { (handle(h, name)?, Out::new(out, "out")?) };
        out.write_opt_string(get(h)?);
        Ok(())
    })
}

/// As [`opt_string_out`], for values that are always present.
///
/// # Safety
/// As [`opt_string_out`].
pub(crate) unsafe fn string_out<H>(
    h: *const H,
    name: &str,
    out: *mut *mut c_char,
    get: impl FnOnce(&H) -> Result<String>,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { opt_string_out(h, name, out, |h| get(h).map(Some)) }
}

/// Body of the functions "string in, new handle out": checks both
/// pointers and the UTF-8, runs `make`, writes the new handle.
///
/// # Safety
/// `s` is NULL or NUL-terminated; `out` is NULL or valid for a write.
pub(crate) unsafe fn new_from_str<T>(
    s: *const c_char,
    name: &str,
    out: *mut *mut T,
    make: impl FnOnce(&str) -> Result<T>,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (s, out) = unsafe { (str_arg(s, name)?, Out::new(out, "out")?) };
        out.write_box(make(s)?);
        Ok(())
    })
}

//! `fldm_error`: the error object of every fallible call, its codes, and
//! the one panic boundary all entry points go through.

use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

// --- codes -------------------------------------------------------------------
// Ranges by kind: 1xx argument/usage, 2xx input validation, 3xx policy
// denial, 4xx transport/TLS/timeout, 5xx hub answered with an error,
// 6xx audit, 9xx internal. Codes are stable: a number is never reused.

/// A required pointer argument was NULL.
pub const FLDM_E_NULL_ARGUMENT: i32 = 101;
/// A string argument is not valid UTF-8.
pub const FLDM_E_INVALID_UTF8: i32 = 102;
/// An argument has a value the function does not accept (unknown operation,
/// unknown "op", index out of range, malformed request JSON).
pub const FLDM_E_INVALID_ARGUMENT: i32 = 103;

/// A value failed validation (the message names the field).
pub const FLDM_E_INVALID_INPUT: i32 = 201;
/// JSON input could not be decoded (the message names the field and position).
pub const FLDM_E_JSON: i32 = 202;
/// XML input could not be decoded.
pub const FLDM_E_XML: i32 = 203;
/// The client configuration is incomplete or a file it names cannot be read
/// (CA, certificate, key, journal keys).
pub const FLDM_E_CONFIG: i32 = 204;
/// A policy file is invalid (the message names file, line and rule).
pub const FLDM_E_POLICY_FILE: i32 = 205;
/// A file could not be read or written.
pub const FLDM_E_IO: i32 = 206;
/// The request lacks what the law requires (purpose, user); reported by the hub.
pub const FLDM_E_MISSING_CONTEXT: i32 = 207;

/// The policy denied the request (local decision or the hub's);
/// `fldm_error_reason` gives the reason code, e.g. `case_reference_required`.
pub const FLDM_E_POLICY_DENIED: i32 = 301;

/// The TLS handshake failed (unknown CA, certificate not accepted).
pub const FLDM_E_TLS: i32 = 401;
/// The request did not complete in time.
pub const FLDM_E_TIMEOUT: i32 = 402;
/// The hub could not be reached or the connection broke.
pub const FLDM_E_UNREACHABLE: i32 = 403;

/// No such person or resource.
pub const FLDM_E_NOT_FOUND: i32 = 501;
/// A write conflicted (idempotency key reused, concurrent update).
pub const FLDM_E_CONFLICT: i32 = 502;
/// The hub failed (HTTP 5xx, including `audit_unavailable`);
/// `fldm_error_reason` gives the hub's problem code.
pub const FLDM_E_SERVER: i32 = 503;
/// The hub answered something this library cannot read.
pub const FLDM_E_PROTOCOL: i32 = 504;

/// An audit journal could not be written or read (fail closed: the data
/// of the call was discarded).
pub const FLDM_E_AUDIT: i32 = 601;
/// Verification found tampering; the message lists the problems.
pub const FLDM_E_AUDIT_TAMPERED: i32 = 602;
/// A proof bundle does not verify.
pub const FLDM_E_BUNDLE_INVALID: i32 = 603;

/// An internal error of the library.
pub const FLDM_E_INTERNAL: i32 = 901;
/// A panic inside the library was caught at the boundary. The library is
/// still usable, but the object the call worked on may be in any state;
/// free it.
pub const FLDM_E_PANIC: i32 = 902;

/// An error: a numeric code (`FLDM_E_*`), a message for people (never
/// personal data) and, for denials and hub errors, a machine reason code.
/// Owned by the caller; free with `fldm_error_free`.
#[derive(Debug)]
pub struct fldm_error {
    code: i32,
    message: CString,
    reason: Option<CString>,
}

/// The Rust side of an error before it crosses the boundary.
#[derive(Debug)]
pub struct Error {
    pub(crate) code: i32,
    pub(crate) message: String,
    pub(crate) reason: Option<String>,
}

impl Error {
    pub(crate) fn new(code: i32, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            reason: None,
        }
    }

    pub(crate) fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub(crate) fn null(arg: &str) -> Self {
        Error::new(
            FLDM_E_NULL_ARGUMENT,
            format!("argument {arg} must not be NULL"),
        )
    }

    pub(crate) fn into_raw(self) -> *mut fldm_error {
        let e = fldm_error {
            code: self.code,
            message: c_string_lossy(self.message),
            reason: self.reason.map(c_string_lossy),
        };
        Box::into_raw(Box::new(e))
    }
}

/// A C string from Rust text; interior NUL bytes (never produced by the
/// library's messages) are replaced.
pub(crate) fn c_string_lossy(s: String) -> CString {
    match CString::new(s) {
        Ok(c) => c,
        Err(e) => {
            let bytes: Vec<u8> = e
                .into_vec()
                .into_iter()
                .map(|b| if b == 0 { b'?' } else { b })
                .collect();
            CString::new(bytes).unwrap_or_default()
        }
    }
}

impl From<fldm_core::Error> for Error {
    fn from(e: fldm_core::Error) -> Self {
        use fldm_core::Error as E;
        let code = match &e {
            E::Validation(_) | E::CodeList { .. } => FLDM_E_INVALID_INPUT,
            E::Json { .. } => FLDM_E_JSON,
            E::Xml { .. } => FLDM_E_XML,
            E::Record { source, .. } => return Error::from_core_ref(source, e.to_string()),
            E::Policy(_) | E::PolicyFile { .. } => FLDM_E_POLICY_FILE,
            E::Audit(_) => FLDM_E_AUDIT,
            E::Io { .. } => FLDM_E_IO,
            _ => FLDM_E_INTERNAL,
        };
        Error::new(code, e.to_string())
    }
}

impl Error {
    fn from_core_ref(inner: &fldm_core::Error, message: String) -> Self {
        use fldm_core::Error as E;
        let code = match inner {
            E::Json { .. } => FLDM_E_JSON,
            E::Xml { .. } => FLDM_E_XML,
            _ => FLDM_E_INVALID_INPUT,
        };
        Error::new(code, message)
    }
}

impl From<fldm_client::Error> for Error {
    fn from(e: fldm_client::Error) -> Self {
        use fldm_client::Error as E;
        let message = e.to_string();
        match e {
            E::Config { .. } => Error::new(FLDM_E_CONFIG, message),
            E::Tls(_) => Error::new(FLDM_E_TLS, message),
            E::Timeout(_) => Error::new(FLDM_E_TIMEOUT, message),
            E::Transport(_) => Error::new(FLDM_E_UNREACHABLE, message),
            E::Denied { reason, .. } => {
                Error::new(FLDM_E_POLICY_DENIED, message).with_reason(reason)
            }
            E::MissingContext { code, .. } => {
                Error::new(FLDM_E_MISSING_CONTEXT, message).with_reason(code.as_str())
            }
            E::NotFound { .. } => Error::new(FLDM_E_NOT_FOUND, message),
            E::InvalidInput { field, .. } => {
                let e = Error::new(FLDM_E_INVALID_INPUT, message);
                match field {
                    Some(f) => e.with_reason(f),
                    None => e,
                }
            }
            E::Local(inner) => Error::from(inner),
            E::Conflict { code, .. } => {
                Error::new(FLDM_E_CONFLICT, message).with_reason(code.as_str())
            }
            E::Server { code, .. } => Error::new(FLDM_E_SERVER, message).with_reason(code),
            E::Protocol(_) => Error::new(FLDM_E_PROTOCOL, message),
            E::Audit(_) => Error::new(FLDM_E_AUDIT, message),
            _ => Error::new(FLDM_E_INTERNAL, message),
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

// --- the panic boundary ---------------------------------------------------------

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

impl OnPanic for () {
    fn on_panic(_: String) -> Self {}
}

impl OnPanic for i32 {
    fn on_panic(_: String) -> Self {
        0
    }
}

impl OnPanic for u64 {
    fn on_panic(_: String) -> Self {
        0
    }
}

impl<T> OnPanic for *const T {
    fn on_panic(_: String) -> Self {
        std::ptr::null()
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

// --- C functions -------------------------------------------------------------------

/// The error's code (`FLDM_E_*`), 0 if `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_code(error: *const fldm_error) -> i32 {
    // SAFETY: caller contract: NULL or a live error.
    guard(|| unsafe { error.as_ref() }.map_or(0, |e| e.code))
}

/// The error's message (UTF-8, never personal data). Borrowed: valid until
/// `fldm_error_free(error)`; do not free it. NULL if `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_message(error: *const fldm_error) -> *const c_char {
    // SAFETY: caller contract: NULL or a live error.
    guard(|| unsafe { error.as_ref() }.map_or(std::ptr::null(), |e| e.message.as_ptr()))
}

/// A machine reason code where the error has one: the deny reason of
/// `FLDM_E_POLICY_DENIED` (e.g. `case_reference_required`), the hub's
/// problem code of `FLDM_E_SERVER`/`FLDM_E_CONFLICT`/`FLDM_E_MISSING_CONTEXT`,
/// the field of a hub `FLDM_E_INVALID_INPUT`. NULL otherwise. Borrowed like
/// the message.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_reason(error: *const fldm_error) -> *const c_char {
    // SAFETY: caller contract: NULL or a live error.
    guard(|| {
        unsafe { error.as_ref() }
            .and_then(|e| e.reason.as_ref())
            .map_or(std::ptr::null(), |r| r.as_ptr())
    })
}

/// Free an error. NULL is allowed and does nothing.
///
/// # Safety
/// `error` is NULL or an error returned by this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_free(error: *mut fldm_error) {
    guard(|| {
        if !error.is_null() {
            // SAFETY: caller contract: allocated by `Error::into_raw`, freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}

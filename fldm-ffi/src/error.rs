//! `fldm_error`: the error object of every fallible call, its codes, and
//! the mapping from the bridge's error kinds to the codes.

use std::ffi::{CString, c_char};

use ::fldm_client::bridge::{self, ErrorKind};

use crate::ptr::{Handle, IntoC, free, peek};

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
/// personal data) and, where known, a machine reason code, the field
/// concerned and the request id of the hub call. Owned by the caller; free
/// with `fldm_error_free`.
#[derive(Debug)]
pub struct fldm_error {
    code: i32,
    message: CString,
    reason: Option<CString>,
    field: Option<CString>,
    request_id: Option<CString>,
}

impl Handle for fldm_error {}

/// The Rust side of an error before it crosses the boundary.
#[derive(Debug)]
pub(crate) struct Error {
    code: i32,
    message: String,
    reason: Option<String>,
    field: Option<String>,
    request_id: Option<String>,
}

impl Error {
    pub(crate) fn new(code: i32, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            reason: None,
            field: None,
            request_id: None,
        }
    }

    pub(crate) fn null(arg: &str) -> Self {
        Error::new(
            FLDM_E_NULL_ARGUMENT,
            format!("argument {arg} must not be NULL"),
        )
    }

    pub(crate) fn into_raw(self) -> *mut fldm_error {
        fldm_error {
            code: self.code,
            message: c_string_lossy(self.message),
            reason: self.reason.map(c_string_lossy),
            field: self.field.map(c_string_lossy),
            request_id: self.request_id.map(c_string_lossy),
        }
        .into_c()
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

/// The `FLDM_E_*` code of each error kind of the bridge.
fn code_of(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::InvalidArgument => FLDM_E_INVALID_ARGUMENT,
        ErrorKind::InvalidInput | ErrorKind::CodeList => FLDM_E_INVALID_INPUT,
        ErrorKind::Json => FLDM_E_JSON,
        ErrorKind::Xml => FLDM_E_XML,
        ErrorKind::Config => FLDM_E_CONFIG,
        ErrorKind::PolicyFile => FLDM_E_POLICY_FILE,
        ErrorKind::Io => FLDM_E_IO,
        ErrorKind::MissingContext => FLDM_E_MISSING_CONTEXT,
        ErrorKind::PolicyDenied => FLDM_E_POLICY_DENIED,
        ErrorKind::Tls => FLDM_E_TLS,
        ErrorKind::Timeout => FLDM_E_TIMEOUT,
        ErrorKind::Unreachable => FLDM_E_UNREACHABLE,
        ErrorKind::NotFound => FLDM_E_NOT_FOUND,
        ErrorKind::Conflict => FLDM_E_CONFLICT,
        ErrorKind::Server => FLDM_E_SERVER,
        ErrorKind::Protocol => FLDM_E_PROTOCOL,
        ErrorKind::Audit => FLDM_E_AUDIT,
        ErrorKind::AuditTampered => FLDM_E_AUDIT_TAMPERED,
        ErrorKind::BundleInvalid => FLDM_E_BUNDLE_INVALID,
        _ => FLDM_E_INTERNAL,
    }
}

impl From<bridge::Error> for Error {
    fn from(e: bridge::Error) -> Self {
        let field = e.field().map(str::to_string);
        // `fldm_error_reason` has always given the field of the hub's
        // `invalid_input`; it keeps doing so beside `fldm_error_field`.
        let hub_invalid_input = matches!(
            e,
            bridge::Error::Client(::fldm_client::Error::InvalidInput { .. })
        );
        let reason = match e.reason() {
            Some(r) => Some(r.to_string()),
            None if hub_invalid_input => field.clone(),
            None => None,
        };
        Error {
            code: code_of(e.kind()),
            message: e.to_string(),
            reason,
            field,
            request_id: e.request_id().map(str::to_string),
        }
    }
}

impl From<fldm_core::Error> for Error {
    fn from(e: fldm_core::Error) -> Self {
        Error::from(bridge::Error::from(e))
    }
}

impl From<::fldm_client::Error> for Error {
    fn from(e: ::fldm_client::Error) -> Self {
        Error::from(bridge::Error::from(e))
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

// --- C functions -------------------------------------------------------------------

/// The error's code (`FLDM_E_*`), 0 if `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_code(error: *const fldm_error) -> i32 {
    // SAFETY: caller contract: NULL or a live error.
    unsafe { peek(error, |e| e.code) }
}

/// The error's message (UTF-8, never personal data). Borrowed: valid until
/// `fldm_error_free(error)`; do not free it. NULL if `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_message(error: *const fldm_error) -> *const c_char {
    // SAFETY: caller contract: NULL or a live error.
    unsafe { peek(error, |e| e.message.as_ptr()) }
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
    unsafe { peek(error, |e| borrowed(&e.reason)) }
}

/// The request id of the hub call that failed, where the hub answered
/// (denials, missing context, not found, invalid input, conflicts, hub
/// failures): quote it when reporting a problem to the hub's operator.
/// NULL for local errors and when the hub was not reached. Borrowed like
/// the message.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_request_id(error: *const fldm_error) -> *const c_char {
    // SAFETY: caller contract: NULL or a live error.
    unsafe { peek(error, |e| borrowed(&e.request_id)) }
}

/// The field the error concerns, where known: the request field of a
/// malformed request (`FLDM_E_INVALID_ARGUMENT` from
/// `fldm_client_call_json`), the path of an invalid value
/// (`grundpersonalien.geschlecht`), the configuration setting of
/// `FLDM_E_CONFIG`. NULL otherwise. Borrowed like the message.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_field(error: *const fldm_error) -> *const c_char {
    // SAFETY: caller contract: NULL or a live error.
    unsafe { peek(error, |e| borrowed(&e.field)) }
}

/// A borrowed optional text of an error: valid until the error is freed.
fn borrowed(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Free an error. NULL is allowed and does nothing.
///
/// # Safety
/// `error` is NULL or an error returned by this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_error_free(error: *mut fldm_error) {
    // SAFETY: caller contract.
    unsafe { free(error) }
}

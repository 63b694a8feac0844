//! One exception class per error kind, all under `FldmError`.
//!
//! Every error reaches Python as a [`bridge::Error`]: its kind picks the
//! class, its view ([`bridge::ErrorView`], the same one the C error object
//! shows) fills the attributes. Nothing here decides what an error means.
//!
//! | bridge `ErrorKind` (`code`)                                 | exception          |
//! |-------------------------------------------------------------|--------------------|
//! | `invalid_argument`, `invalid_input`, `json`, `xml`          | `ValidationError`  |
//! | `code_list`                                                 | `CodeListError`    |
//! | `policy_file`                                               | `PolicyError`      |
//! | `io`                                                        | `FldmIOError`      |
//! | `config`                                                    | `ConfigError`      |
//! | `tls`                                                       | `TlsError`         |
//! | `unreachable`                                               | `HubUnavailable`   |
//! | `timeout`                                                   | `HubTimeout`       |
//! | `policy_denied`                                             | `PolicyDenied`     |
//! | `missing_context`                                           | `MissingContext`   |
//! | `not_found`                                                 | `NotFound`         |
//! | `conflict`                                                  | `Conflict`         |
//! | `server`                                                    | `ServerError`      |
//! | `protocol`                                                  | `ProtocolError`    |
//! | `audit`                                                     | `AuditError`       |
//! | `audit_tampered`, `bundle_invalid`                          | `AuditTampered`    |
//! | `internal` (and kinds added later)                          | `FldmError`        |
//!
//! The attributes are the keys of the view's JSON form (the C error object
//! gives the same values): `code` (the kind), `request_id`, `field`,
//! `reason`, `status`, `problems`, and where a decoding or policy-file
//! error says where it happened, `record_index`, `file`, `line`, `column`,
//! `rule`. Keys the view leaves out are `None` (set on the class).

use fldm_client::bridge::{self, ErrorKind as K};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};

use crate::pyser::to_py;

create_exception!(
    _native,
    FldmError,
    PyException,
    "Base class of all FLDM errors."
);
create_exception!(
    _native,
    ValidationError,
    FldmError,
    "Invalid input; `field` names the value."
);
create_exception!(
    _native,
    CodeListError,
    FldmError,
    "A code list file is unusable."
);
create_exception!(_native, PolicyError, FldmError, "A policy file is invalid.");
create_exception!(
    _native,
    PolicyDenied,
    FldmError,
    "The policy denies the request; see `reason`."
);
create_exception!(
    _native,
    AuditError,
    FldmError,
    "An audit journal or key problem."
);
create_exception!(
    _native,
    AuditTampered,
    AuditError,
    "Audit verification found tampering; see `problems`."
);
create_exception!(
    _native,
    FldmIOError,
    FldmError,
    "A file could not be read or written."
);
create_exception!(
    _native,
    ConfigError,
    FldmError,
    "The client configuration is incomplete or invalid."
);
create_exception!(
    _native,
    TlsError,
    FldmError,
    "The TLS handshake or certificate check failed."
);
create_exception!(
    _native,
    HubUnavailable,
    FldmError,
    "The hub could not be reached."
);
create_exception!(
    _native,
    HubTimeout,
    HubUnavailable,
    "The hub did not answer in time."
);
create_exception!(
    _native,
    MissingContext,
    FldmError,
    "Purpose, user or idempotency key missing."
);
create_exception!(_native, NotFound, FldmError, "No such record.");
create_exception!(
    _native,
    Conflict,
    FldmError,
    "Idempotency or version conflict."
);
create_exception!(
    _native,
    ServerError,
    FldmError,
    "The hub reported an internal error."
);
create_exception!(
    _native,
    ProtocolError,
    FldmError,
    "The hub's answer does not follow the protocol."
);

/// Attribute names every exception carries: `None` on the class (see
/// [`register`]), set on the instance where they apply.
const ATTRS: &[&str] = &[
    "code",
    "field",
    "record_index",
    "line",
    "column",
    "reason",
    "request_id",
    "status",
    "problems",
    "file",
    "rule",
];

/// The exception for a bridge error (see the table above): the class of
/// its kind, the message, and every other key of its JSON view as an
/// attribute of the same name and value.
pub(crate) fn raise(e: impl Into<bridge::Error>) -> PyErr {
    let view = e.into().view();
    Python::attach(|py| {
        let err = PyErr::from_type(class(py, view.code), (view.message.clone(),));
        let value = err.value(py);
        // The view is plain data, so it always converts to a dict; were it
        // not to, the exception would still carry its class and message.
        if let Ok(attrs) = to_py(py, &view).and_then(|v| Ok(v.cast_into::<PyDict>()?)) {
            for (name, v) in attrs.iter() {
                if let Ok(name) = name.cast_into::<PyString>()
                    && name != "message"
                {
                    // Setting an attribute on a fresh exception instance cannot fail.
                    let _ = value.setattr(name, v);
                }
            }
        }
        err
    })
}

/// The exception class of an error kind.
fn class(py: Python<'_>, kind: K) -> Bound<'_, PyType> {
    match kind {
        K::InvalidArgument | K::InvalidInput | K::Json | K::Xml => py.get_type::<ValidationError>(),
        K::CodeList => py.get_type::<CodeListError>(),
        K::PolicyFile => py.get_type::<PolicyError>(),
        K::Io => py.get_type::<FldmIOError>(),
        K::Config => py.get_type::<ConfigError>(),
        K::Tls => py.get_type::<TlsError>(),
        K::Unreachable => py.get_type::<HubUnavailable>(),
        K::Timeout => py.get_type::<HubTimeout>(),
        K::PolicyDenied => py.get_type::<PolicyDenied>(),
        K::MissingContext => py.get_type::<MissingContext>(),
        K::NotFound => py.get_type::<NotFound>(),
        K::Conflict => py.get_type::<Conflict>(),
        K::Server => py.get_type::<ServerError>(),
        K::Protocol => py.get_type::<ProtocolError>(),
        K::Audit => py.get_type::<AuditError>(),
        K::AuditTampered | K::BundleInvalid => py.get_type::<AuditTampered>(),
        _ => py.get_type::<FldmError>(),
    }
}

/// Add the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("FldmError", py.get_type::<FldmError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("CodeListError", py.get_type::<CodeListError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("PolicyDenied", py.get_type::<PolicyDenied>())?;
    m.add("AuditError", py.get_type::<AuditError>())?;
    m.add("AuditTampered", py.get_type::<AuditTampered>())?;
    m.add("FldmIOError", py.get_type::<FldmIOError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("TlsError", py.get_type::<TlsError>())?;
    m.add("HubUnavailable", py.get_type::<HubUnavailable>())?;
    m.add("HubTimeout", py.get_type::<HubTimeout>())?;
    m.add("MissingContext", py.get_type::<MissingContext>())?;
    m.add("NotFound", py.get_type::<NotFound>())?;
    m.add("Conflict", py.get_type::<Conflict>())?;
    m.add("ServerError", py.get_type::<ServerError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    // Class-level defaults, so that every attribute exists (as None) on
    // every exception class and the stubs can declare them.
    let base = py.get_type::<FldmError>();
    for name in ATTRS {
        base.setattr(*name, py.None())?;
    }
    Ok(())
}

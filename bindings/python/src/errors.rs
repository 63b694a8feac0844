//! One exception class per error kind, all under `FldmError`.
//!
//! | Rust error                                   | exception          |
//! |----------------------------------------------|--------------------|
//! | core `Validation`, `Json`, `Xml`, `Record`   | `ValidationError`  |
//! | core `CodeList`                              | `CodeListError`    |
//! | core `Policy`, `PolicyFile`                  | `PolicyError`      |
//! | core `Audit`                                 | `AuditError`       |
//! | core `Io`                                    | `FldmIOError`      |
//! | client `Config`                              | `ConfigError`      |
//! | client `Tls`                                 | `TlsError`         |
//! | client `Transport`                           | `HubUnavailable`   |
//! | client `Timeout`                             | `HubTimeout`       |
//! | client `Denied` (and local policy denials)   | `PolicyDenied`     |
//! | client `MissingContext`                      | `MissingContext`   |
//! | client `NotFound`                            | `NotFound`         |
//! | client `InvalidInput`                        | `ValidationError`  |
//! | client `Conflict`                            | `Conflict`         |
//! | client `Server`                              | `ServerError`      |
//! | client `Protocol`                            | `ProtocolError`    |
//! | client `Audit`                               | `AuditError`       |
//! | client `Local(core)`                         | as the core error  |
//! | verification found tampering                 | `AuditTampered`    |
//!
//! Attributes are set on the exception instance: `code` (always), `field`,
//! `record_index`, `line`, `column`, `reason`, `request_id`, `status`,
//! `problems`, `file`, `rule`, where they apply (`None` otherwise).

use fldm_client::wire::ProblemCode;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

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

/// Attribute names every exception instance carries (None when not applicable).
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

fn build<T: pyo3::PyTypeInfo>(
    py: Python<'_>,
    message: String,
    attrs: &[(&str, Bound<'_, PyAny>)],
) -> PyErr {
    let err = PyErr::new::<T, _>((message,));
    let value = err.value(py);
    for name in ATTRS {
        let _ = value.setattr(*name, py.None());
    }
    for (name, v) in attrs {
        let _ = value.setattr(*name, v);
    }
    err
}

fn s<'py>(py: Python<'py>, v: &str) -> Bound<'py, PyAny> {
    pyo3::types::PyString::new(py, v).into_any()
}

fn n<'py>(py: Python<'py>, v: u64) -> Bound<'py, PyAny> {
    v.into_pyobject(py)
        .map(|x| x.into_any())
        .unwrap_or_else(|_| py.None().into_bound(py))
}

/// A validation error raised by the bindings themselves.
pub(crate) fn validation(field: &str, message: &str) -> PyErr {
    Python::attach(|py| {
        build::<ValidationError>(
            py,
            message.to_string(),
            &[("code", s(py, "invalid_input")), ("field", s(py, field))],
        )
    })
}

/// Map a `fldm_core::Error`.
pub(crate) fn core_error(e: fldm_core::Error) -> PyErr {
    Python::attach(|py| core_error_py(py, &e))
}

fn core_error_py(py: Python<'_>, e: &fldm_core::Error) -> PyErr {
    use fldm_core::Error as E;
    let msg = e.to_string();
    let mut attrs: Vec<(&str, Bound<'_, PyAny>)> = Vec::new();
    if let Some(f) = e.field() {
        attrs.push(("field", s(py, f)));
    }
    if let Some(i) = e.record_index() {
        attrs.push(("record_index", n(py, i as u64)));
    }
    let inner = match e {
        E::Record { source, .. } => source.as_ref(),
        other => other,
    };
    match inner {
        E::Json { line, column, .. } | E::Xml { line, column, .. } => {
            attrs.push(("line", n(py, *line as u64)));
            attrs.push(("column", n(py, *column as u64)));
        }
        E::PolicyFile {
            file, line, rule, ..
        } => {
            attrs.push(("file", s(py, file)));
            attrs.push(("line", n(py, *line as u64)));
            if let Some(r) = rule {
                attrs.push(("rule", s(py, r)));
            }
        }
        E::CodeList { source_name, .. } => attrs.push(("file", s(py, source_name))),
        _ => {}
    }
    macro_rules! raise {
        ($t:ty, $code:expr) => {{
            attrs.push(("code", s(py, $code)));
            build::<$t>(py, msg, &attrs)
        }};
    }
    match inner {
        E::Validation(_) => raise!(ValidationError, "validation"),
        E::Json { .. } => raise!(ValidationError, "json"),
        E::Xml { .. } => raise!(ValidationError, "xml"),
        E::CodeList { .. } => raise!(CodeListError, "code_list"),
        E::Policy(_) | E::PolicyFile { .. } => raise!(PolicyError, "policy"),
        E::Audit(_) => raise!(AuditError, "audit"),
        E::Io { .. } => raise!(FldmIOError, "io"),
        _ => raise!(FldmError, "error"),
    }
}

/// Map a `fldm_client::Error`; `code` is `Error::code()`.
pub(crate) fn client_error(e: fldm_client::Error) -> PyErr {
    use fldm_client::Error as E;
    Python::attach(|py| {
        if let E::Local(inner) = &e {
            return core_error_py(py, inner);
        }
        let msg = e.to_string();
        let mut attrs: Vec<(&str, Bound<'_, PyAny>)> = vec![("code", s(py, e.code()))];
        match &e {
            E::Config { what, .. } => attrs.push(("field", s(py, what))),
            E::Denied {
                reason, request_id, ..
            } => {
                attrs.push(("reason", s(py, reason)));
                attrs.push(("request_id", s(py, request_id)));
            }
            E::MissingContext {
                code, request_id, ..
            } => {
                attrs.push(("reason", s(py, code.as_str())));
                attrs.push(("request_id", s(py, request_id)));
                let field = match code {
                    ProblemCode::MissingPurpose => Some("purpose"),
                    ProblemCode::MissingUser => Some("user"),
                    ProblemCode::IdempotencyKeyRequired => Some("idempotency_key"),
                    _ => None,
                };
                if let Some(f) = field {
                    attrs.push(("field", s(py, f)));
                }
            }
            E::NotFound { request_id } => attrs.push(("request_id", s(py, request_id))),
            E::InvalidInput {
                field, request_id, ..
            } => {
                if let Some(f) = field {
                    attrs.push(("field", s(py, f)));
                }
                attrs.push(("request_id", s(py, request_id)));
            }
            E::Conflict {
                code, request_id, ..
            } => {
                attrs.push(("reason", s(py, code.as_str())));
                attrs.push(("request_id", s(py, request_id)));
            }
            E::Server {
                status,
                code,
                request_id,
                ..
            } => {
                attrs.push(("reason", s(py, code)));
                attrs.push(("status", n(py, u64::from(*status))));
                attrs.push(("request_id", s(py, request_id)));
            }
            _ => {}
        }
        match &e {
            E::Config { .. } => build::<ConfigError>(py, msg, &attrs),
            E::Tls(_) => build::<TlsError>(py, msg, &attrs),
            E::Timeout(_) => build::<HubTimeout>(py, msg, &attrs),
            E::Transport(_) => build::<HubUnavailable>(py, msg, &attrs),
            E::Denied { .. } => build::<PolicyDenied>(py, msg, &attrs),
            E::MissingContext { .. } => build::<MissingContext>(py, msg, &attrs),
            E::NotFound { .. } => build::<NotFound>(py, msg, &attrs),
            E::InvalidInput { .. } => build::<ValidationError>(py, msg, &attrs),
            E::Conflict { .. } => build::<Conflict>(py, msg, &attrs),
            E::Server { .. } => build::<ServerError>(py, msg, &attrs),
            E::Protocol(_) => build::<ProtocolError>(py, msg, &attrs),
            E::Audit(_) => build::<AuditError>(py, msg, &attrs),
            _ => build::<FldmError>(py, msg, &attrs),
        }
    })
}

/// A local policy denial (`Policy.apply`).
pub(crate) fn denied_error(py: Python<'_>, reason: &str, message: &str) -> PyErr {
    build::<PolicyDenied>(
        py,
        format!("denied by policy ({reason}): {message}"),
        &[("code", s(py, "policy_denied")), ("reason", s(py, reason))],
    )
}

/// Audit verification found problems.
pub(crate) fn tampered_error(py: Python<'_>, problems: &[String]) -> PyErr {
    let list = problems.iter().map(|p| s(py, p)).collect::<Vec<_>>();
    let list = pyo3::types::PyList::new(py, list)
        .map(|l| l.into_any())
        .unwrap_or_else(|_| py.None().into_bound(py));
    let first = problems.first().cloned().unwrap_or_default();
    build::<AuditTampered>(
        py,
        format!(
            "audit verification failed ({} problem(s)): {first}",
            problems.len()
        ),
        &[("code", s(py, "audit_tampered")), ("problems", list)],
    )
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

//! The one error type of the bridge, its stable kinds, and its JSON view.

use serde::{Deserialize, Serialize};

use fldm_core::wire::ProblemCode;

/// What went wrong in a bridge call: a hub call, local work in core, a
/// malformed request, a local policy denial, or a failed verification.
/// Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hub call or the client configuration failed.
    #[error(transparent)]
    Client(#[from] crate::Error),

    /// Local work failed: decoding, validation, a policy file, a journal.
    #[error(transparent)]
    Core(#[from] fldm_core::Error),

    /// The request itself is malformed: an unknown operation, a missing
    /// field, a field of the wrong type or value. `field` names it where
    /// it is known.
    #[error("{message}")]
    Request {
        /// The offending request field, e.g. `correction_id` or `op`.
        field: Option<String>,
        /// What is wrong (names the field, never its value).
        message: String,
    },

    /// The local policy denied the request.
    #[error("denied by policy ({reason}): {message}")]
    Denied {
        /// The deny reason code, e.g. `case_reference_required`.
        reason: String,
        /// Explanation.
        message: String,
    },

    /// Verification found tampering; every problem names its entry or
    /// checkpoint.
    #[error("{}", tampered_message(problems))]
    Tampered {
        /// The problems, in file order.
        problems: Vec<String>,
    },

    /// A proof bundle does not verify.
    #[error("the proof bundle does not verify: {0}")]
    BundleInvalid(String),

    /// A bug in the library (e.g. a view that cannot be encoded).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Problems listed in the message of [`Error::Tampered`] (all of them are
/// in `problems`).
pub const MAX_PROBLEMS_IN_MESSAGE: usize = 20;

fn tampered_message(problems: &[String]) -> String {
    let listed: Vec<&str> = problems
        .iter()
        .take(MAX_PROBLEMS_IN_MESSAGE)
        .map(String::as_str)
        .collect();
    format!(
        "the journal was tampered with: {} problem(s): {}",
        problems.len(),
        listed.join("; ")
    )
}

impl Error {
    /// A malformed-request error naming `field`.
    pub fn request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Request {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The stable kind of this error; each face maps kinds to its own
    /// codes (C) or exception classes (Python).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Client(e) => client_kind(e),
            Error::Core(e) => core_kind(e),
            Error::Request { .. } => ErrorKind::InvalidArgument,
            Error::Denied { .. } => ErrorKind::PolicyDenied,
            Error::Tampered { .. } => ErrorKind::AuditTampered,
            Error::BundleInvalid(_) => ErrorKind::BundleInvalid,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The request id of the hub call, where the hub answered.
    pub fn request_id(&self) -> Option<&str> {
        use crate::Error as C;
        match self {
            Error::Client(
                C::Denied { request_id, .. }
                | C::MissingContext { request_id, .. }
                | C::NotFound { request_id }
                | C::InvalidInput { request_id, .. }
                | C::Conflict { request_id, .. }
                | C::Server { request_id, .. },
            ) => Some(request_id),
            _ => None,
        }
    }

    /// The field the error concerns, where known: a request field, the
    /// path of an invalid value, a configuration setting, the header the
    /// hub missed.
    pub fn field(&self) -> Option<&str> {
        use crate::Error as C;
        match self {
            Error::Request { field, .. } => field.as_deref(),
            Error::Core(e) | Error::Client(C::Local(e)) => e.field().filter(|f| !f.is_empty()),
            Error::Client(C::Config { what, .. }) => Some(what),
            Error::Client(C::InvalidInput { field, .. }) => field.as_deref(),
            Error::Client(C::MissingContext { code, .. }) => match code {
                ProblemCode::MissingPurpose => Some("purpose"),
                ProblemCode::MissingUser => Some("user"),
                ProblemCode::IdempotencyKeyRequired => Some("idempotency_key"),
                _ => None,
            },
            _ => None,
        }
    }

    /// A machine reason code where the error has one: the deny reason of a
    /// denial, the hub's problem code of a missing context, a conflict or a
    /// hub failure.
    pub fn reason(&self) -> Option<&str> {
        use crate::Error as C;
        match self {
            Error::Denied { reason, .. } | Error::Client(C::Denied { reason, .. }) => Some(reason),
            Error::Client(C::MissingContext { code, .. } | C::Conflict { code, .. }) => {
                Some(code.as_str())
            }
            Error::Client(C::Server { code, .. }) => Some(code),
            _ => None,
        }
    }

    /// The HTTP status of a hub failure.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Client(crate::Error::Server { status, .. }) => Some(*status),
            _ => None,
        }
    }

    /// The local core error inside, if this is one.
    fn core(&self) -> Option<&fldm_core::Error> {
        match self {
            Error::Core(e) | Error::Client(crate::Error::Local(e)) => Some(e),
            _ => None,
        }
    }

    /// Where in the input a local error is: the 0-based record of
    /// multi-record input, the file, the 1-based line and column, the
    /// policy rule. Each part where known.
    pub fn location(&self) -> Location {
        use fldm_core::Error as E;
        let Some(e) = self.core() else {
            return Location::default();
        };
        let mut at = Location {
            record_index: e.record_index(),
            ..Location::default()
        };
        let inner = match e {
            E::Record { source, .. } => source.as_ref(),
            other => other,
        };
        match inner {
            E::Json { line, column, .. } | E::Xml { line, column, .. } if *line > 0 => {
                at.line = Some(*line);
                at.column = Some(*column);
            }
            E::PolicyFile {
                file, line, rule, ..
            } => {
                at.file = Some(file.clone());
                at.line = Some(*line);
                at.rule.clone_from(rule);
            }
            E::CodeList { source_name, .. } => at.file = Some(source_name.clone()),
            _ => {}
        }
        at
    }

    /// The JSON view of this error.
    pub fn view(&self) -> ErrorView {
        let problems = match self {
            Error::Tampered { problems } => problems.clone(),
            _ => Vec::new(),
        };
        ErrorView {
            code: self.kind(),
            message: self.to_string(),
            request_id: self.request_id().map(str::to_string),
            field: self.field().map(str::to_string),
            reason: self.reason().map(str::to_string),
            status: self.status(),
            problems,
            location: self.location(),
        }
    }
}

fn client_kind(e: &crate::Error) -> ErrorKind {
    use crate::Error as C;
    match e {
        C::Config { .. } => ErrorKind::Config,
        C::Tls(_) => ErrorKind::Tls,
        C::Timeout(_) => ErrorKind::Timeout,
        C::Transport(_) => ErrorKind::Unreachable,
        C::Denied { .. } => ErrorKind::PolicyDenied,
        C::MissingContext { .. } => ErrorKind::MissingContext,
        C::NotFound { .. } => ErrorKind::NotFound,
        C::InvalidInput { .. } => ErrorKind::InvalidInput,
        C::Local(inner) => core_kind(inner),
        C::Conflict { .. } => ErrorKind::Conflict,
        C::Server { .. } => ErrorKind::Server,
        C::Protocol(_) => ErrorKind::Protocol,
        C::Audit(_) => ErrorKind::Audit,
    }
}

fn core_kind(e: &fldm_core::Error) -> ErrorKind {
    use fldm_core::Error as E;
    match e {
        E::Validation(_) => ErrorKind::InvalidInput,
        E::Json { .. } => ErrorKind::Json,
        E::Xml { .. } => ErrorKind::Xml,
        E::Record { source, .. } => match core_kind(source) {
            k @ (ErrorKind::Json | ErrorKind::Xml | ErrorKind::Io) => k,
            _ => ErrorKind::InvalidInput,
        },
        E::CodeList { .. } => ErrorKind::CodeList,
        E::Policy(_) | E::PolicyFile { .. } => ErrorKind::PolicyFile,
        E::Audit(_) => ErrorKind::Audit,
        E::Io { .. } => ErrorKind::Io,
        _ => ErrorKind::Internal,
    }
}

/// The stable kinds of errors, shared by the faces: C maps each to an
/// `FLDM_E_*` code, Python to an exception class. The JSON form is the
/// snake-case name (`invalid_argument`, `policy_denied`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// A malformed request: unknown operation, missing or mistyped field.
    InvalidArgument,
    /// A value failed validation (the field names it).
    InvalidInput,
    /// JSON input could not be decoded.
    Json,
    /// XML input could not be decoded.
    Xml,
    /// The client configuration is incomplete or a file it names is unreadable.
    Config,
    /// A policy file is invalid.
    PolicyFile,
    /// A code list file is unusable.
    CodeList,
    /// A file could not be read or written.
    Io,
    /// The request lacks what the law requires (purpose, user).
    MissingContext,
    /// The policy denied the request (locally or at the hub).
    PolicyDenied,
    /// The TLS handshake failed.
    Tls,
    /// The request did not complete in time.
    Timeout,
    /// The hub could not be reached or the connection broke.
    Unreachable,
    /// No such person or resource.
    NotFound,
    /// A write conflicted.
    Conflict,
    /// The hub failed (HTTP 5xx).
    Server,
    /// The hub answered something this library cannot read.
    Protocol,
    /// An audit journal could not be written or read.
    Audit,
    /// Verification found tampering.
    AuditTampered,
    /// A proof bundle does not verify.
    BundleInvalid,
    /// A bug in the library.
    Internal,
}

impl ErrorKind {
    /// The snake-case name (the JSON form).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Json => "json",
            ErrorKind::Xml => "xml",
            ErrorKind::Config => "config",
            ErrorKind::PolicyFile => "policy_file",
            ErrorKind::CodeList => "code_list",
            ErrorKind::Io => "io",
            ErrorKind::MissingContext => "missing_context",
            ErrorKind::PolicyDenied => "policy_denied",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Server => "server",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Audit => "audit",
            ErrorKind::AuditTampered => "audit_tampered",
            ErrorKind::BundleInvalid => "bundle_invalid",
            ErrorKind::Internal => "internal",
        }
    }
}

/// The error as it leaves the library, one JSON form for every face:
/// `{"code", "message", "request_id"?, "field"?, "reason"?, "status"?,
/// "problems"?, "record_index"?, "file"?, "line"?, "column"?, "rule"?}`.
/// Absent values are left out. The Python exceptions carry the same
/// names as attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorView {
    /// The kind.
    pub code: ErrorKind,
    /// A message for people (never personal data).
    pub message: String,
    /// The request id, where the hub answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The field concerned, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The machine reason code, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The HTTP status of a hub failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The problems found by a verification.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Where in the input a local error is.
    #[serde(flatten)]
    pub location: Location,
}

/// Where in the input an error is (each part where known); in the JSON
/// view these are top-level keys, left out when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// 0-based index of the record in multi-record input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_index: Option<usize>,
    /// The file (a policy file, a code list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The policy rule the problem is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// Result alias of the bridge.
pub type Result<T, E = Error> = std::result::Result<T, E>;

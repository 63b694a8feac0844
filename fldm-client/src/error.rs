//! The one error type of `fldm-client`.

use fldm_core::wire::{Problem, ProblemCode};

/// What went wrong with a hub call. Every hub problem code maps to exactly
/// one variant; messages never contain personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client could not be configured (bad URL, unreadable or invalid
    /// PEM files, ...). `what` names the setting.
    #[error("configuration: {what}: {message}")]
    Config {
        /// The setting (`base_url`, `ca`, `identity`, `user`, `office`,
        /// `journal`, ...).
        what: String,
        /// What is wrong with it.
        message: String,
    },

    /// The TLS handshake failed (unknown CA, wrong certificate, protocol or
    /// cipher outside the profile).
    #[error("TLS: {0}")]
    Tls(String),

    /// The request did not complete in time.
    #[error("timeout after {0:?}")]
    Timeout(std::time::Duration),

    /// The hub could not be reached or the connection broke.
    #[error("transport: {0}")]
    Transport(String),

    /// The hub's policy denied the request (`reason` is the deny reason code,
    /// e.g. `case_reference_required`).
    #[error("denied by policy ({reason}): {message} [request {request_id}]")]
    Denied {
        /// The deny reason code.
        reason: String,
        /// The hub's explanation.
        message: String,
        /// The request id (shared with both journals).
        request_id: String,
    },

    /// The request lacks what the law requires of every request (purpose, user).
    #[error("{code}: {message} [request {request_id}]")]
    MissingContext {
        /// `missing_purpose`, `missing_user` or `idempotency_key_required`.
        code: ProblemCode,
        /// The explanation.
        message: String,
        /// The request id.
        request_id: String,
    },

    /// No such person or resource.
    #[error("not found [request {request_id}]")]
    NotFound {
        /// The request id.
        request_id: String,
    },

    /// The hub rejected the input; `field` names the offending field.
    #[error("invalid input{}: {message} [request {request_id}]", field.as_deref().map(|f| format!(" at {f}")).unwrap_or_default())]
    InvalidInput {
        /// The offending field, where the hub names it.
        field: Option<String>,
        /// What is wrong (never the value).
        message: String,
        /// The request id.
        request_id: String,
    },

    /// A write conflicted (idempotency key reused with another request, or a
    /// concurrent update).
    #[error("conflict ({code}): {message} [request {request_id}]")]
    Conflict {
        /// `idempotency_conflict` or `version_conflict`.
        code: ProblemCode,
        /// The explanation.
        message: String,
        /// The request id.
        request_id: String,
    },

    /// The hub failed (5xx), including `audit_unavailable` (the hub refused to
    /// disclose because it could not log).
    #[error("hub error {status} ({code}): {message} [request {request_id}]")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The hub's problem code.
        code: String,
        /// The hub's explanation.
        message: String,
        /// The request id.
        request_id: String,
    },

    /// The hub answered something this client cannot read.
    #[error("protocol: {0}")]
    Protocol(String),

    /// The client-stage audit journal could not be written; the data was
    /// discarded (fail closed).
    #[error("client audit journal: {0}")]
    Audit(fldm_core::Error),

    /// Invalid input detected before sending (e.g. an invalid FLDM id).
    #[error("invalid input: {0}")]
    Local(fldm_core::Error),
}

impl Error {
    /// Map a problem response to an error.
    pub fn from_problem(p: Problem) -> Error {
        let request_id = p.request_id;
        match p.code {
            ProblemCode::PolicyDenied | ProblemCode::UnknownOffice => Error::Denied {
                reason: p.reason.unwrap_or_else(|| p.code.as_str().to_string()),
                message: p.detail,
                request_id,
            },
            ProblemCode::MissingPurpose
            | ProblemCode::MissingUser
            | ProblemCode::IdempotencyKeyRequired => Error::MissingContext {
                code: p.code,
                message: p.detail,
                request_id,
            },
            ProblemCode::NotFound => Error::NotFound { request_id },
            ProblemCode::InvalidInput
            | ProblemCode::PayloadTooLarge
            | ProblemCode::UnsupportedMediaType
            | ProblemCode::NotAcceptable => Error::InvalidInput {
                field: p.field,
                message: p.detail,
                request_id,
            },
            ProblemCode::IdempotencyConflict | ProblemCode::VersionConflict => Error::Conflict {
                code: p.code,
                message: p.detail,
                request_id,
            },
            ProblemCode::MethodNotAllowed => Error::Protocol(format!(
                "the hub does not offer this operation ({}) [request {request_id}]",
                p.detail
            )),
            _ => Error::Server {
                status: p.status,
                code: p.code.as_str().to_string(),
                message: p.detail,
                request_id,
            },
        }
    }

    /// A stable machine code for this error (used by the C and Python bindings).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config { .. } => "config",
            Error::Tls(_) => "tls",
            Error::Timeout(_) => "timeout",
            Error::Transport(_) => "transport",
            Error::Denied { .. } => "policy_denied",
            Error::MissingContext { .. } => "missing_context",
            Error::NotFound { .. } => "not_found",
            Error::InvalidInput { .. } | Error::Local(_) => "invalid_input",
            Error::Conflict { .. } => "conflict",
            Error::Server { .. } => "server",
            Error::Protocol(_) => "protocol",
            Error::Audit(_) => "audit",
        }
    }

    /// Whether retrying the same (idempotent) request may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout(_) | Error::Transport(_) => true,
            Error::Server { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

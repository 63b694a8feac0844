//! Problem responses (RFC 9457 style, `application/problem+json`) with the
//! stable machine codes of [`ProblemCode`].

use fldm_core::ValidationError;
use fldm_core::audit::OutcomeKind;
use fldm_core::policy::{Denial, DenyReason, WriteRefusal};
use fldm_core::wire::{PROBLEM_JSON, Problem, ProblemCode};

use super::Reply;
use crate::store::StoreError;

/// An error answered with a problem response.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    /// Machine code (determines the HTTP status).
    pub(crate) code: ProblemCode,
    /// Explanation for people; never personal data.
    pub(crate) detail: String,
    /// Deny reason code (`policy_denied`) or other machine reason.
    pub(crate) reason: Option<String>,
    /// Offending field (`invalid_input`).
    pub(crate) field: Option<String>,
}

impl ApiError {
    /// A problem of `code`.
    pub(crate) fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        ApiError {
            code,
            detail: detail.into(),
            reason: None,
            field: None,
        }
    }

    /// The same problem with the machine reason code `reason`.
    pub(crate) fn because(self, reason: &str) -> Self {
        ApiError {
            reason: Some(reason.to_string()),
            ..self
        }
    }

    /// `invalid_input` naming `field`.
    pub(crate) fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.into()),
            ..ApiError::new(ProblemCode::InvalidInput, detail)
        }
    }

    /// `policy_denied` with a reason code.
    pub(crate) fn denied(reason: &str, detail: impl Into<String>) -> Self {
        ApiError::new(ProblemCode::PolicyDenied, detail).because(reason)
    }

    /// `not_found`.
    pub(crate) fn not_found(what: &str) -> Self {
        ApiError::new(ProblemCode::NotFound, format!("{what} not found"))
    }

    /// `internal`; the detail is generic, the cause is not disclosed.
    pub(crate) fn internal() -> Self {
        ApiError::new(ProblemCode::Internal, "internal error")
    }

    /// `audit_unavailable`.
    pub(crate) fn audit_unavailable() -> Self {
        ApiError::new(
            ProblemCode::AuditUnavailable,
            "the audit journal cannot be written; nothing was disclosed or changed",
        )
    }

    /// How the audit record classifies this error.
    pub(crate) fn outcome(&self) -> OutcomeKind {
        match self.code {
            ProblemCode::PolicyDenied
            | ProblemCode::UnknownOffice
            | ProblemCode::MissingPurpose
            | ProblemCode::MissingUser => OutcomeKind::Denied,
            _ => OutcomeKind::Error,
        }
    }

    /// The reason code for the audit record.
    pub(crate) fn audit_reason(&self) -> String {
        self.reason
            .clone()
            .filter(|r| r.len() <= 64)
            .unwrap_or_else(|| self.code.as_str().to_string())
    }

    /// The problem body.
    pub(crate) fn to_problem(&self, request_id: &str) -> Problem {
        let mut p = Problem::new(self.code, self.detail.clone(), request_id);
        p.reason = self.reason.clone();
        p.field = self.field.clone();
        p
    }

    /// The problem response.
    pub(crate) fn to_reply(&self, request_id: &str) -> Reply {
        let body = serde_json::to_vec(&self.to_problem(request_id)).unwrap_or_default();
        Reply {
            status: self.code.status(),
            content_type: PROBLEM_JSON,
            body,
        }
    }
}

impl From<Denial> for ApiError {
    fn from(d: Denial) -> Self {
        match d.reason {
            DenyReason::NoPurpose => ApiError {
                reason: Some(d.reason.code().to_string()),
                ..ApiError::new(ProblemCode::MissingPurpose, d.message)
            },
            DenyReason::UnknownOffice => ApiError {
                reason: Some(d.reason.code().to_string()),
                ..ApiError::new(ProblemCode::UnknownOffice, d.message)
            },
            r => ApiError::denied(r.code(), d.message),
        }
    }
}

/// The field path and message of a core error.
pub(crate) fn from_core(e: &fldm_core::Error) -> ApiError {
    use fldm_core::Error as E;
    match e {
        E::Validation(v) => ApiError::invalid(v.field.clone(), e.to_string()),
        E::Json { field, .. } | E::Xml { field, .. } => {
            ApiError::invalid(field.clone(), e.to_string())
        }
        E::Record { source, .. } => from_core(source),
        _ => ApiError::invalid("", e.to_string()),
    }
}

impl From<WriteRefusal> for ApiError {
    fn from(r: WriteRefusal) -> Self {
        ApiError::denied(r.code(), r.to_string())
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::invalid(e.field.clone(), e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what } => ApiError::not_found(what),
            StoreError::Conflict { .. } => {
                ApiError::new(ProblemCode::VersionConflict, e.to_string())
            }
            StoreError::DuplicateFldmId
            | StoreError::DuplicateAzrNummer
            | StoreError::DuplicateAktenzeichen => ApiError {
                reason: Some("duplicate".into()),
                ..ApiError::new(ProblemCode::VersionConflict, e.to_string())
            },
            StoreError::IdempotencyConflict => {
                ApiError::new(ProblemCode::IdempotencyConflict, e.to_string())
            }
            StoreError::Invalid(inner) => from_core(&inner),
            StoreError::CorrectionTransition { .. } => ApiError::invalid("status", e.to_string()),
            StoreError::NotOwner => ApiError::denied("not_owner", e.to_string()),
            _ => ApiError::internal(),
        }
    }
}

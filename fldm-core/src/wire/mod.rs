//! Wire types of the hub protocol (`/v1`), shared by the reference hub and
//! the hub client so the two ends cannot drift. The protocol is described in
//! `docs/openapi.yaml`; JSON is the default body format, XML is offered on
//! `Accept: application/xml`.

use serde::{Deserialize, Serialize};

use crate::policy::Permit;
use crate::record::{Anschrift, Person};

/// Path prefix of protocol version 1.
pub const API_PREFIX: &str = "/v1";

pub mod headers;
mod lifecycle;

pub use lifecycle::{
    DeleteResult, ImportCounts, ImportItem, ImportOutcome, ImportRefusal, ImportResult,
    MAX_IMPORT_BATCH, MergeRequest, MergeResult, Tombstone,
};

/// Media type of problem responses (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Most characters of any context header (`FLDM-User`,
/// `Idempotency-Key`); each header's own limit is in [`headers::Rule`].
pub const MAX_HEADER_CHARS: usize = 128;

/// The legal basis of a disclosure, as sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasisInfo {
    /// Law, e.g. `AZRG`.
    pub law: String,
    /// Section, e.g. `§ 18c`.
    pub section: String,
    /// Citation text.
    pub citation: String,
}

impl LegalBasisInfo {
    /// Section and law, e.g. `§ 18c AZRG`: the one text form
    /// ([`crate::policy::short_citation`]) that audit records carry.
    pub fn short(&self) -> String {
        crate::policy::short_citation(&self.section, &self.law)
    }
}

/// Which rule decided, and what it granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionInfo {
    /// Id of the deciding rule.
    pub rule_id: String,
    /// Its legal basis.
    pub legal_basis: LegalBasisInfo,
    /// Hash of the policy (canonical form).
    pub policy_hash: String,
    /// Attribute names the rule grants (catalogue names).
    pub attributes: Vec<String>,
    /// Transformations applied (e.g. `geburtsdatum_nur_jahr`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformations: Vec<String>,
}

impl DecisionInfo {
    /// The wire form of a permit.
    pub fn from_permit(p: &Permit) -> Self {
        let lb = p.legal_basis();
        DecisionInfo {
            rule_id: p.rule_id().to_string(),
            legal_basis: LegalBasisInfo {
                law: lb.law.clone(),
                section: lb.section.clone(),
                citation: lb.citation.clone(),
            },
            policy_hash: p.policy_hash().to_string(),
            attributes: p
                .attributes()
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            transformations: p
                .transformations()
                .iter()
                .map(|t| t.as_str().to_string())
                .collect(),
        }
    }
}

/// One person as disclosed to the caller: the projected record and the
/// decision that permitted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disclosure {
    /// Request id.
    pub request_id: String,
    /// The deciding rule.
    pub decision: DecisionInfo,
    /// The record, projected to the permitted attributes (always with its FLDM id).
    pub record: Person,
}

/// Search by Grundpersonalien. At least a family name or given names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Family name (any spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub familienname: Option<String>,
    /// Given names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vornamen: Option<String>,
    /// Birth date, partial date form (`1990`, `1990-05`, `1990-05-17`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geburtsdatum: Option<String>,
    /// Gender code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geschlecht: Option<String>,
    /// Nationality code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staatsangehoerigkeit: Option<String>,
    /// Most candidates to return (default 10, at most 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl SearchRequest {
    /// The query criteria as (catalogue attribute name, value) pairs, in a
    /// fixed order: what the client and the hub record, as keyed hashes, in
    /// their audit records of the search.
    pub fn criteria(&self) -> Vec<(&'static str, &str)> {
        [
            ("grundpersonalien.familienname", &self.familienname),
            ("grundpersonalien.vornamen", &self.vornamen),
            ("grundpersonalien.geburtsdatum", &self.geburtsdatum),
            ("grundpersonalien.geschlecht", &self.geschlecht),
            (
                "grundpersonalien.staatsangehoerigkeiten",
                &self.staatsangehoerigkeit,
            ),
        ]
        .into_iter()
        .filter_map(|(a, v)| v.as_deref().map(|v| (a, v)))
        .collect()
    }
}

/// A search candidate (AZRG § 10 Abs. 3: the recipient must delete
/// non-matching candidates at once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Match weight (log2 Bayes factor).
    pub score: f64,
    /// Match probability, 0 to 1.
    pub probability: f64,
    /// What matched (e.g. `familienname:phonetic`).
    pub matched_on: Vec<String>,
    /// The candidate, projected to the caller's permitted attributes.
    pub record: Person,
}

/// Search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// Request id.
    pub request_id: String,
    /// The deciding rule.
    pub decision: DecisionInfo,
    /// Candidates, best first.
    pub candidates: Vec<Candidate>,
}

/// Address write-back (housing office).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressUpdate {
    /// The new current address.
    pub anschrift: Anschrift,
}

/// A correction (Berichtigung) reported by an office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionReport {
    /// Catalogue names of the attributes that are wrong.
    pub attributes: Vec<String>,
    /// What is wrong (free text, no more personal data than needed).
    pub note: String,
}

/// One journal record about the person, in a data-subject access report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReportEntry {
    /// Position in the hub's journal.
    pub index: u64,
    /// When (RFC 3339, UTC, milliseconds).
    pub time: String,
    /// What was done (`disclose`, `collect`, `change`, `query`, ...).
    pub operation: String,
    /// The office that asked.
    pub requesting_office: String,
    /// The office that received data, if any left the hub.
    pub recipient: Option<String>,
    /// Purpose code (Abrufzweck).
    pub purpose: String,
    /// Case reference (Geschäftszeichen) of the requesting office.
    pub case_reference: Option<String>,
    /// Legal basis of the deciding rule.
    pub legal_basis: Option<String>,
    /// The deciding rule.
    pub rule_id: Option<String>,
    /// Catalogue names of the attributes in the response.
    pub disclosed_attributes: Vec<String>,
    /// `permitted`, `denied` or `error`.
    pub outcome: String,
    /// Reason code of the outcome.
    pub reason: Option<String>,
}

/// Who received what about one person, and why (DSGVO Art. 15, AZRG § 34):
/// the hub-journal records that concern the person, alone or among others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReport {
    /// Request id.
    pub request_id: String,
    /// The person.
    pub fldm_id: String,
    /// The records about the person, oldest first.
    pub entries: Vec<AccessReportEntry>,
    /// Journal entries examined.
    pub examined: u64,
    /// Of those, entries already pruned to their hash (retention ended),
    /// whose content can no longer be searched.
    pub pruned: u64,
}

/// The owning office's decision on a correction
/// (`PUT /v1/corrections/{id}/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionDecision {
    /// `accepted` or `rejected` (a correction cannot be reopened).
    pub status: CorrectionStatus,
}

/// Status of a correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionStatus {
    /// Reported, not yet handled.
    Open,
    /// Accepted and applied by the owning office.
    Accepted,
    /// Rejected by the owning office.
    Rejected,
}

/// A correction as listed for the owning office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// Correction id.
    pub id: u64,
    /// The person concerned.
    pub fldm_id: String,
    /// Reporting office.
    pub reported_by: String,
    /// Attributes concerned.
    pub attributes: Vec<String>,
    /// Note.
    pub note: String,
    /// Status.
    pub status: CorrectionStatus,
    /// When reported (UTC, RFC 3339).
    pub reported_at: String,
    /// Request id of the report.
    pub request_id: String,
}

/// One entry of the change feed: a change of a record (`changed` and
/// `record`) or its deletion (`deleted`, a tombstone without record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEntry {
    /// Sequence number (the cursor after this entry).
    pub seq: u64,
    /// The person.
    pub fldm_id: String,
    /// Changed attributes the caller may see (empty for a tombstone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// The current record, projected to the caller's permitted attributes
    /// (absent for a tombstone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Person>,
    /// The record was deleted: why, when, and for merges the survivor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Tombstone>,
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangesPage {
    /// Request id.
    pub request_id: String,
    /// The deciding rule.
    pub decision: DecisionInfo,
    /// Entries after the requested cursor, oldest first.
    pub changes: Vec<ChangeEntry>,
    /// Cursor to ask for next.
    pub next_cursor: u64,
    /// Whether more entries are available now.
    pub has_more: bool,
}

/// Health and identity of the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Hub software version.
    pub version: String,
    /// Id of the policy in force.
    pub policy_id: String,
    /// Hash of the policy in force.
    pub policy_hash: String,
}

/// Result of a write (create, update, address write-back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteResult {
    /// Request id.
    pub request_id: String,
    /// The deciding rule.
    pub decision: DecisionInfo,
    /// The person written (for a creation: the FLDM id the hub assigned).
    pub fldm_id: String,
    /// The record's version after the write.
    pub version: u64,
    /// Catalogue names of the attributes whose values changed (empty when
    /// the write changed nothing).
    pub changed: Vec<String>,
}

/// Corrections addressed to the calling office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionList {
    /// Request id.
    pub request_id: String,
    /// Corrections, oldest first.
    pub corrections: Vec<Correction>,
    /// Whether more corrections follow the last one (ask again with
    /// `after` = its id).
    #[serde(default)]
    pub has_more: bool,
}

/// One cell of an anonymised statistic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatisticsCell {
    /// The category (a nationality code, an age band such as `18-26`, or `unbekannt`).
    pub key: String,
    /// The count; `None` when the cell is suppressed (fewer than
    /// [`Statistics::min_cell`] persons).
    pub count: Option<u64>,
}

/// Anonymised counts (no person data): small cells are suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    /// Request id.
    pub request_id: String,
    /// The deciding rule.
    pub decision: DecisionInfo,
    /// Reference date of the age bands (UTC, `YYYY-MM-DD`).
    pub as_of: String,
    /// Smallest count published; smaller cells have `count: null`.
    pub min_cell: u64,
    /// All persons (`None` if fewer than `min_cell`).
    pub total: Option<u64>,
    /// By first nationality (DESTATIS code).
    pub by_nationality: Vec<StatisticsCell>,
    /// By age band.
    pub by_age_band: Vec<StatisticsCell>,
}

/// A signed checkpoint of the hub's audit journal: its JSON form, as in a
/// proof bundle, and the public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheckpoint {
    /// The signed checkpoint.
    #[serde(flatten)]
    pub checkpoint: crate::audit::CheckpointJson,
    /// The public key (hex), for offline verification.
    pub public_key: String,
}

/// Stable machine codes of problem responses. Every code maps to one HTTP
/// status, one Rust error variant in the client, one C error code and one
/// Python exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemCode {
    /// No `FLDM-Purpose` header (AZRG § 10 Abs. 1). 400.
    MissingPurpose,
    /// No `FLDM-User` header. 400.
    MissingUser,
    /// The policy denies the request; `reason` has the deny reason code. 403.
    PolicyDenied,
    /// The client certificate maps to no office. 403.
    UnknownOffice,
    /// No such person or resource. 404.
    NotFound,
    /// The request body or a parameter is invalid; `field` names it. 422.
    InvalidInput,
    /// A write without `Idempotency-Key`. 400.
    IdempotencyKeyRequired,
    /// The idempotency key was used before with a different request. 409.
    IdempotencyConflict,
    /// A concurrent update changed the record. 409.
    VersionConflict,
    /// The body's media type is not supported. 415.
    UnsupportedMediaType,
    /// The `Accept` header asks for a format the hub does not offer. 406.
    NotAcceptable,
    /// The audit journal cannot be written; nothing was disclosed (fail closed). 503.
    AuditUnavailable,
    /// Unexpected server error. 500.
    Internal,
    /// No such route, or the method is not allowed on it. 405.
    MethodNotAllowed,
    /// The request body exceeds the hub's limit. 413.
    PayloadTooLarge,
}

impl ProblemCode {
    /// All codes.
    pub const ALL: &'static [ProblemCode] = &[
        ProblemCode::MissingPurpose,
        ProblemCode::MissingUser,
        ProblemCode::PolicyDenied,
        ProblemCode::UnknownOffice,
        ProblemCode::NotFound,
        ProblemCode::InvalidInput,
        ProblemCode::IdempotencyKeyRequired,
        ProblemCode::IdempotencyConflict,
        ProblemCode::VersionConflict,
        ProblemCode::UnsupportedMediaType,
        ProblemCode::NotAcceptable,
        ProblemCode::AuditUnavailable,
        ProblemCode::Internal,
        ProblemCode::MethodNotAllowed,
        ProblemCode::PayloadTooLarge,
    ];

    /// The machine code, e.g. `policy_denied`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProblemCode::MissingPurpose => "missing_purpose",
            ProblemCode::MissingUser => "missing_user",
            ProblemCode::PolicyDenied => "policy_denied",
            ProblemCode::UnknownOffice => "unknown_office",
            ProblemCode::NotFound => "not_found",
            ProblemCode::InvalidInput => "invalid_input",
            ProblemCode::IdempotencyKeyRequired => "idempotency_key_required",
            ProblemCode::IdempotencyConflict => "idempotency_conflict",
            ProblemCode::VersionConflict => "version_conflict",
            ProblemCode::UnsupportedMediaType => "unsupported_media_type",
            ProblemCode::NotAcceptable => "not_acceptable",
            ProblemCode::AuditUnavailable => "audit_unavailable",
            ProblemCode::Internal => "internal",
            ProblemCode::MethodNotAllowed => "method_not_allowed",
            ProblemCode::PayloadTooLarge => "payload_too_large",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ProblemCode::MissingPurpose
            | ProblemCode::MissingUser
            | ProblemCode::IdempotencyKeyRequired => 400,
            ProblemCode::PolicyDenied | ProblemCode::UnknownOffice => 403,
            ProblemCode::NotFound => 404,
            ProblemCode::MethodNotAllowed => 405,
            ProblemCode::NotAcceptable => 406,
            ProblemCode::IdempotencyConflict | ProblemCode::VersionConflict => 409,
            ProblemCode::PayloadTooLarge => 413,
            ProblemCode::UnsupportedMediaType => 415,
            ProblemCode::InvalidInput => 422,
            ProblemCode::Internal => 500,
            ProblemCode::AuditUnavailable => 503,
        }
    }

    /// The `type` URI of the problem.
    pub fn type_uri(&self) -> String {
        format!("urn:fldm:problem:{}", self.as_str())
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one error shape of the hub (RFC 9457 problem details plus a stable
/// machine code). Never contains personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `urn:fldm:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short human-readable summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Machine code.
    pub code: ProblemCode,
    /// Explanation for people.
    pub detail: String,
    /// Request id.
    pub request_id: String,
    /// For `policy_denied`: the deny reason code (e.g. `case_reference_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `invalid_input`: the path of the offending field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// A problem of `code` with `detail`.
    pub fn new(
        code: ProblemCode,
        detail: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        Problem {
            type_uri: code.type_uri(),
            title: code.as_str().replace('_', " "),
            status: code.status(),
            code,
            detail: detail.into(),
            request_id: request_id.into(),
            reason: None,
            field: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_codes_are_stable_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for c in ProblemCode::ALL {
            assert!(seen.insert(c.as_str()));
            let json = serde_json::to_string(c).expect("json");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert!((400..600).contains(&c.status()));
        }
        let p = Problem::new(ProblemCode::PolicyDenied, "denied", "r1");
        let v: serde_json::Value = serde_json::to_value(&p).expect("json");
        assert_eq!(v["type"], "urn:fldm:problem:policy_denied");
        assert_eq!(v["status"], 403);
    }

    #[test]
    fn the_checkpoint_answer_is_one_flat_object() {
        let text = r#"{"origin":"hub","size":3,"root":"aa","last_leaf":"bb","time_ms":5,"key_id":"k","signature":"cc","public_key":"dd"}"#;
        let c: AuditCheckpoint = serde_json::from_str(text).expect("decode");
        assert_eq!(c.checkpoint.size, 3);
        assert_eq!(c.public_key, "dd");
        assert_eq!(serde_json::to_string(&c).expect("encode"), text);
    }
}

//! Hub-stage audit records.
//!
//! Every request the hub answers produces exactly one record in the audit
//! journal, denials and errors included, appended **before** the response
//! is sent. If the append fails the hub answers `503 audit_unavailable` and
//! discloses nothing (fail closed); for writes the record is appended inside
//! the database transaction, so a write whose record cannot be logged is
//! rolled back.
//!
//! A record holds no names, birth dates or addresses: the person is referred
//! to by a keyed hash of the FLDM id, search criteria by keyed hashes of the
//! values, the response by the SHA-256 of its body.

use fldm_core::audit::{
    AuditRecord, Journal, Operation, Outcome, OutcomeKind, PseudonymKey, QueryCriterion, Stage,
    payload_digest, retention,
};
use fldm_core::policy::Permit;

/// Placeholder for a missing or unusable purpose or user in a record.
pub const ABSENT: &str = "-";

/// What the hub knows about one request when it writes its record.
#[derive(Debug, Clone, Default)]
pub struct AuditFacts {
    /// What was done (BDSG § 76 category).
    pub operation: Operation,
    /// Requesting office (office id, or `cert:<identity>` for a certificate
    /// that maps to no office).
    pub office: String,
    /// Retrieving person (`FLDM-User`), [`ABSENT`] if missing or unusable.
    pub user: String,
    /// Purpose code, [`ABSENT`] if missing or unusable.
    pub purpose: String,
    /// Case reference, if present and loggable.
    pub case_reference: Option<String>,
    /// Request id.
    pub request_id: String,
    /// Deciding rule, legal basis and policy hash.
    pub rule_id: Option<String>,
    /// Legal basis as one citation (`AZRG § 14 ...`).
    pub legal_basis: Option<String>,
    /// Policy hash.
    pub policy_hash: Option<String>,
    /// Catalogue names of the attributes in the response.
    pub disclosed: Vec<String>,
    /// FLDM id of the single person concerned, if exactly one.
    pub subject: Option<String>,
    /// FLDM ids of all persons a multi-person response concerns (change
    /// feed page, search candidates); recorded as `subject_refs`.
    pub subjects: Vec<String>,
    /// Query criteria (already keyed hashes).
    pub criteria: Vec<QueryCriterion>,
    /// Whether data left the hub (sets the recipient).
    pub disclosed_to_office: bool,
    /// Outcome.
    pub outcome: OutcomeKind,
    /// Machine reason code of the outcome.
    pub reason: Option<String>,
    /// Whether the record was already appended (writes append inside their
    /// database transaction).
    pub appended: bool,
}

impl AuditFacts {
    /// Record the deciding permit.
    pub fn set_permit(&mut self, permit: &Permit) {
        self.rule_id = Some(permit.rule_id().to_string());
        let lb = permit.legal_basis();
        let basis = format!("{} {}", lb.law, lb.section);
        self.legal_basis = Some(basis.chars().take(256).collect());
        self.policy_hash = Some(permit.policy_hash().to_string());
    }
}

/// Append the hub-stage record of a response with body `body`. `Err` means
/// nothing was logged; the caller must not send the response.
pub fn append(
    journal: &Journal,
    key: &PseudonymKey,
    facts: &AuditFacts,
    body: &[u8],
    time_ms: i64,
) -> fldm_core::Result<u64> {
    let record = build(key, facts, body, time_ms)?;
    journal.append(&record)
}

/// The record for `facts` and response `body`.
pub fn build(
    key: &PseudonymKey,
    facts: &AuditFacts,
    body: &[u8],
    time_ms: i64,
) -> fldm_core::Result<AuditRecord> {
    let retention_until = retention::bdsg_76(time_ms)
        .ok_or_else(|| fldm_core::Error::Audit("time out of range".into()))?;
    let event_id = uuid::Uuid::new_v4().to_string();
    Ok(AuditRecord {
        event_id,
        request_id: facts.request_id.clone(),
        time_ms,
        stage: Stage::Hub,
        operation: facts.operation,
        requesting_office: facts.office.clone(),
        retrieving_person: facts.user.clone(),
        // The retrieving body answers for the admissibility of a retrieval
        // (AZRG § 22 Abs. 3).
        responsible_person: facts.office.clone(),
        recipient: facts.disclosed_to_office.then(|| facts.office.clone()),
        purpose: facts.purpose.clone(),
        case_reference: facts.case_reference.clone(),
        legal_basis: facts.legal_basis.clone(),
        rule_id: facts.rule_id.clone(),
        policy_hash: facts.policy_hash.clone(),
        query_criteria: facts.criteria.clone(),
        disclosed_attributes: facts.disclosed.clone(),
        payload_digest: Some(payload_digest(body)),
        subject_ref: facts.subject.as_deref().map(|id| key.subject_ref(id)),
        subject_refs: subject_refs(key, facts),
        outcome: Outcome {
            kind: facts.outcome,
            reason: facts.reason.clone(),
        },
        retention_until,
    })
}

/// The sorted, distinct references of `facts.subjects` (none when a single
/// subject is recorded in `subject_ref`).
fn subject_refs(key: &PseudonymKey, facts: &AuditFacts) -> Vec<String> {
    if facts.subject.is_some() {
        return Vec::new();
    }
    let mut refs: Vec<String> = facts
        .subjects
        .iter()
        .map(|id| key.subject_ref(id))
        .collect();
    refs.sort_unstable();
    refs.dedup();
    refs
}

/// Now, in milliseconds since the epoch (UTC).
pub fn now_ms() -> i64 {
    let t = time::OffsetDateTime::now_utc();
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

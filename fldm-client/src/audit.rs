//! The client-stage audit journal.
//!
//! One record per hub call, written after the answer arrived and **before**
//! any data is handed to the application. If the record cannot be written,
//! the call fails with [`crate::Error::Audit`] and the data is discarded
//! (fail closed). The record shares the request id with the hub's record of
//! the same call, names the purpose, case reference, retrieving and
//! responsible person, the query criteria as keyed hashes, the attribute
//! names that actually arrived and the SHA-256 of the response body.

use fldm_core::audit::{
    AuditRecord, Journal, Operation, Outcome, OutcomeKind, PseudonymKey, Stage, payload_digest,
    retention,
};

use crate::error::{Error, Result};

pub(crate) struct ClientJournal {
    pub(crate) journal: Journal,
    pub(crate) pseudonym: PseudonymKey,
}

impl std::fmt::Debug for ClientJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientJournal")
            .field("entries", &self.journal.len())
            .finish()
    }
}

/// What the client knows about one call, for its audit record.
#[derive(Debug, Default)]
pub(crate) struct CallRecord<'a> {
    pub request_id: &'a str,
    pub operation: Operation,
    pub office: &'a str,
    pub user: &'a str,
    pub responsible: &'a str,
    pub purpose: &'a str,
    pub case_reference: Option<&'a str>,
    /// (attribute name, value) pairs the query used; hashed before writing.
    pub criteria: Vec<(&'static str, String)>,
    /// FLDM id of the person concerned, if one.
    pub subject: Option<&'a str>,
    /// FLDM ids of the persons whose records arrived (search, change feed).
    pub subjects: Vec<String>,
    /// Attribute names that arrived.
    pub received: Vec<String>,
    /// Response body, for the digest.
    pub payload: Option<&'a [u8]>,
    pub rule_id: Option<String>,
    pub legal_basis: Option<String>,
    pub policy_hash: Option<String>,
    pub outcome: OutcomeKind,
    pub reason: Option<String>,
}

impl ClientJournal {
    pub(crate) fn write(&self, c: CallRecord<'_>) -> Result<()> {
        let now_ms = now_ms();
        let retention_until = retention::bdsg_76(now_ms)
            .ok_or_else(|| Error::Audit(fldm_core::Error::Audit("clock out of range".into())))?;
        let (subject_ref, subject_refs) = self.subjects(c.subject, &c.subjects);
        let record = AuditRecord {
            event_id: uuid::Uuid::new_v4().to_string(),
            request_id: c.request_id.to_string(),
            time_ms: now_ms,
            stage: Stage::Client,
            operation: c.operation,
            requesting_office: c.office.to_string(),
            retrieving_person: c.user.to_string(),
            responsible_person: c.responsible.to_string(),
            recipient: (!c.received.is_empty()).then(|| c.office.to_string()),
            purpose: c.purpose.to_string(),
            case_reference: c.case_reference.map(str::to_string),
            legal_basis: c.legal_basis,
            rule_id: c.rule_id,
            policy_hash: c.policy_hash,
            query_criteria: c
                .criteria
                .iter()
                .map(|(a, v)| self.pseudonym.criterion(a, v))
                .collect(),
            disclosed_attributes: c.received,
            payload_digest: c.payload.map(payload_digest),
            subject_ref,
            subject_refs,
            outcome: Outcome {
                kind: c.outcome,
                reason: c.reason,
            },
            retention_until,
        };
        self.journal
            .append(&record)
            .map(|_| ())
            .map_err(Error::Audit)
    }
}

impl ClientJournal {
    /// `subject_ref` for a call about one person, `subject_refs` (sorted,
    /// distinct) for a response with several persons' records.
    fn subjects(&self, subject: Option<&str>, arrived: &[String]) -> (Option<String>, Vec<String>) {
        if let Some(s) = subject {
            return (Some(self.pseudonym.subject_ref(s)), Vec::new());
        }
        let mut refs: Vec<String> = arrived
            .iter()
            .map(|id| self.pseudonym.subject_ref(id))
            .collect();
        refs.sort_unstable();
        refs.dedup();
        if refs.len() == 1 {
            (refs.pop(), Vec::new())
        } else {
            (None, refs)
        }
    }
}

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

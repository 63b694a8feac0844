//! The one place where an audit record is assembled from what a stage
//! knows about an access: the hub and the client both fill a
//! [`RecordFacts`] and call [`RecordFacts::build`], so their records of the
//! same access carry the same legal-basis text, the same subject rule and
//! the same retention.

use ring::rand::SecureRandom;

use super::dates::retention;
use super::pseudonym::{PseudonymKey, payload_digest};
use super::record::{AuditRecord, Operation, Outcome, OutcomeKind, QueryCriterion, Stage};
use crate::error::{Error, Result};

/// Most characters of [`AuditRecord::legal_basis`]; longer citations are cut.
pub const MAX_LEGAL_BASIS_CHARS: usize = 256;

/// What one stage knows about one access when it writes its record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFacts {
    /// Client or hub.
    pub stage: Stage,
    /// What was done (BDSG § 76 category).
    pub operation: Operation,
    /// Requesting office (office id; at the hub `cert:<identity>` for a
    /// certificate that maps to no office).
    pub office: String,
    /// Retrieving person (user id of the clerk).
    pub user: String,
    /// Responsible person (who answers for the admissibility).
    pub responsible: String,
    /// Purpose code.
    pub purpose: String,
    /// Case reference, if any.
    pub case_reference: Option<String>,
    /// Request id (shared by the client and hub records of one access).
    pub request_id: String,
    /// Id of the deciding rule.
    pub rule_id: Option<String>,
    /// Legal basis in its one text form, `"{section} {law}"` (see
    /// [`RecordFacts::set_decision`]).
    pub legal_basis: Option<String>,
    /// Hash of the policy that decided.
    pub policy_hash: Option<String>,
    /// Query criteria, already keyed hashes ([`PseudonymKey::criterion`]).
    pub criteria: Vec<QueryCriterion>,
    /// FLDM ids of the persons concerned; one distinct id is recorded in
    /// `subject_ref`, several in `subject_refs` (see [`subject_refs`]).
    pub subjects: Vec<String>,
    /// Catalogue names of the attributes disclosed or received.
    pub disclosed: Vec<String>,
    /// Whether data reached the office (then it is the recipient).
    pub disclosed_to_office: bool,
    /// Outcome.
    pub outcome: OutcomeKind,
    /// Machine reason code of the outcome.
    pub reason: Option<String>,
}

impl RecordFacts {
    /// Record the deciding rule: its id, its legal basis (section and law,
    /// written as [`crate::policy::LegalBasis::short`] does) and the policy
    /// hash.
    pub fn set_decision(&mut self, rule_id: &str, section: &str, law: &str, policy_hash: &str) {
        let basis = crate::policy::short_citation(section, law);
        self.rule_id = Some(rule_id.to_string());
        self.legal_basis = Some(basis.chars().take(MAX_LEGAL_BASIS_CHARS).collect());
        self.policy_hash = Some(policy_hash.to_string());
    }

    /// The record of these facts at `time_ms`, with the SHA-256 of
    /// `payload` (the response body) if there is one. Subjects and criteria
    /// are pseudonymised with `key`; the event id is a fresh UUID v4; the
    /// retention follows BDSG § 76 Abs. 4.
    pub fn build(
        &self,
        key: &PseudonymKey,
        payload: Option<&[u8]>,
        time_ms: i64,
    ) -> Result<AuditRecord> {
        let retention_until =
            retention::bdsg_76(time_ms).ok_or_else(|| Error::Audit("time out of range".into()))?;
        let (subject_ref, subject_refs) = subject_refs(key, &self.subjects);
        Ok(AuditRecord {
            event_id: new_event_id()?,
            request_id: self.request_id.clone(),
            time_ms,
            stage: self.stage,
            operation: self.operation,
            requesting_office: self.office.clone(),
            retrieving_person: self.user.clone(),
            responsible_person: self.responsible.clone(),
            recipient: self.disclosed_to_office.then(|| self.office.clone()),
            purpose: self.purpose.clone(),
            case_reference: self.case_reference.clone(),
            legal_basis: self.legal_basis.clone(),
            rule_id: self.rule_id.clone(),
            policy_hash: self.policy_hash.clone(),
            query_criteria: self.criteria.clone(),
            disclosed_attributes: self.disclosed.clone(),
            payload_digest: payload.map(payload_digest),
            subject_ref,
            subject_refs,
            outcome: Outcome {
                kind: self.outcome,
                reason: self.reason.clone(),
            },
            retention_until,
        })
    }
}

/// The subject rule: the references of the distinct `fldm_ids`; exactly one
/// goes into `subject_ref`, two or more into `subject_refs` (sorted, as the
/// record requires), none leaves both empty.
pub fn subject_refs(key: &PseudonymKey, fldm_ids: &[String]) -> (Option<String>, Vec<String>) {
    let mut refs: Vec<String> = fldm_ids.iter().map(|id| key.subject_ref(id)).collect();
    refs.sort_unstable();
    refs.dedup();
    if refs.len() == 1 {
        (refs.pop(), Vec::new())
    } else {
        (None, refs)
    }
}

/// Now, in milliseconds since the epoch (UTC); 0 if the clock is before 1970.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A random UUID v4 in its hyphenated lowercase form.
fn new_event_id() -> Result<String> {
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::Audit("no random numbers available".into()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = super::canon::hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PseudonymKey {
        PseudonymKey::from_bytes(&[7u8; 32]).expect("key")
    }

    fn facts() -> RecordFacts {
        RecordFacts {
            stage: Stage::Client,
            operation: Operation::Disclose,
            office: "wohnungsamt".into(),
            user: "u.meier".into(),
            responsible: "wohnungsamt".into(),
            purpose: "W01".into(),
            case_reference: Some("WA-2026-1".into()),
            request_id: "r-1".into(),
            ..RecordFacts::default()
        }
    }

    #[test]
    fn one_subject_is_a_ref_several_are_refs() {
        let k = key();
        let one = subject_refs(&k, &["P1".into(), "P1".into()]);
        assert_eq!(one, (Some(k.subject_ref("P1")), Vec::new()));
        let (single, many) = subject_refs(&k, &["P2".into(), "P1".into(), "P2".into()]);
        assert_eq!(single, None);
        assert_eq!(many.len(), 2);
        assert!(many[0] < many[1]);
        assert_eq!(subject_refs(&k, &[]), (None, Vec::new()));
    }

    #[test]
    fn built_records_validate_and_cite_section_then_law() {
        let mut f = facts();
        f.set_decision("housing.identify", "§ 14 Abs. 1", "AZRG", &"a".repeat(64));
        f.subjects = vec!["P1".into(), "P2".into()];
        f.disclosed = vec!["grundpersonalien.familienname".into()];
        f.disclosed_to_office = true;
        let r = f
            .build(&key(), Some(b"{}"), 1_767_225_600_000)
            .expect("build");
        r.validate().expect("valid");
        assert_eq!(r.legal_basis.as_deref(), Some("§ 14 Abs. 1 AZRG"));
        assert_eq!(r.recipient.as_deref(), Some("wohnungsamt"));
        assert_eq!(r.subject_refs.len(), 2);
        assert_eq!(r.event_id.len(), 36);
        assert_eq!(&r.event_id[14..15], "4");
        let other = f.build(&key(), None, 1_767_225_600_000).expect("build");
        assert_ne!(r.event_id, other.event_id);
        assert_eq!(other.payload_digest, None);
    }

    #[test]
    fn long_citations_are_cut_to_the_record_limit() {
        let mut f = facts();
        f.set_decision("r", &"§".repeat(300), "AZRG", &"a".repeat(64));
        let lb = f.legal_basis.expect("basis");
        assert_eq!(lb.chars().count(), MAX_LEGAL_BASIS_CHARS);
    }

    #[test]
    fn time_outside_the_calendar_is_an_error() {
        assert!(facts().build(&key(), None, i64::MAX).is_err());
    }
}

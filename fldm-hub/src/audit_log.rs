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
//! values, the response by the SHA-256 of its body. The record itself is
//! assembled by [`fldm_core::audit::RecordFacts::build`], as in the client.

use std::ops::{Deref, DerefMut};

use fldm_core::audit::RecordFacts;
use fldm_core::policy::Permit;

/// Placeholder for a missing or unusable purpose or user in a record.
pub(crate) const ABSENT: &str = "-";

/// What the hub knows about one request when it writes its record: the
/// facts of [`RecordFacts`] plus whether the record is already appended.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuditFacts {
    /// The facts of the record.
    pub(crate) facts: RecordFacts,
    /// Whether the record was already appended (writes append inside their
    /// database transaction).
    pub(crate) appended: bool,
}

impl Deref for AuditFacts {
    type Target = RecordFacts;
    fn deref(&self) -> &RecordFacts {
        &self.facts
    }
}

impl DerefMut for AuditFacts {
    fn deref_mut(&mut self) -> &mut RecordFacts {
        &mut self.facts
    }
}

impl AuditFacts {
    /// Record the deciding permit.
    pub(crate) fn set_permit(&mut self, permit: &Permit) {
        let lb = permit.legal_basis();
        self.facts
            .set_decision(permit.rule_id(), &lb.section, &lb.law, permit.policy_hash());
    }

    /// Record the one person the request concerns.
    pub(crate) fn set_subject(&mut self, fldm_id: &str) {
        self.facts.subjects = vec![fldm_id.to_string()];
    }
}

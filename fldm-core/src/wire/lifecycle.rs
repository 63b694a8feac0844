//! Wire types of the record life cycle: bulk import
//! (`POST /v1/persons/batch`), deletion (`DELETE /v1/persons/{id}`),
//! merge (`POST /v1/persons/{survivor}/merge`) and the tombstones of the
//! change feed.

use serde::{Deserialize, Serialize};

use super::DecisionInfo;
use crate::lifecycle::DeletionReason;

/// Most records in one import request.
pub const MAX_IMPORT_BATCH: usize = 10_000;

/// What an import did with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new record; the hub assigned its FLDM id.
    Created,
    /// A record with this key existed and at least one value changed.
    Updated,
    /// A record with this key existed with the same values; nothing was
    /// written (no change-feed entry).
    Unchanged,
    /// The record was not imported; `field` and `reason` say why.
    Refused,
}

impl ImportOutcome {
    /// `created`, `updated`, `unchanged` or `refused`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ImportOutcome::Created => "created",
            ImportOutcome::Updated => "updated",
            ImportOutcome::Unchanged => "unchanged",
            ImportOutcome::Refused => "refused",
        }
    }
}

/// Why an import refused a record (a stable machine code; never a value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ImportRefusal {
    /// A value is invalid or the record cannot be read; `field` names it.
    Invalid,
    /// The record has neither `azr_nummer` nor `aktenzeichen`.
    MissingKey,
    /// The key names a record owned by another office.
    NotOwner,
    /// The key occurs more than once in the batch (every occurrence after
    /// the first is refused).
    DuplicateKey,
    /// The record's AZR-Nummer belongs to another record than its
    /// Aktenzeichen (or to a record of another owner).
    KeyConflict,
    /// The record carries an attribute the caller's write rule does not
    /// cover; `field` names it.
    PolicyDenied,
}

impl ImportRefusal {
    /// The machine code, e.g. `missing_key`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ImportRefusal::Invalid => "invalid",
            ImportRefusal::MissingKey => "missing_key",
            ImportRefusal::NotOwner => "not_owner",
            ImportRefusal::DuplicateKey => "duplicate_key",
            ImportRefusal::KeyConflict => "key_conflict",
            ImportRefusal::PolicyDenied => "policy_denied",
        }
    }
}

/// The result of one record of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportItem {
    /// 0-based position of the record in the request (the client adds the
    /// offset of the batch, so that it is the position in the file).
    pub index: u64,
    /// What happened.
    pub outcome: ImportOutcome,
    /// The record's FLDM id (not for refusals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fldm_id: Option<String>,
    /// Refusals: the field path (e.g. `grundpersonalien.geburtsdatum`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Refusals: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ImportRefusal>,
}

/// How many records of an import ended in each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    /// New records.
    pub created: u64,
    /// Changed records.
    pub updated: u64,
    /// Records with the same values as stored.
    pub unchanged: u64,
    /// Records not imported.
    pub refused: u64,
}

impl ImportCounts {
    /// Count one outcome.
    pub fn add(&mut self, outcome: ImportOutcome) {
        match outcome {
            ImportOutcome::Created => self.created += 1,
            ImportOutcome::Updated => self.updated += 1,
            ImportOutcome::Unchanged => self.unchanged += 1,
            ImportOutcome::Refused => self.refused += 1,
        }
    }

    /// Add another batch's counts.
    pub fn merge(&mut self, other: &ImportCounts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.refused += other.refused;
    }

    /// All records counted.
    pub fn total(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.refused
    }
}

impl std::fmt::Display for ImportCounts {
    /// `created N, updated N, unchanged N, refused N` (the last line of
    /// `fldm import`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "created {}, updated {}, unchanged {}, refused {}",
            self.created, self.updated, self.unchanged, self.refused
        )
    }
}

/// The answer to `POST /v1/persons/batch`: the counts and one item per
/// record, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResult {
    /// Request id.
    pub request_id: String,
    /// The deciding rule (the caller's write rule).
    pub decision: DecisionInfo,
    /// The counts.
    #[serde(flatten)]
    pub counts: ImportCounts,
    /// One item per record, in input order.
    pub results: Vec<ImportItem>,
}

/// A tombstone: the record is gone from the hub. Receivers must delete or
/// relink their copy and log that they did (`docs/hub.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// Why the record was deleted.
    pub reason: DeletionReason,
    /// When (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// Merges only: the FLDM id of the surviving record, which receivers
    /// relink their copy to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
}

/// The answer to `DELETE /v1/persons/{fldm_id}?reason=CODE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteResult {
    /// Request id.
    pub request_id: String,
    /// The deciding rule.
    pub decision: DecisionInfo,
    /// The deleted record's FLDM id.
    pub fldm_id: String,
    /// The tombstone that receivers get.
    pub deleted: Tombstone,
}

/// The body of `POST /v1/persons/{survivor}/merge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The FLDM id of the duplicate, which is deleted with reason
    /// `doppelerfassung`.
    pub duplicate: String,
}

/// The answer to a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeResult {
    /// Request id.
    pub request_id: String,
    /// The deciding rule.
    pub decision: DecisionInfo,
    /// The surviving record, which keeps its FLDM id.
    pub fldm_id: String,
    /// The survivor's version after the merge.
    pub version: u64,
    /// The FLDM id of the deleted duplicate.
    pub duplicate: String,
    /// The duplicate's tombstone (reason `doppelerfassung`, `merged_into`
    /// the survivor).
    pub deleted: Tombstone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_line_and_json_shape() {
        let mut c = ImportCounts::default();
        for o in [
            ImportOutcome::Created,
            ImportOutcome::Created,
            ImportOutcome::Unchanged,
            ImportOutcome::Refused,
        ] {
            c.add(o);
        }
        assert_eq!(
            c.to_string(),
            "created 2, updated 0, unchanged 1, refused 1"
        );
        assert_eq!(c.total(), 4);
        let item = ImportItem {
            index: 3,
            outcome: ImportOutcome::Refused,
            fldm_id: None,
            field: Some("grundpersonalien.geburtsdatum".into()),
            reason: Some(ImportRefusal::Invalid),
        };
        assert_eq!(
            serde_json::to_string(&item).expect("json"),
            r#"{"index":3,"outcome":"refused","field":"grundpersonalien.geburtsdatum","reason":"invalid"}"#
        );
        let t = Tombstone {
            reason: DeletionReason::Doppelerfassung,
            at: "2026-12-03T10:00:00.000Z".into(),
            merged_into: Some("P1".into()),
        };
        assert_eq!(
            serde_json::to_string(&t).expect("json"),
            r#"{"reason":"doppelerfassung","at":"2026-12-03T10:00:00.000Z","merged_into":"P1"}"#
        );
    }
}

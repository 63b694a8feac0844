//! The view types that leave the library, each with one JSON form. The C
//! face writes them as JSON text, the Python face converts them to dicts;
//! both get the same field names and values.
//!
//! The hub's answers are the wire types of `fldm_core::wire` and are
//! re-exported here under their view names; the local results (permit,
//! decision, explain row, verification) are built here.
//!
//! **Retention** has one form everywhere: `retention` is an ISO 8601
//! duration (`"P6M"`, `"P30D"`, `"P2Y"`; machine-readable), and
//! `retention_text` the same period for people (`"6 months"`). Both are
//! `null` when the rule sets no retention.

use serde::{Deserialize, Serialize};

use fldm_core::audit::{Bundle, VerifyReport};
use fldm_core::policy::{Decision, Denial, ExplainRow, LegalBasis, Permit, Policy, Retention};

/// The hub's answers in their wire form. `ChangeEvent` is the JSON form of
/// a change-feed entry (a tombstone has `deleted` and no `record`); the
/// typed Rust form is [`crate::ChangeEvent`].
pub use fldm_core::wire::{
    AccessReport, ChangeEntry as ChangeEvent, ChangesPage, Correction, DecisionInfo, DeleteResult,
    Disclosure, Health, LegalBasisInfo, MergeResult, SearchResponse as SearchResult, Tombstone,
    WriteResult,
};

/// The legal basis of a rule: law, section, citation text.
pub fn legal_basis(lb: &LegalBasis) -> LegalBasisInfo {
    LegalBasisInfo {
        law: lb.law.clone(),
        section: lb.section.clone(),
        citation: lb.citation.clone(),
    }
}

/// The short text form of a legal basis, `§ 14 Abs. 1 AZRG` (section,
/// then law), the one form of `LegalBasis::short` and the audit records.
pub fn legal_basis_short(lb: &LegalBasisInfo) -> String {
    LegalBasis {
        law: lb.law.clone(),
        section: lb.section.clone(),
        citation: String::new(),
    }
    .short()
}

fn retention_iso(r: Option<Retention>) -> Option<String> {
    r.map(|r| r.iso8601())
}

fn retention_text(r: Option<Retention>) -> Option<String> {
    r.map(|r| r.to_string())
}

/// A permit of the local policy: the deciding rule, what it grants, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitView {
    /// Id of the deciding rule.
    pub rule_id: String,
    /// The operation permitted (`read`, `search`, ...).
    pub operation: String,
    /// The legal basis.
    pub legal_basis: LegalBasisInfo,
    /// Permitted attributes (catalogue names).
    pub attributes: Vec<String>,
    /// Transformations applied to disclosures.
    pub transformations: Vec<String>,
    /// Whether a case reference is mandatory.
    pub case_reference_required: bool,
    /// Retention as an ISO 8601 duration (`P6M`), if set.
    pub retention: Option<String>,
    /// Retention for people (`6 months`), if set.
    pub retention_text: Option<String>,
    /// Hash of the policy (canonical form).
    pub policy_hash: String,
}

impl From<&Permit> for PermitView {
    fn from(p: &Permit) -> Self {
        let d = DecisionInfo::from_permit(p);
        PermitView {
            rule_id: d.rule_id,
            operation: p.operation().as_str().to_string(),
            legal_basis: d.legal_basis,
            attributes: d.attributes,
            transformations: d.transformations,
            case_reference_required: p.case_reference_required(),
            retention: retention_iso(p.retention()),
            retention_text: retention_text(p.retention()),
            policy_hash: d.policy_hash,
        }
    }
}

/// A denial of the local policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenialView {
    /// The deny reason code (`no_matching_rule`, `case_reference_required`, ...).
    pub reason: String,
    /// Explanation.
    pub message: String,
    /// Hash of the policy that denied.
    pub policy_hash: String,
}

impl From<&Denial> for DenialView {
    fn from(d: &Denial) -> Self {
        DenialView {
            reason: d.reason.code().to_string(),
            message: d.message.clone(),
            policy_hash: d.policy_hash.to_string(),
        }
    }
}

/// A local decision, permit or denial. JSON: `{"permitted": true, ...the
/// permit...}` or `{"permitted": false, "reason", "message", "policy_hash"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    /// Whether the request is permitted.
    pub permitted: bool,
    /// The permit or the denial.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The permit or the denial of a [`DecisionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outcome {
    /// Permitted.
    Permit(PermitView),
    /// Denied.
    Deny(DenialView),
}

impl From<&Decision> for DecisionView {
    fn from(d: &Decision) -> Self {
        match d {
            Decision::Permit(p) => DecisionView {
                permitted: true,
                outcome: Outcome::Permit(p.into()),
            },
            Decision::Deny(d) => DecisionView {
                permitted: false,
                outcome: Outcome::Deny(d.into()),
            },
        }
    }
}

/// One row of `explain`: what an office receives for a purpose, and why
/// (the DSGVO Art. 30 matrix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainRowView {
    /// Office id.
    pub office: String,
    /// Office display name.
    pub office_name: String,
    /// Purpose code.
    pub purpose: String,
    /// Purpose name.
    pub purpose_name: String,
    /// Operation.
    pub operation: String,
    /// Deciding rule.
    pub rule_id: String,
    /// Permitted attributes (catalogue names).
    pub attributes: Vec<String>,
    /// Transformations.
    pub transformations: Vec<String>,
    /// Legal basis.
    pub legal_basis: LegalBasisInfo,
    /// Whether a case reference is mandatory.
    pub case_reference_required: bool,
    /// Retention as an ISO 8601 duration (`P6M`), if set.
    pub retention: Option<String>,
    /// Retention for people (`6 months`), if set.
    pub retention_text: Option<String>,
    /// Note on retention (may be empty).
    pub retention_note: String,
}

impl From<&ExplainRow> for ExplainRowView {
    fn from(r: &ExplainRow) -> Self {
        ExplainRowView {
            office: r.office.clone(),
            office_name: r.office_name.clone(),
            purpose: r.purpose.clone(),
            purpose_name: r.purpose_name.clone(),
            operation: r.operation.as_str().to_string(),
            rule_id: r.rule_id.clone(),
            attributes: r.attributes.iter().map(|a| a.to_string()).collect(),
            transformations: r
                .transformations
                .iter()
                .map(|t| t.as_str().to_string())
                .collect(),
            legal_basis: legal_basis(&r.legal_basis),
            case_reference_required: r.case_reference_required,
            retention: retention_iso(r.retention),
            retention_text: retention_text(r.retention),
            retention_note: r.retention_note.clone(),
        }
    }
}

/// A policy's identity: `{"id", "hash", "source"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfoView {
    /// The policy id.
    pub id: String,
    /// Hash of the canonical form.
    pub hash: String,
    /// Where it was loaded from.
    pub source: String,
}

impl From<&Policy> for PolicyInfoView {
    fn from(p: &Policy) -> Self {
        PolicyInfoView {
            id: p.id().to_string(),
            hash: p.hash().to_string(),
            source: p.source_name().to_string(),
        }
    }
}

/// Corrections addressed to the calling office: `{"corrections": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionsView {
    /// Corrections, oldest first.
    pub corrections: Vec<Correction>,
}

/// The report of an intact journal (a tampered one is an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyView {
    /// Always true (tampering is reported as an error).
    pub intact: bool,
    /// Entries read (including pruned ones).
    pub entries: u64,
    /// Pruned entries among them.
    pub pruned: u64,
    /// Checkpoints read.
    pub checkpoints: u64,
    /// Checkpoints whose signature verified and whose root matched.
    pub checkpoints_verified: u64,
    /// Size of the largest verified checkpoint.
    pub verified_size: u64,
    /// Entries after the last checkpoint: protected by the hash chain only.
    pub uncovered: u64,
    /// Bytes of the entries file.
    pub bytes: u64,
    /// Remarks that are not tampering (e.g. a torn tail left by a crash).
    pub notes: Vec<String>,
}

impl From<&VerifyReport> for VerifyView {
    fn from(r: &VerifyReport) -> Self {
        VerifyView {
            intact: r.is_intact(),
            entries: r.entries,
            pruned: r.pruned,
            checkpoints: r.checkpoints as u64,
            checkpoints_verified: r.checkpoints_verified as u64,
            verified_size: r.verified_size,
            uncovered: r.uncovered,
            bytes: r.bytes,
            notes: r.notes.clone(),
        }
    }
}

/// A verified proof bundle: the proven entry and the checkpoint's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleView {
    /// Index of the proven entry.
    pub leaf_index: u64,
    /// Entries covered by the checkpoint.
    pub tree_size: u64,
}

impl From<&Bundle> for BundleView {
    fn from(b: &Bundle) -> Self {
        BundleView {
            leaf_index: b.entry.index,
            tree_size: b.checkpoint.checkpoint.size,
        }
    }
}

/// A bulk import's report: `{"created": N, "updated": N, "unchanged": N,
/// "refused": N, "batches": N, "refusals": [{"index": N, "field": "...",
/// "reason": "..."}]}`. `index` is the 0-based position in the input;
/// `field` is `null` where the refusal names none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReportView {
    /// New records.
    pub created: u64,
    /// Changed records.
    pub updated: u64,
    /// Records with the same values as stored (nothing written).
    pub unchanged: u64,
    /// Records not imported (local refusals included).
    pub refused: u64,
    /// Requests sent.
    pub batches: u64,
    /// The refused records, in input order.
    pub refusals: Vec<RefusalView>,
}

/// One refused import record (never a value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalView {
    /// 0-based position in the input.
    pub index: u64,
    /// Field path, e.g. `grundpersonalien.geburtsdatum`, where known.
    pub field: Option<String>,
    /// Reason code: `invalid`, `missing_key`, `not_owner`,
    /// `duplicate_key`, `key_conflict` or `policy_denied`.
    pub reason: String,
}

impl From<&crate::ImportReport> for ImportReportView {
    fn from(r: &crate::ImportReport) -> Self {
        ImportReportView {
            created: r.counts.created,
            updated: r.counts.updated,
            unchanged: r.counts.unchanged,
            refused: r.counts.refused,
            batches: r.batches,
            refusals: r
                .refused
                .iter()
                .map(|i| RefusalView {
                    index: i.index,
                    field: i.field.clone(),
                    reason: i.reason.map_or("invalid", |r| r.as_str()).to_string(),
                })
                .collect(),
        }
    }
}

/// The answer to `acknowledge_deletion`: `{"fldm_id": "...", "action":
/// "deleted" | "relinked", "to": "..." | null, "journaled": bool}`
/// (`journaled` is false for a client without a journal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcknowledgementView {
    /// The deleted person.
    pub fldm_id: String,
    /// `deleted` or `relinked`.
    pub action: String,
    /// For `relinked`: the FLDM id the copy is now linked to.
    pub to: Option<String>,
    /// Whether a client-journal record was written.
    pub journaled: bool,
}

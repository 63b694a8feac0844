//! Audit records, the tamper-evident journal, proofs and the offline verifier.
//!
//! - [`RecordFacts`]: what a stage knows about an access; its
//!   [`RecordFacts::build`] is the one place a record is assembled (hub and
//!   client).
//! - [`AuditRecord`]: one record per operation and stage (fields after
//!   AZRG § 13, BDSG § 76, BMG § 40; no names, birth dates or addresses);
//!   [`PseudonymKey`] makes the keyed hashes for subject and criteria.
//! - [`Journal`]: an append-only directory of checksummed frames with group
//!   commit, an RFC 9162 Merkle tree and signed checkpoints.
//! - [`verify_dir`]: the offline verifier; [`Bundle`]: entry + inclusion
//!   proof + checkpoint as one JSON file.
//! - [`prune`]: drop the content of entries past their retention date,
//!   keeping their leaf hashes.
//! - [`export`]: JSON lines and XML.
//!
//! **Fail closed:** if [`Journal::append`] returns an error, the operation
//! the record describes must not happen (no disclosure without a durable
//! log entry).
//!
//! The byte formats are specified in `docs/audit-format.md`.

mod builder;
mod bundle;
mod canon;
mod checkpoint;
mod dates;
mod entry;
pub mod export;
pub mod frame;
mod journal;
pub mod merkle;
mod pseudonym;
mod read;
mod record;
mod storage;
mod strict;
mod verify;

pub use builder::{MAX_LEGAL_BASIS_CHARS, RecordFacts, now_ms, subject_refs};
pub use bundle::{BUNDLE_FORMAT, Bundle, BundleProblem};
pub use canon::{hex, unhex};
pub use checkpoint::{
    Checkpoint, CheckpointJson, PublicKey, SIGNATURE_CONTEXT, SignatureProblem, SignedCheckpoint,
    SigningKey, StoredCheckpoint, key_id_of,
};
pub use dates::{date_of_ms, format_date, format_time_ms, parse_date, parse_time_ms, retention};
pub use entry::Entry;
pub use journal::{
    CHECKPOINTS_FILE, DEFAULT_ORIGIN, ENTRIES_FILE, Journal, JournalOptions, OpenReport,
    PruneReport, TornTail, prune,
};
pub use merkle::Hash;
pub use pseudonym::{PseudonymKey, payload_digest};
pub use read::{
    ReadEntry, SubjectEntries, entries_concerning, prove_dir, read_checkpoints, read_entries,
};
pub use record::{
    AuditRecord, MAX_SUBJECTS, Operation, Outcome, OutcomeKind, QueryCriterion, Stage,
};
pub use verify::{Problem, VerifyReport, verify_bytes, verify_dir};

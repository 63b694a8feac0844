//! Offline verification bundles: one entry, its inclusion proof and the
//! signed checkpoint the proof leads to, as one JSON document.
//!
//! ```json
//! {"format":"fldm-audit-bundle/1","leaf_index":5,"tree_size":16,
//!  "leaf_hash":"…","entry":{"index":5,"prev":"…","record":{…}},
//!  "inclusion_proof":["…",…],"checkpoint":{"origin":…,"signature":"…"}}
//! ```
//!
//! Checking a bundle needs only the bundle and the public key: re-encode the
//! entry canonically, hash it as a leaf, run the RFC 9162 inclusion
//! verifier up to the checkpoint's root, and verify the checkpoint's
//! signature.

use serde::{Deserialize, Serialize};

use super::canon;
use super::checkpoint::{CheckpointJson, PublicKey, SignatureProblem, SignedCheckpoint};
use super::entry::{Entry, EntryJson};
use super::merkle::{Hash, leaf_hash, verify_inclusion};
use crate::error::{Error, Result};

/// Format tag of a bundle.
pub const BUNDLE_FORMAT: &str = "fldm-audit-bundle/1";

/// An offline verification bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The entry (its index is the leaf index).
    pub entry: Entry,
    /// RFC 9162 inclusion proof from the leaf to the checkpoint's root.
    pub inclusion_proof: Vec<Hash>,
    /// The signed checkpoint.
    pub checkpoint: SignedCheckpoint,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleJson {
    format: String,
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: String,
    entry: EntryJson,
    inclusion_proof: Vec<String>,
    checkpoint: CheckpointJson,
}

/// Why a bundle does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleProblem {
    /// The checkpoint is signed with another key.
    OtherKey {
        /// The key id the checkpoint names.
        key_id: String,
    },
    /// The checkpoint signature is invalid.
    SignatureInvalid,
    /// The inclusion proof does not lead from the entry to the root: the
    /// entry or the proof was changed.
    NotIncluded {
        /// The entry.
        index: u64,
        /// Size of the tree the checkpoint covers.
        tree_size: u64,
    },
}

impl std::fmt::Display for BundleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleProblem::OtherKey { key_id } => {
                write!(
                    f,
                    "the checkpoint is signed by another key (key id {key_id})"
                )
            }
            BundleProblem::SignatureInvalid => write!(f, "the checkpoint signature is invalid"),
            BundleProblem::NotIncluded { index, tree_size } => write!(
                f,
                "entry {index}: the inclusion proof does not lead to the checkpoint's root (tree size {tree_size}); the entry or the proof was changed"
            ),
        }
    }
}

impl Bundle {
    /// Check the bundle against `key`.
    pub fn verify(&self, key: &PublicKey) -> std::result::Result<(), BundleProblem> {
        match self.checkpoint.verify(key) {
            Ok(()) => {}
            Err(SignatureProblem::OtherKey { key_id }) => {
                return Err(BundleProblem::OtherKey { key_id });
            }
            Err(SignatureProblem::Invalid) => return Err(BundleProblem::SignatureInvalid),
        }
        let leaf = leaf_hash(&self.entry.canonical_bytes());
        let cp = &self.checkpoint.checkpoint;
        if !verify_inclusion(
            self.entry.index,
            cp.size,
            &leaf,
            &self.inclusion_proof,
            &cp.root,
        ) {
            return Err(BundleProblem::NotIncluded {
                index: self.entry.index,
                tree_size: cp.size,
            });
        }
        Ok(())
    }

    /// The JSON document (pretty-printed).
    pub fn to_json(&self) -> String {
        let j = serde_json::json!({
            "format": BUNDLE_FORMAT,
            "leaf_index": self.entry.index,
            "tree_size": self.checkpoint.checkpoint.size,
            "leaf_hash": canon::hex(&leaf_hash(&self.entry.canonical_bytes())),
            "entry": self.entry.to_json_value(),
            "inclusion_proof": self.inclusion_proof.iter().map(|h| canon::hex(h)).collect::<Vec<_>>(),
            "checkpoint": self.checkpoint.to_json(),
        });
        serde_json::to_string_pretty(&j).unwrap_or_default()
    }

    /// Parse a bundle document. Structural errors (not a bundle, bad hex)
    /// are errors; whether it verifies is [`Bundle::verify`]'s business.
    pub fn from_json(text: &str) -> Result<Bundle> {
        let j: BundleJson = serde_json::from_str(text).map_err(|e| Error::Json {
            field: String::new(),
            line: e.line(),
            column: e.column(),
            message: "not an audit bundle".into(),
        })?;
        if j.format != BUNDLE_FORMAT {
            return Err(Error::Audit(format!(
                "bundle format {:?} is not {BUNDLE_FORMAT}",
                j.format
            )));
        }
        let entry =
            Entry::from_json(j.entry).map_err(|e| Error::Audit(format!("bundle entry: {e}")))?;
        if entry.index != j.leaf_index {
            return Err(Error::Audit(
                "bundle: leaf_index differs from the entry's index".into(),
            ));
        }
        let checkpoint = j.checkpoint.into_signed().map_err(Error::Audit)?;
        if checkpoint.checkpoint.size != j.tree_size {
            return Err(Error::Audit(
                "bundle: tree_size differs from the checkpoint's size".into(),
            ));
        }
        let inclusion_proof = j
            .inclusion_proof
            .iter()
            .map(|h| {
                canon::unhex32(h).ok_or_else(|| {
                    Error::Audit("bundle inclusion_proof: expected 64 hex characters".into())
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Bundle {
            entry,
            inclusion_proof,
            checkpoint,
        })
    }
}

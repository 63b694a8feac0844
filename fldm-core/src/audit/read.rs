//! Read-only access to a journal directory: its entries and checkpoints,
//! the entries about one person (data-subject access) and offline
//! bundles. Nothing here verifies; [`super::verify_dir`] does.

use std::path::Path;

use super::bundle::Bundle;
use super::checkpoint::StoredCheckpoint;
use super::entry::Entry;
use super::frame::{self, CHECKPOINTS_MAGIC, ENTRIES_MAGIC, KIND_ENTRY, KIND_PRUNED, Tail};
use super::journal::{CHECKPOINTS_FILE, ENTRIES_FILE};
use super::merkle::{Hash, MerkleTree, leaf_hash};
use super::storage::parse_pruned;
use crate::error::{Error, Result};

/// An entry as read from a journal: with content or pruned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadEntry {
    /// An entry with its record.
    Entry(Box<Entry>),
    /// A pruned entry: only the leaf hash is left.
    Pruned {
        /// The entry's index.
        index: u64,
        /// Its leaf hash.
        leaf: Hash,
    },
}

impl ReadEntry {
    /// The index.
    pub fn index(&self) -> u64 {
        match self {
            ReadEntry::Entry(e) => e.index,
            ReadEntry::Pruned { index, .. } => *index,
        }
    }
}

/// The result of [`entries_concerning`].
#[derive(Debug, Clone, Default)]
pub struct SubjectEntries {
    /// The entries whose record concerns the subject, oldest first.
    pub entries: Vec<Entry>,
    /// Entries examined (the journal's size, a torn tail not counted).
    pub examined: u64,
    /// Of those, entries pruned to their leaf hash, whose content is gone.
    pub pruned: u64,
}

/// The entries of the journal in `dir` whose record concerns the person
/// with `subject_ref` (alone or among several; see
/// [`AuditRecord::concerns`](super::AuditRecord::concerns)), for a
/// data-subject access request. Only entries whose bytes contain the
/// reference are decoded, so the cost is one read of the file and a byte
/// search; nothing is verified (use [`super::verify_dir`]). A torn tail is ignored.
pub fn entries_concerning(dir: impl AsRef<Path>, subject_ref: &str) -> Result<SubjectEntries> {
    let (data, frames) = entry_frames(dir.as_ref())?;
    let finder = memchr::memmem::Finder::new(subject_ref.as_bytes());
    let mut out = SubjectEntries {
        examined: frames.len() as u64,
        ..SubjectEntries::default()
    };
    for (pos, f) in frames.iter().enumerate() {
        let payload = &data[f.payload.0..f.payload.1];
        match f.kind {
            KIND_ENTRY if finder.find(payload).is_some() => {
                let e = Entry::decode_canonical(payload)
                    .map_err(|e| Error::Audit(format!("entry {pos}: {e}")))?;
                if e.record.concerns(subject_ref) {
                    out.entries.push(e);
                }
            }
            KIND_ENTRY => {}
            KIND_PRUNED => out.pruned += 1,
            _ => return Err(Error::Audit(format!("entry {pos}: unknown frame kind"))),
        }
    }
    Ok(out)
}

/// The bytes of `entries.log` in `dir` and its frames; a torn tail is
/// ignored, damage in the middle is an error.
fn entry_frames(dir: &Path) -> Result<(Vec<u8>, Vec<frame::Frame>)> {
    let p = dir.join(ENTRIES_FILE);
    let data = std::fs::read(&p).map_err(|e| Error::io(format!("reading {}", p.display()), e))?;
    let (frames, tail) = frame::scan(&data, ENTRIES_MAGIC, false);
    if let Tail::Corrupt { offset, reason } = tail {
        return Err(Error::Audit(format!(
            "entries.log is damaged at offset {offset} ({reason}); run `fldm audit verify`"
        )));
    }
    Ok((data, frames))
}

/// Read all entries of the journal in `dir` without modifying it (a torn
/// tail is ignored). Damaged entries are errors; use [`super::verify_dir`] to see
/// what is wrong.
pub fn read_entries(dir: impl AsRef<Path>) -> Result<Vec<ReadEntry>> {
    Ok(read_with_leaves(dir.as_ref())?.0)
}

fn read_with_leaves(dir: &Path) -> Result<(Vec<ReadEntry>, MerkleTree)> {
    let (data, frames) = entry_frames(dir)?;
    let mut out = Vec::with_capacity(frames.len());
    let mut tree = MerkleTree::new();
    for (pos, f) in frames.iter().enumerate() {
        let payload = &data[f.payload.0..f.payload.1];
        let e = match f.kind {
            KIND_ENTRY => ReadEntry::Entry(Box::new(
                Entry::decode_canonical(payload)
                    .map_err(|e| Error::Audit(format!("entry {pos}: {e}")))?,
            )),
            KIND_PRUNED => {
                let (index, leaf) = parse_pruned(payload)
                    .ok_or_else(|| Error::Audit(format!("entry {pos}: malformed pruned entry")))?;
                ReadEntry::Pruned { index, leaf }
            }
            _ => return Err(Error::Audit(format!("entry {pos}: unknown frame kind"))),
        };
        if e.index() != pos as u64 {
            return Err(Error::Audit(format!(
                "entry at position {pos} has index {}; run `fldm audit verify`",
                e.index()
            )));
        }
        tree.push(match &e {
            ReadEntry::Entry(_) => leaf_hash(payload),
            ReadEntry::Pruned { leaf, .. } => *leaf,
        });
        out.push(e);
    }
    Ok((out, tree))
}

/// Read the checkpoints of the journal in `dir` (a torn tail is ignored).
pub fn read_checkpoints(dir: impl AsRef<Path>) -> Result<Vec<StoredCheckpoint>> {
    let p = dir.as_ref().join(CHECKPOINTS_FILE);
    let data = match std::fs::read(&p) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("reading {}", p.display()), e)),
    };
    let (frames, tail) = frame::scan(&data, CHECKPOINTS_MAGIC, false);
    if let Tail::Corrupt { offset, reason } = tail {
        return Err(Error::Audit(format!(
            "checkpoints.log is damaged at offset {offset} ({reason})"
        )));
    }
    frames
        .iter()
        .enumerate()
        .map(|(j, f)| {
            StoredCheckpoint::decode(&data[f.payload.0..f.payload.1])
                .map_err(|e| Error::Audit(format!("checkpoint #{j}: {e}")))
        })
        .collect()
}

/// Build the offline bundle for entry `index` of the journal in `dir`,
/// against the latest checkpoint (which must cover the entry).
pub fn prove_dir(dir: impl AsRef<Path>, index: u64) -> Result<Bundle> {
    let dir = dir.as_ref();
    let (entries, tree) = read_with_leaves(dir)?;
    let cps = read_checkpoints(dir)?;
    let Some(last) = cps.last() else {
        return Err(Error::Audit("the journal has no checkpoint yet".into()));
    };
    let cp = last.signed.clone();
    let size = cp.checkpoint.size;
    if tree.root_at(size) != Some(cp.checkpoint.root) {
        return Err(Error::Audit(
            "the entries do not match the latest checkpoint; run `fldm audit verify`".into(),
        ));
    }
    let entry = match entries.get(usize::try_from(index).unwrap_or(usize::MAX)) {
        None => return Err(Error::Audit(format!("entry {index} does not exist"))),
        Some(ReadEntry::Pruned { .. }) => {
            return Err(Error::Audit(format!(
                "entry {index} was pruned: only its leaf hash is kept"
            )));
        }
        Some(ReadEntry::Entry(e)) => (**e).clone(),
    };
    let inclusion_proof = tree.inclusion_proof(index, size).ok_or_else(|| {
        Error::Audit(format!(
            "entry {index} is not covered by the latest checkpoint (tree size {size}); write a checkpoint first"
        ))
    })?;
    Ok(Bundle {
        entry,
        inclusion_proof,
        checkpoint: cp,
    })
}

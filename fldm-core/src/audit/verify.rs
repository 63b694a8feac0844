//! The offline verifier.
//!
//! [`verify_dir`] recomputes everything from the files: frame checksums,
//! the canonical form of every entry, indices and the hash chain
//! (`prev`), the Merkle root at every checkpoint, checkpoint signatures and
//! the consistency proofs between successive checkpoints. Every problem
//! names the entry (or checkpoint) concerned.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::checkpoint::{PublicKey, SignatureProblem, StoredCheckpoint};
use super::frame::{
    self, CHECKPOINTS_MAGIC, ENTRIES_MAGIC, KIND_CHECKPOINT, KIND_ENTRY, KIND_PRUNED, Tail,
};
use super::journal::{CHECKPOINTS_FILE, ENTRIES_FILE};
use super::merkle::{Hash, MerkleTree, leaf_hash, verify_consistency};
use super::storage::{entry_header, parse_pruned};
use crate::error::{Error, Result};

/// One thing wrong with a journal. Entry numbers are 0-based indices;
/// checkpoint numbers are 0-based positions in `checkpoints.log`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The entries file cannot be read as frames from `offset` on.
    Unreadable {
        /// Byte offset of the first unreadable byte.
        offset: u64,
        /// Entries read before it.
        after: u64,
    },
    /// The frame at `position` has a wrong checksum.
    FrameChecksum {
        /// Position of the frame in the file (0-based).
        position: u64,
        /// Its byte offset.
        offset: u64,
    },
    /// The entry does not decode, is not canonical or its record is invalid.
    EntryMalformed {
        /// The entry.
        index: u64,
        /// What is wrong.
        detail: String,
    },
    /// The entry's content changed: the hash chain or a checkpoint says so.
    EntryModified {
        /// The entry.
        index: u64,
        /// What says so.
        detail: String,
    },
    /// Entries `first..=last` are missing (deleted) before later entries.
    EntriesMissing {
        /// First missing entry.
        first: u64,
        /// Last missing entry.
        last: u64,
    },
    /// Two entries were exchanged.
    EntriesSwapped {
        /// One entry.
        first: u64,
        /// The other.
        second: u64,
    },
    /// An entry is stored out of order.
    EntryMisplaced {
        /// The entry's own index.
        index: u64,
        /// Where it is stored.
        position: u64,
    },
    /// An entry is stored more than once.
    EntryDuplicated {
        /// The entry's index.
        index: u64,
        /// Where the copy is stored.
        position: u64,
    },
    /// The journal ends at `present` entries, but a signed checkpoint covers
    /// `size`.
    TruncatedTail {
        /// Entries present.
        present: u64,
        /// The checkpoint.
        checkpoint: usize,
        /// Entries it covers.
        size: u64,
    },
    /// A checkpoint cannot be decoded.
    CheckpointUnreadable {
        /// The checkpoint.
        checkpoint: usize,
        /// What is wrong.
        detail: String,
    },
    /// A checkpoint's signature does not verify with the given key.
    CheckpointSignature {
        /// The checkpoint.
        checkpoint: usize,
        /// Entries it covers.
        size: u64,
        /// What is wrong.
        detail: String,
    },
    /// A checkpoint contradicts an earlier one (a fork or a rewritten
    /// history).
    CheckpointInconsistent {
        /// The checkpoint.
        checkpoint: usize,
        /// Entries it covers.
        size: u64,
        /// The earlier checkpoint.
        earlier: usize,
        /// Entries the earlier one covers.
        earlier_size: u64,
        /// What is wrong.
        detail: String,
    },
    /// Entries `first..=last` do not hash to a checkpoint's root.
    CheckpointMismatch {
        /// The checkpoint.
        checkpoint: usize,
        /// Entries it covers.
        size: u64,
        /// First entry of the mismatching range.
        first: u64,
        /// Last entry of the range.
        last: u64,
    },
}

impl Problem {
    /// The (first) entry the problem concerns, if it concerns entries.
    pub fn entry_index(&self) -> Option<u64> {
        match self {
            Problem::Unreadable { after, .. } => Some(*after),
            Problem::FrameChecksum { position, .. } => Some(*position),
            Problem::EntryMalformed { index, .. }
            | Problem::EntryModified { index, .. }
            | Problem::EntryMisplaced { index, .. }
            | Problem::EntryDuplicated { index, .. } => Some(*index),
            Problem::EntriesMissing { first, .. }
            | Problem::EntriesSwapped { first, .. }
            | Problem::CheckpointMismatch { first, .. } => Some(*first),
            Problem::TruncatedTail { present, .. } => Some(*present),
            _ => None,
        }
    }

    /// The checkpoint the problem concerns, if any.
    pub fn checkpoint(&self) -> Option<usize> {
        match self {
            Problem::TruncatedTail { checkpoint, .. }
            | Problem::CheckpointUnreadable { checkpoint, .. }
            | Problem::CheckpointSignature { checkpoint, .. }
            | Problem::CheckpointInconsistent { checkpoint, .. }
            | Problem::CheckpointMismatch { checkpoint, .. } => Some(*checkpoint),
            _ => None,
        }
    }
}

fn range(first: u64, last: u64) -> String {
    if first == last {
        format!("entry {first}")
    } else {
        format!("entries {first}..{last}")
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Unreadable { offset, after } => write!(
                f,
                "entry {after}: unreadable: invalid frame header at offset {offset}; nothing after it can be read"
            ),
            Problem::FrameChecksum { position, offset } => write!(
                f,
                "entry {position}: frame checksum mismatch (offset {offset}): the entry was modified"
            ),
            Problem::EntryMalformed { index, detail } => {
                write!(f, "entry {index}: malformed: {detail}")
            }
            Problem::EntryModified { index, detail } => {
                write!(f, "entry {index}: modified: {detail}")
            }
            Problem::EntriesMissing { first, last } => write!(
                f,
                "{}: missing: deleted from the journal (later entries are present)",
                range(*first, *last)
            ),
            Problem::EntriesSwapped { first, second } => write!(
                f,
                "entries {first} and {second}: swapped: entry {first} is stored at position {second} and entry {second} at position {first}"
            ),
            Problem::EntryMisplaced { index, position } => {
                write!(
                    f,
                    "entry {index}: stored out of order at position {position}"
                )
            }
            Problem::EntryDuplicated { index, position } => {
                write!(
                    f,
                    "entry {index}: stored twice (again at position {position})"
                )
            }
            Problem::TruncatedTail {
                present,
                checkpoint,
                size,
            } => write!(
                f,
                "{}: missing: the tail was truncated: the journal has {present} entries but signed checkpoint #{checkpoint} covers {size}",
                range(*present, size.saturating_sub(1)),
            ),
            Problem::CheckpointUnreadable { checkpoint, detail } => {
                write!(f, "checkpoint #{checkpoint}: unreadable: {detail}")
            }
            Problem::CheckpointSignature {
                checkpoint,
                size,
                detail,
            } => {
                write!(f, "checkpoint #{checkpoint} (tree size {size}): {detail}")
            }
            Problem::CheckpointInconsistent {
                checkpoint,
                size,
                earlier,
                earlier_size,
                detail,
            } => write!(
                f,
                "checkpoint #{checkpoint} (tree size {size}): inconsistent with earlier checkpoint #{earlier} (tree size {earlier_size}): {detail}"
            ),
            Problem::CheckpointMismatch {
                checkpoint,
                size,
                first,
                last,
            } => write!(
                f,
                "{}: modified: the entries do not hash to the root of signed checkpoint #{checkpoint} (tree size {size})",
                range(*first, *last)
            ),
        }
    }
}

/// The result of [`verify_dir`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries read (including pruned ones).
    pub entries: u64,
    /// Pruned entries among them.
    pub pruned: u64,
    /// Checkpoints read.
    pub checkpoints: usize,
    /// Checkpoints whose signature verified and whose root matched.
    pub checkpoints_verified: usize,
    /// Size of the largest verified checkpoint.
    pub verified_size: u64,
    /// Entries after the last checkpoint: protected by the hash chain only.
    pub uncovered: u64,
    /// Bytes of the entries file.
    pub bytes: u64,
    /// Everything wrong, in file order (entries first, then checkpoints).
    pub problems: Vec<Problem>,
    /// Remarks that are not tampering (e.g. a torn tail left by a crash).
    pub notes: Vec<String>,
}

impl VerifyReport {
    /// No problems found.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

struct Item {
    index: u64,
    leaf: Hash,
    prev: Option<Hash>,
}

/// Verify the journal in `dir` with the owner's public key. `Err` only for
/// I/O errors (directory or files unreadable); tampering is reported in the
/// [`VerifyReport`].
pub fn verify_dir(dir: impl AsRef<Path>, key: &PublicKey) -> Result<VerifyReport> {
    let dir = dir.as_ref();
    let read = |name: &str| -> Result<Vec<u8>> {
        let p = dir.join(name);
        match std::fs::read(&p) {
            Ok(d) => Ok(d),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && name == CHECKPOINTS_FILE => {
                Ok(Vec::new())
            }
            Err(e) => Err(Error::io(format!("reading {}", p.display()), e)),
        }
    };
    let entries = read(ENTRIES_FILE)?;
    let checkpoints = read(CHECKPOINTS_FILE)?;
    Ok(verify_bytes(&entries, &checkpoints, key))
}

/// Verify the contents of the two journal files.
pub fn verify_bytes(entries: &[u8], checkpoints: &[u8], key: &PublicKey) -> VerifyReport {
    let mut rep = VerifyReport {
        bytes: entries.len() as u64,
        ..Default::default()
    };
    let items = read_items(entries, &mut rep);
    let (tree, logical_len) = check_order_and_chain(&items, &mut rep);
    check_checkpoints(checkpoints, key, &tree, logical_len, &mut rep);
    rep
}

#[derive(Default)]
struct Checked {
    item: Option<Item>,
    problems: Vec<Problem>,
    pruned: bool,
}

fn check_frame(pos: usize, f: &frame::Frame, data: &[u8]) -> Checked {
    let position = pos as u64;
    let payload = &data[f.payload.0..f.payload.1];
    let mut out = Checked::default();
    let crc_ok = if f.crc_checked {
        f.crc_ok
    } else {
        frame::crc_matches(data, f)
    };
    if !crc_ok {
        out.problems.push(Problem::FrameChecksum {
            position,
            offset: f.offset as u64,
        });
    }
    match f.kind {
        KIND_ENTRY => {
            let leaf = leaf_hash(payload);
            match super::strict::check_entry(payload) {
                Ok((index, prev)) => {
                    out.item = Some(Item {
                        index,
                        leaf,
                        prev: Some(prev),
                    })
                }
                Err(detail) => {
                    let (index, prev) = match entry_header(payload) {
                        Some((i, p)) => (i, Some(p)),
                        None => (position, None),
                    };
                    out.problems.push(Problem::EntryMalformed { index, detail });
                    out.item = Some(Item { index, leaf, prev });
                }
            }
        }
        KIND_PRUNED => match parse_pruned(payload) {
            Some((index, leaf)) => {
                out.pruned = true;
                out.item = Some(Item {
                    index,
                    leaf,
                    prev: None,
                });
            }
            None => out.problems.push(Problem::EntryMalformed {
                index: position,
                detail: "pruned entry of the wrong length".into(),
            }),
        },
        _ => out.problems.push(Problem::EntryMalformed {
            index: position,
            detail: "unknown frame kind".into(),
        }),
    }
    out
}

fn read_items(data: &[u8], rep: &mut VerifyReport) -> Vec<Item> {
    let (frames, tail) = frame::scan_deferred(data, ENTRIES_MAGIC);
    match tail {
        Tail::Clean => {}
        Tail::Torn { offset } => rep.notes.push(format!(
            "entries.log ends with an incomplete frame at offset {offset} ({} bytes), left by an interrupted write; opening the journal truncates it",
            data.len() - offset
        )),
        Tail::Corrupt { offset: 0, .. } => {
            rep.problems.push(Problem::Unreadable { offset: 0, after: 0 });
        }
        Tail::Corrupt { offset, .. } => rep.problems.push(Problem::Unreadable {
            offset: offset as u64,
            after: frames.len() as u64,
        }),
    }
    // Hashing and decoding are independent per frame: spread them over the
    // available cores, keeping file order.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(frames.len().div_ceil(1024).max(1));
    let per = frames.len().div_ceil(threads).max(1);
    let chunks: Vec<Vec<Checked>> = if threads <= 1 {
        vec![
            frames
                .iter()
                .enumerate()
                .map(|(p, f)| check_frame(p, f, data))
                .collect(),
        ]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = frames
                .chunks(per)
                .enumerate()
                .map(|(c, part)| {
                    s.spawn(move || {
                        part.iter()
                            .enumerate()
                            .map(|(k, f)| check_frame(c * per + k, f, data))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    let mut items = Vec::with_capacity(frames.len());
    for c in chunks.into_iter().flatten() {
        rep.problems.extend(c.problems);
        if c.pruned {
            rep.pruned += 1;
        }
        items.extend(c.item);
    }
    rep.entries = items.len() as u64;
    items
}

/// Positions, indices and the hash chain. Returns the Merkle tree over the
/// leaves in index order, up to the first missing index.
fn check_order_and_chain(items: &[Item], rep: &mut VerifyReport) -> (MerkleTree, u64) {
    if items.iter().enumerate().all(|(p, it)| it.index == p as u64) {
        return chain_in_order(items, rep);
    }
    // Order: duplicates, swaps, misplaced entries.
    let mut seen: BTreeMap<u64, u64> = BTreeMap::new();
    let at = |p: u64| items.get(usize::try_from(p).unwrap_or(usize::MAX));
    let mut swapped = BTreeSet::new();
    for (p, it) in items.iter().enumerate() {
        let p = p as u64;
        if seen.insert(it.index, p).is_some() {
            rep.problems.push(Problem::EntryDuplicated {
                index: it.index,
                position: p,
            });
            continue;
        }
        if it.index != p && !swapped.contains(&p) {
            if let Some(other) = at(it.index)
                && other.index == p
            {
                swapped.insert(it.index);
                rep.problems.push(Problem::EntriesSwapped {
                    first: p.min(it.index),
                    second: p.max(it.index),
                });
                continue;
            }
            let increasing = p == 0 || items[(p - 1) as usize].index < it.index;
            let next_ok = at(p + 1).is_none_or(|n| n.index > it.index);
            if !(increasing && next_ok) {
                rep.problems.push(Problem::EntryMisplaced {
                    index: it.index,
                    position: p,
                });
            }
        }
    }
    // Missing indices.
    let mut expected = 0u64;
    for &i in seen.keys() {
        if i > expected {
            rep.problems.push(Problem::EntriesMissing {
                first: expected,
                last: i - 1,
            });
        }
        expected = i + 1;
    }
    // Chain, in index order.
    let mut tree = MerkleTree::new();
    let mut broken: Vec<u64> = Vec::new();
    let mut prev_leaf: Option<(u64, Hash)> = None;
    let mut contiguous = true;
    for (&i, &p) in &seen {
        let it = &items[p as usize];
        if let Some(link) = it.prev {
            let expected_prev = match prev_leaf {
                Some((j, l)) if j + 1 == i => Some(l),
                None if i == 0 => Some([0u8; 32]),
                _ => None,
            };
            if expected_prev.is_some_and(|e| e != link) {
                broken.push(i);
            }
        }
        if contiguous && tree.len() == i {
            tree.push(it.leaf);
        } else {
            contiguous = false;
        }
        prev_leaf = Some((i, it.leaf));
    }
    let last_index = seen.keys().next_back().copied();
    report_broken_links(&broken, last_index, rep);
    (tree, last_index.map_or(0, |i| i + 1))
}

/// The common case: every entry at its own position.
fn chain_in_order(items: &[Item], rep: &mut VerifyReport) -> (MerkleTree, u64) {
    let mut tree = MerkleTree::new();
    let mut broken = Vec::new();
    let mut prev = [0u8; 32];
    for (i, it) in items.iter().enumerate() {
        if it.prev.is_some_and(|p| p != prev) {
            broken.push(i as u64);
        }
        tree.push(it.leaf);
        prev = it.leaf;
    }
    let n = items.len() as u64;
    report_broken_links(&broken, n.checked_sub(1), rep);
    (tree, n)
}

/// Turn broken links (entry `i` whose `prev` is not the leaf hash of entry
/// `i - 1`) into modified entries: a lone broken link at `i` means entry
/// `i - 1` changed; two in a row at `i` and `i + 1` mean entry `i` changed
/// including its own link.
fn report_broken_links(broken: &[u64], last_index: Option<u64>, rep: &mut VerifyReport) {
    let mut k = 0;
    while k < broken.len() {
        let i = broken[k];
        if k + 1 < broken.len() && broken[k + 1] == i + 1 {
            rep.problems.push(Problem::EntryModified {
                index: i,
                detail: format!(
                    "its link to entry {} and its own hash (recorded in entry {}) do not match",
                    i.saturating_sub(1),
                    i + 1
                ),
            });
            k += 2;
        } else {
            let detail = if i == 0 {
                "its link field is not the initial value".to_string()
            } else if Some(i) == last_index {
                format!(
                    "its hash does not match the link recorded in entry {i} (or entry {i}'s link was changed)"
                )
            } else {
                format!("its hash does not match the link recorded in entry {i}")
            };
            rep.problems.push(Problem::EntryModified {
                index: i.saturating_sub(1),
                detail,
            });
            k += 1;
        }
    }
}

fn check_checkpoints(
    data: &[u8],
    key: &PublicKey,
    tree: &MerkleTree,
    present: u64,
    rep: &mut VerifyReport,
) {
    if data.is_empty() {
        rep.uncovered = rep.entries;
        return;
    }
    let (frames, tail) = frame::scan(data, CHECKPOINTS_MAGIC, true);
    match tail {
        Tail::Clean => {}
        Tail::Torn { offset } => rep.notes.push(format!(
            "checkpoints.log ends with an incomplete frame at offset {offset}, left by an interrupted write"
        )),
        Tail::Corrupt { offset, .. } => rep.problems.push(Problem::CheckpointUnreadable {
            checkpoint: frames.len(),
            detail: format!("invalid frame header at offset {offset}"),
        }),
    }
    rep.checkpoints = frames.len();
    // (number, checkpoint) that verified.
    let mut valid: Vec<(usize, StoredCheckpoint)> = Vec::new();
    let mut origin: Option<String> = None;
    for (j, f) in frames.iter().enumerate() {
        if !f.crc_ok || f.kind != KIND_CHECKPOINT {
            rep.problems.push(Problem::CheckpointUnreadable {
                checkpoint: j,
                detail: "frame checksum mismatch or wrong frame kind".into(),
            });
            continue;
        }
        let s = match StoredCheckpoint::decode(&data[f.payload.0..f.payload.1]) {
            Ok(s) => s,
            Err(detail) => {
                rep.problems.push(Problem::CheckpointUnreadable {
                    checkpoint: j,
                    detail,
                });
                continue;
            }
        };
        let size = s.signed.checkpoint.size;
        match s.signed.verify(key) {
            Ok(()) => {}
            Err(SignatureProblem::Invalid) => {
                rep.problems.push(Problem::CheckpointSignature {
                    checkpoint: j,
                    size,
                    detail: "signature invalid (forged or altered checkpoint)".into(),
                });
                continue;
            }
            Err(SignatureProblem::OtherKey { key_id }) => {
                rep.problems.push(Problem::CheckpointSignature {
                    checkpoint: j,
                    size,
                    detail: format!(
                        "signed by another key (key id {key_id}, expected {})",
                        key.key_id()
                    ),
                });
                continue;
            }
        }
        let o = &s.signed.checkpoint.origin;
        match &origin {
            None => origin = Some(o.clone()),
            Some(first) if first != o => rep.problems.push(Problem::CheckpointUnreadable {
                checkpoint: j,
                detail: "origin differs from the first checkpoint's".into(),
            }),
            Some(_) => {}
        }
        // Consistency with the previous valid checkpoint.
        if let Some((pj, prev)) = valid.last() {
            let (pc, c) = (&prev.signed.checkpoint, &s.signed.checkpoint);
            let problem = if c.size < pc.size {
                Some("the tree size decreased".to_string())
            } else if c.size == pc.size {
                (c.root != pc.root).then(|| "same tree size, different root".to_string())
            } else {
                match &s.consistency {
                    Some((from, proof)) if *from == pc.size => (!verify_consistency(
                        pc.size, c.size, &pc.root, &c.root, proof,
                    ))
                    .then(|| {
                        "the consistency proof does not verify: the history before it was rewritten"
                            .to_string()
                    }),
                    Some(_) => None, // proof from a checkpoint that did not verify
                    None => Some("no consistency proof".to_string()),
                }
            };
            if let Some(detail) = problem {
                rep.problems.push(Problem::CheckpointInconsistent {
                    checkpoint: j,
                    size: c.size,
                    earlier: *pj,
                    earlier_size: pc.size,
                    detail,
                });
                continue;
            }
        }
        valid.push((j, s));
    }
    // Entries against the consistent, validly signed checkpoints.
    let mut matched_size = 0u64;
    let mut truncated = false;
    let mut mismatch_reported = false;
    let mut later_mismatches: Vec<usize> = Vec::new();
    for (j, s) in &valid {
        let c = &s.signed.checkpoint;
        if c.size == 0 {
            continue;
        }
        if c.size > present {
            if !truncated {
                rep.problems.push(Problem::TruncatedTail {
                    present,
                    checkpoint: *j,
                    size: c.size,
                });
                truncated = true;
            }
            continue;
        }
        let Some(root) = tree.root_at(c.size) else {
            rep.notes.push(format!(
                "checkpoint #{j} (tree size {}) cannot be checked: entries are missing",
                c.size
            ));
            continue;
        };
        if tree.leaf(c.size - 1) != Some(c.last_leaf) {
            rep.problems.push(Problem::EntryModified {
                index: c.size - 1,
                detail: format!(
                    "its hash differs from the last-entry hash in signed checkpoint #{j}"
                ),
            });
        } else if root != c.root {
            if mismatch_reported {
                later_mismatches.push(*j);
            } else {
                rep.problems.push(Problem::CheckpointMismatch {
                    checkpoint: *j,
                    size: c.size,
                    first: matched_size.min(c.size - 1),
                    last: c.size - 1,
                });
                mismatch_reported = true;
            }
        } else {
            matched_size = matched_size.max(c.size);
            rep.checkpoints_verified += 1;
            rep.verified_size = rep.verified_size.max(c.size);
            continue;
        }
    }
    if let (Some(first), Some(last)) = (later_mismatches.first(), later_mismatches.last()) {
        rep.notes.push(format!(
            "{} later checkpoint(s) (#{first}..#{last}) do not match either; they include the entries above",
            later_mismatches.len()
        ));
    }
    rep.uncovered = present.saturating_sub(
        valid
            .iter()
            .map(|(_, s)| s.signed.checkpoint.size)
            .max()
            .unwrap_or(0),
    );
}

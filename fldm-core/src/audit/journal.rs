//! The append-only journal: a directory with two files of frames,
//! `entries.log` (one frame per entry) and `checkpoints.log` (one frame per
//! signed checkpoint).
//!
//! Durability: appends are written and `fdatasync`ed in groups. The first
//! appender that finds no write in progress becomes the leader: it takes
//! every frame queued so far, writes them with one `write` and one fsync, and
//! wakes the others. An `append` returns `Ok` only after the frame of its
//! entry is on stable storage. If writing or syncing fails, the journal is
//! poisoned: this and every later append return an error, and the caller
//! **must not** carry out the operation the record describes (fail closed).
//! Reopening the journal truncates whatever partial frame the failure left.
//!
//! One process at a time may open a journal directory for writing.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use time::Date;

use super::bundle::Bundle;
use super::checkpoint::{Checkpoint, SignedCheckpoint, SigningKey, StoredCheckpoint};
use super::entry::{self, Entry};
use super::frame::{
    self, CHECKPOINTS_MAGIC, ENTRIES_MAGIC, KIND_CHECKPOINT, KIND_ENTRY, KIND_PRUNED, Tail,
};
use super::merkle::{Hash, MerkleTree, ZERO_HASH, leaf_hash};
use super::record::AuditRecord;
use super::storage::{
    Storage, entry_header, io_err, open_file, parse_pruned, pruned_payload, sync_dir,
};
use crate::error::{Error, Result};

/// Name of the entries file in a journal directory.
pub const ENTRIES_FILE: &str = "entries.log";
/// Name of the checkpoints file in a journal directory.
pub const CHECKPOINTS_FILE: &str = "checkpoints.log";
/// Origin used when neither the options nor an existing checkpoint name one.
pub const DEFAULT_ORIGIN: &str = "fldm-audit";

/// How to open a journal.
#[derive(Debug)]
pub struct JournalOptions {
    /// Name of the log, written into every checkpoint. `None`: keep the
    /// origin of the existing checkpoints, or [`DEFAULT_ORIGIN`].
    pub origin: Option<String>,
    /// The owner's signing key. Without one, no checkpoints are written.
    pub signing_key: Option<SigningKey>,
    /// Write a checkpoint as soon as at least this many entries were
    /// appended since the last one (0: only on [`Journal::checkpoint`] and
    /// on close).
    pub checkpoint_interval: u64,
    /// `fdatasync` every group commit. Only tests and benchmarks turn this
    /// off; without it an acknowledged append is not durable.
    pub sync: bool,
    /// Write each group in pieces of this many bytes (crash tests use it
    /// to make torn frames likely). Not for production use.
    #[doc(hidden)]
    pub write_chunk: Option<usize>,
}

impl Default for JournalOptions {
    fn default() -> Self {
        JournalOptions {
            origin: None,
            signing_key: None,
            checkpoint_interval: 1000,
            sync: true,
            write_chunk: None,
        }
    }
}

/// A partial frame found at the end of a file on open and truncated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// File name within the journal directory.
    pub file: String,
    /// Offset where the partial frame started (the new file length).
    pub offset: u64,
    /// Number of bytes removed.
    pub bytes: u64,
}

/// What [`Journal::open`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenReport {
    /// Whether the journal was created.
    pub created: bool,
    /// Number of entries (including pruned ones).
    pub entries: u64,
    /// Number of pruned entries.
    pub pruned: u64,
    /// Number of checkpoints.
    pub checkpoints: usize,
    /// Torn tails that were truncated (at most one per file).
    pub torn_tails: Vec<TornTail>,
}

impl std::fmt::Display for OpenReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} entries ({} pruned), {} checkpoints",
            self.entries, self.pruned, self.checkpoints
        )?;
        for t in &self.torn_tails {
            write!(
                f,
                "; torn tail in {} at offset {} ({} bytes truncated)",
                t.file, t.offset, t.bytes
            )?;
        }
        Ok(())
    }
}

/// What [`Journal::prune`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PruneReport {
    /// Entries pruned now.
    pub pruned: u64,
    /// Entries that were already pruned.
    pub already_pruned: u64,
    /// Entries kept with their content.
    pub kept: u64,
}

struct State {
    entries: Storage,
    checkpoints: Storage,
    tree: MerkleTree,
    /// Offset of the frame of every entry.
    offsets: Vec<u64>,
    /// Length of the entries file including queued frames.
    end: u64,
    /// Frames queued for the next group commit.
    pending: Vec<u8>,
    /// Number of entries on stable storage.
    durable: u64,
    syncing: bool,
    failed: Option<String>,
    last_checkpoint: Option<SignedCheckpoint>,
    closed: bool,
}

/// An open journal. `Send + Sync`: share it (e.g. in an `Arc`) between
/// threads; appends from several threads share fsyncs.
pub struct Journal {
    dir: Option<PathBuf>,
    origin: String,
    signer: Option<SigningKey>,
    interval: u64,
    sync: bool,
    chunk: Option<usize>,
    state: Mutex<State>,
    cond: Condvar,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.dir)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// Open the journal in `dir`, creating the directory and files if
    /// needed. A torn tail (a frame a crash left incomplete) is truncated and
    /// reported in the [`OpenReport`]. Damage anywhere else, or entries that
    /// do not match the last checkpoint, is an error: the journal is not
    /// opened (run the verifier to see what is wrong).
    pub fn open(dir: impl AsRef<Path>, options: JournalOptions) -> Result<(Journal, OpenReport)> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|e| io_err("creating", dir, e))?;
        let mut report = OpenReport::default();
        let (entries, edata) = open_file(dir, ENTRIES_FILE, ENTRIES_MAGIC, &mut report)?;
        let (checkpoints, cdata) =
            open_file(dir, CHECKPOINTS_FILE, CHECKPOINTS_MAGIC, &mut report)?;
        let journal = Self::build(
            Some(dir.to_path_buf()),
            options,
            entries,
            &edata,
            checkpoints,
            &cdata,
            &mut report,
        )?;
        Ok((journal, report))
    }

    /// A journal held in memory only (tests, benchmarks, and hosts that
    /// ship records elsewhere). Same checks and checkpoints, no files.
    pub fn in_memory(options: JournalOptions) -> Result<Journal> {
        let e = Storage::Memory(Arc::new(Mutex::new(ENTRIES_MAGIC.to_vec())));
        let c = Storage::Memory(Arc::new(Mutex::new(CHECKPOINTS_MAGIC.to_vec())));
        let mut report = OpenReport::default();
        Self::build(
            None,
            options,
            e,
            ENTRIES_MAGIC,
            c,
            CHECKPOINTS_MAGIC,
            &mut report,
        )
    }

    fn build(
        dir: Option<PathBuf>,
        options: JournalOptions,
        entries: Storage,
        edata: &[u8],
        checkpoints: Storage,
        cdata: &[u8],
        report: &mut OpenReport,
    ) -> Result<Journal> {
        let (frames, _) = frame::scan(edata, ENTRIES_MAGIC, false);
        let mut tree = MerkleTree::new();
        let mut offsets = Vec::with_capacity(frames.len());
        for (pos, f) in frames.iter().enumerate() {
            let pos = pos as u64;
            let payload = &edata[f.payload.0..f.payload.1];
            let damaged = |what: &str| {
                Error::Audit(format!(
                    "journal entry {pos} {what}; refusing to open it; run `fldm audit verify`"
                ))
            };
            let leaf = match f.kind {
                KIND_ENTRY => {
                    let (index, prev) =
                        entry_header(payload).ok_or_else(|| damaged("is unreadable"))?;
                    if index != pos {
                        return Err(damaged("is out of place"));
                    }
                    if tree.last_leaf().map_or(prev != ZERO_HASH, |l| l != prev) {
                        return Err(damaged("does not chain to its predecessor"));
                    }
                    leaf_hash(payload)
                }
                KIND_PRUNED => {
                    let (index, leaf) =
                        parse_pruned(payload).ok_or_else(|| damaged("is unreadable"))?;
                    if index != pos {
                        return Err(damaged("is out of place"));
                    }
                    report.pruned += 1;
                    leaf
                }
                _ => return Err(damaged("has an unknown frame kind")),
            };
            tree.push(leaf);
            offsets.push(f.offset as u64);
        }
        let (cframes, _) = frame::scan(cdata, CHECKPOINTS_MAGIC, false);
        let mut last: Option<SignedCheckpoint> = None;
        for (i, f) in cframes.iter().enumerate() {
            if f.kind != KIND_CHECKPOINT {
                return Err(Error::Audit(format!(
                    "checkpoint {i} has an unknown frame kind"
                )));
            }
            let s = StoredCheckpoint::decode(&cdata[f.payload.0..f.payload.1]).map_err(|e| {
                Error::Audit(format!("checkpoint {i}: {e}; run `fldm audit verify`"))
            })?;
            last = Some(s.signed);
        }
        if let Some(cp) = &last {
            let c = &cp.checkpoint;
            if tree.root_at(c.size) != Some(c.root) {
                return Err(Error::Audit(format!(
                    "the entries do not match the last checkpoint (tree size {}); refusing to open; run `fldm audit verify`",
                    c.size
                )));
            }
        }
        let origin = match (&options.origin, &last) {
            (Some(o), Some(cp)) if *o != cp.checkpoint.origin => {
                return Err(Error::Audit(format!(
                    "journal origin is {:?}, not {:?}",
                    cp.checkpoint.origin, o
                )));
            }
            (Some(o), _) => o.clone(),
            (None, Some(cp)) => cp.checkpoint.origin.clone(),
            (None, None) => DEFAULT_ORIGIN.to_string(),
        };
        report.entries = tree.len();
        report.checkpoints = cframes.len();
        let size = tree.len();
        Ok(Journal {
            dir,
            origin,
            signer: options.signing_key,
            interval: options.checkpoint_interval,
            sync: options.sync,
            chunk: options.write_chunk,
            state: Mutex::new(State {
                entries,
                checkpoints,
                tree,
                offsets,
                end: edata.len() as u64,
                pending: Vec::new(),
                durable: size,
                syncing: false,
                failed: None,
                last_checkpoint: last,
                closed: false,
            }),
            cond: Condvar::new(),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| Error::Audit("journal lock poisoned".into()))
    }

    fn wait<'a>(&self, g: MutexGuard<'a, State>) -> Result<MutexGuard<'a, State>> {
        self.cond
            .wait(g)
            .map_err(|_| Error::Audit("journal lock poisoned".into()))
    }

    fn check_usable(st: &State) -> Result<()> {
        if let Some(f) = &st.failed {
            return Err(Error::Audit(format!(
                "journal unusable after a failed write ({f}); nothing may be disclosed until it is reopened"
            )));
        }
        if st.closed {
            return Err(Error::Audit("journal is closed".into()));
        }
        Ok(())
    }

    /// The origin written into checkpoints.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The directory, if the journal is file-backed.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Number of entries (appended, durable or queued).
    pub fn len(&self) -> u64 {
        self.lock().map_or(0, |s| s.tree.len())
    }

    /// Whether the journal has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Root hash of the current tree.
    pub fn root(&self) -> Result<Hash> {
        Ok(self.lock()?.tree.root())
    }

    /// The latest checkpoint written, if any.
    pub fn last_checkpoint(&self) -> Option<SignedCheckpoint> {
        self.lock().ok().and_then(|s| s.last_checkpoint.clone())
    }

    /// Append a record. Returns its index once the entry is on stable
    /// storage (with `sync`). An error means the record is **not** logged:
    /// the caller must not carry out the operation (fail closed).
    pub fn append(&self, record: &AuditRecord) -> Result<u64> {
        record.validate()?;
        let rec = record.canonical_bytes();
        if rec.len() + 200 > frame::MAX_PAYLOAD {
            return Err(Error::Audit("audit record too large for one frame".into()));
        }
        let mut st = self.lock()?;
        Self::check_usable(&st)?;
        let index = st.tree.len();
        let prev = st.tree.last_leaf().unwrap_or(ZERO_HASH);
        let mut bytes = Vec::with_capacity(rec.len() + 100);
        entry::encode_raw(index, &prev, &rec, &mut bytes);
        let leaf = leaf_hash(&bytes);
        let offset = st.end;
        frame::push(&mut st.pending, KIND_ENTRY, &bytes);
        st.end = offset + (bytes.len() + frame::OVERHEAD) as u64;
        st.tree.push(leaf);
        st.offsets.push(offset);
        loop {
            if st.durable > index {
                return Ok(index);
            }
            Self::check_usable(&st)?;
            if st.syncing {
                st = self.wait(st)?;
            } else {
                let due = self.signer.is_some()
                    && self.interval > 0
                    && st.tree.len() - st.last_checkpoint.as_ref().map_or(0, |c| c.checkpoint.size)
                        >= self.interval;
                st = self.commit(st, due)?.0;
            }
        }
    }

    /// Write the queued frames (and a checkpoint if `checkpoint`) as the
    /// leader. Called with the lock held and no commit in progress.
    fn commit<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        checkpoint: bool,
    ) -> Result<(MutexGuard<'a, State>, Option<SignedCheckpoint>)> {
        st.syncing = true;
        let buf = std::mem::take(&mut st.pending);
        let size = st.tree.len();
        let mut cp = None;
        let prev_size = st.last_checkpoint.as_ref().map(|c| c.checkpoint.size);
        if checkpoint
            && size > 0
            && prev_size != Some(size)
            && let Some(key) = &self.signer
        {
            let signed = key.sign(Checkpoint {
                origin: self.origin.clone(),
                size,
                root: st.tree.root(),
                last_leaf: st.tree.last_leaf().unwrap_or(ZERO_HASH),
                time_ms: super::builder::now_ms(),
                key_id: key.key_id().to_string(),
            });
            let consistency = prev_size
                .filter(|&p| p > 0)
                .and_then(|p| st.tree.consistency_proof(p, size).map(|pr| (p, pr)));
            cp = Some(StoredCheckpoint {
                signed,
                consistency,
            });
        }
        let entries = st.entries.clone();
        let checkpoints = st.checkpoints.clone();
        drop(st);
        let mut result = if buf.is_empty() {
            Ok(())
        } else {
            entries.append(&buf, self.sync, self.chunk)
        };
        if result.is_ok()
            && let Some(stored) = &cp
        {
            let mut f = Vec::new();
            frame::push(&mut f, KIND_CHECKPOINT, &stored.canonical_bytes());
            result = checkpoints.append(&f, self.sync, self.chunk);
        }
        let mut st = self.lock()?;
        st.syncing = false;
        self.cond.notify_all();
        match result {
            Ok(()) => {
                st.durable = st.durable.max(size);
                let signed = cp.map(|c| c.signed);
                if let Some(s) = &signed {
                    st.last_checkpoint = Some(s.clone());
                }
                Ok((st, signed))
            }
            Err(e) => {
                st.failed = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// Wait until no commit is in progress, then commit whatever is queued
    /// (with a checkpoint if `checkpoint`).
    fn flush_with(&self, checkpoint: bool) -> Result<Option<SignedCheckpoint>> {
        let mut st = self.lock()?;
        loop {
            Self::check_usable(&st)?;
            if !st.syncing {
                break;
            }
            st = self.wait(st)?;
        }
        let (st, cp) = self.commit(st, checkpoint)?;
        Ok(cp.or_else(|| st.last_checkpoint.clone()))
    }

    /// Write a signed checkpoint over all entries now (if there are entries
    /// not yet covered) and return the latest checkpoint. Errors without a
    /// signing key.
    pub fn checkpoint(&self) -> Result<SignedCheckpoint> {
        if self.signer.is_none() {
            return Err(Error::Audit(
                "no signing key: cannot write checkpoints".into(),
            ));
        }
        self.flush_with(true)?
            .ok_or_else(|| Error::Audit("the journal is empty: nothing to checkpoint".into()))
    }

    /// Inclusion proof of entry `index` against the latest checkpoint,
    /// writing a new checkpoint first if the latest does not cover it.
    pub fn prove_inclusion(&self, index: u64) -> Result<Bundle> {
        let covered = self
            .last_checkpoint()
            .is_some_and(|c| c.checkpoint.size > index);
        if !covered {
            if index >= self.len() {
                return Err(Error::Audit(format!("entry {index} does not exist")));
            }
            self.checkpoint()?;
        }
        let st = self.lock()?;
        let cp = st
            .last_checkpoint
            .clone()
            .ok_or_else(|| Error::Audit("no checkpoint".into()))?;
        let size = cp.checkpoint.size;
        let proof = st
            .tree
            .inclusion_proof(index, size)
            .ok_or_else(|| Error::Audit(format!("entry {index} is not covered by a checkpoint")))?;
        let offset = *st
            .offsets
            .get(usize::try_from(index).unwrap_or(usize::MAX))
            .ok_or_else(|| Error::Audit(format!("entry {index} does not exist")))?;
        let storage = st.entries.clone();
        drop(st);
        let head = storage.read_at(offset, 5)?;
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        if head[4] == KIND_PRUNED {
            return Err(Error::Audit(format!(
                "entry {index} was pruned: only its leaf hash is kept"
            )));
        }
        let payload = storage.read_at(offset + 5, len)?;
        let entry = Entry::decode_canonical(&payload)
            .map_err(|e| Error::Audit(format!("entry {index}: {e}")))?;
        Ok(Bundle {
            entry,
            inclusion_proof: proof,
            checkpoint: cp,
        })
    }

    /// Replace the content of every entry whose retention date is before
    /// `today` with its leaf hash. Checkpoints and proofs for the remaining
    /// entries stay valid. The file is rewritten and atomically replaced.
    pub fn prune(&self, today: Date) -> Result<PruneReport> {
        self.flush_with(false)?;
        let mut st = self.lock()?;
        while st.syncing {
            st = self.wait(st)?;
        }
        Self::check_usable(&st)?;
        let data = st.entries.read_all()?;
        let (frames, tail) = frame::scan(&data, ENTRIES_MAGIC, false);
        if tail != Tail::Clean {
            return Err(Error::Audit(
                "entries file changed under the journal".into(),
            ));
        }
        let mut out = Vec::with_capacity(data.len());
        out.extend_from_slice(ENTRIES_MAGIC);
        let mut report = PruneReport::default();
        let mut offsets = Vec::with_capacity(frames.len());
        for (pos, f) in frames.iter().enumerate() {
            offsets.push(out.len() as u64);
            let payload = &data[f.payload.0..f.payload.1];
            if f.kind == KIND_ENTRY {
                let e = Entry::decode_canonical(payload)
                    .map_err(|e| Error::Audit(format!("entry {pos}: {e}")))?;
                if e.record.retention_until < today {
                    frame::push(
                        &mut out,
                        KIND_PRUNED,
                        &pruned_payload(e.index, &leaf_hash(payload)),
                    );
                    report.pruned += 1;
                    continue;
                }
                report.kept += 1;
            } else {
                report.already_pruned += 1;
            }
            out.extend_from_slice(&data[f.offset..f.payload.1 + 4]);
        }
        if report.pruned == 0 {
            return Ok(report);
        }
        match &st.entries {
            Storage::Memory(v) => {
                *v.lock()
                    .map_err(|_| Error::Audit("journal memory poisoned".into()))? = out.clone();
            }
            Storage::File { path, .. } => {
                let tmp = path.with_extension("log.tmp");
                let mut f = File::create(&tmp).map_err(|e| io_err("creating", &tmp, e))?;
                f.write_all(&out).map_err(|e| io_err("writing", &tmp, e))?;
                f.sync_all().map_err(|e| io_err("syncing", &tmp, e))?;
                fs::rename(&tmp, path).map_err(|e| io_err("replacing", path, e))?;
                if let Some(dir) = path.parent() {
                    sync_dir(dir)?;
                }
                let file = OpenOptions::new()
                    .read(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| io_err("opening", path, e))?;
                st.entries = Storage::File {
                    file: Arc::new(file),
                    path: path.clone(),
                };
            }
        }
        st.end = out.len() as u64;
        st.offsets = offsets;
        Ok(report)
    }

    /// Write a final checkpoint (with a signing key, if entries are not yet
    /// covered) and close the journal.
    pub fn close(self) -> Result<()> {
        self.finish()
    }

    fn finish(&self) -> Result<()> {
        {
            let st = self.lock()?;
            if st.closed || st.failed.is_some() {
                return Ok(());
            }
        }
        let r = self.flush_with(self.signer.is_some()).map(|_| ());
        if let Ok(mut st) = self.lock() {
            st.closed = true;
        }
        r
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Best effort; call `close` to see errors.
        let _ = self.finish();
    }
}

/// Open the journal in `dir`, prune it (see [`Journal::prune`]) and close
/// it. No checkpoint is written (no signing key is needed).
pub fn prune(dir: impl AsRef<Path>, today: Date) -> Result<(PruneReport, OpenReport)> {
    let (j, open) = Journal::open(dir, JournalOptions::default())?;
    let r = j.prune(today)?;
    j.close()?;
    Ok((r, open))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Journal>();
    }

    #[test]
    fn entry_header_parses_the_prefix() {
        let mut b = Vec::new();
        entry::encode_raw(42, &[0xab; 32], b"{}", &mut b);
        assert_eq!(entry_header(&b), Some((42, [0xab; 32])));
        assert_eq!(entry_header(b"{\"index\":x"), None);
    }
}

//! Hub-stage audit records.
//!
//! Every request the hub answers produces one record in the audit
//! journal (an import one per [`fldm_core::audit::MAX_SUBJECTS`] persons
//! written, see [`crate::lifecycle`]), denials and errors included,
//! appended **before** the response
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

/// Name of the lock file in the audit directory.
pub const JOURNAL_LOCK_FILE: &str = "journal.lock";

/// The exclusive lock of one process on an audit journal directory.
///
/// The journal keeps its Merkle tree, the index and the hash of the last
/// entry in memory and appends with no coordination between processes. A
/// second process appending to the same directory would write entries with
/// the same indices and previous-entry hashes as the first, so the hash
/// chain forks and neither process's checkpoints match the file any more;
/// opening the journal also truncates what looks like a torn tail, which
/// may be an append of the other process in flight. Hence one writer per
/// directory: the hub (and every command that writes the hub's journal
/// directly) holds this lock for as long as the journal is open. The lock
/// is advisory (`flock` on Unix) and released when the process ends,
/// however it ends.
#[derive(Debug)]
pub struct JournalLock {
    _file: std::fs::File,
}

/// The journal directory is in use by another process (or another hub in
/// this process).
#[derive(Debug, thiserror::Error)]
pub enum JournalLockError {
    /// Another writer holds the lock.
    #[error(
        "the audit journal {} is in use by a running hub or another command; \
         stop it first, or use the hub's HTTP API",
        dir.display()
    )]
    InUse {
        /// The journal directory.
        dir: std::path::PathBuf,
    },
    /// The lock file cannot be created or locked.
    #[error("locking the audit journal {}: {source}", dir.display())]
    Io {
        /// The journal directory.
        dir: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl JournalLock {
    /// Take the lock of the journal in `dir` (created if missing), without
    /// waiting.
    pub fn acquire(dir: &std::path::Path) -> Result<JournalLock, JournalLockError> {
        JournalLock::acquire_within(dir, std::time::Duration::ZERO)
    }

    /// Take the lock, trying again for up to `wait` while another process
    /// holds it (a hub restarted right after it was killed finds the lock
    /// held until the old process has really ended).
    pub fn acquire_within(
        dir: &std::path::Path,
        wait: std::time::Duration,
    ) -> Result<JournalLock, JournalLockError> {
        let start = std::time::Instant::now();
        loop {
            match JournalLock::try_acquire(dir) {
                Err(JournalLockError::InUse { .. }) if start.elapsed() < wait => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn try_acquire(dir: &std::path::Path) -> Result<JournalLock, JournalLockError> {
        let io = |source| JournalLockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(JOURNAL_LOCK_FILE))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(JournalLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(JournalLockError::InUse {
                dir: dir.to_path_buf(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

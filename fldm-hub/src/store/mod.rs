//! The hub's storage: an embedded SQLite database.
//!
//! [`Store`] holds persons (the Kerndatensatz as compact JSON), a change
//! feed, idempotency records for writes, corrections (Berichtigungen) and
//! search keys. It is synchronous and `Send + Sync`: one writer connection
//! behind a mutex, and a small pool of reader connections, so reads run in
//! parallel with each other and with the writer (SQLite WAL mode). An async
//! server calls it from `tokio::task::spawn_blocking`.
//!
//! The record life cycle: [`Tx::import_one`] upserts one record of an
//! owner's bulk import (keyed by AZR-Nummer, else Aktenzeichen),
//! [`Tx::delete`] removes a person with everything stored about it and
//! leaves a tombstone ([`Deletion`]) in the change feed, [`Tx::merge`]
//! folds a duplicate into a surviving record. The writer connection runs
//! with `secure_delete`, and deleting operations of [`Store`] truncate the
//! WAL afterwards ([`Store::checkpoint_wal`]), so deleted bytes leave the
//! files.
//!
//! Every write is one SQLite transaction. [`Store::write`] runs several
//! operations of a [`Tx`] atomically; [`Store::idempotent`] additionally
//! commits the response of a write together with the write, so a retried
//! request either finds the stored response or is applied exactly once.
//!
//! Durability: WAL with `synchronous = FULL`, so a write that returned `Ok`
//! survives a crash of the process or of the machine. See
//! `docs/hub-store.md` for the schema and the reasoning.
//!
//! Errors are [`StoreError`]; none carries names, dates of birth or
//! addresses, and a stored record that fails to decode is an error, never a
//! panic.

mod read;
mod schema;
mod tx;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use fldm_core::attribute::AttributeSet;
use fldm_core::ids::{Aktenzeichen, AzrNummer, FldmId};
use fldm_core::lifecycle::{DeletionReason, OwnerKey};
use fldm_core::record::Person;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use time::OffsetDateTime;

pub use tx::Tx;

/// Computes the search keys of a person (for example
/// `fldm_core::matching::blocking_keys`).
pub type SearchKeyFn = fn(&Person) -> Vec<String>;

/// Most keys accepted by [`Store::candidates`] in one call.
pub const MAX_CANDIDATE_KEYS: usize = 1000;
/// Most changes returned by one call of [`Store::changes_since`].
pub const MAX_CHANGES_PER_PAGE: usize = 10_000;
/// Longest correction note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest office identifier, idempotency key or request id, in bytes.
pub const MAX_TOKEN_LEN: usize = 200;

/// How a [`Store`] is opened.
#[derive(Clone)]
pub struct StoreOptions {
    /// How long a connection waits for a lock held by another connection
    /// (another process, or the checkpointer) before failing with `SQLITE_BUSY`.
    pub busy_timeout: Duration,
    /// Most idle reader connections kept open.
    pub max_idle_readers: usize,
    /// How long an idempotency record is kept; after this a retry with the
    /// same key is treated as a new request. See [`Store::purge_idempotency`].
    pub idempotency_ttl: Duration,
    /// The function that computes search keys; `None` keeps no search keys.
    pub search_keys: Option<SearchKeyFn>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
            max_idle_readers: 4,
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            search_keys: None,
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("busy_timeout", &self.busy_timeout)
            .field("max_idle_readers", &self.max_idle_readers)
            .field("idempotency_ttl", &self.idempotency_ttl)
            .field("search_keys", &self.search_keys.is_some())
            .finish()
    }
}

/// Errors of the store. Messages name what is wrong, never personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such person or correction.
    #[error("{what} not found")]
    NotFound {
        /// `"person"` or `"correction"`.
        what: &'static str,
    },
    /// The expected version of an update is not the stored version.
    #[error("version conflict: expected version {expected}, stored version is {actual}")]
    Conflict {
        /// The version the caller expected.
        expected: u64,
        /// The stored version.
        actual: u64,
    },
    /// Another person already has this FLDM id.
    #[error("a person with this FLDM id already exists")]
    DuplicateFldmId,
    /// Another person already has this AZR-Nummer.
    #[error("another person already has this AZR-Nummer")]
    DuplicateAzrNummer,
    /// Another person of the same owning office already has this
    /// Aktenzeichen.
    #[error("another person of the owning office already has this Aktenzeichen")]
    DuplicateAktenzeichen,
    /// The idempotency key was used before for a different request.
    #[error("idempotency key was already used for a different request")]
    IdempotencyConflict,
    /// Input was invalid; the inner error names the field.
    #[error("invalid input: {0}")]
    Invalid(#[from] fldm_core::Error),
    /// A stored record could not be decoded (the database was changed
    /// outside this crate or by an incompatible version). `fldm_id` names
    /// the row for the operator; it is not part of the message.
    #[error("stored record cannot be decoded: {source}")]
    InvalidRecord {
        /// The FLDM id of the row.
        fldm_id: String,
        /// What is wrong with it.
        source: fldm_core::Error,
    },
    /// A correction's status cannot change this way.
    #[error("correction status cannot change from {from} to {to}")]
    CorrectionTransition {
        /// Current status.
        from: CorrectionStatus,
        /// Requested status.
        to: CorrectionStatus,
    },
    /// Only the office that owns the record may do this (decide on its
    /// corrections, delete it, merge it).
    #[error("only the office that owns the record may do this")]
    NotOwner,
    /// The database was written by a newer version of this crate.
    #[error("database schema version {found} is newer than the supported version {supported}")]
    SchemaTooNew {
        /// Version found in the database.
        found: u32,
        /// Latest version this crate knows.
        supported: u32,
    },
    /// `PRAGMA wal_checkpoint(TRUNCATE)` could not complete because other
    /// connections were reading (after the busy timeout). Whatever was
    /// committed before stays committed; freed pages remain in the WAL file
    /// until the next complete checkpoint ([`Store::checkpoint_wal`]).
    #[error("the write-ahead log could not be checkpointed completely")]
    CheckpointBusy,
    /// The database could not be put into the required mode.
    #[error("database setting {0} could not be applied")]
    Setting(&'static str),
    /// Stored data breaks an invariant of the schema (named).
    #[error("inconsistent stored data: {0}")]
    Inconsistent(&'static str),
    /// An error in one record of a bulk operation ([`Store::seed`]); nothing
    /// of the bulk operation was written.
    #[error("record {index}: {source}")]
    Record {
        /// 0-based index in the input.
        index: usize,
        /// The error.
        source: Box<StoreError>,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl From<fldm_core::ValidationError> for StoreError {
    fn from(e: fldm_core::ValidationError) -> Self {
        StoreError::Invalid(e.into())
    }
}

/// Result alias of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A stored person with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    /// The record.
    pub person: Person,
    /// Starts at 1; every update that changes a value adds 1.
    pub version: u64,
    /// The office that created the record; corrections go to it.
    pub owner_office: String,
    /// When the record was created (UTC, millisecond precision).
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// How [`Store::create`] chooses the FLDM id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewId {
    /// The hub assigns a fresh id (see [`new_fldm_id`]); the id in the
    /// given record is ignored.
    Assign,
    /// Keep the id of the given record (migration from an existing system);
    /// an id already in use is [`StoreError::DuplicateFldmId`].
    Keep,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the feed; strictly increasing, never reused.
    pub seq: u64,
    /// The person.
    pub fldm_id: FldmId,
    /// The attributes whose values this change set, changed or removed
    /// (for a creation: the attributes present).
    pub changed: AttributeSet,
    /// The version of the record this change produced.
    pub version: u64,
    /// The office that made the change.
    pub office: String,
    /// The idempotency key of the request that made the change, if any.
    pub idempotency_key: Option<String>,
    /// When.
    pub at: OffsetDateTime,
    /// The record as it is now (it may have changed again since); `None`
    /// for a tombstone. Exactly one of `current` and `deleted` is `Some`.
    pub current: Option<PersonRecord>,
    /// The deletion, when this entry is a tombstone (then `changed` is
    /// empty, `version` is the last version of the deleted record and
    /// `office` the office that deleted it).
    pub deleted: Option<Deletion>,
}

/// A deletion as the store made it (also the tombstone of the change feed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// The deleted record's FLDM id.
    pub fldm_id: FldmId,
    /// Why it was deleted.
    pub reason: DeletionReason,
    /// When (UTC, millisecond precision).
    pub at: OffsetDateTime,
    /// Merges only: the surviving record that receivers relink to.
    pub merged_into: Option<FldmId>,
    /// The `seq` of the tombstone in the change feed.
    pub seq: u64,
}

impl Deletion {
    /// The tombstone as the protocol carries it
    /// (`at` as `YYYY-MM-DDTHH:MM:SS.mmmZ`).
    pub fn tombstone(&self) -> fldm_core::wire::Tombstone {
        fldm_core::wire::Tombstone {
            reason: self.reason,
            at: fldm_core::audit::format_time_ms(to_ms(self.at)),
            merged_into: self.merged_into.as_ref().map(|id| id.as_str().to_string()),
        }
    }
}

/// What an import did with one record ([`Tx::import_one`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportApplied {
    /// No record had the key: a new record with a hub-assigned FLDM id.
    Created(PersonRecord),
    /// The key's record existed and at least one value changed; the change
    /// feed got one entry naming `changed`.
    Updated {
        /// The record as stored now.
        record: PersonRecord,
        /// The attributes whose values changed.
        changed: AttributeSet,
    },
    /// The key's record existed with the same values; nothing was written.
    Unchanged(PersonRecord),
    /// The record was not imported; nothing was written for it.
    Refused {
        /// The field the refusal names (`azr_nummer` or `aktenzeichen`).
        field: &'static str,
        /// Why.
        reason: fldm_core::wire::ImportRefusal,
    },
}

impl ImportApplied {
    /// The outcome code of the protocol.
    pub fn outcome(&self) -> fldm_core::wire::ImportOutcome {
        use fldm_core::wire::ImportOutcome;
        match self {
            ImportApplied::Created(_) => ImportOutcome::Created,
            ImportApplied::Updated { .. } => ImportOutcome::Updated,
            ImportApplied::Unchanged(_) => ImportOutcome::Unchanged,
            ImportApplied::Refused { .. } => ImportOutcome::Refused,
        }
    }

    /// The stored record (not for refusals).
    pub fn record(&self) -> Option<&PersonRecord> {
        match self {
            ImportApplied::Created(r)
            | ImportApplied::Updated { record: r, .. }
            | ImportApplied::Unchanged(r) => Some(r),
            ImportApplied::Refused { .. } => None,
        }
    }
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePage {
    /// The changes after the cursor, in feed order.
    pub changes: Vec<Change>,
    /// The cursor for the next call: the `seq` of the last change returned,
    /// or the given cursor when there was none.
    pub next_cursor: u64,
}

/// A stored HTTP response of an idempotent write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response body.
    pub body: Vec<u8>,
}

/// What [`Store::idempotent`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotentOutcome {
    /// The write ran now; its response is stored with it.
    Applied(StoredResponse),
    /// The key was seen before with the same request; nothing ran, this is
    /// the stored response of the first time.
    Replayed(StoredResponse),
}

impl IdempotentOutcome {
    /// The response, either way.
    pub fn response(&self) -> &StoredResponse {
        match self {
            IdempotentOutcome::Applied(r) | IdempotentOutcome::Replayed(r) => r,
        }
    }

    /// Whether the write ran in this call.
    pub fn applied(&self) -> bool {
        matches!(self, IdempotentOutcome::Applied(_))
    }
}

/// Status of a correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrectionStatus {
    /// Reported, not yet decided.
    Open,
    /// The owning office accepted it (and corrects the record by an update).
    Accepted,
    /// The owning office rejected it.
    Rejected,
}

impl CorrectionStatus {
    /// `open`, `accepted` or `rejected`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CorrectionStatus::Open => "open",
            CorrectionStatus::Accepted => "accepted",
            CorrectionStatus::Rejected => "rejected",
        }
    }

    /// From `open`, `accepted` or `rejected`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(CorrectionStatus::Open),
            "accepted" => Some(CorrectionStatus::Accepted),
            "rejected" => Some(CorrectionStatus::Rejected),
            _ => None,
        }
    }
}

impl std::fmt::Display for CorrectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A correction (Berichtigung): an office reports that attributes of a
/// record are wrong; the owning office decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Id, assigned in order.
    pub id: u64,
    /// The person concerned.
    pub fldm_id: FldmId,
    /// The office that owns the record and decides.
    pub owner_office: String,
    /// The office that reported it.
    pub reported_by: String,
    /// The attributes reported as wrong.
    pub attributes: AttributeSet,
    /// What is wrong (DIN 91379 general text, at most [`MAX_NOTE_CHARS`]).
    pub note: String,
    /// The request id of the report, for the audit trail.
    pub request_id: String,
    /// Status.
    pub status: CorrectionStatus,
    /// The office that accepted or rejected it.
    pub decided_by: Option<String>,
    /// When it was reported.
    pub created_at: OffsetDateTime,
    /// When its status last changed.
    pub updated_at: OffsetDateTime,
}

/// A person found by shared search keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The record.
    pub record: PersonRecord,
    /// How many of the given keys the person has.
    pub shared_keys: u32,
}

/// The hub's store. See the [module documentation](self).
pub struct Store {
    path: PathBuf,
    options: StoreOptions,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock drops the open transaction, which
    // rolls it back; the connection itself stays usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Milliseconds since the Unix epoch, UTC.
pub(crate) fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(crate) fn from_ms(ms: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| StoreError::Inconsistent("timestamp out of range"))
}

/// Crockford's base-32 alphabet (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh FLDM id: `P` followed by 12 characters of Crockford base 32,
/// 60 bits from the operating system's random generator (`ring::rand`).
///
/// Ids are not secrets, but random ids do not reveal how many persons a
/// hub holds or in which order they were registered, and they cannot be
/// enumerated. At 250,000 persons the chance that a new id collides with an
/// existing one is about 2 in 10^13; the store checks and draws again.
pub fn new_fldm_id() -> Result<FldmId> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| StoreError::Setting("random number generator"))?;
    let mut n = u64::from_le_bytes(bytes);
    let mut s = String::with_capacity(13);
    s.push('P');
    for _ in 0..12 {
        s.push(char::from(CROCKFORD[(n & 31) as usize]));
        n >>= 5;
    }
    FldmId::parse(&s).map_err(|_| StoreError::Inconsistent("generated FLDM id"))
}

impl Store {
    /// Open (or create) the database at `path` and bring its schema up to
    /// date.
    pub fn open(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        writer.busy_timeout(options.busy_timeout)?;
        let mode: String =
            writer.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Setting("journal_mode = WAL"));
        }
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", true)?;
        // Deleted content is overwritten with zeros in the pages that held
        // it, so a deleted person's bytes do not linger in free space.
        writer.pragma_update(None, "secure_delete", true)?;
        // Index pages stay cached across transactions; bulk loads and the
        // search-key index profit most. Negative = KiB.
        writer.pragma_update(None, "cache_size", -65536)?;
        let sync: i64 = writer.pragma_query_value(None, "synchronous", |r| r.get(0))?;
        let fk: i64 = writer.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
        if sync != 2 {
            return Err(StoreError::Setting("synchronous = FULL"));
        }
        if fk != 1 {
            return Err(StoreError::Setting("foreign_keys = ON"));
        }
        let secure: i64 = writer.pragma_query_value(None, "secure_delete", |r| r.get(0))?;
        if secure != 1 {
            return Err(StoreError::Setting("secure_delete = ON"));
        }
        schema::migrate(&mut writer)?;
        Ok(Store {
            path,
            options,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<u32> {
        self.read(schema::current)
    }

    fn open_reader(&self) -> Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(self.options.busy_timeout)?;
        c.pragma_update(None, "foreign_keys", true)?;
        c.pragma_update(None, "query_only", true)?;
        Ok(c)
    }

    /// Run `f` on a reader connection (from the pool, or a new one).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => self.open_reader()?,
        };
        let out = f(&conn);
        let mut pool = lock(&self.readers);
        if pool.len() < self.options.max_idle_readers {
            pool.push(conn);
        }
        out
    }

    fn run<T, E: From<StoreError>>(
        &self,
        idempotency_key: Option<&str>,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = lock(&self.writer);
        let txn = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = {
            let tx = Tx::new(&txn, self.options.search_keys, idempotency_key);
            f(&tx)?
        };
        txn.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Run `f` in one write transaction: everything it does commits
    /// together, or nothing does (when `f` or the commit fails).
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.run(None, f)
    }

    /// Run an idempotent write.
    ///
    /// In one transaction: if `(office, key)` is stored with the same
    /// `request_digest`, return its stored response without running `f`
    /// ([`IdempotentOutcome::Replayed`]); if it is stored with a different
    /// digest, fail with [`StoreError::IdempotencyConflict`]; otherwise run
    /// `f`, store its response under the key and commit both together
    /// ([`IdempotentOutcome::Applied`]). If `f` fails nothing is stored, so a
    /// retry runs again. Changes made by `f` carry `key` in the change feed.
    ///
    /// `request_digest` identifies the request (e.g. SHA-256 over method,
    /// path, relevant headers and body). Keys are per office, 1 to
    /// [`MAX_TOKEN_LEN`] visible ASCII characters; a key older than the
    /// configured TTL counts as unused.
    pub fn idempotent<E: From<StoreError>>(
        &self,
        office: &str,
        key: &str,
        request_digest: [u8; 32],
        f: impl FnOnce(&Tx<'_>) -> Result<StoredResponse, E>,
    ) -> Result<IdempotentOutcome, E> {
        check_token("office", office).map_err(E::from)?;
        check_token("idempotency_key", key).map_err(E::from)?;
        let ttl_ms = i64::try_from(self.options.idempotency_ttl.as_millis()).unwrap_or(i64::MAX);
        self.run(Some(key), |tx| {
            if let Some(stored) = tx.idempotency_lookup(office, key, ttl_ms)? {
                if stored.0 != request_digest {
                    return Err(StoreError::IdempotencyConflict.into());
                }
                return Ok(IdempotentOutcome::Replayed(stored.1));
            }
            let response = f(tx)?;
            tx.idempotency_store(office, key, &request_digest, &response)?;
            Ok(IdempotentOutcome::Applied(response))
        })
    }

    /// Delete idempotency records older than the configured TTL. Returns
    /// how many were deleted.
    pub fn purge_idempotency(&self) -> Result<usize> {
        let ttl =
            time::Duration::try_from(self.options.idempotency_ttl).unwrap_or(time::Duration::MAX);
        let cutoff = OffsetDateTime::now_utc()
            .checked_sub(ttl)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        self.purge_idempotency_before(cutoff)
    }

    /// Delete idempotency records created before `cutoff`.
    pub fn purge_idempotency_before(&self, cutoff: OffsetDateTime) -> Result<usize> {
        self.write(|tx| tx.idempotency_purge(to_ms(cutoff)))
    }

    /// Create a person. See [`Tx::create`].
    pub fn create(&self, person: &Person, id: NewId, office: &str) -> Result<PersonRecord> {
        self.write(|tx| tx.create(person, id, office))
    }

    /// Change exactly `attributes` of a person. See [`Tx::update`].
    pub fn update(
        &self,
        fldm_id: &FldmId,
        patch: &Person,
        attributes: AttributeSet,
        expected_version: Option<u64>,
        office: &str,
    ) -> Result<PersonRecord> {
        self.write(|tx| tx.update(fldm_id, patch, attributes, expected_version, office))
    }

    /// The person with this FLDM id.
    pub fn get(&self, fldm_id: &FldmId) -> Result<PersonRecord> {
        self.read(|c| read::load_person(c, fldm_id.as_str())?.ok_or(NOT_FOUND_PERSON))
    }

    /// The person with this AZR-Nummer.
    pub fn get_by_azr(&self, azr: &AzrNummer) -> Result<PersonRecord> {
        self.read(|c| read::load_person_by_azr(c, azr)?.ok_or(NOT_FOUND_PERSON))
    }

    /// The person with this Aktenzeichen owned by `office`.
    pub fn get_by_aktenzeichen(&self, office: &str, az: &Aktenzeichen) -> Result<PersonRecord> {
        self.read(|c| read::load_person_by_aktenzeichen(c, office, az)?.ok_or(NOT_FOUND_PERSON))
    }

    /// Delete a record on behalf of its owner and truncate the WAL
    /// afterwards. See [`Tx::delete`] and [`Store::checkpoint_wal`]; a
    /// [`StoreError::CheckpointBusy`] from here means the deletion has
    /// committed but its freed pages are still in the WAL file.
    pub fn delete(
        &self,
        fldm_id: &FldmId,
        reason: DeletionReason,
        merged_into: Option<&FldmId>,
        office: &str,
    ) -> Result<Deletion> {
        let deletion = self.write(|tx| tx.delete(fldm_id, reason, merged_into, office))?;
        self.checkpoint_wal()?;
        Ok(deletion)
    }

    /// Merge `duplicate` into `survivor` and truncate the WAL afterwards.
    /// See [`Tx::merge`] and [`Store::delete`].
    pub fn merge(
        &self,
        survivor: &FldmId,
        duplicate: &FldmId,
        office: &str,
    ) -> Result<(PersonRecord, Deletion)> {
        let out = self.write(|tx| tx.merge(survivor, duplicate, office))?;
        self.checkpoint_wal()?;
        Ok(out)
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)`: after a commit that deleted, so
    /// that freed pages leave the WAL too. Copies every committed page into
    /// the database file (where `secure_delete` has zeroed deleted content)
    /// and truncates the WAL file to zero bytes. Waits up to the busy
    /// timeout for readers; [`StoreError::CheckpointBusy`] if they kept it
    /// from completing (nothing is lost; call it again).
    pub fn checkpoint_wal(&self) -> Result<()> {
        let conn = lock(&self.writer);
        let (busy, _log, _done): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        if busy != 0 {
            return Err(StoreError::CheckpointBusy);
        }
        Ok(())
    }

    /// The FLDM ids and owner keys of every record owned by `office`,
    /// sorted by FLDM id (for a full-stock import: records of the owner
    /// missing from its stock). The key is the AZR-Nummer, else the
    /// Aktenzeichen, `None` for a record with neither (created by a single
    /// write rather than an import).
    pub fn owned(&self, office: &str) -> Result<Vec<(FldmId, Option<OwnerKey>)>> {
        self.read(|c| read::owned(c, office))
    }

    /// Up to `limit` records with an FLDM id greater than `after` (`None`:
    /// from the start), ordered by FLDM id (for scans over the whole stock,
    /// such as deletion deadlines).
    pub fn persons_after(&self, after: Option<&FldmId>, limit: usize) -> Result<Vec<PersonRecord>> {
        self.read(|c| read::persons_after(c, after, limit))
    }

    /// Number of persons.
    pub fn count(&self) -> Result<u64> {
        self.read(|c| {
            let n: i64 = c.query_row("SELECT COUNT(*) FROM persons", [], |r| r.get(0))?;
            Ok(n.unsigned_abs())
        })
    }

    /// Store many persons (with their ids, their search keys and a
    /// creation entry in the change feed each) in one transaction: all or
    /// nothing. An error names the 0-based index of the offending person.
    /// Returns the number stored.
    pub fn seed(&self, persons: impl IntoIterator<Item = Person>, office: &str) -> Result<u64> {
        self.write(|tx| tx.seed(persons, office))
    }

    /// Recompute the search keys of every person (after the key function
    /// changed). Returns the number of persons.
    pub fn rebuild_search_keys(&self) -> Result<u64> {
        self.write(|tx| tx.rebuild_search_keys())
    }

    /// Changes after `cursor` (0 = from the start), at most `limit` (capped
    /// at [`MAX_CHANGES_PER_PAGE`]), in feed order, each with the current
    /// record, or a tombstone ([`Change::deleted`]) for a deleted person.
    /// A deletion removes the person's earlier entries, so a deleted person
    /// appears only by its tombstone.
    pub fn changes_since(&self, cursor: u64, limit: usize) -> Result<ChangePage> {
        self.read(|c| read::changes_since(c, cursor, limit))
    }

    /// Every change of one person, oldest first (for the data-subject
    /// access report and for operators). Of a deleted person only its
    /// tombstone is left: the store keeps no trace of what it held.
    pub fn history(&self, fldm_id: &FldmId) -> Result<Vec<Change>> {
        self.read(|c| read::history(c, fldm_id))
    }

    /// The `seq` of the newest change (0 if none): a cursor for "from now on".
    pub fn latest_seq(&self) -> Result<u64> {
        self.read(|c| {
            let n: Option<i64> = c.query_row("SELECT MAX(seq) FROM changes", [], |r| r.get(0))?;
            Ok(n.unwrap_or(0).unsigned_abs())
        })
    }

    /// Persons sharing at least one of `keys`, most shared keys first
    /// (then by FLDM id), at most `limit`.
    pub fn candidates(&self, keys: &[String], limit: usize) -> Result<Vec<Candidate>> {
        self.read(|c| read::candidates(c, keys, limit))
    }

    /// The search keys stored for a person, sorted.
    pub fn search_keys_of(&self, fldm_id: &FldmId) -> Result<Vec<String>> {
        self.read(|c| read::search_keys_of(c, fldm_id))
    }

    /// Report a correction. See [`Tx::report_correction`].
    pub fn report_correction(
        &self,
        fldm_id: &FldmId,
        reported_by: &str,
        attributes: &[String],
        note: &str,
        request_id: &str,
    ) -> Result<Correction> {
        self.write(|tx| tx.report_correction(fldm_id, reported_by, attributes, note, request_id))
    }

    /// A correction by id.
    pub fn correction(&self, id: u64) -> Result<Correction> {
        self.read(|c| read::load_correction(c, id)?.ok_or(NOT_FOUND_CORRECTION))
    }

    /// The corrections addressed to `owner_office`, oldest first, optionally
    /// only those with `status`.
    pub fn corrections_for_owner(
        &self,
        owner_office: &str,
        status: Option<CorrectionStatus>,
    ) -> Result<Vec<Correction>> {
        self.read(|c| read::corrections_for_owner(c, owner_office, status))
    }

    /// One page of [`Store::corrections_for_owner`]: ids above `after`,
    /// oldest first, at most `limit`.
    pub fn corrections_page(
        &self,
        owner_office: &str,
        status: Option<CorrectionStatus>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Correction>> {
        self.read(|c| read::corrections_page(c, owner_office, status, after, Some(limit)))
    }

    /// Accept or reject a correction. See [`Tx::set_correction_status`].
    pub fn set_correction_status(
        &self,
        id: u64,
        status: CorrectionStatus,
        by_office: &str,
    ) -> Result<Correction> {
        self.write(|tx| tx.set_correction_status(id, status, by_office))
    }

    /// Run SQLite's `integrity_check` and `foreign_key_check`; returns the
    /// problems found (empty when the database is consistent).
    pub fn check_integrity(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut problems = Vec::new();
            let mut st = c.prepare("PRAGMA integrity_check")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            for r in rows {
                let r = r?;
                if r != "ok" {
                    problems.push(r);
                }
            }
            let mut st = c.prepare("PRAGMA foreign_key_check")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            for r in rows {
                problems.push(format!("foreign key violation in table {}", r?));
            }
            Ok(problems)
        })
    }
}

pub(crate) const NOT_FOUND_PERSON: StoreError = StoreError::NotFound { what: "person" };
pub(crate) const NOT_FOUND_CORRECTION: StoreError = StoreError::NotFound { what: "correction" };

/// Office ids, idempotency keys and request ids: 1 to [`MAX_TOKEN_LEN`]
/// visible ASCII characters.
pub(crate) fn check_token(field: &str, value: &str) -> Result<()> {
    use fldm_core::{ValidationError, ValidationKind};
    if value.is_empty() {
        return Err(ValidationError::new(field, ValidationKind::Empty).into());
    }
    if value.len() > MAX_TOKEN_LEN {
        return Err(
            ValidationError::new(field, ValidationKind::TooLong { max: MAX_TOKEN_LEN }).into(),
        );
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ValidationError::new(
            field,
            ValidationKind::Format {
                expected: "visible ASCII characters",
            },
        )
        .into());
    }
    Ok(())
}

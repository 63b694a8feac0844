//! The database schema and its migrations.
//!
//! Migrations are numbered from 1 and applied in order, each in its own
//! transaction together with the row in `schema_version` that records it.
//! A database written by a newer version of this crate (a version number
//! beyond [`MIGRATIONS`]) is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior, params};

use super::{StoreError, now_ms};

/// The migrations, in order; migration `n` is `MIGRATIONS[n - 1]`.
/// Never edit a published migration: append a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: persons, change feed, idempotency records, corrections, search keys.
    r#"
CREATE TABLE persons (
    fldm_id      TEXT PRIMARY KEY NOT NULL,
    azr_nummer   TEXT UNIQUE,
    record       TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    owner_office TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    fldm_id         TEXT NOT NULL REFERENCES persons (fldm_id),
    changed         INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    office          TEXT NOT NULL,
    idempotency_key TEXT,
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX changes_by_person ON changes (fldm_id, seq);

CREATE TABLE idempotency (
    office     TEXT NOT NULL,
    key        TEXT NOT NULL,
    digest     BLOB NOT NULL CHECK (length(digest) = 32),
    status     INTEGER NOT NULL,
    body       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (office, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency (created_at);

CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    fldm_id      TEXT NOT NULL REFERENCES persons (fldm_id),
    owner_office TEXT NOT NULL,
    reported_by  TEXT NOT NULL,
    attributes   INTEGER NOT NULL,
    note         TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decided_by   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX corrections_by_owner ON corrections (owner_office, status, id);
CREATE INDEX corrections_by_person ON corrections (fldm_id);

CREATE TABLE search_keys (
    key     TEXT NOT NULL,
    fldm_id TEXT NOT NULL REFERENCES persons (fldm_id),
    PRIMARY KEY (key, fldm_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX search_keys_by_person ON search_keys (fldm_id);
"#,
    // 2: the record life cycle. Persons gain the owner's Aktenzeichen
    // (unique per owning office; records written by version 1 cannot carry
    // one, the fill from the stored JSON is for completeness) and an index
    // that lists an office's stock with its keys. The change feed keeps the
    // tombstones of deleted persons, so it loses its foreign key to persons
    // (SQLite cannot drop a constraint: the table is rebuilt, keeping every
    // seq and the AUTOINCREMENT counter, which may be above the largest
    // seq still present).
    r#"
ALTER TABLE persons ADD COLUMN aktenzeichen TEXT;
UPDATE persons SET aktenzeichen = json_extract(record, '$.aktenzeichen');
CREATE UNIQUE INDEX persons_by_aktenzeichen ON persons (owner_office, aktenzeichen)
    WHERE aktenzeichen IS NOT NULL;
CREATE INDEX persons_by_owner ON persons (owner_office, fldm_id, azr_nummer, aktenzeichen);

CREATE TABLE changes_v2 (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    fldm_id         TEXT NOT NULL,
    changed         INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    office          TEXT NOT NULL,
    idempotency_key TEXT,
    at              INTEGER NOT NULL,
    deleted_reason  TEXT,
    merged_into     TEXT
) STRICT;
INSERT INTO changes_v2 (seq, fldm_id, changed, version, office, idempotency_key, at)
    SELECT seq, fldm_id, changed, version, office, idempotency_key, at FROM changes ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'changes_v2';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'changes_v2', seq FROM sqlite_sequence WHERE name = 'changes';
DROP TABLE changes;
ALTER TABLE changes_v2 RENAME TO changes;
CREATE INDEX changes_by_person ON changes (fldm_id, seq);
"#,
];

/// The schema version this crate writes.
pub(crate) fn latest() -> u32 {
    MIGRATIONS.len() as u32
}

/// The schema version of the database (0 for a new, empty database).
pub(crate) fn current(conn: &Connection) -> Result<u32, StoreError> {
    let v: Option<i64> =
        conn.query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))?;
    u32::try_from(v.unwrap_or(0)).map_err(|_| StoreError::Inconsistent("schema version"))
}

/// Bring the database to the latest schema version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT;",
    )?;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = current(&tx)?;
        if found > latest() {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: latest(),
            });
        }
        if found == latest() {
            return Ok(());
        }
        let next = found + 1;
        tx.execute_batch(MIGRATIONS[found as usize])?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
            params![next, now_ms()],
        )?;
        tx.commit()?;
    }
}

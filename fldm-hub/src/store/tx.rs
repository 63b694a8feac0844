//! The operations of one write transaction, and the SQL they share with
//! the read paths.

use fldm_core::attribute::{self, AttributeSet};
use fldm_core::codec::json;
use fldm_core::ids::{AzrNummer, FldmId};
use fldm_core::record::Person;
use fldm_core::text::{self, TextKind};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, Transaction, params};
use time::OffsetDateTime;

use super::{
    Candidate, Change, ChangePage, Correction, CorrectionStatus, MAX_CANDIDATE_KEYS,
    MAX_CHANGES_PER_PAGE, MAX_NOTE_CHARS, NOT_FOUND_CORRECTION, NOT_FOUND_PERSON, NewId,
    PersonRecord, Result, SearchKeyFn, StoreError, StoredResponse, check_token, from_ms, to_ms,
};

/// One write transaction of a [`super::Store`], handed to the closures of
/// [`super::Store::write`] and [`super::Store::idempotent`]. Everything done
/// through it commits together when the closure returns `Ok`, and is rolled
/// back when it returns `Err`.
pub struct Tx<'a> {
    tx: Transaction<'a>,
    search_keys: Option<SearchKeyFn>,
    idempotency_key: Option<String>,
    now: OffsetDateTime,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("idempotency_key", &self.idempotency_key)
            .field("now", &self.now)
            .finish()
    }
}

const PERSON_COLUMNS: &str = "fldm_id, record, version, owner_office, created_at, updated_at";

/// A person row before decoding.
struct RawPerson {
    fldm_id: String,
    record: String,
    version: i64,
    owner_office: String,
    created_at: i64,
    updated_at: i64,
}

impl RawPerson {
    /// From six columns starting at `at`, in the order of [`PERSON_COLUMNS`].
    fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<RawPerson> {
        Ok(RawPerson {
            fldm_id: r.get(at)?,
            record: r.get(at + 1)?,
            version: r.get(at + 2)?,
            owner_office: r.get(at + 3)?,
            created_at: r.get(at + 4)?,
            updated_at: r.get(at + 5)?,
        })
    }

    fn decode(self) -> Result<PersonRecord> {
        // Records are stored as `person_to_json` writes them.
        let person = json::person_from_own_json(&self.record).map_err(|source| {
            StoreError::InvalidRecord {
                fldm_id: self.fldm_id.clone(),
                source,
            }
        })?;
        if person.fldm_id.as_str() != self.fldm_id {
            return Err(StoreError::Inconsistent(
                "FLDM id in record differs from its key",
            ));
        }
        Ok(PersonRecord {
            person,
            version: to_u64(self.version, "version")?,
            owner_office: self.owner_office,
            created_at: from_ms(self.created_at)?,
            updated_at: from_ms(self.updated_at)?,
        })
    }
}

fn to_u64(v: i64, what: &'static str) -> Result<u64> {
    u64::try_from(v).map_err(|_| StoreError::Inconsistent(what))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// AttributeSet bits as stored (the catalogue has fewer than 64 entries,
/// so the sign bit is never set).
fn bits(set: AttributeSet) -> i64 {
    set.bits().cast_signed()
}

fn set_from(bits: i64) -> AttributeSet {
    AttributeSet::from_bits(bits.cast_unsigned())
}

/// Map a UNIQUE violation on `persons` to its typed error.
fn map_unique(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == ErrorCode::ConstraintViolation
    {
        if msg.contains("persons.azr_nummer") {
            return StoreError::DuplicateAzrNummer;
        }
        if msg.contains("persons.fldm_id") {
            return StoreError::DuplicateFldmId;
        }
    }
    StoreError::Sqlite(e)
}

pub(crate) fn load_person(c: &Connection, fldm_id: &str) -> Result<Option<PersonRecord>> {
    c.query_row(
        &format!("SELECT {PERSON_COLUMNS} FROM persons WHERE fldm_id = ?1"),
        [fldm_id],
        |r| RawPerson::from_row(r, 0),
    )
    .optional()?
    .map(RawPerson::decode)
    .transpose()
}

pub(crate) fn load_person_by_azr(c: &Connection, azr: &AzrNummer) -> Result<Option<PersonRecord>> {
    c.query_row(
        &format!("SELECT {PERSON_COLUMNS} FROM persons WHERE azr_nummer = ?1"),
        [azr.as_str()],
        |r| RawPerson::from_row(r, 0),
    )
    .optional()?
    .map(RawPerson::decode)
    .transpose()
}

const CHANGE_QUERY: &str = "SELECT c.seq, c.changed, c.version, c.office, c.idempotency_key, c.at,
            p.fldm_id, p.record, p.version, p.owner_office, p.created_at, p.updated_at
     FROM changes c JOIN persons p ON p.fldm_id = c.fldm_id";

pub(crate) fn changes_since(c: &Connection, cursor: u64, limit: usize) -> Result<ChangePage> {
    let limit = limit.min(MAX_CHANGES_PER_PAGE);
    let changes = query_changes(
        c,
        &format!("{CHANGE_QUERY} WHERE c.seq > ?1 ORDER BY c.seq LIMIT ?2"),
        params![to_i64(cursor), to_i64(limit as u64)],
    )?;
    let next_cursor = changes.last().map_or(cursor, |c| c.seq);
    Ok(ChangePage {
        changes,
        next_cursor,
    })
}

pub(crate) fn history(c: &Connection, fldm_id: &FldmId) -> Result<Vec<Change>> {
    query_changes(
        c,
        &format!("{CHANGE_QUERY} WHERE c.fldm_id = ?1 ORDER BY c.seq"),
        params![fldm_id.as_str()],
    )
}

fn query_changes(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Change>> {
    let mut st = c.prepare(sql)?;
    let rows = st.query_map(p, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, i64>(5)?,
            RawPerson::from_row(r, 6)?,
        ))
    })?;
    let mut changes = Vec::new();
    for row in rows {
        let (seq, changed, version, office, idempotency_key, at, raw) = row?;
        let current = raw.decode()?;
        changes.push(Change {
            seq: to_u64(seq, "change seq")?,
            fldm_id: current.person.fldm_id.clone(),
            changed: set_from(changed),
            version: to_u64(version, "change version")?,
            office,
            idempotency_key,
            at: from_ms(at)?,
            current,
        });
    }
    Ok(changes)
}

pub(crate) fn candidates(c: &Connection, keys: &[String], limit: usize) -> Result<Vec<Candidate>> {
    let mut keys: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    if keys.len() > MAX_CANDIDATE_KEYS {
        return Err(fldm_core::ValidationError::new(
            "keys",
            fldm_core::ValidationKind::Count {
                min: 0,
                max: MAX_CANDIDATE_KEYS,
                found: keys.len(),
            },
        )
        .into());
    }
    let placeholders = vec!["?"; keys.len()].join(",");
    let sql = format!(
        "SELECT c.shared, p.fldm_id, p.record, p.version, p.owner_office, p.created_at, p.updated_at
         FROM (SELECT fldm_id, COUNT(*) AS shared FROM search_keys
               WHERE key IN ({placeholders})
               GROUP BY fldm_id ORDER BY shared DESC, fldm_id LIMIT {limit}) c
         JOIN persons p ON p.fldm_id = c.fldm_id
         ORDER BY c.shared DESC, p.fldm_id",
        limit = to_i64(limit as u64),
    );
    let mut st = c.prepare(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(keys.iter()), |r| {
        Ok((r.get::<_, i64>(0)?, RawPerson::from_row(r, 1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (shared, raw) = row?;
        out.push(Candidate {
            record: raw.decode()?,
            shared_keys: u32::try_from(shared).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

pub(crate) fn search_keys_of(c: &Connection, fldm_id: &FldmId) -> Result<Vec<String>> {
    let mut st = c.prepare("SELECT key FROM search_keys WHERE fldm_id = ?1 ORDER BY key")?;
    let rows = st.query_map([fldm_id.as_str()], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

const CORRECTION_COLUMNS: &str = "id, fldm_id, owner_office, reported_by, attributes, note, \
     request_id, status, decided_by, created_at, updated_at";

fn correction_from_row(r: &Row<'_>) -> rusqlite::Result<RawCorrection> {
    Ok(RawCorrection {
        id: r.get(0)?,
        fldm_id: r.get(1)?,
        owner_office: r.get(2)?,
        reported_by: r.get(3)?,
        attributes: r.get(4)?,
        note: r.get(5)?,
        request_id: r.get(6)?,
        status: r.get(7)?,
        decided_by: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

struct RawCorrection {
    id: i64,
    fldm_id: String,
    owner_office: String,
    reported_by: String,
    attributes: i64,
    note: String,
    request_id: String,
    status: String,
    decided_by: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl RawCorrection {
    fn decode(self) -> Result<Correction> {
        Ok(Correction {
            id: to_u64(self.id, "correction id")?,
            fldm_id: FldmId::parse(&self.fldm_id)
                .map_err(|_| StoreError::Inconsistent("FLDM id of a correction"))?,
            owner_office: self.owner_office,
            reported_by: self.reported_by,
            attributes: set_from(self.attributes),
            note: self.note,
            request_id: self.request_id,
            status: CorrectionStatus::parse(&self.status)
                .ok_or(StoreError::Inconsistent("correction status"))?,
            decided_by: self.decided_by,
            created_at: from_ms(self.created_at)?,
            updated_at: from_ms(self.updated_at)?,
        })
    }
}

pub(crate) fn load_correction(c: &Connection, id: u64) -> Result<Option<Correction>> {
    c.query_row(
        &format!("SELECT {CORRECTION_COLUMNS} FROM corrections WHERE id = ?1"),
        [to_i64(id)],
        correction_from_row,
    )
    .optional()?
    .map(RawCorrection::decode)
    .transpose()
}

pub(crate) fn corrections_for_owner(
    c: &Connection,
    owner_office: &str,
    status: Option<CorrectionStatus>,
) -> Result<Vec<Correction>> {
    corrections_page(c, owner_office, status, 0, None)
}

/// Corrections of `owner_office` with an id above `after`, oldest first, at
/// most `limit` (`None`: all).
pub(crate) fn corrections_page(
    c: &Connection,
    owner_office: &str,
    status: Option<CorrectionStatus>,
    after: u64,
    limit: Option<usize>,
) -> Result<Vec<Correction>> {
    let mut st = c.prepare(&format!(
        "SELECT {CORRECTION_COLUMNS} FROM corrections
         WHERE owner_office = ?1 AND (?2 IS NULL OR status = ?2) AND id > ?3
         ORDER BY id LIMIT ?4"
    ))?;
    // SQLite: a negative LIMIT means no limit.
    let limit = limit.map_or(-1, |n| to_i64(n as u64));
    let rows = st.query_map(
        params![
            owner_office,
            status.map(|s| s.as_str()),
            to_i64(after),
            limit
        ],
        correction_from_row,
    )?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?.decode()?);
    }
    Ok(out)
}

/// The attributes of `set` whose values differ between `a` and `b`.
fn differing(a: &Person, b: &Person, set: AttributeSet) -> AttributeSet {
    let mut out = AttributeSet::empty();
    for i in 0..attribute::CATALOGUE.len() {
        if set.contains_index(i) {
            let mut one = AttributeSet::empty();
            one.insert(i);
            if attribute::project(a, one) != attribute::project(b, one) {
                out.insert(i);
            }
        }
    }
    out
}

impl<'a> Tx<'a> {
    pub(crate) fn new(
        tx: Transaction<'a>,
        search_keys: Option<SearchKeyFn>,
        idempotency_key: Option<&str>,
    ) -> Tx<'a> {
        // Timestamps are stored in milliseconds; values handed out are the
        // same as those read back later.
        let now = OffsetDateTime::now_utc();
        let now = now.replace_millisecond(now.millisecond()).unwrap_or(now);
        Tx {
            tx,
            search_keys,
            idempotency_key: idempotency_key.map(str::to_string),
            now,
        }
    }

    pub(crate) fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }

    /// The time of this transaction (every timestamp it writes).
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    fn now_ms(&self) -> i64 {
        to_ms(self.now)
    }

    /// The person with this FLDM id, as this transaction sees it.
    pub fn get(&self, fldm_id: &FldmId) -> Result<PersonRecord> {
        load_person(&self.tx, fldm_id.as_str())?.ok_or(NOT_FOUND_PERSON)
    }

    /// The person with this AZR-Nummer, as this transaction sees it.
    pub fn get_by_azr(&self, azr: &AzrNummer) -> Result<PersonRecord> {
        load_person_by_azr(&self.tx, azr)?.ok_or(NOT_FOUND_PERSON)
    }

    fn id_taken(&self, fldm_id: &str) -> Result<bool> {
        Ok(self
            .tx
            .query_row(
                "SELECT 1 FROM persons WHERE fldm_id = ?1",
                [fldm_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn azr_taken(&self, azr: &AzrNummer, except: &str) -> Result<bool> {
        Ok(self
            .tx
            .query_row(
                "SELECT 1 FROM persons WHERE azr_nummer = ?1 AND fldm_id <> ?2",
                params![azr.as_str(), except],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn append_change(
        &self,
        fldm_id: &str,
        changed: AttributeSet,
        version: u64,
        office: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO changes (fldm_id, changed, version, office, idempotency_key, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                fldm_id,
                bits(changed),
                to_i64(version),
                office,
                self.idempotency_key,
                self.now_ms()
            ],
        )?;
        Ok(())
    }

    fn put_search_keys(&self, person: &Person, replace: bool) -> Result<()> {
        let Some(f) = self.search_keys else {
            return Ok(());
        };
        if replace {
            self.tx.execute(
                "DELETE FROM search_keys WHERE fldm_id = ?1",
                [person.fldm_id.as_str()],
            )?;
        }
        let mut st = self
            .tx
            .prepare("INSERT OR IGNORE INTO search_keys (key, fldm_id) VALUES (?1, ?2)")?;
        for key in f(person) {
            if !key.is_empty() {
                st.execute(params![key, person.fldm_id.as_str()])?;
            }
        }
        Ok(())
    }

    /// Create a person on behalf of `office`, which becomes the record's
    /// owner. The record is validated ([`Person::validate`]); its FLDM id is
    /// assigned or kept as `id` says; an AZR-Nummer already in use is
    /// [`StoreError::DuplicateAzrNummer`]. The record starts at version 1
    /// and the change feed gets an entry naming the attributes present.
    pub fn create(&self, person: &Person, id: NewId, office: &str) -> Result<PersonRecord> {
        check_token("office", office)?;
        person.validate()?;
        let mut person = person.clone();
        match id {
            NewId::Keep => {
                if self.id_taken(person.fldm_id.as_str())? {
                    return Err(StoreError::DuplicateFldmId);
                }
            }
            NewId::Assign => {
                let mut tries = 0;
                person.fldm_id = loop {
                    let candidate = super::new_fldm_id()?;
                    if !self.id_taken(candidate.as_str())? {
                        break candidate;
                    }
                    tries += 1;
                    if tries >= 8 {
                        return Err(StoreError::Inconsistent("no free FLDM id found"));
                    }
                };
            }
        }
        if let Some(azr) = &person.azr_nummer
            && self.azr_taken(azr, person.fldm_id.as_str())?
        {
            return Err(StoreError::DuplicateAzrNummer);
        }
        let now = self.now_ms();
        self.tx
            .execute(
                "INSERT INTO persons (fldm_id, azr_nummer, record, version, owner_office, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)",
                params![
                    person.fldm_id.as_str(),
                    person.azr_nummer.as_ref().map(AzrNummer::as_str),
                    json::person_to_json(&person),
                    office,
                    now
                ],
            )
            .map_err(map_unique)?;
        self.append_change(
            person.fldm_id.as_str(),
            attribute::present(&person),
            1,
            office,
        )?;
        self.put_search_keys(&person, false)?;
        Ok(PersonRecord {
            person,
            version: 1,
            owner_office: office.to_string(),
            created_at: self.now,
            updated_at: self.now,
        })
    }

    /// Set exactly `attributes` of the person to their values in `patch`
    /// (an attribute of the set that `patch` lacks is removed; the FLDM id
    /// of `patch` is ignored), on behalf of `office`.
    ///
    /// With `expected_version`, a different stored version is
    /// [`StoreError::Conflict`]. The result is validated. If no value
    /// actually changes, nothing is written and the stored record is
    /// returned; otherwise the version goes up by one and the change feed
    /// gets an entry naming the attributes that changed.
    pub fn update(
        &self,
        fldm_id: &FldmId,
        patch: &Person,
        attributes: AttributeSet,
        expected_version: Option<u64>,
        office: &str,
    ) -> Result<PersonRecord> {
        check_token("office", office)?;
        let current = self.get(fldm_id)?;
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(StoreError::Conflict {
                expected,
                actual: current.version,
            });
        }
        let mut next = current.person.clone();
        attribute::merge(&mut next, patch, attributes);
        next.validate()?;
        let changed = differing(&current.person, &next, attributes);
        if changed.is_empty() {
            return Ok(current);
        }
        if let Some(azr) = &next.azr_nummer
            && changed.contains("azr_nummer")
            && self.azr_taken(azr, fldm_id.as_str())?
        {
            return Err(StoreError::DuplicateAzrNummer);
        }
        let version = current.version + 1;
        self.tx
            .execute(
                "UPDATE persons SET azr_nummer = ?2, record = ?3, version = ?4, updated_at = ?5
                 WHERE fldm_id = ?1",
                params![
                    fldm_id.as_str(),
                    next.azr_nummer.as_ref().map(AzrNummer::as_str),
                    json::person_to_json(&next),
                    to_i64(version),
                    self.now_ms()
                ],
            )
            .map_err(map_unique)?;
        self.append_change(fldm_id.as_str(), changed, version, office)?;
        self.put_search_keys(&next, true)?;
        Ok(PersonRecord {
            person: next,
            version,
            owner_office: current.owner_office,
            created_at: current.created_at,
            updated_at: self.now,
        })
    }

    pub(crate) fn seed(
        &self,
        persons: impl IntoIterator<Item = Person>,
        office: &str,
    ) -> Result<u64> {
        check_token("office", office)?;
        let now = self.now_ms();
        let mut insert = self.tx.prepare(
            "INSERT INTO persons (fldm_id, azr_nummer, record, version, owner_office, created_at, updated_at)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)",
        )?;
        let mut change = self.tx.prepare(
            "INSERT INTO changes (fldm_id, changed, version, office, idempotency_key, at)
             VALUES (?1, ?2, 1, ?3, ?4, ?5)",
        )?;
        let mut key = self
            .tx
            .prepare("INSERT OR IGNORE INTO search_keys (key, fldm_id) VALUES (?1, ?2)")?;
        let mut n = 0u64;
        for (index, person) in persons.into_iter().enumerate() {
            let mut one = || -> Result<()> {
                person.validate()?;
                let id = person.fldm_id.as_str();
                insert
                    .execute(params![
                        id,
                        person.azr_nummer.as_ref().map(AzrNummer::as_str),
                        json::person_to_json(&person),
                        office,
                        now
                    ])
                    .map_err(map_unique)?;
                change.execute(params![
                    id,
                    bits(attribute::present(&person)),
                    office,
                    self.idempotency_key,
                    now
                ])?;
                if let Some(f) = self.search_keys {
                    for k in f(&person) {
                        if !k.is_empty() {
                            key.execute(params![k, id])?;
                        }
                    }
                }
                Ok(())
            };
            one().map_err(|e| StoreError::Record {
                index,
                source: Box::new(e),
            })?;
            n += 1;
        }
        Ok(n)
    }

    pub(crate) fn rebuild_search_keys(&self) -> Result<u64> {
        self.tx.execute("DELETE FROM search_keys", [])?;
        let Some(f) = self.search_keys else {
            return Ok(0);
        };
        let mut st = self
            .tx
            .prepare(&format!("SELECT {PERSON_COLUMNS} FROM persons"))?;
        let mut insert = self
            .tx
            .prepare("INSERT OR IGNORE INTO search_keys (key, fldm_id) VALUES (?1, ?2)")?;
        let rows = st.query_map([], |r| RawPerson::from_row(r, 0))?;
        let mut n = 0;
        for row in rows {
            let rec = row?.decode()?;
            for k in f(&rec.person) {
                if !k.is_empty() {
                    insert.execute(params![k, rec.person.fldm_id.as_str()])?;
                }
            }
            n += 1;
        }
        Ok(n)
    }

    /// Report that `attributes` (catalogue attribute or group names) of a
    /// person are wrong, on behalf of `reported_by`. The correction goes to
    /// the office that owns the record, with status open. `note` is general
    /// text (DIN 91379), 1 to [`MAX_NOTE_CHARS`] characters, normalised to
    /// NFC; `request_id` correlates the report with the audit trail.
    pub fn report_correction(
        &self,
        fldm_id: &FldmId,
        reported_by: &str,
        attributes: &[String],
        note: &str,
        request_id: &str,
    ) -> Result<Correction> {
        check_token("reported_by", reported_by)?;
        check_token("request_id", request_id)?;
        let set = AttributeSet::from_names("attributes", attributes)?;
        if set.is_empty() {
            return Err(fldm_core::ValidationError::new(
                "attributes",
                fldm_core::ValidationKind::Empty,
            )
            .into());
        }
        let note = text::clean("note", note, TextKind::General, MAX_NOTE_CHARS)?;
        let owner = self.get(fldm_id)?.owner_office;
        let now = self.now_ms();
        self.tx.execute(
            "INSERT INTO corrections (fldm_id, owner_office, reported_by, attributes, note,
                                      request_id, status, decided_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', NULL, ?7, ?7)",
            params![
                fldm_id.as_str(),
                owner,
                reported_by,
                bits(set),
                note,
                request_id,
                now
            ],
        )?;
        let id = self.tx.last_insert_rowid().unsigned_abs();
        load_correction(&self.tx, id)?.ok_or(NOT_FOUND_CORRECTION)
    }

    /// A correction by id, as this transaction sees it.
    pub fn correction(&self, id: u64) -> Result<Correction> {
        load_correction(&self.tx, id)?.ok_or(NOT_FOUND_CORRECTION)
    }

    /// Accept or reject an open correction; only the owning office may.
    /// Setting the status a correction already has, by the office that set
    /// it, changes nothing (a retried request succeeds); any other change of
    /// a decided correction, and reopening, is
    /// [`StoreError::CorrectionTransition`].
    pub fn set_correction_status(
        &self,
        id: u64,
        status: CorrectionStatus,
        by_office: &str,
    ) -> Result<Correction> {
        check_token("by_office", by_office)?;
        let current = self.correction(id)?;
        if current.owner_office != by_office {
            return Err(StoreError::NotOwner);
        }
        if current.status == status && status != CorrectionStatus::Open {
            return Ok(current);
        }
        if current.status != CorrectionStatus::Open || status == CorrectionStatus::Open {
            return Err(StoreError::CorrectionTransition {
                from: current.status,
                to: status,
            });
        }
        self.tx.execute(
            "UPDATE corrections SET status = ?2, decided_by = ?3, updated_at = ?4 WHERE id = ?1",
            params![to_i64(id), status.as_str(), by_office, self.now_ms()],
        )?;
        self.correction(id)
    }

    /// The stored digest and response of `(office, key)`; a record older
    /// than `ttl_ms` is deleted and reported as absent.
    pub(crate) fn idempotency_lookup(
        &self,
        office: &str,
        key: &str,
        ttl_ms: i64,
    ) -> Result<Option<([u8; 32], StoredResponse)>> {
        let row = self
            .tx
            .query_row(
                "SELECT digest, status, body, created_at FROM idempotency
                 WHERE office = ?1 AND key = ?2",
                params![office, key],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                },
            )
            .optional()?;
        let Some((digest, status, body, created_at)) = row else {
            return Ok(None);
        };
        if self.now_ms().saturating_sub(created_at) > ttl_ms {
            self.tx.execute(
                "DELETE FROM idempotency WHERE office = ?1 AND key = ?2",
                params![office, key],
            )?;
            return Ok(None);
        }
        let digest: [u8; 32] = digest
            .try_into()
            .map_err(|_| StoreError::Inconsistent("idempotency digest length"))?;
        let status =
            u16::try_from(status).map_err(|_| StoreError::Inconsistent("stored status code"))?;
        Ok(Some((digest, StoredResponse { status, body })))
    }

    pub(crate) fn idempotency_store(
        &self,
        office: &str,
        key: &str,
        digest: &[u8; 32],
        response: &StoredResponse,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO idempotency (office, key, digest, status, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                office,
                key,
                &digest[..],
                i64::from(response.status),
                response.body,
                self.now_ms()
            ],
        )?;
        Ok(())
    }

    pub(crate) fn idempotency_purge(&self, cutoff_ms: i64) -> Result<usize> {
        Ok(self
            .tx
            .execute("DELETE FROM idempotency WHERE created_at < ?1", [cutoff_ms])?)
    }
}

//! The operations of one write transaction.

use fldm_core::attribute::{self, AttributeSet};
use fldm_core::codec::json;
use fldm_core::ids::{Aktenzeichen, AzrNummer, FldmId};
use fldm_core::lifecycle::{DeletionReason, OwnerKey};
use fldm_core::record::Person;
use fldm_core::text::{self, TextKind};
use fldm_core::wire::ImportRefusal;
use fldm_core::{ValidationError, ValidationKind};
use rusqlite::{Connection, OptionalExtension, Statement, params};
use time::OffsetDateTime;

use super::read::{
    PERSON_COLUMNS, RawPerson, bits, load_correction, load_person, load_person_by_aktenzeichen,
    load_person_by_azr, map_unique, to_i64, to_u64,
};
use super::{
    Correction, CorrectionStatus, Deletion, ImportApplied, MAX_NOTE_CHARS, NOT_FOUND_CORRECTION,
    NOT_FOUND_PERSON, NewId, PersonRecord, Result, SearchKeyFn, StoreError, StoredResponse,
    check_token, to_ms,
};

/// Inserts a person row (version 1).
const INSERT_PERSON: &str = "INSERT INTO persons (fldm_id, azr_nummer, aktenzeichen, record, version, owner_office, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?6)";
/// Appends a change (not a tombstone) to the feed.
const INSERT_CHANGE: &str =
    "INSERT INTO changes (fldm_id, changed, version, office, idempotency_key, at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/// Stores one search key.
const INSERT_SEARCH_KEY: &str = "INSERT OR IGNORE INTO search_keys (key, fldm_id) VALUES (?1, ?2)";

/// One write transaction of a [`super::Store`], handed to the closures of
/// [`super::Store::write`] and [`super::Store::idempotent`]. Everything done
/// through it commits together when the closure returns `Ok`, and is rolled
/// back when it returns `Err`.
pub struct Tx<'a> {
    /// The connection inside its open transaction (the caller commits).
    tx: &'a Connection,
    search_keys: Option<SearchKeyFn>,
    idempotency_key: Option<String>,
    now: OffsetDateTime,
    /// Statements of the hot paths, prepared once per transaction (a bulk
    /// import runs thousands of records through the same few statements).
    statements: StatementCache<'a>,
}

/// Prepared statements keyed by their SQL text. A statement is taken out
/// while it runs and put back afterwards, so nested use cannot conflict
/// (it prepares a second copy instead).
struct StatementCache<'a> {
    conn: &'a Connection,
    cached: std::cell::RefCell<Vec<(&'static str, Statement<'a>)>>,
}

impl<'a> StatementCache<'a> {
    fn run<T>(
        &self,
        sql: &'static str,
        f: impl FnOnce(&mut Statement<'a>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let taken = {
            let mut cached = self.cached.borrow_mut();
            cached
                .iter()
                .position(|(s, _)| std::ptr::eq(*s, sql) || *s == sql)
                .map(|i| cached.swap_remove(i).1)
        };
        let mut st = match taken {
            Some(st) => st,
            None => self.conn.prepare(sql)?,
        };
        let out = f(&mut st);
        if out.is_ok() {
            self.cached.borrow_mut().push((sql, st));
        }
        out
    }
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("idempotency_key", &self.idempotency_key)
            .field("now", &self.now)
            .finish()
    }
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
    /// A transaction's operations on `tx`, a connection inside an open
    /// transaction; the caller commits after dropping the `Tx`.
    pub(crate) fn new(
        tx: &'a Connection,
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
            statements: StatementCache {
                conn: tx,
                cached: std::cell::RefCell::new(Vec::new()),
            },
        }
    }

    /// Run `f` with the prepared statement `sql` of this transaction.
    fn with<T>(
        &self,
        sql: &'static str,
        f: impl FnOnce(&mut Statement<'a>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.statements.run(sql, f)
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
        load_person(self.tx, fldm_id.as_str())?.ok_or(NOT_FOUND_PERSON)
    }

    /// The person with this AZR-Nummer, as this transaction sees it.
    pub fn get_by_azr(&self, azr: &AzrNummer) -> Result<PersonRecord> {
        load_person_by_azr(self.tx, azr)?.ok_or(NOT_FOUND_PERSON)
    }

    /// The person with this Aktenzeichen owned by `office`, as this
    /// transaction sees it.
    pub fn get_by_aktenzeichen(&self, office: &str, az: &Aktenzeichen) -> Result<PersonRecord> {
        load_person_by_aktenzeichen(self.tx, office, az)?.ok_or(NOT_FOUND_PERSON)
    }

    fn id_taken(&self, fldm_id: &str) -> Result<bool> {
        Ok(self
            .with("SELECT 1 FROM persons WHERE fldm_id = ?1", |st| {
                st.query_row([fldm_id], |_| Ok(())).optional()
            })?
            .is_some())
    }

    fn azr_taken(&self, azr: &AzrNummer, except: &str) -> Result<bool> {
        Ok(self
            .with(
                "SELECT 1 FROM persons WHERE azr_nummer = ?1 AND fldm_id <> ?2",
                |st| {
                    st.query_row(params![azr.as_str(), except], |_| Ok(()))
                        .optional()
                },
            )?
            .is_some())
    }

    fn aktenzeichen_taken(&self, owner: &str, az: &Aktenzeichen, except: &str) -> Result<bool> {
        Ok(self
            .with(
                "SELECT 1 FROM persons
                 WHERE owner_office = ?1 AND aktenzeichen = ?2 AND fldm_id <> ?3",
                |st| {
                    st.query_row(params![owner, az.as_str(), except], |_| Ok(()))
                        .optional()
                },
            )?
            .is_some())
    }

    /// The undecoded row with this AZR-Nummer (any owner).
    fn raw_by_azr(&self, azr: &AzrNummer) -> Result<Option<RawPerson>> {
        Ok(self.with(
            "SELECT fldm_id, record, version, owner_office, created_at, updated_at
             FROM persons WHERE azr_nummer = ?1",
            |st| {
                st.query_row([azr.as_str()], |r| RawPerson::from_row(r, 0))
                    .optional()
            },
        )?)
    }

    /// The undecoded row of `office` with this Aktenzeichen.
    fn raw_by_aktenzeichen(&self, office: &str, az: &Aktenzeichen) -> Result<Option<RawPerson>> {
        Ok(self.with(
            "SELECT fldm_id, record, version, owner_office, created_at, updated_at
             FROM persons WHERE owner_office = ?1 AND aktenzeichen = ?2",
            |st| {
                st.query_row([office, az.as_str()], |r| RawPerson::from_row(r, 0))
                    .optional()
            },
        )?)
    }

    fn append_change(
        &self,
        fldm_id: &str,
        changed: AttributeSet,
        version: u64,
        office: &str,
    ) -> Result<()> {
        self.with(INSERT_CHANGE, |st| {
            st.execute(params![
                fldm_id,
                bits(changed),
                to_i64(version),
                office,
                self.idempotency_key,
                self.now_ms()
            ])
        })?;
        Ok(())
    }

    fn put_search_keys(&self, person: &Person, replace: bool) -> Result<()> {
        let Some(f) = self.search_keys else {
            return Ok(());
        };
        let id = person.fldm_id.as_str();
        if replace {
            self.with("DELETE FROM search_keys WHERE fldm_id = ?1", |st| {
                st.execute([id])
            })?;
        }
        let keys = f(person);
        self.with(INSERT_SEARCH_KEY, |st| {
            for key in keys.iter().filter(|k| !k.is_empty()) {
                st.execute(params![key, id])?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Store a validated person whose keys were checked, as version 1 owned
    /// by `office`, with its creation change and search keys.
    fn insert_new(&self, person: Person, office: &str) -> Result<PersonRecord> {
        let record = json::person_to_json(&person);
        self.with(INSERT_PERSON, |st| {
            st.execute(params![
                person.fldm_id.as_str(),
                person.azr_nummer.as_ref().map(AzrNummer::as_str),
                person.aktenzeichen.as_ref().map(Aktenzeichen::as_str),
                record,
                office,
                self.now_ms()
            ])
        })
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

    /// A fresh FLDM id not used by any stored person.
    fn free_fldm_id(&self) -> Result<FldmId> {
        for _ in 0..8 {
            let candidate = super::new_fldm_id()?;
            if !self.id_taken(candidate.as_str())? {
                return Ok(candidate);
            }
        }
        Err(StoreError::Inconsistent("no free FLDM id found"))
    }

    /// Create a person on behalf of `office`, which becomes the record's
    /// owner. The record is validated ([`Person::validate`]); its FLDM id is
    /// assigned or kept as `id` says; an AZR-Nummer already in use is
    /// [`StoreError::DuplicateAzrNummer`], an Aktenzeichen the office already
    /// uses [`StoreError::DuplicateAktenzeichen`]. The record starts at
    /// version 1 and the change feed gets an entry naming the attributes
    /// present.
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
            NewId::Assign => person.fldm_id = self.free_fldm_id()?,
        }
        if let Some(azr) = &person.azr_nummer
            && self.azr_taken(azr, person.fldm_id.as_str())?
        {
            return Err(StoreError::DuplicateAzrNummer);
        }
        if let Some(az) = &person.aktenzeichen
            && self.aktenzeichen_taken(office, az, person.fldm_id.as_str())?
        {
            return Err(StoreError::DuplicateAktenzeichen);
        }
        self.insert_new(person, office)
    }

    /// Upsert one record of a bulk import by its owner `office`, keyed by
    /// the owner's key ([`OwnerKey`]): the AZR-Nummer (unique in the hub),
    /// else the Aktenzeichen (unique per owning office).
    ///
    /// - neither key: [`ImportApplied::Refused`] `missing_key` (field
    ///   `azr_nummer`);
    /// - the AZR-Nummer and the Aktenzeichen name two different stored
    ///   records: `key_conflict` (field `aktenzeichen`);
    /// - the AZR-Nummer names a record of another office: `not_owner`
    ///   (field `azr_nummer`);
    /// - no record has the key: the record is created with a new FLDM id
    ///   assigned by the hub (the input's id is ignored), owned by `office`
    ///   ([`ImportApplied::Created`]);
    /// - else the record found (by AZR-Nummer, else by Aktenzeichen) gets
    ///   every attribute of `writable` from the input, attributes of
    ///   `writable` the input lacks are removed (as [`Tx::update`] does):
    ///   [`ImportApplied::Updated`] with one change-feed entry, or
    ///   [`ImportApplied::Unchanged`] when no value differs (nothing is
    ///   written). A record found by its Aktenzeichen takes the input's
    ///   AZR-Nummer (e.g. one that became known since the last import).
    ///
    /// An invalid record is `Err(StoreError::Invalid)` naming the field;
    /// nothing was written for it, and the caller may go on with the
    /// transaction. Policy checks and keys repeated within one batch are the
    /// caller's concern.
    pub fn import_one(
        &self,
        person: &Person,
        office: &str,
        writable: AttributeSet,
    ) -> Result<ImportApplied> {
        check_token("office", office)?;
        if OwnerKey::of(person).is_err() {
            return Ok(ImportApplied::Refused {
                field: "azr_nummer",
                reason: ImportRefusal::MissingKey,
            });
        }
        person.validate()?;
        let by_azr = match &person.azr_nummer {
            Some(azr) => self.raw_by_azr(azr)?,
            None => None,
        };
        let by_az = match &person.aktenzeichen {
            Some(az) => self.raw_by_aktenzeichen(office, az)?,
            None => None,
        };
        let found = match (by_azr, by_az) {
            (Some(a), Some(b)) if a.fldm_id() != b.fldm_id() => {
                return Ok(ImportApplied::Refused {
                    field: "aktenzeichen",
                    reason: ImportRefusal::KeyConflict,
                });
            }
            (Some(a), _) if a.owner_office() != office => {
                return Ok(ImportApplied::Refused {
                    field: "azr_nummer",
                    reason: ImportRefusal::NotOwner,
                });
            }
            (Some(a), _) => a,
            (None, Some(b)) => b,
            (None, None) => {
                let mut new = person.clone();
                new.fldm_id = self.free_fldm_id()?;
                return Ok(ImportApplied::Created(self.insert_new(new, office)?));
            }
        };
        let current = found.decode()?;
        let (record, changed) = self.apply(current, person, writable, office)?;
        Ok(if changed.is_empty() {
            ImportApplied::Unchanged(record)
        } else {
            ImportApplied::Updated { record, changed }
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
        Ok(self.apply(current, patch, attributes, office)?.0)
    }

    /// Copy `attributes` from `patch` into `current` and store the result
    /// if a value changed; returns the record as stored and the attributes
    /// that changed (empty: nothing was written).
    fn apply(
        &self,
        current: PersonRecord,
        patch: &Person,
        attributes: AttributeSet,
        office: &str,
    ) -> Result<(PersonRecord, AttributeSet)> {
        let mut next = current.person.clone();
        attribute::merge(&mut next, patch, attributes);
        // Equal to the stored record: nothing to write, nothing to check.
        if next == current.person {
            return Ok((current, AttributeSet::empty()));
        }
        next.validate()?;
        let changed = differing(&current.person, &next, attributes);
        if changed.is_empty() {
            return Ok((current, changed));
        }
        let fldm_id = current.person.fldm_id.as_str();
        if let Some(azr) = &next.azr_nummer
            && changed.contains("azr_nummer")
            && self.azr_taken(azr, fldm_id)?
        {
            return Err(StoreError::DuplicateAzrNummer);
        }
        if let Some(az) = &next.aktenzeichen
            && changed.contains("aktenzeichen")
            && self.aktenzeichen_taken(&current.owner_office, az, fldm_id)?
        {
            return Err(StoreError::DuplicateAktenzeichen);
        }
        let version = current.version + 1;
        let record = json::person_to_json(&next);
        self.with(
            "UPDATE persons SET azr_nummer = ?2, aktenzeichen = ?3, record = ?4, version = ?5,
                                updated_at = ?6
             WHERE fldm_id = ?1",
            |st| {
                st.execute(params![
                    fldm_id,
                    next.azr_nummer.as_ref().map(AzrNummer::as_str),
                    next.aktenzeichen.as_ref().map(Aktenzeichen::as_str),
                    record,
                    to_i64(version),
                    self.now_ms()
                ])
            },
        )
        .map_err(map_unique)?;
        self.append_change(fldm_id, changed, version, office)?;
        self.put_search_keys(&next, true)?;
        let record = PersonRecord {
            person: next,
            version,
            owner_office: current.owner_office,
            created_at: current.created_at,
            updated_at: self.now,
        };
        Ok((record, changed))
    }

    /// Delete a person on behalf of its owner `office` (another office:
    /// [`StoreError::NotOwner`]; unknown id: [`StoreError::NotFound`]).
    ///
    /// Removes, in this transaction, the person's row, its search keys, its
    /// corrections, its earlier change-feed entries and every stored
    /// idempotent response whose body contains its FLDM id, and appends a
    /// tombstone to the change feed (the returned [`Deletion`]: `reason`,
    /// `merged_into`, time; the entry's office is `office`).
    ///
    /// `merged_into` names the record that receivers relink to (merges); it
    /// must be another stored record (else [`StoreError::Invalid`] naming
    /// `merged_into`).
    ///
    /// The writer runs with `secure_delete`, so the pages that held the
    /// rows are overwritten in this transaction; call
    /// [`super::Store::checkpoint_wal`] after the commit so the older page
    /// images leave the WAL file as well ([`super::Store::delete`] does).
    pub fn delete(
        &self,
        fldm_id: &FldmId,
        reason: DeletionReason,
        merged_into: Option<&FldmId>,
        office: &str,
    ) -> Result<Deletion> {
        check_token("office", office)?;
        let id = fldm_id.as_str();
        let (owner, version): (String, i64) = self
            .with(
                "SELECT owner_office, version FROM persons WHERE fldm_id = ?1",
                |st| {
                    st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                },
            )?
            .ok_or(NOT_FOUND_PERSON)?;
        if owner != office {
            return Err(StoreError::NotOwner);
        }
        if let Some(m) = merged_into
            && (m == fldm_id || !self.id_taken(m.as_str())?)
        {
            return Err(ValidationError::new(
                "merged_into",
                ValidationKind::Other("must name another stored record".to_string()),
            )
            .into());
        }
        for sql in [
            "DELETE FROM search_keys WHERE fldm_id = ?1",
            "DELETE FROM corrections WHERE fldm_id = ?1",
            "DELETE FROM changes WHERE fldm_id = ?1",
        ] {
            self.with(sql, |st| st.execute([id]))?;
        }
        // Stored responses (e.g. of a create or an import) may repeat the
        // record; bodies are bytes, so the id is searched for as bytes.
        self.with("DELETE FROM idempotency WHERE instr(body, ?1) > 0", |st| {
            st.execute([id.as_bytes()])
        })?;
        self.with("DELETE FROM persons WHERE fldm_id = ?1", |st| {
            st.execute([id])
        })?;
        self.with(
            "INSERT INTO changes (fldm_id, changed, version, office, idempotency_key, at,
                                  deleted_reason, merged_into)
             VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7)",
            |st| {
                st.execute(params![
                    id,
                    version,
                    office,
                    self.idempotency_key,
                    self.now_ms(),
                    reason.as_str(),
                    merged_into.map(FldmId::as_str)
                ])
            },
        )?;
        let seq = to_u64(self.tx.last_insert_rowid(), "change seq")?;
        Ok(Deletion {
            fldm_id: fldm_id.clone(),
            reason,
            at: self.now,
            merged_into: merged_into.cloned(),
            seq,
        })
    }

    /// Merge `duplicate` into `survivor`, both owned by `office`
    /// ([`StoreError::NotOwner`] otherwise; equal ids are
    /// [`StoreError::Invalid`] naming `duplicate`).
    ///
    /// Family links (`asyl.familienangehoerige[].fldm_id`) of other records
    /// that point to the duplicate are relinked to the survivor (an update
    /// by `office` with a change-feed entry each; a link that would repeat
    /// an existing one is dropped, and the survivor's own links to the
    /// duplicate are removed). Then the duplicate is deleted as by
    /// [`Tx::delete`] with reason `doppelerfassung` and `merged_into` the
    /// survivor. The survivor's other attributes are not changed: the owner
    /// completes it by an update before or after the merge.
    ///
    /// Returns the survivor as stored afterwards and the duplicate's
    /// deletion.
    pub fn merge(
        &self,
        survivor: &FldmId,
        duplicate: &FldmId,
        office: &str,
    ) -> Result<(PersonRecord, Deletion)> {
        check_token("office", office)?;
        if survivor == duplicate {
            return Err(ValidationError::new(
                "duplicate",
                ValidationKind::Other("must be another record than the survivor".to_string()),
            )
            .into());
        }
        let kept = self.get(survivor)?;
        let gone = self.get(duplicate)?;
        if kept.owner_office != office || gone.owner_office != office {
            return Err(StoreError::NotOwner);
        }
        let needle = format!("\"{}\"", duplicate.as_str());
        let linking: Vec<String> = {
            let mut st = self.tx.prepare(
                "SELECT fldm_id FROM persons WHERE fldm_id <> ?1 AND instr(record, ?2) > 0
                 ORDER BY fldm_id",
            )?;
            let rows = st.query_map(params![duplicate.as_str(), needle], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let family = AttributeSet::from_name("asyl.familienangehoerige").ok_or(
            StoreError::Inconsistent("catalogue lacks asyl.familienangehoerige"),
        )?;
        for id in linking {
            let current = load_person(self.tx, &id)?.ok_or(NOT_FOUND_PERSON)?;
            let is_survivor = current.person.fldm_id == *survivor;
            let mut links = Vec::new();
            for link in &current.person.asyl.familienangehoerige {
                let mut link = link.clone();
                if link.fldm_id.as_ref() == Some(duplicate) {
                    if is_survivor {
                        continue;
                    }
                    link.fldm_id = Some(survivor.clone());
                }
                if !links.contains(&link) {
                    links.push(link);
                }
            }
            if links == current.person.asyl.familienangehoerige {
                continue;
            }
            let mut patch = Person::new(current.person.fldm_id.clone());
            patch.asyl.familienangehoerige = links;
            self.apply(current, &patch, family, office)?;
        }
        let deletion = self.delete(
            duplicate,
            DeletionReason::Doppelerfassung,
            Some(survivor),
            office,
        )?;
        Ok((self.get(survivor)?, deletion))
    }

    pub(crate) fn seed(
        &self,
        persons: impl IntoIterator<Item = Person>,
        office: &str,
    ) -> Result<u64> {
        check_token("office", office)?;
        let now = self.now_ms();
        let mut insert = self.tx.prepare(INSERT_PERSON)?;
        let mut change = self.tx.prepare(INSERT_CHANGE)?;
        let mut key = self.tx.prepare(INSERT_SEARCH_KEY)?;
        let mut n = 0u64;
        for (index, person) in persons.into_iter().enumerate() {
            let mut one = || -> Result<()> {
                person.validate()?;
                let id = person.fldm_id.as_str();
                insert
                    .execute(params![
                        id,
                        person.azr_nummer.as_ref().map(AzrNummer::as_str),
                        person.aktenzeichen.as_ref().map(Aktenzeichen::as_str),
                        json::person_to_json(&person),
                        office,
                        now
                    ])
                    .map_err(map_unique)?;
                change.execute(params![
                    id,
                    bits(attribute::present(&person)),
                    1,
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
        let mut insert = self.tx.prepare(INSERT_SEARCH_KEY)?;
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
        load_correction(self.tx, id)?.ok_or(NOT_FOUND_CORRECTION)
    }

    /// A correction by id, as this transaction sees it.
    pub fn correction(&self, id: u64) -> Result<Correction> {
        load_correction(self.tx, id)?.ok_or(NOT_FOUND_CORRECTION)
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

//! The operations of one write transaction.

use fldm_core::attribute::{self, AttributeSet};
use fldm_core::codec::json;
use fldm_core::ids::{AzrNummer, FldmId};
use fldm_core::record::Person;
use fldm_core::text::{self, TextKind};
use rusqlite::{OptionalExtension, Transaction, params};
use time::OffsetDateTime;

use super::read::{
    PERSON_COLUMNS, RawPerson, bits, load_correction, load_person, load_person_by_azr, map_unique,
    to_i64,
};
use super::{
    Correction, CorrectionStatus, MAX_NOTE_CHARS, NOT_FOUND_CORRECTION, NOT_FOUND_PERSON, NewId,
    PersonRecord, Result, SearchKeyFn, StoreError, StoredResponse, check_token, to_ms,
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

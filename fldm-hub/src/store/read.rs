//! Reading the store: row types and their decoding, the queries of the
//! read paths (persons, change feed, search candidates, corrections), and
//! the column conversions the write transaction shares.

use fldm_core::attribute::AttributeSet;
use fldm_core::codec::json;
use fldm_core::ids::{Aktenzeichen, AzrNummer, FldmId};
use fldm_core::lifecycle::{DeletionReason, OwnerKey};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};

use super::{
    Candidate, Change, ChangePage, Correction, CorrectionStatus, Deletion, MAX_CANDIDATE_KEYS,
    MAX_CHANGES_PER_PAGE, PersonRecord, Result, StoreError, from_ms,
};

pub(super) const PERSON_COLUMNS: &str =
    "fldm_id, record, version, owner_office, created_at, updated_at";

/// A person row before decoding.
pub(super) struct RawPerson {
    fldm_id: String,
    record: String,
    version: i64,
    owner_office: String,
    created_at: i64,
    updated_at: i64,
}

impl RawPerson {
    /// From six columns starting at `at`, in the order of [`PERSON_COLUMNS`].
    pub(super) fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<RawPerson> {
        Ok(RawPerson {
            fldm_id: r.get(at)?,
            record: r.get(at + 1)?,
            version: r.get(at + 2)?,
            owner_office: r.get(at + 3)?,
            created_at: r.get(at + 4)?,
            updated_at: r.get(at + 5)?,
        })
    }

    pub(super) fn fldm_id(&self) -> &str {
        &self.fldm_id
    }

    pub(super) fn owner_office(&self) -> &str {
        &self.owner_office
    }

    pub(super) fn decode(self) -> Result<PersonRecord> {
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

pub(super) fn to_u64(v: i64, what: &'static str) -> Result<u64> {
    u64::try_from(v).map_err(|_| StoreError::Inconsistent(what))
}

pub(super) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// AttributeSet bits as stored (the catalogue has fewer than 64 entries,
/// so the sign bit is never set).
pub(super) fn bits(set: AttributeSet) -> i64 {
    set.bits().cast_signed()
}

pub(super) fn set_from(bits: i64) -> AttributeSet {
    AttributeSet::from_bits(bits.cast_unsigned())
}

/// Map a UNIQUE violation on `persons` to its typed error.
pub(super) fn map_unique(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == ErrorCode::ConstraintViolation
    {
        if msg.contains("persons.azr_nummer") {
            return StoreError::DuplicateAzrNummer;
        }
        if msg.contains("persons.aktenzeichen") {
            return StoreError::DuplicateAktenzeichen;
        }
        if msg.contains("persons.fldm_id") {
            return StoreError::DuplicateFldmId;
        }
    }
    StoreError::Sqlite(e)
}

pub(crate) fn load_person(c: &Connection, fldm_id: &str) -> Result<Option<PersonRecord>> {
    c.prepare("SELECT fldm_id, record, version, owner_office, created_at, updated_at FROM persons WHERE fldm_id = ?1")?
        .query_row([fldm_id], |r| RawPerson::from_row(r, 0))
        .optional()?
        .map(RawPerson::decode)
        .transpose()
}

pub(crate) fn load_person_by_azr(c: &Connection, azr: &AzrNummer) -> Result<Option<PersonRecord>> {
    c.prepare("SELECT fldm_id, record, version, owner_office, created_at, updated_at FROM persons WHERE azr_nummer = ?1")?
        .query_row([azr.as_str()], |r| RawPerson::from_row(r, 0))
        .optional()?
        .map(RawPerson::decode)
        .transpose()
}

pub(crate) fn load_person_by_aktenzeichen(
    c: &Connection,
    office: &str,
    az: &Aktenzeichen,
) -> Result<Option<PersonRecord>> {
    c.prepare(
        "SELECT fldm_id, record, version, owner_office, created_at, updated_at FROM persons
         WHERE owner_office = ?1 AND aktenzeichen = ?2",
    )?
    .query_row([office, az.as_str()], |r| RawPerson::from_row(r, 0))
    .optional()?
    .map(RawPerson::decode)
    .transpose()
}

pub(crate) fn owned(c: &Connection, office: &str) -> Result<Vec<(FldmId, Option<OwnerKey>)>> {
    let mut st = c.prepare(
        "SELECT fldm_id, azr_nummer, aktenzeichen FROM persons
         WHERE owner_office = ?1 ORDER BY fldm_id",
    )?;
    let rows = st.query_map([office], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, azr, az) = row?;
        let id = parse_id(&id, "FLDM id of a person")?;
        let key = match (azr, az) {
            (Some(a), _) => {
                Some(OwnerKey::AzrNummer(AzrNummer::parse(&a).map_err(|_| {
                    StoreError::Inconsistent("stored AZR-Nummer")
                })?))
            }
            (None, Some(a)) => Some(OwnerKey::Aktenzeichen(
                Aktenzeichen::parse(&a)
                    .map_err(|_| StoreError::Inconsistent("stored Aktenzeichen"))?,
            )),
            (None, None) => None,
        };
        out.push((id, key));
    }
    Ok(out)
}

pub(crate) fn persons_after(
    c: &Connection,
    after: Option<&FldmId>,
    limit: usize,
) -> Result<Vec<PersonRecord>> {
    let mut st = c.prepare(&format!(
        "SELECT {PERSON_COLUMNS} FROM persons WHERE fldm_id > ?1 ORDER BY fldm_id LIMIT ?2"
    ))?;
    let rows = st.query_map(
        params![after.map_or("", FldmId::as_str), to_i64(limit as u64)],
        |r| RawPerson::from_row(r, 0),
    )?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?.decode()?);
    }
    Ok(out)
}

pub(super) fn parse_id(s: &str, what: &'static str) -> Result<FldmId> {
    FldmId::parse(s).map_err(|_| StoreError::Inconsistent(what))
}

/// A change with its tombstone columns and, unless it is a tombstone, the
/// person it refers to (a person re-created later under the same kept id
/// does not turn an old tombstone back into a change).
pub(super) const CHANGE_QUERY: &str =
    "SELECT c.seq, c.fldm_id, c.changed, c.version, c.office, c.idempotency_key, c.at,
            c.deleted_reason, c.merged_into,
            p.fldm_id, p.record, p.version, p.owner_office, p.created_at, p.updated_at
     FROM changes c LEFT JOIN persons p
          ON p.fldm_id = c.fldm_id AND c.deleted_reason IS NULL";

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

pub(super) fn query_changes(
    c: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<Change>> {
    let mut st = c.prepare(sql)?;
    let rows = st.query_map(p, |r| {
        let person = match r.get::<_, Option<String>>(9)? {
            Some(_) => Some(RawPerson::from_row(r, 9)?),
            None => None,
        };
        Ok(RawChange {
            seq: r.get(0)?,
            fldm_id: r.get(1)?,
            changed: r.get(2)?,
            version: r.get(3)?,
            office: r.get(4)?,
            idempotency_key: r.get(5)?,
            at: r.get(6)?,
            deleted_reason: r.get(7)?,
            merged_into: r.get(8)?,
            person,
        })
    })?;
    let mut changes = Vec::new();
    for row in rows {
        changes.push(row?.decode()?);
    }
    Ok(changes)
}

struct RawChange {
    seq: i64,
    fldm_id: String,
    changed: i64,
    version: i64,
    office: String,
    idempotency_key: Option<String>,
    at: i64,
    deleted_reason: Option<String>,
    merged_into: Option<String>,
    person: Option<RawPerson>,
}

impl RawChange {
    fn decode(self) -> Result<Change> {
        let seq = to_u64(self.seq, "change seq")?;
        let at = from_ms(self.at)?;
        let fldm_id = parse_id(&self.fldm_id, "FLDM id of a change")?;
        let (current, deleted) = match (self.deleted_reason, self.person) {
            (Some(code), _) => {
                let reason = DeletionReason::parse(&code)
                    .ok_or(StoreError::Inconsistent("deletion reason of a tombstone"))?;
                let merged_into = self
                    .merged_into
                    .as_deref()
                    .map(|m| parse_id(m, "merged_into of a tombstone"))
                    .transpose()?;
                let deletion = Deletion {
                    fldm_id: fldm_id.clone(),
                    reason,
                    at,
                    merged_into,
                    seq,
                };
                (None, Some(deletion))
            }
            (None, Some(raw)) => (Some(raw.decode()?), None),
            (None, None) => {
                return Err(StoreError::Inconsistent(
                    "change of a person that is neither stored nor deleted",
                ));
            }
        };
        Ok(Change {
            seq,
            fldm_id,
            changed: set_from(self.changed),
            version: to_u64(self.version, "change version")?,
            office: self.office,
            idempotency_key: self.idempotency_key,
            at,
            current,
            deleted,
        })
    }
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

pub(super) const CORRECTION_COLUMNS: &str = "id, fldm_id, owner_office, reported_by, attributes, note, \
     request_id, status, decided_by, created_at, updated_at";

pub(super) fn correction_from_row(r: &Row<'_>) -> rusqlite::Result<RawCorrection> {
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

pub(super) struct RawCorrection {
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
    pub(super) fn decode(self) -> Result<Correction> {
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

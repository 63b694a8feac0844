//! The life cycle of records at hub level: bulk import by the owning
//! office, deletion, merge of duplicates and the deletion deadlines.
//!
//! The HTTP endpoints (`POST /v1/persons/batch`, `DELETE /v1/persons/{id}`,
//! `POST /v1/persons/{survivor}/merge`) and the commands that work on the
//! hub's database directly (`fldm hub import`, `fldm hub expire`, the daily
//! sweep of `fldm hub serve`) use the functions of this module, so the
//! rules (which record is refused why, which audit records a write leaves)
//! exist once:
//!
//! - [`import_in_tx`] applies one batch of import records in a write
//!   transaction; [`append_import_audit`] appends its audit records in the
//!   same transaction (created records as `collect`, updated and unchanged
//!   ones as `change`, at most [`MAX_SUBJECTS`] persons per record).
//!   [`ImportSession`] drives both for a whole file (`fldm hub import`).
//! - [`record_deletion`] fills the audit facts of a deletion (its
//!   tombstone, what receivers of the change feed get, is
//!   [`Deletion::tombstone`]).
//! - [`expire`] deletes what the policy's deletion rules make due
//!   (`Policy::deletion_due`), with reason `frist`.
//!
//! Every function that opens a transaction of its own appends its audit
//! records inside it: a write whose record cannot be logged is rolled back.

use std::collections::HashSet;

use fldm_core::attribute::AttributeSet;
use fldm_core::audit::{MAX_SUBJECTS, Operation as AuditOp, OutcomeKind, RecordFacts};
use fldm_core::date::Datum;
use fldm_core::ids::FldmId;
use fldm_core::lifecycle::{DeletionReason, OwnerKey};
use fldm_core::policy::{Decision, Operation, Permit, Request as PolicyRequest};
use fldm_core::record::Person;
use fldm_core::wire::{
    DecisionInfo, ImportCounts, ImportItem, ImportOutcome, ImportRefusal, ImportResult,
    MAX_IMPORT_BATCH,
};

use crate::api::AppState;
use crate::audit_log::ABSENT;
use crate::store::{Deletion, ImportApplied, StoreError, Tx};

/// The user recorded in the audit records of the deadline sweep.
pub const EXPIRY_USER: &str = "fldm-hub-expire";

/// Most deletions of [`expire`] in one transaction.
pub const EXPIRY_BATCH: usize = 500;

/// Persons read per step of the scan of [`expire`].
const SCAN_PAGE: usize = 1000;

/// An error of a life-cycle operation run outside the HTTP layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LifecycleError {
    /// The policy does not permit the operation; `reason` is the machine
    /// code (e.g. `no_matching_rule`, `create_not_permitted`).
    #[error("policy_denied ({reason}): {message}")]
    Denied {
        /// Machine reason code.
        reason: String,
        /// Explanation; never personal data.
        message: String,
    },
    /// The database.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The audit journal cannot be written; nothing was changed.
    #[error("audit journal: {0}")]
    Audit(fldm_core::Error),
    /// Other input (the date, the context).
    #[error(transparent)]
    Core(#[from] fldm_core::Error),
}

/// Who acts, as the audit records name it: the office (its policy id),
/// the retrieving person, the purpose and the case reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Office id of the policy.
    pub office: String,
    /// Retrieving person (user id).
    pub user: String,
    /// Purpose code.
    pub purpose: String,
    /// Case reference, if any.
    pub case_reference: Option<String>,
}

impl Actor {
    /// Check the user, purpose and case reference against the rules of
    /// the protocol's context headers (`fldm_core::wire::headers::Rule`),
    /// so that they can be recorded; the error names the field.
    pub fn check(&self) -> Result<(), fldm_core::ValidationError> {
        use fldm_core::wire::headers::Rule;
        Rule::USER.check(&self.user)?;
        Rule::PURPOSE.check(&self.purpose)?;
        if let Some(case) = &self.case_reference {
            Rule::CASE.check(case)?;
        }
        Ok(())
    }

    /// The facts of a hub-stage record of this actor for `operation`, with
    /// the request id `request_id`.
    pub fn facts(&self, operation: AuditOp, request_id: &str) -> RecordFacts {
        RecordFacts {
            operation,
            office: self.office.clone(),
            responsible: self.office.clone(),
            user: self.user.clone(),
            purpose: self.purpose.clone(),
            case_reference: self.case_reference.clone(),
            request_id: request_id.to_string(),
            ..RecordFacts::default()
        }
    }
}

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

/// The persons one import batch wrote, for its audit records.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// FLDM ids of created records.
    created: Vec<String>,
    /// Attributes present in the created records.
    created_attributes: AttributeSet,
    /// FLDM ids of updated and unchanged records.
    touched: Vec<String>,
    /// Attributes changed in the updated records.
    changed_attributes: AttributeSet,
}

/// What one batch of an import did.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    /// One item per record, in input order.
    pub items: Vec<ImportItem>,
    /// The counts.
    pub counts: ImportCounts,
    /// The persons written, for the audit records.
    pub written: Written,
}

fn refused(index: u64, field: &str, reason: ImportRefusal) -> ImportItem {
    ImportItem {
        index,
        outcome: ImportOutcome::Refused,
        fldm_id: None,
        field: Some(field.to_string()),
        reason: Some(reason),
    }
}

fn applied(index: u64, outcome: ImportOutcome, fldm_id: &str) -> ImportItem {
    ImportItem {
        index,
        outcome,
        fldm_id: Some(fldm_id.to_string()),
        field: None,
        reason: None,
    }
}

/// Apply one batch of import records (as read by
/// `fldm_core::codec::import::ImportReader`; every `Err` must be the error
/// of one record) in the write transaction `tx`, for `office` under the
/// write permit `permit` (which the caller checked with
/// [`Permit::check_create`]). The items are numbered from `first_index`.
///
/// Per record, in this order: unreadable or invalid → `invalid` naming the
/// field; neither AZR-Nummer nor Aktenzeichen → `missing_key`
/// (`azr_nummer`); a key seen earlier in the batch → `duplicate_key`
/// (the key's field); an attribute outside the write rule →
/// `policy_denied` (the first such attribute); then the store's upsert
/// (`Tx::import_one`), which replaces every attribute of the write rule
/// and may refuse with `key_conflict` or `not_owner`. A refusal does not
/// stop the other records; a database error ends the batch (the caller's
/// transaction is rolled back).
pub fn import_in_tx(
    tx: &Tx<'_>,
    permit: &Permit,
    office: &str,
    records: &[fldm_core::Result<Person>],
    first_index: u64,
) -> Result<BatchOutcome, StoreError> {
    let mut importer = BatchImporter::new(tx, permit, office, first_index);
    for record in records {
        importer.push(record)?;
    }
    Ok(importer.finish())
}

/// [`import_in_tx`] record by record, for input that arrives while the
/// transaction runs (the endpoint reads its body on another thread).
pub struct BatchImporter<'t, 'c> {
    tx: &'t Tx<'c>,
    office: &'t str,
    writable: AttributeSet,
    next_index: u64,
    /// Owner keys seen so far in the batch.
    seen: HashSet<OwnerKey>,
    out: BatchOutcome,
}

impl std::fmt::Debug for BatchImporter<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchImporter")
            .field("next_index", &self.next_index)
            .finish_non_exhaustive()
    }
}

impl<'t, 'c> BatchImporter<'t, 'c> {
    /// An import in `tx` for `office` under the write permit `permit`, the
    /// first record numbered `first_index`.
    pub fn new(
        tx: &'t Tx<'c>,
        permit: &Permit,
        office: &'t str,
        first_index: u64,
    ) -> BatchImporter<'t, 'c> {
        BatchImporter {
            tx,
            office,
            writable: permit.attributes(),
            next_index: first_index,
            seen: HashSet::new(),
            out: BatchOutcome::default(),
        }
    }

    /// Apply the next record (see [`import_in_tx`]).
    pub fn push(&mut self, record: &fldm_core::Result<Person>) -> Result<(), StoreError> {
        let index = self.next_index;
        let item = match record {
            Err(e) => refused(index, e.field().unwrap_or(""), ImportRefusal::Invalid),
            Ok(person) => self.import_one(person, index)?,
        };
        self.next_index += 1;
        self.out.counts.add(item.outcome);
        self.out.items.push(item);
        Ok(())
    }

    /// The outcome of the records pushed.
    pub fn finish(self) -> BatchOutcome {
        self.out
    }

    fn import_one(&mut self, person: &Person, index: u64) -> Result<ImportItem, StoreError> {
        let key = match OwnerKey::of(person) {
            Ok(key) => key,
            Err(e) => return Ok(refused(index, &e.field, ImportRefusal::MissingKey)),
        };
        let field = key.field();
        if !self.seen.insert(key) {
            return Ok(refused(index, field, ImportRefusal::DuplicateKey));
        }
        let present = fldm_core::attribute::present(person);
        let extra = AttributeSet::from_bits(present.bits() & !self.writable.bits());
        if let Some(first) = extra.iter().next() {
            return Ok(refused(index, first.name, ImportRefusal::PolicyDenied));
        }
        let w = &mut self.out.written;
        Ok(
            match self.tx.import_one(person, self.office, self.writable) {
                Ok(ImportApplied::Created(rec)) => {
                    let id = rec.person.fldm_id.as_str();
                    w.created_attributes = w
                        .created_attributes
                        .union(fldm_core::attribute::present(&rec.person));
                    w.created.push(id.to_string());
                    applied(index, ImportOutcome::Created, id)
                }
                Ok(ImportApplied::Updated { record, changed }) => {
                    let id = record.person.fldm_id.as_str();
                    w.changed_attributes = w.changed_attributes.union(changed);
                    w.touched.push(id.to_string());
                    applied(index, ImportOutcome::Updated, id)
                }
                Ok(ImportApplied::Unchanged(rec)) => {
                    let id = rec.person.fldm_id.as_str();
                    w.touched.push(id.to_string());
                    applied(index, ImportOutcome::Unchanged, id)
                }
                Ok(ImportApplied::Refused { field, reason }) => refused(index, field, reason),
                Err(StoreError::Invalid(e)) => {
                    refused(index, e.field().unwrap_or(""), ImportRefusal::Invalid)
                }
                Err(e) => return Err(e),
            },
        )
    }
}

fn attribute_names(set: AttributeSet) -> Vec<String> {
    set.names().into_iter().map(String::from).collect()
}

/// Append the audit records of an import batch (inside its transaction):
/// created records with operation `collect`, updated and unchanged ones
/// with `change`, each record naming at most [`MAX_SUBJECTS`] persons and
/// the attributes written; a batch that wrote nothing gets one record
/// with the facts of `base` as they are. `payload` is the response (its
/// digest goes into every record).
pub fn append_import_audit(
    st: &AppState,
    base: &RecordFacts,
    written: &Written,
    payload: &[u8],
) -> fldm_core::Result<()> {
    let groups = [
        (
            AuditOp::Collect,
            &written.created,
            written.created_attributes,
        ),
        (
            AuditOp::Change,
            &written.touched,
            written.changed_attributes,
        ),
    ];
    let mut any = false;
    for (operation, ids, attributes) in groups {
        for chunk in ids.chunks(MAX_SUBJECTS) {
            let mut facts = base.clone();
            facts.operation = operation;
            facts.subjects = chunk.to_vec();
            facts.disclosed = attribute_names(attributes);
            st.append_audit(&facts, payload)?;
            any = true;
        }
    }
    if !any {
        st.append_audit(base, payload)?;
    }
    Ok(())
}

/// Ask the policy for `operation` as `actor` today; a permit is recorded
/// in `facts`. A denial is audited (one record) and returned as
/// [`LifecycleError::Denied`].
fn decide_audited(
    st: &AppState,
    actor: &Actor,
    operation: Operation,
    facts: &mut RecordFacts,
) -> Result<Permit, LifecycleError> {
    let date = fldm_core::policy::today_utc()?;
    let req = PolicyRequest {
        office: &actor.office,
        operation,
        purpose: Some(actor.purpose.as_str()).filter(|p| *p != ABSENT),
        case_reference: actor.case_reference.as_deref(),
        date,
    };
    match st.policy.decide(&req) {
        Decision::Permit(p) => {
            let lb = p.legal_basis();
            facts.set_decision(p.rule_id(), &lb.section, &lb.law, p.policy_hash());
            Ok(p)
        }
        Decision::Deny(d) => {
            facts.policy_hash = Some(d.policy_hash.to_string());
            Err(refuse_audited(st, facts, d.reason.code(), d.message))
        }
    }
}

/// Audit a refused operation and turn it into [`LifecycleError::Denied`].
fn refuse_audited(
    st: &AppState,
    facts: &mut RecordFacts,
    reason: &str,
    message: String,
) -> LifecycleError {
    facts.outcome = OutcomeKind::Denied;
    facts.reason = Some(reason.to_string());
    if let Err(e) = st.append_audit(facts, message.as_bytes()) {
        return LifecycleError::Audit(e);
    }
    LifecycleError::Denied {
        reason: reason.to_string(),
        message,
    }
}

/// An import of a whole file by the owning office, directly on the hub's
/// database (`fldm hub import`): the same per-record rules and audit
/// records as `POST /v1/persons/batch`, one transaction per batch of at
/// most [`MAX_IMPORT_BATCH`] records.
#[derive(Debug)]
pub struct ImportSession<'a> {
    st: &'a AppState,
    actor: Actor,
    permit: Permit,
    base: RecordFacts,
    next_index: u64,
    counts: ImportCounts,
    keys: Option<HashSet<OwnerKey>>,
}

impl<'a> ImportSession<'a> {
    /// Ask the policy for a `write` of `actor` that may record persons
    /// (`Permit::check_create`); a refusal is audited and returned. A user,
    /// purpose or case reference that breaks its rule ([`Actor::check`])
    /// is an error before anything is logged. With
    /// `full_stock` the session remembers every key it sees, for
    /// [`ImportSession::missing`].
    pub fn begin(
        st: &'a AppState,
        actor: Actor,
        full_stock: bool,
    ) -> Result<ImportSession<'a>, LifecycleError> {
        actor.check().map_err(fldm_core::Error::Validation)?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut base = actor.facts(AuditOp::Collect, &request_id);
        let permit = decide_audited(st, &actor, Operation::Write, &mut base)?;
        if let Err(r) = permit.check_create() {
            return Err(refuse_audited(st, &mut base, r.code(), r.to_string()));
        }
        Ok(ImportSession {
            st,
            actor,
            permit,
            base,
            next_index: 0,
            counts: ImportCounts::default(),
            keys: full_stock.then(HashSet::new),
        })
    }

    /// Import one batch (at most [`MAX_IMPORT_BATCH`] records; every `Err`
    /// the error of one record) in one transaction with its audit records.
    /// Returns the items of the batch, numbered on from the previous batch.
    pub fn import(
        &mut self,
        records: &[fldm_core::Result<Person>],
    ) -> Result<Vec<ImportItem>, LifecycleError> {
        if records.len() > MAX_IMPORT_BATCH {
            return Err(LifecycleError::Core(fldm_core::Error::Validation(
                fldm_core::ValidationError::new(
                    "records",
                    fldm_core::ValidationKind::TooLong {
                        max: MAX_IMPORT_BATCH,
                    },
                ),
            )));
        }
        let st = self.st;
        let (permit, office, base) = (&self.permit, &self.actor.office, &self.base);
        let first = self.next_index;
        let outcome = st.store.write(|tx| {
            let outcome = import_in_tx(tx, permit, office, records, first)?;
            let result = ImportResult {
                request_id: base.request_id.clone(),
                decision: DecisionInfo::from_permit(permit),
                counts: outcome.counts,
                results: Vec::new(),
            };
            let payload = serde_json::to_vec(&result).unwrap_or_default();
            append_import_audit(st, base, &outcome.written, &payload)
                .map_err(LifecycleError::Audit)?;
            Ok::<_, LifecycleError>(outcome)
        })?;
        if let Some(keys) = &mut self.keys {
            keys.extend(
                records
                    .iter()
                    .filter_map(|r| r.as_ref().ok())
                    .filter_map(|p| OwnerKey::of(p).ok()),
            );
        }
        self.next_index += records.len() as u64;
        self.counts.merge(&outcome.counts);
        Ok(outcome.items)
    }

    /// The counts so far.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }

    /// Full-stock mode: the records of the office that carry none of the
    /// keys seen so far (records without a key included), in FLDM id order.
    /// Empty when the session was not begun with `full_stock`.
    pub fn missing(&self) -> Result<Vec<FldmId>, LifecycleError> {
        let Some(keys) = &self.keys else {
            return Ok(Vec::new());
        };
        let mut out: Vec<FldmId> = self
            .st
            .store
            .owned(&self.actor.office)?
            .into_iter()
            .filter(|(_, key)| key.as_ref().is_none_or(|k| !keys.contains(k)))
            .map(|(id, _)| id)
            .collect();
        out.sort();
        Ok(out)
    }

    /// Delete `ids` with reason `abgang` (records that left the owner's
    /// stock), at most [`MAX_IMPORT_BATCH`] per transaction, one audit
    /// record (operation `delete`) per deletion. Records deleted meanwhile
    /// are skipped. Returns the number deleted.
    pub fn delete_missing(&self, ids: &[FldmId]) -> Result<u64, LifecycleError> {
        let mut deleted = 0u64;
        for chunk in ids.chunks(MAX_IMPORT_BATCH) {
            deleted += self.st.store.write(|tx| {
                let mut n = 0u64;
                for id in chunk {
                    let d = match tx.delete(id, DeletionReason::Abgang, None, &self.actor.office) {
                        Ok(d) => d,
                        Err(StoreError::NotFound { .. }) => continue,
                        Err(e) => return Err(LifecycleError::Store(e)),
                    };
                    let mut facts = self.base.clone();
                    record_deletion(&mut facts, &d);
                    let payload = deletion_payload(&d);
                    self.st
                        .append_audit(&facts, &payload)
                        .map_err(LifecycleError::Audit)?;
                    n += 1;
                }
                Ok(n)
            })?;
            self.st.store.checkpoint_wal()?;
        }
        Ok(deleted)
    }
}

// ---------------------------------------------------------------------------
// Deletion, merge, tombstones
// ---------------------------------------------------------------------------

/// Fill the audit facts of a deletion: operation `delete`, the deleted
/// person as subject (with the survivor of a merge: operation `combine`,
/// both persons), the reason code as the outcome's reason.
pub fn record_deletion(facts: &mut RecordFacts, d: &Deletion) {
    match &d.merged_into {
        Some(survivor) => {
            facts.operation = AuditOp::Combine;
            facts.subjects = vec![
                survivor.as_str().to_string(),
                d.fldm_id.as_str().to_string(),
            ];
        }
        None => {
            facts.operation = AuditOp::Delete;
            facts.subjects = vec![d.fldm_id.as_str().to_string()];
        }
    }
    facts.reason = Some(d.reason.as_str().to_string());
}

/// The payload digested into the audit record of a deletion made outside
/// a request: the tombstone (no personal data).
fn deletion_payload(d: &Deletion) -> Vec<u8> {
    serde_json::to_vec(&d.tombstone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Deletion deadlines
// ---------------------------------------------------------------------------

/// What [`expire`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpireReport {
    /// Per deletion rule with at least one due record, in the policy's
    /// order: the rule id and the number of records due (deleted, unless
    /// a dry run).
    pub per_rule: Vec<(String, u64)>,
    /// Records due in all (deleted, unless a dry run).
    pub total: u64,
    /// Records looked at.
    pub scanned: u64,
    /// Whether nothing was deleted.
    pub dry_run: bool,
}

/// The day of a timestamp (UTC).
fn day_of(t: time::OffsetDateTime) -> Option<Datum> {
    let d = t.to_offset(time::UtcOffset::UTC).date();
    Datum::new(u16::try_from(d.year()).ok()?, u8::from(d.month()), d.day()).ok()
}

/// Delete every record that a deletion rule of the policy makes due on
/// `today` (`Policy::deletion_due`, the record's last change being the
/// day of its `updated_at`), with reason `frist`, on behalf of the
/// record's owner. Scans all persons in FLDM id order; deletes in
/// transactions of at most [`EXPIRY_BATCH`], each record checked again
/// inside the transaction (a record changed since the scan may no longer
/// be due). One audit record per deletion: operation `delete`, the owner
/// as requesting and responsible office, user [`EXPIRY_USER`], purpose
/// `-`, the deletion rule's id and legal basis and the policy hash, reason
/// `frist`. With `dry_run` nothing is deleted or logged. A policy without
/// deletion rules makes nothing due (and nothing is scanned).
pub fn expire(st: &AppState, today: Datum, dry_run: bool) -> Result<ExpireReport, LifecycleError> {
    let rules = st.policy.deletion_rules();
    let mut counts = vec![0u64; rules.len()];
    let mut report = ExpireReport {
        dry_run,
        ..ExpireReport::default()
    };
    if rules.is_empty() {
        // No deadlines in the policy: nothing can be due.
        return Ok(report);
    }
    let mut due: Vec<FldmId> = Vec::new();
    let mut after: Option<FldmId> = None;
    loop {
        let page = st.store.persons_after(after.as_ref(), SCAN_PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.person.fldm_id.clone());
        for rec in &page {
            report.scanned += 1;
            let Some(last_change) = day_of(rec.updated_at) else {
                continue;
            };
            let Some(d) =
                st.policy
                    .deletion_due(&rec.person, &rec.owner_office, last_change, today)
            else {
                continue;
            };
            if dry_run {
                if let Some(i) = rules.iter().position(|r| r.id == d.rule.id) {
                    counts[i] += 1;
                }
            } else {
                due.push(rec.person.fldm_id.clone());
            }
        }
        if page.len() < SCAN_PAGE {
            break;
        }
    }
    if !dry_run {
        let request_id = uuid::Uuid::new_v4().to_string();
        for chunk in due.chunks(EXPIRY_BATCH) {
            st.store.write(|tx| {
                for id in chunk {
                    let rec = match tx.get(id) {
                        Ok(r) => r,
                        Err(StoreError::NotFound { .. }) => continue,
                        Err(e) => return Err(LifecycleError::Store(e)),
                    };
                    let Some(last_change) = day_of(rec.updated_at) else {
                        continue;
                    };
                    let Some(due) =
                        st.policy
                            .deletion_due(&rec.person, &rec.owner_office, last_change, today)
                    else {
                        continue;
                    };
                    let owner = rec.owner_office.as_str();
                    let d = tx.delete(id, DeletionReason::Frist, None, owner)?;
                    let mut facts = RecordFacts {
                        operation: AuditOp::Delete,
                        office: owner.to_string(),
                        responsible: owner.to_string(),
                        user: EXPIRY_USER.to_string(),
                        purpose: ABSENT.to_string(),
                        request_id: request_id.clone(),
                        ..RecordFacts::default()
                    };
                    let lb = &due.rule.legal_basis;
                    facts.set_decision(&due.rule.id, &lb.section, &lb.law, st.policy.hash());
                    record_deletion(&mut facts, &d);
                    st.append_audit(&facts, &deletion_payload(&d))
                        .map_err(LifecycleError::Audit)?;
                    if let Some(i) = rules.iter().position(|r| r.id == due.rule.id) {
                        counts[i] += 1;
                    }
                }
                Ok::<_, LifecycleError>(())
            })?;
            st.store.checkpoint_wal()?;
        }
    }
    for (rule, n) in rules.iter().zip(counts) {
        if n > 0 {
            report.per_rule.push((rule.id.clone(), n));
            report.total += n;
        }
    }
    Ok(report)
}

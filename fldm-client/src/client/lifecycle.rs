//! The record life cycle, for the owning office and for receivers: create,
//! update, bulk import, deletion with a reason, merge of a duplicate; the
//! typed change-feed event ([`ChangeEvent`]) that tells a deletion from a
//! change; and [`HubClient::acknowledge_deletion`], which journals that a
//! receiver acted on a tombstone.

use std::io::{BufRead, BufReader};
use std::path::Path;

use fldm_core::audit::{Operation as AuditOp, OutcomeKind, RecordFacts, Stage};
use fldm_core::codec::import::{ImportFormat, ImportReader, is_record_error};
use fldm_core::ids::FldmId;
use fldm_core::lifecycle::DeletionReason;
use fldm_core::record::Person;
use fldm_core::wire::{
    ChangeEntry, DeleteResult, ImportCounts, ImportItem, ImportOutcome, ImportRefusal,
    ImportResult, MAX_IMPORT_BATCH, MergeRequest, MergeResult, Tombstone, WriteResult,
};
use reqwest::Method;

use super::{Call, Context, HubClient, Received, decode, new_request_id, parse_fldm_id};
use crate::error::{Error, Result};

/// What a bulk import did: the counts over all records, the refused
/// records (with their index in the input, the field and the reason), and
/// the number of requests sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records per outcome, local refusals included.
    pub counts: ImportCounts,
    /// The refused records, in input order; `index` is the 0-based
    /// position in the input (the file or the iterator), not in a batch.
    pub refused: Vec<ImportItem>,
    /// Requests sent (batches); records refused locally are not sent.
    pub batches: u64,
}

/// One change-feed entry, typed: a change of a record, or its deletion
/// (a tombstone). Made from the wire form with `ChangeEvent::from(entry)`;
/// the feed readers ([`crate::ChangeFeed`], [`crate::blocking::ChangeIter`])
/// yield the wire form [`ChangeEntry`].
///
/// ```no_run
/// # fn run(client: &fldm_client::blocking::HubClient) -> Result<(), fldm_client::Error> {
/// use fldm_client::{ChangeEvent, Context, LocalAction};
/// let ctx = Context::new("W01").case("WA-2026-0815");
/// for entry in client.changes(0, ctx.clone()) {
///     if let ChangeEvent::Deleted { fldm_id, tombstone, .. } = ChangeEvent::from(entry?) {
///         // First delete or relink the local copy, then say so.
///         let action = match &tombstone.merged_into {
///             Some(survivor) => LocalAction::Relinked { to: survivor.clone() },
///             None => LocalAction::Deleted,
///         };
///         client.acknowledge_deletion(&fldm_id, &tombstone, action, &ctx)?;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeEvent {
    /// The record was created or changed.
    Changed {
        /// Sequence number (the cursor after this entry).
        seq: u64,
        /// The person.
        fldm_id: String,
        /// Changed attributes the office may see.
        changed: Vec<String>,
        /// The current record, projected to the office's permitted
        /// attributes (`None` if the hub sent none).
        record: Option<Box<Person>>,
    },
    /// The record was deleted. The receiver must delete its copy, or for a
    /// merge (`tombstone.merged_into`) relink it to the survivor, and say
    /// so with [`HubClient::acknowledge_deletion`].
    Deleted {
        /// Sequence number (the cursor after this entry).
        seq: u64,
        /// The deleted person.
        fldm_id: String,
        /// Why, when, and for a merge the survivor.
        tombstone: Tombstone,
    },
}

impl ChangeEvent {
    /// The sequence number (the cursor after this entry).
    pub fn seq(&self) -> u64 {
        match self {
            ChangeEvent::Changed { seq, .. } | ChangeEvent::Deleted { seq, .. } => *seq,
        }
    }

    /// The FLDM id of the person concerned.
    pub fn fldm_id(&self) -> &str {
        match self {
            ChangeEvent::Changed { fldm_id, .. } | ChangeEvent::Deleted { fldm_id, .. } => fldm_id,
        }
    }
}

impl From<ChangeEntry> for ChangeEvent {
    /// An entry with `deleted` is a [`ChangeEvent::Deleted`] (whatever else
    /// it carries); every other entry a [`ChangeEvent::Changed`].
    fn from(e: ChangeEntry) -> Self {
        match e.deleted {
            Some(tombstone) => ChangeEvent::Deleted {
                seq: e.seq,
                fldm_id: e.fldm_id,
                tombstone,
            },
            None => ChangeEvent::Changed {
                seq: e.seq,
                fldm_id: e.fldm_id,
                changed: e.changed,
                record: e.record.map(Box::new),
            },
        }
    }
}

impl From<ChangeEvent> for ChangeEntry {
    /// The wire form of an event (what `fldm changes` prints).
    fn from(e: ChangeEvent) -> Self {
        match e {
            ChangeEvent::Changed {
                seq,
                fldm_id,
                changed,
                record,
            } => ChangeEntry {
                seq,
                fldm_id,
                changed,
                record: record.map(|r| *r),
                deleted: None,
            },
            ChangeEvent::Deleted {
                seq,
                fldm_id,
                tombstone,
            } => ChangeEntry {
                seq,
                fldm_id,
                changed: Vec::new(),
                record: None,
                deleted: Some(tombstone),
            },
        }
    }
}

/// What a receiver did with its copy of a deleted record
/// ([`HubClient::acknowledge_deletion`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalAction {
    /// The local copy was deleted (journaled as operation `delete`).
    Deleted,
    /// The local copy was relinked to the surviving record of a merge
    /// (journaled as operation `combine`).
    Relinked {
        /// The FLDM id the copy is now linked to (normally the
        /// tombstone's `merged_into`).
        to: String,
    },
}

/// A local refusal of an import record: it is not sent.
fn local_refusal(index: u64, e: &fldm_core::Error) -> ImportItem {
    ImportItem {
        index,
        outcome: ImportOutcome::Refused,
        fldm_id: None,
        field: e.field().map(str::to_string),
        reason: Some(ImportRefusal::Invalid),
    }
}

/// One record as a line of an import request: its own JSON without the
/// `fldm_id` (import records are identified by the owner's key).
fn import_line(p: &Person, out: &mut Vec<u8>) -> Result<()> {
    let mut v = serde_json::to_value(p).map_err(|e| Error::Protocol(e.to_string()))?;
    if let Some(obj) = v.as_object_mut() {
        obj.remove("fldm_id");
    }
    serde_json::to_writer(&mut *out, &v).map_err(|e| Error::Protocol(e.to_string()))?;
    out.push(b'\n');
    Ok(())
}

/// The request body of a person written by create or update: the record's
/// JSON, without its `fldm_id` on a create (the hub assigns one).
fn person_body(p: &Person, keep_id: bool) -> Result<Vec<u8>> {
    let mut v = serde_json::to_value(p).map_err(|e| Error::Protocol(e.to_string()))?;
    if !keep_id && let Some(obj) = v.as_object_mut() {
        obj.remove("fldm_id");
    }
    serde_json::to_vec(&v).map_err(|e| Error::Protocol(e.to_string()))
}

/// Records collected for the next import request, with their input
/// indices.
#[derive(Debug, Default)]
struct Batch {
    records: Vec<Person>,
    indices: Vec<u64>,
}

/// A batch on its way to the hub: the input positions of its records and
/// the task that sends it.
struct InFlight {
    indices: Vec<u64>,
    task: tokio::task::JoinHandle<Result<Vec<ImportItem>>>,
}

impl InFlight {
    /// Wait for the answer and count it.
    async fn land(self, import: &mut Import) -> Result<()> {
        let results = self
            .task
            .await
            .map_err(|e| Error::Transport(format!("import task failed: {e}")))??;
        import.apply(&self.indices, results);
        Ok(())
    }
}

/// One item of import input (short-lived: one at a time).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
enum Step {
    /// The record at this input position, or why it cannot be read (the
    /// reading went on).
    Record(u64, std::result::Result<Person, fldm_core::Error>),
    /// The input cannot be read any further.
    Stop(fldm_core::Error),
}

/// The items of an import reader: one per record, then at most one stop.
fn reader_steps<R: BufRead>(reader: ImportReader<R>) -> impl Iterator<Item = Step> {
    reader.enumerate().map(|(i, item)| match item {
        Ok(p) => Step::Record(i as u64, Ok(p)),
        Err(e) if is_record_error(&e) => {
            let at = e.record_index().map_or(i as u64, |n| n as u64);
            Step::Record(at, Err(e))
        }
        Err(e) => Step::Stop(e.at_record(i)),
    })
}

/// A running import: collects records into batches, refuses what cannot
/// be sent, and adds the hub's answers to the report.
#[derive(Debug)]
struct Import {
    batch_size: usize,
    report: ImportReport,
    batch: Batch,
}

impl Import {
    fn new(batch_size: usize) -> Self {
        Import {
            batch_size: batch_size.clamp(1, MAX_IMPORT_BATCH),
            report: ImportReport::default(),
            batch: Batch::default(),
        }
    }

    /// Add one record (or the error of a record that cannot be read or
    /// fails validation: refused here, not sent) at input position
    /// `index`; returns the batch when it is full.
    fn push(
        &mut self,
        index: u64,
        item: std::result::Result<Person, fldm_core::Error>,
    ) -> Option<Batch> {
        match item.and_then(|p| p.validate().map(|()| p).map_err(fldm_core::Error::from)) {
            Ok(p) => {
                self.batch.records.push(p);
                self.batch.indices.push(index);
            }
            Err(e) => {
                let item = local_refusal(index, &e);
                self.report.counts.add(item.outcome);
                self.report.refused.push(item);
            }
        }
        (self.batch.records.len() >= self.batch_size).then(|| self.take())
    }

    /// The records collected so far (possibly none).
    fn take(&mut self) -> Batch {
        std::mem::take(&mut self.batch)
    }

    /// Count the hub's answer to a batch whose records had the input
    /// positions `indices` (already checked by [`check_results`]).
    fn apply(&mut self, indices: &[u64], results: Vec<ImportItem>) {
        self.report.batches += 1;
        for mut item in results {
            item.index = indices[item.index as usize];
            self.report.counts.add(item.outcome);
            if item.outcome == ImportOutcome::Refused {
                self.report.refused.push(item);
            }
        }
    }

    fn finish(mut self) -> ImportReport {
        self.report.refused.sort_by_key(|i| i.index);
        self.report
    }
}

/// The hub's answer must have one result per record of the batch, each
/// index once.
fn check_results(n: usize, results: &[ImportItem]) -> Result<()> {
    let mut seen = vec![false; n];
    for i in results {
        match seen.get_mut(i.index as usize) {
            Some(s) if !*s => *s = true,
            _ => {
                return Err(Error::Protocol(format!(
                    "the hub answered an import result for index {} in a batch of {n} records",
                    i.index
                )));
            }
        }
    }
    if results.len() != n {
        return Err(Error::Protocol(format!(
            "the hub answered {} import results for a batch of {n} records",
            results.len()
        )));
    }
    Ok(())
}

/// The request body of a batch: JSON lines.
fn batch_body(records: &[Person]) -> Result<Vec<u8>> {
    let mut body = Vec::with_capacity(records.len() * 256);
    for p in records {
        import_line(p, &mut body)?;
    }
    Ok(body)
}

impl HubClient {
    /// Whether this client writes a client-stage journal.
    pub fn has_journal(&self) -> bool {
        self.inner.journal.is_some()
    }

    /// Create a record (owning office, operation `write`). The hub assigns
    /// the FLDM id (the record's own `fldm_id` is not sent) and returns it
    /// in [`WriteResult::fldm_id`].
    pub async fn create_person(&self, person: &Person, ctx: &Context) -> Result<WriteResult> {
        let mut call = Call::new(Method::POST, "/persons", Some(ctx));
        call.body = Some(person_body(person, false)?);
        call.idempotency_key = Some(new_request_id());
        call.audit_op = AuditOp::Collect;
        self.execute(call, |b| {
            let w: WriteResult = decode(b)?;
            let mut r = Received::from_decision(&w.decision, Vec::new());
            r.subjects = vec![w.fldm_id.clone()];
            Ok((w, r))
        })
        .await
    }

    /// Update a record (owning office): `patch` is a partial record whose
    /// `fldm_id` names the record; the attributes present in it are set.
    /// With `expected_version`, the hub refuses the update if the record
    /// has another version ([`Error::Conflict`], `version_conflict`).
    pub async fn update_person(
        &self,
        patch: &Person,
        expected_version: Option<u64>,
        ctx: &Context,
    ) -> Result<WriteResult> {
        let id = parse_fldm_id(patch.fldm_id.as_str())?;
        let mut call = Call::new(Method::PATCH, format!("/persons/{id}"), Some(ctx));
        call.body = Some(person_body(patch, true)?);
        call.idempotency_key = Some(new_request_id());
        call.audit_op = AuditOp::Change;
        call.subjects = vec![id.to_string()];
        if let Some(v) = expected_version {
            call.headers.push(("If-Match", format!("\"{v}\"")));
        }
        self.execute(call, |b| {
            let w: WriteResult = decode(b)?;
            let r = Received::from_decision(&w.decision, Vec::new());
            Ok((w, r))
        })
        .await
    }

    /// Delete a record (owning office) with a reason code. The hub forgets
    /// the record and every office that may read it gets a tombstone in
    /// its change feed. The client journal records operation `delete` with
    /// the reason.
    pub async fn delete_person(
        &self,
        fldm_id: &str,
        reason: DeletionReason,
        ctx: &Context,
    ) -> Result<DeleteResult> {
        let id = parse_fldm_id(fldm_id)?;
        let mut call = Call::new(Method::DELETE, format!("/persons/{id}"), Some(ctx));
        call.query.push(("reason", reason.as_str().to_string()));
        call.idempotency_key = Some(new_request_id());
        call.audit_op = AuditOp::Delete;
        call.subjects = vec![id.to_string()];
        call.reason = Some(reason.as_str().to_string());
        self.execute(call, |b| {
            let d: DeleteResult = decode(b)?;
            let r = Received::from_decision(&d.decision, Vec::new());
            Ok((d, r))
        })
        .await
    }

    /// Merge the record `duplicate` into `survivor` (owning office): the
    /// survivor keeps its FLDM id, the duplicate is deleted with reason
    /// `doppelerfassung` and its tombstone names the survivor
    /// (`merged_into`). Journaled as operation `combine` about both.
    pub async fn merge_persons(
        &self,
        survivor: &str,
        duplicate: &str,
        ctx: &Context,
    ) -> Result<MergeResult> {
        let s = id_field("survivor", survivor)?;
        let d = id_field("duplicate", duplicate)?;
        let body = MergeRequest {
            duplicate: d.to_string(),
        };
        let mut call = Call::new(Method::POST, format!("/persons/{s}/merge"), Some(ctx));
        call.body = Some(serde_json::to_vec(&body).map_err(|e| Error::Protocol(e.to_string()))?);
        call.idempotency_key = Some(new_request_id());
        call.audit_op = AuditOp::Combine;
        call.subjects = vec![s.to_string(), d.to_string()];
        call.reason = Some(DeletionReason::Doppelerfassung.as_str().to_string());
        self.execute(call, |b| {
            let m: MergeResult = decode(b)?;
            let r = Received::from_decision(&m.decision, Vec::new());
            Ok((m, r))
        })
        .await
    }

    /// Bulk import (owning office): upsert `records` by the office's key
    /// (AZR-Nummer, else Aktenzeichen; their `fldm_id` is not sent), in
    /// batches of [`import_batch_size`](crate::HubClientBuilder::import_batch_size)
    /// records. Each batch is one request with its own idempotency key
    /// (reused by its retries) and one transaction at the hub; records
    /// that fail [`Person::validate`] are refused locally (reason
    /// `invalid`, not sent). Indices in the report are positions in
    /// `records`.
    ///
    /// While one batch is on its way (a task on the Tokio runtime), the
    /// next one is prepared; a batch is sent only after the one before it
    /// succeeded. On an error (hub unreachable, denied, ...) the batches
    /// before the failing one are imported; running the same import again
    /// reports them `unchanged`. If the returned future is dropped, a batch
    /// already on its way may still be imported.
    pub async fn import_persons(
        &self,
        records: impl IntoIterator<Item = Person>,
        ctx: &Context,
    ) -> Result<ImportReport> {
        let steps = records
            .into_iter()
            .enumerate()
            .map(|(i, p)| Step::Record(i as u64, Ok(p)));
        self.run_import(steps, ctx, |_| {}).await
    }

    /// Bulk import of a file: JSON lines or an XML list (`<fldm:personen>`);
    /// `format` `None` takes it from the file name (`.xml` is XML, anything
    /// else JSON lines). Records are read one by one
    /// ([`ImportReader`]) and sent as in [`HubClient::import_persons`];
    /// `progress` gets the counts so far after every batch and once at the
    /// end.
    ///
    /// A record that cannot be decoded is refused locally, with its index
    /// in the file, the field and reason `invalid`, and is not sent. A file
    /// that cannot be opened is [`Error::Local`] with an I/O error. Input
    /// that cannot be read any further (malformed XML, invalid UTF-8, an
    /// I/O error) stops the import with [`Error::Local`] naming the record
    /// index ([`fldm_core::Error::record_index`]): the batches sent before
    /// are imported (the counts last passed to `progress`); the records
    /// read since the last full batch are not sent. Running the import
    /// again after fixing the file reports the imported ones `unchanged`.
    pub async fn import_file(
        &self,
        path: impl AsRef<Path>,
        format: Option<ImportFormat>,
        ctx: &Context,
        progress: impl FnMut(&ImportCounts),
    ) -> Result<ImportReport> {
        let path = path.as_ref();
        let format = format.unwrap_or_else(|| ImportFormat::from_path(path));
        let file = std::fs::File::open(path).map_err(|e| {
            Error::Local(fldm_core::Error::io(
                format!("reading {}", path.display()),
                e,
            ))
        })?;
        let reader = ImportReader::new(BufReader::new(file), format);
        self.run_import(reader_steps(reader), ctx, progress).await
    }

    /// Read `steps`, send full batches, report progress after each. While
    /// one batch is on its way, the next one is read and encoded; the
    /// answers are taken in order, and no batch is sent before the one
    /// ahead of it succeeded.
    async fn run_import(
        &self,
        steps: impl Iterator<Item = Step>,
        ctx: &Context,
        mut progress: impl FnMut(&ImportCounts),
    ) -> Result<ImportReport> {
        let mut import = Import::new(self.inner.import_batch_size);
        let mut in_flight: Option<InFlight> = None;
        let mut sent = 0u64;
        for step in steps {
            match step {
                Step::Record(index, item) => {
                    if let Some(batch) = import.push(index, item) {
                        let body = batch_body(&batch.records)?;
                        if let Some(f) = in_flight.take() {
                            f.land(&mut import).await?;
                            progress(&import.report.counts);
                        }
                        in_flight = Some(self.launch(body, batch, ctx, sent == 0));
                        sent += 1;
                    }
                }
                Step::Stop(e) => {
                    // What was sent is imported: take its answer first.
                    if let Some(f) = in_flight.take() {
                        f.land(&mut import).await?;
                        progress(&import.report.counts);
                    }
                    return Err(Error::Local(e));
                }
            }
        }
        if let Some(f) = in_flight.take() {
            f.land(&mut import).await?;
        }
        let batch = import.take();
        if !batch.records.is_empty() {
            let body = batch_body(&batch.records)?;
            self.launch(body, batch, ctx, sent == 0)
                .land(&mut import)
                .await?;
        }
        progress(&import.report.counts);
        Ok(import.finish())
    }

    /// Start sending one batch on the runtime.
    fn launch(&self, body: Vec<u8>, batch: Batch, ctx: &Context, first: bool) -> InFlight {
        let client = self.clone();
        let ctx = ctx.clone();
        let n = batch.records.len();
        drop(batch.records);
        let task = tokio::spawn(async move { client.send_batch(body, n, &ctx, first).await });
        InFlight {
            indices: batch.indices,
            task,
        }
    }

    /// Send one batch of `n` records (`POST /persons/batch`, `body` in
    /// JSON lines) and return the checked results (indices in the batch).
    /// One journal record, with operation `collect`.
    async fn send_batch(
        &self,
        body: Vec<u8>,
        n: usize,
        ctx: &Context,
        first: bool,
    ) -> Result<Vec<ImportItem>> {
        // Each request needs its own request id: a caller's goes to the
        // first one only.
        let mut ctx = ctx.clone();
        if !first {
            ctx.request_id = None;
        }
        let mut call = Call::new(Method::POST, "/persons/batch", Some(&ctx));
        call.body = Some(body);
        call.content_type = ImportFormat::JsonLines.media_type();
        // One key per batch, reused by the retries of this request.
        call.idempotency_key = Some(new_request_id());
        call.audit_op = AuditOp::Collect;
        let result = self
            .execute(call, |b| {
                let r: ImportResult = decode(b)?;
                check_results(n, &r.results)?;
                let mut received = Received::from_decision(&r.decision, Vec::new());
                let ids: Vec<String> = r.results.iter().filter_map(|i| i.fldm_id.clone()).collect();
                // A journal record names at most MAX_SUBJECTS persons; the
                // hub's record of the same request id names every one.
                if ids.len() <= fldm_core::audit::MAX_SUBJECTS {
                    received.subjects = ids;
                }
                Ok((r, received))
            })
            .await?;
        Ok(result.results)
    }

    /// Journal that this office acted on a tombstone of its change feed:
    /// it deleted its copy of `fldm_id` ([`LocalAction::Deleted`],
    /// operation `delete`) or relinked it to the survivor of a merge
    /// ([`LocalAction::Relinked`], operation `combine`). Sends nothing:
    /// it appends one client-journal record with the purpose and case of
    /// `ctx`, the person as subject and the tombstone's reason code, so
    /// that the receiver's journal shows it was told and acted. Without a
    /// journal (`without_journal`) it checks the arguments and writes
    /// nothing.
    pub fn acknowledge_deletion(
        &self,
        fldm_id: &str,
        tombstone: &Tombstone,
        action: LocalAction,
        ctx: &Context,
    ) -> Result<()> {
        let id = parse_fldm_id(fldm_id)?;
        let operation = match &action {
            LocalAction::Deleted => AuditOp::Delete,
            LocalAction::Relinked { to } => {
                id_field("to", to)?;
                AuditOp::Combine
            }
        };
        let request_id = ctx.request_id.clone().unwrap_or_else(new_request_id);
        self.check_context(ctx, &request_id)?;
        let Some(j) = &self.inner.journal else {
            return Ok(());
        };
        let facts = RecordFacts {
            stage: Stage::Client,
            operation,
            office: self.inner.office.clone(),
            user: self.inner.user.clone(),
            responsible: self.inner.responsible.clone(),
            purpose: ctx.purpose.clone(),
            case_reference: ctx.case_reference.clone(),
            request_id,
            subjects: vec![id.to_string()],
            outcome: OutcomeKind::Permitted,
            reason: Some(tombstone.reason.as_str().to_string()),
            ..RecordFacts::default()
        };
        j.write(facts, &[], None)
    }
}

/// An FLDM id given as argument `field`; a local error naming `field`.
fn id_field(field: &str, s: &str) -> Result<FldmId> {
    FldmId::parse(s).map_err(|k| Error::Local(fldm_core::ValidationError::new(field, k).into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fldm_core::codec::import::read_all;

    const GOOD: &str = r#"{"azr_nummer":"230517000123","grundpersonalien":{"familienname":"Haddad","vornamen":{"nicht_vorhanden":true},"geburtsdatum":"1990","geschlecht":"w","staatsangehoerigkeiten":["475"]}}"#;

    /// A line with its own Aktenzeichen `ABH-n/26`.
    fn line(n: usize) -> String {
        GOOD.replacen(
            r#""azr_nummer":"230517000123""#,
            &format!(r#""aktenzeichen":"ABH-{n}/26""#),
            1,
        )
    }

    /// What a hub would answer: records without a key are refused
    /// (`missing_key`), the others created; in reverse order, to show the
    /// client does not rely on the order.
    fn fake_hub(records: &[Person]) -> Vec<ImportItem> {
        let mut out: Vec<ImportItem> = records
            .iter()
            .enumerate()
            .map(|(i, p)| match fldm_core::lifecycle::OwnerKey::of(p) {
                Ok(_) => ImportItem {
                    index: i as u64,
                    outcome: ImportOutcome::Created,
                    fldm_id: Some(format!("P{i}")),
                    field: None,
                    reason: None,
                },
                Err(_) => ImportItem {
                    index: i as u64,
                    outcome: ImportOutcome::Refused,
                    fldm_id: None,
                    field: Some("azr_nummer".into()),
                    reason: Some(ImportRefusal::MissingKey),
                },
            })
            .collect();
        out.reverse();
        out
    }

    /// Run `steps` through an import of `batch_size` against the fake hub;
    /// the batches' sizes and the report.
    fn run(
        steps: impl Iterator<Item = Step>,
        batch_size: usize,
    ) -> (
        Vec<usize>,
        std::result::Result<ImportReport, fldm_core::Error>,
    ) {
        let mut import = Import::new(batch_size);
        let mut sizes = Vec::new();
        let mut send = |import: &mut Import, b: Batch| {
            sizes.push(b.records.len());
            let results = fake_hub(&b.records);
            check_results(b.records.len(), &results).expect("answer");
            import.apply(&b.indices, results);
        };
        for step in steps {
            match step {
                Step::Record(i, item) => {
                    if let Some(b) = import.push(i, item) {
                        send(&mut import, b);
                    }
                }
                Step::Stop(e) => return (sizes, Err(e)),
            }
        }
        let b = import.take();
        if !b.records.is_empty() {
            send(&mut import, b);
        }
        (sizes, Ok(import.finish()))
    }

    fn steps_of(text: &str, format: ImportFormat) -> Vec<Step> {
        reader_steps(ImportReader::new(text.as_bytes(), format)).collect()
    }

    #[test]
    fn batches_carry_file_indices_and_local_refusals_are_not_sent() {
        // 7 records: #2 has an impossible date (refused here), #5 has no
        // key (refused by the hub).
        let mut lines: Vec<String> = (0..7).map(line).collect();
        lines[2] = lines[2].replace("1990", "1990-02-30");
        lines[5] = GOOD.replacen(r#""azr_nummer":"230517000123","#, "", 1);
        let text = lines.join("\n") + "\n";
        let (sizes, report) = run(steps_of(&text, ImportFormat::JsonLines).into_iter(), 2);
        let report = report.expect("report");
        // 6 records sent in batches of 2.
        assert_eq!(sizes, vec![2, 2, 2]);
        assert_eq!(report.batches, 3);
        assert_eq!(
            report.counts.to_string(),
            "created 5, updated 0, unchanged 0, refused 2"
        );
        let refused: Vec<(u64, Option<&str>, Option<ImportRefusal>)> = report
            .refused
            .iter()
            .map(|i| (i.index, i.field.as_deref(), i.reason))
            .collect();
        assert_eq!(
            refused,
            vec![
                (
                    2,
                    Some("grundpersonalien.geburtsdatum"),
                    Some(ImportRefusal::Invalid)
                ),
                (5, Some("azr_nummer"), Some(ImportRefusal::MissingKey)),
            ]
        );
    }

    #[test]
    fn one_batch_when_the_input_is_smaller_and_none_when_empty() {
        let text = format!("{}\n{}\n", line(1), line(2));
        let (sizes, report) = run(steps_of(&text, ImportFormat::JsonLines).into_iter(), 5000);
        assert_eq!(sizes, vec![2]);
        assert_eq!(report.expect("report").counts.created, 2);
        let (sizes, report) = run(steps_of("\n", ImportFormat::JsonLines).into_iter(), 5000);
        assert!(sizes.is_empty());
        let report = report.expect("report");
        assert_eq!((report.batches, report.counts.total()), (0, 0));
        // Batch sizes are clamped to what the protocol allows.
        assert_eq!(Import::new(0).batch_size, 1);
        assert_eq!(Import::new(1 << 20).batch_size, MAX_IMPORT_BATCH);
    }

    #[test]
    fn malformed_xml_stops_with_the_record_index_after_the_full_batches() {
        let doc = "<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\
             <fldm:person><fldm:aktenzeichen>ABH-1/26</fldm:aktenzeichen></fldm:person>\
             <fldm:person><fldm:aktenzeichen>ABH-2/26</fldm:aktenzeichen></fldm:person>\
             <fldm:person><fldm:aktenzeichen>ABH-3/26</fldm:aktenzeichen></fldm:person>\
             <fldm:person>";
        let (sizes, report) = run(steps_of(doc, ImportFormat::Xml).into_iter(), 2);
        // The first full batch was sent; the third record was not.
        assert_eq!(sizes, vec![2]);
        let e = report.expect_err("malformed");
        assert_eq!(e.record_index(), Some(3));
        assert!(!is_record_error(&e));
    }

    #[test]
    fn hub_answers_must_cover_the_batch_exactly_once() {
        let item = |index| ImportItem {
            index,
            outcome: ImportOutcome::Unchanged,
            fldm_id: Some("P1".into()),
            field: None,
            reason: None,
        };
        assert!(check_results(2, &[item(1), item(0)]).is_ok());
        for bad in [
            vec![item(0)],
            vec![item(0), item(0)],
            vec![item(0), item(2)],
        ] {
            let e = check_results(2, &bad).expect_err("bad answer");
            assert_eq!(e.code(), "protocol");
        }
    }

    #[test]
    fn import_lines_leave_out_the_fldm_id() {
        let p = read_all(line(1).as_bytes(), ImportFormat::JsonLines)
            .pop()
            .expect("one")
            .expect("record");
        let body = batch_body(&[p.clone(), p]).expect("body");
        let text = String::from_utf8(body).expect("utf-8");
        assert_eq!(text.lines().count(), 2);
        assert!(!text.contains("fldm_id"), "{text}");
        assert!(text.contains(r#""aktenzeichen":"ABH-1/26""#), "{text}");
    }

    #[test]
    fn change_events_tell_deletions_from_changes() {
        let tomb: ChangeEntry = serde_json::from_str(
            r#"{"seq":7,"fldm_id":"P2","deleted":{"reason":"doppelerfassung","at":"2026-12-03T10:00:00.000Z","merged_into":"P1"}}"#,
        )
        .expect("entry");
        let ev = ChangeEvent::from(tomb.clone());
        match &ev {
            ChangeEvent::Deleted { tombstone, .. } => {
                assert_eq!(tombstone.reason, DeletionReason::Doppelerfassung);
                assert_eq!(tombstone.merged_into.as_deref(), Some("P1"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!((ev.seq(), ev.fldm_id()), (7, "P2"));
        assert_eq!(ChangeEntry::from(ev), tomb);
        let change: ChangeEntry =
            serde_json::from_str(r#"{"seq":8,"fldm_id":"P1","changed":["anschrift.aktuell"]}"#)
                .expect("entry");
        assert!(matches!(
            ChangeEvent::from(change),
            ChangeEvent::Changed { seq: 8, ref changed, .. } if changed == &["anschrift.aktuell"]
        ));
    }
}

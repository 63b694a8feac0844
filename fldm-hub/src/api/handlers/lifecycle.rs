//! The record life cycle over HTTP: bulk import by the owning office,
//! deletion with a reason, merge of a duplicate. The rules are those of
//! [`crate::lifecycle`]; these functions add the protocol (formats, the
//! idempotency key, problems).

use fldm_core::codec::import::{ImportFormat, ImportReader, is_record_error};
use fldm_core::ids::FldmId;
use fldm_core::lifecycle::DeletionReason;
use fldm_core::policy::Operation;
use fldm_core::wire::{
    DecisionInfo, DeleteResult, ImportResult, MAX_IMPORT_BATCH, MergeRequest, MergeResult,
    ProblemCode,
};
use serde::Deserialize;

use super::{begin_write, body, idempotent_write, parse_id, query_params, request_body};
use crate::api::problem::ApiError;
use crate::api::{AppState, Ctx, Exchange, Reply};
use crate::lifecycle::{self as lc, record_deletion};

/// Body limit of `POST /v1/persons/batch`: 64 MiB (the hub's
/// `max_body_bytes` stays the limit of every other route).
pub(crate) const MAX_IMPORT_BODY: usize = 64 << 20;

/// The import format of the request body: JSON lines
/// (`application/x-ndjson`, `application/jsonl`, also `application/json`
/// and no `Content-Type`) or an XML list (`application/xml`, `text/xml`).
fn import_format(ctx: &Ctx) -> Result<ImportFormat, ApiError> {
    let media = ctx
        .content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "" | "application/x-ndjson" | "application/jsonl" | "application/json" => {
            Ok(ImportFormat::JsonLines)
        }
        "application/xml" | "text/xml" => Ok(ImportFormat::Xml),
        _ => Err(ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "import bodies are application/x-ndjson (JSON lines) or application/xml",
        )),
    }
}

/// Records handed from the reading thread to the transaction at a time.
const READ_CHUNK: usize = 256;

/// `POST /v1/persons/batch` (operation `write`, a rule covering all
/// Grundpersonalien): upsert up to [`MAX_IMPORT_BATCH`] records keyed by
/// the owner's key, in one transaction, one result item per record.
///
/// The body is decoded on a second thread while the transaction applies
/// the records already decoded (the two take about the same time). Input
/// that cannot be read further, or more than [`MAX_IMPORT_BATCH`] records,
/// fail the transaction, so nothing is written.
pub(crate) fn batch_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    let permit = begin_write(st, ctx, Operation::Write, facts)?;
    permit.check_create()?;
    let format = import_format(ctx)?;
    let office = ctx.office().to_string();
    idempotent_write(st, ctx, facts, &b, |tx, facts| {
        let mut importer = lc::BatchImporter::new(tx, &permit, &office, 0);
        std::thread::scope(|scope| {
            let (send, recv) = std::sync::mpsc::sync_channel::<Vec<_>>(4);
            let input = &b[..];
            scope.spawn(move || {
                let mut chunk = Vec::with_capacity(READ_CHUNK);
                for item in ImportReader::new(input, format).take(MAX_IMPORT_BATCH + 1) {
                    chunk.push(item);
                    if chunk.len() == READ_CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(READ_CHUNK));
                        if send.send(full).is_err() {
                            return;
                        }
                    }
                }
                if !chunk.is_empty() {
                    let _ = send.send(chunk);
                }
            });
            let mut n = 0usize;
            for chunk in recv {
                for item in &chunk {
                    n += 1;
                    if n > MAX_IMPORT_BATCH {
                        return Err(ApiError::invalid(
                            "records",
                            format!("records: at most {MAX_IMPORT_BATCH} per request"),
                        ));
                    }
                    if let Err(e) = item
                        && !is_record_error(e)
                    {
                        let index = e.record_index().unwrap_or(n - 1);
                        return Err(ApiError::invalid(
                            format!("records[{index}]"),
                            format!(
                                "the input cannot be read at record {index}; nothing was imported: {e}"
                            ),
                        ));
                    }
                    importer.push(item)?;
                }
            }
            Ok(())
        })?;
        let outcome = importer.finish();
        let result = ImportResult {
            request_id: ctx.request_id.clone(),
            decision: DecisionInfo::from_permit(&permit),
            counts: outcome.counts,
            results: outcome.items,
        };
        let reply = body(ctx, 200, "importergebnis", &result, &[])?;
        lc::append_import_audit(st, facts, &outcome.written, &reply.body)
            .map_err(|_| ApiError::audit_unavailable())?;
        facts.appended = true;
        Ok(reply)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteQuery {
    reason: Option<String>,
}

/// Forget the bytes of deleted records that the write-ahead log still
/// holds. The deletion is committed either way; a failure is only logged
/// (without personal data) and the next checkpoint catches up.
fn checkpoint(st: &AppState) {
    if let Err(e) = st.store.checkpoint_wal() {
        eprintln!("fldm hub: WAL checkpoint after a deletion failed: {e}");
    }
}

/// `DELETE /v1/persons/{fldm_id}?reason=CODE` (operation `write`, only the
/// record's owner): delete the record; every office that reads the change
/// feed gets a tombstone.
pub(crate) fn delete_logic(x: Exchange<'_>, fldm_id: &str) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    if let Ok(id) = FldmId::parse(fldm_id) {
        facts.set_subject(id.as_str());
    }
    let permit = begin_write(st, ctx, Operation::Write, facts)?;
    let id = parse_id(fldm_id)?;
    let q: DeleteQuery = query_params(ctx)?;
    let reason = DeletionReason::parse_field("reason", q.reason.as_deref().unwrap_or(""))
        .map_err(ApiError::from)?;
    let office = ctx.office().to_string();
    let reply = idempotent_write(st, ctx, facts, &[], |tx, facts| {
        let d = tx.delete(&id, reason, None, &office)?;
        record_deletion(facts, &d);
        let out = DeleteResult {
            request_id: ctx.request_id.clone(),
            decision: DecisionInfo::from_permit(&permit),
            fldm_id: d.fldm_id.as_str().to_string(),
            deleted: d.tombstone(),
        };
        body(ctx, 200, "loeschergebnis", &out, &[])
    })?;
    checkpoint(st);
    Ok(reply)
}

/// `POST /v1/persons/{survivor}/merge` with `{"duplicate": "<id>"}`
/// (operation `write`, owner of both): the duplicate is deleted with
/// reason `doppelerfassung` and a tombstone pointing to the survivor.
pub(crate) fn merge_logic(x: Exchange<'_>, survivor: &str) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    if let Ok(id) = FldmId::parse(survivor) {
        facts.set_subject(id.as_str());
    }
    let permit = begin_write(st, ctx, Operation::Write, facts)?;
    let survivor = parse_id(survivor)?;
    let req: MergeRequest = request_body(ctx, &b)?;
    let duplicate = FldmId::parse(&req.duplicate)
        .map_err(|k| ApiError::invalid("duplicate", format!("duplicate: {k}")))?;
    facts.subjects = vec![
        survivor.as_str().to_string(),
        duplicate.as_str().to_string(),
    ];
    let office = ctx.office().to_string();
    let reply = idempotent_write(st, ctx, facts, &b, |tx, facts| {
        let (rec, d) = tx.merge(&survivor, &duplicate, &office)?;
        record_deletion(facts, &d);
        let out = MergeResult {
            request_id: ctx.request_id.clone(),
            decision: DecisionInfo::from_permit(&permit),
            fldm_id: rec.person.fldm_id.as_str().to_string(),
            version: rec.version,
            duplicate: d.fldm_id.as_str().to_string(),
            deleted: d.tombstone(),
        };
        body(ctx, 200, "zusammenfuehrung", &out, &[])
    })?;
    checkpoint(st);
    Ok(reply)
}

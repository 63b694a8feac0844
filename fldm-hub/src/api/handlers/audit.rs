//! The audit endpoints: signed checkpoints, inclusion proofs and the
//! data-subject access report.

use fldm_core::ids::FldmId;
use fldm_core::policy::Operation;
use fldm_core::wire::{AccessReport, AccessReportEntry, AuditCheckpoint};
use serde::Deserialize;

use super::{body, decide, parse_id, query_params};
use crate::api::format::{self, Format};
use crate::api::problem::ApiError;
use crate::api::{Exchange, Reply};

/// `GET /v1/audit/checkpoint` (operation `audit`): a signed checkpoint over
/// the journal as it is now, with the public key.
pub(crate) fn checkpoint_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    decide(st, ctx, Operation::Audit, facts)?;
    let cp = match st.journal.checkpoint() {
        Ok(cp) => cp,
        Err(_) => st
            .journal
            .last_checkpoint()
            .ok_or_else(|| ApiError::not_found("checkpoint"))?,
    };
    let out = AuditCheckpoint {
        checkpoint: cp.to_json(),
        public_key: st.public_key_hex.clone(),
    };
    body(ctx, 200, "pruefpunkt", &out, &[])
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessReportQuery {
    fldm_id: Option<String>,
}

/// `GET /v1/audit/access-report?fldm_id=P…` (operation `audit`): every
/// hub-journal record about the person — alone (`subject_ref`) or among
/// others (`subject_refs`: search candidates, change-feed pages) — for a
/// data-subject access request (DSGVO Art. 15, AZRG § 34). The clerks'
/// user ids are left out: the report names bodies, purposes and legal bases.
/// Reads the journal file once and decodes only the entries that carry the
/// person's reference; reports run one at a time.
pub(crate) fn access_report_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    // As for reads: the person asked about is recorded even when the
    // policy refuses the report.
    let q: Result<AccessReportQuery, ApiError> = query_params(ctx);
    if let Some(id) = q.as_ref().ok().and_then(|q| q.fldm_id.as_deref())
        && let Ok(id) = FldmId::parse(id)
    {
        facts.set_subject(id.as_str());
    }
    decide(st, ctx, Operation::Audit, facts)?;
    let id = q?
        .fldm_id
        .ok_or_else(|| ApiError::invalid("fldm_id", "fldm_id: value is missing"))?;
    let id = parse_id(&id)?;
    let dir = st.journal.dir().ok_or_else(ApiError::internal)?;
    let subject = st.pseudonym.subject_ref(id.as_str());
    // One report at a time: each reads the whole journal file.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let found = {
        let _turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        fldm_core::audit::entries_concerning(dir, &subject).map_err(|_| ApiError::internal())?
    };
    let mut entries = Vec::new();
    for e in &found.entries {
        let r = &e.record;
        entries.push(AccessReportEntry {
            index: e.index,
            time: fldm_core::audit::format_time_ms(r.time_ms),
            operation: r.operation.as_str().to_string(),
            requesting_office: r.requesting_office.clone(),
            recipient: r.recipient.clone(),
            purpose: r.purpose.clone(),
            case_reference: r.case_reference.clone(),
            legal_basis: r.legal_basis.clone(),
            rule_id: r.rule_id.clone(),
            disclosed_attributes: r.disclosed_attributes.clone(),
            outcome: r.outcome.kind.as_str().to_string(),
            reason: r.outcome.reason.clone(),
        });
    }
    let out = AccessReport {
        request_id: ctx.request_id.clone(),
        fldm_id: id.as_str().to_string(),
        entries,
        examined: found.examined,
        pruned: found.pruned,
    };
    body(ctx, 200, "auskunft", &out, &[])
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofQuery {
    index: Option<u64>,
}

/// `GET /v1/audit/proof?index=N` (operation `audit`): the offline
/// verification bundle of entry N (entry, inclusion proof, checkpoint).
pub(crate) fn proof_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    decide(st, ctx, Operation::Audit, facts)?;
    let q: ProofQuery = query_params(ctx)?;
    let index = q
        .index
        .ok_or_else(|| ApiError::invalid("index", "index: value is missing"))?;
    if index >= st.journal.len() {
        return Err(ApiError::not_found("audit entry"));
    }
    let bundle = st
        .journal
        .prove_inclusion(index)
        .map_err(|_| ApiError::not_found("audit entry"))?;
    let json = bundle.to_json();
    match ctx.fmt() {
        Format::Json => Ok(Reply::new(200, Format::Json, json.into_bytes())),
        Format::Xml => {
            let v: serde_json::Value =
                serde_json::from_str(&json).map_err(|_| ApiError::internal())?;
            Ok(Reply::new(
                200,
                Format::Xml,
                format::envelope("pruefbuendel", &v, &[]).into_bytes(),
            ))
        }
    }
}

//! Writes and the owning office's calls: address write-back (single and
//! in bulk), corrections, and the data-subject access report.

use fldm_core::audit::Operation as AuditOp;
use fldm_core::record::Anschrift;
use fldm_core::wire::{
    AccessReport, AddressUpdate, Correction, CorrectionDecision, CorrectionList, CorrectionReport,
    CorrectionStatus, WriteResult,
};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Call, Context, HubClient, Received, decode, new_request_id, parse_fldm_id};
use crate::error::{Error, Result};

/// Decode an answer that carries no person records: it adds nothing to
/// the journal record beyond what the call already names.
fn plain<T: DeserializeOwned>(body: &[u8]) -> Result<(T, Received)> {
    Ok((decode(body)?, Received::default()))
}

/// A write: `method path` with `body` as JSON, the idempotency key `key`
/// (or a fresh one, which retries within the call reuse), audited as a
/// change.
fn write_call<'a>(
    method: Method,
    path: String,
    ctx: &'a Context,
    key: Option<&str>,
    body: &impl Serialize,
) -> Result<Call<'a>> {
    let mut call = Call::new(method, path, Some(ctx));
    call.body = Some(serde_json::to_vec(body).map_err(|e| Error::Protocol(e.to_string()))?);
    call.idempotency_key = Some(key.map_or_else(new_request_id, str::to_string));
    call.audit_op = AuditOp::Change;
    Ok(call)
}

impl HubClient {
    /// Write back the current address (housing office). `idempotency_key`:
    /// pass a stable key to make the write safe to repeat across restarts;
    /// `None` generates one (retries within this call reuse it).
    pub async fn update_address(
        &self,
        fldm_id: &str,
        anschrift: &Anschrift,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<WriteResult> {
        let id = parse_fldm_id(fldm_id)?;
        let body = AddressUpdate {
            anschrift: anschrift.clone(),
        };
        let path = format!("/persons/{id}/anschrift");
        let mut call = write_call(Method::PUT, path, ctx, idempotency_key, &body)?;
        call.subjects = vec![id.to_string()];
        self.execute(call, |b| {
            let w: WriteResult = decode(b)?;
            let r = Received::from_decision(&w.decision, Vec::new());
            Ok((w, r))
        })
        .await
    }

    /// Report a correction (Berichtigung) to the owning office.
    pub async fn report_correction(
        &self,
        fldm_id: &str,
        report: &CorrectionReport,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<Correction> {
        let id = parse_fldm_id(fldm_id)?;
        let path = format!("/persons/{id}/corrections");
        let mut call = write_call(Method::POST, path, ctx, idempotency_key, report)?;
        call.subjects = vec![id.to_string()];
        self.execute(call, plain::<Correction>).await
    }

    /// Accept or reject a correction reported about a record this office
    /// owns (`status`: `Accepted` or `Rejected`; a correction cannot be
    /// reopened). Deciding the same way again changes nothing.
    pub async fn decide_correction(
        &self,
        correction_id: u64,
        status: CorrectionStatus,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<Correction> {
        if status == CorrectionStatus::Open {
            return Err(Error::Local(
                fldm_core::ValidationError::new(
                    "status",
                    fldm_core::ValidationKind::Format {
                        expected: "accepted or rejected",
                    },
                )
                .into(),
            ));
        }
        let path = format!("/corrections/{correction_id}/status");
        let body = CorrectionDecision { status };
        let call = write_call(Method::PUT, path, ctx, idempotency_key, &body)?;
        self.execute(call, |b| {
            let c = decode::<Correction>(b)?;
            let r = Received {
                subjects: vec![c.fldm_id.clone()],
                ..Received::default()
            };
            Ok((c, r))
        })
        .await
    }

    /// The data-subject access report of one person (DSGVO Art. 15, AZRG
    /// § 34): every hub-journal record about them. For the data-protection
    /// office (operation `audit`).
    pub async fn access_report(&self, fldm_id: &str, ctx: &Context) -> Result<AccessReport> {
        let id = parse_fldm_id(fldm_id)?;
        let mut call = Call::new(Method::GET, "/audit/access-report", Some(ctx));
        call.query.push(("fldm_id", id.to_string()));
        call.audit_op = AuditOp::Query;
        call.subjects = vec![id.to_string()];
        self.execute(call, plain::<AccessReport>).await
    }

    /// Corrections reported to this (owning) office, oldest first; fetched
    /// page by page (up to 1,000 per request) until the end.
    pub async fn corrections(
        &self,
        status: Option<CorrectionStatus>,
        ctx: &Context,
    ) -> Result<Vec<Correction>> {
        let status = status.map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        });
        let mut out: Vec<Correction> = Vec::new();
        loop {
            // One request (and one journal record) per page.
            let mut call = Call::new(Method::GET, "/corrections", Some(ctx));
            if let Some(s) = &status {
                call.query.push(("status", s.clone()));
            }
            if let Some(last) = out.last() {
                call.query.push(("after", last.id.to_string()));
            }
            let page = self
                .execute(call, |b| {
                    let page = decode::<CorrectionList>(b)?;
                    if page.corrections.len() > fldm_core::audit::MAX_SUBJECTS {
                        return Err(Error::Protocol(format!(
                            "the hub sent {} corrections in one page",
                            page.corrections.len()
                        )));
                    }
                    let r = Received {
                        subjects: page.corrections.iter().map(|c| c.fldm_id.clone()).collect(),
                        ..Received::default()
                    };
                    Ok((page, r))
                })
                .await?;
            let more = page.has_more && !page.corrections.is_empty();
            out.extend(page.corrections);
            if !more {
                return Ok(out);
            }
        }
    }

    /// Write back many addresses, `concurrency` at a time, reporting
    /// progress after each. Idempotency keys are `<batch_id>-<index>`, so
    /// running the same batch again (after a crash, or the hub's) applies
    /// every update exactly once.
    pub async fn sync_addresses(
        &self,
        batch_id: &str,
        updates: &[(String, Anschrift)],
        ctx: &Context,
        concurrency: usize,
        mut progress: impl FnMut(usize, usize),
    ) -> BulkReport {
        use tokio::task::JoinSet;
        let total = updates.len();
        let mut report = BulkReport::default();
        let mut set = JoinSet::new();
        let mut next = 0usize;
        let mut done = 0usize;
        let conc = concurrency.max(1);
        loop {
            while set.len() < conc && next < total {
                let client = self.clone();
                let (id, addr) = updates[next].clone();
                let ctx = ctx.clone();
                let key = format!("{batch_id}-{next}");
                let i = next;
                set.spawn(
                    async move { (i, client.update_address(&id, &addr, &ctx, Some(&key)).await) },
                );
                next += 1;
            }
            let Some(joined) = set.join_next().await else {
                break;
            };
            done += 1;
            match joined {
                Ok((_, Ok(_))) => report.applied += 1,
                Ok((i, Err(e))) => report.failed.push((i, e)),
                Err(e) => report
                    .failed
                    .push((usize::MAX, Error::Transport(format!("task failed: {e}")))),
            }
            progress(done, total);
        }
        report.failed.sort_by_key(|(i, _)| *i);
        report
    }
}

/// Result of a bulk write.
#[derive(Debug, Default)]
pub struct BulkReport {
    /// Updates the hub confirmed.
    pub applied: usize,
    /// Updates that failed after all retries, by index.
    pub failed: Vec<(usize, Error)>,
}

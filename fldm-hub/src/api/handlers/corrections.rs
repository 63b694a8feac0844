//! Corrections (Berichtigungen): reported by any receiving office, listed
//! for and decided by the owning office.

use fldm_core::attribute::AttributeSet;
use fldm_core::policy::Operation;
use fldm_core::wire::{self, CorrectionDecision, CorrectionList, CorrectionReport};
use serde::Deserialize;

use super::{
    begin_write, body, decide, idempotent_write, names, page_limit, parse_id, query_params,
    record_received, request_body,
};
use crate::api::problem::ApiError;
use crate::api::{Exchange, Reply};
use crate::store::CorrectionStatus;

fn correction_wire(c: &crate::store::Correction) -> wire::Correction {
    wire::Correction {
        id: c.id,
        fldm_id: c.fldm_id.as_str().to_string(),
        reported_by: c.reported_by.clone(),
        attributes: names(c.attributes),
        note: c.note.clone(),
        status: match c.status {
            CorrectionStatus::Open => wire::CorrectionStatus::Open,
            CorrectionStatus::Accepted => wire::CorrectionStatus::Accepted,
            CorrectionStatus::Rejected => wire::CorrectionStatus::Rejected,
        },
        reported_at: c
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        request_id: c.request_id.clone(),
    }
}

/// `POST /v1/persons/{fldm_id}/corrections`: any office with a read rule
/// for the purpose reports attributes it receives as wrong; the correction
/// goes to the record's owning office.
pub(crate) fn report_correction_logic(x: Exchange<'_>, fldm_id: &str) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    let permit = begin_write(st, ctx, Operation::Read, facts)?;
    let id = parse_id(fldm_id)?;
    let report: CorrectionReport = request_body(ctx, &b)?;
    let set = AttributeSet::from_names("attributes", &report.attributes).map_err(ApiError::from)?;
    if set.is_empty() {
        return Err(ApiError::invalid(
            "attributes",
            "attributes: value is empty",
        ));
    }
    permit.check_correction(set)?;
    let office = ctx.office().to_string();
    facts.set_subject(id.as_str());
    idempotent_write(st, ctx, facts, &b, |tx, facts| {
        let c = tx.report_correction(
            &id,
            &office,
            &report.attributes,
            &report.note,
            &ctx.request_id,
        )?;
        facts.disclosed = names(c.attributes);
        body(ctx, 201, "berichtigung", &correction_wire(&c), &[])
    })
}

/// `PUT /v1/corrections/{id}/status`: the owning office accepts or rejects
/// a correction reported about one of its records (requires a write rule
/// for the purpose). Deciding the same way again changes nothing; a decided
/// correction cannot be changed or reopened (`invalid_input`, field
/// `status`); another office gets `policy_denied` with reason `not_owner`.
pub(crate) fn decide_correction_logic(
    x: Exchange<'_>,
    correction_id: &str,
) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    begin_write(st, ctx, Operation::Write, facts)?;
    let id: u64 = correction_id
        .parse()
        .ok()
        .filter(|&n| n > 0 && n <= i64::MAX as u64)
        .ok_or_else(|| ApiError::invalid("id", "id: a correction id (a positive integer)"))?;
    let decision: CorrectionDecision = request_body(ctx, &b)?;
    let status = match decision.status {
        wire::CorrectionStatus::Accepted => CorrectionStatus::Accepted,
        wire::CorrectionStatus::Rejected => CorrectionStatus::Rejected,
        wire::CorrectionStatus::Open => {
            return Err(ApiError::invalid(
                "status",
                "status: accepted or rejected (a correction cannot be reopened)",
            ));
        }
    };
    let office = ctx.office().to_string();
    idempotent_write(st, ctx, facts, &b, |tx, facts| {
        let c = tx.set_correction_status(id, status, &office)?;
        facts.set_subject(c.fldm_id.as_str());
        facts.disclosed = names(c.attributes);
        body(ctx, 200, "berichtigung", &correction_wire(&c), &[])
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionsQuery {
    status: Option<String>,
    after: Option<u64>,
    limit: Option<usize>,
}

/// Largest `limit` of a corrections list (one page names at most this many
/// persons in its audit record).
pub(crate) const MAX_CORRECTIONS_LIMIT: usize = fldm_core::audit::MAX_SUBJECTS;

/// `GET /v1/corrections?status=open&after=N&limit=M`: the corrections
/// addressed to the calling office (the owner of the records concerned, in
/// the reference setup the Ausländerbehörde), oldest first, in pages of at
/// most [`MAX_CORRECTIONS_LIMIT`]. Requires a read rule for the purpose.
pub(crate) fn list_corrections_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    decide(st, ctx, Operation::Read, facts)?;
    let q: CorrectionsQuery = query_params(ctx)?;
    let status = match q.status.as_deref() {
        None | Some("all") => None,
        Some(s) => Some(CorrectionStatus::parse(s).ok_or_else(|| {
            ApiError::invalid("status", "status: open, accepted, rejected or all")
        })?),
    };
    let limit = page_limit(q.limit, MAX_CORRECTIONS_LIMIT, MAX_CORRECTIONS_LIMIT)?;
    let mut list =
        st.store
            .corrections_page(ctx.office(), status, q.after.unwrap_or(0), limit + 1)?;
    let has_more = list.len() > limit;
    list.truncate(limit);
    record_received(
        facts,
        list.iter().map(|c| (c.fldm_id.as_str(), c.attributes)),
    );
    let out = CorrectionList {
        request_id: ctx.request_id.clone(),
        corrections: list.iter().map(correction_wire).collect(),
        has_more,
    };
    body(ctx, 200, "berichtigungen", &out, &[])
}

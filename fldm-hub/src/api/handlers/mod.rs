//! The endpoints of `/v1`: thin axum handlers, each delegating to a plain
//! function `(state, context, audit facts, body) -> reply` that runs on the
//! blocking pool (policy decision, store, projection, body).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use fldm_core::attribute::{self, AttributeSet};
use fldm_core::audit::{Operation as AuditOp, hex};
use fldm_core::ids::{AzrNummer, FldmId};
use fldm_core::matching::{self, Query};
use fldm_core::policy::{Decision, Operation, Permit, Request as PolicyRequest, today_utc};
use fldm_core::record::Person;
use fldm_core::wire::{
    self, AccessReport, AccessReportEntry, AddressUpdate, AuditCheckpoint, ChangeEntry,
    ChangesPage, CorrectionDecision, CorrectionList, CorrectionReport, DecisionInfo, Disclosure,
    Health, ProblemCode, SearchRequest, SearchResponse, Statistics, StatisticsCell, WriteResult,
};
use serde::{Deserialize, Serialize};

use super::format::{self, Format};
use super::problem::ApiError;
use super::{AppState, Ctx, OfficeIdentity, Reply, Spec, dispatch};
use crate::audit_log::AuditFacts;
use crate::store::{CorrectionStatus, IdempotentOutcome, NewId, PersonRecord, StoredResponse, Tx};

/// Default and largest number of search candidates.
pub const DEFAULT_SEARCH_LIMIT: u32 = 10;
/// Largest `limit` of a search.
pub const MAX_SEARCH_LIMIT: u32 = 50;
/// Most persons looked at per search after blocking.
pub const MAX_BLOCKED_CANDIDATES: usize = 2000;
/// Default page size of the change feed.
pub const DEFAULT_CHANGES_LIMIT: usize = 100;
/// Largest page size of the change feed.
pub const MAX_CHANGES_LIMIT: usize = 1000;
// A page of the change feed or of corrections, and a search, name each of
// their persons in one audit record, which holds at most MAX_SUBJECTS.
const _: () = assert!(
    MAX_CHANGES_LIMIT <= fldm_core::audit::MAX_SUBJECTS
        && MAX_SEARCH_LIMIT as usize <= fldm_core::audit::MAX_SUBJECTS
);

/// Cells of statistics smaller than this are suppressed.
pub const MIN_STATISTICS_CELL: u64 = 5;

type St = State<Arc<AppState>>;
type Ident = Extension<OfficeIdentity>;

macro_rules! endpoint {
    ($name:ident, $op:expr, $ctx:expr, $body:expr, $logic:path) => {
        #[doc = concat!("Handler of `", stringify!($name), "`; see [`", stringify!($logic), "`].")]
        pub async fn $name(State(st): St, Extension(ident): Ident, req: Request) -> Response {
            let spec = Spec {
                audit_op: $op,
                needs_context: $ctx,
                has_body: $body,
            };
            dispatch(st, ident, req, spec, Box::new($logic)).await
        }
    };
}

endpoint!(health, AuditOp::Query, false, false, health_logic);
endpoint!(get_person, AuditOp::Disclose, true, false, get_person_logic);
endpoint!(get_by_azr, AuditOp::Disclose, true, false, get_by_azr_logic);
endpoint!(search, AuditOp::Disclose, true, true, search_logic);
endpoint!(create_person, AuditOp::Collect, true, true, create_logic);
endpoint!(update_person, AuditOp::Change, true, true, update_logic);
endpoint!(put_anschrift, AuditOp::Change, true, true, anschrift_logic);
endpoint!(
    report_correction,
    AuditOp::Collect,
    true,
    true,
    report_correction_logic
);
endpoint!(
    list_corrections,
    AuditOp::Disclose,
    true,
    false,
    list_corrections_logic
);
endpoint!(
    decide_correction,
    AuditOp::Change,
    true,
    true,
    decide_correction_logic
);
endpoint!(changes, AuditOp::Disclose, true, false, changes_logic);
endpoint!(
    audit_checkpoint,
    AuditOp::Query,
    true,
    false,
    checkpoint_logic
);
endpoint!(audit_proof, AuditOp::Query, true, false, proof_logic);
endpoint!(
    access_report,
    AuditOp::Query,
    true,
    false,
    access_report_logic
);
endpoint!(statistics, AuditOp::Query, true, false, statistics_logic);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Ask the policy; record the deciding rule in the audit facts.
fn decide(
    st: &AppState,
    ctx: &Ctx,
    op: Operation,
    facts: &mut AuditFacts,
) -> Result<Permit, ApiError> {
    let date = today_utc().map_err(|_| ApiError::internal())?;
    let req = PolicyRequest {
        office: ctx.office(),
        operation: op,
        purpose: ctx.purpose.as_deref(),
        case_reference: ctx.case.as_deref(),
        date,
    };
    match st.policy.decide(&req) {
        Decision::Permit(p) => {
            facts.set_permit(&p);
            Ok(p)
        }
        Decision::Deny(d) => {
            facts.policy_hash = Some(d.policy_hash.to_string());
            Err(d.into())
        }
    }
}

fn segment(ctx: &Ctx, i: usize) -> &str {
    ctx.path.split('/').nth(i).unwrap_or("")
}

fn parse_id(s: &str) -> Result<FldmId, ApiError> {
    FldmId::parse(s).map_err(|k| ApiError::invalid("fldm_id", format!("fldm_id: {k}")))
}

fn query_params<T: for<'de> Deserialize<'de>>(ctx: &Ctx) -> Result<T, ApiError> {
    let q = ctx.query.as_deref().unwrap_or("");
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        ApiError::invalid(field, format!("query parameter: {}", e.inner()))
    })
}

/// Serialise `value` in the response format; in XML, `records` replace the
/// `record` fields in document order.
fn body<T: Serialize>(
    ctx: &Ctx,
    status: u16,
    root: &str,
    value: &T,
    records: &[&Person],
) -> Result<Reply, ApiError> {
    let format = ctx.fmt();
    let bytes = match format {
        Format::Json => serde_json::to_vec(value).map_err(|_| ApiError::internal())?,
        Format::Xml => {
            let v = serde_json::to_value(value).map_err(|_| ApiError::internal())?;
            format::envelope(root, &v, records).into_bytes()
        }
    };
    Ok(Reply::new(status, format, bytes))
}

fn names(set: AttributeSet) -> Vec<String> {
    set.names().into_iter().map(String::from).collect()
}

fn request_body<T: for<'de> Deserialize<'de>>(ctx: &Ctx, body: &[u8]) -> Result<T, ApiError> {
    match ctx.body_format.clone()? {
        Format::Json => format::decode_json(body),
        Format::Xml => format::decode_flat_xml(body),
    }
}

fn idempotency_key(ctx: &Ctx) -> Result<&str, ApiError> {
    ctx.idempotency_key.as_deref().ok_or_else(|| {
        ApiError::new(
            ProblemCode::IdempotencyKeyRequired,
            "writes require an Idempotency-Key header",
        )
    })
}

/// SHA-256 over what identifies a write: method, path, response format and body.
fn request_digest(ctx: &Ctx, body: &[u8]) -> [u8; 32] {
    let mut d = ring::digest::Context::new(&ring::digest::SHA256);
    d.update(ctx.method.as_str().as_bytes());
    d.update(b"\0");
    d.update(ctx.path.as_bytes());
    d.update(b"\0");
    d.update(ctx.fmt().media_type().as_bytes());
    d.update(b"\0");
    d.update(ctx.if_match.as_deref().unwrap_or("").as_bytes());
    d.update(b"\0");
    d.update(body);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.finish().as_ref());
    out
}

/// Run an idempotent write; the audit record is appended inside the
/// transaction, so a write that cannot be logged is rolled back.
fn idempotent_write(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    body: &[u8],
    write: impl FnOnce(&Tx<'_>, &mut AuditFacts) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    let key = idempotency_key(ctx)?;
    let digest = request_digest(ctx, body);
    let outcome = st.store.idempotent(ctx.office(), key, digest, |tx| {
        let reply = write(tx, facts)?;
        st.append_audit(facts, &reply.body)
            .map_err(|_| ApiError::audit_unavailable())?;
        facts.appended = true;
        Ok::<_, ApiError>(StoredResponse {
            status: reply.status,
            body: reply.body,
        })
    })?;
    if let IdempotentOutcome::Replayed(_) = &outcome {
        facts.reason = Some("idempotent_replay".into());
        facts.appended = false;
    }
    let r = outcome.response();
    Ok(Reply::new(r.status, ctx.fmt(), r.body.clone()))
}

/// The attributes of `set` whose values differ between `a` and `b`.
fn changed_attributes(a: &Person, b: &Person, set: AttributeSet) -> AttributeSet {
    let mut out = AttributeSet::empty();
    for (i, _) in attribute::CATALOGUE.iter().enumerate() {
        if !set.contains_index(i) {
            continue;
        }
        let mut one = AttributeSet::empty();
        one.insert(i);
        if attribute::project(a, one) != attribute::project(b, one) {
            out.insert(i);
        }
    }
    out
}

fn not_permitted(attrs: AttributeSet) -> ApiError {
    ApiError::denied(
        "attributes_not_permitted",
        format!(
            "the write rule does not permit these attributes: {}",
            attrs.names().join(", ")
        ),
    )
}

fn disclosure_reply(
    ctx: &Ctx,
    facts: &mut AuditFacts,
    permit: &Permit,
    rec: &PersonRecord,
) -> Result<Reply, ApiError> {
    let projected = permit.apply(&rec.person);
    facts.disclosed = names(attribute::present(&projected));
    facts.subject = Some(rec.person.fldm_id.as_str().to_string());
    facts.disclosed_to_office = true;
    let d = Disclosure {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(permit),
        record: projected,
    };
    body(ctx, 200, "offenlegung", &d, &[&d.record])
}

fn write_result(
    ctx: &Ctx,
    facts: &mut AuditFacts,
    permit: &Permit,
    status: u16,
    rec: &PersonRecord,
    changed: AttributeSet,
) -> Result<Reply, ApiError> {
    facts.subject = Some(rec.person.fldm_id.as_str().to_string());
    facts.disclosed = names(changed);
    let w = WriteResult {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(permit),
        fldm_id: rec.person.fldm_id.as_str().to_string(),
        version: rec.version,
        changed: names(changed),
    };
    body(ctx, status, "schreibergebnis", &w, &[])
}

// ---------------------------------------------------------------------------
// Endpoint functions
// ---------------------------------------------------------------------------

/// `GET /v1/health`: status, version, policy id and hash. No purpose needed.
pub fn health_logic(
    st: &AppState,
    ctx: &Ctx,
    _facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    let h = Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        policy_id: st.policy.id().into(),
        policy_hash: st.policy.hash().into(),
    };
    body(ctx, 200, "status", &h, &[])
}

/// `GET /v1/persons/{fldm_id}` (operation `read`).
pub fn get_person_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    // The person asked about is recorded even when the policy denies the
    // read, so that an access report also shows refused attempts.
    if let Ok(id) = FldmId::parse(segment(ctx, 3)) {
        facts.subject = Some(id.as_str().to_string());
    }
    let permit = decide(st, ctx, Operation::Read, facts)?;
    let id = parse_id(segment(ctx, 3))?;
    let rec = st.store.get(&id)?;
    disclosure_reply(ctx, facts, &permit, &rec)
}

/// `GET /v1/persons/by-azr/{azr_nummer}` (operation `read`).
pub fn get_by_azr_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Read, facts)?;
    let raw = segment(ctx, 4);
    let azr = AzrNummer::parse(raw)
        .map_err(|k| ApiError::invalid("azr_nummer", format!("azr_nummer: {k}")))?;
    facts
        .criteria
        .push(st.pseudonym.criterion("azr_nummer", azr.as_str()));
    let rec = st.store.get_by_azr(&azr)?;
    disclosure_reply(ctx, facts, &permit, &rec)
}

/// `POST /v1/persons/search` (operation `search`): candidates ranked by the
/// Fellegi-Sunter score, each projected to the caller's attributes.
pub fn search_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Search, facts)?;
    let req: SearchRequest = request_body(ctx, &b)?;
    let limit = req.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if limit == 0 || limit > MAX_SEARCH_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("limit: 1 to {MAX_SEARCH_LIMIT}"),
        ));
    }
    for (attr, v) in [
        ("grundpersonalien.familienname", &req.familienname),
        ("grundpersonalien.vornamen", &req.vornamen),
        ("grundpersonalien.geburtsdatum", &req.geburtsdatum),
        ("grundpersonalien.geschlecht", &req.geschlecht),
        (
            "grundpersonalien.staatsangehoerigkeiten",
            &req.staatsangehoerigkeit,
        ),
    ] {
        if let Some(v) = v {
            facts.criteria.push(st.pseudonym.criterion(attr, v));
        }
    }
    let query = Query::parse(
        req.familienname.as_deref(),
        req.vornamen.as_deref(),
        req.geburtsdatum.as_deref(),
        req.geschlecht.as_deref(),
        req.staatsangehoerigkeit.as_deref(),
    )
    .map_err(|e| from_validation(&e))?;
    let keys = matching::query_blocking_keys(&query);
    let blocked = st.store.candidates(&keys, MAX_BLOCKED_CANDIDATES)?;
    let ranked = matching::rank(
        &query,
        blocked.iter().map(|c| &c.record.person),
        0.0,
        limit as usize,
    );
    let mut disclosed = AttributeSet::empty();
    let mut candidates = Vec::with_capacity(ranked.len());
    for (i, score) in ranked {
        let Some(c) = blocked.get(i) else { continue };
        let record = permit.apply(&c.record.person);
        disclosed = disclosed.union(attribute::present(&record));
        candidates.push(wire::Candidate {
            score: score.weight,
            probability: score.probability,
            matched_on: score.matched_on.iter().map(|s| s.to_string()).collect(),
            record,
        });
    }
    set_subjects(facts, candidates.iter().map(|c| &c.record.fldm_id));
    facts.disclosed = names(disclosed);
    facts.disclosed_to_office = !candidates.is_empty();
    let resp = SearchResponse {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(&permit),
        candidates,
    };
    let records: Vec<&Person> = resp.candidates.iter().map(|c| &c.record).collect();
    body(ctx, 200, "suchergebnis", &resp, &records)
}

fn from_validation(e: &fldm_core::ValidationError) -> ApiError {
    ApiError::invalid(e.field.clone(), e.to_string())
}

/// `POST /v1/persons` (operation `write`): create a record. Only an office
/// whose write rule covers all Grundpersonalien may create records (in the
/// reference policy the Ausländerbehörde); it becomes the record's owner.
pub fn create_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Write, facts)?;
    idempotency_key(ctx)?;
    let gp = AttributeSet::from_name("grundpersonalien").unwrap_or_default();
    if !gp.is_subset(&permit.attributes()) {
        return Err(ApiError::denied(
            "create_not_permitted",
            format!(
                "rule {} does not permit recording persons (it does not cover the Grundpersonalien)",
                permit.rule_id()
            ),
        ));
    }
    let person = format::decode_person(&b, ctx.body_format.clone()?, "new")?;
    let extra = permit.unpermitted(&person);
    if !extra.is_empty() {
        return Err(not_permitted(extra));
    }
    let office = ctx.office().to_string();
    idempotent_write(st, ctx, facts, &b, |tx, facts| {
        let rec = tx.create(&person, NewId::Assign, &office)?;
        write_result(
            ctx,
            facts,
            &permit,
            201,
            &rec,
            attribute::present(&rec.person),
        )
    })
}

fn expected_version(ctx: &Ctx) -> Result<Option<u64>, ApiError> {
    match &ctx.if_match {
        None => Ok(None),
        Some(v) => {
            v.trim_matches('"').parse::<u64>().map(Some).map_err(|_| {
                ApiError::invalid("If-Match", "If-Match: the record version, e.g. \"3\"")
            })
        }
    }
}

/// An update: the person, the partial record and the attributes to set.
struct Update<'a> {
    id: &'a FldmId,
    patch: &'a Person,
    set: AttributeSet,
}

fn update_with(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: &[u8],
    permit: &Permit,
    u: Update<'_>,
) -> Result<Reply, ApiError> {
    let Update { id, patch, set } = u;
    let expected = expected_version(ctx)?;
    let office = ctx.office().to_string();
    facts.subject = Some(id.as_str().to_string());
    idempotent_write(st, ctx, facts, b, |tx, facts| {
        let before = tx.get(id)?;
        let rec = tx.update(id, patch, set, expected, &office)?;
        let changed = changed_attributes(&before.person, &rec.person, set);
        write_result(ctx, facts, permit, 200, &rec, changed)
    })
}

/// `PATCH /v1/persons/{fldm_id}` (operation `write`): set the attributes
/// present in the partial record. Attributes outside the write rule are
/// `403 policy_denied` naming them. `If-Match: "<version>"` makes the update
/// conditional.
pub fn update_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Write, facts)?;
    idempotency_key(ctx)?;
    let id = parse_id(segment(ctx, 3))?;
    let patch = format::decode_person(&b, ctx.body_format.clone()?, id.as_str())?;
    if patch.fldm_id != id {
        return Err(ApiError::invalid(
            "fldm_id",
            "fldm_id differs from the path",
        ));
    }
    let set = attribute::present(&patch);
    if set.is_empty() {
        return Err(ApiError::invalid("", "the patch contains no attribute"));
    }
    let extra = permit.unpermitted(&patch);
    if !extra.is_empty() {
        return Err(not_permitted(extra));
    }
    let u = Update {
        id: &id,
        patch: &patch,
        set,
    };
    update_with(st, ctx, facts, &b, &permit, u)
}

/// `PUT /v1/persons/{fldm_id}/anschrift` (operation `write` on
/// `anschrift.aktuell`): address write-back by the housing office.
pub fn anschrift_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Write, facts)?;
    idempotency_key(ctx)?;
    let set = AttributeSet::from_name("anschrift.aktuell").unwrap_or_default();
    if !set.is_subset(&permit.attributes()) || set.is_empty() {
        return Err(not_permitted(set));
    }
    let id = parse_id(segment(ctx, 3))?;
    let mut patch = Person::new(id.clone());
    match ctx.body_format.clone()? {
        Format::Json => {
            let u: AddressUpdate = format::decode_json(&b)?;
            patch.anschrift.aktuell = Some(u.anschrift);
        }
        Format::Xml => {
            // A `<fldm:person>` document that carries only anschrift/aktuell.
            let p = format::decode_person(&b, Format::Xml, id.as_str())?;
            let extra = AttributeSet::from_bits(attribute::present(&p).bits() & !set.bits());
            if !extra.is_empty() {
                return Err(ApiError::invalid(
                    extra.names().first().copied().unwrap_or(""),
                    "an address update carries only anschrift.aktuell",
                ));
            }
            patch.anschrift.aktuell = p.anschrift.aktuell;
            if patch.anschrift.aktuell.is_none() {
                return Err(ApiError::invalid(
                    "anschrift.aktuell",
                    "anschrift.aktuell: value is missing",
                ));
            }
        }
    }
    let u = Update {
        id: &id,
        patch: &patch,
        set,
    };
    update_with(st, ctx, facts, &b, &permit, u)
}

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
pub fn report_correction_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Read, facts)?;
    idempotency_key(ctx)?;
    let id = parse_id(segment(ctx, 3))?;
    let report: CorrectionReport = request_body(ctx, &b)?;
    let set = AttributeSet::from_names("attributes", &report.attributes)
        .map_err(|e| from_validation(&e))?;
    if set.is_empty() {
        return Err(ApiError::invalid(
            "attributes",
            "attributes: value is empty",
        ));
    }
    let extra = AttributeSet::from_bits(set.bits() & !permit.attributes().bits());
    if !extra.is_empty() {
        return Err(ApiError::denied(
            "attributes_not_permitted",
            format!(
                "corrections can only concern attributes the office receives: {}",
                extra.names().join(", ")
            ),
        ));
    }
    let office = ctx.office().to_string();
    facts.subject = Some(id.as_str().to_string());
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
pub fn decide_correction_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: Bytes,
) -> Result<Reply, ApiError> {
    decide(st, ctx, Operation::Write, facts)?;
    idempotency_key(ctx)?;
    let id: u64 = segment(ctx, 3)
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
        facts.subject = Some(c.fldm_id.as_str().to_string());
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
pub const MAX_CORRECTIONS_LIMIT: usize = fldm_core::audit::MAX_SUBJECTS;

/// `GET /v1/corrections?status=open&after=N&limit=M`: the corrections
/// addressed to the calling office (the owner of the records concerned, in
/// the reference setup the Ausländerbehörde), oldest first, in pages of at
/// most [`MAX_CORRECTIONS_LIMIT`]. Requires a read rule for the purpose.
pub fn list_corrections_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    decide(st, ctx, Operation::Read, facts)?;
    let q: CorrectionsQuery = query_params(ctx)?;
    let status = match q.status.as_deref() {
        None | Some("all") => None,
        Some(s) => Some(CorrectionStatus::parse(s).ok_or_else(|| {
            ApiError::invalid("status", "status: open, accepted, rejected or all")
        })?),
    };
    let limit = q.limit.unwrap_or(MAX_CORRECTIONS_LIMIT);
    if limit == 0 || limit > MAX_CORRECTIONS_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("limit: 1 to {MAX_CORRECTIONS_LIMIT}"),
        ));
    }
    let mut list =
        st.store
            .corrections_page(ctx.office(), status, q.after.unwrap_or(0), limit + 1)?;
    let has_more = list.len() > limit;
    list.truncate(limit);
    let mut attrs = AttributeSet::empty();
    for c in &list {
        attrs = attrs.union(c.attributes);
    }
    set_subjects(facts, list.iter().map(|c| &c.fldm_id));
    facts.disclosed = names(attrs);
    facts.disclosed_to_office = !list.is_empty();
    let out = CorrectionList {
        request_id: ctx.request_id.clone(),
        corrections: list.iter().map(correction_wire).collect(),
        has_more,
    };
    body(ctx, 200, "berichtigungen", &out, &[])
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesQuery {
    cursor: Option<u64>,
    limit: Option<usize>,
}

/// Record whom a response with these records concerns: one person in
/// `subject`, several (bounded by the page or search limit) in `subjects`.
fn set_subjects<'a>(facts: &mut AuditFacts, fldm_ids: impl Iterator<Item = &'a FldmId>) {
    let mut ids: Vec<String> = fldm_ids.map(|id| id.as_str().to_string()).collect();
    ids.sort_unstable();
    ids.dedup();
    if let [only] = ids.as_slice() {
        facts.subject = Some(only.clone());
    } else {
        facts.subjects = ids;
    }
}

/// `GET /v1/changes?cursor=N&limit=M` (operation `changes`): entries after
/// the cursor whose changed attributes intersect the caller's permitted
/// set; other entries are skipped, the cursor still advances past them.
pub fn changes_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Changes, facts)?;
    let q: ChangesQuery = query_params(ctx)?;
    let limit = q.limit.unwrap_or(DEFAULT_CHANGES_LIMIT);
    if limit == 0 || limit > MAX_CHANGES_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("limit: 1 to {MAX_CHANGES_LIMIT}"),
        ));
    }
    let cursor = q.cursor.unwrap_or(0);
    let page = st.store.changes_since(cursor, limit)?;
    let latest = st.store.latest_seq()?;
    let permitted = permit.attributes();
    let mut disclosed = AttributeSet::empty();
    let mut entries = Vec::new();
    for c in &page.changes {
        let visible = c.changed.intersection(permitted);
        if visible.is_empty() {
            continue;
        }
        let record = permit.apply(&c.current.person);
        disclosed = disclosed.union(attribute::present(&record));
        entries.push(ChangeEntry {
            seq: c.seq,
            changed: names(visible),
            record,
        });
    }
    set_subjects(facts, entries.iter().map(|e| &e.record.fldm_id));
    facts.disclosed = names(disclosed);
    facts.disclosed_to_office = !entries.is_empty();
    let out = ChangesPage {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(&permit),
        changes: entries,
        next_cursor: page.next_cursor,
        has_more: latest > page.next_cursor,
    };
    let records: Vec<&Person> = out.changes.iter().map(|c| &c.record).collect();
    body(ctx, 200, "aenderungen", &out, &records)
}

/// `GET /v1/audit/checkpoint` (operation `audit`): a signed checkpoint over
/// the journal as it is now, with the public key.
pub fn checkpoint_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    decide(st, ctx, Operation::Audit, facts)?;
    let cp = match st.journal.checkpoint() {
        Ok(cp) => cp,
        Err(_) => st
            .journal
            .last_checkpoint()
            .ok_or_else(|| ApiError::not_found("checkpoint"))?,
    };
    let c = &cp.checkpoint;
    let out = AuditCheckpoint {
        origin: c.origin.clone(),
        size: c.size,
        root: hex(&c.root),
        last_leaf: hex(&c.last_leaf),
        time_ms: c.time_ms,
        key_id: c.key_id.clone(),
        signature: hex(&cp.signature),
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
pub fn access_report_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    // As for reads: the person asked about is recorded even when the
    // policy refuses the report.
    let q: Result<AccessReportQuery, ApiError> = query_params(ctx);
    if let Some(id) = q.as_ref().ok().and_then(|q| q.fldm_id.as_deref())
        && let Ok(id) = FldmId::parse(id)
    {
        facts.subject = Some(id.as_str().to_string());
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
pub fn proof_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
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

fn age_band(age: i32) -> &'static str {
    match age {
        i32::MIN..=5 => "0-5",
        6..=17 => "6-17",
        18..=26 => "18-26",
        27..=44 => "27-44",
        45..=64 => "45-64",
        _ => "65+",
    }
}

fn cells(map: BTreeMap<String, u64>) -> Vec<StatisticsCell> {
    map.into_iter()
        .map(|(key, n)| StatisticsCell {
            key,
            count: (n >= MIN_STATISTICS_CELL).then_some(n),
        })
        .collect()
}

/// `GET /v1/statistics` (operation `statistics`): counts by first
/// nationality and by age band (age reached in the current year); cells
/// below [`MIN_STATISTICS_CELL`] are suppressed. No person data.
pub fn statistics_logic(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    _b: Bytes,
) -> Result<Reply, ApiError> {
    let permit = decide(st, ctx, Operation::Statistics, facts)?;
    let today = today_utc().map_err(|_| ApiError::internal())?;
    let year = i32::from(today.year());
    // Every person appears in the change feed (creation entry); the newest
    // entry of a person carries its current record.
    let mut persons: std::collections::HashMap<String, (String, &'static str)> =
        std::collections::HashMap::new();
    let mut cursor = 0;
    loop {
        let page = st
            .store
            .changes_since(cursor, crate::store::MAX_CHANGES_PER_PAGE)?;
        if page.changes.is_empty() {
            break;
        }
        for c in &page.changes {
            let p = &c.current.person;
            let nat = p
                .grundpersonalien
                .staatsangehoerigkeiten
                .first()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "unbekannt".into());
            let band = p
                .grundpersonalien
                .geburtsdatum
                .and_then(|d| d.year())
                .map(|y| age_band(year - i32::from(y)))
                .unwrap_or("unbekannt");
            persons.insert(p.fldm_id.as_str().to_string(), (nat, band));
        }
        cursor = page.next_cursor;
    }
    let mut by_nat: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_age: BTreeMap<String, u64> = BTreeMap::new();
    for (nat, band) in persons.values() {
        *by_nat.entry(nat.clone()).or_default() += 1;
        *by_age.entry((*band).to_string()).or_default() += 1;
    }
    let total = persons.len() as u64;
    let out = Statistics {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(&permit),
        as_of: today.to_string(),
        min_cell: MIN_STATISTICS_CELL,
        total: (total >= MIN_STATISTICS_CELL).then_some(total),
        by_nationality: cells(by_nat),
        by_age_band: cells(by_age),
    };
    body(ctx, 200, "statistik", &out, &[])
}

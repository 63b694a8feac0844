//! The endpoints of `/v1`: thin axum handlers, each delegating to a plain
//! function `(state, context, audit facts, body[, path parameter]) ->
//! reply` that runs on the blocking pool (policy decision, store,
//! projection, body). The functions are grouped by resource: [`persons`]
//! (reads and search), [`writes`], [`corrections`], [`feed`], [`audit`] and
//! [`statistics`]; the helpers they share are here.

mod audit;
mod corrections;
mod feed;
mod lifecycle;
mod persons;
mod statistics;
mod writes;

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use fldm_core::attribute::{self, AttributeSet};
use fldm_core::audit::Operation as AuditOp;
use fldm_core::ids::FldmId;
use fldm_core::policy::{Decision, Operation, Permit, Request as PolicyRequest, today_utc};
use fldm_core::record::Person;
use fldm_core::wire::{DecisionInfo, Disclosure, Health, ProblemCode};
use serde::{Deserialize, Serialize};

use super::format::{self, Format};
use super::problem::ApiError;
use super::{AppState, Ctx, Exchange, OfficeIdentity, Reply, Spec, dispatch};
use crate::audit_log::AuditFacts;
use crate::store::{IdempotentOutcome, PersonRecord, StoredResponse, Tx};

/// Default and largest number of search candidates.
const DEFAULT_SEARCH_LIMIT: u32 = 10;
/// Largest `limit` of a search.
const MAX_SEARCH_LIMIT: u32 = 50;
/// Most persons looked at per search after blocking.
const MAX_BLOCKED_CANDIDATES: usize = 2000;
/// Default page size of the change feed.
const DEFAULT_CHANGES_LIMIT: usize = 100;
/// Largest page size of the change feed.
const MAX_CHANGES_LIMIT: usize = 1000;
// A page of the change feed or of corrections, and a search, name each of
// their persons in one audit record, which holds at most MAX_SUBJECTS.
const _: () = assert!(
    MAX_CHANGES_LIMIT <= fldm_core::audit::MAX_SUBJECTS
        && MAX_SEARCH_LIMIT as usize <= fldm_core::audit::MAX_SUBJECTS
);

/// Cells of statistics smaller than this are suppressed.
const MIN_STATISTICS_CELL: u64 = 5;

type St = State<Arc<AppState>>;
type Ident = Extension<OfficeIdentity>;

/// An axum handler that runs `$logic` through [`dispatch`]. With `{param}`
/// the route's one path parameter is extracted ([`Path`]) and handed to
/// the function; a parameter axum cannot decode (e.g. percent-encoded
/// bytes that are not UTF-8) is handed on as an empty string, so the
/// function refuses it, naming its field, and the refusal is audited like
/// any other.
macro_rules! endpoint {
    ($name:ident, $op:expr, context: $ctx:expr, body: $body:expr, $logic:path) => {
        #[doc = concat!("Handler of `", stringify!($name), "`; see [`", stringify!($logic), "`].")]
        pub(crate) async fn $name(
            State(st): St,
            Extension(ident): Ident,
            req: Request,
        ) -> Response {
            let spec = Spec::new($op, $ctx, $body);
            dispatch(st, ident, req, spec, Box::new($logic)).await
        }
    };
    ($name:ident, $op:expr, context: $ctx:expr, body: $body:expr, $logic:path, {param}) => {
        #[doc = concat!("Handler of `", stringify!($name), "`; see [`", stringify!($logic), "`].")]
        pub(crate) async fn $name(
            State(st): St,
            Extension(ident): Ident,
            param: Result<Path<String>, axum::extract::rejection::PathRejection>,
            req: Request,
        ) -> Response {
            let spec = Spec::new($op, $ctx, $body);
            let param = param.map(|Path(p)| p).unwrap_or_default();
            let logic = move |x: Exchange<'_>| $logic(x, &param);
            dispatch(st, ident, req, spec, Box::new(logic)).await
        }
    };
}

use AuditOp::{Change, Collect, Combine, Delete, Disclose, Query};

endpoint!(health, Query, context: false, body: false, health_logic);
endpoint!(get_person, Disclose, context: true, body: false, persons::get_person_logic, {param});
endpoint!(get_by_azr, Disclose, context: true, body: false, persons::get_by_azr_logic, {param});
endpoint!(search, Disclose, context: true, body: true, persons::search_logic);
endpoint!(create_person, Collect, context: true, body: true, writes::create_logic);
endpoint!(update_person, Change, context: true, body: true, writes::update_logic, {param});
endpoint!(put_anschrift, Change, context: true, body: true, writes::anschrift_logic, {param});
endpoint!(report_correction, Collect, context: true, body: true, corrections::report_correction_logic, {param});
endpoint!(list_corrections, Disclose, context: true, body: false, corrections::list_corrections_logic);
endpoint!(decide_correction, Change, context: true, body: true, corrections::decide_correction_logic, {param});
endpoint!(changes, Disclose, context: true, body: false, feed::changes_logic);
endpoint!(audit_checkpoint, Query, context: true, body: false, audit::checkpoint_logic);
endpoint!(audit_proof, Query, context: true, body: false, audit::proof_logic);
endpoint!(access_report, Query, context: true, body: false, audit::access_report_logic);
endpoint!(statistics, Query, context: true, body: false, statistics::statistics_logic);
endpoint!(delete_person, Delete, context: true, body: false, lifecycle::delete_logic, {param});
endpoint!(merge_persons, Combine, context: true, body: true, lifecycle::merge_logic, {param});

/// Handler of `import_batch`, with the route's own body limit
/// ([`lifecycle::MAX_IMPORT_BODY`]); see [`lifecycle::batch_logic`].
pub(crate) async fn import_batch(State(st): St, Extension(ident): Ident, req: Request) -> Response {
    let spec = Spec::new(Collect, true, true).with_max_body(lifecycle::MAX_IMPORT_BODY);
    dispatch(st, ident, req, spec, Box::new(lifecycle::batch_logic)).await
}

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

/// The first steps of every write: the policy decision for `op` (a write,
/// or a read for reporting a correction) and the idempotency key it
/// requires.
fn begin_write(
    st: &AppState,
    ctx: &Ctx,
    op: Operation,
    facts: &mut AuditFacts,
) -> Result<Permit, ApiError> {
    let permit = decide(st, ctx, op, facts)?;
    idempotency_key(ctx)?;
    Ok(permit)
}

/// The `limit` of a page or search: `default` when absent, else 1 to `max`
/// (`invalid_input`, field `limit`, otherwise).
fn page_limit<T>(limit: Option<T>, default: T, max: T) -> Result<T, ApiError>
where
    T: Copy + PartialOrd + From<u8> + std::fmt::Display,
{
    let limit = limit.unwrap_or(default);
    if limit < T::from(1) || limit > max {
        return Err(ApiError::invalid("limit", format!("limit: 1 to {max}")));
    }
    Ok(limit)
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
    // The query (e.g. a deletion's reason) is part of the request; requests
    // without one digest as before.
    if let Some(q) = &ctx.query {
        d.update(b"?");
        d.update(q.as_bytes());
        d.update(b"\0");
    }
    d.update(body);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.finish().as_ref());
    out
}

/// Run an idempotent write; the audit record is appended inside the
/// transaction, so a write that cannot be logged is rolled back. A `write`
/// that appends its own records (several for one request) sets
/// `facts.appended`.
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
        if !facts.appended {
            st.append_audit(facts, &reply.body)
                .map_err(|_| ApiError::audit_unavailable())?;
            facts.appended = true;
        }
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

/// Record what a response with these (projected) records discloses: every
/// person concerned, the attributes present in any of them, and the office
/// as recipient when there is a record.
fn record_disclosure(facts: &mut AuditFacts, records: &[&Person]) {
    record_received(
        facts,
        records
            .iter()
            .map(|r| (r.fldm_id.as_str(), attribute::present(r))),
    );
}

/// Record what a response about these persons discloses: each person's
/// FLDM id with the attributes sent about them. The office is the
/// recipient when there is at least one.
pub(crate) fn record_received<'a>(
    facts: &mut AuditFacts,
    sent: impl IntoIterator<Item = (&'a str, AttributeSet)>,
) {
    let mut disclosed = AttributeSet::empty();
    facts.subjects = sent
        .into_iter()
        .map(|(fldm_id, attributes)| {
            disclosed = disclosed.union(attributes);
            fldm_id.to_string()
        })
        .collect();
    facts.disclosed = names(disclosed);
    facts.disclosed_to_office = !facts.subjects.is_empty();
}

fn disclosure_reply(
    ctx: &Ctx,
    facts: &mut AuditFacts,
    permit: &Permit,
    rec: &PersonRecord,
) -> Result<Reply, ApiError> {
    let projected = permit.apply(&rec.person);
    record_disclosure(facts, &[&projected]);
    let d = Disclosure {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(permit),
        record: projected,
    };
    body(ctx, 200, "offenlegung", &d, &[&d.record])
}

/// `GET /v1/health`: status, version, policy id and hash. No purpose needed.
pub(crate) fn health_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, .. } = x;
    let h = Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        policy_id: st.policy.id().into(),
        policy_hash: st.policy.hash().into(),
    };
    body(ctx, 200, "status", &h, &[])
}

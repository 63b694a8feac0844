//! The HTTP protocol of the hub (`/v1`), on axum.
//!
//! Handlers are thin: each collects the request context ([`Ctx`]: office
//! from the client certificate, user, purpose, case reference, request id,
//! response format), reads the body within the size limit, and runs one
//! plain function of [`handlers`] on the blocking pool. That function asks
//! the policy, works on the store, projects records and builds the body;
//! [`dispatch`] then appends the hub-stage audit record and only then
//! returns the response (fail closed: no record, no response but
//! `503 audit_unavailable`).

pub(crate) mod format;
mod handlers;
pub(crate) mod problem;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use bytes::Bytes;
use fldm_core::audit::{Journal, Operation as AuditOp, PseudonymKey, RecordFacts, now_ms};
use fldm_core::policy::Policy;
use fldm_core::wire::ProblemCode;
use fldm_core::wire::headers::Rule;

use crate::audit_log::{ABSENT, AuditFacts};
use crate::store::Store;
use format::Format;
use problem::ApiError;

/// Everything the handlers share: the policy, the store, the audit journal
/// and its keys. [`crate::RunningHub::state`] hands it out for embedding
/// and tests.
#[derive(Debug)]
pub struct AppState {
    /// The policy in force.
    pub policy: Policy,
    /// The store.
    pub store: Store,
    /// The audit journal.
    pub journal: Journal,
    /// Public key of the journal's checkpoints (hex), for `/v1/audit/checkpoint`.
    pub public_key_hex: String,
    /// Key for subject references and query criteria.
    pub pseudonym: PseudonymKey,
    /// Request body limit in bytes.
    pub max_body_bytes: usize,
    /// Fault injection for tests: when set, every audit append fails (as a
    /// full disk would), so the fail-closed path can be exercised.
    #[doc(hidden)]
    pub audit_fault: std::sync::atomic::AtomicBool,
    /// This process's lock on the journal directory, held as long as the
    /// state lives.
    pub(crate) _journal_lock: crate::audit_log::JournalLock,
}

impl AppState {
    /// Append the hub-stage record of a response with body `body`. `Err`
    /// means nothing was logged; the caller must not send the response.
    pub(crate) fn append_audit(&self, facts: &RecordFacts, body: &[u8]) -> fldm_core::Result<u64> {
        if self.audit_fault.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(fldm_core::Error::Audit("injected audit fault".into()));
        }
        let record = facts.build(&self.pseudonym, Some(body), now_ms())?;
        self.journal.append(&record)
    }
}

/// The identity of the peer of one TLS connection, from its verified
/// client certificate (subject CN). Put into every request of the
/// connection by the server; never taken from a header.
#[derive(Debug, Clone, Default)]
pub struct OfficeIdentity {
    /// Certificate identity ([`fldm_tls::peer_identity`]).
    pub cert_identity: Option<String>,
}

/// A response before it becomes HTTP.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// HTTP status.
    pub(crate) status: u16,
    /// Content type.
    pub(crate) content_type: &'static str,
    /// Body.
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// A response in `format` with status `status`.
    pub(crate) fn new(status: u16, format: Format, body: Vec<u8>) -> Self {
        Reply {
            status,
            content_type: format.media_type(),
            body,
        }
    }
}

/// The context of one request.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// Office id (from the certificate via the policy), if the certificate maps to one.
    pub(crate) office: Option<String>,
    /// The office as named in the audit record.
    pub(crate) audit_office: String,
    /// `FLDM-User`.
    pub(crate) user: Option<String>,
    /// `FLDM-Purpose`.
    pub(crate) purpose: Option<String>,
    /// `FLDM-Case`.
    pub(crate) case: Option<String>,
    /// Request id (from `FLDM-Request-Id` or generated).
    pub(crate) request_id: String,
    /// Response format, `None` if the `Accept` header allows neither (406).
    pub(crate) format: Option<Format>,
    /// Request body format from `Content-Type`.
    pub(crate) body_format: Result<Format, ApiError>,
    /// The `Content-Type` header as sent (for bodies in other formats than
    /// a single JSON or XML document, e.g. JSON lines).
    pub(crate) content_type: Option<String>,
    /// `Idempotency-Key`.
    pub(crate) idempotency_key: Option<String>,
    /// `If-Match` version, for updates.
    pub(crate) if_match: Option<String>,
    /// A header that is present but unusable.
    pub(crate) header_problem: Option<ApiError>,
    /// Method and path (for idempotency digests).
    pub(crate) method: Method,
    /// Path.
    pub(crate) path: String,
    /// Query string.
    pub(crate) query: Option<String>,
}

fn header_text(h: &HeaderMap, name: &str) -> Option<String> {
    let v = h.get(name)?;
    std::str::from_utf8(v.as_bytes())
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The value of a context header checked against its rule in
/// [`fldm_core::wire::headers`]: `Ok(None)` if absent or blank, `Err` if
/// present but breaking the rule (the problem names the rule's field).
fn context_header(h: &HeaderMap, rule: &Rule) -> Result<Option<String>, ApiError> {
    let Some(v) = h.get(rule.header) else {
        return Ok(None);
    };
    let invalid = || ApiError::invalid(rule.field, rule.describe());
    let text = std::str::from_utf8(v.as_bytes())
        .map_err(|_| invalid())?
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    rule.check(text).map_err(|_| invalid())?;
    Ok(Some(text.to_string()))
}

/// A fresh request id (UUID v4).
pub(crate) fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Ctx {
    /// Collect the context from the request head and the connection
    /// identity. A context header that breaks its rule is left out and
    /// reported as the request's [`Ctx::header_problem`] (the first one, in
    /// the order request id, user, purpose, case, idempotency key).
    pub(crate) fn new(
        state: &AppState,
        ident: &OfficeIdentity,
        method: &Method,
        uri: &axum::http::Uri,
        h: &HeaderMap,
    ) -> Ctx {
        let mut header_problem = None;
        let mut header = |rule: &Rule| {
            context_header(h, rule).unwrap_or_else(|e| {
                header_problem.get_or_insert(e);
                None
            })
        };
        let request_id = header(&Rule::REQUEST_ID).unwrap_or_else(new_request_id);
        let user = header(&Rule::USER);
        let purpose = header(&Rule::PURPOSE);
        let case = header(&Rule::CASE);
        let idempotency_key = header(&Rule::IDEMPOTENCY_KEY);
        let office = ident
            .cert_identity
            .as_deref()
            .and_then(|cn| state.policy.office_for_cert_identity(cn))
            .map(|o| o.id.clone());
        let audit_office = match (&office, &ident.cert_identity) {
            (Some(o), _) => o.clone(),
            (None, Some(cn)) => {
                let clean: String = cn
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
                    .take(100)
                    .collect();
                format!("cert:{clean}")
            }
            (None, None) => "cert:unknown".to_string(),
        };
        let accept = header_text(h, "accept");
        let content_type = header_text(h, "content-type");
        Ctx {
            office,
            audit_office,
            user,
            purpose,
            case,
            request_id,
            format: format::negotiate(accept.as_deref()),
            body_format: format::body_format(content_type.as_deref()),
            content_type,
            idempotency_key,
            if_match: header_text(h, "if-match"),
            header_problem,
            method: method.clone(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
        }
    }

    /// The response format (JSON when negotiation failed; the 406 is raised earlier).
    pub(crate) fn fmt(&self) -> Format {
        self.format.unwrap_or(Format::Json)
    }

    /// The office id; set after [`Spec`] checks ran.
    pub(crate) fn office(&self) -> &str {
        self.office.as_deref().unwrap_or("")
    }

    /// The facts of the hub-stage record known before the endpoint runs.
    /// The requesting office answers for the admissibility of a retrieval
    /// (AZRG § 22 Abs. 3), so it is also the responsible person.
    fn base_facts(&self, op: AuditOp) -> AuditFacts {
        let absent = || ABSENT.to_string();
        AuditFacts {
            facts: RecordFacts {
                operation: op,
                office: self.audit_office.clone(),
                responsible: self.audit_office.clone(),
                user: self.user.clone().unwrap_or_else(absent),
                purpose: self.purpose.clone().unwrap_or_else(absent),
                case_reference: self.case.clone(),
                request_id: self.request_id.clone(),
                ..RecordFacts::default()
            },
            appended: false,
        }
    }
}

/// What an endpoint requires before its function runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Audit category of the request.
    pub(crate) audit_op: AuditOp,
    /// Whether `FLDM-User` and `FLDM-Purpose` are required.
    pub(crate) needs_context: bool,
    /// Whether the request has a body.
    pub(crate) has_body: bool,
    /// The endpoint's own body limit in bytes (`None`: the hub's
    /// `max_body_bytes`).
    pub(crate) max_body: Option<usize>,
}

impl Spec {
    /// An endpoint audited as `audit_op` that needs the context headers
    /// (`needs_context`) and reads a body (`has_body`).
    pub(crate) const fn new(audit_op: AuditOp, needs_context: bool, has_body: bool) -> Spec {
        Spec {
            audit_op,
            needs_context,
            has_body,
            max_body: None,
        }
    }

    /// The same endpoint with its own body limit of `bytes`.
    pub(crate) const fn with_max_body(self, bytes: usize) -> Spec {
        Spec {
            max_body: Some(bytes),
            ..self
        }
    }
}

/// One request as an endpoint function sees it: the shared state, the
/// request context, the facts of its audit record and the body.
pub(crate) struct Exchange<'a> {
    /// The hub's state.
    pub(crate) st: &'a AppState,
    /// The request context.
    pub(crate) ctx: &'a Ctx,
    /// The facts of the request's audit record, filled in as it runs.
    pub(crate) facts: &'a mut AuditFacts,
    /// The request body (empty for requests without one).
    pub(crate) body: Bytes,
}

/// An endpoint function.
pub(crate) type Logic = dyn FnOnce(Exchange<'_>) -> Result<Reply, ApiError> + Send + 'static;

/// A value the request must carry: absent, the problem `code` with
/// `detail` and the reason code `reason`.
fn required<T>(
    value: &Option<T>,
    code: ProblemCode,
    detail: &str,
    reason: &str,
) -> Result<(), ApiError> {
    match value {
        Some(_) => Ok(()),
        None => Err(ApiError::new(code, detail).because(reason)),
    }
}

fn precheck(ctx: &Ctx, spec: &Spec) -> Result<(), ApiError> {
    if let Some(p) = &ctx.header_problem {
        return Err(p.clone());
    }
    required(
        &ctx.office,
        ProblemCode::UnknownOffice,
        "the client certificate maps to no office of the policy",
        "unknown_office",
    )?;
    if ctx.format.is_none() {
        return Err(ApiError::new(
            ProblemCode::NotAcceptable,
            "responses are application/json or application/xml",
        ));
    }
    if spec.needs_context {
        required(
            &ctx.user,
            ProblemCode::MissingUser,
            "the FLDM-User header (retrieving person) is required",
            "missing_user",
        )?;
        required(
            &ctx.purpose,
            ProblemCode::MissingPurpose,
            "the FLDM-Purpose header is required (AZRG § 10 Abs. 1)",
            "no_purpose",
        )?;
    }
    Ok(())
}

/// Append the audit record of `result` and turn it into the reply to send.
fn finish(
    st: &AppState,
    ctx: &Ctx,
    mut facts: AuditFacts,
    result: Result<Reply, ApiError>,
) -> Reply {
    let reply = match result {
        Ok(r) => r,
        Err(e) => {
            facts.outcome = e.outcome();
            facts.reason = Some(e.audit_reason());
            facts.disclosed.clear();
            facts.disclosed_to_office = false;
            facts.appended = false;
            e.to_reply(&ctx.request_id)
        }
    };
    if facts.appended {
        return reply;
    }
    match st.append_audit(&facts, &reply.body) {
        Ok(_) => reply,
        Err(_) => ApiError::audit_unavailable().to_reply(&ctx.request_id),
    }
}

fn into_response(ctx_request_id: &str, office: Option<&str>, reply: Reply) -> Response {
    let mut resp = Response::new(Body::from(reply.body));
    *resp.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(ctx_request_id) {
        h.insert(HeaderName::from_static("fldm-request-id"), v);
    }
    if let Some(o) = office
        && let Ok(v) = HeaderValue::from_str(o)
    {
        h.insert(HeaderName::from_static("fldm-office"), v);
    }
    resp
}

/// Run one request: context, prechecks, the endpoint function on the
/// blocking pool, the audit record, the response.
pub(crate) async fn dispatch(
    st: Arc<AppState>,
    ident: OfficeIdentity,
    req: Request,
    spec: Spec,
    logic: Box<Logic>,
) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = Ctx::new(&st, &ident, &parts.method, &parts.uri, &parts.headers);
    let mut early: Option<ApiError> = None;
    let limit = spec.max_body.unwrap_or(st.max_body_bytes);
    let bytes = if spec.has_body {
        match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => {
                early = Some(ApiError::new(
                    ProblemCode::PayloadTooLarge,
                    format!("the request body exceeds {limit} bytes or could not be read"),
                ));
                Bytes::new()
            }
        }
    } else {
        drop(body);
        Bytes::new()
    };
    let request_id = ctx.request_id.clone();
    let office = ctx.office.clone();
    let st2 = Arc::clone(&st);
    let joined = tokio::task::spawn_blocking(move || {
        let mut facts = ctx.base_facts(spec.audit_op);
        let result = match precheck(&ctx, &spec) {
            Err(e) => Err(e),
            Ok(()) => match early {
                Some(e) => Err(e),
                None => logic(Exchange {
                    st: &st2,
                    ctx: &ctx,
                    facts: &mut facts,
                    body: bytes,
                }),
            },
        };
        finish(&st2, &ctx, facts, result)
    })
    .await;
    let reply = joined.unwrap_or_else(|_| ApiError::internal().to_reply(&request_id));
    into_response(&request_id, office.as_deref(), reply)
}

/// Answer a request no endpoint takes with `error` (audited like any other).
async fn refuse(
    st: Arc<AppState>,
    ident: OfficeIdentity,
    req: Request,
    error: ApiError,
) -> Response {
    let spec = Spec::new(AuditOp::Query, false, false);
    dispatch(st, ident, req, spec, Box::new(move |_| Err(error))).await
}

async fn fallback(
    State(st): State<Arc<AppState>>,
    axum::Extension(ident): axum::Extension<OfficeIdentity>,
    req: Request,
) -> Response {
    refuse(st, ident, req, ApiError::not_found("resource")).await
}

async fn method_not_allowed(
    State(st): State<Arc<AppState>>,
    axum::Extension(ident): axum::Extension<OfficeIdentity>,
    req: Request,
) -> Response {
    let error = ApiError::new(
        ProblemCode::MethodNotAllowed,
        "the method is not allowed on this resource",
    );
    refuse(st, ident, req, error).await
}

/// The router of protocol version 1. Every request must carry an
/// [`OfficeIdentity`] extension (the server adds it per connection).
pub(crate) fn router(state: Arc<AppState>) -> Router {
    use handlers as h;
    Router::new()
        .route("/v1/health", get(h::health))
        .route("/v1/persons", post(h::create_person))
        .route("/v1/persons/search", post(h::search))
        .route("/v1/persons/batch", post(h::import_batch))
        .route("/v1/persons/by-azr/{azr}", get(h::get_by_azr))
        .route(
            "/v1/persons/{id}",
            get(h::get_person)
                .patch(h::update_person)
                .delete(h::delete_person),
        )
        .route("/v1/persons/{id}/merge", post(h::merge_persons))
        .route("/v1/persons/{id}/anschrift", put(h::put_anschrift))
        .route("/v1/persons/{id}/corrections", post(h::report_correction))
        .route("/v1/corrections", get(h::list_corrections))
        .route("/v1/corrections/{id}/status", put(h::decide_correction))
        .route("/v1/changes", get(h::changes))
        .route("/v1/audit/checkpoint", get(h::audit_checkpoint))
        .route("/v1/audit/proof", get(h::audit_proof))
        .route("/v1/audit/access-report", get(h::access_report))
        .route("/v1/statistics", get(h::statistics))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

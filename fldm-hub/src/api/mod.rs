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

pub mod format;
pub mod handlers;
pub mod problem;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use fldm_core::audit::{Journal, Operation as AuditOp, PseudonymKey};
use fldm_core::policy::Policy;
use fldm_core::wire::{MAX_HEADER_CHARS, PROBLEM_JSON, ProblemCode, headers};

use crate::audit_log::{self, ABSENT, AuditFacts};
use crate::store::Store;
use format::Format;
use problem::ApiError;

/// Everything the handlers share.
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
}

impl AppState {
    /// Append the hub-stage record of a response with body `body`.
    pub fn append_audit(&self, facts: &AuditFacts, body: &[u8]) -> fldm_core::Result<u64> {
        if self.audit_fault.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(fldm_core::Error::Audit("injected audit fault".into()));
        }
        audit_log::append(
            &self.journal,
            &self.pseudonym,
            facts,
            body,
            audit_log::now_ms(),
        )
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
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A response in `format` with status `status`.
    pub fn new(status: u16, format: Format, body: Vec<u8>) -> Self {
        Reply {
            status,
            content_type: format.media_type(),
            body,
        }
    }
}

/// The context of one request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Office id (from the certificate via the policy), if the certificate maps to one.
    pub office: Option<String>,
    /// The office as named in the audit record.
    pub audit_office: String,
    /// `FLDM-User`.
    pub user: Option<String>,
    /// `FLDM-Purpose`.
    pub purpose: Option<String>,
    /// `FLDM-Case`.
    pub case: Option<String>,
    /// Request id (from `FLDM-Request-Id` or generated).
    pub request_id: String,
    /// Response format, `None` if the `Accept` header allows neither (406).
    pub format: Option<Format>,
    /// Request body format from `Content-Type`.
    pub body_format: Result<Format, ApiError>,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// `If-Match` version, for updates.
    pub if_match: Option<String>,
    /// A header that is present but unusable.
    pub header_problem: Option<ApiError>,
    /// Method and path (for idempotency digests).
    pub method: Method,
    /// Path.
    pub path: String,
    /// Query string.
    pub query: Option<String>,
}

fn header_text(h: &HeaderMap, name: &str) -> Option<String> {
    let v = h.get(name)?;
    std::str::from_utf8(v.as_bytes())
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn is_code(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
}

fn is_user(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_HEADER_CHARS
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'/' | b'@' | b' ')
        })
}

/// A fresh request id (UUID v4).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Ctx {
    /// Collect the context from the request head and the connection identity.
    pub fn new(
        state: &AppState,
        ident: &OfficeIdentity,
        method: &Method,
        uri: &axum::http::Uri,
        h: &HeaderMap,
    ) -> Ctx {
        let mut header_problem = None;
        let request_id = match h.get(headers::REQUEST_ID) {
            None => new_request_id(),
            Some(v) => match std::str::from_utf8(v.as_bytes()).map(str::trim) {
                Ok(s) if is_code(s, 64) => s.to_string(),
                _ => {
                    header_problem = Some(ApiError::invalid(
                        headers::REQUEST_ID,
                        "FLDM-Request-Id: 1 to 64 characters A-Z a-z 0-9 . _ - :",
                    ));
                    new_request_id()
                }
            },
        };
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
        let user = header_text(h, headers::USER);
        if let Some(u) = &user
            && !is_user(u)
            && header_problem.is_none()
        {
            header_problem = Some(ApiError::invalid(
                headers::USER,
                "FLDM-User: 1 to 128 characters A-Z a-z 0-9 . _ - : / @ and space",
            ));
        }
        let purpose = header_text(h, headers::PURPOSE);
        if let Some(p) = &purpose
            && !is_code(p, 32)
            && header_problem.is_none()
        {
            header_problem = Some(ApiError::invalid(
                headers::PURPOSE,
                "FLDM-Purpose: a purpose code of 1 to 32 characters A-Z a-z 0-9 . _ - :",
            ));
        }
        let idempotency_key = header_text(h, headers::IDEMPOTENCY_KEY);
        if let Some(k) = &idempotency_key
            && (k.len() > MAX_HEADER_CHARS || !k.bytes().all(|b| b.is_ascii_graphic()))
            && header_problem.is_none()
        {
            header_problem = Some(ApiError::invalid(
                headers::IDEMPOTENCY_KEY,
                "Idempotency-Key: 1 to 128 visible ASCII characters",
            ));
        }
        let accept = header_text(h, "accept");
        let content_type = header_text(h, "content-type");
        Ctx {
            office,
            audit_office,
            user,
            purpose,
            case: header_text(h, headers::CASE),
            request_id,
            format: format::negotiate(accept.as_deref()),
            body_format: format::body_format(content_type.as_deref()),
            idempotency_key,
            if_match: header_text(h, "if-match"),
            header_problem,
            method: method.clone(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
        }
    }

    /// The response format (JSON when negotiation failed; the 406 is raised earlier).
    pub fn fmt(&self) -> Format {
        self.format.unwrap_or(Format::Json)
    }

    /// The office id; set after [`Spec`] checks ran.
    pub fn office(&self) -> &str {
        self.office.as_deref().unwrap_or("")
    }

    fn base_facts(&self, op: AuditOp) -> AuditFacts {
        let case = self
            .case
            .clone()
            .filter(|c| c.chars().count() <= 128 && !c.chars().any(char::is_control));
        AuditFacts {
            operation: op,
            office: self.audit_office.clone(),
            user: self
                .user
                .clone()
                .filter(|u| is_user(u))
                .unwrap_or_else(|| ABSENT.to_string()),
            purpose: self
                .purpose
                .clone()
                .filter(|p| is_code(p, 32))
                .unwrap_or_else(|| ABSENT.to_string()),
            case_reference: case,
            request_id: self.request_id.clone(),
            ..AuditFacts::default()
        }
    }
}

/// What an endpoint requires before its function runs.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Audit category of the request.
    pub audit_op: AuditOp,
    /// Whether `FLDM-User` and `FLDM-Purpose` are required.
    pub needs_context: bool,
    /// Whether the request has a body.
    pub has_body: bool,
}

type Logic =
    dyn FnOnce(&AppState, &Ctx, &mut AuditFacts, Bytes) -> Result<Reply, ApiError> + Send + 'static;

fn precheck(ctx: &Ctx, spec: &Spec) -> Result<(), ApiError> {
    if let Some(p) = &ctx.header_problem {
        return Err(p.clone());
    }
    if ctx.office.is_none() {
        return Err(ApiError {
            reason: Some("unknown_office".into()),
            ..ApiError::new(
                ProblemCode::UnknownOffice,
                "the client certificate maps to no office of the policy",
            )
        });
    }
    if ctx.format.is_none() {
        return Err(ApiError::new(
            ProblemCode::NotAcceptable,
            "responses are application/json or application/xml",
        ));
    }
    if spec.needs_context {
        if ctx.user.is_none() {
            return Err(ApiError {
                reason: Some("missing_user".into()),
                ..ApiError::new(
                    ProblemCode::MissingUser,
                    "the FLDM-User header (retrieving person) is required",
                )
            });
        }
        if ctx.purpose.is_none() {
            return Err(ApiError {
                reason: Some("no_purpose".into()),
                ..ApiError::new(
                    ProblemCode::MissingPurpose,
                    "the FLDM-Purpose header is required (AZRG § 10 Abs. 1)",
                )
            });
        }
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
pub async fn dispatch(
    st: Arc<AppState>,
    ident: OfficeIdentity,
    req: Request,
    spec: Spec,
    logic: Box<Logic>,
) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = Ctx::new(&st, &ident, &parts.method, &parts.uri, &parts.headers);
    let mut early: Option<ApiError> = None;
    let bytes = if spec.has_body {
        match axum::body::to_bytes(body, st.max_body_bytes).await {
            Ok(b) => b,
            Err(_) => {
                early = Some(ApiError::new(
                    ProblemCode::PayloadTooLarge,
                    format!(
                        "the request body exceeds {} bytes or could not be read",
                        st.max_body_bytes
                    ),
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
                None => logic(&st2, &ctx, &mut facts, bytes),
            },
        };
        finish(&st2, &ctx, facts, result)
    })
    .await;
    let reply = joined.unwrap_or_else(|_| ApiError::internal().to_reply(&request_id));
    into_response(&request_id, office.as_deref(), reply)
}

async fn fallback(
    State(st): State<Arc<AppState>>,
    axum::Extension(ident): axum::Extension<OfficeIdentity>,
    req: Request,
) -> Response {
    let spec = Spec {
        audit_op: AuditOp::Query,
        needs_context: false,
        has_body: false,
    };
    dispatch(
        st,
        ident,
        req,
        spec,
        Box::new(|_, _, _, _| Err(ApiError::not_found("resource"))),
    )
    .await
}

async fn method_not_allowed(
    State(st): State<Arc<AppState>>,
    axum::Extension(ident): axum::Extension<OfficeIdentity>,
    req: Request,
) -> Response {
    let spec = Spec {
        audit_op: AuditOp::Query,
        needs_context: false,
        has_body: false,
    };
    dispatch(
        st,
        ident,
        req,
        spec,
        Box::new(|_, _, _, _| {
            Err(ApiError::new(
                ProblemCode::MethodNotAllowed,
                "the method is not allowed on this resource",
            ))
        }),
    )
    .await
}

/// The router of protocol version 1. Every request must carry an
/// [`OfficeIdentity`] extension (the server adds it per connection).
pub fn router(state: Arc<AppState>) -> Router {
    use handlers as h;
    Router::new()
        .route("/v1/health", get(h::health))
        .route("/v1/persons", post(h::create_person))
        .route("/v1/persons/search", post(h::search))
        .route("/v1/persons/by-azr/{azr}", get(h::get_by_azr))
        .route(
            "/v1/persons/{id}",
            get(h::get_person).patch(h::update_person),
        )
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

/// A problem response sent without a handler (e.g. an internal failure
/// in the connection layer). Not audited: no request reached the hub's logic.
pub fn bare_problem(code: ProblemCode, detail: &str) -> Response {
    let id = new_request_id();
    let mut resp = Response::new(Body::from(problem::problem_body(code, detail, &id)));
    *resp.status_mut() = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_JSON),
    );
    resp.into_response()
}

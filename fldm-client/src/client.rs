//! The async hub client: the context of a call, sending with retries,
//! and the client-stage journal record written before any data is handed
//! out. Reads and the search are here; writes, corrections and the access
//! report are in [`writes`], the change feed in [`feed`].

mod feed;
mod lifecycle;
mod writes;

pub use feed::ChangeFeed;
pub use lifecycle::{ChangeEvent, ImportReport, LocalAction};
pub use writes::BulkReport;

use std::sync::Arc;
use std::time::Duration;

use fldm_core::attribute;
use fldm_core::audit::{Operation as AuditOp, OutcomeKind, RecordFacts, Stage};
use fldm_core::ids::FldmId;
use fldm_core::record::Person;
use fldm_core::wire::headers::{self, Rule};
use fldm_core::wire::{
    self, Disclosure, Health, Problem, ProblemCode, SearchRequest, SearchResponse,
};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::audit::ClientJournal;
use crate::builder::RetryPolicy;
use crate::error::{Error, Result};

/// Purpose and case reference of a call (AZRG § 10 Abs. 1: every request
/// states its purpose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    purpose: String,
    case_reference: Option<String>,
    request_id: Option<String>,
}

impl Context {
    /// A context with a purpose code (Abrufzweck), e.g. `"27"`.
    pub fn new(purpose: impl Into<String>) -> Self {
        Context {
            purpose: purpose.into(),
            case_reference: None,
            request_id: None,
        }
    }

    /// Add the case reference (Geschäftszeichen).
    #[must_use]
    pub fn case(mut self, case_reference: impl Into<String>) -> Self {
        self.case_reference = Some(case_reference.into());
        self
    }

    /// Use this request id instead of a generated one (it must be unique).
    #[must_use]
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// The purpose code.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// The case reference.
    pub fn case_reference(&self) -> Option<&str> {
        self.case_reference.as_deref()
    }
}

/// The async client. Cheap to clone (shared connection pool and journal).
#[derive(Clone)]
pub struct HubClient {
    inner: Arc<Inner>,
}

/// What a client is made of; the builder fills it in.
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) user: String,
    pub(crate) office: String,
    pub(crate) responsible: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) journal: Option<Arc<ClientJournal>>,
    /// Records per import request.
    pub(crate) import_batch_size: usize,
}

impl From<Inner> for HubClient {
    fn from(inner: Inner) -> Self {
        HubClient {
            inner: Arc::new(inner),
        }
    }
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("base", &self.inner.base)
            .field("office", &self.inner.office)
            .field("journal", &self.inner.journal.is_some())
            .finish()
    }
}

/// One call, described for execution and for the client journal.
struct Call<'a> {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    ctx: Option<&'a Context>,
    idempotency_key: Option<String>,
    audit_op: AuditOp,
    criteria: Vec<(&'static str, String)>,
    /// The persons the call is about (journaled even if it fails); empty:
    /// the persons whose records arrived.
    subjects: Vec<String>,
    /// Media type of `body` (default `application/json`).
    content_type: &'static str,
    /// Further request headers (e.g. `If-Match`).
    headers: Vec<(&'static str, String)>,
    /// Reason code journaled when the call succeeds (e.g. a deletion
    /// reason).
    reason: Option<String>,
}

impl<'a> Call<'a> {
    fn new(method: Method, path: impl Into<String>, ctx: Option<&'a Context>) -> Self {
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            ctx,
            idempotency_key: None,
            audit_op: AuditOp::Query,
            criteria: Vec::new(),
            subjects: Vec::new(),
            content_type: "application/json",
            headers: Vec::new(),
            reason: None,
        }
    }
}

/// The raw answer of a successful call.
struct Answer {
    body: Vec<u8>,
}

/// What a decoded answer contributes to the client journal.
#[derive(Default)]
struct Received {
    attributes: Vec<String>,
    /// FLDM ids of the persons whose records arrived (search, change feed).
    subjects: Vec<String>,
    /// The decision the hub cited.
    decision: Option<wire::DecisionInfo>,
}

impl Received {
    /// What arrived in a response of several records (search candidates, a
    /// change-feed page): every record is validated, at most `max` of them
    /// (`what` names them in the error).
    fn records(
        decision: &wire::DecisionInfo,
        records: &[&Person],
        max: usize,
        what: &str,
    ) -> Result<Self> {
        if records.len() > max {
            return Err(Error::Protocol(format!(
                "the hub sent {} {what} for a request of at most {max}",
                records.len()
            )));
        }
        let mut set = attribute::AttributeSet::empty();
        for r in records {
            validate_record(r)?;
            set = set.union(attribute::present(r));
        }
        let names = set.names().into_iter().map(String::from).collect();
        let mut received = Received::from_decision(decision, names);
        received.subjects = records.iter().map(|r| r.fldm_id.to_string()).collect();
        Ok(received)
    }

    fn from_decision(d: &wire::DecisionInfo, attributes: Vec<String>) -> Self {
        Received {
            attributes,
            subjects: Vec::new(),
            decision: Some(d.clone()),
        }
    }
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Check a header value against its protocol rule before sending it.
fn check_header(rule: &Rule, v: &str) -> Result<()> {
    rule.check(v)
        .map_err(|e| Error::Local(fldm_core::Error::Validation(e)))
}

fn map_transport(e: reqwest::Error, timeout: Duration) -> Error {
    if e.is_timeout() {
        return Error::Timeout(timeout);
    }
    // Walk the source chain for a TLS error.
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = src {
        if let Some(t) = s.downcast_ref::<rustls::Error>() {
            return Error::Tls(t.to_string());
        }
        if let Some(t) = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Error::Tls(t.to_string());
        }
        src = s.source();
    }
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    // hyper-util boxes connector errors, which hides the rustls error type
    // from the source chain; its messages are stable enough to classify.
    const TLS_MARKERS: [&str; 5] = [
        "invalid peer certificate",
        "peer is incompatible",
        "peer sent no certificates",
        "received fatal alert",
        "HandshakeFailure",
    ];
    if TLS_MARKERS.iter().any(|m| msg.contains(m)) {
        return Error::Tls(msg);
    }
    Error::Transport(msg)
}

/// An FLDM id given by the application; a local error naming `fldm_id`.
fn parse_fldm_id(s: &str) -> Result<FldmId> {
    FldmId::parse(s).map_err(|k| Error::Local(fldm_core::ValidationError::new("fldm_id", k).into()))
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Protocol(format!("unreadable hub answer: {e}")))
}

fn validate_record(p: &fldm_core::record::Person) -> Result<()> {
    p.validate()
        .map_err(|e| Error::Protocol(format!("the hub sent an invalid record: {e}")))
}

impl HubClient {
    /// Number of entries in the client journal (0 without a journal).
    pub fn journal_len(&self) -> u64 {
        self.inner.journal.as_ref().map_or(0, |j| j.journal.len())
    }

    /// Write a checkpoint of the client journal now (needs a signing key).
    pub fn journal_checkpoint(&self) -> Result<()> {
        if let Some(j) = &self.inner.journal {
            j.journal.checkpoint().map_err(Error::Audit)?;
        }
        Ok(())
    }

    /// Send a call with retries; returns the body of a 2xx answer or the
    /// mapped error. Does not write the journal.
    async fn send(&self, call: &Call<'_>, request_id: &str) -> Result<Answer> {
        let inner = &self.inner;
        let url = format!("{}{}{}", inner.base, wire::API_PREFIX, call.path);
        let mut attempt = 0u32;
        let mut backoff = inner.retry.initial_backoff;
        loop {
            attempt += 1;
            let mut req = inner
                .http
                .request(call.method.clone(), &url)
                .header(headers::USER, &inner.user)
                .header(headers::REQUEST_ID, request_id)
                .header(reqwest::header::ACCEPT, "application/json");
            if !call.query.is_empty() {
                let q: Vec<(&str, &str)> =
                    call.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
                req = req.query(&q);
            }
            if let Some(ctx) = call.ctx {
                req = req.header(headers::PURPOSE, &ctx.purpose);
                if let Some(c) = &ctx.case_reference {
                    req = req.header(headers::CASE, c);
                }
            }
            if let Some(k) = &call.idempotency_key {
                req = req.header(headers::IDEMPOTENCY_KEY, k);
            }
            for (name, value) in &call.headers {
                req = req.header(*name, value);
            }
            if let Some(b) = &call.body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, call.content_type)
                    .body(b.clone());
            }
            let result = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let is_problem = resp
                        .headers()
                        .get(reqwest::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with(wire::PROBLEM_JSON));
                    match resp.bytes().await {
                        Ok(body) if status.is_success() => {
                            return Ok(Answer {
                                body: body.to_vec(),
                            });
                        }
                        Ok(body) => {
                            if is_problem {
                                match serde_json::from_slice::<Problem>(&body) {
                                    Ok(p) => Err(Error::from_problem(p)),
                                    Err(e) => Err(Error::Protocol(format!(
                                        "unreadable problem response ({status}): {e}"
                                    ))),
                                }
                            } else {
                                Err(Error::Server {
                                    status: status.as_u16(),
                                    code: "http".into(),
                                    message: status.canonical_reason().unwrap_or("").into(),
                                    request_id: request_id.to_string(),
                                })
                            }
                        }
                        Err(e) => Err(map_transport(e, inner.timeout)),
                    }
                }
                Err(e) => Err(map_transport(e, inner.timeout)),
            };
            match result {
                Err(e) if e.is_retryable() && attempt < inner.retry.max_attempts.max(1) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(inner.retry.max_backoff);
                }
                other => return other,
            }
        }
    }

    /// Refuse a call whose context the hub would refuse, before anything
    /// leaves the process: no purpose, or a header value outside its rule.
    fn check_context(&self, c: &Context, request_id: &str) -> Result<()> {
        if c.purpose.trim().is_empty() {
            // AZRG § 10 Abs. 1: no request without a purpose. Refused
            // here, before anything leaves the process, with the same
            // error the hub would answer.
            return Err(Error::MissingContext {
                code: ProblemCode::MissingPurpose,
                message: "every request must state its purpose (Abrufzweck)".into(),
                request_id: request_id.to_string(),
            });
        }
        check_header(&Rule::USER, &self.inner.user)?;
        check_header(&Rule::PURPOSE, &c.purpose)?;
        if let Some(case) = &c.case_reference {
            check_header(&Rule::CASE, case)?;
        }
        check_header(&Rule::REQUEST_ID, request_id)
    }

    /// Execute a call, decode the answer with `decode`, write the client
    /// journal record, and only then hand the value out.
    async fn execute<T>(
        &self,
        call: Call<'_>,
        decode: impl FnOnce(&[u8]) -> Result<(T, Received)>,
    ) -> Result<T> {
        let ctx = call.ctx;
        let request_id = ctx
            .and_then(|c| c.request_id.clone())
            .unwrap_or_else(new_request_id);
        if let Some(c) = ctx {
            self.check_context(c, &request_id)?;
        }
        if let Some(k) = &call.idempotency_key {
            check_header(&Rule::IDEMPOTENCY_KEY, k)?;
        }
        let answer = self.send(&call, &request_id).await;
        let (result, payload, outcome, reason) = match answer {
            Ok(a) => match decode(&a.body) {
                Ok((v, received)) => (
                    Ok((v, received)),
                    Some(a.body),
                    OutcomeKind::Permitted,
                    call.reason.clone(),
                ),
                Err(e) => (
                    Err(e),
                    Some(a.body),
                    OutcomeKind::Error,
                    Some("protocol".to_string()),
                ),
            },
            Err(e) => {
                let (kind, reason) = match &e {
                    Error::Denied { reason, .. } => (OutcomeKind::Denied, reason.clone()),
                    Error::MissingContext { code, .. } => {
                        (OutcomeKind::Denied, code.as_str().to_string())
                    }
                    other => (OutcomeKind::Error, other.code().to_string()),
                };
                (Err(e), None, kind, Some(reason))
            }
        };
        if let (Some(j), Some(c)) = (&self.inner.journal, ctx) {
            let received = result.as_ref().ok().map(|(_, r)| r);
            let mut facts = RecordFacts {
                stage: Stage::Client,
                operation: call.audit_op,
                office: self.inner.office.clone(),
                user: self.inner.user.clone(),
                responsible: self.inner.responsible.clone(),
                purpose: c.purpose.clone(),
                case_reference: c.case_reference.clone(),
                request_id: request_id.clone(),
                // The person asked about, else the persons whose records arrived.
                subjects: match received {
                    _ if !call.subjects.is_empty() => call.subjects.clone(),
                    Some(r) => r.subjects.clone(),
                    None => Vec::new(),
                },
                disclosed: received.map(|r| r.attributes.clone()).unwrap_or_default(),
                outcome,
                reason,
                ..RecordFacts::default()
            };
            facts.disclosed_to_office = !facts.disclosed.is_empty();
            if let Some(d) = received.and_then(|r| r.decision.as_ref()) {
                let lb = &d.legal_basis;
                facts.set_decision(&d.rule_id, &lb.section, &lb.law, &d.policy_hash);
            }
            j.write(facts, &call.criteria, payload.as_deref())?;
        }
        result.map(|(v, _)| v)
    }

    /// Hub health (no purpose needed, not journaled).
    pub async fn health(&self) -> Result<Health> {
        let call = Call::new(Method::GET, "/health", None);
        let a = self.send(&call, &new_request_id()).await?;
        decode(&a.body)
    }

    fn disclosure_decoder(body: &[u8]) -> Result<(Disclosure, Received)> {
        let d: Disclosure = decode(body)?;
        validate_record(&d.record)?;
        let names = attribute::present(&d.record)
            .names()
            .into_iter()
            .map(String::from)
            .collect();
        let r = Received::from_decision(&d.decision, names);
        Ok((d, r))
    }

    /// Get a person by FLDM id, filtered to what the office may receive.
    pub async fn get_person(&self, fldm_id: &str, ctx: &Context) -> Result<Disclosure> {
        let id = parse_fldm_id(fldm_id)?;
        let mut call = Call::new(Method::GET, format!("/persons/{id}"), Some(ctx));
        call.subjects = vec![id.to_string()];
        self.execute(call, Self::disclosure_decoder).await
    }

    /// Get a person by AZR-Nummer.
    pub async fn get_person_by_azr(&self, azr_nummer: &str, ctx: &Context) -> Result<Disclosure> {
        let azr = fldm_core::ids::AzrNummer::parse(azr_nummer)
            .map_err(|k| Error::Local(fldm_core::ValidationError::new("azr_nummer", k).into()))?;
        let mut call = Call::new(Method::GET, format!("/persons/by-azr/{azr}"), Some(ctx));
        call.criteria = vec![("azr_nummer", azr.to_string())];
        self.execute(call, |b| {
            let (d, r) = Self::disclosure_decoder(b)?;
            Ok((d, r))
        })
        .await
    }

    /// Search by Grundpersonalien; candidates carry scores and only the
    /// permitted attributes. Non-matching candidates must be deleted at
    /// once (AZRG § 10 Abs. 3).
    pub async fn search(&self, query: &SearchRequest, ctx: &Context) -> Result<SearchResponse> {
        let mut call = Call::new(Method::POST, "/persons/search", Some(ctx));
        call.body = Some(serde_json::to_vec(query).map_err(|e| Error::Protocol(e.to_string()))?);
        call.criteria = query
            .criteria()
            .into_iter()
            .map(|(a, v)| (a, v.to_string()))
            .collect();
        self.execute(call, |b| {
            let s: SearchResponse = decode(b)?;
            let records: Vec<&Person> = s.candidates.iter().map(|c| &c.record).collect();
            let max = fldm_core::audit::MAX_SUBJECTS;
            let r = Received::records(&s.decision, &records, max, "search candidates")?;
            Ok((s, r))
        })
        .await
    }
}

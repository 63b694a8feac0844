//! `fldm._native`: the compiled part of the Python package `fldm`.
//!
//! This module is private. Scripts use the typed public layer in
//! `python/fldm/` (see docs/python.md), which turns the plain values returned
//! here (dicts, lists, strings) into the documented API. Records cross the
//! boundary as JSON values; persons stay Rust values inside [`Person`] so that
//! `policy.apply` on many records does not decode them again.
//!
//! Every Rust error maps to one exception class under `FldmError` (see
//! [`errors`]); blocking network calls release the GIL.

use std::path::PathBuf;
use std::time::Duration;

use fldm_client::wire::{CorrectionReport, CorrectionStatus, SearchRequest};
use fldm_client::{Context, HubClientBuilder, RetryPolicy};
use fldm_core::audit::{Bundle, PublicKey, verify_dir};
use fldm_core::codec::json::{self as json_codec, Strictness};
use fldm_core::codec::xml as xml_codec;
use fldm_core::policy::{Decision, Operation, Request};
use fldm_core::record::Anschrift;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

mod codes;
mod errors;
mod pyser;

use errors::{client_error, core_error, denied_error, tampered_error};
use pyser::to_py;

/// One person's record (Kerndatensatz), held as a Rust value.
#[pyclass(module = "fldm._native", frozen, name = "Person")]
#[derive(Debug, Clone)]
struct Person {
    inner: fldm_core::record::Person,
}

#[pymethods]
impl Person {
    /// Decode one record from JSON (strict: unknown fields are errors).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Person> {
        json_codec::person_from_json(text, Strictness::Strict)
            .map(|inner| Person { inner })
            .map_err(core_error)
    }

    /// The record as compact JSON.
    fn to_json(&self) -> String {
        json_codec::person_to_json(&self.inner)
    }

    /// The record as one XML document.
    fn to_xml(&self) -> String {
        xml_codec::person_to_xml(&self.inner)
    }

    /// The record as nested dicts and lists (the JSON shape).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    /// The FLDM id.
    #[getter]
    fn fldm_id(&self) -> String {
        self.inner.fldm_id.as_str().to_string()
    }

    /// The dotted catalogue names of the attributes present in the record.
    fn attribute_names(&self) -> Vec<&'static str> {
        fldm_core::attribute::present(&self.inner).names()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Person>()
            .map(|o| o.get().inner == self.inner)
            .unwrap_or(false)
    }

    fn __repr__(&self) -> String {
        // No personal data in the representation.
        format!("Person(fldm_id={:?})", self.inner.fldm_id.as_str())
    }
}

/// A deterministic synthetic population of `count` persons.
#[pyfunction]
fn synth(py: Python<'_>, count: usize, seed: u64) -> Vec<Person> {
    py.detach(|| fldm_core::synth::population(count, seed))
        .into_iter()
        .map(|inner| Person { inner })
        .collect()
}

/// The record as a department's local system would have typed it: name
/// spelling variants, partial or placeholder birth dates.
#[pyfunction]
fn local_case_variant(person: &Person, seed: u64) -> Person {
    Person {
        inner: fldm_core::synth::local_case_variant(&person.inner, seed),
    }
}

/// Decode an XML document with a list of persons (or one person).
#[pyfunction]
fn read_xml(py: Python<'_>, text: &str) -> PyResult<Vec<Person>> {
    let text = text.to_string();
    py.detach(move || xml_codec::from_xml(&text))
        .map(|v| v.into_iter().map(|inner| Person { inner }).collect())
        .map_err(core_error)
}

/// Decode JSON lines (one record per line, strict).
#[pyfunction]
fn read_jsonl(py: Python<'_>, text: &str) -> PyResult<Vec<Person>> {
    let text = text.to_string();
    py.detach(move || json_codec::read_jsonl(&text, Strictness::Strict))
        .map(|v| v.into_iter().map(|inner| Person { inner }).collect())
        .map_err(core_error)
}

/// Encode persons as one XML document.
#[pyfunction]
fn write_xml(persons: Vec<PyRef<'_, Person>>) -> String {
    let v: Vec<fldm_core::record::Person> = persons.iter().map(|p| p.inner.clone()).collect();
    xml_codec::to_xml(&v)
}

fn parse_operation(op: &str) -> PyResult<Operation> {
    Operation::parse(op).ok_or_else(|| {
        errors::validation("operation", &format!("operation: unknown operation {op:?}"))
    })
}

/// A loaded legal-basis policy.
#[pyclass(module = "fldm._native", frozen, name = "Policy")]
#[derive(Debug)]
struct Policy {
    inner: fldm_core::policy::Policy,
}

impl Policy {
    fn decide_inner(
        &self,
        office: &str,
        purpose: Option<&str>,
        operation: &str,
        case: Option<&str>,
    ) -> PyResult<Decision> {
        let date = fldm_core::policy::today_utc().map_err(core_error)?;
        let req = Request {
            office,
            operation: parse_operation(operation)?,
            purpose,
            case_reference: case,
            date,
        };
        Ok(self.inner.decide(&req))
    }
}

fn decision_dict<'py>(py: Python<'py>, d: &Decision) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    match d {
        Decision::Permit(p) => {
            out.set_item("permitted", true)?;
            out.set_item("rule_id", p.rule_id())?;
            let lb = p.legal_basis();
            let basis = PyDict::new(py);
            basis.set_item("law", &lb.law)?;
            basis.set_item("section", &lb.section)?;
            basis.set_item("citation", &lb.citation)?;
            out.set_item("legal_basis", basis)?;
            out.set_item("attributes", p.attributes().names())?;
            out.set_item(
                "transformations",
                p.transformations()
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>(),
            )?;
            out.set_item("case_reference_required", p.case_reference_required())?;
            out.set_item("policy_hash", p.policy_hash())?;
        }
        Decision::Deny(d) => {
            out.set_item("permitted", false)?;
            out.set_item("reason", d.reason.code())?;
            out.set_item("message", &d.message)?;
            out.set_item("policy_hash", &*d.policy_hash)?;
        }
    }
    Ok(out)
}

#[pymethods]
impl Policy {
    /// Load and check a policy file (TOML).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Policy> {
        py.detach(|| fldm_core::policy::Policy::load(&path))
            .map(|inner| Policy { inner })
            .map_err(core_error)
    }

    /// Hash of the canonical form: the identity of the published policy.
    #[getter]
    fn hash(&self) -> &str {
        self.inner.hash()
    }

    /// The policy id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// Decide a request; never raises for a denial (see `permitted`).
    #[pyo3(signature = (office, purpose, operation, case))]
    fn decide<'py>(
        &self,
        py: Python<'py>,
        office: &str,
        purpose: Option<&str>,
        operation: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let d = self.decide_inner(office, purpose, operation, case)?;
        decision_dict(py, &d)
    }

    /// Project each person to what the office may receive; raises
    /// `PolicyDenied` if the request is denied.
    #[pyo3(signature = (persons, office, purpose, operation, case))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        persons: &Bound<'py, PyList>,
        office: &str,
        purpose: Option<&str>,
        operation: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyList>> {
        let d = self.decide_inner(office, purpose, operation, case)?;
        let permit = match &d {
            Decision::Permit(p) => p,
            Decision::Deny(den) => return Err(denied_error(py, den.reason.code(), &den.message)),
        };
        let keys = pyser::Keys::new(py);
        let out = PyList::empty(py);
        for item in persons.iter() {
            let p = item.cast::<Person>().map_err(|_| {
                errors::validation("persons", "persons: expected fldm Person objects")
            })?;
            out.append(keys.to_py(&permit.apply(&p.get().inner))?)?;
        }
        Ok(out)
    }

    /// What each office gets for each purpose, and why (rows as dicts).
    #[pyo3(signature = (office, purpose))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        office: Option<&str>,
        purpose: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let out = PyList::empty(py);
        for r in self.inner.explain(office, purpose) {
            let row = PyDict::new(py);
            row.set_item("office", &r.office)?;
            row.set_item("office_name", &r.office_name)?;
            row.set_item("purpose", &r.purpose)?;
            row.set_item("purpose_name", &r.purpose_name)?;
            row.set_item("operation", r.operation.as_str())?;
            row.set_item("rule_id", &r.rule_id)?;
            row.set_item("attributes", &r.attributes)?;
            row.set_item(
                "transformations",
                r.transformations
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>(),
            )?;
            let basis = PyDict::new(py);
            basis.set_item("law", &r.legal_basis.law)?;
            basis.set_item("section", &r.legal_basis.section)?;
            basis.set_item("citation", &r.legal_basis.citation)?;
            row.set_item("legal_basis", basis)?;
            row.set_item("case_reference_required", r.case_reference_required)?;
            row.set_item("retention", r.retention.map(|x| x.to_string()))?;
            row.set_item("retention_note", &r.retention_note)?;
            out.append(row)?;
        }
        Ok(out.into_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy(id={:?}, hash={:?})",
            self.inner.id(),
            self.inner.hash()
        )
    }
}

/// Blocking hub client.
#[pyclass(module = "fldm._native", frozen, name = "HubClient")]
#[derive(Debug)]
struct HubClient {
    inner: fldm_client::blocking::HubClient,
}

fn ctx(purpose: &str, case: Option<&str>) -> Context {
    let c = Context::new(purpose);
    match case {
        Some(case) => c.case(case),
        None => c,
    }
}

/// Run a blocking client call without the GIL; its result as Python objects.
fn blocking<'py, T: serde::Serialize + Send>(
    py: Python<'py>,
    call: impl FnOnce() -> fldm_client::Result<T> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let r = py.detach(call).map_err(client_error)?;
    to_py(py, &r)
}

fn correction_status(s: &str) -> PyResult<CorrectionStatus> {
    match s {
        "open" => Ok(CorrectionStatus::Open),
        "accepted" => Ok(CorrectionStatus::Accepted),
        "rejected" => Ok(CorrectionStatus::Rejected),
        _ => Err(errors::validation(
            "status",
            "status: open, accepted or rejected",
        )),
    }
}

fn json_arg<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| errors::validation(what, &format!("{what}: {e}")))
}

#[pymethods]
impl HubClient {
    #[new]
    #[pyo3(signature = (base_url, ca, cert, key, user, timeout, office, journal_dir, without_journal, retries))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: &str,
        ca: PathBuf,
        cert: PathBuf,
        key: PathBuf,
        user: &str,
        timeout: f64,
        office: Option<&str>,
        journal_dir: Option<PathBuf>,
        without_journal: bool,
        retries: u32,
    ) -> PyResult<HubClient> {
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(errors::validation(
                "timeout",
                "timeout: must be a positive number of seconds",
            ));
        }
        let mut b = HubClientBuilder::new(base_url)
            .ca_pem_file(ca)
            .identity_pem_files(cert, key)
            .user(user)
            .timeout(Duration::from_secs_f64(timeout))
            .retry(RetryPolicy {
                max_attempts: retries.max(1),
                ..RetryPolicy::default()
            });
        if let Some(o) = office {
            b = b.office(o);
        }
        // The journal is on by default: a directory, or an explicit "off";
        // neither is refused by the builder, both here.
        b = match (journal_dir, without_journal) {
            (Some(_), true) => {
                return Err(client_error(fldm_client::Error::Config {
                    what: "journal".into(),
                    message: "give journal_dir or without_journal, not both".into(),
                }));
            }
            (Some(d), false) => b.journal_dir(d),
            (None, true) => b.without_journal(),
            (None, false) => b,
        };
        let inner = py.detach(|| b.build_blocking()).map_err(client_error)?;
        Ok(HubClient { inner })
    }

    fn get_person<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = ctx(purpose, case);
        blocking(py, || self.inner.get_person(fldm_id, &c))
    }

    fn get_person_by_azr<'py>(
        &self,
        py: Python<'py>,
        azr_nummer: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = ctx(purpose, case);
        blocking(py, || self.inner.get_person_by_azr(azr_nummer, &c))
    }

    fn search<'py>(
        &self,
        py: Python<'py>,
        query_json: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q: SearchRequest = json_arg("query", query_json)?;
        let c = ctx(purpose, case);
        blocking(py, || self.inner.search(&q, &c))
    }

    #[pyo3(signature = (fldm_id, anschrift_json, purpose, case, idempotency_key))]
    fn update_address<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        anschrift_json: &str,
        purpose: &str,
        case: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a: Anschrift = json_codec::decode(anschrift_json, Strictness::Strict)
            .map(|(a, _)| a)
            .map_err(core_error)?;
        let c = ctx(purpose, case);
        blocking(py, || {
            self.inner.update_address(fldm_id, &a, &c, idempotency_key)
        })
    }

    #[pyo3(signature = (fldm_id, attributes, note, purpose, case, idempotency_key))]
    #[allow(clippy::too_many_arguments)]
    fn report_correction<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        attributes: Vec<String>,
        note: &str,
        purpose: &str,
        case: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let report = CorrectionReport {
            attributes,
            note: note.to_string(),
        };
        let c = ctx(purpose, case);
        blocking(py, || {
            self.inner
                .report_correction(fldm_id, &report, &c, idempotency_key)
        })
    }

    fn access_report<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = ctx(purpose, case);
        blocking(py, || self.inner.access_report(fldm_id, &c))
    }

    fn corrections<'py>(
        &self,
        py: Python<'py>,
        status: Option<&str>,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let status = status.map(correction_status).transpose()?;
        let c = ctx(purpose, case);
        blocking(py, || self.inner.corrections(status, &c))
    }

    #[pyo3(signature = (correction_id, status, purpose, case, idempotency_key))]
    fn decide_correction<'py>(
        &self,
        py: Python<'py>,
        correction_id: u64,
        status: &str,
        purpose: &str,
        case: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let status = correction_status(status)?;
        let c = ctx(purpose, case);
        blocking(py, || {
            self.inner
                .decide_correction(correction_id, status, &c, idempotency_key)
        })
    }

    fn changes_page<'py>(
        &self,
        py: Python<'py>,
        cursor: u64,
        limit: u32,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = ctx(purpose, case);
        blocking(py, || self.inner.changes_page(cursor, limit, &c))
    }

    fn health<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        blocking(py, || self.inner.health())
    }

    fn journal_len(&self) -> u64 {
        self.inner.journal_len()
    }

    fn journal_checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.journal_checkpoint())
            .map_err(client_error)
    }
}

/// Verify an audit journal directory; raises `AuditTampered` if anything
/// is wrong, returns the report as a dict otherwise.
#[pyfunction]
fn audit_verify<'py>(
    py: Python<'py>,
    dir: PathBuf,
    public_key: PathBuf,
) -> PyResult<Bound<'py, PyDict>> {
    let key = PublicKey::load(&public_key).map_err(core_error)?;
    let rep = py.detach(|| verify_dir(&dir, &key)).map_err(core_error)?;
    let problems: Vec<String> = rep.problems.iter().map(|p| p.to_string()).collect();
    if !problems.is_empty() {
        return Err(tampered_error(py, &problems));
    }
    let out = PyDict::new(py);
    out.set_item("entries", rep.entries)?;
    out.set_item("pruned", rep.pruned)?;
    out.set_item("checkpoints", rep.checkpoints)?;
    out.set_item("checkpoints_verified", rep.checkpoints_verified)?;
    out.set_item("verified_size", rep.verified_size)?;
    out.set_item("uncovered", rep.uncovered)?;
    out.set_item("bytes", rep.bytes)?;
    out.set_item("notes", rep.notes)?;
    Ok(out)
}

/// Check an offline verification bundle (entry + proof + checkpoint).
#[pyfunction]
fn audit_check_bundle<'py>(
    py: Python<'py>,
    path: PathBuf,
    public_key: PathBuf,
) -> PyResult<Bound<'py, PyDict>> {
    let key = PublicKey::load(&public_key).map_err(core_error)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        core_error(fldm_core::Error::io(
            format!("reading {}", path.display()),
            e,
        ))
    })?;
    let bundle = Bundle::from_json(&text).map_err(core_error)?;
    if let Err(p) = bundle.verify(&key) {
        return Err(tampered_error(py, &[p.to_string()]));
    }
    let out = PyDict::new(py);
    out.set_item("leaf_index", bundle.entry.index)?;
    out.set_item("tree_size", bundle.checkpoint.checkpoint.size)?;
    Ok(out)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Person>()?;
    m.add_class::<Policy>()?;
    m.add_class::<HubClient>()?;
    m.add_function(wrap_pyfunction!(synth, m)?)?;
    m.add_function(wrap_pyfunction!(local_case_variant, m)?)?;
    m.add_function(wrap_pyfunction!(read_xml, m)?)?;
    m.add_function(wrap_pyfunction!(read_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(write_xml, m)?)?;
    m.add_function(wrap_pyfunction!(audit_verify, m)?)?;
    m.add_function(wrap_pyfunction!(audit_check_bundle, m)?)?;
    codes::register(m)?;
    errors::register(m)?;
    Ok(())
}

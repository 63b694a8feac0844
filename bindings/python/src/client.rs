//! The blocking hub client and its change-feed iterator. Options are the
//! bridge's [`ClientOptions`] (or a [`Profile`] file); results are the
//! bridge's views; every call releases the GIL while it waits.

use std::path::PathBuf;
use std::sync::Mutex;

use fldm_client::Context;
use fldm_client::blocking::{ChangeIter, HubClient as Blocking};
use fldm_client::bridge::{self, ClientOptions, Profile, context};
use fldm_client::wire::{CorrectionReport, SearchRequest};
use fldm_core::codec::import::person_from_import_json;
use fldm_core::lifecycle::DeletionReason;
use fldm_core::record::Anschrift;
use pyo3::prelude::*;
use serde_json::{Value, json};

use crate::detached;
use crate::errors::raise;
use crate::person::Person;
use crate::pyser::to_py;

/// Blocking hub client.
#[pyclass(module = "fldm._native", frozen, name = "HubClient")]
#[derive(Debug)]
pub(crate) struct HubClient {
    inner: Blocking,
    office: Option<String>,
}

/// Seconds (a Python float) as milliseconds; `None` keeps the default.
fn millis(field: &str, seconds: Option<f64>) -> PyResult<Option<u64>> {
    match seconds {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(((s * 1000.0).ceil() as u64).max(1))),
        Some(_) => Err(raise(bridge::Error::request(
            field,
            format!("{field}: must be a positive number of seconds"),
        ))),
    }
}

impl HubClient {
    fn connect(py: Python<'_>, options: ClientOptions) -> PyResult<HubClient> {
        let inner = py.detach(|| options.connect()).map_err(raise)?;
        Ok(HubClient {
            inner,
            office: options.office,
        })
    }

    /// Run one client call with the call context, without the GIL; its
    /// result as Python objects.
    fn run<'py, T: serde::Serialize + Send>(
        &self,
        py: Python<'py>,
        purpose: &str,
        case: Option<&str>,
        call: impl FnOnce(&Blocking, &Context) -> fldm_client::Result<T> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context(purpose, case);
        detached(py, || call(&self.inner, &ctx))
    }

    /// Run one request of the bridge's JSON entry point (`{"op": ...}`),
    /// without the GIL: the life-cycle calls decode, check and run their
    /// arguments exactly as `call_json` and the C library do. The answer
    /// is the view's JSON shape as Python objects.
    fn request<'py>(&self, py: Python<'py>, request: Value) -> PyResult<Bound<'py, PyAny>> {
        detached(py, || {
            bridge::Request::from_json(&request.to_string())?.run(&self.inner)
        })
    }
}

/// A record argument given as JSON text (from `json.dumps` or
/// `Person.to_json`), as a JSON value of a request.
fn record_value(record_json: &str) -> PyResult<Value> {
    serde_json::from_str(record_json).map_err(|_| {
        raise(bridge::Error::request(
            "record",
            "the record is not valid JSON",
        ))
    })
}

/// One input record of `import_persons`: a person, or a dict as JSON text
/// (decoded without the GIL, refused in place if it does not decode).
enum ImportItem {
    Person(Box<fldm_core::record::Person>),
    Json(String),
}

#[pymethods]
impl HubClient {
    #[new]
    #[pyo3(signature = (
        base_url, ca, cert, key, user, office, responsible_person, timeout, connect_timeout,
        retries, journal_dir, journal_signing_key, journal_pseudonym_key, no_journal
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: String,
        ca: PathBuf,
        cert: PathBuf,
        key: PathBuf,
        user: String,
        office: Option<String>,
        responsible_person: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        retries: Option<u32>,
        journal_dir: Option<PathBuf>,
        journal_signing_key: Option<PathBuf>,
        journal_pseudonym_key: Option<PathBuf>,
        no_journal: bool,
    ) -> PyResult<HubClient> {
        let options = ClientOptions {
            base_url: Some(base_url),
            ca: Some(ca),
            cert: Some(cert),
            key: Some(key),
            user: Some(user),
            office,
            responsible_person,
            timeout_ms: millis("timeout", timeout)?,
            connect_timeout_ms: millis("connect_timeout", connect_timeout)?,
            max_attempts: retries,
            journal_dir,
            journal_signing_key,
            journal_pseudonym_key,
            no_journal,
        };
        Self::connect(py, options)
    }

    /// A client from a profile file (as written by `fldm init-pki`).
    #[staticmethod]
    fn from_profile(py: Python<'_>, path: PathBuf) -> PyResult<HubClient> {
        let profile = Profile::load(&path).map_err(raise)?;
        Self::connect(py, profile.options)
    }

    /// The requesting office of the client journal, if set.
    #[getter]
    fn office(&self) -> Option<&str> {
        self.office.as_deref()
    }

    /// The JSON entry point: one request object (`{"op": ..., ...}`, the
    /// bridge's request enum), its answer as JSON text.
    fn call_json(&self, py: Python<'_>, request: &str) -> PyResult<String> {
        py.detach(|| bridge::call_json(&self.inner, request))
            .map_err(raise)
    }

    fn get_person<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, purpose, case, |c, ctx| c.get_person(fldm_id, ctx))
    }

    fn get_person_by_azr<'py>(
        &self,
        py: Python<'py>,
        azr_nummer: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, purpose, case, |c, ctx| {
            c.get_person_by_azr(azr_nummer, ctx)
        })
    }

    fn search<'py>(
        &self,
        py: Python<'py>,
        query_json: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q: SearchRequest = bridge::parse_json(query_json).map_err(raise)?;
        self.run(py, purpose, case, |c, ctx| c.search(&q, ctx))
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
        let a: Anschrift = bridge::parse_json(anschrift_json).map_err(raise)?;
        self.run(py, purpose, case, |c, ctx| {
            c.update_address(fldm_id, &a, ctx, idempotency_key)
        })
    }

    #[pyo3(signature = (fldm_id, attributes, note, purpose, case, idempotency_key))]
    #[allow(clippy::too_many_arguments)]
    fn report_correction<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        attributes: Vec<String>,
        note: String,
        purpose: &str,
        case: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let report = CorrectionReport { attributes, note };
        self.run(py, purpose, case, |c, ctx| {
            c.report_correction(fldm_id, &report, ctx, idempotency_key)
        })
    }

    fn access_report<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, purpose, case, |c, ctx| c.access_report(fldm_id, ctx))
    }

    fn corrections<'py>(
        &self,
        py: Python<'py>,
        status: Option<&str>,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let status = status
            .map(bridge::parse_correction_status)
            .transpose()
            .map_err(raise)?;
        self.run(py, purpose, case, |c, ctx| c.corrections(status, ctx))
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
        let status = bridge::parse_correction_status(status).map_err(raise)?;
        self.run(py, purpose, case, |c, ctx| {
            c.decide_correction(correction_id, status, ctx, idempotency_key)
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
        self.run(py, purpose, case, |c, ctx| {
            c.changes_page(cursor, limit, ctx)
        })
    }

    /// The change feed after `cursor`, fetched `page_size` entries at a time.
    fn changes(
        &self,
        cursor: u64,
        page_size: u32,
        purpose: &str,
        case: Option<&str>,
    ) -> ChangeFeed {
        let iter = self
            .inner
            .changes(cursor, context(purpose, case))
            .page_size(page_size);
        ChangeFeed {
            iter: Mutex::new(iter),
        }
    }

    /// Bulk import; `records` holds persons and dicts as JSON text.
    #[pyo3(signature = (records, purpose, case, batch_size))]
    fn import_persons<'py>(
        &self,
        py: Python<'py>,
        records: Vec<Bound<'py, PyAny>>,
        purpose: &str,
        case: Option<&str>,
        batch_size: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // A negative size goes to the bridge as 0, which it refuses
        // naming `batch_size` (one check, one message).
        let batch_size = batch_size.map(|n| u64::try_from(n).unwrap_or(0));
        let mut items = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            if let Ok(p) = r.cast::<Person>() {
                items.push(ImportItem::Person(Box::new(p.get().inner.clone())));
            } else if let Ok(text) = r.extract::<String>() {
                items.push(ImportItem::Json(text));
            } else {
                return Err(raise(bridge::Error::request(
                    "records",
                    format!("records[{i}] must be a dict or an fldm.Person"),
                )));
            }
        }
        let ctx = context(purpose, case);
        detached(py, || {
            let decoded = items
                .into_iter()
                .map(|item| match item {
                    ImportItem::Person(p) => Ok(*p),
                    ImportItem::Json(text) => person_from_import_json(&text),
                })
                .collect();
            bridge::import_records(&self.inner, decoded, batch_size, &ctx)
        })
    }

    #[pyo3(signature = (path, purpose, case, format))]
    fn import_file<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        purpose: &str,
        case: Option<&str>,
        format: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.request(
            py,
            json!({"op": "import_file", "purpose": purpose, "case_reference": case,
                   "path": path, "format": format}),
        )
    }

    fn create_person<'py>(
        &self,
        py: Python<'py>,
        record_json: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let record = record_value(record_json)?;
        self.request(
            py,
            json!({"op": "create_person", "purpose": purpose, "case_reference": case,
                   "record": record}),
        )
    }

    #[pyo3(signature = (record_json, expected_version, purpose, case))]
    fn update_person<'py>(
        &self,
        py: Python<'py>,
        record_json: &str,
        expected_version: Option<u64>,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let record = record_value(record_json)?;
        self.request(
            py,
            json!({"op": "update_person", "purpose": purpose, "case_reference": case,
                   "record": record, "expected_version": expected_version}),
        )
    }

    fn delete_person<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        reason: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.request(
            py,
            json!({"op": "delete_person", "purpose": purpose, "case_reference": case,
                   "fldm_id": fldm_id, "reason": reason}),
        )
    }

    fn merge_persons<'py>(
        &self,
        py: Python<'py>,
        survivor: &str,
        duplicate: &str,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.request(
            py,
            json!({"op": "merge_persons", "purpose": purpose, "case_reference": case,
                   "survivor": survivor, "duplicate": duplicate}),
        )
    }

    /// Journal that this office acted on a tombstone. `tombstone_json` is
    /// the entry's `deleted` object (`None`: the entry is no deletion).
    #[pyo3(signature = (fldm_id, tombstone_json, action, to, purpose, case))]
    #[allow(clippy::too_many_arguments)]
    fn acknowledge_deletion<'py>(
        &self,
        py: Python<'py>,
        fldm_id: &str,
        tombstone_json: Option<&str>,
        action: &str,
        to: Option<&str>,
        purpose: &str,
        case: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let not_a_deletion = || {
            raise(bridge::Error::request(
                "entry",
                "the entry is not a deletion: it has no \"deleted\"",
            ))
        };
        let Some(text) = tombstone_json else {
            return Err(not_a_deletion());
        };
        let Ok(Value::Object(t)) = serde_json::from_str::<Value>(text) else {
            return Err(not_a_deletion());
        };
        self.request(
            py,
            json!({"op": "acknowledge_deletion", "purpose": purpose, "case_reference": case,
                   "fldm_id": fldm_id, "reason": t.get("reason"), "at": t.get("at"),
                   "merged_into": t.get("merged_into"), "action": action, "to": to}),
        )
    }

    fn health<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        detached(py, || self.inner.health())
    }

    fn journal_len(&self) -> u64 {
        self.inner.journal_len()
    }

    fn journal_checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.journal_checkpoint()).map_err(raise)
    }
}

/// An iterator over the change feed: pages are fetched as needed (without
/// the GIL); it ends at the feed's current end, or after an error.
#[pyclass(module = "fldm._native", frozen, name = "ChangeFeed")]
#[derive(Debug)]
pub(crate) struct ChangeFeed {
    iter: Mutex<ChangeIter>,
}

impl ChangeFeed {
    fn lock(&self) -> std::sync::MutexGuard<'_, ChangeIter> {
        // A panic while holding the lock leaves the iterator usable.
        self.iter.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl ChangeFeed {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match py.detach(|| self.lock().next()) {
            None => Ok(None),
            Some(r) => to_py(py, &r.map_err(raise)?).map(Some),
        }
    }

    /// The cursor after the last entry returned; store it to resume later.
    #[getter]
    fn cursor(&self) -> u64 {
        self.lock().cursor()
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The deletion reason codes, from the one list in core.
    let reasons: Vec<&str> = DeletionReason::ALL.iter().map(|r| r.as_str()).collect();
    m.add(
        "DELETION_REASONS",
        pyo3::types::PyTuple::new(m.py(), reasons)?,
    )?;
    m.add_class::<HubClient>()?;
    m.add_class::<ChangeFeed>()?;
    Ok(())
}

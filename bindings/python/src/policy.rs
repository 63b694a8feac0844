//! Legal-basis policies: load, decide, apply, explain. Decisions and
//! explain rows are the bridge's views, converted to dicts.

use std::path::PathBuf;

use fldm_client::bridge::{self, view::DecisionView};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors::raise;
use crate::person::Person;
use crate::pyser::{Keys, to_py};

/// A loaded legal-basis policy.
#[pyclass(module = "fldm._native", frozen, name = "Policy")]
#[derive(Debug)]
pub(crate) struct Policy {
    inner: fldm_core::policy::Policy,
}

#[pymethods]
impl Policy {
    /// Load and check a policy file (TOML).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Policy> {
        py.detach(|| fldm_core::policy::Policy::load(&path))
            .map(|inner| Policy { inner })
            .map_err(raise)
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

    /// Decide a request (on `date`, `None`: today in UTC); never raises
    /// for a denial (see `permitted`).
    #[pyo3(signature = (office, purpose, operation, case, date))]
    fn decide<'py>(
        &self,
        py: Python<'py>,
        office: &str,
        purpose: Option<&str>,
        operation: &str,
        case: Option<&str>,
        date: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let d =
            bridge::decide(&self.inner, office, operation, purpose, case, date).map_err(raise)?;
        to_py(py, &DecisionView::from(&d))
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
        let permit =
            bridge::permit(&self.inner, office, operation, purpose, case, None).map_err(raise)?;
        let keys = Keys::new(py);
        let out = PyList::empty(py);
        for item in persons.iter() {
            let p = item.cast::<Person>().map_err(|_| {
                raise(bridge::Error::request(
                    "persons",
                    "persons: expected fldm Person objects",
                ))
            })?;
            out.append(keys.to_py(&permit.apply(&p.get().inner))?)?;
        }
        Ok(out)
    }

    /// What each office gets for each purpose, and why (the bridge's
    /// explain rows).
    #[pyo3(signature = (office, purpose))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        office: Option<&str>,
        purpose: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &bridge::explain_rows(&self.inner, office, purpose))
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy(id={:?}, hash={:?})",
            self.inner.id(),
            self.inner.hash()
        )
    }
}

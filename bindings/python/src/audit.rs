//! Offline verification of audit journals and proof bundles (the bridge's
//! verification views).

use std::path::PathBuf;

use fldm_client::bridge;
use pyo3::prelude::*;

use crate::detached;

/// Verify an audit journal directory; raises `AuditTampered` if anything
/// is wrong, returns the report otherwise.
#[pyfunction]
fn audit_verify<'py>(
    py: Python<'py>,
    dir: PathBuf,
    public_key: PathBuf,
) -> PyResult<Bound<'py, PyAny>> {
    detached(py, || bridge::verify_dir(&dir, &public_key))
}

/// Check an offline verification bundle file (entry + proof + checkpoint).
#[pyfunction]
fn audit_check_bundle<'py>(
    py: Python<'py>,
    path: PathBuf,
    public_key: PathBuf,
) -> PyResult<Bound<'py, PyAny>> {
    detached(py, || {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| fldm_core::Error::io(format!("reading {}", path.display()), e))?;
        bridge::verify_bundle(&text, &public_key)
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(audit_verify, m)?)?;
    m.add_function(wrap_pyfunction!(audit_check_bundle, m)?)?;
    Ok(())
}

//! Code lists: the nationality list in use, loading published genericode
//! files, replacing the nationality list at run time (`fldm.codes`).
//!
//! Lists cross into Python as dicts `{"uri", "version", "entries"}` with
//! entries as `(code, name, name2)` tuples; the typed layer
//! (`python/fldm/codes.py`) wraps them.

use std::path::PathBuf;

use fldm_core::codes::{self, CodeList, genericode};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::raise;

fn list_dict<'py>(py: Python<'py>, list: &CodeList) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("uri", &list.uri)?;
    out.set_item("version", &list.version)?;
    let entries: Vec<(&str, &str, Option<&str>)> = list
        .entries
        .iter()
        .map(|e| (e.code.as_str(), e.name.as_str(), e.name2.as_deref()))
        .collect();
    out.set_item("entries", entries)?;
    Ok(out)
}

/// The nationality list in use by this process.
#[pyfunction]
fn codes_nationality_list(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    list_dict(py, &codes::staatsangehoerigkeit_list())
}

/// The DESTATIS nationality list built into this release.
#[pyfunction]
fn codes_builtin_nationality_list(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    list_dict(py, &codes::builtin_staatsangehoerigkeit())
}

/// Load a published DESTATIS nationality list (genericode file).
#[pyfunction]
fn codes_load_nationality_list(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let list = py
        .detach(|| genericode::load_staatsangehoerigkeit(&path))
        .map_err(raise)?;
    list_dict(py, &list)
}

/// Load a published nationality list and use it for validation and XML
/// output in this process from now on.
#[pyfunction]
fn codes_install_nationality_list(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let list = py
        .detach(|| genericode::load_staatsangehoerigkeit(&path))
        .map_err(raise)?;
    let out = list_dict(py, &list)?;
    codes::install_staatsangehoerigkeit(list).map_err(raise)?;
    Ok(out)
}

/// Use the built-in nationality list again.
#[pyfunction]
fn codes_reset_nationality_list() -> PyResult<()> {
    codes::install_staatsangehoerigkeit((*codes::builtin_staatsangehoerigkeit()).clone())
        .map_err(raise)
}

/// Any genericode list, with the code, name and optional second name
/// taken from the named columns.
#[pyfunction]
#[pyo3(signature = (path, code_column, name_column, name2_column))]
fn codes_load_genericode<'py>(
    py: Python<'py>,
    path: PathBuf,
    code_column: &str,
    name_column: &str,
    name2_column: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let list = py
        .detach(|| {
            let name = path.display().to_string();
            let xml = std::fs::read_to_string(&path)
                .map_err(|e| fldm_core::Error::io(format!("reading {name}"), e))?;
            genericode::parse(&xml, &name)?.to_code_list(
                code_column,
                name_column,
                name2_column,
                &name,
            )
        })
        .map_err(raise)?;
    list_dict(py, &list)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(codes_nationality_list, m)?)?;
    m.add_function(wrap_pyfunction!(codes_builtin_nationality_list, m)?)?;
    m.add_function(wrap_pyfunction!(codes_load_nationality_list, m)?)?;
    m.add_function(wrap_pyfunction!(codes_install_nationality_list, m)?)?;
    m.add_function(wrap_pyfunction!(codes_reset_nationality_list, m)?)?;
    m.add_function(wrap_pyfunction!(codes_load_genericode, m)?)?;
    Ok(())
}

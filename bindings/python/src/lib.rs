//! `fldm._native`: the compiled part of the Python package `fldm`.
//!
//! This module is private. Scripts use the typed public layer in
//! `python/fldm/` (see docs/python.md). The module only converts: it
//! calls fldm-core for records and codecs and the bridge of fldm-client
//! (`fldm_client::bridge`) for policies, the hub client, the JSON entry
//! point and verification, and turns their views into Python objects
//! (through `pyser`, in the views' JSON shape) and their errors into
//! exceptions (through `errors`). The C library (fldm-ffi) converts the
//! same bridge, so both faces answer alike (tests/cross_face).
//!
//! Persons stay Rust values inside `Person`, so `policy.apply` on many
//! records does not decode them again. Blocking calls release the GIL.

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod audit;
mod client;
mod codes;
mod errors;
mod person;
mod policy;
mod pyser;

use pyo3::prelude::*;

use person::Person;

/// Run `work` without the GIL; its result as Python objects (the view's
/// JSON shape), its error as the matching exception.
pub(crate) fn detached<'py, T, E>(
    py: Python<'py>,
    work: impl FnOnce() -> Result<T, E> + Send,
) -> PyResult<Bound<'py, PyAny>>
where
    T: serde::Serialize + Send,
    E: Into<fldm_client::bridge::Error> + Send,
{
    let value = py.detach(work).map_err(errors::raise)?;
    pyser::to_py(py, &value)
}

/// A deterministic synthetic population of `count` persons.
#[pyfunction]
fn synth(py: Python<'_>, count: usize, seed: u64) -> Vec<Person> {
    py.detach(|| fldm_synth::population(count, seed))
        .into_iter()
        .map(|inner| Person { inner })
        .collect()
}

/// The record as a department's local system would have typed it: name
/// spelling variants, partial or placeholder birth dates.
#[pyfunction]
fn local_case_variant(person: &Person, seed: u64) -> Person {
    Person {
        inner: fldm_synth::local_case_variant(&person.inner, seed),
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    person::register(m)?;
    m.add_function(wrap_pyfunction!(synth, m)?)?;
    m.add_function(wrap_pyfunction!(local_case_variant, m)?)?;
    m.add_class::<policy::Policy>()?;
    client::register(m)?;
    audit::register(m)?;
    codes::register(m)?;
    errors::register(m)?;
    Ok(())
}

//! Records and their codecs: the `Person` class, JSON lines and XML.

use fldm_core::codec::json::{self as json_codec, Strictness};
use fldm_core::codec::xml as xml_codec;
use pyo3::prelude::*;

use crate::errors::raise;
use crate::pyser::to_py;

/// One person's record (Kerndatensatz), held as a Rust value.
#[pyclass(module = "fldm._native", frozen, name = "Person")]
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) inner: fldm_core::record::Person,
}

fn persons(v: Vec<fldm_core::record::Person>) -> Vec<Person> {
    v.into_iter().map(|inner| Person { inner }).collect()
}

#[pymethods]
impl Person {
    /// Decode one record from JSON (strict: unknown fields are errors).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Person> {
        json_codec::person_from_json(text, Strictness::Strict)
            .map(|inner| Person { inner })
            .map_err(raise)
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

/// Decode an XML document with a list of persons (or one person).
#[pyfunction]
fn read_xml(py: Python<'_>, text: &str) -> PyResult<Vec<Person>> {
    py.detach(|| xml_codec::from_xml(text))
        .map(persons)
        .map_err(raise)
}

/// Decode JSON lines (one record per line, strict).
#[pyfunction]
fn read_jsonl(py: Python<'_>, text: &str) -> PyResult<Vec<Person>> {
    py.detach(|| json_codec::read_jsonl(text, Strictness::Strict))
        .map(persons)
        .map_err(raise)
}

/// Encode persons as one XML document.
#[pyfunction]
fn write_xml(persons: Vec<PyRef<'_, Person>>) -> String {
    let v: Vec<fldm_core::record::Person> = persons.iter().map(|p| p.inner.clone()).collect();
    xml_codec::to_xml(&v)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Person>()?;
    m.add_function(wrap_pyfunction!(read_xml, m)?)?;
    m.add_function(wrap_pyfunction!(read_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(write_xml, m)?)?;
    Ok(())
}

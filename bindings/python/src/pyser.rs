//! A serde serializer that builds Python objects directly (dict, list, str,
//! int, float, bool, None), in the shape `serde_json` gives the same value.
//!
//! Records and wire values cross into Python through this module instead of
//! an intermediate `serde_json::Value`: one allocation per Python object and
//! no copy of every string in between. Struct field names are `&'static str`;
//! each becomes one Python string per call, reused for every record of a
//! batch (`policy.apply` on 100,000 records creates the key
//! `"grundpersonalien"` once, not 100,000 times).
//!
//! (`pythonize` does the same for pyo3 0.29; it has no release for the pyo3
//! 0.30 this crate uses.)

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use serde::ser::{self, Serialize};

/// Convert `value` to the equivalent Python object.
pub(crate) fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    Keys::new(py).to_py(value)
}

/// Key cache for one batch of conversions: field name -> Python string.
pub(crate) struct Keys<'py> {
    py: Python<'py>,
    cache: RefCell<HashMap<(usize, usize), Bound<'py, PyString>>>,
}

impl<'py> Keys<'py> {
    pub(crate) fn new(py: Python<'py>) -> Self {
        Keys {
            py,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// Convert one value, reusing the key strings of earlier calls.
    pub(crate) fn to_py<T: Serialize + ?Sized>(&self, value: &T) -> PyResult<Bound<'py, PyAny>> {
        value.serialize(Ser { keys: self }).map_err(|e| e.0)
    }

    fn key(&self, name: &'static str) -> Bound<'py, PyString> {
        let id = (name.as_ptr() as usize, name.len());
        let mut cache = self.cache.borrow_mut();
        cache
            .entry(id)
            .or_insert_with(|| PyString::new(self.py, name))
            .clone()
    }
}

/// The serializer's error: a Python exception.
pub(crate) struct Error(PyErr);

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(crate::errors::FldmError::new_err(format!(
            "cannot convert the value: {msg}"
        )))
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error(e)
    }
}

type Result<T> = std::result::Result<T, Error>;

#[derive(Clone, Copy)]
struct Ser<'a, 'py> {
    keys: &'a Keys<'py>,
}

impl<'py> Ser<'_, 'py> {
    fn py(&self) -> Python<'py> {
        self.keys.py
    }

    /// `{variant: value}`, serde_json's form of a non-unit enum variant.
    fn tagged(&self, variant: &'static str, value: Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
        let d = PyDict::new(self.py());
        d.set_item(self.keys.key(variant), value)?;
        Ok(d.into_any())
    }
}

fn int<'py>(py: Python<'py>, v: impl IntoPyObject<'py>) -> Result<Bound<'py, PyAny>> {
    v.into_bound_py_any(py).map_err(Error)
}

/// Integers of every width become Python `int`.
macro_rules! int_methods {
    ($($method:ident: $t:ty),+) => {$(
        fn $method(self, v: $t) -> Result<Self::Ok> {
            int(self.py(), v)
        }
    )+};
}

impl<'a, 'py> ser::Serializer for Ser<'a, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = Seq<'a, 'py>;
    type SerializeTuple = Seq<'a, 'py>;
    type SerializeTupleStruct = Seq<'a, 'py>;
    type SerializeTupleVariant = Seq<'a, 'py>;
    type SerializeMap = Map<'a, 'py>;
    type SerializeStruct = Map<'a, 'py>;
    type SerializeStructVariant = Map<'a, 'py>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok> {
        Ok(PyBool::new(self.py(), v).to_owned().into_any())
    }
    int_methods!(
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128
    );
    fn serialize_f32(self, v: f32) -> Result<Self::Ok> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Self::Ok> {
        // serde_json writes non-finite floats as null.
        if v.is_finite() {
            int(self.py(), v)
        } else {
            self.serialize_unit()
        }
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok> {
        let mut buf = [0u8; 4];
        self.serialize_str(v.encode_utf8(&mut buf))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok> {
        Ok(PyString::new(self.py(), v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Self::Ok> {
        // serde_json: an array of numbers.
        Ok(PyList::new(self.py(), v)?.into_any())
    }
    fn serialize_none(self) -> Result<Self::Ok> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok> {
        Ok(self.py().None().into_bound(self.py()))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Self::Ok> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Self::Ok> {
        Ok(self.keys.key(variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Self::Ok> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Self::Ok> {
        let v = value.serialize(self)?;
        self.tagged(variant, v)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Ok(Seq {
            ser: self,
            list: PyList::empty(self.py()),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Ok(Seq {
            ser: self,
            list: PyList::empty(self.py()),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Ok(Map {
            ser: self,
            dict: PyDict::new(self.py()),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Ok(Map {
            ser: self,
            dict: PyDict::new(self.py()),
            key: None,
            variant: Some(variant),
        })
    }
}

struct Seq<'a, 'py> {
    ser: Ser<'a, 'py>,
    list: Bound<'py, PyList>,
    variant: Option<&'static str>,
}

impl<'py> Seq<'_, 'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.list.append(value.serialize(self.ser)?)?;
        Ok(())
    }
    fn finish(self) -> Result<Bound<'py, PyAny>> {
        match self.variant {
            Some(v) => self.ser.tagged(v, self.list.into_any()),
            None => Ok(self.list.into_any()),
        }
    }
}

/// The element-wise serde traits of a sequence all push one element.
macro_rules! seq_impl {
    ($($trait:ident :: $method:ident),+) => {$(
        impl<'py> ser::$trait for Seq<'_, 'py> {
            type Ok = Bound<'py, PyAny>;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.push(value)
            }
            fn end(self) -> Result<Self::Ok> {
                self.finish()
            }
        }
    )+};
}

seq_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

struct Map<'a, 'py> {
    ser: Ser<'a, 'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

impl<'py> Map<'_, 'py> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        let v = value.serialize(self.ser)?;
        self.dict.set_item(self.ser.keys.key(key), v)?;
        Ok(())
    }
    fn finish(self) -> Result<Bound<'py, PyAny>> {
        match self.variant {
            Some(v) => self.ser.tagged(v, self.dict.into_any()),
            None => Ok(self.dict.into_any()),
        }
    }
}

impl<'py> ser::SerializeMap for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        let k = key.serialize(self.ser)?;
        // JSON object keys are strings: serde_json writes numbers and
        // booleans used as keys as their JSON text, and refuses others.
        let k = if k.is_instance_of::<PyString>() {
            k
        } else if let Ok(b) = k.cast::<PyBool>() {
            PyString::new(self.ser.py(), if b.is_true() { "true" } else { "false" }).into_any()
        } else if k.is_instance_of::<pyo3::types::PyInt>() {
            k.str()?.into_any()
        } else {
            return Err(<Error as ser::Error>::custom(
                "a map key must be a string or a number",
            ));
        };
        self.key = Some(k);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let k = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("map value without a key"))?;
        let v = value.serialize(self.ser)?;
        self.dict.set_item(k, v)?;
        Ok(())
    }
    fn end(self) -> Result<Self::Ok> {
        self.finish()
    }
}

/// Structs and struct variants: named fields with `&'static str` keys.
macro_rules! struct_impl {
    ($($trait:ident),+) => {$(
        impl<'py> ser::$trait for Map<'_, 'py> {
            type Ok = Bound<'py, PyAny>;
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                self.field(key, value)
            }
            fn end(self) -> Result<Self::Ok> {
                self.finish()
            }
        }
    )+};
}

struct_impl!(SerializeStruct, SerializeStructVariant);

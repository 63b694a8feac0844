//! Codecs for the Kerndatensatz: JSON ([`json`], serde with stable
//! snake_case field names) and XML ([`xml`], XÖV conventions).
//!
//! Both decode through the same validating constructors, so a value that
//! one format rejects the other rejects too, with the same field path.

pub mod import;
pub mod json;
pub mod xml;

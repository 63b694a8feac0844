//! # fldm-core
//!
//! The domain of the FLDM SDK, without network or database:
//!
//! - [`record`]: the Kerndatensatz (AZRG § 3) as typed Rust values, with
//!   identifiers ([`ids`]), partial dates ([`date`]), code values ([`codes`])
//!   and names normalised to NFC and checked against DIN 91379 ([`text`]);
//! - [`lifecycle`]: the owner's key of a record in imports and the
//!   reasons for deletion;
//! - [`attribute`]: the catalogue of disclosable attributes with stable dotted
//!   names and their legal source, and projection of records to attribute sets;
//! - [`policy`]: legal-basis rules, decisions and filtering;
//! - [`audit`]: audit records, the Merkle journal, proofs and the verifier;
//! - [`codec`]: JSON (serde) and XML (XÖV conventions);
//! - [`matching`]: name matching, batch linking and de-duplication;
//! - [`wire`]: protocol types and rules shared by hub and client.
//!
//! The synthetic population for demos, tests and benchmarks is the separate
//! crate `fldm-synth`, so that nothing here links the generator.
//!
//! Errors are one type, [`Error`]; errors about a value name the field by its
//! path and never quote personal data.

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod attribute;
pub mod audit;
pub mod codec;
pub mod codes;
pub mod date;
mod de;
pub mod error;
pub mod ids;
pub mod lifecycle;
pub mod matching;
pub mod policy;
pub mod record;
pub mod text;
pub mod wire;

pub use error::{Error, Result, ValidationError, ValidationKind};

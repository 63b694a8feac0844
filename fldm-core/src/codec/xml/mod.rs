//! XML codec for the Kerndatensatz, following XÖV conventions.
//!
//! The format is described in `docs/xml-format.md` and by the schema
//! `fldm-core/schema/fldm-kerndatensatz.xsd`. In short:
//!
//! - namespace [`NAMESPACE`] (prefix `fldm`), every element qualified;
//!   element names are the lowerCamelCase forms of the JSON field names;
//! - a list document has the root `<fldm:personen>` with `<fldm:person>`
//!   children; a single record has the root `<fldm:person>`;
//! - lists inside a record are a wrapper element named like the JSON field
//!   (`staatsangehoerigkeiten`) with one item element per entry
//!   (`staatsangehoerigkeit`);
//! - codes are XÖV code elements: attributes `listURI` and `listVersionID`
//!   and a child `<code>`;
//! - name parts are `<name>` or `<nichtVorhanden>true</nichtVorhanden>`;
//!   partial dates are one of `jahrMonatTag`, `jahrMonat`, `jahr`,
//!   `unbekannt`.
//!
//! Writing goes straight into a `String` or an [`std::io::Write`]; reading
//! is a pull parser over quick-xml events, so a list of any length can be
//! streamed record by record with [`XmlReader`].
//!
//! Decoding checks every value with the same constructors as the JSON codec
//! and finishes each record with [`Person::validate`](crate::record::Person::validate). Errors name the field
//! by its JSON path (`grundpersonalien.staatsangehoerigkeiten[4]`). Document
//! type declarations, entity declarations and entity references other than
//! the five predefined ones are rejected, never expanded.
//!
//! The module's files, one job each: `writer` (records to text), `source`
//! (where events come from, line counting), `lexer` (character data,
//! references, start tags and the element names of the format), `decoder`
//! (the pull parser and document structure), `records` (the record types
//! element by element), `text` (escaping, white space, allowed characters,
//! element-name case) and [`envelope`] (the hub's response envelopes and
//! flat request bodies).

mod decoder;
pub mod envelope;
mod lexer;
mod records;
mod source;
mod text;
mod writer;

use crate::codes;

pub use decoder::{XmlReader, from_xml, person_from_xml};
pub use text::{camel_case, escape_into, snake_case};
pub use writer::{person_to_xml, to_xml, write_xml};

/// Namespace of all FLDM XML elements.
pub const NAMESPACE: &str = "urn:fldm:xml:kerndatensatz:1";
/// Prefix used for [`NAMESPACE`] in documents written by this module.
pub const PREFIX: &str = "fldm";

/// List URI of the Familienstand codes (XInneres).
pub const FAMILIENSTAND_URI: &str = codes::Familienstand::LIST_URI;
/// List URI of the FLDM residence-status list.
pub const AUFENTHALTSSTATUS_URI: &str = codes::Aufenthaltsstatus::LIST_URI;
/// List URI of the FLDM identity-document list.
pub const DOKUMENTART_URI: &str = codes::Dokumentart::LIST_URI;
/// List URI of the FLDM family-relationship list.
pub const BEZIEHUNG_URI: &str = codes::Beziehung::LIST_URI;
/// List URI of the FLDM language-level list.
pub const SPRACHNIVEAU_URI: &str = codes::Sprachniveau::LIST_URI;
/// List URI of the Länder key (DESTATIS).
pub const BUNDESLAND_URI: &str = codes::Bundesland::LIST_URI;
/// `listVersionID` written for the lists whose table is built into this
/// crate without a published version of its own (all lists except the
/// nationality and gender lists).
pub const FLDM_LIST_VERSION: &str = "1";

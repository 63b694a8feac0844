//! Import input: the owning office's stock as JSON lines (one record per
//! line) or as an XML list document (`<fldm:personen>`, also accepted as
//! `<fldm:persons>`).
//!
//! Import records are identified by the owner's key (AZR-Nummer, else
//! Aktenzeichen; see [`crate::lifecycle::OwnerKey`]), not by FLDM id: an
//! `fldm_id` in the input is ignored, and a record without one gets
//! [`PLACEHOLDER_ID`] so that it can be decoded. The hub assigns or keeps
//! the real id.
//!
//! [`ImportReader`] yields one item per record, in input order: the record,
//! or the error of that record (wrapped in [`Error::Record`] with its
//! 0-based index, naming the field, never quoting a value). A record that
//! fails does not stop the reading; input that cannot be read at all
//! (malformed XML, invalid UTF-8, an I/O error) ends the iteration after
//! its error.

use std::io::BufRead;
use std::path::Path;

use crate::codec::json::{self, JsonLinesReader, Strictness};
use crate::codec::xml::XmlReader;
use crate::error::{Error, Result};
use crate::ids::FldmId;
use crate::record::Person;

/// The FLDM id given to an import record that has none; never stored.
pub const PLACEHOLDER_ID: &str = "IMPORT";

/// [`PLACEHOLDER_ID`] as an id.
pub(crate) fn placeholder_id() -> FldmId {
    FldmId::parse(PLACEHOLDER_ID).unwrap_or_else(|_| unreachable!("PLACEHOLDER_ID is a valid id"))
}

/// The format of import input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportFormat {
    /// One JSON record per line (`application/x-ndjson`).
    JsonLines,
    /// An XML list document (`application/xml`).
    Xml,
}

impl ImportFormat {
    /// From `json` (also `jsonl`, `ndjson`) or `xml`.
    pub fn parse(s: &str) -> Option<ImportFormat> {
        match s {
            "json" | "jsonl" | "ndjson" => Some(ImportFormat::JsonLines),
            "xml" => Some(ImportFormat::Xml),
            _ => None,
        }
    }

    /// From a file name: `.xml` is XML, anything else JSON lines.
    pub fn from_path(path: &Path) -> ImportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xml") => ImportFormat::Xml,
            _ => ImportFormat::JsonLines,
        }
    }

    /// The media type of a request body in this format.
    pub fn media_type(&self) -> &'static str {
        match self {
            ImportFormat::JsonLines => "application/x-ndjson",
            ImportFormat::Xml => "application/xml",
        }
    }
}

/// Reads import input record by record. See the [module docs](self).
pub struct ImportReader<R: BufRead> {
    inner: Inner<R>,
}

enum Inner<R: BufRead> {
    Json(JsonLinesReader<R>),
    Xml(Box<XmlReader<R>>),
}

impl<R: BufRead> std::fmt::Debug for ImportReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportReader").finish_non_exhaustive()
    }
}

impl<R: BufRead> ImportReader<R> {
    /// A reader of `input` in `format`.
    pub fn new(input: R, format: ImportFormat) -> Self {
        let inner = match format {
            ImportFormat::JsonLines => Inner::Json(JsonLinesReader::for_import(input)),
            ImportFormat::Xml => Inner::Xml(Box::new(XmlReader::for_import(input))),
        };
        ImportReader { inner }
    }
}

impl<R: BufRead> Iterator for ImportReader<R> {
    type Item = Result<Person>;

    fn next(&mut self) -> Option<Result<Person>> {
        match &mut self.inner {
            Inner::Json(r) => r.next(),
            Inner::Xml(r) => r.next(),
        }
    }
}

/// Decode one JSON import record: like [`json::person_from_json`]
/// (strict), but a missing `fldm_id` becomes [`PLACEHOLDER_ID`].
pub fn person_from_import_json(text: &str) -> Result<Person> {
    let needs_id = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) => !m.contains_key("fldm_id"),
        // Not an object or not JSON: the strict decoder names the problem.
        _ => false,
    };
    if !needs_id {
        return json::person_from_json(text, Strictness::Strict);
    }
    let trimmed = text.trim_start();
    let rest = trimmed.strip_prefix('{').unwrap_or(trimmed);
    let sep = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    let with_id = format!("{{\"fldm_id\":\"{PLACEHOLDER_ID}\"{sep}{rest}");
    json::person_from_json(&with_id, Strictness::Strict)
}

/// Read all records of `bytes`; each item is the record or its error.
/// Input that cannot be read at all ends the list with its error.
pub fn read_all(bytes: &[u8], format: ImportFormat) -> Vec<Result<Person>> {
    ImportReader::new(bytes, format).collect()
}

/// Whether an error of an [`ImportReader`] concerns one record only (the
/// reading went on) rather than the input as a whole.
pub fn is_record_error(e: &Error) -> bool {
    match e {
        Error::Record { source, .. } => {
            matches!(**source, Error::Validation(_) | Error::Json { .. })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"azr_nummer":"230517000123","grundpersonalien":{"familienname":"Haddad","vornamen":{"nicht_vorhanden":true},"geburtsdatum":"1990","geschlecht":"w","staatsangehoerigkeiten":["475"]}}"#;

    #[test]
    fn json_lines_without_fldm_id_decode_with_the_placeholder() {
        let text = format!("{LINE}\n\n{{}}\n{}\n", LINE.replace("1990", "1990-02-30"));
        let got = read_all(text.as_bytes(), ImportFormat::JsonLines);
        assert_eq!(got.len(), 3);
        let p = got[0].as_ref().expect("first record");
        assert_eq!(p.fldm_id.as_str(), PLACEHOLDER_ID);
        assert_eq!(
            p.azr_nummer.map(|a| a.to_string()).as_deref(),
            Some("230517000123")
        );
        let empty = got[1].as_ref().expect("an empty object is a record");
        assert!(empty.azr_nummer.is_none());
        let e = got[2].as_ref().expect_err("impossible date");
        assert_eq!(e.record_index(), Some(2));
        assert_eq!(e.field(), Some("grundpersonalien.geburtsdatum"));
        assert!(is_record_error(e));
        assert!(!e.to_string().contains("1990"));
    }

    #[test]
    fn an_fldm_id_in_the_input_is_read_but_means_nothing_here() {
        let line = LINE.replacen('{', r#"{"fldm_id":"PX1","#, 1);
        let p = person_from_import_json(&line).expect("record");
        assert_eq!(p.fldm_id.as_str(), "PX1");
        assert!(person_from_import_json("[1]").is_err());
        assert!(person_from_import_json("{\"unbekannt\":1}").is_err());
    }

    #[test]
    fn xml_list_without_fldm_ids_under_either_root_name() {
        for root in ["personen", "persons"] {
            let doc = format!(
                "<?xml version=\"1.0\"?>\n<fldm:{root} xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\n\
                 <fldm:person><fldm:aktenzeichen>ABH-1/26</fldm:aktenzeichen></fldm:person>\n\
                 <fldm:person><fldm:azrNummer>231317000123</fldm:azrNummer></fldm:person>\n\
                 <fldm:person><fldm:fldmId>P7</fldm:fldmId></fldm:person>\n\
                 </fldm:{root}>\n"
            );
            let got = read_all(doc.as_bytes(), ImportFormat::Xml);
            assert_eq!(got.len(), 3, "{root}");
            let p = got[0].as_ref().expect("first");
            assert_eq!(p.fldm_id.as_str(), PLACEHOLDER_ID);
            assert_eq!(
                p.aktenzeichen.as_ref().map(|a| a.as_str()),
                Some("ABH-1/26")
            );
            let e = got[1].as_ref().expect_err("impossible AZR date");
            assert_eq!((e.record_index(), e.field()), (Some(1), Some("azr_nummer")));
            assert_eq!(got[2].as_ref().expect("third").fldm_id.as_str(), "P7");
        }
        // Outside import input, `persons` is not a root and fldmId is required.
        let plain = "<fldm:person xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\"/>";
        assert!(crate::codec::xml::person_from_xml(plain).is_err());
    }

    #[test]
    fn malformed_xml_ends_the_input() {
        let doc = "<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\"><fldm:person>";
        let got = read_all(doc.as_bytes(), ImportFormat::Xml);
        let last = got.last().expect("an item").as_ref().expect_err("error");
        assert!(!is_record_error(last));
        assert_eq!(
            ImportFormat::from_path(Path::new("a/b.XML")),
            ImportFormat::Xml
        );
        assert_eq!(ImportFormat::parse("json"), Some(ImportFormat::JsonLines));
        assert_eq!(ImportFormat::parse("csv"), None);
    }
}

//! Loader for genericode 1.0 code list files, the format in which XÖV code
//! lists are published (e.g. by DESTATIS and KoSIT).
//!
//! [`parse`] reads any genericode `CodeList` document into its identification
//! (canonical URI, version), the key column and all rows; [`Genericode::to_code_list`]
//! turns it into a [`CodeList`] for the columns you name. For the nationality
//! list, [`load_staatsangehoerigkeit`] does both.
//!
//! Input with a DOCTYPE is rejected; entity references other than the five
//! predefined ones and character references are errors.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::{CodeEntry, CodeList};
use crate::error::{Error, Result};

/// Most rows accepted in one list (the largest published XÖV lists have a
/// few thousand entries).
pub const MAX_ROWS: usize = 100_000;

/// A parsed genericode document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genericode {
    /// `Identification/CanonicalUri`.
    pub canonical_uri: String,
    /// `Identification/Version`.
    pub version: String,
    /// Column ids in document order.
    pub columns: Vec<String>,
    /// The column referenced by the first `Key`, if any.
    pub key_column: Option<String>,
    /// Rows: column id to value.
    pub rows: Vec<BTreeMap<String, String>>,
}

fn err(source_name: &str, message: impl Into<String>) -> Error {
    Error::CodeList {
        source_name: source_name.to_string(),
        message: message.into(),
    }
}

fn local(name: &str) -> &str {
    match name.rfind(':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Parse a genericode document. `source_name` is used in error messages.
pub fn parse(xml: &str, source_name: &str) -> Result<Genericode> {
    let mut reader = Reader::from_str(xml);
    // `<a/>` is reported as `<a></a>`, so every start has its end.
    reader.config_mut().expand_empty_elements = true;
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut out = Genericode {
        canonical_uri: String::new(),
        version: String::new(),
        columns: Vec::new(),
        key_column: None,
        rows: Vec::new(),
    };
    let mut row: Option<BTreeMap<String, String>> = None;
    let mut value_column: Option<String> = None;
    let mut in_key = false;
    let position = |r: &Reader<&[u8]>| r.buffer_position();
    loop {
        let ev = reader.read_event().map_err(|e| {
            err(
                source_name,
                format!("malformed XML at byte {}: {e}", position(&reader)),
            )
        })?;
        match ev {
            Event::DocType(_) => {
                return Err(err(source_name, "a DOCTYPE is not accepted"));
            }
            Event::Start(s) | Event::Empty(s) => {
                let name = local(s.name().as_ref()).to_string();
                let attr = |key: &str| -> Result<Option<String>> {
                    for a in s.attributes() {
                        let a = a.map_err(|e| err(source_name, format!("bad attribute: {e}")))?;
                        if local(a.key.as_ref()) == key {
                            let v = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map_err(|e| err(source_name, format!("bad attribute: {e}")))?;
                            return Ok(Some(v.into_owned()));
                        }
                    }
                    Ok(None)
                };
                match name.as_str() {
                    "Column" if path.last().map(String::as_str) == Some("ColumnSet") => {
                        if let Some(id) = attr("Id")? {
                            out.columns.push(id);
                        }
                    }
                    "Key" => in_key = true,
                    "ColumnRef" if in_key && out.key_column.is_none() => {
                        out.key_column = attr("Ref")?;
                    }
                    "Row" => {
                        if out.rows.len() >= MAX_ROWS {
                            return Err(err(source_name, format!("more than {MAX_ROWS} rows")));
                        }
                        row = Some(BTreeMap::new());
                    }
                    "Value" if row.is_some() => value_column = attr("ColumnRef")?,
                    _ => {}
                }
                text.clear();
                path.push(name);
            }
            Event::Text(t) => {
                text.push_str(&t.xml10_content());
            }
            Event::CData(c) => {
                text.push_str(&c.into_inner());
            }
            Event::GeneralRef(r) => {
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => text.push(c),
                        _ => return Err(err(source_name, "invalid character reference")),
                    }
                } else {
                    let s = match r.xml10_content().as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return Err(err(source_name, "undeclared entity reference")),
                    };
                    text.push(s);
                }
            }
            Event::End(e) => {
                let name = local(e.name().as_ref()).to_string();
                let parent = path.len().checked_sub(2).and_then(|i| path.get(i)).cloned();
                match name.as_str() {
                    "CanonicalUri" if parent.as_deref() == Some("Identification") => {
                        out.canonical_uri = text.trim().to_string();
                    }
                    "Version" if parent.as_deref() == Some("Identification") => {
                        out.version = text.trim().to_string();
                    }
                    "SimpleValue" => {
                        if let (Some(r), Some(c)) = (row.as_mut(), value_column.as_ref()) {
                            r.insert(c.clone(), text.trim().to_string());
                        }
                    }
                    "Value" => value_column = None,
                    "Key" => in_key = false,
                    "Row" => {
                        if let Some(r) = row.take() {
                            out.rows.push(r);
                        }
                    }
                    _ => {}
                }
                path.pop();
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if out.canonical_uri.is_empty() {
        return Err(err(source_name, "no Identification/CanonicalUri"));
    }
    if out.version.is_empty() {
        return Err(err(source_name, "no Identification/Version"));
    }
    Ok(out)
}

impl Genericode {
    /// A [`CodeList`] with codes from `code_column`, names from
    /// `name_column` and optional second names from `name2_column`. Rows
    /// without a code are an error; duplicate codes are an error.
    pub fn to_code_list(
        &self,
        code_column: &str,
        name_column: &str,
        name2_column: Option<&str>,
        source_name: &str,
    ) -> Result<CodeList> {
        for c in [Some(code_column), Some(name_column), name2_column]
            .into_iter()
            .flatten()
        {
            if !self.columns.iter().any(|x| x == c) {
                return Err(err(source_name, format!("no column {c:?}")));
            }
        }
        let mut entries = Vec::with_capacity(self.rows.len());
        for (i, r) in self.rows.iter().enumerate() {
            let code = r
                .get(code_column)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| err(source_name, format!("row {i} has no code")))?;
            entries.push(CodeEntry {
                code: code.clone(),
                name: r.get(name_column).cloned().unwrap_or_default(),
                name2: name2_column.and_then(|c| r.get(c).cloned()),
            });
        }
        entries.sort_by(|a, b| a.code.cmp(&b.code));
        if let Some(w) = entries.windows(2).find(|w| w[0].code == w[1].code) {
            return Err(err(source_name, format!("duplicate code {:?}", w[0].code)));
        }
        Ok(CodeList {
            uri: self.canonical_uri.clone(),
            version: self.version.clone(),
            entries,
        })
    }
}

/// Load a DESTATIS nationality list ("Staatsangehörigkeit") from a
/// genericode file, ready for [`super::install_staatsangehoerigkeit`].
pub fn load_staatsangehoerigkeit(path: &Path) -> Result<CodeList> {
    let name = path.display().to_string();
    let xml = std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading {name}"), e))?;
    let g = parse(&xml, &name)?;
    let list = g.to_code_list(
        "DESTATIS-Schluessel-Staatsangehoerigkeit",
        "Staatsangehoerigkeit",
        Some("Staatsname-kurz"),
        &name,
    )?;
    if list.uri != super::STAATSANGEHOERIGKEIT_URI {
        return Err(err(
            &name,
            format!("list URI is not {}", super::STAATSANGEHOERIGKEIT_URI),
        ));
    }
    if let Some(bad) = list
        .entries
        .iter()
        .find(|e| e.code.len() != 3 || !e.code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err(&name, format!("code {:?} is not 3 digits", bad.code)));
    }
    Ok(list)
}

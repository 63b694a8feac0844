//! JSON and JSON lines.
//!
//! Field names are the snake_case names of [`crate::record`] and are
//! documented in `docs/record-format.md`. Decoding reports the path of the
//! offending field (`grundpersonalien.staatsangehoerigkeiten[4]`) and, for
//! JSON lines, the 0-based record index.
//!
//! ## Unknown fields
//!
//! [`Strictness::Strict`] rejects fields the model does not know (this is
//! what `fldm validate` uses: a file that is to be imported must not carry
//! data that would silently be dropped). [`Strictness::Lenient`] ignores
//! them and reports their paths; the hub client decodes hub responses
//! leniently, so that a client keeps working when a newer hub version adds
//! fields (the unknown fields are dropped, never passed on).

use std::io::{BufRead, Write};

use serde::de::DeserializeOwned;

use crate::error::{Error, Result, ValidationError, ValidationKind};
use crate::record::Person;

/// How unknown fields are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Unknown fields are an error naming the field.
    #[default]
    Strict,
    /// Unknown fields are ignored (see [`decode_lenient`] for their paths).
    Lenient,
}

/// Maximum size of one JSON record in bytes (JSON lines and single records).
pub const MAX_RECORD_BYTES: usize = 1 << 20;

fn path_string(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." { String::new() } else { s }
}

/// Decode any model value from JSON text, with typed errors naming the field.
/// Returns the value and the paths of ignored unknown fields (always empty
/// in strict mode, where they are an error).
pub fn decode<T: DeserializeOwned>(text: &str, strictness: Strictness) -> Result<(T, Vec<String>)> {
    if text.len() > MAX_RECORD_BYTES {
        return Err(ValidationError::new(
            "",
            ValidationKind::TooLong {
                max: MAX_RECORD_BYTES,
            },
        )
        .into());
    }
    crate::de::clear();
    let mut ignored: Vec<String> = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let result = {
        let mut cb = |path: serde_ignored::Path<'_>| ignored.push(ignored_path(&path));
        let de = serde_ignored::Deserializer::new(&mut de, &mut cb);
        serde_path_to_error::deserialize::<_, T>(de)
    };
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            let field = path_string(e.path());
            let inner = e.into_inner();
            if let Some(kind) = crate::de::take_last() {
                return Err(ValidationError::new(field, kind).into());
            }
            let message = match inner.classify() {
                serde_json::error::Category::Eof => "unexpected end of input".to_string(),
                _ => strip_position(&inner.to_string()),
            };
            return Err(Error::Json {
                field,
                line: inner.line(),
                column: inner.column(),
                message,
            });
        }
    };
    if let Err(e) = de.end() {
        return Err(Error::Json {
            field: String::new(),
            line: e.line(),
            column: e.column(),
            message: "trailing characters after the record".into(),
        });
    }
    if strictness == Strictness::Strict
        && let Some(first) = ignored.first()
    {
        return Err(ValidationError::new(first.clone(), ValidationKind::UnknownField).into());
    }
    Ok((value, ignored))
}

fn ignored_path(p: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    fn go(p: &P<'_>, out: &mut String) {
        match p {
            P::Root => {}
            P::Seq { parent, index } => {
                go(parent, out);
                out.push_str(&format!("[{index}]"));
            }
            P::Map { parent, key } => {
                go(parent, out);
                if !out.is_empty() {
                    out.push('.');
                }
                // Keys are field names of the input, not values; keep them short.
                out.extend(key.chars().take(64));
            }
            P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
                go(parent, out)
            }
        }
    }
    let mut s = String::new();
    go(p, &mut s);
    s
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Decode one person from JSON and check it ([`Person::validate`]).
pub fn person_from_json(text: &str, strictness: Strictness) -> Result<Person> {
    let (p, _) = decode::<Person>(text, strictness)?;
    p.validate()?;
    Ok(p)
}

/// Decode a record in the form [`person_to_json`] writes, as a store reads
/// back what it wrote: the result and every error are those of
/// [`person_from_json`] in strict mode, but the common case costs about
/// half. The text is decoded without tracking field paths and accepted only
/// if encoding the result gives the text back byte for byte (so nothing was
/// ignored or normalised); otherwise, and on any error, it is decoded again
/// by [`person_from_json`].
pub fn person_from_own_json(text: &str) -> Result<Person> {
    if text.len() <= MAX_RECORD_BYTES
        && let Ok(p) = serde_json::from_str::<Person>(text)
        && p.validate().is_ok()
        && person_to_json(&p) == text
    {
        return Ok(p);
    }
    person_from_json(text, Strictness::Strict)
}

/// Decode one person leniently, returning the paths of ignored fields.
pub fn decode_lenient(text: &str) -> Result<(Person, Vec<String>)> {
    let (p, ignored) = decode::<Person>(text, Strictness::Lenient)?;
    p.validate()?;
    Ok((p, ignored))
}

/// Encode one person as compact JSON.
pub fn person_to_json(p: &Person) -> String {
    // Serialising the model cannot fail: all keys are strings, no maps with
    // non-string keys, no floats.
    serde_json::to_string(p).unwrap_or_default()
}

/// Encode one person as indented JSON.
pub fn person_to_json_pretty(p: &Person) -> String {
    serde_json::to_string_pretty(p).unwrap_or_default()
}

/// Write persons as JSON lines (one compact record per line).
pub fn write_jsonl<'a, W: Write>(
    mut w: W,
    persons: impl IntoIterator<Item = &'a Person>,
) -> Result<()> {
    for p in persons {
        serde_json::to_writer(&mut w, p).map_err(|e| Error::io("writing JSON", e.into()))?;
        w.write_all(b"\n")
            .map_err(|e| Error::io("writing JSON", e))?;
    }
    w.flush().map_err(|e| Error::io("writing JSON", e))
}

/// Iterator over the records of a JSON-lines input. Blank lines are
/// skipped; errors carry the 0-based record index (counting non-blank lines)
/// and the field path.
#[derive(Debug)]
pub struct JsonLinesReader<R> {
    reader: R,
    strictness: Strictness,
    index: usize,
    line: String,
    failed: bool,
    import: bool,
}

impl<R: BufRead> JsonLinesReader<R> {
    /// Read records from `reader`.
    pub fn new(reader: R, strictness: Strictness) -> Self {
        JsonLinesReader {
            reader,
            strictness,
            index: 0,
            line: String::new(),
            failed: false,
            import: false,
        }
    }

    /// A reader of import input (strict; a record without `fldm_id` gets
    /// [`crate::codec::import::PLACEHOLDER_ID`]).
    pub(crate) fn for_import(reader: R) -> Self {
        let mut r = JsonLinesReader::new(reader, Strictness::Strict);
        r.import = true;
        r
    }
}

impl<R: BufRead> Iterator for JsonLinesReader<R> {
    type Item = Result<Person>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            self.line.clear();
            let n = match std::io::Read::take(&mut self.reader, MAX_RECORD_BYTES as u64 + 1)
                .read_line(&mut self.line)
            {
                Ok(n) => n,
                Err(e) => {
                    self.failed = true;
                    let err = if e.kind() == std::io::ErrorKind::InvalidData {
                        Error::Json {
                            field: String::new(),
                            line: 0,
                            column: 0,
                            message: "input is not valid UTF-8".into(),
                        }
                    } else {
                        Error::io("reading JSON lines", e)
                    };
                    return Some(Err(err.at_record(self.index)));
                }
            };
            if n == 0 {
                return None;
            }
            if n > MAX_RECORD_BYTES {
                self.failed = true;
                return Some(Err(Error::from(ValidationError::new(
                    "",
                    ValidationKind::TooLong {
                        max: MAX_RECORD_BYTES,
                    },
                ))
                .at_record(self.index)));
            }
            if self.line.trim().is_empty() {
                continue;
            }
            let i = self.index;
            self.index += 1;
            let line = self.line.trim_end();
            let person = if self.import {
                crate::codec::import::person_from_import_json(line)
            } else {
                person_from_json(line, self.strictness)
            };
            return Some(person.map_err(|e| e.at_record(i)));
        }
    }
}

/// Read all records of a JSON-lines text.
pub fn read_jsonl(text: &str, strictness: Strictness) -> Result<Vec<Person>> {
    JsonLinesReader::new(text.as_bytes(), strictness).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"fldm_id":"P1","azr_nummer":"230517000123","grundpersonalien":{"familienname":"Haddad","vornamen":{"nicht_vorhanden":true},"geburtsdatum":"1990","geschlecht":"w","staatsangehoerigkeiten":["475"]}}"#;

    fn err(text: &str) -> Error {
        person_from_json(text, Strictness::Strict).expect_err("must fail")
    }

    fn field(e: &Error) -> String {
        e.field().unwrap_or("").to_string()
    }

    #[test]
    fn round_trip() {
        let p = person_from_json(OK, Strictness::Strict).expect("valid");
        assert_eq!(person_to_json(&p), OK);
    }

    #[test]
    fn typed_errors_name_the_field() {
        let cases = [
            (OK.replace("230517000123", "231317000123"), "azr_nummer"),
            (
                OK.replace("\"1990\"", "\"2023-02-30\""),
                "grundpersonalien.geburtsdatum",
            ),
            (
                OK.replace("[\"475\"]", "[\"475\",\"12345\"]"),
                "grundpersonalien.staatsangehoerigkeiten[1]",
            ),
            (OK.replace("\"w\"", "\"u\""), "grundpersonalien.geschlecht"),
            (
                OK.replace("Haddad", "Had\\u0007dad"),
                "grundpersonalien.familienname",
            ),
            (
                OK.replace("Haddad", "Хаддад"),
                "grundpersonalien.familienname",
            ),
            (
                OK.replace("[\"475\"]", "[\"475\",\"423\",\"438\",\"439\",\"163\"]"),
                "grundpersonalien.staatsangehoerigkeiten",
            ),
            (
                OK.replace("\"geschlecht\"", "\"geschlächt\""),
                "grundpersonalien.geschlächt",
            ),
        ];
        for (text, f) in cases {
            let e = err(&text);
            assert!(matches!(e, Error::Validation(_)), "{e:?}");
            assert_eq!(field(&e), f, "{e}");
        }
    }

    #[test]
    fn malformed_json() {
        let e = err(&OK[..OK.len() - 3]);
        assert!(matches!(e, Error::Json { .. }), "{e:?}");
        let e = err("[1,2]");
        assert!(matches!(e, Error::Json { .. }), "{e:?}");
        let e = err(&format!("{OK} {{}}"));
        assert!(matches!(e, Error::Json { .. }), "{e:?}");
    }

    #[test]
    fn lenient_reports_unknown_fields() {
        let text = OK.replace("\"azr_nummer\"", "\"neu\":{\"x\":1},\"azr_nummer\"");
        let (p, ignored) = decode_lenient(&text).expect("lenient");
        assert_eq!(ignored, vec!["neu".to_string()]);
        assert_eq!(person_to_json(&p), OK);
        let e = err(&text);
        assert_eq!(field(&e), "neu");
    }

    #[test]
    fn jsonl_record_index() {
        let text = format!("{OK}\n\n{}\n", OK.replace("\"w\"", "\"u\""));
        let e = read_jsonl(&text, Strictness::Strict).expect_err("second fails");
        assert_eq!(e.record_index(), Some(1));
        assert_eq!(field(&e), "grundpersonalien.geschlecht");
    }
}

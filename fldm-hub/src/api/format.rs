//! Content negotiation, request body decoding and the XML envelopes of
//! responses.
//!
//! JSON is the default. `Accept: application/xml` (or `text/xml`) selects
//! XML: response envelopes are elements of [`HUB_NAMESPACE`] (prefix
//! `hub`), and every record inside is a complete `<fldm:person>` element of
//! the Kerndatensatz format (`fldm_core::codec::xml`). Field names of the
//! envelope are the lowerCamelCase forms of the JSON names; list entries
//! are `<hub:eintrag>` elements. Problem responses are always
//! `application/problem+json`.

use fldm_core::codec::json::{self as json_codec, Strictness};
use fldm_core::codec::xml as xml_codec;
use fldm_core::record::Person;
use fldm_core::wire::ProblemCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::{ApiError, from_core};

/// Namespace of the hub's XML envelopes.
pub const HUB_NAMESPACE: &str = "urn:fldm:xml:hub:1";
/// JSON media type.
pub const JSON: &str = "application/json";
/// XML media type.
pub const XML: &str = "application/xml";

/// Response body format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `application/xml`.
    Xml,
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => JSON,
            Format::Xml => XML,
        }
    }
}

/// The format an `Accept` header asks for; `None` if it accepts neither
/// JSON nor XML (406). A missing or empty header means JSON. The highest
/// quality wins; on a tie the earlier entry.
pub fn negotiate(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(Format::Json);
    };
    let mut best: Option<(u32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1000u32;
        for p in parts {
            if let Some((k, v)) = p.split_once('=')
                && k.trim().eq_ignore_ascii_case("q")
            {
                q = v
                    .trim()
                    .parse::<f32>()
                    .map(|f| (f.clamp(0.0, 1.0) * 1000.0) as u32)
                    .unwrap_or(0);
            }
        }
        if q == 0 {
            continue;
        }
        let format = match media.as_str() {
            "application/json" | "application/problem+json" | "application/*" | "*/*" => {
                Format::Json
            }
            "application/xml" | "text/xml" => Format::Xml,
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, format));
        }
    }
    best.map(|(_, f)| f)
}

/// The format of a request body from its `Content-Type`; a missing header
/// counts as JSON.
pub fn body_format(content_type: Option<&str>) -> Result<Format, ApiError> {
    let Some(ct) = content_type else {
        return Ok(Format::Json);
    };
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" | "" => Ok(Format::Json),
        "application/xml" | "text/xml" => Ok(Format::Xml),
        _ => Err(ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "request bodies are application/json or application/xml",
        )),
    }
}

fn utf8(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|e| {
        ApiError::invalid(
            "",
            format!("the body is not UTF-8 (byte {})", e.valid_up_to()),
        )
    })
}

/// Decode a JSON body of a wire type (unknown fields are errors naming the
/// field).
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = utf8(body)?;
    json_codec::decode::<T>(text, Strictness::Strict)
        .map(|(v, _)| v)
        .map_err(|e| from_core(&e))
}

/// Decode a (possibly partial) person from a JSON or XML body. A JSON body
/// without `fldm_id` gets `default_id`.
pub fn decode_person(body: &[u8], format: Format, default_id: &str) -> Result<Person, ApiError> {
    let text = utf8(body)?;
    match format {
        Format::Json => {
            let mut value: Value = serde_json::from_str(text).map_err(|e| {
                ApiError::invalid(
                    "",
                    format!("invalid JSON (line {}, column {})", e.line(), e.column()),
                )
            })?;
            let Some(obj) = value.as_object_mut() else {
                return Err(ApiError::invalid("", "the body must be a JSON object"));
            };
            obj.entry("fldm_id")
                .or_insert_with(|| Value::String(default_id.to_string()));
            let text = value.to_string();
            let (person, _) = json_codec::decode::<Person>(&text, Strictness::Strict)
                .map_err(|e| from_core(&e))?;
            person
                .validate()
                .map_err(|e| from_core(&fldm_core::Error::Validation(e)))?;
            Ok(person)
        }
        Format::Xml => xml_codec::person_from_xml(text).map_err(|e| from_core(&e)),
    }
}

/// Decode a small wire type from an XML body: a root element (any name) of
/// [`HUB_NAMESPACE`] whose children are the fields (lowerCamelCase names,
/// text content; list fields hold `<hub:eintrag>` children). Converted to
/// the JSON value of the type and decoded like JSON, so errors name fields
/// the same way.
pub fn decode_flat_xml<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = utf8(body)?;
    let value = flat_xml_to_value(text)?;
    decode_json::<T>(value.to_string().as_bytes())
}

fn snake(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

fn camel(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            s.push(c.to_ascii_uppercase());
            up = false;
        } else {
            s.push(c);
        }
    }
    s
}

fn flat_xml_to_value(text: &str) -> Result<Value, ApiError> {
    use quick_xml::events::Event;
    let xml_err = |msg: String| ApiError::invalid("", format!("invalid XML: {msg}"));
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut obj = serde_json::Map::new();
    let mut field: Option<String> = None;
    let mut list: Option<Vec<Value>> = None;
    let mut buf = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::DocType(_)) => {
                return Err(xml_err(
                    "document type declarations are not accepted".into(),
                ));
            }
            Ok(Event::Start(e)) => {
                depth += 1;
                let local_name = e.local_name();
                let local: &str = local_name.as_ref();
                let local = local.to_string();
                match depth {
                    1 => {}
                    2 => {
                        field = Some(snake(&local));
                        buf.clear();
                    }
                    3 if local == "eintrag" => {
                        list.get_or_insert_with(Vec::new);
                        buf.clear();
                    }
                    _ => {
                        return Err(ApiError::invalid(
                            field.clone().unwrap_or_default(),
                            format!("unexpected element {local}"),
                        ));
                    }
                }
            }
            Ok(Event::Text(t)) => {
                buf.push_str(&t.xml10_content());
            }
            Ok(Event::GeneralRef(r)) => match r.resolve_char_ref() {
                Ok(Some(c)) => buf.push(c),
                Ok(None) => match quick_xml::escape::resolve_xml_entity(&r) {
                    Some(s) => buf.push_str(s),
                    None => {
                        return Err(xml_err("only the predefined entities are accepted".into()));
                    }
                },
                Err(e) => return Err(xml_err(e.to_string())),
            },
            Ok(Event::End(_)) => {
                match depth {
                    3 => {
                        if let Some(l) = list.as_mut() {
                            l.push(Value::String(std::mem::take(&mut buf)));
                        }
                    }
                    2 => {
                        if let Some(f) = field.take() {
                            let v = match list.take() {
                                Some(l) => Value::Array(l),
                                None => scalar(&f, &buf),
                            };
                            obj.insert(f, v);
                        }
                        buf.clear();
                    }
                    _ => {}
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(xml_err(e.to_string())),
        }
    }
    Ok(Value::Object(obj))
}

/// Numeric fields (`limit`) become numbers, everything else is text.
fn scalar(field: &str, s: &str) -> Value {
    match (field, s.trim().parse::<u64>()) {
        ("limit", Ok(n)) => Value::from(n),
        _ => Value::String(s.to_string()),
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Write a JSON value as XML under element `name` (lowerCamelCase of the key).
fn value_xml(name: &str, v: &Value, out: &mut String) {
    let tag = camel(name);
    match v {
        Value::Null => {}
        Value::Array(items) => {
            out.push_str(&format!("<hub:{tag}>"));
            for i in items {
                value_xml("eintrag", i, out);
            }
            out.push_str(&format!("</hub:{tag}>"));
        }
        Value::Object(m) => {
            out.push_str(&format!("<hub:{tag}>"));
            for (k, v) in m {
                value_xml(k, v, out);
            }
            out.push_str(&format!("</hub:{tag}>"));
        }
        Value::String(s) => {
            out.push_str(&format!("<hub:{tag}>"));
            escape(s, out);
            out.push_str(&format!("</hub:{tag}>"));
        }
        Value::Bool(b) => out.push_str(&format!("<hub:{tag}>{b}</hub:{tag}>")),
        Value::Number(n) => out.push_str(&format!("<hub:{tag}>{n}</hub:{tag}>")),
    }
}

fn person_element(p: &Person) -> String {
    let doc = xml_codec::person_to_xml(p);
    match doc.strip_prefix("<?xml") {
        Some(rest) => match rest.find("?>") {
            Some(i) => rest[i + 2..].trim().to_string(),
            None => doc,
        },
        None => doc,
    }
}

/// An XML envelope: root element `root`, the fields of `value` (a JSON
/// object) in order; a field `record` (also inside list entries) is
/// replaced by the `<fldm:person>` element of the matching entry of
/// `records`, in document order.
pub fn envelope(root: &str, value: &Value, records: &[&Person]) -> String {
    let mut out = String::with_capacity(1024 + records.len() * 1536);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<hub:{root} xmlns:hub=\"{HUB_NAMESPACE}\">"));
    let mut next = 0usize;
    if let Value::Object(m) = value {
        for (k, v) in m {
            with_records(k, v, records, &mut next, &mut out);
        }
    }
    out.push_str(&format!("</hub:{root}>\n"));
    out
}

fn with_records(name: &str, v: &Value, records: &[&Person], next: &mut usize, out: &mut String) {
    if name == "record" {
        if let Some(p) = records.get(*next) {
            out.push_str(&person_element(p));
        }
        *next += 1;
        return;
    }
    let tag = camel(name);
    match v {
        Value::Array(items) => {
            out.push_str(&format!("<hub:{tag}>"));
            for i in items {
                with_records("eintrag", i, records, next, out);
            }
            out.push_str(&format!("</hub:{tag}>"));
        }
        Value::Object(m) => {
            out.push_str(&format!("<hub:{tag}>"));
            for (k, v) in m {
                with_records(k, v, records, next, out);
            }
            out.push_str(&format!("</hub:{tag}>"));
        }
        other => value_xml(name, other, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        assert_eq!(negotiate(None), Some(Format::Json));
        assert_eq!(negotiate(Some("application/xml")), Some(Format::Xml));
        assert_eq!(negotiate(Some("text/html, */*;q=0.1")), Some(Format::Json));
        assert_eq!(
            negotiate(Some("application/json;q=0.5, application/xml")),
            Some(Format::Xml)
        );
        assert_eq!(negotiate(Some("text/html")), None);
        assert_eq!(negotiate(Some("application/xml;q=0")), None);
    }

    #[test]
    fn flat_xml_round() {
        let v = flat_xml_to_value(
            "<hub:x xmlns:hub=\"urn:fldm:xml:hub:1\"><hub:note>A &amp; B</hub:note><hub:attributes><hub:eintrag>a.b</hub:eintrag></hub:attributes><hub:limit>5</hub:limit></hub:x>",
        )
        .expect("xml");
        assert_eq!(v["note"], "A & B");
        assert_eq!(v["attributes"][0], "a.b");
        assert_eq!(v["limit"], 5);
    }
}

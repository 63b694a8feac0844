//! The XML forms of the hub's protocol messages: response envelopes and
//! flat request bodies.
//!
//! A response envelope is a root element of [`HUB_NAMESPACE`] (prefix
//! `hub`) holding the fields of the JSON response in order. Element names
//! are the lowerCamelCase forms of the JSON names ([`camel_case`]); list
//! entries are `<hub:eintrag>` elements; `null` fields are left out; a field
//! `record` (also inside list entries) is the complete `<fldm:person>`
//! element of the Kerndatensatz format. Text is escaped with
//! [`escape_into`]: `&`, `<` and `>`; a `"` in text stays as it is (it
//! needs escaping only in attribute values, and envelopes have none).
//!
//! A flat request body is a root element (any name) of [`HUB_NAMESPACE`]
//! whose children are the fields of a small wire type: lowerCamelCase names
//! ([`snake_case`] gives the JSON name), text content, list fields holding
//! `<hub:eintrag>` children. [`flat_fields`] turns it into the JSON value of
//! the type, so it is decoded (and its errors name fields) exactly like a
//! JSON body.

use quick_xml::events::Event;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::record::Person;

use super::lexer::sanitize;
use super::source::line_col_in;
use super::text::{camel_case, escape_into, snake_case};
use super::writer::person_element_into;

/// Namespace of the hub's XML envelopes.
pub const HUB_NAMESPACE: &str = "urn:fldm:xml:hub:1";

/// An XML envelope with XML declaration: root element `root`, the fields
/// of `value` (a JSON object) in order; a field `record` (also inside list
/// entries) is replaced by the `<fldm:person>` element of the next entry of
/// `records`, in document order.
pub fn envelope(root: &str, value: &Value, records: &[&Person]) -> String {
    let mut out = String::with_capacity(1024 + records.len() * 1536);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<hub:{root} xmlns:hub=\"{HUB_NAMESPACE}\">"));
    let mut next = 0usize;
    if let Value::Object(m) = value {
        for (k, v) in m {
            field(k, v, records, &mut next, &mut out);
        }
    }
    out.push_str(&format!("</hub:{root}>\n"));
    out
}

/// One field `name` with value `v` as an element of the envelope.
fn field(name: &str, v: &Value, records: &[&Person], next: &mut usize, out: &mut String) {
    if name == "record" {
        if let Some(p) = records.get(*next) {
            person_element_into(out, p);
        }
        *next += 1;
        return;
    }
    if v.is_null() {
        return;
    }
    let tag = camel_case(name);
    out.push_str(&format!("<hub:{tag}>"));
    match v {
        Value::Array(items) => {
            for i in items {
                field("eintrag", i, records, next, out);
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                field(k, v, records, next, out);
            }
        }
        Value::String(s) => escape_into(out, s, false),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Null => {}
    }
    out.push_str(&format!("</hub:{tag}>"));
}

/// The JSON object of a flat request body (see the module documentation).
/// Field `limit` becomes a number when it is one; every other field is
/// text. Document type declarations and entity references other than the
/// predefined ones are refused; an element below a list entry or a field
/// is an error naming the field.
pub fn flat_fields(text: &str) -> Result<Value> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = true;
    let err = |field: &str, pos: u64, message: String| {
        let (line, column) = line_col_in(text, pos);
        Error::Xml {
            field: field.to_string(),
            line,
            column,
            message,
        }
    };
    let mut depth = 0usize;
    let mut obj = Map::new();
    let mut name: Option<String> = None;
    let mut list: Option<Vec<Value>> = None;
    let mut buf = String::new();
    loop {
        let pos = reader.buffer_position();
        let current = name.as_deref().unwrap_or("");
        match reader.read_event() {
            Ok(Event::DocType(_)) => {
                return Err(err(
                    "",
                    pos,
                    "document type declarations are not accepted".into(),
                ));
            }
            Ok(Event::Start(e)) => {
                depth += 1;
                let local_name = e.local_name();
                let local: &str = local_name.as_ref();
                match depth {
                    1 => {}
                    2 => {
                        name = Some(snake_case(local));
                        buf.clear();
                    }
                    3 if local == "eintrag" => {
                        list.get_or_insert_with(Vec::new);
                        buf.clear();
                    }
                    _ => {
                        let message = format!("unexpected element {}", sanitize(local));
                        return Err(err(current, pos, message));
                    }
                }
            }
            Ok(Event::Text(t)) => buf.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => match r.resolve_char_ref() {
                Ok(Some(c)) => buf.push(c),
                Ok(None) => match quick_xml::escape::resolve_xml_entity(&r) {
                    Some(s) => buf.push_str(s),
                    None => {
                        let message = "only the predefined entities are accepted".to_string();
                        return Err(err(current, pos, message));
                    }
                },
                Err(e) => return Err(err(current, pos, e.to_string())),
            },
            Ok(Event::End(_)) => {
                match depth {
                    3 => {
                        if let Some(l) = list.as_mut() {
                            l.push(Value::String(std::mem::take(&mut buf)));
                        }
                    }
                    2 => {
                        if let Some(f) = name.take() {
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
            Err(e) => return Err(err(current, reader.error_position(), e.to_string())),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_body_to_json() {
        let v = flat_fields(
            "<hub:x xmlns:hub=\"urn:fldm:xml:hub:1\"><hub:note>A &amp; B</hub:note><hub:attributes><hub:eintrag>a.b</hub:eintrag></hub:attributes><hub:limit>5</hub:limit></hub:x>",
        )
        .expect("xml");
        assert_eq!(v["note"], "A & B");
        assert_eq!(v["attributes"][0], "a.b");
        assert_eq!(v["limit"], 5);
    }

    #[test]
    fn flat_body_errors_name_the_field() {
        let e = flat_fields("<hub:x><hub:note><hub:deep>1</hub:deep></hub:note></hub:x>")
            .expect_err("too deep");
        assert_eq!(e.field(), Some("note"));
        let e = flat_fields("<!DOCTYPE x><hub:x/>").expect_err("doctype");
        assert!(e.to_string().contains("document type"), "{e}");
        let e = flat_fields("<hub:x><hub:note>&ent;</hub:note></hub:x>").expect_err("entity");
        assert_eq!(e.field(), Some("note"));
    }

    #[test]
    fn envelope_fields_in_order_with_records() {
        let p = crate::codec::json::person_from_json(
            r#"{"fldm_id":"P1","grundpersonalien":{"familienname":"Haddad-Söhne"}}"#,
            crate::codec::json::Strictness::Strict,
        )
        .expect("person");
        let v = serde_json::json!({
            "complete": true,
            "count": 2,
            "entries": [{"record": {}, "rule_id": "r1"}],
            "legal_basis": "§ 8 \"AsylbLG\" <x>",
            "skipped": null,
        });
        let xml = envelope("antwort", &v, &[&p]);
        let person = super::super::person_to_xml(&p);
        let person = person
            .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .trim_end();
        assert_eq!(
            xml,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hub:antwort xmlns:hub=\"urn:fldm:xml:hub:1\"><hub:complete>true</hub:complete><hub:count>2</hub:count><hub:entries><hub:eintrag>{person}<hub:ruleId>r1</hub:ruleId></hub:eintrag></hub:entries><hub:legalBasis>§ 8 \"AsylbLG\" &lt;x&gt;</hub:legalBasis></hub:antwort>\n"
            )
        );
    }
}

//! Content negotiation and request body decoding: the HTTP side of the
//! JSON and XML formats.
//!
//! JSON is the default. `Accept: application/xml` (or `text/xml`) selects
//! XML. The XML envelopes of responses and the flat XML request bodies are
//! defined once, in `fldm_core::codec::xml::envelope` (namespace
//! [`HUB_NAMESPACE`](fldm_core::codec::xml::envelope::HUB_NAMESPACE), lowerCamelCase field names, `<hub:eintrag>` list
//! entries, complete `<fldm:person>` records). Problem responses are always
//! `application/problem+json`.

use fldm_core::codec::json::{self as json_codec, Strictness};
use fldm_core::codec::xml as xml_codec;
use fldm_core::record::Person;
use fldm_core::wire::ProblemCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::{ApiError, from_core};

pub(crate) use fldm_core::codec::xml::envelope::envelope;

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

/// Decode a small wire type from a flat XML body (see
/// `fldm_core::codec::xml::envelope::flat_fields`): converted to the JSON
/// value of the type and decoded like JSON, so errors name fields the same
/// way.
pub fn decode_flat_xml<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = utf8(body)?;
    let value = xml_codec::envelope::flat_fields(text).map_err(|e| from_core(&e))?;
    decode_json::<T>(value.to_string().as_bytes())
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
}

//! The lexical layer of the decoder: start tags (known element names, the
//! namespace, permitted attributes), character data and references.

use quick_xml::name::{NamespaceResolver, ResolveResult};

use crate::error::ValidationKind;

use super::NAMESPACE;
use super::text::{check_chars, is_xml_char, is_xml_whitespace};

/// Longest text accepted in a single value element, in bytes. Longer
/// values are rejected before they are checked (no model value comes near).
const MAX_VALUE_BYTES: usize = 8 * 1024;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A structural event for the decoder.
pub(super) enum Ev {
    Start(&'static str),
    End,
    Eof,
}

/// What to do with character data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Between child elements: white space only.
    Container,
    /// Inside a value element: collect.
    Value,
    /// Skipping the rest of a record: ignore.
    Skip,
}

/// An error found while an event still borrows the buffer.
pub(super) enum Fail {
    Xml(String),
    Parser(String),
    Validation(ValidationKind),
}

/// Lexical state shared by the event handlers.
#[derive(Debug, Default)]
pub(super) struct Lex {
    /// Text of the value element being read.
    pub(super) text: String,
    /// Element depth (root = 1) after the last event.
    pub(super) depth: usize,
    /// The last start tag carried `listURI`/`listVersionID` that no code
    /// element has taken yet.
    pub(super) pending_attrs: bool,
    /// Value of `listURI` on the last start tag, if it had one.
    pub(super) list_uri: String,
    pub(super) has_list_uri: bool,
}

impl Lex {
    /// Handle a start tag: known name, namespace, permitted attributes.
    pub(super) fn start(
        &mut self,
        e: &quick_xml::events::BytesStart<'_>,
        in_ns: bool,
        resolver: &NamespaceResolver,
    ) -> std::result::Result<Option<Ev>, Fail> {
        let local = e.local_name();
        let local = local.as_ref();
        let Some(name) = intern(local) else {
            return Err(Fail::Xml(format!("unknown element `{}`", sanitize(local))));
        };
        if !in_ns {
            return Err(Fail::Xml(format!(
                "element `{name}` is not in namespace {NAMESPACE}"
            )));
        }
        self.has_list_uri = false;
        let mut has_code_attr = false;
        for attr in e.attributes() {
            let attr = attr.map_err(|err| Fail::Xml(format!("malformed attribute: {err}")))?;
            if attr.key.as_namespace_binding().is_some() {
                continue;
            }
            let (ans, alocal) = resolver.resolve_attribute(attr.key);
            let alocal = alocal.as_ref();
            let known = match ans {
                ResolveResult::Unbound => match alocal {
                    "listURI" => {
                        has_code_attr = true;
                        let v = attr
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|err| {
                                Fail::Xml(format!("attribute listURI: {}", quick_xml_message(&err)))
                            })?;
                        self.list_uri.clear();
                        self.list_uri.push_str(&v);
                        self.has_list_uri = true;
                        true
                    }
                    "listVersionID" => {
                        has_code_attr = true;
                        attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|err| {
                                Fail::Xml(format!(
                                    "attribute listVersionID: {}",
                                    quick_xml_message(&err)
                                ))
                            })?;
                        true
                    }
                    _ => false,
                },
                ResolveResult::Bound(n) => {
                    n.0 == XSI && matches!(alocal, "schemaLocation" | "noNamespaceSchemaLocation")
                }
                ResolveResult::Unknown(_) => false,
            };
            if !known {
                return Err(Fail::Xml(format!(
                    "attribute `{}` is not allowed",
                    sanitize(attr.key.0)
                )));
            }
        }
        self.pending_attrs = has_code_attr;
        self.depth += 1;
        Ok(Some(Ev::Start(name)))
    }

    pub(super) fn character_data(
        &mut self,
        content: &str,
        mode: Mode,
    ) -> std::result::Result<Option<Ev>, Fail> {
        // Indentation between elements: the common case.
        if mode != Mode::Value && is_xml_whitespace(content) {
            return Ok(None);
        }
        if let Some(msg) = check_chars(content) {
            return Err(Fail::Xml(msg));
        }
        self.character_data_ref(content, mode)
    }

    pub(super) fn reference(
        &mut self,
        r: &quick_xml::events::BytesRef<'_>,
        mode: Mode,
    ) -> std::result::Result<Option<Ev>, Fail> {
        let c = match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => c,
            Ok(Some(c)) => {
                return Err(Fail::Xml(format!(
                    "character reference to U+{:04X}, which XML 1.0 does not allow",
                    c as u32
                )));
            }
            Ok(None) => match quick_xml::escape::resolve_xml_entity(r) {
                Some(s) => s.chars().next().unwrap_or(' '),
                None => {
                    return Err(Fail::Xml(format!(
                        "entity reference `&{};` is not allowed (only the predefined entities and character references)",
                        sanitize(r)
                    )));
                }
            },
            Err(e) => {
                return Err(Fail::Xml(format!(
                    "invalid character reference: {}",
                    quick_xml_message(&e)
                )));
            }
        };
        let mut tmp = [0u8; 4];
        self.character_data_ref(c.encode_utf8(&mut tmp), mode)
    }

    /// Character data whose characters have been checked already (literal
    /// data after `check_chars`, or the character of a reference).
    fn character_data_ref(&mut self, s: &str, mode: Mode) -> std::result::Result<Option<Ev>, Fail> {
        match mode {
            Mode::Value => {
                if self.text.len() + s.len() > MAX_VALUE_BYTES {
                    return Err(Fail::Validation(ValidationKind::TooLong {
                        max: MAX_VALUE_BYTES,
                    }));
                }
                self.text.push_str(s);
            }
            Mode::Container if !is_xml_whitespace(s) => {
                return Err(Fail::Xml("text is not allowed here".into()));
            }
            Mode::Container | Mode::Skip => {}
        }
        Ok(None)
    }
}

/// Every element name of the format, sorted (for binary search).
const NAMES: &[&str] = &[
    "aktenzeichen",
    "aktuell",
    "aliaspersonalie",
    "aliaspersonalien",
    "andereSchreibweisen",
    "anschrift",
    "art",
    "asyl",
    "aufenthalt",
    "aufenthaltsstatus",
    "aufnahmeeinrichtung",
    "auslaenderbehoerde",
    "ausreisedatum",
    "ausstellungsstaat",
    "auszugsdatum",
    "azrNummer",
    "beruf",
    "berufsausbildung",
    "berufsbezogeneDeutschsprachfoerderung",
    "beziehung",
    "bundesland",
    "code",
    "datum",
    "doktorgrad",
    "einreisedatum",
    "einzugsdatum",
    "email",
    "familienangehoerige",
    "familienangehoeriger",
    "familienname",
    "familiennameNachDeutschemRecht",
    "familienstand",
    "fldmId",
    "fruehere",
    "fruehereNamen",
    "geburtsbezirk",
    "geburtsdatum",
    "geburtsland",
    "geburtsname",
    "geburtsort",
    "geschlecht",
    "gesundheitsuntersuchung",
    "grundpersonalien",
    "gueltigBis",
    "hausnummer",
    "identitaetsdokument",
    "identitaetsdokumente",
    "impfung",
    "impfungen",
    "integration",
    "jahr",
    "jahrMonat",
    "jahrMonatTag",
    "jugendamt",
    "kontakt",
    "name",
    "namensvariante",
    "nichtVorhanden",
    "niveau",
    "nummer",
    "ort",
    "person",
    "personen",
    "persons",
    "postleitzahl",
    "religion",
    "schulbildung",
    "sprache",
    "sprachkenntnis",
    "sprachkenntnisse",
    "staatDirekteEinreise",
    "staatsangehoerigkeit",
    "staatsangehoerigkeiten",
    "sterbedatum",
    "strasse",
    "studium",
    "telefon",
    "unbedenklichFuerGemeinschaftsunterkunft",
    "unbekannt",
    "vornamen",
    "weiterePersonalien",
    "zusatz",
    "zustaendigkeit",
];

fn intern(local: &str) -> Option<&'static str> {
    NAMES.binary_search(&local).ok().map(|i| NAMES[i])
}

/// A name from the input, safe and short enough to quote in a message.
pub(super) fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '#') {
                c
            } else {
                '?'
            }
        })
        .collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

pub(super) fn quick_xml_message(e: &impl std::fmt::Display) -> String {
    // quick-xml messages name tags and positions, not character data; keep
    // them short all the same.
    let mut m = e.to_string();
    if m.len() > 200 {
        let mut cut = 200;
        while !m.is_char_boundary(cut) {
            cut -= 1;
        }
        m.truncate(cut);
        m.push('…');
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_unique() {
        assert!(NAMES.windows(2).all(|w| w[0] < w[1]));
    }
}

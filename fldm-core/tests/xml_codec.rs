//! XML codec: round trips, schema validation with xmllint, typed errors
//! for bad input, and robustness against arbitrary input.

mod support;

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use fldm_core::codec::xml::{
    XmlReader, from_xml, person_from_xml, person_to_xml, to_xml, write_xml,
};
use fldm_core::error::{Error, ValidationKind};
use fldm_core::record::{NamePart, Person};
use proptest::prelude::*;

use support::{arb_person, sample_persons};

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

const NS: &str = "urn:fldm:xml:kerndatensatz:1";

/// A list document with the given `<fldm:person>` bodies.
fn list_doc(persons: &[&str]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<fldm:personen xmlns:fldm=\"{NS}\">\n"
    );
    for p in persons {
        s.push_str("<fldm:person>");
        s.push_str(p);
        s.push_str("</fldm:person>\n");
    }
    s.push_str("</fldm:personen>\n");
    s
}

/// A list document with one person: an id plus `body`.
fn one(body: &str) -> String {
    list_doc(&[&format!("<fldm:fldmId>P-1</fldm:fldmId>{body}")])
}

fn grund(body: &str) -> String {
    one(&format!(
        "<fldm:grundpersonalien>{body}</fldm:grundpersonalien>"
    ))
}

fn staat(code: &str) -> String {
    format!(
        "<fldm:staatsangehoerigkeit listURI=\"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit\" listVersionID=\"2024-08-01\"><fldm:code>{code}</fldm:code></fldm:staatsangehoerigkeit>"
    )
}

/// The record index (if wrapped) and the inner error.
fn unwrap_record(e: Error) -> (Option<usize>, Error) {
    match e {
        Error::Record { index, source } => (Some(index), *source),
        other => (None, other),
    }
}

/// Decode `doc`, expect a validation error in record 0 and return its
/// field and kind.
fn validation_error(doc: &str) -> (String, ValidationKind) {
    let e = from_xml(doc).expect_err("document must be rejected");
    let text = e.to_string();
    match unwrap_record(e) {
        (Some(0), Error::Validation(v)) => (v.field, v.kind),
        (i, other) => {
            panic!("expected a validation error in record 0, got {i:?} {other:?} ({text})")
        }
    }
}

/// Decode `doc`, expect an XML error; return (record index, field, message).
fn xml_error(doc: &str) -> (Option<usize>, String, String) {
    let e = from_xml(doc).expect_err("document must be rejected");
    match unwrap_record(e) {
        (
            i,
            Error::Xml {
                field,
                message,
                line,
                ..
            },
        ) => {
            assert!(line > 0, "an XML error has a line number");
            (i, field, message)
        }
        (i, other) => panic!("expected an XML error, got {i:?} {other:?}"),
    }
}

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/fldm-kerndatensatz.xsd")
}

/// Validate `xml` against our XSD with xmllint. Returns `None` when
/// FLDM_SKIP_XMLLINT=1; panics when xmllint is missing otherwise.
fn xmllint(xml: &str, name: &str) -> Option<(bool, String)> {
    if std::env::var("FLDM_SKIP_XMLLINT").as_deref() == Ok("1") {
        eprintln!("FLDM_SKIP_XMLLINT=1: schema validation of {name} skipped");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("fldm-xml-codec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, xml).expect("write temp file");
    let out = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema_path())
        .arg(&file)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed (Debian/Ubuntu: apt-get install libxml2-utils); \
             set FLDM_SKIP_XMLLINT=1 to skip schema validation"
        ),
        Err(e) => panic!("running xmllint failed: {e}"),
    };
    let _ = std::fs::remove_file(&file);
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn assert_schema_valid(xml: &str, name: &str) {
    if let Some((ok, stderr)) = xmllint(xml, name) {
        assert!(ok, "xmllint rejected {name}:\n{}", truncate(&stderr, 4000));
    }
}

fn assert_schema_invalid(xml: &str, name: &str) {
    if let Some((ok, _)) = xmllint(xml, name) {
        assert!(!ok, "xmllint accepted the invalid document {name}");
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

// ---------------------------------------------------------------------------
// round trips
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn xml_round_trip_list(persons in prop::collection::vec(arb_person(), 0..4)) {
        let xml = to_xml(&persons);
        let back = from_xml(&xml).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &persons);

        // The streaming writer writes the same document.
        let mut streamed = Vec::new();
        write_xml(&mut streamed, &persons).expect("write to a Vec");
        prop_assert_eq!(String::from_utf8(streamed).expect("UTF-8"), xml.clone());

        // The streaming reader over a small buffer reads the same records.
        let reader = XmlReader::new(BufReader::with_capacity(7, xml.as_bytes()));
        let streamed: Vec<Person> = reader
            .collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(streamed, persons);
    }

    #[test]
    fn xml_round_trip_single(p in arb_person()) {
        let xml = person_to_xml(&p);
        prop_assert!(xml.contains("<fldm:person xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">"));
        let back = person_from_xml(&xml).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &p);
        let list = from_xml(&xml).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(list, vec![p]);
    }

    #[test]
    fn json_round_trip(p in arb_person()) {
        let json = serde_json::to_string(&p).expect("serialize");
        let back: Person = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, p);
    }
}

#[test]
fn writes_xoev_code_elements_and_name_parts() {
    let mut p = sample_persons(1, 7).remove(0);
    p.grundpersonalien.geschlecht = Some(fldm_core::codes::Geschlecht::Maennlich);
    p.grundpersonalien.familienname = Some(NamePart::parse("Müller").expect("valid"));
    p.grundpersonalien.vornamen = Some(NamePart::NichtVorhanden);
    p.grundpersonalien.staatsangehoerigkeiten =
        vec![fldm_core::codes::Staatsangehoerigkeit::parse("475").expect("Syria")];
    p.grundpersonalien.geburtsdatum =
        Some(fldm_core::date::TeilbekanntesDatum::parse("1990-05").expect("valid"));
    let xml = to_xml(&[p]);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\n  <fldm:person>\n    <fldm:fldmId>"));
    for expected in [
        "<fldm:geschlecht listURI=\"urn:xoev-de:xinneres:codeliste:geschlecht\" listVersionID=\"1\">\n        <fldm:code>m</fldm:code>\n      </fldm:geschlecht>",
        "<fldm:familienname>\n        <fldm:name>Müller</fldm:name>\n      </fldm:familienname>",
        "<fldm:vornamen>\n        <fldm:nichtVorhanden>true</fldm:nichtVorhanden>\n      </fldm:vornamen>",
        "<fldm:staatsangehoerigkeiten>\n        <fldm:staatsangehoerigkeit listURI=\"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit\" listVersionID=\"2024-08-01\">\n          <fldm:code>475</fldm:code>",
        "<fldm:geburtsdatum>\n        <fldm:jahrMonat>1990-05</fldm:jahrMonat>\n      </fldm:geburtsdatum>",
    ] {
        assert!(xml.contains(expected), "missing {expected:?} in\n{xml}");
    }
}

#[test]
fn escapes_markup_characters_in_text() {
    let doc =
        grund("<fldm:geburtsort>Köln &amp; &quot;Süd&quot; &apos;Ost&apos;</fldm:geburtsort>");
    let p = from_xml(&doc).expect("valid").remove(0);
    let ort = p.grundpersonalien.geburtsort.as_ref().expect("set");
    assert_eq!(ort.as_str(), "Köln & \"Süd\" 'Ost'");
    let xml = to_xml(std::slice::from_ref(&p));
    assert!(xml.contains("<fldm:geburtsort>Köln &amp; \"Süd\" 'Ost'</fldm:geburtsort>"));
    assert_eq!(from_xml(&xml).expect("round trip"), vec![p]);
}

#[test]
fn character_references_and_predefined_entities_decode() {
    // Decimal and hexadecimal references, NFD input normalised to NFC.
    let doc = grund(
        "<fldm:familienname><fldm:name>M&#xFC;ller-L&#252;denscheidt</fldm:name></fldm:familienname>\
         <fldm:vornamen><fldm:name>Jo&#x301;zef</fldm:name></fldm:vornamen>\
         <fldm:geburtsort><![CDATA[Bad Münstereifel & Umgebung]]></fldm:geburtsort>",
    );
    let p = from_xml(&doc).expect("valid").remove(0);
    let g = &p.grundpersonalien;
    assert_eq!(
        g.familienname.as_ref().and_then(NamePart::wert),
        Some("Müller-Lüdenscheidt")
    );
    assert_eq!(g.vornamen.as_ref().and_then(NamePart::wert), Some("Józef"));
    assert_eq!(
        g.geburtsort.as_ref().map(|t| t.as_str()),
        Some("Bad Münstereifel & Umgebung")
    );

    // &lt; decodes to '<', which the text rules then reject (a typed
    // validation error, not an XML error).
    let (field, kind) = validation_error(&grund("<fldm:geburtsort>a &lt; b</fldm:geburtsort>"));
    assert_eq!(field, "grundpersonalien.geburtsort");
    assert!(matches!(
        kind,
        ValidationKind::CharacterNotPermitted {
            codepoint: 0x3C,
            ..
        }
    ));
}

#[test]
fn accepts_default_namespace_single_root_and_whitespace() {
    let doc = format!(
        "<person xmlns=\"{NS}\">\n  <fldmId> P-9 </fldmId>\n  <grundpersonalien>\n    <geschlecht>\n      <code> w </code>\n    </geschlecht>\n    <familienname><name>\n      Öztürk\n    </name></familienname>\n  </grundpersonalien>\n</person>\n"
    );
    let p = person_from_xml(&doc).expect("valid");
    assert_eq!(p.fldm_id.as_str(), "P-9");
    assert_eq!(
        p.grundpersonalien.geschlecht,
        Some(fldm_core::codes::Geschlecht::Weiblich)
    );
    assert_eq!(
        p.grundpersonalien
            .familienname
            .as_ref()
            .and_then(NamePart::wert),
        Some("Öztürk")
    );
    // Elements in any order, comments and processing instructions ignored.
    let doc = one(
        "<!-- c --><fldm:aufenthalt><fldm:sterbedatum>2020-01-02</fldm:sterbedatum><?pi x?>\
         <fldm:einreisedatum>2015-09-05</fldm:einreisedatum></fldm:aufenthalt><fldm:azrNummer>150905000123</fldm:azrNummer>",
    );
    let p = from_xml(&doc).expect("valid").remove(0);
    assert_eq!(
        p.azr_nummer.as_ref().map(|a| a.as_str()),
        Some("150905000123")
    );
    assert_eq!(
        p.aufenthalt.einreisedatum.map(|d| d.to_string()).as_deref(),
        Some("2015-09-05")
    );
}

// ---------------------------------------------------------------------------
// typed errors
// ---------------------------------------------------------------------------

#[test]
fn unknown_nationality_code_names_the_entry() {
    let (field, kind) = validation_error(&grund(&format!(
        "<fldm:staatsangehoerigkeiten>{}{}</fldm:staatsangehoerigkeiten>",
        staat("475"),
        staat("12345")
    )));
    assert_eq!(field, "grundpersonalien.staatsangehoerigkeiten[1]");
    assert!(matches!(kind, ValidationKind::UnknownCode { ref code, .. } if code == "12345"));
}

#[test]
fn gender_u_is_rejected() {
    let (field, kind) = validation_error(&grund(
        "<fldm:geschlecht listURI=\"urn:xoev-de:xinneres:codeliste:geschlecht\" listVersionID=\"1\"><fldm:code>u</fldm:code></fldm:geschlecht>",
    ));
    assert_eq!(field, "grundpersonalien.geschlecht");
    assert!(matches!(kind, ValidationKind::UnknownCode { .. }));
}

#[test]
fn impossible_dates_are_rejected() {
    let (field, kind) = validation_error(&grund(
        "<fldm:geburtsdatum><fldm:jahrMonatTag>2023-02-30</fldm:jahrMonatTag></fldm:geburtsdatum>",
    ));
    assert_eq!(field, "grundpersonalien.geburtsdatum");
    assert_eq!(kind, ValidationKind::ImpossibleDate);

    let (field, kind) = validation_error(&one(
        "<fldm:aufenthalt><fldm:einreisedatum>2023-02-30</fldm:einreisedatum></fldm:aufenthalt>",
    ));
    assert_eq!(field, "aufenthalt.einreisedatum");
    assert_eq!(kind, ValidationKind::ImpossibleDate);

    // A form that does not match its element.
    let (field, kind) = validation_error(&grund(
        "<fldm:geburtsdatum><fldm:jahr>1990-05</fldm:jahr></fldm:geburtsdatum>",
    ));
    assert_eq!(field, "grundpersonalien.geburtsdatum");
    assert!(matches!(kind, ValidationKind::Format { .. }));
}

#[test]
fn azr_nummer_with_month_13_is_rejected() {
    let (field, kind) = validation_error(&one("<fldm:azrNummer>231317000123</fldm:azrNummer>"));
    assert_eq!(field, "azr_nummer");
    assert_eq!(kind, ValidationKind::ImpossibleDate);
}

#[test]
fn control_characters_in_names_are_rejected() {
    // U+0007 is not an XML 1.0 character: an XML error at the field.
    let (index, field, message) = xml_error(&grund(
        "<fldm:familienname><fldm:name>Ab&#x7;c</fldm:name></fldm:familienname>",
    ));
    assert_eq!(index, Some(0));
    assert_eq!(field, "grundpersonalien.familienname");
    assert!(message.contains("U+0007"), "{message}");

    // U+0085 and a tab are XML characters but control characters: a
    // validation error.
    for reference in ["&#x85;", "&#9;"] {
        let (field, kind) = validation_error(&grund(&format!(
            "<fldm:familienname><fldm:name>Ab{reference}c</fldm:name></fldm:familienname>"
        )));
        assert_eq!(field, "grundpersonalien.familienname");
        assert_eq!(kind, ValidationKind::ControlCharacter { position: 2 });
    }
}

#[test]
fn cyrillic_in_a_name_is_rejected_without_quoting_it() {
    let doc = grund("<fldm:vornamen><fldm:name>Иван</fldm:name></fldm:vornamen>");
    let e = from_xml(&doc).expect_err("rejected");
    assert!(!e.to_string().contains("Иван"), "{e}");
    let (field, kind) = validation_error(&doc);
    assert_eq!(field, "grundpersonalien.vornamen");
    assert!(matches!(
        kind,
        ValidationKind::CharacterNotPermitted {
            position: 0,
            codepoint: 0x418
        }
    ));
}

#[test]
fn five_nationalities_are_rejected() {
    let five: String = ["000", "163", "166", "224", "475"]
        .iter()
        .map(|c| staat(c))
        .collect();
    let (field, kind) = validation_error(&grund(&format!(
        "<fldm:staatsangehoerigkeiten>{five}</fldm:staatsangehoerigkeiten>"
    )));
    assert_eq!(field, "grundpersonalien.staatsangehoerigkeiten");
    assert_eq!(
        kind,
        ValidationKind::Count {
            min: 1,
            max: 4,
            found: 5
        }
    );
}

#[test]
fn wrong_list_uri_is_a_validation_error() {
    let (field, kind) = validation_error(&grund(
        "<fldm:geschlecht listURI=\"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit\"><fldm:code>m</fldm:code></fldm:geschlecht>",
    ));
    assert_eq!(field, "grundpersonalien.geschlecht");
    assert!(matches!(kind, ValidationKind::Other(_)));

    let (field, _) = validation_error(&grund(&format!(
        "<fldm:staatsangehoerigkeiten>{}{}</fldm:staatsangehoerigkeiten>",
        staat("475"),
        "<fldm:staatsangehoerigkeit listURI=\"urn:xoev-de:xinneres:codeliste:geschlecht\"><fldm:code>163</fldm:code></fldm:staatsangehoerigkeit>"
    )));
    assert_eq!(field, "grundpersonalien.staatsangehoerigkeiten[1]");

    // listURI on an element that is not a code.
    let (_, field, message) = xml_error(&one(
        "<fldm:azrNummer listURI=\"x\">150905000123</fldm:azrNummer>",
    ));
    assert_eq!(field, "azr_nummer");
    assert!(message.contains("listURI"), "{message}");
}

#[test]
fn missing_required_values_are_named() {
    let (field, kind) = validation_error(&list_doc(&["<fldm:grundpersonalien/>"]));
    assert_eq!(field, "fldm_id");
    assert_eq!(kind, ValidationKind::Missing);

    let (field, kind) = validation_error(&one(
        "<fldm:weiterePersonalien><fldm:identitaetsdokumente><fldm:identitaetsdokument><fldm:nummer>X1</fldm:nummer></fldm:identitaetsdokument></fldm:identitaetsdokumente></fldm:weiterePersonalien>",
    ));
    assert_eq!(field, "weitere_personalien.identitaetsdokumente[0].art");
    assert_eq!(kind, ValidationKind::Missing);

    let (field, kind) = validation_error(&grund("<fldm:familienname></fldm:familienname>"));
    assert_eq!(field, "grundpersonalien.familienname");
    assert_eq!(kind, ValidationKind::Empty);

    // Person::validate: a family member without id or name.
    let (field, _) = validation_error(&one(
        "<fldm:asyl><fldm:familienangehoerige><fldm:familienangehoeriger><fldm:beziehung><fldm:code>kind</fldm:code></fldm:beziehung></fldm:familienangehoeriger></fldm:familienangehoerige></fldm:asyl>",
    ));
    assert_eq!(field, "asyl.familienangehoerige[0]");
}

#[test]
fn truncated_document_is_an_xml_error_with_position() {
    let doc = grund("<fldm:familienname><fldm:name>Müller</fldm:name></fldm:familienname>");
    let cut = doc.find("Müller").expect("present") + 3;
    let (index, field, _) = xml_error(&doc[..cut]);
    assert_eq!(index, Some(0));
    assert_eq!(field, "grundpersonalien.familienname");
}

#[test]
fn mismatched_tags_are_an_xml_error() {
    let (_, field, message) = xml_error(&grund("<fldm:geburtsort>Köln</fldm:geburtsbezirk>"));
    assert_eq!(field, "grundpersonalien.geburtsort");
    assert!(message.contains("geburtsbezirk"), "{message}");
}

#[test]
fn doctype_and_entity_declarations_are_rejected() {
    let doctype = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fldm:personen>\n<fldm:personen xmlns:fldm=\"{NS}\"/>"
    );
    let (index, field, message) = xml_error(&doctype);
    assert_eq!((index, field.as_str()), (None, ""));
    assert!(message.contains("DOCTYPE"), "{message}");

    // The classic entity expansion attack never gets expanded.
    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n<fldm:personen xmlns:fldm=\"{NS}\"><fldm:person><fldm:fldmId>&lol2;</fldm:fldmId></fldm:person></fldm:personen>"
    );
    let (index, _, _) = xml_error(&laughs);
    assert_eq!(index, None);

    // An entity declaration outside a DOCTYPE is not XML at all.
    let entity =
        format!("<?xml version=\"1.0\"?>\n<!ENTITY x \"y\">\n<fldm:personen xmlns:fldm=\"{NS}\"/>");
    xml_error(&entity);

    // References to undeclared entities are errors, not empty text.
    let (index, field, message) = xml_error(&grund(
        "<fldm:familienname><fldm:name>M&uuml;ller</fldm:name></fldm:familienname>",
    ));
    assert_eq!(index, Some(0));
    assert_eq!(field, "grundpersonalien.familienname");
    assert!(message.contains("entity"), "{message}");
}

#[test]
fn unknown_and_misplaced_elements_are_rejected() {
    let (index, field, message) = xml_error(&grund("<fldm:spitzname>X</fldm:spitzname>"));
    assert_eq!(index, Some(0));
    assert_eq!(field, "grundpersonalien");
    assert!(message.contains("spitzname"), "{message}");

    // A known element in the wrong place.
    let (_, field, _) = xml_error(&grund("<fldm:postleitzahl>50667</fldm:postleitzahl>"));
    assert_eq!(field, "grundpersonalien");

    // Unqualified elements are not ours.
    let (_, _, message) = xml_error(&one("<azrNummer>150905000123</azrNummer>"));
    assert!(message.contains("namespace"), "{message}");

    // Text where only elements are allowed.
    let (_, field, message) = xml_error(&grund("Müller"));
    assert_eq!(field, "grundpersonalien");
    assert!(!message.contains("Müller"));

    // Repeated single-valued element.
    let (_, field, _) = xml_error(&one(
        "<fldm:azrNummer>150905000123</fldm:azrNummer><fldm:azrNummer>150905000124</fldm:azrNummer>",
    ));
    assert_eq!(field, "");

    // Unknown attribute.
    xml_error(&one(
        "<fldm:azrNummer foo=\"1\">150905000123</fldm:azrNummer>",
    ));

    // Content after the root element.
    let mut doc = one("");
    doc.push_str("<fldm:person/>");
    let (index, _, _) = xml_error(&doc);
    assert_eq!(index, None);
}

#[test]
fn errors_carry_the_record_index_and_the_reader_continues() {
    let ok = "<fldm:fldmId>P-1</fldm:fldmId>";
    let bad = "<fldm:fldmId>P-2</fldm:fldmId><fldm:grundpersonalien><fldm:geschlecht><fldm:code>u</fldm:code><fldm:name>unbekannt</fldm:name></fldm:geschlecht><fldm:familienname><fldm:name>X</fldm:name></fldm:familienname></fldm:grundpersonalien>";
    let doc = list_doc(&[ok, ok, bad, ok]);
    let e = from_xml(&doc).expect_err("record 2 is invalid");
    assert_eq!(e.record_index(), Some(2));
    assert_eq!(e.field(), Some("grundpersonalien.geschlecht"));

    let results: Vec<_> = XmlReader::new(doc.as_bytes()).collect();
    assert_eq!(results.len(), 4);
    assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok());
    assert_eq!(
        results[2].as_ref().err().and_then(Error::record_index),
        Some(2)
    );

    // An XML error in the rest of an invalid record belongs to that record
    // and ends the iteration.
    let bad_then_broken = format!("{bad}<fldm:bogus/>");
    let doc = list_doc(&[ok, &bad_then_broken, ok]);
    let results: Vec<_> = XmlReader::new(doc.as_bytes()).collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(matches!(
        &results[2],
        Err(Error::Record { index: 1, source }) if matches!(**source, Error::Xml { .. })
    ));

    // An XML error ends the iteration.
    let doc = list_doc(&[ok, "<fldm:fldmId>P-2</fldm:fldmId><fldm:bogus/>", ok]);
    let results: Vec<_> = XmlReader::new(doc.as_bytes()).collect();
    assert_eq!(results.len(), 2);
    assert!(
        matches!(
            &results[1],
            Err(Error::Record { index: 1, source }) if matches!(**source, Error::Xml { .. })
        ),
        "{:?}",
        results[1]
    );
}

#[test]
fn error_positions_are_line_and_column() {
    let doc = format!(
        "<?xml version=\"1.0\"?>\n<fldm:personen xmlns:fldm=\"{NS}\">\n  <fldm:person>\n    <fldm:fldmId>P-1</fldm:fldmId>\n    <fldm:bogus/>\n  </fldm:person>\n</fldm:personen>\n"
    );
    match unwrap_record(from_xml(&doc).expect_err("error")) {
        (Some(0), Error::Xml { line, column, .. }) => assert_eq!((line, column), (5, 5)),
        other => panic!("{other:?}"),
    }
    for capacity in [1, 3, 64, 8192] {
        let e = XmlReader::new(BufReader::with_capacity(capacity, doc.as_bytes()))
            .find_map(Result::err)
            .expect("error");
        match unwrap_record(e) {
            (Some(0), Error::Xml { line, column, .. }) => {
                assert_eq!((line, column), (5, 5), "buffer capacity {capacity}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn non_utf8_encodings_are_rejected() {
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<fldm:personen xmlns:fldm=\"{NS}\"/>"
    );
    xml_error(&doc);
    // Invalid UTF-8 bytes in a stream.
    let mut bytes = one("<fldm:azrNummer>150905000123</fldm:azrNummer>").into_bytes();
    let at = bytes.iter().position(|&b| b == b'1').expect("digit");
    bytes[at] = 0xFF;
    let r: Result<Vec<Person>, _> = XmlReader::new(&bytes[..]).collect();
    assert!(r.is_err());
}

// ---------------------------------------------------------------------------
// robustness
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Arbitrary bytes never panic, as a stream or as (lossy) text.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = XmlReader::new(&bytes[..]).take(10).count();
        let _ = from_xml(&String::from_utf8_lossy(&bytes));
    }

    /// Arbitrary text after a valid prefix never panics.
    #[test]
    fn arbitrary_tails_never_panic(tail in "[<>/&;#a-zA-Z0-9:=\" \\n!?\\[\\]-]{0,200}") {
        let doc = format!("<fldm:personen xmlns:fldm=\"{NS}\"><fldm:person><fldm:fldmId>P-1</fldm:fldmId>{tail}");
        let _ = from_xml(&doc);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Every truncation of a valid document is rejected with an XML error,
    /// and byte flips never panic.
    #[test]
    fn truncations_and_flips_of_valid_documents(p in arb_person(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let doc = to_xml(&[p]);
        let end = doc.rfind("</fldm:personen>").expect("root end");
        let step = (doc.len() / 300).max(1);
        let mut cut = 0;
        while cut < end {
            if doc.is_char_boundary(cut) {
                match from_xml(&doc[..cut]) {
                    Ok(_) => prop_assert!(false, "truncation at {} accepted", cut),
                    Err(e) => {
                        let (_, inner) = unwrap_record(e);
                        prop_assert!(matches!(inner, Error::Xml { .. }), "truncation at {}: {:?}", cut, inner);
                    }
                }
            }
            cut += step;
        }
        let mut bytes = doc.into_bytes();
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        let _ = XmlReader::new(&bytes[..]).count();
        let _ = from_xml(&String::from_utf8_lossy(&bytes));
    }
}

// ---------------------------------------------------------------------------
// schema validation with xmllint
// ---------------------------------------------------------------------------

#[test]
fn generated_documents_validate_against_the_schema() {
    let persons = sample_persons(500, 20_260_101);
    assert_schema_valid(&to_xml(&persons), "proptest-persons");
    for (i, p) in persons.iter().take(5).enumerate() {
        assert_schema_valid(&person_to_xml(p), &format!("single-person-{i}"));
    }
    assert_schema_valid(&to_xml(&[]), "empty-list");
}

#[test]
fn schema_rejects_what_the_decoder_rejects() {
    // Each document is rejected by the decoder; the schema must reject it
    // too (where XSD can express the rule).
    let cases: Vec<(&str, String)> = vec![
        (
            "gender-u",
            grund("<fldm:geschlecht><fldm:code>u</fldm:code></fldm:geschlecht>"),
        ),
        (
            "nationality-12345",
            grund(&format!(
                "<fldm:staatsangehoerigkeiten>{}</fldm:staatsangehoerigkeiten>",
                staat("12345")
            )),
        ),
        (
            "azr-month-13",
            one("<fldm:azrNummer>231317000123</fldm:azrNummer>"),
        ),
        (
            "date-2023-02-30",
            grund(
                "<fldm:geburtsdatum><fldm:jahrMonatTag>2023-02-30</fldm:jahrMonatTag></fldm:geburtsdatum>",
            ),
        ),
        (
            "cyrillic",
            grund("<fldm:vornamen><fldm:name>Иван</fldm:name></fldm:vornamen>"),
        ),
        (
            "five-nationalities",
            grund(&format!(
                "<fldm:staatsangehoerigkeiten>{}</fldm:staatsangehoerigkeiten>",
                ["000", "163", "166", "224", "475"]
                    .iter()
                    .map(|c| staat(c))
                    .collect::<String>()
            )),
        ),
        (
            "unknown-element",
            grund("<fldm:spitzname>X</fldm:spitzname>"),
        ),
        (
            "wrong-list-uri",
            grund("<fldm:geschlecht listURI=\"urn:x\"><fldm:code>m</fldm:code></fldm:geschlecht>"),
        ),
        (
            "postcode",
            one(
                "<fldm:anschrift><fldm:aktuell><fldm:postleitzahl>5066</fldm:postleitzahl></fldm:aktuell></fldm:anschrift>",
            ),
        ),
        (
            "missing-id",
            list_doc(&["<fldm:azrNummer>150905000123</fldm:azrNummer>"]),
        ),
        (
            "year-1799",
            grund("<fldm:geburtsdatum><fldm:jahr>1799</fldm:jahr></fldm:geburtsdatum>"),
        ),
    ];
    for (name, doc) in &cases {
        assert!(from_xml(doc).is_err(), "decoder accepted {name}");
        assert_schema_invalid(doc, name);
    }
}

#[test]
fn synthetic_population_validates_and_round_trips() {
    let persons = fldm_synth::population(2_000, 42);
    assert_eq!(persons.len(), 2_000);
    let xml = to_xml(&persons);
    assert_eq!(from_xml(&xml).expect("synthetic records decode"), persons);
    assert_schema_valid(&xml, "synth-2000");
}

#[test]
fn documented_example_is_what_the_writer_produces() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/xml-format.md");
    let text = std::fs::read_to_string(&path).expect("docs/xml-format.md exists");
    let (_, rest) = text.split_once("## Example").expect("example section");
    let (_, rest) = rest.split_once("```xml\n").expect("xml block");
    let (example, _) = rest.split_once("```").expect("end of block");
    let persons = from_xml(example).expect("the documented example decodes");
    assert_eq!(persons.len(), 1);
    assert_eq!(
        to_xml(&persons),
        example,
        "docs/xml-format.md example is out of date"
    );
    assert_schema_valid(example, "documented-example");
}

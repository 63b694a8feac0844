//! Decisions, disclosures, hashing and explanation with the reference
//! policy (`policies/reference.toml`) and small policies written here.

use std::path::PathBuf;

use fldm_core::attribute::{self, AttributeSet};
use fldm_core::codec::json;
use fldm_core::codes::genericode;
use fldm_core::date::{Datum, TeilbekanntesDatum};
use fldm_core::ids::FldmId;
use fldm_core::policy::{
    DVDV_PRAEFIXE, Decision, DenyReason, Operation, Permit, Policy, Request, Transformation,
};
use fldm_core::record::{Anschrift, NamePart, Person, Postleitzahl, Text};

fn reference_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml")
}

fn reference() -> Policy {
    Policy::load(reference_path()).expect("reference policy loads")
}

fn day(s: &str) -> Datum {
    Datum::parse(s).expect("date")
}

fn req<'a>(
    office: &'a str,
    op: Operation,
    purpose: Option<&'a str>,
    case: Option<&'a str>,
) -> Request<'a> {
    Request {
        office,
        operation: op,
        purpose,
        case_reference: case,
        date: day("2026-06-01"),
    }
}

fn permit(d: Decision) -> Permit {
    match d {
        Decision::Permit(p) => p,
        Decision::Deny(d) => panic!("expected a permit, got {d}"),
    }
}

fn reason(d: &Decision) -> DenyReason {
    d.denial().map(|d| d.reason).expect("expected a denial")
}

const WOHNUNGSAMT_SET: [&str; 7] = [
    "grundpersonalien.familienname",
    "grundpersonalien.geburtsname",
    "grundpersonalien.vornamen",
    "grundpersonalien.geburtsdatum",
    "anschrift.aktuell",
    "grundpersonalien.geschlecht",
    "grundpersonalien.staatsangehoerigkeiten",
];

fn full_person() -> Person {
    let text = r#"{"fldm_id":"P42","azr_nummer":"230517000123",
        "grundpersonalien":{"familienname":"Haddad","geburtsname":"Saleh","vornamen":"Amal Noor",
          "familienname_nach_deutschem_recht":"Haddad","geburtsdatum":"1990-05-17","geburtsort":"Aleppo",
          "geburtsland":"475","geschlecht":"w","doktorgrad":"Dr.","staatsangehoerigkeiten":["475","461"]},
        "weitere_personalien":{"andere_schreibweisen":[{"familienname":"Hadad"}],
          "aliaspersonalien":[{"familienname":"Hadid","geburtsdatum":"1989-02-03"}],"religion":"keine Angabe"},
        "anschrift":{"aktuell":{"strasse":"Beispielweg","hausnummer":"12a","postleitzahl":"50667","ort":"Köln","einzugsdatum":"2024-03-01"},
          "fruehere":[{"strasse":"Alte Straße","hausnummer":"1","postleitzahl":"50668","ort":"Köln","auszugsdatum":"2024-02-29"},
                      {"strasse":"Ohne Ort","hausnummer":"3"}]},
        "aufenthalt":{"einreisedatum":"2023-05-17"},
        "asyl":{"impfungen":[{"art":"Masern","datum":"2023-06-01"}]},
        "integration":{"beruf":"Lehrerin"}}"#;
    json::person_from_json(&text.replace('\n', ""), json::Strictness::Strict)
        .expect("valid test record")
}

#[test]
fn reference_policy_offices_and_identities() {
    let p = reference();
    assert_eq!(p.id(), "fldm-reference");
    let ids: Vec<&str> = p.offices().iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "auslaenderbehoerde",
            "wohnungsamt",
            "sozialamt",
            "gesundheitsamt",
            "jugendamt",
            "statistikstelle",
            "datenschutz"
        ]
    );
    let o = p
        .office_for_cert_identity("wohnungsamt.stadt.example")
        .expect("cn maps");
    assert_eq!(o.id, "wohnungsamt");
    assert!(
        p.office_for_cert_identity("wohnungsamt.stadt.example.evil")
            .is_none()
    );
    for o in p.offices() {
        let (prefix, _) = o.dvdv_id.split_once(':').expect("prefix");
        assert!(DVDV_PRAEFIXE.contains(&prefix));
    }
    assert_eq!(p.purpose("W01").map(|x| x.builtin), Some(false));
    assert_eq!(p.purpose("61").map(|x| x.builtin), Some(true));
    assert_eq!(p.hash().len(), 64);
    assert!(
        p.hash()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

#[test]
fn wohnungsamt_gets_exactly_the_identification_set() {
    let p = reference();
    let expected = AttributeSet::from_names("test", &WOHNUNGSAMT_SET).expect("names");
    for op in [Operation::Read, Operation::Search, Operation::Changes] {
        let permit = permit(p.decide(&req("wohnungsamt", op, Some("W01"), Some("WA-1"))));
        assert_eq!(permit.attributes(), expected, "{op}");
        assert_eq!(permit.policy_hash(), p.hash());
        assert!(
            permit
                .legal_basis()
                .section
                .contains("§ 14 Abs. 1 Nr. 1 und 6")
        );
        assert_eq!(permit.legal_basis().law, "AZRG");
    }
    let read = permit(p.decide(&req(
        "wohnungsamt",
        Operation::Read,
        Some("W01"),
        Some("WA-1"),
    )));
    assert_eq!(read.rule_id(), "wohnungsamt-identifikation");
    let d = read.apply(&full_person());
    let got: Vec<&str> = attribute::present(&d).names();
    let mut want = WOHNUNGSAMT_SET.to_vec();
    want.sort_by_key(|n| attribute::lookup(n).map(|(i, _)| i));
    assert_eq!(got, want);
    // Nothing else: no birthplace, Doktorgrad, name under German law, AZR-Nummer.
    let text = json::person_to_json(&d);
    for forbidden in [
        "Aleppo",
        "Dr.",
        "familienname_nach_deutschem_recht",
        "azr_nummer",
        "Lehrerin",
        "Masern",
    ] {
        assert!(!text.contains(forbidden), "{forbidden} leaked: {text}");
    }
    assert_eq!(d.fldm_id.as_str(), "P42");
    // The address is disclosed whole (no transformation in this rule).
    assert_eq!(d.anschrift.aktuell, full_person().anschrift.aktuell);

    // Writing: the current address only.
    let w = permit(p.decide(&req(
        "wohnungsamt",
        Operation::Write,
        Some("W01"),
        Some("WA-1"),
    )));
    assert_eq!(w.attributes().names(), ["anschrift.aktuell"]);
    let mut update = Person::new(FldmId::parse("P42").expect("id"));
    update.anschrift.aktuell = full_person().anschrift.aktuell;
    assert!(w.unpermitted(&update).is_empty());
    update.grundpersonalien.familienname = Some(NamePart::parse("Neu").expect("name"));
    assert_eq!(
        w.unpermitted(&update).names(),
        ["grundpersonalien.familienname"]
    );
}

#[test]
fn default_deny_and_typed_reasons() {
    let p = reference();
    let cases: Vec<(Request<'_>, DenyReason)> = vec![
        (
            req("wohnungsamt", Operation::Read, None, Some("WA-1")),
            DenyReason::NoPurpose,
        ),
        (
            req("wohnungsamt", Operation::Read, Some("  "), Some("WA-1")),
            DenyReason::NoPurpose,
        ),
        (
            req("wohnungsamt", Operation::Read, Some("W99"), Some("WA-1")),
            DenyReason::UndeclaredPurpose,
        ),
        (
            req("wohnungsamt", Operation::Read, Some("61"), Some("WA-1")),
            DenyReason::NoMatchingRule,
        ),
        (
            req(
                "wohnungsamt",
                Operation::Statistics,
                Some("W01"),
                Some("WA-1"),
            ),
            DenyReason::NoMatchingRule,
        ),
        (
            req("wohnungsamt", Operation::Read, Some("W01"), None),
            DenyReason::CaseReferenceRequired,
        ),
        (
            req("wohnungsamt", Operation::Read, Some("W01"), Some(" ")),
            DenyReason::CaseReferenceRequired,
        ),
        (
            req("wohnungsamt", Operation::Read, Some("W01"), Some("A\u{7}B")),
            DenyReason::InvalidCaseReference,
        ),
        (
            req("jobcenter", Operation::Read, Some("25"), Some("JC-1")),
            DenyReason::UnknownOffice,
        ),
        (
            req("statistikstelle", Operation::Read, Some("S01"), None),
            DenyReason::NoMatchingRule,
        ),
        (
            req("datenschutz", Operation::Read, Some("D01"), Some("DS-1")),
            DenyReason::NoMatchingRule,
        ),
        (
            req("sozialamt", Operation::Write, Some("61"), Some("SA-1")),
            DenyReason::NoMatchingRule,
        ),
    ];
    for (r, want) in cases {
        let d = p.decide(&r);
        assert_eq!(reason(&d), want, "{r:?}");
        let denial = d.denial().expect("denial");
        assert_eq!(&*denial.policy_hash, p.hash());
        assert!(!denial.message.is_empty());
    }
    let long = "X".repeat(101);
    let d = p.decide(&req(
        "wohnungsamt",
        Operation::Read,
        Some("W01"),
        Some(&long),
    ));
    assert_eq!(reason(&d), DenyReason::InvalidCaseReference);
    assert!(!d.denial().expect("denial").message.contains(&long));

    // Validity period: 2026-01-01 to 2027-12-31, both inclusive.
    for (date, ok) in [
        ("2025-12-31", false),
        ("2026-01-01", true),
        ("2027-12-31", true),
        ("2028-01-01", false),
    ] {
        let mut r = req("wohnungsamt", Operation::Read, Some("W01"), Some("WA-1"));
        r.date = day(date);
        let d = p.decide(&r);
        assert_eq!(d.is_permit(), ok, "{date}");
        if !ok {
            assert_eq!(reason(&d), DenyReason::OutsideValidity);
        }
    }
}

#[test]
fn sector_offices_statistics_and_audit() {
    let p = reference();
    let s = permit(p.decide(&req("sozialamt", Operation::Read, Some("62"), Some("SA-1"))));
    assert_eq!(s.legal_basis().short(), "§ 18a AZRG");
    assert!(s.attributes().contains("asyl.impfungen"));
    assert!(!s.attributes().contains("weitere_personalien.religion"));
    let g = permit(p.decide(&req(
        "gesundheitsamt",
        Operation::Read,
        Some("26"),
        Some("GA-1"),
    )));
    assert_eq!(g.legal_basis().short(), "§ 18c AZRG");
    assert!(g.attributes().contains("asyl.kontakt"));
    assert!(!g.attributes().contains("integration.beruf"));
    let j = permit(p.decide(&req(
        "jugendamt",
        Operation::Search,
        Some("28"),
        Some("JA-1"),
    )));
    assert_eq!(j.legal_basis().short(), "§ 18d AZRG");
    let a = permit(p.decide(&req(
        "auslaenderbehoerde",
        Operation::Write,
        Some("70"),
        Some("ABH-1"),
    )));
    assert_eq!(a.attributes(), AttributeSet::all());
    let r = permit(p.decide(&req(
        "auslaenderbehoerde",
        Operation::Read,
        Some("70"),
        Some("ABH-1"),
    )));
    assert_eq!(r.apply(&full_person()), full_person());

    // Statistics: no case reference needed, no person data.
    let st = permit(p.decide(&req(
        "statistikstelle",
        Operation::Statistics,
        Some("S01"),
        None,
    )));
    assert!(st.attributes().is_empty());
    assert_eq!(
        attribute::present(&st.apply(&full_person())),
        AttributeSet::empty()
    );
    let au = permit(p.decide(&req(
        "datenschutz",
        Operation::Audit,
        Some("D01"),
        Some("DS-2026-1"),
    )));
    assert!(au.attributes().is_empty());
    assert_eq!(au.rule_id(), "datenschutz-kontrolle");
}

#[test]
fn hash_ignores_formatting_comments_and_order_but_not_content() {
    let text = std::fs::read_to_string(reference_path()).expect("read");
    let base = Policy::from_str(&text, "a.toml").expect("valid");

    // Comments and blank lines removed, whitespace changed.
    let stripped: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| l.replace(" = ", "="))
        .collect::<Vec<_>>()
        .join("\n");
    // Rules in another order: move the first [[rule]] block to the end.
    let first = stripped.find("[[rule]]").expect("rule");
    let second = first + 8 + stripped[first + 8..].find("[[rule]]").expect("second rule");
    let reordered = format!(
        "{}{}\n{}",
        &stripped[..first],
        &stripped[second..],
        &stripped[first..second]
    );
    // A group instead of its members, and a date string instead of a TOML date.
    let grouped = reordered
        .replace("\"identifikation\",", "\"azr_nummer\",")
        .replace("valid_from=2026-01-01", "valid_from=\"2026-01-01\"");
    for variant in [&stripped, &reordered, &grouped] {
        let p = Policy::from_str(variant, "b.toml").expect("variant valid");
        assert_eq!(p.hash(), base.hash());
        assert_eq!(p.canonical_json(), base.canonical_json());
    }
    // Content changes change the hash.
    for (from, to) in [
        ("retention = \"2 years\"", "retention = \"3 years\""),
        ("\"grundpersonalien.geburtsname\",\n", ""),
        ("Grunddaten an öffentliche Stellen:", "Grunddaten:"),
        ("valid_until = 2027-12-31", "valid_until = 2027-12-30"),
    ] {
        assert!(text.contains(from), "{from}");
        let p = Policy::from_str(&text.replacen(from, to, 1), "c.toml").expect("still valid");
        assert_ne!(p.hash(), base.hash(), "{from}");
    }
    // The hash is the SHA-256 of the canonical form.
    let d = ring::digest::digest(&ring::digest::SHA256, base.canonical_json().as_bytes());
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, base.hash());
    assert!(
        base.canonical_json()
            .starts_with("{\"canonical\":\"fldm-policy-canonical/1\"")
    );
}

const SMALL: &str = r#"
format_version = 1
[policy]
id = "small"
valid_from = 2026-01-01

[[office]]
id = "amt"
name = "Amt"
dvdv_id = "ora:1"
cert_identity = "amt.example"

[[rule]]
id = "basis"
offices = ["amt"]
operations = ["read"]
purposes = ["70"]
attributes = ["grundpersonalien", "anschrift", "weitere_personalien.aliaspersonalien"]
transformations = ["birth_date_year", "address_postcode_municipality", "first_nationality"]
case_reference_required = false
retention = "1 month"
[rule.legal_basis]
law = "AZRG"
section = "§ 14 Abs. 1"
citation = "Test."
"#;

#[test]
fn transformations_reduce_values() {
    let p = Policy::from_str(SMALL, "small.toml").expect("valid");
    assert_eq!(p.validity().until, None);
    let permit = permit(p.decide(&Request {
        office: "amt",
        operation: Operation::Read,
        purpose: Some("70"),
        case_reference: None,
        date: day("2199-01-01"),
    }));
    assert_eq!(
        permit.transformations(),
        [
            Transformation::BirthDateYear,
            Transformation::AddressPostcodeMunicipality,
            Transformation::FirstNationality
        ]
    );
    let d = permit.apply(&full_person());
    let g = &d.grundpersonalien;
    assert_eq!(g.geburtsdatum, Some(TeilbekanntesDatum::Jahr(1990)));
    assert_eq!(g.staatsangehoerigkeiten.len(), 1);
    assert_eq!(g.staatsangehoerigkeiten[0].as_str(), "475");
    assert_eq!(
        d.weitere_personalien.aliaspersonalien[0].geburtsdatum,
        Some(TeilbekanntesDatum::Jahr(1989))
    );
    let plz_ort = |plz: &str| Anschrift {
        postleitzahl: Some(Postleitzahl::parse(plz).expect("plz")),
        ort: Some(Text::parse("Köln").expect("ort")),
        ..Anschrift::default()
    };
    assert_eq!(d.anschrift.aktuell, Some(plz_ort("50667")));
    // The former address without postcode or municipality is dropped entirely.
    assert_eq!(d.anschrift.fruehere, vec![plz_ort("50668")]);
    let text = json::person_to_json(&d);
    for gone in ["Beispielweg", "12a", "2024-03-01", "1990-05", "461"] {
        assert!(!text.contains(gone), "{gone} in {text}");
    }
    // Unknown birth dates stay unknown.
    let mut p2 = full_person();
    p2.grundpersonalien.geburtsdatum = Some(TeilbekanntesDatum::Unbekannt);
    assert_eq!(
        permit.apply(&p2).grundpersonalien.geburtsdatum,
        Some(TeilbekanntesDatum::Unbekannt)
    );
}

#[test]
fn explicit_precedence_decides_overlaps() {
    let extra = r#"
[[rule]]
id = "eng"
offices = ["amt"]
operations = ["read"]
purposes = ["70"]
attributes = ["grundpersonalien.familienname"]
case_reference_required = false
retention = "1 month"
precedence = 10
[rule.legal_basis]
law = "AZRG"
section = "§ 14 Abs. 1 Nr. 1"
citation = "Nur der Name."
"#;
    let p = Policy::from_str(&format!("{SMALL}{extra}"), "prec.toml")
        .expect("explicit precedence is valid");
    let r = Request {
        office: "amt",
        operation: Operation::Read,
        purpose: Some("70"),
        case_reference: None,
        date: day("2026-02-01"),
    };
    let permit = permit(p.decide(&r));
    assert_eq!(permit.rule_id(), "eng");
    assert_eq!(
        permit.attributes().names(),
        ["grundpersonalien.familienname"]
    );
    let rows = p.explain(Some("amt"), None);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].rule_id, "eng");

    // Without the precedence the overlap is a load-time error.
    let e = Policy::from_str(
        &format!("{SMALL}{}", extra.replace("precedence = 10\n", "")),
        "x.toml",
    )
    .expect_err("ambiguous");
    assert!(e.to_string().contains("overlaps rule \"basis\""), "{e}");

    // Overlapping rules that grant the same are not ambiguous.
    let same = extra
        .replace("precedence = 10\n", "")
        .replace(
            "attributes = [\"grundpersonalien.familienname\"]",
            "attributes = [\"grundpersonalien\", \"anschrift\", \"weitere_personalien.aliaspersonalien\"]\ntransformations = [\"first_nationality\", \"birth_date_year\", \"address_postcode_municipality\"]",
        );
    let p = Policy::from_str(&format!("{SMALL}{same}"), "same.toml").expect("same grant is fine");
    // Ties go to the smallest rule id, independent of file order.
    assert_eq!(permit_id(&p, &r), "basis");
}

fn permit_id(p: &Policy, r: &Request<'_>) -> String {
    p.decide(r).permit().expect("permit").rule_id().to_string()
}

#[test]
fn explain_and_matrix() {
    let p = reference();
    let rows = p.explain(Some("wohnungsamt"), None);
    let ops: Vec<Operation> = rows.iter().map(|r| r.operation).collect();
    assert_eq!(
        ops,
        [
            Operation::Read,
            Operation::Search,
            Operation::Write,
            Operation::Changes
        ]
    );
    assert!(rows.iter().all(|r| r.purpose == "W01"));
    assert_eq!(rows[0].attributes.len(), 7);
    assert_eq!(rows[2].attributes, ["anschrift.aktuell"]);
    assert!(p.explain(Some("wohnungsamt"), Some("61")).is_empty());
    assert!(p.explain(Some("niemand"), None).is_empty());

    let m = p.matrix();
    // Every matrix row is a permit when asked as a request.
    for r in &m {
        let d = p.decide(&req(&r.office, r.operation, Some(&r.purpose), Some("AZ-1")));
        assert_eq!(
            d.permit().map(|x| x.rule_id()),
            Some(r.rule_id.as_str()),
            "{r:?}"
        );
    }
    // And nothing else is permitted.
    let permitted = p
        .offices()
        .iter()
        .flat_map(|o| p.purposes().iter().map(move |pu| (o, pu)))
        .flat_map(|(o, pu)| Operation::ALL.into_iter().map(move |op| (o, pu, op)))
        .filter(|(o, pu, op)| {
            p.decide(&req(&o.id, *op, Some(&pu.code), Some("AZ-1")))
                .is_permit()
        })
        .count();
    assert_eq!(permitted, m.len());
    // abh 3+1, wohnungsamt 4, sozialamt 2x3, gesundheitsamt 2x3, jugendamt 3, statistics 1, audit 1
    assert_eq!(m.len(), 4 + 4 + 6 + 6 + 3 + 1 + 1);

    let csv = fldm_core::policy::to_csv(&m);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), m.len() + 1);
    assert!(lines[0].starts_with("office,office_name,purpose,purpose_name,operation,attributes"));
    assert!(
        csv.contains("\"§ 14 Abs. 1 Nr. 1 und 6 i. V. m. § 3 Abs. 1 Nr. 4, § 10 Abs. 3 AZRG\"")
    );
    let md = fldm_core::policy::to_markdown(&m);
    assert_eq!(md.lines().count(), m.len() + 2);
    assert!(md.contains("| statistikstelle (Kommunale Statistikstelle) | S01 Anonymisierte Statistik | statistics | (no person data) |"));
}

#[test]
fn builtin_dvdv_prefixes_match_published_list() {
    let dir = std::env::var_os("FLDM_CODELIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/codelists")
        });
    let path = dir.join("DVDV.Praefixe_51.xml");
    let xml = std::fs::read_to_string(&path).expect("published DVDV prefix list");
    let g = genericode::parse(&xml, "DVDV.Praefixe_51.xml").expect("genericode");
    let mut published: Vec<&str> = g
        .rows
        .iter()
        .filter_map(|r| r.get("praefix"))
        .map(String::as_str)
        .collect();
    let mut builtin = DVDV_PRAEFIXE.to_vec();
    published.sort_unstable();
    builtin.sort_unstable();
    assert_eq!(builtin, published);
}

#[test]
fn load_errors_name_the_file() {
    let e = Policy::load("/nonexistent/policy.toml").expect_err("missing file");
    assert!(e.to_string().contains("/nonexistent/policy.toml"), "{e}");
    let e = Policy::from_str("format_version = 1\n", "nohead.toml").expect_err("no header");
    assert!(e.to_string().starts_with("nohead.toml:1: "), "{e}");
    assert!(e.to_string().contains("missing field `policy`"), "{e}");
}

#[test]
fn the_example_in_the_format_documentation_is_a_valid_policy() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/policy-format.md"),
    )
    .expect("docs/policy-format.md");
    let (_, rest) = doc.split_once("```toml\n").expect("toml example");
    let (example, _) = rest.split_once("```").expect("end of example");
    let p =
        Policy::from_str(example, "docs/policy-format.md").expect("documented example is valid");
    let permit = permit(p.decide(&req(
        "wohnungsamt",
        Operation::Changes,
        Some("W01"),
        Some("WA-1"),
    )));
    assert_eq!(permit.rule_id(), "wohnungsamt-identifikation");
    assert_eq!(permit.attributes().len(), 2);
    // The built-in Abrufzweck codes are the ones the documentation lists.
    for (code, _) in fldm_core::policy::ABRUFZWECK {
        assert!(
            doc.contains(&format!("`{code}`")),
            "code {code} undocumented"
        );
    }
    for t in Transformation::ALL {
        assert!(
            doc.contains(&format!("| `{}` |", t.as_str())),
            "{t} undocumented"
        );
    }
}

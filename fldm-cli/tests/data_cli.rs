//! `fldm synth`, `fldm convert`, `fldm validate` as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fldm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fldm"))
        .args(args)
        .output()
        .expect("run fldm")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fldm-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const GOOD: &str = r#"{"fldm_id":"P1","azr_nummer":"230517000123","grundpersonalien":{"familienname":"Haddad","vornamen":"Amal","geburtsdatum":"1990-01-01","geschlecht":"w","staatsangehoerigkeiten":["475"]}}"#;

#[test]
fn synth_is_deterministic_and_validates_in_both_formats() {
    let d = tmpdir("synth");
    let a = d.join("a.jsonl");
    let b = d.join("b.jsonl");
    let x = d.join("a.xml");
    for (out, fmt) in [(&a, "json"), (&b, "json"), (&x, "xml")] {
        let o = fldm(&[
            "synth",
            "--count",
            "300",
            "--seed",
            "5",
            "--format",
            fmt,
            "--out",
            s(out),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let ta = std::fs::read_to_string(&a).expect("read");
    assert_eq!(
        ta,
        std::fs::read_to_string(&b).expect("read"),
        "same seed, same output"
    );
    assert_eq!(ta.lines().count(), 300);
    let o = fldm(&["synth", "--count", "300", "--seed", "6"]);
    assert_ne!(
        String::from_utf8_lossy(&o.stdout),
        ta,
        "another seed, another population"
    );

    for (f, fmt) in [(&a, "json"), (&x, "xml")] {
        let o = fldm(&["validate", "--format", fmt, s(f)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            "300 records valid"
        );
    }

    // JSON -> XML -> JSON is lossless, and XML from convert equals XML from synth.
    let x2 = d.join("b.xml");
    let back = d.join("back.jsonl");
    assert!(
        fldm(&["convert", "--from", "json", "--to", "xml", s(&a), s(&x2)])
            .status
            .success()
    );
    assert_eq!(
        std::fs::read(&x).expect("x"),
        std::fs::read(&x2).expect("x2")
    );
    assert!(
        fldm(&["convert", "--from", "xml", "--to", "json", s(&x2), s(&back)])
            .status
            .success()
    );
    assert_eq!(std::fs::read_to_string(&back).expect("back"), ta);
    std::fs::remove_dir_all(&d).ok();
}

/// Each bad input gives exit 1 with the record index and the field path,
/// never a panic (exit 101) and never the offending value.
#[test]
fn bad_input_names_record_and_field() {
    let d = tmpdir("bad");
    let json_cases: Vec<(&str, String, &str)> = vec![
        (
            "AZR-Nummer month 13",
            GOOD.replace("230517000123", "231317000123"),
            "azr_nummer",
        ),
        (
            "impossible date",
            GOOD.replace("1990-01-01", "2023-02-30"),
            "grundpersonalien.geburtsdatum",
        ),
        (
            "nationality 12345",
            GOOD.replace("[\"475\"]", "[\"12345\"]"),
            "grundpersonalien.staatsangehoerigkeiten[0]",
        ),
        (
            "gender u",
            GOOD.replace("\"w\"", "\"u\""),
            "grundpersonalien.geschlecht",
        ),
        (
            "control character",
            GOOD.replace("Amal", "Am\\u0001al"),
            "grundpersonalien.vornamen",
        ),
        (
            "Cyrillic",
            GOOD.replace("Haddad", "Хаддад"),
            "grundpersonalien.familienname",
        ),
        (
            "5 nationalities",
            GOOD.replace("[\"475\"]", "[\"475\",\"423\",\"438\",\"439\",\"163\"]"),
            "grundpersonalien.staatsangehoerigkeiten",
        ),
        (
            "unknown field",
            GOOD.replace(
                "\"azr_nummer\"",
                "\"lieblingsfarbe\":\"blau\",\"azr_nummer\"",
            ),
            "lieblingsfarbe",
        ),
    ];
    for (what, bad, field) in json_cases {
        let f = d.join("bad.jsonl");
        std::fs::write(&f, format!("{GOOD}\n{bad}\n")).expect("write");
        let o = fldm(&["validate", "--format", "json", s(&f)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains("record 1"), "{what}: {err}");
        assert!(err.contains(&format!("field {field}:")), "{what}: {err}");
        for secret in ["Хаддад", "2023-02-30", "blau"] {
            assert!(
                !err.contains(secret),
                "{what}: message quotes the value: {err}"
            );
        }
    }

    // XML: write a valid document, then break it.
    let good_json = d.join("good.jsonl");
    std::fs::write(&good_json, format!("{GOOD}\n")).expect("write");
    let good_xml = d.join("good.xml");
    assert!(
        fldm(&[
            "convert",
            "--from",
            "json",
            "--to",
            "xml",
            s(&good_json),
            s(&good_xml)
        ])
        .status
        .success()
    );
    let xml = std::fs::read_to_string(&good_xml).expect("xml");
    let xml_cases: Vec<(&str, String)> = vec![
        ("truncated", xml[..xml.len() / 2].to_string()),
        (
            "entity declaration",
            xml.replacen("?>", "?><!DOCTYPE personen [<!ENTITY x \"Haddad\">]>", 1),
        ),
        (
            "gender u",
            xml.replace("<fldm:code>w</fldm:code>", "<fldm:code>u</fldm:code>"),
        ),
        ("Cyrillic", xml.replace("Haddad", "Хаддад")),
    ];
    for (what, bad) in xml_cases {
        assert_ne!(bad, xml, "{what}: the document must actually be broken");
        let f = d.join("bad.xml");
        std::fs::write(&f, bad).expect("write");
        let o = fldm(&["validate", "--format", "xml", s(&f)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(err.starts_with("invalid:"), "{what}: {err}");
        assert!(!err.contains("Хаддад"), "{what}: {err}");
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn convert_writes_nothing_when_input_is_invalid() {
    let d = tmpdir("nopartial");
    let input = d.join("in.jsonl");
    let bad = GOOD.replace("\"w\"", "\"u\"");
    std::fs::write(&input, format!("{GOOD}\n{GOOD}\n{bad}\n")).expect("write");
    let out = d.join("out.xml");
    let o = fldm(&[
        "convert",
        "--from",
        "json",
        "--to",
        "xml",
        s(&input),
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!out.exists(), "no partial output file");
    assert_eq!(
        std::fs::read_dir(&d).expect("dir").count(),
        1,
        "no temporary file left behind"
    );
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn usage_and_io_errors_exit_2() {
    let o = fldm(&["validate", "--format", "json", "/nonexistent/file.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/file.jsonl"));
    let o = fldm(&["synth", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

//! `fldm policy check|explain|matrix|apply` as a user runs them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fldm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fldm"))
        .args(args)
        .output()
        .expect("run fldm")
}

fn fldm_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fldm"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fldm");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn reference() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../policies/reference.toml")
        .display()
        .to_string()
}

fn broken(stem: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../fldm-core/tests/policies/broken/{stem}.toml"))
        .display()
        .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const RECORDS: &str = concat!(
    r#"{"fldm_id":"P1","azr_nummer":"230517000123","grundpersonalien":{"familienname":"Haddad","vornamen":"Amal","geburtsdatum":"1990-05-17","geburtsort":"Aleppo","geschlecht":"w","doktorgrad":"Dr.","staatsangehoerigkeiten":["475"]},"anschrift":{"aktuell":{"strasse":"Beispielweg","hausnummer":"1","postleitzahl":"50667","ort":"Köln"}},"asyl":{"impfungen":[{"art":"Masern","datum":"2023-06-01"}]}}"#,
    "\n",
    r#"{"fldm_id":"P2","grundpersonalien":{"familienname":"Rahimi","geburtsname":"Karimi","geschlecht":"m"},"integration":{"beruf":"Tischler"}}"#,
    "\n"
);

#[test]
fn check_accepts_the_reference_policy() {
    let o = fldm(&["policy", "check", &reference()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("policy fldm-reference is valid: 7 offices, 10 rules"),
        "{out}"
    );
    let hash_line = out
        .lines()
        .find(|l| l.starts_with("policy hash"))
        .expect("hash line");
    let hash = hash_line.rsplit(' ').next().expect("hash");
    assert_eq!(hash.len(), 64);
}

#[test]
fn check_reports_file_line_and_rule_and_exits_1() {
    let f = broken("unknown_attribute");
    let o = fldm(&["policy", "check", &f]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{f}:31: rule \"wohnungsamt-lesen\": unknown attribute or group \"grundpersonalien.lichtbild\""
        )),
        "{err}"
    );
    let o = fldm(&["policy", "check", "/nonexistent/policy.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/policy.toml"));
}

#[test]
fn explain_shows_what_an_office_gets_and_why() {
    let o = fldm(&[
        "policy",
        "explain",
        &reference(),
        "--office",
        "wohnungsamt",
        "--purpose",
        "W01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("wohnungsamt (Amt für Wohnungswesen) - purpose W01 (Unterbringung/Wohnraumversorgung) - read"));
    assert!(out.contains("rule:            wohnungsamt-identifikation"));
    assert!(
        out.contains("legal basis:     § 14 Abs. 1 Nr. 1 und 6 i. V. m. § 3 Abs. 1 Nr. 4 AZRG")
    );
    assert!(out.contains("    - grundpersonalien.geburtsname\n"));
    assert!(!out.contains("grundpersonalien.geburtsort"));
    assert!(out.contains("- write\n"));
    assert!(out.contains("retention:       2 years; after the end of the accommodation"));

    let o = fldm(&[
        "policy",
        "explain",
        &reference(),
        "--office",
        "wohnungsamt",
        "--purpose",
        "61",
    ]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("default deny"));

    let o = fldm(&["policy", "explain", &reference(), "--office", "nirgendwo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("office \"nirgendwo\" is not in policy fldm-reference"));
}

#[test]
fn matrix_in_csv_and_markdown() {
    let o = fldm(&["policy", "matrix", &reference(), "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 25);
    assert!(lines[0].starts_with(
        "office,office_name,purpose,purpose_name,operation,attributes,transformations,legal_basis"
    ));
    let row = lines
        .iter()
        .find(|l| l.starts_with("wohnungsamt,") && l.contains(",read,"))
        .expect("wohnungsamt read row");
    assert!(row.contains(",2 years,"), "{row}");
    assert!(
        row.contains("grundpersonalien.familienname grundpersonalien.geburtsname"),
        "{row}"
    );

    let o = fldm(&["policy", "matrix", &reference(), "--format", "md"]);
    assert!(o.status.success());
    let md = stdout(&o);
    assert!(md.starts_with("| office | purpose | operation | attributes |"));
    assert_eq!(md.lines().count(), 2 + 25);
}

#[test]
fn apply_writes_disclosures_and_denies_with_the_reason() {
    let base = [
        "policy",
        "apply",
        &reference(),
        "--office",
        "wohnungsamt",
        "--purpose",
        "W01",
        "--case",
        "WA-2026-1",
        "--date",
        "2026-06-30",
    ];
    let o = fldm_stdin(&base, RECORDS);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        r#"{"fldm_id":"P1","grundpersonalien":{"familienname":"Haddad","vornamen":"Amal","geburtsdatum":"1990-05-17","geschlecht":"w","staatsangehoerigkeiten":["475"]},"anschrift":{"aktuell":{"strasse":"Beispielweg","hausnummer":"1","postleitzahl":"50667","ort":"Köln"}}}"#
    );
    assert_eq!(
        lines[1],
        r#"{"fldm_id":"P2","grundpersonalien":{"familienname":"Rahimi","geburtsname":"Karimi","geschlecht":"m"}}"#
    );
    assert!(stderr(&o).contains("2 disclosure(s) under rule wohnungsamt-identifikation"));

    // From a file argument too.
    let dir = std::env::temp_dir().join(format!("fldm-policy-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let input = dir.join("in.jsonl");
    std::fs::write(&input, RECORDS).expect("write");
    let mut args = base.to_vec();
    let input_s = input.display().to_string();
    args.push(&input_s);
    let o2 = fldm(&args);
    assert!(o2.status.success());
    assert_eq!(stdout(&o2), out);
    std::fs::remove_dir_all(&dir).ok();

    // Denials: exit 1, the reason on stderr, nothing on stdout.
    let denials: [(&[&str], &str); 5] = [
        (
            &[
                "--office",
                "wohnungsamt",
                "--case",
                "WA-1",
                "--date",
                "2026-06-30",
            ],
            "denied (no_purpose)",
        ),
        (
            &[
                "--office",
                "wohnungsamt",
                "--purpose",
                "61",
                "--case",
                "WA-1",
                "--date",
                "2026-06-30",
            ],
            "denied (no_matching_rule)",
        ),
        (
            &[
                "--office",
                "wohnungsamt",
                "--purpose",
                "W01",
                "--date",
                "2026-06-30",
            ],
            "denied (case_reference_required)",
        ),
        (
            &[
                "--office",
                "wohnungsamt",
                "--purpose",
                "W01",
                "--case",
                "WA-1",
                "--date",
                "2028-01-01",
            ],
            "denied (outside_validity)",
        ),
        (
            &[
                "--office",
                "jobcenter",
                "--purpose",
                "25",
                "--case",
                "JC-1",
                "--date",
                "2026-06-30",
            ],
            "denied (unknown_office)",
        ),
    ];
    for (extra, want) in denials {
        let policy = reference();
        let mut args = vec!["policy", "apply", policy.as_str()];
        args.extend_from_slice(extra);
        let o = fldm_stdin(&args, RECORDS);
        assert_eq!(o.status.code(), Some(1), "{extra:?}");
        assert!(stderr(&o).contains(want), "{extra:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn apply_rejects_bad_input_and_non_disclosing_operations() {
    let args = [
        "policy",
        "apply",
        &reference(),
        "--office",
        "wohnungsamt",
        "--purpose",
        "W01",
        "--case",
        "WA-1",
        "--date",
        "2026-06-30",
    ];
    let bad = format!(
        "{}\n{{\"fldm_id\":\"P3\",\"grundpersonalien\":{{\"geschlecht\":\"u\"}}}}\n",
        RECORDS.lines().next().expect("line")
    );
    let o = fldm_stdin(&args, &bad);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("record 1") && err.contains("grundpersonalien.geschlecht"),
        "{err}"
    );

    let o = fldm(&[
        "policy",
        "apply",
        &reference(),
        "--office",
        "statistikstelle",
        "--purpose",
        "S01",
        "--operation",
        "statistics",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not disclose records"));
}

#[test]
fn check_lists_the_deletion_rules() {
    let o = fldm(&["policy", "check", &reference()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    // The summary and hash lines come first, as before.
    assert!(lines[0].ends_with(
        "policy fldm-reference is valid: 7 offices, 10 rules, valid 2026-01-01 to 2027-12-31"
    ));
    assert!(lines[1].starts_with("policy hash (SHA-256 of the canonical form): "));
    assert_eq!(
        &lines[2..],
        [
            "deletion abh-ausreise: aufenthalt.ausreisedatum + 10 years from end of quarter (§ 18 AZRG-DV), owners auslaenderbehoerde [not confirmed by the data-protection officer]",
            "deletion abh-tod: aufenthalt.sterbedatum + 5 years from end of quarter (§ 18 AZRG-DV), owners auslaenderbehoerde [not confirmed by the data-protection officer]",
            "deletion abh-aktenruhe: letzte_aenderung + 10 years (§ 68 AufenthV), owners auslaenderbehoerde [not confirmed by the data-protection officer]",
        ]
    );
}

#[test]
fn check_rejects_a_bad_deletion_rule_naming_it() {
    let dir = std::env::temp_dir().join(format!("fldm-policy-del-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let text = std::fs::read_to_string(reference()).expect("read")
        + "\n[[deletion]]\nid = \"abh-einreise\"\nstart = \"aufenthalt.einreisedatum\"\nperiod = \"11 years\"\nperiod_start = \"end_of_quarter\"\nowners = [\"auslaenderbehoerde\"]\nlegal_basis = { law = \"X\", section = \"§ 1\", citation = \"Test.\" }\ndpo_confirmed = true\n";
    let ok = dir.join("ok.toml");
    std::fs::write(&ok, &text).expect("write");
    let o = fldm(&["policy", "check", &ok.display().to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(
        "deletion abh-einreise: aufenthalt.einreisedatum + 11 years from end of quarter (§ 1 X), owners auslaenderbehoerde [confirmed by the data-protection officer]"
    ));

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, text.replace("\"11 years\"", "\"elf Jahre\"")).expect("write");
    let name = bad.display().to_string();
    let o = fldm(&["policy", "check", &name]);
    assert_eq!(o.status.code(), Some(1));
    let line = 1 + text
        .lines()
        .position(|l| l == "period = \"11 years\"")
        .expect("period line");
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{name}:{line}: deletion rule \"abh-einreise\": period \"elf Jahre\" must be"
        )),
        "{err}"
    );
    assert!(
        err.contains("1 problem(s); the policy is not valid"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

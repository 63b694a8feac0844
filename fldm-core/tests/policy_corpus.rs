//! The corpus of broken policy files in `tests/policies/broken/`: each file
//! breaks a small valid policy in one place, and loading it fails with a
//! message that names the file, the line and (inside a rule) the rule.

use std::path::PathBuf;

use fldm_core::Error;
use fldm_core::policy::Policy;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/policies/broken")
}

/// The valid policy every broken file starts from (first line of each
/// broken file is a comment, so its lines are one further down).
const BASE: &str = include_str!("policies/base.toml");

/// (file stem, line, rule, message fragment)
const EXPECTED: &[(&str, usize, Option<&str>, &str)] = &[
    ("syntax_error", 22, None, "TOML syntax error"),
    (
        "unknown_attribute",
        31,
        Some("wohnungsamt-lesen"),
        "unknown attribute or group \"grundpersonalien.lichtbild\"",
    ),
    (
        "unknown_group",
        46,
        Some("sozialamt-lesen"),
        "unknown attribute or group \"gesundheit\"",
    ),
    (
        "unknown_office",
        41,
        Some("sozialamt-lesen"),
        "unknown office \"jobcenter\"",
    ),
    (
        "undeclared_purpose",
        30,
        Some("wohnungsamt-lesen"),
        "undeclared purpose \"W02\"",
    ),
    (
        "empty_attributes",
        44,
        Some("sozialamt-lesen"),
        "empty attribute set",
    ),
    (
        "missing_attributes",
        39,
        Some("sozialamt-lesen"),
        "empty attribute set",
    ),
    (
        "duplicate_rule_id",
        40,
        Some("wohnungsamt-lesen"),
        "duplicate rule id (first used on line",
    ),
    (
        "write_outside_catalogue",
        57,
        Some("wohnungsamt-schreiben"),
        "write right on attribute \"anschrift.aktuell.strasse\", which is not in the attribute catalogue",
    ),
    (
        "write_fldm_id",
        57,
        Some("wohnungsamt-schreiben"),
        "the FLDM id is assigned by the hub",
    ),
    (
        "overlap",
        52,
        Some("wohnungsamt-mehr"),
        "overlaps rule \"wohnungsamt-lesen\" (line 26) for office \"wohnungsamt\", purpose \"W01\", operation read",
    ),
    (
        "overlap_same_precedence",
        53,
        Some("wohnungsamt-mehr"),
        "give one of them an explicit, higher precedence",
    ),
    (
        "unknown_rule_field",
        44,
        Some("sozialamt-lesen"),
        "unknown field `atributes`",
    ),
    (
        "unknown_operation",
        42,
        Some("sozialamt-lesen"),
        "unknown operation \"delete\"",
    ),
    (
        "unknown_transformation",
        46,
        Some("sozialamt-lesen"),
        "unknown transformation \"birth_date_month\"",
    ),
    (
        "transformation_without_effect",
        33,
        Some("wohnungsamt-lesen"),
        "transformation \"first_nationality\" has no effect",
    ),
    (
        "missing_retention",
        39,
        Some("sozialamt-lesen"),
        "states no retention period",
    ),
    (
        "bad_retention",
        45,
        Some("sozialamt-lesen"),
        "retention \"five years\" must be",
    ),
    ("format_version", 2, None, "unsupported format_version 2"),
    (
        "validity_reversed",
        8,
        None,
        "valid_until 2025-12-31 is before valid_from 2026-01-01",
    ),
    ("bad_date", 7, None, "valid_from must be a date"),
    (
        "duplicate_office",
        21,
        None,
        "office \"wohnungsamt\" is declared twice (first on line 15)",
    ),
    (
        "duplicate_cert_identity",
        24,
        None,
        "cert_identity is already mapped to another office on line 18",
    ),
    (
        "bad_dvdv_prefix",
        23,
        None,
        "prefix \"sozial\" is not in the DVDV prefix code list",
    ),
    (
        "statistics_with_attributes",
        57,
        Some("statistik"),
        "statistics and audit rules disclose no person data",
    ),
    (
        "empty_citation",
        50,
        Some("sozialamt-lesen"),
        "legal_basis.citation is empty",
    ),
    (
        "builtin_purpose_redeclared",
        11,
        None,
        "purpose \"61\" is a built-in Abrufzweck code",
    ),
    (
        "missing_legal_basis",
        39,
        Some("sozialamt-lesen"),
        "missing field `legal_basis`",
    ),
    (
        "offices_not_a_list",
        41,
        Some("sozialamt-lesen"),
        "invalid type: string",
    ),
    (
        "unknown_legal_basis_field",
        50,
        Some("sozialamt-lesen"),
        "unknown field `citaton`",
    ),
    (
        "purpose_after_rules_unknown_field",
        55,
        None,
        "unknown field `beschreibung`",
    ),
];

#[test]
fn base_policy_is_valid() {
    let p = Policy::from_str(BASE, "base.toml").expect("base policy is valid");
    assert_eq!(p.rules().count(), 2);
}

#[test]
fn every_broken_file_is_rejected_with_file_line_rule_and_problem() {
    let mut seen = 0;
    for (stem, line, rule, fragment) in EXPECTED {
        let path = dir().join(format!("{stem}.toml"));
        let err = Policy::load(&path).expect_err(stem);
        let text = err.to_string();
        match &err {
            Error::PolicyFile {
                file,
                line: l,
                rule: r,
                message,
            } => {
                assert_eq!(file, &path.display().to_string(), "{stem}: {text}");
                assert_eq!(l, line, "{stem}: line in {text}");
                assert_eq!(r.as_deref(), *rule, "{stem}: rule in {text}");
                assert!(
                    message.contains(fragment),
                    "{stem}: expected {fragment:?} in {text}"
                );
            }
            other => panic!("{stem}: not a policy file error: {other:?}"),
        }
        // The rendered message carries all of it too.
        assert!(
            text.starts_with(&format!("{}:{line}: ", path.display())),
            "{text}"
        );
        if let Some(r) = rule {
            assert!(text.contains(&format!("rule {r:?}")), "{text}");
        }
        seen += 1;
    }
    // Every file in the folder is in the table, and the corpus is not tiny.
    let files = std::fs::read_dir(dir())
        .expect("corpus dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "toml"))
        })
        .count();
    assert_eq!(files, seen, "every broken file has an expectation");
    assert!(seen >= 15);
}

#[test]
fn each_broken_file_differs_from_the_base_in_one_place() {
    // The broken files are the base plus a comment line and one change, so
    // each rejection is caused by the problem the file is named after.
    for (stem, ..) in EXPECTED {
        let text = std::fs::read_to_string(dir().join(format!("{stem}.toml"))).expect("read");
        let (first, rest) = text.split_once('\n').expect("comment line");
        assert!(first.starts_with("# Broken: "), "{stem}");
        assert_ne!(rest, BASE, "{stem} must change the base");
    }
}

#[test]
fn check_reports_all_problems_sorted_by_line() {
    let text = BASE
        .replace(
            r#"offices = ["sozialamt"]"#,
            r#"offices = ["sozialamt", "jobcenter"]"#,
        )
        .replace(r#"purposes = ["W01"]"#, r#"purposes = ["W02"]"#);
    let errors = Policy::check(&text, "two.toml").expect_err("two problems");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].message.contains("undeclared purpose \"W02\""));
    assert_eq!(errors[0].line, 29);
    assert!(errors[1].message.contains("unknown office \"jobcenter\""));
    assert_eq!(errors[1].line, 40);
    assert!(errors[0].line < errors[1].line);
}

//! Deletion deadlines of the hub's own stock: the `[[deletion]]` rules of a
//! policy, their due dates, which rule makes a record due, load-time
//! errors, and their place in the canonical form and hash.

use std::path::PathBuf;

use fldm_core::Error;
use fldm_core::date::{Datum, TeilbekanntesDatum};
use fldm_core::ids::FldmId;
use fldm_core::policy::{DeletionStart, PeriodStart, Policy, RetentionUnit};
use fldm_core::record::Person;

fn reference() -> Policy {
    Policy::load(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml"))
        .expect("reference policy loads")
}

fn day(s: &str) -> Datum {
    Datum::parse(s).expect("date")
}

fn person() -> Person {
    Person::new(FldmId::parse("P1").expect("id"))
}

fn departed(on: &str) -> Person {
    let mut p = person();
    p.aufenthalt.ausreisedatum = Some(day(on));
    p
}

/// The base policy of the broken-file corpus (two offices, two rules).
const BASE: &str = include_str!("policies/base.toml");

/// The base policy plus `deletions` at its end.
fn with(deletions: &str) -> String {
    format!("{BASE}\n{deletions}")
}

/// A valid deletion rule for the base policy.
const ONE: &str = r#"
[[deletion]]
id = "geburt"
start = "grundpersonalien.geburtsdatum"
period = "18 years"
period_start = "event"
legal_basis = { law = "X", section = "§ 1", citation = "Test." }
"#;

fn small(deletions: &str) -> Policy {
    Policy::from_str(&with(deletions), "small.toml").expect("valid")
}

#[test]
fn the_reference_policy_has_the_owner_deletion_rules() {
    let p = reference();
    let rules = p.deletion_rules();
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["abh-ausreise", "abh-tod", "abh-aktenruhe"]);
    let a = &rules[0];
    assert_eq!(
        a.start,
        DeletionStart::Attribute("aufenthalt.ausreisedatum")
    );
    assert_eq!((a.period.amount, a.period.unit), (10, RetentionUnit::Years));
    assert_eq!(a.period_start, PeriodStart::EndOfQuarter);
    assert_eq!(a.owners, ["auslaenderbehoerde"]);
    assert_eq!(a.legal_basis.to_string(), "§ 18 AZRG-DV");
    assert!(rules.iter().all(|r| !r.dpo_confirmed));
    let t = &rules[1];
    assert_eq!(t.start, DeletionStart::Attribute("aufenthalt.sterbedatum"));
    assert_eq!((t.period.amount, t.period.unit), (5, RetentionUnit::Years));
    let k = &rules[2];
    assert_eq!(k.start, DeletionStart::LastChange);
    assert_eq!(k.period_start, PeriodStart::Event);
    assert_eq!(k.legal_basis.to_string(), "§ 68 AufenthV");
    assert!(a.line < t.line && t.line < k.line && a.line > 300);
}

#[test]
fn due_date_counts_from_the_end_of_the_quarter() {
    let p = reference();
    let ausreise = &p.deletion_rules()[0];
    let last_change = day("2020-01-01");
    for (departure, due) in [
        ("2026-01-01", "2036-03-31"),
        ("2026-05-17", "2036-06-30"),
        ("2026-09-30", "2036-09-30"),
        ("2026-10-01", "2036-12-31"),
    ] {
        assert_eq!(
            ausreise.due_date(&departed(departure), last_change),
            Some(day(due)),
            "{departure}"
        );
    }
    // No departure date: the rule does not apply.
    assert_eq!(ausreise.due_date(&person(), last_change), None);
    // The last change starts the period of the Aktenruhe rule, on the day.
    let aktenruhe = &p.deletion_rules()[2];
    assert_eq!(
        aktenruhe.due_date(&person(), day("2026-05-17")),
        Some(day("2036-05-17"))
    );
}

#[test]
fn leap_days_clamp_to_the_end_of_february() {
    let p = small(
        r#"
[[deletion]]
id = "tod"
start = "aufenthalt.sterbedatum"
period = "1 year"
period_start = "event"
legal_basis = { law = "X", section = "§ 1", citation = "Test." }
"#,
    );
    let rule = &p.deletion_rules()[0];
    let mut dead = person();
    dead.aufenthalt.sterbedatum = Some(day("2024-02-29"));
    assert_eq!(
        rule.due_date(&dead, day("2024-03-01")),
        Some(day("2025-02-28"))
    );
    // From the end of the first quarter of a leap year instead.
    let q = small(
        r#"
[[deletion]]
id = "tod"
start = "aufenthalt.sterbedatum"
period = "1 month"
period_start = "end_of_quarter"
legal_basis = { law = "X", section = "§ 1", citation = "Test." }
"#,
    );
    assert_eq!(
        q.deletion_rules()[0].due_date(&dead, day("2024-03-01")),
        Some(day("2024-04-30"))
    );
}

#[test]
fn partial_start_dates_count_as_their_latest_day() {
    let p = small(ONE);
    let rule = &p.deletion_rules()[0];
    let born = |s: &str| {
        let mut p = person();
        p.grundpersonalien.geburtsdatum = Some(TeilbekanntesDatum::parse(s).expect("date"));
        p
    };
    let lc = day("2000-01-01");
    assert_eq!(
        rule.due_date(&born("2008-05-17"), lc),
        Some(day("2026-05-17"))
    );
    assert_eq!(rule.due_date(&born("2008"), lc), Some(day("2026-12-31")));
    assert_eq!(rule.due_date(&born("2008-02"), lc), Some(day("2026-02-28")));
    assert_eq!(rule.due_date(&born("2008-11"), lc), Some(day("2026-11-30")));
    assert_eq!(rule.due_date(&born("unbekannt"), lc), None);
    assert_eq!(rule.due_date(&person(), lc), None);
}

#[test]
fn deletion_due_picks_the_earliest_rule_that_is_due() {
    let p = reference();
    let lc = day("2020-01-01");
    let mut both = departed("2026-05-17"); // due 2036-06-30
    both.aufenthalt.sterbedatum = Some(day("2027-02-01")); // due 2032-03-31
    let due = p
        .deletion_due(&both, "auslaenderbehoerde", lc, day("2040-01-01"))
        .expect("due");
    assert_eq!(due.rule.id, "abh-aktenruhe"); // 2030-01-01
    assert_eq!(due.due_on, day("2030-01-01"));

    let lc = day("2035-01-01"); // Aktenruhe until 2045-01-01
    let due = p
        .deletion_due(&both, "auslaenderbehoerde", lc, day("2040-01-01"))
        .expect("due");
    assert_eq!(
        (due.rule.id.as_str(), due.due_on),
        ("abh-tod", day("2032-03-31"))
    );

    // Due on the day itself, not the day before.
    let one = departed("2026-05-17");
    assert!(
        p.deletion_due(&one, "auslaenderbehoerde", lc, day("2036-06-29"))
            .is_none()
    );
    let due = p
        .deletion_due(&one, "auslaenderbehoerde", lc, day("2036-06-30"))
        .expect("due on the day");
    assert_eq!(
        (due.rule.id.as_str(), due.due_on),
        ("abh-ausreise", day("2036-06-30"))
    );

    // The reference rules cover only the Ausländerbehörde's records.
    assert!(
        p.deletion_due(&one, "sozialamt", lc, day("2099-01-01"))
            .is_none()
    );
    assert!(p.deletion_rules()[0].applies_to_owner("auslaenderbehoerde"));
    assert!(!p.deletion_rules()[0].applies_to_owner("sozialamt"));
}

#[test]
fn deletion_due_ties_go_to_the_first_rule_in_the_file_and_owners_filter() {
    let rule = |id: &str, owners: &str| {
        format!(
            r#"
[[deletion]]
id = "{id}"
start = "aufenthalt.ausreisedatum"
period = "1 year"
period_start = "event"
{owners}
legal_basis = {{ law = "X", section = "§ 1", citation = "Test." }}
"#
        )
    };
    let text = format!(
        "{}{}{}",
        rule("zweite", "owners = [\"sozialamt\"]"),
        rule("b-erste", ""),
        rule("a-dritte", "")
    );
    let p = small(&text);
    assert!(p.deletion_rules()[1].owners.is_empty());
    let one = departed("2026-05-17");
    let lc = day("2020-01-01");
    let today = day("2030-01-01");
    let due = p.deletion_due(&one, "wohnungsamt", lc, today).expect("due");
    assert_eq!(
        (due.rule.id.as_str(), due.due_on),
        ("b-erste", day("2027-05-17"))
    );
    let due = p.deletion_due(&one, "sozialamt", lc, today).expect("due");
    assert_eq!(due.rule.id, "zweite");
}

/// Loading `deletions` after the base fails with a message on `line`
/// (counted from the start of the deletion text) naming `id` and `fragment`.
fn rejects(deletions: &str, line: usize, id: &str, fragment: &str) {
    let text = with(deletions);
    let err = Policy::from_str(&text, "d.toml").expect_err(fragment);
    let offset = BASE.lines().count() + 1;
    match &err {
        Error::PolicyFile {
            file,
            line: l,
            rule,
            message,
        } => {
            assert_eq!(file, "d.toml");
            assert_eq!(*l, offset + line, "line of {err}");
            assert_eq!(rule, &None, "{err}");
            assert!(
                message.starts_with(&format!("deletion rule \"{id}\": ")),
                "{err}"
            );
            assert!(message.contains(fragment), "expected {fragment:?} in {err}");
        }
        other => panic!("not a policy file error: {other:?}"),
    }
}

#[test]
fn load_errors_name_the_deletion_rule_and_the_line() {
    let rule = |field: &str, value: &str| {
        let mut lines = [
            "[[deletion]]".to_string(),
            "id = \"frist\"".to_string(),
            "start = \"aufenthalt.ausreisedatum\"".to_string(),
            "period = \"10 years\"".to_string(),
            "period_start = \"end_of_quarter\"".to_string(),
            "owners = [\"wohnungsamt\"]".to_string(),
            "legal_basis = { law = \"X\", section = \"§ 1\", citation = \"Test.\" }".to_string(),
        ];
        let i = lines
            .iter()
            .position(|l| l.starts_with(&format!("{field} ")))
            .expect(field);
        lines[i] = format!("{field} = {value}");
        (lines.join("\n"), i + 1)
    };
    // Each deletion text starts with a blank line, then the table.
    let check = |field: &str, value: &str, id: &str, fragment: &str| {
        let (text, line) = rule(field, value);
        rejects(&format!("\n{text}\n"), line + 1, id, fragment);
    };
    check(
        "start",
        "\"aufenthalt.abschiebedatum\"",
        "frist",
        "start \"aufenthalt.abschiebedatum\" is neither a catalogue attribute nor letzte_aenderung",
    );
    check(
        "start",
        "\"aufenthalt\"",
        "frist",
        "is neither a catalogue attribute",
    );
    check(
        "start",
        "\"grundpersonalien.familienname\"",
        "frist",
        "start \"grundpersonalien.familienname\" is not a date attribute",
    );
    check(
        "period",
        "\"zehn Jahre\"",
        "frist",
        "period \"zehn Jahre\" must be",
    );
    check(
        "period_start",
        "\"end_of_year\"",
        "frist",
        "period_start \"end_of_year\" must be \"end_of_quarter\" or \"event\"",
    );
    check(
        "owners",
        "[\"jobcenter\"]",
        "frist",
        "unknown office \"jobcenter\" in owners",
    );
    check("owners", "[]", "frist", "owners is empty");
    check(
        "id",
        "\"Frist 1\"",
        "Frist 1",
        "id must be 1 to 64 characters",
    );
    check(
        "legal_basis",
        "{ law = \"X\", section = \"§ 1\", citation = \" \" }",
        "frist",
        "legal_basis.citation is empty",
    );
    // Unknown keys and a missing legal basis: the serde errors name the rule.
    let (text, owners_line) = rule("owners", "[\"wohnungsamt\"]\nfrist = \"10 years\"");
    rejects(
        &format!("\n{text}\n"),
        owners_line + 2,
        "frist",
        "unknown field `frist`",
    );
    let (text, _) = rule("owners", "[\"wohnungsamt\"]");
    let without: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("legal_basis"))
        .collect();
    rejects(
        &format!("\n{}\n", without.join("\n")),
        2,
        "frist",
        "missing field `legal_basis`",
    );
    check(
        "id",
        "\"wohnungsamt-lesen\"",
        "wohnungsamt-lesen",
        "the id is already used by the [[rule]] on line 26",
    );
    // A duplicate id is reported at the second rule and names the first.
    let (text, _) = rule("id", "\"frist\"");
    rejects(
        &format!("\n{text}\n{text}\n"),
        10,
        "frist",
        "duplicate deletion rule id (first used on line",
    );
}

#[test]
fn a_rule_after_a_deletion_table_is_still_located() {
    // A serde error in a [[rule]] that follows a [[deletion]] names the rule.
    let text = format!(
        "{}\n[[rule]]\nid = \"spaet\"\noffices = [\"wohnungsamt\"]\noperations = [\"read\"]\npurposes = [\"70\"]\nattributes = [\"azr_nummer\"]\nretention = \"1 year\"\nfarbe = 1\nlegal_basis = {{ law = \"X\", section = \"§ 1\", citation = \"T.\" }}\n",
        with(ONE)
    );
    let err = Policy::from_str(&text, "r.toml").expect_err("unknown field");
    let Error::PolicyFile { rule, message, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(rule.as_deref(), Some("spaet"), "{err}");
    assert!(message.starts_with("unknown field `farbe`"), "{err}");
}

#[test]
fn deletion_rules_are_part_of_the_canonical_form_and_hash() {
    // Without deletion rules the canonical form has no deletion member, so
    // the hashes of existing policies stay what they were.
    let base = Policy::from_str(BASE, "base.toml").expect("valid");
    assert!(base.deletion_rules().is_empty());
    assert!(!base.canonical_json().contains("deletion"));
    assert_eq!(
        base.hash(),
        "655c6b1d06f8db4e7de678082c9e3f40944dcc20a0573c9471c68d6f86dceeb7"
    );

    let one = small(ONE);
    assert_ne!(one.hash(), base.hash());
    assert!(one.canonical_json().ends_with(
        r#""deletions":[{"id":"geburt","description":"","start":"grundpersonalien.geburtsdatum","period":"P18Y","period_start":"event","owners":[],"legal_basis":{"law":"X","section":"§ 1","citation":"Test."},"dpo_confirmed":false}]}"#
    ));

    // What a rule says changes the hash; its spelling does not.
    let respelled = ONE.replace(
        "legal_basis = { law = \"X\", section = \"§ 1\", citation = \"Test.\" }",
        "dpo_confirmed = false\n[deletion.legal_basis]\nlaw = \"X\"\nsection = \"§ 1\"\ncitation = \"Test.\"",
    );
    assert_eq!(small(&respelled).hash(), one.hash());
    for (from, to) in [
        ("18 years", "17 years"),
        ("\"event\"", "\"end_of_quarter\""),
        ("grundpersonalien.geburtsdatum", "aufenthalt.einreisedatum"),
        ("period = ", "dpo_confirmed = true\nperiod = "),
        ("period = ", "owners = [\"sozialamt\"]\nperiod = "),
        ("citation = \"Test.\"", "citation = \"Test 2.\""),
    ] {
        assert!(ONE.contains(from), "{from}");
        assert_ne!(small(&ONE.replacen(from, to, 1)).hash(), one.hash(), "{to}");
    }
    // Two rules in either order: the same canonical form.
    let two = ONE
        .replace("\"geburt\"", "\"andere\"")
        .replace("18 years", "2 years");
    assert_eq!(
        small(&format!("{ONE}{two}")).hash(),
        small(&format!("{two}{ONE}")).hash()
    );
}

#[test]
fn a_partial_date_is_never_due_before_any_day_it_may_stand_for() {
    // For every day of a leap year and the year after, with the period
    // counted from the day and from the end of its quarter: the year-month
    // and the year-only forms of the date are due no earlier than the full
    // date, and the full date is due after the day itself.
    for period_start in ["event", "end_of_quarter"] {
        for period in ["1 day", "1 month", "1 year"] {
            let p = small(
                &ONE.replace("\"event\"", &format!("\"{period_start}\""))
                    .replace("18 years", period),
            );
            let rule = &p.deletion_rules()[0];
            let due = |s: String| {
                let mut p = person();
                p.grundpersonalien.geburtsdatum =
                    Some(TeilbekanntesDatum::parse(&s).expect("date"));
                rule.due_date(&p, day("2000-01-01")).expect("due")
            };
            for y in [2024u16, 2025] {
                for m in 1..=12u8 {
                    for d in 1..=31u8 {
                        let Ok(full) = Datum::new(y, m, d) else {
                            continue;
                        };
                        let on_day = due(full.to_string());
                        let in_month = due(format!("{y}-{m:02}"));
                        let in_year = due(format!("{y}"));
                        assert!(on_day > full, "{full} {period} {period_start}");
                        assert!(on_day <= in_month, "{full} {period} {period_start}");
                        assert!(in_month <= in_year, "{full} {period} {period_start}");
                    }
                }
            }
        }
    }
}

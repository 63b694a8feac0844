//! The one rule per context header (`fldm_core::wire::headers::Rule`), as a
//! table: the client checks these values before sending, the hub on
//! receipt (see `fldm-hub/tests/audit_stages.rs` for one refusal on each
//! side). The table is the specification of `docs/hub.md` ("Headers").

use fldm_core::ValidationKind;
use fldm_core::wire::headers::{self, Rule};

#[test]
fn header_values_table() {
    let max = |n: usize| "a".repeat(n);
    let cases: Vec<(Rule, String, bool)> = vec![
        // FLDM-User: user-id characters, 1 to 128.
        (Rule::USER, "sachbearbeitung-1".into(), true),
        (Rule::USER, "m.mustermann@wohnungsamt".into(), true),
        (Rule::USER, "dvdv:wgb/0815 Team 2".into(), true),
        (Rule::USER, max(128), true),
        (Rule::USER, max(129), false),
        (Rule::USER, "user#1".into(), false),
        (Rule::USER, "Jürgen".into(), false),
        (Rule::USER, "".into(), false),
        // FLDM-Purpose: a code, 1 to 32.
        (Rule::PURPOSE, "70".into(), true),
        (Rule::PURPOSE, "W01".into(), true),
        (Rule::PURPOSE, max(32), true),
        (Rule::PURPOSE, max(33), false),
        (Rule::PURPOSE, "W 01".into(), false),
        (Rule::PURPOSE, "W\n01".into(), false),
        // FLDM-Case: printable ASCII, 1 to 100.
        (Rule::CASE, "56/2026-0007".into(), true),
        (Rule::CASE, "Az. 12 (3) #4".into(), true),
        (Rule::CASE, max(100), true),
        (Rule::CASE, max(101), false),
        (Rule::CASE, "WA-\u{e4}".into(), false),
        (Rule::CASE, "WA\t1".into(), false),
        (Rule::CASE, " WA-1".into(), false),
        // FLDM-Request-Id: a code, 1 to 64 (a UUID fits).
        (
            Rule::REQUEST_ID,
            "0f8e9c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b".into(),
            true,
        ),
        (Rule::REQUEST_ID, max(64), true),
        (Rule::REQUEST_ID, max(65), false),
        (Rule::REQUEST_ID, "id with space".into(), false),
        (Rule::REQUEST_ID, "r/1".into(), false),
        // Idempotency-Key: visible ASCII, 1 to 128.
        (Rule::IDEMPOTENCY_KEY, "batch-7/item#3".into(), true),
        (Rule::IDEMPOTENCY_KEY, max(128), true),
        (Rule::IDEMPOTENCY_KEY, max(129), false),
        (Rule::IDEMPOTENCY_KEY, "key 1".into(), false),
    ];
    for (rule, value, ok) in &cases {
        let got = rule.check(value);
        assert_eq!(got.is_ok(), *ok, "{} {value:?}: {got:?}", rule.header);
        if let Err(e) = got {
            assert_eq!(e.field, rule.field);
        }
    }
    // Every rule appears in the table, accepted and refused.
    for rule in Rule::ALL {
        assert!(cases.iter().any(|(r, _, ok)| *r == rule && *ok));
        assert!(cases.iter().any(|(r, _, ok)| *r == rule && !*ok));
    }
}

#[test]
fn errors_say_which_limit_was_broken() {
    let e = Rule::PURPOSE.check(&"7".repeat(33)).expect_err("too long");
    assert_eq!(e.kind, ValidationKind::TooLong { max: 32 });
    assert_eq!(
        Rule::CASE.check("").map_err(|e| e.kind),
        Err(ValidationKind::Empty)
    );
    assert_eq!(Rule::USER.header, headers::USER);
    assert!(
        Rule::PURPOSE
            .describe()
            .starts_with("FLDM-Purpose: 1 to 32")
    );
    // The case-reference rule is the policy's limit.
    assert_eq!(Rule::CASE.max, fldm_core::policy::MAX_CASE_REFERENCE_CHARS);
}

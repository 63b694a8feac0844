//! Request decoding (including its errors), options and profiles, and the
//! JSON forms of the views.

use serde_json::json;

use super::*;
use fldm_core::policy::Policy;
use fldm_core::wire::CorrectionStatus;

fn policy() -> Policy {
    Policy::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../policies/reference.toml"
    ))
    .expect("reference policy")
}

fn decode(v: serde_json::Value) -> Result<Request> {
    Request::from_json(&v.to_string())
}

/// The field and kind of a request error.
fn field_of(r: Result<Request>) -> (ErrorKind, Option<String>, String) {
    let e = r.expect_err("expected an error");
    (e.kind(), e.field().map(str::to_string), e.to_string())
}

#[test]
fn every_documented_op_decodes_with_the_documented_fields() {
    let cases = [
        json!({"op": "health"}),
        json!({"op": "get_person", "fldm_id": "P000000001", "purpose": "W01", "case_reference": "WA-1"}),
        json!({"op": "get_person", "azr_nummer": "260101000001", "purpose": "W01"}),
        json!({"op": "search", "query": {"familienname": "Ahmadi", "limit": 5}, "purpose": "W01"}),
        json!({"op": "update_address", "fldm_id": "P000000001", "purpose": "W01",
               "anschrift": {"strasse": "Hauptstraße", "hausnummer": "1", "postleitzahl": "50667", "ort": "Köln"},
               "idempotency_key": "k-1"}),
        json!({"op": "report_correction", "fldm_id": "P000000001", "purpose": "W01",
               "report": {"attributes": ["grundpersonalien.familienname"], "note": "spelling"}}),
        json!({"op": "corrections", "purpose": "70", "status": "open"}),
        json!({"op": "corrections", "purpose": "70", "status": null}),
        json!({"op": "decide_correction", "correction_id": 3, "status": "accepted", "purpose": "70"}),
        json!({"op": "changes_page", "purpose": "W01", "cursor": 10, "limit": 50}),
        json!({"op": "changes_page", "purpose": "W01", "cursor": null}),
        json!({"op": "access_report", "fldm_id": "P000000001", "purpose": "DS"}),
    ];
    for c in cases {
        let r = decode(c.clone()).unwrap_or_else(|e| panic!("{c}: {e}"));
        // The request encodes back to the same op.
        let back = serde_json::to_value(&r).expect("encode");
        assert_eq!(back["op"], c["op"], "{c}");
    }
    let r = decode(json!({"op": "decide_correction", "correction_id": 3, "status": "rejected", "purpose": "70"}))
        .expect("decode");
    match r {
        Request::DecideCorrection {
            correction_id,
            status,
            ..
        } => {
            assert_eq!(correction_id, 3);
            assert_eq!(status, CorrectionStatus::Rejected);
        }
        other => panic!("decoded as {other:?}"),
    }
}

#[test]
fn an_unknown_op_is_an_invalid_argument_naming_op() {
    let (kind, field, msg) = field_of(decode(json!({"op": "fly"})));
    assert_eq!(kind, ErrorKind::InvalidArgument);
    assert_eq!(field.as_deref(), Some("op"));
    assert!(
        msg.contains("unknown op") && msg.contains("get_person"),
        "{msg}"
    );
    let (_, field, _) = field_of(decode(json!({"purpose": "W01"})));
    assert_eq!(field.as_deref(), Some("op"));
    let (_, field, _) = field_of(decode(json!({"op": 7})));
    assert_eq!(field.as_deref(), Some("op"));
    let (_, field, _) = field_of(decode(json!(["health"])));
    assert_eq!(field.as_deref(), Some("op"));
}

#[test]
fn a_missing_field_is_named() {
    let (kind, field, msg) = field_of(decode(json!({
        "op": "decide_correction", "status": "accepted", "purpose": "W01", "case_reference": "WA-1"
    })));
    assert_eq!(kind, ErrorKind::InvalidArgument);
    assert_eq!(field.as_deref(), Some("correction_id"));
    assert!(msg.contains("correction_id"), "{msg}");
    let (_, field, _) = field_of(decode(json!({"op": "get_person", "fldm_id": "P000000001"})));
    assert_eq!(field.as_deref(), Some("purpose"));
}

#[test]
fn a_wrong_type_is_named_without_repeating_the_value() {
    let (kind, field, msg) = field_of(decode(json!({
        "op": "get_person", "fldm_id": "P000000001", "purpose": "W01", "case_reference": 5
    })));
    assert_eq!(kind, ErrorKind::InvalidArgument);
    assert_eq!(field.as_deref(), Some("case_reference"));
    assert!(msg.contains("expected"), "{msg}");
    let (_, field, msg) = field_of(decode(json!({
        "op": "decide_correction", "correction_id": "Müller", "status": "accepted", "purpose": "70"
    })));
    assert_eq!(field.as_deref(), Some("correction_id"));
    assert!(!msg.contains("Müller"), "the value leaked into {msg}");
    let (_, field, _) = field_of(decode(json!({
        "op": "changes_page", "purpose": "W01", "limit": 5_000_000_000u64
    })));
    assert_eq!(field.as_deref(), Some("limit"));
    let (_, field, _) = field_of(decode(json!({
        "op": "decide_correction", "correction_id": 1, "status": "maybe", "purpose": "70"
    })));
    assert_eq!(field.as_deref(), Some("status"));
}

#[test]
fn unknown_fields_are_errors_naming_the_field_or_its_parent() {
    let (_, field, msg) = field_of(decode(json!({
        "op": "health", "purpose": "W01"
    })));
    assert_eq!(field.as_deref(), Some("purpose"), "{msg}");
    let (_, field, _) = field_of(decode(json!({
        "op": "access_report", "fldm_id": "P000000001", "purpose": "DS", "fldmid": "x"
    })));
    assert_eq!(field.as_deref(), Some("fldmid"));
    // Inside a nested object: the request field that holds it.
    let (_, field, msg) = field_of(decode(json!({
        "op": "search", "purpose": "W01", "query": {"familienname": "A", "nickname": "B"}
    })));
    assert_eq!(field.as_deref(), Some("query"));
    assert!(msg.contains("nickname"), "{msg}");
    let (_, field, _) = field_of(decode(json!({
        "op": "report_correction", "purpose": "W01", "fldm_id": "P000000001",
        "report": {"attributes": []}
    })));
    assert_eq!(field.as_deref(), Some("report"));
}

#[test]
fn malformed_json_is_a_json_error_with_position() {
    let e = Request::from_json("{\"op\": ").expect_err("malformed");
    assert_eq!(e.kind(), ErrorKind::Json);
    assert!(e.to_string().contains("line 1"), "{e}");
}

#[test]
fn get_person_needs_exactly_one_id() {
    // Decoding accepts both; running refuses before anything is sent.
    let both = decode(
        json!({"op": "get_person", "fldm_id": "P000000001", "azr_nummer": "260101000001", "purpose": "W01"}),
    );
    assert!(both.is_ok());
}

#[test]
fn correction_status_and_operation_parse_or_name_their_field() {
    assert_eq!(
        parse_correction_status("accepted").expect("ok"),
        CorrectionStatus::Accepted
    );
    let e = parse_correction_status("done").expect_err("bad");
    assert_eq!(e.field(), Some("status"));
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = parse_operation("fly").expect_err("bad");
    assert_eq!(e.field(), Some("operation"));
}

#[test]
fn options_require_an_explicit_journal_choice() {
    let mut o = ClientOptions {
        base_url: Some("https://127.0.0.1:9".into()),
        ca: Some("/nonexistent/ca.pem".into()),
        cert: Some("/nonexistent/c.pem".into()),
        key: Some("/nonexistent/k.pem".into()),
        user: Some("u".into()),
        ..ClientOptions::default()
    };
    let e = Error::from(o.builder().expect_err("no journal choice"));
    assert_eq!(e.kind(), ErrorKind::Config);
    assert_eq!(e.field(), Some("journal_dir"));
    o.set_no_journal();
    assert!(o.builder().is_ok());
    o.set_journal_dir("/tmp/j");
    assert!(!o.no_journal);
    o.no_journal = true;
    let e = Error::from(o.builder().expect_err("contradiction"));
    assert_eq!(e.field(), Some("no_journal"));
    // Building reads the files: the missing CA is named.
    o.set_no_journal();
    let e = Error::from(o.connect().expect_err("no CA file"));
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
    let e = Error::from(
        ClientOptions::default()
            .builder()
            .expect_err("empty options"),
    );
    assert_eq!(e.field(), Some("base_url"));
}

#[test]
fn options_have_one_json_form() {
    let o: ClientOptions = serde_json::from_value(json!({
        "base_url": "https://hub:8443", "ca": "ca.pem", "cert": "c.pem", "key": "k.pem",
        "user": "u", "office": "wohnungsamt", "timeout_ms": 5000, "max_attempts": 1,
        "journal_dir": "j"
    }))
    .expect("options");
    assert_eq!(o.timeout_ms, Some(5000));
    assert!(!o.no_journal);
    let e = serde_json::from_value::<ClientOptions>(json!({"base_url": "x", "retries": 3}))
        .expect_err("unknown field");
    assert!(e.to_string().contains("retries"), "{e}");
}

#[test]
fn profiles_resolve_paths_and_keep_the_purpose() {
    let text = "base_url = \"https://127.0.0.1:8443\"\nca = \"ca.pem\"\ncert = \"/abs/c.pem\"\n\
                key = \"k.pem\"\noffice = \"wohnungsamt\"\nuser = \"demo\"\n\
                journal_dir = \"journal\"\npurpose = \"W01\"\n";
    let mut p = Profile::from_toml(text).expect("profile");
    p.resolve_paths(std::path::Path::new("/pki"));
    assert_eq!(p.purpose.as_deref(), Some("W01"));
    assert_eq!(
        p.options.ca.as_deref(),
        Some(std::path::Path::new("/pki/ca.pem"))
    );
    assert_eq!(
        p.options.cert.as_deref(),
        Some(std::path::Path::new("/abs/c.pem"))
    );
    assert_eq!(
        p.options.journal_dir.as_deref(),
        Some(std::path::Path::new("/pki/journal"))
    );
    let e = Profile::from_toml("base_url = \"x\"\nproxy = \"y\"\n").expect_err("unknown key");
    assert!(e.to_string().contains("proxy"), "{e}");
    let e = Profile::from_toml("purpose = 70\n").expect_err("purpose type");
    assert!(e.to_string().contains("purpose"), "{e}");
}

#[test]
fn explain_rows_give_retention_as_iso_8601_and_as_text() {
    let rows = explain_rows(&policy(), None, None);
    let with = rows
        .iter()
        .find(|r| r.retention.is_some())
        .expect("a rule with retention");
    let v = serde_json::to_value(with).expect("encode");
    let iso = v["retention"].as_str().expect("string");
    assert!(iso.starts_with('P') && !iso.contains(' '), "{iso}");
    let text = v["retention_text"].as_str().expect("string");
    assert!(
        text.ends_with("years") || text.ends_with("months") || text.ends_with("days"),
        "{text}"
    );
    for key in [
        "office",
        "office_name",
        "purpose",
        "purpose_name",
        "operation",
        "rule_id",
        "attributes",
        "transformations",
        "legal_basis",
        "case_reference_required",
        "retention_note",
    ] {
        assert!(v.get(key).is_some(), "explain row lacks {key}");
    }
    let json_text = explain(&policy(), Some("wohnungsamt"), None, "json").expect("json");
    let parsed: Vec<view::ExplainRowView> = serde_json::from_str(&json_text).expect("rows");
    assert!(parsed.iter().all(|r| r.office == "wohnungsamt"));
    let e = explain(&policy(), None, None, "pdf").expect_err("format");
    assert_eq!(e.field(), Some("format"));
}

#[test]
fn permits_and_denials_have_one_json_form() {
    let p = policy();
    let permit = permit(
        &p,
        "wohnungsamt",
        "read",
        Some("W01"),
        Some("WA-1"),
        Some("2026-06-01"),
    )
    .expect("permit");
    let v = serde_json::to_value(view::PermitView::from(&permit)).expect("encode");
    assert_eq!(v["rule_id"], "wohnungsamt-identifikation");
    assert_eq!(v["operation"], "read");
    assert!(v["legal_basis"]["law"].is_string());
    assert!(v["attributes"].as_array().is_some_and(|a| !a.is_empty()));
    let d = decide(
        &p,
        "wohnungsamt",
        "read",
        Some("W01"),
        None,
        Some("2026-06-01"),
    )
    .expect("decision");
    let v = serde_json::to_value(view::DecisionView::from(&d)).expect("encode");
    assert_eq!(v["permitted"], false);
    assert_eq!(v["reason"], "case_reference_required");
    let d = decide(
        &p,
        "wohnungsamt",
        "read",
        Some("W01"),
        Some("WA-1"),
        Some("2026-06-01"),
    )
    .expect("decision");
    let v = serde_json::to_value(view::DecisionView::from(&d)).expect("encode");
    assert_eq!(v["permitted"], true);
    assert_eq!(v["rule_id"], "wohnungsamt-identifikation");
    let e = super::permit(
        &p,
        "wohnungsamt",
        "read",
        Some("W01"),
        None,
        Some("2026-06-01"),
    )
    .expect_err("denied");
    assert_eq!(e.kind(), ErrorKind::PolicyDenied);
    assert_eq!(e.reason(), Some("case_reference_required"));
    let e = decide(
        &p,
        "wohnungsamt",
        "read",
        Some("W01"),
        None,
        Some("2026-13-01"),
    )
    .expect_err("bad date");
    assert_eq!(e.field(), Some("date"));
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn the_error_view_carries_code_message_request_id_field_and_reason() {
    let e = Error::Client(crate::Error::InvalidInput {
        field: Some("anschrift.postleitzahl".into()),
        message: "must be 5 digits".into(),
        request_id: "req-1".into(),
    });
    let v = serde_json::to_value(e.view()).expect("encode");
    assert_eq!(
        v,
        json!({
            "code": "invalid_input",
            "message": e.to_string(),
            "request_id": "req-1",
            "field": "anschrift.postleitzahl",
        })
    );
    let e = Error::Client(crate::Error::Denied {
        reason: "no_matching_rule".into(),
        message: "no rule".into(),
        request_id: "req-2".into(),
    });
    let v = e.view();
    assert_eq!(v.code, ErrorKind::PolicyDenied);
    assert_eq!(v.request_id.as_deref(), Some("req-2"));
    assert_eq!(v.reason.as_deref(), Some("no_matching_rule"));
    // Local errors have no request id; the absent keys are left out.
    let e = Error::request("op", "unknown op");
    let v = serde_json::to_value(e.view()).expect("encode");
    assert_eq!(
        v,
        json!({"code": "invalid_argument", "message": "unknown op", "field": "op"})
    );
    let e = Error::Tampered {
        problems: vec!["entry 3: hash mismatch".into()],
    };
    let v = e.view();
    assert_eq!(v.code, ErrorKind::AuditTampered);
    assert_eq!(v.problems.len(), 1);
    assert!(v.message.contains("entry 3"), "{}", v.message);
    for k in [
        ErrorKind::InvalidArgument,
        ErrorKind::AuditTampered,
        ErrorKind::Unreachable,
    ] {
        assert_eq!(serde_json::to_value(k).expect("encode"), json!(k.as_str()));
    }
}

#[test]
fn hub_answers_keep_their_wire_form() {
    let page = view::ChangesPage {
        request_id: "r".into(),
        decision: fldm_core::wire::DecisionInfo {
            rule_id: "x".into(),
            legal_basis: view::LegalBasisInfo {
                law: "AZRG".into(),
                section: "§ 14".into(),
                citation: "c".into(),
            },
            policy_hash: "h".into(),
            attributes: vec![],
            transformations: vec![],
        },
        changes: vec![],
        next_cursor: 7,
        has_more: false,
    };
    let v = serde_json::to_value(Response::ChangesPage(page)).expect("encode");
    assert_eq!(v["next_cursor"], 7);
    assert_eq!(v["has_more"], false);
    let v = serde_json::to_value(Response::Corrections(view::CorrectionsView {
        corrections: vec![],
    }))
    .expect("encode");
    assert_eq!(v, json!({"corrections": []}));
}

#[test]
fn local_errors_say_where_in_the_input_they_are() {
    let e = Error::from(
        Policy::from_str("format_version = 1\nid = \"x\"\nbogus = [\n", "broken.toml")
            .expect_err("broken policy"),
    );
    assert_eq!(e.kind(), ErrorKind::PolicyFile);
    let v = serde_json::to_value(e.view()).expect("encode");
    assert_eq!(v["file"], "broken.toml", "{v}");
    assert!(v["line"].as_u64().is_some_and(|l| l >= 1), "{v}");
    let e = parse_json::<fldm_core::wire::SearchRequest>("{\"familienname\": 5}")
        .expect_err("wrong type");
    assert_eq!(e.kind(), ErrorKind::Json);
    assert_eq!(e.field(), Some("familienname"));
    let at = e.location();
    assert_eq!(at.line, Some(1));
    assert!(at.column.is_some());
    assert_eq!(at.record_index, None);
}

#[test]
fn life_cycle_ops_decode_with_the_documented_fields() {
    let cases = [
        json!({"op": "import_persons", "purpose": "70", "case_reference": "ABH-1",
               "records": [{"aktenzeichen": "ABH-1/26"}]}),
        json!({"op": "import_file", "purpose": "70", "path": "stock.xml", "format": "xml"}),
        json!({"op": "import_file", "purpose": "70", "path": "stock.jsonl", "format": null}),
        json!({"op": "create_person", "purpose": "70", "record": {"aktenzeichen": "ABH-1/26"}}),
        json!({"op": "update_person", "purpose": "70", "expected_version": 3,
               "record": {"fldm_id": "P000000001", "aktenzeichen": "ABH-1/26"}}),
        json!({"op": "delete_person", "purpose": "70", "fldm_id": "P000000001", "reason": "wegzug"}),
        json!({"op": "merge_persons", "purpose": "70", "survivor": "P000000001", "duplicate": "P000000002"}),
        json!({"op": "acknowledge_deletion", "purpose": "W01", "fldm_id": "P000000002",
               "reason": "doppelerfassung", "at": "2026-12-03T10:00:00.000Z",
               "merged_into": "P000000001", "action": "relinked", "to": "P000000001"}),
        json!({"op": "acknowledge_deletion", "purpose": "W01", "fldm_id": "P000000002",
               "reason": "tod", "at": "2026-12-03T10:00:00.000Z", "action": "deleted"}),
    ];
    for c in cases {
        let r = decode(c.clone()).unwrap_or_else(|e| panic!("{c}: {e}"));
        let back = serde_json::to_value(&r).expect("encode");
        assert_eq!(back["op"], c["op"], "{c}");
    }
    match decode(
        json!({"op": "delete_person", "purpose": "70", "fldm_id": "P1", "reason": "frist"}),
    )
    .expect("decode")
    {
        Request::DeletePerson { reason, .. } => {
            assert_eq!(reason, fldm_core::lifecycle::DeletionReason::Frist);
        }
        other => panic!("decoded as {other:?}"),
    }
}

#[test]
fn an_unknown_reason_format_or_action_is_named_without_its_value() {
    let (kind, field, msg) = field_of(decode(json!({
        "op": "delete_person", "purpose": "70", "fldm_id": "P000000001", "reason": "Umzug-Müller"
    })));
    assert_eq!(kind, ErrorKind::InvalidArgument);
    assert_eq!(field.as_deref(), Some("reason"));
    assert!(!msg.contains("Müller"), "the value leaked into {msg}");
    assert!(msg.contains("frist"), "the message lists the codes: {msg}");
    let (_, field, _) = field_of(decode(json!({
        "op": "import_file", "purpose": "70", "path": "a.csv", "format": "csv"
    })));
    assert_eq!(field.as_deref(), Some("format"));
    let (_, field, _) = field_of(decode(json!({
        "op": "acknowledge_deletion", "purpose": "W01", "fldm_id": "P1", "reason": "tod",
        "at": "2026-12-03T10:00:00.000Z", "action": "ignored"
    })));
    assert_eq!(field.as_deref(), Some("action"));
    let (_, field, _) = field_of(decode(json!({
        "op": "merge_persons", "purpose": "70", "survivor": "P1"
    })));
    assert_eq!(field.as_deref(), Some("duplicate"));
}

#[test]
fn the_import_report_has_one_json_form() {
    use fldm_core::wire::{ImportCounts, ImportItem, ImportOutcome, ImportRefusal};
    let report = crate::ImportReport {
        counts: ImportCounts {
            created: 2,
            updated: 1,
            unchanged: 0,
            refused: 2,
        },
        refused: vec![
            ImportItem {
                index: 3,
                outcome: ImportOutcome::Refused,
                fldm_id: None,
                field: Some("grundpersonalien.geburtsdatum".into()),
                reason: Some(ImportRefusal::Invalid),
            },
            ImportItem {
                index: 7,
                outcome: ImportOutcome::Refused,
                fldm_id: None,
                field: None,
                reason: Some(ImportRefusal::NotOwner),
            },
        ],
        batches: 1,
    };
    let v = serde_json::to_value(Response::Import(view::ImportReportView::from(&report)))
        .expect("encode");
    assert_eq!(
        v,
        json!({"created": 2, "updated": 1, "unchanged": 0, "refused": 2, "batches": 1,
               "refusals": [
                   {"index": 3, "field": "grundpersonalien.geburtsdatum", "reason": "invalid"},
                   {"index": 7, "field": null, "reason": "not_owner"}]})
    );
}

/// A blocking client with a journal for a hub that is never contacted.
fn offline_client(dir: &std::path::Path) -> crate::blocking::HubClient {
    let pki = fldm_tls::generate_dev_pki(&[], &[("wohnungsamt", "wohnungsamt")]).expect("pki");
    pki.write_to(dir).expect("write pki");
    let o = ClientOptions {
        base_url: Some("https://127.0.0.1:9".into()),
        ca: Some(dir.join("ca.pem")),
        cert: Some(dir.join("wohnungsamt.pem")),
        key: Some(dir.join("wohnungsamt-key.pem")),
        user: Some("sb-17".into()),
        office: Some("wohnungsamt".into()),
        journal_dir: Some(dir.join("journal")),
        max_attempts: Some(1),
        ..ClientOptions::default()
    };
    o.connect().expect("client")
}

fn journal_records(dir: &std::path::Path) -> Vec<fldm_core::audit::AuditRecord> {
    fldm_core::audit::read_entries(dir.join("journal"))
        .expect("journal")
        .into_iter()
        .filter_map(|e| match e {
            fldm_core::audit::ReadEntry::Entry(e) => Some(e.record),
            _ => None,
        })
        .collect()
}

#[test]
fn acknowledging_a_deletion_writes_one_journal_record_and_sends_nothing() {
    let dir = std::env::temp_dir().join(format!("fldm-bridge-{}", uuid::Uuid::new_v4()));
    let client = offline_client(&dir);
    let out = call_json(
        &client,
        &json!({"op": "acknowledge_deletion", "purpose": "W01", "case_reference": "WA-7",
                "fldm_id": "P000000002", "reason": "doppelerfassung",
                "at": "2026-12-03T10:00:00.000Z", "merged_into": "P000000001",
                "action": "relinked", "to": "P000000001"})
        .to_string(),
    )
    .expect("acknowledged");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v,
        json!({"fldm_id": "P000000002", "action": "relinked", "to": "P000000001", "journaled": true})
    );
    call_json(
        &client,
        &json!({"op": "acknowledge_deletion", "purpose": "W01", "fldm_id": "P000000003",
                "reason": "tod", "at": "2026-12-03T10:00:00.000Z", "action": "deleted"})
        .to_string(),
    )
    .expect("acknowledged");
    // Relinked without a target, or deleted with one: the request names `to`.
    for bad in [
        json!({"op": "acknowledge_deletion", "purpose": "W01", "fldm_id": "P000000003",
               "reason": "tod", "at": "x", "action": "relinked"}),
        json!({"op": "acknowledge_deletion", "purpose": "W01", "fldm_id": "P000000003",
               "reason": "tod", "at": "x", "action": "deleted", "to": "P000000001"}),
    ] {
        let e = call_json(&client, &bad.to_string()).expect_err("refused");
        assert_eq!(e.field(), Some("to"), "{bad}");
    }
    // No purpose: refused like every call, nothing journaled.
    let e = call_json(
        &client,
        &json!({"op": "acknowledge_deletion", "purpose": " ", "fldm_id": "P000000003",
                "reason": "tod", "at": "x", "action": "deleted"})
        .to_string(),
    )
    .expect_err("no purpose");
    assert_eq!(e.kind(), ErrorKind::MissingContext);
    let records = journal_records(&dir);
    let ops: Vec<(&str, Option<&str>, Option<&str>)> = records
        .iter()
        .map(|r| {
            (
                r.operation.as_str(),
                r.outcome.reason.as_deref(),
                r.case_reference.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        vec![
            ("combine", Some("doppelerfassung"), Some("WA-7")),
            ("delete", Some("tod"), None)
        ]
    );
    assert!(records.iter().all(|r| r.subject_ref.is_some()
        && r.stage == fldm_core::audit::Stage::Client
        && r.purpose == "W01"));
    // Pseudonyms only: no FLDM id in the journal.
    let bytes = std::fs::read(dir.join("journal/entries.log")).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&bytes).contains("P000000002"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn records_that_cannot_be_decoded_are_refused_before_anything_is_sent() {
    let dir = std::env::temp_dir().join(format!("fldm-bridge-{}", uuid::Uuid::new_v4()));
    let client = offline_client(&dir);
    // Every record is refused locally, so no request goes to the (absent) hub.
    let out = call_json(
        &client,
        &json!({"op": "import_persons", "purpose": "70", "records": [
            {"aktenzeichen": "ABH-1/26", "grundpersonalien": {"geburtsdatum": "1990-02-30"}},
            {"aktenzeichen": "ABH-2/26", "unbekannt": 1},
            [1, 2]
        ]})
        .to_string(),
    )
    .expect("report");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["refused"], 3, "{v}");
    assert_eq!(v["batches"], 0, "{v}");
    let refusals = v["refusals"].as_array().expect("refusals");
    let indices: Vec<u64> = refusals
        .iter()
        .filter_map(|r| r["index"].as_u64())
        .collect();
    assert_eq!(indices, vec![0, 1, 2]);
    assert_eq!(refusals[0]["field"], "grundpersonalien.geburtsdatum");
    assert!(refusals.iter().all(|r| r["reason"] == "invalid"));
    assert!(!out.contains("1990"), "{out}");
    // The same from a file, in both formats.
    let jsonl = dir.join("stock.jsonl");
    std::fs::write(
        &jsonl,
        "{\"aktenzeichen\":\"ABH-1/26\",\"x\":1}\n\n{\"azr_nummer\":\"1\"}\n",
    )
    .expect("write");
    let xml = dir.join("stock.xml");
    std::fs::write(
        &xml,
        "<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\
         <fldm:person><fldm:azrNummer>231317000123</fldm:azrNummer></fldm:person>\
         </fldm:personen>",
    )
    .expect("write");
    for (path, refused) in [(&jsonl, 2), (&xml, 1)] {
        let out = call_json(
            &client,
            &json!({"op": "import_file", "purpose": "70", "path": path}).to_string(),
        )
        .expect("report");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["refused"], refused, "{v}");
        assert_eq!(v["batches"], 0, "{v}");
    }
    // A missing file is an I/O error; malformed XML names the record.
    let e = call_json(
        &client,
        &json!({"op": "import_file", "purpose": "70", "path": dir.join("missing.jsonl")})
            .to_string(),
    )
    .expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::Io);
    std::fs::write(
        &xml,
        "<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\"><fldm:person>",
    )
    .expect("write");
    let e = call_json(
        &client,
        &json!({"op": "import_file", "purpose": "70", "path": xml, "format": "xml"}).to_string(),
    )
    .expect_err("malformed");
    assert_eq!(e.kind(), ErrorKind::Xml, "{e}");
    assert_eq!(e.location().record_index, Some(0), "{e}");
    // Nothing was sent, so nothing was journaled.
    assert_eq!(client.journal_len(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

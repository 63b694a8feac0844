//! Unit tests of the C ABI, calling the entry points as C would.

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use super::*;

fn policy_path() -> CString {
    CString::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../policies/reference.toml"
    ))
    .expect("path")
}

fn c(s: &str) -> CString {
    CString::new(s).expect("no NUL")
}

/// Code and message of an error, freeing it.
fn take(e: *mut fldm_error) -> (i32, String) {
    assert!(!e.is_null(), "expected an error");
    // SAFETY: a live error from the library.
    unsafe {
        let code = fldm_error_code(e);
        let msg = CStr::from_ptr(fldm_error_message(e))
            .to_str()
            .expect("UTF-8")
            .to_string();
        fldm_error_free(e);
        (code, msg)
    }
}

fn ok(e: *mut fldm_error) {
    if !e.is_null() {
        let (code, msg) = take(e);
        panic!("unexpected error {code}: {msg}");
    }
}

fn owned(s: *mut c_char) -> String {
    assert!(!s.is_null());
    // SAFETY: an owned string from the library.
    unsafe {
        let r = CStr::from_ptr(s).to_str().expect("UTF-8").to_string();
        fldm_string_free(s);
        r
    }
}

fn load_policy() -> *mut fldm_policy {
    let mut p = ptr::null_mut();
    // SAFETY: valid arguments.
    ok(unsafe { fldm_policy_load(policy_path().as_ptr(), &mut p) });
    p
}

fn permit(
    p: *const fldm_policy,
    office: &str,
    purpose: &str,
    case: Option<&str>,
) -> *mut fldm_error {
    let mut out = ptr::null_mut();
    let case = case.map(c);
    // SAFETY: valid arguments.
    let e = unsafe {
        fldm_policy_decide(
            p,
            c(office).as_ptr(),
            c("read").as_ptr(),
            c(purpose).as_ptr(),
            case.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            c("2026-06-01").as_ptr(),
            &mut out,
        )
    };
    if e.is_null() {
        // SAFETY: a live permit.
        unsafe { fldm_permit_free(out) };
    }
    e
}

fn record() -> String {
    let p = fldm_synth::population(1, 7).remove(0);
    fldm_core::codec::json::person_to_json(&p)
}

#[test]
fn version_constants_match_the_crate_version() {
    let v = format!("{FLDM_VERSION_MAJOR}.{FLDM_VERSION_MINOR}.{FLDM_VERSION_PATCH}");
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/fldm.h"))
        .expect("include/fldm.h");
    let define = format!(
        "#define FLDM_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(header.contains(&define), "header lacks {define}");
    // SAFETY: static string.
    let linked = unsafe { CStr::from_ptr(fldm_version()) };
    assert_eq!(linked.to_str().expect("UTF-8"), env!("CARGO_PKG_VERSION"));
}

#[test]
fn null_pointers_are_errors_and_out_params_stay_untouched() {
    let mut out: *mut fldm_policy = ptr::dangling_mut::<fldm_policy>();
    // SAFETY: NULL is what is tested.
    let (code, msg) = take(unsafe { fldm_policy_load(ptr::null(), &mut out) });
    assert_eq!(code, FLDM_E_NULL_ARGUMENT);
    assert!(msg.contains("path"), "{msg}");
    assert_eq!(
        out,
        ptr::dangling_mut::<fldm_policy>(),
        "out written on failure"
    );
    // SAFETY: NULL out pointer is what is tested.
    let (code, msg) = take(unsafe { fldm_policy_load(policy_path().as_ptr(), ptr::null_mut()) });
    assert_eq!(code, FLDM_E_NULL_ARGUMENT);
    assert!(msg.contains("out"), "{msg}");
    // The NULL-tolerant functions.
    // SAFETY: NULL is allowed.
    unsafe {
        fldm_policy_free(ptr::null_mut());
        fldm_person_free(ptr::null_mut());
        fldm_string_free(ptr::null_mut());
        fldm_error_free(ptr::null_mut());
        fldm_client_free(ptr::null_mut());
        assert_eq!(fldm_error_code(ptr::null()), 0);
        assert!(fldm_error_message(ptr::null()).is_null());
    }
}

#[test]
fn invalid_utf8_is_its_own_error() {
    let bad = CString::new(vec![b'{', 0xff, 0xfe, b'}']).expect("no NUL");
    let mut out = ptr::null_mut();
    // SAFETY: valid pointers, invalid text.
    let (code, msg) = take(unsafe { fldm_person_from_json(bad.as_ptr(), &mut out) });
    assert_eq!(code, FLDM_E_INVALID_UTF8);
    assert!(msg.contains("json") && msg.contains("UTF-8"), "{msg}");
    assert!(out.is_null());
}

#[test]
fn a_panic_becomes_an_error() {
    let (code, msg) = take(fldm_test_panic());
    assert_eq!(code, FLDM_E_PANIC);
    assert!(msg.contains("panic"), "{msg}");
    // The library keeps working after a caught panic.
    let p = load_policy();
    // SAFETY: live policy.
    unsafe { fldm_policy_free(p) };
}

#[test]
fn denials_carry_the_reason_code() {
    let p = load_policy();
    ok(permit(p, "wohnungsamt", "W01", Some("WA-1")));
    let e = permit(p, "wohnungsamt", "W01", None);
    // SAFETY: live error.
    let reason = unsafe { CStr::from_ptr(fldm_error_reason(e)) }
        .to_str()
        .expect("UTF-8")
        .to_string();
    assert_eq!(reason, "case_reference_required");
    let (code, msg) = take(e);
    assert_eq!(code, FLDM_E_POLICY_DENIED);
    assert!(msg.contains("case reference"), "{msg}");
    let (code, _) = take(permit(p, "wohnungsamt", "27", Some("X")));
    assert_eq!(code, FLDM_E_POLICY_DENIED);
    // SAFETY: live policy.
    unsafe { fldm_policy_free(p) };
}

#[test]
fn apply_json_discloses_only_the_permitted_attributes() {
    let p = load_policy();
    let mut permit = ptr::null_mut();
    let rec = c(&record());
    let mut out = ptr::null_mut();
    let mut nanos = 0u64;
    // SAFETY: valid arguments throughout.
    unsafe {
        ok(fldm_policy_decide(
            p,
            c("wohnungsamt").as_ptr(),
            c("read").as_ptr(),
            c("W01").as_ptr(),
            c("WA-1").as_ptr(),
            ptr::null(),
            &mut permit,
        ));
        ok(fldm_permit_apply_json(permit, rec.as_ptr(), &mut out));
        ok(fldm_bench_rust_apply_json(
            permit,
            rec.as_ptr(),
            3,
            &mut nanos,
        ));
    }
    let disclosed: serde_json::Value = serde_json::from_str(&owned(out)).expect("JSON");
    let keys: Vec<&String> = disclosed.as_object().expect("object").keys().collect();
    for k in &keys {
        assert!(
            ["fldm_id", "grundpersonalien", "anschrift"].contains(&k.as_str()),
            "disclosed {k}"
        );
    }
    let gp = disclosed["grundpersonalien"].as_object().expect("gp");
    assert!(!gp.contains_key("geburtsort"));
    assert!(!gp.contains_key("doktorgrad"));
    assert!(nanos > 0);
    // SAFETY: live handles.
    unsafe {
        fldm_permit_free(permit);
        fldm_policy_free(p);
    }
}

#[test]
fn person_accessors_return_owned_text_or_null() {
    let rec = c(&record());
    let mut p = ptr::null_mut();
    let mut s = ptr::null_mut();
    let mut n = 0usize;
    // SAFETY: valid arguments throughout.
    unsafe {
        ok(fldm_person_from_json(rec.as_ptr(), &mut p));
        ok(fldm_person_fldm_id(p, &mut s));
        assert!(owned(s).starts_with('P'));
        ok(fldm_person_geschlecht(p, &mut s));
        let g = owned(s);
        assert!(["m", "w", "x", "d"].contains(&g.as_str()), "{g}");
        ok(fldm_person_nationality_count(p, &mut n));
        assert!(n >= 1);
        ok(fldm_person_nationality_at(p, 0, &mut s));
        assert_eq!(owned(s).len(), 3);
        let (code, _) = take(fldm_person_nationality_at(p, n, &mut s));
        assert_eq!(code, FLDM_E_INVALID_ARGUMENT);
        fldm_person_free(p);
    }
}

#[test]
fn a_missing_certificate_file_is_a_configuration_error() {
    let mut cfg = ptr::null_mut();
    let mut client = ptr::null_mut();
    // SAFETY: valid arguments throughout.
    unsafe {
        ok(fldm_client_config_new(
            c("https://127.0.0.1:9").as_ptr(),
            &mut cfg,
        ));
        ok(fldm_client_config_set_ca_file(
            cfg,
            c("/nonexistent/ca.pem").as_ptr(),
        ));
        ok(fldm_client_config_set_identity_files(
            cfg,
            c("/nonexistent/c.pem").as_ptr(),
            c("/nonexistent/k.pem").as_ptr(),
        ));
        ok(fldm_client_config_set_user(cfg, c("u").as_ptr()));
        ok(fldm_client_config_set_no_journal(cfg));
        let (code, msg) = take(fldm_client_new(cfg, &mut client));
        assert_eq!(code, FLDM_E_CONFIG);
        assert!(msg.contains("/nonexistent/ca.pem"), "{msg}");
        assert!(client.is_null());
        fldm_client_config_free(cfg);
    }
}

#[test]
fn audit_and_explain_errors_have_their_codes() {
    let mut s = ptr::null_mut();
    let mut index = 0u64;
    let key = c(concat!(env!("CARGO_MANIFEST_DIR"), "/nonexistent.pub"));
    // SAFETY: valid arguments throughout.
    unsafe {
        let (code, msg) = take(fldm_audit_verify_dir(
            c("/nonexistent-journal").as_ptr(),
            key.as_ptr(),
            &mut s,
        ));
        assert_eq!(code, FLDM_E_IO, "{msg}");
        assert!(s.is_null());
        let p = load_policy();
        ok(fldm_policy_explain(
            p,
            c("wohnungsamt").as_ptr(),
            ptr::null(),
            c("json").as_ptr(),
            &mut s,
        ));
        let rows: serde_json::Value = serde_json::from_str(&owned(s)).expect("JSON");
        assert!(
            rows.as_array()
                .expect("array")
                .iter()
                .any(|r| r["rule_id"] == "wohnungsamt-identifikation")
        );
        let mut s2 = ptr::null_mut();
        let (code, _) = take(fldm_policy_explain(
            p,
            ptr::null(),
            ptr::null(),
            c("pdf").as_ptr(),
            &mut s2,
        ));
        assert_eq!(code, FLDM_E_INVALID_ARGUMENT);
        assert!(s2.is_null());
        fldm_policy_free(p);
        let (code, msg) = take(fldm_audit_verify_bundle(
            c("{}").as_ptr(),
            key.as_ptr(),
            &mut index,
        ));
        assert_eq!(code, FLDM_E_IO, "{msg}");
        assert_eq!(index, 0);
    }
}

/// The text of a borrowed getter of an error, or `None` for NULL.
fn getter(
    e: *const fldm_error,
    get: unsafe extern "C" fn(*const fldm_error) -> *const c_char,
) -> Option<String> {
    // SAFETY: a live error; the getter returns NULL or a borrowed string.
    let p = unsafe { get(e) };
    // SAFETY: non-null borrowed strings are NUL-terminated.
    (!p.is_null()).then(|| {
        unsafe { CStr::from_ptr(p) }
            .to_str()
            .expect("UTF-8")
            .to_string()
    })
}

/// A client with a valid development identity for a hub that is not
/// running (requests that fail before sending need no hub).
fn offline_client(dir: &std::path::Path) -> *mut fldm_client {
    offline_client_with(dir, false)
}

/// As [`offline_client`]; with `journal`, the client journal is written to
/// `dir/journal` (office `wohnungsamt`).
fn offline_client_with(dir: &std::path::Path, journal: bool) -> *mut fldm_client {
    let pki = fldm_tls::generate_dev_pki(&["127.0.0.1"], &[("wohnungsamt", "Wohnungsamt")])
        .expect("dev PKI");
    pki.write_to(dir).expect("write PKI");
    let p = |f: &str| c(&dir.join(f).display().to_string());
    let mut cfg = ptr::null_mut();
    let mut client = ptr::null_mut();
    // SAFETY: valid arguments throughout.
    unsafe {
        ok(fldm_client_config_new(
            c("https://127.0.0.1:9").as_ptr(),
            &mut cfg,
        ));
        ok(fldm_client_config_set_ca_file(cfg, p("ca.pem").as_ptr()));
        ok(fldm_client_config_set_identity_files(
            cfg,
            p("wohnungsamt.pem").as_ptr(),
            p("wohnungsamt-key.pem").as_ptr(),
        ));
        ok(fldm_client_config_set_user(cfg, c("u").as_ptr()));
        if journal {
            ok(fldm_client_config_set_office(
                cfg,
                c("wohnungsamt").as_ptr(),
            ));
            ok(fldm_client_config_set_journal_dir(
                cfg,
                p("journal").as_ptr(),
                ptr::null(),
                ptr::null(),
            ));
        } else {
            ok(fldm_client_config_set_no_journal(cfg));
        }
        ok(fldm_client_new(cfg, &mut client));
        fldm_client_config_free(cfg);
    }
    client
}

#[test]
fn call_json_errors_name_the_field_and_have_no_request_id() {
    let dir = std::env::temp_dir().join(format!("fldm-ffi-call-json-{}", std::process::id()));
    let client = offline_client(&dir);
    let cases = [
        (r#"{"op":"fly"}"#, FLDM_E_INVALID_ARGUMENT, Some("op")),
        (
            r#"{"op":"decide_correction","status":"accepted","purpose":"W01"}"#,
            FLDM_E_INVALID_ARGUMENT,
            Some("correction_id"),
        ),
        (
            r#"{"op":"changes_page","purpose":"W01","limit":"many"}"#,
            FLDM_E_INVALID_ARGUMENT,
            Some("limit"),
        ),
        (r#"{"op":"health""#, FLDM_E_JSON, None),
    ];
    for (request, code, field) in cases {
        let mut out = ptr::null_mut();
        // SAFETY: valid arguments.
        let e = unsafe { fldm_client_call_json(client, c(request).as_ptr(), &mut out) };
        assert!(out.is_null(), "{request}: out written on failure");
        if field.is_some() {
            assert_eq!(getter(e, fldm_error_field).as_deref(), field, "{request}");
        }
        assert_eq!(getter(e, fldm_error_request_id), None, "{request}");
        let (got, msg) = take(e);
        assert_eq!(got, code, "{request}: {msg}");
    }
    // A failed connection is not a hub answer either: no request id.
    let mut d = ptr::null_mut();
    // SAFETY: valid arguments.
    let e = unsafe {
        fldm_client_get_person(
            client,
            c("P000000001").as_ptr(),
            FLDM_ID_FLDM,
            c("W01").as_ptr(),
            ptr::null(),
            &mut d,
        )
    };
    assert_eq!(getter(e, fldm_error_request_id), None);
    let (code, _) = take(e);
    assert_eq!(code, FLDM_E_UNREACHABLE);
    // SAFETY: live client.
    unsafe { fldm_client_free(client) };
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_configuration_error_names_the_setting() {
    let mut cfg = ptr::null_mut();
    let mut client = ptr::null_mut();
    // SAFETY: valid arguments throughout.
    unsafe {
        ok(fldm_client_config_new(
            c("https://127.0.0.1:9").as_ptr(),
            &mut cfg,
        ));
        ok(fldm_client_config_set_ca_file(
            cfg,
            c("/nonexistent/ca.pem").as_ptr(),
        ));
        ok(fldm_client_config_set_identity_files(
            cfg,
            c("/nonexistent/c.pem").as_ptr(),
            c("/nonexistent/k.pem").as_ptr(),
        ));
        ok(fldm_client_config_set_user(cfg, c("u").as_ptr()));
        // Neither a journal directory nor an explicit "no journal".
        let e = fldm_client_new(cfg, &mut client);
        assert_eq!(getter(e, fldm_error_field).as_deref(), Some("journal_dir"));
        let (code, msg) = take(e);
        assert_eq!(code, FLDM_E_CONFIG);
        assert!(msg.contains("journal"), "{msg}");
        assert!(client.is_null());
        fldm_client_config_free(cfg);
    }
}

#[test]
fn explain_json_gives_retention_in_both_forms() {
    let p = load_policy();
    let mut s = ptr::null_mut();
    // SAFETY: valid arguments.
    ok(unsafe { fldm_policy_explain(p, ptr::null(), ptr::null(), c("json").as_ptr(), &mut s) });
    let rows: serde_json::Value = serde_json::from_str(&owned(s)).expect("JSON");
    let row = rows
        .as_array()
        .expect("array")
        .iter()
        .find(|r| !r["retention"].is_null())
        .expect("a row with retention");
    assert!(
        row["retention"]
            .as_str()
            .is_some_and(|r| r.starts_with('P')),
        "{row}"
    );
    assert!(
        row["retention_text"]
            .as_str()
            .is_some_and(|r| r.contains(' ')),
        "{row}"
    );
    // SAFETY: live policy.
    unsafe { fldm_policy_free(p) };
}

/// A value a call must leave alone when it fails.
fn sentinel() -> *mut c_char {
    ptr::dangling_mut::<c_char>()
}

/// Code, field and message of an error, freeing it.
fn take_field(e: *mut fldm_error) -> (i32, Option<String>, String) {
    let field = getter(e, fldm_error_field);
    let (code, msg) = take(e);
    (code, field, msg)
}

/// A scratch directory for one test, removed by the caller.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fldm-ffi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn life_cycle_arguments_are_checked_before_anything_is_sent() {
    // The client's hub is not running: every error below is found locally.
    let dir = scratch("lifecycle-args");
    let client = offline_client(&dir);
    let (w01, case) = (c("W01"), c("WA-1"));
    let bad_utf8 = CString::new(vec![b'x', 0xff]).expect("no NUL");
    let mut out = sentinel();
    // SAFETY: valid pointers except where a NULL is what is tested.
    unsafe {
        // An unknown deletion reason names `reason`; nothing is written.
        let (code, field, msg) = take_field(fldm_client_delete_person(
            client,
            c("P000000001").as_ptr(),
            c("umzug").as_ptr(),
            w01.as_ptr(),
            case.as_ptr(),
            &mut out,
        ));
        assert_eq!(code, FLDM_E_INVALID_ARGUMENT, "{msg}");
        assert_eq!(field.as_deref(), Some("reason"));
        assert!(
            msg.contains("einbuergerung") && !msg.contains("umzug"),
            "{msg}"
        );
        assert_eq!(out, sentinel(), "out written on failure");
        let (code, msg) = take(fldm_client_delete_person(
            client,
            c("P000000001").as_ptr(),
            bad_utf8.as_ptr(),
            w01.as_ptr(),
            case.as_ptr(),
            &mut out,
        ));
        assert_eq!(code, FLDM_E_INVALID_UTF8);
        assert!(msg.contains("reason"), "{msg}");
        // An unknown import format names `format`.
        let path = c(&dir.join("records.jsonl").display().to_string());
        let (code, field, msg) = take_field(fldm_client_import_file(
            client,
            path.as_ptr(),
            c("csv").as_ptr(),
            w01.as_ptr(),
            case.as_ptr(),
            &mut out,
        ));
        assert_eq!(code, FLDM_E_INVALID_ARGUMENT, "{msg}");
        assert_eq!(field.as_deref(), Some("format"));
        // A file that does not exist is an I/O error, before any request.
        let (code, msg) = take(fldm_client_import_file(
            client,
            path.as_ptr(),
            ptr::null(),
            w01.as_ptr(),
            case.as_ptr(),
            &mut out,
        ));
        assert_eq!(code, FLDM_E_IO, "{msg}");
        assert_eq!(out, sentinel());
        // NULL arguments and out parameters are named.
        let cases: [(*mut fldm_error, &str); 8] = [
            (
                fldm_client_import_file(
                    client,
                    ptr::null(),
                    ptr::null(),
                    w01.as_ptr(),
                    case.as_ptr(),
                    &mut out,
                ),
                "path",
            ),
            (
                fldm_client_import_file(
                    client,
                    path.as_ptr(),
                    ptr::null(),
                    w01.as_ptr(),
                    case.as_ptr(),
                    ptr::null_mut(),
                ),
                "out_report_json",
            ),
            (
                fldm_client_import_person(
                    client,
                    ptr::null(),
                    w01.as_ptr(),
                    case.as_ptr(),
                    &mut out,
                ),
                "person",
            ),
            (
                fldm_client_create_person(
                    client,
                    ptr::null(),
                    w01.as_ptr(),
                    case.as_ptr(),
                    &mut out,
                ),
                "person",
            ),
            (
                fldm_client_update_person(
                    client,
                    ptr::null(),
                    0,
                    w01.as_ptr(),
                    case.as_ptr(),
                    &mut out,
                ),
                "patch",
            ),
            (
                fldm_client_merge_persons(
                    client,
                    c("P000000001").as_ptr(),
                    ptr::null(),
                    w01.as_ptr(),
                    case.as_ptr(),
                    &mut out,
                ),
                "duplicate",
            ),
            (
                fldm_client_delete_person(
                    client,
                    c("P000000001").as_ptr(),
                    c("tod").as_ptr(),
                    ptr::null(),
                    case.as_ptr(),
                    &mut out,
                ),
                "purpose",
            ),
            (
                fldm_client_acknowledge_deletion(
                    client,
                    ptr::null(),
                    c("deleted").as_ptr(),
                    ptr::null(),
                    w01.as_ptr(),
                    case.as_ptr(),
                ),
                "change",
            ),
        ];
        for (e, name) in cases {
            let (code, msg) = take(e);
            assert_eq!(code, FLDM_E_NULL_ARGUMENT, "{name}: {msg}");
            assert!(msg.contains(name), "{name}: {msg}");
        }
        assert_eq!(out, sentinel(), "out written on failure");
        // An FLDM id that cannot be one is refused locally, naming it.
        let (code, field, msg) = take_field(fldm_client_merge_persons(
            client,
            c("P000000001").as_ptr(),
            c("Erika Mustermann").as_ptr(),
            w01.as_ptr(),
            case.as_ptr(),
            &mut out,
        ));
        assert_eq!(code, FLDM_E_INVALID_INPUT, "{msg}");
        assert_eq!(field.as_deref(), Some("duplicate"));
        assert!(!msg.contains("Erika"), "{msg}");
        assert_eq!(out, sentinel());
        fldm_client_free(client);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A change of the feed made from its wire JSON.
fn change(json: &str) -> fldm_change {
    fldm_change::new(serde_json::from_str(json).expect("entry")).expect("change")
}

const TOMBSTONE: &str = r#"{"seq":7,"fldm_id":"P000000002","deleted":{"reason":"doppelerfassung","at":"2026-12-03T10:00:00.000Z","merged_into":"P000000001"}}"#;
const DELETION: &str = r#"{"seq":9,"fldm_id":"P000000003","deleted":{"reason":"wegzug","at":"2026-12-03T11:00:00.000Z"}}"#;
const CHANGE: &str = r#"{"seq":8,"fldm_id":"P000000001","changed":["anschrift.aktuell"]}"#;

/// An owned string written by `get` for `ch`.
fn text_of(
    ch: &fldm_change,
    get: unsafe extern "C" fn(*const fldm_change, *mut *mut c_char) -> *mut fldm_error,
) -> Option<String> {
    let mut s = sentinel();
    // SAFETY: a live change and a writable out parameter.
    ok(unsafe { get(ch, &mut s) });
    (!s.is_null()).then(|| owned(s))
}

#[test]
fn deletion_getters_tell_a_tombstone_from_a_change() {
    let merged = change(TOMBSTONE);
    let changed = change(CHANGE);
    let mut yes = false;
    let mut no = true;
    // SAFETY: live changes, writable out parameters.
    unsafe {
        ok(fldm_change_is_deletion(&merged, &mut yes));
        ok(fldm_change_is_deletion(&changed, &mut no));
        assert_eq!(fldm_change_seq(&merged), 7);
    }
    assert!(yes && !no);
    assert_eq!(
        text_of(&merged, fldm_change_fldm_id).as_deref(),
        Some("P000000002")
    );
    assert_eq!(
        text_of(&merged, fldm_change_deletion_reason).as_deref(),
        Some("doppelerfassung")
    );
    assert_eq!(
        text_of(&merged, fldm_change_deleted_at).as_deref(),
        Some("2026-12-03T10:00:00.000Z")
    );
    assert_eq!(
        text_of(&merged, fldm_change_merged_into).as_deref(),
        Some("P000000001")
    );
    assert_eq!(text_of(&change(DELETION), fldm_change_merged_into), None);
    // A tombstone's person is only its FLDM id, never the deleted data.
    // SAFETY: a live change; the borrowed person lives as long.
    let person = unsafe { fldm_change_person(&merged) };
    let mut s = sentinel();
    // SAFETY: a live person.
    unsafe {
        ok(fldm_person_fldm_id(person, &mut s));
        assert_eq!(owned(s), "P000000002");
        ok(fldm_person_familienname(person, &mut s));
        assert!(s.is_null());
        ok(fldm_person_attributes_json(person, &mut s));
    }
    assert_eq!(owned(s), "[]");

    // A change that is not a deletion has no reason and no time.
    assert_eq!(
        text_of(&changed, fldm_change_fldm_id).as_deref(),
        Some("P000000001")
    );
    assert_eq!(text_of(&changed, fldm_change_merged_into), None);
    for get in [fldm_change_deletion_reason, fldm_change_deleted_at] {
        let mut s = sentinel();
        // SAFETY: a live change, a writable out parameter.
        let (code, field, msg) = take_field(unsafe { get(&changed, &mut s) });
        assert_eq!(code, FLDM_E_INVALID_ARGUMENT, "{msg}");
        assert_eq!(field.as_deref(), Some("change"));
        assert_eq!(s, sentinel(), "out written on failure");
    }
}

#[test]
fn acknowledging_a_deletion_journals_what_the_receiver_did() {
    let dir = scratch("acknowledge");
    let client = offline_client_with(&dir, true);
    let (merged, deleted, changed) = (change(TOMBSTONE), change(DELETION), change(CHANGE));
    let (w01, case) = (c("W01"), c("WA-1"));
    let ack = |ch: &fldm_change, action: &str, to: Option<&str>| {
        let to = to.map(c);
        // SAFETY: live handles, NUL-terminated strings.
        unsafe {
            fldm_client_acknowledge_deletion(
                client,
                ch,
                c(action).as_ptr(),
                to.as_ref().map_or(ptr::null(), |t| t.as_ptr()),
                w01.as_ptr(),
                case.as_ptr(),
            )
        }
    };
    // Refused, naming the argument: not a deletion, an unknown action, a
    // relink target for a deletion, a relink of a deletion that is no merge.
    for (e, field) in [
        (ack(&changed, "deleted", None), "change"),
        (ack(&deleted, "ignored", None), "action"),
        (ack(&deleted, "deleted", Some("P000000001")), "relinked_to"),
        (ack(&deleted, "relinked", None), "relinked_to"),
    ] {
        let (code, got, msg) = take_field(e);
        assert_eq!(code, FLDM_E_INVALID_ARGUMENT, "{msg}");
        assert_eq!(got.as_deref(), Some(field), "{msg}");
    }
    // Accepted: the plain deletion deleted, the merge relinked to its
    // survivor (the default target).
    ok(ack(&deleted, "deleted", None));
    ok(ack(&merged, "relinked", None));
    // SAFETY: live client, no other user.
    unsafe { fldm_client_free(client) };
    let records: Vec<(String, Option<String>, Option<String>)> =
        fldm_core::audit::read_entries(dir.join("journal"))
            .expect("journal")
            .into_iter()
            .filter_map(|e| match e {
                fldm_core::audit::ReadEntry::Entry(e) => Some((
                    e.record.operation.as_str().to_string(),
                    e.record.outcome.reason.clone(),
                    e.record.case_reference.clone(),
                )),
                fldm_core::audit::ReadEntry::Pruned { .. } => None,
            })
            .collect();
    let expected = |op: &str, reason: &str| {
        (
            op.to_string(),
            Some(reason.to_string()),
            Some("WA-1".to_string()),
        )
    };
    assert_eq!(
        records,
        vec![
            expected("delete", "wegzug"),
            expected("combine", "doppelerfassung")
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

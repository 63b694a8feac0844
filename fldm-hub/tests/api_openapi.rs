//! `docs/openapi.yaml` against the running hub: every documented path and
//! method is served, every other method on those paths is `405`, and the
//! problem codes of the document are those of the protocol.

mod api_support;

use api_support::{send, start};
use fldm_core::wire::ProblemCode;

const OPENAPI: &str = include_str!("../../docs/openapi.yaml");
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (path, documented methods), from the `paths:` section.
fn documented() -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_paths = false;
    for line in OPENAPI.lines() {
        if line == "paths:" {
            in_paths = true;
            continue;
        }
        if in_paths && !line.starts_with(' ') && !line.is_empty() {
            break;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /").and_then(|l| l.strip_suffix(':')) {
            out.push((format!("/{p}"), Vec::new()));
        } else if let Some(m) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':'))
            && METHODS.contains(&m)
            && let Some(last) = out.last_mut()
        {
            last.1.push(m.to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let t = start(1).await;
    let id = t.seeded_ids(1).remove(0);
    let paths = documented();
    assert_eq!(paths.len(), 16, "{paths:?}");
    let c = t.client("datenschutz");
    for (path, methods) in &paths {
        assert!(!methods.is_empty(), "{path} documents no method");
        let url = t.url(
            &path
                .replace("{fldm_id}", &id)
                .replace("{azr_nummer}", "260101000001")
                .replace("{correction_id}", "1"),
        );
        for m in METHODS {
            let method =
                reqwest::Method::from_bytes(m.to_ascii_uppercase().as_bytes()).expect("method");
            let (s, v) = send(c.request(method, &url)).await;
            if methods.iter().any(|d| d == m) {
                assert_ne!(s, 405, "{m} {path} is documented but not served");
                assert_ne!(v["detail"], "resource not found", "{m} {path} has no route");
            } else {
                assert_eq!(
                    (s, v["code"].as_str()),
                    (405, Some("method_not_allowed")),
                    "{m} {path}"
                );
            }
        }
    }
    t.stop_and_verify().await;
}

#[test]
fn problem_codes_are_documented() {
    for code in ProblemCode::ALL {
        assert!(
            OPENAPI.contains(&format!("            - {}\n", code.as_str())),
            "{code} is missing from the Problem schema"
        );
        assert!(
            OPENAPI.contains(&format!("`{}`", code.as_str())),
            "{code} is missing from the problem response description"
        );
    }
}

// ---------------------------------------------------------------------------
// Response bodies against the schemas of the document
// ---------------------------------------------------------------------------

use serde_json::{Value, json as j};

struct Doc(Value);

impl Doc {
    fn load() -> Doc {
        Doc(serde_norway::from_str(OPENAPI).expect("openapi.yaml parses"))
    }

    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let mut cur = &self.0;
            for part in r.trim_start_matches("#/").split('/') {
                cur = &cur[part];
            }
            assert!(!cur.is_null(), "unresolved {r}");
            v = cur;
        }
        v
    }

    fn response_schema(&self, path: &str, method: &str, status: u16, ct: &str) -> &Value {
        let responses = &self.0["paths"][path][method]["responses"];
        assert!(responses.is_object(), "{method} {path} is not documented");
        let r = match responses.get(status.to_string()) {
            Some(r) => r,
            None => responses
                .get("default")
                .unwrap_or_else(|| panic!("{method} {path}: status {status} not documented")),
        };
        let r = self.resolve(r);
        let media = ct.split(';').next().unwrap_or("").trim();
        let schema = &r["content"][media]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} {status}: content type {media} not documented"
        );
        schema
    }

    fn validate(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.validate(s, v, at, errors);
            }
        }
        if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
            let ok = one
                .iter()
                .filter(|s| {
                    let mut e = Vec::new();
                    self.validate(s, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if ok != 1 {
                errors.push(format!("{at}: matches {ok} alternatives of oneOf"));
            }
        }
        if let Some(t) = schema.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let ok = types.iter().any(|t| match *t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                "null" => v.is_null(),
                _ => false,
            });
            if !ok {
                errors.push(format!("{at}: expected {types:?}, found {v}"));
                return;
            }
        }
        if let Some(e) = schema.get("enum").and_then(Value::as_array)
            && !e.contains(v)
        {
            errors.push(format!("{at}: {v} not in {e:?}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && v.as_f64().is_some_and(|x| x > max)
        {
            errors.push(format!("{at}: above maximum"));
        }
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && v.as_f64().is_some_and(|x| x < min)
        {
            errors.push(format!("{at}: below minimum"));
        }
        if let Some(obj) = v.as_object() {
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        errors.push(format!("{at}: required {r} missing"));
                    }
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            if let Some(props) = props {
                for (k, val) in obj {
                    match props.get(k) {
                        Some(s) => self.validate(s, val, &format!("{at}.{k}"), errors),
                        None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                            errors.push(format!("{at}: undocumented field {k}"));
                        }
                        None => {}
                    }
                }
            }
        }
        if let Some(items) = v.as_array() {
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                errors.push(format!("{at}: more than {max} items"));
            }
            if let Some(s) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.validate(s, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
    }
}

struct Checker<'a> {
    doc: Doc,
    t: &'a api_support::TestHub,
    clients: std::collections::HashMap<String, reqwest::Client>,
    checked: Vec<String>,
}

impl Checker<'_> {
    /// Send, then validate the body against the documented schema; returns
    /// the body.
    async fn check(
        &mut self,
        office: &str,
        method: &str,
        template: &str,
        actual: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let c = self
            .clients
            .entry(office.to_string())
            .or_insert_with(|| self.t.client(office))
            .clone();
        let m =
            reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
        let mut req = api_support::ctx(c.request(m, self.t.url(actual)), office);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        let ct = resp.headers()["content-type"]
            .to_str()
            .expect("ct")
            .to_string();
        let v: Value =
            serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json body");
        let schema = self
            .doc
            .response_schema(template, method, status, &ct)
            .clone();
        let mut errors = Vec::new();
        self.doc.validate(&schema, &v, "$", &mut errors);
        assert!(
            errors.is_empty(),
            "{method} {template} {status}: {errors:#?}"
        );
        self.checked.push(format!("{method} {template} {status}"));
        (status, v)
    }

    /// `check` of a GET without body or further headers; returns the status.
    async fn get(&mut self, office: &str, template: &str, actual: &str) -> u16 {
        self.check(office, "get", template, actual, None, &[])
            .await
            .0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_match_the_documented_schemas() {
    let t = start(30).await;
    let people = fldm_synth::population(30, 7);
    let mut ck = Checker {
        doc: Doc::load(),
        t: &t,
        clients: Default::default(),
        checked: Vec::new(),
    };
    let abh = "auslaenderbehoerde";
    let (wa, ds, st) = ("wohnungsamt", "datenschutz", "statistikstelle");
    let s = ck.get(ds, "/v1/health", "/v1/health").await;
    assert_eq!(s, 200);
    // Full records exercise the whole Person schema.
    for p in &people {
        let id = p.fldm_id.as_str();
        for office in [
            abh,
            "wohnungsamt",
            "gesundheitsamt",
            "jugendamt",
            "sozialamt",
        ] {
            let s = ck
                .get(
                    office,
                    "/v1/persons/{fldm_id}",
                    &format!("/v1/persons/{id}"),
                )
                .await;
            assert_eq!(s, 200);
        }
    }
    let azr = people
        .iter()
        .find_map(|p| p.azr_nummer.as_ref())
        .expect("a person with AZR-Nummer")
        .as_str()
        .to_string();
    let s = ck
        .get(
            abh,
            "/v1/persons/by-azr/{azr_nummer}",
            &format!("/v1/persons/by-azr/{azr}"),
        )
        .await;
    assert_eq!(s, 200);
    let name = people[0]
        .grundpersonalien
        .familienname
        .as_ref()
        .and_then(|n| n.wert())
        .unwrap_or("Haddad")
        .to_string();
    let (s, _) = ck
        .check(
            abh,
            "post",
            "/v1/persons/search",
            "/v1/persons/search",
            Some(j!({"familienname": name})),
            &[],
        )
        .await;
    assert_eq!(s, 200);
    let new = j!({"grundpersonalien": {"familienname": "Nasser", "vornamen": "Rana", "geburtsdatum": "1990", "staatsangehoerigkeiten": ["475"]}});
    let (s, created) = ck
        .check(
            abh,
            "post",
            "/v1/persons",
            "/v1/persons",
            Some(new),
            &[("Idempotency-Key", "c1")],
        )
        .await;
    assert_eq!(s, 201);
    let nid = created["fldm_id"].as_str().expect("id").to_string();
    let (s, _) = ck
        .check(
            abh,
            "patch",
            "/v1/persons/{fldm_id}",
            &format!("/v1/persons/{nid}"),
            Some(j!({"grundpersonalien": {"geschlecht": "w"}})),
            &[("Idempotency-Key", "p1")],
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = ck
        .check(
            wa,
            "put",
            "/v1/persons/{fldm_id}/anschrift",
            &format!("/v1/persons/{nid}/anschrift"),
            Some(
                j!({"anschrift": {"strasse": "Domstraße", "postleitzahl": "50667", "ort": "Köln"}}),
            ),
            &[("Idempotency-Key", "a1")],
        )
        .await;
    assert_eq!(s, 200);
    let (s, reported) = ck
        .check(
            wa,
            "post",
            "/v1/persons/{fldm_id}/corrections",
            &format!("/v1/persons/{nid}/corrections"),
            Some(j!({"attributes": ["grundpersonalien.vornamen"], "note": "Schreibweise"})),
            &[("Idempotency-Key", "k1")],
        )
        .await;
    assert_eq!(s, 201);
    // The owner decides it; another office may not; it cannot be reopened.
    let decision = format!("/v1/corrections/{}/status", reported["id"]);
    for (office, status, key, expected) in [
        (abh, "accepted", "d1", 200),
        (wa, "rejected", "d2", 403),
        (abh, "open", "d3", 422),
    ] {
        let (s, _) = ck
            .check(
                office,
                "put",
                "/v1/corrections/{correction_id}/status",
                &decision,
                Some(j!({ "status": status })),
                &[("Idempotency-Key", key)],
            )
            .await;
        assert_eq!(s, expected, "{office}: {status}");
    }
    // The record life cycle: an import, a deletion, a merge; their
    // tombstones are in the feeds checked below.
    let lifecycle = [
        (
            abh,
            "post",
            "/v1/persons/batch",
            "/v1/persons/batch".to_string(),
            Some(
                j!({"azr_nummer": "230517000901", "grundpersonalien": {"familienname": "Nasser"}}),
            ),
            "i1",
            200,
        ),
        (
            wa,
            "post",
            "/v1/persons/batch",
            "/v1/persons/batch".to_string(),
            Some(j!({"azr_nummer": "230517000902"})),
            "i2",
            403,
        ),
        (
            abh,
            "delete",
            "/v1/persons/{fldm_id}",
            format!("/v1/persons/{}?reason=tod", people[1].fldm_id.as_str()),
            None,
            "x1",
            200,
        ),
        (
            abh,
            "delete",
            "/v1/persons/{fldm_id}",
            format!(
                "/v1/persons/{}?reason=unbekannt",
                people[4].fldm_id.as_str()
            ),
            None,
            "x2",
            422,
        ),
        (
            abh,
            "post",
            "/v1/persons/{fldm_id}/merge",
            format!("/v1/persons/{}/merge", people[2].fldm_id.as_str()),
            Some(j!({"duplicate": people[3].fldm_id.as_str()})),
            "m1",
            200,
        ),
    ];
    for (office, method, template, actual, body, key, expected) in lifecycle {
        let (s, v) = ck
            .check(
                office,
                method,
                template,
                &actual,
                body,
                &[("Idempotency-Key", key)],
            )
            .await;
        assert_eq!(s, expected, "{office}: {method} {actual}: {v}");
    }
    // Reads of the other resources, then problems: (office, documented
    // path, requested path, expected status).
    let unreadable = format!("/v1/persons/{nid}");
    let report = format!("/v1/audit/access-report?fldm_id={nid}");
    for (office, template, actual, expected) in [
        (abh, "/v1/corrections", "/v1/corrections?status=open", 200),
        (abh, "/v1/changes", "/v1/changes?cursor=0&limit=50", 200),
        (wa, "/v1/changes", "/v1/changes?cursor=0&limit=50", 200),
        (ds, "/v1/audit/checkpoint", "/v1/audit/checkpoint", 200),
        (ds, "/v1/audit/proof", "/v1/audit/proof?index=3", 200),
        (ds, "/v1/audit/access-report", report.as_str(), 200),
        (wa, "/v1/audit/access-report", report.as_str(), 403),
        (st, "/v1/statistics", "/v1/statistics", 200),
        (st, "/v1/persons/{fldm_id}", unreadable.as_str(), 403),
        (abh, "/v1/persons/{fldm_id}", "/v1/persons/PUNKNOWN", 404),
    ] {
        let s = ck.get(office, template, actual).await;
        assert_eq!(s, expected, "{office}: GET {actual}");
    }
    let (s, _) = ck
        .check(
            abh,
            "post",
            "/v1/persons",
            "/v1/persons",
            Some(j!({"grundpersonalien": 5})),
            &[("Idempotency-Key", "c2")],
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = ck
        .check(abh, "post", "/v1/persons", "/v1/persons", Some(j!({})), &[])
        .await;
    assert_eq!(s, 400);
    assert_eq!(ck.checked.len(), 30 * 5 + 22 + 5);
    t.stop_and_verify().await;
}

#[test]
fn the_validator_rejects_wrong_bodies() {
    let doc = Doc::load();
    let problem = doc
        .response_schema("/v1/health", "get", 500, "application/problem+json")
        .clone();
    let mut e = Vec::new();
    doc.validate(
        &problem,
        &j!({"type": "x", "title": "x", "status": 500, "detail": "d", "request_id": "r"}),
        "$",
        &mut e,
    );
    assert!(e.iter().any(|m| m.contains("required code")), "{e:?}");
    let disclosure = doc
        .response_schema("/v1/persons/{fldm_id}", "get", 200, "application/json")
        .clone();
    let decision = j!({"rule_id": "r", "legal_basis": {"law": "AZRG", "section": "§ 1", "citation": "c"}, "policy_hash": "00", "attributes": []});
    let mut e = Vec::new();
    let ok = j!({"request_id": "r", "decision": decision, "record": {"fldm_id": "P1", "grundpersonalien": {"familienname": {"nicht_vorhanden": true}, "geschlecht": "w"}}});
    doc.validate(&disclosure, &ok, "$", &mut e);
    assert!(e.is_empty(), "{e:?}");
    for bad in [
        j!({"fldm_id": "P1", "grundpersonalien": {"spitzname": "x"}}),
        j!({"fldm_id": "P1", "grundpersonalien": {"geschlecht": "u"}}),
        j!({"grundpersonalien": {}}),
        j!({"fldm_id": "P1", "anschrift": {"aktuell": []}}),
    ] {
        let mut e = Vec::new();
        let v = j!({"request_id": "r", "decision": decision, "record": bad});
        doc.validate(&disclosure, &v, "$", &mut e);
        assert!(!e.is_empty(), "{v} must not validate");
    }
}

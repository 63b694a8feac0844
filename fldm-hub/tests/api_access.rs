//! What each office receives, in JSON and XML; problem responses for bad
//! requests; one audit record per request.

mod api_support;

use std::collections::BTreeSet;

use api_support::{POLICY, ctx, json, record_attributes, send, send_as, send_json_as, start};
use fldm_core::audit::OutcomeKind;
use fldm_core::policy::Policy;

fn rule_attributes(rule: &str) -> BTreeSet<String> {
    let policy = Policy::load(POLICY).expect("policy");
    policy
        .rule(rule)
        .expect("rule")
        .attributes
        .names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// The `<fldm:person>` element of an XML response, checked against the
/// XSD and decoded.
fn xml_person(doc: &str, name: &str) -> fldm_core::record::Person {
    let element = api_support::person_element(doc);
    api_support::assert_xsd_valid(element, name);
    fldm_core::codec::xml::person_from_xml(element).expect("person decodes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offices_receive_exactly_their_attributes_in_json_and_xml() {
    let t = start(20).await;
    let ids = t.seeded_ids(20);
    let abh = t.client("auslaenderbehoerde");
    let wa = t.client("wohnungsamt");
    let ga = t.client("gesundheitsamt");
    let wa_set = rule_attributes("wohnungsamt-identifikation");
    assert_eq!(wa_set.len(), 7);
    let ga_set = rule_attributes("gesundheitsamt-oegd");
    let mut wa_union = BTreeSet::new();
    let before = t.journal_len();
    let mut requests = 0;
    for id in &ids {
        let path = t.url(&format!("/v1/persons/{id}"));
        let (s, full) = send_as(abh.get(&path), "auslaenderbehoerde").await;
        requests += 1;
        assert_eq!(s, 200);
        let full: BTreeSet<String> = record_attributes(&full["record"]).into_iter().collect();

        let (s, w) = send_as(wa.get(&path), "wohnungsamt").await;
        requests += 1;
        assert_eq!(s, 200);
        assert_eq!(w["record"]["fldm_id"], id.as_str());
        assert_eq!(w["decision"]["rule_id"], "wohnungsamt-identifikation");
        let got: BTreeSet<String> = record_attributes(&w["record"]).into_iter().collect();
        let expected: BTreeSet<String> = full.intersection(&wa_set).cloned().collect();
        assert_eq!(got, expected, "wohnungsamt projection of {id}");
        wa_union.extend(got);

        let (s, g) = send_as(ga.get(&path), "gesundheitsamt").await;
        requests += 1;
        assert_eq!(s, 200);
        assert_eq!(g["decision"]["legal_basis"]["section"], "§ 18c");
        let got: BTreeSet<String> = record_attributes(&g["record"]).into_iter().collect();
        let expected: BTreeSet<String> = full.intersection(&ga_set).cloned().collect();
        assert_eq!(got, expected, "gesundheitsamt projection of {id}");
    }
    assert!(
        wa_union.len() >= 6,
        "the sample exercises the seven attributes: {wa_union:?}"
    );

    // The same in XML.
    let id = &ids[0];
    let path = t.url(&format!("/v1/persons/{id}"));
    let json_view = send_as(wa.get(&path), "wohnungsamt").await.1;
    let resp = ctx(wa.get(&path), "wohnungsamt")
        .header("Accept", "application/xml")
        .send()
        .await
        .expect("send");
    requests += 2;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/xml")
    );
    let doc = resp.text().await.expect("text");
    assert!(doc.contains("<hub:offenlegung"), "{doc}");
    assert!(doc.contains("wohnungsamt-identifikation"));
    let p = xml_person(&doc, "wohnungsamt");
    let xml_attrs: Vec<String> = fldm_core::attribute::present(&p)
        .names()
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(xml_attrs, record_attributes(&json_view["record"]));

    let resp = ctx(ga.get(&path), "gesundheitsamt")
        .header("Accept", "application/xml")
        .send()
        .await
        .expect("send");
    requests += 1;
    let doc = resp.text().await.expect("text");
    let p = xml_person(&doc, "gesundheitsamt");
    for a in fldm_core::attribute::present(&p).names() {
        assert!(ga_set.contains(a), "{a} is not in the § 18c set");
    }

    assert_eq!(
        t.journal_len() - before,
        requests,
        "one audit record per request"
    );
    let records = t.audit_records();
    let last = records.last().expect("record");
    assert_eq!(last.requesting_office, "gesundheitsamt");
    assert_eq!(last.rule_id.as_deref(), Some("gesundheitsamt-oegd"));
    assert!(last.subject_ref.is_some());
    assert!(!last.disclosed_attributes.is_empty());
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistikstelle_gets_no_person_data() {
    let t = start(30).await;
    let id = t.seeded_ids(1).remove(0);
    let st = t.client("statistikstelle");
    for accept in ["application/json", "application/xml"] {
        let (s, v) = send(
            ctx(
                st.get(t.url(&format!("/v1/persons/{id}"))),
                "statistikstelle",
            )
            .header("Accept", accept),
        )
        .await;
        assert_eq!(s, 403, "{accept}");
        assert_eq!(v["code"], "policy_denied");
        let (s, v) = send(
            ctx(st.post(t.url("/v1/persons/search")), "statistikstelle")
                .header("Accept", accept)
                .json(&serde_json::json!({"familienname": "Haddad"})),
        )
        .await;
        assert_eq!(s, 403);
        assert_eq!(v["code"], "policy_denied");
        let (s, _) =
            send(ctx(st.get(t.url("/v1/changes")), "statistikstelle").header("Accept", accept))
                .await;
        assert_eq!(s, 403);
    }
    let (s, v) = send_as(st.get(t.url("/v1/statistics")), "statistikstelle").await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 30);
    assert!(v.get("record").is_none() && v.get("candidates").is_none());
    let mut sum = 0;
    for cell in v["by_nationality"].as_array().expect("cells") {
        match cell["count"].as_u64() {
            Some(n) => {
                assert!(n >= 5, "small cells are suppressed");
                sum += n;
            }
            None => assert!(cell["count"].is_null()),
        }
    }
    assert!(sum <= 30);
    let text = v.to_string();
    assert!(!text.contains("fldm_id") && !text.contains(&id));
    let resp = ctx(st.get(t.url("/v1/statistics")), "statistikstelle")
        .header("Accept", "application/xml")
        .send()
        .await
        .expect("send");
    let doc = resp.text().await.expect("xml");
    assert!(
        doc.contains("<hub:statistik") && !doc.contains("fldm:person"),
        "{doc}"
    );
    // Other offices cannot read statistics.
    let wa = t.client("wohnungsamt");
    let (s, _) = send_as(wa.get(t.url("/v1/statistics")), "wohnungsamt").await;
    assert_eq!(s, 403);
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_problem_responses_and_are_logged() {
    let t = start(3).await;
    let id = t.seeded_ids(1).remove(0);
    let wa = t.client("wohnungsamt");
    let before = t.journal_len();

    // No purpose.
    let resp = wa
        .get(t.url(&format!("/v1/persons/{id}")))
        .header("FLDM-User", "u1")
        .header("FLDM-Case", "AZ-1")
        .header("FLDM-Request-Id", "req-no-purpose")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    assert_eq!(resp.headers()["fldm-request-id"], "req-no-purpose");
    let (s, v) = json(resp).await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "missing_purpose");
    assert_eq!(v["type"], "urn:fldm:problem:missing_purpose");
    assert_eq!(v["request_id"], "req-no-purpose");
    let rec = t.audit_records().pop().expect("record");
    assert_eq!(rec.request_id, "req-no-purpose");
    assert_eq!(rec.outcome.kind, OutcomeKind::Denied);
    assert_eq!(rec.requesting_office, "wohnungsamt");
    assert!(rec.disclosed_attributes.is_empty());

    // A generated request id is echoed.
    let resp = ctx(wa.get(t.url(&format!("/v1/persons/{id}"))), "wohnungsamt")
        .send()
        .await
        .expect("send");
    let rid = resp.headers()["fldm-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    assert_eq!(rid.len(), 36);
    let (_, v) = json(resp).await;
    assert_eq!(v["request_id"], rid.as_str());

    // Missing case reference (the rule requires one).
    let (s, v) = send(
        wa.get(t.url(&format!("/v1/persons/{id}")))
            .header("FLDM-User", "u1")
            .header("FLDM-Purpose", "W01"),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str(), v["reason"].as_str()),
        (403, Some("policy_denied"), Some("case_reference_required"))
    );

    // Unknown route, wrong method, unknown person, bad id.
    let (s, v) = send_as(wa.get(t.url("/v1/nothing")), "wohnungsamt").await;
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));
    let (s, v) = send_as(wa.put(t.url(&format!("/v1/persons/{id}"))), "wohnungsamt").await;
    assert_eq!((s, v["code"].as_str()), (405, Some("method_not_allowed")));
    let (s, v) = send_as(wa.get(t.url("/v1/persons/PNOSUCHPERSON")), "wohnungsamt").await;
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));
    let (s, v) = send_as(wa.get(t.url("/v1/persons/bad%20id")), "wohnungsamt").await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (422, Some("invalid_input"), Some("fldm_id"))
    );

    // Not acceptable.
    let (s, v) = send(
        ctx(wa.get(t.url(&format!("/v1/persons/{id}"))), "wohnungsamt")
            .header("Accept", "text/html"),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (406, Some("not_acceptable")));

    // Malformed bodies name the field; oversized bodies are 413.
    let abh = t.client("auslaenderbehoerde");
    // A search by the Ausländerbehörde with a raw body of the given type.
    let search_raw = |content_type: &'static str, body: String| {
        send(
            ctx(abh.post(t.url("/v1/persons/search")), "auslaenderbehoerde")
                .header("Content-Type", content_type)
                .body(body),
        )
    };
    let (s, v) = search_raw(
        "application/json",
        r#"{"familienname": "Haddad", "limit": "many"}"#.to_string(),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (422, Some("invalid_input"), Some("limit"))
    );
    let (s, v) = search_raw(
        "application/json",
        r#"{"familienname": "Haddad", "#.to_string(),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_input")));
    let (s, v) = send(
        ctx(abh.post(t.url("/v1/persons")), "auslaenderbehoerde")
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "k-bad")
            .body(r#"{"grundpersonalien": {"familienname": "Haddad", "staatsangehoerigkeiten": ["12x"]}}"#),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_input")));
    assert!(
        v["field"]
            .as_str()
            .expect("field")
            .starts_with("grundpersonalien.staatsangehoerigkeiten"),
        "{v}"
    );
    let (s, v) = send(
        ctx(abh.post(t.url("/v1/persons")), "auslaenderbehoerde")
            .header("Content-Type", "application/xml")
            .header("Idempotency-Key", "k-bad-xml")
            .body("<fldm:person xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\"><fldm:fldmId>P1</fldm:fldmId><fldm:grundpersonalien>"),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_input")));
    let big = format!(r#"{{"familienname": "{}"}}"#, "a".repeat(70_000));
    let (s, v) = search_raw("application/json", big).await;
    assert_eq!((s, v["code"].as_str()), (413, Some("payload_too_large")));
    let (s, v) = search_raw("text/plain", "Haddad".to_string()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );

    // Every request above produced exactly one record.
    assert_eq!(t.journal_len() - before, 14);
    let records = t.audit_records();
    assert!(
        records
            .iter()
            .all(|r| r.stage == fldm_core::audit::Stage::Hub)
    );
    t.stop_and_verify().await;
}

/// A change-feed page and a search with several candidates disclose many
/// persons at once: the hub's record names every one of them (as keyed
/// references), so a data-subject access request finds bulk disclosures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_disclosures_name_every_person_concerned() {
    let t = start(40).await;
    let key = fldm_core::audit::PseudonymKey::load(&t.dir().join("pseudonym.hex")).expect("key");
    let ids = t.seeded_ids(40);
    let abh = t.client("auslaenderbehoerde");

    let (status, page) =
        send_as(abh.get(t.url("/v1/changes?limit=25")), "auslaenderbehoerde").await;
    assert_eq!(status, 200, "{page}");
    let got: BTreeSet<String> = page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["record"]["fldm_id"].as_str().expect("id").to_string())
        .collect();
    assert!(got.len() > 1, "a page with several persons");
    let rec = t.audit_records().pop().expect("record");
    assert_eq!(rec.subject_ref, None);
    assert_eq!(rec.subject_refs.len(), got.len());
    for id in &ids {
        assert_eq!(
            rec.concerns(&key.subject_ref(id)),
            got.contains(id),
            "feed record and page disagree about {id}"
        );
    }

    // A search whose candidates are several persons.
    let name = page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find_map(|c| c["record"]["grundpersonalien"]["familienname"].as_str())
        .expect("a family name in the page")
        .to_string();
    let (status, found) = send_json_as(
        abh.post(t.url("/v1/persons/search")),
        "auslaenderbehoerde",
        None,
        &serde_json::json!({"familienname": name, "limit": 50}),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let cands: Vec<String> = found["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c["record"]["fldm_id"].as_str().expect("id").to_string())
        .collect();
    let rec = t.audit_records().pop().expect("record");
    match cands.as_slice() {
        [] => panic!("the search finds at least the person it was built from"),
        [one] => assert_eq!(rec.subject_ref, Some(key.subject_ref(one))),
        many => {
            assert_eq!(rec.subject_ref, None);
            assert_eq!(rec.subject_refs.len(), many.len());
            assert!(many.iter().all(|id| rec.concerns(&key.subject_ref(id))));
        }
    }
    t.stop_and_verify().await;
}

/// The data-protection office's access report lists every record about a
/// person — single reads and bulk disclosures — and nothing about others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_report_lists_every_disclosure_about_the_person() {
    let t = start(20).await;
    let ids = t.seeded_ids(20);
    let (me, other) = (&ids[3], &ids[4]);
    let wa = t.client("wohnungsamt");
    let abh = t.client("auslaenderbehoerde");
    let ds = t.client("datenschutz");
    let (s, _) = send_as(wa.get(t.url(&format!("/v1/persons/{me}"))), "wohnungsamt").await;
    assert_eq!(s, 200);
    let (s, _) = send_as(
        wa.get(t.url(&format!("/v1/persons/{other}"))),
        "wohnungsamt",
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = send_as(abh.get(t.url("/v1/changes?limit=50")), "auslaenderbehoerde").await;
    assert_eq!(s, 200);
    // A denied read is in the report too (no data left the hub).
    let (s, _) = send_as(
        t.client("statistikstelle")
            .get(t.url(&format!("/v1/persons/{me}"))),
        "statistikstelle",
    )
    .await;
    assert_eq!(s, 403);

    let url = t.url(&format!("/v1/audit/access-report?fldm_id={me}"));
    let (s, r) = send_as(ds.get(&url), "datenschutz").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["fldm_id"], me.as_str());
    let entries = r["entries"].as_array().expect("entries");
    let offices: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["requesting_office"].as_str().expect("office"),
                e["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    // Seeding is not an office's request; the three accesses are.
    assert_eq!(
        offices,
        [
            ("wohnungsamt", "permitted"),
            ("auslaenderbehoerde", "permitted"),
            ("statistikstelle", "denied")
        ]
    );
    assert_eq!(entries[0]["rule_id"], "wohnungsamt-identifikation");
    assert_eq!(entries[0]["recipient"], "wohnungsamt");
    assert_eq!(entries[2]["recipient"], serde_json::Value::Null);
    assert!(entries.iter().all(|e| e.get("retrieving_person").is_none()));
    assert!(r["examined"].as_u64().expect("examined") >= 4);
    // The report request is itself logged, about the person.
    let key = fldm_core::audit::PseudonymKey::load(&t.dir().join("pseudonym.hex")).expect("key");
    let rec = t.audit_records().pop().expect("record");
    assert_eq!(rec.requesting_office, "datenschutz");
    assert!(rec.concerns(&key.subject_ref(me)));

    // Only the data-protection office; the id is checked.
    let (s, _) = send_as(wa.get(&url), "wohnungsamt").await;
    assert_eq!(s, 403);
    // ... and the refused attempt shows in the next report, after the
    // first report itself.
    let (_, again) = send_as(ds.get(&url), "datenschutz").await;
    let tail: Vec<(&str, &str)> = again["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .rev()
        .take(2)
        .map(|e| {
            (
                e["requesting_office"].as_str().expect("office"),
                e["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    assert_eq!(
        tail,
        [("wohnungsamt", "denied"), ("datenschutz", "permitted")]
    );
    for bad in [
        "/v1/audit/access-report",
        "/v1/audit/access-report?fldm_id=%20",
    ] {
        let (s, v) = send_as(ds.get(t.url(bad)), "datenschutz").await;
        assert_eq!((s, v["field"].as_str()), (422, Some("fldm_id")), "{bad}");
    }
    t.stop_and_verify().await;
}

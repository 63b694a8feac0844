//! Writes (idempotent, within the write rule), the change feed per office,
//! corrections, search, audit endpoints.

mod api_support;

use api_support::{ctx, send, send_as, send_json_as, start};
use serde_json::json;

fn address(street: &str) -> serde_json::Value {
    json!({"anschrift": {"strasse": street, "hausnummer": "12", "postleitzahl": "50667", "ort": "Köln"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_writes_apply_once() {
    let t = start(5).await;
    let id = t.seeded_ids(1).remove(0);
    let wa = t.client("wohnungsamt");
    let url = t.url(&format!("/v1/persons/{id}/anschrift"));
    let before_feed = t.hub().state().store.latest_seq().expect("seq");

    // No key: 400.
    let (s, v) = send_json_as(wa.put(&url), "wohnungsamt", None, &address("Domstraße")).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("idempotency_key_required"))
    );

    let put = |key: &'static str, body: serde_json::Value| {
        send(
            ctx(wa.put(&url), "wohnungsamt")
                .header("Idempotency-Key", key)
                .json(&body),
        )
    };
    let (s1, v1) = put("k-1", address("Domstraße")).await;
    assert_eq!(s1, 200, "{v1}");
    assert_eq!(v1["changed"], json!(["anschrift.aktuell"]));
    let version = v1["version"].as_u64().expect("version");
    let (s2, v2) = put("k-1", address("Domstraße")).await;
    assert_eq!(s2, 200);
    assert_eq!(v2, v1, "the retry gets the stored response");
    let (s3, v3) = put("k-1", address("Hohe Straße")).await;
    assert_eq!(
        (s3, v3["code"].as_str()),
        (409, Some("idempotency_conflict"))
    );
    let after_feed = t.hub().state().store.latest_seq().expect("seq");
    assert_eq!(after_feed, before_feed + 1, "applied exactly once");
    let rec = t
        .hub()
        .state()
        .store
        .get(&fldm_core::ids::FldmId::parse(&id).expect("id"))
        .expect("get");
    assert_eq!(rec.version, version);
    assert_eq!(
        rec.person
            .anschrift
            .aktuell
            .as_ref()
            .and_then(|a| a.strasse.as_ref())
            .map(|s| s.as_str()),
        Some("Domstraße")
    );

    // The wohnungsamt may write nothing but the address.
    let (s, v) = send_json_as(
        wa.patch(t.url(&format!("/v1/persons/{id}"))),
        "wohnungsamt",
        Some("k-2"),
        &json!({"grundpersonalien": {"familienname": "Haddad"}, "anschrift": {"aktuell": {"ort": "Köln"}}}),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str(), v["reason"].as_str()),
        (403, Some("policy_denied"), Some("attributes_not_permitted"))
    );
    assert!(
        v["detail"]
            .as_str()
            .expect("detail")
            .contains("grundpersonalien.familienname")
    );
    assert!(
        !v["detail"]
            .as_str()
            .expect("detail")
            .contains("anschrift.aktuell")
    );

    // The Ausländerbehörde creates and updates; a stale If-Match is a conflict.
    let abh = t.client("auslaenderbehoerde");
    let new = json!({"grundpersonalien": {"familienname": "Nasser", "vornamen": "Rana", "geburtsdatum": "1990-05", "geschlecht": "w", "staatsangehoerigkeiten": ["475"]}});
    let create = || {
        send_json_as(
            abh.post(t.url("/v1/persons")),
            "auslaenderbehoerde",
            Some("create-1"),
            &new,
        )
    };
    let (s, c1) = create().await;
    assert_eq!(s, 201, "{c1}");
    let (s, c2) = create().await;
    assert_eq!(s, 201);
    assert_eq!(
        c1["fldm_id"], c2["fldm_id"],
        "a retried creation creates one person"
    );
    assert_eq!(t.hub().state().store.count().expect("count"), 6);
    let new_id = c1["fldm_id"].as_str().expect("id").to_string();
    // The update, with an idempotency key and the version it expects.
    let update = |key: &'static str, if_match: &'static str| {
        send(
            ctx(
                abh.patch(t.url(&format!("/v1/persons/{new_id}"))),
                "auslaenderbehoerde",
            )
            .header("Idempotency-Key", key)
            .header("If-Match", if_match)
            .json(&json!({"grundpersonalien": {"vornamen": "Rania"}})),
        )
    };
    let (s, v) = update("upd-1", "\"7\"").await;
    assert_eq!((s, v["code"].as_str()), (409, Some("version_conflict")));
    let (s, v) = update("upd-2", "\"1\"").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["changed"], json!(["grundpersonalien.vornamen"]));
    // Other offices cannot create.
    let (s, v) = send_json_as(
        wa.post(t.url("/v1/persons")),
        "wohnungsamt",
        Some("c-wa"),
        &new,
    )
    .await;
    assert_eq!(
        (s, v["reason"].as_str()),
        (403, Some("create_not_permitted"))
    );

    let records = t.audit_records();
    let writes: Vec<_> = records
        .iter()
        .filter(|r| {
            r.operation == fldm_core::audit::Operation::Change
                && r.outcome.kind == fldm_core::audit::OutcomeKind::Permitted
        })
        .collect();
    // k-1 applied, k-1 replayed, upd-2 applied.
    assert_eq!(writes.len(), 3);
    assert_eq!(
        writes[1].outcome.reason.as_deref(),
        Some("idempotent_replay")
    );
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_feed_is_filtered_per_office() {
    let t = start(4).await;
    let ids = t.seeded_ids(4);
    let abh = t.client("auslaenderbehoerde");
    let wa = t.client("wohnungsamt");
    let ga = t.client("gesundheitsamt");
    let start_seq = t.hub().state().store.latest_seq().expect("seq");

    // A change the wohnungsamt may not see (Aufenthaltsstatus) and one it may (address).
    let (s, v) = send_json_as(
        abh.patch(t.url(&format!("/v1/persons/{}", ids[0]))),
        "auslaenderbehoerde",
        Some("a-1"),
        &json!({"integration": {"beruf": "Tischler"}}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = send_json_as(
        wa.put(t.url(&format!("/v1/persons/{}/anschrift", ids[1]))),
        "wohnungsamt",
        Some("w-1"),
        &address("Ringstraße"),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let feed = |client: &reqwest::Client, office: &'static str, cursor: u64| {
        send_as(
            client.get(t.url(&format!("/v1/changes?cursor={cursor}&limit=10"))),
            office,
        )
    };
    let (s, w) = feed(&wa, "wohnungsamt", start_seq).await;
    assert_eq!(s, 200, "{w}");
    let entries = w["changes"].as_array().expect("changes");
    assert_eq!(entries.len(), 1, "the integration change is skipped: {w}");
    assert_eq!(entries[0]["changed"], json!(["anschrift.aktuell"]));
    assert_eq!(entries[0]["record"]["fldm_id"], ids[1].as_str());
    assert_eq!(
        w["next_cursor"],
        start_seq + 2,
        "the cursor advances past skipped entries"
    );
    assert_eq!(w["has_more"], false);

    let (_, a) = feed(&abh, "auslaenderbehoerde", start_seq).await;
    assert_eq!(a["changes"].as_array().expect("changes").len(), 2);
    let (_, g) = feed(&ga, "gesundheitsamt", start_seq).await;
    let g_entries = g["changes"].as_array().expect("changes");
    assert_eq!(g_entries.len(), 1);
    assert!(g_entries[0]["record"].get("integration").is_none());

    // From the start: the seeded creations, projected.
    let (_, w0) = feed(&wa, "wohnungsamt", 0).await;
    for e in w0["changes"].as_array().expect("changes") {
        assert!(e["record"].get("azr_nummer").is_none());
        assert!(e["record"].get("aufenthalt").is_none());
    }
    // XML.
    let resp2 = ctx(
        wa.get(t.url(&format!("/v1/changes?cursor={start_seq}"))),
        "wohnungsamt",
    )
    .header("Accept", "application/xml")
    .send()
    .await
    .expect("send");
    let doc = resp2.text().await.expect("xml");
    assert!(
        doc.contains("<hub:aenderungen") && doc.contains("<fldm:person"),
        "{doc}"
    );
    let (s, v) = send_as(wa.get(t.url("/v1/changes?cursor=x")), "wohnungsamt").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("cursor")));
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrections_flow_to_the_owning_office() {
    let t = start(3).await;
    let id = t.seeded_ids(1).remove(0);
    let wa = t.client("wohnungsamt");
    let abh = t.client("auslaenderbehoerde");
    let url = t.url(&format!("/v1/persons/{id}/corrections"));
    let report = json!({"attributes": ["grundpersonalien.vornamen"], "note": "Vorname laut Mietvertrag anders geschrieben"});
    let (s, c) = send(
        ctx(wa.post(&url), "wohnungsamt")
            .header("Idempotency-Key", "corr-1")
            .header("FLDM-Request-Id", "corr-req-1")
            .json(&report),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["status"], "open");
    assert_eq!(c["reported_by"], "wohnungsamt");
    assert_eq!(c["request_id"], "corr-req-1");
    // Attributes the office does not receive cannot be reported.
    let (s, v) = send_json_as(
        wa.post(&url),
        "wohnungsamt",
        Some("corr-2"),
        &json!({"attributes": ["aufenthalt.aufenthaltsstatus"], "note": "x"}),
    )
    .await;
    assert_eq!(
        (s, v["reason"].as_str()),
        (403, Some("attributes_not_permitted"))
    );
    // In XML.
    let (s, v) = send(
        ctx(wa.post(&url), "wohnungsamt")
            .header("Idempotency-Key", "corr-3")
            .header("Content-Type", "application/xml")
            .body("<hub:berichtigung xmlns:hub=\"urn:fldm:xml:hub:1\"><hub:attributes><hub:eintrag>anschrift.aktuell</hub:eintrag></hub:attributes><hub:note>Hausnummer fehlt</hub:note></hub:berichtigung>"),
    )
    .await;
    assert_eq!(s, 201, "{v}");

    let (s, list) = send_as(
        abh.get(t.url("/v1/corrections?status=open")),
        "auslaenderbehoerde",
    )
    .await;
    assert_eq!(s, 200, "{list}");
    let items = list["corrections"].as_array().expect("list");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["fldm_id"], id.as_str());
    assert_eq!(items[0]["attributes"], json!(["grundpersonalien.vornamen"]));
    assert_eq!(items[1]["note"], "Hausnummer fehlt");
    // The reporting office owns no records: its list is empty.
    let (s, own) = send_as(wa.get(t.url("/v1/corrections")), "wohnungsamt").await;
    assert_eq!(s, 200);
    assert_eq!(own["corrections"], json!([]));
    let (s, v) = send_as(
        abh.get(t.url("/v1/corrections?status=maybe")),
        "auslaenderbehoerde",
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("status")));

    // The owner decides: accept the first, reject the second.
    let first = items[0]["id"].as_u64().expect("id");
    let second = items[1]["id"].as_u64().expect("id");
    let status_url = |id: u64| t.url(&format!("/v1/corrections/{id}/status"));
    let before = t.journal_len();
    let (s, d) = send_json_as(
        abh.put(status_url(first)),
        "auslaenderbehoerde",
        Some("dec-1"),
        &json!({"status": "accepted"}),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(
        (d["id"].as_u64(), d["status"].as_str()),
        (Some(first), Some("accepted"))
    );
    // The decision is a logged change about the person concerned.
    let rec = t.audit_records().pop().expect("record");
    assert_eq!(t.journal_len(), before + 1);
    assert_eq!(rec.operation, fldm_core::audit::Operation::Change);
    assert_eq!(rec.requesting_office, "auslaenderbehoerde");
    assert!(rec.subject_ref.is_some());
    // A retry with the same key returns the stored answer; the same
    // decision under a new key changes nothing.
    for key in ["dec-1", "dec-1b"] {
        let (s, again) = send_json_as(
            abh.put(status_url(first)),
            "auslaenderbehoerde",
            Some(key),
            &json!({"status": "accepted"}),
        )
        .await;
        assert_eq!(
            (s, again["status"].as_str()),
            (200, Some("accepted")),
            "{key}"
        );
    }
    // Not the owner; a flip; reopening; unknown and malformed ids; no key.
    let (s, v) = send_json_as(
        wa.put(status_url(second)),
        "wohnungsamt",
        Some("dec-2"),
        &json!({"status": "accepted"}),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    for (id, status, code, field) in [
        (first, "rejected", 422, Some("status")),
        (second, "open", 422, Some("status")),
        (999_999, "accepted", 404, None),
    ] {
        let (s, v) = send_json_as(
            abh.put(status_url(id)),
            "auslaenderbehoerde",
            Some(&format!("dec-{id}-{status}")),
            &json!({ "status": status }),
        )
        .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (code, field),
            "{id} {status}: {v}"
        );
    }
    let (s, v) = send_json_as(
        abh.put(t.url("/v1/corrections/zwei/status")),
        "auslaenderbehoerde",
        Some("dec-x"),
        &json!({"status": "accepted"}),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("id")));
    let (s, v) = send(
        ctx(abh.put(status_url(second)), "auslaenderbehoerde").json(&json!({"status": "rejected"})),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("idempotency_key_required"))
    );
    let (s, d) = send_json_as(
        abh.put(status_url(second)),
        "auslaenderbehoerde",
        Some("dec-3"),
        &json!({"status": "rejected"}),
    )
    .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("rejected")));
    // Decided corrections leave the open list.
    let (_, open) = send_as(
        abh.get(t.url("/v1/corrections?status=open")),
        "auslaenderbehoerde",
    )
    .await;
    assert_eq!(open["corrections"], json!([]));
    let (_, accepted) = send_as(
        abh.get(t.url("/v1/corrections?status=accepted")),
        "auslaenderbehoerde",
    )
    .await;
    assert_eq!(accepted["corrections"][0]["id"].as_u64(), Some(first));

    // Pages: `limit` per request, `after` the last id, `has_more`; the
    // audit record of a page names every person in it.
    let other = t.seeded_ids(3).remove(1);
    let (s, _) = send_json_as(
        wa.post(t.url(&format!("/v1/persons/{other}/corrections"))),
        "wohnungsamt",
        Some("corr-4"),
        &json!({"attributes": ["grundpersonalien.vornamen"], "note": "zweite Person"}),
    )
    .await;
    assert_eq!(s, 201);
    let (s, p1) = send_as(
        abh.get(t.url("/v1/corrections?limit=2")),
        "auslaenderbehoerde",
    )
    .await;
    assert_eq!(s, 200, "{p1}");
    let ids = |v: &serde_json::Value| -> Vec<u64> {
        v["corrections"]
            .as_array()
            .expect("list")
            .iter()
            .map(|c| c["id"].as_u64().expect("id"))
            .collect()
    };
    assert_eq!((ids(&p1).len(), p1["has_more"].as_bool()), (2, Some(true)));
    let page_record = t.audit_records().pop().expect("record");
    // Both corrections of page 1 are about the same person.
    assert!(page_record.subject_ref.is_some() && page_record.subject_refs.is_empty());
    let after = ids(&p1)[1];
    let (_, p2) = send_as(
        abh.get(t.url(&format!("/v1/corrections?limit=2&after={after}"))),
        "auslaenderbehoerde",
    )
    .await;
    assert_eq!(p2["has_more"].as_bool(), Some(false));
    assert_eq!(ids(&p2).len(), 1);
    let (_, all) = send_as(abh.get(t.url("/v1/corrections")), "auslaenderbehoerde").await;
    assert_eq!([ids(&p1), ids(&p2)].concat(), ids(&all));
    let rec = t.audit_records().pop().expect("record");
    assert_eq!(rec.subject_ref, None);
    assert_eq!(
        rec.subject_refs.len(),
        2,
        "the full list concerns two persons"
    );
    for bad in ["limit=0", "limit=1001"] {
        let (s, v) = send_as(
            abh.get(t.url(&format!("/v1/corrections?{bad}"))),
            "auslaenderbehoerde",
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("limit")), "{bad}");
    }
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_returns_projected_candidates() {
    let t = start(50).await;
    let people = fldm_synth::population(50, 7);
    let target = people
        .iter()
        .find(|p| {
            p.grundpersonalien
                .familienname
                .as_ref()
                .and_then(|n| n.wert())
                .is_some()
        })
        .expect("a person with a family name");
    let g = &target.grundpersonalien;
    let mut q =
        json!({"familienname": g.familienname.as_ref().and_then(|n| n.wert()).expect("name")});
    if let Some(v) = g.vornamen.as_ref().and_then(|n| n.wert()) {
        q["vornamen"] = json!(v);
    }
    if let Some(d) = g.geburtsdatum {
        q["geburtsdatum"] = json!(d.to_string());
    }
    let wa = t.client("wohnungsamt");
    let (s, v) = send_json_as(
        wa.post(t.url("/v1/persons/search")),
        "wohnungsamt",
        None,
        &q,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let cands = v["candidates"].as_array().expect("candidates");
    assert!(!cands.is_empty());
    assert_eq!(
        cands[0]["record"]["fldm_id"],
        target.fldm_id.as_str(),
        "{v}"
    );
    assert!(cands[0]["probability"].as_f64().expect("p") > 0.5);
    for c in cands {
        assert!(c["record"].get("azr_nummer").is_none());
        assert!(c["record"].get("weitere_personalien").is_none());
    }
    assert_eq!(v["decision"]["rule_id"], "wohnungsamt-suche");
    let rec = t.audit_records().pop().expect("record");
    assert!(!rec.query_criteria.is_empty());
    let name = g
        .familienname
        .as_ref()
        .and_then(|n| n.wert())
        .expect("name");
    let line = serde_json::to_string(&rec).expect("json");
    assert!(!line.contains(name), "no names in the audit log");
    // XML request and response.
    let body = format!(
        "<hub:suche xmlns:hub=\"urn:fldm:xml:hub:1\"><hub:familienname>{name}</hub:familienname><hub:limit>3</hub:limit></hub:suche>"
    );
    let resp = ctx(wa.post(t.url("/v1/persons/search")), "wohnungsamt")
        .header("Content-Type", "application/xml")
        .header("Accept", "application/xml")
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let doc = resp.text().await.expect("xml");
    assert!(
        doc.contains("<hub:suchergebnis") && doc.contains("<hub:candidates>"),
        "{doc}"
    );
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datenschutz_reads_checkpoints_and_proofs() {
    let t = start(2).await;
    let id = t.seeded_ids(1).remove(0);
    let wa = t.client("wohnungsamt");
    for _ in 0..3 {
        let (s, _) = send_as(wa.get(t.url(&format!("/v1/persons/{id}"))), "wohnungsamt").await;
        assert_eq!(s, 200);
    }
    let ds = t.client("datenschutz");
    let (s, cp) = send_as(ds.get(t.url("/v1/audit/checkpoint")), "datenschutz").await;
    assert_eq!(s, 200, "{cp}");
    assert!(cp["size"].as_u64().expect("size") >= 3);
    assert_eq!(cp["public_key"].as_str().expect("key").len(), 64);
    let resp = ctx(ds.get(t.url("/v1/audit/proof?index=1")), "datenschutz")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.expect("bundle");
    let bundle = fldm_core::audit::Bundle::from_json(&text).expect("bundle");
    bundle
        .verify(&t.public_key)
        .expect("bundle verifies offline");
    assert_eq!(bundle.entry.record.requesting_office, "wohnungsamt");
    let (s, v) = send_as(ds.get(t.url("/v1/audit/proof?index=999999")), "datenschutz").await;
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));
    let (s, v) = send_as(ds.get(t.url("/v1/audit/proof")), "datenschutz").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("index")));
    // Only the data-protection office.
    let (s, _) = send_as(wa.get(t.url("/v1/audit/checkpoint")), "wohnungsamt").await;
    assert_eq!(s, 403);
    let report = t.stop_and_verify().await;
    assert_eq!(report.entries, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_disclosed_or_written_without_an_audit_record() {
    use std::sync::atomic::Ordering;
    let t = start(2).await;
    let id = t.seeded_ids(1).remove(0);
    let wa = t.client("wohnungsamt");
    let before = t.journal_len();
    let seq = t.hub().state().store.latest_seq().expect("seq");
    t.hub().state().audit_fault.store(true, Ordering::SeqCst);

    let (s, v) = send_as(wa.get(t.url(&format!("/v1/persons/{id}"))), "wohnungsamt").await;
    assert_eq!((s, v["code"].as_str()), (503, Some("audit_unavailable")));
    assert!(v.get("record").is_none());
    assert!(!v.to_string().contains(&id));

    // The same address write, with the same key, before and after the fault.
    let glockengasse = address("Glockengasse");
    let write_address = || {
        send_json_as(
            wa.put(t.url(&format!("/v1/persons/{id}/anschrift"))),
            "wohnungsamt",
            Some("fault-1"),
            &glockengasse,
        )
    };
    let (s, v) = write_address().await;
    assert_eq!((s, v["code"].as_str()), (503, Some("audit_unavailable")));
    assert_eq!(
        t.hub().state().store.latest_seq().expect("seq"),
        seq,
        "the write was rolled back"
    );
    assert_eq!(t.journal_len(), before);

    // Once the journal works again, the same key applies the write.
    t.hub().state().audit_fault.store(false, Ordering::SeqCst);
    let (s, v) = write_address().await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(t.hub().state().store.latest_seq().expect("seq"), seq + 1);
    t.stop_and_verify().await;
}

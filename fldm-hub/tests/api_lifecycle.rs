//! The record life cycle over HTTPS with mTLS: bulk import
//! (`POST /v1/persons/batch`), deletion, merge, tombstones in the change
//! feed, and the audit records of each, refusals included.

mod api_support;

use api_support::{TestHub, ctx, json, send, start, start_with_policy};
use fldm_core::audit::{AuditRecord, Operation, OutcomeKind};
use serde_json::{Value, json};

const ABH: &str = "auslaenderbehoerde";

/// A record keyed by `azr` and/or `az`, with the given family name.
fn rec(azr: Option<&str>, az: Option<&str>, name: &str) -> Value {
    let mut v = json!({"grundpersonalien": {"familienname": name, "vornamen": "Rana", "geburtsdatum": "1990", "geschlecht": "w", "staatsangehoerigkeiten": ["475"]}});
    if let Some(a) = azr {
        v["azr_nummer"] = json!(a);
    }
    if let Some(a) = az {
        v["aktenzeichen"] = json!(a);
    }
    v
}

fn lines(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// POST a JSON-lines import as `office` with `key` and request id `rid`.
async fn import(
    t: &TestHub,
    office: &str,
    key: Option<&str>,
    rid: &str,
    body: String,
) -> (u16, Value) {
    let c = t.client(office);
    let mut req = ctx(c.post(t.url("/v1/persons/batch")), office)
        .header("FLDM-Request-Id", rid)
        .header("Content-Type", "application/x-ndjson")
        .body(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    send(req).await
}

/// The audit records of request `rid`.
fn records_of(t: &TestHub, rid: &str) -> Vec<AuditRecord> {
    t.audit_records()
        .into_iter()
        .filter(|r| r.request_id == rid)
        .collect()
}

/// Every subject reference of a record.
fn refs(r: &AuditRecord) -> Vec<String> {
    let mut out = r.subject_refs.clone();
    out.extend(r.subject_ref.clone());
    out
}

fn subject_ref(t: &TestHub, id: &str) -> String {
    t.hub().state().pseudonym.subject_ref(id)
}

fn seq(t: &TestHub) -> u64 {
    t.hub().state().store.latest_seq().expect("seq")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_import_creates_updates_and_leaves_unchanged_records_alone() {
    let t = start(0).await;
    let first = vec![
        rec(Some("230517000101"), None, "Haddad"),
        rec(None, Some("ABH-1/26"), "Nasser"),
        rec(Some("230517000102"), Some("ABH-2/26"), "Khalil"),
    ];
    let before = seq(&t);
    let (s, v1) = import(&t, ABH, Some("b1"), "imp-1", lines(&first)).await;
    assert_eq!(s, 200, "{v1}");
    assert_eq!(
        (
            &v1["created"],
            &v1["updated"],
            &v1["unchanged"],
            &v1["refused"]
        ),
        (&json!(3), &json!(0), &json!(0), &json!(0))
    );
    let results = v1["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    let ids: Vec<String> = results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            assert_eq!(r["index"], json!(i));
            assert_eq!(r["outcome"], "created");
            r["fldm_id"].as_str().expect("id").to_string()
        })
        .collect();
    assert_eq!(seq(&t), before + 3, "one feed entry per created record");
    let audit = records_of(&t, "imp-1");
    assert_eq!(audit.len(), 1, "three persons fit one record");
    assert_eq!(audit[0].operation, Operation::Collect);
    assert_eq!(audit[0].outcome.kind, OutcomeKind::Permitted);
    let mut want: Vec<String> = ids.iter().map(|id| subject_ref(&t, id)).collect();
    want.sort();
    assert_eq!(refs(&audit[0]), want);

    // The retry of the same request is the stored response; nothing again.
    let (s, replay) = import(&t, ABH, Some("b1"), "imp-1r", lines(&first)).await;
    assert_eq!((s, &replay), (200, &v1));
    let r = records_of(&t, "imp-1r");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].outcome.reason.as_deref(), Some("idempotent_replay"));

    // The same stock again: unchanged, no feed entry, audited as `change`.
    let (s, v2) = import(&t, ABH, Some("b2"), "imp-2", lines(&first)).await;
    assert_eq!(s, 200, "{v2}");
    assert_eq!((&v2["created"], &v2["unchanged"]), (&json!(0), &json!(3)));
    let same: Vec<&str> = v2["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["fldm_id"].as_str().expect("id"))
        .collect();
    assert_eq!(same, ids, "the hub keeps the FLDM id of a known key");
    assert_eq!(seq(&t), before + 3, "unchanged records write nothing");
    let audit = records_of(&t, "imp-2");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].operation, Operation::Change);
    assert_eq!(refs(&audit[0]).len(), 3);

    // One changed value: one update, one feed entry.
    let mut second = first.clone();
    second[1]["grundpersonalien"]["familienname"] = json!("Nasser-Haddad");
    let (s, v3) = import(&t, ABH, Some("b3"), "imp-3", lines(&second)).await;
    assert_eq!(s, 200, "{v3}");
    assert_eq!((&v3["updated"], &v3["unchanged"]), (&json!(1), &json!(2)));
    assert_eq!(v3["results"][1]["outcome"], "updated");
    assert_eq!(seq(&t), before + 4);
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_refusal_names_index_and_field_never_a_value() {
    let t = start(0).await;
    let (s, _) = import(
        &t,
        ABH,
        Some("seed"),
        "imp-0",
        lines(&[
            rec(Some("230517000201"), None, "Haddad"),
            rec(None, Some("ABH-9/26"), "Nasser"),
        ]),
    )
    .await;
    assert_eq!(s, 200);
    let mut bad_date = rec(Some("230517000203"), None, "Yousef");
    bad_date["grundpersonalien"]["geburtsdatum"] = json!("1990-02-30");
    let body = [
        bad_date.to_string(),
        json!({"grundpersonalien": {"familienname": "Darwish"}}).to_string(),
        rec(Some("230517000204"), None, "Saleh").to_string(),
        rec(Some("230517000204"), None, "Saleh").to_string(),
        "{\"grundpersonalien\": 5, \"azr_nummer\": \"230517000205\"}".to_string(),
        // The AZR-Nummer of one record and the Aktenzeichen of another.
        rec(Some("230517000201"), Some("ABH-9/26"), "Haddad").to_string(),
        rec(Some("230517000206"), None, "Mansour").to_string(),
    ]
    .join("\n");
    let before = seq(&t);
    let (s, v) = import(&t, ABH, Some("bad"), "imp-bad", body).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (&v["created"], &v["refused"]),
        (&json!(2), &json!(5)),
        "{v}"
    );
    let r = &v["results"];
    let refusal = |i: usize| {
        (
            r[i]["outcome"].as_str().unwrap_or(""),
            r[i]["reason"].as_str().unwrap_or(""),
            r[i]["field"].as_str().unwrap_or(""),
        )
    };
    assert_eq!(
        refusal(0),
        ("refused", "invalid", "grundpersonalien.geburtsdatum")
    );
    assert_eq!(refusal(1), ("refused", "missing_key", "azr_nummer"));
    assert_eq!(r[2]["outcome"], "created");
    assert_eq!(refusal(3), ("refused", "duplicate_key", "azr_nummer"));
    assert_eq!(refusal(4).1, "invalid");
    assert!(refusal(4).2.starts_with("grundpersonalien"), "{}", r[4]);
    assert_eq!(refusal(5).1, "key_conflict");
    assert!(
        ["azr_nummer", "aktenzeichen"].contains(&refusal(5).2),
        "{}",
        r[5]
    );
    assert_eq!(r[6]["outcome"], "created");
    for i in [0, 1, 3, 4, 5] {
        assert_eq!(r[i]["index"], json!(i));
        assert!(r[i].get("fldm_id").is_none());
    }
    let text = v.to_string();
    for value in ["Yousef", "Darwish", "Saleh", "1990-02-30", "230517000204"] {
        assert!(!text.contains(value), "the response quotes {value}");
    }
    assert_eq!(seq(&t), before + 2);
    let audit = records_of(&t, "imp-bad");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].operation, Operation::Collect);
    assert_eq!(refs(&audit[0]).len(), 2, "only the written persons");
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attribute_outside_the_write_rule_is_refused_per_record() {
    // The reference policy with an import rule that leaves out integration.
    let text = std::fs::read_to_string(api_support::POLICY).expect("policy");
    let rule = "  \"asyl\",\n  \"integration\",\n]\ncase_reference_required = true\n\n[rule.legal_basis]\nlaw = \"AufenthG\"";
    assert!(text.contains(rule), "the reference policy changed");
    let narrowed = text.replacen(
        rule,
        "  \"asyl\",\n]\ncase_reference_required = true\n\n[rule.legal_basis]\nlaw = \"AufenthG\"",
        1,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, narrowed).expect("write");
    let t = start_with_policy(0, path.to_str().expect("utf-8 path")).await;
    let mut with_job = rec(Some("230517000301"), None, "Haddad");
    with_job["integration"] = json!({"beruf": "Tischlerin"});
    let body = lines(&[with_job, rec(Some("230517000302"), None, "Nasser")]);
    let (s, v) = import(&t, ABH, Some("p1"), "imp-p", body).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["results"][0]["reason"], "policy_denied");
    assert_eq!(v["results"][0]["field"], "integration.beruf");
    assert_eq!(v["results"][1]["outcome"], "created");
    assert!(!v.to_string().contains("Tischlerin"));
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_request_refusals_write_nothing_and_are_audited() {
    let t = start(0).await;
    let count = || t.hub().state().store.count().expect("count");

    // More than MAX_IMPORT_BATCH records.
    let many: String = (0..=fldm_core::wire::MAX_IMPORT_BATCH)
        .map(|i| format!("{}\n", rec(Some(&format!("2305170{i:05}")), None, "Haddad")))
        .collect();
    let (s, v) = import(&t, ABH, Some("big"), "imp-big", many).await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (422, Some("invalid_input"), Some("records"))
    );
    assert_eq!(count(), 0);

    // Malformed XML after a good record: nothing is written.
    let xml = "<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\
               <fldm:person><fldm:azrNummer>230517000401</fldm:azrNummer></fldm:person>\
               <fldm:person><fldm:azrNummer>";
    let c = t.client(ABH);
    let (s, v) = send(
        ctx(c.post(t.url("/v1/persons/batch")), ABH)
            .header("FLDM-Request-Id", "imp-xml-bad")
            .header("Idempotency-Key", "x0")
            .header("Content-Type", "application/xml")
            .body(xml),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_input")), "{v}");
    assert!(
        v["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("records[")),
        "{v}"
    );
    assert_eq!(count(), 0);

    // Offices that may not record persons.
    let (s, v) = import(
        &t,
        "wohnungsamt",
        Some("w1"),
        "imp-wa",
        lines(&[rec(Some("230517000402"), None, "X")]),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str(), v["reason"].as_str()),
        (403, Some("policy_denied"), Some("create_not_permitted"))
    );
    let (s, v) = import(
        &t,
        "sozialamt",
        Some("s1"),
        "imp-sa",
        lines(&[rec(Some("230517000402"), None, "X")]),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (403, Some("policy_denied")));
    // No idempotency key.
    let (s, v) = import(
        &t,
        ABH,
        None,
        "imp-nokey",
        lines(&[rec(Some("230517000402"), None, "X")]),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("idempotency_key_required"))
    );
    assert_eq!(count(), 0);

    for (rid, kind) in [
        ("imp-big", OutcomeKind::Error),
        ("imp-xml-bad", OutcomeKind::Error),
        ("imp-wa", OutcomeKind::Denied),
        ("imp-sa", OutcomeKind::Denied),
        ("imp-nokey", OutcomeKind::Error),
    ] {
        let r = records_of(&t, rid);
        assert_eq!(r.len(), 1, "{rid}");
        assert_eq!(
            (r[0].operation, r[0].outcome.kind),
            (Operation::Collect, kind),
            "{rid}"
        );
    }

    // An XML batch, answered in XML.
    let xml = "<?xml version=\"1.0\"?>\n<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\
               <fldm:person><fldm:azrNummer>230517000403</fldm:azrNummer></fldm:person>\
               <fldm:person><fldm:aktenzeichen>ABH-7/26</fldm:aktenzeichen></fldm:person>\
               </fldm:personen>";
    let resp = ctx(c.post(t.url("/v1/persons/batch")), ABH)
        .header("Idempotency-Key", "x1")
        .header("Content-Type", "application/xml")
        .header("Accept", "application/xml")
        .body(xml)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let doc = resp.text().await.expect("body");
    assert!(doc.contains("<hub:importergebnis"), "{doc}");
    assert!(doc.contains("<hub:created>2</hub:created>"), "{doc}");
    assert_eq!(count(), 2);
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_and_merge_reach_every_feed_as_tombstones() {
    let t = start(6).await;
    let ids = t.seeded_ids(6);
    let abh = t.client(ABH);
    let wa = t.client("wohnungsamt");
    let del = |c: &reqwest::Client, office: &str, id: &str, query: &str, key: &str, rid: &str| {
        ctx(c.delete(t.url(&format!("/v1/persons/{id}{query}"))), office)
            .header("Idempotency-Key", key)
            .header("FLDM-Request-Id", rid)
    };
    let cursor = seq(&t);

    // Not the owner; no or an unknown reason; no key.
    let (s, v) = send(del(
        &wa,
        "wohnungsamt",
        &ids[0],
        "?reason=wegzug",
        "w1",
        "del-wa",
    ))
    .await;
    assert_eq!((s, v["reason"].as_str()), (403, Some("not_owner")), "{v}");
    let (s, v) = send(del(&abh, ABH, &ids[0], "", "d0", "del-noreason")).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")));
    let (s, v) = send(del(
        &abh,
        ABH,
        &ids[0],
        "?reason=weg",
        "d0",
        "del-badreason",
    ))
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")));

    let (s, v) = send(del(&abh, ABH, &ids[0], "?reason=wegzug", "d1", "del-1")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["fldm_id"].as_str(), Some(ids[0].as_str()));
    assert_eq!(v["deleted"]["reason"], "wegzug");
    assert!(
        v["deleted"]["at"]
            .as_str()
            .is_some_and(|a| a.ends_with('Z'))
    );
    let (s, replay) = send(del(&abh, ABH, &ids[0], "?reason=wegzug", "d1", "del-1r")).await;
    assert_eq!((s, &replay), (200, &v));
    let (s, _) = send(ctx(abh.get(t.url(&format!("/v1/persons/{}", ids[0]))), ABH)).await;
    assert_eq!(s, 404);
    let (s, v) = send(del(&abh, ABH, &ids[0], "?reason=wegzug", "d2", "del-2")).await;
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));

    // Merge.
    let merge = |c: &reqwest::Client, office: &str, survivor: &str, key: &str, rid: &str| {
        ctx(
            c.post(t.url(&format!("/v1/persons/{survivor}/merge"))),
            office,
        )
        .header("Idempotency-Key", key)
        .header("FLDM-Request-Id", rid)
    };
    let (s, v) =
        send(merge(&abh, ABH, &ids[1], "m0", "mrg-self").json(&json!({"duplicate": ids[1]}))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("duplicate")), "{v}");
    let (s, _) = send(
        merge(&abh, ABH, &ids[1], "m0", "mrg-unknown").json(&json!({"duplicate": "PUNKNOWN"})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, v) = send(
        merge(&wa, "wohnungsamt", &ids[1], "w2", "mrg-wa").json(&json!({"duplicate": ids[2]})),
    )
    .await;
    assert_eq!((s, v["reason"].as_str()), (403, Some("not_owner")), "{v}");
    let (s, v) =
        send(merge(&abh, ABH, &ids[1], "m1", "mrg-1").json(&json!({"duplicate": ids[2]}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["fldm_id"].as_str(), v["duplicate"].as_str()),
        (Some(ids[1].as_str()), Some(ids[2].as_str()))
    );
    assert_eq!(v["deleted"]["reason"], "doppelerfassung");
    assert_eq!(v["deleted"]["merged_into"].as_str(), Some(ids[1].as_str()));
    // The body in XML.
    let xml = format!(
        "<hub:zusammenfuehrung xmlns:hub=\"urn:fldm:xml:hub:1\"><hub:duplicate>{}</hub:duplicate></hub:zusammenfuehrung>",
        ids[3]
    );
    let (s, v) = json(
        merge(&abh, ABH, &ids[1], "m2", "mrg-xml")
            .header("Content-Type", "application/xml")
            .body(xml)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["duplicate"].as_str(), Some(ids[3].as_str()));

    // Tombstones in the feeds of offices with different attribute sets.
    for office in ["wohnungsamt", "sozialamt", ABH] {
        let c = t.client(office);
        let url = t.url(&format!("/v1/changes?cursor={cursor}&limit=100"));
        let (s, page) =
            send(ctx(c.get(url), office).header("FLDM-Request-Id", format!("feed-{office}"))).await;
        assert_eq!(s, 200, "{office}: {page}");
        let stones: Vec<&Value> = page["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|e| e.get("deleted").is_some())
            .collect();
        assert_eq!(stones.len(), 3, "{office}: {page}");
        for e in &stones {
            assert!(
                e.get("record").is_none() && e.get("changed").is_none(),
                "{e}"
            );
        }
        assert_eq!(stones[0]["fldm_id"].as_str(), Some(ids[0].as_str()));
        assert_eq!(stones[0]["deleted"]["reason"], "wegzug");
        assert!(stones[0]["deleted"].get("merged_into").is_none());
        assert_eq!(stones[1]["fldm_id"].as_str(), Some(ids[2].as_str()));
        assert_eq!(
            stones[1]["deleted"]["merged_into"].as_str(),
            Some(ids[1].as_str())
        );
        let audit = records_of(&t, &format!("feed-{office}"));
        assert_eq!(audit.len(), 1);
        let named = refs(&audit[0]);
        for id in [&ids[0], &ids[2], &ids[3]] {
            assert!(
                named.contains(&subject_ref(&t, id)),
                "{office}: page record names {id}"
            );
        }
    }

    // The audit records: operation and subjects per request, refusals included.
    for (rid, op, kind, subjects) in [
        (
            "del-wa",
            Operation::Delete,
            OutcomeKind::Denied,
            vec![&ids[0]],
        ),
        (
            "del-noreason",
            Operation::Delete,
            OutcomeKind::Error,
            vec![&ids[0]],
        ),
        (
            "del-badreason",
            Operation::Delete,
            OutcomeKind::Error,
            vec![&ids[0]],
        ),
        (
            "del-1",
            Operation::Delete,
            OutcomeKind::Permitted,
            vec![&ids[0]],
        ),
        (
            "del-2",
            Operation::Delete,
            OutcomeKind::Error,
            vec![&ids[0]],
        ),
        (
            "mrg-self",
            Operation::Combine,
            OutcomeKind::Error,
            vec![&ids[1]],
        ),
        (
            "mrg-wa",
            Operation::Combine,
            OutcomeKind::Denied,
            vec![&ids[1], &ids[2]],
        ),
        (
            "mrg-1",
            Operation::Combine,
            OutcomeKind::Permitted,
            vec![&ids[1], &ids[2]],
        ),
        (
            "mrg-xml",
            Operation::Combine,
            OutcomeKind::Permitted,
            vec![&ids[1], &ids[3]],
        ),
    ] {
        let r = records_of(&t, rid);
        assert_eq!(r.len(), 1, "{rid}");
        assert_eq!((r[0].operation, r[0].outcome.kind), (op, kind), "{rid}");
        let mut want: Vec<String> = subjects.iter().map(|id| subject_ref(&t, id)).collect();
        want.sort();
        assert_eq!(refs(&r[0]), want, "{rid}");
    }
    assert_eq!(
        records_of(&t, "del-1")[0].outcome.reason.as_deref(),
        Some("wegzug")
    );
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_of_a_running_hub_cannot_be_opened_by_another_writer() {
    let t = start(0).await;
    let config = fldm_hub::HubConfig::load(t.dir().join("hub.toml")).expect("config");
    let e = fldm_hub::open_offline(&config).expect_err("the hub holds the journal");
    assert!(
        matches!(
            e,
            fldm_hub::HubError::JournalLock(fldm_hub::JournalLockError::InUse { .. })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("in use"), "{e}");
    t.stop_and_verify().await;
}

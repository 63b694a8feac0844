//! The client and the hub record the same access alike: both stages build
//! their records with `fldm_core::audit::RecordFacts`, so the legal basis,
//! rule, policy hash and subject reference of one request agree. And both
//! ends hold the context headers to the same rules
//! (`fldm_core::wire::headers::Rule`).

mod api_support;

use api_support::{POLICY, TestHub, send, start};
use fldm_client::{Context, Error, HubClient, HubClientBuilder};
use fldm_core::audit::{AuditRecord, ReadEntry, Stage, read_entries};
use fldm_core::policy::Policy;

fn client(t: &TestHub, office: &str, journal: &std::path::Path) -> HubClient {
    let cert = t.pki.office(office).expect("office certificate");
    HubClientBuilder::new(t.base.clone())
        .ca_pem(t.pki.ca.cert_pem.clone())
        .identity_pem(cert.cert_pem.clone(), cert.key_pem.clone())
        .user("sachbearbeitung-1")
        .office(office)
        .journal_dir(journal)
        // The hub's key, so that both stages name the person alike.
        .journal_pseudonym_key(t.dir.path().join("pseudonym.hex"))
        .build()
        .expect("client")
}

fn records(dir: &std::path::Path) -> Vec<AuditRecord> {
    read_entries(dir)
        .expect("read journal")
        .into_iter()
        .filter_map(|e| match e {
            ReadEntry::Entry(e) => Some(e.record),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn client_and_hub_records_of_one_access_agree() {
    let t = start(3).await;
    let journal = t.dir.path().join("client-journal");
    let c = client(&t, "wohnungsamt", &journal);
    let id = t.seeded_ids(3)[1].clone();
    let ctx = Context::new("W01")
        .case("WA-2026-0815")
        .request_id("agree-1");
    let d = c.get_person(&id, &ctx).await.expect("disclosure");

    let client_rec = records(&journal)
        .into_iter()
        .find(|r| r.request_id == "agree-1")
        .expect("client record");
    let hub_rec = t
        .audit_records()
        .into_iter()
        .find(|r| r.request_id == "agree-1")
        .expect("hub record");
    assert_eq!(
        (client_rec.stage, hub_rec.stage),
        (Stage::Client, Stage::Hub)
    );

    // One legal-basis text: section, then law, as `LegalBasis::short`.
    let policy = Policy::load(POLICY).expect("policy");
    let rule = policy.rule(&d.decision.rule_id).expect("deciding rule");
    let expected = rule.legal_basis.short();
    assert!(expected.starts_with('§'), "{expected}");
    assert_eq!(client_rec.legal_basis.as_deref(), Some(expected.as_str()));
    assert_eq!(hub_rec.legal_basis, client_rec.legal_basis);
    assert_eq!(hub_rec.rule_id, client_rec.rule_id);
    assert_eq!(hub_rec.policy_hash, client_rec.policy_hash);
    // One subject rule: one person, one `subject_ref`.
    assert!(hub_rec.subject_ref.is_some());
    assert_eq!(hub_rec.subject_ref, client_rec.subject_ref);
    assert!(hub_rec.subject_refs.is_empty() && client_rec.subject_refs.is_empty());
    assert_eq!(hub_rec.payload_digest, client_rec.payload_digest);
    assert_eq!(hub_rec.case_reference, client_rec.case_reference);
    assert_eq!(hub_rec.retention_until, client_rec.retention_until);
    t.stop_and_verify().await;
}

#[tokio::test]
async fn a_header_breaking_its_rule_is_refused_by_client_and_hub() {
    let t = start(1).await;
    let journal = t.dir.path().join("client-journal");
    let c = client(&t, "wohnungsamt", &journal);
    let id = t.seeded_ids(1)[0].clone();
    let long_purpose = "W".repeat(33);
    let before = t.journal_len();

    // Client side: refused before anything is sent or journaled.
    for (ctx, field) in [
        (Context::new(long_purpose.as_str()), "purpose"),
        (Context::new("W01").case("WA-\u{e4}"), "case_reference"),
        (
            Context::new("W01").request_id("id with space"),
            "request_id",
        ),
    ] {
        match c.get_person(&id, &ctx).await {
            Err(Error::Local(fldm_core::Error::Validation(v))) => assert_eq!(v.field, field),
            other => panic!("expected a local validation error for {field}, got {other:?}"),
        }
    }
    assert_eq!(t.journal_len(), before, "nothing reached the hub");
    assert!(records(&journal).is_empty(), "nothing was journaled");

    // Hub side: the same purpose sent without the client is refused, naming
    // the same field, and the refusal is audited.
    let http = t.client("wohnungsamt");
    let (s, v) = send(
        http.get(t.url(&format!("/v1/persons/{id}")))
            .header("FLDM-User", "sachbearbeitung-1")
            .header("FLDM-Purpose", long_purpose.as_str())
            .header("FLDM-Case", "WA-2026-0815"),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (422, Some("invalid_input"), Some("purpose"))
    );
    assert_eq!(t.journal_len(), before + 1);
    let rec = t.audit_records().pop().expect("hub record");
    assert_eq!(rec.purpose, "-");
    t.stop_and_verify().await;
}

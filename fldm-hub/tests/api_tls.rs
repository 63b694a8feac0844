//! The office identity comes from the client certificate: no certificate,
//! or one from another CA, and there is no connection; a header cannot
//! claim another office.

mod api_support;

use std::sync::Arc;

use api_support::{ctx, json, start};

fn client_without_certificate(ca_pem: &str) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for c in fldm_tls::certs_from_pem(ca_pem.as_bytes(), "CA").expect("ca") {
        roots.add(c).expect("root");
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::clone(&fldm_tls::provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_without_a_valid_client_certificate_are_refused() {
    let t = start(0).await;
    let before = t.journal_len();

    let anonymous = client_without_certificate(&t.pki.ca.cert_pem);
    let r = anonymous.get(t.url("/v1/health")).send().await;
    assert!(
        r.is_err(),
        "a client without certificate must not get a response"
    );

    // A certificate of the same office name, issued by another CA.
    let other = fldm_tls::generate_dev_pki(&[], &[("wohnungsamt", "wohnungsamt.stadt.example")])
        .expect("other pki");
    let oc = other.office("wohnungsamt").expect("cert");
    let cfg = fldm_tls::client_config(
        t.pki.ca.cert_pem.as_bytes(),
        oc.cert_pem.as_bytes(),
        oc.key_pem.as_bytes(),
    )
    .expect("config");
    let foreign = reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .build()
        .expect("client");
    let r = foreign.get(t.url("/v1/health")).send().await;
    assert!(r.is_err(), "a certificate from another CA must be refused");

    // Nothing reached the protocol layer, so nothing was logged.
    assert_eq!(t.journal_len(), before);

    // The genuine certificate works.
    let (status, v) = json(
        t.client("wohnungsamt")
            .get(t.url("/v1/health"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], "ok");
    t.stop_and_verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_header_cannot_change_the_office() {
    let t = start(3).await;
    let id = t.seeded_ids(1).remove(0);
    let wa = t.client("wohnungsamt");
    // Claims to be the Ausländerbehörde with its purpose: still wohnungsamt,
    // whose rules do not cover purpose 70.
    let resp = wa
        .get(t.url(&format!("/v1/persons/{id}")))
        .header("FLDM-Office", "auslaenderbehoerde")
        .header("FLDM-User", "u1")
        .header("FLDM-Purpose", "70")
        .header("FLDM-Case", "AZ-1")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.headers()["fldm-office"], "wohnungsamt");
    let (status, v) = json(resp).await;
    assert_eq!(status, 403);
    assert_eq!(v["code"], "policy_denied");
    assert_eq!(v["reason"], "no_matching_rule");

    // A valid certificate of the CA whose identity the policy does not know.
    let (status, v) = json(
        ctx(
            t.client("fremdamt")
                .get(t.url(&format!("/v1/persons/{id}"))),
            "wohnungsamt",
        )
        .header("FLDM-Office", "wohnungsamt")
        .send()
        .await
        .expect("send"),
    )
    .await;
    assert_eq!((status, v["code"].as_str()), (403, Some("unknown_office")));
    let rec = t.audit_records().pop().expect("record");
    assert_eq!(rec.requesting_office, "cert:fremdamt.stadt.example");
    assert_eq!(rec.outcome.kind, fldm_core::audit::OutcomeKind::Denied);

    // With its own purpose and the forged header: the wohnungsamt projection.
    let resp = ctx(wa.get(t.url(&format!("/v1/persons/{id}"))), "wohnungsamt")
        .header("FLDM-Office", "auslaenderbehoerde")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.headers()["fldm-office"], "wohnungsamt");
    let (status, v) = json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(v["decision"]["rule_id"], "wohnungsamt-identifikation");
    assert!(v["record"].get("azr_nummer").is_none());
    t.stop_and_verify().await;
}

/// A client of `t`'s housing office whose TLS offers only what `provider`
/// and `versions` allow.
fn client_with(
    t: &api_support::TestHub,
    provider: rustls::crypto::CryptoProvider,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for c in fldm_tls::certs_from_pem(t.pki.ca.cert_pem.as_bytes(), "CA").expect("ca") {
        roots.add(c).expect("root");
    }
    let office = t.pki.office("wohnungsamt").expect("office");
    let certs = fldm_tls::certs_from_pem(office.cert_pem.as_bytes(), "cert").expect("cert");
    let key = fldm_tls::key_from_pem(office.key_pem.as_bytes(), "key").expect("key");
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .expect("identity");
    reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .build()
        .expect("client")
}

/// The running hub (not just its configuration) refuses clients that offer
/// only ChaCha20 or only X25519, in TLS 1.3 and 1.2, and accepts the same
/// client with the profile's algorithms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_refuses_algorithms_outside_the_profile() {
    use rustls::crypto::ring::{cipher_suite as cs, default_provider, kx_group};
    let t = start(0).await;
    let before = t.journal_len();
    let chacha = || rustls::crypto::CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
        ..default_provider()
    };
    let x25519 = || rustls::crypto::CryptoProvider {
        kx_groups: vec![kx_group::X25519],
        ..default_provider()
    };
    let tls13: &[&'static rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
    let tls12: &[&'static rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
    for (name, provider, versions) in [
        ("ChaCha20, TLS 1.3", chacha(), tls13),
        ("ChaCha20, TLS 1.2", chacha(), tls12),
        ("X25519, TLS 1.3", x25519(), tls13),
        ("X25519, TLS 1.2", x25519(), tls12),
    ] {
        let r = client_with(&t, provider, versions)
            .get(t.url("/v1/health"))
            .send()
            .await;
        assert!(r.is_err(), "{name}: the hub must refuse the handshake");
    }
    assert_eq!(
        t.journal_len(),
        before,
        "no request reached the protocol layer"
    );
    for versions in [tls13, tls12] {
        let (status, _) = json(
            client_with(&t, fldm_tls::provider().as_ref().clone(), versions)
                .get(t.url("/v1/health"))
                .send()
                .await
                .expect("the profile's algorithms are accepted"),
        )
        .await;
        assert_eq!(status, 200);
    }
    t.stop_and_verify().await;
}

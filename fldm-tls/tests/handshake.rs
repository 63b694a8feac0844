//! The profile between rustls peers on 127.0.0.1: what it accepts, what it
//! negotiates, and the peers it refuses.

mod common;

use std::sync::Arc;

use common::*;
use fldm_tls::rustls::crypto::CryptoProvider;
use fldm_tls::rustls::crypto::ring::{cipher_suite as cs, default_provider, kx_group};
use fldm_tls::rustls::{
    self, CertificateError, CipherSuite, ClientConfig, NamedGroup, PeerIncompatible,
    ProtocolVersion, ServerConfig,
};

const PROFILE_SUITES: [CipherSuite; 6] = [
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];

fn assert_in_profile(seen: &Seen) {
    let suite = seen.suite.expect("negotiated suite");
    assert!(
        PROFILE_SUITES.contains(&suite),
        "suite {suite:?} not in profile"
    );
    let group = seen.group.expect("negotiated group");
    assert!(
        matches!(group, NamedGroup::secp256r1 | NamedGroup::secp384r1),
        "group {group:?} not in profile"
    );
}

/// A client with the profile's trust and identity but its own provider and
/// protocol versions.
fn custom_client(
    provider: CryptoProvider,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let pki = &pkis().ours;
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(versions)
            .expect("versions")
            .with_root_certificates(roots(pki))
            .with_client_auth_cert(certs(&office(pki).cert_pem), key(&office(pki).key_pem))
            .expect("client identity"),
    )
}

/// A server with the hub certificate but its own provider, no client auth.
fn custom_server(provider: CryptoProvider) -> Arc<ServerConfig> {
    let pki = &pkis().ours;
    Arc::new(
        ServerConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(certs(&pki.hub.cert_pem), key(&pki.hub.key_pem))
            .expect("server identity"),
    )
}

fn chacha_only() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
        ..default_provider()
    }
}

fn x25519_only() -> CryptoProvider {
    CryptoProvider {
        kx_groups: vec![kx_group::X25519],
        ..default_provider()
    }
}

#[test]
fn provider_holds_exactly_the_profile() {
    let p = fldm_tls::provider();
    let mut suites: Vec<CipherSuite> = p.cipher_suites.iter().map(|s| s.suite()).collect();
    suites.sort_by_key(|s| u16::from(*s));
    let mut expected = PROFILE_SUITES.to_vec();
    expected.sort_by_key(|s| u16::from(*s));
    assert_eq!(suites, expected);
    let groups: Vec<NamedGroup> = p.kx_groups.iter().map(|g| g.name()).collect();
    assert_eq!(groups, [NamedGroup::secp384r1, NamedGroup::secp256r1]);
    assert!(
        p.signature_verification_algorithms
            .mapping
            .iter()
            .all(|(scheme, _)| *scheme != rustls::SignatureScheme::ED25519)
    );
}

#[test]
fn install_default_provider_is_idempotent() {
    fldm_tls::install_default_provider();
    fldm_tls::install_default_provider();
    let default = CryptoProvider::get_default().expect("a default provider is installed");
    assert!(
        default
            .cipher_suites
            .iter()
            .all(|s| PROFILE_SUITES.contains(&s.suite()))
    );
}

#[tokio::test]
async fn office_connects_and_exchanges_bytes() {
    let pki = &pkis().ours;
    let (server, client) = pair(hub_config(pki), office_config(pki, office(pki))).await;
    let server = server.expect("server side");
    let client = client.expect("client side");
    assert_eq!(client.reply, b"pong");
    assert_eq!(server.peer_identity.as_deref(), Some(OFFICE_IDENTITY));
    assert_eq!(client.version, Some(ProtocolVersion::TLSv1_3));
    assert_in_profile(&client);
    assert_in_profile(&server);
    assert_eq!(client.alpn.as_deref(), Some(&b"h2"[..]));
}

#[tokio::test]
async fn tls12_client_gets_ecdhe_aes_gcm() {
    let pki = &pkis().ours;
    let client = custom_client(
        Arc::unwrap_or_clone(fldm_tls::provider()),
        &[&rustls::version::TLS12],
    );
    let (server, client) = pair(hub_config(pki), client).await;
    let client = client.expect("client side");
    assert_eq!(
        server.expect("server side").peer_identity.as_deref(),
        Some(OFFICE_IDENTITY)
    );
    assert_eq!(client.version, Some(ProtocolVersion::TLSv1_2));
    assert_in_profile(&client);
    assert!(
        matches!(
            client.suite,
            Some(
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                    | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            )
        ),
        "{:?}",
        client.suite
    );
}

#[tokio::test]
async fn secp256r1_client_is_accepted() {
    let pki = &pkis().ours;
    let provider = CryptoProvider {
        kx_groups: vec![kx_group::SECP256R1],
        ..Arc::unwrap_or_clone(fldm_tls::provider())
    };
    let client = custom_client(provider, &[&rustls::version::TLS13]);
    let (_, client) = pair(hub_config(pki), client).await;
    assert_eq!(
        client.expect("client side").group,
        Some(NamedGroup::secp256r1)
    );
}

#[tokio::test]
async fn server_refuses_client_without_certificate() {
    let pki = &pkis().ours;
    let client = Arc::new(
        ClientConfig::builder_with_provider(fldm_tls::provider())
            .with_protocol_versions(fldm_tls::PROTOCOL_VERSIONS)
            .expect("versions")
            .with_root_certificates(roots(pki))
            .with_no_client_auth(),
    );
    let (server, client) = pair(hub_config(pki), client).await;
    let err = expect_tls_refusal(&server, "server");
    assert!(
        matches!(err, rustls::Error::NoCertificatesPresented),
        "{err:?}"
    );
    expect_tls_refusal(&client, "client");
}

#[tokio::test]
async fn server_refuses_client_certificate_from_other_ca() {
    let p = pkis();
    // Trusts the right CA, but presents an office certificate of another CA.
    let client = office_config(&p.ours, office(&p.other));
    let (server, client) = pair(hub_config(&p.ours), client).await;
    let err = expect_tls_refusal(&server, "server");
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
        ),
        "{err:?}"
    );
    expect_tls_refusal(&client, "client");
}

#[tokio::test]
async fn client_refuses_server_certificate_from_other_ca() {
    let p = pkis();
    // The server's certificate comes from another CA; it would accept the
    // office's certificate.
    let server = Arc::new(
        fldm_tls::server_config(
            p.other.hub.cert_pem.as_bytes(),
            p.other.hub.key_pem.as_bytes(),
            p.ours.ca.cert_pem.as_bytes(),
        )
        .expect("server config"),
    );
    let (server, client) = pair(server, office_config(&p.ours, office(&p.ours))).await;
    let err = expect_tls_refusal(&client, "client");
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
        ),
        "{err:?}"
    );
    expect_tls_refusal(&server, "server");
}

#[tokio::test]
async fn client_refuses_chacha20_only_server() {
    let pki = &pkis().ours;
    // Control: the weak server works with a client that offers ChaCha20.
    let (_, control) = pair(
        custom_server(chacha_only()),
        custom_client(chacha_only(), fldm_tls::PROTOCOL_VERSIONS),
    )
    .await;
    assert_eq!(control.expect("control").reply, b"pong");

    let (server, client) = pair(
        custom_server(chacha_only()),
        office_config(pki, office(pki)),
    )
    .await;
    expect_tls_refusal(&client, "client");
    let err = expect_tls_refusal(&server, "server");
    assert!(
        matches!(
            err,
            rustls::Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon)
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn client_refuses_x25519_only_server() {
    let pki = &pkis().ours;
    let (_, control) = pair(
        custom_server(x25519_only()),
        custom_client(x25519_only(), fldm_tls::PROTOCOL_VERSIONS),
    )
    .await;
    assert_eq!(control.expect("control").group, Some(NamedGroup::X25519));

    let (server, client) = pair(
        custom_server(x25519_only()),
        office_config(pki, office(pki)),
    )
    .await;
    expect_tls_refusal(&client, "client");
    let err = expect_tls_refusal(&server, "server");
    assert!(
        matches!(
            err,
            rustls::Error::PeerIncompatible(PeerIncompatible::NoKxGroupsInCommon)
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn server_refuses_chacha20_only_client() {
    let pki = &pkis().ours;
    let client = custom_client(chacha_only(), fldm_tls::PROTOCOL_VERSIONS);
    let (server, client) = pair(hub_config(pki), client).await;
    let err = expect_tls_refusal(&server, "server");
    assert!(
        matches!(
            err,
            rustls::Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon)
        ),
        "{err:?}"
    );
    expect_tls_refusal(&client, "client");
}

#[tokio::test]
async fn server_refuses_x25519_only_client() {
    let pki = &pkis().ours;
    let client = custom_client(x25519_only(), fldm_tls::PROTOCOL_VERSIONS);
    let (server, client) = pair(hub_config(pki), client).await;
    let err = expect_tls_refusal(&server, "server");
    assert!(
        matches!(
            err,
            rustls::Error::PeerIncompatible(PeerIncompatible::NoKxGroupsInCommon)
        ),
        "{err:?}"
    );
    expect_tls_refusal(&client, "client");
}

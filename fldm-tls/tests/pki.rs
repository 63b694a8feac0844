//! The development PKI, PEM loading with typed errors, and the peer identity.

mod common;

use common::*;
use fldm_tls::Error;
use fldm_tls::rustls::pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

fn der(pem: &str) -> CertificateDer<'static> {
    certs(pem).remove(0)
}

fn with_cert<T>(pem: &str, f: impl FnOnce(&X509Certificate<'_>) -> T) -> T {
    let der = der(pem);
    let (_, cert) = X509Certificate::from_der(der.as_ref()).expect("parse certificate");
    f(&cert)
}

#[test]
fn write_to_writes_the_documented_files() {
    let pki = &pkis().ours;
    let dir = TempDir::new("files");
    pki.write_to(&dir.0).expect("write");
    let mut names: Vec<String> = std::fs::read_dir(&dir.0)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ca-key.pem",
            "ca.pem",
            "hub-key.pem",
            "hub.pem",
            "jugendamt-key.pem",
            "jugendamt.pem",
            "sozialamt-key.pem",
            "sozialamt.pem",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.0.join("sozialamt.pem")).expect("read"),
        office(pki).cert_pem
    );
}

#[cfg(unix)]
#[test]
fn key_files_are_private_even_when_they_existed_before() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("modes");
    let stale = dir.0.join("hub-key.pem");
    std::fs::write(&stale, "old").expect("write stale key");
    std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    pkis().ours.write_to(&dir.0).expect("write");
    for name in [
        "ca-key.pem",
        "hub-key.pem",
        "sozialamt-key.pem",
        "jugendamt-key.pem",
    ] {
        let mode = std::fs::metadata(dir.0.join(name))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
}

#[test]
fn written_files_load_into_configs() {
    let dir = TempDir::new("load");
    pkis().ours.write_to(&dir.0).expect("write");
    let p = |n: &str| dir.0.join(n);
    fldm_tls::server_config_from_files(p("hub.pem"), p("hub-key.pem"), p("ca.pem"))
        .expect("server config from files");
    fldm_tls::client_config_from_files(p("ca.pem"), p("sozialamt.pem"), p("sozialamt-key.pem"))
        .expect("client config from files");
}

#[test]
fn certificates_have_the_documented_contents() {
    let pki = &pkis().ours;
    with_cert(&pki.ca.cert_pem, |ca| {
        assert!(ca.is_ca());
        let cn = ca.subject().iter_common_name().next().expect("CA CN");
        assert!(
            cn.as_str()
                .expect("utf8")
                .starts_with("FLDM Development CA ")
        );
        let days =
            (ca.validity().not_after.timestamp() - ca.validity().not_before.timestamp()) / 86_400;
        assert!((729..=731).contains(&days), "{days} days");
    });
    with_cert(&pki.hub.cert_pem, |hub| {
        let san = hub
            .subject_alternative_name()
            .expect("SAN ok")
            .expect("SAN present");
        let names: Vec<String> = san
            .value
            .general_names
            .iter()
            .map(|n| match n {
                GeneralName::DNSName(d) => d.to_string(),
                GeneralName::IPAddress(ip) => format!("{ip:?}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert!(names.contains(&"localhost".to_string()), "{names:?}");
        assert!(
            names.contains(&"hub.stadt.example".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&format!("{:?}", &[127u8, 0, 0, 1][..])),
            "{names:?}"
        );
        let eku = hub
            .extended_key_usage()
            .expect("EKU ok")
            .expect("EKU present");
        assert!(eku.value.server_auth && !eku.value.client_auth);
    });
    with_cert(&office(pki).cert_pem, |office| {
        let eku = office
            .extended_key_usage()
            .expect("EKU ok")
            .expect("EKU present");
        assert!(eku.value.client_auth && !eku.value.server_auth);
        assert!(!office.is_ca());
    });
}

#[test]
fn every_generation_has_its_own_ca_name() {
    let p = pkis();
    let name = |pem: &str| with_cert(pem, |c| c.subject().to_string());
    assert_ne!(name(&p.ours.ca.cert_pem), name(&p.other.ca.cert_pem));
}

#[test]
fn peer_identity_is_the_common_name() {
    let pki = &pkis().ours;
    let chain = [der(&office(pki).cert_pem), der(&pki.ca.cert_pem)];
    assert_eq!(
        fldm_tls::peer_identity(&chain).as_deref(),
        Some(OFFICE_IDENTITY)
    );
    assert_eq!(
        fldm_tls::peer_identity(&[der(&pki.office("jugendamt").expect("office").cert_pem)])
            .as_deref(),
        Some("jugendamt.stadt.example")
    );
}

#[test]
fn peer_identity_falls_back_to_the_first_dns_name() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "buergeramt.stadt.example".to_string(),
        "second.stadt.example".to_string(),
    ])
    .expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    let cert = params.self_signed(&key).expect("self-signed");
    assert_eq!(
        fldm_tls::peer_identity(&[cert.der().clone()]).as_deref(),
        Some("buergeramt.stadt.example")
    );
}

#[test]
fn peer_identity_of_nothing_or_garbage_is_none() {
    assert_eq!(fldm_tls::peer_identity(&[]), None);
    assert_eq!(
        fldm_tls::peer_identity(&[CertificateDer::from(vec![0x30, 0x03, 1, 2, 3])]),
        None
    );
}

#[test]
fn missing_file_names_the_path() {
    let dir = TempDir::new("missing");
    let path = dir.0.join("nicht-da.pem");
    match fldm_tls::certs_from_file(&path) {
        Err(Error::MissingFile { path: p }) => assert_eq!(p, path),
        other => panic!("{other:?}"),
    }
    let err = fldm_tls::client_config_from_files(&path, &path, &path).expect_err("missing");
    assert!(err.to_string().contains("nicht-da.pem"), "{err}");
}

#[test]
fn pem_without_certificate_or_key_is_reported() {
    let pki = &pkis().ours;
    match fldm_tls::certs_from_pem(pki.hub.key_pem.as_bytes(), "hub certificate") {
        Err(Error::NoCertificate { what }) => assert_eq!(what, "hub certificate"),
        other => panic!("{other:?}"),
    }
    match fldm_tls::key_from_pem(pki.hub.cert_pem.as_bytes(), "hub key") {
        Err(Error::NoPrivateKey { what }) => assert_eq!(what, "hub key"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        fldm_tls::certs_from_pem(b"", "empty"),
        Err(Error::NoCertificate { .. })
    ));
    // Cert and key swapped in the server configuration.
    let err = fldm_tls::server_config(
        pki.hub.key_pem.as_bytes(),
        pki.hub.cert_pem.as_bytes(),
        pki.ca.cert_pem.as_bytes(),
    )
    .expect_err("swapped");
    assert!(matches!(err, Error::NoCertificate { .. }), "{err:?}");
}

#[test]
fn unsupported_keys_are_refused_by_type() {
    let pki = &pkis().ours;
    let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("ed25519 key");
    let err = fldm_tls::client_config(
        pki.ca.cert_pem.as_bytes(),
        office(pki).cert_pem.as_bytes(),
        ed.serialize_pem().as_bytes(),
    )
    .expect_err("ed25519");
    assert!(matches!(err, Error::UnsupportedKey { .. }), "{err:?}");

    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let err = fldm_tls::key_from_pem(encrypted.as_bytes(), "client key").expect_err("encrypted");
    assert!(matches!(err, Error::UnsupportedKey { .. }), "{err:?}");
}

#[test]
fn key_of_another_certificate_is_a_mismatch() {
    let pki = &pkis().ours;
    let err = fldm_tls::server_config(
        pki.hub.cert_pem.as_bytes(),
        office(pki).key_pem.as_bytes(),
        pki.ca.cert_pem.as_bytes(),
    )
    .expect_err("mismatch");
    assert!(matches!(err, Error::KeyMismatch { .. }), "{err:?}");
}

#[test]
fn broken_certificates_are_reported() {
    let pki = &pkis().ours;
    let not_der = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
    let err = fldm_tls::client_config(
        not_der.as_bytes(),
        office(pki).cert_pem.as_bytes(),
        office(pki).key_pem.as_bytes(),
    )
    .expect_err("CA not DER");
    assert!(matches!(err, Error::InvalidCertificate { .. }), "{err:?}");

    let err = fldm_tls::server_config(
        not_der.as_bytes(),
        pki.hub.key_pem.as_bytes(),
        pki.ca.cert_pem.as_bytes(),
    )
    .expect_err("hub certificate not DER");
    assert!(matches!(err, Error::InvalidCertificate { .. }), "{err:?}");

    let not_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    let err = fldm_tls::certs_from_pem(not_base64.as_bytes(), "CA").expect_err("bad base64");
    assert!(matches!(err, Error::Pem { .. }), "{err:?}");
}

#[test]
fn errors_do_not_echo_key_material() {
    let secret = "c2VjcmV0c2VjcmV0c2VjcmV0";
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{secret}#\n-----END PRIVATE KEY-----\n");
    let err = fldm_tls::key_from_pem(pem.as_bytes(), "client key").expect_err("broken key");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(!format!("{:?}", pkis().ours.hub).contains("PRIVATE KEY"));
}

#[test]
fn office_ids_must_be_usable_file_names() {
    for bad in [
        "",
        "ca",
        "hub",
        "x-key",
        "../etc",
        "a/b",
        ".hidden",
        "amt für soziales",
    ] {
        let err = fldm_tls::generate_dev_pki(&[], &[(bad, "identity")]).expect_err(bad);
        assert!(matches!(err, Error::InvalidName { .. }), "{bad}: {err:?}");
    }
    let err = fldm_tls::generate_dev_pki(&[], &[("amt", "a"), ("amt", "b")]).expect_err("twice");
    assert!(matches!(err, Error::InvalidName { .. }), "{err:?}");
    let err = fldm_tls::generate_dev_pki(&[], &[("amt", " ")]).expect_err("empty identity");
    assert!(matches!(err, Error::InvalidName { .. }), "{err:?}");
    let err = fldm_tls::generate_dev_pki(&["hüb.example"], &[]).expect_err("non-ASCII hub name");
    assert!(matches!(err, Error::InvalidName { .. }), "{err:?}");
}

//! Shared set-up of the API tests: a development PKI for the offices of the
//! reference policy, audit keys, a hub on 127.0.0.1 (port 0) with a
//! temporary directory, and mTLS clients per office.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use fldm_core::audit::{PseudonymKey, PublicKey, SigningKey, hex};
use fldm_core::policy::Policy;
use fldm_hub::{Hub, HubConfig, RunningHub};
use fldm_tls::DevPki;
use serde_json::Value;

pub const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/reference.toml");

/// Purpose and case reference that each office's rules accept.
pub fn purpose_of(office: &str) -> &'static str {
    match office {
        "auslaenderbehoerde" => "70",
        "wohnungsamt" => "W01",
        "sozialamt" => "62",
        "gesundheitsamt" => "27",
        "jugendamt" => "28",
        "statistikstelle" => "S01",
        "datenschutz" => "D01",
        _ => "70",
    }
}

pub struct TestHub {
    pub hub: Option<RunningHub>,
    pub dir: tempfile::TempDir,
    pub pki: DevPki,
    pub base: String,
    pub public_key: PublicKey,
    pub audit_dir: PathBuf,
}

pub async fn start(seed: usize) -> TestHub {
    start_with_policy(seed, POLICY).await
}

/// [`start`] with another policy file.
pub async fn start_with_policy(seed: usize, policy_file: &str) -> TestHub {
    fldm_tls::install_default_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = Policy::load(policy_file).expect("policy");
    let offices: Vec<(String, String)> = policy
        .offices()
        .iter()
        .map(|o| (o.id.clone(), o.cert_identity.clone()))
        .collect();
    let mut pairs: Vec<(&str, &str)> = offices
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    // A certificate of the city's CA for a body the policy does not know.
    pairs.push(("fremdamt", "fremdamt.stadt.example"));
    let pki = fldm_tls::generate_dev_pki(&[], &pairs).expect("pki");
    let pki_dir = dir.path().join("pki");
    pki.write_to(&pki_dir).expect("write pki");
    let pk8 = SigningKey::generate_pkcs8().expect("signing key");
    let public_key = SigningKey::from_pkcs8(&pk8).expect("key").public_key();
    std::fs::write(dir.path().join("audit.pk8"), &pk8).expect("write key");
    let pseudo = PseudonymKey::generate_bytes().expect("pseudonym key");
    std::fs::write(dir.path().join("pseudonym.hex"), hex(&pseudo)).expect("write key");
    let text = format!(
        r#"
listen = "127.0.0.1:0"
tls_certificate = "pki/hub.pem"
tls_key = "pki/hub-key.pem"
client_ca = "pki/ca.pem"
policy = "{policy_file}"
database = "data/hub.sqlite"
audit_dir = "data/audit"
audit_signing_key = "audit.pk8"
pseudonym_key = "pseudonym.hex"
checkpoint_interval = 5
max_body_bytes = 65536
"#
    );
    let cfg_path = dir.path().join("hub.toml");
    std::fs::write(&cfg_path, text).expect("write config");
    let config = HubConfig::load(&cfg_path).expect("config");
    let audit_dir = config.audit_dir.clone();
    let hub = Hub::start(config).await.expect("hub starts");
    if seed > 0 {
        let n = hub
            .load_persons(fldm_synth::population(seed, 7))
            .expect("seed");
        assert_eq!(n, seed as u64);
    }
    let base = format!("https://127.0.0.1:{}", hub.local_addr().port());
    TestHub {
        hub: Some(hub),
        dir,
        pki,
        base,
        public_key,
        audit_dir,
    }
}

impl TestHub {
    pub fn hub(&self) -> &RunningHub {
        self.hub.as_ref().expect("running")
    }

    /// An mTLS client with the certificate of `office`.
    pub fn client(&self, office: &str) -> reqwest::Client {
        let cert = self.pki.office(office).expect("office certificate");
        let cfg = fldm_tls::client_config(
            self.pki.ca.cert_pem.as_bytes(),
            cert.cert_pem.as_bytes(),
            cert.key_pem.as_bytes(),
        )
        .expect("client config");
        reqwest::Client::builder()
            .tls_backend_preconfigured(cfg)
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Number of entries in the audit journal.
    pub fn journal_len(&self) -> u64 {
        self.hub().state().journal.len()
    }

    /// The records of the audit journal, in order.
    pub fn audit_records(&self) -> Vec<fldm_core::audit::AuditRecord> {
        fldm_core::audit::read_entries(&self.audit_dir)
            .expect("read journal")
            .into_iter()
            .filter_map(|e| match e {
                fldm_core::audit::ReadEntry::Entry(e) => Some(e.record),
                _ => None,
            })
            .collect()
    }

    /// FLDM ids of the seeded persons, in seed order.
    pub fn seeded_ids(&self, n: usize) -> Vec<String> {
        fldm_synth::population(n, 7)
            .into_iter()
            .map(|p| p.fldm_id.as_str().to_string())
            .collect()
    }

    pub async fn stop_and_verify(mut self) -> fldm_core::audit::VerifyReport {
        if let Some(h) = self.hub.take() {
            h.shutdown().await;
        }
        let report =
            fldm_core::audit::verify_dir(&self.audit_dir, &self.public_key).expect("verify");
        assert!(
            report.is_intact(),
            "journal must verify: {:?}",
            report.problems
        );
        report
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// A request with the context headers of `office`.
pub fn ctx(req: reqwest::RequestBuilder, office: &str) -> reqwest::RequestBuilder {
    req.header("FLDM-User", "sachbearbeitung-1")
        .header("FLDM-Purpose", purpose_of(office))
        .header("FLDM-Case", "AZ-2026-0001")
}

/// The status and JSON body of a response (`Null` when the body is not JSON).
pub async fn json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body");
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v)
}

/// Send `req` as it is; the status and JSON body of the response.
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    json(req.send().await.expect("send")).await
}

/// Send `req` with the context headers of `office`; the status and JSON
/// body of the response.
pub async fn send_as(req: reqwest::RequestBuilder, office: &str) -> (u16, Value) {
    send(ctx(req, office)).await
}

/// Send `body` as JSON with `req` and the context headers of `office`, and
/// with an `Idempotency-Key` header where `idempotency_key` is given; the
/// status and JSON body of the response.
pub async fn send_json_as(
    req: reqwest::RequestBuilder,
    office: &str,
    idempotency_key: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut req = ctx(req, office);
    if let Some(key) = idempotency_key {
        req = req.header("Idempotency-Key", key);
    }
    send(req.json(body)).await
}

/// The attribute names with a value in a JSON record (dotted, catalogue names).
pub fn record_attributes(record: &Value) -> Vec<String> {
    let text = record.to_string();
    let p =
        fldm_core::codec::json::person_from_json(&text, fldm_core::codec::json::Strictness::Strict)
            .expect("record decodes");
    fldm_core::attribute::present(&p)
        .names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// The `<fldm:person>` element of an XML response.
pub fn person_element(doc: &str) -> &str {
    let start = doc.find("<fldm:person").expect("person element");
    let end = doc.rfind("</fldm:person>").expect("person end") + "</fldm:person>".len();
    &doc[start..end]
}

/// Validate a record element against `fldm-core/schema/fldm-kerndatensatz.xsd`
/// with xmllint (Debian: libxml2-utils). `FLDM_SKIP_XMLLINT=1` skips.
pub fn assert_xsd_valid(person_xml: &str, name: &str) {
    if std::env::var("FLDM_SKIP_XMLLINT").as_deref() == Ok("1") {
        eprintln!("FLDM_SKIP_XMLLINT=1: schema validation of {name} skipped");
        return;
    }
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fldm-core/schema/fldm-kerndatensatz.xsd");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join(format!("{name}.xml"));
    std::fs::write(
        &file,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{person_xml}\n"),
    )
    .expect("write");
    let out = match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed (apt-get install libxml2-utils); set FLDM_SKIP_XMLLINT=1 to skip"
        ),
        Err(e) => panic!("running xmllint failed: {e}"),
    };
    assert!(
        out.status.success(),
        "xmllint rejected {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
